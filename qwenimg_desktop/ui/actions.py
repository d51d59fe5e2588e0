"""Every menu action and shortcut of the main window, in one place."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QActionGroup, QKeySequence
from PySide6.QtWidgets import QMainWindow

from qwenimg_desktop.core.settings import ThemeChoice


@dataclass
class Actions:
    """The window's QActions (connected by MainWindow)."""

    generate: QAction
    settings: QAction
    leave_demo: QAction
    quit: QAction
    undo: QAction
    redo: QAction
    cut: QAction
    copy: QAction
    paste: QAction
    select_all: QAction
    find: QAction
    restore_draft: QAction
    create_tab: QAction
    history_tab: QAction
    preview: QAction
    library: QAction
    save_snippet: QAction
    themes: dict[ThemeChoice, QAction]
    fit: QAction
    lightbox: QAction
    actual_size: QAction
    cancel: QAction
    retry: QAction
    cancel_all: QAction
    pause_sending: QAction
    run_next: QAction
    more_like_this: QAction
    cancel_batch: QAction
    delete_generations: QAction
    export_folder: QAction
    export_zip: QAction
    compare: QAction
    clear_failed: QAction
    find_duplicates: QAction
    spend: QAction
    getting_started: QAction
    about: QAction
    about_qt: QAction


def _action(window: QMainWindow, text: str,
            shortcut: QKeySequence | QKeySequence.StandardKey | str | None = None,
            tip: str = "") -> QAction:
    action = QAction(text, window)
    if shortcut is not None:
        action.setShortcut(QKeySequence(shortcut))
    if tip:
        action.setStatusTip(tip)
    return action


