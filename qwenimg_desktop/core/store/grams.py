"""Indexing the jobs that existed before ``job_grams`` did, a few milliseconds at a time.

Migration 7 creates ``job_grams`` (the 1- and 2-character pieces that serve short search terms,
see ``core/store/schema.py``) and its triggers, but does not fill it for the jobs already in
the history: at 100,000 jobs of long structured prompts that took minutes of CPU inside the
migration's one transaction, while the engine could not start. Instead the engine fills it in
the background (``HistoryStore.backfill_short_index``, driven by ``JobEngine``'s maintenance
task on its DB thread), oldest job first. Each batch cuts the pieces of the next jobs in Python
without the write lock (:class:`Backfill`), then inserts them in key order inside a write
transaction bounded by a time budget (a few milliseconds), so a journal write waits for at most
one batch. ``gram_backfill.done_through`` is written in the same transaction as the batch's
pieces, so a kill or a quit at any moment resumes where it stopped. The batches commit without
an fsync (``synchronous=NORMAL``): a power cut can only lose the last batches, pieces and mark
together, and the next journal commit (``FULL``) syncs them.

Measured (``benchmarks/upgrade.py``): one batch per job in SQL, as the triggers cut pieces, cost
2.5 ms of CPU per 430-character job with every commit fsynced (20,000 jobs: 97 s of CPU, 14
minutes with the pauses, on a machine at load 10); cutting in Python and inserting in key order
without the fsync, ~0.9 ms.

Why the triggers and the batches cannot get in each other's way: SQLite runs one write
transaction at a time, and a batch inserts a job's pieces only if, inside its transaction, the
job's text is still the one the pieces were cut from. A job the batches have not reached yet
has no pieces; if it is edited meanwhile the update trigger deletes the old pieces (there are
none) and inserts every piece of the new text, so the batch, finding another text, skips it;
if it was edited back to the same text, the batch inserts pieces that are there already
(``INSERT OR IGNORE``: no change). A job deleted before its batch is not found by it. A job
inserted after the migration (``seq > last_seq``, or an undone delete that gets its old seq
back) is indexed by the insert trigger. So every job ends with exactly the pieces of its
current text, whatever the order.

Until the backfill is complete, :func:`short_index_ready` is False and short terms are matched
by the ``LIKE`` scan (``core/store/queries.py``): a search never sees a partly built index.
"""

from __future__ import annotations

import sqlite3
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

from qwenimg_desktop.core.store.schema import gram_pieces, gram_text

BATCH_BUDGET_S: Final = 0.004
"""How long one batch may hold the write lock for its inserts, at most (plus the last job's
own: ~0.5 ms for a 400-character prompt, ~40 ms for the longest text the app accepts, plus the
commit)."""
PREPARED_JOBS: Final = 200
"""Jobs whose pieces are cut ahead, outside the write lock (the batches then write them)."""

_ASCII_LOWER: Final = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")
_PROBE: Final = "AZaz\u00c9\u0130\u1e9e\u03a3"
"""Upper-case letters outside ASCII: SQLite's own ``lower()`` leaves them as they are."""
_INSERT_PIECE: Final = "INSERT OR IGNORE INTO job_grams (gram, seq) VALUES (?, ?)"
_JOB_TEXT: Final = f"SELECT {gram_text('j')} FROM jobs j WHERE j.seq = ?"
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


@dataclass(frozen=True, slots=True)
class BatchResult:
    """One batch: the jobs it visited and the state after its commit."""

    jobs: int
    state: BackfillState


@dataclass(frozen=True, slots=True)
class _Prepared:
    seq: int
    text: str
    pieces: tuple[str, ...]


def backfill_state(conn: sqlite3.Connection) -> BackfillState:
    """The persisted progress (complete when the database never needed a backfill)."""
    row = conn.execute("SELECT done_through, last_seq FROM gram_backfill WHERE id = 1").fetchone()
    if row is None:
        return BackfillState(0, 0)
    return BackfillState(int(row[0]), int(row[1]))


