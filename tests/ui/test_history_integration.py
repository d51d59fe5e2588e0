"""The History tab inside the main window: lazy build, new jobs, reuse with undo, re-download,
dropped images, and a damaged journal moved aside at start."""

from __future__ import annotations

import gc
from pathlib import Path

from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from qwenimg_desktop.core.jobs.model import JobState
from qwenimg_desktop.core.params import GenerationRequest, OutputFormat
from qwenimg_desktop.core.settings import ParamValues, SeedMode
from qwenimg_desktop.emulator.server import EmulatorServer
from qwenimg_desktop.ui.history.reuse import ReuseMode
from qwenimg_desktop.ui.history.view import HistoryBrowser
from qwenimg_desktop.ui.main_window import MainWindow
from tests.ui.conftest import RuntimeFactory, ready_window, type_prompt, wait_state

PROMPT = "# 灯塔 Lighthouse\n## Scene\n- a lighthouse at dusk"


def _generate(qtbot: QtBot, win: MainWindow, prompt: str = PROMPT) -> str:
    win.editor.load("", "")
    type_prompt(qtbot, win, prompt)
    job_id = win.generate()
    assert job_id is not None
    wait_state(qtbot, win, job_id, JobState.completed)
    return job_id


def _seed_mode(win: MainWindow) -> SeedMode:
    return win.draft.params.seed_mode


def _browser(qtbot: QtBot, win: MainWindow) -> HistoryBrowser:
    win.acts.history_tab.trigger()
    qtbot.waitUntil(lambda: win.history.browser is not None, timeout=10_000)
    browser = win.history.browser
    assert browser is not None
    return browser


def test_history_tab_lists_jobs_and_new_ones_arrive(window: MainWindow, qtbot: QtBot) -> None:
    first = _generate(qtbot, window)
    frozen_before = gc.get_freeze_count()
    browser = _browser(qtbot, window)
    # Building the browser settles the heap: it and its model leave later GC passes.
    assert gc.get_freeze_count() > frozen_before
    assert not any(obj is browser for obj in gc.get_objects())
    qtbot.waitUntil(lambda: browser.model.row_of(first) is not None, timeout=10_000)
    window.acts.create_tab.trigger()
    second = _generate(qtbot, window, "a second, different prompt")
    qtbot.waitUntil(lambda: browser.model.row_of(second) == 0, timeout=10_000)
    assert browser.model.row_of(first) == 1


def test_reuse_opens_as_draft_and_can_be_undone(window: MainWindow, qtbot: QtBot) -> None:
    type_prompt(qtbot, window, "my unsaved draft")
    window.params.num_images.setValue(3)
    past = GenerationRequest(
        prompt="past prompt 过去的",
        negative_prompt="blurry",
        seed=4242,
        num_images=2,
        output_format=OutputFormat.webp,
    )
    window.history.reuse_requested.emit(past, "params")
    assert window.draft.prompt == "my unsaved draft"  # params only: the prompt stays
    assert window.draft.params.value("num_images") == 2
    assert _seed_mode(window) is SeedMode.fixed
    assert window.draft.params.seed_text == "4242"
    window.history.reuse_requested.emit(past, "remix")
    assert window.editor.editor.toPlainText() == "past prompt 过去的"
    assert _seed_mode(window) is SeedMode.random
    assert window.acts.restore_draft.isEnabled()
    window.acts.restore_draft.trigger()
    window.acts.restore_draft.trigger()
    assert window.editor.editor.toPlainText() == "my unsaved draft"
    assert window.draft.params.value("num_images") == 3
    assert not window.acts.restore_draft.isEnabled()


def test_each_reuse_mode_takes_its_half_and_keeps_the_other(window: MainWindow) -> None:
    draft = GenerationRequest(prompt="my draft", negative_prompt="mine", num_images=3, seed=5)
    source = GenerationRequest(prompt="old prompt", negative_prompt="old", image_size="square",
                               seed=42, output_format="webp")

    def set_draft(request: GenerationRequest) -> None:
        window.editor.load(request.prompt, request.negative_prompt)
        window.draft.set_params(ParamValues.from_request(request))

    def current() -> GenerationRequest:
        request = window.draft.validate_now().request
        assert request is not None
        return request

    set_draft(draft)
    assert current() == draft
    window.apply_reuse(source, ReuseMode.exact)
    assert current() == source
    set_draft(draft)
    window.apply_reuse(source, "remix")
    assert current() == source.model_copy(update={"seed": None})
    set_draft(draft)
    window.apply_reuse(source, ReuseMode.prompt)
    prompt_only = current()
    assert (prompt_only.prompt, prompt_only.negative_prompt) == ("old prompt", "old")
    assert (prompt_only.num_images, prompt_only.seed) == (3, 5)
    set_draft(draft)
    window.apply_reuse(source, ReuseMode.params)
    params_only = current()
    assert (params_only.prompt, params_only.negative_prompt) == ("my draft", "mine")
    assert (params_only.seed, params_only.output_format.value) == (42, "webp")
    changed = {name for name in GenerationRequest.model_fields
               if getattr(draft, name) != getattr(params_only, name)}
    assert changed == {"image_size", "seed", "num_images", "output_format"}
    window.restore_previous_draft()
    assert current() == draft  # the draft before the reuse is kept, for undo
    window.editor.load("", "")  # no valid draft (no prompt): the parameters still come over
    window.apply_reuse(source, ReuseMode.params)
    assert window.draft.prompt == ""
    assert window.draft.params == ParamValues.from_request(source)


