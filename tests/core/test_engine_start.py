"""Commands sent while the engine is still starting return at once and run, in order, after."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest

from qwenimg_desktop.core.errors import QwenImgError
from qwenimg_desktop.core.jobs import events as ev
from qwenimg_desktop.core.jobs.config import EngineConfig
from qwenimg_desktop.core.jobs.engine import JobEngine
from qwenimg_desktop.core.jobs.model import JobState
from qwenimg_desktop.core.params import GenerationRequest
from qwenimg_desktop.core.store.db import DatabaseCorrupt
from qwenimg_desktop.core.store.files import DataLayout
from qwenimg_desktop.emulator.server import EmulatorServer
from tests.core.helpers import FAST_RETRY, TEST_KEY, EventLog


def test_commands_during_a_slow_start_do_not_wait_and_run_in_order(
    emulator: EmulatorServer, tmp_path: Path
) -> None:
    layout = DataLayout(tmp_path / "data")
    layout.ensure()
    # Another process holds the journal (rollback-journal mode, exclusive): the engine's switch
    # to WAL waits for it, as it would behind a slow quick_check of a large history.
    blocker = sqlite3.connect(layout.db_path, isolation_level=None)
    blocker.execute("BEGIN EXCLUSIVE")
    log = EventLog()
    config = EngineConfig(layout, queue_base=emulator.base_url, retry=FAST_RETRY,
                          poll_interval=0.02, concurrency=1, make_thumbnails=False)
    engine = JobEngine(config, keys=lambda: TEST_KEY, sink=log)
    try:
        engine.start(wait=False)
        kept = engine.submit(GenerationRequest(prompt="sent during start-up"))
        dropped = engine.submit(GenerationRequest(prompt="cancelled during start-up"))
        engine.cancel(dropped)
        engine.configure(concurrency=2, price_per_image=0.5)
        assert not engine.ready  # every command above returned while the start was blocked
        assert log.events == []
        blocker.rollback()
        blocker.close()
        assert isinstance(log.wait_final(kept), ev.Completed)
        assert isinstance(log.wait_final(dropped), ev.Cancelled)
        assert emulator.stats()["submits_by_job_id"] == {kept: 1}  # the cancelled one never left
        assert engine.concurrency == 2
        assert engine.store is not None
        record = engine.store.get(dropped)
        assert record is not None
        assert record.state is JobState.cancelled
    finally:
        engine.shutdown()


class GatedLayout(DataLayout):
    """A data layout whose ``ensure()`` (the engine start's first step) waits for a gate."""

    def __init__(self, root: Path) -> None:
        super().__init__(root)
        self.gate = threading.Event()

    def ensure(self) -> DataLayout:
        assert self.gate.wait(30), "the test never opened the gate"
        return super().ensure()


def test_commands_sent_before_a_failed_start_are_dropped_with_it(tmp_path: Path) -> None:
    layout = GatedLayout(tmp_path / "data")
    DataLayout(layout.root).ensure()
    layout.db_path.write_bytes(b"not a database, and never one" * 100)
    log = EventLog()
    engine = JobEngine(EngineConfig(layout, queue_base="http://127.0.0.1:9", retry=FAST_RETRY),
                       keys=lambda: TEST_KEY, sink=log)
    try:
        engine.start(wait=False)
        # The start is held at its first step until this submit has been sent, so the submit
        # is sent before the start fails (without the gate, a fast failure could come first:
        # then submit raises the start's error, as the next test shows).
        engine.submit(GenerationRequest(prompt="never sent"))
        layout.gate.set()
        with pytest.raises(QwenImgError) as caught:  # the damaged journal's own typed error
            engine.wait_ready(30)
        # The early submit was dropped with the start, never run: the only event is the
        # start's own failure, which the window reports.
        assert log.events == [ev.EngineReady("", error=caught.value.message,
                                             next_step=caught.value.next_step)]
    finally:
        layout.gate.set()
        engine.shutdown()


def test_a_command_sent_after_a_failed_start_raises_its_error(tmp_path: Path) -> None:
    layout = DataLayout(tmp_path / "data")
    layout.ensure()
    layout.db_path.write_bytes(b"not a database, and never one" * 100)
    log = EventLog()
    engine = JobEngine(EngineConfig(layout, queue_base="http://127.0.0.1:9", retry=FAST_RETRY),
                       keys=lambda: TEST_KEY, sink=log)
    try:
        engine.start(wait=False)
        with pytest.raises(QwenImgError) as caught:
            engine.wait_ready(30)
        with pytest.raises(DatabaseCorrupt):  # the start's own error, not a generic one
            engine.submit(GenerationRequest(prompt="after the failure"))
        # No job event: only the start's failure, told once.
        assert log.events == [ev.EngineReady("", error=caught.value.message,
                                             next_step=caught.value.next_step)]
    finally:
        engine.shutdown()
