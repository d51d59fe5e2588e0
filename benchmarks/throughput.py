"""Throughput: 32 jobs × 4 images of 2048² with the window open, vs a plain httpx client.

Each variant runs in its own child process against one emulator subprocess (reset between
runs), so peak RSS is that variant's alone and the emulator's PNG rendering never shares our
GIL:

* ``app``: the real ``AppRuntime`` + ``MainWindow`` (offscreen), real engine (SSE, the app's
  largest concurrency setting) in its own process as the app runs it, real store and bridge;
  the jobs are sent with ``generate()``. A QTimer on the GUI thread ticks every 4 ms; the
  longest gap between ticks is the longest GUI-thread stall. The run ends when every job is
  final in the jobs list and the result viewer shows the selected job's image. Peak RSS is the
  window's process plus its children's (the engine, and the resource tracker ``spawn`` starts).
* ``app-thread`` (``--engine both``, the default, or ``thread``): the same with the engine in a
  thread of the window's process (``Options.engine_in_thread``), as before the engine process.
* ``baseline``: the same 32 requests with ``httpx.AsyncClient`` in one asyncio loop, no app:
  submit all, poll each status every 0.1 s, fetch the result, download the images concurrently
  and write them to files (no fsync, no verification, no thumbnails, no journal).

Every round runs each variant twice: "idle" (nothing added) and "loaded" (one CPU-bound process
beside it, ``support.background_load``); each ratio is against the baseline of its own column.

``--history DIR`` opens that history (copied: e.g. 100,000 generations built by
``benchmarks.history_scale``) in the app variants, History tab shown until its first page is
in, before the jobs are sent: peak RSS then covers the history open and 32 jobs running. The
switch back to the Create tab (a repaint of the whole tab, and the pictures of the last
session's jobs, restored in the jobs list) is a click of its own: the window runs
``SWITCH_SETTLE_S`` after it, its longest gap printed apart ("tab switch"), before the first
Generate (until 2026-12-07 the first Generate ran in the same event-loop turn as the switch, and
the idle "longest" gap with a history was mostly the switch's repaint).

    .venv/bin/python -m benchmarks.throughput [--jobs 32] [--images 4] [--rounds 1]
        [--engine process|thread|both] [--history DATA_DIR]
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx

from benchmarks.support import (
    KEY,
    LOAD_COLUMNS,
    GcPauses,
    GuiProfiling,
    WindowSession,
    background_load,
    emulator_process,
    gap_watchdog,
    machine,
    peak_rss_mb,
    print_table,
    stopped_report,
)

if TYPE_CHECKING:  # the baseline child never imports Qt
    from collections.abc import Callable

    from qwenimg_desktop.ui.create.jobs_model import JobRow, JobsModel

SCENARIO: dict[str, Any] = {"queue_delay": 0.1, "run_time": 1.0, "max_running": 8,
                            "log_steps": 10, "render_ahead": True}
SEED = 20_261_126  # every job asks for the same images, which the emulator renders once
TICK_MS = 4
SWITCH_SETTLE_S = 1.0
"""The window's time after the switch back from the History tab, before the first Generate."""
LABELS = {"baseline": "plain httpx (asyncio, no app)", "app": "app (engine process)",
          "app-thread": "app (engine thread)"}
PROMPT = "## Throughput\nlarge images, 大图, a lighthouse at dusk"


def _payload(images: int) -> dict[str, Any]:
    from qwenimg_desktop.core.params import CustomSize, GenerationRequest

    request = GenerationRequest(prompt=PROMPT, image_size=CustomSize(width=2048, height=2048),
                                num_images=images, seed=SEED)
    return request.to_api_payload()


# ---- baseline -------------------------------------------------------------------------------

