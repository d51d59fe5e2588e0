"""HistoryBrowser: search bar, virtualised gallery, detail pane, context menu and curation."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Final

from PySide6.QtCore import QItemSelectionModel, QModelIndex, QPoint, QSize, Qt, QUrl, Signal
from PySide6.QtGui import QAction, QDesktopServices, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QInputDialog,
    QListView,
    QMenu,
    QMessageBox,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from qwenimg_desktop.core.store.consistency import (
    ConsistencyReport,
    check_files,
    unreadable_image,
)
from qwenimg_desktop.core.store.grids import is_contact_sheet
from qwenimg_desktop.core.store.history import HistoryStore
from qwenimg_desktop.core.store.job_flags import JobFlags
from qwenimg_desktop.core.store.library import CollectionInfo
from qwenimg_desktop.core.store.queries import HistoryQuery
from qwenimg_desktop.core.store.records import MAX_NOTE_CHARS, JobRecord
from qwenimg_desktop.core.store.stems import safe_stem
from qwenimg_desktop.core.store.trash import DeletedBatch, FileMover
from qwenimg_desktop.ui.history.collections_sidebar import CollectionsSidebar
from qwenimg_desktop.ui.history.compare import CompareView
from qwenimg_desktop.ui.history.curation import HistoryCurator, qt_move_to_trash
from qwenimg_desktop.ui.history.delegate import TILE, HistoryDelegate
from qwenimg_desktop.ui.history.detail import DetailPane
from qwenimg_desktop.ui.history.duplicates import DuplicatesView
from qwenimg_desktop.ui.history.filters import SearchBar
from qwenimg_desktop.ui.history.model import HistoryModel
from qwenimg_desktop.ui.history.reuse import ReuseMode, request_for
from qwenimg_desktop.ui.history.search import QueryRunner
from qwenimg_desktop.ui.history.tag_editor import TagEditor
from qwenimg_desktop.ui.history.thumbnails import ThumbnailLoader
from qwenimg_desktop.ui.i18n import translate
from qwenimg_desktop.ui.safe_text import plain_message_box
from qwenimg_desktop.ui.workers import Workers

if TYPE_CHECKING:
    from qwenimg_desktop.ui.user_files import UserFiles

log = logging.getLogger("qwenimg.ui.history")

SPACING: Final = 6
SIDEBAR_WIDTH: Final = 200
BATCH_SIZE: Final = 200
PREFETCH_SCREENS: Final = 8


def configure_gallery(view: QListView) -> None:
    """IconMode grid with uniform tiles and batched layout (first paint in ms at 100k rows)."""
    view.setViewMode(QListView.ViewMode.IconMode)
    view.setUniformItemSizes(True)
    view.setLayoutMode(QListView.LayoutMode.Batched)
    view.setBatchSize(BATCH_SIZE)
    view.setResizeMode(QListView.ResizeMode.Adjust)
    view.setMovement(QListView.Movement.Static)
    view.setWrapping(True)
    view.setWordWrap(False)
    view.setSpacing(SPACING)
    view.setGridSize(QSize(TILE.width() + SPACING, TILE.height() + SPACING))
    view.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
    view.setDragEnabled(True)
    view.setDragDropMode(QAbstractItemView.DragDropMode.DragOnly)
    view.setDefaultDropAction(Qt.DropAction.CopyAction)
    view.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)


class HistoryBrowser(QWidget):
    """The history room. Build with the engine's writer store; works with no network or key.

    Signals:
        reuse_requested(GenerationRequest, str): mode is a ``ReuseMode`` value.
        redownload_requested(str): a job whose files are missing and fal may still hold.
        message(str): a sentence for the status bar.
        snippet_requested(str, str): save a past prompt (and negative prompt) in the library.
        consistency_checked(ConsistencyReport): the start-up file check finished.
    """

    reuse_requested = Signal(object, str)
    redownload_requested = Signal(str)
    edit_requested = Signal(list)  # [(absolute path, job id, image index)], at most 3
    message = Signal(str)
    files: UserFiles | None = None  # set by the host: where exports start, Show in folder
    consistency_checked = Signal(object)
    library_refreshed = Signal()
    snippet_requested = Signal(str, str)
    grid_requested = Signal(str)  # a batch id
    rerun_batch_requested = Signal(str)  # a batch id

    def __init__(self, store: HistoryStore, *, os_trash: FileMover | None = qt_move_to_trash,
                 check_files_on_start: bool = True, thumbnails: ThumbnailLoader | None = None,
                 file_check: Callable[[], ConsistencyReport] | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        # The window's: the engine's check_files, run in the engine's process (its walk of
        # every row and file held the GUI thread's GIL for seconds); none (a browser without
        # an engine: tests, screenshots): check_files on the search thread's reader.
        self._file_check = file_check
        self.setObjectName("historyBrowser")
        self.layout_ = store.layout
        self.reader = HistoryStore.open(store.layout, readonly=True)
        self.runner = QueryRunner(store.layout, self)
        # The window's loader when given (shared with the jobs list, stopped by its owner).
        self._own_thumbnails = thumbnails is None
        self.thumbnails = thumbnails if thumbnails is not None else ThumbnailLoader(parent=self)
        self.images = Workers("history-images", threads=2, low_priority=True, parent=self)
        self.model = HistoryModel(self.reader, self.runner, self.thumbnails, self)
        self.curator = HistoryCurator(store, os_trash, self)
        self.search = SearchBar(self)
        self.view = QListView(self)
        self.view.setAccessibleName(translate("History", "Generations"))
        configure_gallery(self.view)
        self.view.setModel(self.model)
        self.view.setItemDelegate(HistoryDelegate(self.view))
        self.detail = DetailPane(store.layout, self.images, self)
        self.sidebar = CollectionsSidebar(self)
        self.compare_view: CompareView | None = None
        self.duplicates_view: DuplicatesView | None = None
        # Job id → whether fal may still hold its result (Re-download offered): what the badge,
        # the detail and the menu need. Not an object per missing image (~46 MB kept at 100,000
        # missing images) nor a dict of their ids (~13 MB): JobFlags packs them, ~1.7 MB.
        self.missing: JobFlags = JobFlags()
        self.undo_action = QAction(translate("History", "Undo delete"), self)
        self.undo_action.setShortcut(QKeySequence.StandardKey.Undo)
        self.undo_action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.undo_action.setEnabled(False)
        self.addAction(self.undo_action)
        self.rating_actions = self._rating_actions()
        self.tags_action = QAction(translate("History", "Tags…"), self.view)
        self.tags_action.setShortcut(QKeySequence("T"))
        self.tags_action.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        self.tags_action.triggered.connect(self.edit_tags)
        self.view.addAction(self.tags_action)
        self._closed = False
        self._build()
        self._connect()
        self.model.set_query(HistoryQuery())
        self.refresh_library()
        if check_files_on_start:
            self.check_consistency()

    def __repr__(self) -> str:
        return f"<HistoryBrowser {self.model!r}>"

    def _build(self) -> None:
        splitter = QSplitter(self)
        splitter.addWidget(self.sidebar)
        splitter.addWidget(self.view)
        splitter.addWidget(self.detail)
        splitter.setStretchFactor(0, 0)
        splitter.setStretchFactor(1, 3)
        splitter.setStretchFactor(2, 2)
        splitter.setSizes([SIDEBAR_WIDTH, 3 * TILE.width() + 60, 2 * TILE.width() + 300])
        self.splitter = splitter
        outer = QVBoxLayout(self)
        outer.setContentsMargins(4, 4, 4, 4)
        outer.addWidget(self.search)
        outer.addWidget(splitter, 1)

    def _connect(self) -> None:
        self.search.query_changed.connect(self.model.set_query)
        self.model.count_changed.connect(self.search.set_result_count)
        self.model.query_failed.connect(lambda e: self.message.emit(
            translate("History", "Search failed: {error}").format(error=e)))
        self.model.modelReset.connect(self._after_reset)
        self.view.selectionModel().currentChanged.connect(self._on_current)
        self.view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.view.customContextMenuRequested.connect(self._context_menu)
        self.view.doubleClicked.connect(self._double_clicked)
        self.detail.reuse_requested.connect(self.reuse_requested)
        self.detail.favourite_toggled.connect(self.curator.set_favourite)
        self.detail.note_saved.connect(self.curator.set_note)
        self.detail.redownload_requested.connect(self.redownload_requested)
        self.detail.delete_requested.connect(self.curator.delete)
        self.detail.edit_requested.connect(self.edit_selected)
        self.detail.open_job.connect(self.open_lineage)
        self.curator.changed.connect(self._on_changed)
        self.curator.deleted.connect(self._on_deleted)
        self.curator.restored.connect(self._on_restored)
        self.curator.failed.connect(self.message)
        self.detail.message.connect(self.message)
        self.detail.image_unreadable.connect(self._on_unreadable)
        self.curator.exported.connect(lambda r: self.message.emit(
            translate("History", "Exported {count} image(s) to {path}").format(
                count=len(r.files) // 2, path=r.destination)
            + (translate("History", "; {count} missing file(s) skipped").format(
                count=len(r.skipped)) if r.skipped else "")))
        self.undo_action.triggered.connect(self.undo_delete)
        self.curator.library_changed.connect(self.refresh_library)
        self.curator.deleted.connect(lambda _: self.refresh_library())
        self.curator.restored.connect(lambda _: self.refresh_library())
        self.sidebar.collection_selected.connect(self.search.set_collection)
        self.sidebar.jobs_dropped.connect(self.curator.add_to_collection)
        self.sidebar.create_requested.connect(self._ask_new_collection)
        self.sidebar.rename_requested.connect(self._ask_rename_collection)
        self.sidebar.delete_requested.connect(self._ask_delete_collection)
        self.sidebar.export_requested.connect(self._ask_export_collection)
        bar = self.view.verticalScrollBar()
        bar.valueChanged.connect(self._prefetch)
        bar.rangeChanged.connect(lambda *_: self._prefetch(bar.value()))

    # ---- public API for the window -----------------------------------------------------------

    def job_completed(self, job_id: str) -> None:
        """A job reached a final state: show it (or refresh it) in the gallery."""
        self.model.insert_new(job_id)
        if self.detail.record is not None and self.detail.record.id == job_id:
            self._show_detail(job_id)

    def selected_ids(self) -> list[str]:
        rows = sorted(i.row() for i in self.view.selectionModel().selectedIndexes())
        return [j for j in (self.model.job_id(r) for r in rows) if j is not None]

    def selected_records(self) -> list[JobRecord]:
        ids = self.selected_ids()
        records = self.reader.get_many(ids)
        return [records[j] for j in ids if j in records]

    def select_job(self, job_id: str) -> bool:
        row = self.model.row_of(job_id)
        if row is None:
            return False
        index = self.model.index(row)
        self.view.selectionModel().setCurrentIndex(
            index, QItemSelectionModel.SelectionFlag.ClearAndSelect)
        self.view.scrollTo(index)
        return True

    def edit_selected(self) -> None:
        """"Edit this image": the shown image, or the first image of each selected job."""
        current = self.detail.record
        records = self.selected_records()
        if len(records) <= 1 and current is not None and current.images:
            index = min(self.detail.image_index, len(current.images) - 1)
            picks = [(current, index)]
        else:
            picks = [(record, 0) for record in records if record.images]
        items = [(str(self.reader.layout.absolute(record.images[index].path)), record.id, index)
                 for record, index in picks[:3]]
        if items:
            self.edit_requested.emit(items)

    def open_lineage(self, job_id: str) -> None:
        """Follow a lineage link: select the job, or show it even when the filter hides it."""
        if not self.select_job(job_id):
            self._show_detail(job_id)

    def delete_selected(self) -> None:
        ids = self.selected_ids()
        if ids:
            self.curator.delete(ids)

    def undo_delete(self) -> None:
        if self.curator.undo_last():
            self.undo_action.setEnabled(self.curator.can_undo)

    def clear_failed(self) -> None:
        self.curator.clear_failed()

    def export_selected(self, destination: Path, *, as_zip: bool) -> None:
        records = self.selected_records()
        if records:
            self.curator.export(records, destination, as_zip=as_zip)

    def compare(self, left_id: str, right_id: str) -> CompareView | None:
        """Open (or reuse) the compare window for two generations."""
        records = self.reader.get_many([left_id, right_id])
        if left_id not in records or right_id not in records:
            return None
        if self.compare_view is None:
            self.compare_view = CompareView(self.layout_, self.images)
            self.compare_view.fit_to_screen(self.screen().availableGeometry())
        self.compare_view.set_records(records[left_id], records[right_id])
        self.compare_view.show()
        self.compare_view.raise_()
        return self.compare_view

    # ---- library: ratings, tags, collections ------------------------------------------------

    def _rating_actions(self) -> list[QAction]:
        """Keys 1–5 rate the selected tiles, 0 clears (only while the gallery has focus)."""
        actions = []
        for stars in range(6):
            action = QAction(translate(
                "History", "Clear rating") if stars == 0 else "★" * stars, self.view)
            action.setShortcut(QKeySequence(str(stars)))
            action.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
            action.triggered.connect(partial(self.rate_selected, stars))
            self.view.addAction(action)
            actions.append(action)
        return actions

    def rate_selected(self, stars: int) -> None:
        ids = self.selected_ids()
        if ids:
            self.curator.set_rating(ids, stars)

    def refresh_library(self) -> None:
        """Re-read collections (with counts) and known tags on the search thread."""
        def read(reader: HistoryStore) -> tuple[list[CollectionInfo], list[str], int]:
            return (reader.collections(), [t.name for t in reader.tag_counts()],
                    reader.query_count(HistoryQuery()))

        self.runner.call(read, self._on_library,
                         lambda error: log.warning("library refresh failed: %s", error))

    def _on_library(self, result: tuple[list[CollectionInfo], list[str], int]) -> None:
        if self._closed:
            return
        collections, tags, total = result
        self.sidebar.set_collections(collections, total)
        self.search.tag_completer.set_tags(tags)
        self.library_refreshed.emit()

    def tag_editor_for_selection(self) -> TagEditor | None:
        """A tag editor showing the tags every selected generation shares (None: no selection)."""
        ids = self.selected_ids()
        if not ids:
            return None
        tags = self.reader.tags_of(ids)
        shared = set(tags.get(ids[0], []))
        for job_id in ids[1:]:
            shared &= set(tags.get(job_id, []))
        ordered = [t for t in tags.get(ids[0], []) if t in shared]
        editor = TagEditor(ordered, self.search.tag_completer.tags(), len(ids), self)
        editor.setProperty("job_ids", ids)
        return editor

    def edit_tags(self) -> None:
        editor = self.tag_editor_for_selection()
        if editor is not None and editor.exec() == TagEditor.DialogCode.Accepted:
            self.apply_tag_editor(editor)

    def apply_tag_editor(self, editor: TagEditor) -> None:
        added, removed = editor.changes()
        ids = list(editor.property("job_ids") or [])
        if ids and (added or removed):
            self.curator.edit_tags(ids, added, removed)

    def _ask_new_collection(self, job_ids: list[str] | None = None) -> None:
        name, ok = QInputDialog.getText(self, translate("History", "New collection"), translate(
            "History", "Name:"))
        if ok and name.strip():
            self.curator.create_collection(name, job_ids or [])

    def _ask_rename_collection(self, collection_id: int) -> None:
        old = self.sidebar.name_of(collection_id) or ""
        name, ok = QInputDialog.getText(self, translate("History", "Rename collection"), translate(
            "History", "Name:"), text=old)
        if ok and name.strip() and name != old:
            self.curator.rename_collection(collection_id, name)

    def _ask_delete_collection(self, collection_id: int) -> None:
        name = self.sidebar.name_of(collection_id) or ""
        box = plain_message_box(
            QMessageBox.Icon.Question, translate("History", "Delete collection"),
            translate("History", "Delete the collection “{name}”? Its generations stay in the "
                      "history.").format(name=name), self)
        box.setStandardButtons(QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No)
        if box.exec() == QMessageBox.StandardButton.Yes:
            self.curator.delete_collection(collection_id)

    def _ask_export_collection(self, collection_id: int) -> None:
        name = self.sidebar.name_of(collection_id) or "collection"
        target = self._ask_zip(translate("History", "Export collection"), f"{safe_stem(name)}.zip")
        if target is not None:
            self.curator.export_collection(collection_id, target, as_zip=True)

    def show_duplicates(self) -> DuplicatesView:
        """Open the duplicates window and scan (hashing what has no hash yet) in the background."""
        if self.duplicates_view is None:
            view = DuplicatesView(self.reader, self)
            view.keep_requested.connect(lambda _keep, others: self.curator.delete(others))
            view.rescan_requested.connect(self.curator.scan_duplicates)
            self.curator.duplicates_found.connect(view.show_report)
            self.curator.deleted.connect(lambda _: self.curator.scan_duplicates()
                                         if view.isVisible() else None)
            self.curator.restored.connect(lambda _: self.curator.scan_duplicates()
                                          if view.isVisible() else None)
            self.duplicates_view = view
        self.duplicates_view.show()
        self.duplicates_view.raise_()
        self.curator.scan_duplicates()
        return self.duplicates_view

    def check_consistency(self) -> None:
        """Compare rows and files (in the engine's process when it was given; the search
        thread waits for its answer); missing jobs get a badge."""
        file_check = self._file_check
        self.runner.call(check_files if file_check is None else lambda _reader: file_check(),
                         self._on_checked,
                         lambda error: log.warning("consistency check failed: %s", error))

    def _on_checked(self, report: ConsistencyReport) -> None:
        # The window's own copy (it changes as files come back): the packed ids are shared,
        # ~1.7 MB for 97,297 jobs where a dict of their strings and its copy were ~18 MB.
        self.missing = report.missing_jobs.copy()
        self.model.set_missing(self.missing)
        if report.missing_files:
            self.message.emit(translate(
                "History", "{files} image file(s) of {jobs} generation(s) are missing or "
                "damaged; recent ones can be re-downloaded.").format(
                files=report.missing_files, jobs=len(self.missing)))
        if report.orphans:
            log.info("files without a history row: %s", [str(p) for p in report.orphans])
            self.message.emit(translate(
                "History", "{count} file(s) in the data folder belong to no generation; they "
                "were left in place.").format(count=len(report.orphans)))
        if report.missing_thumbnails:
            self.curator.regenerate_thumbnails(report.missing_thumbnails)
        self.consistency_checked.emit(report)

    def _on_unreadable(self, job_id: str, index: int) -> None:
        """A shown file does not decode: treat it as damaged and offer Re-download."""
        record = self.detail.record
        if record is None or record.id != job_id:
            return
        damaged = unreadable_image(record, index)
        if job_id not in self.missing:
            self.missing[job_id] = damaged.redownloadable
            self.model.set_missing(self.missing)
        offered = self.missing[job_id]
        self.detail.set_redownloadable(offered)
        self.message.emit(
            (translate("History", "Image {number} of this generation is damaged; Re-download "
                       "fetches it again from fal.") if offered else
             translate("History", "Image {number} of this generation is damaged; fal no longer "
                       "keeps its result, so it cannot be fetched again.")).format(
                number=index + 1))

    def file_restored(self, job_id: str) -> None:
        """A re-download finished: clear the missing badge and repaint."""
        self.missing.pop(job_id, None)
        self.model.set_missing(self.missing)
        record = self.reader.get(job_id)
        for image in record.images if record is not None else ():
            self.thumbnails.forget(image.thumb_path or image.path)
        self._on_changed([job_id])

    def shutdown(self) -> None:
        """Finish writes, hand deleted files to the OS trash, stop every worker thread."""
        if self._closed:
            return
        self._closed = True
        self.model.close()
        self.detail.show_record(None)
        self.curator.shutdown()
        self.runner.shutdown()
        if self._own_thumbnails:
            self.thumbnails.shutdown()
        self.images.shutdown()
        if self.compare_view is not None:
            self.compare_view.close()
        if self.duplicates_view is not None:
            self.duplicates_view.close()
        self.reader.close()

    # ---- reactions ---------------------------------------------------------------------------

    def _prefetch(self, value: int) -> None:
        """Ask for the next page of keys while the user is still a few screens from the end."""
        bar = self.view.verticalScrollBar()
        if bar.maximum() - value <= PREFETCH_SCREENS * max(bar.pageStep(), 1) \
                and self.model.canFetchMore():
            self.model.fetchMore()

    def _after_reset(self) -> None:
        if self.detail.record is not None and self.model.row_of(self.detail.record.id) is None:
            self.detail.show_record(None)

    def _on_current(self, current: QModelIndex, _previous: QModelIndex) -> None:
        job_id = self.model.job_id(current.row()) if current.isValid() else None
        if job_id is not None:
            self._show_detail(job_id)

    def _show_detail(self, job_id: str) -> None:
        self.model.invalidate([job_id])
        row = self.model.row_of(job_id)
        record = self.model.record(row) if row is not None else self.reader.get(job_id)
        self.detail.show_record(record, self.reader.logs(job_id) if record else [],
                                missing=self.missing.get(job_id, False))
        self.detail.show_library(self.reader.ratings([job_id]).get(job_id, 0),
                                 self.reader.tags_of([job_id]).get(job_id, []),
                                 self.reader.collections_of([job_id]).get(job_id, []))
        if record is not None:
            self.detail.show_lineage(self.reader.made_from(job_id), self.reader.edits_of(job_id))

    def _on_changed(self, job_ids: list[str]) -> None:
        self.model.invalidate(job_ids)
        current = self.detail.record
        if current is not None and current.id in job_ids:
            self._show_detail(current.id)

    def _on_deleted(self, batch: DeletedBatch) -> None:
        self.model.remove_ids(batch.job_ids)
        if self.detail.record is not None and self.detail.record.id in batch.job_ids:
            self.detail.show_record(None)
        self.undo_action.setEnabled(self.curator.can_undo)
        if batch.records:
            self.message.emit(translate(
                "History", "Deleted {count} generation(s). Undo is possible until you quit.")
                .format(count=len(batch.records)))

    def _on_restored(self, job_ids: list[str]) -> None:
        self.model.refresh()
        self.message.emit(
            translate("History", "Restored {count} generation(s).").format(count=len(job_ids)))

    # ---- context menu ------------------------------------------------------------------------

    def _reuse_rows(self, rows: list[int], mode: ReuseMode) -> None:
        record = self.model.record(rows[0]) if rows else None
        request = request_for(record, mode) if record is not None else None
        if request is not None:
            self.reuse_requested.emit(request, mode.value)

    def _double_clicked(self, index: QModelIndex) -> None:
        """A grouped batch opens into its generations, a contact sheet into its grid; a
        generation is re-run exactly."""
        tile = self.model.batch_tile(index.row())
        summary = self.model.summary(index.row())
        if tile is not None:
            self.show_batch(tile.batch_id, tile.label)
        elif summary is not None and is_contact_sheet(summary.endpoint):
            batch_id = self.reader.grid_batch_of(summary.id)
            if batch_id is not None:
                self.grid_requested.emit(batch_id)
        else:
            self._reuse_rows([index.row()], ReuseMode.exact)

    def show_batch(self, batch_id: str, label: str = "") -> None:
        """Only this batch's generations (the search bar's batch button goes back)."""
        self.search.set_batch(batch_id, label)

    def ask_export_batch(self, batch_id: str) -> None:
        target = self._ask_zip(translate("History", "Export batch"), f"batch-{batch_id[:8]}.zip")
        if target is not None:
            self.curator.export_batch(batch_id, target, as_zip=True)

    def _add_batch_menu(self, menu: QMenu, job_id: str) -> None:
        """A batch member's (or a grouped tile's) batch commands."""
        batch_id = self.reader.grid_batch_of(job_id)
        if batch_id is None:
            return
        menu.addSeparator()
        if self.reader.batch_of(job_id) is None:  # a contact sheet: its batch's grid only
            menu.addAction(translate(
                "History", "Open the batch's grid"), lambda: self.grid_requested.emit(batch_id))
            return
        if self.search.batch != batch_id:
            menu.addAction(translate(
                "History", "Show this batch only"), lambda: self.show_batch(batch_id))
        menu.addAction(translate("History", "Open the batch's grid"),
                       lambda: self.grid_requested.emit(batch_id))
        menu.addAction(translate(
            "History", "Export the batch to zip…"), lambda: self.ask_export_batch(batch_id))
        menu.addAction(translate(
            "History", "Re-run the batch…"), lambda: self.rerun_batch_requested.emit(batch_id))

    def _context_menu(self, pos: QPoint) -> None:
        menu = self.build_menu()
        if not menu.isEmpty():
            menu.exec(self.view.viewport().mapToGlobal(pos))

    def build_menu(self) -> QMenu:
        """The context menu for the current selection (also used by tests)."""
        menu = QMenu(self)
        ids = self.selected_ids()
        rows = sorted(i.row() for i in self.view.selectionModel().selectedIndexes())
        if ids:
            labels = {ReuseMode.exact: translate("History", "Re-run exact (same seed)"),
                      ReuseMode.remix: translate(
                          "History", "Remix (new seed)"), ReuseMode.prompt: translate(
                              "History", "Use prompt only"),
                      ReuseMode.params: translate("History", "Use parameters only")}
            for mode, label in labels.items():
                menu.addAction(label, partial(self._reuse_rows, rows, mode))
            menu.addSeparator()
            first = self.model.record(rows[0])
            if first is not None:
                menu.addAction(translate(
                    "History", "Unfavourite") if first.favourite else translate(
                        "History", "Favourite"),
                               lambda: self.curator.set_favourite(ids[0], not first.favourite))
                menu.addAction(translate("History", "Edit note…"), lambda: self._edit_note(first))
                menu.addAction(translate(
                    "History", "Save prompt as snippet…"), lambda: self.snippet_requested.emit(
                    first.prompt, first.negative_prompt))
                menu.addAction(translate(
                    "History", "Show in folder"), lambda: self._show_in_folder(first))
            self._add_library_menu(menu, ids)
            if len(ids) == 2:
                menu.addAction(translate(
                    "History", "Compare"), lambda: self.compare(ids[0], ids[1]))
            if len(ids) == 1:
                self._add_batch_menu(menu, ids[0])
            if any(self.missing.get(j, False) for j in ids):
                menu.addAction(translate(
                    "History", "Re-download missing files"), partial(self._redownload, ids))
            menu.addAction(translate(
                "History", "Export to folder…"), lambda: self.ask_export(as_zip=False))
            menu.addAction(translate(
                "History", "Export to zip…"), lambda: self.ask_export(as_zip=True))
            menu.addSeparator()
            menu.addAction(translate("History", "Delete {count} generation(s)").format(
                count=len(ids)), self.delete_selected)
        menu.addAction(translate("History", "Clear failed"), self.clear_failed)
        menu.addAction(translate("History", "Find duplicates…"), self.show_duplicates)
        if self.curator.can_undo:
            menu.addAction(self.undo_action)
        return menu

    def _add_library_menu(self, menu: QMenu, ids: list[str]) -> None:
        rate = menu.addMenu(translate("History", "Rating"))
        for action in self.rating_actions[1:]:
            rate.addAction(action)
        rate.addAction(self.rating_actions[0])
        menu.addAction(self.tags_action)
        into = menu.addMenu(translate("History", "Add to collection"))
        for info in self.sidebar.collections:
            into.addAction(info.name, partial(self.curator.add_to_collection, info.id, ids))
        into.addSeparator()
        into.addAction(translate(
            "History", "New collection…"), lambda: self._ask_new_collection(ids))
        current = self.sidebar.current_collection()
        if current is not None:
            menu.addAction(translate("History", "Remove from {name}").format(
                               name=self.sidebar.name_of(current)),
                           partial(self.curator.remove_from_collection, current, ids))

    def _redownload(self, ids: list[str]) -> None:
        for job_id in ids:
            if job_id in self.missing:
                self.redownload_requested.emit(job_id)

    def _edit_note(self, record: JobRecord) -> None:
        text, ok = QInputDialog.getMultiLineText(self, translate("History", "Note"), translate(
            "History", "Note for this generation:"),
                                                 record.note)
        if ok:
            if len(text) > MAX_NOTE_CHARS:  # the dialog has no limit of its own
                self.message.emit(translate(
                    "History", "The note holds at most {max} characters: {count} were left out."
                ).format(max=f"{MAX_NOTE_CHARS:,}", count=f"{len(text) - MAX_NOTE_CHARS:,}"))
                text = text[:MAX_NOTE_CHARS]
            self.curator.set_note(record.id, text)

    def _show_in_folder(self, record: JobRecord) -> None:
        """The image selected in the file manager (its output-folder copy if there is one),
        else its folder, else a message with its path."""
        if not record.images:
            return
        image = self.layout_.absolute(record.images[0].path)
        if self.files is None:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(image.parent)))
            return
        self.files.reveal_image(str(image), self.window())

    def ask_export(self, *, as_zip: bool) -> None:
        """Export the selection; the dialog starts in the folder last exported to (else the
        output folder), a zip with a dated name."""
        if as_zip:
            target = self._ask_zip(translate("History", "Export to zip"),
                                   time.strftime("qwen-image-export-%Y-%m-%d.zip"))
        else:
            chosen = QFileDialog.getExistingDirectory(self, translate(
                "History", "Export to folder"),
                                                      str(self._export_start()))
            target = Path(chosen) if chosen else None
            if target is not None and self.files is not None:
                self.files.remember_export_folder(target)
        if target is not None:
            self.export_selected(target, as_zip=as_zip)

    def _export_start(self) -> Path:
        return self.files.export_folder() if self.files is not None else Path.home()

    def _ask_zip(self, title: str, default_name: str) -> Path | None:
        """A zip file to export to, asked in the folder last exported to (then remembered)."""
        name, _ = QFileDialog.getSaveFileName(self, title,
                                              str(self._export_start() / default_name),
                                              translate("History", "Zip files (*.zip)"))
        if not name:
            return None
        target = Path(name) if name.lower().endswith(".zip") else Path(f"{name}.zip")
        if self.files is not None:
            self.files.remember_export_folder(target.parent)
        return target
