"""Every injectable fault, observed with plain httpx."""

from __future__ import annotations

import json

import httpx
import pytest

from qwenimg_desktop.core.fal.protocol import submit_url
from tests.emulator.support import client, run_to_completion, stream_events, submit
from tests.fixtures.emulator import EmulatorFactory


@pytest.mark.parametrize("code", [502, 503, 504])
def test_ingress_errors_look_like_nginx(emulator_factory: EmulatorFactory, code: int) -> None:
    server = emulator_factory({"server_error": {"next_n": 1, "status": code}})
    with client() as http:
        failed = http.post(submit_url(server.base_url), json={"prompt": "x"})
        ok = http.post(submit_url(server.base_url), json={"prompt": "x"})
    assert failed.status_code == code
    assert "nginx" in failed.text
    assert "x-fal-request-id" not in failed.headers
    assert ok.status_code == 200
    assert server.stats()["submits_total"] == 1


def test_500_comes_from_fal_itself(emulator_factory: EmulatorFactory) -> None:
    server = emulator_factory({"server_error": {"next_n": 1, "routes": ["status"]}})
    with client() as http:
        answer = submit(http, server.base_url)
        response = http.get(answer["status_url"])
    assert response.status_code == 500
    assert "x-fal-request-id" in response.headers
    assert response.json()["detail"]


def test_non_ingress_503_carries_a_request_id(emulator_factory: EmulatorFactory) -> None:
    server = emulator_factory({"server_error": {"next_n": 1, "status": 503, "ingress": False}})
    with client() as http:
        response = http.post(submit_url(server.base_url), json={"prompt": "x"})
    assert response.status_code == 503
    assert "x-fal-request-id" in response.headers
    assert "nginx" not in response.text


def test_rate_limit_with_retry_after(emulator_factory: EmulatorFactory) -> None:
    server = emulator_factory({"rate_limit": {"next_n": 2, "retry_after": 3}})
    with client() as http:
        responses = [http.post(submit_url(server.base_url), json={"prompt": "x"})
                     for _ in range(3)]
    assert [r.status_code for r in responses] == [429, 429, 200]
    assert responses[0].headers["retry-after"] == "3"
    assert server.stats()["faults_fired"] == {"rate_limit": 2}


def test_rate_limit_without_retry_after(emulator_factory: EmulatorFactory) -> None:
    server = emulator_factory({"rate_limit": {"next_n": 1, "retry_after": None}})
    with client() as http:
        response = http.post(submit_url(server.base_url), json={"prompt": "x"})
    assert response.status_code == 429
    assert "retry-after" not in response.headers


def test_wrong_key_fault(emulator_factory: EmulatorFactory) -> None:
    server = emulator_factory({"wrong_key": {"next_n": 1}})
    with client() as http:
        response = http.post(submit_url(server.base_url), json={"prompt": "x"})
    assert response.status_code == 401
    assert server.stats()["submits_total"] == 0


def test_dropped_stream_closes_without_completed(emulator_factory: EmulatorFactory) -> None:
    server = emulator_factory({"queue_delay": 0.05, "run_time": 0.2,
                               "dropped_stream": {"next_n": 1, "after_events": 1}})
    with client() as http:
        answer = submit(http, server.base_url)
        seen: list[str] = []
        with (pytest.raises(httpx.RemoteProtocolError),
              http.stream("GET", answer["status_url"] + "/stream") as response):
            seen.extend(line for line in response.iter_lines() if line.startswith("data: "))
        assert len(seen) == 1
        assert "COMPLETED" not in seen[0]
        events = stream_events(http, answer["status_url"])
    assert events[-1]["status"] == "COMPLETED"


def test_slow_first_byte_delays_the_headers(emulator_factory: EmulatorFactory) -> None:
    server = emulator_factory({"slow_first_byte": {"next_n": 1, "delay": 5, "routes": ["submit"]}})
    with client() as http:
        with pytest.raises(httpx.ReadTimeout):
            http.post(submit_url(server.base_url), json={"prompt": "x"}, timeout=0.2)
        ok = http.post(submit_url(server.base_url), json={"prompt": "x"})
    assert ok.status_code == 200


def test_malformed_json_is_a_truncated_200(emulator_factory: EmulatorFactory) -> None:
    server = emulator_factory({"malformed_json": {"next_n": 1}})
    with client() as http:
        answer = submit(http, server.base_url)
        response = http.get(answer["status_url"], headers={"Accept-Encoding": "identity"})
        after = http.get(answer["status_url"])
    assert response.status_code in {200, 202}
    assert response.headers["content-length"] == str(len(response.content))
    with pytest.raises(ValueError, match=r"Expecting|Unterminated|Extra"):
        response.json()
    assert after.json()["status"] in {"IN_QUEUE", "IN_PROGRESS", "COMPLETED"}


def test_expired_media_is_404(emulator_factory: EmulatorFactory) -> None:
    server = emulator_factory({"expired_media": {"next_n": 1}})
    with client() as http:
        answer = run_to_completion(http, server.base_url)
        url = http.get(answer["response_url"]).json()["images"][0]["url"]
    assert httpx.get(url).status_code == 404
    assert httpx.get(url).status_code == 200


