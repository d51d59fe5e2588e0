"""Retry and back-off policy, at least as careful as fal's own Python client.

Idempotent calls (status, result, cancel, media) retry transport errors, timeouts, 408, 409, 429
and 5xx. A submit is retried only when it provably never reached the server (connect error or
connect timeout) or was refused with 429: fal has no idempotency key, so anything else after the
request left is "submission unknown", never a blind re-send.
"""

from __future__ import annotations

import email.utils
import math
import random
import time
from dataclasses import dataclass, field
from typing import Final

import httpx

RETRY_STATUSES: Final = frozenset({408, 409, 429, 500, 502, 503, 504})
MAX_RETRY_AFTER: Final = 120.0


@dataclass(frozen=True)
class RetryPolicy:
    """Attempts and exponential back-off with jitter (fal-client parity by default)."""

    max_attempts: int = 10
    base_delay: float = 0.1
    max_delay: float = 30.0
    jitter: tuple[float, float] = (0.5, 1.5)
    rng: random.Random = field(default_factory=random.Random, compare=False, repr=False)

    def delay(self, attempt: int, retry_after: float | None = None) -> float:
        """Seconds to wait before retry number ``attempt`` (1-based).

        A server's Retry-After wins over the computed back-off (capped at 120 s).
        """
        if retry_after is not None:
            return min(max(retry_after, 0.0), MAX_RETRY_AFTER)
        backoff = min(self.base_delay * (2 ** (attempt - 1)), self.max_delay)
        jittered: float = backoff * self.rng.uniform(*self.jitter)
        return min(jittered, self.max_delay)


def parse_retry_after(value: str | None, *, now: float | None = None) -> float | None:
    """Seconds from a Retry-After header (delta-seconds or HTTP-date); None if absent/invalid."""
    if not value:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        seconds = when.timestamp() - (time.time() if now is None else now)
    if math.isnan(seconds) or seconds < 0:
        return 0.0
    return min(seconds, MAX_RETRY_AFTER)


def should_retry_response(response: httpx.Response, *, idempotent: bool) -> bool:
    """Whether an HTTP answer is worth another attempt."""
    if response.status_code == 504 and response.headers.get("x-fal-request-timeout-type"):
        return False  # the user's own server-side timeout: honour it
    if not idempotent:
        return response.status_code == 429
    return response.status_code in RETRY_STATUSES


def should_retry_exception(exc: Exception, *, idempotent: bool) -> bool:
    """Whether a transport exception is worth another attempt."""
    if isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout | httpx.PoolTimeout):
        return True  # the request never left this machine
    if not idempotent:
        return False
    return isinstance(exc, httpx.TransportError)


def may_have_reached_server(exc: Exception) -> bool:
    """True when a failed POST may still have been received and acted on."""
    return not isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout | httpx.PoolTimeout)
