"""Every fal route of the emulator over real loopback HTTP with plain httpx."""

from __future__ import annotations

import base64
import io
import uuid

import httpx
from PIL import Image

from qwenimg_desktop.core.fal.protocol import (
    GenerationResult,
    QueueStatus,
    SubmitResponse,
    request_urls,
    submit_url,
)
from qwenimg_desktop.emulator.server import EmulatorServer
from tests.emulator.support import client, run_to_completion, stream_events, submit
from tests.fixtures.emulator import EmulatorFactory


def test_submit_answers_urls_on_its_own_base(emulator: EmulatorServer) -> None:
    with client() as http:
        answer = SubmitResponse.model_validate(submit(http, emulator.base_url))
    uuid.UUID(answer.request_id)
    urls = request_urls(emulator.base_url, answer.request_id)
    assert answer.response_url == urls["response_url"]
    assert answer.status_url == urls["status_url"]
    assert answer.cancel_url == urls["cancel_url"]
    assert answer.queue_position == 0


def test_submit_accepts_a_trailing_slash(emulator: EmulatorServer) -> None:
    with client() as http:
        response = http.post(submit_url(emulator.base_url) + "/", json={"prompt": "x"},
                             headers={"Accept-Encoding": "identity"})
    assert response.status_code == 200
    assert response.headers["content-length"] == str(len(response.content))


def test_submits_are_counted_per_job_id(emulator: EmulatorServer) -> None:
    with client() as http:
        submit(http, emulator.base_url, None, **{"X-Qwenimg-Job-Id": "job-1"})
        submit(http, emulator.base_url, None, **{"X-Qwenimg-Job-Id": "job-1"})
        submit(http, emulator.base_url, None, **{"X-Qwenimg-Job-Id": "job-2"})
    stats = emulator.stats()
    assert stats["submits_total"] == 3
    assert stats["submits_by_job_id"] == {"job-1": 2, "job-2": 1}


def test_missing_or_malformed_auth_is_401(emulator: EmulatorServer) -> None:
    url = submit_url(emulator.base_url)
    with httpx.Client() as http:
        missing = http.post(url, json={"prompt": "x"})
        bearer = http.post(url, json={"prompt": "x"}, headers={"Authorization": "Bearer a:b"})
        no_colon = http.post(url, json={"prompt": "x"}, headers={"Authorization": "Key nocolon"})
    for response in (missing, bearer, no_colon):
        assert response.status_code == 401
        assert isinstance(response.json()["detail"], str)
    assert "nocolon" not in no_colon.text
    assert emulator.stats()["submits_total"] == 0


def test_configured_keys_are_enforced(emulator_factory: EmulatorFactory) -> None:
    server = emulator_factory(valid_keys={"good:key"})
    url = submit_url(server.base_url)
    with httpx.Client() as http:
        bad = http.post(url, json={"prompt": "x"}, headers={"Authorization": "Key other:key"})
        good = http.post(url, json={"prompt": "x"}, headers={"Authorization": "Key good:key"})
    assert bad.status_code == 401
    assert "other:key" not in bad.text
    assert good.status_code == 200


def test_invalid_input_runs_and_fails_with_422_on_the_result(emulator: EmulatorServer) -> None:
    """As on fal: the queue accepts any object, the app validates it when it runs."""
    payload = {"negative_prompt": "SECRET" * 100,
               "image_size": {"width": 4000, "height": 4000}, "seed": -5}
    with client() as http:
        answer = run_to_completion(http, emulator.base_url, payload)
        status = http.get(answer["status_url"])
        response = http.get(answer["response_url"])
    assert status.json()["status"] == "COMPLETED"
    assert status.json()["error"] == "Invalid status code: 422"  # the default reading
    assert response.status_code == 422
    assert response.headers["x-fal-billable-units"] == "0"
    assert response.headers["x-fal-retryable"] == "false"
    detail = response.json()["detail"]
    locs = {tuple(item["loc"]) for item in detail}
    assert locs == {("body", "prompt"), ("body", "negative_prompt"), ("body", "seed"),
                    ("body", "image_size")}
    types = {item["loc"][1]: item["type"] for item in detail}
    assert types == {"prompt": "missing", "negative_prompt": "string_too_long",
                     "seed": "greater_than_equal", "image_size": "value_error"}
    assert all({"loc", "msg", "type"} <= set(item) for item in detail)
    assert "SECRET" not in response.text
    assert emulator.stats()["submits_total"] == 1


