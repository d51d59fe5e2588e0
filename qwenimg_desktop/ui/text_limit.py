"""A length limit on a text editor, enforced where the text comes in, with a message.

Each text field has one limit, defined once next to its model (``core.params`` for the prompts,
``core.store.records`` for notes). ``QPlainTextEdit`` has no maximum length, so without this a
paste of 250,000 characters was taken by the editor and only refused later, by the draft model,
inside autosave and close. :class:`TextLimit` cuts whatever part of an insertion (typed, pasted,
dropped, set by code) would go past the limit, in the same undo step, and emits one sentence
saying how much was left out; text already in the editor is never touched.

Lengths are counted as the editor counts them (UTF-16 units), which is never less than the
number of characters Python and pydantic count, so text within this limit is within the model's.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QTextCursor
from PySide6.QtWidgets import QPlainTextEdit

from qwenimg_desktop.ui.i18n import translate


def utf16_length(text: str) -> int:
    """Length of ``text`` as Qt counts it (characters outside the BMP count twice)."""
    return len(text) + sum(1 for ch in text if ord(ch) > 0xFFFF)


def cut_to_utf16(text: str, room: int) -> str:
    """The longest start of ``text`` that fits in ``room`` UTF-16 units (never half a pair)."""
    used = 0
    for i, ch in enumerate(text):
        used += 2 if ord(ch) > 0xFFFF else 1
        if used > room:
            return text[:i]
    return text


class TextLimit(QObject):
    """Keeps ``edit`` at most ``limit`` characters long.

    Signals:
        cut(str): a sentence for the user when an insertion was shortened.
    """

    cut = Signal(str)

    def __init__(self, edit: QPlainTextEdit, limit: int, what: str) -> None:
        super().__init__(edit)
        self._edit = edit
        self._limit = limit
        self._what = what
        self._busy = False
        edit.document().contentsChange.connect(self._on_change)

    def __repr__(self) -> str:
        return f"<TextLimit {self._what} {self._limit}>"

    @property
    def limit(self) -> int:
        return self._limit

    def _on_change(self, position: int, _removed: int, added: int) -> None:
        if self._busy or added <= 0:
            return
        document = self._edit.document()
        total = document.characterCount() - 1  # without the final paragraph separator
        over = total - self._limit
        if over <= 0:
            return
        cursor = QTextCursor(document)
        end = min(position + added, total)
        cursor.setPosition(position)
        cursor.setPosition(end, QTextCursor.MoveMode.KeepAnchor)
        inserted = cursor.selectedText().replace("\u2029", "\n")
        kept = cut_to_utf16(inserted, max(0, utf16_length(inserted) - over))
        self._busy = True
        try:
            cursor.joinPreviousEditBlock()  # undo removes the paste and the cut together
            cursor.insertText(kept)
            cursor.endEditBlock()
        finally:
            self._busy = False
        left_out = utf16_length(inserted) - utf16_length(kept)
        said = (translate("TextLimit", "The {what} holds at most {limit} characters: 1 character "
                          "of the text you added was left out.") if left_out == 1
                else translate("TextLimit", "The {what} holds at most {limit} characters: {count} "
                               "characters of the text you added were left out."))
        self.cut.emit(said.format(what=self._what, limit=f"{self._limit:,}",
                                  count=f"{left_out:,}"))
