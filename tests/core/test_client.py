"""The queue client against the real loopback emulator, including every injected fault."""

from __future__ import annotations

import time
from typing import Any

import pytest

from qwenimg_desktop.core.errors import (
    AuthError,
    MalformedResponse,
    NetworkError,
    NotFound,
    SubmissionUnknown,
    UserError,
    ValidationFailed,
)
from qwenimg_desktop.core.fal.client import (
    CancelOutcome,
    QueueClient,
    check_key,
)
from qwenimg_desktop.core.fal.credentials import fixed_key
from qwenimg_desktop.core.fal.protocol import QueueStatus, SubmitResponse
from qwenimg_desktop.core.fal.retry import RetryPolicy
from qwenimg_desktop.core.params import GenerationRequest
from qwenimg_desktop.core.urls import validate_queue_base
from tests.core.helpers import FAST_RETRY, TEST_KEY, run
from tests.fixtures.emulator import EmulatorFactory

REQUEST = GenerationRequest(prompt="a red fox, 一只狐狸", seed=7)


def _client(base: str, key: str = TEST_KEY, **kwargs: Any) -> QueueClient:
    return QueueClient(base, key=fixed_key(key), retry=kwargs.pop("retry", FAST_RETRY), **kwargs)


async def _submit_and_finish(
    client: QueueClient, request: GenerationRequest = REQUEST, *, use_stream: bool = True
) -> tuple[list[QueueStatus], Any]:
    seen: list[QueueStatus] = []

    async def record(status: QueueStatus) -> None:
        seen.append(status)

    try:
        sub = await client.submit(request, job_id="job-1")
        final = await client.watch(
            sub.request_id, record, use_stream=use_stream, poll_interval=0.02
        )
        assert final.status == "COMPLETED"
        return seen, await client.result(sub.request_id)
    finally:
        await client.aclose()


@pytest.mark.parametrize("use_stream", [True, False])
def test_submit_watch_result(emulator_factory: EmulatorFactory, use_stream: bool) -> None:
    server = emulator_factory()
    client = _client(server.base_url)
    seen, result = run(_submit_and_finish(client, use_stream=use_stream))
    names = [s.status for s in seen]
    assert names[-1] == "COMPLETED"
    assert "IN_PROGRESS" in names
    assert any(s.logs for s in seen)
    assert result.seed == 7
    assert len(result.images) == 1
    assert server.stats()["submits_by_job_id"] == {"job-1": 1}
    assert client.stats.stream_fallbacks == 0


def test_wrong_key_is_an_auth_error_without_the_key(emulator_factory: EmulatorFactory) -> None:
    server = emulator_factory(valid_keys={TEST_KEY})
    wrong = "wrong-id:ffffffffffffffffffffffffffffffff"
    with pytest.raises(AuthError) as info:
        run(_submit_and_finish(_client(server.base_url, key=wrong)))
    assert wrong not in str(info.value)
    assert "ffffffff" not in repr(info.value.args)


def test_no_key_is_an_auth_error_before_any_request(emulator_factory: EmulatorFactory) -> None:
    server = emulator_factory()
    with pytest.raises(AuthError, match="no fal API key"):
        run(_submit_and_finish(_client(server.base_url, key="")))
    assert server.stats()["submits_total"] == 0


@pytest.mark.parametrize("carries_error", [True, False])
def test_422_on_the_result_carries_field_paths(
    emulator_factory: EmulatorFactory, carries_error: bool
) -> None:
    """fal accepts the submit and fails the run: the 422 comes with the result, and the
    client reads it the same whether the COMPLETED status carried ``error`` or not."""
    server = emulator_factory({"completed_carries_error": carries_error})
    bad = GenerationRequest.model_construct(
        **{**REQUEST.model_dump(), "negative_prompt": "x" * 600, "num_images": 99}
    )
    with pytest.raises(ValidationFailed) as info:
        run(_submit_and_finish(_client(server.base_url), bad))
    assert {f.path for f in info.value.fields} == {"negative_prompt", "num_images"}
    assert "negative_prompt: String should have at most 500 characters" in info.value.message
    assert server.stats()["submits_total"] == 1
    assert len(server.requests("result")) == 1  # a 422 is an answer, never retried