def test_a_switch_leaves_error_off_the_completed_status(
    emulator_factory: EmulatorFactory,
) -> None:
    server = emulator_factory({"completed_carries_error": False})
    with client() as http:
        answer = run_to_completion(http, server.base_url, {"prompt": "x", "num_images": 5})
        status = http.get(answer["status_url"]).json()
        response = http.get(answer["response_url"])
    assert "error" not in status
    assert "error_type" not in status
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "num_images"]


def test_a_switch_validates_at_submit(emulator_factory: EmulatorFactory) -> None:
    server = emulator_factory({"validate_at_submit": True})
    with client() as http:
        response = http.post(submit_url(server.base_url), json={"prompt": 5})
    assert response.status_code == 422
    assert response.json()["detail"][0]["type"] == "string_type"
    assert server.stats()["submits_total"] == 0


def test_limits_nothing_publishes_are_off_unless_switched_on(
    emulator_factory: EmulatorFactory,
) -> None:
    long_prompt = {"prompt": "p" * 30_000, "image_size": {"width": 4096, "height": 128}}
    server = emulator_factory()
    with client() as http:
        answer = run_to_completion(http, server.base_url, long_prompt)
        assert http.get(answer["response_url"]).status_code == 200
        server.set_scenario({"prompt_max_chars": 800, "side_bounds": [512, 2048]}, merge=True)
        answer = run_to_completion(http, server.base_url, long_prompt)
        detail = http.get(answer["response_url"]).json()["detail"]
    assert {tuple(item["loc"]) for item in detail} == {
        ("body", "prompt"), ("body", "image_size", "width"), ("body", "image_size", "height")}


def test_non_json_body_is_422(emulator: EmulatorServer) -> None:
    with client() as http:
        response = http.post(submit_url(emulator.base_url), content=b"{not json",
                             headers={"Content-Type": "application/json"})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body"]


def test_status_while_queued_reports_position(emulator_factory: EmulatorFactory) -> None:
    server = emulator_factory({"queue_delay": 60, "max_running": 1})
    with client() as http:
        answers = [submit(http, server.base_url) for _ in range(3)]
        bodies = [http.get(a["status_url"], params={"logs": 1}) for a in answers]
    assert [b.status_code for b in bodies] == [202, 202, 202]
    statuses = [QueueStatus.model_validate(b.json()) for b in bodies]
    assert [s.status for s in statuses] == ["IN_QUEUE"] * 3
    assert [s.queue_position for s in statuses] == [0, 1, 2]
    assert all(s.response_url == a["response_url"] for s, a in zip(statuses, answers, strict=True))


def test_max_running_holds_later_jobs_in_the_queue(emulator_factory: EmulatorFactory) -> None:
    server = emulator_factory({"queue_delay": 0, "run_time": 60, "max_running": 1})
    with client() as http:
        first = submit(http, server.base_url)
        stream_events(http, first["status_url"], until="IN_PROGRESS")
        second = submit(http, server.base_url)
        body = http.get(second["status_url"]).json()
    assert body["status"] == "IN_QUEUE"
    assert body["queue_position"] == 0
    assert server.stats()["requests_by_state"] == {"IN_QUEUE": 1, "IN_PROGRESS": 1, "COMPLETED": 0}


def test_status_in_progress_has_logs_only_when_asked(emulator_factory: EmulatorFactory) -> None:
    server = emulator_factory({"queue_delay": 0, "run_time": 60})
    with client() as http:
        answer = submit(http, server.base_url)
        stream_events(http, answer["status_url"], until="IN_PROGRESS")
        with_logs = http.get(answer["status_url"], params={"logs": 1})
        without = http.get(answer["status_url"], params={"logs": 0})
    assert with_logs.status_code == 202
    status = QueueStatus.model_validate(with_logs.json())
    assert status.status == "IN_PROGRESS"
    assert status.logs
    assert status.logs[0].message.startswith("Loading model")
    assert {"message", "level", "source", "timestamp"} <= set(with_logs.json()["logs"][0])
    assert without.json()["logs"] is None


