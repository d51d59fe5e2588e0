"""History with batches grouped: the gallery's first page and count, and the batch tiles.

Builds a history of ``--batches`` batches of ``--size`` jobs and as many lone jobs (through the
store's own writes, triggers and all), then times on a read-only connection, as the gallery
reads it: the first page (240 keys) and the count, plain and with batches grouped (each batch
one row: a ``NOT EXISTS`` probe of the ``jobs_batch`` index per candidate row), grouped with
search text, and ``batch_tiles`` for the 60 rows a screen paints.

``--scroll`` then opens the gallery (offscreen, the app's own QApplication) with "▦ Group" on
and scrolls it from the top to the bottom, idle and with one CPU-bound process beside it
(``support.background_load``): the longest gap of a 1 ms probe on the GUI thread, its p99, the
GUI thread's own CPU per gap, and how many store reads (records, batch tiles) ran on the GUI
thread while it scrolled. ``--lone N`` sets the lone jobs per batch (default ``--size``): with
``--lone 0`` every row is a batch tile. ``BENCH_WATCHDOG=MS`` names what happened in each gap.

    .venv/bin/python -m benchmarks.grouped_batches [--batches 200] [--size 50] [--lone N]
        [--scroll] [--column idle|loaded]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

from benchmarks.support import machine
from qwenimg_desktop.core.params import GenerationRequest
from qwenimg_desktop.core.store.batches import BatchJob
from qwenimg_desktop.core.store.files import DataLayout
from qwenimg_desktop.core.store.history import HistoryStore
from qwenimg_desktop.core.store.queries import HistoryQuery


def build(store: HistoryStore, batches: int, size: int, lone: int | None = None) -> None:
    for b in range(batches):
        store.create_batch([BatchJob(uuid.uuid4().hex,
                                     GenerationRequest(prompt=f"batch {b} job {i}", seed=i),
                                     0.075) for i in range(size)], queue_base="q",
                           label=f"batch {b}")
        for i in range(size if lone is None else lone):
            store.create_pending(GenerationRequest(prompt=f"lone {b} {i}", seed=i),
                                 queue_base="q", cost_estimate=0.075)


def median_ms(fn: Callable[[], Any], runs: int = 5) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batches", type=int, default=200)
    parser.add_argument("--size", type=int, default=50)
    parser.add_argument("--lone", type=int, help="lone jobs per batch (default: --size)")
    parser.add_argument("--scroll", action="store_true",
                        help="also scroll the grouped gallery, idle and loaded (GUI gaps)")
    parser.add_argument("--column", choices=["idle", "loaded"],
                        help="scroll in this column only (default: idle, then loaded)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="qwenimg-grouped-") as root:
        layout = DataLayout(Path(root)).ensure()
        with HistoryStore.open(layout) as store:
            start = time.perf_counter()
            build(store, args.batches, args.size, args.lone)
            print(f"built {store.query_count(HistoryQuery()):,} jobs in "
                  f"{time.perf_counter() - start:.1f} s; {machine()}")
        with HistoryStore.open(layout, readonly=True) as reader:
            for name, query in (("plain", HistoryQuery()),
                                ("grouped", HistoryQuery(group_batches=True)),
                                ("grouped + text", HistoryQuery(group_batches=True, text="job"))):
                page = median_ms(partial(reader.query_keys, query, limit=240))
                count = median_ms(partial(reader.query_count, query))
                print(f"{name}: first page {page:.1f} ms, count {reader.query_count(query):,} "
                      f"in {count:.1f} ms")
            keys = [j for _, j in reader.query_keys(HistoryQuery(group_batches=True), limit=60)]
            tiles = median_ms(lambda: reader.batch_tiles(keys))
            print(f"batch_tiles for 60 painted rows: {tiles:.1f} ms")
        if args.scroll:
            scroll_grouped(layout, args.column)


def scroll_grouped(layout: DataLayout, only: str | None = None) -> None:
    """Scroll the grouped gallery top to bottom in each column; print its GUI gaps."""
    from benchmarks.history_scale import measure_scroll
    from benchmarks.support import (
        LOAD_COLUMNS,
        background_load,
        gap_watchdog,
        load_average,
        percentile,
        stopped_report,
    )
    from qwenimg_desktop.ui.history.view import HistoryBrowser
    from qwenimg_desktop.ui.startup_shell import application

    app = application()
    gui = threading.get_ident()
    on_gui = _count_gui_reads(gui, ("summaries", "batch_tiles"))
    with HistoryStore.open(layout) as store:
        for column in (only,) if only else LOAD_COLUMNS:
            with background_load(column == "loaded"):
                browser = HistoryBrowser(store, os_trash=None, check_files_on_start=False)
                browser.resize(1200, 800)
                browser.show()
                browser.search.group.setChecked(True)
                deadline = time.perf_counter() + 30
                while (browser.model.loading or not browser.model.query.group_batches
                       or browser.model.rowCount() == 0):
                    app.processEvents()
                    if time.perf_counter() > deadline:
                        raise TimeoutError("the grouped listing did not arrive")
                settled = time.perf_counter() + 0.5  # laid out: the scroll's jump is 6 pages
                while time.perf_counter() < settled:
                    app.processEvents()
                    time.sleep(0.001)
                on_gui.clear()
                watchdog = gap_watchdog()
                # Until the last screen's first row is at the top: past it the scroll bar's
                # end moves while the batched layout finishes (tens of seconds of idle jumps).
                last = store.query_count(HistoryQuery(group_batches=True)) - 10
                gaps, busy, steps, seconds = measure_scroll(app, browser, rows=max(1, last),
                                                            watchdog=watchdog)
                watchdog_lines = stopped_report(watchdog)
                reads = dict(on_gui)
                rows = browser.model.rowCount()
                browser.shutdown()
                browser.close()
                load = load_average()
            over = sum(1 for g in gaps if g > 16.0)
            print(f"[{column}, load average {load}] grouped scroll top → bottom ({rows:,} rows,"
                  f" {steps} jumps, {seconds:.1f} s): longest GUI gap {max(gaps):.1f} ms, p99 "
                  f"{percentile(gaps, 99):.1f} ms, {over} of {len(gaps):,} gaps over 16 ms; the "
                  f"GUI thread's own CPU per gap max {max(busy):.1f} ms, p99 "
                  f"{percentile(busy, 99):.1f} ms; store reads on the GUI thread: "
                  + (", ".join(f"{name} {n}" for name, n in reads.items()) or "none"))
            for line in watchdog_lines:
                print(f"[{column}] watchdog: {line}")


def _count_gui_reads(gui: int, names: tuple[str, ...]) -> dict[str, int]:
    """Count the calls of ``HistoryStore`` methods ``names`` made on thread ``gui`` (the
    benchmark's own wrapper; the app's reads are unchanged)."""
    counts: dict[str, int] = {}
    for name in names:
        real = getattr(HistoryStore, name)

        def counted(self: HistoryStore, *args: Any, _name: str = name, _real: Any = real) -> Any:
            if threading.get_ident() == gui:
                counts[_name] = counts.get(_name, 0) + 1
            return _real(self, *args)

        setattr(HistoryStore, name, counted)
    return counts


if __name__ == "__main__":
    main()
