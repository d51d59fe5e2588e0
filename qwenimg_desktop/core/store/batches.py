"""Batches in the journal, and the order and pause of the jobs waiting to be sent.

A batch is written whole: its row and every job's ``pending`` row in one transaction, before
any job is sent. A kill at any point leaves either no trace of the batch or all of it pending,
and recovery sends the pending jobs once each, in their queue order.

Queue order: a waiting job's rank is ``queue_rank`` when set (a move to the top sets it below
every other waiting job), else its ``seq`` (insertion order). Pausing is a flag in the
database, so a paused queue is still paused after a restart.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from qwenimg_desktop.core.errors import UserError
from qwenimg_desktop.core.jobs.model import JobState
from qwenimg_desktop.core.params import GenerationRequest
from qwenimg_desktop.core.store.base import StoreBase
from qwenimg_desktop.core.store.holds import hold_back
from qwenimg_desktop.core.store.pending import JOB_ID, insert_pending
from qwenimg_desktop.core.store.queries import id_blocks

MAX_BATCH_LABEL_CHARS = 200


@dataclass(frozen=True)
class BatchJob:
    """One job of a batch about to be journalled: its id, request and estimated cost
    (None: unknown)."""

    job_id: str
    request: GenerationRequest
    cost_estimate: float | None


@dataclass(frozen=True)
class BatchInfo:
    """A batch as listed: its jobs' ids in queue order."""

    id: str
    created_at: float
    label: str
    size: int
    cost_estimate: float | None
    job_ids: tuple[str, ...]


class BatchNotFound(UserError):
    """A batch id that is not in the history."""

    next_step = "List the batches (history --batch) and use one of their ids."


