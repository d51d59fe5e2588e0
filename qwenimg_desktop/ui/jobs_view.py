"""Jobs panel: the list of jobs with state lines, Cancel / Retry / Cancel all, and a log view."""

from __future__ import annotations

from typing import Final

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRect, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QPainter, QPalette
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListView,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QVBoxLayout,
    QWidget,
)

from qwenimg_desktop.core.jobs.model import JobState
from qwenimg_desktop.ui.jobs_model import JOB_ROLE, TILE_ROLE, JobsModel

TICK_MS: Final = 1000
_STATE_COLOURS: Final = {
    "completed": "#2e9d4f", "failed": "#d64545", "unknown": "#d68b1f",
    "cancelled": "#8a8a8a", "cancel_requested": "#d68b1f", "running": "#3b82f6",
    "fetching": "#3b82f6", "queued": "#a066d3",
}


class JobDelegate(QStyledItemDelegate):
    """Two lines per job: the prompt's first line, and a coloured state line."""

    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
                 ) -> QSize:
        return QSize(200, option.fontMetrics.lineSpacing() * 2 + 14)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem,
              index: QModelIndex | QPersistentModelIndex) -> None:
        # The view has filled in rect, state, palette, font metrics and widget; everything
        # else comes from one model call (each call into Python waits for the GIL, which the
        # engine's threads hold often while jobs finish).
        tile = index.data(TILE_ROLE)
        if not isinstance(tile, tuple):
            return
        title_text, status_text, state = tile
        widget: QWidget | None = option.widget
        style = widget.style() if widget is not None else None
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        painter.save()
        if selected:
            painter.fillRect(option.rect, option.palette.color(QPalette.ColorRole.Highlight))
        elif style is not None:
            style.drawPrimitive(QStyle.PrimitiveElement.PE_PanelItemViewItem, option, painter,
                                option.widget)
        rect: QRect = option.rect.adjusted(14, 5, -6, -5)
        dot = QColor(_STATE_COLOURS.get(state, "#888888"))
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(dot)
        painter.drawEllipse(option.rect.left() + 4, rect.top() + 5, 6, 6)
        text_role = (QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text)
        painter.setPen(option.palette.color(text_role))
        metrics = option.fontMetrics
        line = metrics.lineSpacing()
        title = metrics.elidedText(title_text, Qt.TextElideMode.ElideRight, rect.width())
        painter.drawText(rect.left(), rect.top() + metrics.ascent(), title)
        painter.setPen(dot if not selected else option.palette.color(text_role))
        status = metrics.elidedText(status_text, Qt.TextElideMode.ElideRight, rect.width())
        painter.drawText(rect.left(), rect.top() + line + metrics.ascent() + 2, status)
        painter.restore()


class JobsPanel(QWidget):
    """The job queue: list, actions and the selected job's log."""

    cancel_requested = Signal(str)
    retry_requested = Signal(str)
    cancel_all_requested = Signal()
    selected = Signal(str)  # job id, "" when nothing is selected

    def __init__(self, model: JobsModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self.view = QListView(self)
        self.view.setObjectName("jobsView")
        self.view.setModel(model)
        self.view.setItemDelegate(JobDelegate(self.view))
        self.view.setUniformItemSizes(True)
        self.view.setSelectionMode(QListView.SelectionMode.SingleSelection)
        self.cancel_button = QPushButton("Cancel", self)
        self.cancel_button.setToolTip("Cancel the selected job (Esc)")
        self.retry_button = QPushButton("Retry", self)
        self.retry_button.setToolTip("Submit the selected job's request again as a new job")
        self.cancel_all_button = QPushButton("Cancel all", self)
        self.log_view = QPlainTextEdit(self)
        self.log_view.setObjectName("jobLog")
        self.log_view.setReadOnly(True)
        self.log_view.setPlaceholderText("Log of the selected job")
        self.log_view.setMaximumBlockCount(5_000)
        self.count_label = QLabel("No jobs yet", self)
        self._build()
        self._timer = QTimer(self)
        self._timer.setInterval(TICK_MS)
        self._timer.timeout.connect(model.tick)
        self._timer.start()
        self.view.selectionModel().currentChanged.connect(self._current_changed)
        model.dataChanged.connect(self._data_changed)
        model.rowsInserted.connect(self._rows_inserted)
        model.logs_appended.connect(self._logs_appended)
        model.job_finished.connect(lambda _job_id: self._refresh_buttons())
        self.cancel_button.clicked.connect(self._cancel)
        self.retry_button.clicked.connect(self._retry)
        self.cancel_all_button.clicked.connect(self.cancel_all_requested)
        self._refresh_buttons()

    def _build(self) -> None:
        buttons = QHBoxLayout()
        buttons.addWidget(self.count_label, 1)
        for button in (self.cancel_button, self.retry_button, self.cancel_all_button):
            buttons.addWidget(button)
        top = QWidget(self)
        top_layout = QVBoxLayout(top)
        top_layout.setContentsMargins(0, 0, 0, 0)
        top_layout.addWidget(QLabel("<b>Jobs</b>", top))
        top_layout.addWidget(self.view, 1)
        top_layout.addLayout(buttons)
        self.splitter = QSplitter(Qt.Orientation.Vertical, self)
        self.splitter.setObjectName("jobsSplitter")
        self.splitter.addWidget(top)
        self.splitter.addWidget(self.log_view)
        self.splitter.setSizes([260, 90])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.splitter)

    def current_job(self) -> str:
        index = self.view.currentIndex()
        return str(index.data(JOB_ROLE)) if index.isValid() else ""

    def select_job(self, job_id: str) -> None:
        index = self.model.index_of(job_id)
        if index.isValid():
            self.view.setCurrentIndex(index)

    def cancel_selected(self) -> bool:
        job_id = self.current_job()
        row = self.model.row(job_id) if job_id else None
        if row is None or row.state.is_final:
            return False
        self.cancel_requested.emit(job_id)
        return True

    def _cancel(self) -> None:
        self.cancel_selected()

    def _retry(self) -> None:
        job_id = self.current_job()
        if job_id:
            self.retry_requested.emit(job_id)

    def _current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        job_id = str(current.data(JOB_ROLE)) if current.isValid() else ""
        row = self.model.row(job_id) if job_id else None
        self.log_view.setPlainText("\n".join(row.logs) if row is not None else "")
        self.log_view.moveCursor(self.log_view.textCursor().MoveOperation.End)
        self._refresh_buttons()
        self.selected.emit(job_id)

    def _data_changed(self, top: QModelIndex, bottom: QModelIndex) -> None:
        current = self.view.currentIndex()
        if current.isValid() and top.row() <= current.row() <= bottom.row():
            self._refresh_buttons()

    def _rows_inserted(self) -> None:
        self._refresh_buttons()

    def _logs_appended(self, job_id: str, count: int) -> None:
        if job_id == self.current_job():
            row = self.model.row(job_id)
            if row is not None and count > 0:
                self.log_view.appendPlainText("\n".join(row.logs[-count:]))

    def _refresh_buttons(self) -> None:
        row = self.model.row(self.current_job())
        self.cancel_button.setEnabled(row is not None and not row.state.is_final
                                      and row.state is not JobState.cancel_requested)
        self.retry_button.setEnabled(row is not None and row.state in (
            JobState.failed, JobState.cancelled, JobState.unknown, JobState.completed))
        active = len(self.model.active_ids())
        total = self.model.rowCount()
        self.cancel_all_button.setEnabled(active > 0)
        plural = "s" if total != 1 else ""
        self.count_label.setText("No jobs yet" if total == 0 else
                                 f"{total} job{plural}, {active} active")
