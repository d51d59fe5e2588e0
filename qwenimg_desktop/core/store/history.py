"""HistoryStore: the job journal (each state change its own commit) and history listings."""

from __future__ import annotations

import contextlib
import sqlite3
import uuid
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from qwenimg_desktop.core.errors import BugError, DuplicateRequestId, NotOwner, UserError, redact
from qwenimg_desktop.core.jobs.model import (
    AMBIGUOUS_AT_FAL,
    FINAL_STATES,
    JobState,
    can_transition,
    offers_redownload,
)
from qwenimg_desktop.core.params import GenerationRequest
from qwenimg_desktop.core.store import grams
from qwenimg_desktop.core.store.batches import BatchJournal
from qwenimg_desktop.core.store.edits import EditJournal
from qwenimg_desktop.core.store.grids import GridJournal
from qwenimg_desktop.core.store.holds import HoldJournal, hold_back
from qwenimg_desktop.core.store.library import LibraryStore
from qwenimg_desktop.core.store.pending import insert_pending
from qwenimg_desktop.core.store.prices import PriceCache
from qwenimg_desktop.core.store.queries import id_blocks, in_list
from qwenimg_desktop.core.store.reads import HistoryReads, LogLine
from qwenimg_desktop.core.store.records import (
    IMAGE_COLUMNS,
    JOB_COLUMNS,
    MAX_NOTE_CHARS,
    ImageRecord,
    JobRecord,
)
from qwenimg_desktop.core.store.snippets import SnippetStore
from qwenimg_desktop.core.store.spend import JobCost, ledger

__all__ = ["Adoption", "HistoryStore", "ImageRecord", "JobRecord"]

LOOKUP_UNFINISHED: Final = frozenset({"submission_unknown", AMBIGUOUS_AT_FAL})
"""``error_type`` of an ``unknown`` job whose search at fal is not over: it had not ended (or
never started), so the engine that adopts it looks again at its start; or several requests
matched, so it is shown again for the user to choose."""
INTERRUPTED_SEND_MESSAGE: Final = (
    "Submission outcome unknown: the app stopped while sending. "
    "Check your fal dashboard before submitting again."
)


@dataclass(frozen=True)
class Adoption:
    """What :meth:`HistoryStore.adopt_unfinished` did: the unfinished jobs it made ours, and
    those left to owners that are still alive (owner id → job ids, in queue order)."""

    adopted: tuple[str, ...] = ()
    held: Mapping[str, tuple[str, ...]] = field(default_factory=dict)


