"""Markdown preview safety: remote images, links, file URLs and raw HTML load and run nothing."""

from __future__ import annotations

import io
import os
from dataclasses import dataclass
from pathlib import Path

import pytest
from PIL import Image
from PySide6.QtCore import QObject, QPoint, Qt, QUrl, Slot
from PySide6.QtGui import QDesktopServices, QTextCursor, QTextDocument
from PySide6.QtTest import QTest
from pytestqt.qtbot import QtBot

from qwenimg_desktop.ui.editor.preview import MarkdownPreview
from tests.reliability.mini_queue import MiniQueue, Seen
from tests.reliability.support import record_figures

pytestmark = pytest.mark.gui


class UrlCatcher(QObject):
    """Receives every URL anything asks the desktop to open (QDesktopServices handlers)."""

    def __init__(self) -> None:
        super().__init__()
        self.opened: list[str] = []

    @Slot(QUrl)
    def open_url(self, url: QUrl) -> None:
        self.opened.append(url.toString())


def _canary(folder: Path) -> Path:
    """A real PNG whose access time is older than its mtime: any read moves it (relatime)."""
    path = folder / "secret.png"
    buf = io.BytesIO()
    Image.new("RGB", (8, 8), (255, 0, 0)).save(buf, "PNG")
    path.write_bytes(buf.getvalue())
    stat = path.stat()
    os.utime(path, ns=(stat.st_mtime_ns - 10**12, stat.st_mtime_ns))
    return path


def _reads_move_atime(folder: Path) -> bool:
    folder.mkdir(exist_ok=True)
    probe = _canary(folder)
    before = probe.stat().st_atime_ns
    probe.read_bytes()
    return probe.stat().st_atime_ns != before


def _prompt(base: str, canary: Path) -> str:
    file_url = canary.as_uri()
    return "\n".join([
        "# Title 标题",
        f"![remote]({base}/md.png) ![local]({file_url}) ![relative](secret.png)",
        "![unc](//127.0.0.1/share/x.png) ![ref][img]",
        "",
        f"A [link]({base}/link), an autolink <{base}/auto> and [ref link][lnk].",
        "",
        f'<img src="{base}/raw.png"> <img src={file_url}>',
        f'<iframe src="{base}/frame"></iframe> <link rel="stylesheet" href="{base}/css">',
        '<script>document.title = "ran"</script> <a href="javascript:alert(1)">js</a>',
        f'<style>@import url("{base}/style.css");</style>',
        "",
        f"[img]: {base}/ref.png",
        f"[lnk]: {base}/ref-link",
    ])


def _click_text(preview: MarkdownPreview, text: str) -> None:
    cursor = preview.document().find(text)
    assert not cursor.isNull(), text
    cursor.setPosition(cursor.selectionStart() + 1, QTextCursor.MoveMode.MoveAnchor)
    rect = preview.cursorRect(cursor)
    point = QPoint(rect.center().x(), rect.center().y())
    QTest.mouseClick(preview.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier(0), point)


@dataclass
class Rendered:
    """What one render of the hostile prompt did."""

    preview: MarkdownPreview
    base: str
    seen: list[Seen]
    opened: list[str]
    clicked: list[str]
    html: str
    file_read: bool
    reads_visible: bool  # whether this filesystem shows reads in access times


@pytest.fixture
def rendered(qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Rendered:
    """Render the hostile prompt, paint it, click its links; record what reached the outside."""
    monkeypatch.chdir(tmp_path)  # a relative image name would resolve next to the canary
    canary = _canary(tmp_path)
    atime = canary.stat().st_atime_ns
    catcher = UrlCatcher()
    for scheme in ("http", "https", "file", "javascript"):
        # The stub asks for bytes, but PySide6 6.11 accepts only a str method name at run time.
        QDesktopServices.setUrlHandler(scheme, catcher, "open_url")  # type: ignore[arg-type]
    clicked: list[str] = []
    try:
        with MiniQueue() as server:
            base = server.base_url
            preview = MarkdownPreview()
            qtbot.addWidget(preview)
            preview.anchorClicked.connect(lambda url: clicked.append(url.toString()))
            preview.resize(640, 480)
            preview.show()
            qtbot.waitExposed(preview)
            preview.set_markdown_later(_prompt(base, canary))
            qtbot.waitUntil(lambda: "Title" in preview.toPlainText())
            preview.grab()  # lay out and paint everything, images included
            for text in ("link", "autolink", "ref link", "js"):
                if not preview.document().find(text).isNull():
                    _click_text(preview, text)
            qtbot.wait(300)  # time for anything asynchronous to reach the server
            file_read = canary.stat().st_atime_ns != atime
            html = preview.toHtml()
    finally:
        for scheme in ("http", "https", "file", "javascript"):
            QDesktopServices.unsetUrlHandler(scheme)
    return Rendered(preview, base, list(server.seen), catcher.opened, clicked, html, file_read,
                    _reads_move_atime(tmp_path / "probe"))


def test_preview_makes_no_request_opens_no_link_and_runs_no_html(rendered: Rendered) -> None:
    preview = rendered.preview
    assert rendered.seen == []
    assert rendered.opened == []
    assert preview.source().isEmpty()
    assert preview.resource_requests >= 3  # the images were asked for, and refused
    for name in ("md.png", "ref.png"):
        url = QUrl(f"{rendered.base}/{name}")
        assert not preview.document().resource(QTextDocument.ResourceType.ImageResource, url)
    html = rendered.html.lower()
    assert "<script" not in html  # raw HTML is shown as text (escaped), never interpreted
    assert "&lt;script&gt;" in html
    assert "<iframe" not in html
    assert f'<img src="{rendered.base}/raw.png"' not in html
    assert 'href="javascript:' not in html
    assert preview.windowTitle() != "ran"
    record_figures("preview_safety", {
        "requests_to_server": len(rendered.seen), "urls_opened": len(rendered.opened),
        "resource_loads_refused": preview.resource_requests,
        "links_clicked": len(rendered.clicked), "local_file_read": rendered.file_read,
    })


def test_preview_reads_no_local_file(rendered: Rendered) -> None:
    if not rendered.reads_visible:
        pytest.skip("this filesystem does not update access times, so reads cannot be seen")
    assert not rendered.file_read, "the preview read a local file while rendering"
