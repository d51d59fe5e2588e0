"""The SSE status stream: immediate first event, order of states, end after COMPLETED."""

from __future__ import annotations

import httpx

from qwenimg_desktop.emulator.server import EmulatorServer
from tests.emulator.support import client, stream_events, submit
from tests.fixtures.emulator import EmulatorFactory


def _rank(status: str) -> int:
    return ["IN_QUEUE", "IN_PROGRESS", "COMPLETED"].index(status)


def test_events_follow_the_lifecycle_in_order(emulator: EmulatorServer) -> None:
    with client() as http:
        answer = submit(http, emulator.base_url)
        events = stream_events(http, answer["status_url"])
    statuses = [event["status"] for event in events]
    assert statuses[0] == "IN_QUEUE"
    assert "IN_PROGRESS" in statuses
    assert statuses[-1] == "COMPLETED"
    assert statuses.count("COMPLETED") == 1
    assert [_rank(s) for s in statuses] == sorted(_rank(s) for s in statuses)
    log_counts = [len(event["logs"]) for event in events if event["logs"] is not None]
    assert log_counts == sorted(log_counts)
    assert events[-1]["metrics"]["inference_time"] >= 0


def test_stream_ends_after_completed(emulator: EmulatorServer) -> None:
    with client() as http:
        answer = submit(http, emulator.base_url)
        with http.stream("GET", answer["status_url"] + "/stream") as response:
            lines = [line for line in response.iter_lines() if line.startswith("data: ")]
    assert '"COMPLETED"' in lines[-1]
    assert all('"COMPLETED"' not in line for line in lines[:-1])


def test_first_event_is_sent_at_once(emulator_factory: EmulatorFactory) -> None:
    server = emulator_factory({"queue_delay": 60})
    with client() as http:
        answer = submit(http, server.base_url)
        events = stream_events(http, answer["status_url"], until="IN_QUEUE")
    assert events == [events[0]]
    assert events[0]["queue_position"] == 0


def test_stream_of_a_completed_request_sends_one_event(emulator: EmulatorServer) -> None:
    with client() as http:
        answer = submit(http, emulator.base_url)
        stream_events(http, answer["status_url"])
        with http.stream("GET", answer["status_url"] + "/stream") as response:
            lines = [line for line in response.iter_lines() if line.startswith("data: ")]
    assert len(lines) == 1
    assert '"COMPLETED"' in lines[0]


def test_stream_without_logs_sends_null_logs(emulator: EmulatorServer) -> None:
    with client() as http:
        answer = submit(http, emulator.base_url)
        events = stream_events(http, answer["status_url"], logs=False)
    assert all(event["logs"] is None for event in events)


def test_stream_requires_auth(emulator: EmulatorServer) -> None:
    with client() as http:
        answer = submit(http, emulator.base_url)
    response = httpx.get(answer["status_url"] + "/stream")
    assert response.status_code == 401


def test_completion_time_is_recorded(emulator: EmulatorServer) -> None:
    with client() as http:
        answer = submit(http, emulator.base_url)
        stream_events(http, answer["status_url"])
    assert answer["request_id"] in emulator.complete_times