class HistoryStore(HistoryReads, LibraryStore, SnippetStore, EditJournal, BatchJournal,
                   GridJournal, HoldJournal, PriceCache):
    """The history database: the job journal (each state change its own commit) and listings.

    Open with :meth:`open`; see :class:`~qwenimg_desktop.core.store.base.StoreBase` for threading.
    An engine sets :attr:`owner` to its lease's id (``core/jobs/lease.py``): the jobs it creates
    carry it, and its journal writes to a job another engine owns are refused (:class:`NotOwner`).
    """

    owner: str | None = None

    def _transition(
        self, job_id: str, new: JobState, values: dict[str, Any] | None = None, *,
        keep_old: Collection[str] = (), keep_new_if_set: Collection[str] = (),
        durable: bool = True,
    ) -> None:
        """Move ``job_id`` to ``new`` in one transaction, setting ``values`` columns.

        Columns in ``keep_old`` keep a non-NULL stored value; columns in ``keep_new_if_set``
        keep the stored value when the new one is None. ``durable=False``: see
        :meth:`mark_fetching`.
        """
        values = dict(values or {})
        with self._writing(durable=durable) as conn:
            _check_transition(conn, job_id, new, self.owner)
            sets = ["state = :state", "updated_at = :now"]
            for column in values:
                if column in keep_old:
                    sets.append(f"{column} = COALESCE({column}, :{column})")
                elif column in keep_new_if_set:
                    sets.append(f"{column} = COALESCE(:{column}, {column})")
                else:
                    sets.append(f"{column} = :{column}")
            params = {**values, "state": new.value, "now": self._clock(), "id": job_id}
            conn.execute(f"UPDATE jobs SET {', '.join(sets)} WHERE id = :id", params)

    # ---- journal writes ------------------------------------------------------------------------

    def create_pending(
        self, request: GenerationRequest, *, queue_base: str, cost_estimate: float | None,
        job_id: str | None = None, hold: str | None = None, durable: bool = True,
    ) -> str:
        """Commit a new ``pending`` job before anything is sent; returns its local id.
        ``cost_estimate`` is the price in effect now × the images asked for (None: unknown);
        ``hold``: why a budget cap holds it back (it waits until released).

        ``durable=False`` only for a job whose fsynced ``sending`` commit follows at once,
        before the POST, and makes this one durable with it (one fsync before the network, not
        two); a job that waits first is committed durably, or made so (:meth:`make_durable`).
        """
        job_id = job_id or uuid.uuid4().hex
        with self._writing(durable=durable) as conn:
            insert_pending(conn, request, owner=self.owner, queue_base=queue_base,
                           cost_estimate=cost_estimate, job_id=job_id, now=self._clock())
            hold_back(conn, [job_id], hold)
        return job_id

    def make_durable(self, job_id: str) -> None:
        """Fsync every commit made so far, with a write to ``job_id``'s row (a new job that was
        to be sent at once, and waits after all). The write must change a byte: SQLite leaves
        an unchanged cell unwritten, and a commit that writes nothing syncs nothing."""
        with self._writing() as conn:
            conn.execute("UPDATE jobs SET updated_at = MAX(:now, updated_at + 0.000001)"
                         " WHERE id = :id", {"now": self._clock(), "id": job_id})

    def mark_sending(self, job_id: str) -> None:
        """Committed just before the POST: after a crash the outcome is unknown."""
        self._transition(job_id, JobState.sending)

    def mark_submitted(
        self, job_id: str, *, request_id: str, status_url: str | None,
        response_url: str | None, cancel_url: str | None, queue_position: int | None,
    ) -> None:
        """Commit the request_id the moment the submit response is validated.

        Raises:
            DuplicateRequestId: another job already has this request id (the row is unchanged).
        """
        self._refuse_duplicate(job_id, request_id)
        self._transition(job_id, JobState.submitted, {
            "request_id": request_id, "status_url": status_url, "response_url": response_url,
            "cancel_url": cancel_url, "queue_position": queue_position,
            "submitted_at": self._clock(),
        })

    def mark_refused_unsent(self, job_id: str) -> None:
        """``sending`` → ``pending``: fal refused the submit before queueing it (a locked
        account answers 403 before anything is queued); it is sent again after Resume."""
        self._transition(job_id, JobState.pending)

    def _refuse_duplicate(self, job_id: str, request_id: str) -> None:
        with self._reading() as conn:
            other = conn.execute("SELECT id FROM jobs WHERE request_id = ? AND id != ?",
                                 (request_id, job_id)).fetchone()
        if other is not None:
            raise DuplicateRequestId(
                f"the queue answered with request id {request_id}, which job {other[0]} already"
                " has: this submission cannot be followed"
            )

    def adopt_found_request(
        self, job_id: str, *, request_id: str, status_url: str, response_url: str,
        cancel_url: str,
    ) -> None:
        """``unknown`` → ``submitted``: the lost submit was found in fal's request history
        (core/jobs/reconcile.py); the job follows that request id from here, as if the submit's
        answer had arrived.

        Raises:
            DuplicateRequestId: another job already follows this request id.
        """
        self._refuse_duplicate(job_id, request_id)
        self._transition(job_id, JobState.submitted, {
            "request_id": request_id, "status_url": status_url, "response_url": response_url,
            "cancel_url": cancel_url, "submitted_at": self._clock(), "error": None,
            "error_type": None, "finished_at": None,
        })

    def note_unknown(self, job_id: str, message: str, error_type: str) -> None:
        """Say what the search for a lost submit found (the job stays ``unknown``)."""
        with self._writing() as conn:
            conn.execute(
                "UPDATE jobs SET error = :error, error_type = :type, updated_at = :now"
                " WHERE id = :id AND state = :unknown",
                {"error": redact(message), "type": error_type, "now": self._clock(),
                 "id": job_id, "unknown": JobState.unknown.value},
            )

    def request_ids_held(self, request_ids: Collection[str]) -> set[str]:
        """Those of ``request_ids`` that a job of the journal already follows."""
        held: set[str] = set()
        with self._reading() as conn:
            for id_sql, params in id_blocks(request_ids):
                held.update(str(r[0]) for r in conn.execute(
                    f"SELECT request_id FROM jobs WHERE request_id IN {id_sql}", params))
        return held

    def spend_ledger(self, since: float | None = None) -> list[JobCost]:
        """Every finished job (created from ``since`` on) with what fal bills for it
        (core/store/spend.py)."""
        with self._reading() as conn:
            return ledger(conn, since)

    def spend_entries(self, since: float | None = None, *, batch: int = 5000,
                      ) -> Iterator[JobCost]:
        """:meth:`spend_ledger`'s entries, oldest first, read ``batch`` at a time as they are
        consumed: the status bar's spend sums them after every finished job, and the whole
        ledger of 100,000 jobs was ~57 MB of the window's memory each time. No lock or
        transaction is held between batches."""
        after: tuple[float, str] | None = None
        while True:
            with self._reading() as conn:
                page = ledger(conn, since, after=after, limit=batch)
            if not page:
                return
            yield from page
            after = (page[-1].created_at, page[-1].job_id)

    def lost_submits(self) -> list[str]:
        """Ids of ``unknown`` jobs still worth looking for at fal (not those several requests
        matched: the user chooses those), oldest first."""
        with self._reading() as conn:
            return [str(r[0]) for r in conn.execute(
                "SELECT id FROM jobs WHERE state = :unknown AND COALESCE(error_type, '')"
                " IN ('submission_unknown', 'not_found_at_fal') ORDER BY created_at",
                {"unknown": JobState.unknown.value})]

    def mark_queued(self, job_id: str, position: int | None) -> None:
        self._transition(job_id, JobState.queued, {"queue_position": position})

    def mark_running(self, job_id: str) -> None:
        """Running; ``started_at`` is set by the first call only."""
        self._transition(job_id, JobState.running,
                         {"queue_position": None, "started_at": self._clock()},
                         keep_old=("started_at",))

    def mark_cancel_requested(self, job_id: str) -> None:
        self._transition(job_id, JobState.cancel_requested)

    def mark_fetching(
        self, job_id: str, *, result_json: str | None, seed: int | None,
        metrics_json: str | None,
    ) -> None:
        """The result arrived; a None ``seed`` keeps the requested one.

        Committed without an fsync: the job's end (:meth:`complete`, or its failure), always
        fsynced, follows it and makes it durable with it (the write-ahead log is synced in
        order). A power cut before that leaves the row as it was, with its request id: the job
        is followed again by that id and the result fetched again, without a new charge.
        """
        self._transition(job_id, JobState.fetching, {
            "queue_position": None, "result_json": result_json, "seed": seed,
            "metrics_json": metrics_json,
        }, keep_new_if_set=("seed",), durable=False)

    def complete(self, job_id: str, images: Sequence[ImageRecord]) -> None:
        """Insert the image rows and mark the job completed, in ONE transaction.

        The image files must already be complete and renamed into place.
        """
        now = self._clock()
        with self._writing() as conn:
            _check_transition(conn, job_id, JobState.completed, self.owner)
            _insert_images(conn, job_id, images)
            conn.execute(
                "UPDATE jobs SET state = :state, updated_at = :now, finished_at = :now,"
                " queue_position = NULL WHERE id = :id",
                {"state": JobState.completed.value, "now": now, "id": job_id},
            )

    def complete_redownloaded(
        self, job_id: str, images: Sequence[ImageRecord], *, result_json: str | None,
        seed: int | None,
    ) -> None:
        """A failed job whose result was fetched again by Re-download: insert its image rows and
        mark it completed, in ONE transaction.

        Only a failed job of :data:`REDOWNLOADABLE_ERRORS` may move out of ``failed`` (its
        request id is fal's record that the result exists); the image files must already be
        complete and in place.
        """
        now = self._clock()
        with self._writing() as conn:
            row = conn.execute("SELECT state, error_type, request_id FROM jobs WHERE id = :id",
                               {"id": job_id}).fetchone()
            if row is None or not offers_redownload(JobState(row[0]), row[1], row[2]):
                raise BugError(f"journal: job {job_id} is not a failed job awaiting Re-download")
            _insert_images(conn, job_id, images)
            conn.execute(
                "UPDATE jobs SET state = :state, updated_at = :now, finished_at = :now,"
                " error = NULL, error_type = NULL, result_json = COALESCE(:result, result_json),"
                " seed = COALESCE(:seed, seed) WHERE id = :id",
                {"state": JobState.completed.value, "now": now, "id": job_id,
                 "result": result_json, "seed": seed},
            )

    def fail(self, job_id: str, message: str, error_type: str | None = None) -> None:
        self._transition(job_id, JobState.failed, {
            "error": redact(message), "error_type": error_type, "finished_at": self._clock(),
            "queue_position": None,
        })

    def mark_cancelled(self, job_id: str) -> None:
        self._transition(job_id, JobState.cancelled,
                         {"finished_at": self._clock(), "queue_position": None})

    def mark_unknown(self, job_id: str, message: str) -> None:
        """Submission outcome unknown: shown to the user, never resubmitted automatically."""
        self._transition(job_id, JobState.unknown, {
            "error": redact(message), "error_type": "submission_unknown",
            "finished_at": self._clock(),
        })

    def append_logs(self, job_id: str, logs: Sequence[LogLine], *,
                    durable: bool = True) -> None:
        """Append ``(message, level, timestamp)`` lines in one batched insert.

        ``durable=False`` (fal's status log lines) commits without an fsync: a line is no money,
        and the job's next fsynced commit makes it durable with it; only a power cut before
        that can lose it."""
        if not logs:
            return
        with self._writing(durable=durable) as conn:
            start = conn.execute(
                "SELECT COALESCE(MAX(seq), -1) + 1 FROM job_logs WHERE job_id = :id",
                {"id": job_id},
            ).fetchone()[0]
            conn.executemany(
                "INSERT INTO job_logs (job_id, seq, message, level, timestamp)"
                " VALUES (:id, :seq, :message, :level, :timestamp)",
                [{"id": job_id, "seq": start + i, "message": str(m), "level": lv, "timestamp": ts}
                 for i, (m, lv, ts) in enumerate(logs)],
            )

    def adopt_unfinished(self, is_alive: Callable[[str], bool]) -> Adoption:
        """Make every unfinished job whose owner is dead ours (:attr:`owner`), in one commit.

        Unfinished includes an ``unknown`` job whose search at fal had not ended (its process
        stopped while looking: :data:`LOOKUP_UNFINISHED`): the adopter looks for it again.

        ``is_alive(owner_id)`` probes an owner's lease. It is asked inside the write
        transaction, so two processes adopting at once never both take a job: the second sees
        the first's owner, which is alive. Jobs without an owner (written before owners were
        recorded) are adopted too.
        """
        if self.owner is None:
            raise BugError("adopt_unfinished needs an owner")
        final = sorted(s.value for s in FINAL_STATES)
        state_sql, state_params = in_list("st", final)
        lost_sql, lost_params = in_list("lost", sorted(LOOKUP_UNFINISHED))
        adopted: list[str] = []
        held: dict[str, list[str]] = {}
        with self._writing() as conn:
            rows = conn.execute(
                f"SELECT id, owner FROM jobs WHERE state NOT IN {state_sql}"
                f" OR (state = :unknown AND error_type IN {lost_sql})"
                " ORDER BY COALESCE(queue_rank, seq), seq",
                {**state_params, **lost_params, "unknown": JobState.unknown.value},
            ).fetchall()
            verdicts: dict[str, bool] = {}
            for job_id, owner in rows:
                if owner == self.owner:
                    continue
                if owner is not None and owner not in verdicts:
                    verdicts[owner] = is_alive(owner)
                if owner is not None and verdicts[owner]:
                    held.setdefault(owner, []).append(str(job_id))
                else:
                    adopted.append(str(job_id))
            for id_sql, params in id_blocks(adopted):
                conn.execute(f"UPDATE jobs SET owner = :owner WHERE id IN {id_sql}",
                             {**params, "owner": self.owner})
        return Adoption(tuple(adopted), {o: tuple(ids) for o, ids in held.items()})

    def flag_interrupted_sends(self, job_ids: Collection[str]) -> list[str]:
        """After adopting ``job_ids``: those still ``sending`` become ``unknown``; returns them.

        Only adopted jobs: a ``sending`` job of a live owner is in the middle of its POST.
        """
        flagged: list[str] = []
        with self._writing() as conn:
            now = self._clock()
            for id_sql, params in id_blocks(job_ids):
                both = {**params, "sending": JobState.sending.value}
                flagged.extend(str(r[0]) for r in conn.execute(
                    f"SELECT id FROM jobs WHERE id IN {id_sql} AND state = :sending", both))
                conn.execute(
                    "UPDATE jobs SET state = :unknown, updated_at = :now, finished_at = :now,"
                    " error = :message, error_type = 'submission_unknown'"
                    f" WHERE id IN {id_sql} AND state = :sending",
                    {**both, "unknown": JobState.unknown.value, "now": now,
                     "message": INTERRUPTED_SEND_MESSAGE},
                )
        return flagged

    def owner_of(self, job_id: str) -> str | None:
        """The owner id recorded on ``job_id`` (None: no such job, or no owner recorded)."""
        with self._reading() as conn:
            row = conn.execute("SELECT owner FROM jobs WHERE id = :id", {"id": job_id}).fetchone()
        return None if row is None or row[0] is None else str(row[0])

    # ---- user edits ----------------------------------------------------------------------------

    def set_favourite(self, job_id: str, favourite: bool) -> bool:
        """Returns False when the job does not exist (for example deleted by the CLI)."""
        with self._writing() as conn:
            cursor = conn.execute("UPDATE jobs SET favourite = :f WHERE id = :id",
                                  {"f": 1 if favourite else 0, "id": job_id})
            return cursor.rowcount > 0

    def set_note(self, job_id: str, text: str) -> bool:
        """Returns False when the job does not exist.

        Raises:
            UserError: ``text`` is longer than ``MAX_NOTE_CHARS`` (the editors stop there).
        """
        if len(text) > MAX_NOTE_CHARS:
            raise UserError(f"A note holds at most {MAX_NOTE_CHARS:,} characters.")
        with self._writing() as conn:
            cursor = conn.execute("UPDATE jobs SET note = :note WHERE id = :id",
                                  {"note": text, "id": job_id})
            return cursor.rowcount > 0

    def delete(self, job_ids: Collection[str]) -> list[Path]:
        """Remove finished jobs (with images and logs) in one transaction.

        Jobs still in flight (not in a final state) are left alone: cancel them first.

        Returns:
            The absolute image and thumbnail paths that belonged to the removed jobs, for the
            caller to move to the trash after the commit.
        """
        final = sorted(s.value for s in FINAL_STATES)
        stored: list[str] = []
        with self._writing() as conn:
            for id_sql, params in id_blocks(job_ids):
                state_sql, state_params = in_list("st", final)
                where = f"id IN {id_sql} AND state IN {state_sql}"
                both = {**params, **state_params}
                for row in conn.execute(
                    f"SELECT path, thumb_path FROM images WHERE job_id IN"
                    f" (SELECT id FROM jobs WHERE {where}) ORDER BY job_id, idx", both,
                ):
                    stored.extend(p for p in (row["path"], row["thumb_path"]) if p)
                conn.execute(f"DELETE FROM jobs WHERE {where}", both)
        paths: list[Path] = []
        for relative in stored:
            with contextlib.suppress(ValueError):
                paths.append(self.layout.absolute(relative))
        return paths

    def restore(self, records: Sequence[JobRecord],
                logs: Mapping[str, Sequence[LogLine]] | None = None) -> list[str]:
        """Re-insert deleted jobs exactly as they were (undo of :meth:`delete`), in one commit.

        Each record's ``seq`` puts it back at its old position in the insertion order (a
        record without one, ``seq`` 0, gets a new one). Jobs whose id exists again are skipped.
        Returns the ids restored.
        """
        restored: list[str] = []
        names = [c.strip() for c in JOB_COLUMNS.split(",")]
        placeholders = ", ".join(":" + n for n in names)
        with self._writing() as conn:
            for record in records:
                if conn.execute("SELECT 1 FROM jobs WHERE id = :id",
                                {"id": record.id}).fetchone():
                    continue
                conn.execute(f"INSERT INTO jobs (seq, {JOB_COLUMNS})"
                             f" VALUES (:seq, {placeholders})",
                             {**_job_params(record), "seq": record.seq or None})
                _insert_images(conn, record.id, record.images)
                lines = (logs or {}).get(record.id, ())
                conn.executemany(
                    "INSERT INTO job_logs (job_id, seq, message, level, timestamp)"
                    " VALUES (:id, :seq, :message, :level, :timestamp)",
                    [{"id": record.id, "seq": i, "message": m, "level": lv, "timestamp": ts}
                     for i, (m, lv, ts) in enumerate(lines)],
                )
                restored.append(record.id)
        return restored

    def set_thumbnails(self, job_id: str, thumbs: Mapping[int, str]) -> None:
        """Record thumbnails made after completion (image index → path); a row deleted since
        stays deleted."""
        with self._writing() as conn:
            conn.executemany(
                "UPDATE images SET thumb_path = :thumb WHERE job_id = :id AND idx = :idx",
                [{"thumb": thumb, "id": job_id, "idx": idx} for idx, thumb in thumbs.items()],
            )

    _backfill: grams.Backfill | None = None

    def backfill_short_index(self, budget_s: float = grams.BATCH_BUDGET_S) -> grams.BatchResult:
        """One batch of ``job_grams``' backfill (``core/store/grams.py``): pieces cut without
        the write lock, then a write transaction of about ``budget_s``, committed without an
        fsync. The engine runs it on its DB thread between journal writes until the result's
        state is complete."""
        if self._backfill is None:
            self._backfill = grams.Backfill()
        with self._reading() as conn:
            self._backfill.prepare(conn)
        with self._writing(durable=False) as conn:
            return self._backfill.write(conn, budget_s=budget_s)

    def replace_images(self, job_id: str, images: Sequence[ImageRecord]) -> None:
        """Replace the rows of these image indexes of ``job_id`` (after a re-download)."""
        with self._writing() as conn:
            for image in images:
                conn.execute("DELETE FROM images WHERE job_id = :id AND idx = :idx",
                             {"id": job_id, "idx": image.index})
            _insert_images(conn, job_id, images)


