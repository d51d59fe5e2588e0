"""A locked fal account (403 "User is locked"): sending pauses, nothing is lost or re-sent."""

from __future__ import annotations

import threading
import time

from qwenimg_desktop.core.jobs import events as ev
from qwenimg_desktop.core.jobs.model import JobState
from qwenimg_desktop.core.params import GenerationRequest
from tests.core.conftest import EngineFactory
from tests.fixtures.emulator import EmulatorFactory


def _wait(predicate: object, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():  # type: ignore[operator]
        assert time.monotonic() < deadline, "timed out"
        threading.Event().wait(0.02)


def test_a_lock_mid_batch_pauses_sending_and_resume_sends_the_waiting_jobs(
    emulator_factory: EmulatorFactory, engine_factory: EngineFactory
) -> None:
    # $0.20 at $0.075 an image, locked at or below $0.10: the second completed image locks it.
    server = emulator_factory({"platform": {"balance": 0.2, "lock_threshold": 0.1}})
    engine, log = engine_factory(server.base_url, concurrency=1, make_thumbnails=False)
    jobs = [engine.submit(GenerationRequest(prompt=f"locked {i}", seed=i)) for i in range(5)]
    locked = log.wait_for("", ev.AccountLocked)
    assert isinstance(locked, ev.AccountLocked)
    assert "Exhausted balance" in locked.reason
    assert engine.store is not None
    store = engine.store
    _wait(lambda: all(store.get(j).state in {JobState.completed, JobState.pending}  # type: ignore[union-attr]
                      for j in jobs))
    sent_while_open = server.stats()["submits_total"]
    assert sent_while_open == 2
    time.sleep(0.5)  # nothing more is sent while locked (no automatic retry)
    assert server.stats()["submits_total"] == sent_while_open
    waiting = [j for j in jobs if store.get(j).state is JobState.pending]  # type: ignore[union-attr]
    assert len(waiting) == 3
    assert not [e for e in log.events if isinstance(e, ev.Failed)]  # none failed, none lost
    assert len([e for e in log.events if isinstance(e, ev.AccountLocked)]) == 1

    server.top_up(5.0)
    engine.resume_after_lock()  # the banner's Resume
    for job in jobs:
        assert isinstance(log.wait_final(job), ev.Completed)
    stats = server.stats()
    assert stats["submits_total"] == 5
    assert stats["submits_by_job_id"] == dict.fromkeys(jobs, 1)