async def _baseline_job(http: httpx.AsyncClient, url: str, payload: dict[str, Any],
                        out: Path, index: int) -> None:
    import asyncio

    from qwenimg_desktop.core.fal.protocol import ENDPOINT_ID

    headers = {"Authorization": f"Key {KEY}"}
    submitted = (await http.post(f"{url}/{ENDPOINT_ID}", json=payload, headers=headers)).json()
    # The URLs the submit answer gives (the queue's paths drop the endpoint's sub-path).
    while True:
        status = (await http.get(submitted["status_url"], headers=headers)).json()
        if status["status"] == "COMPLETED":
            break
        await asyncio.sleep(0.1)
    result = (await http.get(submitted["response_url"], headers=headers)).json()

    async def fetch(n: int, image: dict[str, Any]) -> None:
        response = await http.get(image["url"])
        response.raise_for_status()
        (out / f"{index}-{n}.png").write_bytes(response.content)

    await asyncio.gather(*(fetch(n, img) for n, img in enumerate(result["images"])))


def run_baseline(url: str, jobs: int, images: int) -> dict[str, Any]:
    import asyncio

    payload = _payload(images)

    async def all_jobs(out: Path) -> None:
        limits = httpx.Limits(max_connections=256, max_keepalive_connections=64)
        async with httpx.AsyncClient(timeout=120, limits=limits) as http:
            await asyncio.gather(*(_baseline_job(http, url, payload, out, i)
                                   for i in range(jobs)))

    with tempfile.TemporaryDirectory(prefix="bench-tp-") as tmp:
        start = time.perf_counter()
        asyncio.run(all_jobs(Path(tmp)))
        total = time.perf_counter() - start
        files = len(list(Path(tmp).iterdir()))
    return {"total_s": total, "rss_mb": peak_rss_mb(), "files": files,
            "load_avg": os.getloadavg()[0]}


# ---- app ------------------------------------------------------------------------------------

