"""The job journal: lifecycle, transition rules, commit-before-return and crash recovery."""

from __future__ import annotations

import sqlite3
import threading

import pytest

from qwenimg_desktop.core.errors import BugError, DuplicateRequestId, NotOwner, register_secret
from qwenimg_desktop.core.jobs.model import JobState
from qwenimg_desktop.core.store.files import DataLayout
from qwenimg_desktop.core.store.history import (
    INTERRUPTED_SEND_MESSAGE,
    HistoryStore,
    ImageRecord,
)
from qwenimg_desktop.core.store.queries import HistoryQuery
from tests.store.conftest import StepClock, make_request

RID = "764cabcf-b745-4b3e-ae38-1200304cf45b"


def _submit(store: HistoryStore, request_id: str = RID, prompt: str = "a cat") -> str:
    job_id = store.create_pending(make_request(prompt), queue_base="https://queue.example",
                                  cost_estimate=0.075)
    store.mark_sending(job_id)
    store.mark_submitted(
        job_id, request_id=request_id, status_url=f"https://queue.example/{request_id}/status",
        response_url=f"https://queue.example/{request_id}", cancel_url=None, queue_position=4,
    )
    return job_id


def _image(layout: DataLayout, job_id: str, index: int) -> ImageRecord:
    image = layout.image_path(job_id, index, "png")
    thumb = layout.thumb_path(job_id, index)
    for path in (image, thumb):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"data")
    return ImageRecord(index=index, path=layout.relative(image), width=1024, height=1024,
                       format="png", size_bytes=4, sha256="ab" * 32,
                       thumb_path=layout.relative(thumb), source_url=None)


def test_full_lifecycle(data_layout: DataLayout) -> None:
    clock = StepClock()
    with HistoryStore.open(data_layout, clock=clock) as store:
        request = make_request("一只可爱的猫", seed=7, num_images=2, output_format="webp",
                               image_size={"width": 1280, "height": 720})
        job_id = store.create_pending(request, queue_base="https://q", cost_estimate=0.15)
        pending = store.get(job_id)
        assert pending is not None
        assert pending.state is JobState.pending
        assert pending.request == request
        assert (pending.width, pending.height, pending.num_images) == (1280, 720, 2)
        assert pending.seed == 7
        assert pending.cost_estimate == pytest.approx(0.15)

        store.mark_sending(job_id)
        store.mark_submitted(job_id, request_id=RID, status_url="s", response_url="r",
                             cancel_url="c", queue_position=5)
        store.mark_queued(job_id, 3)
        store.mark_queued(job_id, 1)  # repeats are allowed
        assert store.get(job_id).queue_position == 1  # type: ignore[union-attr]
        store.mark_running(job_id)
        started = store.get(job_id).started_at  # type: ignore[union-attr]
        store.mark_running(job_id)
        store.append_logs(job_id, [("loading", "INFO", "t1"), ("step 1", None, None)])
        store.append_logs(job_id, [("step 2", "DEBUG", "t3")])
        store.mark_fetching(job_id, result_json='{"images": []}', seed=None,
                            metrics_json='{"inference_time": 1.5}')
        assert store.get(job_id).seed == 7  # type: ignore[union-attr]  # None keeps the seed
        store.mark_fetching(job_id, result_json='{"images": []}', seed=99, metrics_json=None)
        images = [_image(data_layout, job_id, 0), _image(data_layout, job_id, 1)]
        store.complete(job_id, images)

        done = store.get(job_id)
    assert done is not None
    assert done.state is JobState.completed
    assert done.request_id == RID
    assert (done.status_url, done.response_url, done.cancel_url) == ("s", "r", "c")
    assert done.started_at == started  # set once
    assert done.submitted_at is not None
    assert done.finished_at is not None
    assert done.submitted_at < done.started_at < done.finished_at  # type: ignore[operator]
    assert done.queue_position is None
    assert done.seed == 99
    assert done.result_json == '{"images": []}'
    assert done.images == tuple(images)
    assert done.seq == 1  # the first row of a new database: its insertion position


def test_logs_keep_order_across_batches(history_store: HistoryStore) -> None:
    job_id = _submit(history_store)
    history_store.append_logs(job_id, [])
    history_store.append_logs(job_id, [("a", "INFO", "1"), ("b", None, None)])
    history_store.append_logs(job_id, [("c", "WARN", "3")])
    assert history_store.logs(job_id) == [("a", "INFO", "1"), ("b", None, None),
                                          ("c", "WARN", "3")]
    assert history_store.logs("nope") == []


