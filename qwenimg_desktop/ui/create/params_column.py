"""The Create tab's right-hand column: the parameters and the batch panel scrolled together,
Generate pinned at its foot, never narrower than the widest row of parameters."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import QScrollArea, QVBoxLayout, QWidget


class ParamsColumn(QWidget):
    """Never a sideways scroll bar: the column's minimum width is the scrolled content's
    minimum width plus the vertical scroll bar it will have on a short screen.

    The width is asked for whenever the layout asks (``minimumSizeHint``), not fixed when the
    column is built: the application's style sheet is set after the window is built (see
    ``AppRuntime.make_window``), and it, a theme or a language change can widen the rows."""

    def __init__(self, content: list[QWidget], footer: QWidget, parent: QWidget) -> None:
        super().__init__(parent)
        self.scroll_area = QScrollArea(self)
        self.scroll_area.setWidgetResizable(True)
        self.scroll_area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self._scrolled = QWidget(self)
        scrolled_layout = QVBoxLayout(self._scrolled)
        scrolled_layout.setContentsMargins(0, 0, 0, 0)
        for index, widget in enumerate(content):
            scrolled_layout.addWidget(widget, 1 if index == 0 else 0)  # the first one stretches
        self.scroll_area.setWidget(self._scrolled)
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(self.scroll_area, 1)
        column.addWidget(footer)

    def minimumSizeHint(self) -> QSize:
        hint = super().minimumSizeHint()
        width = (self._scrolled.minimumSizeHint().width()
                 + self.scroll_area.verticalScrollBar().sizeHint().width()
                 + 2 * self.scroll_area.frameWidth())
        return QSize(max(hint.width(), width), hint.height())
