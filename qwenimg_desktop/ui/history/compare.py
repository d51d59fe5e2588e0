"""CompareView: two generations side by side, zoom and pan synced, differences highlighted."""

from __future__ import annotations

import difflib
import html
from functools import partial
from typing import Final

from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QBrush, QColor, QImage, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QGridLayout,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from qwenimg_desktop.core.store.files import DataLayout
from qwenimg_desktop.core.store.records import JobRecord
from qwenimg_desktop.ui.history.describe import Row, parameter_rows
from qwenimg_desktop.ui.history.thumbnails import read_image
from qwenimg_desktop.ui.history.zoom import ZoomView, sync_views
from qwenimg_desktop.ui.i18n import translate
from qwenimg_desktop.ui.messages import state_name
from qwenimg_desktop.ui.safe_text import SafeTextBrowser, plain_label
from qwenimg_desktop.ui.workers import Workers

CHANGED_BACKGROUND: Final = "#fff1b8"
REMOVED: Final = "#ffd7d5"
ADDED: Final = "#d4f4d7"


def differing_rows(left: JobRecord, right: JobRecord) -> list[tuple[Row, Row | None, bool]]:
    """Each parameter row of ``left``, ``right``'s row of the same key, and whether they differ."""
    right_rows = {row.key: row for row in parameter_rows(right)}
    result = []
    for row in parameter_rows(left):
        other = right_rows.get(row.key)
        result.append((row, other, other is None or other.value != row.value))
    return result


def prompt_diff_html(left: str, right: str) -> str:
    """Both prompts line by line; removed lines red on the left, added lines green on the right."""
    a, b = left.splitlines(), right.splitlines()
    rows: list[str] = []
    matcher = difflib.SequenceMatcher(a=a, b=b, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        span = max(i2 - i1, j2 - j1)
        for k in range(span):
            old = a[i1 + k] if i1 + k < i2 else None
            new = b[j1 + k] if j1 + k < j2 else None
            same = tag == "equal"
            rows.append(
                "<tr>" + _cell(old, None if same else REMOVED)
                + _cell(new, None if same else ADDED) + "</tr>")
    return ("<table width='100%' cellspacing='0' cellpadding='2'>"
            "<tr><th align='left'>A</th><th align='left'>B</th></tr>" + "".join(rows)
            + "</table>")


def _cell(text: str | None, colour: str | None) -> str:
    style = f" style='background-color:{colour}; color:#000000'" \
        if colour and text is not None else ""
    body = html.escape(text) if text is not None else ""
    return f"<td width='50%' valign='top'{style}>{body or '&nbsp;'}</td>"


class CompareView(QWidget):
    """Two records side by side; the image views follow each other's zoom and pan."""

    def __init__(self, layout: DataLayout, images: Workers,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("historyCompare")
        self.setWindowTitle(translate("Compare", "Compare generations"))
        self._layout = layout
        self._images = images
        self.left = ZoomView(self)
        self.right = ZoomView(self)
        sync_views(self.left, self.right)
        self.left_title = plain_label("", self)
        self.right_title = plain_label("", self)
        self.params = QTableWidget(0, 3, self)
        self.params.setHorizontalHeaderLabels([translate("Compare", "Parameter"), "A", "B"])
        self.params.verticalHeader().setVisible(False)
        self.params.horizontalHeader().setStretchLastSection(True)
        self.prompt = SafeTextBrowser(self)
        images_box = QWidget(self)
        grid = QGridLayout(images_box)
        grid.addWidget(self.left_title, 0, 0)
        grid.addWidget(self.right_title, 0, 1)
        grid.addWidget(self.left, 1, 0)
        grid.addWidget(self.right, 1, 1)
        lower = QSplitter(self)
        lower.addWidget(self.params)
        lower.addWidget(self.prompt)
        lower.setSizes([380, 520])
        outer = QSplitter(self)
        outer.setOrientation(outer.orientation().Vertical)
        outer.addWidget(images_box)
        outer.addWidget(lower)
        outer.setSizes([420, 260])
        layout_ = QVBoxLayout(self)
        layout_.addWidget(outer)
        self._records: tuple[JobRecord, JobRecord] | None = None
        QShortcut(QKeySequence(Qt.Key.Key_Escape), self, self.close)

    def fit_to_screen(self, available: QRect) -> None:
        """Open within the screen (at most 1100×760, centred): on a 1366×768 screen the whole
        window, title bar included, is in view."""
        width = min(1100, available.width() * 9 // 10)
        height = min(760, available.height() * 9 // 10)
        self.resize(width, height)
        self.move(available.center().x() - width // 2, available.center().y() - height // 2)

    def __repr__(self) -> str:
        ids = tuple(r.id for r in self._records) if self._records else None
        return f"<CompareView {ids}>"

    @property
    def records(self) -> tuple[JobRecord, JobRecord] | None:
        return self._records

    def set_records(self, left: JobRecord, right: JobRecord) -> None:
        self._records = (left, right)
        for record, view, title in ((left, self.left, self.left_title),
                                    (right, self.right, self.right_title)):
            seed = record.seed if record.seed is not None else "—"
            title.setText(translate("Compare", "{side}: seed {seed}, {width}×{height}, {state}")
                          .format(side="A" if view is self.left else "B", seed=seed,
                                  width=record.width, height=record.height,
                                  state=state_name(record.state)))
            view.set_image(None)
            if record.images:
                path = self._layout.absolute(record.images[0].path)
                self._images.run(partial(read_image, path), partial(self._on_image, view))
        self._fill_params(left, right)
        self.prompt.set_built_html(prompt_diff_html(left.prompt, right.prompt))

    def _on_image(self, view: ZoomView, image: QImage) -> None:
        view.set_image(image)
        if self.left.has_image() and self.right.has_image():
            self.left.fit()  # both open fitted: the right view follows the left one
            self.right.apply_view(self.left.zoom(), self.left.centre())

    def _fill_params(self, left: JobRecord, right: JobRecord) -> None:
        rows = differing_rows(left, right)
        self.params.setRowCount(len(rows))
        for i, (row, other, differs) in enumerate(rows):
            cells = [row.label, row.value, other.value if other else "—"]
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if differs:
                    item.setBackground(QBrush(QColor(CHANGED_BACKGROUND)))
                    item.setForeground(QBrush(QColor("#000000")))
                    font = item.font()
                    font.setBold(True)
                    item.setFont(font)
                self.params.setItem(i, column, item)
        self.params.resizeColumnsToContents()

    def highlighted_keys(self) -> list[str]:
        """Keys of the parameter rows shown as different (for tests and accessibility)."""
        if self._records is None:
            return []
        return [row.key for row, _, differs in differing_rows(*self._records) if differs]
