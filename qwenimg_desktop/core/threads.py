"""Thread helpers shared by the core's executors and the UI's workers."""

from __future__ import annotations

import contextlib
import os
import sys
import threading
from typing import Final

WORKER_NICE: Final = 10


def lower_thread_priority() -> None:
    """Let the GUI thread win the CPU over this worker (per-thread nice on Linux; else a no-op).

    Qt's thread priorities do nothing under Linux's default scheduler, but ``nice`` applies to
    a single thread there. On a 2-core machine this keeps the window responsive while images are
    decoded, thumbnailed and searched in the background.
    """
    if sys.platform.startswith("linux") and hasattr(os, "setpriority"):
        with contextlib.suppress(OSError):
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), WORKER_NICE)
