"""fal storage uploads of reference images: initiate (with the key), then one PUT (without it).

This is the flow fal's JavaScript client always uses: ``POST {rest}/storage/upload/initiate``
answers a signed ``upload_url`` and the public ``file_url``; the bytes go to ``upload_url`` in a
single PUT that carries no key (the URL is signed; sending the key there would leak it). An
upload is safe to repeat (a retry leaves at most an orphan file), but only the initiate call is
retried (429, 502–504, transport errors), like fal's client; a failed PUT ends the upload with a
typed error. Files up to 10 MB never need fal's multipart flow.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Final
from urllib.parse import urlsplit

import httpx
from pydantic import BaseModel, ConfigDict, Field, field_validator

from qwenimg_desktop.core.errors import (
    AccountLocked,
    AuthError,
    FalError,
    MalformedResponse,
    register_secret,
)
from qwenimg_desktop.core.fal import DEFAULT_QUEUE_BASE
from qwenimg_desktop.core.fal.client import (
    DEFAULT_TIMEOUT,
    USER_AGENT,
    error_from_response,
    send_bounded,
)
from qwenimg_desktop.core.fal.credentials import KeySource
from qwenimg_desktop.core.fal.limits import CALL_DEADLINE_S, MAX_ERROR_BYTES, MAX_STATUS_BYTES
from qwenimg_desktop.core.fal.protocol import parse_model
from qwenimg_desktop.core.fal.retry import RetryPolicy, parse_retry_after
from qwenimg_desktop.core.urls import is_loopback

log = logging.getLogger("qwenimg.storage")

FAL_REST_BASE: Final = "https://rest.fal.ai"
INITIATE_PATH: Final = "/storage/upload/initiate"
STORAGE_TYPE: Final = "fal-cdn-v3"
INITIATE_RETRIES: Final = 3
_RETRY_STATUS: Final = frozenset({429, 502, 503, 504})
CHUNK: Final = 1024 * 1024
"""The PUT's body goes out in pieces of this size, a progress report after each. Each piece is
a slice, an await and a socket write of its own: at 64 KiB a 10 MB reference cost ~30 % more
CPU than one httpx PUT of the same bytes (benchmarks/upload.py); at 1 MiB the same, and the
progress still moves every 1 MiB (every 10 % of a 10 MB file, fal's largest single PUT)."""

Progress = Callable[[int, int], None]
"""``(bytes sent, total bytes)`` while a PUT runs."""


class UploadFailed(FalError):
    """A reference image could not be uploaded; nothing was submitted, nothing was charged."""


class UploadTarget(BaseModel):
    """The initiate answer."""

    model_config = ConfigDict(extra="ignore", frozen=True, hide_input_in_errors=True)

    upload_url: str = Field(min_length=8, max_length=4000)
    file_url: str = Field(min_length=8, max_length=4000)

    @field_validator("upload_url", "file_url")
    @classmethod
    def _https_or_loopback(cls, value: str) -> str:
        # The server names these hosts and the user's image goes to the first one: never over
        # plain http to another machine, never to another scheme (the one loopback check).
        try:
            parts = urlsplit(value)
            host = parts.hostname
        except ValueError:
            raise ValueError("is not a valid URL") from None
        if (parts.scheme == "https" and host) or (parts.scheme == "http" and is_loopback(host)):
            return value
        raise ValueError("must be an https URL (plain http only to this machine)")


def storage_base(queue_base: str) -> str:
    """Where the storage API lives: fal's REST host for fal's queue, else the queue's own base
    (the emulator serves both)."""
    if queue_base.rstrip("/") == DEFAULT_QUEUE_BASE:
        return FAL_REST_BASE
    return queue_base.rstrip("/")


class StorageUploader:
    """Uploads bytes to fal's storage; one shared HTTP client, the key read per call."""

    def __init__(
        self, queue_base: str, *, key: KeySource, retry: RetryPolicy | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.base = storage_base(queue_base)
        self._key = key
        self.retry = retry or RetryPolicy()
        self._sleep = sleep
        self._http = httpx.AsyncClient(
            timeout=DEFAULT_TIMEOUT, transport=transport, follow_redirects=False,
            headers={"User-Agent": USER_AGENT},
        )

    def __repr__(self) -> str:
        return f"<StorageUploader base={self.base}>"

    async def aclose(self) -> None:
        await self._http.aclose()

    async def upload(self, data: bytes, *, content_type: str, file_name: str,
                     on_progress: Progress | None = None) -> str:
        """Upload ``data``; returns fal's ``file_url``.

        Raises:
            UploadFailed: the initiate call kept failing, or the PUT was refused.
            AuthError: no key, or fal refused it.
        """
        target = await self._initiate(content_type, file_name)
        await self._put(target, data, content_type, on_progress)
        return target.file_url

    async def _initiate(self, content_type: str, file_name: str) -> UploadTarget:
        key = await self._key()
        if not key:
            raise AuthError("no fal API key is set")
        register_secret(key)
        url = f"{self.base}{INITIATE_PATH}"
        headers = {"Authorization": f"Key {key}", "Accept": "application/json"}
        body = {"content_type": content_type, "file_name": file_name}
        for attempt in range(1, INITIATE_RETRIES + 2):
            try:
                response = await send_bounded(
                    self._http, "POST", url, limit=MAX_STATUS_BYTES, what="upload answer",
                    deadline=CALL_DEADLINE_S, params={"storage_type": STORAGE_TYPE}, json=body,
                    headers=headers,
                )
            except MalformedResponse as exc:  # too large, or not HTTP we can follow
                raise UploadFailed(exc.message) from None
            except httpx.HTTPError as exc:
                if attempt <= INITIATE_RETRIES:
                    await self._sleep(self.retry.delay(attempt))
                    continue
                raise UploadFailed(f"could not reach fal's storage ({type(exc).__name__})",
                                   next_step="Check the connection and try again.") from None
            if response.status_code in _RETRY_STATUS and attempt <= INITIATE_RETRIES:
                retry_after = parse_retry_after(response.headers.get("retry-after"))
                await self._sleep(self.retry.delay(attempt, retry_after))
                continue
            if response.is_success:
                try:
                    return parse_model(UploadTarget, response.content, what="upload answer")
                except MalformedResponse as exc:
                    raise UploadFailed(exc.message) from None
            error = error_from_response(response)
            if isinstance(error, AuthError | AccountLocked):
                raise error
            raise UploadFailed(f"fal's storage refused the upload: {error.message}",
                               next_step="Try again later.")
        raise UploadFailed("fal's storage kept failing")  # pragma: no cover - loop returns

    async def _put(self, target: UploadTarget, data: bytes, content_type: str,
                   on_progress: Progress | None) -> None:
        total = len(data)

        async def chunks() -> AsyncIterator[bytes]:
            for start in range(0, total, CHUNK):
                yield data[start:start + CHUNK]
                if on_progress is not None:
                    on_progress(min(start + CHUNK, total), total)

        headers = {"Content-Type": content_type, "Content-Length": str(total)}
        try:  # no Authorization header: the URL is signed
            response = await send_bounded(
                self._http, "PUT", target.upload_url, limit=MAX_ERROR_BYTES, what="upload",
                deadline=None, content=chunks(), headers=headers,
            )
        except MalformedResponse as exc:
            raise UploadFailed(exc.message, next_step="Try again; nothing was charged.") from None
        except httpx.HTTPError as exc:
            raise UploadFailed(f"the upload to {urlsplit(target.upload_url).hostname} broke off"
                               f" ({type(exc).__name__})",
                               next_step="Try again; nothing was charged.") from None
        if not response.is_success:
            raise UploadFailed(
                f"fal's storage refused the file (HTTP {response.status_code}"
                f"{', the upload link has expired' if response.status_code == 403 else ''})",
                next_step="Try again; a new upload link is requested each time.")
