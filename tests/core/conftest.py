"""Fixtures for core tests: a real JobEngine on a temp data dir against the emulator."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from qwenimg_desktop.core.jobs.config import EngineConfig
from qwenimg_desktop.core.jobs.engine import JobEngine
from qwenimg_desktop.core.store.files import DataLayout
from tests.core.helpers import FAST_RETRY, RECONCILE_DEADLINE, TEST_KEY, EventLog

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
