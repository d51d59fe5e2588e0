"""The submit and completion paths: fsyncs before a submit (and which must be durable), the key
read ahead, the result GET's connection.

Read from what SQLite is told on the writer connection (its statement trace): a commit under
``synchronous = FULL`` is fsynced, one under ``NORMAL`` is not (the next FULL commit syncs it).
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from qwenimg_desktop.core.fal.client import QueueClient
from qwenimg_desktop.core.fal.credentials import KeyProvider
from qwenimg_desktop.core.jobs import events as ev
from qwenimg_desktop.core.jobs.engine import JobEngine
from qwenimg_desktop.core.params import GenerationRequest
from qwenimg_desktop.core.store.files import DataLayout
from qwenimg_desktop.core.store.history import HistoryStore
from tests.core.conftest import EngineFactory
from tests.core.helpers import TEST_KEY, run
from tests.fixtures.emulator import EmulatorFactory


@dataclass
class Commit:
    at: float
    durable: bool
    sql: str


@dataclass
class WriterTrace:
    """The writer connection's commits, each with its statements and whether it was synced."""

    statements: list[tuple[float, str]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def __call__(self, sql: str) -> None:
        with self.lock:
            self.statements.append((time.time(), sql))

    def commits(self) -> list[Commit]:
        with self.lock:
            statements = list(self.statements)
        full = True
        body: list[str] = []
        found: list[Commit] = []
        for at, sql in statements:
            text = " ".join(sql.split()).upper()
            if text.startswith("PRAGMA SYNCHRONOUS"):
                full = text.endswith("FULL")
            elif text == "COMMIT":
                found.append(Commit(at, full, "\n".join(body)))
                body = []
            else:
                body.append(sql)
        return found

    def of(self, job_id: str) -> list[Commit]:
        return [c for c in self.commits() if job_id in c.sql]


def _traced(engine: JobEngine) -> WriterTrace:
    assert engine.store is not None
    trace = WriterTrace()
    engine.store._connection().set_trace_callback(trace)
    return trace


def _submit_arrivals(base_url: str) -> list[float]:
    log = httpx.get(f"{base_url}/_emulator/requests", timeout=10).json()
    return [float(r["at"]) for r in log if r["route"] == "submit"]


def test_a_job_sent_at_once_has_one_fsync_before_its_submit(
    emulator_factory: EmulatorFactory, engine_factory: EngineFactory
) -> None:
    server = emulator_factory({"run_time": 0.05})
    engine, log = engine_factory(server.base_url)
    trace = _traced(engine)
    job_id = engine.submit(GenerationRequest(prompt="at once", seed=3))
    assert isinstance(log.wait_final(job_id), ev.Completed)

    (arrived,) = _submit_arrivals(server.base_url)
    before = [c for c in trace.of(job_id) if c.at < arrived]
    # The pending row is not fsynced by itself; the `sending` commit is, before the POST, and
    # syncs the pending row with it (the write-ahead log is synced in order).
    assert [c.durable for c in before] == [False, True]
    assert "INSERT INTO jobs" in before[0].sql
    assert "'sending'" in before[1].sql
    # The request id and the job's end stay fsynced; the result (state `fetching`) is synced
    # by the completion's commit that follows it.
    after = trace.of(job_id)[2:]
    assert any("'submitted'" in c.sql and c.durable for c in after)
    fetching = [c for c in after if "'fetching'" in c.sql]
    completed = [c for c in after if "'completed'" in c.sql]
    assert [c.durable for c in fetching] == [False]
    assert [c.durable for c in completed] == [True]
    assert fetching[0].at < completed[0].at


def test_a_job_that_waits_for_a_slot_is_journalled_durably(
    emulator_factory: EmulatorFactory, engine_factory: EngineFactory
) -> None:
    server = emulator_factory({"run_time": 1.0})
    engine, log = engine_factory(server.base_url, concurrency=1)
    trace = _traced(engine)
    first = engine.submit(GenerationRequest(prompt="runs", seed=1))
    log.wait_for(first, ev.Submitted)
    second = engine.submit(GenerationRequest(prompt="waits", seed=2))
    for _ in range(500):
        if trace.of(second):
            break
        time.sleep(0.01)
    created = trace.of(second)[0]
    assert "INSERT INTO jobs" in created.sql
    assert created.durable  # it waits: a power cut meanwhile must not lose it
    assert isinstance(log.wait_final(first), ev.Completed)
    assert isinstance(log.wait_final(second), ev.Completed)


def test_make_durable_writes_a_byte_even_with_a_stopped_clock(tmp_path: Path) -> None:
    """SQLite leaves an unchanged cell unwritten, and a commit with nothing written syncs
    nothing: the write must change the row even when the clock has not moved."""
    layout = DataLayout(tmp_path / "data")
    layout.ensure()
    store = HistoryStore.open(layout, clock=lambda: 1000.0)
    try:
        job_id = store.create_pending(GenerationRequest(prompt="x"), queue_base="http://q",
                                      cost_estimate=None, durable=False)
        conn = store._connection()
        changes = conn.total_changes
        store.make_durable(job_id)
        assert conn.total_changes == changes + 1
        (updated,) = conn.execute("SELECT updated_at FROM jobs WHERE id = ?", (job_id,)).fetchone()
        assert updated > 1000.0
    finally:
        store.close()


def test_the_key_is_read_while_the_row_is_written(emulator_factory: EmulatorFactory) -> None:
    """``read_key_ahead`` starts the key store's read at once (in the window, a round trip to
    the window's process); the submit then uses that read instead of waiting for a new one."""
    server = emulator_factory()
    reads: list[float] = []
    released = threading.Event()

    def slow_store() -> str:
        reads.append(time.monotonic())
        released.wait(5)
        return TEST_KEY

    client = QueueClient(server.base_url, key=KeyProvider(slow_store))

    async def go() -> None:
        try:
            client.read_key_ahead()
            await asyncio.sleep(0.05)  # the journal's write, meanwhile
            assert len(reads) == 1
            released.set()
            await client.submit(GenerationRequest(prompt="key ahead", seed=4))
        finally:
            await client.aclose()

    run(go())
    assert len(reads) == 1
    assert len(_submit_arrivals(server.base_url)) == 1


def test_the_result_get_finds_a_connection_open(
    emulator_factory: EmulatorFactory, caplog: pytest.LogCaptureFixture
) -> None:
    """fal closes a status stream's connection after COMPLETED: the stream has its own pool,
    so the result GET reuses the submit's connection instead of opening one after the job is
    done (on fal, a TCP and TLS handshake)."""
    server = emulator_factory({"run_time": 0.2})
    client = QueueClient(server.base_url, key=KeyProvider(lambda: TEST_KEY))

    async def ignore(_status: object) -> None:
        return None

    async def go() -> None:
        try:
            sub = await client.submit(GenerationRequest(prompt="one connection", seed=5))
            await client.watch(sub.request_id, ignore, use_stream=True)
            caplog.clear()
            with caplog.at_level(logging.DEBUG, logger="httpcore"):
                result = await client.result(sub.request_id)
            assert result.images
        finally:
            await client.aclose()

    run(go())
    assert client.stats.stream_fallbacks == 0  # it was streamed
    connects = [r for r in caplog.records if "connect_tcp.started" in r.getMessage()]
    assert connects == []
