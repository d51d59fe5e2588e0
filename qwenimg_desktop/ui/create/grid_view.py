"""The grid window: a batch's results laid out by its axes, each cell opening its generation.

Columns are the first axis (X), rows the second (Y), a page chooser the rest (Z). Headers are
plain labels (a Chinese value or prompt is shown as written). A cell is a button showing the
job's thumbnail, decoded off the GUI thread; clicking it opens the generation in History.
"Save contact sheet" draws the grid into one image (``contact_sheet.py``) and keeps it in the
history as its own item.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING, Final

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QIcon, QImage, QPixmap
from PySide6.QtWidgets import (
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QPushButton,
    QScrollArea,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from qwenimg_desktop.core.batch.grid import Grid
from qwenimg_desktop.core.errors import QwenImgError
from qwenimg_desktop.core.jobs.model import JobState
from qwenimg_desktop.core.store.records import JobRecord
from qwenimg_desktop.ui.create.contact_sheet import label_font, render_sheet
from qwenimg_desktop.ui.i18n import translate
from qwenimg_desktop.ui.messages import state_name
from qwenimg_desktop.ui.png import png_bytes
from qwenimg_desktop.ui.safe_text import plain_label, plain_tooltip
from qwenimg_desktop.ui.workers import Workers

if TYPE_CHECKING:  # the window loads this module at start-up; the store opens later
    from qwenimg_desktop.core.store.history import HistoryStore

log = logging.getLogger("qwenimg.ui.grid")

CELL_ICON: Final = 150


class GridWindow(QWidget):
    """One batch's grid (a top-level window).

    Signals:
        open_job(str): a cell was clicked: show that generation.
        sheet_saved(str): a contact sheet was kept in the history (its job id).
        rerun_requested(str): "Re-run batch…" (the batch id).
        message(str): a sentence for the status bar.
    """

    open_job = Signal(str)
    sheet_saved = Signal(str)
    rerun_requested = Signal(str)
    message = Signal(str)

    def __init__(self, grid: Grid, store: HistoryStore, workers: Workers, *, title: str = "",
                 parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.setObjectName("gridWindow")
        self.grid = grid
        self.store = store
        self.workers = workers
        self.title = title or translate("GridWindow", "Batch {id}").format(id=grid.batch_id[:8])
        self.setWindowTitle(translate("GridWindow", "Grid — {title}").format(title=self.title))
        self.records: dict[str, JobRecord] = {}
        self.images: dict[str, QImage] = {}
        self.cells: dict[str, QToolButton] = {}
        self._decoding: set[str] = set()
        self.axes_label = plain_label(self._axes_text(), self)
        self.axes_label.setObjectName("gridAxes")
        self.page = QComboBox(self)
        self.page.setObjectName("gridPage")
        for label in grid.pages:
            self.page.addItem(f"Z: {label}" if label else "", label)
        self.page.setVisible(len(grid.pages) > 1)
        self.progress = plain_label("", self)
        self.sheet_button = QPushButton(translate("GridWindow", "Save contact sheet"), self)
        self.sheet_button.setObjectName("saveContactSheet")
        self.sheet_button.setToolTip(translate(
            "GridWindow", "The grid with its labels as one image, kept in History"))
        self.rerun_button = QPushButton(translate("GridWindow", "Re-run batch…"), self)
        self.rerun_button.setToolTip(translate(
            "GridWindow", "The same plan again as a new batch (asks at its total)"))
        self.body = QWidget(self)
        self.table = QGridLayout(self.body)
        self.table.setSpacing(6)
        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.body)
        bar = QHBoxLayout()
        bar.addWidget(self.axes_label, 1)
        bar.addWidget(self.page)
        bar.addWidget(self.progress)
        bar.addWidget(self.rerun_button)
        bar.addWidget(self.sheet_button)
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(scroll, 1)
        self.page.currentIndexChanged.connect(lambda _i: self._build_page())
        self.sheet_button.clicked.connect(self.save_contact_sheet)
        self.rerun_button.clicked.connect(lambda: self.rerun_requested.emit(grid.batch_id))
        self._build_page()
        self.refresh()
        self.resize(min(1300, 170 * len(grid.columns) + 260), min(720, 190 * len(grid.rows) + 140))

    def __repr__(self) -> str:
        return f"<GridWindow {self.grid.batch_id} {len(self.grid.cells)} cells>"

    def _axes_text(self) -> str:
        names = [f"{xyz}: {axis.name}" for xyz, axis in zip("XYZ", self.grid.axes,
                                                            strict=False)]
        return f"{self.title} — " + ("   ".join(names) or translate("GridWindow", "one job"))

    # ---- data ---------------------------------------------------------------------------------

    def refresh(self) -> None:
        """Re-read every cell's generation and show what is done."""
        try:
            self.records = self.store.get_many(list(self.grid.job_ids))
        except QwenImgError as exc:
            self.message.emit(translate(
                "GridWindow", "The batch's generations cannot be read: {reason}").format(
                reason=exc.message))
            return
        self._update_cells()

    def job_finished(self, job_id: str) -> None:
        """A job ended: show its cell (nothing when it is not in this grid)."""
        if job_id not in self.cells and job_id not in self.grid.job_ids:
            return
        try:  # one indexed read, not the whole grid again: a batch ends one job at a time
            record = self.store.get(job_id)
        except QwenImgError as exc:
            self.message.emit(translate(
                "GridWindow", "A generation of the batch cannot be read: {reason}").format(
                reason=exc.message))
            return
        if record is not None:
            self.records[job_id] = record
        self._update_cells()

    @property
    def done(self) -> int:
        return sum(1 for r in self.records.values()
                   if r.state in (JobState.completed, JobState.failed, JobState.cancelled))

    def _thumb_path(self, record: JobRecord) -> Path | None:
        if record.state is not JobState.completed or not record.images:
            return None
        image = record.images[0]
        try:
            return self.store.layout.absolute(image.thumb_path or image.path)
        except ValueError:
            return None

    def _update_cells(self) -> None:
        wanted: dict[str, Path] = {}
        for job_id, record in self.records.items():
            path = self._thumb_path(record)
            if path is not None and job_id not in self.images and job_id not in self._decoding:
                wanted[job_id] = path
        if wanted:
            self._decoding.update(wanted)
            self.workers.run(lambda: {j: QImage(str(p)) for j, p in wanted.items()},
                             self._decoded, lambda exc: log.warning("grid thumbnails: %s", exc))
        self.progress.setText(translate("GridWindow", "{done}/{total} done").format(
            done=self.done, total=len(self.grid.cells)))
        for job_id, button in self.cells.items():
            self._show_cell(job_id, button)

    def _decoded(self, images: dict[str, QImage]) -> None:
        self._decoding.difference_update(images)
        self.images.update({j: i for j, i in images.items() if not i.isNull()})
        for job_id in images:
            button = self.cells.get(job_id)
            if button is not None:
                self._show_cell(job_id, button)

    def note(self, job_id: str) -> str:
        """The word a cell without an image shows."""
        record = self.records.get(job_id)
        if record is None:
            return translate("GridWindow", "deleted")
        if record.state is JobState.completed:
            return "" if job_id in self.images else translate("GridWindow", "no image")
        return state_name(record.state)

    # ---- the table ----------------------------------------------------------------------------

    def _build_page(self) -> None:
        while self.table.count():
            item = self.table.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.deleteLater()
        self.cells.clear()
        page = str(self.page.currentData() or "")
        header_font = label_font(13, bold=True)
        for c, column in enumerate(self.grid.columns):
            label = plain_label(column, self.body)
            label.setFont(header_font)
            label.setAlignment(Qt.AlignmentFlag.AlignCenter)
            label.setToolTip(plain_tooltip(self._full(0, column)))
            label.setObjectName("gridColumnHeader")
            self.table.addWidget(label, 0, c + 1)
        for r, row in enumerate(self.grid.rows):
            label = plain_label(row, self.body)
            label.setFont(header_font)
            label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            label.setWordWrap(True)
            label.setMaximumWidth(220)
            label.setToolTip(plain_tooltip(self._full(1, row)))
            label.setObjectName("gridRowHeader")
            self.table.addWidget(label, r + 1, 0)
            for c, column in enumerate(self.grid.columns):
                cell = self.grid.cell_at(page, row, column)
                if cell is None:
                    continue
                button = QToolButton(self.body)
                button.setObjectName("gridCell")
                button.setFixedSize(CELL_ICON + 12, CELL_ICON + 12)
                button.setIconSize(QSize(CELL_ICON, CELL_ICON))
                button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonIconOnly)
                button.setAccessibleName(f"{column} {row}".strip())
                button.clicked.connect(lambda _c=False, j=cell.job_id: self.open_job.emit(j))
                self.cells[cell.job_id] = button
                self.table.addWidget(button, r + 1, c + 1)
                self._show_cell(cell.job_id, button)
        self.table.setRowStretch(len(self.grid.rows) + 1, 1)
        self.table.setColumnStretch(len(self.grid.columns) + 1, 1)

    def _full(self, axis: int, label: str) -> str:
        """A header's whole text (a prompt axis' header is its first characters)."""
        if axis >= len(self.grid.axes):
            return label
        spec = self.grid.axes[axis]
        return dict(zip(spec.labels, spec.values, strict=True)).get(label, label)

    def _show_cell(self, job_id: str, button: QToolButton) -> None:
        image = self.images.get(job_id)
        record = self.records.get(job_id)
        if image is not None:
            button.setIcon(QIcon(QPixmap.fromImage(image)))
            button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonIconOnly)
        else:
            button.setIcon(QIcon())
            button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
            button.setText(self.note(job_id))
        prompt = record.prompt if record is not None else ""
        button.setToolTip(plain_tooltip(
            f"{self.note(job_id) or state_name(JobState.completed)}\n{prompt[:300]}"))

    # ---- contact sheet ------------------------------------------------------------------------

    def contact_sheet(self) -> QImage:
        """The grid as one image with its labels (every page)."""
        notes = {cell.job_id: self.note(cell.job_id) for cell in self.grid.cells}
        return render_sheet(self.grid, self.images, notes, self.title)

    def save_contact_sheet(self) -> None:
        """Draw the sheet and keep it in the history (written off the GUI thread)."""
        sheet = self.contact_sheet()
        data, width, height = png_bytes(sheet), sheet.width(), sheet.height()
        grid, title, store = self.grid, self.title, self.store
        self.sheet_button.setEnabled(False)

        def done(job_id: str) -> None:
            self.sheet_button.setEnabled(True)
            self.message.emit(translate("GridWindow", "Contact sheet saved in History."))
            self.sheet_saved.emit(job_id)

        def failed(exc: Exception) -> None:
            self.sheet_button.setEnabled(True)
            text = exc.message if isinstance(exc, QwenImgError) else str(exc)
            self.message.emit(translate("GridWindow", "The contact sheet was not saved: {reason}")
                              .format(reason=text))

        self.workers.run(lambda: store.add_contact_sheet(grid, data, width=width, height=height,
                                                         title=title), done, failed)
