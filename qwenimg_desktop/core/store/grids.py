"""Batch grids in the history: the grid a batch was planned as, its contact sheets, its tiles.

A grid row (``batch_grids``) is written by the window once the batch is handed to the engine;
it is layout, not money: a kill before it leaves the batch whole, shown numbered instead.

A contact sheet is its own history item: a ``completed`` job row whose endpoint is
:data:`CONTACT_SHEET_ENDPOINT` (no endpoint of fal's, so it can never be re-run or sent), cost
0, with one PNG image. Its ``request_json`` holds its metadata (the batch id, the axes and the
member job ids), so an export or a transfer carries it along. The file is written first (the
one atomic write), then the rows in one transaction; if the rows fail, the file is removed.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from qwenimg_desktop.core.batch.grid import Grid, numbered_grid
from qwenimg_desktop.core.jobs.model import JobState
from qwenimg_desktop.core.params import GenerationRequest
from qwenimg_desktop.core.store.base import StoreBase
from qwenimg_desktop.core.store.batches import BatchNotFound
from qwenimg_desktop.core.store.files import atomic_write_bytes
from qwenimg_desktop.core.store.queries import id_blocks
from qwenimg_desktop.core.store.records import parse_stored_request
from qwenimg_desktop.core.store.spend import NOT_BILLED_ENDPOINT
from qwenimg_desktop.core.store.thumbnails import make_thumbnail

CONTACT_SHEET_ENDPOINT: Final = NOT_BILLED_ENDPOINT
"""The endpoint column of a contact sheet: made here, never by (or for) fal (nor in the spend
ledger)."""
CONTACT_SHEET_PREFIX: Final = "Contact sheet · "
MOSAIC: Final = 4
"""Thumbnails a grouped batch tile shows (a 2×2 mosaic)."""


@dataclass(frozen=True)
class BatchTile:
    """What a gallery tile standing for a whole batch shows."""

    batch_id: str
    size: int
    label: str
    tile_paths: tuple[str, ...]
    """Stored relative paths of the first members' thumbnails (or images), at most MOSAIC."""


