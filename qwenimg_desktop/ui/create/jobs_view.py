"""Jobs panel: the list of jobs with state lines, Cancel / Retry / Cancel all, and a log view."""

from __future__ import annotations

from typing import Final

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QPoint, QSize, Qt, QTimer, Signal
from PySide6.QtGui import (
    QAction,
    QDragEnterEvent,
    QDragMoveEvent,
    QDropEvent,
    QKeySequence,
    QShowEvent,
)
from PySide6.QtWidgets import (
    QHBoxLayout,
    QListView,
    QMenu,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QVBoxLayout,
    QWidget,
)

from qwenimg_desktop.core.jobs.model import JobState
from qwenimg_desktop.ui.create.jobs_model import JOB_ROLE, THUMB_PX, JobsModel
from qwenimg_desktop.ui.i18n import translate
from qwenimg_desktop.ui.safe_text import heading_label, plain_label

TICK_MS: Final = 1000
THUMBNAILS_AFTER_MS: Final = 50
"""Scrolling, finished jobs and new rows ask for the shown rows' pictures once per this."""


class _FitWidthDelegate(QStyledItemDelegate):
    """Qt's painting, with rows as wide as the list rather than as their text: a list view
    lays rows out at their hint's width, so a long row made a sideways scroll bar and clipped
    the state line; at the list's width the text is elided ("…") instead. Only ``sizeHint``
    is Python, asked once (uniform item sizes)."""

    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex,
                 ) -> QSize:
        return QSize(1, super().sizeHint(option, index).height())


QUEUE_MIME: Final = "application/x-qstandarditemmodeldatalist"
"""What a row dragged inside the list carries (Qt's own item model format)."""


class JobsListView(QListView):
    """The jobs list; a waiting job can be dragged to another place in the waiting queue.

    Qt starts the drag (and draws the drop indicator); the drop is taken here and told as
    ``moved(job id, position among the waiting jobs)``: the model reorders itself by sorting,
    never by Qt's remove-and-insert of a dropped row (which loses the selection)."""

    moved = Signal(str, int)  # job id, its place in the send queue (0: sent next)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setDragEnabled(True)
        self.setAcceptDrops(True)
        self.viewport().setAcceptDrops(True)
        self.setDropIndicatorShown(True)
        self.setDragDropMode(QListView.DragDropMode.DragDrop)
        self.setDefaultDropAction(Qt.DropAction.MoveAction)

    def _dragged(self, event: QDropEvent) -> tuple[str, int] | None:
        """The waiting job being dragged and where it would go (None: not droppable here)."""
        model = self.model()
        if not isinstance(model, JobsModel) or not event.mimeData().hasFormat(QUEUE_MIME):
            return None
        row = model.row(str(self.currentIndex().data(JOB_ROLE)))
        if row is None or not row.waiting:
            return None
        waiting = model.waiting_count()
        point = event.position().toPoint()
        target = self.indexAt(point)
        if target.isValid():  # the gap between rows it is dropped in, counted from the top
            below = point.y() > self.visualRect(target).center().y()
            gap = min(target.row() + (1 if below else 0), waiting)
        else:
            gap = waiting
        if self.currentIndex().row() < gap:
            gap -= 1  # counted without the dragged row itself
        return row.job_id, waiting - 1 - gap  # the lowest waiting row is sent first

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if self._dragged(event) is None:
            event.ignore()
            return
        super().dragEnterEvent(event)

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:
        super().dragMoveEvent(event)  # the drop indicator and scrolling near the edges
        if self._dragged(event) is None:
            event.ignore()
        else:
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        dragged = self._dragged(event)
        if dragged is None:
            event.ignore()
            return
        # Taken here: Qt must neither insert a copy nor remove the dragged row afterwards.
        event.setDropAction(Qt.DropAction.IgnoreAction)
        event.accept()
        self.setState(QListView.State.NoState)
        self.viewport().update()
        self.moved.emit(*dragged)


