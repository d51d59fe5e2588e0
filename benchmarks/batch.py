"""A 1,000-job batch through the window: time to enqueue, GUI stalls while it runs, peak RSS.

The real ``AppRuntime`` + ``MainWindow`` (offscreen) with the engine in its own process, as the
app runs it, against an emulator subprocess. A plan of 1,000 jobs (a seed axis 1-1000, 512²
images) is sent with ``MainWindow.generate_batch`` — what "Send the batch" does after the
confirmation. Measured:

* enqueue: from the call until the engine has journalled every job (the first event of each
  job reached the window: the batch is one transaction, so all arrive together);
* GUI stalls: a 4 ms QTimer on the GUI thread from the call until every job is final; the
  longest gap between ticks and the 99th percentile, and the GUI thread's own CPU time in
  the gaps (max, p99) and in all (what the app can shorten on a busy machine);
* peak RSS of the window's process plus its children (the engine process).

Each figure twice, each run in a process of its own: "idle" (nothing added) and "loaded" (one
CPU-bound process beside it, ``support.background_load``), with the load average.

    .venv/bin/python -m benchmarks.batch [--jobs 1000] [--concurrency 16]
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import subprocess
import sys
import time
from typing import Any

import httpx

from benchmarks.support import (
    LOAD_COLUMNS,
    WindowSession,
    background_load,
    emulator_process,
    machine,
)

SCENARIO: dict[str, Any] = {"queue_delay": 0.02, "run_time": 0.05, "max_running": 64,
                            "log_steps": 2, "render_ahead": True}
TICK_MS = 4


def run(url: str, jobs: int, concurrency: int) -> dict[str, Any]:
    from PySide6.QtCore import QTimer

    from qwenimg_desktop.core.batch.plan import Axis, plan_batch
    from qwenimg_desktop.core.params import GenerationRequest, ImageSizePreset

    session = WindowSession(url, concurrency=concurrency)
    win, spin_until = session.win, session.spin_until
    base = GenerationRequest(prompt="batch benchmark, 批量, a lighthouse",
                             image_size=ImageSizePreset.square)
    plan = plan_batch(base, axes=[Axis("seed", tuple(str(s) for s in range(1, jobs + 1)))])
    ticks: list[float] = []
    cpu: list[float] = []  # the GUI thread's CPU time at each tick: a gap's own work

    def tick() -> None:
        ticks.append(time.perf_counter())
        cpu.append(time.thread_time())

    ticker = QTimer()
    ticker.setInterval(TICK_MS)
    ticker.timeout.connect(tick)
    ticker.start()
    start, cpu_start = time.perf_counter(), time.thread_time()
    batch_id = win.generate_batch(plan)
    call_ms = (time.perf_counter() - start) * 1000
    call_cpu_ms = (time.thread_time() - cpu_start) * 1000
    if batch_id is None:
        raise RuntimeError("the batch was not sent")
    spin_until(lambda: not win._unrecorded, 120)
    enqueued = time.perf_counter() - start

    def all_final() -> bool:
        rows = (win.jobs_model.row_at(i) for i in range(win.jobs_model.rowCount()))
        return all(row is not None and row.state.is_final for row in rows)

    spin_until(all_final, 1800)
    total = time.perf_counter() - start
    ticker.stop()
    gaps = sorted((b - a) * 1000 for a, b in itertools.pairwise(ticks))
    busy = sorted((b - a) * 1000 for a, b in itertools.pairwise(cpu))
    gui_cpu_s = time.thread_time() - cpu_start
    rss, engine_rss = session.peak_rss_mb()
    completed = sum(1 for i in range(win.jobs_model.rowCount())
                    if (row := win.jobs_model.row_at(i)) is not None
                    and row.state.value == "completed")
    result = {"jobs": jobs, "completed": completed, "call_ms": call_ms,
              "call_cpu_ms": call_cpu_ms,
              "enqueue_s": enqueued, "total_s": total, "max_gap_ms": gaps[-1],
              "p99_gap_ms": gaps[int(len(gaps) * 0.99)],
              # The GUI thread's own CPU: the app's share of a gap (the rest is waiting).
              "max_gap_cpu_ms": busy[-1], "p99_gap_cpu_ms": busy[int(len(busy) * 0.99)],
              "gui_cpu_s": gui_cpu_s,
              "rss_mb": rss, "engine_rss_mb": engine_rss,
              "load_avg": os.getloadavg()[0]}
    session.close()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:  # one column's run, in a process of its own (one window per process)
        print(json.dumps(run(args.url, args.jobs, args.concurrency)))
        return
    print(machine())
    results: dict[str, dict[str, Any]] = {}
    with emulator_process(**SCENARIO) as url:
        for column in LOAD_COLUMNS:
            httpx.post(f"{url}/_emulator/reset", timeout=10).raise_for_status()
            with background_load(column == "loaded"):
                out = subprocess.run(
                    [sys.executable, "-m", "benchmarks.batch", "--child", "--url", url,
                     "--jobs", str(args.jobs), "--concurrency", str(args.concurrency)],
                    capture_output=True, text=True, check=False, timeout=3600)
            lines = [ln for ln in out.stdout.splitlines() if ln.startswith("{")]
            if out.returncode != 0 or not lines:
                raise RuntimeError(f"{column} run failed:\n{out.stdout}\n{out.stderr}")
            results[column] = json.loads(lines[-1])
    print(f"{'':>14}  {'idle':>10}  {'loaded':>10}")
    for key in results["idle"]:
        cells = [results[column][key] for column in LOAD_COLUMNS]
        print(f"{key:>14}: " + "  ".join(f"{v:>10.1f}" if isinstance(v, float) else f"{v:>10}"
                                          for v in cells))


if __name__ == "__main__":
    main()
