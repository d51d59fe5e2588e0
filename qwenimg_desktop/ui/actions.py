"""Every menu action and shortcut of the main window, in one place."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QActionGroup, QKeySequence
from PySide6.QtWidgets import QMainWindow

from qwenimg_desktop.core.settings import ThemeChoice
from qwenimg_desktop.ui.i18n import LANGUAGES, SYSTEM, translate


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
    show_grid: QAction
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
    languages: dict[str, QAction]  # language setting ("" = follow system) → its menu entry


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
    for choice, label in ((ThemeChoice.system, translate("Actions", "Follow system")),
                          (ThemeChoice.light, translate("Actions", "Light")),
                          (ThemeChoice.dark, translate("Actions", "Dark"))):
        action = _action(window, label)
        action.setCheckable(True)
        group.addAction(action)
        themes[choice] = action
    languages: dict[str, QAction] = {}
    language_group = QActionGroup(window)
    for code, own_name in LANGUAGES.items():
        action = _action(window, translate("Actions", own_name) if code == SYSTEM else own_name,
                         tip=translate("Actions", "Takes effect when the app is restarted"))
        action.setCheckable(True)
        language_group.addAction(action)
        languages[code] = action
    actions = Actions(
        languages=languages,
        generate=_action(
            window,
            translate("Actions", "&Generate"),
            "Ctrl+Return",
            translate("Actions", "Send the request (Ctrl+Enter)")),
        settings=_action(
            window,
            translate("Actions", "&Settings…"),
            std.Preferences,
            translate("Actions", "API key and preferences")),
        leave_demo=_action(
            window,
            translate("Actions", "&Leave demo mode"),
            tip=translate("Actions", "Use fal with your API key again")),
        quit=_action(window, translate("Actions", "&Quit"), std.Quit),
        undo=_action(window, translate("Actions", "&Undo"), std.Undo),
        redo=_action(window, translate("Actions", "&Redo"), std.Redo),
        cut=_action(window, translate("Actions", "Cu&t"), std.Cut),
        copy=_action(window, translate("Actions", "&Copy"), std.Copy),
        paste=_action(window, translate("Actions", "&Paste"), std.Paste),
        select_all=_action(window, translate("Actions", "Select &All"), std.SelectAll),
        find=_action(window, translate("Actions", "&Find in prompt…"), std.Find),
        restore_draft=_action(
            window,
            translate("Actions", "Restore &previous draft"),
            "Ctrl+Shift+Backspace",
            translate("Actions", "Undo the last reuse of a past generation")),
        create_tab=_action(
            window,
            translate("Actions", "&Create"),
            "Alt+1",
            translate("Actions", "The prompt editor and settings")),
        history_tab=_action(
            window,
            translate("Actions", "&History"),
            "Alt+2",
            translate("Actions", "Every past generation, offline")),
        preview=_action(window, translate("Actions", "Markdown &preview"), "Ctrl+Shift+P"),
        library=_action(
            window,
            translate("Actions", "Prompt &library"),
            "Ctrl+Shift+L",
            translate("Actions",
                      "Saved prompts and snippets: insert at the cursor or apply whole")),
        save_snippet=_action(
            window,
            translate("Actions", "Save selection as &snippet…"),
            "Ctrl+Shift+S",
            translate("Actions", "Keep the selected text (or the whole prompt) in the library")),
        themes=themes,
        fit=_action(window, translate("Actions", "&Fit image"), "Ctrl+0"),
        lightbox=_action(
            window,
            translate("Actions", "Light&box"),
            "Ctrl+L",
            translate("Actions",
                      "The result large; arrow keys step through its images, Esc closes")),
        actual_size=_action(window, translate("Actions", "&Actual size (100 %)"), "Ctrl+1"),
        cancel=_action(window, translate("Actions", "&Cancel selected job"), "Esc"),
        retry=_action(window, translate("Actions", "&Retry selected job"), "Ctrl+R"),
        cancel_all=_action(window, translate("Actions", "Cancel &all jobs"), "Ctrl+Shift+Esc"),
        pause_sending=_action(
            window,
            translate("Actions", "&Pause sending"),
            None,
            translate("Actions",
                      "Jobs not sent yet wait (also after a restart); jobs at fal go on")),
        run_next=_action(
            window,
            translate("Actions", "Send selected job &next"),
            None,
            translate("Actions", "A waiting job goes before every other waiting job")),
        cancel_batch=_action(
            window,
            translate("Actions", "Cancel the selected job's &batch"),
            None,
            translate("Actions",
                      "Every unfinished job of its batch; waiting ones are never sent")),
        show_grid=_action(
            window,
            translate("Actions", "Show the selected job's batch &grid"),
            None,
            translate("Actions",
                      "Its batch's results laid out by their axes; a cell opens its generation")),
        more_like_this=_action(
            window,
            translate("Actions", "&More like this (4 new seeds)…"),
            None,
            translate("Actions",
                      "The selected job's settings again with 4 new seeds, as a batch")),
        delete_generations=_action(
            window,
            translate("Actions", "&Delete selected generations"),
            std.Delete,
            translate("Actions",
                      "Move them to the trash (Undo brings them back until you quit)")),
        export_folder=_action(
            window, translate("Actions", "&Export selected to folder…"), "Ctrl+E"),
        export_zip=_action(
            window, translate("Actions", "Export selected to &zip…"), "Ctrl+Shift+E"),
        compare=_action(window, translate("Actions", "&Compare the two selected"), "Ctrl+Shift+C"),
        clear_failed=_action(window, translate("Actions", "Clear &failed generations")),
        find_duplicates=_action(window, translate("Actions", "Find d&uplicates…")),
        spend=_action(
            window,
            translate("Actions", "S&pend…"),
            tip=translate("Actions", "What fal billed, per day and per endpoint")),
        getting_started=_action(window, translate("Actions", "&Getting started")),
        about=_action(window, translate("Actions", "&About")),
        about_qt=_action(window, translate("Actions", "About &Qt")),
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
    file_menu = bar.addMenu(translate("Actions", "&File"))
    file_menu.addActions([actions.generate, actions.settings, actions.leave_demo])
    file_menu.addSeparator()
    file_menu.addAction(actions.quit)
    edit = bar.addMenu(translate("Actions", "&Edit"))
    edit.addActions([actions.undo, actions.redo])
    edit.addSeparator()
    edit.addActions([actions.cut, actions.copy, actions.paste, actions.select_all])
    edit.addSeparator()
    edit.addAction(actions.find)
    edit.addAction(actions.restore_draft)
    edit.addAction(actions.save_snippet)
    view = bar.addMenu(translate("Actions", "&View"))
    view.addActions([actions.create_tab, actions.history_tab])
    view.addSeparator()
    view.addAction(actions.preview)
    view.addAction(actions.library)
    theme_menu = view.addMenu(translate("Actions", "&Theme"))
    theme_menu.addActions(list(themes.values()))
    language_menu = view.addMenu(translate("Actions", "&Language (after restart)"))
    language_menu.addActions(list(languages.values()))
    view.addSeparator()
    view.addActions([actions.fit, actions.actual_size, actions.lightbox])
    history = bar.addMenu(translate("Actions", "Hi&story"))
    history.addActions([actions.export_folder, actions.export_zip, actions.compare])
    history.addSeparator()
    history.addActions([actions.delete_generations, actions.clear_failed,
                        actions.find_duplicates])
    history.addSeparator()
    history.addAction(actions.spend)
    jobs = bar.addMenu(translate("Actions", "&Jobs"))
    jobs.addActions([actions.cancel, actions.retry, actions.cancel_all])
    jobs.addSeparator()
    actions.pause_sending.setCheckable(True)
    jobs.addActions([actions.pause_sending, actions.run_next, actions.cancel_batch,
                     actions.show_grid, actions.more_like_this])
    help_menu = bar.addMenu(translate("Actions", "&Help"))
    help_menu.addActions([actions.getting_started, actions.about, actions.about_qt])
    return actions
