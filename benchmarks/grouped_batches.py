"""History with batches grouped: the gallery's first page and count, and the batch tiles.

Builds a history of ``--batches`` batches of ``--size`` jobs and as many lone jobs (through the
store's own writes, triggers and all), then times on a read-only connection, as the gallery
reads it: the first page (240 keys) and the count, plain and with batches grouped (each batch
one row: a ``NOT EXISTS`` probe of the ``jobs_batch`` index per candidate row), grouped with
search text, and ``batch_tiles`` for the 60 rows a screen paints.

    .venv/bin/python -m benchmarks.grouped_batches [--batches 200] [--size 50]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
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


def build(store: HistoryStore, batches: int, size: int) -> None:
    for b in range(batches):
        store.create_batch([BatchJob(uuid.uuid4().hex,
                                     GenerationRequest(prompt=f"batch {b} job {i}", seed=i),
                                     0.075) for i in range(size)], queue_base="q")
        for i in range(size):
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
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="qwenimg-grouped-") as root:
        layout = DataLayout(Path(root)).ensure()
        with HistoryStore.open(layout) as store:
            start = time.perf_counter()
            build(store, args.batches, args.size)
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


if __name__ == "__main__":
    main()
