"""Workers: the one way the window runs blocking work off the GUI thread.

Every background call of the window goes through a :class:`Workers`: keyring calls and file
writes, image and thumbnail decodes, history queries and history writes. Each owner makes its
own, named after what it does (the name shows in thread listings), with as many threads as the
work may take at once:

* one thread runs calls one at a time, in the order they were given, and answers in that
  order (history queries, history writes: a later write never overtakes an earlier one);
* :meth:`Workers.cancel` drops the answer of a call whose result is stale (the image of a job
  no longer shown); the call itself runs to its end, since a thread cannot be stopped safely;
* ``low_priority`` workers yield the CPU to the GUI thread (decodes, searches).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final

from PySide6.QtCore import QObject, QRunnable, Qt, QThreadPool, Signal

from qwenimg_desktop.core.threads import lower_thread_priority

log = logging.getLogger("qwenimg.ui.workers")

POOL_THREADS: Final = 3
"""Threads of the window's general pool (keyring, key tests, result images, file writes)."""


class _Relay(QObject):
    """Lives on the GUI thread; its signal is emitted from a pool thread (queued delivery)."""

    finished = Signal(int, object, object)  # ticket, result, exception


class _Task(QRunnable):
    def __init__(self, ticket: int, fn: Callable[[], Any], relay: _Relay,
                 low_priority: bool) -> None:
        super().__init__()
        self._ticket = ticket
        self._fn = fn
        self._relay = relay
        self._low_priority = low_priority

    def run(self) -> None:
        if self._low_priority:
            lower_thread_priority()
        try:
            result = self._fn()
        except Exception as exc:  # noqa: BLE001 - every failure is handed to the GUI callback
            self._relay.finished.emit(self._ticket, None, exc)
        else:
            self._relay.finished.emit(self._ticket, result, None)


@dataclass(frozen=True)
class _Callbacks:
    on_done: Callable[[Any], object] | None
    on_error: Callable[[Exception], object] | None


class Workers(QObject):
    """A named thread pool whose calls answer on the GUI thread.

    ``run(fn, on_done, on_error)`` calls ``fn()`` on a pool thread, then ``on_done(result)`` or
    ``on_error(exception)`` on the GUI thread (a failure without ``on_error`` is logged). It
    returns a ticket for :meth:`cancel`. No callback runs after :meth:`shutdown`.
    """

    def __init__(self, name: str = "ui-workers", *, threads: int = POOL_THREADS,
                 low_priority: bool = False, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.name = name
        self._low_priority = low_priority
        self._pool = QThreadPool(self)
        self._pool.setObjectName(name)
        self._pool.setMaxThreadCount(threads)
        self._relay = _Relay(self)
        self._relay.finished.connect(self._deliver, Qt.ConnectionType.QueuedConnection)
        self._waiting: dict[int, _Callbacks] = {}
        self._ticket = 0
        self._closed = False

    def __repr__(self) -> str:
        return (f"<Workers {self.name} active={self._pool.activeThreadCount()}"
                f" pending={len(self._waiting)} closed={self._closed}>")

    @property
    def busy(self) -> bool:
        """A call has not answered yet."""
        return bool(self._waiting)

    def run(
        self,
        fn: Callable[[], Any],
        on_done: Callable[[Any], object] | None = None,
        on_error: Callable[[Exception], object] | None = None,
    ) -> int:
        """Queue ``fn``; returns its ticket (0 once shut down: nothing runs)."""
        if self._closed:
            return 0
        self._ticket += 1
        self._waiting[self._ticket] = _Callbacks(on_done, on_error)
        self._pool.start(_Task(self._ticket, fn, self._relay, self._low_priority))
        return self._ticket

    def cancel(self, ticket: int) -> None:
        """Drop the answer of call ``ticket`` (stale now); the call still runs to its end."""
        self._waiting.pop(ticket, None)

    def _deliver(self, ticket: int, result: Any, error: Exception | None) -> None:
        callbacks = self._waiting.pop(ticket, None)
        if self._closed or callbacks is None:
            return
        if error is None:
            if callbacks.on_done is not None:
                callbacks.on_done(result)
        elif callbacks.on_error is not None:
            callbacks.on_error(error)
        else:
            log.error("%s: background task failed: %s", self.name, error.__class__.__name__,
                      exc_info=error)

    def wait(self, msecs: int = 10_000) -> bool:
        """Block until queued work is done (tests and shutdown)."""
        return self._pool.waitForDone(msecs)

    def shutdown(self, msecs: int = 5_000) -> None:
        """Drop queued calls, wait for running ones; no callback runs after this."""
        self._closed = True
        self._waiting.clear()
        self._pool.clear()
        self._pool.waitForDone(msecs)
