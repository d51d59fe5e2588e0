"""Background work for the GUI: run blocking calls on a small pool, answer on the GUI thread."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, Final

from PySide6.QtCore import QObject, QRunnable, Qt, QThreadPool, Signal

log = logging.getLogger("qwenimg.ui.workers")

POOL_THREADS: Final = 3


class _Relay(QObject):
    """Lives on the GUI thread; its signal is emitted from a pool thread (queued delivery)."""

    finished = Signal(object, object)  # result, exception


class _Task(QRunnable):
    def __init__(self, fn: Callable[[], Any], relay: _Relay) -> None:
        super().__init__()
        self._fn = fn
        self._relay = relay
        self.setAutoDelete(True)

    def run(self) -> None:
        try:
            result = self._fn()
        except Exception as exc:  # noqa: BLE001 - every failure is handed to the GUI callback
            self._relay.finished.emit(None, exc)
        else:
            self._relay.finished.emit(result, None)


class Workers(QObject):
    """A named thread pool for keyring calls, key tests, image decoding and small file writes.

    ``run(fn, on_done, on_error)`` calls ``fn`` on a pool thread; the callbacks run on the GUI
    thread. Callbacks never run after :meth:`shutdown`.
    """

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._pool = QThreadPool(self)
        self._pool.setObjectName("ui-workers")
        self._pool.setMaxThreadCount(POOL_THREADS)
        self._relays: set[_Relay] = set()
        self._closed = False

    def __repr__(self) -> str:
        return f"<Workers active={self._pool.activeThreadCount()} pending={len(self._relays)}>"

    def run(
        self,
        fn: Callable[[], Any],
        on_done: Callable[[Any], None] | None = None,
        on_error: Callable[[Exception], None] | None = None,
    ) -> None:
        if self._closed:
            return
        relay = _Relay()
        self._relays.add(relay)

        def deliver(result: Any, exc: Exception | None) -> None:
            self._relays.discard(relay)
            relay.deleteLater()
            if self._closed:
                return
            if exc is None:
                if on_done is not None:
                    on_done(result)
            elif on_error is not None:
                on_error(exc)
            else:
                log.error("background task failed: %s", exc.__class__.__name__, exc_info=exc)

        relay.finished.connect(deliver, Qt.ConnectionType.QueuedConnection)
        self._pool.start(_Task(fn, relay))

    def wait(self, msecs: int = 10_000) -> bool:
        """Block until queued work is done (tests and shutdown)."""
        return self._pool.waitForDone(msecs)

    def shutdown(self, msecs: int = 5_000) -> None:
        self._closed = True
        self._pool.clear()
        self._pool.waitForDone(msecs)
