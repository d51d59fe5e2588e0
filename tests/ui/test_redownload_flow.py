"""A paid result whose image could not be stored: the window offers Re-download, never a paid
Retry, and Re-download completes the same job (real window, engine process and emulator)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from qwenimg_desktop.core.jobs.model import JobState
from qwenimg_desktop.emulator.server import EmulatorServer
from tests.ui.conftest import RuntimeFactory, ready_window, type_prompt, wait_state


def test_an_expired_image_link_is_fetched_again_by_re_download(
    runtime_factory: RuntimeFactory, emulator_factory: object, qtbot: QtBot,
) -> None:
    server: EmulatorServer = emulator_factory(  # type: ignore[operator]
        {"expired_media": {"next_n": 1}})
    win = ready_window(runtime_factory(server), qtbot)
    type_prompt(qtbot, win, "a lighthouse at dawn")
    qtbot.mouseClick(win.params.generate, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: win.jobs_model.rowCount() == 1, timeout=5000)
    job_id = win.jobs.current_job()
    row = wait_state(qtbot, win, job_id, JobState.failed)
    assert "no longer available" in row.reason
    assert "Re-download" in row.reason
    assert win.jobs.redownload_button.isVisible()
    assert not win.jobs.retry_button.isEnabled()  # a retry would be charged again

    qtbot.mouseClick(win.jobs.redownload_button, Qt.MouseButton.LeftButton)
    row = wait_state(qtbot, win, job_id, JobState.completed)
    assert len(row.image_paths) == 1
    assert Path(row.image_paths[0]).is_file()
    assert not win.jobs.redownload_button.isVisible()
    assert server.stats()["submits_total"] == 1
