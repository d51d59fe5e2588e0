"""Tag entry with autocomplete (any script, matched anywhere in the name) and the tag editor.

Tags are typed comma separated (``,`` or ``，``); the completer offers known tags for the
piece after the last comma, most used first.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QStringListModel, Qt
from PySide6.QtWidgets import (
    QCompleter,
    QDialog,
    QDialogButtonBox,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from qwenimg_desktop.ui.i18n import translate
from qwenimg_desktop.ui.safe_text import plain_label


class TagCompleter(QCompleter):
    """Completes the tag after the last comma of a line edit; keeps the earlier tags."""

    def __init__(self, parent: QLineEdit) -> None:
        self._names = QStringListModel()
        super().__init__(self._names, parent)
        self._edit = parent
        self.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.setFilterMode(Qt.MatchFlag.MatchContains)
        self.setCompletionMode(QCompleter.CompletionMode.PopupCompletion)

    def set_tags(self, names: Sequence[str]) -> None:
        """Known tags, most used first (the popup keeps this order)."""
        self._names.setStringList(list(names))

    def tags(self) -> list[str]:
        return list(self._names.stringList())

    def splitPath(self, path: str) -> list[str]:
        return [path.replace("，", ",").rsplit(",", 1)[-1].strip()]

    def pathFromIndex(self, index: object) -> str:
        chosen = str(self._names.data(index, Qt.ItemDataRole.DisplayRole))  # type: ignore[arg-type]
        text = self._edit.text().replace("，", ",")
        head = text.rsplit(",", 1)[0] + ", " if "," in text else ""
        return f"{head}{chosen}, "


class TagEditor(QDialog):
    """Edit the tags of one or many generations: the tags all of them share are shown; what
    is removed from the line leaves every selected generation, what is added joins them all.
    """

    def __init__(self, shared: Sequence[str], known: Sequence[str], count: int,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("tagEditor")
        self.setWindowTitle(translate("TagEditor", "Tags"))
        self._initial = list(shared)
        self.edit = QLineEdit(", ".join(shared), self)
        self.edit.setPlaceholderText(translate("TagEditor", "cat, 水彩, portrait…"))
        self.completer = TagCompleter(self.edit)
        self.completer.set_tags(known)
        self.edit.setCompleter(self.completer)
        self.error = plain_label("", self)
        self.error.setObjectName("tagError")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel, self)
        buttons.accepted.connect(self._accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(plain_label(
            translate("TagEditor", "Tags of the selected generation, comma separated:")
            if count == 1 else translate(
                "TagEditor", "Tags of the selected {count} generations, comma separated:").format(
                count=count), self))
        layout.addWidget(self.edit)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        self.resize(460, self.sizeHint().height())

    def changes(self) -> tuple[list[str], list[str]]:
        """(tags to add, tags to remove); raises LibraryError for a malformed tag."""
        # Not before the window's paint: with the history's queries, 7 dataclasses
        from qwenimg_desktop.core.store.library import split_tags  # noqa: PLC0415
        now = split_tags(self.edit.text())
        lowered = {t.casefold() for t in now}
        before = {t.casefold() for t in self._initial}
        added = [t for t in now if t.casefold() not in before]
        removed = [t for t in self._initial if t.casefold() not in lowered]
        return added, removed

    def _accept(self) -> None:
        from qwenimg_desktop.core.store.library import LibraryError  # noqa: PLC0415 - as above
        try:
            self.changes()
        except LibraryError as exc:
            self.error.setText(exc.message)
            return
        self.accept()
