"""The zh-CN catalog covers every menu, action and the settings dialog; View → Language is
remembered for the next start; the catalog compiles with the tool the bundle build uses."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QAbstractButton, QGroupBox, QLabel, QLineEdit, QMenu, QWidget
from pytestqt.qtbot import QtBot

from qwenimg_desktop.emulator.server import EmulatorServer
from qwenimg_desktop.ui import i18n
from qwenimg_desktop.ui.main_window import MainWindow
from tests.ui.conftest import RuntimeFactory, ready_window
from tests.ui.i18n_support import CJK, compile_translations

# Texts that are the same in every language: proper nouns and each language's own name.
SAME_IN_EVERY_LANGUAGE = {"English", "简体中文", "About &Qt"}


def test_qt_standard_buttons_are_in_the_catalog(chinese: Path, qapp: object) -> None:
    assert i18n.install(i18n.CHINESE, folder=chinese) == i18n.CHINESE
    for source in i18n.QT_STANDARD_TEXTS:
        assert CJK.search(i18n.translate("QPlatformTheme", str(source))), source


def _untranslated(texts: list[str]) -> list[str]:
    return [t for t in texts if t and not CJK.search(t) and t not in SAME_IN_EVERY_LANGUAGE]


def _menu_texts(menu: QMenu) -> list[str]:
    texts = [menu.title()]
    for action in menu.actions():
        if action.isSeparator():
            continue
        sub = action.menu()
        if isinstance(sub, QMenu):
            texts += _menu_texts(sub)
        else:
            texts += [action.text(), action.statusTip()]
    return texts


def _widget_texts(root: QWidget) -> list[str]:
    texts = [root.windowTitle()]
    for widget in root.findChildren(QWidget):
        if not widget.isVisible():
            continue
        if isinstance(widget, QAbstractButton):
            texts.append(widget.text())
        elif isinstance(widget, QGroupBox):
            texts.append(widget.title())
        elif isinstance(widget, QLineEdit):
            texts.append(widget.placeholderText())
        elif isinstance(widget, QLabel):
            texts.append(widget.text())
    return texts


def _window(runtime_factory: RuntimeFactory, emulator: EmulatorServer,
            qtbot: QtBot) -> MainWindow:
    return ready_window(runtime_factory(emulator), qtbot)


def test_installs_only_a_present_catalog(tmp_path: Path, qapp: object) -> None:
    assert i18n.install(i18n.CHINESE, folder=tmp_path) == i18n.ENGLISH  # no .qm: English
    assert i18n.install(i18n.ENGLISH) == i18n.ENGLISH
    compile_translations(tmp_path)
    assert i18n.install(i18n.CHINESE, folder=tmp_path) == i18n.CHINESE
    assert i18n.translate("Actions", "&File") == "文件(&F)"
    assert i18n.install(i18n.ENGLISH) == i18n.ENGLISH
    assert i18n.translate("Actions", "&File") == "&File"


@pytest.mark.usefixtures("chinese")
def test_every_menu_and_action_is_translated(
    runtime_factory: RuntimeFactory, emulator: EmulatorServer, qtbot: QtBot
) -> None:
    win = _window(runtime_factory, emulator, qtbot)
    texts: list[str] = []
    for action in win.menuBar().actions():
        menu = action.menu()
        assert isinstance(menu, QMenu)
        texts += _menu_texts(menu)
    assert len(texts) > 60
    assert _untranslated([t for t in texts if t]) == []


@pytest.mark.usefixtures("chinese")
def test_settings_dialog_is_translated(
    runtime_factory: RuntimeFactory, emulator: EmulatorServer, qtbot: QtBot
) -> None:
    win = _window(runtime_factory, emulator, qtbot)
    dialog = win.open_settings()
    qtbot.waitUntil(dialog.isVisible, timeout=5000)
    qtbot.waitUntil(lambda: not dialog.is_busy(), timeout=10_000)
    assert _untranslated(_widget_texts(dialog)) == []


def test_language_choice_is_saved_for_next_start(
    runtime_factory: RuntimeFactory, emulator: EmulatorServer, qtbot: QtBot
) -> None:
    runtime = runtime_factory(emulator)
    win = ready_window(runtime, qtbot)
    assert win.acts.languages[i18n.SYSTEM].isChecked()
    win.acts.languages[i18n.CHINESE].trigger()
    assert runtime.settings.language == i18n.CHINESE
    assert win.acts.languages[i18n.CHINESE].isChecked()
    assert "restart" in win.statusBar().currentMessage()
    assert isinstance(win.acts.languages[i18n.ENGLISH], QAction)


@pytest.mark.usefixtures("chinese")
def test_jobs_list_buttons_and_states_are_translated(
    runtime_factory: RuntimeFactory, emulator: EmulatorServer, qtbot: QtBot
) -> None:
    from qwenimg_desktop.core.jobs.model import JobState
    from qwenimg_desktop.ui import messages

    win = _window(runtime_factory, emulator, qtbot)
    panel = win.jobs
    texts = [panel.cancel_button.text(), panel.retry_button.text(),
             panel.redownload_button.text(), panel.cancel_all_button.text(),
             panel.clear_button.text(), panel.log_view.placeholderText(),
             panel.count_label.text()]
    texts += [messages.state_name(state) for state in JobState]
    assert _untranslated(texts) == []


CATALOG = Path(__file__).resolve().parents[2] / "resources" / "i18n" / "qwenimg_zh_CN.ts"
_FIELD = re.compile(r"\{[a-z_]*\}")
_MNEMONIC = re.compile(r"&(?!&)\w")


def _messages(ts: Path) -> list[tuple[str, str, str | None, str | None]]:
    """(context, source, translation, its type) of every message of a Linguist file."""
    out = []
    for context in ET.parse(ts).getroot().iter("context"):
        name = context.findtext("name") or ""
        for message in context.iter("message"):
            translation = message.find("translation")
            assert translation is not None
            out.append((name, message.findtext("source") or "", translation.text,
                        translation.get("type")))
    return out


def test_every_catalog_message_has_a_chinese_translation() -> None:
    """No unfinished or empty entry; the same {fields} (``str.format`` would raise
    otherwise) and the menu mnemonic kept."""
    problems = []
    for context, source, text, kind in _messages(CATALOG):
        where = f"{context}: {source[:60]!r}"
        if kind in ("unfinished", "vanished", "obsolete") or not text:
            problems.append(f"{where} is not translated ({kind})")
            continue
        if sorted(_FIELD.findall(source)) != sorted(_FIELD.findall(text)):
            problems.append(f"{where}: fields differ in {text!r}")
        if _MNEMONIC.search(source) and not _MNEMONIC.search(text):
            problems.append(f"{where}: mnemonic lost in {text!r}")
    assert len(_messages(CATALOG)) > 500
    assert problems == []


def test_catalog_holds_every_marked_string(tmp_path: Path) -> None:
    """pyside6-lupdate over the UI finds no string the committed catalog lacks: a new
    ``translate(...)`` without its translation fails here (update with the command in
    docs/architecture.md)."""
    copy = tmp_path / CATALOG.name
    shutil.copyfile(CATALOG, copy)
    lupdate = Path(sys.executable).with_name("pyside6-lupdate")
    ui = Path(i18n.__file__).resolve().parent
    subprocess.run([str(lupdate), "-extensions", "py", "-no-obsolete", "-locations", "none",
                    str(ui), "-ts", str(copy)], check=True, capture_output=True)
    new = [(context, source) for context, source, _text, kind in _messages(copy)
           if kind == "unfinished"]
    assert new == []
    assert len(_messages(copy)) == len(_messages(CATALOG))  # nothing marked went away either


def test_the_built_catalog_matches_the_source(tmp_path: Path) -> None:
    """The .qm the app loads (built by the setup script and the bundle build, not committed)
    is what the committed .ts compiles to: a stale one would show old wording."""
    built = CATALOG.with_suffix(".qm")
    assert built.is_file(), "run ./scripts/setup.sh (or python packaging/translations.py)"
    fresh = compile_translations(tmp_path)
    assert [path.read_bytes() for path in fresh if path.name == built.name] == \
        [built.read_bytes()], "stale: run python packaging/translations.py"


def test_a_change_refused_while_the_history_is_checked_is_said_in_chinese(
        chinese: Path, qapp: object, tmp_path: Path) -> None:
    from qwenimg_desktop.core.store.db import HistoryNotChecked
    from qwenimg_desktop.core.store.files import DataLayout
    from qwenimg_desktop.core.store.history import HistoryStore
    from qwenimg_desktop.ui.history.curation import _message

    layout = DataLayout(tmp_path / "data")
    HistoryStore.open(layout).close()
    early = HistoryStore.open_before_check(layout)
    assert early is not None
    try:
        with pytest.raises(HistoryNotChecked) as refused:
            early.require_writable()
    finally:
        early.close()
    assert i18n.install(i18n.CHINESE, folder=chinese) == i18n.CHINESE
    text = _message(refused.value)
    assert not _untranslated([text]), text
    assert "历史记录" in text
