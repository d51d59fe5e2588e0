"""The journal's side of edits: uploaded references by sha256, and lineage in both directions."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from qwenimg_desktop.core.edit_request import EditRequest
from qwenimg_desktop.core.jobs.model import JobState
from qwenimg_desktop.core.store.base import StoreBase
from qwenimg_desktop.core.store.reference_files import relative_path

UPLOAD_REUSE_SECONDS: Final = 6 * 24 * 3600
"""How long an uploaded file_url is reused: under the "at least 7 days" fal's FAQ promises."""


@dataclass(frozen=True)
class SourceLink:
    """One reference of an edit: its stored file and the history image it came from, if any."""

    job_id: str
    index: int
    sha256: str
    path: str
    source_job_id: str | None
    source_index: int | None


class EditJournal(StoreBase):
    """Uploads and lineage, mixed into :class:`~qwenimg_desktop.core.store.history.HistoryStore`."""

    def fresh_upload(self, sha256: str, max_age: float = UPLOAD_REUSE_SECONDS) -> str | None:
        """fal's file_url for these bytes if they were uploaded recently enough to reuse."""
        with self._reading() as conn:
            row = conn.execute("SELECT file_url, uploaded_at FROM uploads WHERE sha256 = ?",
                               (sha256,)).fetchone()
        if row is None or self._clock() - float(row[1]) > max_age:
            return None
        return str(row[0])

    def record_upload(self, sha256: str, file_url: str) -> None:
        with self._writing() as conn:
            conn.execute(
                "INSERT INTO uploads (sha256, file_url, uploaded_at) VALUES (?, ?, ?)"
                " ON CONFLICT (sha256) DO UPDATE SET file_url = excluded.file_url,"
                " uploaded_at = excluded.uploaded_at",
                (sha256, file_url, self._clock()),
            )

    def forget_upload(self, sha256: str) -> None:
        """fal no longer has the file (the run said the input is gone): upload it next time."""
        with self._writing() as conn:
            conn.execute("DELETE FROM uploads WHERE sha256 = ?", (sha256,))

    def set_uploaded_request(self, job_id: str, request: EditRequest) -> None:
        """Journal the references' file_urls before the submit (the row is still pending)."""
        with self._writing() as conn:
            updated = conn.execute(
                "UPDATE jobs SET request_json = ?, updated_at = ? WHERE id = ? AND state = ?",
                (request.model_dump_json(), self._clock(), job_id, JobState.pending.value),
            ).rowcount
        if updated != 1:
            from qwenimg_desktop.core.errors import BugError  # noqa: PLC0415 - rare path

            raise BugError(f"job {job_id} is not pending; its references cannot change")

    def made_from(self, job_id: str) -> list[SourceLink]:
        """The references of an edit, in order (image 1, 2, 3)."""
        with self._reading() as conn:
            rows = conn.execute(
                "SELECT job_id, idx, sha256, path, source_job_id, source_index FROM job_sources"
                " WHERE job_id = ? ORDER BY idx", (job_id,)).fetchall()
        return [_link(row) for row in rows]

    def edits_of(self, job_id: str) -> list[SourceLink]:
        """The edits made from any image of ``job_id``, oldest first."""
        with self._reading() as conn:
            rows = conn.execute(
                "SELECT s.job_id, s.idx, s.sha256, s.path, s.source_job_id, s.source_index"
                " FROM job_sources s JOIN jobs j ON j.id = s.job_id"
                " WHERE s.source_job_id = ? ORDER BY j.created_at, s.job_id, s.idx",
                (job_id,)).fetchall()
        return [_link(row) for row in rows]


def source_rows(job_id: str, request: EditRequest) -> list[dict[str, object]]:
    """The ``job_sources`` rows of a new edit (written in the same transaction as its job)."""
    return [
        {"job_id": job_id, "idx": index, "sha256": ref.sha256, "path": relative_path(ref),
         "source_job_id": ref.source_job_id, "source_index": ref.source_index}
        for index, ref in enumerate(request.references)
    ]


INSERT_SOURCE: Final = (
    "INSERT INTO job_sources (job_id, idx, sha256, path, source_job_id, source_index)"
    " VALUES (:job_id, :idx, :sha256, :path, :source_job_id, :source_index)"
)


def _link(row: tuple[object, ...]) -> SourceLink:
    return SourceLink(
        job_id=str(row[0]), index=int(str(row[1])), sha256=str(row[2]), path=str(row[3]),
        source_job_id=None if row[4] is None else str(row[4]),
        source_index=None if row[5] is None else int(str(row[5])),
    )
