"""The job engine end to end: journal rows, events, images on disk, cancel, failures."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import sqlite3
import threading

import pytest
from PIL import Image

from qwenimg_desktop.core.fal.client import CancelOutcome, QueueClient
from qwenimg_desktop.core.jobs import events as ev
from qwenimg_desktop.core.jobs.gate import EngineClosed
from qwenimg_desktop.core.jobs.model import JobState
from qwenimg_desktop.core.params import CustomSize, GenerationRequest, OutputFormat
from qwenimg_desktop.core.store.metadata import read_metadata
from tests.core.conftest import EngineFactory
from tests.fixtures.emulator import EmulatorFactory

REQUEST = GenerationRequest(
    prompt="# Fox\n## Style\n一只狐狸 in snow",
    seed=99,
    num_images=2,
    output_format=OutputFormat.webp,
)


def test_job_completes_with_journal_images_and_thumbnails(
    emulator_factory: EmulatorFactory, engine_factory: EngineFactory
) -> None:
    server = emulator_factory()
    engine, log = engine_factory(server.base_url)
    job_id = engine.submit(REQUEST)
    final = log.wait_final(job_id)
    assert isinstance(final, ev.Completed), final
    assert final.seed == 99
    assert len(final.image_paths) == 2
    for path in final.image_paths:
        with Image.open(path) as img:
            assert img.format == "WEBP"
            assert img.size == (1024, 1024)
    kinds = [type(e).__name__ for e in log.of(job_id)]
    assert kinds.index("Submitted") < kinds.index("Completed")
    assert "Running" in kinds
    assert engine.wait_idle(10)  # thumbnails are made (and recorded) after Completed
    assert engine.store is not None
    record = engine.store.get(job_id)
    assert record is not None
    assert record.state is JobState.completed
    assert record.request == REQUEST
    assert record.request_id
    assert record.seed == 99
    assert record.submitted_at
    assert record.finished_at
    assert [img.index for img in record.images] == [0, 1]
    for stored in record.images:
        data = engine.layout.absolute(stored.path).read_bytes()
        assert hashlib.sha256(data).hexdigest() == stored.sha256
        assert stored.thumb_path
        assert engine.layout.absolute(stored.thumb_path).exists()
        meta = read_metadata(engine.layout.absolute(stored.path))
        assert meta is not None
        assert meta.request == REQUEST
        assert meta.seed == 99
        assert meta.job_id == job_id
        assert meta.request_id == record.request_id
    assert engine.store.logs(job_id)
    assert server.stats()["submits_by_job_id"] == {job_id: 1}


def test_sync_mode_data_uris_and_custom_size(
    emulator_factory: EmulatorFactory, engine_factory: EngineFactory
) -> None:
    server = emulator_factory()
    engine, log = engine_factory(server.base_url)
    request = GenerationRequest(
        prompt="inline", sync_mode=True, image_size=CustomSize(width=640, height=480)
    )
    final = log.wait_final(engine.submit(request))
    assert isinstance(final, ev.Completed)
    with Image.open(final.image_paths[0]) as img:
        assert img.size == (640, 480)
    record = engine.store.get(final.job_id) if engine.store else None
    assert record is not None
    assert record.images[0].source_url is None  # data: URIs are not stored as sources


def test_concurrency_limit_is_respected(
    emulator_factory: EmulatorFactory, engine_factory: EngineFactory
) -> None:
    server = emulator_factory({"max_running": 8, "run_time": 0.2})
    engine, log = engine_factory(server.base_url, concurrency=2, make_thumbnails=False)
    ids = [engine.submit(GenerationRequest(prompt=f"job {i}")) for i in range(6)]
    finals = [log.wait_final(job_id) for job_id in ids]
    assert all(isinstance(f, ev.Completed) for f in finals)
    in_flight: set[str] = set()
    peak = 0
    for event in log.events:
        if isinstance(event, ev.StateChanged) and event.state is JobState.sending:
            in_flight.add(event.job_id)
        elif isinstance(event, ev.Completed | ev.Failed | ev.Cancelled):
            in_flight.discard(event.job_id)
        peak = max(peak, len(in_flight))
    assert peak == 2


def test_a_higher_concurrency_applies_to_jobs_already_waiting(
    emulator_factory: EmulatorFactory, engine_factory: EngineFactory
) -> None:
    server = emulator_factory({"max_running": 8, "hold": ["run"]})  # running till released
    engine, log = engine_factory(server.base_url, concurrency=1, price_per_image=0.075,
                                 make_thumbnails=False)
    ids = [engine.submit(GenerationRequest(prompt=f"job {i}")) for i in range(3)]
    log.wait_for(ids[0], ev.Submitted, timeout=10)
    assert server.stats()["submits_total"] == 1  # the others wait for the one slot
    engine.configure(concurrency=3, price_per_image=0.1)
    # Both waiting jobs reach the queue while the first still runs (held at the emulator).
    for job_id in ids[1:]:
        log.wait_for(job_id, ev.Submitted)
    assert not isinstance(log.of(ids[0])[-1], ev.Completed)
    server.set_scenario({"hold": []}, merge=True)
    later = engine.submit(GenerationRequest(prompt="after the change"))
    assert all(isinstance(log.wait_final(job_id), ev.Completed) for job_id in [*ids, later])
    assert engine.concurrency == 3
    assert engine.store is not None
    first, last = engine.store.get(ids[0]), engine.store.get(later)
    assert first is not None and last is not None  # noqa: PT018
    assert first.cost_estimate == pytest.approx(0.075)
    assert last.cost_estimate == pytest.approx(0.1)  # the new price, for jobs created after


def test_cancel_before_sending_never_reaches_the_queue(
    emulator_factory: EmulatorFactory, engine_factory: EngineFactory
) -> None:
    server = emulator_factory({"hold": ["queue"]})  # the first keeps the one slot till released
    engine, log = engine_factory(server.base_url, concurrency=1)
    first = engine.submit(GenerationRequest(prompt="first"))
    second = engine.submit(GenerationRequest(prompt="second"))
    log.wait_for(second, ev.StateChanged)
    engine.cancel(second)
    assert isinstance(log.wait_final(second), ev.Cancelled)
    server.set_scenario({"hold": []}, merge=True)
    assert isinstance(log.wait_final(first), ev.Completed)
    assert second not in server.stats()["submits_by_job_id"]
    record = engine.store.get(second) if engine.store else None
    assert record is not None
    assert record.state is JobState.cancelled


def test_cancel_a_queued_remote_job(
    emulator_factory: EmulatorFactory, engine_factory: EngineFactory
) -> None:
    server = emulator_factory({"queue_delay": 30.0})
    engine, log = engine_factory(server.base_url)
    job_id = engine.submit(REQUEST)
    log.wait_for(job_id, ev.Submitted)
    engine.cancel(job_id)
    final = log.wait_final(job_id)
    assert isinstance(final, ev.Cancelled)
    states = [e.state for e in log.of(job_id) if isinstance(e, ev.StateChanged)]
    assert JobState.cancel_requested in states
    assert engine.store is not None
    record = engine.store.get(job_id)
    assert record is not None
    assert record.state is JobState.cancelled


def test_a_cancel_answered_after_the_job_ended_is_journalled_first(
    emulator_factory: EmulatorFactory, engine_factory: EngineFactory,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The PUT cancel is done on the server, but its answer is read late (as a loaded machine
    can order it): the follower meanwhile sees the job cancelled. Before: Cancelled came first,
    then the late answer tried cancelled → cancel_requested (an illegal transition), so the
    events never said the cancel was accepted. Now the follower waits for that answer."""
    server = emulator_factory({"queue_delay": 30.0})
    real_cancel = QueueClient.cancel
    engine, log = engine_factory(server.base_url)

    async def cancel_answered_late(client: QueueClient, request_id: str) -> CancelOutcome:
        outcome = await real_cancel(client, request_id)
        # Read the answer once the follower has ended the job, or after 5 s if it waits for
        # this answer (as it should): 5 s only bounds how long the bug is given to show.
        with contextlib.suppress(TimeoutError):
            await asyncio.to_thread(log.wait_for, job_id, ev.Cancelled, 5.0)
        return outcome

    monkeypatch.setattr(QueueClient, "cancel", cancel_answered_late)
    job_id = engine.submit(REQUEST)
    log.wait_for(job_id, ev.Submitted)
    engine.cancel(job_id)
    final = log.wait_final(job_id)
    assert isinstance(final, ev.Cancelled), final
    events = log.of(job_id)
    before = [e.state for e in events[:events.index(final)] if isinstance(e, ev.StateChanged)]
    assert JobState.cancel_requested in before
    assert engine.store is not None
    record = engine.store.get(job_id)
    assert record is not None
    assert record.state is JobState.cancelled