def run_app(url: str, jobs: int, images: int, *, in_thread: bool = False,  # noqa: PLR0915
            history: Path | None = None) -> dict[str, Any]:
    from PySide6.QtCore import QTimer

    from qwenimg_desktop.core.jobs.model import JobState
    from qwenimg_desktop.core.settings import SeedMode

    # The window has finished starting (engine ready, heap settled as app.runtime does): start-up
    # is what benchmarks/startup.py measures; this measures 32 jobs in flight.
    session = WindowSession(url, concurrency=16,  # the largest the settings allow
                            in_thread=in_thread, history=history)
    if os.environ.get("BENCH_SWITCH_INTERVAL"):  # experiment knob: overrides the app's 1 ms
        sys.setswitchinterval(float(os.environ["BENCH_SWITCH_INTERVAL"]))
    runtime, win, spin_until = session.runtime, session.win, session.spin_until
    engine = runtime.engine
    assert engine is not None
    history_rows = session.open_history() if history is not None else 0
    switch_gap_ms = _longest_gap_for(spin_until, SWITCH_SETTLE_S) if history is not None else 0.0
    win.editor.load(PROMPT, "")
    size = win.params.size_field
    size.preset.setCurrentIndex(size.preset.findData("custom"))
    size.width_box.setValue(2048)
    size.height_box.setValue(2048)
    win.params.num_images.setValue(images)
    win.draft.update_params(seed_mode=SeedMode.fixed, seed_text=str(SEED))
    if not win.draft.validate_now().ok:
        raise RuntimeError("the draft is not valid")

    ticks: list[float] = []
    cpu: list[float] = []  # GUI-thread CPU time at each tick: a stall with little CPU is waiting

    waits: list[float] = []  # run-queue wait of the GUI thread (Linux schedstat), ms
    schedstat = Path("/proc/thread-self/schedstat")

    def tick() -> None:
        ticks.append(time.perf_counter())
        cpu.append(time.thread_time())
        try:
            waits.append(int(schedstat.read_text().split()[1]) / 1e6)
        except (OSError, ValueError, IndexError):
            waits.append(0.0)

    ticker = QTimer()
    ticker.setInterval(TICK_MS)
    ticker.timeout.connect(tick)
    watchdog = gap_watchdog()  # off unless BENCH_WATCHDOG=MS is set
    if watchdog is not None:
        ticker.timeout.connect(watchdog.tick)
    # Profiling aid: stacks of every thread whenever the GUI thread misses BENCH_STALL_MS
    # (default 40) ms of ticks.
    stall_log = os.environ.get("BENCH_STALL_DUMP")
    if stall_log:
        import faulthandler

        dump = open(stall_log, "w")  # noqa: SIM115 - kept open for the run
        after = float(os.environ.get("BENCH_STALL_MS", "40")) / 1000
        ticker.timeout.connect(lambda: faulthandler.dump_traceback_later(after, file=dump))
    profiling = GuiProfiling().start()  # off unless BENCH_SAMPLE / BENCH_PROFILE is set
    gc_pauses = GcPauses().__enter__()
    engine_pid = getattr(engine, "pid", None)  # an EngineProcess: its threads are counted too
    cpu_before = cpu_snapshot()
    engine_cpu_before = cpu_snapshot(engine_pid).process if engine_pid else 0.0
    ticker.start()
    start = time.perf_counter()
    job_ids: list[str | None] = []
    send_ms: list[float] = []

    def send_one() -> None:  # one Generate per event-loop turn, as clicks would come
        began = time.perf_counter()
        job_ids.append(win.generate())
        send_ms.append((time.perf_counter() - began) * 1000)
        if len(job_ids) < jobs:
            QTimer.singleShot(0, send_one)

    QTimer.singleShot(0, send_one)
    spin_until(lambda: len(job_ids) == jobs, 60)
    if not all(job_ids):
        raise RuntimeError("a job was not sent")

    def all_final() -> bool:
        rows = _rows(win.jobs_model, job_ids)
        return len(rows) == jobs and all(r.state.is_final for r in rows)

    spin_until(all_final, 600)
    total = time.perf_counter() - start
    expected = sum(len(r.image_paths) for r in _rows(win.jobs_model, job_ids))
    # Thumbnails are made after completion: counted on disk, without blocking the GUI thread.
    # Counted on a thread of the benchmark: a walk of the folder on the GUI thread every 20 ms
    # (~3 ms each under load) was counted as the app's own GUI stalls.
    thumbs = _FileCount(engine.layout.thumbs_dir, ".jpg")
    spin_until(lambda: thumbs.count >= expected, 600)
    thumbs.stop()
    thumbs_done = time.perf_counter() - start
    spin_until(lambda: not win.results.view.image.isNull(), 30)
    settle_end = time.perf_counter() + 0.3
    spin_until(lambda: time.perf_counter() > settle_end, 5)
    ticker.stop()
    watchdog_lines = stopped_report(watchdog)
    gc_pauses.__exit__()
    profiling.stop()
    completed = sum(1 for r in _rows(win.jobs_model, job_ids) if r.state is JobState.completed)
    engine_cpu = cpu_snapshot(engine_pid).process - engine_cpu_before if engine_pid else 0.0
    # The engine and multiprocessing's resource tracker (spawn starts one): every child counts.
    rss, engine_rss = session.peak_rss_mb()
    rss_parts = session.rss_parts()
    gaps = sorted((b - a) * 1000 for a, b in itertools.pairwise(ticks))
    busy = sorted((b - a) * 1000 for a, b in itertools.pairwise(cpu))
    result = {
        "total_s": total, "rss_mb": rss, "engine_rss_mb": engine_rss, "rss_parts": rss_parts,
        "rss_together_mb": session.together.peak_mb,
        "completed": completed, "history_rows": history_rows, "switch_gap_ms": switch_gap_ms,
        "thumbs_done_s": thumbs_done,
        "max_gap_ms": gaps[-1], "p99_gap_ms": gaps[int(len(gaps) * 0.99)],
        "gaps_over_16": sum(1 for g in gaps if g > 16), "ticks": len(ticks),
        "max_gui_cpu_ms": busy[-1], "p99_gui_cpu_ms": busy[int(len(busy) * 0.99)],
        "load_avg": os.getloadavg()[0], "gc": gc_pauses.summary(),
        "longest_gc_ms": gc_pauses.longest(),
        "events": runtime.bridge.delivered, "max_generate_ms": max(send_ms),
        "slowest_generates_ms": [round(ms, 1) for ms in sorted(send_ms)[-4:]],
        "first_generate_ms": round(send_ms[0], 1),
        "thread_cpu_s": {k: round(v, 2) for k, v in cpu_snapshot().used_since(cpu_before).items()},
        "engine_cpu_s": round(engine_cpu, 2) if engine_pid else None,
        "worst_gaps": [f"{(ticks[i + 1] - ticks[i]) * 1000:.0f} ms at {ticks[i] - start:.1f} s, "
                       f"GUI CPU {(cpu[i + 1] - cpu[i]) * 1000:.0f} ms, waiting for a core "
                       f"{waits[i + 1] - waits[i]:.0f} ms" for i in sorted(
                           range(len(ticks) - 1), key=lambda i: ticks[i + 1] - ticks[i])[-6:]],
    }
    # The gaps in which the GUI thread itself worked longest: what the app can shorten.
    heavy = sorted(range(len(cpu) - 1), key=lambda i: cpu[i + 1] - cpu[i])[-6:]
    result["heaviest_gaps"] = [
        f"{(cpu[i + 1] - cpu[i]) * 1000:.0f} ms of CPU at {ticks[i] - start:.2f} s "
        f"(gap {(ticks[i + 1] - ticks[i]) * 1000:.0f} ms)" for i in reversed(heavy)]
    # And the gaps the GUI thread spent neither running nor waiting for a core: blocked (the
    # GIL, a lock, the disk).
    def blocked(i: int) -> float:
        return (ticks[i + 1] - ticks[i]) - (cpu[i + 1] - cpu[i]) - (waits[i + 1] - waits[i]) / 1000

    stuck = sorted(range(len(ticks) - 1), key=blocked)[-4:]
    result["blocked_gaps"] = [
        f"{blocked(i) * 1000:.0f} ms blocked at {ticks[i] - start:.2f} s "
        f"(gap {(ticks[i + 1] - ticks[i]) * 1000:.0f} ms)" for i in reversed(stuck)]
    result["samples"] = profiling.report([(ticks[i], ticks[i + 1])
                                          for i in [*reversed(heavy), *reversed(stuck)]])
    result["watchdog"] = watchdog_lines
    session.close()
    return result


