"""Async client of fal's Platform API (pricing, request history, billing).

A second host next to the queue, with the same ``Authorization: Key`` header and its own base
URL (configurable like the queue's, validated the same way). Its errors come as
``{"error": {"type", "message", ...}}``; they become the same typed errors as the queue's, plus
:class:`ScopeRefused` for a key that may not use a route. Every call is free and read-only, so
every call is retried like a status poll (transport faults, 408/409/429/5xx, with Retry-After
honoured), and every answer is read within bounds by the queue's ``send_bounded``.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable, Iterable
from datetime import UTC, datetime
from typing import Any, Final, TypeVar

import httpx
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from qwenimg_desktop.core.errors import (
    AuthError,
    FalError,
    MalformedResponse,
    NetworkError,
    NotFound,
    RateLimited,
    ScopeRefused,
    ServerError,
    ValidationFailed,
    register_secret,
    untrusted_tree,
)
from qwenimg_desktop.core.fal import DEFAULT_QUEUE_BASE
from qwenimg_desktop.core.fal.client import (
    DEFAULT_TIMEOUT,
    USER_AGENT,
    account_locked,
    check_key,
    send_bounded,
)
from qwenimg_desktop.core.fal.credentials import KeySource, fixed_key, key_shape_problem
from qwenimg_desktop.core.fal.limits import CALL_DEADLINE_S, MAX_RESULT_BYTES, MAX_STATUS_BYTES
from qwenimg_desktop.core.fal.retry import (
    RetryPolicy,
    parse_retry_after,
    should_retry_exception,
    should_retry_response,
)
from qwenimg_desktop.core.pricing import CachedPrice, read_prices
from qwenimg_desktop.core.urls import validate_queue_base

log = logging.getLogger("qwenimg.fal.platform")

DEFAULT_PLATFORM_BASE: Final = "https://api.fal.ai/v1"
MAX_PAGES: Final = 50
"""Pages of request history followed at most (100 items each): a bound, not a expectation."""
MAX_HISTORY_PAGE_BYTES: Final = MAX_RESULT_BYTES
"""A page of history with payloads holds up to 100 inputs and outputs."""

W = TypeVar("W", bound=BaseModel)


def platform_base_for(queue_base: str) -> str:
    """The Platform API of a queue base: fal's own for fal's queue, else ``/v1`` on the same
    origin (the emulator serves it there; a proxy in front of fal would too)."""
    if queue_base.rstrip("/") == DEFAULT_QUEUE_BASE:
        return DEFAULT_PLATFORM_BASE
    return f"{queue_base.rstrip('/')}/v1"


class _Wire(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True, hide_input_in_errors=True)


class Price(_Wire):
    """One endpoint's price: ``unit_price`` per ``unit`` (``"image"`` for these models)."""

    endpoint_id: str
    unit_price: float = Field(ge=0)
    unit: str
    currency: str = "USD"


class _PricePage(_Wire):
    prices: list[Price]
    next_cursor: str | None = None
    has_more: bool = False


class Estimate(_Wire):
    """Answer of ``POST /models/pricing/estimate``."""

    estimate_type: str
    total_cost: float = Field(ge=0)
    currency: str = "USD"


class HistoryItem(_Wire):
    """One request in ``GET /models/requests/by-endpoint``."""

    request_id: str = Field(min_length=1, max_length=200, pattern=r"^[A-Za-z0-9._:-]+$")
    endpoint_id: str
    sent_at: datetime
    started_at: datetime | None = None
    ended_at: datetime | None = None
    status_code: int | None = None
    duration: float | None = None
    json_input: dict[str, Any] | None = None
    json_output: dict[str, Any] | None = None


class _HistoryPage(_Wire):
    items: list[HistoryItem]
    next_cursor: str | None = None
    has_more: bool = False


class Credits(_Wire):
    current_balance: float
    currency: str = "USD"


class Billing(_Wire):
    """Answer of ``GET /account/billing?expand=credits`` (an admin route)."""

    username: str = ""
    credits: Credits | None = None