class JobsPanel(QWidget):
    """The job queue: list, actions and the selected job's log."""

    cancel_requested = Signal(str)
    retry_requested = Signal(str)
    redownload_requested = Signal(str)
    cancel_all_requested = Signal()
    move_requested = Signal(str, int)  # a waiting job dragged to this place in the queue
    cleared = Signal(str)  # finished jobs left the list; the id of the one kept (selected)
    allow_once_requested = Signal(str)  # send a job a budget cap holds back
    choose_request_requested = Signal(str)  # choose which request at fal a lost submit is
    selected = Signal(str)  # job id, "" when nothing is selected

    def __init__(self, model: JobsModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self.view = JobsListView(self)
        self.view.setObjectName("jobsView")
        self.view.setAccessibleName(translate("JobsPanel", "Jobs"))
        self.view.setToolTip(translate(
            "JobsPanel", "Waiting jobs are listed above the running ones, the next to be sent "
            "lowest: drag one up or down to change when it is sent"))
        self.view.moved.connect(self.move_requested)
        self.view.setModel(model)
        # Qt's own delegate (no Python paint()): see JobsModel.
        self.view.setUniformItemSizes(True)
        self.view.setSpacing(2)
        self.view.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.view.setItemDelegate(_FitWidthDelegate(self.view))
        self.view.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.view.setSelectionMode(QListView.SelectionMode.SingleSelection)
        self.view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.view.customContextMenuRequested.connect(self._context_menu)
        self.menu: QMenu | None = None  # the last context menu shown
        self.view.setIconSize(QSize(THUMB_PX, THUMB_PX))
        self.cancel_button = QPushButton(translate("JobsPanel", "Cancel"), self)
        self.cancel_button.setToolTip(translate("JobsPanel", "Cancel the selected job (Esc)"))
        self.retry_button = QPushButton(translate("JobsPanel", "Retry"), self)
        self.retry_button.setToolTip(translate(
            "JobsPanel", "Submit the selected job's request again as a new job"))
        self.redownload_button = QPushButton(translate("JobsPanel", "Re-download"), self)
        self.redownload_button.setToolTip(
            translate("JobsPanel", "Fetch the selected job's result from fal again by its request "
                      "id (no new charge)"))
        # Hidden before any layout measures it: hidden later, it stayed in the cached minimum
        # of the list's splitter until the first show, and the window opened 98 px wider
        # (1440 px on a 1366 px screen) and kept that width.
        self.redownload_button.hide()
        self.cancel_all_button = QPushButton(translate("JobsPanel", "Cancel all"), self)
        self.clear_button = QPushButton(translate("JobsPanel", "Clear finished"), self)
        self.clear_button.setToolTip(translate(
            "JobsPanel", "Take finished jobs off this list (History keeps them)"))
        self.log_view = QPlainTextEdit(self)
        self.log_view.setObjectName("jobLog")
        self.log_view.setReadOnly(True)
        self.log_view.setPlaceholderText(translate("JobsPanel", "Log of the selected job"))
        self.log_view.setMaximumBlockCount(5_000)
        self.count_label = plain_label(translate("JobsPanel", "No jobs yet"), self)
        # Its text changes with every job; its size must not: a label whose size can change
        # asks the whole window to lay out again, which repaints all of it (measured: ~0.9 Mpx
        # per Generate at 1360×880, 3-5 ms of the GUI thread).
        metrics = self.count_label.fontMetrics()
        self.count_label.setFixedSize(metrics.horizontalAdvance("8,888 jobs, 888 active") + 4,
                                      self.count_label.sizeHint().height())
        self._build()
        self._timer = QTimer(self)
        self._timer.setInterval(TICK_MS)
        self._timer.timeout.connect(model.tick)
        self._timer.start()
        self._thumbnails_timer = QTimer(self)
        self._thumbnails_timer.setSingleShot(True)
        self._thumbnails_timer.setInterval(THUMBNAILS_AFTER_MS)
        self._thumbnails_timer.timeout.connect(self.want_shown_thumbnails)
        for changed in (self.view.verticalScrollBar().valueChanged,
                        self.view.verticalScrollBar().rangeChanged, model.job_finished,
                        model.rowsInserted, model.rowsRemoved, model.rowsMoved,
                        model.layoutChanged):
            changed.connect(self._thumbnails_later)
        self.view.selectionModel().currentChanged.connect(self._current_changed)
        model.dataChanged.connect(self._data_changed)
        model.rowsInserted.connect(self._rows_inserted)
        model.logs_appended.connect(self._logs_appended)
        model.logs_replaced.connect(self._logs_replaced)
        model.job_finished.connect(lambda _job_id: self._refresh_buttons())
        self.cancel_button.clicked.connect(self._cancel)
        self.retry_button.clicked.connect(self._retry)
        self.redownload_button.clicked.connect(self._redownload)
        self.cancel_all_button.clicked.connect(self.cancel_all_requested)
        self.clear_button.clicked.connect(self.clear_finished)
        # The keyboard's drag: a waiting job one place up (sent later) or down (sooner).
        self._queue_action(
            translate("JobsPanel", "Move up in the queue (sent later)"), "Alt+Up", -1)
        self._queue_action(
            translate("JobsPanel", "Move down in the queue (sent sooner)"), "Alt+Down", 1)
        self._refresh_buttons()

    def _build(self) -> None:
        heading = QHBoxLayout()  # the count beside the heading: the button row stays narrow
        heading.addWidget(heading_label(translate("JobsPanel", "Jobs"), self), 1)
        heading.addWidget(self.count_label)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        for button in (self.cancel_button, self.redownload_button, self.retry_button,
                       self.cancel_all_button, self.clear_button):
            buttons.addWidget(button)
        top = QWidget(self)
        top_layout = QVBoxLayout(top)
        top_layout.setContentsMargins(0, 0, 0, 0)
        top_layout.addLayout(heading)
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

    def _thumbnails_later(self) -> None:
        if not self._thumbnails_timer.isActive():
            self._thumbnails_timer.start()

    def shown_rows(self) -> tuple[int, int]:
        """The first and last row in view (scrolled per item: the scroll bar's value is the
        first); (0, -1) when the list is empty."""
        count = self.model.rowCount()
        if count == 0:
            return 0, -1
        first = min(max(0, self.view.verticalScrollBar().value()), count - 1)
        height = self.view.visualRect(self.model.index(first, 0)).height()
        per_page = self.view.viewport().height() // max(1, height + 2 * self.view.spacing())
        return first, min(count - 1, first + per_page + 1)

    def want_shown_thumbnails(self) -> None:
        """Ask for the pictures of the rows on screen (decoded off the GUI thread)."""
        if self.isVisible():
            self.model.want_thumbnails(*self.shown_rows())

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self._thumbnails_later()

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

    def _queue_action(self, text: str, keys: str, steps_down: int) -> None:
        action = QAction(text, self.view)
        action.setShortcut(QKeySequence(keys))
        action.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        action.triggered.connect(lambda: self.move_selected(steps_down))
        self.view.addAction(action)  # owned by the list: its shortcut works while it has focus

    def move_selected(self, steps_down: int) -> bool:
        """Move the selected waiting job ``steps_down`` rows down the list (sent sooner; a
        negative count: up, sent later). False when it is not waiting or cannot go further."""
        job_id = self.current_job()
        queue = self.model.waiting_ids()
        if job_id not in queue:
            return False
        now = queue.index(job_id)
        position = now - steps_down  # the lowest waiting row is sent first
        if position == now or not 0 <= position < len(queue):
            return False
        self.move_requested.emit(job_id, position)
        return True

    def clear_finished(self) -> int:
        """Finished jobs leave the list (the selected one stays); History keeps them all."""
        kept = self.current_job()
        gone = self.model.clear_finished(keep=kept)
        self._refresh_buttons()
        self.cleared.emit(kept)
        return gone

    def _cancel(self) -> None:
        self.cancel_selected()

    def _retry(self) -> None:
        job_id = self.current_job()
        if job_id:
            self.retry_requested.emit(job_id)

    def _redownload(self) -> None:
        row = self.model.row(self.current_job())
        if row is not None and row.awaits_redownload:
            self.redownload_requested.emit(row.job_id)

    def job_menu(self, job_id: str) -> QMenu | None:
        """The actions a job offers (None when it offers none): Allow once for a job a
        budget cap holds; Choose the request at fal… for a lost submit several requests match;
        Submit again (priced) for one fal did not show, else Retry; then the window's commands
        added to the list (Cancel, Send next, …)."""
        row = self.model.row(job_id)
        if row is None:
            return None
        menu = QMenu(self)
        text = row.cost_text(None if self.model.free else self.model.prices)
        cost = f" · {text}" if text else ""
        if row.held:
            menu.addAction(translate("JobsPanel", "Allow once") + cost,
                           lambda: self.allow_once_requested.emit(job_id))
        if row.awaits_choice:
            menu.addAction(translate("JobsPanel", "Choose the request at fal…"),
                           lambda: self.choose_request_requested.emit(job_id))
        if row.may_submit_again:
            label = (translate("JobsPanel", "Submit again") if row.state is JobState.unknown
                     else translate("JobsPanel", "Retry"))
            menu.addAction(label + cost, lambda: self.retry_requested.emit(job_id))
        if self.view.actions():  # the window's commands for the selected job (Cancel, …)
            if not menu.isEmpty():
                menu.addSeparator()
            menu.addActions(self.view.actions())
        if menu.isEmpty():
            menu.deleteLater()
            return None
        return menu

    def _context_menu(self, point: QPoint) -> None:
        index = self.view.indexAt(point)
        if not index.isValid():
            return
        self.view.setCurrentIndex(index)
        menu = self.job_menu(str(index.data(JOB_ROLE)))
        if menu is None:
            return
        if self.menu is not None:
            self.menu.deleteLater()
        self.menu = menu
        menu.popup(self.view.viewport().mapToGlobal(point))

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

    def show_log(self, job_id: str) -> None:
        """Show ``job_id``'s log again if it is the selected job (its lines were read late)."""
        row = self.model.row(job_id)
        if row is not None and job_id == self.current_job():
            self.log_view.setPlainText("\n".join(row.logs))
            self.log_view.moveCursor(self.log_view.textCursor().MoveOperation.End)

    def _logs_replaced(self, job_id: str) -> None:
        if job_id == self.current_job():
            self.log_view.clear()

    def _refresh_buttons(self) -> None:
        row = self.model.row(self.current_job())
        self.cancel_button.setEnabled(row is not None and not row.state.is_final
                                      and row.state is not JobState.cancel_requested)
        self.retry_button.setEnabled(row is not None and row.may_submit_again)
        again = row is not None and row.state is JobState.unknown and row.may_submit_again
        text = "" if row is None else row.cost_text(None if self.model.free else self.model.prices)
        cost = f" · {text}" if text else ""
        self.retry_button.setText(translate("JobsPanel", "Submit again") + cost if again
                                  else translate("JobsPanel", "Retry"))
        self.redownload_button.setVisible(row is not None and row.awaits_redownload)
        active = self.model.active_count()
        total = self.model.rowCount()
        self.cancel_all_button.setEnabled(active > 0)
        self.clear_button.setEnabled(total > active + (1 if row is not None and row.state.is_final
                                                       else 0))
        self.count_label.setText(
            translate("JobsPanel", "No jobs yet") if total == 0
            else translate("JobsPanel", "1 job, {active} active").format(active=active)
            if total == 1
            else translate("JobsPanel", "{total} jobs, {active} active").format(
                total=total, active=active))
