"""The prompt library pane: search saved prompts and snippets, insert one at the cursor or
apply it whole; the snippet dialog used to save or edit one.

Reads and writes go through one worker thread (the writer connection is shared with the
engine), so a busy database never stalls the editor.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from qwenimg_desktop.core.errors import QwenImgError
from qwenimg_desktop.ui.history.tag_editor import TagCompleter
from qwenimg_desktop.ui.i18n import translate
from qwenimg_desktop.ui.safe_text import heading_label, plain_label, plain_tooltip
from qwenimg_desktop.ui.workers import Workers

if TYPE_CHECKING:
    from qwenimg_desktop.core.store.history import HistoryStore
    from qwenimg_desktop.core.store.snippets import Snippet
    from qwenimg_desktop.core.store.transfer import ImportResult

log = logging.getLogger("qwenimg.ui.library")

StoreProvider = Callable[[], "HistoryStore | None"]
_ID_ROLE: Final = Qt.ItemDataRole.UserRole + 1
SEARCH_DELAY_MS: Final = 150
STORE_WAIT_S: Final = 20.0


class SnippetDialog(QDialog):
    """Name, tags, markdown text, optional negative prompt and (optionally) parameters."""

    def __init__(self, snippet: Snippet, *, params_available: bool = False,
                 known_tags: list[str] | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("snippetDialog")
        self.setWindowTitle(translate("Library", "Edit snippet") if snippet.id else translate(
            "Library", "Save as snippet"))
        self._snippet = snippet
        self._params_available = params_available
        self.name = QLineEdit(snippet.name, self)
        self.name.setPlaceholderText(translate(
            "Library", "A short name, e.g. 水彩风格 or Golden hour light"))
        self.tags = QLineEdit(", ".join(snippet.tags), self)
        self.tags.setPlaceholderText(translate("Library", "style, light, 人像…"))
        completer = TagCompleter(self.tags)
        completer.set_tags(known_tags or [])
        self.tags.setCompleter(completer)
        self.body = QPlainTextEdit(snippet.body, self)
        self.body.setObjectName("snippetBody")
        self.negative = QPlainTextEdit(snippet.negative_prompt, self)
        self.negative.setFixedHeight(self.fontMetrics().lineSpacing() * 3 + 14)
        self.with_params = QCheckBox(translate(
            "Library", "Keep the current parameters with it"), self)
        self.with_params.setChecked(snippet.params is not None)
        self.with_params.setVisible(params_available or snippet.params is not None)
        self.error = plain_label("", self)
        self.error.setObjectName("fieldError")
        form = QFormLayout()
        form.addRow(translate("Library", "Name"), self.name)
        form.addRow(translate("Library", "Tags"), self.tags)
        form.addRow(translate("Library", "Text (markdown)"), self.body)
        form.addRow(translate("Library", "Negative prompt"), self.negative)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save
                                   | QDialogButtonBox.StandardButton.Cancel, self)
        buttons.accepted.connect(self._accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form, 1)
        layout.addWidget(self.with_params)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        self.resize(560, 460)

    def snippet(self, params: dict[str, Any] | None = None) -> Snippet:
        """The edited snippet (validated); ``params`` are used when the box is ticked."""
        # The library's modules (with the history's queries: 7 dataclasses) load when a
        # snippet is first edited or the history opens, not before the window's paint
        from qwenimg_desktop.core.store.snippets import Snippet, validated  # noqa: PLC0415
        keep = params if self._params_available else self._snippet.params
        return validated(Snippet(
            name=self.name.text(), body=self.body.toPlainText(),
            negative_prompt=self.negative.toPlainText(),
            params=keep if self.with_params.isChecked() else None,
            tags=tuple(self.tags.text().replace("，", ",").split(",")),
            id=self._snippet.id, created_at=self._snippet.created_at,
            updated_at=self._snippet.updated_at, uses=self._snippet.uses))

    def _accept(self) -> None:
        from qwenimg_desktop.core.store.library import LibraryError  # noqa: PLC0415 - as above
        try:
            self.snippet()
        except LibraryError as exc:
            self.error.setText(exc.message)
            return
        self.accept()


class LibraryPane(QWidget):
    """Search box, list of snippets, preview and actions.

    Signals:
        insert_requested(str): put this text at the editor's cursor.
        apply_requested(Snippet): replace the draft with this snippet (prompt, negative,
            parameters when it has them).
        changed(): the library was reloaded (tests and recall listen).
        message(str): a sentence for the status bar.
    """

    insert_requested = Signal(str)
    apply_requested = Signal(object)
    changed = Signal()
    message = Signal(str)

    def __init__(self, store: StoreProvider, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("libraryPane")
        self._store = store
        self._stopping = threading.Event()
        self._queue = Workers("prompt-library", threads=1, low_priority=True, parent=self)
        self._snippets: list[Snippet] = []
        self._last_deleted: Snippet | None = None
        self.search = QLineEdit(self)
        self.search.setObjectName("librarySearch")
        self.search.setPlaceholderText(translate("Library", "Search the library…"))
        self.search.setClearButtonEnabled(True)
        self.list = QListWidget(self)
        self.list.setObjectName("libraryList")
        self.preview = QPlainTextEdit(self)
        self.preview.setReadOnly(True)
        self.preview.setObjectName("libraryPreview")
        self.insert_button = QPushButton(translate("Library", "Insert"), self)
        self.insert_button.setToolTip(translate("Library", "Insert the text at the cursor"))
        self.apply_button = QPushButton(translate("Library", "Apply"), self)
        self.apply_button.setToolTip(translate(
            "Library", "Use it as the whole draft (prompt, negative, parameters)"))
        self.edit_button = QPushButton(translate("Library", "Edit…"), self)
        self.delete_button = QPushButton(translate("Library", "Delete"), self)
        self.undo_button = QPushButton(translate("Library", "Undo delete"), self)
        self.undo_button.setEnabled(False)
        self.export_button = QPushButton(translate("Library", "Export…"), self)
        self.export_button.setToolTip(translate(
            "Library", "Save the library, collections, tags and ratings as JSON"))
        self.import_button = QPushButton(translate("Library", "Import…"), self)
        self.import_button.setToolTip(translate(
            "Library", "Add the library and collections of an export file"))
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(SEARCH_DELAY_MS)
        self._timer.timeout.connect(self.reload)
        self._build()
        self.search.textChanged.connect(self._timer.start)
        self.list.currentItemChanged.connect(self._show_current)
        self.list.itemDoubleClicked.connect(lambda _: self.insert_current())
        self.insert_button.clicked.connect(self.insert_current)
        self.apply_button.clicked.connect(self.apply_current)
        self.edit_button.clicked.connect(self.edit_current)
        self.delete_button.clicked.connect(self.delete_current)
        self.undo_button.clicked.connect(self.undo_delete)
        self.export_button.clicked.connect(self._ask_export)
        self.import_button.clicked.connect(self._ask_import)
        self._update_buttons()

    def __repr__(self) -> str:
        return f"<LibraryPane {len(self._snippets)} shown>"

    def _build(self) -> None:
        actions = QHBoxLayout()
        for button in (self.insert_button, self.apply_button, self.edit_button,
                       self.delete_button, self.undo_button):
            actions.addWidget(button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(heading_label(translate("Library", "Prompt library"), self))
        layout.addWidget(self.search)
        layout.addWidget(self.list, 2)
        layout.addWidget(self.preview, 1)
        layout.addLayout(actions)
        transfer = QHBoxLayout()
        transfer.addStretch(1)
        transfer.addWidget(self.export_button)
        transfer.addWidget(self.import_button)
        layout.addLayout(transfer)

    # ---- reading -------------------------------------------------------------------------------

    @property
    def snippets(self) -> list[Snippet]:
        return list(self._snippets)

    def reload(self) -> None:
        text = self.search.text()
        self._call(lambda store: store.snippets(text), self._show)

    def _show(self, snippets: list[Snippet]) -> None:
        current = self.current()
        self._snippets = snippets
        self.list.clear()
        for snippet in snippets:
            item = QListWidgetItem(snippet.title + (f"   [{', '.join(snippet.tags)}]"
                                                    if snippet.tags else ""))
            item.setData(_ID_ROLE, snippet.id)
            item.setToolTip(plain_tooltip(snippet.body[:2000]))
            self.list.addItem(item)
            if current is not None and snippet.id == current.id:
                self.list.setCurrentItem(item)
        if self.list.currentRow() < 0 and self.list.count():
            self.list.setCurrentRow(0)
        self._update_buttons()
        self.changed.emit()

    def current(self) -> Snippet | None:
        item: QListWidgetItem | None = self.list.currentItem()
        if item is None:
            return None
        chosen = int(item.data(_ID_ROLE))
        return next((s for s in self._snippets if s.id == chosen), None)

    def _show_current(self, *_: object) -> None:
        snippet = self.current()
        text = ""
        if snippet is not None:
            text = snippet.body
            if snippet.negative_prompt:
                text += "\n\n— " + translate("Library", "negative: {text}").format(
                    text=snippet.negative_prompt)
            if snippet.params:
                text += "\n— " + translate("Library", "with parameters")
        self.preview.setPlainText(text)
        self._update_buttons()

    def _update_buttons(self) -> None:
        chosen = self.current() is not None
        for button in (self.insert_button, self.apply_button, self.edit_button,
                       self.delete_button):
            button.setEnabled(chosen)

    # ---- actions -------------------------------------------------------------------------------

    def insert_current(self) -> None:
        snippet = self.current()
        if snippet is not None:
            self.insert_requested.emit(snippet.body)
            self._count_use(snippet)

    def apply_current(self) -> None:
        snippet = self.current()
        if snippet is not None:
            self.apply_requested.emit(snippet)
            self._count_use(snippet)

    def _count_use(self, snippet: Snippet) -> None:
        self._call(lambda store: store.record_snippet_use(snippet.id), lambda _: None)

    def save(self, snippet: Snippet) -> None:
        """Store a new or edited snippet, then reload the list."""
        def done(_: object) -> None:
            self.message.emit(translate("Library", "Saved “{name}” in the prompt library.").format(
                name=snippet.name))
            self.reload()

        self._call(lambda store: store.save_snippet(snippet), done)

    def edit_current(self) -> None:
        snippet = self.current()
        if snippet is None:
            return
        dialog = SnippetDialog(snippet, parent=self)
        if dialog.exec() == QDialog.DialogCode.Accepted:
            self.save(dialog.snippet())

    def delete_current(self) -> None:
        snippet = self.current()
        if snippet is None:
            return

        def done(deleted: Snippet | None) -> None:
            self._last_deleted = deleted
            self.undo_button.setEnabled(deleted is not None)
            self.message.emit(translate("Library", "Deleted “{name}” from the library (Undo "
                                        "delete brings it back).").format(name=snippet.title))
            self.reload()

        self._call(lambda store: store.delete_snippet(snippet.id), done)

    def undo_delete(self) -> None:
        deleted, self._last_deleted = self._last_deleted, None
        self.undo_button.setEnabled(False)
        if deleted is not None:
            self._call(lambda store: store.restore_snippet(deleted), lambda _: self.reload())

    def export_to(self, path: Path) -> None:
        """Write the library, collections, tags and ratings (no generations) as JSON."""
        # Loaded on first use: with it the history's records, not before the window's paint
        from qwenimg_desktop.core.store.transfer import write_export  # noqa: PLC0415
        self._call(lambda store: write_export(store, path, jobs=False),
                   lambda _: self.message.emit(
                       translate("Library", "Library exported to {path}.").format(path=path)))

    def import_from(self, path: Path) -> None:
        """Add the snippets, collections, tags and ratings of an export file."""
        from qwenimg_desktop.core.store.transfer import import_file  # noqa: PLC0415 - as above

        def done(result: ImportResult) -> None:
            self.message.emit(translate(
                "Library", "Imported {snippets} snippet(s) and {collections} collection(s) from "
                "{path}.").format(snippets=result.snippets_added,
                                  collections=result.collections_added, path=path))
            self.reload()

        self._call(lambda store: import_file(store, path), done)

    def _ask_export(self) -> None:
        name, _ = QFileDialog.getSaveFileName(self, translate(
            "Library", "Export the library"), "library.json",
                                              translate("Library", "JSON files (*.json)"))
        if name:
            self.export_to(Path(name))

    def _ask_import(self) -> None:
        name, _ = QFileDialog.getOpenFileName(self, translate("Library", "Import a library"), "",
                                              translate("Library", "JSON files (*.json)"))
        if name:
            self.import_from(Path(name))

    # ---- plumbing ------------------------------------------------------------------------------

    def _call(self, fn: Callable[[HistoryStore], Any], on_done: Callable[[Any], object]) -> None:
        from qwenimg_desktop.core.store.library import LibraryError  # noqa: PLC0415 - as above

        def work() -> Any:
            # The engine opens the database at start; wait for it here, off the GUI thread.
            deadline = time.monotonic() + STORE_WAIT_S
            while (store := self._store()) is None:
                if time.monotonic() > deadline or self._stopping.wait(0.05):
                    raise LibraryError(translate(
                        "Library", "The history database is not open yet."))
            return fn(store)

        self._queue.run(work, on_done, self._failed)

    def _failed(self, error: Exception) -> None:
        if not isinstance(error, QwenImgError):
            raise error
        log.warning("prompt library: %s", error)
        self.message.emit(error.message)

    def wait(self, msecs: int = 10_000) -> bool:
        return self._queue.wait(msecs)

    def shutdown(self) -> None:
        self._stopping.set()  # ends a wait for the database at once
        self._queue.shutdown()


__all__ = ["LibraryPane", "SnippetDialog"]