class PlatformClient:
    """One Platform API base, one key provider, one shared :class:`httpx.AsyncClient`."""

    def __init__(
        self,
        base: str = DEFAULT_PLATFORM_BASE,
        *,
        key: KeySource,
        retry: RetryPolicy | None = None,
        timeout: httpx.Timeout = DEFAULT_TIMEOUT,
        transport: httpx.AsyncBaseTransport | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        call_deadline: float | None = CALL_DEADLINE_S,
    ) -> None:
        self.base = validate_queue_base(base)
        self._key = key
        self.retry = retry or RetryPolicy(max_attempts=5)
        self._sleep = sleep
        self.call_deadline = call_deadline
        self._http = httpx.AsyncClient(
            timeout=timeout, transport=transport, headers={"User-Agent": USER_AGENT},
            follow_redirects=False,
        )

    def __repr__(self) -> str:
        return f"<PlatformClient base={self.base}>"

    async def aclose(self) -> None:
        await self._http.aclose()

    # ---- routes -------------------------------------------------------------------------------

    async def pricing(self, endpoint_ids: Iterable[str]) -> dict[str, Price]:
        """Prices of up to 50 endpoints, by endpoint id (an unknown id is simply absent)."""
        ids = sorted(set(endpoint_ids))
        if not 1 <= len(ids) <= 50:
            raise ValueError("pricing takes 1 to 50 endpoint ids")
        out: dict[str, Price] = {}
        cursor: str | None = None
        for _ in range(MAX_PAGES):
            params: dict[str, Any] = {"endpoint_id": ",".join(ids)}
            if cursor:
                params["cursor"] = cursor
            page = await self._call(_PricePage, "GET", "/models/pricing", "prices", params=params)
            out.update((price.endpoint_id, price) for price in page.prices)
            cursor = page.next_cursor if page.has_more else None
            if not cursor:
                break
        return out

    async def estimate(self, images_by_endpoint: dict[str, int]) -> Estimate:
        """Unit price × quantity summed over endpoints, as fal computes it (free)."""
        body = {
            "estimate_type": "unit_price",
            "endpoints": {eid: {"unit_quantity": n} for eid, n in images_by_endpoint.items()},
        }
        return await self._call(Estimate, "POST", "/models/pricing/estimate", "estimate",
                                json=body)

    async def requests_by_endpoint(
        self, endpoint_id: str, *, start: datetime, payloads: bool = True,
        request_id: str | None = None,
    ) -> list[HistoryItem]:
        """Every request of ``endpoint_id`` since ``start``, following ``next_cursor`` to the end
        (at most :data:`MAX_PAGES` pages).

        Raises:
            ScopeRefused: the key may not read request history.
        """
        items: list[HistoryItem] = []
        cursor: str | None = None
        for _ in range(MAX_PAGES):
            params: dict[str, Any] = {
                "endpoint_id": endpoint_id,
                "start": start.astimezone(UTC).isoformat().replace("+00:00", "Z"),
                "limit": 100,
            }
            if payloads:
                params["expand"] = "payloads"
            if request_id:
                params["request_id"] = request_id
            if cursor:
                params["cursor"] = cursor
            page = await self._call(
                _HistoryPage, "GET", "/models/requests/by-endpoint", "request history",
                params=params, limit=MAX_HISTORY_PAGE_BYTES,
            )
            items.extend(page.items)
            cursor = page.next_cursor if page.has_more else None
            if not cursor:
                break
        return items

    async def billing(self) -> Billing:
        """The account's balance (needs an admin-scoped key, else :class:`ScopeRefused`)."""
        return await self._call(Billing, "GET", "/account/billing", "billing",
                                params={"expand": "credits"})

    # ---- plumbing -----------------------------------------------------------------------------

    async def _auth(self) -> dict[str, str]:
        key = await self._key()
        if not key:
            raise AuthError("no fal API key is set")
        register_secret(key)
        if problem := key_shape_problem(key):
            raise AuthError(problem)
        return {"Authorization": f"Key {key}"}

    async def _call(
        self, model: type[W], method: str, path: str, what: str, *,
        params: dict[str, Any] | None = None, json: Any = None, limit: int = MAX_STATUS_BYTES,
    ) -> W:
        url = f"{self.base}{path}"
        attempt = 0
        while True:
            attempt += 1
            headers = await self._auth()
            try:
                response = await send_bounded(
                    self._http, method, url, limit=limit, what=what,
                    deadline=self.call_deadline, params=params, json=json, headers=headers,
                )
            except httpx.HTTPError as exc:
                if should_retry_exception(exc, idempotent=True) and (
                    attempt < self.retry.max_attempts
                ):
                    await self._backoff(attempt, None)
                    continue
                raise NetworkError(
                    f"fal's platform API did not answer ({exc.__class__.__name__})"
                ) from None
            if response.is_success:
                return parse_platform(model, response.content, what)
            if should_retry_response(response, call="status") and (
                attempt < self.retry.max_attempts
            ):
                await self._backoff(attempt, response)
                continue
            raise platform_error(response)

    async def _backoff(self, attempt: int, response: httpx.Response | None) -> None:
        retry_after = parse_retry_after(response.headers.get("retry-after")) if response else None
        delay = self.retry.delay(attempt, retry_after)
        log.info("platform API retry %d in %.2f s", attempt, delay)
        await self._sleep(delay)


