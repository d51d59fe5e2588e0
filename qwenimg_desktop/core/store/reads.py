"""History reads: records by id, recovery lists, and the pages and counts of a HistoryQuery."""

from __future__ import annotations

import sqlite3
from collections.abc import Collection, Iterator
from typing import Any, Final

from qwenimg_desktop.core.jobs.model import FINAL_STATES, JobState
from qwenimg_desktop.core.store.base import StoreBase
from qwenimg_desktop.core.store.grams import BackfillState, backfill_state, short_index_ready
from qwenimg_desktop.core.store.queries import Driver, HistoryQuery, id_blocks, in_list
from qwenimg_desktop.core.store.records import (
    IMAGE_COLUMNS,
    JOB_COLUMNS,
    SUMMARY_SELECT,
    ImageRecord,
    JobRecord,
    JobSummary,
    image_from_row,
    job_from_row,
    summary_from_row,
)

LogLine = tuple[str, str | None, str | None]
SESSION_FINISHED_MAX: Final = 500
"""Finished jobs of the last session a restarted window lists (History has all of them)."""
SESSION_UNFINISHED_MAX: Final = 20_000
"""Unfinished jobs listed after a restart: all of them, short of a runaway queue."""
_SELECTED: Final = "j.seq, " + ", ".join(f"j.{c.strip()}" for c in JOB_COLUMNS.split(","))
"""The columns :func:`~qwenimg_desktop.core.store.records.job_from_row` reads."""


class HistoryReads(StoreBase):
    """The read side of :class:`~qwenimg_desktop.core.store.history.HistoryStore`."""

    def get(self, job_id: str) -> JobRecord | None:
        return self.get_many([job_id]).get(job_id)

    def get_many(self, job_ids: Collection[str]) -> dict[str, JobRecord]:
        """Records by id (missing ids are absent): row summaries for a lazily filled view."""
        result: dict[str, JobRecord] = {}
        with self._reading() as conn:
            for id_sql, params in id_blocks(job_ids):
                rows = conn.execute(f"SELECT {_SELECTED} FROM jobs j WHERE j.id IN {id_sql}",
                                    params).fetchall()
                result.update((r.id, r) for r in _with_images(conn, rows))
        return result

    def summaries(self, job_ids: Collection[str]) -> dict[str, JobSummary]:
        """Tile summaries by id (missing ids are absent): one indexed lookup per block."""
        result: dict[str, JobSummary] = {}
        with self._reading() as conn:
            for id_sql, params in id_blocks(job_ids):
                for row in conn.execute(f"{SUMMARY_SELECT} WHERE j.id IN {id_sql}", params):
                    summary = summary_from_row(row)
                    result[summary.id] = summary
        return result

    def session_jobs(self, *, since: float, cleared_at: float = 0.0, kept: str = "",
                     finished_limit: int = SESSION_FINISHED_MAX,
                     unfinished_limit: int = SESSION_UNFINISHED_MAX,
                     skip_owners: Collection[str] = ()) -> list[JobRecord]:
        """What a restarted window lists, in the list's order: the jobs waiting to be sent in
        their queue order, then the others newest first: every unfinished one, and the
        finished ones created since ``since`` that were not cleared off the list at
        ``cleared_at`` (``kept``: the one the clear kept). Unfinished jobs of
        ``skip_owners`` (other live processes, which run them) are left out."""
        final = sorted(s.value for s in FINAL_STATES)
        open_sql, open_params = in_list("op", sorted(s.value for s in JobState
                                                     if s.value not in final))
        final_sql, final_params = in_list("fi", final)
        skip_sql, skip_params = in_list("ow", sorted(skip_owners))
        others = f" AND (j.owner IS NULL OR j.owner NOT IN {skip_sql})" if skip_owners else ""
        unfinished = self._select(
            f"WHERE j.state IN {open_sql}{others} ORDER BY j.state != :pending,"
            " CASE WHEN j.state = :pending THEN COALESCE(j.queue_rank, j.seq) ELSE -j.seq END,"
            " j.seq LIMIT :limit",
            {**open_params, **skip_params, "pending": JobState.pending.value,
             "limit": unfinished_limit})
        finished = self._select(
            f"WHERE j.state IN {final_sql} AND j.created_at >= :since"
            " AND (COALESCE(j.finished_at, j.updated_at) > :cleared OR j.id = :kept)"
            " ORDER BY j.seq DESC LIMIT :limit",
            {**final_params, "since": since, "cleared": cleared_at, "kept": kept,
             "limit": finished_limit})
        waiting = [r for r in unfinished if r.state is JobState.pending]
        rest = sorted((r for r in [*unfinished, *finished] if r.state is not JobState.pending),
                      key=lambda r: r.seq, reverse=True)
        return [*waiting, *rest]

    def by_request_id(self, request_id: str) -> JobRecord | None:
        records = self._select("WHERE request_id = :rid", {"rid": request_id})
        return records[0] if records else None

    def logs(self, job_id: str) -> list[LogLine]:
        with self._reading() as conn:
            return [(str(r["message"]), r["level"], r["timestamp"]) for r in conn.execute(
                "SELECT message, level, timestamp FROM job_logs WHERE job_id = :id ORDER BY seq",
                {"id": job_id},
            )]

    def jobs_without_thumbnails(self, skip_owners: Collection[str] = ()) -> list[JobRecord]:
        """Completed jobs with an image whose thumbnail was never recorded (the app stopped
        before making it, or it could not be made); oldest first. Jobs of ``skip_owners``
        (engines still running, which make their own) are left out."""
        skip_sql, skip_params = in_list("own", sorted(skip_owners) or [""])
        return self._select(
            "WHERE state = :done AND id IN (SELECT job_id FROM images WHERE thumb_path IS NULL)"
            f" AND (owner IS NULL OR owner NOT IN {skip_sql}) ORDER BY created_at, id",
            {"done": JobState.completed.value, **skip_params},
        )


    def query_keys(
        self, query: HistoryQuery, *, limit: int = 100, after: int | None = None,
    ) -> list[tuple[int, str]]:
        """``(seq, id)`` of the jobs matching ``query``, newest first; ``after`` is a seq cursor.

        ``seq`` is the insertion order (the order jobs were created in; an undone delete keeps
        its original seq), which the FTS index can walk without sorting.
        """
        with self._reading() as conn:
            sql, params = _keys_sql(conn, query, after=after, limit=limit)
            return [(int(r[0]), str(r[1])) for r in conn.execute(sql, params)]

    def query_records(
        self, query: HistoryQuery, *, limit: int = 100, after: int | None = None,
    ) -> list[JobRecord]:
        """The full records of :meth:`query_keys` (same order, same cursor), in one read.

        Pass the last record's ``seq`` as ``after`` for the next page.
        """
        with self._reading() as conn:
            sql, params = _keys_sql(conn, query, after=after, limit=limit)
        return self._select(f"WHERE j.seq IN (SELECT seq FROM ({sql})) ORDER BY j.seq DESC",
                            params)

    def query_count(self, query: HistoryQuery) -> int:
        with self._reading() as conn:
            ready = short_index_ready(conn)
            sql, params = query.count_sql(_driver(conn, query, short_index=ready),
                                          short_index=ready)
            return int(conn.execute(sql, params).fetchone()[0])

    def short_index_state(self) -> BackfillState:
        """How far ``job_grams`` is filled for the jobs older than it (``core/store/grams.py``)."""
        with self._reading() as conn:
            return backfill_state(conn)

    def image_rows(self, *, batch: int = 5000,
                   ) -> Iterator[tuple[str, int, str, str | None, str | None, float, int]]:
        """Every image row as (job id, index, path, thumb path, request id, job created_at,
        recorded size in bytes (0 when unknown)), in no particular order, read ``batch`` rows
        at a time as they are consumed: the start-up file check walks them all, and a list of
        100,000 was ~60 MB of the window's peak memory. No lock or transaction is held between
        batches."""
        last = 0
        while True:
            with self._reading() as conn:
                rows = conn.execute(
                    "SELECT i.rowid, i.job_id, i.idx, i.path, i.thumb_path, j.request_id,"
                    " j.created_at, i.size_bytes FROM images i JOIN jobs j ON j.id = i.job_id"
                    " WHERE i.rowid > :last ORDER BY i.rowid LIMIT :n",
                    {"last": last, "n": batch},
                ).fetchall()
            if not rows:
                return
            last = int(rows[-1][0])
            for r in rows:
                yield (str(r[1]), int(r[2]), str(r[3]), r[4], r[5], float(r[6]), int(r[7] or 0))

    def _select(self, tail: str, params: dict[str, Any]) -> list[JobRecord]:
        with self._reading() as conn:
            rows = conn.execute(f"SELECT {_SELECTED} FROM jobs j {tail}", params).fetchall()
            return _with_images(conn, rows)


