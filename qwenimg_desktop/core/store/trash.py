"""Delete generations with undo: rows and files leave together; files wait in a staging folder.

Deleted files are first moved to ``<data>/trash/<batch>/`` (a rename on the same disk), so an
undo restores both the rows and the files exactly. At quit :meth:`Trash.finalize` hands the
staged files to the OS trash through an injected mover (the UI passes ``QFile.moveToTrash``);
files the mover cannot take stay in ``<data>/trash/``. Nothing is ever unlinked here.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import threading
import uuid
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

from qwenimg_desktop.core.jobs.model import FINAL_STATES
from qwenimg_desktop.core.private import private_dir
from qwenimg_desktop.core.store.files import DataLayout
from qwenimg_desktop.core.store.history import HistoryStore
from qwenimg_desktop.core.store.library import Annotations
from qwenimg_desktop.core.store.reads import LogLine
from qwenimg_desktop.core.store.records import JobRecord

log = logging.getLogger("qwenimg.store.trash")

TRASH_DIR: Final = "trash"
FileMover = Callable[[Path], bool]
"""Moves one file to the OS trash; returns False when it could not (the file stays put)."""


@dataclass(frozen=True)
class DeletedBatch:
    """One delete: what is needed to undo it until :meth:`Trash.finalize` runs."""

    batch_id: str
    records: tuple[JobRecord, ...]
    logs: dict[str, list[LogLine]] = field(repr=False)
    moved: tuple[tuple[Path, Path], ...]
    """(original path, staged path) of every file moved."""
    annotations: Annotations = field(default_factory=Annotations, repr=False)
    """Tags, ratings, collection memberships and image hashes, restored by an undo."""

    @property
    def job_ids(self) -> list[str]:
        return [r.id for r in self.records]


def trash_dir(layout: DataLayout) -> Path:
    return layout.root / TRASH_DIR


class Trash:
    """Deletes jobs through the writer store and keeps undo data until :meth:`finalize`.

    Thread-safe; call it off the GUI thread (it renames files and writes the database).
    """

    def __init__(self, store: HistoryStore, os_trash: FileMover | None = None) -> None:
        self.store = store
        self.layout = store.layout
        self._os_trash = os_trash
        self._lock = threading.Lock()
        self._batches: dict[str, DeletedBatch] = {}

    def __repr__(self) -> str:
        return f"<Trash batches={len(self._batches)} root={str(trash_dir(self.layout))!r}>"

    @property
    def batches(self) -> list[DeletedBatch]:
        with self._lock:
            return list(self._batches.values())

    def delete(self, job_ids: Collection[str]) -> DeletedBatch:
        """Delete finished jobs (rows and files); jobs still in flight are skipped.

        Files are staged first; if the database delete fails they are moved back and the
        error propagates, so rows and files never disagree.
        """
        self.store.require_writable()  # before any file moves (an early, unchecked history)
        records = [r for r in self.store.get_many(job_ids).values() if r.state in FINAL_STATES]
        records.sort(key=lambda r: r.seq, reverse=True)
        logs = {r.id: self.store.logs(r.id) for r in records}
        annotations = self.store.annotations([r.id for r in records])
        batch_id = uuid.uuid4().hex
        moved = self._stage(batch_id, records)
        try:
            self.store.delete([r.id for r in records])
        except BaseException:
            _move_back(moved)
            raise
        batch = DeletedBatch(batch_id, tuple(records), logs, tuple(moved), annotations)
        with self._lock:
            self._batches[batch_id] = batch
        return batch

    def undo(self, batch: DeletedBatch) -> list[str]:
        """Restore the rows and files of ``batch``; returns the job ids restored."""
        with self._lock:
            if self._batches.pop(batch.batch_id, None) is None:
                return []
        _move_back(list(batch.moved))
        restored = self.store.restore(batch.records, batch.logs)
        self.store.restore_annotations(batch.annotations)
        _remove_empty_dirs(trash_dir(self.layout) / batch.batch_id)
        return restored

    def finalize(self) -> int:
        """End undo: hand staged files to the OS trash (if a mover was given); returns the count.

        Files the mover refuses stay under ``<data>/trash/``.
        """
        with self._lock:
            batches, self._batches = list(self._batches.values()), {}
        handed = 0
        for batch in batches:
            for _, staged in batch.moved:
                if self._os_trash is not None and staged.exists() and self._hand_over(staged):
                    handed += 1
            _remove_empty_dirs(trash_dir(self.layout) / batch.batch_id)
        return handed

    def _hand_over(self, staged: Path) -> bool:
        assert self._os_trash is not None
        try:
            return bool(self._os_trash(staged))
        except OSError:
            log.warning("could not move %s to the OS trash", staged, exc_info=True)
            return False

    def _stage(self, batch_id: str, records: list[JobRecord]) -> list[tuple[Path, Path]]:
        base = trash_dir(self.layout) / batch_id
        moved: list[tuple[Path, Path]] = []
        try:
            for record in records:
                for image in record.images:
                    for relative in (image.path, image.thumb_path):
                        if not relative:
                            continue
                        source = self.layout.absolute(relative)
                        if not source.exists():
                            continue
                        target = base / relative
                        private_dir(target.parent)
                        os.replace(source, target)
                        moved.append((source, target))
        except BaseException:
            _move_back(moved)
            raise
        return moved


def _move_back(moved: list[tuple[Path, Path]] | tuple[tuple[Path, Path], ...]) -> None:
    for original, staged in reversed(moved):
        if staged.exists():
            private_dir(original.parent)
            try:
                os.replace(staged, original)
            except OSError:
                shutil.copy2(staged, original)


def _remove_empty_dirs(top: Path) -> None:
    if not top.is_dir():
        return
    for directory in sorted((p for p in top.rglob("*") if p.is_dir()),
                            key=lambda p: len(p.parts), reverse=True):
        with contextlib.suppress(OSError):
            directory.rmdir()
    with contextlib.suppress(OSError):
        top.rmdir()
