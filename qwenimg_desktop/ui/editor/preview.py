"""Read-only markdown preview of the prompt being written (delayed while the user types)."""

from __future__ import annotations

from typing import Final

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QWidget

from qwenimg_desktop.ui.i18n import translate
from qwenimg_desktop.ui.safe_text import SafeTextBrowser

PREVIEW_DELAY_MS: Final = 250


class MarkdownPreview(SafeTextBrowser):
    """Renders the prompt; loads no images or files and never opens links (see ``safe_text``)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("markdownPreview")
        self.setAccessibleName(translate("Preview", "Prompt preview"))
        self._pending = ""
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(PREVIEW_DELAY_MS)
        self._timer.timeout.connect(self.render_now)

    def __repr__(self) -> str:
        return f"<MarkdownPreview {len(self._pending)} chars>"

    def set_markdown_later(self, text: str) -> None:
        self._pending = text
        self._timer.start()

    def render_now(self) -> None:
        self._timer.stop()
        bar = self.verticalScrollBar()
        position = bar.value()
        self.set_markdown(self._pending)
        bar.setValue(position)