def _longest_gap_for(spin_until: Callable[[Callable[[], bool], float], None],
                     seconds: float) -> float:
    """Run the event loop for ``seconds``; the longest gap (ms) between 4 ms ticks in it,
    counted from now (so the first turn's work counts)."""
    from PySide6.QtCore import QTimer

    ticks = [time.perf_counter()]
    ticker = QTimer()
    ticker.setInterval(TICK_MS)
    ticker.timeout.connect(lambda: ticks.append(time.perf_counter()))
    ticker.start()
    end = ticks[0] + seconds
    spin_until(lambda: time.perf_counter() > end, seconds + 30)
    ticker.stop()
    return max((b - a) * 1000 for a, b in itertools.pairwise(ticks))


def _rows(model: JobsModel, job_ids: list[str | None]) -> list[JobRow]:
    """The jobs list's rows of the jobs sent (``JobsModel.row`` of each)."""
    found = (model.row(job_id) for job_id in job_ids if job_id)
    return [row for row in found if row is not None]


@dataclass(frozen=True)
class CpuSnapshot:
    """CPU seconds used so far by one process: each live thread's (by id: a name can be reused
    by a later thread, and a thread can end before the next snapshot) and the whole process's
    (which keeps the time of threads that have ended)."""

    threads: dict[int, tuple[str, float]]
    process: float

    def used_since(self, before: CpuSnapshot) -> dict[str, float]:
        """CPU seconds per thread name between ``before`` and this snapshot, largest first;
        the time of threads that ended in between is under "(ended threads)"."""
        used: dict[str, float] = {}
        for tid, (name, secs) in self.threads.items():
            start = before.threads.get(tid)
            used[name] = used.get(name, 0.0) + secs - (start[1] if start else 0.0)
        ended = (self.process - before.process) - sum(used.values())
        if ended >= 0.01:
            used["(ended threads)"] = ended
        return dict(sorted(used.items(), key=lambda kv: -kv[1]))


