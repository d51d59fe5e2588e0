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