def test_completed_status_result_and_file(emulator: EmulatorServer) -> None:
    payload = {"prompt": "a red fox", "image_size": "landscape_4_3", "num_images": 2,
               "output_format": "jpeg", "seed": 99}
    with client() as http:
        answer = run_to_completion(http, emulator.base_url, payload)
        status = http.get(answer["status_url"], params={"logs": "true"})
        result = http.get(answer["response_url"])
        files = [httpx.get(image["url"]) for image in result.json()["images"]]
    assert status.status_code == 200
    done = QueueStatus.model_validate(status.json())
    assert done.status == "COMPLETED"
    assert not done.failed
    assert done.metrics is not None
    assert "inference_time" in done.metrics
    assert done.logs
    assert [entry.message for entry in done.logs][1] == "Step 1/4"
    assert result.status_code == 200
    parsed = GenerationResult.model_validate(result.json())
    assert parsed.seed == 99
    assert parsed.prompt == "a red fox"
    assert len(parsed.images) == 2
    for image, file in zip(parsed.images, files, strict=True):
        assert file.status_code == 200
        assert file.headers["content-type"] == "image/jpeg" == image.content_type
        assert image.file_size == len(file.content)
        assert (image.width, image.height) == (1024, 768)
        with Image.open(io.BytesIO(file.content)) as decoded:
            assert decoded.format == "JPEG"
            assert decoded.size == (1024, 768)


def test_random_seed_is_returned(emulator: EmulatorServer) -> None:
    with client() as http:
        answer = run_to_completion(http, emulator.base_url, {"prompt": "no seed"})
        seed = http.get(answer["response_url"]).json()["seed"]
    assert isinstance(seed, int)
    assert 0 <= seed <= 2_147_483_647


def test_sync_mode_returns_a_data_uri(emulator: EmulatorServer) -> None:
    payload = {"prompt": "inline", "sync_mode": True, "output_format": "webp",
               "image_size": {"width": 800, "height": 600}}
    with client() as http:
        answer = run_to_completion(http, emulator.base_url, payload)
        image = http.get(answer["response_url"]).json()["images"][0]
    prefix = "data:image/webp;base64,"
    assert image["url"].startswith(prefix)
    data = base64.b64decode(image["url"].removeprefix(prefix))
    with Image.open(io.BytesIO(data)) as decoded:
        assert decoded.format == "WEBP"
        assert decoded.size == (800, 600)


def test_result_before_completion_is_400(emulator_factory: EmulatorFactory) -> None:
    server = emulator_factory({"queue_delay": 60})
    with client() as http:
        answer = submit(http, server.base_url)
        response = http.get(answer["response_url"])
    assert response.status_code == 400
    assert response.json() == {"detail": "Request is still in progress"}


def test_unknown_request_is_404_everywhere(emulator: EmulatorServer) -> None:
    urls = request_urls(emulator.base_url, str(uuid.uuid4()))
    with client() as http:
        assert http.get(urls["status_url"]).status_code == 404
        assert http.get(urls["stream_url"]).status_code == 404
        assert http.get(urls["response_url"]).status_code == 404
        assert http.put(urls["cancel_url"]).status_code == 404
        assert httpx.get(f"{emulator.base_url}/files/{uuid.uuid4()}/0.png").status_code == 404
        assert http.get(f"{emulator.base_url}/nothing/here").status_code == 404


def test_file_with_wrong_extension_or_index_is_404(emulator: EmulatorServer) -> None:
    with client() as http:
        answer = run_to_completion(http, emulator.base_url)
    rid = answer["request_id"]
    assert httpx.get(f"{emulator.media_url}/files/{rid}/0.png").status_code == 200
    assert httpx.get(f"{emulator.media_url}/files/{rid}/0.webp").status_code == 404
    assert httpx.get(f"{emulator.media_url}/files/{rid}/1.png").status_code == 404
    # media lives on its own origin only, as fal's CDN is another host
    assert httpx.get(f"{emulator.base_url}/files/{rid}/0.png").status_code == 404


