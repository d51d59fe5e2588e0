"""Short garbage-collector pauses for a long-running, threaded process.

A full (generation-2) pass of CPython's cyclic collector walks every tracked object while it
holds the GIL, on whichever thread happened to trigger it. With the window, the Qt wrappers and
every module loaded that is ~50,000 objects and 15–20 ms on the build machine, so a history
worker building a page of keys could freeze the GUI thread for that long mid-scroll. The
objects alive once the app has started (modules, classes, the window and its models) live until
quit, so :func:`settle` moves them to the permanent generation once: later passes walk only
what was created since.
"""

from __future__ import annotations

import gc
import logging
import time

log = logging.getLogger("qwenimg.heap")


def settle() -> int:
    """Collect, then freeze every surviving object out of later passes; returns how many.

    Call it when a long-lived part has just been built (the window, the history browser). The
    collection first means no garbage is frozen; after the first call it only walks the objects
    created since, so calling it again is cheap. Objects frozen here are still freed by
    reference counting; only a reference cycle among them would outlive its use.
    """
    began = time.perf_counter()
    gc.collect()
    gc.freeze()
    frozen = gc.get_freeze_count()
    log.debug("heap settled: %d objects frozen in %.1f ms", frozen,
              (time.perf_counter() - began) * 1000)
    return frozen