def test_429_on_submit_is_retried_without_duplicates(emulator_factory: EmulatorFactory) -> None:
    server = emulator_factory(
        {"rate_limit": {"next_n": 2, "routes": ["submit"], "retry_after": 0.02}}
    )
    client = _client(server.base_url)
    _, result = run(_submit_and_finish(client))
    assert result.images
    stats = server.stats()
    assert stats["submits_total"] == 1
    assert client.stats.retries >= 2


@pytest.mark.parametrize(("status_code", "ingress"), [(500, False), (503, False), (504, True)])
def test_5xx_on_submit_is_unknown_never_resent(
    emulator_factory: EmulatorFactory, status_code: int, ingress: bool
) -> None:
    """fal's own 5xx, or an ingress 504 (the proxy had forwarded it): the outcome is unknown."""
    server = emulator_factory({"server_error": {
        "next_n": 1, "routes": ["submit"], "status": status_code, "ingress": ingress}})
    with pytest.raises(SubmissionUnknown):
        run(_submit_and_finish(_client(server.base_url)))
    assert server.stats()["submit_attempts"] == 1


@pytest.mark.parametrize("status_code", [502, 503])
def test_an_ingress_502_503_on_submit_is_resent_once_and_flagged(
    emulator_factory: EmulatorFactory, status_code: int
) -> None:
    server = emulator_factory({"server_error": {
        "next_n": 1, "routes": ["submit"], "status": status_code, "ingress": True}})
    client = _client(server.base_url)

    async def go() -> SubmitResponse:
        try:
            return await client.submit(REQUEST)
        finally:
            await client.aclose()

    assert run(go()).resent_after_ingress == status_code
    assert [r["status"] for r in server.requests("submit")] == [status_code, 200]


def test_a_second_ingress_5xx_on_submit_is_unknown(emulator_factory: EmulatorFactory) -> None:
    server = emulator_factory({"server_error": {
        "next_n": 2, "routes": ["submit"], "status": 502, "ingress": True}})
    with pytest.raises(SubmissionUnknown):
        run(_submit_and_finish(_client(server.base_url)))
    assert server.stats()["submit_attempts"] == 2  # re-sent once, never twice


def test_lost_submit_answer_is_unknown(emulator_factory: EmulatorFactory) -> None:
    server = emulator_factory({"submit_lost": {"next_n": 1}})
    with pytest.raises(SubmissionUnknown, match="may have reached"):
        run(_submit_and_finish(_client(server.base_url)))
    stats = server.stats()
    assert stats["submits_total"] == 1  # the server did queue it: exactly why we never resend


def test_connection_refused_submit_is_a_network_error() -> None:
    client = _client("http://127.0.0.1:9", retry=RetryPolicy(max_attempts=2, base_delay=0.01))
    with pytest.raises(NetworkError, match="could not reach"):
        run(_submit_and_finish(client))


@pytest.mark.parametrize(
    "fault",
    [
        {"server_error": {"next_n": 3, "routes": ["status", "result"], "status": 502}},
        {"server_error": {"next_n": 2, "routes": ["status"], "status": 500}},
        {"rate_limit": {"next_n": 2, "routes": ["status", "result"], "retry_after": 0.01}},
        {"malformed_json": {"next_n": 2, "routes": ["status", "result"]}},
        {"slow_first_byte": {"next_n": 2, "routes": ["status", "stream"], "delay": 0.2}},
    ],
    ids=["ingress-502", "500", "429", "malformed", "slow"],
)
def test_transient_faults_recover(emulator_factory: EmulatorFactory, fault: dict[str, Any]) -> None:
    server = emulator_factory(fault)
    _, result = run(_submit_and_finish(_client(server.base_url), use_stream=False))
    assert result.images
    assert sum(server.stats()["faults_fired"].values()) >= 1
    assert server.stats()["submits_total"] == 1


def test_dropped_stream_falls_back_to_polling(emulator_factory: EmulatorFactory) -> None:
    server = emulator_factory({"dropped_stream": {"next_n": 1, "after_events": 1}})
    client = _client(server.base_url)
    _, result = run(_submit_and_finish(client))
    assert result.images
    assert client.stats.stream_fallbacks == 1


def test_persistent_malformed_status_is_typed(emulator_factory: EmulatorFactory) -> None:
    server = emulator_factory({"malformed_json": {"probability": 1.0, "routes": ["status"]}})
    client = _client(server.base_url, retry=RetryPolicy(max_attempts=3, base_delay=0.01))
    with pytest.raises(MalformedResponse):
        run(_submit_and_finish(client, use_stream=False))


