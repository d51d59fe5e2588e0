"""Each way fal reports a failed job ends in the right typed state, with the right message, the
row intact, and no more result fetches than the contract allows (from the emulator's log)."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import pytest

from qwenimg_desktop.core.jobs import events as ev
from qwenimg_desktop.core.jobs.model import JobState
from qwenimg_desktop.core.params import GenerationRequest
from tests.core.conftest import EngineFactory
from tests.fixtures.emulator import EmulatorFactory

REQUEST = GenerationRequest(prompt="a lighthouse at dusk", seed=11)


@dataclass(frozen=True)
class Row:
    """One failure kind: the emulator's scenario and what the user must end up with."""

    scenario: dict[str, Any]
    kind: str  # the Failed event's kind
    reason: str  # a part of the sentence shown
    error_type: str  # stored in the row
    result_fetches: int  # GETs of the result, asserted from the emulator's request log
    fields: tuple[tuple[str, str], ...] = ()
    log_line: str = ""  # a line the job's log must keep
    next_step: str = field(default="")


MATRIX: dict[str, Row] = {
    "model error (422)": Row(
        {"failed_generation": {"next_n": 1, "status": 422, "field": "prompt",
                               "message": "Prompt is not allowed",
                               "error_type": "content_policy_violation"}},
        "ValidationFailed", "fal rejected the input: prompt: Prompt is not allowed",
        "ValidationFailed", 1, fields=(("prompt", "Prompt is not allowed"),),
    ),
    "model error, COMPLETED without error": Row(
        {"completed_carries_error": False,
         "failed_generation": {"next_n": 1, "status": 422, "field": "seed",
                               "message": "Input should be less than 10"}},
        "ValidationFailed", "seed: Input should be less than 10", "ValidationFailed", 1,
        fields=(("seed", "Input should be less than 10"),),
    ),
    "runner disconnected (503)": Row(
        {"failed_generation": {"next_n": 1, "error_type": "runner_disconnected",
                               "message": "Runner disconnected"}},
        "InfrastructureFailed", "the model's machine disconnected while running it",
        "runner_disconnected", 2,
    ),
    "request timeout (504)": Row(
        {"failed_generation": {"next_n": 1, "error_type": "request_timeout",
                               "message": "Request timed out"}},
        "InfrastructureFailed", "it ran longer than fal allows", "request_timeout", 2,
    ),
    "no runner (503)": Row(
        {"failed_generation": {"next_n": 1, "error_type": "runner_scheduling_failure",
                               "message": "No runner available"}},
        "InfrastructureFailed", "fal had no machine free", "runner_scheduling_failure", 2,
    ),
    "start timeout (504, user)": Row(
        {"failed_generation": {"next_n": 1, "kind": "start_timeout"}},
        "StartTimeout", "before its start deadline", "request_timeout", 1,
    ),
    "app crash (500)": Row(
        {"failed_generation": {"next_n": 1, "kind": "crash"}},
        "AppCrashed", "the model crashed on fal: RuntimeError: CUDA error", "app_crash", 2,
        log_line="RuntimeError: CUDA error: an illegal memory access was encountered",
    ),
    "app crash, COMPLETED without error": Row(
        {"completed_carries_error": False, "failed_generation": {"next_n": 1, "kind": "crash"}},
        "AppCrashed", "RuntimeError: CUDA error", "app_crash", 2,
    ),
}


