"""The main window end to end: real widgets, real engine, real store, the loopback emulator."""

from __future__ import annotations

import os
import signal
import sys

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot

from qwenimg_desktop.core.jobs.model import JobState
from qwenimg_desktop.core.jobs.remote import EngineProcess
from qwenimg_desktop.core.threads import GIL_SWITCH_INTERVAL_S
from qwenimg_desktop.emulator.server import EmulatorServer
from qwenimg_desktop.ui import messages
from qwenimg_desktop.ui.main_window import MainWindow
from tests.ui.conftest import RuntimeFactory, ready_window, type_prompt, wait_state

PROMPT = "## 场景\n一只橘猫坐在窗台上 at golden hour\n\n### Style\n- watercolor"


def test_type_generate_and_see_the_image(
    window: MainWindow, emulator: EmulatorServer, qtbot: QtBot
) -> None:
    type_prompt(qtbot, window, PROMPT)
    window.params.num_images.setValue(2)
    qtbot.waitUntil(lambda: window.params.generate.text() == "Generate · $0.15", timeout=3000)
    assert window.params.generate.isEnabled()

    seen: list[JobState] = []
    window.jobs_model.dataChanged.connect(
        lambda *_: seen.append(window.jobs_model.row_at(0).state)  # type: ignore[union-attr]
    )
    said: list[str] = []
    window.messenger.message.connect(lambda _level, text: said.append(text))
    # Held in fal's queue until the list has shown it queued: on a busy machine queued and
    # running could otherwise arrive in one batch of events and only the latter be drawn.
    emulator.set_scenario({"hold": ["queue"]}, merge=True)
    qtbot.mouseClick(window.params.generate, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.jobs_model.rowCount() == 1, timeout=3000)
    job_id = window.jobs.current_job()
    # "Job sent." only once the engine has journalled the job (its first event), not on click.
    qtbot.waitUntil(lambda: messages.JOB_SENT in said, timeout=10_000)
    assert said.index(messages.JOB_HANDED_OVER) < said.index(messages.JOB_SENT)
    qtbot.waitUntil(lambda: JobState.queued in seen, timeout=10_000)
    emulator.set_scenario({"hold": []}, merge=True)
    row = wait_state(qtbot, window, job_id, JobState.completed)

    # Seen in order: queued, running, completed (states may repeat, never go back).
    order = [JobState.queued, JobState.running, JobState.completed]
    firsts = [seen.index(state) for state in order]
    assert firsts == sorted(firsts)
    assert len(row.image_paths) == 2
    assert row.logs, "the running job's log lines reached the log view model"
    assert window.jobs.log_view.toPlainText().strip()
    qtbot.waitUntil(lambda: not window.results.view.image.isNull(), timeout=10_000)
    assert window.results.view.image.width() == 1024
    assert "Seed" in window.results.info.text()
    assert str(row.seed) in window.results.info.text()
    submitted = emulator.stats()["submits_total"]
    assert submitted == 1


def test_ctrl_enter_generates_and_esc_cancels_a_running_job(
    runtime_factory: RuntimeFactory, emulator_factory: object, qtbot: QtBot
) -> None:
    slow: EmulatorServer = emulator_factory(  # type: ignore[operator]
        {"run_time": 60.0, "queue_delay": 0.0, "honour_running_cancel": True, "log_steps": 60})
    runtime = runtime_factory(slow)
    win = ready_window(runtime, qtbot)
    type_prompt(qtbot, win, "a lighthouse in a storm")
    qtbot.keyClick(win.editor.editor, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: win.jobs_model.rowCount() == 1, timeout=3000)
    job_id = win.jobs.current_job()
    row = wait_state(qtbot, win, job_id, JobState.running)
    assert "Running" in row.status_line(0.0)
    assert win.jobs.cancel_button.isEnabled()
    # Esc elsewhere means "close / clear", never "cancel the job".
    win.activateWindow()  # shortcuts follow the focus of the active window
    qtbot.waitUntil(win.isActiveWindow, timeout=3000)
    win.editor.editor.setFocus()
    qtbot.keyClick(win.editor.editor, Qt.Key.Key_Escape)
    assert _cancel_box(win) is None
    win.jobs.view.setFocus()
    qtbot.keyClick(win.jobs.view, Qt.Key.Key_Escape)
    # fal already runs it: a question first, saying it may be charged; "Keep it" keeps it.
    box = _cancel_box(win)
    assert box is not None
    assert box.isVisible()
    assert "charged" in box.text()
    box.button(box.StandardButton.No).click()
    running = win.jobs_model.row(job_id)
    assert running is not None
    assert running.state is JobState.running
    qtbot.keyClick(win.jobs.view, Qt.Key.Key_Escape)
    again = _cancel_box(win)
    assert again is not None
    assert again is not box
    again.button(box.StandardButton.Yes).click()
    row = wait_state(qtbot, win, job_id, JobState.cancelled)
    assert row.finished is not None
    assert not win.jobs.cancel_button.isEnabled()
    assert win.jobs.retry_button.isEnabled()