def test_redownload_restores_a_missing_image(
    window: MainWindow, qtbot: QtBot, emulator: EmulatorServer
) -> None:
    job_id = _generate(qtbot, window)
    row = window.jobs_model.row(job_id)
    assert row is not None
    image = Path(row.image_paths[0])
    image.unlink()
    messages: list[str] = []
    window.history.message.connect(messages.append)
    said: list[str] = []
    window.messenger.message.connect(lambda _level, text: said.append(text))
    window.history.redownload_requested.emit(job_id)
    assert said == ["Re-downloading the images from fal…"]  # at once, before fal answers
    qtbot.waitUntil(lambda: any("Re-downloaded 1" in m for m in messages), timeout=10_000)
    assert image.is_file()


def test_dropped_image_restores_prompt_and_seed(window: MainWindow, qtbot: QtBot) -> None:
    job_id = _generate(qtbot, window)
    row = window.jobs_model.row(job_id)
    assert row is not None
    assert row.seed is not None
    window.editor.load("something else entirely", "")
    drops = window.history.drops
    assert drops is not None
    drops.restore_from(Path(row.image_paths[0]))
    qtbot.waitUntil(lambda: window.editor.editor.toPlainText() == PROMPT, timeout=10_000)
    assert window.draft.params.seed_text == str(row.seed)
    assert window.jobs_model.rowCount() == 1  # a dropped image is loaded, never sent


def test_damaged_journal_is_moved_aside_and_the_window_works(
    runtime_factory: RuntimeFactory, emulator: EmulatorServer, qtbot: QtBot, tmp_path: Path
) -> None:
    base = tmp_path / "base"
    runtime = runtime_factory(emulator, base=base)
    db_path = runtime.layout.db_path
    runtime.close()
    runtime.window = None
    db_path.write_bytes(b"garbage, not sqlite" * 64)
    again = runtime_factory(emulator, base=base)
    assert again.engine is not None
    again.engine.wait_ready(10)
    assert again.engine.notice is not None
    assert "moved" in again.engine.notice
    assert any(p.name.startswith("history.corrupt-") for p in db_path.parent.iterdir())
    win = ready_window(again, qtbot)
    job_id = _generate(qtbot, win)
    # The window's own connection, opened when the engine said it was ready.
    assert again.history is not None
    record = again.history.get(job_id)
    assert record is not None
    assert record.state is JobState.completed


def test_rerun_exact_submits_the_same_request(window: MainWindow, qtbot: QtBot) -> None:
    source = GenerationRequest(prompt="re-run me 再来", negative_prompt="blurry", seed=777,
                               output_format="webp")
    window.history.rerun_requested.emit(source, ReuseMode.exact.value)  # the browser's Re-run
    qtbot.waitUntil(lambda: window.jobs_model.rowCount() == 1, timeout=3000)
    job_id = window.jobs.current_job()
    row = wait_state(qtbot, window, job_id, JobState.completed)
    assert row.request == source
    assert row.seed == 777


def test_an_image_dropped_on_the_result_view_is_taken(window: MainWindow, qtbot: QtBot) -> None:
    job_id = _generate(qtbot, window)
    row = window.jobs_model.row(job_id)
    assert row is not None
    window.editor.load("something else entirely", "")
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(row.image_paths[0])])
    target = window.results.view.viewport()
    enter = QDragEnterEvent(QPoint(5, 5), Qt.DropAction.CopyAction, mime,
                            Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(target, enter)
    assert enter.isAccepted()
    drop = QDropEvent(QPointF(5, 5), Qt.DropAction.CopyAction, mime,
                      Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(target, drop)
    assert drop.isAccepted()
    qtbot.waitUntil(lambda: window.editor.editor.toPlainText() == PROMPT, timeout=10_000)
