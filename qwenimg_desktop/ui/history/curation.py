"""HistoryCurator: favourite, note, delete with undo, clear failed, export; off the GUI thread."""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection, Sequence
from pathlib import Path
from typing import TypeVar

from PySide6.QtCore import QFile, QObject, Signal

from qwenimg_desktop.core.errors import QwenImgError
from qwenimg_desktop.core.jobs.model import JobState
from qwenimg_desktop.core.store.consistency import regenerate_thumbnails
from qwenimg_desktop.core.store.duplicates import scan
from qwenimg_desktop.core.store.export import ExportResult, export_to_folder, export_to_zip
from qwenimg_desktop.core.store.history import HistoryStore
from qwenimg_desktop.core.store.queries import HistoryQuery
from qwenimg_desktop.core.store.records import JobRecord
from qwenimg_desktop.core.store.trash import DeletedBatch, FileMover, Trash
from qwenimg_desktop.ui.core_texts import core_text
from qwenimg_desktop.ui.workers import Workers

log = logging.getLogger("qwenimg.ui.history")
T = TypeVar("T")


def qt_move_to_trash(path: Path) -> bool:
    """Move one file to the OS trash with Qt; False where there is no trash (file stays)."""
    result: object = QFile.moveToTrash(str(path))
    return bool(result[0] if isinstance(result, tuple) else result)


def _message(error: Exception) -> str:
    """What a refused change says: a fixed core sentence in the interface language (the
    others, naming a file or the OS's reason, as they come)."""
    if isinstance(error, QwenImgError):
        step = f" {core_text(error.next_step)}" if error.next_step else ""
        return f"{core_text(error.message)}{step}"
    return f"{type(error).__name__}: {error}"


