"""The INSERT of a new ``pending`` job: one place for a single job and each job of a batch."""

from __future__ import annotations

import re
import sqlite3
from typing import Final

from qwenimg_desktop.core.edit_request import EditRequest
from qwenimg_desktop.core.errors import BugError
from qwenimg_desktop.core.jobs.model import JobState
from qwenimg_desktop.core.params import GenerationRequest
from qwenimg_desktop.core.store.edits import INSERT_SOURCE, source_rows

JOB_ID: Final = re.compile(r"^[0-9a-f]{32}$")


def insert_pending(
    conn: sqlite3.Connection, request: GenerationRequest, *, owner: str | None,
    queue_base: str, cost_estimate: float | None, job_id: str, now: float,
    batch_id: str | None = None,
) -> None:
    """Insert one pending row (and an edit's sources) inside the caller's transaction;
    ``cost_estimate`` None: the price was unknown (the ledger counts it as unknown, not $0)."""
    if not JOB_ID.fullmatch(job_id):
        raise BugError(f"job ids are 32 lowercase hex digits, not {job_id!r}")
    width, height = request.dimensions
    params = {
        "id": job_id, "now": now, "state": JobState.pending.value,
        "request_json": request.model_dump_json(), "prompt": request.prompt,
        "negative_prompt": request.negative_prompt, "width": width, "height": height,
        "output_format": request.output_format.value, "num_images": request.num_images,
        "endpoint": request.endpoint, "queue_base": queue_base, "seed": request.seed,
        "cost_estimate": cost_estimate, "owner": owner, "batch_id": batch_id,
    }
    conn.execute(
        "INSERT INTO jobs (id, created_at, updated_at, state, request_json, prompt,"
        " negative_prompt, width, height, output_format, num_images, endpoint,"
        " queue_base, seed, cost_estimate, owner, batch_id) VALUES (:id, :now, :now,"
        " :state, :request_json, :prompt, :negative_prompt, :width, :height,"
        " :output_format, :num_images, :endpoint, :queue_base, :seed, :cost_estimate,"
        " :owner, :batch_id)",
        params,
    )
    if isinstance(request, EditRequest):
        conn.executemany(INSERT_SOURCE, source_rows(job_id, request))
