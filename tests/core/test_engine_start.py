"""A non-waiting engine start: commands wait for it, and a failed start is reported every time."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from qwenimg_desktop.core.jobs import events as ev
from qwenimg_desktop.core.jobs.engine import JobEngine
from qwenimg_desktop.core.params import GenerationRequest
from qwenimg_desktop.core.store.db import DatabaseCorrupt
from qwenimg_desktop.core.store.files import DataLayout
from tests.core.helpers import FAST_RETRY, TEST_KEY, EventLog
from tests.fixtures.emulator import EmulatorFactory
from tests.fixtures.store import damage_pages

REQUEST = GenerationRequest(prompt="start-up probe", seed=3)
Starter = Callable[[str, Path], tuple[JobEngine, EventLog]]


@pytest.fixture
def start_nowait() -> Iterator[Starter]:
    """``start(base_url, root)`` → an engine started with ``wait=False``, and its event log."""
    engines: list[JobEngine] = []

    def start(base_url: str, root: Path) -> tuple[JobEngine, EventLog]:
        log = EventLog()
        engine = JobEngine(layout=DataLayout(root), keys=lambda: TEST_KEY, sink=log,
                           queue_base=base_url, retry=FAST_RETRY, poll_interval=0.02)
        engines.append(engine)
        engine.start(wait=False)
        return engine, log

    yield start
    for engine in engines:
        engine.shutdown()


def test_a_submit_during_a_non_waiting_start_runs_once_the_engine_is_ready(
    emulator_factory: EmulatorFactory, start_nowait: Starter, tmp_path: Path
) -> None:
    server = emulator_factory()
    engine, log = start_nowait(server.base_url, tmp_path / "data")
    job_id = engine.submit(REQUEST)  # may arrive before the journal is open: it waits
    assert engine.ready
    final = log.wait_final(job_id)
    assert isinstance(final, ev.Completed), final
    assert server.stats()["submits_by_job_id"] == {job_id: 1}


def test_a_failed_non_waiting_start_is_raised_by_every_later_call(
    emulator_factory: EmulatorFactory, start_nowait: Starter, tmp_path: Path
) -> None:
    server = emulator_factory()
    root = tmp_path / "damaged"
    damage_pages(DataLayout(root).ensure())
    engine, _log = start_nowait(server.base_url, root)
    with pytest.raises(DatabaseCorrupt):
        engine.wait_ready(30)
    assert engine.ready
    with pytest.raises(DatabaseCorrupt):
        engine.wait_ready(0)  # kept, not consumed by the first report
    with pytest.raises(DatabaseCorrupt):
        engine.submit(REQUEST)
    assert engine.store is None
    assert server.stats()["submit_attempts"] == 0
    engine.shutdown()  # nothing to stop: returns quietly
