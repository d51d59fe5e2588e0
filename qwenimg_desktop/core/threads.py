"""Thread helpers shared by the core's executors and the UI's workers."""

from __future__ import annotations

import contextlib
import os
import sys
import threading
from collections.abc import Callable
from concurrent.futures import Executor, Future
from typing import Any, Final, ParamSpec, TypeVar

WORKER_NICE: Final = 10
P = ParamSpec("P")
T = TypeVar("T")


GIL_SWITCH_INTERVAL_S: Final = 0.001
"""How long a thread may keep the GIL while another waits for it (CPython's default: 5 ms)."""


def favour_the_gui_thread() -> None:
    """Make a thread that waits for the GIL get it within ~1 ms instead of ~5 ms.

    The GUI thread takes the GIL for every Python slot and every row a Python delegate paints;
    while the engine's threads run Python (a burst of completed jobs), each of those takes can
    wait a full switch interval. Measured with 32 jobs × 4 images in flight: the longest GUI
    stall 36–47 ms at 5 ms, 26–31 ms at 1 ms, for the same total time (docs/performance.md).
    """
    sys.setswitchinterval(GIL_SWITCH_INTERVAL_S)


def lower_thread_priority() -> None:
    """Let the GUI thread win the CPU over this worker (per-thread nice on Linux; else a no-op).

    Qt's thread priorities do nothing under Linux's default scheduler, but ``nice`` applies to
    a single thread there. On a 2-core machine this keeps the window responsive while images are
    decoded, thumbnailed and searched in the background.
    """
    if sys.platform.startswith("linux") and hasattr(os, "setpriority"):
        with contextlib.suppress(OSError):
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), WORKER_NICE)


ENGINE_NICE: Final = 5
"""The job engine's own process: below the window, above the background workers."""


def lower_process_priority(nice: int = ENGINE_NICE) -> None:
    """Run the calling thread, and every thread it starts from now on, at ``nice``: call it
    first thing in a background process (Linux: a thread's nice value is its own and new
    threads inherit it; macOS and the BSDs: the whole process). A no-op on Windows.

    The job engine's process sends, downloads, verifies and journals while the window draws:
    at the same priority, the 32 submits of a burst took 1.6 of 2 cores and the window's GUI
    thread waited for a core between its events (docs/performance.md). Niced, the window gets
    the core first whenever both want one; the engine still has every idle core.
    """
    if hasattr(os, "setpriority"):
        with contextlib.suppress(OSError):
            os.setpriority(os.PRIO_PROCESS, 0, max(nice, os.getpriority(os.PRIO_PROCESS, 0)))


class TrackedExecutor(Executor):
    """An executor that knows which of its calls are still running.

    Cancelling an asyncio task that awaits ``run_in_executor`` does not stop the thread: the
    call runs to its end (a rename, a metadata write). A caller that must clean up after
    cancelled work (a failed job's images) waits for :meth:`in_flight` first.
    """

    def __init__(self, inner: Executor) -> None:
        self._inner = inner
        self._lock = threading.Lock()
        self._running: set[Future[Any]] = set()

    def __repr__(self) -> str:
        return f"<TrackedExecutor in_flight={len(self._running)} {self._inner!r}>"

    def submit(self, fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> Future[T]:
        future = self._inner.submit(fn, *args, **kwargs)
        with self._lock:
            self._running.add(future)
        future.add_done_callback(self._finished)
        return future

    def _finished(self, future: Future[Any]) -> None:
        with self._lock:
            self._running.discard(future)

    def in_flight(self) -> list[Future[Any]]:
        """The calls submitted and not finished yet."""
        with self._lock:
            return list(self._running)

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        self._inner.shutdown(wait=wait, cancel_futures=cancel_futures)