DRIVER_CAP: Final = 5_000
"""Library index rows counted when choosing which one drives a listing (bigger ones tie)."""
GROUPED_DRIVER_MAX: Final = 4_000
"""Above this many rows, a several-tags index (sorted before use) loses to a scan of jobs."""
TEXT_DRIVER_MAX: Final = 4_000
"""With search text, a library index drives only when it is this small (else FTS drives)."""


def _keys_sql(conn: sqlite3.Connection, query: HistoryQuery, *, after: int | None,
              limit: int) -> tuple[str, dict[str, Any]]:
    """:meth:`HistoryQuery.keys_sql` with its driver and whether ``job_grams`` is complete."""
    ready = short_index_ready(conn)
    return query.keys_sql(after=after, limit=limit, short_index=ready,
                          driver=_driver(conn, query, short_index=ready))


def _driver(conn: sqlite3.Connection, query: HistoryQuery, *,
            short_index: bool) -> Driver | None:
    """The cheapest library index to walk for ``query``; None when a jobs or FTS scan wins.

    An index walked in ``seq`` order stops after one page of hits, so it never loses to the
    plain scan of jobs; a grouped one (several tags, any of them) is sorted first, and the FTS
    walk is already ordered, so those need the index to be small.
    """
    drivers = query.drivers(short_index=short_index)
    if not drivers:
        return None
    sizes = []
    for driver in drivers:
        sql, params = query.driver_size_sql(driver, DRIVER_CAP)
        sizes.append(int(conn.execute(sql, params).fetchone()[0]))
    size, index = min((s, i) for i, s in enumerate(sizes))
    chosen = drivers[index]
    if chosen.distinct and size > GROUPED_DRIVER_MAX:
        return None
    if query.text_indexed(short_index=short_index) and size > TEXT_DRIVER_MAX:
        return None
    return chosen


def _with_images(conn: sqlite3.Connection, rows: list[sqlite3.Row]) -> list[JobRecord]:
    if not rows:
        return []
    images: dict[str, list[ImageRecord]] = {}
    for id_sql, params in id_blocks(str(r["id"]) for r in rows):
        for row in conn.execute(
            f"SELECT {IMAGE_COLUMNS} FROM images WHERE job_id IN {id_sql} ORDER BY job_id, idx",
            params,
        ):
            images.setdefault(str(row["job_id"]), []).append(image_from_row(row))
    return [job_from_row(r, tuple(images.get(str(r["id"]), ()))) for r in rows]

