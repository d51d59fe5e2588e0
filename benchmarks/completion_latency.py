"""Completion detection: delay from the emulator marking a job COMPLETED to the client knowing.

Compares our client (SSE stream; polling fallback at its default 0.2 s and at 0.1 s) with the
official ``fal-client`` ``subscribe`` (polling every 0.1 s), on one in-process emulator, with the
same jobs, in the same run. Prints a table of p50 / p95 / max in milliseconds for each column:
"idle" (nothing added) and "loaded" (one CPU-bound process beside it, ``support.background_load``).

    .venv/bin/python -m benchmarks.completion_latency [--jobs 20]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import time
from collections.abc import Callable
from typing import Any

from benchmarks.support import LOAD_COLUMNS, background_load, load_average, machine, p50, p95
from qwenimg_desktop.core.fal.client import QueueClient
from qwenimg_desktop.core.fal.credentials import fixed_key
from qwenimg_desktop.core.fal.protocol import ENDPOINT_ID, QueueStatus
from qwenimg_desktop.core.params import GenerationRequest
from qwenimg_desktop.emulator.scenarios import Scenario
from qwenimg_desktop.emulator.server import EmulatorServer

KEY = "bench:0123456789abcdef"
REQUEST = GenerationRequest(prompt="latency probe", image_size="square")


async def _ours(server: EmulatorServer, *, use_stream: bool, interval: float) -> float:
    client = QueueClient(server.base_url, key=fixed_key(KEY))
    seen_at = 0.0

    async def on_status(status: QueueStatus) -> None:
        nonlocal seen_at
        if status.status == "COMPLETED":
            seen_at = time.perf_counter()

    try:
        sub = await client.submit(REQUEST)
        await client.watch(sub.request_id, on_status, use_stream=use_stream, poll_interval=interval)
    finally:
        await client.aclose()
    return seen_at - server.complete_times[sub.request_id]


def _fal_client(server: EmulatorServer) -> float:
    import fal_client
    import fal_client.client as fal_module

    fal_module.QUEUE_URL_FORMAT = f"{server.base_url}/"
    os.environ["FAL_KEY"] = KEY
    seen: dict[str, float] = {}
    request_ids: list[str] = []

    def on_update(status: Any) -> None:
        if isinstance(status, fal_client.Completed) and "t" not in seen:
            seen["t"] = time.perf_counter()

    client = fal_client.SyncClient(key=KEY)
    client.subscribe(
        ENDPOINT_ID,
        REQUEST.to_api_payload(),
        on_enqueue=request_ids.append,
        on_queue_update=on_update,
    )
    return seen["t"] - server.complete_times[request_ids[0]]


def _measure(name: str, fn: Callable[[], float], jobs: int) -> tuple[str, list[float]]:
    fn()  # warm-up: connection pool, imports
    return name, [fn() * 1000 for _ in range(jobs)]


def main() -> None:
    """Run every variant and print the table."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--jobs", type=int, default=20)
    args = parser.parse_args()
    print(machine())
    for column in LOAD_COLUMNS:
        with background_load(column == "loaded"):
            rows = _measure_all(args.jobs)
            load = load_average()
        _print(f"[{column}, load average {load}]", rows, args.jobs)


def _measure_all(jobs: int) -> list[tuple[str, list[float]]]:
    scenario = Scenario(queue_delay=0.0, run_time=0.3, max_running=4, log_steps=2)
    with EmulatorServer(scenario) as server:
        server.start()
        return [
            _measure(
                "ours, SSE stream",
                lambda: asyncio.run(_ours(server, use_stream=True, interval=0.2)),
                jobs,
            ),
            _measure(
                "ours, polling 0.2 s (fallback)",
                lambda: asyncio.run(_ours(server, use_stream=False, interval=0.2)),
                jobs,
            ),
            _measure(
                "ours, polling 0.1 s",
                lambda: asyncio.run(_ours(server, use_stream=False, interval=0.1)),
                jobs,
            ),
            _measure("fal-client subscribe (0.1 s)", lambda: _fal_client(server), jobs),
        ]


def _print(tag: str, rows: list[tuple[str, list[float]]], jobs: int) -> None:
    base = p50(rows[-1][1])
    print(f"{tag} completion detection delay, {jobs} jobs each (ms)")
    print(f"{'client':34} {'p50':>8} {'p95':>8} {'max':>8} {'p50 ratio':>10}")
    for name, values in rows:
        print(f"{name:34} {p50(values):8.2f} {p95(values):8.2f} {max(values):8.2f} "
              f"{p50(values) / base:10.3f}")

if __name__ == "__main__":
    main()
