"""Scenario validation, fault counters and seeded randomness; the control API."""

from __future__ import annotations

import threading
import time

import httpx
import pytest
from pydantic import ValidationError

from qwenimg_desktop.emulator.render import render_image
from qwenimg_desktop.emulator.scenarios import Fault, FaultInjector, Scenario
from qwenimg_desktop.emulator.server import EmulatorServer
from tests.emulator.support import client, run_to_completion, stream_events, submit
from tests.fixtures.emulator import EmulatorFactory


def test_next_n_fires_exactly_n_times_on_matching_routes() -> None:
    injector = FaultInjector(Scenario(server_error=Fault(next_n=2)))
    assert injector.fire("server_error", "file") is None
    assert injector.fire("server_error", "submit") is not None
    assert injector.fire("server_error", "status") is not None
    assert injector.fire("server_error", "status") is None
    assert injector.fired_counts() == {"server_error": 2}


def test_probability_is_reproducible_with_a_seed() -> None:
    scenario = Scenario(seed=7, rate_limit=Fault(probability=0.5))
    injectors = [FaultInjector(scenario), FaultInjector(scenario)]
    runs = [[inj.fire("rate_limit", "status") is not None for _ in range(50)] for inj in injectors]
    assert runs[0] == runs[1]
    assert 0 < sum(runs[0]) < 50


def test_reset_rearms_counters() -> None:
    injector = FaultInjector(Scenario(submit_lost=Fault(next_n=1)))
    assert injector.fire("submit_lost", "submit") is not None
    assert injector.fire("submit_lost", "submit") is None
    injector.reset()
    assert injector.fire("submit_lost", "submit") is not None


@pytest.mark.parametrize("bad", [
    {"server_error": {"status": 418}},
    {"failed_generation": {"status": 200}},
    {"dropped_stream": {"routes": ["submit"]}},
    {"rate_limit": {"probability": 1.5}},
    {"queue_delay": -1},
    {"unknown_knob": 1},
])
def test_invalid_scenarios_are_rejected(bad: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        Scenario.model_validate(bad)


def test_merge_keeps_other_keys() -> None:
    merged = Scenario(run_time=3).merged({"queue_delay": 2})
    assert (merged.run_time, merged.queue_delay) == (3, 2)


def test_control_api_stats_scenario_and_reset(emulator: EmulatorServer) -> None:
    base = emulator.base_url
    with client() as http:
        run_to_completion(http, base)
        stats = httpx.get(f"{base}/_emulator/stats").json()
        merged = httpx.post(f"{base}/_emulator/scenario", json={"latency": 0.01}).json()
        replaced = httpx.post(f"{base}/_emulator/scenario", params={"replace": 1},
                              json={"run_time": 0.5}).json()
        invalid = httpx.post(f"{base}/_emulator/scenario", json={"max_running": 0})
        reset = httpx.post(f"{base}/_emulator/reset")
        after = httpx.get(f"{base}/_emulator/stats").json()
    assert stats["submits_total"] == 1
    assert stats["requests_by_state"]["COMPLETED"] == 1
    assert stats["served"]["submit"] == 1
    assert stats["served"]["stream"] == 1
    assert merged["latency"] == 0.01
    assert merged["run_time"] == 0.1
    assert replaced["run_time"] == 0.5
    assert replaced["latency"] == 0.0
    assert invalid.status_code == 422
    assert invalid.json()["detail"][0]["loc"] == ["body", "max_running"]
    assert reset.status_code == 200
    assert after["submits_total"] == 0
    assert sum(after["requests_by_state"].values()) == 0
    assert emulator.scenario.run_time == 0.5


def test_server_refuses_a_remote_host() -> None:
    with pytest.raises(ValueError, match="non-loopback"):
        EmulatorServer(host="0.0.0.0")


@pytest.mark.parametrize("ahead", [False, True])
def test_render_ahead_has_the_images_ready_at_completed(
    emulator_factory: EmulatorFactory, ahead: bool
) -> None:
    server = emulator_factory({"render_ahead": ahead, "run_time": 0.5})
    payload = {"prompt": "rendered while running", "seed": 11,
               "image_size": {"width": 512, "height": 512}}
    with client() as http:
        answer = run_to_completion(http, server.base_url, payload)
        job = server.board.get(answer["request_id"])
        assert job is not None
        # Without render_ahead nothing is rendered until the result is first asked for.
        assert (job.rendered is not None) is ahead
        result = http.get(answer["response_url"]).json()
        image = http.get(result["images"][0]["url"])
    assert image.status_code == 200
    assert image.content == render_image.__wrapped__(
        "rendered while running", 11, 0, 512, 512).data


@pytest.mark.parametrize(("stage", "held_at"), [("queue", "IN_QUEUE"), ("run", "IN_PROGRESS")])
def test_a_hold_keeps_a_job_at_its_stage_until_released(
    emulator_factory: EmulatorFactory, stage: str, held_at: str
) -> None:
    """A test holds a job queued (or running) for as long as it needs, whatever the load: a
    queue_delay or run_time is a race a slow machine can lose."""
    server = emulator_factory({"queue_delay": 0.0, "run_time": 0.0, "hold": [stage]})
    with client() as http:
        answer = submit(http, server.base_url)
        assert stream_events(http, answer["status_url"], until=held_at)[-1]["status"] == held_at
        time.sleep(0.3)  # well past queue_delay and run_time (0 s): still held
        status = http.get(answer["status_url"]).json()
        assert status["status"] == held_at
        server.set_scenario({"hold": []}, merge=True)
        assert stream_events(http, answer["status_url"])[-1]["status"] == "COMPLETED"


def test_a_held_submit_is_answered_once_released(emulator_factory: EmulatorFactory) -> None:
    server = emulator_factory({"hold": ["submit"]})
    answers: list[dict[str, object]] = []
    with client() as http:
        sender = threading.Thread(target=lambda: answers.append(submit(http, server.base_url)))
        sender.start()
        sender.join(0.3)
        assert sender.is_alive()  # still waiting for its answer
        assert not answers
        assert server.stats()["submits_total"] == 0
        server.set_scenario({"hold": []}, merge=True)
        sender.join(30)
    assert len(answers) == 1
    assert server.stats()["submits_total"] == 1