class GridJournal(StoreBase):
    """Grids, contact sheets and batch tiles (mixed into ``HistoryStore``)."""

    def save_grid(self, grid: Grid) -> None:
        """Keep (or replace) the grid of ``grid.batch_id``."""
        with self._writing() as conn:
            conn.execute(
                "INSERT INTO batch_grids (batch_id, created_at, axes_json, cells_json)"
                " VALUES (?, ?, ?, ?) ON CONFLICT (batch_id) DO UPDATE SET"
                " axes_json = excluded.axes_json, cells_json = excluded.cells_json",
                (grid.batch_id, self._clock(), grid.axes_json(), grid.cells_json()),
            )

    def grid(self, batch_id: str) -> Grid:
        """The batch's grid; a numbered one when it was sent without one.

        Raises:
            BatchNotFound: no batch has this id.
            GridError: the stored grid cannot be read.
        """
        with self._reading() as conn:
            row = conn.execute("SELECT axes_json, cells_json FROM batch_grids"
                               " WHERE batch_id = ?", (batch_id,)).fetchone()
            ids = [str(r[0]) for r in conn.execute(
                "SELECT id FROM jobs WHERE batch_id = ? ORDER BY seq", (batch_id,))]
        if row is not None:
            return Grid.from_json(batch_id, str(row[0]), str(row[1]))
        if not ids:
            raise BatchNotFound(f"No batch {batch_id!r} in the history.")
        return numbered_grid(batch_id, ids)

    def batch_requests(self, job_ids: Sequence[str]) -> dict[str, GenerationRequest | None]:
        """The stored request of each job (None when it no longer validates)."""
        found: dict[str, GenerationRequest | None] = {}
        with self._reading() as conn:
            for id_sql, params in id_blocks(list(job_ids)):
                for job_id, raw, endpoint in conn.execute(
                    f"SELECT id, request_json, endpoint FROM jobs WHERE id IN {id_sql}",
                    params,
                ):
                    found[str(job_id)] = parse_stored_request(str(job_id), str(raw),
                                                              str(endpoint))
        return found

    def batch_tiles(self, job_ids: Sequence[str]) -> dict[str, BatchTile]:
        """For each of ``job_ids`` that belongs to a batch, that batch's tile."""
        tiles: dict[str, BatchTile] = {}
        with self._reading() as conn:
            members: dict[str, str] = {}
            for id_sql, params in id_blocks(list(job_ids)):
                for job_id, batch_id in conn.execute(
                    f"SELECT id, batch_id FROM jobs WHERE id IN {id_sql}"
                    " AND batch_id IS NOT NULL", params,
                ):
                    members[str(job_id)] = str(batch_id)
            for batch_id in set(members.values()):
                head = conn.execute("SELECT label FROM batches WHERE id = ?",
                                    (batch_id,)).fetchone()
                size = conn.execute("SELECT COUNT(*) FROM jobs WHERE batch_id = ?",
                                    (batch_id,)).fetchone()[0]
                paths = tuple(str(r[0]) for r in conn.execute(
                    "SELECT COALESCE(i.thumb_path, i.path) FROM jobs j JOIN images i"
                    " ON i.job_id = j.id AND i.idx = 0 WHERE j.batch_id = ?"
                    " ORDER BY j.seq LIMIT ?", (batch_id, MOSAIC)))
                tile = BatchTile(batch_id, int(size), str(head[0]) if head else "", paths)
                for job_id, owner in members.items():
                    if owner == batch_id:
                        tiles[job_id] = tile
        return tiles

    def add_contact_sheet(self, grid: Grid, png: bytes, *, width: int, height: int,
                          title: str) -> str:
        """Keep a contact sheet of ``grid`` as its own history item; returns its job id.

        Run off the GUI thread: it writes the file and its thumbnail.
        """
        job_id = uuid.uuid4().hex
        layout = self.layout
        path = layout.image_path(job_id, 0, "png")
        atomic_write_bytes(path, png)
        thumb = layout.thumb_path(job_id, 0)
        try:
            make_thumbnail(path, thumb)
            meta = {"contact_sheet": {"batch_id": grid.batch_id,
                                      "axes": json.loads(grid.axes_json()),
                                      "job_ids": list(grid.job_ids)}}
            now = self._clock()
            with self._writing() as conn:
                conn.execute(
                    "INSERT INTO jobs (id, created_at, updated_at, state, request_json, prompt,"
                    " width, height, output_format, num_images, endpoint, cost_estimate,"
                    " finished_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'png', 1, ?, 0.0, ?)",
                    (job_id, now, now, JobState.completed.value,
                     json.dumps(meta, ensure_ascii=False), CONTACT_SHEET_PREFIX + title,
                     width, height, CONTACT_SHEET_ENDPOINT, now),
                )
                conn.execute(
                    "INSERT INTO images (job_id, idx, path, thumb_path, width, height, format,"
                    " size_bytes, sha256) VALUES (?, 0, ?, ?, ?, ?, 'png', ?, ?)",
                    (job_id, layout.relative(path), layout.relative(thumb), width, height,
                     len(png), hashlib.sha256(png).hexdigest()),
                )
                conn.execute("UPDATE batch_grids SET sheet_job_id = ? WHERE batch_id = ?",
                             (job_id, grid.batch_id))
        except BaseException:
            for written in (path, thumb):
                with contextlib.suppress(OSError):
                    written.unlink(missing_ok=True)
            raise
        return job_id

    def grid_batch_of(self, job_id: str) -> str | None:
        """The batch whose grid ``job_id`` shows: its own batch, or, for a contact sheet, the
        batch it was drawn from."""
        with self._reading() as conn:
            row = conn.execute("SELECT batch_id, endpoint, request_json FROM jobs WHERE id = ?",
                               (job_id,)).fetchone()
        if row is None:
            return None
        if row[0] is not None:
            return str(row[0])
        if not is_contact_sheet(str(row[1])):
            return None
        try:
            batch_id = json.loads(str(row[2]))["contact_sheet"]["batch_id"]
        except (ValueError, TypeError, KeyError):
            return None
        return batch_id if isinstance(batch_id, str) else None

    def contact_sheet_of(self, batch_id: str) -> str | None:
        """The job id of the batch's latest contact sheet, if one was saved and still is."""
        with self._reading() as conn:
            row = conn.execute(
                "SELECT g.sheet_job_id FROM batch_grids g JOIN jobs j ON j.id = g.sheet_job_id"
                " WHERE g.batch_id = ?", (batch_id,)).fetchone()
        return None if row is None else str(row[0])


def is_contact_sheet(endpoint: str) -> bool:
    return endpoint == CONTACT_SHEET_ENDPOINT
