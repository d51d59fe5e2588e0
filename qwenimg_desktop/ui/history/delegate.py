"""HistoryDelegate: paints one gallery tile (thumbnail, caption, date, badges) at a fixed size."""

from __future__ import annotations

import time
from typing import Final

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRect, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter, QPalette, QPen, QPixmap
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem, QWidget

from qwenimg_desktop.core.endpoints import EndpointKind, Tier, UnknownEndpoint, endpoint_for
from qwenimg_desktop.core.jobs.model import JobState
from qwenimg_desktop.core.store.grids import BatchTile, is_contact_sheet
from qwenimg_desktop.core.store.records import JobSummary
from qwenimg_desktop.ui.history.model import Role
from qwenimg_desktop.ui.i18n import translate
from qwenimg_desktop.ui.messages import state_name

TILE: Final = QSize(176, 214)
IMAGE_BOX: Final = 160
PADDING: Final = 8
BADGE: Final = 20

_BADGE_COLOURS: Final = {
    JobState.failed: QColor(200, 50, 50),
    JobState.cancelled: QColor(120, 120, 120),
    JobState.unknown: QColor(200, 130, 20),
}
# Cancelled is "⊘" (stopped), not "×", which reads as a close button on a tile.
_BADGE_TEXT: Final = {JobState.failed: "!", JobState.cancelled: "⊘", JobState.unknown: "?"}


