"""Reference uploads: the edit flow's 3 × 10 MB images through ``StorageUploader`` vs plain httpx.

Both variants run against one emulator subprocess (its storage routes: ``POST
/storage/upload/initiate``, then one ``PUT`` of the bytes to the signed URL), in one process,
alternating round by round, the three files one after another as the job pipeline sends them:

* ours: :class:`~qwenimg_desktop.core.fal.storage.StorageUploader` ``.upload()`` with a progress
  callback, as ``Pipeline.upload_references`` calls it (the key read per call, the initiate
  answer validated, the body streamed in 64 KiB chunks with progress, the answer size-bounded);
* plain: one ``httpx.AsyncClient``, ``POST`` initiate, ``PUT`` the same bytes (``content=``).

The bytes are random (incompressible, as a PNG or JPEG is) and made once, before the clock
starts: reading the file from disk is not part of either variant. Beside the wall times, the
client's CPU time (this process): the emulator shares the machine's cores, so on a loaded machine
the wall time mostly measures waiting. Measured twice: "idle" (nothing
added) and "loaded" (one CPU-bound process beside it, ``support.background_load``).

    .venv/bin/python -m benchmarks.upload [--rounds 5] [--files 3] [--mb 10]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import time

import httpx

from benchmarks.support import (
    KEY,
    LOAD_COLUMNS,
    background_load,
    emulator_process,
    load_average,
    machine,
    p50,
    print_table,
)
from qwenimg_desktop.core.fal.credentials import fixed_key
from qwenimg_desktop.core.fal.storage import INITIATE_PATH, STORAGE_TYPE, StorageUploader

CONTENT_TYPE = "image/png"


async def ours(base: str, files: list[bytes]) -> float:
    """Seconds for the three uploads through the app's uploader (client made beforehand)."""
    uploader = StorageUploader(base, key=fixed_key(KEY))
    progress: list[int] = []
    try:
        began = time.perf_counter()
        for n, data in enumerate(files):
            await uploader.upload(data, content_type=CONTENT_TYPE, file_name=f"ref-{n}.png",
                                  on_progress=lambda sent, _total: progress.append(sent))
        elapsed = time.perf_counter() - began
    finally:
        await uploader.aclose()
    if not progress or progress[-1] != len(files[-1]):
        raise RuntimeError("the uploader did not report its progress to the end")
    return elapsed


async def plain(base: str, files: list[bytes]) -> float:
    """Seconds for the same uploads with a bare httpx client: initiate, then one PUT each."""
    async with httpx.AsyncClient(timeout=60) as client:
        began = time.perf_counter()
        for n, data in enumerate(files):
            answer = await client.post(
                f"{base}{INITIATE_PATH}", params={"storage_type": STORAGE_TYPE},
                json={"content_type": CONTENT_TYPE, "file_name": f"ref-{n}.png"},
                headers={"Authorization": f"Key {KEY}"})
            answer.raise_for_status()
            put = await client.put(answer.json()["upload_url"], content=data,
                                   headers={"Content-Type": CONTENT_TYPE})
            put.raise_for_status()
        return time.perf_counter() - began


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--files", type=int, default=3)
    parser.add_argument("--mb", type=float, default=10.0, help="size of each file in MB (2^20)")
    args = parser.parse_args()
    print(machine())
    files = [os.urandom(int(args.mb * 1024 * 1024)) for _ in range(args.files)]
    variants = {"plain httpx (initiate + PUT)": plain, "ours (StorageUploader)": ours}
    times: dict[tuple[str, str], list[float]] = {}
    cpu: dict[tuple[str, str], list[float]] = {}
    loads: dict[str, str] = {}
    with emulator_process() as base:
        for fn in variants.values():
            asyncio.run(fn(base, files))  # warm-up: connections, imports, the emulator's pages
        for column in LOAD_COLUMNS:
            with background_load(column == "loaded"):
                for _ in range(args.rounds):
                    for name, fn in variants.items():
                        began = time.process_time()
                        times.setdefault((column, name), []).append(asyncio.run(fn(base, files)))
                        cpu.setdefault((column, name), []).append(time.process_time() - began)
                loads[column] = load_average()
    total_mb = args.files * args.mb
    rows = []
    for (column, name), values in times.items():
        baseline = p50(times[(column, "plain httpx (initiate + PUT)")])
        cpu_baseline = p50(cpu[(column, "plain httpx (initiate + PUT)")])
        cpus = cpu[(column, name)]
        rows.append([column, loads[column], name, p50(values) * 1000, min(values) * 1000,
                     max(values) * 1000, total_mb / p50(values), p50(values) / baseline,
                     p50(cpus) * 1000, p50(cpus) / cpu_baseline])
    print_table(f"\n{args.files} × {args.mb:g} MB uploaded one after another, {args.rounds} rounds"
                " (ms; CPU: this process's, client side)",
                ["load", "load avg", "variant", "p50", "min", "max", "MB/s", "p50 ratio",
                 "CPU p50", "CPU ratio"], rows)


if __name__ == "__main__":
    main()
