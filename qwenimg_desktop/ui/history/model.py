"""HistoryModel: the ids of the current query in keyset pages, row records fetched when painted.

Only ``(seq, id)`` keys live in the model (``seq``: the insertion order, the keyset cursor of
:class:`~qwenimg_desktop.core.store.queries.HistoryQuery`); pages of keys come from the
:class:`~qwenimg_desktop.ui.history.search.QueryRunner` (off the GUI thread) through
``canFetchMore``/``fetchMore``. A row's record is read in a block around it (one indexed lookup)
into an LRU cache: for painting, on the ``history-rows`` thread (the tile shows a placeholder
until its block arrives), never on the GUI thread; a read from the disk can block for as long as
the disk takes (a 135 ms read in a scroll of 100,000 rows froze the window, docs/performance.md).
"""

from __future__ import annotations

import logging
import time
from collections import OrderedDict
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from enum import IntEnum
from functools import partial
from operator import itemgetter
from pathlib import Path
from typing import Any, Final

from PySide6.QtCore import (
    QAbstractListModel,
    QByteArray,
    QMimeData,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    QUrl,
    Signal,
)
from PySide6.QtGui import QPixmap

from qwenimg_desktop.core.endpoints import EndpointKind, Tier, UnknownEndpoint, endpoint_for
from qwenimg_desktop.core.jobs.model import JobState
from qwenimg_desktop.core.store.grids import BatchTile, is_contact_sheet
from qwenimg_desktop.core.store.history import HistoryStore
from qwenimg_desktop.core.store.job_flags import JobFlags
from qwenimg_desktop.core.store.queries import HistoryQuery
from qwenimg_desktop.core.store.records import JobRecord, JobSummary
from qwenimg_desktop.ui.history.collections_sidebar import JOB_IDS_MIME
from qwenimg_desktop.ui.history.search import Key, KeysResult, QueryRunner
from qwenimg_desktop.ui.history.thumbnails import ThumbnailLoader
from qwenimg_desktop.ui.i18n import translate
from qwenimg_desktop.ui.safe_text import markdown_plain_line, plain_tooltip
from qwenimg_desktop.ui.workers import Workers

log = logging.getLogger("qwenimg.ui.history")

FIRST_PAGE: Final = 240
PAGE: Final = 10_000
CACHE_ROWS: Final = 3000
BLOCK_BEFORE: Final = 12
BLOCK_AFTER: Final = 48
SNIPPET_CHARS: Final = 120

AnyIndex = QModelIndex | QPersistentModelIndex


class Role(IntEnum):
    """Custom data roles of :class:`HistoryModel`."""

    job_id = Qt.ItemDataRole.UserRole + 1
    summary = Qt.ItemDataRole.UserRole + 2
    thumbnail = Qt.ItemDataRole.UserRole + 3
    state = Qt.ItemDataRole.UserRole + 4
    favourite = Qt.ItemDataRole.UserRole + 5
    snippet = Qt.ItemDataRole.UserRole + 6
    missing = Qt.ItemDataRole.UserRole + 7
    thumbnail_failed = Qt.ItemDataRole.UserRole + 8
    rating = Qt.ItemDataRole.UserRole + 9
    batch_tile = Qt.ItemDataRole.UserRole + 10
    """The row's ``BatchTile`` when the query groups batches and the row stands for one."""
    mosaic = Qt.ItemDataRole.UserRole + 11
    """The pixmaps (None while decoding) of a grouped batch's first images."""
    face = Qt.ItemDataRole.UserRole + 12
    """The row's :class:`TileFace`: everything a tile paints but its picture, in one call."""


@dataclass(frozen=True, slots=True)
class TileFace:
    """What a gallery tile shows besides its picture, made once per row (not per paint).

    The delegate paints a screen of tiles at every scroll step; asking the model for a dozen
    roles per tile (each one a call from C++ into Python) and formatting the caption, date
    and badges again each time was most of the GUI thread's work while scrolling
    (docs/performance.md). A face is rebuilt when its row's summary, batch or missing mark
    changes."""

    summary: JobSummary
    tile: BatchTile | None
    missing: bool
    caption: str
    stamp: str
    size: str
    state: JobState | None
    stars: int
    badges: tuple[tuple[str, str], ...]
    """(colour name, text) of each badge, right to left."""


