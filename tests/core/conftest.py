"""Fixtures for core tests: a real JobEngine on a temp data dir against the emulator."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from qwenimg_desktop.core.jobs import events as ev
from qwenimg_desktop.core.jobs.config import EngineConfig
from qwenimg_desktop.core.jobs.engine import JobEngine
from qwenimg_desktop.core.jobs.model import JobState
from qwenimg_desktop.core.params import GenerationRequest
from qwenimg_desktop.core.store.files import DataLayout
from qwenimg_desktop.emulator.server import EmulatorServer
from tests.core.helpers import FAST_RETRY, RECONCILE_DEADLINE, TEST_KEY, EventLog
from tests.fixtures.emulator import EmulatorFactory

EngineFactory = Callable[..., tuple[JobEngine, EventLog]]


@pytest.fixture
def engine_factory(tmp_path: Path) -> Iterator[EngineFactory]:
    """``factory(base_url, root=…, keys=…, sink=…, **EngineConfig fields)`` → a started engine and
    its event log."""
    engines: list[JobEngine] = []

    def factory(base_url: str, **kwargs: Any) -> tuple[JobEngine, EventLog]:
        log = EventLog()
        layout = DataLayout(kwargs.pop("root", tmp_path / "data"))
        keys = kwargs.pop("keys", lambda: TEST_KEY)
        sink = kwargs.pop("sink", log)
        settings: dict[str, Any] = {"queue_base": base_url, "retry": FAST_RETRY,
                                    "poll_interval": 0.02,
                                    "reconcile_deadline": RECONCILE_DEADLINE, **kwargs}
        engine = JobEngine(EngineConfig(layout, **settings), keys=keys, sink=sink)
        engines.append(engine)
        engine.start()
        return engine, log

    yield factory
    for engine in engines:
        engine.shutdown()


def queued_requests(n: int) -> list[GenerationRequest]:
    """``n`` distinct requests for a batch (seed ``i``: each job is told apart by its seed)."""
    return [GenerationRequest(prompt=f"queued job {i}", seed=i) for i in range(n)]


def send_order(log: EventLog) -> list[str]:
    """The jobs in the order the engine began sending them."""
    return [e.job_id for e in log.events
            if isinstance(e, ev.StateChanged) and e.state is JobState.sending]


@dataclass
class PausedBatch:
    """A batch journalled whole while sending is paused: every job is waiting, none sent."""

    server: EmulatorServer
    engine: JobEngine
    log: EventLog
    batch_id: str
    ids: list[str]
    restart: Callable[[], tuple[JobEngine, EventLog]]
    """A new engine on the same data folder and emulator (after ``engine.shutdown()``)."""


PausedBatchFactory = Callable[..., PausedBatch]


@pytest.fixture
def paused_batch(emulator_factory: EmulatorFactory,
                 engine_factory: EngineFactory) -> PausedBatchFactory:
    """``paused_batch(n, concurrency=1)`` → a started engine, paused, holding a batch of ``n``
    jobs it has journalled (each job's first state change seen) and not sent."""

    def make(n: int, *, concurrency: int = 1) -> PausedBatch:
        server = emulator_factory()

        def start() -> tuple[JobEngine, EventLog]:
            return engine_factory(server.base_url, concurrency=concurrency,
                                  make_thumbnails=False)

        engine, log = start()
        engine.pause_sending(True)
        batch_id, ids = engine.submit_batch(queued_requests(n))
        for job_id in ids:
            log.wait_for(job_id, ev.StateChanged)
        return PausedBatch(server, engine, log, batch_id, ids, start)

    return make
