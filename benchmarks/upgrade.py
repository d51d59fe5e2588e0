"""Upgrading a large history to the short-term index, and searching it at 100,000 generations.

Builds (bulk SQL, ``history_scale.build_history``) a history at schema version 6, the one
before ``job_grams``, then does what the app does on its first start after the upgrade:

* migration: ``HistoryStore.open`` (all pending migrations) — it no longer indexes old jobs;
* searches while the index is not complete (1–2 character terms use the ``LIKE`` scan);
* the backfill exactly as the engine runs it (``HistoryStore.backfill_short_index`` batches on
  one thread, each followed by a pause as long as itself): total wall and CPU time, batches,
  the longest batch (the write lock is held from its ``BEGIN IMMEDIATE`` to its ``COMMIT``,
  inside that time), and — from a second process writing a small journal row every 10 ms as
  another engine or the CLI would (``synchronous=FULL``) — how long such a write waited;
* searches once the index is complete: FTS and 1–2 character first page and count, idle and
  with one CPU-bound process beside it (``support.background_load``), as in
  ``history_scale.measure_search``.

    .venv/bin/python -m benchmarks.upgrade [--rows 100000] [--keep DIR]
"""

from __future__ import annotations

import argparse
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Final

from benchmarks.history_scale import (
    V6,
    build_history,
    measure_search,
    report_search,
    search_columns,
)
from benchmarks.support import load_average, machine, percentile
from qwenimg_desktop.core.jobs.engine import SHORT_INDEX_PAUSE_S
from qwenimg_desktop.core.store import db
from qwenimg_desktop.core.store.files import DataLayout
from qwenimg_desktop.core.store.history import HistoryStore

WRITE_EVERY_S: Final = 0.01
WRITES_ALONE_S: Final = 30.0

_WRITER: Final = """
import signal, sys, time
from pathlib import Path
from qwenimg_desktop.core.store import db
path, every = Path(sys.argv[1]), float(sys.argv[2])
stop = []
signal.signal(signal.SIGUSR1, lambda *_: stop.append(True))
conn = db.connect_writer(path)
waits = []
print("ready", flush=True)
while not stop:
    t0 = time.perf_counter()
    with db.transaction(conn):
        conn.execute("UPDATE jobs SET updated_at = updated_at WHERE seq = 1")
    waits.append((time.perf_counter() - t0) * 1000)
    time.sleep(every)
waits.sort()
print(len(waits), waits[-1], waits[int(len(waits) * 0.99)], waits[len(waits) // 2], flush=True)
"""


def _start_writer(layout: DataLayout) -> subprocess.Popen[str]:
    writer = subprocess.Popen([sys.executable, "-c", _WRITER, str(layout.db_path),
                               str(WRITE_EVERY_S)], stdout=subprocess.PIPE, text=True)
    assert writer.stdout is not None
    assert writer.stdout.readline().strip() == "ready"
    return writer


def _stop_writer(writer: subprocess.Popen[str]) -> dict[str, float]:
    # A flag the loop checks between writes, not SIGINT: a KeyboardInterrupt raised inside a
    # transaction's commit or rollback left the writer alive under load (the run stopped after
    # its 30 s wait, 2026-12-06, load 8).
    writer.send_signal(signal.SIGUSR1)
    out = writer.communicate(timeout=60)[0].split()
    return {"writes": float(out[0]), "write_max_ms": float(out[1]),
            "write_p99_ms": float(out[2]), "write_p50_ms": float(out[3])}


def measure_writes_alone(layout: DataLayout, seconds: float) -> dict[str, float]:
    """The second process's journal writes with no backfill running: the machine's own waits."""
    writer = _start_writer(layout)
    time.sleep(seconds)
    return _stop_writer(writer)