def test_infrastructure_failure_is_flat_with_its_type(emulator_factory: EmulatorFactory) -> None:
    fault = {"next_n": 1, "message": "Runner disconnected", "error_type": "runner_disconnected"}
    server = emulator_factory({"failed_generation": fault})
    with client() as http:
        answer = run_to_completion(http, server.base_url)
        done = http.get(answer["status_url"])
        result = http.get(answer["response_url"])
    assert done.json()["error"] == "Runner disconnected"
    assert done.json()["error_type"] == "runner_disconnected"
    assert done.headers["x-fal-error-type"] == "runner_disconnected"
    assert result.status_code == 503  # the code of fal's table for this type
    assert result.json() == {"detail": "Runner disconnected", "error_type": "runner_disconnected"}
    assert result.headers["x-fal-error-type"] == "runner_disconnected"
    assert "x-fal-request-id" in result.headers
    assert server.stats()["outcomes"]["failed"] == 1


def test_model_error_is_a_422_detail_list(emulator_factory: EmulatorFactory) -> None:
    fault = {"next_n": 1, "status": 422, "message": "NSFW content",
             "error_type": "content_policy_violation"}
    server = emulator_factory({"failed_generation": fault})
    with client() as http:
        answer = run_to_completion(http, server.base_url)
        done = http.get(answer["status_url"])
        result = http.get(answer["response_url"])
    assert done.json()["status"] == "COMPLETED"
    assert result.status_code == 422
    assert result.json()["detail"] == [{"loc": ["body", "prompt"], "msg": "NSFW content",
                                        "type": "content_policy_violation"}]
    assert result.headers["x-fal-retryable"] == "false"


def test_app_crash_logs_a_traceback_and_answers_a_generic_500(
    emulator_factory: EmulatorFactory,
) -> None:
    server = emulator_factory({"failed_generation": {"next_n": 1, "kind": "crash"}})
    with client() as http:
        answer = run_to_completion(http, server.base_url)
        done = http.get(answer["status_url"], params={"logs": 1}).json()
        result = http.get(answer["response_url"])
    assert result.status_code == 500
    assert result.json() == {"detail": "Internal Server Error"}
    traceback = json.loads(done["logs"][-1]["message"])["traceback"]
    assert traceback.startswith("RuntimeError: CUDA error")  # the cause first


def test_start_timeout_is_a_504_with_the_user_timeout_type(
    emulator_factory: EmulatorFactory,
) -> None:
    server = emulator_factory({"queue_delay": 60})
    with client() as http:
        answer = submit(http, server.base_url, None, **{"X-Fal-Request-Timeout": "0.2"})
        stream_events(http, answer["status_url"])
        result = http.get(answer["response_url"])
    assert result.status_code == 504
    assert result.headers["x-fal-request-timeout-type"] == "user"
    assert result.json()["error_type"] == "request_timeout"


def test_submit_lost_creates_the_job_but_never_answers(emulator_factory: EmulatorFactory) -> None:
    server = emulator_factory({"submit_lost": {"next_n": 1}})
    with client() as http, pytest.raises(httpx.RemoteProtocolError):
        http.post(submit_url(server.base_url), json={"prompt": "x"},
                  headers={"X-Qwenimg-Job-Id": "lost-1"})
    stats = server.stats()
    assert stats["submits_by_job_id"] == {"lost-1": 1}
    assert sum(stats["requests_by_state"].values()) == 1


def test_reused_request_id_names_the_previous_request(emulator_factory: EmulatorFactory) -> None:
    server = emulator_factory()
    with client() as http:
        first = submit(http, server.base_url)
        server.set_scenario({"reused_request_id": {"next_n": 1}}, merge=True)
        second = submit(http, server.base_url)
        third = submit(http, server.base_url)
    assert second["request_id"] == first["request_id"]
    assert second["status_url"] == first["status_url"]
    assert third["request_id"] not in {first["request_id"], second["request_id"]}
    assert server.stats()["submits_total"] == 3  # each submit made a job all the same


def test_latency_delays_every_answer(emulator_factory: EmulatorFactory) -> None:
    server = emulator_factory({"latency": 5})
    with client() as http, pytest.raises(httpx.ReadTimeout):
        http.post(submit_url(server.base_url), json={"prompt": "x"}, timeout=0.2)


def test_probability_one_always_fires_and_zero_never(emulator_factory: EmulatorFactory) -> None:
    server = emulator_factory({"rate_limit": {"probability": 1.0, "routes": ["status"]}})
    with client() as http:
        answer = submit(http, server.base_url)
        codes = {http.get(answer["status_url"]).status_code for _ in range(5)}
        server.set_scenario({"rate_limit": {"probability": 0.0}}, merge=True)
        after = {http.get(answer["status_url"]).status_code for _ in range(5)}
    assert codes == {429}
    assert 429 not in after
