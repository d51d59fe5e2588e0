"""End to end: one job (run time ~1 s, one 2048² PNG) from submit to the image file on disk.

Ours: ``JobEngine`` (SSE stream) from ``submit()`` to its ``Completed`` event, by which time the
image is downloaded, verified, fsynced, renamed into place, thumbnailed (unless deferred) and the
journal row committed; once in a thread of this process, once in its own process
(``EngineProcess``, as the window runs it: the command and the event cross a pipe).
Theirs: the official ``fal_client.SyncClient.subscribe`` (polling) and then an ``httpx``
download written to a file. All run against one emulator in a subprocess (so its PNG rendering
does not share our GIL), alternating, with the same prompt and seed per trial.

Issue 21's figure is each client's *overhead*: from the call to the submit's arrival at the
emulator, and from the emulator's completion to the image on disk (goal: ours <= 0.5x
fal-client's). The emulated run time is stepped from trial to trial over one of fal-client's
0.1 s poll intervals (1.000, 1.010, ... 1.090 s), so its polls meet the completion at every
phase, as with real run times (at exactly 1 s they line up with it). Between trials each client
is left idle (our thumbnail, made after ``Completed``, is not left running into the next trial).

Both columns are measured, each with its own emulator and clients: "idle" (nothing added) and
"loaded" (one CPU-bound process beside them, ``support.background_load``).

    .venv/bin/python -m benchmarks.end_to_end [--trials 30] [--column idle|loaded]
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import httpx

from benchmarks.support import (
    KEY,
    LOAD_COLUMNS,
    background_load,
    emulator_process,
    machine,
    p50,
    p95,
    print_table,
    set_scenario,
)
from qwenimg_desktop.core.fal.protocol import ENDPOINT_ID
from qwenimg_desktop.core.jobs import events as ev
from qwenimg_desktop.core.jobs.config import EngineConfig
from qwenimg_desktop.core.jobs.engine import JobEngine
from qwenimg_desktop.core.jobs.remote import EngineProcess
from qwenimg_desktop.core.params import CustomSize, GenerationRequest
from qwenimg_desktop.core.store.files import DataLayout

RUN_TIME = 1.0
PHASE_STEP = 0.01
"""The run time grows by this much per trial, ten steps over fal-client's 0.1 s poll interval."""
PHASES = 10
GOAL = 0.5


def request(seed: int) -> GenerationRequest:
    return GenerationRequest(prompt=f"end to end probe {seed}", seed=seed,
                             image_size=CustomSize(width=2048, height=2048), num_images=1)


class Ours:
    """A started engine whose sink wakes the caller on the job's final event."""

    def __init__(self, base_url: str, root: Path, *, process: bool = False) -> None:
        self._done: dict[str, threading.Event] = {}
        self._final: dict[str, tuple[float, ev.JobEvent]] = {}
        self.wall = (0.0, 0.0)  # (submit called, image verified on disk), wall clock
        kind = EngineProcess if process else JobEngine
        config = EngineConfig(DataLayout(root), queue_base=base_url, concurrency=2)
        self.engine = kind(config, keys=lambda: KEY, sink=self._sink)
        self.engine.start()

    def _sink(self, event: ev.JobEvent) -> None:
        if isinstance(event, ev.Completed | ev.Failed | ev.Cancelled):
            self._final[event.job_id] = (time.perf_counter(), event)
            self._done.setdefault(event.job_id, threading.Event()).set()

    def run(self, seed: int) -> float:
        start = time.perf_counter()
        self.wall = (time.time(), 0.0)
        job_id = self.engine.submit(request(seed))
        waiter = self._done.setdefault(job_id, threading.Event())
        if not waiter.wait(60):
            raise RuntimeError("our job did not finish")
        end, event = self._final[job_id]
        if not isinstance(event, ev.Completed) or not Path(event.image_paths[0]).is_file():
            raise RuntimeError(f"our job failed: {event}")
        self.wall = (self.wall[0], self.wall[0] + end - start)
        return end - start

    def settle(self) -> None:
        """Wait (untimed) for the work that follows ``Completed`` (the thumbnail)."""
        if not self.engine.wait_idle(60):
            raise RuntimeError("our engine did not become idle")

    def close(self) -> None:
        self.engine.shutdown()


class Theirs:
    """fal-client subscribe (its default 0.1 s polling), then an httpx download to a file."""

    def __init__(self, base_url: str, root: Path) -> None:
        import fal_client
        import fal_client.client as fal_module

        fal_module.QUEUE_URL_FORMAT = f"{base_url}/"
        os.environ["FAL_KEY"] = KEY
        self.client = fal_client.SyncClient(key=KEY)
        self.http = httpx.Client(timeout=60)
        self.root = root
        self.count = 0
        self.wall = (0.0, 0.0)

    def run(self, seed: int) -> float:
        start = time.perf_counter()
        began = time.time()
        result: dict[str, Any] = self.client.subscribe(ENDPOINT_ID, request(seed).to_api_payload())
        response = self.http.get(result["images"][0]["url"])
        response.raise_for_status()
        self.count += 1
        (self.root / f"{self.count}.png").write_bytes(response.content)
        self.wall = (began, began + time.perf_counter() - start)
        return time.perf_counter() - start

    def settle(self) -> None:
        """Nothing follows the download."""

    def close(self) -> None:
        self.http.close()


