"""A contact sheet: the grid of a batch drawn into one image, with its axis labels.

Drawn with QPainter on a QImage (no window needed), in a font that has Chinese glyphs when the
system has one, so labels such as ``猫`` or a Chinese prompt are drawn, not boxes. Each page
(Z value) is one block under the other; a cell without an image says why (failed, waiting).
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from typing import Final

from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QColor, QFont, QFontDatabase, QFontMetrics, QImage, QPainter

from qwenimg_desktop.core.batch.grid import Grid

CELL: Final = 256
GAP: Final = 6
MARGIN: Final = 16
MAX_ROW_HEADER: Final = 240
_CJK_PREFERRED: Final = ("Noto Sans CJK SC", "Source Han Sans SC", "WenQuanYi Zen Hei",
                         "Microsoft YaHei", "PingFang SC")


@cache
def cjk_family() -> str:
    """A font family with Chinese glyphs ('' when the system has none: Qt's fallback)."""
    families = QFontDatabase.families(QFontDatabase.WritingSystem.SimplifiedChinese)
    for preferred in _CJK_PREFERRED:
        if preferred in families:
            return preferred
    return families[0] if families else ""


def label_font(pixels: int, *, bold: bool = False) -> QFont:
    font = QFont(cjk_family()) if cjk_family() else QFont()
    font.setPixelSize(pixels)
    font.setBold(bold)
    return font


def render_sheet(grid: Grid, images: Mapping[str, QImage], notes: Mapping[str, str],
                 title: str, cell: int = CELL) -> QImage:
    """The sheet of every page of ``grid``: ``images`` by job id, ``notes`` (a word for a cell
    without an image) by job id."""
    head_font, text_font = label_font(18, bold=True), label_font(14)
    metrics = QFontMetrics(text_font)
    line = metrics.height() + 8
    row_header = min(MAX_ROW_HEADER, max((metrics.horizontalAdvance(r) for r in grid.rows),
                                         default=0) + 16)
    columns, rows, pages = grid.columns, grid.rows, grid.pages
    block_height = line * (2 if pages != ("",) else 1) + len(rows) * (cell + GAP)
    width = MARGIN * 2 + row_header + len(columns) * (cell + GAP)
    height = MARGIN * 2 + line + len(pages) * (block_height + GAP)
    sheet = QImage(width, height, QImage.Format.Format_RGB32)
    sheet.fill(QColor(250, 250, 250))
    painter = QPainter(sheet)
    try:
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        painter.setRenderHint(QPainter.RenderHint.TextAntialiasing)
        painter.setPen(QColor(20, 20, 20))
        painter.setFont(head_font)
        axes = "   ".join(f"{xyz}: {axis.name}" for xyz, axis in zip("XYZ", grid.axes,
                                                                      strict=False))
        painter.drawText(QRect(MARGIN, MARGIN, width - 2 * MARGIN, line),
                         Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                         QFontMetrics(head_font).elidedText(f"{title}   {axes}",
                                                            Qt.TextElideMode.ElideRight,
                                                            width - 2 * MARGIN))
        painter.setFont(text_font)
        top = MARGIN + line
        for page in pages:
            if page:
                painter.drawText(QRect(MARGIN, top, width - 2 * MARGIN, line),
                                 Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                                 metrics.elidedText(f"Z: {page}", Qt.TextElideMode.ElideRight,
                                                    width - 2 * MARGIN))
                top += line
            left = MARGIN + row_header
            for c, column in enumerate(columns):
                painter.drawText(QRect(left + c * (cell + GAP), top, cell, line),
                                 Qt.AlignmentFlag.AlignCenter,
                                 metrics.elidedText(column, Qt.TextElideMode.ElideRight, cell))
            top += line
            for r, row in enumerate(rows):
                y = top + r * (cell + GAP)
                painter.drawText(QRect(MARGIN, y, row_header - 8, cell),
                                 Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                                 metrics.elidedText(row, Qt.TextElideMode.ElideRight,
                                                    row_header - 8))
                for c, column in enumerate(columns):
                    box = QRect(left + c * (cell + GAP), y, cell, cell)
                    found = grid.cell_at(page, row, column)
                    _draw_cell(painter, box, images.get(found.job_id) if found else None,
                               notes.get(found.job_id, "") if found else "—")
            top += len(rows) * (cell + GAP) + GAP
    finally:
        painter.end()
    return sheet


def _draw_cell(painter: QPainter, box: QRect, image: QImage | None, note: str) -> None:
    painter.fillRect(box, QColor(225, 225, 225))
    if image is None or image.isNull():
        painter.drawText(box, Qt.AlignmentFlag.AlignCenter, note)
        return
    scaled = image.size().scaled(box.size(), Qt.AspectRatioMode.KeepAspectRatio)
    target = QRect(0, 0, scaled.width(), scaled.height())
    target.moveCenter(box.center())
    painter.drawImage(target, image)