def test_running_job_that_ignores_cancel_still_completes(
    emulator_factory: EmulatorFactory, engine_factory: EngineFactory
) -> None:
    server = emulator_factory({"run_time": 0.6, "honour_running_cancel": False})
    engine, log = engine_factory(server.base_url)
    job_id = engine.submit(GenerationRequest(prompt="keep going"))
    log.wait_for(job_id, ev.Running)
    engine.cancel(job_id)
    final = log.wait_final(job_id)
    assert isinstance(final, ev.Completed)  # paid for: the images are kept


def test_failed_generation_is_recorded_with_reason(
    emulator_factory: EmulatorFactory, engine_factory: EngineFactory
) -> None:
    server = emulator_factory(
        {"failed_generation": {"next_n": 1, "message": "GPU fell over", "error_type": "gpu_oom"}}
    )
    engine, log = engine_factory(server.base_url)
    job_id = engine.submit(REQUEST)
    final = log.wait_final(job_id)
    assert isinstance(final, ev.Failed)
    assert "GPU fell over" in final.reason
    record = engine.store.get(job_id) if engine.store else None
    assert record is not None
    assert record.state is JobState.failed
    assert record.error_type == "gpu_oom"
    assert record.request_id  # the row keeps everything needed to look it up


def test_expired_media_fails_with_row_intact(
    emulator_factory: EmulatorFactory, engine_factory: EngineFactory
) -> None:
    server = emulator_factory({"expired_media": {"probability": 1.0}})
    engine, log = engine_factory(server.base_url)
    job_id = engine.submit(REQUEST)
    final = log.wait_final(job_id)
    assert isinstance(final, ev.Failed)
    assert "no longer available" in final.reason
    record = engine.store.get(job_id) if engine.store else None
    assert record is not None
    assert record.result_json  # the result is journaled: a re-download is possible
    assert not list(engine.layout.images_dir.rglob("*.webp"))


