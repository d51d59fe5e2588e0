"""The whole window, with a generation whose prompt, negative prompt and note are hostile text:
no widget opens the file they name, and no label in the window interprets them as HTML.

A guard for surfaces added later: any ``QLabel`` that sniffs rich text (Qt's default) and holds
text that looks like HTML, or any ``QTextBrowser`` that is not ``SafeTextBrowser``, fails it.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import Qt as QtGuiNamespace
from PySide6.QtWidgets import QApplication, QLabel, QTabWidget, QTextBrowser, QToolTip, QWidget
from pytestqt.qtbot import QtBot

from qwenimg_desktop.core.jobs.model import JobState
from qwenimg_desktop.ui.main_window import MainWindow
from qwenimg_desktop.ui.safe_text import SafeTextBrowser
from tests.history.test_rich_text_safety import SECRET, Tripwire
from tests.ui.conftest import type_prompt, wait_state

pytestmark = [
    pytest.mark.gui,
    pytest.mark.skipif(not sys.platform.startswith("linux"), reason="inotify watches the file"),
]
# Rich text by design, built only from the app's own escaped values (job ids as links).
RICH_BY_DESIGN = frozenset({"lineage"})


def _offenders() -> list[str]:
    found = []
    for widget in QApplication.allWidgets():
        if isinstance(widget, QLabel) and widget.objectName() not in RICH_BY_DESIGN:
            text = widget.text()
            if SECRET in text:
                found.append(f"label {widget.objectName()!r} shows the file's content")
            if widget.textFormat() != Qt.TextFormat.PlainText and (
                    QtGuiNamespace.mightBeRichText(text)):
                found.append(f"label {widget.objectName() or text[:40]!r} interprets HTML")
        if isinstance(widget, QTextBrowser) and not isinstance(widget, SafeTextBrowser):
            found.append(f"text browser {widget.objectName()!r} may load resources")
    return found


def _render_all(window: QWidget) -> None:
    window.grab()
    for tabs in window.findChildren(QTabWidget):
        for i in range(tabs.count()):
            tabs.setCurrentIndex(i)
            tabs.currentWidget().grab()
    for label in window.findChildren(QLabel):
        label.sizeHint()
    QApplication.processEvents()


def test_a_hostile_generation_shown_everywhere_loads_nothing_and_no_label_reads_html(
    window: MainWindow, qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)
    wire = Tripwire(tmp_path / "secret.png")
    try:
        hostile = (f'<img src="{wire.path}"> <b>bold?</b>\n# Title <img src="{wire.path.as_uri()}">'
                   f"\n![a]({wire.path}) ![r](secret.png) ![z](file:///dev/zero)")
        type_prompt(qtbot, window, hostile)
        window.editor.negative.edit.setPlainText(f'<img src="{wire.path}">')
        job = window.generate()
        assert job is not None
        wait_state(qtbot, window, job, JobState.completed)
        window.jobs.view.setCurrentIndex(window.jobs_model.index_of(job))
        window.acts.history_tab.trigger()
        qtbot.waitUntil(lambda: window.history.browser is not None, timeout=10_000)
        browser = window.history.browser
        assert browser is not None
        browser.model.refresh()
        qtbot.waitUntil(lambda: browser.model.row_of(job) is not None, timeout=10_000)
        assert browser.select_job(job)
        qtbot.waitUntil(lambda: browser.detail.record is not None, timeout=5_000)
        row = browser.model.row_of(job)
        assert row is not None
        for tip in (browser.model.data(browser.model.index(row, 0), Qt.ItemDataRole.ToolTipRole),
                    window.jobs_model.data(window.jobs_model.index_of(job),
                                           Qt.ItemDataRole.ToolTipRole)):
            QToolTip.showText(window.mapToGlobal(window.rect().center()), tip, window)
            QApplication.processEvents()
            QToolTip.hideText()
        _render_all(window)
        window.acts.create_tab.trigger()
        _render_all(window)
        assert not wire.opened(), "a widget opened the file named in the prompt"
        assert _offenders() == []
    finally:
        wire.close()
