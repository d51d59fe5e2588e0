"""Load with faults: 200 jobs through the real engine while ~20 % of the emulator's answers fail."""

from __future__ import annotations

import hashlib
import time

import pytest

from qwenimg_desktop.core.fal.retry import RetryPolicy
from qwenimg_desktop.core.jobs import events as ev
from qwenimg_desktop.core.jobs.model import FINAL_STATES
from qwenimg_desktop.core.params import GenerationRequest, ImageSizePreset, OutputFormat
from tests.core.conftest import EngineFactory
from tests.fixtures.emulator import EmulatorFactory
from tests.reliability.support import counts, partial_files, record_figures, rows

JOBS = 200
CONCURRENCY = 8
# Faults per route, all seeded. Together they hit about a fifth of the emulator's answers.
SCENARIO = {
    "queue_delay": 0.02,
    "run_time": 0.05,
    "log_steps": 2,
    "max_running": CONCURRENCY,
    "seed": 20240607,
    "server_error": {"probability": 0.05, "status": 503},
    "rate_limit": {"probability": 0.05, "retry_after": 0.05},
    "dropped_stream": {"probability": 0.3, "after_events": 1},
    "slow_first_byte": {"probability": 0.03, "delay": 0.3},
    "malformed_json": {"probability": 0.05, "routes": ["submit", "status", "result"]},
    "expired_media": {"probability": 0.05},
    "failed_generation": {"probability": 0.02, "status": 500},
}
# The only ways a job may end other than "completed", each with the reason it must give.
EXPECTED_FAILURES: dict[str, tuple[str, ...]] = {
    # 5xx, a cut connection or an unreadable answer to a submit: never re-sent.
    "SubmissionUnknown": (
        "it may or may not have been queued", "answer was unreadable", "may have reached fal",
    ),
    # The media link expired (404): the paid result is kept for Re-download.
    "PaidNotDownloaded": ("no longer available",),
    # COMPLETED, then the result's flat {detail, error_type}: fal could not run it.
    "InfrastructureFailed": ("Internal error during image generation",),
}
FAST = RetryPolicy(base_delay=0.005, max_delay=0.05)


def _request(i: int) -> GenerationRequest:
    return GenerationRequest(
        prompt=f"load test {i}: 一盏灯 over water",
        image_size=ImageSizePreset.square,
        output_format=OutputFormat.png,
        seed=i,
    )


@pytest.mark.slow
def test_200_jobs_under_faults_end_honestly_with_no_lost_rows_and_no_double_submits(
    emulator_factory: EmulatorFactory, engine_factory: EngineFactory
) -> None:
    server = emulator_factory(SCENARIO)
    engine, log = engine_factory(
        server.base_url, concurrency=CONCURRENCY, retry=FAST, make_thumbnails=False
    )
    started = time.monotonic()
    job_ids = [engine.submit(_request(i)) for i in range(JOBS)]
    finals = {job_id: log.wait_final(job_id, timeout=120) for job_id in job_ids}
    elapsed = time.monotonic() - started
    assert engine.store is not None
    db = engine.store.layout.db_path
    stats = server.stats()

    # 0 lost rows: every job has exactly one row, in a final state, matching its final event.
    found = {r["id"]: r for r in rows(db, "SELECT id, state, request_id, error, error_type"
                                          " FROM jobs")}
    assert set(found) == set(job_ids)
    assert {found[j]["state"] for j in job_ids} <= {s.value for s in FINAL_STATES}
    for job_id, final in finals.items():
        assert len([e for e in log.of(job_id) if isinstance(e, ev.Completed | ev.Failed)]) == 1
        row = found[job_id]
        if isinstance(final, ev.Completed):
            assert row["state"] == "completed"
            continue
        assert isinstance(final, ev.Failed), final
        assert final.kind in EXPECTED_FAILURES, (final.kind, final.reason)
        assert any(text in final.reason for text in EXPECTED_FAILURES[final.kind]), final.reason
        assert row["error"]
        assert row["error_type"]
        assert row["state"] == ("unknown" if final.kind == "SubmissionUnknown" else "failed")

    # 0 duplicate submits: a job the emulator saw was submitted once; "unknown" ones at most once.
    by_job = stats["submits_by_job_id"]
    assert set(by_job) <= set(job_ids)
    for job_id in job_ids:
        limit_ok = by_job.get(job_id, 0) <= 1
        assert limit_ok, (job_id, by_job.get(job_id), found[job_id]["state"])
        if found[job_id]["request_id"]:
            assert by_job.get(job_id) == 1

    # Completed jobs have every image on disk, intact; nothing half-written is left anywhere.
    images = rows(db, "SELECT i.path, i.sha256 FROM images i JOIN jobs j ON j.id = i.job_id"
                      " WHERE j.state = 'completed'")
    completed = [j for j in job_ids if found[j]["state"] == "completed"]
    assert len(images) == len(completed)
    root = engine.layout.root
    for image in images:
        data = (root / image["path"]).read_bytes()
        assert hashlib.sha256(data).hexdigest() == image["sha256"]
    assert partial_files(root) == []
    stored = {p.relative_to(root).as_posix() for p in engine.layout.images_dir.rglob("*.png")}
    assert stored == {image["path"] for image in images}

    served = sum(stats["served"].values())
    fired = stats["faults_fired"]
    outcome = counts(f.kind if isinstance(f, ev.Failed) else "completed" for f in finals.values())
    record_figures("load_faults", {
        "jobs": JOBS,
        "concurrency": CONCURRENCY,
        "seconds": round(elapsed, 1),
        "outcomes": outcome,
        "reasons": counts(f.reason for f in finals.values() if isinstance(f, ev.Failed)),
        "responses_served": served,
        "faults_fired": fired,
        "faulted_fraction": round(sum(fired.values()) / served, 3),
        "submit_attempts": stats["submit_attempts"],
        "submits_total": stats["submits_total"],
        "jobs_seen_by_emulator": len(by_job),
        "max_submits_per_job": max(by_job.values(), default=0),
        "lost_rows": len(set(job_ids) - set(found)),
        "client_stats": vars(engine._pipe.client.stats),
    })
    # The faults really happened at the intended rate (about a fifth of all answers).
    assert 0.1 <= sum(fired.values()) / served <= 0.3
    assert {"server_error", "rate_limit", "dropped_stream", "malformed_json",
            "expired_media"} <= set(fired)