def _cancel_box(win: MainWindow) -> QMessageBox | None:
    return win.cancel_box


def test_cancel_all_and_retry(
    runtime_factory: RuntimeFactory, emulator_factory: object, qtbot: QtBot
) -> None:
    slow: EmulatorServer = emulator_factory(  # type: ignore[operator]
        {"run_time": 60.0, "queue_delay": 60.0})
    runtime = runtime_factory(slow)
    win = ready_window(runtime, qtbot, show=False)
    type_prompt(qtbot, win, "two queued jobs")
    first, second = win.generate(), win.generate()
    assert first
    assert second
    wait_state(qtbot, win, first, JobState.queued)
    wait_state(qtbot, win, second, JobState.queued)
    assert "position" in win.jobs_model.row(first).status_line(0.0)  # type: ignore[union-attr]
    qtbot.mouseClick(win.jobs.cancel_all_button, Qt.MouseButton.LeftButton)
    wait_state(qtbot, win, first, JobState.cancelled)
    wait_state(qtbot, win, second, JobState.cancelled)
    slow.set_scenario({"run_time": 0.1, "queue_delay": 0.05}, merge=True)
    win.jobs.select_job(first)
    qtbot.mouseClick(win.jobs.retry_button, Qt.MouseButton.LeftButton)
    new_id = win.jobs.current_job()
    assert new_id not in (first, second)
    wait_state(qtbot, win, new_id, JobState.completed)


def test_invalid_parameters_are_explained_inline_and_never_sent(
    window: MainWindow, emulator: EmulatorServer, qtbot: QtBot
) -> None:
    params = window.params
    custom = params.size_field.preset.findData("custom")

    def size(width: int, height: int) -> None:
        params.size_field.preset.setCurrentIndex(custom)
        params.size_field.width_box.setValue(width)
        params.size_field.height_box.setValue(height)

    cases = [
        ("prompt", lambda: window.editor.editor.setPlainText("   "), window.editor.prompt_error),
        ("image_size", lambda: size(4000, 4000), params.size_field.error),
        ("image_size", lambda: size(100, 100), params.size_field.error),
        ("image_size", lambda: size(9000, 480), params.size_field.error),
    ]
    for key, act, label in cases:
        _reset(window, qtbot)
        act()
        result = window.draft.validate_now()
        assert key in result.errors, key
        assert label.isVisible()
        assert label.text() == result.errors[key]
        assert not params.generate.isEnabled()
        assert window.generate() is None
    # Seed: fixed mode with text that is not a seed, then one too large.
    for text in ("abc", "99999999999"):
        _reset(window, qtbot)
        params.seed.buttons[next(m for m in params.seed.buttons if m.value == "fixed")].click()
        params.seed.value.clear()
        qtbot.keyClicks(params.seed.value, text)
        result = window.draft.validate_now()
        assert "seed" in result.errors
        assert params.seed.error.isVisible()
        assert not params.generate.isEnabled()
        assert window.generate() is None
    assert emulator.stats()["submits_total"] == 0
    assert emulator.stats()["submit_attempts"] == 0
    assert window.jobs_model.rowCount() == 0