def build_actions(window: QMainWindow) -> Actions:
    """Create the actions and the File / Edit / View / Jobs / Help menus."""
    std = QKeySequence.StandardKey
    themes: dict[ThemeChoice, QAction] = {}
    group = QActionGroup(window)
    for choice, label in ((ThemeChoice.system, "Follow system"), (ThemeChoice.light, "Light"),
                          (ThemeChoice.dark, "Dark")):
        action = _action(window, label)
        action.setCheckable(True)
        group.addAction(action)
        themes[choice] = action
    actions = Actions(
        generate=_action(window, "&Generate", "Ctrl+Return", "Send the request (Ctrl+Enter)"),
        settings=_action(window, "&Settings…", std.Preferences, "API key and preferences"),
        leave_demo=_action(window, "&Leave demo mode", tip="Use fal with your API key again"),
        quit=_action(window, "&Quit", std.Quit),
        undo=_action(window, "&Undo", std.Undo),
        redo=_action(window, "&Redo", std.Redo),
        cut=_action(window, "Cu&t", std.Cut),
        copy=_action(window, "&Copy", std.Copy),
        paste=_action(window, "&Paste", std.Paste),
        select_all=_action(window, "Select &All", std.SelectAll),
        find=_action(window, "&Find in prompt…", std.Find),
        restore_draft=_action(window, "Restore &previous draft", "Ctrl+Shift+Backspace",
                              "Undo the last reuse of a past generation"),
        create_tab=_action(window, "&Create", "Alt+1", "The prompt editor and settings"),
        history_tab=_action(window, "&History", "Alt+2", "Every past generation, offline"),
        preview=_action(window, "Markdown &preview", "Ctrl+Shift+P"),
        library=_action(window, "Prompt &library", "Ctrl+Shift+L",
                        "Saved prompts and snippets: insert at the cursor or apply whole"),
        save_snippet=_action(window, "Save selection as &snippet…", "Ctrl+Shift+S",
                             "Keep the selected text (or the whole prompt) in the library"),
        themes=themes,
        fit=_action(window, "&Fit image", "Ctrl+0"),
        lightbox=_action(window, "Light&box", "Ctrl+L",
                         "The result large; arrow keys step through its images, Esc closes"),
        actual_size=_action(window, "&Actual size (100 %)", "Ctrl+1"),
        cancel=_action(window, "&Cancel selected job", "Esc"),
        retry=_action(window, "&Retry selected job", "Ctrl+R"),
        cancel_all=_action(window, "Cancel &all jobs", "Ctrl+Shift+Esc"),
        pause_sending=_action(window, "&Pause sending", None,
                              "Jobs not sent yet wait (also after a restart); jobs at fal go on"),
        run_next=_action(window, "Send selected job &next", None,
                         "A waiting job goes before every other waiting job"),
        cancel_batch=_action(window, "Cancel the selected job's &batch", None,
                             "Every unfinished job of its batch; waiting ones are never sent"),
        more_like_this=_action(window, "&More like this (4 new seeds)…", None,
                               "The selected job's settings again with 4 new seeds, as a batch"),
        delete_generations=_action(window, "&Delete selected generations", std.Delete,
                                   "Move them to the trash (Undo brings them back until you quit)"),
        export_folder=_action(window, "&Export selected to folder…", "Ctrl+E"),
        export_zip=_action(window, "Export selected to &zip…", "Ctrl+Shift+E"),
        compare=_action(window, "&Compare the two selected", "Ctrl+Shift+C"),
        clear_failed=_action(window, "Clear &failed generations"),
        find_duplicates=_action(window, "Find d&uplicates…"),
        spend=_action(window, "S&pend…", tip="What fal billed, per day and per endpoint"),
        getting_started=_action(window, "&Getting started"),
        about=_action(window, "&About"),
        about_qt=_action(window, "About &Qt"),
    )
    actions.generate.setShortcuts([QKeySequence("Ctrl+Return"), QKeySequence("Ctrl+Enter")])
    if not actions.settings.shortcut().toString():
        actions.settings.setShortcut(QKeySequence("Ctrl+,"))
    # Esc cancels a job only while the jobs list has focus (MainWindow adds the action to it);
    # Delete deletes generations only inside the History page: elsewhere both keys keep their
    # ordinary meaning (close the popup, delete the character).
    actions.cancel.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
    actions.delete_generations.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
    actions.preview.setCheckable(True)
    actions.library.setCheckable(True)
    bar = window.menuBar()
    file_menu = bar.addMenu("&File")
    file_menu.addActions([actions.generate, actions.settings, actions.leave_demo])
    file_menu.addSeparator()
    file_menu.addAction(actions.quit)
    edit = bar.addMenu("&Edit")
    edit.addActions([actions.undo, actions.redo])
    edit.addSeparator()
    edit.addActions([actions.cut, actions.copy, actions.paste, actions.select_all])
    edit.addSeparator()
    edit.addAction(actions.find)
    edit.addAction(actions.restore_draft)
    edit.addAction(actions.save_snippet)
    view = bar.addMenu("&View")
    view.addActions([actions.create_tab, actions.history_tab])
    view.addSeparator()
    view.addAction(actions.preview)
    view.addAction(actions.library)
    theme_menu = view.addMenu("&Theme")
    theme_menu.addActions(list(themes.values()))
    view.addSeparator()
    view.addActions([actions.fit, actions.actual_size, actions.lightbox])
    history = bar.addMenu("Hi&story")
    history.addActions([actions.export_folder, actions.export_zip, actions.compare])
    history.addSeparator()
    history.addActions([actions.delete_generations, actions.clear_failed,
                        actions.find_duplicates])
    history.addSeparator()
    history.addAction(actions.spend)
    jobs = bar.addMenu("&Jobs")
    jobs.addActions([actions.cancel, actions.retry, actions.cancel_all])
    jobs.addSeparator()
    actions.pause_sending.setCheckable(True)
    jobs.addActions([actions.pause_sending, actions.run_next, actions.cancel_batch,
                     actions.more_like_this])
    help_menu = bar.addMenu("&Help")
    help_menu.addActions([actions.getting_started, actions.about, actions.about_qt])
    return actions
