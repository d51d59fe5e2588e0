"""JobsModel: this session's (and resumed) jobs with their live state, fed by the bridge."""

from __future__ import annotations

import contextlib
import itertools
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from PySide6.QtCore import QModelIndex, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QIcon, QPainter, QPixmap, QStandardItem, QStandardItemModel

from qwenimg_desktop.core.endpoints import endpoint_for
from qwenimg_desktop.core.errors import QwenImgError
from qwenimg_desktop.core.jobs.model import AMBIGUOUS_AT_FAL, DEADLINE, NOT_DOWNLOADED, JobState
from qwenimg_desktop.core.params import GenerationRequest
from qwenimg_desktop.core.pricing import PriceBook
from qwenimg_desktop.ui import messages
from qwenimg_desktop.ui.core_texts import core_text
from qwenimg_desktop.ui.i18n import translate
from qwenimg_desktop.ui.safe_text import markdown_plain_line, plain_tooltip

if TYPE_CHECKING:
    from qwenimg_desktop.core.jobs import events as ev
    from qwenimg_desktop.core.store.records import JobRecord
    from qwenimg_desktop.ui.history.thumbnails import ThumbnailLoader

MAX_LOG_LINES: Final = 2_000
TEXT_REFRESH_MS: Final = 100
"""A row's log line and elapsed time repaint at most this often; state changes at once."""
JOB_ROLE: Final = Qt.ItemDataRole.UserRole + 1
TILE_ROLE: Final = Qt.ItemDataRole.UserRole + 2
"""``(title, status line, state value)``: what the row shows, for code that reads it."""
ORDER_ROLE: Final = Qt.ItemDataRole.UserRole + 3
"""A row's place in the list (ascending), sorted by Qt in C++ (see :meth:`JobsModel.resort`)."""
WAITING_STATES: Final = frozenset({JobState.pending})
"""Jobs not sent yet: listed above the sent ones, the next to be sent lowest (the list is a
timeline, newest on top: a job being sent stays where it is)."""
RUNNING_STATES: Final = frozenset({JobState.running, JobState.fetching,
                                   JobState.cancel_requested})
"""What the window's title counts as running; every other unfinished state is waiting."""
_SENT_BASE: Final = 1e15
"""Rows not waiting sort after every waiting one (whose ranks stay far below this)."""
STATE_COLOURS: Final = {
    "completed": "#2e9d4f", "failed": "#d64545", "unknown": "#d68b1f",
    "cancelled": "#8a8a8a", "cancel_requested": "#d68b1f", "running": "#3b82f6",
    "fetching": "#3b82f6", "queued": "#a066d3",
}
THUMB_PX: Final = 48
"""A row's picture: the job's first image this size, or a placeholder with the state's dot."""
_PLACEHOLDER: Final = "#80808040"
_dots: dict[str, QIcon] = {}


def state_icon(state: JobState) -> QIcon:
    """A row's placeholder picture: a faint square with the state's coloured dot (made once
    per state); what a job shows until its first image's thumbnail is decoded."""
    icon = _dots.get(state.value)
    if icon is None:
        pixmap = QPixmap(THUMB_PX, THUMB_PX)
        pixmap.fill(Qt.GlobalColor.transparent)
        painter = QPainter(pixmap)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(_PLACEHOLDER))
        painter.drawRoundedRect(0, 0, THUMB_PX, THUMB_PX, 4, 4)
        painter.end()
        icon = _dots[state.value] = QIcon(_with_dot(pixmap, state))
    return icon


def thumbnail_icon(thumbnail: QPixmap, state: JobState) -> QIcon:
    """A row's picture from a decoded thumbnail: fitted into the row's square (rows keep one
    size), with the state's dot in its corner."""
    scaled = thumbnail.scaled(THUMB_PX, THUMB_PX, Qt.AspectRatioMode.KeepAspectRatio,
                              Qt.TransformationMode.SmoothTransformation)
    pixmap = QPixmap(THUMB_PX, THUMB_PX)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.drawPixmap((THUMB_PX - scaled.width()) // 2, (THUMB_PX - scaled.height()) // 2,
                       scaled)
    painter.end()
    return QIcon(_with_dot(pixmap, state))


