"""Every surface that shows outside text loads no file, opens no link and interprets no HTML.

The hostile text names a watched file (absolute path, ``file://`` URL, relative name),
``file:///dev/zero`` and raw HTML; its first line is a tag, so any label or tooltip that sniffs
its text as rich text would lay it out as HTML and load the images. A Linux inotify watch on the
file sees any open by anyone, however brief: "never opened" is observed, not inferred.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import Qt as QtGuiNamespace
from PySide6.QtWidgets import (
    QApplication,
    QLabel,
    QMessageBox,
    QTabWidget,
    QTextBrowser,
    QToolTip,
    QWidget,
)
from pytestqt.qtbot import QtBot

from qwenimg_desktop.core.params import GenerationRequest
from qwenimg_desktop.core.store.history import HistoryStore
from qwenimg_desktop.ui.create.draft import Draft
from qwenimg_desktop.ui.create.jobs_model import JobsModel
from qwenimg_desktop.ui.create.result_viewer import ResultViewer
from qwenimg_desktop.ui.editor.editor_panel import EditorPanel
from qwenimg_desktop.ui.history.view import HistoryBrowser
from qwenimg_desktop.ui.safe_text import SafeTextBrowser, plain_message_box, plain_tooltip
from qwenimg_desktop.ui.workers import Workers
from tests.history.conftest import open_detail

pytestmark = [
    pytest.mark.gui,
    pytest.mark.skipif(not sys.platform.startswith("linux"), reason="inotify watches the file"),
]

MakeJob = Callable[..., str]
SECRET = "TRIPWIRE-SECRET-CONTENT"
IN_ACCESS, IN_OPEN = 0x1, 0x20


class Tripwire:
    """A readable file whose every open is recorded by the kernel (inotify)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.write_text(SECRET)
        self._libc = ctypes.CDLL(None, use_errno=True)
        self._fd = self._libc.inotify_init1(os.O_NONBLOCK | os.O_CLOEXEC)
        assert self._fd >= 0, ctypes.get_errno()
        watch = self._libc.inotify_add_watch(self._fd, os.fsencode(path), IN_OPEN | IN_ACCESS)
        assert watch >= 0, ctypes.get_errno()
        self._seen = False

    def opened(self) -> bool:
        with contextlib.suppress(BlockingIOError):
            self._seen = self._seen or bool(os.read(self._fd, 4096))
        return self._seen

    def close(self) -> None:
        os.close(self._fd)


@pytest.fixture
def tripwire(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Tripwire]:
    monkeypatch.chdir(tmp_path)  # so the relative name resolves to the watched file
    wire = Tripwire(tmp_path / "secret.png")
    yield wire
    wire.close()


def hostile(wire: Tripwire) -> str:
    """Outside text that names the watched file every way, /dev/zero, and raw HTML."""
    path = wire.path
    return "\n".join([
        f'<img src="{path}"> <b>bold?</b> <a href="{path.as_uri()}">link</a>',
        f"# Heading <img src='{path.as_uri()}'>",
        f"![abs]({path}) ![url]({path.as_uri()}) ![rel]({path.name}) ![z](file:///dev/zero)",
        '<img src="file:///dev/zero"> <script>x()</script>',
    ])


def render_everything(widget: QWidget) -> None:
    """Lay out and paint ``widget`` and everything in it, each tab page included."""
    widget.grab()
    for tabs in widget.findChildren(QTabWidget):
        for i in range(tabs.count()):
            tabs.setCurrentIndex(i)
            tabs.currentWidget().grab()
    for label in widget.findChildren(QLabel):
        label.sizeHint()
        label.grab()
    QApplication.processEvents()


def show_tooltip(qtbot: QtBot, text: str) -> None:
    """Show ``text`` as a real tooltip (laid out as Qt lays out any tooltip), then hide it."""
    anchor = QWidget()
    qtbot.addWidget(anchor)
    anchor.show()
    QToolTip.showText(anchor.mapToGlobal(QPoint(5, 5)), text, anchor)
    QApplication.processEvents()
    QToolTip.hideText()
    QApplication.processEvents()


def assert_untouched(wire: Tripwire, *widgets: QWidget) -> None:
    assert not wire.opened(), "a rich-text surface opened the file named in the text"
    for widget in widgets:
        for label in widget.findChildren(QLabel):
            assert SECRET not in label.text()
            assert not label.text() or label.textFormat() == Qt.TextFormat.PlainText, (
                f"label {label.objectName() or label.text()[:30]!r} may interpret HTML")
        for browser in widget.findChildren(QTextBrowser):
            assert isinstance(browser, SafeTextBrowser), browser
            assert SECRET not in browser.toHtml()
            assert browser.openLinks() is False
            assert browser.openExternalLinks() is False


