"""Batches in the engine and journal: one transaction, send order, pause, move to top, cancel,
and a paused queue that survives a restart in order."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import pytest

from qwenimg_desktop.core.jobs import events as ev
from qwenimg_desktop.core.jobs.model import JobState
from qwenimg_desktop.core.jobs.slots import Slots
from qwenimg_desktop.core.params import GenerationRequest
from qwenimg_desktop.core.store import db
from qwenimg_desktop.core.store.batches import BatchJob, BatchNotFound
from qwenimg_desktop.core.store.files import DataLayout
from qwenimg_desktop.core.store.history import HistoryStore
from qwenimg_desktop.core.store.queries import HistoryQuery
from qwenimg_desktop.core.store.schema import MIGRATIONS, SCHEMA_VERSION
from tests.core.conftest import EngineFactory, PausedBatchFactory, queued_requests, send_order
from tests.core.helpers import run
from tests.fixtures.emulator import EmulatorFactory


def test_a_batch_is_journalled_whole_then_sent_in_order(
    emulator_factory: EmulatorFactory, engine_factory: EngineFactory
) -> None:
    server = emulator_factory()
    engine, log = engine_factory(server.base_url, concurrency=1, make_thumbnails=False)
    batch_id, ids = engine.submit_batch(queued_requests(5), label="five")
    assert all(isinstance(log.wait_final(job_id), ev.Completed) for job_id in ids)
    assert send_order(log) == ids
    assert engine.store is not None
    info = engine.store.batch(batch_id)
    assert info.job_ids == tuple(ids)
    assert (info.size, info.label) == (5, "five")
    assert info.cost_estimate == pytest.approx(5 * 0.075)
    assert all(engine.store.batch_of(job_id) == batch_id for job_id in ids)
    other = engine.submit(GenerationRequest(prompt="not in the batch"))
    assert isinstance(log.wait_final(other), ev.Completed)
    listed = engine.store.query_records(HistoryQuery(batch=batch_id), limit=50)
    assert sorted(r.id for r in listed) == sorted(ids)
    assert server.stats()["submits_total"] == 6


def test_create_batch_is_one_transaction(tmp_path: Path) -> None:
    layout = DataLayout(tmp_path / "data").ensure()
    jobs = [BatchJob(f"{i:032x}", request, 0.075) for i, request in enumerate(queued_requests(3))]
    bad = [*jobs, BatchJob("not-an-id", GenerationRequest(prompt="x"), 0.075)]
    with HistoryStore.open(layout) as store:
        with pytest.raises(Exception, match="32 lowercase hex digits"):
            store.create_batch(bad, queue_base="http://127.0.0.1:1")
        assert store.batches() == []  # the failed batch left no row and no job
        with sqlite3.connect(layout.db_path) as conn:
            assert conn.execute("SELECT COUNT(*) FROM jobs").fetchone() == (0,)
        with pytest.raises(BatchNotFound):
            store.batch("0" * 32)


def test_pause_holds_sends_move_to_top_and_restart_keeps_both(
    paused_batch: PausedBatchFactory,
) -> None:
    batch = paused_batch(4)
    server, engine, ids = batch.server, batch.engine, batch.ids
    engine.move_to_front(ids[3])
    assert engine.wait_idle(10)  # held by the pause: not work in progress (resume never hangs)
    assert server.stats()["submits_total"] == 0
    engine.shutdown()

    restarted, log2 = batch.restart()
    assert restarted.paused
    assert sorted(restarted.recovered) == sorted(ids)
    assert restarted.wait_idle(10)
    assert restarted.store is not None
    assert {restarted.store.get(j).state for j in ids} == {JobState.pending}  # type: ignore[union-attr]
    assert server.stats()["submits_total"] == 0
    restarted.pause_sending(False)
    assert all(isinstance(log2.wait_final(job_id), ev.Completed) for job_id in ids)
    assert send_order(log2) == [ids[3], ids[0], ids[1], ids[2]]
    assert server.stats()["submits_by_job_id"] == dict.fromkeys(ids, 1)
    assert server.stats()["submits_total"] == 4


def test_cancel_a_paused_batch_sends_nothing(paused_batch: PausedBatchFactory) -> None:
    batch = paused_batch(6, concurrency=2)
    server, engine, log, batch_id, ids = (batch.server, batch.engine, batch.log,
                                          batch.batch_id, batch.ids)
    engine.cancel_batch(batch_id)
    assert all(isinstance(log.wait_final(job_id), ev.Cancelled) for job_id in ids)
    engine.pause_sending(False)
    later = engine.submit(GenerationRequest(prompt="after the cancelled batch"))
    assert isinstance(log.wait_final(later), ev.Completed)
    assert server.stats()["submits_total"] == 1


def test_slots_start_lowest_rank_first_and_pause_only_holds_sends() -> None:
    async def scenario() -> list[str]:
        slots = Slots(1)
        order: list[str] = []
        gate = asyncio.Event()

        async def send(name: str, rank: float) -> None:
            async with slots.send_slot(name, rank):
                order.append(name)
                await gate.wait()

        async def follow(name: str) -> None:
            async with slots:
                order.append(name)
                await gate.wait()

        slots.set_paused(True)
        tasks = [asyncio.create_task(send(n, r)) for n, r in [("a", 3), ("b", 1), ("c", 2)]]
        await asyncio.sleep(0)
        tasks.append(asyncio.create_task(follow("remote")))  # not held by the pause
        await asyncio.sleep(0.01)
        assert order == ["remote"]
        assert slots.rerank("a", 0.5)
        slots.set_paused(False)
        gate.set()
        await asyncio.gather(*tasks)
        assert not slots.rerank("a", 0.1)  # no longer waiting
        return order

    assert run(scenario()) == ["remote", "a", "b", "c"]


def test_a_version_5_database_migrates_and_keeps_its_jobs(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    conn = sqlite3.connect(path)
    for statement in (s for migration in MIGRATIONS[:5] for s in migration):
        conn.execute(statement)
    conn.execute("PRAGMA user_version = 5")
    conn.execute("INSERT INTO jobs (id, created_at, updated_at, state, request_json)"
                 " VALUES (?, 1, 1, 'pending', '{}')", ("a" * 32,))
    conn.commit()
    assert db.migrate(conn, path) == SCHEMA_VERSION
    row = conn.execute("SELECT batch_id, queue_rank, seq FROM jobs").fetchone()
    assert row == (None, None, 1)
    assert conn.execute("SELECT COUNT(*) FROM batches").fetchone() == (0,)
    conn.close()

