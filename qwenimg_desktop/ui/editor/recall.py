"""Completion in the prompt editor from past prompts' lines, headings and the prompt library.

As you type (from :data:`~qwenimg_desktop.core.recall.MIN_PREFIX` characters on a line) and on
Ctrl+Space, a popup offers lines ranked by use; Escape closes it. On Ctrl+Space the first line is
chosen and Enter or Tab takes it. As you type none is chosen, so Enter still starts a new line
(with a large history nearly every line typed has a longer past one: taking it on Enter replaced
the line just typed); Tab takes the first, Down or Up choose one for Enter. The
index is built on a worker thread from a read-only connection into its own SQLite file (see
core.recall: the lines stay on disk, not in the window's memory); a lookup is one indexed range
read (well under a millisecond at 100,000 prompts, see docs/performance.md), so typing never
waits.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Final

from PySide6.QtCore import QEvent, QModelIndex, QObject, QStringListModel, Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent, QTextCursor
from PySide6.QtWidgets import QAbstractItemView, QCompleter

from qwenimg_desktop.ui.editor.prompt_editor import POPUP_KEYS
from qwenimg_desktop.ui.workers import Workers

if TYPE_CHECKING:
    # The index's module (with sqlite3) loads on the worker that builds it, after the window's
    # first paint (START_DELAY_MS); the store's once the engine is ready (the index waits too).
    from qwenimg_desktop.core.recall import RecallIndex, Suggestion
    from qwenimg_desktop.core.store.history import HistoryStore
    from qwenimg_desktop.ui.editor.prompt_editor import PromptEditor

log = logging.getLogger("qwenimg.ui.recall")

StoreProvider = Callable[[], "HistoryStore | None"]
MAX_SHOWN: Final = 8
STORE_POLL_MS: Final = 250
START_DELAY_MS: Final = 1500
"""The index is built this long after the window opens, out of the way of start-up."""
RECALL_PROMPTS: Final = 200_000
"""The newest prompts read into the index."""


def read_index(store: HistoryStore) -> RecallIndex:
    """Build the index from ``store``'s database, read-only (worker thread). SQLite reads the
    prompts and counts their lines itself, without the GIL (see core.recall)."""
    from qwenimg_desktop.core.recall import RecallIndex  # noqa: PLC0415 - see the imports
    from qwenimg_desktop.core.store.history import HistoryStore  # noqa: PLC0415

    with HistoryStore.open(store.layout, readonly=True) as reader:
        snippets = [(s.name, s.body, s.uses) for s in reader.snippets()]
    return RecallIndex.build_from_history(store.layout.db_path, RECALL_PROMPTS, snippets)


class PromptRecall(QObject):
    """Attaches a completion popup to a :class:`PromptEditor`.

    Signals:
        ready(): the index was built (or rebuilt).
    """

    ready = Signal()

    def __init__(self, editor: PromptEditor, store: StoreProvider,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.editor = editor
        self._store = store
        self.index: RecallIndex | None = None
        self.suggestions: list[Suggestion] = []
        self._stopping = threading.Event()
        self._retry = QTimer(self)
        self._retry.setSingleShot(True)
        self._retry.setInterval(STORE_POLL_MS)
        self._retry.timeout.connect(self.rebuild)
        self._queue = Workers("prompt-recall", threads=1, low_priority=True, parent=self)
        self._model = QStringListModel(self)
        self.completer = QCompleter(self._model, self)
        self.completer.setWidget(editor)
        self.completer.setCompletionMode(QCompleter.CompletionMode.UnfilteredPopupCompletion)
        self.completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.completer.setMaxVisibleItems(MAX_SHOWN)
        popup = self.completer.popup()
        assert popup is not None  # a completer always has its popup view
        self.popup: QAbstractItemView = popup
        popup.setObjectName("recallPopup")
        popup.installEventFilter(self)
        editor.installEventFilter(self)
        self.completer.activated[QModelIndex].connect(self._chosen)  # type: ignore[index]
        editor.recall = self
        self._typing = False
        editor.document().contentsChange.connect(self._on_change)

    def __repr__(self) -> str:
        return f"<PromptRecall {self.index!r}>"

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """While the popup is open, Escape, Enter and Tab belong to it, not to window shortcuts
        (Esc would otherwise cancel the selected job)."""
        if event.type() == QEvent.Type.ShortcutOverride and self.popup_visible() and \
                isinstance(event, QKeyEvent) and event.key() in POPUP_KEYS:
            event.accept()
        return super().eventFilter(watched, event)

    # ---- index --------------------------------------------------------------------------------

    def rebuild(self) -> None:
        """(Re)build the index off the GUI thread, once the history database is open (the
        engine opens it at start: until then a timer looks again, no thread waits)."""
        store = self._store()
        if store is None:
            if not self._stopping.is_set():
                self._retry.start()
            return
        self._retry.stop()
        self._queue.run(lambda: read_index(store), self._built,
                        lambda error: log.warning("prompt recall index not built: %s", error))

    def _built(self, index: RecallIndex) -> None:
        self.index = index
        self.ready.emit()

    def add_prompt(self, prompt: str) -> None:
        """Count a sent prompt's lines, on the index's worker: it is a write to the index's
        SQLite file, which on the GUI thread waited up to ~60 ms (the disk, the index's lock)
        inside a Generate while jobs were being sent (docs/performance.md)."""
        index = self.index
        if index is not None:
            self._queue.run(lambda: index.add_prompt(prompt))

    def refresh_snippets(self) -> None:
        store, index = self._store(), self.index
        if store is None or index is None:
            return

        def work() -> None:
            index.set_snippets((s.name, s.body, s.uses) for s in store.snippets())

        self._queue.run(work)

    # ---- popup --------------------------------------------------------------------------------

    def typed_line(self) -> str:
        """The current line from its start to the cursor."""
        cursor = self.editor.textCursor()
        return cursor.block().text()[:cursor.positionInBlock()]

    def popup_visible(self) -> bool:
        return self.popup.isVisible()

    def has_choice(self) -> bool:
        """Whether a row of the open popup is chosen (Enter would take it)."""
        return self.popup.currentIndex().isValid()

    def take_first(self) -> None:
        """Take the popup's first suggestion (Tab while none is chosen)."""
        if self.suggestions:
            self.accept(self.suggestions[0])
        else:
            self.popup.hide()

    def complete(self, *, choose_first: bool = True) -> bool:
        """Show suggestions for the typed line now (Ctrl+Space); False when there are none.
        ``choose_first``: the first row is chosen, so Enter takes it (not when it opens as you
        type: see the module)."""
        index = self.index
        self.suggestions = index.suggest(self.typed_line(), MAX_SHOWN) if index else []
        if not self.suggestions:
            self.popup.hide()
            return False
        self._model.setStringList([_shown(s) for s in self.suggestions])
        rect = self.editor.cursorRect()
        rect.setWidth(min(640, max(320, self.editor.viewport().width() // 2)))
        self.completer.complete(rect)
        self.popup.setCurrentIndex(self._model.index(0) if choose_first else QModelIndex())
        return True

    def _on_change(self, _position: int, removed: int, added: int) -> None:
        """As you type: one or two characters added at the cursor (not a paste or a load)."""
        if self._typing:
            return
        if removed or not 0 < added <= 2 or not self.editor.hasFocus():
            self.popup.hide()
            return
        self.complete(choose_first=False)

    def _chosen(self, index: QModelIndex) -> None:
        row = index.row()
        if 0 <= row < len(self.suggestions):
            self.accept(self.suggestions[row])

    def accept(self, suggestion: Suggestion) -> None:
        """Replace the typed part of the line (after any heading marks) with ``suggestion``."""
        from qwenimg_desktop.core.recall import split_marks  # noqa: PLC0415 - with the index

        cursor = self.editor.textCursor()
        _, body = split_marks(self.typed_line())
        cursor.beginEditBlock()
        cursor.movePosition(QTextCursor.MoveOperation.Left, QTextCursor.MoveMode.KeepAnchor,
                            len(body))
        self._typing = True
        try:
            cursor.insertText(suggestion.text)
        finally:
            self._typing = False
        cursor.endEditBlock()
        self.editor.setTextCursor(cursor)
        self.popup.hide()
        if suggestion.kind == "snippet":
            self._count_snippet_use(suggestion)

    def _count_snippet_use(self, suggestion: Suggestion) -> None:
        store = self._store()
        if store is None:
            return

        def work() -> None:
            for snippet in store.snippets():
                if snippet.body.strip() == suggestion.text:
                    store.record_snippet_use(snippet.id)
                    return

        self._queue.run(work)

    def wait(self, msecs: int = 10_000) -> bool:
        return self._queue.wait(msecs)

    def shutdown(self) -> None:
        self._stopping.set()
        self._retry.stop()
        self._queue.shutdown()


def _shown(suggestion: Suggestion) -> str:
    text = suggestion.display.replace("\n", " ⏎ ")
    mark = {"heading": "§ ", "snippet": "★ "}.get(suggestion.kind, "")
    return mark + (text if len(text) <= 120 else text[:119] + "…")
