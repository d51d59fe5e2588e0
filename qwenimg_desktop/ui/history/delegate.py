"""HistoryDelegate: paints one gallery tile (thumbnail, caption, date, badges) at a fixed size."""

from __future__ import annotations

from typing import Final

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRect, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter, QPalette, QPen, QPixmap
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem, QWidget

from qwenimg_desktop.core.jobs.model import JobState
from qwenimg_desktop.ui.history.model import Role, TileFace
from qwenimg_desktop.ui.i18n import translate
from qwenimg_desktop.ui.messages import state_name

TILE: Final = QSize(176, 214)
IMAGE_BOX: Final = 160
PADDING: Final = 8
BADGE: Final = 20

class HistoryDelegate(QStyledItemDelegate):
    """Paints a tile from cached model data only; never touches disk or the database."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._caption_font = QFont()
        self._small_font = QFont()
        self._small_font.setPointSizeF(max(6.0, self._small_font.pointSizeF() * 0.85))
        self._caption_metrics = QFontMetrics(self._caption_font)
        self._small_metrics = QFontMetrics(self._small_font)

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
        face = index.data(Role.face)  # one call for all but the picture (see TileFace)
        if not isinstance(face, TileFace):  # its record is not read yet
            painter.setBrush(palette.color(QPalette.ColorRole.Mid))
            painter.drawRoundedRect(QRectF(box), 4, 4)
            return
        self._paint_image(painter, box, index, face, palette)
        self._paint_caption(painter, rect, box, face, palette, selected)
        self._paint_badges(painter, box, face)

    def _paint_image(self, painter: QPainter, box: QRect,
                     index: QModelIndex | QPersistentModelIndex, face: TileFace,
                     palette: QPalette) -> None:
        if face.tile is not None:
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
        state = face.state
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

    def _paint_caption(self, painter: QPainter, rect: QRect, box: QRect, face: TileFace,
                       palette: QPalette, selected: bool) -> None:
        role = QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text
        painter.setPen(palette.color(role))
        painter.setFont(self._caption_font)
        text_rect = QRect(rect.left() + PADDING, box.bottom() + 4, rect.width() - 2 * PADDING,
                          self._caption_metrics.height())
        caption = self._caption_metrics.elidedText(
            face.caption, Qt.TextElideMode.ElideRight, text_rect.width())
        painter.drawText(text_rect, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                         caption)
        painter.setFont(self._small_font)
        line = QRect(text_rect.left(), text_rect.bottom() + 1, text_rect.width(),
                     self._small_metrics.height())
        painter.drawText(line, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                         face.stamp)
        if face.size:
            painter.drawText(line, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                             face.size)

    def _paint_badges(self, painter: QPainter, box: QRect, face: TileFace) -> None:
        if face.tile is not None:
            self._paint_count(painter, box, face.tile.size)
        painter.setFont(self._small_font)
        if face.stars:
            label = QRect(box.left() + 4, box.bottom() - BADGE - 2, box.width() - 8, BADGE)
            painter.setPen(QColor(0, 0, 0, 160))
            painter.drawText(label.translated(1, 1), Qt.AlignmentFlag.AlignLeft,
                             "★" * face.stars)
            painter.setPen(QColor(255, 200, 40))
            painter.drawText(label, Qt.AlignmentFlag.AlignLeft, "★" * face.stars)
        x = box.right() - BADGE - 2
        for colour, text in face.badges:
            circle = QRect(x, box.top() + 4, BADGE, BADGE)
            painter.setPen(QPen(QColor(255, 255, 255), 1.5))
            painter.setBrush(QColor(colour))
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