@pytest.mark.parametrize("name", list(MATRIX))
def test_fault_matrix(
    name: str, emulator_factory: EmulatorFactory, engine_factory: EngineFactory
) -> None:
    row = MATRIX[name]
    server = emulator_factory(row.scenario)
    engine, log = engine_factory(server.base_url, make_thumbnails=False)
    job_id = engine.submit(REQUEST)
    final = log.wait_final(job_id)
    assert isinstance(final, ev.Failed), final
    assert final.kind == row.kind
    assert row.reason in final.reason
    assert final.fields == row.fields
    assert engine.store is not None
    record = engine.store.get(job_id)
    assert record is not None
    assert record.state is JobState.failed
    assert record.error_type == row.error_type
    assert record.request == REQUEST  # the row is intact: it can be retried or looked up
    assert record.request_id
    results = server.requests("result")
    assert len(results) == row.result_fetches, [r["status"] for r in results]
    assert server.stats()["submits_total"] == 1  # never re-sent
    if row.log_line:
        lines = [message for message, _, _ in engine.store.logs(job_id)]
        assert any(row.log_line in line for line in lines)
        assert not any(line.startswith('{"traceback"') for line in lines)  # unwrapped


def test_an_app_crash_is_shown_within_seconds(
    emulator_factory: EmulatorFactory, engine_factory: EngineFactory
) -> None:
    """With the engine's real retry policy (not the tests' fast one), a crash is final at once:
    the result's 500 is retried once, not ten times over a minute."""
    server = emulator_factory({"failed_generation": {"next_n": 1, "kind": "crash"}})
    engine, log = engine_factory(server.base_url, retry=None, make_thumbnails=False)
    job_id = engine.submit(REQUEST)
    final = log.wait_final(job_id)
    shown = time.perf_counter()
    assert isinstance(final, ev.Failed)
    assert engine.store is not None
    record = engine.store.get(job_id)
    assert record is not None
    request_id = record.request_id
    assert request_id is not None
    assert shown - server.complete_times[request_id] < 3.0


@pytest.mark.parametrize("forget", [False, True])
def test_a_queued_job_cancelled_is_not_charged(
    emulator_factory: EmulatorFactory, engine_factory: EngineFactory, forget: bool
) -> None:
    server = emulator_factory({"queue_delay": 60, "cancelled_answers_404": forget})
    engine, log = engine_factory(server.base_url)
    job_id = engine.submit(REQUEST)
    log.wait_for(job_id, ev.Queued)
    engine.cancel(job_id)
    final = log.wait_final(job_id)
    assert isinstance(final, ev.Cancelled)
    assert final.detail == "cancelled before fal started it: not charged"
    assert engine.store is not None
    record = engine.store.get(job_id)
    assert record is not None
    assert record.state is JobState.cancelled
    lines = [message for message, _, _ in engine.store.logs(job_id)]
    assert "Cancelled: cancelled before fal started it: not charged." in lines


@pytest.mark.parametrize("with_type", [True, False])
def test_a_running_job_cancelled_says_it_may_be_charged(
    emulator_factory: EmulatorFactory, engine_factory: EngineFactory, with_type: bool
) -> None:
    server = emulator_factory({"queue_delay": 0, "run_time": 30, "honour_running_cancel": True,
                               "cancelled_error_type": with_type})
    engine, log = engine_factory(server.base_url)
    job_id = engine.submit(REQUEST)
    log.wait_for(job_id, ev.Running)
    engine.cancel(job_id)
    final = log.wait_final(job_id)
    assert isinstance(final, ev.Cancelled)
    assert final.detail == "fal had already started it, so it may be charged"
    assert [r["status"] for r in server.requests("result")] == [499]


def test_a_job_cancelled_elsewhere_is_cancelled_here(
    emulator_factory: EmulatorFactory, engine_factory: EngineFactory
) -> None:
    """A 499 nobody here asked for (cancelled from another client) is still a cancellation."""
    server = emulator_factory({"queue_delay": 0, "run_time": 30, "honour_running_cancel": True})
    engine, log = engine_factory(server.base_url)
    job_id = engine.submit(REQUEST)
    log.wait_for(job_id, ev.Running)
    assert engine.store is not None
    request_id = engine.store.get(job_id).request_id  # type: ignore[union-attr]
    assert server.board.cancel(str(request_id)) == "requested"
    final = log.wait_final(job_id)
    assert isinstance(final, ev.Cancelled)