def test_cancel_outcomes(emulator_factory: EmulatorFactory) -> None:
    server = emulator_factory({"queue_delay": 30.0})
    client = _client(server.base_url)

    async def go() -> tuple[CancelOutcome, CancelOutcome, QueueStatus]:
        try:
            sub = await client.submit(REQUEST)
            first = await client.cancel(sub.request_id)
            status = await client.status(sub.request_id)
            unknown = await client.cancel("no-such-request")
            return first, unknown, status
        finally:
            await client.aclose()

    first, unknown, status = run(go())
    assert first is CancelOutcome.requested
    assert unknown is CancelOutcome.not_found
    assert status.status == "COMPLETED"
    assert status.failed  # a cancelled queued request reports COMPLETED with an error


def test_cancel_after_completion(emulator_factory: EmulatorFactory) -> None:
    server = emulator_factory()
    client = _client(server.base_url)

    async def go() -> CancelOutcome:
        try:
            sub = await client.submit(REQUEST)
            await client.watch(sub.request_id, _ignore, poll_interval=0.02)
            return await client.cancel(sub.request_id)
        finally:
            await client.aclose()

    assert run(go()) is CancelOutcome.already_completed


async def _ignore(_status: QueueStatus) -> None:
    return None


def test_unknown_request_status_is_not_found(emulator_factory: EmulatorFactory) -> None:
    server = emulator_factory()
    client = _client(server.base_url)

    async def go() -> None:
        try:
            await client.status("does-not-exist")
        finally:
            await client.aclose()

    with pytest.raises(NotFound):
        run(go())


def test_check_key(emulator_factory: EmulatorFactory) -> None:
    server = emulator_factory(valid_keys={TEST_KEY})
    check_key(server.base_url, TEST_KEY, timeout=5)
    with pytest.raises(AuthError):
        check_key(server.base_url, "bad:key", timeout=5)


@pytest.mark.parametrize(
    "url",
    ["ftp://x", "http://example.com", "https://user:pw@queue.fal.run", "queue.fal.run", ""],
)
def test_queue_base_validation(url: str) -> None:
    with pytest.raises(UserError):
        validate_queue_base(url)


def test_queue_base_accepts_https_and_loopback_http() -> None:
    assert validate_queue_base("https://queue.fal.run/") == "https://queue.fal.run"
    assert validate_queue_base("http://127.0.0.1:8080") == "http://127.0.0.1:8080"
    assert validate_queue_base("http://localhost:1") == "http://localhost:1"


def test_a_stalled_stream_is_dropped_and_the_job_goes_on_by_polling(
    emulator_factory: EmulatorFactory,
) -> None:
    """Nothing at all (no keep-alive comment either) for the stall limit: polling takes over
    long before httpx's 120 s read timeout would notice."""
    server = emulator_factory({"queue_delay": 0, "run_time": 1.0, "keepalive": 0.1,
                               "stalled_stream": {"next_n": 1, "after_events": 1, "delay": 60}})
    client = _client(server.base_url, stream_stall=0.5)
    started = time.monotonic()
    _, result = run(_submit_and_finish(client))
    assert result.images
    assert time.monotonic() - started < 10
    assert client.stats.stream_stalls == 1
    assert client.stats.stream_fallbacks == 1
    assert len(server.requests("stream")) == 1
    assert server.requests("status")  # polled after the stall


def test_keep_alive_comments_keep_a_quiet_stream_open(emulator_factory: EmulatorFactory) -> None:
    """A stream with no event for longer than the stall limit, but with keep-alive comments,
    is not stalled."""
    server = emulator_factory({"queue_delay": 0, "run_time": 1.2, "log_steps": 0,
                               "keepalive": 0.1})
    client = _client(server.base_url, stream_stall=0.4)
    _, result = run(_submit_and_finish(client))
    assert result.images
    assert client.stats.stream_stalls == 0
    assert client.stats.stream_fallbacks == 0
    assert server.requests("status") == []


@pytest.mark.parametrize("key", ["nocolon", ":secret", "id:"])
def test_a_malformed_key_is_refused_before_any_request(
    emulator_factory: EmulatorFactory, key: str
) -> None:
    server = emulator_factory()
    with pytest.raises(AuthError, match=r"<key_id>:<key_secret>") as caught:
        run(_submit_and_finish(_client(server.base_url, key=key)))
    assert key not in caught.value.message
    assert server.requests() == []
