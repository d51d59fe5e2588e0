"""Reordering the waiting queue (a drag in the jobs list): the engine sends in the new order,
the order is in the journal so a restart keeps it, and nothing is sent twice."""

from __future__ import annotations

from qwenimg_desktop.core.jobs import events as ev
from qwenimg_desktop.core.store.batches import BatchJob
from qwenimg_desktop.core.store.history import HistoryStore
from tests.core.conftest import PausedBatchFactory, queued_requests, send_order


def test_place_in_queue_ranks_between_waiting_neighbours_only(history_store: HistoryStore) -> None:
    store = history_store
    ids = [f"{i:032x}" for i in range(4)]
    store.create_batch([BatchJob(j, r, 0.075) for j, r in zip(ids, queued_requests(4),
                                                              strict=True)],
                       queue_base="http://127.0.0.1:1")
    ranks = store.queue_ranks(ids)
    placed = store.place_in_queue(ids[3], ids[0], ids[1])
    assert placed is not None
    assert ranks[ids[0]] < placed < ranks[ids[1]]
    assert store.batch(store.batch_of(ids[0]) or "").job_ids == (
        ids[0], ids[3], ids[1], ids[2])
    first = store.place_in_queue(ids[2], "", ids[0])  # before the first: sent first
    assert first is not None
    assert first < ranks[ids[0]]
    store.mark_sending(ids[1])  # no longer waiting: neither placed nor a neighbour
    assert store.place_in_queue(ids[1], ids[0], "") is None
    assert store.place_in_queue(ids[0], ids[1], "") is None
    assert store.place_in_queue(ids[0], "", "") is None


def test_a_reordered_queue_is_sent_in_the_new_order_also_after_a_restart(
    paused_batch: PausedBatchFactory,
) -> None:
    batch = paused_batch(5)
    server, engine, ids = batch.server, batch.engine, batch.ids
    engine.reorder(ids[4], ids[0], ids[1])  # 0 4 1 2 3
    engine.reorder(ids[0], ids[3], "")  # 4 1 2 3 0
    assert engine.wait_idle(10)
    assert server.stats()["submits_total"] == 0
    engine.shutdown()

    restarted, log2 = batch.restart()
    assert restarted.paused
    assert restarted.wait_idle(10)
    restarted.reorder(ids[2], "", ids[4])  # live, in the restarted engine: 2 4 1 3 0
    restarted.pause_sending(False)
    assert all(isinstance(log2.wait_final(job_id), ev.Completed) for job_id in ids)
    assert send_order(log2) == [ids[2], ids[4], ids[1], ids[3], ids[0]]
    assert server.stats()["submits_by_job_id"] == dict.fromkeys(ids, 1)