def test_wrong_key_fails_with_a_clear_reason(
    emulator_factory: EmulatorFactory, engine_factory: EngineFactory
) -> None:
    server = emulator_factory(valid_keys={"the-right:key"})
    engine, log = engine_factory(server.base_url)
    final = log.wait_final(engine.submit(REQUEST))
    assert isinstance(final, ev.Failed)
    assert final.kind == "AuthError"
    assert "rejected the API key" in final.reason


def test_lost_submit_is_found_at_fal_and_completes_without_a_resend(
    emulator_factory: EmulatorFactory, engine_factory: EngineFactory
) -> None:
    server = emulator_factory({"submit_lost": {"next_n": 1}})
    engine, log = engine_factory(server.base_url)
    job_id = engine.submit(REQUEST)
    final = log.wait_final(job_id)
    assert isinstance(final, ev.Completed), final
    states = [e.state for e in log.of(job_id) if isinstance(e, ev.StateChanged)]
    assert JobState.unknown in states  # it was unknown, then found
    record = engine.store.get(job_id) if engine.store else None
    assert record is not None
    assert record.state is JobState.completed
    assert server.stats()["submits_total"] == 1


def test_a_request_id_another_job_has_is_not_followed_and_not_resent(
    emulator_factory: EmulatorFactory, engine_factory: EngineFactory
) -> None:
    """The answer names another job's request id: that id is never followed; the request
    itself is found in fal's history by its body and followed under its own id."""
    server = emulator_factory()
    engine, log = engine_factory(server.base_url, make_thumbnails=False)
    first = engine.submit(GenerationRequest(prompt="first"))
    assert isinstance(log.wait_final(first), ev.Completed)
    server.set_scenario({"reused_request_id": {"next_n": 1}}, merge=True)
    second = engine.submit(GenerationRequest(prompt="second"))
    final = log.wait_final(second)
    assert isinstance(final, ev.Completed), final
    changes = [e for e in log.of(second) if isinstance(e, ev.StateChanged)
               and e.state is JobState.unknown]
    assert "cannot be followed" in changes[0].detail
    assert engine.store is not None
    record, other = engine.store.get(second), engine.store.get(first)
    assert record is not None and other is not None  # noqa: PT018
    assert record.request_id not in {None, other.request_id}
    assert other.state is JobState.completed  # the first job is untouched
    assert server.stats()["submits_by_job_id"] == {first: 1, second: 1}  # nothing resent


