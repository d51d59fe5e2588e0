"""Editor panel: outline, prompt editor with find bar and counters, preview, negative prompt."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from qwenimg_desktop.core.params import MAX_NEGATIVE_CHARS, MAX_PROMPT_CHARS
from qwenimg_desktop.ui.create.draft import Draft, Validation
from qwenimg_desktop.ui.editor.find_bar import FindBar
from qwenimg_desktop.ui.editor.preview import MarkdownPreview
from qwenimg_desktop.ui.editor.prompt_editor import Heading, PromptEditor
from qwenimg_desktop.ui.i18n import translate
from qwenimg_desktop.ui.safe_text import heading_label, plain_label, plain_tooltip
from qwenimg_desktop.ui.text_limit import TextLimit

BLOCK_ROLE = Qt.ItemDataRole.UserRole + 1


class NegativePromptBox(QWidget):
    """Negative prompt with a live 'x/500' counter; it never holds more than the limit."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        title = heading_label(translate("EditorPanel", "Negative prompt"), self)
        self.counter = plain_label(f"0/{MAX_NEGATIVE_CHARS}", self)
        self.counter.setObjectName("negativeCounter")
        self.edit = QPlainTextEdit(self)
        self.edit.setObjectName("negativePrompt")
        self.edit.setPlaceholderText(translate(
            "EditorPanel", "What to keep out of the image (optional)"))
        self.edit.setTabChangesFocus(True)
        self.edit.setFixedHeight(self.fontMetrics().lineSpacing() * 3 + 14)
        self.limit = TextLimit(self.edit, MAX_NEGATIVE_CHARS,
                               translate("EditorPanel", "negative prompt"))
        self.error = plain_label("", self)
        self.error.setObjectName("fieldError")
        self.error.setWordWrap(True)
        self.error.hide()
        header = QHBoxLayout()
        header.addWidget(title)
        header.addStretch(1)
        header.addWidget(self.counter)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(header)
        layout.addWidget(self.edit)
        layout.addWidget(self.error)
        self.edit.textChanged.connect(self._count)

    def _count(self) -> None:
        length = len(self.edit.toPlainText())
        self.counter.setText(f"{length}/{MAX_NEGATIVE_CHARS}")
        self.counter.setProperty("over", length > MAX_NEGATIVE_CHARS)
        self.counter.setStyleSheet("color: #d33; font-weight: bold;" if length > MAX_NEGATIVE_CHARS
                                   else "")

    def show_error(self, text: str) -> None:
        self.error.setText(text)
        self.error.setVisible(bool(text))