def parse_platform(model: type[W], raw: bytes, what: str) -> W:
    """Validate a Platform API answer; every string redacted and made valid text."""
    try:
        return model.model_validate(untrusted_tree(json.loads(raw)))
    except (ValueError, UnicodeDecodeError, RecursionError, ValidationError):
        raise MalformedResponse(f"fal's platform API sent an unreadable {what}") from None


def platform_error(response: httpx.Response) -> FalError:
    """Map a Platform API error (``{"error": {"type", "message"}}``, or the queue's ``detail``
    shape from a proxy in front of it) to a typed error."""
    code = response.status_code
    error_type, message = "", ""
    try:
        data = untrusted_tree(json.loads(response.content))
    except (ValueError, UnicodeDecodeError, RecursionError):
        data = None
    if isinstance(data, dict):
        error = data.get("error")
        if isinstance(error, dict):
            error_type = str(error.get("type") or "")
            message = str(error.get("message") or "")
        elif isinstance(data.get("detail"), str):
            message = data["detail"]
    message = message[:300] or response.reason_phrase or f"HTTP {code}"
    if locked := account_locked(code, message):
        return locked
    if code == 401 and "admin" not in message.lower():
        return AuthError(f"fal rejected the API key (HTTP 401): {message}")
    if code in {401, 403}:
        return ScopeRefused(f"this fal key may not use that (HTTP {code}): {message}")
    if code == 429:
        return RateLimited(f"rate limited by fal's platform API: {message}",
                           parse_retry_after(response.headers.get("retry-after")))
    if code == 404:
        return NotFound(f"not found at fal: {message}")
    if code in {400, 422}:
        return ValidationFailed(f"fal's platform API refused the query: {message}")
    if code >= 500:
        return ServerError(f"fal's platform API failed (HTTP {code}): {message}", code)
    return FalError(f"fal's platform API answered HTTP {code} ({error_type or 'error'}): "
                    f"{message}")


async def _prices_with_key(base: str, key: str, endpoint_ids: list[str], limit: float
                           ) -> dict[str, Price]:
    client = PlatformClient(base, key=fixed_key(key), retry=RetryPolicy(max_attempts=2),
                            timeout=httpx.Timeout(limit, connect=min(limit, 10.0)))
    try:
        return await client.pricing(endpoint_ids)
    finally:
        await client.aclose()


async def _read_with_key(base: str, key: str, endpoint_ids: list[str], limit: float
                         ) -> list[CachedPrice]:
    client = PlatformClient(base, key=fixed_key(key), retry=RetryPolicy(max_attempts=2),
                            timeout=httpx.Timeout(limit, connect=min(limit, 10.0)))
    try:
        return await read_prices(client, endpoint_ids)
    finally:
        await client.aclose()


def prices_with_key(queue_base: str, key: str, endpoint_ids: list[str],
                    timeout: float = 10.0) -> list[CachedPrice]:
    """fal's prices of ``endpoint_ids`` now, stamped with the time read (for the cache).
    Blocking: use off the GUI thread.

    Raises:
        FalError: fal could not be asked (offline, a refused key, ...).
    """
    register_secret(key)
    return asyncio.run(_read_with_key(platform_base_for(queue_base), key, endpoint_ids,
                                      timeout))


def check_key_with_prices(queue_base: str, key: str, endpoint_ids: list[str],
                          timeout: float = 10.0) -> str:
    """Test a key with an authenticated, free call (``GET /models/pricing``) and say what it
    proved; where no Platform API answers (404), fall back to the queue's check. Blocking: use
    off the GUI thread.

    Raises:
        AuthError: the key is rejected. NetworkError / ServerError: fal could not say.
    """
    register_secret(key)
    try:
        prices = asyncio.run(_prices_with_key(platform_base_for(queue_base), key,
                                              endpoint_ids, timeout))
    except NotFound:
        check_key(queue_base, key)
        return "The key works: fal's queue accepted it."
    shown = ", ".join(f"{p.endpoint_id.removeprefix('fal-ai/')} ${p.unit_price:g}/{p.unit}"
                      for p in prices.values())
    return ("The key works: fal accepted it for an authenticated price lookup"
            + (f" ({shown})." if shown else "."))
