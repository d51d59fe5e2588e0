"""The details fal has that the emulator must have too: submit fields, headers, gzip, the log
window, SSE keep-alives and stalls, media on its own origin, webhooks, the request log."""

from __future__ import annotations

import json
import time
from datetime import datetime

import httpx

from qwenimg_desktop.core.fal.protocol import submit_url
from qwenimg_desktop.emulator.server import EmulatorServer
from tests.emulator.support import KEY, client, run_to_completion, stream_events, submit
from tests.fixtures.emulator import EmulatorFactory
from tests.fixtures.webhook import WebhookReceiver


def test_submit_answers_status_and_gateway_request_id(emulator: EmulatorServer) -> None:
    with client() as http:
        response = http.post(submit_url(emulator.base_url), json={"prompt": "x"})
    body = response.json()
    assert body["status"] == "IN_QUEUE"
    assert body["gateway_request_id"] == body["request_id"]
    assert response.headers["x-fal-request-id"] == body["request_id"]
    assert body["status_url"].endswith(f"/fal-ai/qwen-image-2/requests/{body['request_id']}/status")


def test_json_answers_are_gzipped_when_accepted(emulator: EmulatorServer) -> None:
    with client() as http:
        answer = run_to_completion(http, emulator.base_url)
        zipped = http.get(answer["response_url"])  # httpx asks for gzip by default
        plain = http.get(answer["response_url"], headers={"Accept-Encoding": "identity"})
    assert zipped.headers["content-encoding"] == "gzip"
    assert zipped.json() == plain.json()
    assert "content-encoding" not in plain.headers
    assert int(zipped.headers["content-length"]) < int(plain.headers["content-length"])


def test_polled_logs_are_a_sliding_window_with_timestamps(
    emulator_factory: EmulatorFactory,
) -> None:
    server = emulator_factory({"queue_delay": 0, "run_time": 1.2, "log_steps": 6,
                               "log_window": 0.4})
    with client() as http:
        answer = submit(http, server.base_url)
        stream_events(http, answer["status_url"])
        final = http.get(answer["status_url"], params={"logs": "true"}).json()
    messages = [entry["message"] for entry in final["logs"]]
    assert "Loading model for 1 image(s)" not in messages  # slid out of the window
    assert messages[-1] == "Generated 1 image(s)"
    for entry in final["logs"]:
        assert entry["source"] == "USER"
        datetime.fromisoformat(entry["timestamp"])


def test_stream_events_carry_new_lines_or_the_window(emulator_factory: EmulatorFactory) -> None:
    server = emulator_factory({"queue_delay": 0, "run_time": 0.5, "log_steps": 4})
    with client() as http:
        answer = submit(http, server.base_url)
        new_only = stream_events(http, answer["status_url"])
        server.set_scenario({"stream_logs": "window"}, merge=True)
        window = stream_events(http, answer["status_url"])
    lines = [e["message"] for event in new_only for e in event["logs"] or []]
    assert len(lines) == len(set(lines))  # each line in one event only
    assert "Step 4/4" in lines
    assert len(window) == 1  # a completed request: one event with the whole window
    assert [e["message"] for e in window[0]["logs"]][-1] == "Generated 1 image(s)"


def _raw_stream(url: str, seconds: float) -> tuple[list[str], float]:
    """The lines of an SSE stream until it ends or ``seconds`` pass, and the time taken."""
    lines: list[str] = []
    started = time.monotonic()
    timeout = httpx.Timeout(seconds, connect=5)
    with httpx.Client(headers={"Authorization": f"Key {KEY}"}, timeout=timeout) as http:
        try:
            with http.stream("GET", url, params={"logs": 1}) as response:
                for line in response.iter_lines():
                    lines.append(line)
                    if time.monotonic() - started > seconds:
                        break
        except httpx.ReadTimeout:
            lines.append("<read timeout>")
    return lines, time.monotonic() - started


def test_stream_sends_keep_alive_comments_and_ends_after_completed(
    emulator_factory: EmulatorFactory,
) -> None:
    server = emulator_factory({"queue_delay": 0, "run_time": 0.8, "log_steps": 0,
                               "keepalive": 0.1})
    with client() as http:
        answer = submit(http, server.base_url)
    lines, _ = _raw_stream(f"{answer['status_url']}/stream", 10)
    assert sum(1 for line in lines if line.startswith(":")) >= 3
    data = [json.loads(line[6:]) for line in lines if line.startswith("data: ")]
    assert data[-1]["status"] == "COMPLETED"
    assert "<read timeout>" not in lines  # the server closed the stream itself