class EditorPanel(QWidget):
    """Everything for writing the prompt; writes into the Draft and shows its prompt errors.

    Signals:
        preview_toggled(bool): the preview was shown or hidden.
        limit_reached(str): text was cut to a field's length limit (a sentence for the user).
    """

    preview_toggled = Signal(bool)
    limit_reached = Signal(str)

    def __init__(self, draft: Draft, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._draft = draft
        self.editor = PromptEditor(self)
        self.preview = MarkdownPreview(self)
        self.find_bar = FindBar(self.editor, self)
        self.outline = QListWidget(self)
        self.outline.setObjectName("outline")
        self.outline.setToolTip(translate(
            "EditorPanel", "Headings of the prompt: click to jump to a section"))
        self.outline.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.outline.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.outline.setUniformItemSizes(True)
        self.counts = plain_label(translate("EditorPanel", "0 characters · 1 line"), self)
        self.counts.setObjectName("promptCounts")
        self.prompt_error = plain_label("", self)
        self.prompt_error.setObjectName("fieldError")
        self.prompt_error.hide()
        self.negative = NegativePromptBox(self)
        self.limit = TextLimit(self.editor, MAX_PROMPT_CHARS, translate("EditorPanel", "prompt"))
        self.limit.cut.connect(self.limit_reached)
        self.negative.limit.cut.connect(self.limit_reached)
        self._build()
        self.editor.counts_changed.connect(self._show_counts)
        self.editor.outline_changed.connect(self._show_outline)
        self.editor.textChanged.connect(self._on_prompt_changed)
        self.negative.edit.textChanged.connect(
            lambda: draft.set_negative_prompt(self.negative.edit.toPlainText())
        )
        self.outline.itemActivated.connect(self._jump)
        self.outline.itemClicked.connect(self._jump)
        draft.validated.connect(self.show_validation)

    def _build(self) -> None:
        outline_box = QWidget(self)
        outline_layout = QVBoxLayout(outline_box)
        outline_layout.setContentsMargins(0, 0, 0, 0)
        outline_layout.addWidget(heading_label(translate("EditorPanel", "Outline"), outline_box))
        outline_layout.addWidget(self.outline)
        write_box = QWidget(self)
        write_layout = QVBoxLayout(write_box)
        write_layout.setContentsMargins(0, 0, 0, 0)
        header = QHBoxLayout()
        header.addWidget(heading_label(translate("EditorPanel", "Prompt"), write_box))
        header.addStretch(1)
        header.addWidget(self.counts)
        write_layout.addLayout(header)
        self._write_layout = write_layout
        write_layout.addWidget(self.editor, 1)
        write_layout.addWidget(self.find_bar)
        write_layout.addWidget(self.prompt_error)
        preview_box = QWidget(self)
        preview_layout = QVBoxLayout(preview_box)
        preview_layout.setContentsMargins(0, 0, 0, 0)
        preview_layout.addWidget(heading_label(translate("EditorPanel", "Preview"), preview_box))
        preview_layout.addWidget(self.preview, 1)
        self.preview_box = preview_box
        self.splitter = QSplitter(Qt.Orientation.Horizontal, self)
        self.splitter.setObjectName("editorSplitter")
        self.splitter.setChildrenCollapsible(False)
        for widget in (outline_box, write_box, preview_box):
            self.splitter.addWidget(widget)
        self.splitter.setStretchFactor(0, 0)
        self.splitter.setStretchFactor(1, 3)
        self.splitter.setStretchFactor(2, 2)
        self.splitter.setSizes([190, 520, 340])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.splitter, 1)
        layout.addWidget(self.negative)

    def add_above_prompt(self, widget: QWidget) -> None:
        """Show ``widget`` right above the prompt (the edit's reference images)."""
        self._write_layout.insertWidget(1, widget)

    def set_preview_visible(self, visible: bool) -> None:
        self.preview_box.setVisible(visible)
        if visible:
            self.preview.set_markdown_later(self.editor.toPlainText())
        self.preview_toggled.emit(visible)

    def load(self, prompt: str, negative: str, cursor: int = 0) -> None:
        self.editor.setPlainText(prompt)
        self.negative.edit.setPlainText(negative)
        self.editor.set_cursor_position(cursor)
        self.editor.refresh_outline()
        self.preview.set_markdown_later(prompt)

    def show_validation(self, result: Validation) -> None:
        prompt_error = result.errors.get("prompt", "")
        # An empty prompt is the normal starting state: no red text for it.
        shown = "" if not self.editor.toPlainText() else prompt_error
        self.prompt_error.setText(shown)
        self.prompt_error.setVisible(bool(shown))
        self.negative.show_error(result.errors.get("negative_prompt", ""))

    def _on_prompt_changed(self) -> None:
        text = self.editor.toPlainText()
        self._draft.set_prompt(text)
        if self.preview_box.isVisible():
            self.preview.set_markdown_later(text)

    def _show_counts(self, chars: int, lines: int) -> None:
        chars_text = (translate("EditorPanel", "1 character") if chars == 1
                      else translate(
                          "EditorPanel", "{count} characters").format(count=f"{chars:,}"))
        lines_text = (translate("EditorPanel", "1 line") if lines == 1
                      else translate("EditorPanel", "{count} lines").format(count=f"{lines:,}"))
        self.counts.setText(f"{chars_text} · {lines_text}")

    def _show_outline(self, headings: list[Heading]) -> None:
        self.outline.clear()
        top = min((heading.level for heading in headings), default=1)
        for heading in headings:
            item = QListWidgetItem("   " * (heading.level - top) + heading.title)
            item.setData(BLOCK_ROLE, heading.block)
            item.setToolTip(plain_tooltip(heading.title))
            self.outline.addItem(item)

    def _jump(self, item: QListWidgetItem) -> None:
        self.editor.jump_to_block(int(item.data(BLOCK_ROLE)))