def _with_dot(pixmap: QPixmap, state: JobState) -> QPixmap:
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(QColor("#ffffff"))
    painter.setBrush(QColor(STATE_COLOURS.get(state.value, "#888888")))
    painter.drawEllipse(3, THUMB_PX - 14, 10, 10)
    painter.end()
    return pixmap


ThumbnailSource = Callable[[str, tuple[str, ...]], tuple[str, tuple[Path, ...]] | None]
"""(job id, its image paths) → (the thumbnail loader's key, files to try), or None."""


REDOWNLOAD_KINDS: Final = frozenset({"PaidNotDownloaded", "DeadlineExceeded"})
"""Failures whose result fal may hold: Re-download fetches it by request id."""


@dataclass
class JobRow:
    """What the GUI knows about one job."""

    job_id: str
    request: GenerationRequest | None
    state: JobState = JobState.pending
    position: int | None = None
    started: float | None = None  # monotonic time the run started
    finished: float | None = None
    last_log: str = ""
    logs: list[str] = field(default_factory=list)
    reason: str = ""
    detail: str = ""
    seed: int | None = None
    image_paths: tuple[str, ...] = ()
    kind: str = ""  # the error class of a failure, e.g. "PaidNotDownloaded"
    cancel_answer: str = ""  # what fal answered to this job's cancel, once one was sent
    held: str = ""  # why a budget cap holds it back ("held: over the daily budget (…)")
    error_type: str = ""  # a lost submit's outcome: "not_found_at_fal", "ambiguous_at_fal"
    created: str = field(default_factory=lambda: datetime.now().strftime("%H:%M"))
    restored: bool = False  # listed again after a restart: its log is read when shown
    rank: float = 0.0  # while waiting: its place in the send queue (lower is sent first)
    placed: int = 0  # once sent: when it left the queue (higher is newer, shown higher)

    @property
    def waiting(self) -> bool:
        """Not sent yet: shown in the queue above the sent jobs."""
        return self.state in WAITING_STATES

    @property
    def order(self) -> float:
        """Where the row goes in the list (ascending): waiting jobs, the last to be sent on
        top and the next one lowest, then the sent ones newest first. The next job to be sent
        is next to the newest sent one, so sending it moves no row."""
        return -self.rank if self.waiting else _SENT_BASE - self.placed

    def facts(self, prices: PriceBook | None = None) -> str:
        """What tells jobs with the same prompt apart: "14:02 · seed 42 · 1024×1024 ·
        Pro · Text to image · 2 images · $0.15"."""
        parts = [self.created]
        request = self.request
        if request is None:
            return parts[0]
        seed = self.seed if self.seed is not None else request.seed
        parts.append(translate("JobsModel", "seed {seed}").format(seed=seed) if seed is not None
                     else translate("JobsModel", "random seed"))
        with contextlib.suppress(Exception):  # an edit without a size takes its reference's
            width, height = request.dimensions
            parts.append(f"{width}×{height}")
        try:
            endpoint = endpoint_for(request.endpoint)
        except QwenImgError:
            endpoint = None
        parts.append(core_text(endpoint.title) if endpoint is not None else request.endpoint[:60])
        if request.num_images != 1:
            parts.append(messages.images_text(request.num_images))
        if cost := self.cost_text(prices):  # at the price in effect now (none in demo mode)
            parts.append(cost)
        return " · ".join(parts)

    def cost_text(self, prices: PriceBook | None) -> str:
        """What sending it costs at the price in effect now, e.g. "$0.08", or "cost unknown"
        without a price ("" without ``prices``: demo mode)."""
        if prices is None or self.request is None:
            return ""
        cost = prices.quote(self.request.endpoint).cost(self.request.num_images)
        return (messages.tr(messages.COST_UNKNOWN) if cost is None
                else messages.cost_text(cost))

    @property
    def awaits_choice(self) -> bool:
        """A lost submit that several requests at fal match: the user chooses one."""
        return self.state is JobState.unknown and self.error_type == AMBIGUOUS_AT_FAL

    @property
    def may_submit_again(self) -> bool:
        """Whether sending its request again is offered: a finished job, or a lost submit
        fal's history did not show (or could not be searched); never while it is still
        looked for, nor when fal has requests that match it."""
        if self.state is JobState.unknown:
            return self.kind == "SubmissionUnknown" and not self.awaits_choice
        return self.state in (JobState.failed, JobState.cancelled, JobState.completed) and (
            not self.retry_pays_twice)

    @property
    def awaits_redownload(self) -> bool:
        """A failed job whose result can be fetched again by request id (no new charge)."""
        return self.state is JobState.failed and self.kind in REDOWNLOAD_KINDS

    @property
    def retry_pays_twice(self) -> bool:
        """fal already made (and charged) this job's result: a retry would be a second charge."""
        return self.state is JobState.failed and self.kind == "PaidNotDownloaded"

    @property
    def title(self) -> str:
        if self.request is None:
            return translate("JobsModel", "(job from an earlier session)")
        return prompt_title(self.request.prompt)

    def elapsed(self, now: float) -> float | None:
        if self.started is None:
            return None
        return (self.finished or now) - self.started

    def status_line(self, now: float) -> str:
        line = messages.state_line(self.state, self.position, self.elapsed(now))
        if self.state in (JobState.failed, JobState.unknown, JobState.cancelled,
                          JobState.completed) and self.reason:
            return f"{line}: {self.reason}"
        if self.state in (JobState.running, JobState.fetching) and self.last_log:
            return f"{line} · {self.last_log}"
        if self.detail and not self.state.is_final:
            return f"{line} · {self.detail}"
        return line


