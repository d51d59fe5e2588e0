"""What holds money back, in the engine (real engine, real SQLite, the emulator over loopback):
budget caps hold jobs in the queue, a lock's pause is apart from the user's, and a lost submit
that several requests at fal match follows the one the user chooses."""

from __future__ import annotations

from pathlib import Path

import httpx

from qwenimg_desktop.core.budget import Budget
from qwenimg_desktop.core.jobs import events as ev
from qwenimg_desktop.core.jobs.model import AMBIGUOUS_AT_FAL, JobState
from qwenimg_desktop.core.params import GenerationRequest
from qwenimg_desktop.core.store.files import DataLayout
from qwenimg_desktop.core.store.history import HistoryStore
from qwenimg_desktop.core.store.schema import SCHEMA_VERSION
from qwenimg_desktop.emulator.server import EmulatorServer
from tests.core.cli_proc import run_cli
from tests.core.conftest import EngineFactory
from tests.core.helpers import TEST_KEY
from tests.fixtures.emulator import EmulatorFactory

PRO = "fal-ai/qwen-image-2/pro/text-to-image"
CAP = Budget(daily_cap_usd=0.1)  # one pro image ($0.075) fits, two do not


def _held(log: object, job_id: str) -> ev.Held:
    event = log.wait_for(job_id, ev.Held)  # type: ignore[attr-defined]
    assert isinstance(event, ev.Held)
    return event


def test_a_job_over_the_daily_cap_waits_in_the_queue_until_the_cap_is_raised(
    emulator_factory: EmulatorFactory, engine_factory: EngineFactory, tmp_path: Path
) -> None:
    server = emulator_factory()
    root = tmp_path / "data"
    engine, log = engine_factory(server.base_url, root=root, budget=CAP, make_thumbnails=False)
    first = engine.submit(GenerationRequest(prompt="fits", seed=1))
    second = engine.submit(GenerationRequest(prompt="over the cap", seed=2))
    assert isinstance(log.wait_final(first), ev.Completed)
    held = _held(log, second)
    assert held.reason == "held: over the daily budget ($0.15 of $0.10)"
    assert engine.wait_idle(timeout=10)  # a held job is not work in progress
    assert server.stats()["submits_total"] == 1

    engine.shutdown()  # held jobs survive a restart, still held
    again, log = engine_factory(server.base_url, root=root, budget=CAP, make_thumbnails=False)
    assert _held(log, second).reason.startswith("held: over the daily budget")
    assert again.wait_idle(timeout=10)
    assert server.stats()["submits_total"] == 1

    again.configure(concurrency=2, price_per_image=None, budget=Budget(daily_cap_usd=0.5))
    assert isinstance(log.wait_final(second), ev.Completed)
    assert server.stats()["submits_by_job_id"] == {first: 1, second: 1}


def test_allow_once_sends_a_held_batch_whole_and_cancel_removes_a_held_job(
    emulator_factory: EmulatorFactory, engine_factory: EngineFactory
) -> None:
    server = emulator_factory()
    engine, log = engine_factory(server.base_url, budget=CAP, make_thumbnails=False)
    batch_id, jobs = engine.submit_batch(
        [GenerationRequest(prompt=f"kite {i}", seed=i) for i in range(3)], label="kites")
    for job in jobs:  # $0.225 would pass $0.10: nothing of the batch is sent
        assert _held(log, job).reason == "held: over the daily budget ($0.22 of $0.10)"
    lone = engine.submit(GenerationRequest(prompt="lone", seed=9, num_images=2))
    assert _held(log, lone).reason == "held: over the daily budget ($0.15 of $0.10)"
    engine.cancel(lone)
    assert isinstance(log.wait_final(lone), ev.Cancelled)
    assert engine.wait_idle(timeout=10)
    assert server.stats()["submits_total"] == 0

    engine.allow_once(jobs[1])  # the cap judged the batch's total: the whole batch goes
    for job in jobs:
        assert isinstance(log.wait_final(job), ev.Completed)
    stats = server.stats()
    assert stats["submits_by_job_id"] == dict.fromkeys(jobs, 1)
    assert engine.store is not None
    assert engine.store.get(lone).state is JobState.cancelled  # type: ignore[union-attr]
    assert engine.store.batch(batch_id).job_ids == tuple(jobs)


def test_the_users_pause_and_a_lock_are_separate_and_both_survive_a_restart(
    emulator_factory: EmulatorFactory, engine_factory: EngineFactory, tmp_path: Path
) -> None:
    server = emulator_factory({"platform": {"balance": 0.0, "lock_threshold": 0.0}})
    root = tmp_path / "data"
    engine, log = engine_factory(server.base_url, root=root, make_thumbnails=False)
    locked = engine.submit(GenerationRequest(prompt="refused: locked", seed=1))
    assert isinstance(log.wait_for("", ev.AccountLocked), ev.AccountLocked)
    assert engine.locked is not None
    engine.pause_sending(True)
    engine.pause_sending(False)  # the user's resume does not lift the lock's pause
    later = engine.submit(GenerationRequest(prompt="queued behind the lock", seed=2))
    log.wait_for(later, ev.StateChanged)
    server.top_up(5.0)
    assert engine.wait_idle(timeout=10)
    assert engine.paused
    assert server.stats()["submits_total"] == 0
    engine.pause_sending(True)  # now the user pauses too
    engine.shutdown()

    again, log = engine_factory(server.base_url, root=root, make_thumbnails=False)
    ready = log.wait_for("", ev.EngineReady)
    assert isinstance(ready, ev.EngineReady)
    assert ready.paused  # the window's Pause sending check mark is set from this
    assert ready.locked is not None
    assert "Exhausted balance" in ready.locked
    again.resume_after_lock()  # the banner's Resume lifts the lock, not the user's pause
    assert again.wait_idle(timeout=10)
    assert server.stats()["submits_total"] == 0
    again.pause_sending(False)
    for job in (locked, later):
        assert isinstance(log.wait_final(job), ev.Completed)
    assert server.stats()["submits_by_job_id"] == {locked: 1, later: 1}
    with HistoryStore.open(DataLayout(root)) as store:
        assert store.locked_reason() is None
        assert not store.is_paused()