def measure_backfill(layout: DataLayout) -> dict[str, float]:
    """The engine's backfill loop, with a second process's journal writes timed beside it."""
    writer = _start_writer(layout)
    batches: list[float] = []
    jobs = 0
    store = HistoryStore.open(layout)
    wall0, cpu0 = time.perf_counter(), time.thread_time()
    try:
        while True:
            t0 = time.perf_counter()
            result = store.backfill_short_index()
            took = time.perf_counter() - t0
            batches.append(took * 1000)
            jobs += result.jobs
            if result.state.complete:
                break
            time.sleep(max(took, SHORT_INDEX_PAUSE_S))
        wall, cpu = time.perf_counter() - wall0, time.thread_time() - cpu0
    finally:
        store.close()
        writes = _stop_writer(writer)
    return {"wall_s": wall, "cpu_s": cpu, "jobs": jobs, "batches": len(batches),
            "batch_max_ms": max(batches), "batch_p99_ms": percentile(batches, 99),
            "batch_p50_ms": statistics.median(batches), **writes}


def _report_writes(label: str, figures: dict[str, float]) -> str:
    return (f"{label} ({figures['writes']:,.0f} writes, fsynced): p50 "
            f"{figures['write_p50_ms']:.2f} ms, p99 {figures['write_p99_ms']:.2f} ms, longest "
            f"{figures['write_max_ms']:.1f} ms")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--keep", type=Path, help="build into (and keep) this directory")
    parser.add_argument("--writes-alone", action="store_true",
                        help="only time the second process's writes with no backfill running")
    args = parser.parse_args(argv)
    root = args.keep or Path(tempfile.mkdtemp(prefix="qwenimg-upgrade-bench-"))
    layout = DataLayout(root / "data")
    print(f"machine: {machine()}; load average {load_average()} "
          f"({' '.join(f'{x:.1f}' for x in os.getloadavg())}); {time.strftime('%Y-%m-%d %H:%M')}")
    if not layout.db_path.exists():
        t0, c0 = time.perf_counter(), time.process_time()
        build_history(layout.root, args.rows, index=False)
        print(f"built {args.rows:,} jobs at schema version {V6} (bulk SQL) in "
              f"{time.perf_counter() - t0:.1f} s ({time.process_time() - c0:.1f} s CPU), "
              f"{layout.db_path.stat().st_size / 2**20:.0f} MB; load average {load_average()}")
    if args.writes_alone:
        print(_report_writes(f"another process's journal write every "
                             f"{WRITE_EVERY_S * 1000:.0f} ms for {WRITES_ALONE_S:.0f} s",
                             measure_writes_alone(layout, WRITES_ALONE_S))
              + f"; load average {load_average()}")
        return 0
    conn = db.connect_reader(layout.db_path)
    version = db.user_version(conn)
    conn.close()
    if version == V6:
        t0, c0 = time.perf_counter(), time.process_time()
        HistoryStore.open(layout).close()
        print(f"migration {V6} → current of {args.rows:,} jobs: "
              f"{(time.perf_counter() - t0) * 1000:.1f} ms wall, "
              f"{(time.process_time() - c0) * 1000:.1f} ms CPU (open + migrate + close); "
              f"load average {load_average()}")
    with HistoryStore.open(layout, readonly=True) as reader:
        pending = not reader.short_index_state().complete
    if pending:
        report_search(f"[index not complete (LIKE scan), load average {load_average()}]",
                       measure_search(layout))
        alone = measure_writes_alone(layout, WRITES_ALONE_S)
        print(_report_writes(f"without the backfill: another process's journal write every "
                             f"{WRITE_EVERY_S * 1000:.0f} ms for {WRITES_ALONE_S:.0f} s", alone)
              + f"; load average {load_average()}")
        figures = measure_backfill(layout)
        print(f"backfill: {figures['jobs']:,.0f} jobs in {figures['wall_s']:.1f} s wall, "
              f"{figures['cpu_s']:.1f} s CPU, {figures['batches']:,.0f} batches; batch (write "
              f"lock held) p50 {figures['batch_p50_ms']:.2f} ms, p99 "
              f"{figures['batch_p99_ms']:.2f} ms, longest {figures['batch_max_ms']:.1f} ms; "
              + _report_writes("another process's journal writes meanwhile", figures)
              + f"; load average {load_average()}")
    search_columns(layout)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
