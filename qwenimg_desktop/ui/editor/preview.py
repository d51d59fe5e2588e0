"""Read-only markdown preview: Qt's markdown parser, no HTML, no resources, links not followed."""

from __future__ import annotations

from typing import Any, Final

from PySide6.QtCore import QByteArray, QTimer, QUrl
from PySide6.QtGui import QImage, QTextDocument
from PySide6.QtWidgets import QTextBrowser, QWidget

PREVIEW_DELAY_MS: Final = 250
# GitHub dialect plus "no HTML": raw HTML in a prompt is shown as text, never interpreted.
MARKDOWN_FEATURES: Final = QTextDocument.MarkdownFeature(
    QTextDocument.MarkdownFeature.MarkdownDialectGitHub.value
    | QTextDocument.MarkdownFeature.MarkdownNoHTML.value
)


class MarkdownPreview(QTextBrowser):
    """Renders the prompt; loads no images or files and never opens links."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setOpenLinks(False)
        self.setOpenExternalLinks(False)
        self.setReadOnly(True)
        self.setObjectName("markdownPreview")
        self._pending = ""
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(PREVIEW_DELAY_MS)
        self._timer.timeout.connect(self.render_now)
        self.resource_requests = 0

    def __repr__(self) -> str:
        return f"<MarkdownPreview {len(self._pending)} chars>"

    def set_markdown_later(self, text: str) -> None:
        self._pending = text
        self._timer.start()

    def render_now(self) -> None:
        self._timer.stop()
        bar = self.verticalScrollBar()
        position = bar.value()
        self.document().setMarkdown(self._pending, MARKDOWN_FEATURES)
        bar.setValue(position)

    def loadResource(self, resource_type: int, name: QUrl | str) -> Any:
        # The default reads local files (and UNC paths on Windows): load nothing, ever. A null
        # answer would make QTextDocument fall back to reading the file itself, so answer with
        # a valid but empty resource of the asked-for kind.
        self.resource_requests += 1
        if resource_type == QTextDocument.ResourceType.ImageResource.value:
            return QImage()
        return QByteArray()