def snippet(prompt: str) -> str:
    """The first words of a prompt on one line, without markdown marks."""
    flat = markdown_plain_line(prompt)
    return flat if len(flat) <= SNIPPET_CHARS else flat[:SNIPPET_CHARS - 1] + "…"


class HistoryModel(QAbstractListModel):
    """List model of the history for one :class:`HistoryQuery`.

    Signals:
        count_changed(int): total rows matching the query (when known).
        loading_changed(bool): a page of keys is being fetched.
        query_failed(object): the runner raised (a typed store error).
    """

    count_changed = Signal(int)
    loading_changed = Signal(bool)
    query_failed = Signal(object)

    def __init__(self, reader: HistoryStore, runner: QueryRunner, thumbnails: ThumbnailLoader,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._reader = reader
        self._runner = runner
        self._thumbs = thumbnails
        self._query = HistoryQuery()
        self._generation = 0
        self._keys: list[Key] = []
        self._rows: dict[str, int] = {}
        self._exhausted = True
        self._loading = False
        self._total: int | None = None
        self._cache: OrderedDict[str, JobSummary] = OrderedDict()
        self._tiles: dict[str, BatchTile] = {}
        self._faces: dict[str, TileFace] = {}
        self._missing = JobFlags()
        self._thumb_rows: dict[str, str] = {}
        # Blocks of rows read for painting, off the GUI thread. Normal priority: the tiles on
        # screen wait for it (a niced thread would be starved by any busy program).
        self._row_reads = Workers("history-rows", threads=1, parent=self)
        self._reading: set[str] = set()  # ids whose block read is on its way
        self._reads_epoch = 0  # bumped when cached rows go stale: older reads are dropped
        runner.keys_ready.connect(self._on_keys)
        thumbnails.thumbnail_ready.connect(self._on_thumbnail)

    def __repr__(self) -> str:
        return (f"<HistoryModel rows={len(self._keys)} total={self._total}"
                f" generation={self._generation} query={self._query!r}>")

    # ---- query -------------------------------------------------------------------------------

    @property
    def query(self) -> HistoryQuery:
        return self._query

    @property
    def generation(self) -> int:
        return self._generation

    @property
    def total(self) -> int | None:
        return self._total

    @property
    def loading(self) -> bool:
        return self._loading

    def set_query(self, query: HistoryQuery) -> int:
        """Start a new listing; the model resets when its first page arrives. Returns its number."""
        self._query = query
        self._generation += 1
        self._set_loading(True)
        self._runner.request(query, generation=self._generation, kind="reset",
                             limit=FIRST_PAGE, with_count=True)
        return self._generation

    def refresh(self) -> int:
        """Re-run the current query (after a delete, an undo or an external change)."""
        self._forget_rows()
        return self.set_query(self._query)

    def _forget_rows(self) -> None:
        """Every cached record is stale; so is any block read still on its way."""
        self._cache.clear()
        self._reads_epoch += 1

    def insert_new(self, job_id: str) -> None:
        """A job just finished: show it at the top if it matches the current query."""
        if job_id in self._rows:
            self.invalidate([job_id])
            return
        query = HistoryQuery(**{**self._query.__dict__, "ids": frozenset({job_id})})
        self._runner.request(query, generation=self._generation, kind="insert", limit=1)

    def _on_keys(self, result: KeysResult) -> None:
        if result.generation != self._generation:
            return  # a stale answer: a newer query has been started since
        if result.error is not None:
            self._set_loading(False)
            self.query_failed.emit(result.error)
            return
        if result.kind == "count":
            self._total = result.count
            self.count_changed.emit(result.count or 0)
        elif result.kind == "reset":
            self._reset(result)
        elif result.kind == "more":
            self._append(result.keys)
        elif result.kind == "insert":
            self._prepend([k for k in result.keys if k[1] not in self._rows])

    def _reset(self, result: KeysResult) -> None:
        self.beginResetModel()
        self._keys = list(result.keys)
        self._rows = {job_id: i for i, (_, job_id) in enumerate(self._keys)}
        self._exhausted = len(result.keys) < FIRST_PAGE
        self._forget_rows()
        self._tiles.clear()
        self.endResetModel()
        self._total = None
        self._set_loading(False)

    def _append(self, keys: list[Key]) -> None:
        self._set_loading(False)
        ids = list(map(itemgetter(1), keys))
        if self._rows.keys().isdisjoint(ids):
            fresh = keys  # a page after the last: every key is new (no Python loop over it)
        else:
            fresh = [k for k in keys if k[1] not in self._rows]
            ids = [k[1] for k in fresh]
        self._exhausted = len(keys) < PAGE
        if not fresh:
            return
        start = len(self._keys)
        self.beginInsertRows(QModelIndex(), start, start + len(fresh) - 1)
        self._rows.update(zip(ids, range(start, start + len(ids)), strict=True))
        self._keys.extend(fresh)
        self.endInsertRows()

    def _prepend(self, keys: list[Key]) -> None:
        """Insert new keys at their place in the order (the top, for a just-finished job)."""
        for key in keys:
            row = next((i for i, k in enumerate(self._keys) if k[0] < key[0]), None)
            if row is None and not self._exhausted:
                continue  # belongs to a page not loaded yet
            row = len(self._keys) if row is None else row
            self.beginInsertRows(QModelIndex(), row, row)
            self._keys.insert(row, key)
            self._rows = {job_id: i for i, (_, job_id) in enumerate(self._keys)}
            self.endInsertRows()
        if self._total is not None:
            self._total += len(keys)
            self.count_changed.emit(self._total)

    def remove_ids(self, job_ids: Collection[str]) -> None:
        """Drop rows (deleted jobs) without re-running the query."""
        rows = sorted((self._rows[j] for j in job_ids if j in self._rows), reverse=True)
        for row in rows:
            self.beginRemoveRows(QModelIndex(), row, row)
            _, job_id = self._keys.pop(row)
            self._cache.pop(job_id, None)
            self.endRemoveRows()
        if rows:
            self._rows = {job_id: i for i, (_, job_id) in enumerate(self._keys)}
            if self._total is not None:
                self._total -= len(rows)
                self.count_changed.emit(self._total)

    def _set_loading(self, loading: bool) -> None:
        if loading != self._loading:
            self._loading = loading
            self.loading_changed.emit(loading)

    # ---- paging ------------------------------------------------------------------------------

    def canFetchMore(self, parent: AnyIndex = QModelIndex()) -> bool:  # noqa: B008
        return not parent.isValid() and not self._exhausted and not self._loading

    def fetchMore(self, parent: AnyIndex = QModelIndex()) -> None:  # noqa: B008
        if not self.canFetchMore(parent) or not self._keys:
            return
        self._set_loading(True)
        self._runner.request(self._query, generation=self._generation, kind="more", limit=PAGE,
                             after=self._keys[-1][0])

    # ---- rows --------------------------------------------------------------------------------

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._keys)

    def flags(self, index: AnyIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return (Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
                | Qt.ItemFlag.ItemIsDragEnabled | Qt.ItemFlag.ItemNeverHasChildren)

    def job_id(self, row: int) -> str | None:
        return self._keys[row][1] if 0 <= row < len(self._keys) else None

    def row_of(self, job_id: str) -> int | None:
        return self._rows.get(job_id)

    def close(self) -> None:
        """Stop reading (the reader is about to close): the model becomes empty."""
        self.beginResetModel()
        self._keys, self._rows, self._exhausted = [], {}, True
        self._forget_rows()
        self._generation += 1  # answers still in flight are stale now
        self.endResetModel()
        self._row_reads.shutdown()

    def record(self, row: int) -> JobRecord | None:
        """The full record of ``row`` (one indexed lookup; for the detail pane and actions)."""
        job_id = self.job_id(row)
        return self._reader.get(job_id) if job_id is not None else None

    def summary(self, row: int) -> JobSummary | None:
        """The tile data of ``row``, fetched in a block with its neighbours when not cached."""
        job_id = self.job_id(row)
        if job_id is None:
            return None
        cached = self._cache.get(job_id)
        if cached is not None:
            self._cache.move_to_end(job_id)
            return cached
        block = [k[1] for k in self._keys[max(0, row - BLOCK_BEFORE):row + BLOCK_AFTER]
                 if k[1] not in self._cache]
        for fetched_id, fetched in self._reader.summaries(block).items():
            self._cache[fetched_id] = fetched
        while len(self._cache) > CACHE_ROWS:
            self._cache.popitem(last=False)
        return self._cache.get(job_id)

    def _read_block_later(self, row: int) -> None:
        """Read the block of records around ``row`` on the ``history-rows`` thread: the rows'
        summaries and, when the query groups batches, their batch tiles (each a few queries:
        the batch's label, size and first images), and make their tiles' faces there too."""
        if self._keys[row][1] in self._reading:
            return
        grouping = self._grouping()
        block = [k[1] for k in self._keys[max(0, row - BLOCK_BEFORE):row + BLOCK_AFTER]
                 if k[1] not in self._reading
                 and (k[1] not in self._cache or (grouping and k[1] not in self._tiles))]
        self._reading.update(block)
        reader, epoch = self._reader, self._reads_epoch
        self._row_reads.run(partial(_read_block, reader, block, grouping, self._missing),
                            partial(self._on_block, epoch, block),
                            partial(self._on_block_failed, block))

    def _on_block(self, epoch: int, block: list[str], found: _Block) -> None:
        self._reading.difference_update(block)
        summaries, tiles, faces = found
        if epoch == self._reads_epoch:
            for job_id, summary in summaries.items():
                self._cache[job_id] = summary
            while len(self._cache) > CACHE_ROWS:
                self._cache.popitem(last=False)
            if tiles is not None:
                self._keep_tiles(block, tiles)
            if len(self._faces) > CACHE_ROWS:
                self._faces.clear()
            self._faces.update(faces)
        # Repaint the block's rows (a stale answer: they read again at their next paint).
        rows = [r for r in (self._rows.get(j) for j in block) if r is not None]
        if rows:
            self.dataChanged.emit(self.index(min(rows)), self.index(max(rows)))

    def _on_block_failed(self, block: list[str], error: Exception) -> None:
        """The tiles stay placeholders (the next paint tries again); the error is logged once
        per block, not raised into a paint."""
        self._reading.difference_update(block)
        log.warning("history rows could not be read: %s", error)

    def _grouping(self) -> bool:
        """The query shows each batch as one tile (not: one batch opened into its jobs)."""
        return self._query.group_batches and self._query.batch is None

    def _keep_tiles(self, block: Sequence[str], found: dict[str, BatchTile]) -> None:
        if len(self._tiles) > CACHE_ROWS:
            self._tiles.clear()
        for member in block:
            self._tiles[member] = found.get(member, _NO_TILE)

    def _cached_tile(self, job_id: str) -> BatchTile | None:
        tile = self._tiles.get(job_id)
        return None if tile is None or tile is _NO_TILE else tile

    def batch_tile(self, row: int) -> BatchTile | None:
        """The batch a grouped row stands for (None when not grouping, or a lone job). For the
        user's actions (open a batch): read on the GUI thread when not cached, as
        :meth:`record` is; painting reads it in its block (:meth:`face`)."""
        job_id = self.job_id(row)
        if job_id is None or not self._grouping():
            return None
        if job_id not in self._tiles:
            self._keep_tiles([job_id], self._reader.batch_tiles([job_id]))
        return self._cached_tile(job_id)

    def _mosaic(self, job_id: str, tile: BatchTile) -> list[QPixmap | None]:
        layout = self._reader.layout
        pixmaps: list[QPixmap | None] = []
        for key in tile.tile_paths:
            self._thumb_rows[key] = job_id
            try:
                pixmaps.append(self._thumbs.pixmap(key, (layout.absolute(key),)))
            except ValueError:
                pixmaps.append(None)
        return pixmaps

    def invalidate(self, job_ids: Collection[str]) -> None:
        """Mark rows stale (favourite, note or files changed): re-read on next paint."""
        if not self._reading.isdisjoint(job_ids):
            # A block read on its way may hold the old rows. Not for other rows: the file
            # check's report changing no mark (invalidate([])) dropped a block read of rows it
            # did not touch, whose faces were then made twice.
            self._reads_epoch += 1
        for job_id in job_ids:
            self._cache.pop(job_id, None)
            self._tiles.pop(job_id, None)
            row = self._rows.get(job_id)
            if row is not None:
                index = self.index(row)
                self.dataChanged.emit(index, index)

    def set_missing(self, jobs: JobFlags) -> None:
        """Jobs whose image files are gone (from the consistency check). Only the rows the
        model holds are re-read (a row loaded later reads its mark then): the start-up check
        of a 100,000-generation history flagged 97,297 jobs, and walking every one of them on
        the GUI thread was most of a 170 ms stall while jobs ran (docs/performance.md). Kept
        as a copy (the caller's flags change later), which shares the packed ids: one object
        for the collector, not one per job."""
        old, new = self._missing, jobs.copy()
        self._missing = new
        held = self._rows.keys() | self._cache.keys() | self._tiles.keys()
        self.invalidate([job_id for job_id in held if (job_id in old) != (job_id in new)])

    def is_missing(self, job_id: str) -> bool:
        return job_id in self._missing

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._keys):
            return None
        job_id = self._keys[index.row()][1]
        if role in (Role.job_id, Role.missing):
            return job_id if role == Role.job_id else job_id in self._missing
        if role == Role.face:
            return self.face(index.row())
        if role in (Role.batch_tile, Role.mosaic):
            face = self.face(index.row())  # never a read on the GUI thread
            if face is None or face.tile is None or role == Role.batch_tile:
                return None if face is None else face.tile
            return self._mosaic(job_id, face.tile)
        if role not in _RECORD_ROLES:
            return None
        summary = self.summary(index.row())
        if summary is None:
            return None
        return self._summary_data(summary, role)

    def face(self, row: int) -> TileFace | None:
        """What ``row``'s tile paints besides its picture; None while its record (and, grouped,
        its batch tile) is read on the ``history-rows`` thread: the row repaints when it
        arrives."""
        job_id = self.job_id(row)
        if job_id is None:
            return None
        summary = self._cache.get(job_id)
        grouping = self._grouping()
        if summary is None or (grouping and job_id not in self._tiles):
            self._read_block_later(row)
            return None
        self._cache.move_to_end(job_id)
        tile = self._cached_tile(job_id) if grouping else None
        missing = job_id in self._missing
        face = self._faces.get(job_id)
        if (face is None or face.summary is not summary or face.tile is not tile
                or face.missing is not missing):
            if len(self._faces) > CACHE_ROWS:
                self._faces.clear()
            face = self._faces[job_id] = _make_face(summary, tile, missing)
        return face

    def _summary_data(self, summary: JobSummary, role: int) -> Any:
        if role in (Qt.ItemDataRole.DisplayRole, Role.snippet):
            return snippet(summary.prompt_head)
        if role == Qt.ItemDataRole.ToolTipRole:
            return plain_tooltip(summary.prompt_head)
        if role == Role.summary:
            return summary
        if role == Role.state:
            return summary.state.value
        if role in _SUMMARY_FIELDS:
            return getattr(summary, _SUMMARY_FIELDS[role])
        if role == Role.thumbnail:
            return self._thumbnail(summary)
        if role == Role.thumbnail_failed:
            key = summary.tile_path
            return key is not None and self._thumbs.failed(key)
        return None

    def _thumbnail(self, summary: JobSummary) -> QPixmap | None:
        key = summary.tile_path
        if key is None or summary.image_path is None:
            return None
        self._thumb_rows[key] = summary.id
        layout = self._reader.layout
        paths = tuple(layout.absolute(p) for p in dict.fromkeys((key, summary.image_path)))
        return self._thumbs.pixmap(key, paths)

    def _on_thumbnail(self, key: str) -> None:
        job_id = self._thumb_rows.pop(key, None)
        row = self._rows.get(job_id) if job_id is not None else None
        if row is not None:
            index = self.index(row)
            self.dataChanged.emit(index, index, [Role.thumbnail])

    # ---- drag out ----------------------------------------------------------------------------

    def mimeTypes(self) -> list[str]:
        return ["text/uri-list", JOB_IDS_MIME]

    def supportedDragActions(self) -> Qt.DropAction:
        return Qt.DropAction.CopyAction

    def mimeData(self, indexes: Sequence[QModelIndex]) -> QMimeData:
        """File URLs of every existing image of the dragged rows."""
        urls: list[QUrl] = []
        for index in indexes:
            record = self.record(index.row())
            for image in record.images if record is not None else ():
                path = self._reader.layout.absolute(image.path)
                if path.is_file():
                    urls.append(QUrl.fromLocalFile(str(path)))
        data = QMimeData()
        data.setUrls(urls)
        ids = [j for j in (self.job_id(i.row()) for i in indexes) if j is not None]
        data.setData(JOB_IDS_MIME, QByteArray("\n".join(ids).encode("ascii")))
        return data

    def image_paths(self, rows: Sequence[int]) -> list[Path]:
        paths = []
        for row in rows:
            record = self.record(row)
            for image in record.images if record is not None else ():
                paths.append(self._reader.layout.absolute(image.path))
        return paths


