"""Retry policy: back-off shape, Retry-After, and what is retried for which call."""

from __future__ import annotations

import email.utils
import random

import httpx
import pytest

from qwenimg_desktop.core.fal.retry import (
    RetryPolicy,
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


def _response(code: int, headers: dict[str, str] | None = None) -> httpx.Response:
    return httpx.Response(code, headers=headers or {})


@pytest.mark.parametrize("code", [408, 409, 429, 500, 502, 503, 504])
def test_idempotent_calls_retry_transient_statuses(code: int) -> None:
    assert should_retry_response(_response(code), idempotent=True)


@pytest.mark.parametrize("code", [400, 401, 403, 404, 422])
def test_client_errors_are_final(code: int) -> None:
    assert not should_retry_response(_response(code), idempotent=True)


@pytest.mark.parametrize(("code", "retry"), [(429, True), (500, False), (503, False), (408, False)])
def test_submit_retries_only_429(code: int, retry: bool) -> None:
    assert should_retry_response(_response(code), idempotent=False) is retry


def test_user_timeout_504_is_honoured() -> None:
    response = _response(504, {"x-fal-request-timeout-type": "user"})
    assert not should_retry_response(response, idempotent=True)


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