@pytest.mark.parametrize(("steps", "bad"), [
    ([], "mark_running"),                            # pending → running
    (["mark_sending"], "mark_fetching"),             # sending → fetching
    (["mark_sending", "fail"], "mark_cancelled"),    # failed is final
    (["mark_cancelled"], "mark_sending"),            # cancelled is final
    (["mark_sending", "submit", "mark_running"], "queued"),  # running → queued
    (["mark_sending", "submit"], "complete"),        # completed only from fetching
    (["mark_sending"], "mark_sending"),              # not idempotent
])
def test_illegal_transitions_raise(history_store: HistoryStore, steps: list[str],
                                   bad: str) -> None:
    job_id = history_store.create_pending(make_request(), queue_base="q", cost_estimate=0)
    actions = {
        "mark_sending": lambda: history_store.mark_sending(job_id),
        "mark_running": lambda: history_store.mark_running(job_id),
        "mark_cancelled": lambda: history_store.mark_cancelled(job_id),
        "fail": lambda: history_store.fail(job_id, "boom"),
        "queued": lambda: history_store.mark_queued(job_id, 1),
        "complete": lambda: history_store.complete(job_id, []),
        "mark_fetching": lambda: history_store.mark_fetching(
            job_id, result_json=None, seed=None, metrics_json=None),
        "submit": lambda: history_store.mark_submitted(
            job_id, request_id=RID, status_url=None, response_url=None, cancel_url=None,
            queue_position=None),
    }
    for step in steps:
        actions[step]()
    before = history_store.get(job_id)
    with pytest.raises(BugError, match="illegal transition"):
        actions[bad]()
    assert history_store.get(job_id) == before  # nothing half-written


def test_unknown_job_is_a_bug(history_store: HistoryStore) -> None:
    with pytest.raises(BugError, match="no job"):
        history_store.mark_sending("f" * 32)
    with pytest.raises(BugError, match="32 lowercase hex"):
        history_store.create_pending(make_request(), queue_base="q", cost_estimate=0,
                                     job_id="../../evil")


def test_cancel_fail_and_unknown_paths(history_store: HistoryStore) -> None:
    cancelled = _submit(history_store, "req-a")
    history_store.mark_running(cancelled)
    history_store.mark_cancel_requested(cancelled)
    history_store.mark_cancelled(cancelled)
    failed = _submit(history_store, "req-b")
    history_store.fail(failed, "NSFW content detected", "content_policy_violation")
    unknown = history_store.create_pending(make_request(), queue_base="q", cost_estimate=0)
    history_store.mark_sending(unknown)
    history_store.mark_unknown(unknown, "read timeout after the POST")
    records = history_store.get_many([cancelled, failed, unknown])
    assert records[cancelled].state is JobState.cancelled
    assert records[failed].state is JobState.failed
    assert records[failed].error == "NSFW content detected"
    assert records[failed].error_type == "content_policy_violation"
    assert records[unknown].state is JobState.unknown
    assert records[unknown].error_type == "submission_unknown"
    assert all(r.finished_at is not None for r in records.values())
    history_store.fail(unknown, "dismissed by the user")  # unknown → failed is allowed
    assert history_store.get(unknown).state is JobState.failed  # type: ignore[union-attr]


def test_error_text_is_redacted(history_store: HistoryStore) -> None:
    secret = "0c5d7bba-0f8e-4a5c-9c37-b1a2c3d4e5f6:00112233445566778899aabbccddeeff"
    register_secret(secret)
    job_id = history_store.create_pending(make_request(), queue_base="q", cost_estimate=0)
    history_store.fail(job_id, f"rejected Authorization: Key {secret}")
    error = history_store.get(job_id).error  # type: ignore[union-attr]
    assert error is not None
    assert secret not in error
    assert "rejected" in error


def test_commits_are_visible_to_another_connection(history_store: HistoryStore,
                                                   data_layout: DataLayout) -> None:
    other = sqlite3.connect(data_layout.db_path)
    try:
        job_id = history_store.create_pending(make_request(), queue_base="q", cost_estimate=0)
        row = other.execute("SELECT state FROM jobs WHERE id = ?", (job_id,)).fetchone()
        assert row == ("pending",)
        history_store.mark_sending(job_id)
        history_store.mark_submitted(job_id, request_id=RID, status_url=None, response_url=None,
                                     cancel_url=None, queue_position=None)
        row = other.execute("SELECT state, request_id FROM jobs WHERE id = ?",
                            (job_id,)).fetchone()
        assert row == ("submitted", RID)
    finally:
        other.close()


def test_recovery_queries(data_layout: DataLayout) -> None:
    with HistoryStore.open(data_layout, clock=StepClock()) as store:
        unsent = store.create_pending(make_request(), queue_base="q", cost_estimate=0)
        sending = store.create_pending(make_request(), queue_base="q", cost_estimate=0)
        store.mark_sending(sending)
        queued = _submit(store, "req-1")
        store.mark_queued(queued, 2)
        fetching = _submit(store, "req-2")
        store.mark_fetching(fetching, result_json="{}", seed=1, metrics_json=None)
        finished = _submit(store, "req-3")
        store.fail(finished, "x")
    # a "restart": a fresh store on the same file; the jobs had no owner, so all are adopted
    with HistoryStore.open(data_layout) as store:
        store.owner = "a" * 32
        adoption = store.adopt_unfinished(lambda owner: pytest.fail(f"asked about {owner}"))
        assert adoption.adopted == (unsent, sending, queued, fetching)
        assert adoption.held == {}
        assert store.adopt_unfinished(lambda owner: True).adopted == ()  # ours already
        assert store.by_request_id("req-2").id == fetching  # type: ignore[union-attr]
        assert store.by_request_id("nope") is None
        assert store.flag_interrupted_sends(adoption.adopted) == [sending]
        assert store.flag_interrupted_sends(adoption.adopted) == []
        flagged = store.get(sending)
    assert flagged is not None
    assert flagged.state is JobState.unknown
    assert flagged.error == INTERRUPTED_SEND_MESSAGE


