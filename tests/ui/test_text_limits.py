"""One length limit per text field, enforced where the text comes in; autosave and close never
raise, and a draft pasted past the limit survives close and reopen up to the limit."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtGui import QGuiApplication
from pytestqt.qtbot import QtBot

from qwenimg_desktop.core.errors import UserError
from qwenimg_desktop.core.params import MAX_NEGATIVE_CHARS, MAX_PROMPT_CHARS, GenerationRequest
from qwenimg_desktop.core.paths import DRAFT_FILE
from qwenimg_desktop.core.settings import (
    MAX_PRESET_NAME_CHARS,
    MAX_PRESETS,
    AppSettings,
    DraftSnapshot,
    load_draft,
)
from qwenimg_desktop.core.store.history import HistoryStore
from qwenimg_desktop.core.store.records import MAX_NOTE_CHARS
from qwenimg_desktop.emulator.server import EmulatorServer
from qwenimg_desktop.ui.create.draft import Draft
from qwenimg_desktop.ui.create.params_panel import PresetsBar
from qwenimg_desktop.ui.history.view import HistoryBrowser
from tests.ui.conftest import RuntimeFactory, ready_window

pytestmark = pytest.mark.gui
PASTED = ("# 标题 title\n" + "一只猫 a cat 😀 " * 20_000)[:250_000]  # 250,000 characters


def _paste(qtbot: QtBot, widget: object, text: str) -> None:
    QGuiApplication.clipboard().setText(text)
    widget.setFocus()  # type: ignore[attr-defined]
    widget.paste()  # type: ignore[attr-defined]


def _cut_to(text: str, limit: int) -> str:
    """What the editor keeps of ``text``: ``limit`` UTF-16 units, never half a pair."""
    kept, used = [], 0
    for ch in text:
        used += 2 if ord(ch) > 0xFFFF else 1
        if used > limit:
            break
        kept.append(ch)
    return "".join(kept)


def test_paste_past_the_limit_then_close_and_reopen_keeps_the_draft_up_to_the_limit(
    runtime_factory: RuntimeFactory, emulator: EmulatorServer, qtbot: QtBot,
) -> None:
    runtime = runtime_factory(emulator)
    window = ready_window(runtime, qtbot)
    seen: list[str] = []
    window.messenger.message.connect(lambda _level, text: seen.append(text))
    _paste(qtbot, window.editor.editor, PASTED)
    _paste(qtbot, window.editor.negative.edit, "模糊 blurry " * 100)
    prompt = _cut_to(PASTED, MAX_PROMPT_CHARS)
    negative = ("模糊 blurry " * 100)[:MAX_NEGATIVE_CHARS]
    assert window.draft.prompt == prompt
    assert window.draft.negative_prompt == negative
    assert window.editor.negative.counter.text() == f"{MAX_NEGATIVE_CHARS}/{MAX_NEGATIVE_CHARS}"
    assert any("The prompt holds at most 20,000 characters" in text for text in seen), seen
    assert any("The negative prompt holds at most 500 characters" in text for text in seen)
    assert "holds at most" in window.statusBar().currentMessage()
    window.editor.editor.undo()  # the paste and its cut are one step
    assert window.draft.prompt == ""
    window.editor.editor.redo()
    assert window.draft.prompt == prompt
    qtbot.wait(1_000)  # let the debounced autosave run once (it used to raise here)
    window.close()  # closeEvent flushes the draft (it used to raise here)
    runtime.close()
    draft_path = runtime.config_dir / DRAFT_FILE
    saved = load_draft(draft_path)
    assert saved is not None
    assert (saved.prompt, saved.negative_prompt) == (prompt, negative)
    reopened = ready_window(runtime_factory(emulator), qtbot)
    assert reopened.editor.editor.toPlainText() == prompt
    assert reopened.editor.negative.edit.toPlainText() == negative


def test_autosave_and_close_never_raise_when_the_draft_cannot_be_written(
    runtime_factory: RuntimeFactory, emulator: EmulatorServer, qtbot: QtBot,
) -> None:
    runtime = runtime_factory(emulator)
    window = ready_window(runtime, qtbot)
    seen: list[str] = []
    window.messenger.message.connect(lambda _level, text: seen.append(text))
    draft_path = runtime.config_dir / DRAFT_FILE
    draft_path.unlink(missing_ok=True)
    draft_path.mkdir(parents=True)  # a folder where the draft file goes: every write fails
    window.editor.editor.setPlainText("a cat")
    window.autosave.flush()
    assert any("The draft could not be saved" in text for text in seen), seen
    window.close()
    assert draft_path.is_dir()


def test_an_older_draft_longer_than_the_limit_loads_its_start(tmp_path: Path) -> None:
    path = tmp_path / DRAFT_FILE
    path.write_text(DraftSnapshot.model_construct(
        prompt="长" * 200_000, negative_prompt="n" * 600).model_dump_json(), encoding="utf-8")
    loaded = load_draft(path)
    assert loaded is not None
    assert loaded.prompt == "长" * MAX_PROMPT_CHARS
    assert loaded.negative_prompt == "n" * MAX_NEGATIVE_CHARS


def test_a_note_is_cut_to_its_limit_where_it_is_typed_and_the_store_refuses_more(
    history_store: HistoryStore, qtbot: QtBot,
) -> None:
    store = history_store
    browser = HistoryBrowser(store, os_trash=None, check_files_on_start=False)
    qtbot.addWidget(browser)
    seen: list[str] = []
    browser.message.connect(seen.append)
    _paste(qtbot, browser.detail.note, "笔记 note " * 5_000)
    assert len(browser.detail.note.toPlainText()) == MAX_NOTE_CHARS
    assert any("The note holds at most 10,000 characters" in text for text in seen), seen
    job = store.create_pending(GenerationRequest(prompt="x"), queue_base="http://127.0.0.1:1",
                               cost_estimate=0.0)
    with pytest.raises(UserError):
        store.set_note(job, "n" * (MAX_NOTE_CHARS + 1))
    assert store.set_note(job, "n" * MAX_NOTE_CHARS)
    browser.shutdown()


def test_preset_names_and_counts_are_bounded_with_a_message(qtbot: QtBot) -> None:
    settings = AppSettings()
    bar = PresetsBar(settings, Draft())
    qtbot.addWidget(bar)
    seen: list[str] = []
    bar.message.connect(seen.append)
    bar.save_preset("长" * 300)
    assert list(settings.presets) == ["长" * MAX_PRESET_NAME_CHARS]
    assert "at most 80 characters" in seen[-1]
    for i in range(MAX_PRESETS - 1):
        bar.save_preset(f"preset {i}")
    assert len(settings.presets) == MAX_PRESETS
    bar.save_preset("one too many")  # used to raise ValidationError inside the click
    assert "one too many" not in settings.presets
    assert f"already {MAX_PRESETS} presets" in seen[-1]
    bar.save_preset("preset 7")  # overwriting an existing one is still fine
    assert len(settings.presets) == MAX_PRESETS
