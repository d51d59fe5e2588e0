"""Start-up checks that the history rows and the files agree, and repair that never deletes.

* :func:`open_history` opens the database; a corrupt file is moved aside and a fresh one made.
* :func:`check_files` lists rows whose files are missing or damaged (not the size recorded when
  the file was written) and files no row knows (orphans).

Fetching a job's missing files again is ``store.redownload`` (the engine's; asyncio and the
metadata writer load with it, not with the History tab's browser, which imports this module).

All of it blocks on disk: run it off the GUI thread.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import stat
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from qwenimg_desktop.core import heap
from qwenimg_desktop.core.errors import UserError
from qwenimg_desktop.core.store import db
from qwenimg_desktop.core.store.db import DatabaseCorrupt
from qwenimg_desktop.core.store.files import PARTIAL_SUFFIX, DataLayout
from qwenimg_desktop.core.store.history import HistoryStore
from qwenimg_desktop.core.store.job_flags import JobFlags, JobFlagsBuilder
from qwenimg_desktop.core.store.reads import HistoryReads
from qwenimg_desktop.core.store.records import ImageRecord, JobRecord
from qwenimg_desktop.core.store.thumbnails import make_thumbnail

log = logging.getLogger("qwenimg.store.consistency")

REDOWNLOAD_WINDOW_S: Final = 7 * 24 * 3600
"""fal keeps request results for at least 7 days; after that a re-download cannot work."""


@dataclass(frozen=True)
class OpenedHistory:
    """The writer store, and the damaged file moved aside (with a message) if there was one."""

    store: HistoryStore
    moved_aside: Path | None = None
    message: str | None = None


def open_history(layout: DataLayout) -> OpenedHistory:
    """Open (or create) the history; a corrupt database is moved aside and replaced.

    Raises:
        SchemaTooNew, DiskFull, DatabaseBusy, StoreError: problems a fresh file cannot fix.
    """
    try:
        store = HistoryStore.open(layout)
    except DatabaseCorrupt:
        store = None
    if store is not None:
        try:
            if store.integrity_ok():
                return OpenedHistory(store)
        except DatabaseCorrupt:
            pass
        store.close()
    moved = db.move_aside(layout.db_path)
    log.error("history database was damaged; moved to %s", moved)
    fresh = HistoryStore.open(layout)
    message = (
        f"The history database was damaged and has been moved to {moved}. A fresh, empty "
        f"history was started; your image files are still in {layout.images_dir}."
    )
    return OpenedHistory(fresh, moved, message)


@dataclass(frozen=True, slots=True)
class MissingImage:
    """A stored image whose file is gone or damaged; ``redownloadable`` while fal may hold it."""

    job_id: str
    index: int
    path: str
    request_id: str | None
    created_at: float
    redownloadable: bool
    damaged: bool = False  # the file is there but is not what was written (size, or unreadable)


def unreadable_image(record: JobRecord, index: int, *, now: float | None = None) -> MissingImage:
    """A file of ``record`` found unreadable when shown (same size, other bytes): damaged."""
    now = time.time() if now is None else now
    young = now - record.created_at < REDOWNLOAD_WINDOW_S
    path = record.images[index].path if index < len(record.images) else ""
    return MissingImage(record.id, index, path, record.request_id, record.created_at,
                        bool(record.request_id) and young, damaged=True)


@dataclass(frozen=True)
class ConsistencyReport:
    """Result of :func:`check_files`; orphans are listed only, never deleted.

    A check can find a missing or damaged file for each of 100,000 images (97,297 on the
    benchmark history), so it reports them per job, in a form the window can keep: one row
    object per image made the first collection after the check walk them all, holding the GIL
    while the GUI thread waited (24–53 ms), and the rows and their strings, made among the
    check's short-lived ones, were ~40 MB of the window's memory it never gave back (pools
    partly used keep whole arenas). :class:`JobFlags` packs the jobs in ~17 bytes each.
    """

    missing_jobs: JobFlags
    """Job id → Re-download offered (fal may still hold its result), for every job with a
    missing or damaged image."""
    missing_files: int
    """Image files missing or damaged."""
    damaged_files: int
    """Of those, the files that are there but not as written (not the size recorded)."""
    missing_thumbnails: tuple[tuple[str, int], ...]
    orphans: tuple[Path, ...]

    @property
    def missing_job_ids(self) -> frozenset[str]:
        return frozenset(self.missing_jobs)

    @property
    def clean(self) -> bool:
        return not (self.missing_files or self.missing_thumbnails or self.orphans)


def check_files(store: HistoryReads, *, now: float | None = None) -> ConsistencyReport:
    """Compare every image row with the files under ``images/`` and ``thumbs/``.

    With the cyclic collector paused (:func:`heap.paused_collections`): a history with many
    missing files makes as many rows, and the collections their number set off walked them all
    while holding the GIL."""
    with heap.paused_collections():
        return _check_files(store, now)


def _check_files(store: HistoryReads, now: float | None) -> ConsistencyReport:
    layout = store.layout
    now = time.time() if now is None else now
    # The files first, then every row crosses its own off: what is left belongs to no row. The
    # set is as large as the files there are, not as the rows (a set of every row's two paths
    # was ~27 MB at 100,000 rows whatever was on disk), and a file written while the rows are
    # walked is not in it, so it is never taken for an orphan.
    unclaimed = set(_stored_files(layout))
    jobs = JobFlagsBuilder()  # nothing kept per row among the rows' own short-lived objects
    missing_files = damaged_files = 0
    missing_thumbs: list[tuple[float, str, int]] = []  # created_at first: sorted below
    for row in store.image_rows():
        job_id, index, path, thumb, request_id, created_at, size = row
        unclaimed.discard(path)
        found = _size(layout, path)
        intact = found is not None and (size <= 0 or found == size)
        if not intact:
            missing_files += 1
            damaged_files += found is not None
            jobs.add(job_id, bool(request_id) and now - created_at < REDOWNLOAD_WINDOW_S)
        if thumb:
            unclaimed.discard(thumb)
            # Only a thumbnail that can be remade is listed: from an intact image. (Listing every
            # image's thumbnail when the images are gone had the window read all their jobs to
            # remake none: 97,297 at 100,000 generations.)
            if intact and not _exists(layout, thumb):
                missing_thumbs.append((created_at, job_id, index))
    # Newest job first, its images in order, as they are shown.
    missing_thumbs.sort(key=lambda t: (-t[0], t[2]))
    return ConsistencyReport(jobs.build(), missing_files, damaged_files,
                             tuple((j, i) for _, j, i in missing_thumbs),
                             tuple(sorted(layout.absolute(name) for name in unclaimed)))


def _size(layout: DataLayout, relative: str) -> int | None:
    """The size of a stored file, or None when it is not a readable regular file."""
    try:
        found = os.stat(layout.os_path(relative))  # no Path: see DataLayout.os_path
    except (OSError, ValueError):
        return None
    return found.st_size if stat.S_ISREG(found.st_mode) else None


def is_intact(layout: DataLayout, image: ImageRecord) -> bool:
    """Whether ``image``'s file is there with the size and sha256 recorded when it was written.

    A value not recorded (old rows) is not checked. Reads the whole file: for re-download, not
    for the start-up check (which compares sizes only).
    """
    path = layout.absolute(image.path)
    try:
        if not path.is_file():
            return False
        if image.size_bytes > 0 and path.stat().st_size != image.size_bytes:
            return False
        if len(image.sha256) == 64:
            digest = hashlib.sha256()
            with path.open("rb") as handle:
                for chunk in iter(lambda: handle.read(1 << 20), b""):
                    digest.update(chunk)
            return digest.hexdigest() == image.sha256
    except OSError:
        return False
    return True


def _exists(layout: DataLayout, relative: str) -> bool:
    try:
        return os.path.isfile(layout.os_path(relative))
    except ValueError:
        return False


def _stored_files(layout: DataLayout) -> Iterator[str]:
    """The stored (relative POSIX) paths of the files under ``images/`` and ``thumbs/``;
    hidden names and partial downloads are not looked at. Strings: a ``Path`` per file (a
    history of 100,000 images has twice as many files) cost the check seconds of pathlib
    holding the GIL."""
    root = os.fspath(layout.root)
    for top in (layout.images_dir, layout.thumbs_dir):
        if not top.is_dir():
            continue
        for directory, dirs, files in os.walk(top):
            dirs[:] = [d for d in dirs if not d.startswith(".")]
            inside = os.path.relpath(directory, root).replace(os.sep, "/")
            yield from (f"{inside}/{name}" for name in files
                        if not name.startswith(".") and not name.endswith(PARTIAL_SUFFIX))


def regenerate_thumbnails(store: HistoryReads, items: tuple[tuple[str, int], ...]) -> int:
    """Remake missing thumbnails (derived data) from their images; returns how many were made."""
    made = 0
    wanted = set(items)  # a lookup per image: not a walk of the tuple each time
    for job_id, record in store.get_many({j for j, _ in items}).items():
        for image in record.images:
            if (job_id, image.index) not in wanted or not image.thumb_path:
                continue
            with contextlib.suppress(UserError, OSError, ValueError):
                make_thumbnail(store.layout.absolute(image.path),
                               store.layout.absolute(image.thumb_path))
                made += 1
    return made
