"""Ratings, tags and collections in the history window, offscreen on a real SQLite file."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QItemSelectionModel, QMimeData, QPointF, Qt
from PySide6.QtGui import QDropEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QMenu
from pytestqt.qtbot import QtBot

from qwenimg_desktop.core.store.history import HistoryStore
from qwenimg_desktop.ui.history.collections_sidebar import JOB_IDS_MIME, job_ids_from_mime
from qwenimg_desktop.ui.history.model import Role
from qwenimg_desktop.ui.history.tag_editor import TagEditor
from qwenimg_desktop.ui.history.view import HistoryBrowser

MakeJob = Callable[..., str]


def shown(browser: HistoryBrowser) -> list[str]:
    return [browser.model.job_id(r) or "" for r in range(browser.model.rowCount())]


def reload(qtbot: QtBot, browser: HistoryBrowser, **changes: Any) -> list[str]:
    """Apply filter widget changes, then wait for the new listing."""
    generation = browser.model.generation
    for name, value in changes.items():
        widget = getattr(browser.search, name)
        if name == "tags":
            widget.setText(value)
        else:
            widget.setCurrentIndex(widget.findData(value))
    browser.search.emit_now()
    qtbot.waitUntil(lambda: browser.model.generation > generation
                    and not browser.model.loading, timeout=5000)
    return shown(browser)


def select(browser: HistoryBrowser, job_ids: list[str]) -> None:
    selection = browser.view.selectionModel()
    selection.clearSelection()
    for job_id in job_ids:
        row = browser.model.row_of(job_id)
        assert row is not None
        selection.select(browser.model.index(row), QItemSelectionModel.SelectionFlag.Select)
    browser.view.setFocus()


def test_number_keys_rate_the_selection_and_zero_clears(
        store: HistoryStore, make_job: MakeJob, qtbot: QtBot
) -> None:
    a, b, c = make_job("a"), make_job("b"), make_job("c")
    made = HistoryBrowser(store, os_trash=None, check_files_on_start=False)
    qtbot.addWidget(made)
    made.show()
    qtbot.waitUntil(lambda: made.model.rowCount() == 3, timeout=5000)
    try:
        select(made, [a, b])
        qtbot.waitUntil(made.view.hasFocus, timeout=2000)
        QTest.keyClick(made.view, Qt.Key.Key_4)
        made.curator.wait()
        qtbot.waitUntil(lambda: store.ratings([a, b, c]) == {a: 4, b: 4}, timeout=5000)
        row = made.model.row_of(a)
        assert row is not None
        qtbot.waitUntil(lambda: made.model.index(row).data(Role.rating) == 4, timeout=5000)
        select(made, [a])
        QTest.keyClick(made.view, Qt.Key.Key_0)
        qtbot.waitUntil(lambda: store.ratings([a, b]) == {b: 4}, timeout=5000)
        # typing a digit into the search box never rates anything
        made.search.text.setFocus()
        QTest.keyClick(made.search.text, Qt.Key.Key_5)
        made.curator.wait()
        assert store.ratings([a, b, c]) == {b: 4}
        assert made.search.text.text() == "5"
    finally:
        made.shutdown()


def test_tag_editor_adds_and_removes_on_many_and_filters_by_tag(
        store: HistoryStore, make_job: MakeJob, qtbot: QtBot) -> None:
    a, b, c = make_job("red cat"), make_job("blue cat"), make_job("green dog")
    store.add_tags([a, b], ["猫", "old"])
    store.add_tags([a], ["only a"])
    store.set_rating([a], 5)
    browser = HistoryBrowser(store, os_trash=None, check_files_on_start=False)
    qtbot.addWidget(browser)
    browser.show()
    qtbot.waitUntil(lambda: browser.model.rowCount() == 3, timeout=5000)
    try:
        qtbot.waitUntil(lambda: "猫" in browser.search.tag_completer.tags(), timeout=5000)
        select(browser, [a, b])
        editor = browser.tag_editor_for_selection()
        assert isinstance(editor, TagEditor)
        assert editor.edit.text() == "old, 猫"  # shared tags only; "only a" is not shown
        editor.edit.setText("猫，水彩 , new tag")
        assert editor.changes() == (["水彩", "new tag"], ["old"])
        with qtbot.waitSignal(browser.library_refreshed, timeout=5000):
            browser.apply_tag_editor(editor)
        assert store.tags_of([a, b, c]) == {a: ["new tag", "only a", "水彩", "猫"],
                                            b: ["new tag", "水彩", "猫"]}
        assert "水彩" in browser.search.tag_completer.tags()
        assert "old" not in browser.search.tag_completer.tags()
        assert browser.select_job(a)
        qtbot.waitUntil(lambda: "水彩" in browser.detail.library_label.text(), timeout=5000)
        assert browser.detail.library_label.text() == (
            "★★★★★  ·  tags: new tag, only a, 水彩, 猫")
        assert reload(qtbot, browser, tags="水彩") == [b, a]
        assert reload(qtbot, browser, tags="水彩, only a", tag_match=True) == [a]
        assert reload(qtbot, browser, tags="", tag_match=False, rating=5) == [a]
        assert reload(qtbot, browser, rating=0) == [c, b]
        completer = editor.completer  # Chinese tags complete from any character of the name
        completer.set_tags(["水彩", "水墨画", "cat", "山水"])
        editor.edit.setText("night, 水")
        completer.setCompletionPrefix(completer.splitPath(editor.edit.text())[0])
        assert completer.completionCount() == 3
        completer.setCompletionPrefix("墨")
        assert completer.currentCompletion() == "night, 水墨画, "  # earlier tags kept
        bad = TagEditor([], [], 1)
        bad.edit.setText("x" * 80)
        bad._accept()
        assert "64" in bad.error.text()
        assert not bad.result()
    finally:
        browser.shutdown()


def test_collections_sidebar_counts_drop_filter_rename_delete(
        store: HistoryStore, make_job: MakeJob, qtbot: QtBot) -> None:
    a, b, c = make_job("a"), make_job("b"), make_job("c")
    trip = store.create_collection("旅行")
    store.add_to_collection(trip, [a])
    browser = HistoryBrowser(store, os_trash=None, check_files_on_start=False)
    qtbot.addWidget(browser)
    browser.show()
    qtbot.waitUntil(lambda: browser.sidebar.list.count() == 2, timeout=5000)
    try:
        sidebar = browser.sidebar
        assert sidebar.list.item(0).text() == "All generations  (3)"
        assert sidebar.list.item(1).text() == "旅行  (1)"
        # tiles dragged from the gallery carry job ids; dropping them onto the collection adds
        rows = [browser.model.row_of(j) for j in (b, c)]
        data = browser.model.mimeData([browser.model.index(r) for r in rows if r is not None])
        assert job_ids_from_mime(data) == [b, c]
        target = sidebar.list.visualItemRect(sidebar.list.item(1)).center()
        drop = QDropEvent(QPointF(target), Qt.DropAction.CopyAction, data,
                          Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
        with qtbot.waitSignal(browser.library_refreshed, timeout=5000):
            sidebar.list.dropEvent(drop)
        assert sidebar.list.item(1).text() == "旅行  (3)"
        bogus = QMimeData()
        bogus.setData(JOB_IDS_MIME, b"../../etc/passwd\nnot-an-id")
        assert job_ids_from_mime(bogus) == []
        # choosing the collection filters the gallery
        store.remove_from_collection(trip, [b])
        generation = browser.model.generation
        sidebar.list.setCurrentRow(1)
        qtbot.waitUntil(lambda: browser.model.generation > generation
                        and not browser.model.loading, timeout=5000)
        assert shown(browser) == [c, a]
        with qtbot.waitSignal(browser.library_refreshed, timeout=5000):
            browser.curator.rename_collection(trip, "Trip 2024")
        assert sidebar.list.item(1).text() == "Trip 2024  (2)"
        assert sidebar.current_collection() == trip
        generation = browser.model.generation
        with qtbot.waitSignal(browser.library_refreshed, timeout=5000):
            browser.curator.delete_collection(trip)
        assert sidebar.list.count() == 1
        qtbot.waitUntil(lambda: browser.model.generation > generation
                        and not browser.model.loading, timeout=5000)
        assert shown(browser) == [c, b, a]  # the generations stay
    finally:
        browser.shutdown()


def test_collection_export_reuses_the_export_code(store: HistoryStore, make_job: MakeJob,
                                                  qtbot: QtBot, tmp_path: Any) -> None:
    a = make_job("keep 保留")
    make_job("other")
    picks = store.create_collection("picks")
    store.add_to_collection(picks, [a])
    browser = HistoryBrowser(store, os_trash=None, check_files_on_start=False)
    qtbot.addWidget(browser)
    try:
        with qtbot.waitSignal(browser.curator.exported, timeout=5000) as blocker:
            browser.curator.export_collection(picks, tmp_path / "picks.zip", as_zip=True)
        result = blocker.args[0]
        assert result.destination == tmp_path / "picks.zip"
        assert len(result.files) == 2  # one image and its sidecar: only the member
        assert "keep-保留" in result.files[0]
        assert all("other" not in name for name in result.files)
    finally:
        browser.shutdown()


def test_context_menu_offers_rating_tags_and_collections(
        store: HistoryStore, make_job: MakeJob, qtbot: QtBot) -> None:
    a = make_job("a")
    store.create_collection("Work")
    browser = HistoryBrowser(store, os_trash=None, check_files_on_start=False)
    qtbot.addWidget(browser)
    browser.show()
    qtbot.waitUntil(lambda: browser.sidebar.list.count() == 2 and browser.model.rowCount() == 1,
                    timeout=5000)
    try:
        select(browser, [a])
        menu = browser.build_menu()
        titles = [action.text() for action in menu.actions()]
        assert {"Rating", "Tags…", "Add to collection"} <= set(titles)
        into = next(act.menu() for act in menu.actions() if act.text() == "Add to collection")
        assert isinstance(into, QMenu)
        work = next(act for act in into.actions() if act.text() == "Work")
        with qtbot.waitSignal(browser.library_refreshed, timeout=5000):
            work.trigger()
        assert store.collections_of([a]) == {a: ["Work"]}
    finally:
        browser.shutdown()
