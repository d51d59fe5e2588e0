"""EngineBridge: the engine's event sink, re-emitted as a Qt signal on the GUI thread, coalesced."""

from __future__ import annotations

import threading
import time
from dataclasses import replace
from typing import TYPE_CHECKING, Final

from PySide6.QtCore import QObject, Qt, QTimer, Signal

if TYPE_CHECKING:
    from qwenimg_desktop.core.jobs.events import JobEvent

FLUSH_INTERVAL_MS: Final = 16  # at most ~60 flushes a second
FLUSH_BUDGET_S: Final = 0.008  # a flush yields to the event loop after this much work
MAX_MERGED_LOGS: Final = 200  # keep only the newest lines of a merged Running event


class EngineBridge(QObject):
    """Receives frozen events on the engine thread; delivers them in order on the GUI thread.

    ``sink`` is thread-safe and cheap: it appends to a locked list, merging a Running event into
    the job's pending Running event when nothing else for that job came after it, and wakes the
    GUI thread once per batch through a signal connected with ``Qt.QueuedConnection``. The GUI
    thread flushes at most every 16 ms and stops a flush when its time budget is spent.
    """

    job_event = Signal(object)  # JobEvent, always on the GUI thread
    _wake = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._lock = threading.Lock()
        self._pending: list[JobEvent] = []
        self._running_at: dict[str, int] = {}  # job id -> index of its mergeable Running
        self._woken = False
        # Events a flush had no time left for (GUI thread only): delivered first by the next.
        self._carry: list[JobEvent] = []
        self._last_flush = 0.0
        self._received = 0
        self._delivered = 0
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._flush)
        self._wake.connect(self._on_wake, Qt.ConnectionType.QueuedConnection)

    def __repr__(self) -> str:
        return f"<EngineBridge received={self._received} delivered={self._delivered}>"

    @property
    def delivered(self) -> int:
        return self._delivered

    def sink(self, event: JobEvent) -> None:
        """Engine-thread entry point: never touches a widget."""
        with self._lock:
            self._received += 1
            self._append(event)
            if self._woken:
                return
            self._woken = True
        self._wake.emit()

    def _append(self, event: JobEvent) -> None:
        # The events load with the engine's first report (core/jobs/remote.py), after the
        # window's first paint: never at the window's import.
        from qwenimg_desktop.core.jobs.events import Running  # noqa: PLC0415

        index = self._running_at.get(event.job_id)
        if isinstance(event, Running):
            if index is not None:
                merged = self._pending[index]
                assert isinstance(merged, Running)
                logs = (merged.logs + event.logs)[-MAX_MERGED_LOGS:]
                self._pending[index] = replace(merged, logs=logs)
                return
            self._running_at[event.job_id] = len(self._pending)
        elif index is not None:
            del self._running_at[event.job_id]
        self._pending.append(event)

    def _on_wake(self) -> None:
        wait_ms = FLUSH_INTERVAL_MS - (time.monotonic() - self._last_flush) * 1000
        if wait_ms <= 0:
            self._flush()
        elif not self._timer.isActive():
            self._timer.start(int(wait_ms) + 1)

    def _flush(self) -> None:
        self._last_flush = time.monotonic()
        with self._lock:
            batch = self._pending
            self._pending = []
            self._running_at = {}
            self._woken = False
        if self._carry:  # older than anything pending: delivered first
            batch, self._carry = self._carry + batch, []
        deadline = self._last_flush + FLUSH_BUDGET_S
        for position, event in enumerate(batch):
            self._delivered += 1
            self.job_event.emit(event)
            if time.monotonic() > deadline and position + 1 < len(batch):
                # The rest waits for the next flush as it is: merging it into the pending
                # list again, event by event, made a 1,000-job batch's first events cost
                # the GUI thread O(n²) (docs/performance.md).
                self._carry = batch[position + 1:]
                self._timer.start(FLUSH_INTERVAL_MS)
                return