def short_index_ready(conn: sqlite3.Connection) -> bool:
    """Whether ``job_grams`` holds every job's pieces (else short terms use the LIKE scan)."""
    return backfill_state(conn).complete


def text_pieces(text: str) -> set[str]:
    """The pieces the triggers store for ``text`` (``schema.gram_pieces``), cut in Python.

    SQLite's ``length()`` stops at the first NUL, so the pieces do; its built-in ``lower()``
    folds ASCII letters only (:func:`sqlite_lower_is_ascii` checks the build).
    """
    cut = text.split("\x00", 1)[0].translate(_ASCII_LOWER)
    pieces = set(cut)
    pieces.update(cut[i:i + 2] for i in range(len(cut) - 1))
    return pieces


def sqlite_lower_is_ascii(conn: sqlite3.Connection) -> bool:
    """Whether this SQLite's ``lower()`` is the built-in ASCII one (not ICU's), as
    :func:`text_pieces` assumes."""
    (lowered,) = conn.execute("SELECT lower(?)", (_PROBE,)).fetchone()
    return bool(lowered == _PROBE.translate(_ASCII_LOWER))


class Backfill:
    """Fills ``job_grams`` for the jobs older than it, one short batch per :meth:`write`.

    :meth:`prepare` reads the next jobs and cuts their pieces without taking the write lock;
    :meth:`write`, inside the caller's write transaction, inserts them oldest first until the
    time budget is spent and moves ``done_through`` past them. A job whose text changed since
    it was prepared is skipped: the update trigger has indexed it in full already (for a job
    without pieces it deletes nothing and inserts every piece of the new text). Pieces are
    inserted in key order, so a batch touches each index page once.
    """

    def __init__(self) -> None:
        self._queue: deque[_Prepared | None] = deque()  # None: no job left up to last_seq
        self._after: int | None = None  # the mark the queue continues from
        self._in_python: bool | None = None

    def prepare(self, conn: sqlite3.Connection, limit: int = PREPARED_JOBS) -> None:
        """Cut the pieces of the next ``limit`` jobs, unless some are still waiting."""
        if self._queue:
            return
        if self._in_python is None:
            self._in_python = sqlite_lower_is_ascii(conn)
        state = backfill_state(conn)
        if state.complete:
            return
        rows = conn.execute(_JOB_TEXTS, {"done": state.done_through, "last": state.last_seq,
                                         "limit": limit}).fetchall()
        for seq, text in rows:
            if self._in_python:
                pieces = text_pieces(text)
            else:
                pieces = {str(r[0]) for r in conn.execute(gram_pieces(":t"), {"t": text})}
            self._queue.append(_Prepared(int(seq), str(text), tuple(sorted(pieces))))
        if len(rows) < limit:
            self._queue.append(None)
        self._after = state.done_through

    def write(self, conn: sqlite3.Connection, *, budget_s: float = BATCH_BUDGET_S,
              clock: Callable[[], float] = time.perf_counter) -> BatchResult:
        """Insert prepared jobs until ``budget_s`` has passed (at least one job) and record
        the new mark, in the caller's write transaction."""
        state = backfill_state(conn)
        if state.complete or state.done_through != self._after:
            self._queue.clear()  # done, or another process moved the mark: prepare again
            return BatchResult(0, state)
        started = clock()
        done = state.done_through
        visited = 0
        while self._queue:
            job = self._queue.popleft()
            if job is None:
                done = state.last_seq
                break
            row = conn.execute(_JOB_TEXT, (job.seq,)).fetchone()
            if row is not None and row[0] == job.text:
                conn.executemany(_INSERT_PIECE, ((piece, job.seq) for piece in job.pieces))
            done = job.seq
            visited += 1
            if clock() - started >= budget_s:
                break
        conn.execute("UPDATE gram_backfill SET done_through = :done WHERE id = 1", {"done": done})
        self._after = done
        return BatchResult(visited, BackfillState(done, state.last_seq))