def cpu_snapshot(pid: int | None = None) -> CpuSnapshot:
    """This (or ``pid``'s) process's :class:`CpuSnapshot` (Linux /proc)."""
    import threading

    names = {t.native_id: t.name for t in threading.enumerate()} if pid is None else {}
    ticks = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
    proc = Path(f"/proc/{pid or 'self'}")
    threads: dict[int, tuple[str, float]] = {}
    try:
        process = _stat_seconds(proc / "stat", ticks)
    except OSError:
        return CpuSnapshot({}, 0.0)
    for task in proc.glob("task/*"):
        try:
            comm = (task / "comm").read_text().strip()
            name = names.get(int(task.name)) or comm
            if name.startswith("Dummy-"):  # a Qt pool thread: its OS name says whose it is
                name = comm
            threads[int(task.name)] = (name.split(" ")[0].rstrip("_0123456789"),
                                       _stat_seconds(task / "stat", ticks))
        except OSError:
            continue
    return CpuSnapshot(threads, process)


def _stat_seconds(stat: Path, ticks: int) -> float:
    """utime + stime of a /proc stat file, in seconds."""
    fields = stat.read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / ticks


class _FileCount:
    """Files ending in ``suffix`` under ``directory``, counted every 50 ms on its own thread."""

    def __init__(self, directory: Path, suffix: str) -> None:
        import threading

        self.count = 0
        self._directory, self._suffix = directory, suffix
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="bench-files", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while True:
            self.count = sum(1 for _, _, names in os.walk(self._directory)
                             for name in names if name.endswith(self._suffix))
            if self._stop.wait(0.05):
                return

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(5)


# ---- driver ---------------------------------------------------------------------------------

