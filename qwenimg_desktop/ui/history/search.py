"""History queries off the GUI thread: a one-thread runner with its own read-only connection.

Every request carries a generation number; the model drops any answer whose generation is
older than its current one, so a slow, stale search never overwrites a newer result. A request
that has not started when a newer generation is requested is skipped: on the one worker, a
stale count (tens of milliseconds for a common word at 100,000 generations) would otherwise run
before the first page of the query typed after it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from PySide6.QtCore import QObject, Signal

from qwenimg_desktop.core.store.files import DataLayout
from qwenimg_desktop.core.store.history import HistoryStore
from qwenimg_desktop.core.store.queries import HistoryQuery
from qwenimg_desktop.ui.workers import Workers

Key = tuple[int, str]
"""``(seq, job id)``: the insertion position is the keyset cursor."""


@dataclass(frozen=True)
class KeysResult:
    """One answer of the runner: a page of keys (and the total, for a fresh query)."""

    generation: int
    kind: str  # "reset", "more", "insert" or "count"
    query: HistoryQuery
    keys: list[Key] = field(default_factory=list)
    count: int | None = None
    error: Exception | None = None
    skipped: bool = False
    """Not run: a newer generation was requested before its turn came (no keys, no count)."""


class QueryRunner(QObject):
    """Runs history queries on the ``history-search`` thread over its own read-only store.

    Signals:
        keys_ready(KeysResult): delivered on the GUI thread.
    """

    keys_ready = Signal(object)

    def __init__(self, layout: DataLayout, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.layout = layout
        self._queue = Workers("history-search", threads=1, low_priority=True, parent=self)
        self._store: HistoryStore | None = None
        self._store_lock = threading.Lock()
        self._newest = 0  # newest generation requested (written on the GUI thread only)

    def __repr__(self) -> str:
        return f"<QueryRunner {str(self.layout.root)!r} {self._queue!r}>"

    def reader(self) -> HistoryStore:
        """The runner's read-only store (opened on first use, on the worker thread)."""
        with self._store_lock:
            if self._store is None:
                self._store = HistoryStore.open(self.layout, readonly=True)
            return self._store

    def request(self, query: HistoryQuery, *, generation: int, kind: str, limit: int,
                after: int | None = None, with_count: bool = False) -> None:
        """Queue a keys query; its :class:`KeysResult` arrives through ``keys_ready``.

        With ``with_count`` a second result of kind ``count`` follows, so the first page is
        never held back by counting every hit. Either is skipped (a ``skipped`` result) if a
        newer generation has been requested by the time the worker reaches it.
        """
        self._newest = max(self._newest, generation)

        def work() -> KeysResult:
            if generation < self._newest:
                return KeysResult(generation, kind, query, skipped=True)
            keys = self.reader().query_keys(query, limit=limit, after=after)
            return KeysResult(generation, kind, query, keys)

        def count() -> KeysResult:
            if generation < self._newest:
                return KeysResult(generation, "count", query, skipped=True)
            return KeysResult(generation, "count", query, count=self.reader().query_count(query))

        self._queue.run(work, self.keys_ready.emit,
                        partial(self._failed, generation, kind, query))
        if with_count:
            self._queue.run(count, self.keys_ready.emit,
                            partial(self._failed, generation, "count", query))

    def _failed(self, generation: int, kind: str, query: HistoryQuery,
                error: Exception) -> None:
        self.keys_ready.emit(KeysResult(generation, kind, query, error=error))

    def call(self, fn: Callable[[HistoryStore], Any], on_done: Callable[[Any], object],
             on_error: Callable[[Exception], object] | None = None) -> None:
        """Run ``fn(reader)`` on the worker; ``on_done(result)`` or ``on_error(exception)`` runs
        on the GUI thread."""
        self._queue.run(lambda: fn(self.reader()), on_done, on_error)

    def wait(self, msecs: int = 10_000) -> bool:
        return self._queue.wait(msecs)

    def shutdown(self) -> None:
        self._queue.shutdown()
        with self._store_lock:
            if self._store is not None:
                self._store.close()
                self._store = None