def _make_face(summary: JobSummary, tile: BatchTile | None, missing: bool) -> TileFace:
    try:
        state: JobState | None = JobState(summary.state) if summary.state else None
    except ValueError:
        state = None
    badges: list[tuple[str, str]] = []
    if state is not None and state in _STATE_BADGES:
        badges.append(_STATE_BADGES[state])
    if missing:
        badges.append(("#be5a14", "⤓"))
    if summary.favourite:
        badges.append(("#e6aa00", "★"))
    badges += _endpoint_badges(summary)
    caption = (translate("Gallery", "Batch · {label}").format(label=tile.label)
               if tile is not None else snippet(summary.prompt_head))
    return TileFace(
        summary=summary, tile=tile, missing=missing, caption=caption,
        stamp=time.strftime("%Y-%m-%d %H:%M", time.localtime(summary.created_at)),
        size=f"{summary.width}×{summary.height}" if summary.width and summary.height else "",
        state=state, stars=int(summary.rating or 0), badges=tuple(badges))


_STATE_BADGES: Final = {
    JobState.failed: ("#c83232", "!"),
    JobState.cancelled: ("#787878", "⊘"),  # "stopped", not "×", which reads as a close button
    JobState.unknown: ("#c88214", "?"),
}


def _endpoint_badges(summary: JobSummary) -> list[tuple[str, str]]:
    """An edit gets ✎ and the standard tier S; pro text-to-image, the default, gets none."""
    if not summary.endpoint:
        return []
    if is_contact_sheet(summary.endpoint):
        return [("#3c8c5a", "▦")]
    try:
        endpoint = endpoint_for(summary.endpoint)
    except UnknownEndpoint:
        return [("#787878", "?")]
    badges = []
    if endpoint.kind is EndpointKind.edit:
        badges.append(("#466ec8", "✎"))
    if endpoint.tier is Tier.standard:
        badges.append(("#6e6e6e", "S"))
    return badges


