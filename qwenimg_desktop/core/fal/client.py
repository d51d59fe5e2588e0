"""Async client of fal's queue API: submit, status, streamed status, result, cancel.

Status, result and cancel URLs are built from the validated request id and the configured queue
base (docs/reliability.md, Rules: the key goes only to the configured queue). Every answer is
validated by ``core.fal.protocol``; every failure becomes a typed :mod:`core.errors` exception.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Final, TypeVar

import httpx
import httpx_sse

from qwenimg_desktop import APP_ID, __version__
from qwenimg_desktop.core.errors import (
    AccountLocked,
    AuthError,
    FalError,
    MalformedResponse,
    NetworkError,
    NotFound,
    RateLimited,
    RequestFailed,
    ServerError,
    SubmissionUnknown,
    ValidationFailed,
    register_secret,
)
from qwenimg_desktop.core.fal import DEFAULT_QUEUE_BASE
from qwenimg_desktop.core.fal.credentials import KeySource, fixed_key, key_shape_problem
from qwenimg_desktop.core.fal.failures import result_failure
from qwenimg_desktop.core.fal.limits import (
    CALL_DEADLINE_S,
    MAX_ERROR_BYTES,
    MAX_RESULT_BYTES,
    MAX_SSE_LINE_BYTES,
    MAX_STATUS_BYTES,
    read_capped,
    sse_data,
)
from qwenimg_desktop.core.fal.protocol import (
    GenerationResult,
    QueueStatus,
    SubmitResponse,
    parse_error_body,
    parse_model,
    request_urls,
    submit_url,
)
from qwenimg_desktop.core.fal.retry import (
    Call,
    RetryPolicy,
    from_fal,
    is_ingress,
    may_have_reached_server,
    parse_retry_after,
    should_retry_exception,
    should_retry_response,
)
from qwenimg_desktop.core.params import GenerationRequest
from qwenimg_desktop.core.urls import validate_queue_base

log = logging.getLogger("qwenimg.fal")

USER_AGENT: Final = f"{APP_ID}/{__version__}"
JOB_ID_HEADER: Final = "X-Qwenimg-Job-Id"
DEFAULT_TIMEOUT: Final = httpx.Timeout(120.0, connect=30.0)
# fal sends an SSE comment every 15 s; a stream silent for three intervals is stalled.
STREAM_STALL_S: Final = 45.0
StatusCallback = Callable[[QueueStatus], Awaitable[None]]
M = TypeVar("M", QueueStatus, GenerationResult)


class CancelOutcome(StrEnum):
    """What the queue said to a cancel."""

    requested = "requested"
    already_completed = "already_completed"
    not_found = "not_found"


class StreamUnavailable(Exception):
    """The status stream was refused or dropped before COMPLETED: fall back to polling."""


@dataclass
class ClientStats:
    """Counters for diagnostics and benchmarks."""

    retries: int = 0
    stream_fallbacks: int = 0
    stream_stalls: int = 0


class QueueClient:
    """One queue base, one key provider, two :class:`httpx.AsyncClient` pools: one for requests,
    one for status streams (see ``__init__``).

    ``key`` is awaited each time a request is built (see ``credentials.KeyProvider``).
    ``stream_stall`` is how long the status stream may send nothing at all (not even a
    keep-alive comment) before it is dropped for polling.
    """

    def __init__(
        self,
        base: str = DEFAULT_QUEUE_BASE,
        *,
        key: KeySource,
        retry: RetryPolicy | None = None,
        timeout: httpx.Timeout = DEFAULT_TIMEOUT,
        transport: httpx.AsyncBaseTransport | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        call_deadline: float | None = CALL_DEADLINE_S,
        stream_stall: float = STREAM_STALL_S,
    ) -> None:
        self.base = validate_queue_base(base)
        self.call_deadline = call_deadline
        self._key = key
        self.stream_stall = stream_stall
        self.retry = retry or RetryPolicy()
        self._sleep = sleep
        self.stats = ClientStats()
        self._reads_ahead: set[asyncio.Task[None]] = set()
        limits = httpx.Limits(max_connections=64, max_keepalive_connections=32)

        def pool() -> httpx.AsyncClient:
            return httpx.AsyncClient(timeout=timeout, limits=limits, transport=transport,
                                     headers={"User-Agent": USER_AGENT}, follow_redirects=False)

        self._http = pool()
        # Status streams have their own connections: fal closes a stream's connection after
        # COMPLETED, so a stream that took the submit's idle connection left the pool empty and
        # every result GET opened a new one (on fal: TCP + TLS, after the job is done). With
        # its own pool, the result GET finds the submit's connection still open (idle
        # connections are kept 5 s).
        self._streams = pool()

    def __repr__(self) -> str:
        return f"<QueueClient base={self.base}>"

    async def aclose(self) -> None:
        """Close the connection pool."""
        for task in self._reads_ahead:
            task.cancel()
        await self._streams.aclose()
        await self._http.aclose()

    def read_key_ahead(self) -> None:
        """Start reading the key now, while a new job's journal write is under way: its submit
        then finds the key read instead of waiting for the key store (in the window, a round
        trip to the window's process) after the journal's fsync. Nothing is sent; a failed read
        is read again, and reported, by the submit itself."""
        task = asyncio.ensure_future(self._key_quietly())
        self._reads_ahead.add(task)
        task.add_done_callback(self._reads_ahead.discard)

    async def _key_quietly(self) -> None:
        try:
            await self._key()
        except Exception:  # the submit reads it again and says why
            log.debug("reading the key ahead failed", exc_info=True)

    # ---- requests ---------------------------------------------------------------------------

    async def _auth(self) -> dict[str, str]:
        """The Authorization header, from a key read now; a key of the wrong shape is refused
        here, before anything is sent."""
        key = await self._key()
        if not key:
            raise AuthError("no fal API key is set")
        register_secret(key)
        if problem := key_shape_problem(key):
            raise AuthError(problem)
        return {"Authorization": f"Key {key}"}

    async def submit(
        self,
        request: GenerationRequest,
        *,
        job_id: str | None = None,
        webhook: str | None = None,
    ) -> SubmitResponse:
        """POST the request. Re-sent only when it cannot have reached the queue (connect error,
        429, 408) or once after an ingress 502/503 (the answer then says so).

        ``webhook`` asks fal to POST the outcome there too (``fal_webhook``); it never replaces
        watching the job.

        Raises:
            SubmissionUnknown: the request may have been received but no valid answer came.
        """
        body = request.to_api_payload()
        url = submit_url(self.base, request.endpoint)
        params = {"fal_webhook": webhook} if webhook else None
        attempt = 0
        resent_after: int | None = None
        while True:
            attempt += 1
            headers = await self._auth()
            if job_id:
                headers[JOB_ID_HEADER] = job_id
            try:
                response = await self._send(
                    "POST", url, MAX_STATUS_BYTES, "submit answer",
                    json=body, headers=headers, params=params,
                )
            except MalformedResponse as exc:  # too large, or not HTTP we can follow
                raise SubmissionUnknown(
                    f"fal answered the submit but its answer was unreadable ({exc})"
                ) from None
            except httpx.HTTPError as exc:
                if (
                    should_retry_exception(exc, idempotent=False)
                    and attempt < self.retry.max_attempts
                ):
                    await self._backoff(attempt, None, exc)
                    continue
                if may_have_reached_server(exc):
                    raise SubmissionUnknown(
                        f"the submit may have reached fal but no answer came ({_describe(exc)})"
                    ) from None
                raise NetworkError(f"could not reach the queue: {_describe(exc)}") from None
            if attempt < self.retry.max_attempts and should_retry_response(
                response, call="submit"
            ):
                await self._backoff(attempt, response, None)
                continue
            if (
                resent_after is None
                and response.status_code in {502, 503}
                and is_ingress(response)
            ):
                # fal's proxy could not reach the queue: most likely never queued. Re-sent
                # once, and the job is flagged so a duplicate can be checked for.
                resent_after = response.status_code
                await self._backoff(attempt, response, None)
                continue
            if response.is_success:
                return _submit_answer(response, resent_after)
            if response.status_code >= 500:
                raise SubmissionUnknown(
                    f"fal answered the submit with HTTP {response.status_code}; it may or may not "
                    "have been queued"
                )
            raise error_from_response(response)

    async def status(self, request_id: str, *, logs: bool = True) -> QueueStatus:
        """One status poll."""
        url = request_urls(self.base, request_id)["status_url"]
        return await self._get_model(
            QueueStatus, url, "status", {"logs": int(logs)}, limit=MAX_STATUS_BYTES
        )

    async def stream_status(
        self, request_id: str, *, logs: bool = True
    ) -> AsyncIterator[QueueStatus]:
        """Follow the SSE status stream until COMPLETED.

        A stream that sends no byte at all (not even a keep-alive comment) for
        ``stream_stall`` seconds is dropped as stalled.

        Raises:
            StreamUnavailable: refused, broken, stalled or ended early; the caller polls.
        """
        url = request_urls(self.base, request_id)["stream_url"]
        headers = await self._auth()
        timeout = httpx.Timeout(self.stream_stall, connect=DEFAULT_TIMEOUT.connect)
        try:
            async with httpx_sse.aconnect_sse(
                self._streams,
                "GET",
                url,
                params={"logs": int(logs)},
                headers=headers,
                timeout=timeout,
            ) as source:
                response = source.response
                if response.status_code in {401, 403, 404}:
                    await response.aread()
                    raise error_from_response(response)
                if not response.is_success:
                    raise StreamUnavailable(f"HTTP {response.status_code}")
                if "text/event-stream" not in response.headers.get("content-type", ""):
                    raise StreamUnavailable("the status stream is not an event stream")
                async for data in sse_data(response, MAX_SSE_LINE_BYTES):
                    status = parse_model(QueueStatus, data, what="status event")
                    yield status
                    if status.status == "COMPLETED":
                        return
        except httpx.ReadTimeout:
            self.stats.stream_stalls += 1
            raise StreamUnavailable(
                f"the stream sent nothing for {self.stream_stall:g} s (stalled)"
            ) from None
        except (httpx.HTTPError, httpx_sse.SSEError, MalformedResponse) as exc:
            raise StreamUnavailable(_describe(exc)) from None
        raise StreamUnavailable("the stream ended before the request completed")

    async def watch(
        self,
        request_id: str,
        on_status: StatusCallback,
        *,
        use_stream: bool = True,
        poll_interval: float = 0.2,
    ) -> QueueStatus:
        """Report every status to ``on_status`` until COMPLETED, which is returned.

        Uses the stream when it works; falls back to polling (and back-off on errors) when not.
        """
        if use_stream:
            try:
                async for status in self.stream_status(request_id):
                    await on_status(status)
                    if status.status == "COMPLETED":
                        return status
            except StreamUnavailable as exc:
                self.stats.stream_fallbacks += 1
                log.info("status stream for %s unavailable (%s); polling", request_id, exc)
        while True:
            status = await self.status(request_id)
            await on_status(status)
            if status.status == "COMPLETED":
                return status
            await self._sleep(poll_interval)

    async def result(
        self, request_id: str, *, limit: int = MAX_RESULT_BYTES
    ) -> GenerationResult:
        """Fetch the output of a completed request (a body over ``limit`` bytes is refused).

        Raises:
            ValidationFailed: a model error (422), with each field's path and message.
            InfrastructureFailed / StartTimeout: fal could not run it (its own retries spent).
            AppCrashed: the model's app crashed (a generic 500; the reason is in the logs).
            RequestCancelled: the request was cancelled (499).
        """
        url = request_urls(self.base, request_id)["response_url"]
        return await self._get_model(GenerationResult, url, "result", limit=limit, call="result")

    async def cancel(self, request_id: str) -> CancelOutcome:
        """Ask the queue to cancel; a running request may still complete."""
        url = request_urls(self.base, request_id)["cancel_url"]
        try:
            await self._request("PUT", url, call="cancel")
        except NotFound:
            return CancelOutcome.not_found
        except RequestFailed as exc:
            if "ALREADY_COMPLETED" in str(exc) or "completed" in str(exc).lower():
                return CancelOutcome.already_completed
            raise
        return CancelOutcome.requested

    # ---- plumbing ---------------------------------------------------------------------------

    async def _get_model(
        self, model: type[M], url: str, what: str, params: dict[str, Any] | None = None,
        *, limit: int, call: Call = "status",
    ) -> M:
        """GET and validate; an unreadable body is a transient fault, retried like a 5xx."""
        attempt = 0
        while True:
            attempt += 1
            response = await self._request(
                "GET", url, params=params, limit=limit, what=what, call=call
            )
            try:
                return parse_model(model, response.content, what=what)
            except MalformedResponse:
                if attempt >= self.retry.max_attempts:
                    raise
                await self._backoff(attempt, None, None, reason=f"unreadable {what}")

    async def _send(
        self, method: str, url: str, limit: int, what: str, **kwargs: Any
    ) -> httpx.Response:
        return await send_bounded(self._http, method, url, limit=limit, what=what,
                                  deadline=self.call_deadline, **kwargs)

    async def _request(
        self, method: str, url: str, params: dict[str, Any] | None = None,
        *, limit: int = MAX_STATUS_BYTES, what: str = "answer", call: Call,
    ) -> httpx.Response:
        """A status, result or cancel call with its retry rules; raises typed errors."""
        attempt = 0
        fal_5xx = 0
        while True:
            attempt += 1
            headers = await self._auth()
            try:
                response = await self._send(
                    method, url, limit, what, params=params, headers=headers
                )
            except httpx.HTTPError as exc:
                if (
                    should_retry_exception(exc, idempotent=True)
                    and attempt < self.retry.max_attempts
                ):
                    await self._backoff(attempt, None, exc)
                    continue
                raise NetworkError(f"the queue did not answer: {_describe(exc)}") from None
            if response.is_success:
                return response
            if response.status_code >= 500 and from_fal(response):
                fal_5xx += 1
            if attempt < self.retry.max_attempts and should_retry_response(
                response, call=call, fal_5xx=fal_5xx
            ):
                await self._backoff(attempt, response, None)
                continue
            if call == "result" and (failure := result_failure(response)) is not None:
                raise failure
            raise error_from_response(response)

    async def _backoff(
        self,
        attempt: int,
        response: httpx.Response | None,
        exc: Exception | None,
        *,
        reason: str = "",
    ) -> None:
        retry_after = parse_retry_after(response.headers.get("retry-after")) if response else None
        delay = self.retry.delay(attempt, retry_after)
        self.stats.retries += 1
        if not reason:
            reason = f"HTTP {response.status_code}" if response is not None else _describe(exc)
        log.info("retry %d in %.2f s after %s", attempt, delay, reason)
        await self._sleep(delay)


def _submit_answer(response: httpx.Response, resent_after: int | None) -> SubmitResponse:
    """The accepted submit's answer; noting when it was re-sent after an ingress 5xx."""
    try:
        answer = parse_model(SubmitResponse, response.content, what="submit answer")
    except MalformedResponse as exc:
        raise SubmissionUnknown(
            f"fal accepted the submit but its answer was unreadable ({exc})"
        ) from None
    if resent_after is not None:
        answer = answer.model_copy(update={"resent_after_ingress": resent_after})
    return answer


def error_from_response(response: httpx.Response) -> FalError:
    """Map an unsuccessful HTTP answer to a typed error carrying the server's own reason."""
    body = parse_error_body(response.content)
    code = response.status_code
    reason = body.message() or response.reason_phrase or f"HTTP {code}"
    if locked := account_locked(code, reason):
        return locked
    if code in {401, 403}:
        return AuthError(f"fal rejected the API key (HTTP {code}): {reason}")
    if code == 422:
        return ValidationFailed(f"fal rejected the input: {reason}", body.field_errors())
    if code == 429:
        return RateLimited(
            f"rate limited by fal: {reason}",
            parse_retry_after(response.headers.get("retry-after")),
        )
    if code == 404:
        return NotFound(f"not found at fal: {reason}")
    if code >= 500:
        return ServerError(f"fal server error (HTTP {code}): {reason}", code)
    error_type = body.error_type or response.headers.get("x-fal-error-type")
    if code == 400 and isinstance(body.detail, str | type(None)):
        try:
            status = json.loads(response.content).get("status")
        except (ValueError, AttributeError):
            status = None
        if status:
            reason = str(status)
    return RequestFailed(f"fal refused the request (HTTP {code}): {reason}", error_type)


LOCKED_PREFIX: Final = "User is locked."


def account_locked(code: int, reason: str) -> AccountLocked | None:
    """The locked-account error for a 403 whose reason starts with "User is locked.", else None.

    fal words it "User is locked. Reason: <why>"; the text after "Reason:" is kept for the
    message (seen: an exhausted balance, an admin lock, "TOP_UP.").
    """
    text = reason.strip()
    if code != 403 or not text.startswith(LOCKED_PREFIX):
        return None
    why = text.partition("Reason:")[2].strip() or "no reason given"
    return AccountLocked(f"the fal account is locked: {why}", why)


async def send_bounded(
    http: httpx.AsyncClient, method: str, url: str, *, limit: int, what: str,
    deadline: float | None, **kwargs: Any,
) -> httpx.Response:
    """One HTTP call whose answer is read within bounds: ``limit`` bytes for a success (more is
    refused), the first ``MAX_ERROR_BYTES`` of an error (only its reason is shown), all of it
    within ``deadline`` seconds (an answer trickled in a byte at a time never meets httpx's
    read timeout; past the deadline it is treated as one).

    Raises:
        ResponseTooLarge: a success body over ``limit``. MalformedResponse: an answer that is
            not a valid HTTP message we can follow. httpx.HTTPError: transport faults,
            ``httpx.ReadTimeout`` past the deadline.
    """
    bound = asyncio.timeout(deadline)
    try:
        async with bound:
            request = http.build_request(method, url, **kwargs)
            try:
                response = await http.send(request, stream=True)
            except httpx.InvalidURL:  # httpx parses a redirect's Location even when not following
                raise MalformedResponse(f"the {what} redirected to an invalid URL") from None
            try:
                if response.is_success:
                    body = await read_capped(response, limit, what)
                else:
                    body = await read_capped(response, MAX_ERROR_BYTES, what, cut=True)
            finally:
                await response.aclose()
    except TimeoutError:
        if not bound.expired():
            raise
        raise httpx.ReadTimeout(f"the {what} did not arrive within {deadline:g} s") from None
    return _buffered(response, body)


def _buffered(response: httpx.Response, body: bytes) -> httpx.Response:
    """A complete response holding ``body`` (already decoded), for code that reads ``.content``."""
    headers = [
        (name, value)
        for name, value in response.headers.multi_items()
        if name.lower() not in {"content-encoding", "content-length", "transfer-encoding"}
    ]
    return httpx.Response(
        response.status_code,
        headers=headers,
        content=body,
        request=response.request,
        extensions=response.extensions,
    )


def _describe(exc: BaseException | None) -> str:
    if exc is None:
        return "unknown error"
    text = str(exc).strip()
    name = exc.__class__.__name__
    return f"{name}: {text}" if text else name


async def _check_key_async(base: str, key: str, limit: float) -> None:
    probe = "00000000-0000-0000-0000-000000000000"
    client = QueueClient(
        base,
        key=fixed_key(key),
        retry=RetryPolicy(max_attempts=2),
        timeout=httpx.Timeout(limit, connect=min(limit, 10.0)),
    )
    try:
        await client.status(probe, logs=False)
    except NotFound:
        return  # authenticated: the queue just doesn't know the probe id
    except (RequestFailed, MalformedResponse):
        return
    finally:
        await client.aclose()


def check_key(base: str, key: str, timeout: float = 10.0) -> None:
    """A cheap authenticated call (status of an unknown request): blocking, use off the GUI thread.

    Raises:
        AuthError: the key is rejected. NetworkError / ServerError: the queue could not say.
    """
    register_secret(key)
    asyncio.run(_check_key_async(base, key, timeout))
