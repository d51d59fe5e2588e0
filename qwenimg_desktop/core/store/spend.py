"""The spend ledger: what each job cost, as fal bills it, read from the journal.

fal bills these endpoints per image produced. A job's cost is its price at submit (the
journalled estimate divided by the images asked for) times the images it returned:

- completed: price × images stored;
- failed: 0 when fal ran nothing billable (a 5xx, a refused key or input before it ran, a
  cancellation); the full estimate when fal produced the images but they were not stored
  (``not_downloaded``: a paid result); **unknown** when fal may have billed it (a 422 after a
  runner spent time, a job the app stopped waiting for);
- ``unknown`` (the submit's outcome): **unknown**, never counted as zero;
- jobs not yet finished are not spent yet.

Demo-mode jobs live in their own data folder, so they never reach this ledger.
"""

from __future__ import annotations

import csv
import io
import sqlite3
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Final

from qwenimg_desktop.core.jobs.model import DEADLINE, FINAL_STATES, NOT_DOWNLOADED, JobState

NOT_BILLED_ENDPOINT: Final = "local/contact-sheet"
"""Rows the app made itself (contact sheets, ``core/store/grids.py``): never fal's, never spend."""

MAYBE_BILLED_FAILURES: Final = frozenset({"ValidationFailed", "validation_failed", DEADLINE})
"""Failures fal may have billed: a 422 may be billed once a runner spent time; a job past
its deadline may have finished at fal."""


@dataclass(frozen=True)
class JobCost:
    """One finished job in the ledger; ``cost`` None means unknown."""

    job_id: str
    created_at: float
    endpoint: str
    state: str
    images: int
    cost: float | None


@dataclass
class SpendSummary:
    """Totals over periods and endpoints; unknown costs are counted apart, never as zero."""

    today: float = 0.0
    week: float = 0.0
    month: float = 0.0
    all_time: float = 0.0
    unknown_jobs: int = 0
    by_endpoint: dict[str, float] = field(default_factory=dict)
    by_day: dict[str, float] = field(default_factory=dict)  # ISO date → total
    images: int = 0


def job_cost(state: str, error_type: str | None, cost_estimate: float | None,
             asked: int | None, stored: int) -> float | None:
    """What fal bills for one job (see the module docstring); None when unknown."""
    if cost_estimate is None:
        return None
    per_image = cost_estimate / max(asked or 1, 1)
    if state == JobState.completed.value:
        return round(per_image * stored, 6)
    if state == JobState.failed.value:
        if error_type == NOT_DOWNLOADED:
            return round(cost_estimate, 6)
        if error_type in MAYBE_BILLED_FAILURES:
            return None
        return 0.0
    if state == JobState.cancelled.value:
        return 0.0
    return None  # unknown


def ledger(conn: sqlite3.Connection, since: float | None = None, *,
           after: tuple[float, str] | None = None, limit: int = -1) -> list[JobCost]:
    """Every finished job with its cost, oldest first; with ``since``, only jobs created from
    that time on (an index range: a budget needs this month, not 100,000 jobs). ``after`` and
    ``limit`` read one page: the jobs after that (created_at, id), at most ``limit`` of them."""
    final = (JobState.completed.value, JobState.failed.value, JobState.cancelled.value,
             JobState.unknown.value)
    start = (float("-inf"), "") if after is None else after
    rows = conn.execute(
        "SELECT j.id, j.created_at, j.endpoint, j.state, j.error_type, j.cost_estimate,"
        " j.num_images, (SELECT COUNT(*) FROM images i WHERE i.job_id = j.id)"
        f" FROM jobs j WHERE j.state IN ({','.join('?' * len(final))})"
        " AND j.created_at >= ? AND j.endpoint != ? AND (j.created_at, j.id) > (?, ?)"
        " ORDER BY j.created_at, j.id LIMIT ?",
        (*final, float("-inf") if since is None else since, NOT_BILLED_ENDPOINT, *start,
         limit),
    ).fetchall()
    return [
        JobCost(str(r[0]), float(r[1]), str(r[2]), str(r[3]), int(r[7]),
                job_cost(str(r[3]), r[4], r[5], r[6], int(r[7])))
        for r in rows
    ]


def day_start(now: float | None = None) -> float:
    """The first moment of today in local time: what the status bar's "Today" counts from."""
    moment = datetime.fromtimestamp(time.time() if now is None else now)
    return moment.replace(hour=0, minute=0, second=0, microsecond=0).timestamp()


def month_start(now: float | None = None) -> float:
    """The first moment of this month in local time: every entry :func:`summarise` counts in
    ``today`` or ``month`` is created from then on."""
    moment = datetime.fromtimestamp(time.time() if now is None else now)
    return moment.replace(day=1, hour=0, minute=0, second=0, microsecond=0).timestamp()


def summarise(entries: Iterable[JobCost], now: float | None = None) -> SpendSummary:
    """Today, this week (since Monday), this month, all time, per endpoint and per day, in
    local time."""
    moment = datetime.fromtimestamp(time.time() if now is None else now)
    day = moment.replace(hour=0, minute=0, second=0, microsecond=0)
    week = day - timedelta(days=day.weekday())
    month = day.replace(day=1)
    summary = SpendSummary()
    for entry in entries:
        if entry.cost is None:
            summary.unknown_jobs += 1
            continue
        when = datetime.fromtimestamp(entry.created_at)
        summary.all_time += entry.cost
        summary.today += entry.cost if when >= day else 0.0
        summary.week += entry.cost if when >= week else 0.0
        summary.month += entry.cost if when >= month else 0.0
        summary.by_endpoint[entry.endpoint] = summary.by_endpoint.get(entry.endpoint, 0) + (
            entry.cost)
        key = when.date().isoformat()
        summary.by_day[key] = summary.by_day.get(key, 0.0) + entry.cost
        summary.images += entry.images if entry.state == JobState.completed.value else 0
    return summary


@dataclass(frozen=True)
class Committed:
    """What a budget cap counts: what fal billed today / this month, plus the estimates of
    the jobs on their way (waiting to be sent, or at fal) that no cap holds back: ten quick
    clicks are counted before any of them finishes."""

    today: float = 0.0
    month: float = 0.0


def committed(conn: sqlite3.Connection, now: float | None = None) -> Committed:
    """See :class:`Committed` (this month's jobs only: an index range, not the whole ledger)."""
    since = month_start(now)
    billed = summarise(ledger(conn, since), now)
    moment = datetime.fromtimestamp(time.time() if now is None else now)
    day = moment.replace(hour=0, minute=0, second=0, microsecond=0).timestamp()
    final = sorted(s.value for s in FINAL_STATES)
    today, month = billed.today, billed.month
    for created_at, estimate in conn.execute(
        f"SELECT created_at, cost_estimate FROM jobs WHERE state NOT IN"
        f" ({','.join('?' * len(final))}) AND hold IS NULL AND created_at >= ?",
        (*final, since),
    ):
        month += float(estimate or 0.0)
        today += float(estimate or 0.0) if created_at >= day else 0.0
    return Committed(round(today, 6), round(month, 6))


def ledger_csv(entries: list[JobCost]) -> str:
    """The ledger as CSV (an unknown cost is an empty cell, not 0)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["job_id", "created_at", "endpoint", "state", "images", "cost_usd"])
    for e in entries:
        writer.writerow([e.job_id, datetime.fromtimestamp(e.created_at).isoformat(" ", "seconds"),
                         e.endpoint, e.state, e.images, "" if e.cost is None else f"{e.cost:.4f}"])
    return out.getvalue()
