"""Retry policy: back-off shape, Retry-After, and what is retried for which call."""

from __future__ import annotations

import email.utils
import random

import httpx
import pytest

from qwenimg_desktop.core.fal.retry import (
    Call,
    RetryPolicy,
    is_ingress,
    is_user_timeout,
    may_have_reached_server,
    parse_retry_after,
    should_retry_exception,
    should_retry_response,
)


def test_backoff_grows_exponentially_with_jitter_and_cap() -> None:
    policy = RetryPolicy(rng=random.Random(1))
    for attempt in range(1, 15):
        base = min(0.1 * 2 ** (attempt - 1), 30.0)
        delay = policy.delay(attempt)
        assert 0.5 * base <= delay <= min(1.5 * base, 30.0)


def test_retry_after_wins_and_is_capped() -> None:
    policy = RetryPolicy()
    assert policy.delay(1, retry_after=2.5) == 2.5
    assert policy.delay(1, retry_after=10_000) == 120.0


def test_parse_retry_after_forms() -> None:
    assert parse_retry_after("3") == 3.0
    assert parse_retry_after(None) is None
    assert parse_retry_after("soon") is None
    date = email.utils.formatdate(1_000_010, usegmt=True)
    assert parse_retry_after(date, now=1_000_000) == pytest.approx(10, abs=1)
    assert parse_retry_after("-5") == 0.0


NGINX = b"<html><center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center></html>"
FAL = {"x-fal-request-id": "r-1"}


def _response(code: int, headers: dict[str, str] | None = None,
              content: bytes = b"") -> httpx.Response:
    return httpx.Response(code, headers=headers or {}, content=content)


@pytest.mark.parametrize("call", ["status", "result", "cancel"])
@pytest.mark.parametrize("code", [408, 409, 429])
def test_reads_and_cancel_retry_408_409_429(code: int, call: Call) -> None:
    assert should_retry_response(_response(code, FAL), call=call)


@pytest.mark.parametrize("call", ["submit", "status", "result", "cancel"])
@pytest.mark.parametrize("code", [502, 503, 504])
def test_ingress_5xx_is_retried_except_on_submit(code: int, call: Call) -> None:
    """The submit decides itself: an ingress 502/503 is re-sent once, a 504 never."""
    response = _response(code, content=NGINX)
    assert is_ingress(response)
    assert should_retry_response(response, call=call) is (call != "submit")


@pytest.mark.parametrize("code", [500, 502, 503, 504])
def test_status_polls_retry_any_5xx(code: int) -> None:
    assert should_retry_response(_response(code, FAL), call="status")


@pytest.mark.parametrize("code", [500, 502, 503, 504])
def test_a_results_own_5xx_is_final_after_one_retry(code: int) -> None:
    response = _response(code, FAL)
    assert should_retry_response(response, call="result", fal_5xx=1)
    assert not should_retry_response(response, call="result", fal_5xx=2)


@pytest.mark.parametrize("call", ["submit", "cancel"])
def test_fals_own_5xx_is_an_answer_for_submit_and_cancel(call: Call) -> None:
    assert not should_retry_response(_response(500, FAL), call=call)


@pytest.mark.parametrize("code", [400, 401, 403, 404, 422])
def test_client_errors_are_final(code: int) -> None:
    assert not should_retry_response(_response(code, FAL), call="status")


@pytest.mark.parametrize(("code", "retry"), [(429, True), (408, True), (409, False),
                                             (500, False), (503, False)])
def test_what_a_submit_retries(code: int, retry: bool) -> None:
    assert should_retry_response(_response(code, FAL), call="submit") is retry


@pytest.mark.parametrize("call", ["submit", "status", "result", "cancel"])
def test_user_timeout_504_is_never_retried(call: Call) -> None:
    response = _response(504, {"x-fal-request-timeout-type": "user"})
    assert is_user_timeout(response)
    assert not should_retry_response(response, call=call)


def test_a_5xx_without_nginx_is_not_ingress() -> None:
    assert not is_ingress(_response(502, content=b"Bad Gateway"))
    assert not is_ingress(_response(502, FAL, content=NGINX))


def test_submit_transport_errors() -> None:
    request = httpx.Request("POST", "https://example.invalid/")
    connect = httpx.ConnectError("refused", request=request)
    read = httpx.ReadTimeout("slow", request=request)
    closed = httpx.RemoteProtocolError("closed", request=request)
    assert should_retry_exception(connect, idempotent=False)
    assert not may_have_reached_server(connect)
    for exc in (read, closed):
        assert not should_retry_exception(exc, idempotent=False)
        assert may_have_reached_server(exc)
        assert should_retry_exception(exc, idempotent=True)
