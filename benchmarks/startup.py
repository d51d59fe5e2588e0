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
* Qt floor: the same main window in Qt alone (the same widget classes, menus, tabs, splitters,
  Fusion and a style sheet, no app code, no pydantic or httpx; ``startup_child.floor`` says
  what it builds): what the complete window costs Qt, so the app's own Python is app − floor;
* app, empty history: ``qwenimg_desktop.app.main --data-dir D`` with a fresh data dir;
* app, 100,000 generations: the same on a history of 100,000 jobs (built once, as
  ``benchmarks.history_scale`` builds it).

``FAL_KEY`` is set so no first-run dialog opens; ``.pyc`` files are warm (the first, discarded
round compiles them). All variants are sampled twice: "idle" (nothing added) and "loaded" (one
CPU-bound process beside them, ``support.background_load``); ratios are within a column.

A last table splits the app's CPU into phases, stamped in the same runs (the child patches the
app after the shell's paint): the shell painted, the window's code imported
(``app.runtime``), the window built (``MainWindow`` constructed), the window painted, the
history ready; per phase the CPU p50 and what the phase added (the difference of the p50s).

    .venv/bin/python -m benchmarks.startup [--runs 7] [--rows 100000] [--history DATA_DIR]

``--history`` measures a copy of DATA_DIR (the app writes its lease, settings and migrations
into the data dir it opens), labelled with the copy's job count.
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
PHASES = {"FIRST_PAINT": "shell painted",
          "RUNTIME_IMPORTED": "window's code imported (the socket, app.runtime)",
          "WINDOW_BUILT": "window built (MainWindow constructed)",
          "WINDOW_PAINT": "window painted",
          "HISTORY_READY": "history ready"}
"""The app's phases in their order (the child prints each; the bare and floor windows print
FIRST_PAINT only)."""
BARE, FLOOR = "bare QMainWindow", "Qt floor (the window in Qt alone)"


def _sample(args: list[str]) -> dict[str, tuple[float, float]]:
    """{stamp: (wall ms since the spawn, the child's CPU ms so far)} for each stamp printed;
    the bare and floor windows print FIRST_PAINT only, which then stands for the rest."""
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
        if tag in STAMPS or tag in PHASES:
            stamps[tag] = ((float(values[0]) - start) * 1000, float(values[1]) * 1000)
    if "FIRST_PAINT" not in stamps:
        raise RuntimeError(f"no first paint from {args}:\n{out.stdout}\n{out.stderr}")
    return {tag: stamps.get(tag, stamps["FIRST_PAINT"]) for tag in (*STAMPS, *PHASES)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--history", type=Path,
                        help="measure a copy of this data dir (e.g. history_scale --keep DIR's "
                             "DIR/data) instead of building one; the dir itself is not opened")
    args = parser.parse_args()
    print(machine())
    with tempfile.TemporaryDirectory(prefix="bench-start-") as tmp:
        empty, full = Path(tmp) / "empty", Path(tmp) / "data"
        from benchmarks.history_scale import build_history, copy_history

        began = time.perf_counter()
        if args.history is None:
            build_history(full, args.rows)
            print(f"history of {args.rows:,} jobs built in {time.perf_counter() - began:.1f} s")
        else:  # the app takes a lease, migrates and writes its settings: never in place
            args.rows = copy_history(args.history, Path(tmp))[1]
        for base in (empty, full):
            base.mkdir(exist_ok=True)
            _settings(base)
        variants = {
            BARE: ["bare"],
            FLOOR: ["floor"],
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
            bare = p50(wall[(tag, column, BARE)])
            bare_cpu = p50(cpu[(tag, column, BARE)])
            for name in variants:
                values, cpus = wall[(tag, column, name)], cpu[(tag, column, name)]
                rows.append([column, loads[column], name, p50(values), min(values), max(values),
                             p50(values) / bare, p50(cpus), p50(cpus) / bare_cpu])
        print_table(f"\nprocess start → {title}, {args.runs} runs each (ms)",
                    ["load", "load avg", "variant", "p50", "min", "max", "p50 ratio",
                     "CPU p50", "CPU ratio"], rows)
    print_phases(cpu, list(variants), args.runs)


def print_phases(cpu: dict[tuple[str, str, str], list[float]], variants: list[str],
                 runs: int) -> None:
    """The window process's CPU p50 at each phase, and what each phase added, per column."""
    rows = []
    for name in variants:
        tags = ["FIRST_PAINT"] if name in (BARE, FLOOR) else list(PHASES)
        previous = dict.fromkeys(LOAD_COLUMNS, 0.0)
        for tag in tags:
            row: list[object] = [name, "first paint" if name in (BARE, FLOOR) else PHASES[tag]]
            for column in LOAD_COLUMNS:
                value = p50(cpu[(tag, column, name)])
                row += [value, value - previous[column],
                        value / p50(cpu[("FIRST_PAINT", column, BARE)])]
                previous[column] = value
            rows.append(row)
    header = ["variant", "phase"]
    for column in LOAD_COLUMNS:
        header += [f"{column} CPU p50", f"{column} +ms", f"{column} × bare"]
    print_table(f"\nwhere the CPU goes: the window's process from its start, CPU p50 at each "
                f"phase (ms), what the phase added (difference of the p50s), {runs} runs each",
                header, rows)

if __name__ == "__main__":
    main()