def _ambiguous_job(server: EmulatorServer, engine: object, log: object) -> str:
    request = GenerationRequest(prompt="twice", seed=42)
    with httpx.Client(headers={"Authorization": f"Key {TEST_KEY}"}) as http:  # the same body
        for _ in range(2):
            assert http.post(f"{server.base_url}/{PRO}",
                             json=request.to_api_payload()).status_code == 200
    server.set_scenario({"submit_lost": {"next_n": 1}}, merge=True)  # the job's answer is lost
    job: str = engine.submit(request)  # type: ignore[attr-defined]
    final = log.wait_final(job, timeout=30)  # type: ignore[attr-defined]
    assert isinstance(final, ev.Failed)
    assert final.error_type == AMBIGUOUS_AT_FAL
    return job


def test_several_matches_the_user_chooses_one_and_only_a_candidate_is_followed(
    emulator_factory: EmulatorFactory, engine_factory: EngineFactory, tmp_path: Path
) -> None:
    server = emulator_factory({"platform": {"history_visible": "submit"}})
    root = tmp_path / "data"
    engine, log = engine_factory(server.base_url, root=root, make_thumbnails=False)
    job = _ambiguous_job(server, engine, log)
    assert engine.store is not None
    candidates = engine.store.candidates(job)
    assert len(candidates) == 3  # two sent by hand, one lost by the job itself
    assert all("seed 42" in c.summary and "twice" in c.summary for c in candidates)
    assert all(c.sent_at is not None for c in candidates)
    sent = server.stats()["submits_total"]

    engine.adopt_request(job, "not-a-candidate")
    notice = log.wait_for("", ev.EngineNotice)
    assert isinstance(notice, ev.EngineNotice)
    assert "not one of the requests found" in notice.message
    assert engine.store.get(job).state is JobState.unknown  # type: ignore[union-attr]

    engine.shutdown()  # still waiting for the choice after a restart: shown again
    again, log = engine_factory(server.base_url, root=root, make_thumbnails=False)
    shown = log.wait_final(job)
    assert isinstance(shown, ev.Failed)
    assert shown.error_type == AMBIGUOUS_AT_FAL
    chosen = candidates[1].request_id
    again.adopt_request(job, chosen)
    assert isinstance(log.wait_final(job), ev.Completed)
    assert again.store is not None
    record = again.store.get(job)
    assert record is not None
    assert record.request_id == chosen
    assert record.images
    assert server.stats()["submits_total"] == sent  # nothing was sent again


def test_the_schema_migrates_an_older_history_with_its_jobs(tmp_path: Path) -> None:
    """A history written before the holds (schema 8) opens with its rows intact."""
    import sqlite3

    from qwenimg_desktop.core.store import db
    from qwenimg_desktop.core.store.schema import MIGRATIONS

    layout = DataLayout(tmp_path / "old").ensure()
    conn = db.connect_writer(layout.db_path)
    for statement in (s for migration in MIGRATIONS[:8] for s in migration):
        conn.execute(statement)
    conn.execute("PRAGMA user_version = 8")
    conn.execute("INSERT INTO queue_control (id, paused) VALUES (1, 1)")
    conn.commit()
    conn.close()
    with HistoryStore.open(layout) as store:
        job = store.create_pending(GenerationRequest(prompt="after", seed=1),
                                   queue_base="http://x", cost_estimate=0.075, hold="held: x")
        assert store.holds([job]) == {job: "held: x"}
        assert store.is_paused()  # the old single flag is the user's pause
        assert store.locked_reason() is None
    with sqlite3.connect(layout.db_path) as check:
        assert check.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION


def test_resume_leaves_held_jobs_waiting_and_says_why(
    emulator_factory: EmulatorFactory, engine_factory: EngineFactory, tmp_path: Path
) -> None:
    """A job the window's cap held is not sent by the CLI's ``resume``, which says so."""
    server = emulator_factory(valid_keys={TEST_KEY})
    root = tmp_path / "data"
    engine, log = engine_factory(server.base_url, root=root, budget=CAP, make_thumbnails=False)
    job = engine.submit(GenerationRequest(prompt="held, then resume", seed=4, num_images=2))
    _held(log, job)
    engine.shutdown()
    done = run_cli(tmp_path, "resume", "--queue-url", server.base_url, "--data-dir", str(root),
                   key=TEST_KEY, timeout=60)
    assert "1 job(s) held by a budget cap stay waiting" in done.stderr, done.stderr
    assert server.stats()["submits_total"] == 0
    with HistoryStore.open(DataLayout(root)) as store:
        assert store.holds([job]) == {job: "held: over the daily budget ($0.15 of $0.10)"}