def test_only_jobs_of_dead_owners_are_adopted_and_a_live_owners_rows_refuse_others(
    data_layout: DataLayout,
) -> None:
    live, dead, me = "1" * 32, "2" * 32, "3" * 32
    with HistoryStore.open(data_layout, clock=StepClock()) as store:
        store.owner = live
        held = store.create_pending(make_request(), queue_base="q", cost_estimate=0)
        store.mark_sending(held)
        store.owner = dead
        orphan = store.create_pending(make_request(), queue_base="q", cost_estimate=0)
        store.mark_sending(orphan)
        done = store.create_pending(make_request(), queue_base="q", cost_estimate=0)
        store.fail(done, "over")
    with HistoryStore.open(data_layout) as store:
        store.owner = me
        asked: list[str] = []

        def alive(owner: str) -> bool:
            asked.append(owner)
            return owner == live

        adoption = store.adopt_unfinished(alive)
        assert sorted(asked) == sorted({live, dead})  # each owner probed once
        assert adoption.adopted == (orphan,)
        assert adoption.held == {live: (held,)}
        assert store.flag_interrupted_sends(adoption.adopted) == [orphan]
        assert store.owner_of(held) == live
        assert store.owner_of(orphan) == me
        with pytest.raises(NotOwner):  # the live owner's job: this engine may not move it
            store.mark_unknown(held, "not mine")
        record = store.get(held)
        assert record is not None
        assert record.state is JobState.sending


def test_a_request_id_another_job_has_is_refused_and_the_row_left_sending(
    history_store: HistoryStore,
) -> None:
    first = _submit(history_store)
    second = history_store.create_pending(make_request("b"), queue_base="https://queue.example",
                                          cost_estimate=0.075)
    history_store.mark_sending(second)
    with pytest.raises(DuplicateRequestId, match=f"job {first}"):
        history_store.mark_submitted(second, request_id=RID, status_url=None, response_url=None,
                                     cancel_url=None, queue_position=None)
    record = history_store.get(second)
    assert record is not None
    assert record.state is JobState.sending
    assert record.request_id is None
    history_store.mark_unknown(second, "accepted under another job's request id")
    assert history_store.by_request_id(RID) == history_store.get(first)  # still the first's


def test_complete_is_one_transaction(history_store: HistoryStore,
                                     data_layout: DataLayout) -> None:
    job_id = _submit(history_store)
    history_store.mark_fetching(job_id, result_json=None, seed=None, metrics_json=None)
    image = _image(data_layout, job_id, 0)
    with pytest.raises(BugError):  # duplicate index: the whole completion rolls back
        history_store.complete(job_id, [image, image])
    record = history_store.get(job_id)
    assert record is not None
    assert record.state is JobState.fetching
    assert record.images == ()
    history_store.complete(job_id, [image])
    assert history_store.get(job_id).images == (image,)  # type: ignore[union-attr]


def test_readonly_store_refuses_writes_and_sees_commits(history_store: HistoryStore,
                                                        data_layout: DataLayout) -> None:
    with HistoryStore.open(data_layout, readonly=True) as reader:
        assert reader.query_count(HistoryQuery()) == 0
        job_id = history_store.create_pending(make_request(), queue_base="q", cost_estimate=0)
        assert [i for _, i in reader.query_keys(HistoryQuery())] == [job_id]
        with pytest.raises(BugError, match="read-only"):
            reader.mark_sending(job_id)
        with pytest.raises(BugError, match="read-only"):
            reader.set_favourite(job_id, True)


def test_readonly_open_creates_a_missing_database(data_layout: DataLayout) -> None:
    assert not data_layout.db_path.exists()
    with HistoryStore.open(data_layout, readonly=True) as reader:
        assert reader.query_count(HistoryQuery()) == 0
        assert reader.readonly
    # and again on the cleanly closed file (no -wal / -shm left behind)
    with HistoryStore.open(data_layout, readonly=True) as reader:
        assert reader.query_records(HistoryQuery()) == []


def test_closed_store_is_a_bug(data_layout: DataLayout) -> None:
    store = HistoryStore.open(data_layout)
    store.close()
    store.close()
    assert "closed" in repr(store)
    with pytest.raises(BugError, match="after close"):
        store.query_count(HistoryQuery())


def test_concurrent_writers_and_readers(history_store: HistoryStore) -> None:
    errors: list[BaseException] = []

    def work() -> None:
        try:
            for _ in range(40):
                job_id = history_store.create_pending(make_request(), queue_base="q",
                                                      cost_estimate=0)
                history_store.mark_sending(job_id)
                history_store.query_keys(HistoryQuery(), limit=5)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=work, name=f"writer-{i}") for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert history_store.query_count(HistoryQuery(states=frozenset({JobState.sending}))) == 160
