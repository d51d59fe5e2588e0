"""The ledger read from a time on: today's and this month's figures are those of the whole
ledger, from the month's jobs only (a budget check must not read 100,000 jobs on a click)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import pytest

from qwenimg_desktop.core.jobs.model import JobState
from qwenimg_desktop.core.store.history import HistoryStore
from qwenimg_desktop.core.store.spend import month_start, summarise
from tests.history.conftest import Clock


def test_the_months_ledger_gives_the_whole_ledgers_today_and_month(
    store: HistoryStore, make_job: Callable[..., str], clock: Clock,
) -> None:
    now = datetime(2026, 12, 6, 15, 0).timestamp()
    clock.now = datetime(2026, 10, 20, 9, 0).timestamp()  # an earlier month
    old = [make_job("october", images=2), make_job("october failed", state=JobState.failed)]
    clock.now = datetime(2026, 12, 1, 0, 0, 5).timestamp()  # this month, not today
    make_job("december", images=1)
    clock.now = datetime(2026, 12, 6, 8, 0).timestamp()  # today
    make_job("today", images=3)
    whole = summarise(store.spend_ledger(), now=now)
    recent = store.spend_ledger(since=month_start(now))
    part = summarise(recent, now=now)
    assert not {entry.job_id for entry in recent} & set(old)
    assert part.today == pytest.approx(whole.today)
    assert part.month == pytest.approx(whole.month)
    assert 0 < whole.today < whole.month < whole.all_time  # each period holds jobs of its own
    assert part.all_time == pytest.approx(whole.month)  # October is in the whole only
    assert month_start(now) == datetime(2026, 12, 1).timestamp()


def test_the_ledger_read_in_batches_is_the_whole_ledger(
    store: HistoryStore, make_job: Callable[..., str], clock: Clock,
) -> None:
    """The status bar sums the ledger after each finished job: read a page at a time (the whole
    ledger of 100,000 jobs was ~57 MB of the window's memory), with the same entries in the
    same order, jobs created in the same second included, and the store usable between pages."""
    clock.now = datetime(2026, 12, 6, 8, 0).timestamp()
    for n in range(7):  # one second: the page boundary falls inside equal created_at
        make_job(f"same second {n}", images=1 + n % 3)
    clock.now += 60
    make_job("failed", state=JobState.failed)
    make_job("later", images=2)
    whole = store.spend_ledger()
    read: list[str] = []
    for entry in store.spend_entries(batch=2):
        read.append(entry.job_id)
        assert store.get(entry.job_id) is not None  # no lock held between pages
    assert read == [entry.job_id for entry in whole]
    assert len(read) == 9
    now = clock.now + 1
    assert summarise(store.spend_entries(batch=3), now=now) == summarise(whole, now=now)