def test_a_stalled_stream_sends_nothing_at_all(emulator_factory: EmulatorFactory) -> None:
    server = emulator_factory({"queue_delay": 0, "run_time": 5, "keepalive": 0.1,
                               "stalled_stream": {"next_n": 1, "after_events": 1, "delay": 30}})
    with client() as http:
        answer = submit(http, server.base_url)
    lines, _ = _raw_stream(f"{answer['status_url']}/stream", 1.0)
    assert lines[-1] == "<read timeout>"
    assert [line for line in lines if line.startswith(":")] == []  # no keep-alive either
    assert sum(1 for line in lines if line.startswith("data: ")) == 1


def test_media_is_on_another_origin_that_never_sees_the_key(emulator: EmulatorServer) -> None:
    with client() as http:
        answer = run_to_completion(http, emulator.base_url)
        url = http.get(answer["response_url"]).json()["images"][0]["url"]
    assert url.startswith(emulator.media_url + "/files/")
    assert emulator.media_url != emulator.base_url
    assert httpx.get(url).status_code == 200
    media = [r for r in emulator.requests() if r["origin"] == "media"]
    assert len(media) == 1
    assert "authorization" not in media[0]["headers"]
    queue = [r for r in emulator.requests() if r["origin"] == "queue"]
    assert all(r["headers"]["authorization"] == "Key [present]" for r in queue)
    assert KEY not in json.dumps(emulator.requests())  # the log never keeps the key


def test_media_redirect_fault(emulator_factory: EmulatorFactory) -> None:
    server = emulator_factory({"media_redirect": {"next_n": 1}})
    with client() as http:
        answer = run_to_completion(http, server.base_url)
        url = http.get(answer["response_url"]).json()["images"][0]["url"]
    first = httpx.get(url)
    assert first.status_code == 302
    assert first.headers["location"] == url
    assert httpx.get(url, follow_redirects=True).status_code == 200


def test_webhook_receives_fals_payload(
    emulator: EmulatorServer, webhook_receiver: WebhookReceiver
) -> None:
    url = webhook_receiver.url
    with client() as http:
        response = http.post(submit_url(emulator.base_url), params={"fal_webhook": url},
                             json={"prompt": "hook", "seed": 3})
    request_id = response.json()["request_id"]
    body = webhook_receiver.wait()[0]
    assert body["request_id"] == request_id
    assert body["gateway_request_id"] == request_id
    assert body["status"] == "OK"
    assert body["payload"]["seed"] == 3
    deadline = time.monotonic() + 10  # recorded once the receiver's answer is back
    while not emulator.webhook_deliveries and time.monotonic() < deadline:
        time.sleep(0.01)
    assert emulator.webhook_deliveries == [{"request_id": request_id, "url": url, "status": 200}]


def test_webhook_reports_an_error_and_never_leaves_loopback(
    emulator_factory: EmulatorFactory, webhook_receiver: WebhookReceiver
) -> None:
    url = webhook_receiver.url
    server = emulator_factory({"failed_generation": {"next_n": 1, "status": 422}})
    with client() as http:
        http.post(submit_url(server.base_url), params={"fal_webhook": url}, json={"prompt": "x"})
        outside = http.post(submit_url(server.base_url),
                            params={"fal_webhook": "https://example.com/hook"},
                            json={"prompt": "y"}).json()["request_id"]
    body = webhook_receiver.wait()[0]
    assert body["status"] == "ERROR"
    assert body["error"] == "Invalid status code: 422"
    assert body["payload"]["detail"][0]["loc"] == ["body", "prompt"]
    deadline = time.monotonic() + 10
    while len(server.webhook_deliveries) < 2 and time.monotonic() < deadline:
        time.sleep(0.02)
    refused = [d for d in server.webhook_deliveries if d["request_id"] == outside]
    assert refused == [{"request_id": outside, "url": "https://example.com/hook",
                        "refused": "not a loopback URL"}]
