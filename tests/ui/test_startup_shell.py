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
        line.split()[0]: float(line.split()[1])
        for line in done.stdout.splitlines()
        if line.startswith(("FIRST_PAINT", "WINDOW_PAINT"))
    }
    assert set(stamps) == {"FIRST_PAINT", "WINDOW_PAINT"}
    assert stamps["FIRST_PAINT"] <= stamps["WINDOW_PAINT"]
