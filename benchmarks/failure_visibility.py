"""How long until the user sees each way a job can fail, and what they see.

Runs the real JobEngine, with its default retry policy, stream and poll interval, against the
in-process emulator (queue 0.2 s, run 1 s), one job per failure kind. For each it prints the
typed state, the message and next step shown, the result fetches the emulator received, and the
seconds from the emulator marking the job COMPLETED (or, for the stalled stream, from the
stall's start) to the engine's final event.

    .venv/bin/python -m benchmarks.failure_visibility [--stall]

``--stall`` adds the stalled-stream row, which takes the real 45 s stall limit. Both columns are
measured: "idle" (nothing added) and "loaded" (one CPU-bound process beside it,
``support.background_load``).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.support import LOAD_COLUMNS, background_load, load_average, machine, print_table
from qwenimg_desktop.core.jobs import events as ev
from qwenimg_desktop.core.jobs.config import EngineConfig
from qwenimg_desktop.core.jobs.engine import JobEngine
from qwenimg_desktop.core.params import GenerationRequest
from qwenimg_desktop.core.store.files import DataLayout
from qwenimg_desktop.emulator.scenarios import Scenario
from qwenimg_desktop.emulator.server import EmulatorServer

KEY = "bench-id:0123456789abcdef"
REQUEST = GenerationRequest(prompt="failure probe", image_size="square", seed=3)
BASE: dict[str, Any] = {"queue_delay": 0.2, "run_time": 1.0, "seed": 1}
KINDS: dict[str, dict[str, Any]] = {
    "model error (422)": {"failed_generation": {
        "next_n": 1, "status": 422, "message": "Prompt is not allowed",
        "error_type": "content_policy_violation"}},
    "runner disconnected (503)": {"failed_generation": {
        "next_n": 1, "error_type": "runner_disconnected", "message": "Runner disconnected"}},
    "request timeout (504)": {"failed_generation": {
        "next_n": 1, "error_type": "request_timeout", "message": "Request timed out"}},
    "start timeout (504, user)": {"failed_generation": {"next_n": 1, "kind": "start_timeout"}},
    "app crash (500)": {"failed_generation": {"next_n": 1, "kind": "crash"}},
    "cancelled while running (499)": {"honour_running_cancel": True, "run_time": 30},
}


class _Events:
    def __init__(self) -> None:
        self.final: ev.JobEvent | None = None
        self.final_at = 0.0
        self.running = False

    def __call__(self, event: ev.JobEvent) -> None:
        if isinstance(event, ev.Running):
            self.running = True
        if isinstance(event, ev.Failed | ev.Cancelled | ev.Completed) and self.final is None:
            self.final, self.final_at = event, time.perf_counter()


def _one(name: str, patch: dict[str, Any], root: Path) -> list[Any]:
    server = EmulatorServer(Scenario.model_validate({**BASE, **patch}))
    server.start()
    events = _Events()
    config = EngineConfig(DataLayout(root / name.replace(" ", "_")),
                          queue_base=server.base_url, make_thumbnails=False)
    engine = JobEngine(config, keys=lambda: KEY, sink=events)
    engine.start()
    stall_started = 0.0
    try:
        job_id = engine.submit(REQUEST)
        if "cancelled" in name:
            while not events.running:
                time.sleep(0.01)
            engine.cancel(job_id)
        if "stall" in name:
            while not events.running:
                time.sleep(0.01)
            stall_started = time.perf_counter()
        while events.final is None:
            time.sleep(0.01)
        assert engine.store is not None
        record = engine.store.get(job_id)
        assert record is not None
        since = stall_started or server.complete_times[str(record.request_id)]
        final = events.final
        if isinstance(final, ev.Failed):
            shown = f"{final.kind}: {final.reason}" + (f" — {final.next_step}"
                                                      if final.next_step else "")
        elif isinstance(final, ev.Cancelled):
            shown = f"Cancelled: {final.detail}"
        else:
            shown = "Completed"
        fetches = len(server.requests("result"))
        return [name, record.state.value, shown, fetches, f"{final_at(events) - since:.2f}"]
    finally:
        engine.shutdown()
        server.stop()


def final_at(events: _Events) -> float:
    return events.final_at


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stall", action="store_true", help="add the 45 s stalled-stream row")
    args = parser.parse_args()
    kinds = dict(KINDS)
    if args.stall:
        kinds["stalled stream (no keep-alive)"] = {
            "run_time": 3.0, "stalled_stream": {"next_n": 1, "after_events": 2, "delay": 300}}
    print(machine())
    for column in LOAD_COLUMNS:
        rows = []
        with background_load(column == "loaded"), tempfile.TemporaryDirectory() as tmp:
            for name, patch in kinds.items():
                rows.append(_one(name, patch, Path(tmp)))
            load = load_average()
        print_table(f"[{column}, load average {load}] Failure kinds: what the user sees, and when",
                    ["kind", "state", "shown", "result GETs", "seconds"], rows)

if __name__ == "__main__":
    main()
