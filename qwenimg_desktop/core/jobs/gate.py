"""Start-up state shared by the engine in a thread and the engine in its own process.

Kept apart from :mod:`~qwenimg_desktop.core.jobs.engine` (asyncio, the journal, the pipeline's
imports) so that the window's process, which only talks to the engine's child process, never
loads the engine itself: that was ~30 ms of the window's start-up.
"""

from __future__ import annotations

import threading

from qwenimg_desktop.core.errors import UserError


class EngineClosed(UserError):
    """The engine is not running (not started yet, or shut down)."""


class StartGate:
    """Start-up state shared by ``engine.JobEngine`` and ``remote.EngineProcess``: whether the
    start has finished, its error if it failed, and waiting for it."""

    _ready: threading.Event
    _start_error: BaseException | None

    def _launched(self) -> bool:
        """True once :meth:`start` has been called."""
        raise NotImplementedError

    @property
    def ready(self) -> bool:
        """True once start-up has finished, successfully or not (see :meth:`wait_ready`)."""
        return self._ready.is_set()

    def wait_ready(self, timeout: float | None = 30.0) -> None:
        """Block until start-up has finished; re-raise its error (every time) if it failed."""
        if not self._launched():
            raise EngineClosed("the job engine is not running")
        if not self._ready.wait(timeout):
            raise EngineClosed("the job engine did not start in time")
        if self._start_error is not None:
            raise self._start_error
