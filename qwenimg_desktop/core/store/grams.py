"""Indexing the jobs that existed before ``job_grams`` did, a few milliseconds at a time.

Migration 7 creates ``job_grams`` (the 1- and 2-character pieces that serve short search terms,
see ``core/store/schema.py``) and its triggers, but does not fill it for the jobs already in
the history: at 100,000 jobs of long structured prompts that took minutes of CPU inside the
migration's one transaction, while the engine could not start. Instead the engine fills it in
the background (:func:`backfill_batch`, driven by ``JobEngine``'s maintenance task on its DB
thread), oldest job first, in transactions bounded by a time budget (a few milliseconds), so a
journal write waits for at most one batch. ``gram_backfill.done_through`` is written in the same
transaction as the batch's pieces, so a kill or a quit at any moment resumes where it stopped.

Why the triggers and the batches cannot get in each other's way: SQLite runs one write
transaction at a time, and a batch computes each job's pieces from the row as it is inside its
own transaction. A job the batches have not reached yet has no pieces; if it is edited meanwhile
the update trigger deletes the old pieces (there are none) and inserts the new ones, and the
batch that reaches it later inserts the same pieces again (``INSERT OR IGNORE``: no change). A
job deleted before its batch has nothing to remove and is not found by the batch. A job
inserted after the migration (``seq > last_seq``, or an undone delete that gets its old seq
back) is indexed by the insert trigger. So every job ends with exactly the pieces of its
current text, whatever the order.

Until the backfill is complete, :func:`short_index_ready` is False and short terms are matched
by the ``LIKE`` scan (``core/store/queries.py``): a search never sees a partly built index.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

from qwenimg_desktop.core.store.schema import gram_pieces, gram_text

BATCH_BUDGET_S: Final = 0.004
"""How long one batch may hold the write lock, at most (plus the last job's own cost: ~0.6 ms
for a 300-character prompt, ~60 ms for the longest text the app accepts)."""
BATCH_MAX_JOBS: Final = 400
"""Jobs read per batch, at most (the time budget usually ends a batch well before this)."""

_INSERT_PIECES: Final = ("INSERT OR IGNORE INTO job_grams (gram, seq) SELECT g.gram, :seq FROM ("
                         + gram_pieces(":text") + ") AS g")
_JOB_TEXTS: Final = (f"SELECT j.seq, {gram_text('j')} FROM jobs j"
                     " WHERE j.seq > :done AND j.seq <= :last ORDER BY j.seq LIMIT :limit")


@dataclass(frozen=True, slots=True)
class BackfillState:
    """How far the backfill got: every job with ``seq <= done_through`` or ``> last_seq`` is
    indexed."""

    done_through: int
    last_seq: int

    @property
    def complete(self) -> bool:
        return self.done_through >= self.last_seq

    @property
    def remaining(self) -> int:
        """Seqs still to visit (an upper bound on jobs: deleted jobs leave gaps)."""
        return max(self.last_seq - self.done_through, 0)


@dataclass(frozen=True, slots=True)
class BatchResult:
    """One batch: the jobs it indexed and the state after its commit."""

    jobs: int
    state: BackfillState


def backfill_state(conn: sqlite3.Connection) -> BackfillState:
    """The persisted progress (complete when the database never needed a backfill)."""
    row = conn.execute("SELECT done_through, last_seq FROM gram_backfill WHERE id = 1").fetchone()
    if row is None:
        return BackfillState(0, 0)
    return BackfillState(int(row[0]), int(row[1]))


def short_index_ready(conn: sqlite3.Connection) -> bool:
    """Whether ``job_grams`` holds every job's pieces (else short terms use the LIKE scan)."""
    return backfill_state(conn).complete


def backfill_batch(conn: sqlite3.Connection, *, budget_s: float = BATCH_BUDGET_S,
                   max_jobs: int = BATCH_MAX_JOBS,
                   clock: Callable[[], float] = time.perf_counter) -> BatchResult:
    """Index the next jobs after ``done_through``, oldest first, until ``budget_s`` has passed
    (at least one job), and move ``done_through`` past them.

    Runs inside the caller's write transaction (``BEGIN IMMEDIATE`` … ``COMMIT``): the pieces
    and the new mark are committed together or not at all.
    """
    state = backfill_state(conn)
    if state.complete:
        return BatchResult(0, state)
    started = clock()
    rows = conn.execute(_JOB_TEXTS, {"done": state.done_through, "last": state.last_seq,
                                     "limit": max_jobs}).fetchall()
    done = state.done_through
    indexed = 0
    for seq, text in rows:
        conn.execute(_INSERT_PIECES, {"seq": seq, "text": text})
        done = int(seq)
        indexed += 1
        if clock() - started >= budget_s:
            break
    if indexed == len(rows) and len(rows) < max_jobs:
        done = state.last_seq  # no job left up to last_seq
    conn.execute("UPDATE gram_backfill SET done_through = :done WHERE id = 1", {"done": done})
    return BatchResult(indexed, BackfillState(done, state.last_seq))
