"""The find bar under the prompt editor: search forward/backward, match case, close with Esc."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QLineEdit, QToolButton, QWidget

from qwenimg_desktop.ui.editor.prompt_editor import PromptEditor
from qwenimg_desktop.ui.i18n import translate
from qwenimg_desktop.ui.safe_text import plain_label


class FindBar(QWidget):
    """Searches the prompt editor; hidden until Ctrl+F."""

    closed = Signal()

    def __init__(self, editor: PromptEditor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._editor = editor
        self.field = QLineEdit(self)
        self.field.setPlaceholderText(translate("FindBar", "Find in prompt"))
        self.field.setClearButtonEnabled(True)
        self.case = QCheckBox(translate("FindBar", "Match case"), self)
        self.status = plain_label("", self)
        self.status.setObjectName("findStatus")
        previous = QToolButton(self)
        previous.setText("↑")
        previous.setToolTip(translate("FindBar", "Previous match"))
        following = QToolButton(self)
        following.setText("↓")
        following.setToolTip(translate("FindBar", "Next match (Enter)"))
        close = QToolButton(self)
        close.setText("✕")
        close.setToolTip(translate("FindBar", "Close (Esc)"))
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 2, 0, 2)
        for widget in (self.field, previous, following, self.case, self.status):
            layout.addWidget(widget)
        layout.addStretch(1)
        layout.addWidget(close)
        self.field.returnPressed.connect(self.find_next)
        self.field.textChanged.connect(lambda _text: self.find_next())
        previous.clicked.connect(self.find_previous)
        following.clicked.connect(self.find_next)
        close.clicked.connect(self.close_bar)
        self.hide()

    def open_bar(self) -> None:
        selected = self._editor.textCursor().selectedText()
        if selected and "\u2029" not in selected:
            self.field.setText(selected)
        self.show()
        self.field.setFocus()
        self.field.selectAll()

    def close_bar(self) -> None:
        self.hide()
        self._editor.setFocus()
        self.closed.emit()

    def find_next(self) -> bool:
        return self._find(backward=False)

    def find_previous(self) -> bool:
        return self._find(backward=True)

    def _find(self, *, backward: bool) -> bool:
        needle = self.field.text()
        found = self._editor.find_text(needle, backward=backward, case=self.case.isChecked())
        self.status.setText("" if found or not needle else translate("FindBar", "Not found"))
        return found

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Escape:
            self.close_bar()
            return
        super().keyPressEvent(event)
