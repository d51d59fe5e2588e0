"""The start-up shell: painted first, then replaced by the main window; tolerant of bad files."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtWidgets import QMainWindow
from pytestqt.qtbot import QtBot

from benchmarks.startup import BARE, FLOOR, PHASES, STAMPS, _sample, print_phases
from qwenimg_desktop.ui.startup_shell import StartupShell, saved_window_state

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    "content",
    [None, b"", b"{not json", b"[1, 2]", b'{"ui_state": 5}', b"\xff\xfe\x00garbage"],
    ids=["missing", "empty", "broken", "list", "wrong-type", "binary"],
)
def test_unreadable_settings_give_defaults(tmp_path: Path, content: bytes | None) -> None:
    path = tmp_path / "settings.json"
    if content is not None:
        path.write_bytes(content)
    assert saved_window_state(path) == {}


def test_saved_state_and_theme_are_read(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    path.write_text(
        json.dumps({"theme": "dark", "ui_state": {"geometry": "AAA=", "tab": "history", "n": 3}}),
        encoding="utf-8",
    )
    assert saved_window_state(path) == {"geometry": "AAA=", "tab": "history", "theme": "dark"}


def test_callbacks_run_after_the_first_paint_and_hand_over(qtbot: QtBot) -> None:
    shell = StartupShell("Qwen Image Desktop", {"theme": "dark"})
    ran: list[str] = []
    shell.on_first_paint(lambda: ran.append("built"))
    assert ran == []
    shell.show()
    qtbot.waitUntil(lambda: ran == ["built"], timeout=5000)
    shell.on_first_paint(lambda: ran.append("late"))  # after the paint: still runs, once
    qtbot.waitUntil(lambda: ran == ["built", "late"], timeout=5000)
    window = QMainWindow()
    qtbot.addWidget(window)
    shell.hand_over(window)  # closes the shell and schedules its deletion
    assert window.isVisible()
    assert not shell.isVisible()


def test_the_real_app_paints_the_shell_then_the_main_window(tmp_path: Path) -> None:
    """A fresh process (python -m benchmarks.startup_child app): shell first, then the window."""
    env = {
        **os.environ,
        "QT_QPA_PLATFORM": "offscreen",
        "FAL_KEY": "test:key",
        "PYTHONPATH": str(ROOT),
        "HOME": str(tmp_path),
    }
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.startup_child", "app", "--data-dir", str(tmp_path)],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    stamps = {
        line.split()[0]: (float(line.split()[1]), float(line.split()[2]))
        for line in done.stdout.splitlines()
        if line.split() and line.split()[0] in (*PHASES, *STAMPS)
    }
    # Every phase the benchmark's table names is stamped, in the launch's order, in wall
    # clock and in CPU (a phase whose hook stopped matching the app fails here).
    assert set(stamps) == {*PHASES, *STAMPS}
    in_order = [stamps[tag] for tag in PHASES]
    assert in_order == sorted(in_order)
    assert [cpu for _, cpu in in_order] == sorted(cpu for _, cpu in in_order)


def test_the_qt_floor_builds_its_window_without_app_code(tmp_path: Path) -> None:
    """The floor variant (startup_child floor) paints a window of the main window's Qt classes
    and loads none of the app, pydantic or httpx; the benchmark reads its stamp."""
    script = """
import sys
from PySide6.QtWidgets import QWidget
from benchmarks import startup_child

watch = startup_child._watch_first_paint

def census(window, tag, on_paint):
    def painted():
        print("MENUS", len(window.menuBar().actions()))
        print("WIDGETS", len(window.findChildren(QWidget)))
        on_paint()
    watch(window, tag, painted)

startup_child._watch_first_paint = census
startup_child.floor()
print("LOADED", *sorted({name.split(".")[0] for name in sys.modules}))
"""
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          env=env, cwd=ROOT, timeout=60, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    lines = {line.split()[0]: line.split()[1:] for line in done.stdout.splitlines()}
    assert "FIRST_PAINT" in lines
    assert lines["MENUS"] == ["6"]
    assert int(lines["WIDGETS"][0]) > 100  # the window's structure, not a bare window
    assert not {"qwenimg_desktop", "pydantic", "httpx"} & set(lines["LOADED"])
    # The benchmark's own parser takes it as a variant: its paint stands for every phase.
    sample = _sample(["floor"])
    assert set(sample) == {*STAMPS, *PHASES}
    assert len(set(sample.values())) == 1


def test_the_phase_table_gives_each_phase_and_what_it_added(
        capsys: pytest.CaptureFixture[str]) -> None:
    """benchmarks.startup's last table: per app phase the CPU p50 and the difference from the
    phase before; the bare and floor windows one row each, with their ratio to bare."""
    app = "app, empty history"
    cpu: dict[tuple[str, str, str], list[float]] = {}
    for column in ("idle", "loaded"):
        cpu[("FIRST_PAINT", column, BARE)] = [100.0, 120.0, 110.0]
        cpu[("FIRST_PAINT", column, FLOOR)] = [165.0]
        for n, tag in enumerate(PHASES):
            cpu[(tag, column, app)] = [120.0 + 50 * n]
    print_phases(cpu, [BARE, FLOOR, app], 3)
    rows = [[cell.strip() for cell in line.strip("|").split("|")]
            for line in capsys.readouterr().out.splitlines() if line.startswith("| ")][1:]
    assert [row[:2] for row in rows] == [
        [BARE, "first paint"], [FLOOR, "first paint"], *([app, PHASES[t]] for t in PHASES)]
    assert rows[1][2:5] == ["165.0", "165.0", "1.500"]
    assert [row[3] for row in rows[2:]] == ["120.0", "50.0", "50.0", "50.0", "50.0"]
    assert rows[-1][5:] == ["320.0", "50.0", "2.909"]
