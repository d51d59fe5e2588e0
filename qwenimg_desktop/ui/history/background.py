"""SerialQueue: blocking calls one at a time on a named worker thread, answers on the GUI thread."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, Qt, QThreadPool, Signal

from qwenimg_desktop.core.threads import lower_thread_priority

log = logging.getLogger("qwenimg.ui.history")

Done = Callable[[Any, Exception | None], None]


class _Relay(QObject):
    finished = Signal(int, object, object)  # token, result, exception


class _Task(QRunnable):
    def __init__(self, token: int, fn: Callable[[], Any], relay: _Relay) -> None:
        super().__init__()
        self._token = token
        self._fn = fn
        self._relay = relay

    def run(self) -> None:
        lower_thread_priority()
        try:
            result = self._fn()
        except Exception as exc:  # noqa: BLE001 - handed to the GUI callback, typed
            self._relay.finished.emit(self._token, None, exc)
        else:
            self._relay.finished.emit(self._token, result, None)


class SerialQueue(QObject):
    """One worker thread; ``submit(fn, done)`` runs ``fn()`` there and ``done(result, error)``
    on the GUI thread, in submission order. Nothing is delivered after :meth:`shutdown`.
    """

    def __init__(self, name: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.name = name
        self._pool = QThreadPool(self)
        self._pool.setObjectName(name)
        self._pool.setMaxThreadCount(1)
        self._relay = _Relay(self)
        self._relay.finished.connect(self._deliver, Qt.ConnectionType.QueuedConnection)
        self._callbacks: dict[int, Done | None] = {}
        self._token = 0
        self._closed = False

    def __repr__(self) -> str:
        return f"<SerialQueue {self.name} pending={len(self._callbacks)} closed={self._closed}>"

    @property
    def busy(self) -> bool:
        return bool(self._callbacks)

    def submit(self, fn: Callable[[], Any], done: Done | None = None) -> None:
        if self._closed:
            return
        self._token += 1
        self._callbacks[self._token] = done
        self._pool.start(_Task(self._token, fn, self._relay))

    def _deliver(self, token: int, result: Any, error: Exception | None) -> None:
        callback = self._callbacks.pop(token, None)
        if self._closed:
            return
        if callback is not None:
            callback(result, error)
        elif error is not None:
            log.error("%s: background task failed", self.name, exc_info=error)

    def wait(self, msecs: int = 10_000) -> bool:
        return self._pool.waitForDone(msecs)

    def shutdown(self) -> None:
        self._closed = True
        self._pool.clear()
        self._pool.waitForDone(10_000)
        self._callbacks.clear()