def _job_params(record: JobRecord) -> dict[str, Any]:
    return {
        "id": record.id, "created_at": record.created_at, "updated_at": record.updated_at,
        "state": record.state.value, "request_json": record.request_json,
        "prompt": record.prompt, "negative_prompt": record.negative_prompt,
        "width": record.width, "height": record.height, "output_format": record.output_format,
        "num_images": record.num_images, "endpoint": record.endpoint,
        "queue_base": record.queue_base, "request_id": record.request_id,
        "status_url": record.status_url, "response_url": record.response_url,
        "cancel_url": record.cancel_url, "queue_position": record.queue_position,
        "seed": record.seed, "cost_estimate": record.cost_estimate,
        "submitted_at": record.submitted_at, "started_at": record.started_at,
        "finished_at": record.finished_at, "error": record.error,
        "error_type": record.error_type, "result_json": record.result_json,
        "metrics_json": record.metrics_json, "favourite": 1 if record.favourite else 0,
        "note": record.note,
    }


def _insert_images(conn: sqlite3.Connection, job_id: str, images: Sequence[ImageRecord]) -> None:
    conn.executemany(
        f"INSERT INTO images ({IMAGE_COLUMNS}) VALUES (:job_id, :idx, :path,"
        " :thumb_path, :width, :height, :format, :size_bytes, :sha256, :source_url)",
        [{"job_id": job_id, "idx": im.index, "path": im.path, "thumb_path": im.thumb_path,
          "width": im.width, "height": im.height, "format": im.format,
          "size_bytes": im.size_bytes, "sha256": im.sha256, "source_url": im.source_url}
         for im in images],
    )


def _check_transition(
    conn: sqlite3.Connection, job_id: str, new: JobState, owner: str | None = None,
) -> None:
    row = conn.execute("SELECT state, owner FROM jobs WHERE id = :id", {"id": job_id}).fetchone()
    if row is None:
        raise BugError(f"journal: no job {job_id!r} to move to {new.value}")
    if owner is not None and row[1] is not None and row[1] != owner:
        raise NotOwner(f"job {job_id} is now run by another process; this one stopped following it")
    old = JobState(row[0])
    if not can_transition(old, new):
        raise BugError(f"journal: illegal transition {old.value} → {new.value} for job {job_id}")
