"""Frozen history records (a job and its images) and their mapping from database rows."""

from __future__ import annotations

import logging
import sqlite3
from dataclasses import dataclass
from typing import Final

from pydantic import ValidationError

from qwenimg_desktop.core.endpoints import UnknownEndpoint
from qwenimg_desktop.core.endpoints import parse_stored_request as parse_through_registry
from qwenimg_desktop.core.jobs.model import JobState, offers_redownload
from qwenimg_desktop.core.params import GenerationRequest

log = logging.getLogger("qwenimg.store")

JOB_COLUMNS: Final = (
    "id, created_at, updated_at, state, request_json, prompt, negative_prompt, width, height, "
    "output_format, num_images, endpoint, queue_base, request_id, status_url, response_url, "
    "cancel_url, queue_position, seed, cost_estimate, submitted_at, started_at, finished_at, "
    "error, error_type, result_json, metrics_json, favourite, note"
)
IMAGE_COLUMNS: Final = (
    "job_id, idx, path, thumb_path, width, height, format, size_bytes, sha256, source_url"
)


@dataclass(frozen=True)
class ImageRecord:
    """One stored image; ``path`` and ``thumb_path`` are POSIX paths relative to the data root."""

    index: int
    path: str
    width: int
    height: int
    format: str
    size_bytes: int
    sha256: str
    thumb_path: str | None = None
    source_url: str | None = None  # None for data: URIs


@dataclass(frozen=True)
class JobRecord:
    """One journal row with its images.

    ``request`` is None when the stored ``request_json`` no longer validates (for example a
    row written by an older version); ``request_json`` always holds the raw text and the
    denormalised ``prompt`` / size fields still describe the job.
    """

    id: str
    created_at: float
    updated_at: float
    state: JobState
    request: GenerationRequest | None
    queue_base: str
    request_id: str | None
    status_url: str | None
    response_url: str | None
    cancel_url: str | None
    queue_position: int | None
    seed: int | None
    cost_estimate: float | None
    submitted_at: float | None
    started_at: float | None
    finished_at: float | None
    error: str | None
    error_type: str | None
    result_json: str | None
    metrics_json: str | None
    favourite: bool
    note: str
    images: tuple[ImageRecord, ...]
    request_json: str = ""
    prompt: str = ""
    negative_prompt: str = ""
    width: int | None = None
    height: int | None = None
    output_format: str | None = None
    num_images: int | None = None
    endpoint: str = ""
    seq: int = 0
    """The insertion position: the keyset cursor of ``HistoryStore.query_records(after=...)``."""

    @property
    def awaits_redownload(self) -> bool:
        """A failed job whose paid result was never stored: Re-download completes it."""
        return offers_redownload(self.state, self.error_type, self.request_id)


@dataclass(frozen=True)
class JobSummary:
    """What a gallery tile shows: cheap to read in blocks (no request JSON is parsed)."""

    id: str
    created_at: float
    state: JobState
    prompt_head: str
    """The first :data:`SUMMARY_PROMPT_CHARS` characters of the prompt."""
    width: int | None
    height: int | None
    favourite: bool
    image_path: str | None
    """Relative path of the first image (None for a job without images)."""
    thumb_path: str | None
    rating: int = 0
    """Stars (1–5) given in the library; 0 when unrated."""
    endpoint: str = ""
    """The endpoint id that ran the job (the tile marks edits and the standard tier)."""

    @property
    def tile_path(self) -> str | None:
        """The stored relative path a tile shows: the first thumbnail, else the first image."""
        return self.thumb_path or self.image_path


SUMMARY_PROMPT_CHARS: Final = 300
MAX_NOTE_CHARS: Final = 10_000  # a note on one generation; the note editors stop here too
SUMMARY_SELECT: Final = (
    f"SELECT j.id, j.created_at, j.state, substr(j.prompt, 1, {SUMMARY_PROMPT_CHARS}),"
    " j.width, j.height, j.favourite, i.path, i.thumb_path,"
    " (SELECT r.rating FROM job_ratings r WHERE r.seq = j.seq), j.endpoint"
    " FROM jobs j LEFT JOIN images i ON i.job_id = j.id AND i.idx = 0"
)


def summary_from_row(row: sqlite3.Row) -> JobSummary:
    return JobSummary(
        id=str(row[0]), created_at=float(row[1]), state=JobState(row[2]),
        prompt_head=str(row[3] or ""), width=row[4], height=row[5], favourite=bool(row[6]),
        image_path=row[7], thumb_path=row[8], rating=int(row[9] or 0),
        endpoint=str(row[10] or ""),
    )


def parse_stored_request(job_id: str, raw: str, endpoint: str = "") -> GenerationRequest | None:
    """The row's request, parsed as its endpoint's model; None when it no longer validates."""
    try:
        return parse_through_registry(raw, endpoint)
    except ValidationError as exc:
        log.info("job %s: stored request no longer validates (%d errors)", job_id,
                    exc.error_count())
        return None
    except UnknownEndpoint:
        log.info("job %s: stored endpoint %r is not known to this version", job_id,
                 endpoint[:200])
        return None


def image_from_row(row: sqlite3.Row) -> ImageRecord:
    return ImageRecord(
        index=int(row["idx"]), path=str(row["path"]), width=int(row["width"] or 0),
        height=int(row["height"] or 0), format=str(row["format"] or ""),
        size_bytes=int(row["size_bytes"] or 0), sha256=str(row["sha256"] or ""),
        thumb_path=row["thumb_path"], source_url=row["source_url"],
    )


def job_from_row(row: sqlite3.Row, images: tuple[ImageRecord, ...]) -> JobRecord:
    job_id = str(row["id"])
    raw = str(row["request_json"])
    return JobRecord(
        id=job_id, created_at=float(row["created_at"]), updated_at=float(row["updated_at"]),
        state=JobState(row["state"]),
        request=parse_stored_request(job_id, raw, str(row["endpoint"])),
        queue_base=str(row["queue_base"]), request_id=row["request_id"],
        status_url=row["status_url"], response_url=row["response_url"],
        cancel_url=row["cancel_url"], queue_position=row["queue_position"], seed=row["seed"],
        cost_estimate=row["cost_estimate"], submitted_at=row["submitted_at"],
        started_at=row["started_at"], finished_at=row["finished_at"], error=row["error"],
        error_type=row["error_type"], result_json=row["result_json"],
        metrics_json=row["metrics_json"], favourite=bool(row["favourite"]),
        note=str(row["note"]), images=images, request_json=raw, prompt=str(row["prompt"]),
        negative_prompt=str(row["negative_prompt"]), width=row["width"], height=row["height"],
        output_format=row["output_format"], num_images=row["num_images"],
        endpoint=str(row["endpoint"]), seq=int(row["seq"]),
    )