def test_retry_submits_the_stored_request_as_a_new_job(
    emulator_factory: EmulatorFactory, engine_factory: EngineFactory
) -> None:
    server = emulator_factory({"failed_generation": {"next_n": 1}})
    engine, log = engine_factory(server.base_url)
    first = engine.submit(REQUEST)
    assert isinstance(log.wait_final(first), ev.Failed)
    second = engine.retry(first)
    assert isinstance(log.wait_final(second), ev.Completed)
    assert engine.store is not None
    again = engine.store.get(second)
    assert again is not None
    assert again.request == REQUEST


def test_sink_errors_do_not_break_jobs(
    emulator_factory: EmulatorFactory, engine_factory: EngineFactory
) -> None:
    server = emulator_factory()
    done = threading.Event()

    def sink(event: ev.JobEvent) -> None:
        if isinstance(event, ev.Completed):
            done.set()
        raise RuntimeError("faulty UI")

    engine, _ = engine_factory(server.base_url, sink=sink)
    engine.submit(REQUEST)
    assert done.wait(30)


def test_engine_refuses_work_after_shutdown(
    emulator_factory: EmulatorFactory, engine_factory: EngineFactory
) -> None:
    server = emulator_factory()
    engine, _ = engine_factory(server.base_url)
    engine.shutdown()
    with pytest.raises(EngineClosed):
        engine.submit(REQUEST)


def test_the_journal_row_exists_before_the_network(
    emulator_factory: EmulatorFactory, engine_factory: EngineFactory
) -> None:
    """When the emulator has the submit in hand, the row is already committed as sending."""
    server = emulator_factory({"slow_first_byte": {"next_n": 1, "routes": ["submit"], "delay": 1}})
    engine, log = engine_factory(server.base_url)
    job_id = engine.submit(REQUEST)
    for _ in range(500):
        if server.stats()["submit_attempts"] >= 1:
            break
        threading.Event().wait(0.005)
    assert server.stats()["submit_attempts"] == 1
    with sqlite3.connect(engine.layout.db_path) as conn:
        row = conn.execute(
            "SELECT state, request_json FROM jobs WHERE id = ?", (job_id,)
        ).fetchone()
    assert row is not None
    assert row[0] == "sending"
    assert GenerationRequest.model_validate_json(row[1]) == REQUEST
    assert isinstance(log.wait_final(job_id), ev.Completed)
