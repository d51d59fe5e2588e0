"""The markdown prompt editor: plain text with highlighting, counters and an outline of headings."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

from PySide6.QtCore import QEvent, Qt, QTimer, Signal
from PySide6.QtGui import QFont, QKeyEvent, QTextCursor, QTextDocument
from PySide6.QtWidgets import QPlainTextEdit, QWidget

from qwenimg_desktop.ui.editor.highlighter import MarkdownHighlighter, heading_level
from qwenimg_desktop.ui.i18n import translate

if TYPE_CHECKING:
    from qwenimg_desktop.ui.editor.recall import PromptRecall

POPUP_KEYS: Final = frozenset({Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Tab,
                               Qt.Key.Key_Backtab, Qt.Key.Key_Escape})
"""Keys the completion popup takes while it is open."""

OUTLINE_DELAY_MS: Final = 200



@dataclass(frozen=True)
class Heading:
    """One heading of the prompt: its level, text and block (line) number."""

    level: int
    title: str
    block: int


class PromptEditor(QPlainTextEdit):
    """Plain-text markdown editing; emits counters and the outline (debounced) as text changes.

    Undo/redo, IME input and Chinese text come from QPlainTextEdit itself.
    """

    counts_changed = Signal(int, int)  # characters, lines
    outline_changed = Signal(list)  # list[Heading]

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("promptEditor")
        self.setPlaceholderText(translate(
            "PromptEditor", "Describe the image. Markdown works: ## sections, - lists, **bold**.\n"
            "Chinese and English both work."))
        self.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
        self.setTabChangesFocus(False)
        font = QFont(self.font())
        font.setPointSizeF(font.pointSizeF() * 1.05)
        self.setFont(font)
        self.highlighter = MarkdownHighlighter(self.document(), self.palette())
        self._outline: list[Heading] = []
        self.recall: PromptRecall | None = None
        """Set by :class:`~qwenimg_desktop.ui.editor.recall.PromptRecall` when attached."""
        self._outline_timer = QTimer(self)
        self._outline_timer.setSingleShot(True)
        self._outline_timer.setInterval(OUTLINE_DELAY_MS)
        self._outline_timer.timeout.connect(self.refresh_outline)
        self.textChanged.connect(self._on_text_changed)

    def __repr__(self) -> str:
        return f"<PromptEditor {self.document().characterCount() - 1} chars>"

    @property
    def outline(self) -> list[Heading]:
        return list(self._outline)

    def char_count(self) -> int:
        return len(self.toPlainText())

    def line_count(self) -> int:
        return self.document().blockCount()

    def refresh_outline(self) -> None:
        self._outline_timer.stop()
        headings: list[Heading] = []
        block = self.document().firstBlock()
        in_fence = False
        while block.isValid():
            text = block.text()
            if text.lstrip().startswith(("```", "~~~")):
                in_fence = not in_fence
            elif not in_fence and (level := heading_level(text)):
                headings.append(Heading(level, text.lstrip("#").strip(), block.blockNumber()))
            block = block.next()
        if headings != self._outline:
            self._outline = headings
            self.outline_changed.emit(list(headings))

    def jump_to_block(self, block_number: int) -> None:
        """Move the cursor to a line and scroll it to the top of the view."""
        block = self.document().findBlockByNumber(block_number)
        if not block.isValid():
            return
        cursor = QTextCursor(block)
        self.setTextCursor(cursor)
        bar = self.verticalScrollBar()
        bar.setValue(min(bar.maximum(), block_number))
        self.setFocus()

    def cursor_position(self) -> int:
        return self.textCursor().position()

    def set_cursor_position(self, position: int) -> None:
        cursor = self.textCursor()
        cursor.setPosition(max(0, min(position, self.document().characterCount() - 1)))
        self.setTextCursor(cursor)
        self.ensureCursorVisible()

    def find_text(self, needle: str, *, backward: bool = False, case: bool = False) -> bool:
        """Select the next match, wrapping around; False when the text does not occur."""
        if not needle:
            return False
        flags = QTextDocument.FindFlag(0)
        if backward:
            flags |= QTextDocument.FindFlag.FindBackward
        if case:
            flags |= QTextDocument.FindFlag.FindCaseSensitively
        if self.find(needle, flags):
            return True
        cursor = self.textCursor()
        cursor.movePosition(
            QTextCursor.MoveOperation.End if backward else QTextCursor.MoveOperation.Start
        )
        self.setTextCursor(cursor)
        return self.find(needle, flags)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        """Ctrl+Space asks for completions; while their popup is open it takes Enter, Tab and
        Escape (the completer handles them). The popup that opens by itself as you type has no
        row chosen: Enter then starts a new line as it would without it (a past line must not
        replace the one just typed), Tab takes the first suggestion, Down or Up choose one."""
        recall = self.recall
        if recall is not None:
            if recall.popup_visible() and event.key() in POPUP_KEYS:
                if not recall.has_choice() and event.key() in (Qt.Key.Key_Return,
                                                               Qt.Key.Key_Enter):
                    recall.popup.hide()
                    super().keyPressEvent(event)
                    return
                if not recall.has_choice() and event.key() == Qt.Key.Key_Tab:
                    recall.take_first()
                    event.accept()
                    return
                event.ignore()
                return
            if event.key() == Qt.Key.Key_Space and \
                    event.modifiers() & Qt.KeyboardModifier.ControlModifier:
                recall.complete()
                return
        super().keyPressEvent(event)

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange:
            self.highlighter.set_palette(self.palette())

    def _on_text_changed(self) -> None:
        self.counts_changed.emit(self.char_count(), self.line_count())
        self._outline_timer.start()
