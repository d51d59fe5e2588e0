"""Keys mean what they say: Delete deletes History's selection (undoable) and only there, Esc
clears the focused search field, single-purpose text fields pass Tab on, and the History
commands are in a menu with their shortcuts."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMenu
from pytestqt.qtbot import QtBot

from qwenimg_desktop.core.jobs.model import JobState
from qwenimg_desktop.ui.history.view import HistoryBrowser
from qwenimg_desktop.ui.main_window import MainWindow
from tests.ui.conftest import type_prompt, wait_state


def _browser(qtbot: QtBot, win: MainWindow) -> HistoryBrowser:
    win.acts.history_tab.trigger()
    qtbot.waitUntil(lambda: win.history.browser is not None, timeout=10_000)
    browser = win.history.browser
    assert browser is not None
    return browser


def test_delete_key_deletes_the_history_selection_and_only_there(
    window: MainWindow, qtbot: QtBot
) -> None:
    type_prompt(qtbot, window, "abc")
    job_id = window.generate()
    assert job_id is not None
    wait_state(qtbot, window, job_id, JobState.completed)
    # In the prompt, Delete deletes a character, not a generation.
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=3000)
    window.editor.editor.setFocus()
    cursor = window.editor.editor.textCursor()
    cursor.setPosition(0)
    window.editor.editor.setTextCursor(cursor)
    qtbot.keyClick(window.editor.editor, Qt.Key.Key_Delete)
    assert window.editor.editor.toPlainText() == "bc"
    browser = _browser(qtbot, window)
    qtbot.waitUntil(lambda: browser.model.row_of(job_id) is not None, timeout=10_000)
    assert browser.select_job(job_id)
    window.activateWindow()  # shortcuts follow the focus of the active window
    qtbot.waitUntil(window.isActiveWindow, timeout=3000)
    browser.view.setFocus()
    qtbot.keyClick(browser.view, Qt.Key.Key_Delete)
    qtbot.waitUntil(lambda: browser.model.row_of(job_id) is None, timeout=10_000)
    assert window.history.undo()
    qtbot.waitUntil(lambda: browser.model.row_of(job_id) is not None, timeout=10_000)


def test_esc_clears_the_history_search_field(window: MainWindow, qtbot: QtBot) -> None:
    browser = _browser(qtbot, window)
    field = browser.search.text
    field.setFocus()
    qtbot.keyClicks(field, "lighthouse")
    qtbot.keyClick(field, Qt.Key.Key_Escape)
    assert field.text() == ""


def test_tab_leaves_the_note_and_negative_prompt(window: MainWindow, qtbot: QtBot) -> None:
    browser = _browser(qtbot, window)
    assert browser.detail.note.tabChangesFocus()
    assert window.editor.negative.edit.tabChangesFocus()


def test_history_commands_are_in_a_menu_with_their_shortcuts(window: MainWindow) -> None:
    menus = {menu.title(): menu for menu in window.menuBar().findChildren(QMenu)}
    history = menus["Hi&story"]
    shown = {a.text(): a.shortcut().toString() for a in history.actions() if a.text()}
    assert shown["&Delete selected generations"] == "Del"
    assert shown["&Export selected to folder…"] == "Ctrl+E"
    assert shown["&Compare the two selected"] == "Ctrl+Shift+C"
    assert "Clear &failed generations" in shown
    jobs = menus["&Jobs"]
    assert {a.text(): a.shortcut().toString() for a in jobs.actions()}[
        "&Cancel selected job"] == "Esc"


def test_compare_from_the_menu_needs_two_selected(window: MainWindow, qtbot: QtBot) -> None:
    said: list[str] = []
    window.messenger.message.connect(lambda _level, text: said.append(text))
    _browser(qtbot, window)
    window.acts.compare.trigger()
    assert any("exactly two" in text for text in said)
