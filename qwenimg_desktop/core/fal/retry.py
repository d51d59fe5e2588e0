"""Retry and back-off policy, per call, as docs/reliability.md's retry table says.

- Every call retries 429 (honouring ``Retry-After``) and connect errors (nothing was sent).
- Reads (status, result) and cancel retry 408, 409, transport errors and *ingress* 5xx (made by
  the proxy in front of fal: no ``x-fal-request-id``).
- A status poll retries any 5xx. A result's 5xx from fal itself is the job's outcome: final
  after at most one retry.
- A 504 carrying ``X-Fal-Request-Timeout-Type`` (the start deadline expired) is never retried.
- A submit is re-sent only when it never reached the queue: a connect error, 429, 408, or once
  after an ingress 502/503 (the caller flags that job). Anything else after the request left is
  "submission unknown", never a blind re-send: fal has no idempotency key.
"""

from __future__ import annotations

import email.utils
import math
import random
import time
from dataclasses import dataclass, field
from typing import Final, Literal

import httpx

INGRESS_STATUSES: Final = frozenset({502, 503, 504})
FAL_5XX_RETRIES_ON_RESULT: Final = 1  # the result's own 5xx is the job's outcome
Call = Literal["submit", "status", "result", "cancel"]
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


def from_fal(response: httpx.Response) -> bool:
    """True when fal's own gateway made the answer (it carries ``x-fal-request-id``)."""
    return "x-fal-request-id" in response.headers


def is_ingress(response: httpx.Response) -> bool:
    """A 502/503/504 made by the proxy in front of fal: no request id, an nginx page."""
    return (
        response.status_code in INGRESS_STATUSES
        and not from_fal(response)
        and b"nginx" in response.content[:4096].lower()
    )


def is_user_timeout(response: httpx.Response) -> bool:
    """The start deadline (``X-Fal-Request-Timeout``) expired: never retried."""
    return response.status_code == 504 and bool(
        response.headers.get("x-fal-request-timeout-type")
    )


def should_retry_response(response: httpx.Response, *, call: Call, fal_5xx: int = 0) -> bool:
    """Whether an HTTP answer to ``call`` is worth another attempt.

    ``fal_5xx`` counts the 5xx answers from fal itself this call has had so far (this one
    included); a result allows :data:`FAL_5XX_RETRIES_ON_RESULT` retries of those.
    """
    code = response.status_code
    if is_user_timeout(response):
        return False
    if code == 429:
        return True
    if call == "submit":
        return code == 408  # refused before queueing; ingress 502/503: the submit decides
    if code in {408, 409}:
        return True
    if code < 500:
        return False
    if not from_fal(response) or call == "status":
        return True  # the proxy in front of fal (a read may be asked again), or a status poll
    return call == "result" and fal_5xx <= FAL_5XX_RETRIES_ON_RESULT


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
