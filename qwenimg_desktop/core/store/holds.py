"""What holds money back in the journal: budget holds, the account lock, and the requests a
lost submit may be (the user chooses).

- A waiting (``pending``) job whose ``hold`` is set is not sent: a budget cap held it back
  (``core/budget.py``). It is released (``hold`` cleared, in the journal first) when the user
  raises the cap or allows it once; a held batch is released whole.
- ``queue_control.locked`` is fal's reason while the account is locked: a pause of its own,
  apart from the user's "Pause sending" (``paused``). Each is lifted only by its own action.
- ``lost_submit_candidates``: when several requests in fal's history match a lost submit,
  they are journalled; the job adopts only one of them, chosen by the user.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from qwenimg_desktop.core.errors import UserError, redact
from qwenimg_desktop.core.jobs.model import AMBIGUOUS_AT_FAL as AMBIGUOUS
from qwenimg_desktop.core.jobs.model import JobState
from qwenimg_desktop.core.store.base import StoreBase
from qwenimg_desktop.core.store.queries import id_blocks
from qwenimg_desktop.core.store.spend import Committed, committed

MAX_SUMMARY_CHARS: Final = 200


@dataclass(frozen=True)
class HeldJob:
    """A waiting job a budget cap holds back, in queue order."""

    job_id: str
    batch_id: str | None
    cost_estimate: float
    images: int
    reason: str


@dataclass(frozen=True)
class Candidate:
    """A request in fal's history that matches a lost submit (one of several)."""

    request_id: str
    sent_at: float | None  # UNIX time
    status_code: int | None  # None: not ended yet
    summary: str  # a short description of its input (prompt, seed, size)


class NotACandidate(UserError):
    """A request id chosen for a lost submit that is not one of the requests found for it."""

    next_step = "Choose one of the requests listed for this job."


def hold_back(conn: sqlite3.Connection, job_ids: Sequence[str], reason: str | None) -> None:
    """Inside the caller's transaction (the one that writes the jobs): hold them back."""
    if reason is None:
        return
    for id_sql, params in id_blocks(job_ids):
        conn.execute(f"UPDATE jobs SET hold = :reason WHERE id IN {id_sql}",
                     {**params, "reason": reason})


