"""The wildcards editor: the lists ``__name__`` calls, one entry a line, edited in the app.

It adapts ``core.batch.wildcard_files`` (every write is the store's atomic write, every name
checked); :attr:`WildcardsDialog.changed` tells the batch panel to count and sample again.
An unsaved edit is saved before another list is shown or the dialog closes, so nothing typed is
lost.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QInputDialog,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from qwenimg_desktop.core.batch.variables import list_wildcards
from qwenimg_desktop.core.batch.wildcard_files import (
    create_list,
    delete_list,
    read_list,
    rename_list,
    save_list,
)
from qwenimg_desktop.core.errors import UserError
from qwenimg_desktop.ui.i18n import translate
from qwenimg_desktop.ui.safe_text import plain_label, plain_message_box


class WildcardsDialog(QDialog):
    """List files on the left, the chosen list's entries on the right."""

    changed = Signal()  # a list was saved, created, renamed or deleted

    def __init__(self, data_dir: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("wildcardsDialog")
        self.setWindowTitle(translate("Wildcards", "Wildcard lists"))
        self.data_dir = data_dir
        self.current: str | None = None
        self.names = QListWidget(self)
        self.names.setObjectName("wildcardNames")
        self.editor = QPlainTextEdit(self)
        self.editor.setObjectName("wildcardEntries")
        self.editor.setPlaceholderText(translate(
            "Wildcards", "One entry a line, e.g.\nred\n深蓝色\n# a comment"))
        self.status = plain_label("", self)
        self.status.setObjectName("wildcardStatus")
        self.status.setWordWrap(True)
        self.new_button = QPushButton(translate("Wildcards", "New…"), self)
        self.rename_button = QPushButton(translate("Wildcards", "Rename…"), self)
        self.delete_button = QPushButton(translate("Wildcards", "Delete"), self)
        self.save_button = QPushButton(translate("Wildcards", "Save"), self)
        self.save_button.setObjectName("saveWildcard")
        buttons = QHBoxLayout()
        for button in (self.new_button, self.rename_button, self.delete_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        buttons.addWidget(self.save_button)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        close.rejected.connect(self.reject)
        panes = QHBoxLayout()
        panes.addWidget(self.names, 1)
        panes.addWidget(self.editor, 2)
        layout = QVBoxLayout(self)
        layout.addWidget(plain_label(
            translate("Wildcards", "Write __name__ in a prompt to use one entry of the list "
                      "“name”."), self))
        layout.addLayout(panes, 1)
        layout.addWidget(self.status)
        layout.addLayout(buttons)
        layout.addWidget(close)
        self.names.currentItemChanged.connect(self._switch)
        self.new_button.clicked.connect(self.ask_new)
        self.rename_button.clicked.connect(self.ask_rename)
        self.delete_button.clicked.connect(self.ask_delete)
        self.save_button.clicked.connect(self.save)
        self.resize(640, 420)
        self.reload()

    def reload(self, select: str | None = None) -> None:
        """Re-list the folder, selecting ``select`` (else the first list)."""
        self.names.blockSignals(True)
        self.names.clear()
        for name in list_wildcards(self.data_dir):
            QListWidgetItem(name, self.names)
        self.names.blockSignals(False)
        self.current = None
        matches = self.names.findItems(select, Qt.MatchFlag.MatchExactly) if select else []
        if matches:
            self.names.setCurrentItem(matches[0])
        elif self.names.count():
            self.names.setCurrentRow(0)
        else:
            self._show(None)

    def _switch(self, item: QListWidgetItem | None, _previous: QListWidgetItem | None) -> None:
        if self.current is not None and self.editor.document().isModified() and not self.save():
            return
        self._show(item.text() if item is not None else None)

    def _show(self, name: str | None) -> None:
        self.current = name
        for widget in (self.editor, self.rename_button, self.delete_button, self.save_button):
            widget.setEnabled(name is not None)
        text = ""
        if name is not None:
            try:
                text = read_list(self.data_dir, name)
            except UserError as exc:
                self._problem(exc)
        self.editor.setPlainText(text)
        self.editor.document().setModified(False)
        count = sum(1 for line in text.splitlines()
                    if line.strip() and not line.strip().startswith("#"))
        said = (translate("Wildcards", "__{name}__: 1 entry") if count == 1
                else translate("Wildcards", "__{name}__: {count} entries"))
        self.status.setText("" if name is None else said.format(name=name, count=count))

    def reject(self) -> None:
        """Close (Esc, Close): an unsaved edit is saved first, as when switching lists; if it
        cannot be, the dialog stays open saying why."""
        if self.current is not None and self.editor.document().isModified() and not self.save():
            return
        super().reject()

    def save(self) -> bool:
        """Save the shown list; False (with why) when it could not be."""
        if self.current is None:
            return False
        try:
            save_list(self.data_dir, self.current, self.editor.toPlainText())
        except UserError as exc:
            self._problem(exc)
            return False
        self.editor.document().setModified(False)
        self.status.setText(translate("Wildcards", "Saved __{name}__.").format(name=self.current))
        self.changed.emit()
        return True

    def new_list(self, name: str) -> bool:
        try:
            if self.current is not None and self.editor.document().isModified():
                save_list(self.data_dir, self.current, self.editor.toPlainText())
            create_list(self.data_dir, name)
        except UserError as exc:
            self._problem(exc)
            return False
        self.reload(name.strip())
        self.changed.emit()
        return True

    def rename(self, new: str) -> bool:
        if self.current is None:
            return False
        try:
            if self.editor.document().isModified():
                save_list(self.data_dir, self.current, self.editor.toPlainText())
            rename_list(self.data_dir, self.current, new)
        except UserError as exc:
            self._problem(exc)
            return False
        self.reload(new.strip())
        self.changed.emit()
        return True

    def delete(self) -> bool:
        if self.current is None:
            return False
        try:
            delete_list(self.data_dir, self.current)
        except UserError as exc:
            self._problem(exc)
            return False
        self.reload()
        self.changed.emit()
        return True

    def ask_new(self) -> None:
        name, ok = QInputDialog.getText(self, translate(
            "Wildcards", "New wildcard list"), translate("Wildcards", "Name (used as __name__):"))
        if ok:
            self.new_list(name)

    def ask_rename(self) -> None:
        if self.current is None:
            return
        name, ok = QInputDialog.getText(self, translate(
            "Wildcards", "Rename wildcard list"), translate("Wildcards", "New name:"),
                                        text=self.current)
        if ok and name.strip() != self.current:
            self.rename(name)

    def ask_delete(self) -> None:
        if self.current is None:
            return
        box = plain_message_box(
            QMessageBox.Icon.Question, translate("Wildcards", "Delete wildcard list"),
            translate("Wildcards", "Delete the list “{name}”? Prompts that use __{name}__ will "
                      "say it is missing.").format(name=self.current), self)
        box.setStandardButtons(QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No)
        if box.exec() == QMessageBox.StandardButton.Yes:
            self.delete()

    def _problem(self, exc: UserError) -> None:
        self.status.setText(f"{exc.message} {exc.next_step}".strip())
