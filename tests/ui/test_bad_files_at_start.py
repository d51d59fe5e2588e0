"""The real window starts whatever lies where its settings and draft belong, and says so."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication, QMessageBox
from pytestqt.qtbot import QtBot

from qwenimg_desktop.core.paths import DRAFT_FILE, SETTINGS_FILE
from qwenimg_desktop.core.settings import AppSettings
from qwenimg_desktop.emulator.server import EmulatorServer
from qwenimg_desktop.ui.startup_shell import saved_window_state
from tests.ui.conftest import RuntimeFactory, ready_window

pytestmark = pytest.mark.gui
DEEP = 100_000


def _config(tmp_path: Path) -> Path:
    config = tmp_path / "base" / "config"
    config.mkdir(parents=True)
    return config


def _shown_boxes(window: object) -> list[str]:
    return [w.text() for w in QApplication.topLevelWidgets()
            if isinstance(w, QMessageBox) and w.isVisible()]


@pytest.mark.parametrize("bad", ["folder", "deep", "loose"])
def test_the_window_starts_with_defaults_and_says_the_settings_file_was_moved_aside(
    runtime_factory: RuntimeFactory, emulator: EmulatorServer, qtbot: QtBot, tmp_path: Path,
    bad: str,
) -> None:
    path = _config(tmp_path) / SETTINGS_FILE
    if bad == "folder":
        path.mkdir()
    elif bad == "deep":
        path.write_text('{"ui_state": ' + "[" * DEEP + "]" * DEEP + "}", encoding="utf-8")
    else:
        path.write_text('{"concurrency": true, "theme": "dark"}', encoding="utf-8")
    assert isinstance(saved_window_state(path), dict)  # the start-up shell reads it too
    seen: list[str] = []
    runtime = runtime_factory(emulator)
    window = ready_window(runtime, qtbot)
    window.messenger.message.connect(lambda _level, text: seen.append(text))
    assert runtime.settings == AppSettings(first_run_done=True)
    assert "moved to settings.json.corrupt-" in window.statusBar().currentMessage()
    boxes = _shown_boxes(window)
    assert any("the defaults are used" in text for text in boxes), boxes
    assert len(list(path.parent.glob("settings.json.corrupt-*"))) == 1
    window.close()
    assert AppSettings.load(path).first_run_done  # saved again at close, in a file this time


def test_a_bad_draft_file_is_moved_aside_and_the_editor_starts_empty(
    runtime_factory: RuntimeFactory, emulator: EmulatorServer, qtbot: QtBot, tmp_path: Path,
) -> None:
    path = _config(tmp_path) / DRAFT_FILE
    path.write_text('{"prompt": 5, "params": {"num_images": true}}', encoding="utf-8")
    window = ready_window(runtime_factory(emulator), qtbot)
    assert window.draft.prompt == ""
    assert any("saved draft" in text for text in _shown_boxes(window))
    assert len(list(path.parent.glob(f"{DRAFT_FILE}.corrupt-*"))) == 1


def test_a_draft_with_bad_parameters_opens_with_its_prompt(
    runtime_factory: RuntimeFactory, emulator: EmulatorServer, qtbot: QtBot, tmp_path: Path,
) -> None:
    path = _config(tmp_path) / DRAFT_FILE
    path.write_text('{"prompt": "a kept cat", "params": {"sync_mode": "yes"}}', encoding="utf-8")
    window = ready_window(runtime_factory(emulator), qtbot)
    assert window.editor.editor.toPlainText() == "a kept cat"
    assert any("its prompt was kept" in text for text in _shown_boxes(window))