def _reset(window: MainWindow, qtbot: QtBot) -> None:
    params = window.params
    window.editor.editor.setPlainText("a valid prompt")
    window.editor.negative.edit.setPlainText("")
    params.size_field.preset.setCurrentIndex(0)
    params.seed.buttons[next(m for m in params.seed.buttons if m.value == "random")].click()
    assert window.draft.validate_now().ok


def test_wrong_key_is_reported_on_the_job(
    runtime_factory: RuntimeFactory, emulator_factory: object, qtbot: QtBot
) -> None:
    strict: EmulatorServer = emulator_factory(  # type: ignore[operator]
        None, valid_keys={"right-id:right-secret"})
    runtime = runtime_factory(strict)
    win = ready_window(runtime, qtbot, show=False)
    type_prompt(qtbot, win, "a red kite")
    with qtbot.waitSignal(win.messenger.message, timeout=20_000,
                          check_params_cb=lambda level, _text: level == "error"):
        job_id = win.generate()
    assert job_id is not None
    row = win.jobs_model.row(job_id)
    assert row is not None
    assert row.state is JobState.failed
    assert "API key was rejected" in row.reason
    assert "Settings" in row.reason
    assert "right-secret" not in row.reason


def test_use_these_settings_copies_back_prompt_seed_and_parameters(
    window: MainWindow, qtbot: QtBot
) -> None:
    type_prompt(qtbot, window, "## Title\nsettings round trip")
    window.params.output_format.setCurrentIndex(window.params.output_format.findData("jpeg"))
    job_id = window.generate()
    assert job_id
    row = wait_state(qtbot, window, job_id, JobState.completed)
    window.editor.editor.setPlainText("something else")
    window.params.output_format.setCurrentIndex(0)
    qtbot.mouseClick(window.results.buttons["use"], Qt.MouseButton.LeftButton)
    assert window.editor.editor.toPlainText() == "## Title\nsettings round trip"
    params = window.draft.params
    assert params.value("output_format") == "jpeg"
    assert params.seed_mode.value == "fixed"
    assert params.seed_text == str(row.seed)
    assert window.params.seed.value.text() == str(row.seed)
    assert window.params.output_format.currentData() == "jpeg"


def test_the_runtime_hands_the_gil_over_every_millisecond(
    runtime_factory: RuntimeFactory,
) -> None:
    sys.setswitchinterval(0.005)  # CPython's default
    runtime_factory()
    assert sys.getswitchinterval() == pytest.approx(GIL_SWITCH_INTERVAL_S)


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="kills the engine's process")
def test_the_window_survives_its_engine_dying_and_the_job_still_completes(
    runtime_factory: RuntimeFactory, emulator_factory: object, qtbot: QtBot
) -> None:
    server: EmulatorServer = emulator_factory({"run_time": 1.5, "log_steps": 15})  # type: ignore[operator]
    runtime = runtime_factory(server)
    win = ready_window(runtime, qtbot)
    engine = runtime.engine
    assert isinstance(engine, EngineProcess)  # the window's default
    qtbot.waitUntil(lambda: engine.ready, timeout=30_000)
    type_prompt(qtbot, win, "outlives a crash")
    job_id = win.generate()
    assert job_id is not None
    wait_state(qtbot, win, job_id, JobState.running)
    assert engine.pid is not None
    with qtbot.waitSignal(win.messenger.message, timeout=20_000,
                          check_params_cb=lambda level, text: level == "error"
                          and "restarted" in text):
        os.kill(engine.pid, signal.SIGKILL)
    row = wait_state(qtbot, win, job_id, JobState.completed)
    assert len(row.image_paths) == 1
    assert server.stats()["submits_by_job_id"] == {job_id: 1}
    # The restarted engine sent the job's log again from its first line: shown once, not twice.
    assert row.logs
    assert len(row.logs) == len(set(row.logs))
    shown = win.jobs.log_view.toPlainText().splitlines()
    assert shown
    assert len(shown) == len(set(shown))