def _overhead(url: str, wall: tuple[float, float], run_time: float) -> tuple[float, float]:
    """(ms from submit called to the submit reaching the emulator, ms from the emulator's
    completion to the image on disk). The emulator runs a job from its arrival (queue delay
    0) for ``run_time``, so its completion is arrival + ``run_time``; arrival is the wall clock
    it logged for the last submit (one job at a time)."""
    log = httpx.get(f"{url}/_emulator/requests", timeout=10).json()
    arrived = max(float(r["at"]) for r in log if r["route"] == "submit")
    return (arrived - wall[0]) * 1000, (wall[1] - arrived - run_time) * 1000


LABELS = {"ours": "ours (JobEngine in a thread, SSE)",
          "child": "ours, engine process (as the window runs it)",
          "theirs": "fal-client subscribe + httpx GET"}


def _print_overheads(tag: str, overheads: dict[str, list[tuple[float, float]]],
                     load: float) -> None:
    theirs = [a + b for a, b in overheads["theirs"]]
    rows = []
    for name, pairs in overheads.items():
        submit, finish = [a for a, _ in pairs], [b for _, b in pairs]
        total = [a + b for a, b in pairs]
        rows.append([LABELS[name], p50(submit), p50(finish), p50(total),
                     statistics.fmean(total), p95(total), p50(total) / p50(theirs),
                     statistics.fmean(total) / statistics.fmean(theirs)])
    print_table(f"\n{tag}client overhead = everything but the emulated run (ms; "
                f"{len(theirs)} trials, load average {load:.1f})",
                ["client", "submit → at the emulator p50", "completion → on disk p50",
                 "total p50", "total mean", "total p95", "ratio p50", "ratio mean"], rows)
    for name in ("ours", "child"):
        ratio = p50([a + b for a, b in overheads[name]]) / p50(theirs)
        verdict = "met" if ratio <= GOAL else "not met"
        print(f"{tag}goal ≤ {GOAL}× fal-client's overhead, {LABELS[name]}: {ratio:.3f}× "
              f"({verdict})")


def main() -> None:
    """Alternate ours and theirs, idle and then loaded; print each column's tables."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--trials", type=int, default=30)
    parser.add_argument("--column", choices=LOAD_COLUMNS,
                        help="measure only this column (default: both)")
    args = parser.parse_args()
    print(machine())
    for column in (args.column,) if args.column else LOAD_COLUMNS:
        with background_load(column == "loaded"):
            _column(f"[{column}] ", args.trials)


def _column(tag: str, trials: int) -> None:
    with (emulator_process(queue_delay=0.0, run_time=RUN_TIME, max_running=8, log_steps=4,
                           render_ahead=True) as url,
          tempfile.TemporaryDirectory(prefix="bench-e2e-") as tmp):
        ours = Ours(url, Path(tmp) / "ours")
        child = Ours(url, Path(tmp) / "child", process=True)
        (Path(tmp) / "theirs").mkdir()
        theirs = Theirs(url, Path(tmp) / "theirs")
        try:
            ours.run(10_000)  # warm-up: connections, imports, first render
            child.run(10_000)
            theirs.run(10_001)
            mine: list[float] = []
            remote: list[float] = []
            other: list[float] = []
            overheads: dict[str, list[tuple[float, float]]] = {"ours": [], "child": [],
                                                                "theirs": []}
            for client in (ours, child, theirs):
                client.settle()
            loads = []
            for trial in range(trials):
                run_time = RUN_TIME + PHASE_STEP * (trial % PHASES)
                set_scenario(url, run_time=run_time)
                runs: list[tuple[list[float], Ours | Theirs, str]] = [
                    (mine, ours, "ours"), (remote, child, "child"), (other, theirs, "theirs")]
                for values, client, name in runs if trial % 2 == 0 else reversed(runs):
                    values.append((client.run(trial) - run_time) * 1000)
                    overheads[name].append(_overhead(url, client.wall, run_time))
                    client.settle()
                loads.append(os.getloadavg()[0])
        finally:
            ours.close()
            child.close()
            theirs.close()
    last = RUN_TIME + PHASE_STEP * (min(trials, PHASES) - 1)
    print(f"\n{tag}emulated run time {RUN_TIME:.3f}–{last:.3f} s (+{PHASE_STEP * 1000:.0f} ms "
          f"per trial, repeating every {PHASES}); queue delay 0; one 2048² PNG per job")
    _print_overheads(tag, overheads, statistics.fmean(loads))
    base = p50(other)
    print_table(
        f"\n{tag}submit called → 2048² PNG on disk, minus the trial's emulated run time "
        f"({trials} trials, ms; the client's clock, a check on the split above)",
        ["client", "p50", "p95", "min", "p50 ratio"],
        [[LABELS["ours"], p50(mine), p95(mine), min(mine), p50(mine) / base],
         [LABELS["child"], p50(remote), p95(remote), min(remote), p50(remote) / base],
         [LABELS["theirs"], base, p95(other), min(other), 1.0]],
    )

if __name__ == "__main__":
    main()