class HoldJournal(StoreBase):
    """Budget holds, the account lock and lost-submit candidates (mixed into HistoryStore)."""

    owner: str | None = None

    # ---- budget holds ---------------------------------------------------------------------------

    def committed_spend(self, now: float | None = None) -> Committed:
        """What a budget cap counts now (core/store/spend.py)."""
        with self._reading() as conn:
            return committed(conn, now)

    def holds(self, job_ids: Sequence[str]) -> dict[str, str]:
        """The held ones of ``job_ids`` (waiting jobs only) with why they are held."""
        found: dict[str, str] = {}
        with self._reading() as conn:
            for id_sql, params in id_blocks(job_ids):
                found.update((str(r[0]), str(r[1])) for r in conn.execute(
                    f"SELECT id, hold FROM jobs WHERE id IN {id_sql} AND hold IS NOT NULL"
                    " AND state = :pending", {**params, "pending": JobState.pending.value}))
        return found

    def held_jobs(self) -> list[HeldJob]:
        """Every waiting job a cap holds back, in queue order."""
        with self._reading() as conn:
            rows = conn.execute(
                "SELECT id, batch_id, cost_estimate, num_images, hold FROM jobs"
                " WHERE hold IS NOT NULL AND state = ? ORDER BY COALESCE(queue_rank, seq), seq",
                (JobState.pending.value,)).fetchall()
        return [HeldJob(str(r[0]), None if r[1] is None else str(r[1]), float(r[2] or 0.0),
                        int(r[3] or 1), str(r[4])) for r in rows]

    def release_holds(self, job_ids: Sequence[str]) -> list[str]:
        """Clear the hold of those of ``job_ids`` still held and waiting; returns them (the
        engine lets exactly these go)."""
        released: list[str] = []
        with self._writing() as conn:
            for id_sql, params in id_blocks(job_ids):
                both = {**params, "pending": JobState.pending.value}
                released.extend(str(r[0]) for r in conn.execute(
                    f"SELECT id FROM jobs WHERE id IN {id_sql} AND hold IS NOT NULL"
                    " AND state = :pending", both))
                conn.execute(f"UPDATE jobs SET hold = NULL WHERE id IN {id_sql}"
                             " AND state = :pending", both)
        return released

    def note_holds(self, job_ids: Sequence[str], reason: str) -> None:
        """Say why these held jobs are still held (new figures after the caps changed)."""
        with self._writing() as conn:
            for id_sql, params in id_blocks(job_ids):
                conn.execute(f"UPDATE jobs SET hold = :reason WHERE id IN {id_sql}"
                             " AND hold IS NOT NULL", {**params, "reason": reason})

    def held_with(self, job_id: str) -> list[str]:
        """The held jobs released together with ``job_id``: its whole batch if it has one."""
        with self._reading() as conn:
            row = conn.execute("SELECT batch_id FROM jobs WHERE id = ?", (job_id,)).fetchone()
            if row is None or row[0] is None:
                return [job_id]
            return [str(r[0]) for r in conn.execute(
                "SELECT id FROM jobs WHERE batch_id = ? AND hold IS NOT NULL AND state = ?"
                " ORDER BY COALESCE(queue_rank, seq), seq", (row[0], JobState.pending.value))]

    # ---- the account lock -----------------------------------------------------------------------

    def set_locked(self, reason: str | None) -> None:
        """Record fal's lock (its reason) or its end (None); kept across restarts."""
        with self._writing() as conn:
            conn.execute(
                "INSERT INTO queue_control (id, paused, locked) VALUES (1, 0, ?)"
                " ON CONFLICT (id) DO UPDATE SET locked = excluded.locked",
                (None if reason is None else redact(reason),),
            )

    def locked_reason(self) -> str | None:
        """fal's reason while the account is locked (None: not locked)."""
        with self._reading() as conn:
            row = conn.execute("SELECT locked FROM queue_control WHERE id = 1").fetchone()
        return None if row is None or row[0] is None else str(row[0])

    # ---- several requests at fal for one lost submit --------------------------------------------

    def note_candidates(self, job_id: str, message: str,
                        candidates: Sequence[Candidate]) -> None:
        """Journal the requests that match a lost submit and say so on the job, in one
        transaction (the job stays ``unknown`` until the user chooses)."""
        with self._writing() as conn:
            conn.execute("DELETE FROM lost_submit_candidates WHERE job_id = ?", (job_id,))
            conn.executemany(
                "INSERT INTO lost_submit_candidates (job_id, request_id, sent_at, status_code,"
                " summary) VALUES (?, ?, ?, ?, ?)",
                [(job_id, c.request_id, c.sent_at, c.status_code,
                  redact(c.summary)[:MAX_SUMMARY_CHARS]) for c in candidates])
            conn.execute(
                "UPDATE jobs SET error = ?, error_type = ?, updated_at = ? WHERE id = ?"
                " AND state = ?", (redact(message), AMBIGUOUS, self._clock(), job_id,
                                   JobState.unknown.value))

    def candidates(self, job_id: str) -> list[Candidate]:
        """The requests found for a lost submit when several matched, oldest first."""
        with self._reading() as conn:
            rows = conn.execute(
                "SELECT request_id, sent_at, status_code, summary FROM lost_submit_candidates"
                " WHERE job_id = ? ORDER BY sent_at, request_id", (job_id,)).fetchall()
        return [Candidate(str(r[0]), None if r[1] is None else float(r[1]),
                          None if r[2] is None else int(r[2]), str(r[3])) for r in rows]

    def check_candidate(self, job_id: str, request_id: str) -> None:
        """Raise :class:`NotACandidate` unless ``job_id`` is an ``unknown`` job waiting for the
        user's choice and ``request_id`` one of the requests found for it."""
        with self._reading() as conn:
            row = conn.execute("SELECT state, error_type FROM jobs WHERE id = ?",
                               (job_id,)).fetchone()
            found = conn.execute(
                "SELECT 1 FROM lost_submit_candidates WHERE job_id = ? AND request_id = ?",
                (job_id, request_id)).fetchone()
        if row is None or row[0] != JobState.unknown.value or row[1] != AMBIGUOUS:
            raise NotACandidate("This job is not waiting for a choice of request at fal.")
        if found is None:
            raise NotACandidate(f"Request {request_id[:60]!r} is not one of the requests found "
                                "at fal for this job.")