def test_a_cancel_that_comes_too_late_says_it_is_probably_charged(
    runtime_factory: RuntimeFactory, emulator_factory: object, qtbot: QtBot
) -> None:
    """fal accepts the cancel of a running job yet finishes it: the row and the status bar say
    what fal answered and that the job is probably charged, not just "Completed"."""
    late: EmulatorServer = emulator_factory(  # type: ignore[operator]
        {"queue_delay": 0.0, "hold": ["run"], "honour_running_cancel": False})
    win = ready_window(runtime_factory(late), qtbot, show=False)
    said: list[str] = []
    win.messenger.message.connect(lambda _level, text: said.append(text))
    type_prompt(qtbot, win, "a job fal finishes anyway")
    job_id = win.generate()
    assert job_id is not None
    wait_state(qtbot, win, job_id, JobState.running)
    win.cancel(job_id)
    row = wait_state(qtbot, win, job_id, JobState.cancel_requested)
    assert messages.CANCEL_ACCEPTED in row.status_line(0.0)
    late.set_scenario({"hold": []}, merge=True)  # the run ends only once the cancel is answered
    row = wait_state(qtbot, win, job_id, JobState.completed)
    line = row.status_line(0.0)
    assert line.startswith("Completed: ")
    assert "probably charged" in line
    assert messages.CANCEL_ACCEPTED in line
    assert any("probably charged" in text for text in said)


def test_quit_with_jobs_at_fal_asks_and_close_from_code_never_blocks(
    runtime_factory: RuntimeFactory, emulator_factory: object, qtbot: QtBot
) -> None:
    slow: EmulatorServer = emulator_factory(  # type: ignore[operator]
        {"run_time": 60.0, "queue_delay": 0.0})
    win = ready_window(runtime_factory(slow), qtbot)
    type_prompt(qtbot, win, "still running when the user quits")
    job_id = win.generate()
    assert job_id is not None
    wait_state(qtbot, win, job_id, JobState.running)
    win.acts.quit.trigger()
    box = win.quit_box
    assert box is not None
    assert box.isVisible()
    assert "1 job is still at fal" in box.text()
    assert "charges" in box.text()
    assert win.isVisible()
    box.button(box.StandardButton.No).click()
    assert win.isVisible()
    win.acts.quit.trigger()
    again = win.quit_box
    assert again is not None
    again.button(box.StandardButton.Yes).click()
    qtbot.waitUntil(lambda: not win.isVisible(), timeout=3000)


def test_close_from_code_with_a_job_at_fal_does_not_ask(
    runtime_factory: RuntimeFactory, emulator_factory: object, qtbot: QtBot
) -> None:
    slow: EmulatorServer = emulator_factory(  # type: ignore[operator]
        {"run_time": 60.0, "queue_delay": 0.0})
    win = ready_window(runtime_factory(slow), qtbot)
    type_prompt(qtbot, win, "closed by code")
    job_id = win.generate()
    assert job_id is not None
    wait_state(qtbot, win, job_id, JobState.running)
    assert win.close()
    assert win.quit_box is None


def test_progress_shows_in_the_window_title(
    runtime_factory: RuntimeFactory, emulator_factory: object, qtbot: QtBot
) -> None:
    slow: EmulatorServer = emulator_factory(  # type: ignore[operator]
        {"run_time": 60.0, "queue_delay": 0.0, "honour_running_cancel": True})
    win = ready_window(runtime_factory(slow), qtbot, show=False)
    base = win.windowTitle()
    type_prompt(qtbot, win, "watched from the task bar")
    job_id = win.generate()
    assert job_id is not None
    wait_state(qtbot, win, job_id, JobState.running)
    qtbot.waitUntil(lambda: win.windowTitle() == f"(1 running) {base}", timeout=3000)
    win.cancel(job_id)
    wait_state(qtbot, win, job_id, JobState.cancelled)
    qtbot.waitUntil(lambda: win.windowTitle() == base, timeout=3000)