_NO_TILE: Final = BatchTile("", 0, "", ())
"""Cached: this row is a job of no batch."""

_Block = tuple[dict[str, JobSummary], dict[str, BatchTile] | None, dict[str, TileFace]]
"""A block read for painting: its rows' summaries, their batch tiles when grouping, and the
faces made of them."""


def _read_block(reader: HistoryStore, block: list[str], grouping: bool,
                missing: JobFlags) -> _Block:
    """On the ``history-rows`` thread: one block's records (and tiles) in one job, and their
    faces: formatting a screen of new tiles' captions, dates and badges was 1–5 ms of the GUI
    thread's CPU per scroll step (docs/performance.md). ``missing`` is the model's own copy
    (replaced, never changed in place); a face whose row changed since is made again when
    painted."""
    summaries = reader.summaries(block)
    tiles = reader.batch_tiles(block) if grouping else None
    faces = {job_id: _make_face(summary, tiles.get(job_id) if tiles is not None else None,
                                job_id in missing)
             for job_id, summary in summaries.items()}
    return summaries, tiles, faces

_SUMMARY_FIELDS: Final = {int(Role.favourite): "favourite", int(Role.rating): "rating"}
"""Roles answered by one summary field as it is."""
_RECORD_ROLES: Final = frozenset({
    Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole, Role.summary, Role.state,
    Role.favourite, Role.snippet, Role.thumbnail, Role.thumbnail_failed, Role.rating,
})