def test_history_detail_loads_nothing_named_in_a_prompt(
    browser: HistoryBrowser, make_job: MakeJob, store: HistoryStore, tripwire: Tripwire,
    qtbot: QtBot,
) -> None:
    text = hostile(tripwire)
    job = make_job(text, negative_prompt=text.splitlines()[0])
    store.set_note(job, text)
    failed = store.create_pending(GenerationRequest(prompt=text), queue_base="http://127.0.0.1:1",
                                  cost_estimate=0.075)
    store.fail(failed, text, "RequestFailed")  # a server error message carrying the same text
    for job_id in (job, failed):
        open_detail(qtbot, browser, job_id)
        render_everything(browser.detail)
        assert_untouched(tripwire, browser.detail)
    rendered = browser.detail.rendered
    assert isinstance(rendered, SafeTextBrowser)
    assert rendered.resource_requests >= 3  # the images were asked for, and refused
    assert "<script>x()</script>" in rendered.toPlainText()  # raw HTML shown as text
    assert browser.detail.error_label.text().startswith("Error: <img")


def test_history_list_tooltip_and_compare_load_nothing(
    browser: HistoryBrowser, make_job: MakeJob, tripwire: Tripwire, qtbot: QtBot,
) -> None:
    text = hostile(tripwire)
    left, right = make_job(text), make_job(text + "\nmore")
    open_detail(qtbot, browser, left)
    row = browser.model.row_of(left)
    assert row is not None
    tip = browser.model.data(browser.model.index(row, 0), Qt.ItemDataRole.ToolTipRole)
    show_tooltip(qtbot, tip)
    compare = browser.compare(left, right)
    assert compare is not None
    qtbot.addWidget(compare)
    compare.show()
    render_everything(compare)
    assert_untouched(tripwire, compare)


def test_editor_outline_tooltip_and_labels_load_nothing(
    qtbot: QtBot, tripwire: Tripwire,
) -> None:
    panel = EditorPanel(Draft())
    qtbot.addWidget(panel)
    panel.show()
    panel.editor.setPlainText(hostile(tripwire))
    panel.preview.render_now()
    qtbot.waitUntil(lambda: panel.outline.count() > 0, timeout=3000)
    for i in range(panel.outline.count()):
        show_tooltip(qtbot, panel.outline.item(i).toolTip())
    render_everything(panel)
    assert_untouched(tripwire, panel)


def test_jobs_list_tooltip_and_result_info_load_nothing(
    qtbot: QtBot, tripwire: Tripwire,
) -> None:
    text = hostile(tripwire)
    model = JobsModel()
    request = GenerationRequest(prompt=text, negative_prompt=text.splitlines()[0])
    row = model.add_job("job-1", request)
    show_tooltip(qtbot, model.data(model.index_of("job-1"), Qt.ItemDataRole.ToolTipRole))
    viewer = ResultViewer(Workers())
    qtbot.addWidget(viewer)
    viewer.show()
    viewer.show_job(row)
    render_everything(viewer)
    assert_untouched(tripwire, viewer)


def test_message_boxes_and_tooltips_from_the_helper_show_text_literally(
    qtbot: QtBot, tripwire: Tripwire,
) -> None:
    text = hostile(tripwire)
    box = plain_message_box(QMessageBox.Icon.Warning, "t", text)
    qtbot.addWidget(box)
    box.show()
    render_everything(box)
    show_tooltip(qtbot, plain_tooltip(text))
    assert_untouched(tripwire, box)
    # Escaped rich text: the tags are shown as text.
    assert QtGuiNamespace.mightBeRichText(plain_tooltip(text))
    assert "&lt;img" in plain_tooltip(text)


def test_a_notification_quoting_the_prompt_carries_no_markup(tripwire: Tripwire) -> None:
    from qwenimg_desktop.core.jobs.model import JobState
    from qwenimg_desktop.ui.messages import job_done_text

    for state in (JobState.completed, JobState.failed):
        title, body = job_done_text(hostile(tripwire), state, 1)
        for text in (title, body):
            assert not {"<", ">", "&"} & set(text), text
    assert "‹img src=" in job_done_text('<img src="x"> & co', JobState.completed, 1)[1]
