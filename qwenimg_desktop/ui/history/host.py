"""HistoryHost: the History tab of the main window, built lazily, and drops of our images.

The browser needs the journal, which the engine opens (and checks) while the window paints.
Right after the window's first paint the composition root hands over a read-only connection
opened before the engine's checks (``HistoryStore.open_before_check``: only a journal whose
schema is current), so the history can be browsed while the engine checks it; changes are
refused with a clear message until then. When the engine says it is ready (``EngineReady``)
that store becomes the writer in place, or, if the engine moved a damaged journal aside, the
browser is rebuilt on the fresh one (:meth:`HistoryHost.attach` both times). The tab shows
"Opening the history…" until the first attach, and the browser is built the first time the
tab is shown with the history attached, so start-up never waits for the history.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from qwenimg_desktop.core import heap
from qwenimg_desktop.ui.accessibility import name_widgets
from qwenimg_desktop.ui.history.thumbnails import ThumbnailLoader
from qwenimg_desktop.ui.i18n import translate
from qwenimg_desktop.ui.safe_text import plain_label

if TYPE_CHECKING:
    from collections.abc import Callable

    from qwenimg_desktop.core.jobs import events as ev
    from qwenimg_desktop.core.store.consistency import ConsistencyReport
    from qwenimg_desktop.core.store.history import HistoryStore
    from qwenimg_desktop.ui.history.drop import MetadataDropHandler
    from qwenimg_desktop.ui.history.view import HistoryBrowser
    from qwenimg_desktop.ui.user_files import UserFiles

log = logging.getLogger("qwenimg.ui")


class HistoryHost(QObject):
    """Owns the History tab page, the lazily built browser and the image drop handler.

    Signals:
        reuse_requested(GenerationRequest, str): apply a past request to the draft (mode).
        redownload_requested(str): fetch a job's missing images again.
        snippet_requested(str, str): save this prompt and negative prompt in the library.
        message(str): status-bar text.
    """

    reuse_requested = Signal(object, str)  # a dropped image's request: loaded, never run
    rerun_requested = Signal(object, str)  # the browser's reuse: "exact" runs it again
    redownload_requested = Signal(str)
    snippet_requested = Signal(str, str)
    grid_requested = Signal(str)  # a batch id: open its grid window
    rerun_batch_requested = Signal(str)  # a batch id: its plan again, asked at its total
    edit_requested = Signal(list)  # [(absolute path, job id, image index)]
    message = Signal(str)

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self._store: HistoryStore | None = None
        self._wanted = False  # the tab was shown before the history was attached
        self.page = QWidget(parent)
        self.page.setObjectName("historyPage")
        self._layout = QVBoxLayout(self.page)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._placeholder: QLabel | None = None
        self._show_placeholder(translate("HistoryHost", "Opening the history…"))
        self.browser: HistoryBrowser | None = None
        self._built_on: HistoryStore | None = None  # the store the browser writes through
        self._files_checked = False  # the browser's start-up file check has been started
        # The window's one cache of decoded thumbnails: the gallery's tiles and the Create
        # tab's job rows share it (a job's picture decoded for one is there for the other).
        self.thumbnails = ThumbnailLoader(parent=self)
        self.drops: MetadataDropHandler | None = None
        self.files: UserFiles | None = None  # the window's: Export's folder, Show in folder
        # The window's: the engine's file check (it runs in the engine's process).
        self.file_check: Callable[[], ConsistencyReport] | None = None
        self._closed = False

    def __repr__(self) -> str:
        return f"<HistoryHost browser={'yes' if self.browser else 'no'}>"

    # ---- building ---------------------------------------------------------------------------

    def show_browser(self) -> None:
        """Build the browser now if the history is attached, else as soon as it is."""
        if self.browser is not None or self._closed:
            return
        if self._store is None:
            self._wanted = True
            return
        self._build(self._store)

    def current_store(self) -> HistoryStore | None:
        """The History tab's connection to the journal (None until the first attach; read-only
        while the engine still checks the journal)."""
        return self._store

    def attach(self, store: HistoryStore) -> None:
        """The window's connection to the journal: an early read-only one while the engine
        checks the journal, then the checked one. A browser built on another store (the early
        one, on a journal the engine has since moved aside as damaged) is rebuilt on this one."""
        self._store = store
        if self.browser is not None and self._built_on is not store:
            self._drop_browser()
            self._wanted = True
        elif self.browser is not None and not self._files_checked and not store.unchecked:
            self._files_checked = True  # the early browser's store writes now
            self.browser.check_consistency()
        if self._wanted:
            self.show_browser()

    def failed(self, reason: str) -> None:
        """The journal could not be opened: the tab says why instead of waiting (a browser
        built early, before the engine's checks, is taken down first)."""
        self._closed = True
        self._store = None
        self._drop_browser()
        self._show_placeholder(
            translate("HistoryHost", "The history could not be opened: {reason}").format(
                reason=reason))

    def _show_placeholder(self, text: str) -> None:
        if self._placeholder is None:
            self._placeholder = plain_label(text, self.page)
            self._placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
            self._layout.addWidget(self._placeholder)
        self._placeholder.setText(text)
        self._placeholder.show()

    def _drop_browser(self) -> None:
        browser, self.browser, self._built_on = self.browser, None, None
        if browser is None:
            return
        browser.shutdown()
        self._layout.removeWidget(browser)
        browser.hide()
        browser.deleteLater()

    def _build(self, store: HistoryStore) -> None:
        from qwenimg_desktop.ui.history.view import HistoryBrowser  # noqa: PLC0415 - lazy

        # The start-up file check waits for the engine's checks: it competes with them for the
        # disk and the cores (100,000 files), its results may repair thumbnails (a write), and
        # a journal the engine then moves aside would make it moot.
        self._files_checked = not store.unchecked
        browser = HistoryBrowser(store, thumbnails=self.thumbnails, parent=self.page,
                                 check_files_on_start=self._files_checked,
                                 file_check=self.file_check)
        browser.files = self.files
        # The window's Edit → Undo routes here; a second Ctrl+Z would make the key ambiguous.
        browser.undo_action.setShortcut("")
        browser.reuse_requested.connect(self.rerun_requested)
        browser.redownload_requested.connect(self.redownload_requested)
        browser.snippet_requested.connect(self.snippet_requested)
        browser.edit_requested.connect(self.edit_requested)
        browser.message.connect(self.message)
        browser.grid_requested.connect(self.grid_requested)
        browser.rerun_batch_requested.connect(self.rerun_batch_requested)
        if self._placeholder is not None:
            self._layout.removeWidget(self._placeholder)
            self._placeholder.hide()  # its text stayed painted under the splitter handles
            self._placeholder.deleteLater()
            self._placeholder = None
        self._layout.addWidget(browser)
        self.browser = browser
        self._built_on = store
        name_widgets(browser)  # screen readers: every control named (see ui.accessibility)
        heap.settle_soon()  # the browser lives until quit: out of later GC passes (core.heap)

    def install_drops(self, widgets: list[QWidget]) -> MetadataDropHandler:
        """Accept dropped images made by this app on ``widgets``: restores their request."""
        from qwenimg_desktop.ui.history.drop import MetadataDropHandler  # noqa: PLC0415

        if self.drops is None:
            self.drops = MetadataDropHandler(self)
            self.drops.reuse_requested.connect(self.reuse_requested)
            self.drops.drop_failed.connect(self.message)
        for widget in widgets:
            self.drops.install(widget)
        return self.drops

    # ---- engine events ----------------------------------------------------------------------

    def job_finished(self, job_id: str) -> None:
        """A job ended (completed, failed or cancelled): show it at the top if it matches."""
        if self.browser is not None:
            self.browser.job_completed(job_id)

    def files_restored(self, event: ev.FilesRestored) -> None:
        """A re-download ended."""
        if event.error:
            self.message.emit(translate("HistoryHost", "Re-download failed: {error}").format(
                error=event.error))
            return
        if self.browser is not None:
            self.browser.file_restored(event.job_id)
        self.message.emit(translate("HistoryHost", "Re-downloaded {count} image(s).").format(
            count=event.restored))

    def undo(self) -> bool:
        """Undo the last delete in the browser; False when there is nothing to undo."""
        if self.browser is not None and self.browser.undo_action.isEnabled():
            self.browser.undo_action.trigger()
            return True
        return False

    def shutdown(self) -> None:
        """Stop workers and finish deletes; call before the engine's store closes."""
        self._closed = True
        if self.drops is not None:
            self.drops.shutdown()
        if self.browser is not None:
            self.browser.shutdown()
        self.thumbnails.shutdown()
