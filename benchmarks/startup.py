"""Start-up: cold process start → first paint, vs a bare PySide6 QMainWindow.

Four figures per variant: the first window on screen (the app's start-up shell, painted before
the services load), the complete main window painted (editor, parameters, jobs, ready to type),
the history ready (the History tab has a connection to the journal and shows the history when
opened: read-only while the engine checks the journal) and the history writable (the engine's
start has finished in its own process and the window's connection writes). Beside the
wall times, the CPU time the window's process used until then (all its threads): on a loaded
machine the wall time is mostly waiting for a core, the CPU time is what the app spends.

Each sample is a fresh ``python -m benchmarks.startup_child …`` process (offscreen); the time
runs from just before the process is spawned to the first Paint event of the window (the child
prints the wall clock then and quits). Variants, alternated in one run:

* bare: ``QApplication`` + ``QMainWindow`` 1360×880, nothing else;
* app, empty history: ``qwenimg_desktop.app.main --data-dir D`` with a fresh data dir;
* app, 100,000 generations: the same on a history of 100,000 jobs (built once, as
  ``benchmarks.history_scale`` builds it).

``FAL_KEY`` is set so no first-run dialog opens; ``.pyc`` files are warm (the first, discarded
round compiles them). All variants are sampled twice: "idle" (nothing added) and "loaded" (one
CPU-bound process beside them, ``support.background_load``); ratios are within a column.

    .venv/bin/python -m benchmarks.startup [--runs 7] [--rows 100000] [--history DATA_DIR]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.support import (
    LOAD_COLUMNS,
    background_load,
    load_average,
    machine,
    p50,
    print_table,
)


def _settings(base: Path) -> None:
    from qwenimg_desktop.core import paths
    from qwenimg_desktop.core.paths import SETTINGS_FILE
    from qwenimg_desktop.core.settings import AppSettings

    path = paths.default_config_dir(base) / SETTINGS_FILE
    settings = AppSettings.load(path)
    settings.first_run_done = True
    path.parent.mkdir(parents=True, exist_ok=True)
    settings.save(path)


STAMPS = ("FIRST_PAINT", "WINDOW_PAINT", "HISTORY_READY", "HISTORY_WRITABLE")


def _sample(args: list[str]) -> dict[str, tuple[float, float]]:
    """{stamp: (wall ms since the spawn, the child's CPU ms so far)} for each stamp printed;
    the bare window prints FIRST_PAINT only, which then stands for all three."""
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", FAL_KEY="bench-key:0123456789")
    # An installed app has its bytecode cached: let the warm-up round write the .pyc files even
    # where the environment says not to (measured: ~60 ms of compiling per start otherwise).
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    start = time.time()
    out = subprocess.run(
        [sys.executable, "-m", "benchmarks.startup_child", *args],
        capture_output=True, text=True, env=env, timeout=120, check=False,
    )
    stamps = {}
    for line in out.stdout.splitlines():
        tag, *values = line.split()
        if tag in STAMPS:
            stamps[tag] = ((float(values[0]) - start) * 1000, float(values[1]) * 1000)
    if "FIRST_PAINT" not in stamps:
        raise RuntimeError(f"no first paint from {args}:\n{out.stdout}\n{out.stderr}")
    return {tag: stamps.get(tag, stamps["FIRST_PAINT"]) for tag in STAMPS}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--history", type=Path,
                        help="use this data dir (e.g. history_scale --keep DIR's DIR/data) "
                             "instead of building one")
    args = parser.parse_args()
    print(machine())
    with tempfile.TemporaryDirectory(prefix="bench-start-") as tmp:
        empty, full = Path(tmp) / "empty", args.history or Path(tmp) / "full"
        from benchmarks.history_scale import build_history

        began = time.perf_counter()
        if args.history is None:
            build_history(full, args.rows)
            print(f"history of {args.rows:,} jobs built in {time.perf_counter() - began:.1f} s")
        for base in (empty, full):
            base.mkdir(exist_ok=True)
            _settings(base)
        variants = {
            "bare QMainWindow": ["bare"],
            "app, empty history": ["app", "--data-dir", str(empty)],
            f"app, {args.rows:,} generations": ["app", "--data-dir", str(full)],
        }
        for argv in variants.values():
            _sample(argv)  # warm-up: .pyc files, page cache, first database open
        wall: dict[tuple[str, str, str], list[float]] = {}
        cpu: dict[tuple[str, str, str], list[float]] = {}
        loads: dict[str, str] = {}
        for column in LOAD_COLUMNS:
            with background_load(column == "loaded"):
                for _ in range(args.runs):
                    for name, argv in variants.items():
                        for tag, (ms, cpu_ms) in _sample(argv).items():
                            wall.setdefault((tag, column, name), []).append(ms)
                            cpu.setdefault((tag, column, name), []).append(cpu_ms)
                loads[column] = load_average()
    titles = {"FIRST_PAINT": "first paint of the first window",
              "WINDOW_PAINT": "first paint of the complete main window",
              "HISTORY_READY": "history ready (the History tab lists the history; read-only "
                               "until the engine's checks pass)",
              "HISTORY_WRITABLE": "history writable (engine started: its checks passed, the "
                                  "window's journal connection writes)"}
    for tag, title in titles.items():
        rows = []
        for column in LOAD_COLUMNS:
            bare = p50(wall[(tag, column, "bare QMainWindow")])
            bare_cpu = p50(cpu[(tag, column, "bare QMainWindow")])
            for name in variants:
                values, cpus = wall[(tag, column, name)], cpu[(tag, column, name)]
                rows.append([column, loads[column], name, p50(values), min(values), max(values),
                             p50(values) / bare, p50(cpus), p50(cpus) / bare_cpu])
        print_table(f"\nprocess start → {title}, {args.runs} runs each (ms)",
                    ["load", "load avg", "variant", "p50", "min", "max", "p50 ratio",
                     "CPU p50", "CPU ratio"], rows)

if __name__ == "__main__":
    main()