class HistoryCurator(QObject):
    """Every history write, serialised on the ``history-writes`` thread.

    Signals:
        changed(list[str]): these jobs' rows changed (favourite, note): repaint them.
        deleted(DeletedBatch): rows and files are gone; ``undo_last()`` brings them back.
        restored(list[str]): an undo put these jobs back.
        exported(ExportResult), failed(str): outcome messages for the user.
        library_changed(): tags or collections changed (refresh counts and autocomplete).
        duplicates_found(DuplicateReport): a duplicate scan finished.
    """

    changed = Signal(list)
    deleted = Signal(object)
    restored = Signal(list)
    exported = Signal(object)
    failed = Signal(str)
    library_changed = Signal()
    duplicates_found = Signal(object)

    def __init__(self, store: HistoryStore, os_trash: FileMover | None = qt_move_to_trash,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.trash = Trash(store, os_trash)
        self._queue = Workers("history-writes", threads=1, low_priority=True, parent=self)
        self._undo: list[DeletedBatch] = []

    def __repr__(self) -> str:
        return f"<HistoryCurator undo={len(self._undo)} {self._queue!r}>"

    @property
    def can_undo(self) -> bool:
        return bool(self._undo)

    def set_favourite(self, job_id: str, favourite: bool) -> None:
        self._run(lambda: self.store.set_favourite(job_id, favourite),
                  lambda _: self.changed.emit([job_id]))

    def set_note(self, job_id: str, text: str) -> None:
        self._run(lambda: self.store.set_note(job_id, text), lambda _: self.changed.emit([job_id]))

    def set_rating(self, job_ids: Collection[str], rating: int | None) -> None:
        """1–5 stars on every job of ``job_ids``; 0 or None clears."""
        ids = list(job_ids)
        self._run(lambda: self.store.set_rating(ids, rating), lambda _: self.changed.emit(ids))

    def edit_tags(self, job_ids: Collection[str], add: Sequence[str],
                  remove: Sequence[str]) -> None:
        """Add and remove tags on every job of ``job_ids`` (names are normalised by the store)."""
        ids = list(job_ids)

        def work() -> None:
            if remove:
                self.store.remove_tags(ids, remove)
            if add:
                self.store.add_tags(ids, add)

        self._run(work, lambda _: self._library_done(ids))

    def create_collection(self, name: str, job_ids: Collection[str] = ()) -> None:
        """A new collection, optionally holding ``job_ids`` from the start."""
        ids = list(job_ids)

        def work() -> None:
            collection = self.store.create_collection(name)
            if ids:
                self.store.add_to_collection(collection, ids)

        self._run(work, lambda _: self._library_done(ids))

    def rename_collection(self, collection_id: int, name: str) -> None:
        self._run(lambda: self.store.rename_collection(collection_id, name),
                  lambda _: self._library_done([]))

    def delete_collection(self, collection_id: int) -> None:
        """Remove the collection; its generations stay in the history."""
        self._run(lambda: self.store.delete_collection(collection_id),
                  lambda _: self._library_done([]))

    def add_to_collection(self, collection_id: int, job_ids: Collection[str]) -> None:
        ids = list(job_ids)
        self._run(lambda: self.store.add_to_collection(collection_id, ids),
                  lambda _: self._library_done(ids))

    def remove_from_collection(self, collection_id: int, job_ids: Collection[str]) -> None:
        ids = list(job_ids)
        self._run(lambda: self.store.remove_from_collection(collection_id, ids),
                  lambda _: self._library_done(ids))

    def export_collection(self, collection_id: int, destination: Path, *,
                          as_zip: bool) -> None:
        """Export every generation of a collection with the same code as a selection."""
        layout = self.store.layout

        def work() -> ExportResult:
            ids = self.store.collection_job_ids(collection_id)
            records = self.store.get_many(ids)
            chosen = [records[j] for j in ids if j in records]
            return (export_to_zip if as_zip else export_to_folder)(chosen, layout, destination)

        self._run(work, self.exported.emit)

    def export_batch(self, batch_id: str, destination: Path, *, as_zip: bool) -> None:
        """Export every generation of a batch with the same code as a selection."""
        layout = self.store.layout

        def work() -> ExportResult:
            ids = self.store.batch(batch_id).job_ids
            records = self.store.get_many(ids)
            chosen = [records[j] for j in ids if j in records]
            return (export_to_zip if as_zip else export_to_folder)(chosen, layout, destination)

        self._run(work, self.exported.emit)

    def scan_duplicates(self) -> None:
        """Hash images that have no dHash yet, then group identical and similar ones."""
        self._run(lambda: scan(self.store), self.duplicates_found.emit)

    def _library_done(self, job_ids: list[str]) -> None:
        if job_ids:
            self.changed.emit(job_ids)
        self.library_changed.emit()

    def delete(self, job_ids: Collection[str]) -> None:
        ids = list(job_ids)
        self._run(lambda: self.trash.delete(ids), self._on_deleted)

    def clear_failed(self) -> None:
        """Delete every failed (and submission-unknown) job."""
        query = HistoryQuery(states=frozenset({JobState.failed, JobState.unknown}))

        def work() -> DeletedBatch:
            ids = [job_id for _, job_id in self.store.query_keys(query, limit=1_000_000)]
            return self.trash.delete(ids)

        self._run(work, self._on_deleted)

    def _on_deleted(self, batch: DeletedBatch) -> None:
        if batch.records:
            self._undo.append(batch)
        self.deleted.emit(batch)

    def undo_last(self) -> bool:
        """Restore the most recent delete; False when there is nothing to undo."""
        if not self._undo:
            return False
        batch = self._undo.pop()
        self._run(lambda: self.trash.undo(batch), self.restored.emit)
        return True

    def export(self, records: Sequence[JobRecord], destination: Path, *, as_zip: bool) -> None:
        layout = self.store.layout
        chosen = list(records)
        if as_zip:
            self._run(lambda: export_to_zip(chosen, layout, destination), self.exported.emit)
        else:
            self._run(lambda: export_to_folder(chosen, layout, destination), self.exported.emit)

    def _run(self, fn: Callable[[], T], on_done: Callable[[T], object]) -> None:
        self._queue.run(fn, on_done, self._on_failed)

    def _on_failed(self, error: Exception) -> None:
        if not isinstance(error, QwenImgError | OSError):
            raise error
        log.warning("history write failed: %s", error)
        self.failed.emit(_message(error))

    def regenerate_thumbnails(self, items: tuple[tuple[str, int], ...]) -> None:
        """Remake missing thumbnails (derived files) from their images."""
        self._run(lambda: regenerate_thumbnails(self.store, items),
                  lambda made: self.changed.emit(sorted({j for j, _ in items})))

    def wait(self, msecs: int = 10_000) -> bool:
        return self._queue.wait(msecs)

    def finalize(self) -> int:
        """At quit: end undo and hand deleted files to the OS trash. Blocks; returns the count."""
        self._queue.wait()
        self._undo.clear()
        return self.trash.finalize()

    def shutdown(self) -> None:
        self.finalize()
        self._queue.shutdown()


__all__ = ["ExportResult", "HistoryCurator", "qt_move_to_trash"]
