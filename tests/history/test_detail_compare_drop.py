"""Detail pane, reuse signals and merging, compare, drag-out, drop restore, missing files."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QLabel, QWidget
from pytestqt.qtbot import QtBot

from qwenimg_desktop.core.params import GenerationRequest
from qwenimg_desktop.core.store.history import HistoryStore
from qwenimg_desktop.ui.history.compare import prompt_diff_html
from qwenimg_desktop.ui.history.drop import MetadataDropHandler
from qwenimg_desktop.ui.history.model import Role
from qwenimg_desktop.ui.history.view import HistoryBrowser
from tests.history.conftest import Clock, image_file, open_detail

MakeJob = Callable[..., str]
LONG_PROMPT = (
    "# Poster\n\n## 场景\n一只可爱的猫坐在窗台上\n\n- **bold** item\n- `code` item\n\n"
    "<b>raw html stays text</b>\n\n![remote](http://192.0.2.1/x.png) [a link](http://192.0.2.1/)"
)


def label(browser: HistoryBrowser, key: str) -> str:
    widget = browser.detail.findChild(QLabel, f"param_{key}")
    assert widget is not None, key
    return widget.text()


def test_detail_shows_everything_and_renders_markdown_safely(
    browser: HistoryBrowser, make_job: MakeJob, qtbot: QtBot,
) -> None:
    job = make_job(LONG_PROMPT, negative_prompt="模糊", images=3, seed=77,
                   image_size={"width": 1536, "height": 1024}, enable_safety_checker=False)
    open_detail(qtbot, browser, job)
    detail = browser.detail
    rendered = detail.rendered.toPlainText()
    assert "Poster" in rendered
    assert "# Poster" not in rendered  # markdown was rendered, not shown raw
    assert "<b>raw html stays text</b>" in rendered  # MarkdownNoHTML
    assert detail.rendered.openLinks() is False
    refused = detail.rendered.loadResource(2, QUrl("http://192.0.2.1/x.png"))
    assert refused is not None  # empty, not null: a null answer makes Qt read the file itself
    assert refused.isNull()
    assert detail.raw.toPlainText() == LONG_PROMPT + "\n\nNegative prompt:\n模糊"
    assert label(browser, "seed") == "77"
    assert label(browser, "image_size") == "custom 1536×1024"
    assert label(browser, "enable_safety_checker") == "off"
    assert label(browser, "negative_prompt") == "模糊"
    assert label(browser, "request_id").startswith("req-")
    assert label(browser, "inference") == "1.25 s"
    assert "loading model" in detail.logs.toPlainText()
    assert detail.image_buttons.count() == 3
    qtbot.waitUntil(detail.image_view.has_image, timeout=5000)
    assert detail.button("redownload").isHidden()


def test_failed_job_shows_its_error(browser: HistoryBrowser, make_job: MakeJob,
                                    qtbot: QtBot) -> None:
    from qwenimg_desktop.core.jobs.model import JobState

    job = make_job("will fail", state=JobState.failed)
    open_detail(qtbot, browser, job)
    assert "NSFW content detected" in browser.detail.error_label.text()
    assert label(browser, "error_type") == "RequestFailed"


@pytest.mark.parametrize(("mode", "seed"), [("exact", 1000), ("remix", None), ("prompt", None),
                                           ("params", 1000)])
def test_reuse_buttons_emit_request_and_mode(
    browser: HistoryBrowser, make_job: MakeJob, qtbot: QtBot, mode: str, seed: int | None,
) -> None:
    job = make_job("reuse me 重用", num_images=2)  # no seed requested; the server used 1000
    open_detail(qtbot, browser, job)
    with qtbot.waitSignal(browser.reuse_requested, timeout=3000) as signal:
        browser.detail.button(mode).click()
    request, emitted_mode = signal.args
    assert emitted_mode == mode
    assert isinstance(request, GenerationRequest)
    assert request.prompt == "reuse me 重用"
    assert request.num_images == 2
    if mode in ("exact", "params"):
        assert request.seed == seed


def test_compare_highlights_differences_and_syncs_zoom(
    browser: HistoryBrowser, make_job: MakeJob, qtbot: QtBot,
) -> None:
    left = make_job("line one\nline two\nline three", seed=1)
    right = make_job("line one\nline 2\nline three", seed=2, output_format="jpeg")
    view = browser.compare(left, right)
    assert view is not None
    qtbot.addWidget(view)
    assert set(view.highlighted_keys()) == {"seed_requested", "seed", "output_format"}
    html = view.prompt.toHtml()
    assert "line two" in html
    assert "line 2" in html
    qtbot.waitUntil(lambda: view.left.has_image() and view.right.has_image(), timeout=5000)
    view.left.zoom_by(2.0)
    assert view.right.zoom() == pytest.approx(view.left.zoom())
    view.right.zoom_by(1.5)
    assert view.left.zoom() == pytest.approx(view.right.zoom())
    view.left.apply_view(3.0, QPointF(10, 10))
    assert view.left.zoom() == pytest.approx(3.0)
    diff = prompt_diff_html("same\nold", "same\nnew")
    assert diff.count("#ffd7d5") == 1
    assert diff.count("#d4f4d7") == 1


def test_drag_out_carries_image_files(browser: HistoryBrowser, make_job: MakeJob,
                                      qtbot: QtBot) -> None:
    job = make_job("drag me", images=2)
    browser.model.refresh()
    qtbot.waitUntil(lambda: browser.model.row_of(job) is not None, timeout=5000)
    mime = browser.model.mimeData([browser.model.index(0)])
    paths = [Path(u.toLocalFile()) for u in mime.urls()]
    assert len(paths) == 2
    assert all(p.is_file() for p in paths)
    assert browser.model.supportedDragActions() == Qt.DropAction.CopyAction


def drop_on(widget: QWidget, path: Path) -> bool:
    """Drag ``path`` over ``widget`` and drop it, as a file manager would; True if taken."""
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path))])
    enter = QDragEnterEvent(QPoint(5, 5), Qt.DropAction.CopyAction, mime,
                            Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(widget, enter)
    if not enter.isAccepted():
        return False
    event = QDropEvent(QPointF(5, 5), Qt.DropAction.CopyAction, mime,
                       Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(widget, event)
    return event.isAccepted()


def test_dropping_an_image_restores_prompt_and_parameters(
    store: HistoryStore, make_job: MakeJob, qtbot: QtBot, tmp_path: Path,
) -> None:
    job = make_job("恢复参数 from a dropped file", output_format="webp", seed=31337,
                   negative_prompt="blur", image_size="portrait_16_9")
    record = store.get(job)
    assert record is not None
    target = QWidget()
    qtbot.addWidget(target)
    target.show()
    handler = MetadataDropHandler(target)
    handler.install(target)
    try:
        with qtbot.waitSignal(handler.reuse_requested, timeout=5000) as signal:
            assert drop_on(target, store.layout.absolute(record.images[0].path))
        request, mode = signal.args
        assert mode == "exact"
        assert request == record.request
        with qtbot.waitSignal(handler.drop_failed, timeout=5000) as failed:
            drop_on(target, image_file(tmp_path, "png"))
        assert "no generation parameters" in failed.args[0]
        text = tmp_path / "notes.txt"
        text.write_text("hello")
        assert drop_on(target, text) is False  # not an image: not taken
    finally:
        handler.shutdown()


def test_missing_files_are_badged_and_offer_redownload(
    store: HistoryStore, make_job: MakeJob, qtbot: QtBot, clock: Clock,
) -> None:
    clock.now = time.time() - 3600  # an hour old: fal still holds the result
    job = make_job("lost file")
    ok = make_job("fine file")
    record = store.get(job)
    assert record is not None
    store.layout.absolute(record.images[0].path).unlink()
    browser = HistoryBrowser(store, os_trash=None)
    qtbot.addWidget(browser)
    try:
        with qtbot.waitSignal(browser.consistency_checked, timeout=5000) as checked:
            browser.show()
        assert checked.args[0].missing_job_ids == {job}
        # What the browser keeps for the session: a flag per job, not the check's rows (at
        # 100,000 missing images those were ~46 MB of the window's memory).
        assert browser.missing == {job: True}
        qtbot.waitUntil(lambda: browser.model.row_of(job) is not None, timeout=5000)
        row = browser.model.row_of(job)
        assert row is not None
        assert browser.model.data(browser.model.index(row), Role.missing) is True
        ok_row = browser.model.row_of(ok)
        assert ok_row is not None
        assert browser.model.data(browser.model.index(ok_row), Role.missing) is False
        open_detail(qtbot, browser, job)
        assert not browser.detail.button("redownload").isHidden()
        with qtbot.waitSignal(browser.redownload_requested, timeout=3000) as asked:
            browser.detail.button("redownload").click()
        assert asked.args == [job]
        browser.file_restored(job)
        assert not browser.model.is_missing(job)
    finally:
        browser.shutdown()


def test_export_from_the_browser(browser: HistoryBrowser, make_job: MakeJob, qtbot: QtBot,
                                 tmp_path: Path) -> None:
    first = make_job("export 一")
    second = make_job("export 二", output_format="jpeg")
    browser.model.refresh()
    qtbot.waitUntil(lambda: browser.model.rowCount() == 2, timeout=5000)
    browser.view.selectAll()
    with qtbot.waitSignal(browser.curator.exported, timeout=5000) as done:
        browser.export_selected(tmp_path / "zip" / "out.zip", as_zip=True)
    assert len(done.args[0].files) == 4
    menu = browser.build_menu()
    texts = [a.text() for a in menu.actions()]
    assert "Compare" in texts
    assert "Delete 2 generation(s)" in texts
    assert {first, second} == set(browser.selected_ids())
    menu.deleteLater()


def test_compare_opens_within_the_screen_fitted_and_esc_closes_it(
    browser: HistoryBrowser, make_job: MakeJob, qtbot: QtBot,
) -> None:
    left = make_job("first", seed=1)
    right = make_job("second", seed=2)
    view = browser.compare(left, right)
    assert view is not None
    qtbot.addWidget(view)
    qtbot.waitUntil(view.isVisible, timeout=3000)
    available = view.screen().availableGeometry()
    assert available.contains(view.frameGeometry().topLeft())
    assert view.height() <= available.height()
    assert view.width() <= available.width()
    qtbot.waitUntil(lambda: view.left.has_image() and view.right.has_image(), timeout=5000)
    assert view.left.is_fitted()
    assert view.right.zoom() == pytest.approx(view.left.zoom())
    view.activateWindow()
    view.setFocus()
    QTest.keyClick(view, Qt.Key.Key_Escape)
    assert not view.isVisible()