def test_cancel_queued_request(emulator_factory: EmulatorFactory) -> None:
    server = emulator_factory({"queue_delay": 60})
    with client() as http:
        answer = submit(http, server.base_url)
        cancel = http.put(answer["cancel_url"])
        status = http.get(answer["status_url"])
        again = http.put(answer["cancel_url"])
        result = http.get(answer["response_url"])
    assert cancel.status_code == 202
    assert cancel.json() == {"status": "CANCELLATION_REQUESTED"}
    assert status.status_code == 200
    assert status.json()["status"] == "COMPLETED"
    assert status.json()["error_type"] == "client_cancelled"
    assert status.json()["error"] == "Request cancelled by the client."
    assert status.headers["x-fal-error-type"] == "client_cancelled"
    assert again.status_code == 400
    assert again.json() == {"status": "ALREADY_COMPLETED"}
    assert result.status_code == 499
    assert result.json() == {"detail": "Request cancelled by the client.",
                             "error_type": "client_cancelled"}
    assert result.headers["x-fal-error-type"] == "client_cancelled"
    assert server.stats()["outcomes"]["cancelled"] == 1


def test_a_switch_forgets_a_cancelled_queued_request(emulator_factory: EmulatorFactory) -> None:
    server = emulator_factory({"queue_delay": 60, "cancelled_answers_404": True})
    with client() as http:
        answer = submit(http, server.base_url)
        assert http.put(answer["cancel_url"]).status_code == 202
        assert http.get(answer["status_url"]).status_code == 404
        assert http.get(answer["response_url"]).status_code == 404


def test_cancel_running_request_is_only_a_signal(emulator_factory: EmulatorFactory) -> None:
    server = emulator_factory({"queue_delay": 0, "run_time": 0.3})
    with client() as http:
        answer = submit(http, server.base_url)
        stream_events(http, answer["status_url"], until="IN_PROGRESS")
        assert http.put(answer["cancel_url"]).status_code == 202
        events = stream_events(http, answer["status_url"])
        result = http.get(answer["response_url"])
    assert events[-1]["status"] == "COMPLETED"
    assert "error" not in events[-1]
    assert result.status_code == 200


def test_cancel_running_request_when_honoured(emulator_factory: EmulatorFactory) -> None:
    server = emulator_factory({"queue_delay": 0, "run_time": 60, "honour_running_cancel": True})
    with client() as http:
        answer = submit(http, server.base_url)
        stream_events(http, answer["status_url"], until="IN_PROGRESS")
        assert http.put(answer["cancel_url"]).status_code == 202
        body = http.get(answer["status_url"]).json()
        result = http.get(answer["response_url"])
    assert body["status"] == "COMPLETED"
    assert body["error_type"] == "client_cancelled"
    assert result.status_code == 499


def test_cancel_completed_request_is_400(emulator: EmulatorServer) -> None:
    with client() as http:
        answer = run_to_completion(http, emulator.base_url)
        response = http.put(answer["cancel_url"])
    assert response.status_code == 400
    assert response.json() == {"status": "ALREADY_COMPLETED"}


def test_request_timeout_header_expires_a_queued_request(emulator_factory: EmulatorFactory) -> None:
    server = emulator_factory({"queue_delay": 60})
    with client() as http:
        answer = submit(http, server.base_url, None, **{"X-Fal-Request-Timeout": "0.05"})
        events = stream_events(http, answer["status_url"])
    assert events[-1]["error_type"] == "request_timeout"
    assert server.stats()["outcomes"]["failed"] == 1


def test_keep_alive_reuses_one_connection(emulator: EmulatorServer) -> None:
    with client() as http:
        answer = submit(http, emulator.base_url)
        first = http.get(answer["status_url"])
        second = http.get(answer["status_url"])
    assert first.http_version == "HTTP/1.1"
    assert "close" not in first.headers.get("connection", "")
    assert second.status_code in {200, 202}


def test_the_request_log_has_the_status_before_the_client_has_the_answer(
        emulator_factory: EmulatorFactory) -> None:
    """A test reads the log as soon as its client holds an answer: the status is logged before
    the answer is sent (here a status stream, whose handler is still running; before, the
    status came when the handler returned, and a test that read the log at once could see
    None)."""
    server = emulator_factory({"queue_delay": 0, "run_time": 60})
    with client() as http:
        answer = submit(http, server.base_url)
        with http.stream("GET", f"{answer['status_url']}/stream") as response:
            assert response.status_code == 200
            assert [r["status"] for r in server.requests("stream")] == [200]
