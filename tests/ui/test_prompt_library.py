"""The prompt library in the real window: save a selection, search, insert at the cursor, apply
whole, delete with undo; the snippet store on a real SQLite file."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtGui import QTextCursor
from pytestqt.qtbot import QtBot

from qwenimg_desktop.core.settings import ParamValues
from qwenimg_desktop.core.store.files import DataLayout
from qwenimg_desktop.core.store.history import HistoryStore
from qwenimg_desktop.core.store.library import LibraryError
from qwenimg_desktop.core.store.snippets import Snippet
from qwenimg_desktop.emulator.server import EmulatorServer
from qwenimg_desktop.ui.main_window import MainWindow
from tests.ui.conftest import RuntimeFactory, ready_window, type_text


def test_snippet_store_saves_searches_counts_and_restores(tmp_path: Path) -> None:
    with HistoryStore.open(DataLayout(tmp_path / "data").ensure()) as store:
        light = store.save_snippet(Snippet("Golden light", "## Light\n- golden hour",
                                           tags=("light", "光线")))
        cat = store.save_snippet(Snippet("猫", "一只可爱的猫", negative_prompt="blurry",
                                         params={"num_images": 2}))
        store.record_snippet_use(cat)
        assert [s.name for s in store.snippets()] == ["猫", "Golden light"]  # most used first
        assert [s.id for s in store.snippets("GOLDEN")] == [light]
        assert [s.id for s in store.snippets("光线")] == [light]
        assert [s.id for s in store.snippets("可爱 猫")] == [cat]
        saved = store.snippet(cat)
        assert saved is not None
        assert saved.params == {"num_images": 2}
        assert saved.negative_prompt == "blurry"
        store.save_snippet(Snippet("Renamed", saved.body, id=cat))
        deleted = store.delete_snippet(cat)
        assert deleted is not None
        assert store.snippet(cat) is None
        store.restore_snippet(deleted)
        back = store.snippet(cat)
        assert back is not None
        assert (back.name, back.uses) == ("Renamed", 1)
        for bad in (Snippet("", "x"), Snippet("name", "  "), Snippet("n" * 121, "x"),
                    Snippet("n", "x", negative_prompt="x" * 501)):
            with pytest.raises(LibraryError):
                store.save_snippet(bad)
        with pytest.raises(LibraryError):
            store.save_snippet(Snippet("gone", "x", id=9999))


@pytest.fixture
def win(runtime_factory: RuntimeFactory, emulator: EmulatorServer, qtbot: QtBot) -> MainWindow:
    window = ready_window(runtime_factory(emulator), qtbot)
    with qtbot.waitSignal(window.library.changed, timeout=10_000):  # the first load
        window.acts.library.setChecked(True)
    assert window.library.isVisible()
    return window


def test_save_selection_insert_at_cursor_and_apply_whole(win: MainWindow, qtbot: QtBot) -> None:
    type_text(qtbot, win.editor.editor, "## 场景\n一只猫\n## Style\nwatercolor wash")
    editor = win.editor.editor
    cursor = editor.textCursor()
    start = editor.toPlainText().index("## Style")
    cursor.setPosition(start)
    cursor.setPosition(len(editor.toPlainText()), QTextCursor.MoveMode.KeepAnchor)
    editor.setTextCursor(cursor)
    win.draft.set_params(ParamValues.model_validate({"num_images": 3}))
    dialog = win.save_selection_as_snippet()
    assert dialog.body.toPlainText() == "## Style\nwatercolor wash"
    dialog.name.setText("水彩 style")
    dialog.tags.setText("style, 水彩")
    assert not dialog.with_params.isChecked()  # a fragment: parameters only when asked
    dialog.with_params.setChecked(True)
    with qtbot.waitSignal(win.library.changed, timeout=5000):
        dialog.accept()
    assert [s.name for s in win.library.snippets] == ["水彩 style"]
    saved = win.library.snippets[0]
    assert saved.tags == ("style", "水彩")
    assert saved.params is not None
    assert saved.params["fields"]["num_images"] == 3
    # search, then insert at the cursor (one undo step)
    win.library.search.setText("watercolor")
    with qtbot.waitSignal(win.library.changed, timeout=5000):
        win.library.reload()
    assert win.library.list.count() == 1
    editor.setPlainText("first line\nsecond line")
    cursor = editor.textCursor()
    cursor.setPosition(len("first line"))
    editor.setTextCursor(cursor)
    win.library.insert_current()
    assert editor.toPlainText() == "first line## Style\nwatercolor wash\nsecond line"
    editor.undo()
    assert editor.toPlainText() == "first line\nsecond line"
    # apply whole: prompt, negative and parameters; Restore previous draft goes back
    win.draft.set_params(ParamValues.model_validate({"num_images": 1}))
    win.library.apply_current()
    assert editor.toPlainText() == "## Style\nwatercolor wash"
    assert win.draft.params.fields["num_images"] == 3
    win.restore_previous_draft()
    assert editor.toPlainText() == "first line\nsecond line"
    assert win.draft.params.fields["num_images"] == 1


def test_delete_and_undo_in_the_pane(win: MainWindow, qtbot: QtBot) -> None:
    dialog = win.save_prompt_as_snippet("a past prompt 过去", "lowres")
    dialog.name.setText("past")
    with qtbot.waitSignal(win.library.changed, timeout=5000):
        dialog.accept()
    assert win.library.snippets[0].negative_prompt == "lowres"
    assert win.library.snippets[0].params is None
    with qtbot.waitSignal(win.library.changed, timeout=5000):
        win.library.delete_current()
    assert win.library.snippets == []
    assert win.library.undo_button.isEnabled()
    with qtbot.waitSignal(win.library.changed, timeout=5000):
        win.library.undo_delete()
    assert [s.name for s in win.library.snippets] == ["past"]
    bad = win.save_prompt_as_snippet("text", "")
    bad._accept()  # no name
    assert "name" in bad.error.text()
    assert not bad.result()
    bad.close()


def test_library_export_and_import_through_the_pane(win: MainWindow, qtbot: QtBot,
                                                    tmp_path: Path) -> None:
    dialog = win.save_prompt_as_snippet("travel poster, 复古", "")
    dialog.name.setText("poster")
    with qtbot.waitSignal(win.library.changed, timeout=5000):
        dialog.accept()
    target = tmp_path / "library.json"
    with qtbot.waitSignal(win.library.message, timeout=5000) as said:
        win.library.export_to(target)
    assert "exported" in said.args[0]
    with qtbot.waitSignal(win.library.changed, timeout=5000):
        win.library.delete_current()
    with qtbot.waitSignal(win.library.changed, timeout=5000):
        win.library.import_from(target)
    assert [s.body for s in win.library.snippets] == ["travel poster, 复古"]
    (tmp_path / "bad.json").write_text("[]", encoding="utf-8")
    with qtbot.waitSignal(win.library.message, timeout=5000) as said:
        win.library.import_from(tmp_path / "bad.json")
    assert "not an export" in said.args[0]