def _child(variant: str, url: str, jobs: int, images: int,
           history: Path | None = None) -> dict[str, Any]:
    httpx.post(f"{url}/_emulator/reset", timeout=10).raise_for_status()
    more = ["--history", str(history)] if history is not None and variant != "baseline" else []
    out = subprocess.run(
        [sys.executable, "-m", "benchmarks.throughput", "--child", variant, "--url", url,
         "--jobs", str(jobs), "--images", str(images), *more],
        capture_output=True, text=True, check=False, timeout=900,
    )
    lines = [ln for ln in out.stdout.splitlines() if ln.startswith("{")]
    if out.returncode != 0 or not lines:
        raise RuntimeError(f"{variant} failed:\n{out.stdout}\n{out.stderr}")
    result: dict[str, Any] = json.loads(lines[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--jobs", type=int, default=32)
    parser.add_argument("--images", type=int, default=4)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--engine", choices=["process", "thread", "both"], default="both",
                        help="where the app variant runs its engine (both: A/B in each round)")
    parser.add_argument("--child", choices=["app", "app-thread", "baseline"])
    parser.add_argument("--url")
    parser.add_argument("--history", type=Path,
                        help="a data dir (e.g. history_scale --keep DIR's DIR/data) whose history "
                             "the app opens, History tab shown, before the jobs (copied first)")
    args = parser.parse_args()
    if args.child:
        if args.child == "baseline":
            out = run_baseline(args.url, args.jobs, args.images)
        else:
            out = run_app(args.url, args.jobs, args.images, in_thread=args.child == "app-thread",
                          history=args.history)
        print(json.dumps(out))
        return
    print(machine())
    print(f"emulator (subprocess) scenario: {SCENARIO}")
    results: list[tuple[str, str, dict[str, Any]]] = []
    with emulator_process(**SCENARIO) as url:
        # Untimed: the emulator renders the requested images once and then serves copies, so
        # its CPU work (fal's servers' work) is not on this machine's cores during the runs.
        _child("baseline", url, 1, args.images)
        for _ in range(args.rounds):
            for column in LOAD_COLUMNS:  # each column's baseline runs under the same load
                with background_load(column == "loaded"):
                    results.append((column, "baseline",
                                    _child("baseline", url, args.jobs, args.images)))
                    if args.engine in ("process", "both"):
                        results.append((column, "app", _child("app", url, args.jobs,
                                                              args.images, args.history)))
                    if args.engine in ("thread", "both"):
                        results.append((column, "app-thread", _child(
                            "app-thread", url, args.jobs, args.images, args.history)))
    base = {column: min(r["total_s"] for col, name, r in results
                        if name == "baseline" and col == column) for column in LOAD_COLUMNS}
    rows = []
    for column, name, r in results:
        rows.append([
            column, LABELS[name],
            r["total_s"], r["total_s"] / base[column],
            f"{r['thumbs_done_s']:.2f}" if "thumbs_done_s" in r else "-", r["rss_mb"],
            f"{r['max_gap_ms']:.1f}" if "max_gap_ms" in r else "-",
            f"{r['p99_gap_ms']:.1f}" if "p99_gap_ms" in r else "-",
            r.get("gaps_over_16", "-"),
            f"{r['max_gui_cpu_ms']:.1f} / {r['p99_gui_cpu_ms']:.1f}"
            if "max_gui_cpu_ms" in r else "-",
            f"{r['thread_cpu_s'].get('MainThread', 0.0):.2f}" if "thread_cpu_s" in r else "-",
            f"{r['longest_gc_ms']:.1f}" if "longest_gc_ms" in r else "-",
            f"{r['load_avg']:.1f}",
        ])
    print_table(
        f"\n{args.jobs} jobs × {args.images} images 2048² PNG",
        ["load", "variant", "total s", "ratio", "thumbnails done s", "peak RSS MB",
         "max GUI gap ms", "p99 gap ms", "gaps > 16 ms", "GUI CPU per gap max / p99 ms",
         "GUI thread CPU s",
         "longest GC pass ms", "load avg"],
        rows,
    )
    _print_details(results)


def _print_details(results: list[tuple[str, str, dict[str, Any]]]) -> None:
    """Each app run's GC passes, worst gaps, CPU by thread (and samples when profiling)."""
    for column, name, r in results:
        if name != "baseline":
            print(f"{column} {name}: GC passes {r['gc']}; worst gaps: {'; '.join(r['worst_gaps'])}")
            print(f"{column} {name}: CPU s by thread during the run: {r['thread_cpu_s']}")
            print(f"{column} {name}: the GUI thread's heaviest gaps: "
                  f"{'; '.join(r['heaviest_gaps'])}; most blocked: "
                  f"{'; '.join(r['blocked_gaps'])}")
            if r["engine_cpu_s"] is not None:
                print(f"{column} {name}: engine process: CPU {r['engine_cpu_s']:.2f} s, "
                      f"peak RSS of child processes {r['engine_rss_mb']:.1f} MB (in the total)")
            print(f"{column} {name}: peak RSS by process: "
                  + "; ".join(f"{k} {v}" for k, v in r["rss_parts"].items()))
            print(f"{column} {name}: peak RSS of the processes together, sampled every 20 ms: "
                  f"{r['rss_together_mb']:.1f} MB (the table's figure adds each process's own "
                  "peak, reached at different times)")
            for line in r.get("samples", []):
                print(f"{column} {name}: {line}")
            for line in r.get("watchdog", []):
                print(f"{column} {name}: watchdog: {line}")
            if r.get("history_rows"):
                print(f"{column} {name}: history open before the jobs "
                      f"({r['history_rows']:,} rows listed); tab switch back to Create, "
                      f"longest gap in the {SWITCH_SETTLE_S:.1f} s after it (not in the "
                      f"table): {r['switch_gap_ms']:.1f} ms")


if __name__ == "__main__":
    main()