class JobsModel(QStandardItemModel):
    """One row per job, newest first; only changed rows emit ``dataChanged``.

    The rows' Python objects (:class:`JobRow`) are the truth; what the list shows is copied into
    C++ items when a row changes. Nothing here overrides ``data()`` and the view keeps Qt's own
    delegate, so painting the list never calls into Python: each such call must take the GIL,
    which the engine's threads hold often while jobs finish (measured: a repaint of a dozen
    rows that waited for it once per row was the longest GUI stall, docs/performance.md).
    """

    job_finished = Signal(str)  # job id reached a final state
    logs_appended = Signal(str, int)  # job id, number of new log lines
    logs_replaced = Signal(str)  # job id: its log starts again (resumed by a restarted engine)

    def __init__(
        self, lookup: Callable[[str], GenerationRequest | None] | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(0, 1, parent)
        # The rows' order lives in the model's items (newest first); these find them by job id.
        self._by_id: dict[str, JobRow] = {}
        self._items: dict[str, QStandardItem] = {}
        # Unfinished and running jobs, kept as rows change: the title and the jobs panel ask
        # after every event, and counting 1,000 rows each time made a 1,000-job batch
        # quadratic (~40% of the GUI thread's work while it ran, docs/performance.md).
        self._active: dict[str, None] = {}
        self._running: set[str] = set()
        self._lookup = lookup
        self.free = False  # demo mode: no prices in the rows
        self.prices: PriceBook | None = None  # the window's prices (None: no cost shown)
        # Rows whose text changed (a log line, the elapsed time) but not their state: repainted
        # together by one timer, so a burst of log lines from 16 running jobs is one repaint
        # every 100 ms rather than one per event flush (painting a row takes the GIL).
        self._dirty: set[str] = set()
        self._refresh = QTimer(self)
        self._refresh.setSingleShot(True)
        self._refresh.setInterval(TEXT_REFRESH_MS)
        self._refresh.timeout.connect(self._flush_dirty)
        # Row pictures: decoded by the window's one thumbnail loader (the History tab's), for
        # the rows the list shows; the composed icon is kept with its row.
        self._thumbnails: ThumbnailLoader | None = None
        self._thumbnail_source: ThumbnailSource | None = None
        self._icons: dict[str, QIcon] = {}
        self._awaited: dict[str, str] = {}  # loader key → job id
        # The list's order (JobRow.order): a timeline, newest on top: the waiting jobs (the
        # next to be sent lowest), then the sent ones by when they left the queue. Qt sorts
        # the items by ORDER_ROLE in C++, which keeps the selection and the current row; a job
        # sent in its turn is in place already, so a batch that runs sorts nothing.
        self.setSortRole(ORDER_ROLE)
        self._last_rank = 0.0
        self._first_rank = 0.0
        self._placed = itertools.count(1)
        self._older = itertools.count(-1, -1)  # restored rows: older than this session's
        self._resort = QTimer(self)
        self._resort.setSingleShot(True)
        self._resort.setInterval(0)
        self._resort.timeout.connect(self.resort)

    def __repr__(self) -> str:
        return f"<JobsModel rows={self.rowCount()}>"

    # ---- access -----------------------------------------------------------------------------

    def row(self, job_id: str) -> JobRow | None:
        return self._by_id.get(job_id)

    def row_at(self, position: int) -> JobRow | None:
        item = self.item(position) if 0 <= position < self.rowCount() else None
        return self._by_id.get(item.data(JOB_ROLE)) if item is not None else None

    def index_of(self, job_id: str) -> QModelIndex:
        item = self._items.get(job_id)
        return item.index() if item is not None else QModelIndex()

    def waiting_count(self) -> int:
        """How many jobs wait to be sent (the rows at the top)."""
        return sum(1 for row in self._by_id.values() if row.waiting)

    def waiting_ids(self) -> list[str]:
        """The waiting jobs in the order they are sent (the list shows them bottom up)."""
        return [row.job_id for row in sorted(
            (r for r in self._by_id.values() if r.waiting), key=lambda r: r.rank)]

    def active_ids(self) -> list[str]:
        """The unfinished jobs, in the order they became unfinished."""
        return list(self._active)

    def active_count(self) -> int:
        """How many jobs are not finished (no walk over the rows)."""
        return len(self._active)

    def running_count(self) -> int:
        """How many unfinished jobs run at fal or are being fetched (:data:`RUNNING_STATES`)."""
        return len(self._running)

    def _counted(self, row: JobRow) -> None:
        """Keep the active and running sets in step with ``row``'s state (after each change)."""
        job_id = row.job_id
        if row.state.is_final:
            self._active.pop(job_id, None)
        else:
            self._active.setdefault(job_id)
        if row.state in RUNNING_STATES:
            self._running.add(job_id)
        else:
            self._running.discard(job_id)

    def fill_requests(self) -> list[str]:
        """Look up the requests of rows that have none: a job resumed after a restart reports
        before the history is open, so its row first knows only its id. Returns the filled."""
        filled: list[str] = []
        if self._lookup is None:
            return filled
        for row in self._by_id.values():
            if row.request is None:
                row.request = self._lookup(row.job_id)
                if row.request is not None:
                    filled.append(row.job_id)
                    self._changed(row)
        return filled

    def clear_finished(self, keep: str = "") -> int:
        """Take finished jobs off the list (they stay in History); ``keep`` stays listed (the
        selected one). Returns how many went."""
        gone = [job_id for job_id, row in self._by_id.items()
                if row.state.is_final and job_id != keep]
        for job_id in gone:
            item = self._items.pop(job_id)
            del self._by_id[job_id]
            self._active.pop(job_id, None)
            self._running.discard(job_id)
            self._icons.pop(job_id, None)
            self._dirty.discard(job_id)
            self.removeRow(item.row())
        return len(gone)

    def use_thumbnails(self, loader: ThumbnailLoader, source: ThumbnailSource) -> None:
        """Show each completed job's first image (decoded off the GUI thread by ``loader``)."""
        self._thumbnails = loader
        self._thumbnail_source = source
        loader.thumbnail_ready.connect(self._thumbnail_ready)

    def want_thumbnails(self, first: int, last: int) -> None:
        """Rows ``first``..``last`` are on screen: their pictures are decoded if not yet."""
        if self._thumbnails is None or self._thumbnail_source is None:
            return
        for position in range(max(0, first), min(last, self.rowCount() - 1) + 1):
            row = self.row_at(position)
            if (row is None or row.job_id in self._icons or row.state is not JobState.completed
                    or not row.image_paths):
                continue
            found = self._thumbnail_source(row.job_id, row.image_paths)
            if found is None:
                continue
            key, paths = found
            pixmap = self._thumbnails.pixmap(key, paths)
            if pixmap is None:
                self._awaited[key] = row.job_id
            else:
                self._icons[row.job_id] = thumbnail_icon(pixmap, row.state)
                self._changed(row)

    def _thumbnail_ready(self, key: str) -> None:
        job_id = self._awaited.pop(key, None)
        row = self._by_id.get(job_id) if job_id is not None else None
        loader = self._thumbnails
        if row is None or loader is None or self._thumbnail_source is None:
            return
        found = self._thumbnail_source(row.job_id, row.image_paths)
        pixmap = loader.pixmap(key, found[1]) if found is not None else None
        if pixmap is not None:  # a file that does not decode keeps the placeholder
            self._icons[row.job_id] = thumbnail_icon(pixmap, row.state)
            self._changed(row)

    def decoration(self, row: JobRow) -> QIcon:
        """What a row shows on its left: its thumbnail once decoded, else the placeholder."""
        icon = self._icons.get(row.job_id) if row.state is JobState.completed else None
        return icon if icon is not None else state_icon(row.state)

    # ---- updates ----------------------------------------------------------------------------

    def add_job(self, job_id: str, request: GenerationRequest | None) -> JobRow:
        return self.add_jobs([(job_id, request)])[0]

    def add_jobs(self, jobs: Sequence[tuple[str, GenerationRequest | None]]) -> list[JobRow]:
        """Add jobs in the order given, the last one on top (as one ``add_job`` after another
        would), in one insertion: a 1,000-job batch is one ``rowsInserted`` instead of 1,000
        (measured: 462 ms of the GUI thread one at a time, see docs/performance.md)."""
        rows: list[JobRow] = []
        items: list[QStandardItem] = []
        for job_id, request in jobs:
            existing = self._by_id.get(job_id)
            if existing is not None:
                if existing.request is None:
                    existing.request = request
                rows.append(existing)
                continue
            row = JobRow(job_id, request)
            self._last_rank += 1.0
            row.rank = self._last_rank  # at the end of the queue, as the engine sends it
            item = QStandardItem()
            item.setEditable(False)
            item.setData(job_id, JOB_ROLE)
            _show(item, row, self.decoration(row), None if self.free else self.prices)
            self._by_id[job_id] = row
            self._items[job_id] = item
            self._counted(row)
            rows.append(row)
            items.append(item)
        if items:  # new jobs wait: sent after the waiting ones, so listed on top
            self.invisibleRootItem().insertRows(0, items[::-1])
        return rows

    def restore(self, records: Sequence[JobRecord], absolute: Callable[[str], str]) -> int:
        """List the jobs of the last session again (after a restart), given in the list's
        order (waiting ones first, in their queue order): after what is listed already, in
        one insertion and one sort. A job listed already (resumed by the engine before the
        history opened) keeps its row and gets its parameters. Returns how many were added.

        ``absolute`` turns a stored image path into the file's path."""
        items: list[QStandardItem] = []
        for record in records:
            existing = self._by_id.get(record.id)
            if existing is not None:
                if existing.request is None and record.request is not None:
                    existing.request = record.request
                    self._changed(existing)
                continue
            row = _row_from_record(record, absolute)
            if row.waiting:
                self._last_rank += 1.0
                row.rank = self._last_rank
            else:
                row.placed = next(self._older)
            item = QStandardItem()
            item.setEditable(False)
            item.setData(row.job_id, JOB_ROLE)
            _show(item, row, self.decoration(row), None if self.free else self.prices)
            self._by_id[row.job_id] = row
            self._items[row.job_id] = item
            self._counted(row)
            items.append(item)
        if items:
            self.invisibleRootItem().insertRows(self.rowCount(), items)
            self.resort()
        return len(items)

    def apply(self, event: ev.JobEvent) -> None:
        """Fold one engine event into its row (GUI thread, from the bridge)."""
        from qwenimg_desktop.core.jobs import events as ev  # noqa: PLC0415 - see ui/bridge.py
        row = self._by_id.get(event.job_id)
        if row is None:
            request = self._lookup(event.job_id) if self._lookup is not None else None
            row = self.add_job(event.job_id, request)
        was_final, was_waiting = row.state.is_final, row.waiting
        before = (row.state, row.position, row.detail, row.reason)
        if isinstance(event, ev.StateChanged) and event.resumed and row.logs:
            row.logs.clear()  # the resumed job's log arrives again from its first line
            self.logs_replaced.emit(row.job_id)
        _fold(row, event, time.monotonic())
        self._counted(row)
        if row.waiting != was_waiting:
            self._requeued(row)
        if isinstance(event, ev.Running) and event.logs:
            self.logs_appended.emit(row.job_id, len(event.logs))
        if (row.state, row.position, row.detail, row.reason) != before:
            self._changed(row)
        else:
            self._changed_later(row)
        if row.state.is_final and (not was_final or row.state is not before[0]):
            self.job_finished.emit(row.job_id)  # also: a failed job completed by Re-download

    def move_waiting(self, job_id: str, position: int) -> tuple[str, str] | None:
        """Put a waiting job at ``position`` among the waiting ones (0: sent next). Returns
        the ids of its new neighbours (the job sent just before it, the one just after; ""
        for none), or None when it is not waiting."""
        row = self._by_id.get(job_id)
        if row is None or not row.waiting:
            return None
        queue = [j for j in self.waiting_ids() if j != job_id]
        position = max(0, min(position, len(queue)))
        after = self._by_id[queue[position - 1]] if position > 0 else None
        before = self._by_id[queue[position]] if position < len(queue) else None
        if after is None and before is None:
            return "", ""
        if after is None:
            assert before is not None
            row.rank = before.rank - 1.0
        elif before is None:
            row.rank = after.rank + 1.0
        else:
            row.rank = (after.rank + before.rank) / 2
        self._first_rank = min(self._first_rank, row.rank)
        self._last_rank = max(self._last_rank, row.rank)
        self._changed(row)
        self.resort()
        return (after.job_id if after else ""), (before.job_id if before else "")

    def resort(self) -> None:
        """Put rows in their order (waiting ones first, in send order): one sort by Qt."""
        self._resort.stop()
        self.sort(0, Qt.SortOrder.AscendingOrder)

    def _requeued(self, row: JobRow) -> None:
        """A job left the queue (it is being sent: newest of the sent ones) or came back to it
        (refused before it was queued: it goes first, as it was about to be sent)."""
        if row.waiting:
            self._first_rank -= 1.0
            row.rank = self._first_rank
        else:
            row.placed = next(self._placed)
        if not self._in_place(row) and not self._resort.isActive():
            self._resort.start()

    def _in_place(self, row: JobRow) -> bool:
        """Whether the row's order keeps it between its neighbours (no sort needed)."""
        position = self._items[row.job_id].row()
        above, below = self.row_at(position - 1), self.row_at(position + 1)
        return ((above is None or above.order <= row.order)
                and (below is None or row.order <= below.order))

    def tick(self) -> None:
        """Refresh elapsed times of running rows (a 1 s timer calls this)."""
        for row in self._by_id.values():
            if row.started is not None and not row.state.is_final:
                self._changed_later(row)

    def _changed(self, row: JobRow) -> None:
        self._dirty.discard(row.job_id)
        _show(self._items[row.job_id], row, self.decoration(row),
              None if self.free else self.prices)

    def _changed_later(self, row: JobRow) -> None:
        self._dirty.add(row.job_id)
        if not self._refresh.isActive():
            self._refresh.start()

    def _flush_dirty(self) -> None:
        dirty, self._dirty = self._dirty, set()
        for job_id in dirty:
            row = self._by_id.get(job_id)
            if row is not None:
                self._changed(row)


@lru_cache(maxsize=1024)
def prompt_title(prompt: str) -> str:
    """A job's title: its prompt's first line with text, without markdown marks. Cached: every
    repaint of a row asks for it, and a batch's jobs share a few prompts (1,000 rows: 150 ms of
    the GUI thread in regular expressions before the cache)."""
    for line in prompt.splitlines():
        text = markdown_plain_line(line)
        if text:
            return text[:80]
    return translate("JobsModel", "(empty prompt)")


def _show(item: QStandardItem, row: JobRow, icon: QIcon, prices: PriceBook | None) -> None:
    """Copy what a row shows into its item: one ``dataChanged`` for all of it."""
    status = row.status_line(time.monotonic())
    text = f"{row.title}\n{row.facts(prices)}\n{status}"
    roles: dict[int, Any] = {
        Qt.ItemDataRole.DisplayRole: text,
        Qt.ItemDataRole.ToolTipRole: plain_tooltip(text),
        Qt.ItemDataRole.DecorationRole: icon,
        TILE_ROLE: (row.title, status, row.state.value),
        ORDER_ROLE: row.order,
    }
    index = item.index()
    if index.isValid():
        item.model().setItemData(index, roles)
    else:  # not inserted yet
        for role, value in roles.items():
            item.setData(value, role)


_KINDS: Final = {NOT_DOWNLOADED: "PaidNotDownloaded", DEADLINE: "DeadlineExceeded"}
"""A journalled failure's ``error_type`` → the error class a live row knows it by."""


def _row_from_record(record: JobRecord, absolute: Callable[[str], str]) -> JobRow:
    """A row for a job of an earlier session, from its journal record."""
    created = datetime.fromtimestamp(record.created_at)
    shown = created.strftime("%H:%M" if created.date() == datetime.now().date()
                             else "%d %b %H:%M")
    final = record.state.is_final
    return JobRow(
        record.id, record.request, state=record.state, position=record.queue_position,
        reason=(record.error or "") if final else "", seed=record.seed,
        image_paths=tuple(absolute(image.path) for image in record.images),
        kind=("SubmissionUnknown" if record.state is JobState.unknown
              else _KINDS.get(record.error_type or "", record.error_type or "")),
        error_type=record.error_type or "", created=shown, restored=True)


def _state_changed(row: JobRow, event: ev.StateChanged, now: float) -> None:
    row.state, row.detail, row.held = event.state, event.detail, ""
    if event.state is JobState.unknown:  # looked for (again) at fal: no outcome yet
        row.kind = row.error_type = ""
    answer = messages.cancel_answer(event.state, event.detail)
    if answer:  # fal's answer to a cancel: kept, to be told if the job completes anyway
        row.cancel_answer = row.detail = answer
    if event.state in (JobState.running, JobState.fetching):
        row.started = row.started or now


def _fold(row: JobRow, event: ev.JobEvent, now: float) -> None:
    from qwenimg_desktop.core.jobs import events as ev  # noqa: PLC0415 - see ui/bridge.py
    if isinstance(event, ev.Submitted):
        row.state = JobState.submitted
    elif isinstance(event, ev.Queued):
        row.state, row.position = JobState.queued, event.position
    elif isinstance(event, ev.Running):
        if row.state is not JobState.cancel_requested:
            row.state = JobState.running
        row.started = row.started or now
        if event.logs:
            row.logs.extend(event.logs)
            del row.logs[:-MAX_LOG_LINES]
            row.last_log = event.logs[-1].strip()[:120]
    elif isinstance(event, ev.StateChanged):
        _state_changed(row, event, now)
    elif isinstance(event, ev.Held):
        row.state, row.held, row.detail = JobState.pending, event.reason, event.reason
    elif isinstance(event, ev.Completed):
        row.state, row.seed, row.image_paths = JobState.completed, event.seed, event.image_paths
        row.kind = row.reason = ""
        row.finished = now
        if row.cancel_answer:  # cancelled, yet fal finished it: say so, and what it costs
            row.reason = messages.completed_after_cancel(row.cancel_answer)
    elif isinstance(event, ev.Failed):
        unknown = event.kind == "SubmissionUnknown"
        row.state, row.finished = (JobState.unknown if unknown else JobState.failed), now
        row.reason = messages.failure_text(event.reason, event.kind, event.next_step)
        row.kind, row.error_type = event.kind, event.error_type
    elif isinstance(event, ev.Cancelled):
        row.state, row.finished = JobState.cancelled, now
        row.reason = event.detail