class BatchJournal(StoreBase):
    """Batch rows, queue ranks and the pause flag (mixed into ``HistoryStore``)."""

    owner: str | None = None

    def create_batch(self, jobs: Sequence[BatchJob], *, queue_base: str, label: str = "",
                     batch_id: str | None = None, hold: str | None = None) -> str:
        """Journal every job of a batch as ``pending`` in one transaction; returns the batch id.

        The jobs' ``seq`` follows their order here, which is their send order. ``hold``: why
        a budget cap holds the whole batch back (none of it is sent until released).
        """
        if not jobs:
            raise UserError("A batch needs at least one job.")
        batch_id = batch_id or uuid.uuid4().hex
        if not JOB_ID.fullmatch(batch_id):
            raise UserError(f"Batch ids are 32 lowercase hex digits, not {batch_id!r}.")
        now = self._clock()
        costs = [job.cost_estimate for job in jobs]
        total = None if None in costs else sum(c for c in costs if c is not None)
        with self._writing() as conn:
            conn.execute(
                "INSERT INTO batches (id, created_at, label, size, cost_estimate)"
                " VALUES (?, ?, ?, ?, ?)",
                (batch_id, now, label[:MAX_BATCH_LABEL_CHARS], len(jobs), total),
            )
            for job in jobs:
                insert_pending(conn, job.request, owner=self.owner, queue_base=queue_base,
                               cost_estimate=job.cost_estimate, job_id=job.job_id, now=now,
                               batch_id=batch_id)
            hold_back(conn, [job.job_id for job in jobs], hold)
        return batch_id

    def batch(self, batch_id: str) -> BatchInfo:
        """A batch and its jobs in queue order; :class:`BatchNotFound` if there is none."""
        with self._reading() as conn:
            row = conn.execute(
                "SELECT id, created_at, label, size, cost_estimate FROM batches WHERE id = ?",
                (batch_id,),
            ).fetchone()
            if row is None:
                raise BatchNotFound(f"No batch {batch_id!r} in the history.")
            ids = conn.execute(
                "SELECT id FROM jobs WHERE batch_id = ? ORDER BY COALESCE(queue_rank, seq), seq",
                (batch_id,),
            ).fetchall()
        return BatchInfo(str(row[0]), float(row[1]), str(row[2]), int(row[3]),
                         None if row[4] is None else float(row[4]),
                         tuple(str(r[0]) for r in ids))

    def batches(self, limit: int = 100) -> list[BatchInfo]:
        """The newest batches first (without their job ids)."""
        with self._reading() as conn:
            rows = conn.execute(
                "SELECT id, created_at, label, size, cost_estimate FROM batches"
                " ORDER BY created_at DESC, id LIMIT ?", (limit,),
            ).fetchall()
        return [BatchInfo(str(r[0]), float(r[1]), str(r[2]), int(r[3]),
                          None if r[4] is None else float(r[4]), ()) for r in rows]

    def batch_of(self, job_id: str) -> str | None:
        """The batch a job belongs to, if any."""
        with self._reading() as conn:
            row = conn.execute("SELECT batch_id FROM jobs WHERE id = ?", (job_id,)).fetchone()
        return None if row is None or row[0] is None else str(row[0])

    # ---- queue order and pause ------------------------------------------------------------------

    def queue_ranks(self, job_ids: Sequence[str]) -> dict[str, float]:
        """Each job's rank in the send queue (lower is sent first)."""
        ranks: dict[str, float] = {}
        with self._reading() as conn:
            for id_sql, params in id_blocks(list(job_ids)):
                for job_id, rank in conn.execute(
                    f"SELECT id, COALESCE(queue_rank, seq) FROM jobs WHERE id IN {id_sql}",
                    params,
                ):
                    ranks[str(job_id)] = float(rank)
        return ranks

    def move_to_front(self, job_id: str) -> float | None:
        """Give a waiting job a rank below every other waiting job; its new rank, or None
        when it is no longer waiting (sent or finished meanwhile)."""
        with self._writing() as conn:
            row = conn.execute("SELECT state FROM jobs WHERE id = ?", (job_id,)).fetchone()
            if row is None or row[0] != JobState.pending.value:
                return None
            low = conn.execute(
                "SELECT MIN(COALESCE(queue_rank, seq)) FROM jobs WHERE state = ?",
                (JobState.pending.value,),
            ).fetchone()[0]
            rank = float(low) - 1.0
            conn.execute("UPDATE jobs SET queue_rank = ? WHERE id = ?", (rank, job_id))
        return rank

    def place_in_queue(self, job_id: str, after: str = "", before: str = "") -> float | None:
        """Give a waiting job a rank between ``after`` (sent just before it) and ``before``
        (sent just after it), as a drag in the jobs list places it; a neighbour that is no
        longer waiting (or "") leaves that side open. Returns the new rank, or None when the
        job is no longer waiting or has no waiting neighbour to place it by."""
        pending = JobState.pending.value
        with self._writing() as conn:
            ranks: dict[str, float] = {}
            for jid in {job_id, after, before} - {""}:
                row = conn.execute(
                    "SELECT COALESCE(queue_rank, seq) FROM jobs WHERE id = ? AND state = ?",
                    (jid, pending)).fetchone()
                if row is not None:
                    ranks[jid] = float(row[0])
            if job_id not in ranks:
                return None
            low, high = ranks.get(after), ranks.get(before)
            if low is None and high is None:
                return None
            if low is None:
                assert high is not None
                rank = high - 1.0
            elif high is None or high <= low:
                rank = low + (1.0 if high is None else 0.0)
            else:
                rank = (low + high) / 2
            conn.execute("UPDATE jobs SET queue_rank = ? WHERE id = ?", (rank, job_id))
        return rank

    def set_paused(self, paused: bool) -> None:
        """Pause or resume sending; kept across restarts."""
        with self._writing() as conn:
            conn.execute(
                "INSERT INTO queue_control (id, paused) VALUES (1, ?)"
                " ON CONFLICT (id) DO UPDATE SET paused = excluded.paused",
                (1 if paused else 0,),
            )

    def is_paused(self) -> bool:
        """Whether sending was left paused."""
        with self._reading() as conn:
            row = conn.execute("SELECT paused FROM queue_control WHERE id = 1").fetchone()
        return bool(row and row[0])