class HistoryDelegate(QStyledItemDelegate):
    """Paints a tile from cached model data only; never touches disk or the database."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._caption_font = QFont()
        self._small_font = QFont()
        self._small_font.setPointSizeF(max(6.0, self._small_font.pointSizeF() * 0.85))

    def __repr__(self) -> str:
        return f"<HistoryDelegate tile={TILE.width()}x{TILE.height()}>"

    def sizeHint(self, option: QStyleOptionViewItem,
                 index: QModelIndex | QPersistentModelIndex) -> QSize:
        return QSize(TILE)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem,
              index: QModelIndex | QPersistentModelIndex) -> None:
        painter.save()
        try:
            self._paint(painter, option, index)
        finally:
            painter.restore()

    def _paint(self, painter: QPainter, option: QStyleOptionViewItem,
               index: QModelIndex | QPersistentModelIndex) -> None:
        rect = QRect(option.rect).adjusted(3, 3, -3, -3)
        palette: QPalette = option.palette
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        background = palette.color(QPalette.ColorRole.Highlight if selected
                                   else QPalette.ColorRole.AlternateBase)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(background)
        painter.drawRoundedRect(QRectF(rect), 6, 6)
        box = QRect(rect.left() + (rect.width() - IMAGE_BOX) // 2, rect.top() + PADDING - 3,
                    IMAGE_BOX, IMAGE_BOX)
        self._paint_image(painter, box, index, palette)
        self._paint_caption(painter, rect, box, index, palette, selected)
        self._paint_badges(painter, box, index)

    def _paint_image(self, painter: QPainter, box: QRect,
                     index: QModelIndex | QPersistentModelIndex, palette: QPalette) -> None:
        tile = index.data(Role.batch_tile)
        if isinstance(tile, BatchTile):
            self._paint_mosaic(painter, box, index.data(Role.mosaic) or [], palette)
            return
        pixmap = index.data(Role.thumbnail)
        if isinstance(pixmap, QPixmap) and not pixmap.isNull():
            scaled = pixmap.size().scaled(box.size(), Qt.AspectRatioMode.KeepAspectRatio)
            target = QRect(0, 0, scaled.width(), scaled.height())
            target.moveCenter(box.center())
            painter.drawPixmap(target, pixmap)
            return
        painter.setBrush(palette.color(QPalette.ColorRole.Mid))
        painter.drawRoundedRect(QRectF(box), 4, 4)
        state = _state(index)
        if state is JobState.completed and not index.data(Role.thumbnail_failed):
            return  # still decoding: a plain placeholder
        painter.setPen(palette.color(QPalette.ColorRole.Text))
        label = (translate("Gallery", "no image") if state is JobState.completed
                 else state_name(state) if state else "")
        painter.drawText(box, Qt.AlignmentFlag.AlignCenter, label)

    def _paint_mosaic(self, painter: QPainter, box: QRect, pixmaps: list[QPixmap | None],
                      palette: QPalette) -> None:
        """A grouped batch: its first images two by two, stacked cards behind them."""
        painter.setBrush(palette.color(QPalette.ColorRole.Mid))
        for shift in (6, 3):
            painter.drawRoundedRect(QRectF(box.adjusted(shift, -shift, shift, -shift)), 4, 4)
        painter.drawRoundedRect(QRectF(box), 4, 4)
        half = (IMAGE_BOX - 6) // 2
        for position, pixmap in enumerate(pixmaps[:4]):
            cell = QRect(box.left() + 2 + (position % 2) * (half + 2),
                         box.top() + 2 + (position // 2) * (half + 2), half, half)
            if isinstance(pixmap, QPixmap) and not pixmap.isNull():
                scaled = pixmap.size().scaled(cell.size(), Qt.AspectRatioMode.KeepAspectRatio)
                target = QRect(0, 0, scaled.width(), scaled.height())
                target.moveCenter(cell.center())
                painter.drawPixmap(target, pixmap)

    def _paint_caption(self, painter: QPainter, rect: QRect, box: QRect,
                       index: QModelIndex | QPersistentModelIndex, palette: QPalette,
                       selected: bool) -> None:
        role = QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text
        painter.setPen(palette.color(role))
        painter.setFont(self._caption_font)
        text_rect = QRect(rect.left() + PADDING, box.bottom() + 4, rect.width() - 2 * PADDING,
                          QFontMetrics(self._caption_font).height())
        tile = index.data(Role.batch_tile)
        text = (translate("Gallery", "Batch · {label}").format(label=tile.label)
                if isinstance(tile, BatchTile)
                else str(index.data(Qt.ItemDataRole.DisplayRole) or ""))
        caption = QFontMetrics(self._caption_font).elidedText(
            text, Qt.TextElideMode.ElideRight, text_rect.width())
        painter.drawText(text_rect, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                         caption)
        record = index.data(Role.summary)
        if record is None:
            return
        painter.setFont(self._small_font)
        stamp = time.strftime("%Y-%m-%d %H:%M", time.localtime(record.created_at))
        size = f"{record.width}×{record.height}" if record.width and record.height else ""
        line = QRect(text_rect.left(), text_rect.bottom() + 1, text_rect.width(),
                     QFontMetrics(self._small_font).height())
        painter.drawText(line, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, stamp)
        painter.drawText(line, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, size)

    def _paint_badges(self, painter: QPainter, box: QRect,
                      index: QModelIndex | QPersistentModelIndex) -> None:
        badges: list[tuple[QColor, str]] = []
        state = _state(index)
        if state is not None and state in _BADGE_COLOURS:
            badges.append((_BADGE_COLOURS[state], _BADGE_TEXT[state]))
        if index.data(Role.missing):
            badges.append((QColor(190, 90, 20), "⤓"))
        if index.data(Role.favourite):
            badges.append((QColor(230, 170, 0), "★"))
        badges += _endpoint_badges(index.data(Role.summary))
        tile = index.data(Role.batch_tile)
        if isinstance(tile, BatchTile):
            self._paint_count(painter, box, tile.size)
        painter.setFont(self._small_font)
        stars = int(index.data(Role.rating) or 0)
        if stars:
            label = QRect(box.left() + 4, box.bottom() - BADGE - 2, box.width() - 8, BADGE)
            painter.setPen(QColor(0, 0, 0, 160))
            painter.drawText(label.translated(1, 1), Qt.AlignmentFlag.AlignLeft, "★" * stars)
            painter.setPen(QColor(255, 200, 40))
            painter.drawText(label, Qt.AlignmentFlag.AlignLeft, "★" * stars)
        x = box.right() - BADGE - 2
        for colour, text in badges:
            circle = QRect(x, box.top() + 4, BADGE, BADGE)
            painter.setPen(QPen(QColor(255, 255, 255), 1.5))
            painter.setBrush(colour)
            painter.drawEllipse(circle)
            painter.drawText(circle, Qt.AlignmentFlag.AlignCenter, text)
            x -= BADGE + 4


    def _paint_count(self, painter: QPainter, box: QRect, size: int) -> None:
        """A grouped batch's job count, bottom right of the mosaic."""
        painter.setFont(self._small_font)
        text = f"▦ {size:,}"
        width = QFontMetrics(self._small_font).horizontalAdvance(text) + 12
        pill = QRect(box.right() - width - 4, box.bottom() - BADGE - 4, width, BADGE)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(40, 40, 40, 200))
        painter.drawRoundedRect(QRectF(pill), BADGE / 2, BADGE / 2)
        painter.setPen(QColor(255, 255, 255))
        painter.drawText(pill, Qt.AlignmentFlag.AlignCenter, text)


def _state(index: QModelIndex | QPersistentModelIndex) -> JobState | None:
    """The row's state (Qt hands a str-based enum back as a plain string)."""
    value = index.data(Role.state)
    try:
        return JobState(value) if value else None
    except ValueError:
        return None


def _endpoint_badges(summary: object) -> list[tuple[QColor, str]]:
    """An edit gets ✎ and the standard tier S; pro text-to-image, the default, gets none."""
    if not isinstance(summary, JobSummary) or not summary.endpoint:
        return []
    if is_contact_sheet(summary.endpoint):
        return [(QColor(60, 140, 90), "▦")]
    try:
        endpoint = endpoint_for(summary.endpoint)
    except UnknownEndpoint:
        return [(QColor(120, 120, 120), "?")]
    badges = []
    if endpoint.kind is EndpointKind.edit:
        badges.append((QColor(70, 110, 200), "✎"))
    if endpoint.tier is Tier.standard:
        badges.append((QColor(110, 110, 110), "S"))
    return badges
