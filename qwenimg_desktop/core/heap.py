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

import contextlib
import ctypes
import gc
import linecache
import logging
import sys
import time
from collections.abc import Iterator
from typing import Final

log = logging.getLogger("qwenimg.heap")

LARGE_BLOCK: Final = 128 * 1024
"""Allocations from this size on get pages of their own, given back to the system when freed."""
_M_MMAP_THRESHOLD: Final = -3  # glibc's mallopt() parameter number (malloc.h)


def settle() -> int:
    """Collect, then freeze every surviving object out of later passes; returns how many.

    Call it when a long-lived part has just been built (the window, the history browser). The
    collection first means no garbage is frozen; after the first call it only walks the objects
    created since, so calling it again is cheap. Objects frozen here are still freed by
    reference counting; only a reference cycle among them would outlive its use.

    The source lines in ``linecache`` go first: PySide6's import check read the source of every
    module imported after Qt, and ``linecache`` kept them all (134,343 lines of 304 files, 12.7
    MB of strings once the window was ready; the window's process now answers that check
    without reading, ``ui/pyside_feature_check.py``, so only what else read lines is left).
    Nothing else holds them (a traceback reads the lines it shows again), and the freed memory
    is what the window's next objects take: the peak with 100,000 generations and 32 jobs fell
    from 297–302 to 286–291 MB (docs/performance.md).
    """
    began = time.perf_counter()
    linecache.clearcache()
    gc.collect()
    gc.freeze()
    frozen = gc.get_freeze_count()
    log.debug("heap settled: %d objects frozen in %.1f ms", frozen,
              (time.perf_counter() - began) * 1000)
    return frozen


def settle_soon() -> None:
    """:func:`settle` now, or, while the start-up's hold is on (:func:`hold_collections`), when
    it ends: :func:`end_hold` settles everything then, and a collection now would be the one
    pass the hold keeps out of the start-up. The History tab's browser built before the engine
    is ready (the tab left open last time, or opened in the first seconds) spent ~45-50 ms of
    CPU on it before the tab could show the history, and the hold's own settle then walked
    only the rest: the same work, done later (docs/performance.md)."""
    if not _held:
        settle()


_held = False


def hold_collections() -> None:
    """No cyclic collection while the app starts, until :func:`end_hold`.

    Between the start-up shell's paint and the main window's, the window's process imports a
    few hundred modules and builds the window: ~100 automatic passes (each generation-2 one
    walking everything loaded so far) took 55–75 ms of CPU there (docs/performance.md), and
    what they walk lives until quit. Held, nothing is collected until :func:`end_hold` (when
    the engine is ready, where the heap was settled anyway), which collects once and freezes
    the survivors (:func:`settle`)."""
    global _held  # noqa: PLW0603 - the process's one collector
    if gc.isenabled():
        gc.disable()
        _held = True


def end_hold() -> bool:
    """Turn the collector back on after :func:`hold_collections` and settle the heap; False
    (nothing done) when it was not held."""
    global _held  # noqa: PLW0603 - the process's one collector
    if not _held:
        return False
    _held = False
    gc.enable()
    settle()
    return True


@contextlib.contextmanager
def paused_collections() -> Iterator[None]:
    """No cyclic collection while a bulk of objects without cycles is built, on any thread.

    The start-up file check makes one row per missing image (97,297 on the 100,000-generation
    benchmark history): their growing number set off full passes that walked them all, 7, 16
    and 30 ms on their own and 47–120 ms in the window's process, each holding the GIL while the
    GUI thread waited (docs/performance.md). Leaves the collector as it found it: one already
    off (the start-up hold) stays off.
    """
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        if not _held:  # a start-up hold begun meanwhile turns it back on itself
            gc.enable()


def return_large_blocks() -> bool:
    """Have glibc give every freed block of :data:`LARGE_BLOCK` or more back to the system.

    glibc serves a large allocation with pages of its own (``mmap``) only until one is freed:
    it then raises that threshold to the freed block's size (up to 32 MB), so the next decoded
    2048² image (16 MB) comes from the heap and its pages stay in the process when it is freed.
    With images decoded one after another on worker threads that kept tens of MB resident for
    nothing (a result viewer holding one image measured 33 MB instead of 17). Setting the
    threshold once turns that adjustment off. True when set; False where the C library is not
    glibc (musl, macOS, Windows allocate differently and have no such knob).
    """
    if not sys.platform.startswith("linux"):
        return False
    try:
        mallopt = ctypes.CDLL(None).mallopt  # the process's own symbols: libc's among them
    except (OSError, AttributeError):
        return False
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    mallopt.restype = ctypes.c_int
    return bool(mallopt(_M_MMAP_THRESHOLD, LARGE_BLOCK))


def release_free_pages() -> bool:
    """Give the pages of freed memory back to the system (glibc's ``malloc_trim``).

    A large transient piece of work frees its objects, but the heap keeps their pages while
    anything allocated later sits above them (~11 MB after the recall index of 100,000 prompts
    when Python built it). Call it after such work, off the GUI thread (it walks the heap, a
    few ms, holding the allocator's locks), and not in the window's process while it must stay
    responsive. False where the C library is not glibc.
    """
    if not sys.platform.startswith("linux"):
        return False
    try:
        trim = ctypes.CDLL(None).malloc_trim
    except (OSError, AttributeError):
        return False
    trim.argtypes = [ctypes.c_size_t]
    trim.restype = ctypes.c_int
    return bool(trim(0))
