"""Fetch result media (URL or data: URI) safely: size cap, type sniffing, fsync, atomic rename.

Server file names are never used as paths; the caller chooses ``dest``. A file only appears at
``dest`` once it is complete and passes :func:`verify_image` as the declared image type. A
caller's :data:`Embed` (the generation metadata) is applied to the verified bytes before the
file's one fsync and rename, so an image is written and synced once, not twice.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import contextlib
import errno
import functools
import hashlib
import io
import logging
import mmap
import os
import tempfile
import warnings
from collections.abc import Callable
from concurrent.futures import Executor
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Final, TypeVar
from urllib.parse import unquote_to_bytes, urljoin, urlsplit

import httpx
from PIL import Image

from qwenimg_desktop.core.errors import (
    DeadlineExceeded,
    DiskFull,
    DownloadError,
    TransferStalled,
    holds_secret,
)
from qwenimg_desktop.core.fal.limits import Pace, PaceKeeper
from qwenimg_desktop.core.fal.retry import RetryPolicy, parse_retry_after, should_retry_exception
from qwenimg_desktop.core.params import MAX_PIXELS
from qwenimg_desktop.core.private import private_dir
from qwenimg_desktop.core.urls import is_loopback

DEFAULT_MAX_BYTES: Final = 64 * 1024 * 1024
MAX_IMAGE_PIXELS: Final = 4 * MAX_PIXELS  # generous over 2048², far below a decompression bomb
PARTIAL_SUFFIX: Final = ".partial"  # matches DataLayout.clean_stray_temps
PIL_FORMATS: Final = {"png": "PNG", "jpeg": "JPEG", "jpg": "JPEG", "webp": "WEBP"}
MAX_REDIRECTS: Final = 5
REDIRECT_CODES: Final = frozenset({301, 302, 303, 307, 308})
log = logging.getLogger("qwenimg.fal")
T = TypeVar("T")
Embed = Callable[[bytes, str], bytes]
"""Called with an image's verified bytes and its format (``png``, ``jpeg`` or ``webp``) on the
file worker; returns the bytes to keep (the same pixels with the caller's metadata). It must not
raise for bad metadata: it returns the bytes unchanged instead."""


@dataclass(frozen=True)
class DownloadedImage:
    """A verified image file now at ``path``."""

    path: Path
    width: int
    height: int
    format: str  # png / jpeg / webp
    size_bytes: int
    sha256: str


def check_media_url(url: str, *, allowed_http_hosts: frozenset[str] = frozenset()) -> str:
    """Accept only https, data:, and http on loopback or an explicitly allowed host."""
    if url.startswith("data:"):
        return "data"
    try:
        parts = urlsplit(url)
        host = parts.hostname  # parsed lazily: a bad [IPv6] literal raises only here
    except ValueError:
        raise DownloadError("refusing a malformed media URL") from None
    if parts.scheme == "https" and host:
        return "https"
    if parts.scheme == "http" and host:
        if is_loopback(host) or host in allowed_http_hosts:
            return "http"
        raise DownloadError(f"refusing plain-http media from {host}")
    raise DownloadError(f"refusing media URL with scheme {parts.scheme or '(none)'!r}")


def decode_data_uri(uri: str, *, max_bytes: int = DEFAULT_MAX_BYTES) -> tuple[str, bytes]:
    """Split a data: URI into (media type, bytes), enforcing the size cap before decoding."""
    header, sep, payload = uri[5:].partition(",")
    if not sep:
        raise DownloadError("malformed data: URI (no comma)")
    params = header.split(";")
    media_type = params[0].strip().lower() or "text/plain"
    if "base64" in (p.strip().lower() for p in params[1:]):
        if len(payload) * 3 // 4 > max_bytes:
            raise DownloadError(f"inline image is larger than the {max_bytes:,}-byte limit")
        try:
            data = base64.b64decode(payload, validate=True)
        except (binascii.Error, ValueError):
            raise DownloadError("malformed data: URI (bad base64)") from None
    else:
        try:
            data = unquote_to_bytes(payload)
        except UnicodeError:  # lone surrogates (possible through JSON escapes) cannot encode
            raise DownloadError("malformed data: URI (not text)") from None
    if len(data) > max_bytes:
        raise DownloadError(f"inline image is larger than the {max_bytes:,}-byte limit")
    return media_type, data


def expected_pil_format(declared: str | None, fallback: str) -> str:
    """The Pillow format name the bytes must decode as."""
    if declared:
        sub = declared.split(";")[0].strip().lower().removeprefix("image/")
        if sub in PIL_FORMATS:
            return PIL_FORMATS[sub]
    return PIL_FORMATS.get(fallback.lower(), "PNG")


def verify_image(source: Path | bytes, expected: str) -> tuple[int, int, str]:
    """Check the file is a complete, undamaged image of the expected type; return (w, h, format).

    As cheap as each format allows without trusting a cut or damaged file: a PNG has every
    chunk's CRC checked through ``IEND`` (no pixels decoded); a JPEG is entropy-decoded at 1/8
    scale, which still reads every byte of its scan data (a cut file fails); a WebP, which has
    no checksums, is fully decoded. The header's size is checked against the pixel limit before
    anything is decoded. The full decode a thumbnail needs happens later, off the path to
    "completed". ``source`` is the file, or its bytes already read.
    """

    def opened() -> Image.Image:
        return Image.open(io.BytesIO(source) if isinstance(source, bytes) else source)

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with opened() as img:
                fmt = img.format or ""
                width, height = img.size
                if width * height > MAX_IMAGE_PIXELS:
                    raise DownloadError(
                        f"image of {width}×{height} pixels exceeds the safety limit"
                    )
                img.verify()  # structure and checksums (PNG CRCs through IEND)
            if fmt != "PNG":
                with opened() as img:
                    if fmt == "JPEG":
                        img.draft("RGB", (max(1, width // 8), max(1, height // 8)))
                    img.load()  # verify() alone accepts a cut or damaged JPEG/WebP
    except DownloadError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise DownloadError("image refused: decompression bomb") from None
    except (OSError, SyntaxError, ValueError) as exc:
        raise DownloadError(f"the downloaded file is not a valid image ({exc})") from None
    if fmt != expected:
        raise DownloadError(f"expected a {expected} image but got {fmt or 'unknown data'}")
    return width, height, fmt.lower()


def refuse_echoed_key(source: Path | bytes) -> None:
    """Refuse an image whose bytes hold the API key (a server echoing it into the file's
    metadata): the key must be in no file the app keeps. A file is searched through a memory
    map, so a large image is not read into memory; bytes already read are searched as they are.
    """
    if isinstance(source, bytes):
        if holds_secret(source):
            raise DownloadError(_ECHOED_KEY)
        return
    with source.open("rb") as fh:
        if os.fstat(fh.fileno()).st_size == 0:
            return
        with mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as view:
            if holds_secret(view):
                raise DownloadError(_ECHOED_KEY)


_ECHOED_KEY: Final = ("the image file contains your API key (the server put it there); "
                      "it was not kept")


def _fsync_dir(directory: Path) -> None:
    if os.name != "posix":
        return
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _finish(
    tmp: Path, dest: Path, expected: str, digest: str, size: int
) -> DownloadedImage:
    """Verify the fsynced temp file, then atomically move it into place."""
    width, height, fmt = verify_image(tmp, expected)
    refuse_echoed_key(tmp)
    # mkstemp made it 0600: images are private, like the prompts and logs (core/private.py)
    os.replace(tmp, dest)
    _fsync_dir(dest.parent)
    return DownloadedImage(dest, width, height, fmt, size, digest)


def _finish_embedded(tmp: Path, dest: Path, expected: str, embed: Embed) -> DownloadedImage:
    """The downloaded temp file (not yet synced) through :func:`_embed_and_place`: the same
    checks as :func:`_finish`, and one fsync and one rename instead of two of each."""
    return _embed_and_place(tmp.read_bytes(), tmp, dest, expected, embed)


def _embed_and_place(data: bytes, tmp: Path, dest: Path, expected: str, embed: Embed,
                     ) -> DownloadedImage:
    """Verify ``data``, refuse it if it holds the key, embed the caller's metadata, write the
    result over ``tmp`` (truncated), fsync it once and move it into place."""
    width, height, fmt = verify_image(data, expected)
    refuse_echoed_key(data)
    kept = embed(data, fmt)
    with tmp.open("wb") as fh:
        fh.write(kept)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, dest)
    _fsync_dir(dest.parent)
    return DownloadedImage(dest, width, height, fmt, len(kept), hashlib.sha256(kept).hexdigest())


def _open_temp(dest: Path) -> tuple[IO[bytes], Path]:
    private_dir(dest.parent)
    fd, name = tempfile.mkstemp(prefix=".dl-", suffix=PARTIAL_SUFFIX, dir=dest.parent)
    return os.fdopen(fd, "wb"), Path(name)


def _disk_error(exc: OSError) -> Exception:
    if exc.errno in {errno.ENOSPC, errno.EDQUOT}:
        return DiskFull("the disk is full: the image could not be saved")
    return DownloadError(f"could not write the image: {exc.strerror or exc}")


def write_verified(
    data: bytes, dest: Path, expected: str, embed: Embed | None = None
) -> DownloadedImage:
    """Write bytes to a temp file beside ``dest``, fsync, verify, rename (blocking); with
    ``embed``, the bytes are verified and embedded before the one write
    (:func:`_embed_and_place`)."""
    fh, tmp = _open_temp(dest)
    try:
        if embed is not None:
            fh.close()
            return _embed_and_place(data, tmp, dest, expected, embed)
        with fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        return _finish(tmp, dest, expected, hashlib.sha256(data).hexdigest(), len(data))
    except OSError as exc:
        raise _disk_error(exc) from None
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()


class Downloader:
    """Downloads media with its own HTTP client, which never carries the API key.

    Verification (:func:`verify_image`) runs on ``executor`` (default: asyncio's default
    executor). Redirects are followed here, not by httpx, so that every hop is checked against
    the media policy (:func:`check_media_url`) before anything is sent to it. ``pace`` bounds each
    image's download in time: an overall deadline and a stall floor.
    """

    def __init__(
        self,
        *,
        max_bytes: int = DEFAULT_MAX_BYTES,
        retry: RetryPolicy | None = None,
        allowed_http_hosts: frozenset[str] = frozenset(),
        transport: httpx.AsyncBaseTransport | None = None,
        executor: Executor | None = None,
        pace: Pace | None = None,
    ) -> None:
        self._executor = executor
        self.pace = pace or Pace()
        self.max_bytes = max_bytes
        self.retry = retry or RetryPolicy(max_attempts=5)
        self.allowed_http_hosts = allowed_http_hosts
        self._http = httpx.AsyncClient(
            timeout=httpx.Timeout(120.0, connect=30.0),
            follow_redirects=False,  # followed by hand: see _next_hop
            transport=transport,
        )

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self._http.aclose()

    async def _blocking(self, fn: Callable[..., T], *args: object) -> T:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, functools.partial(fn, *args))

    async def fetch(
        self,
        url: str,
        dest: Path,
        *,
        content_type: str | None,
        fallback_format: str,
        embed: Embed | None = None,
    ) -> DownloadedImage:
        """Download ``url`` to ``dest`` (never a server-chosen path) and verify it; ``embed``
        adds the caller's metadata to the verified bytes before the file is synced and placed."""
        kind = check_media_url(url, allowed_http_hosts=self.allowed_http_hosts)
        if kind == "data":
            media_type, data = decode_data_uri(url, max_bytes=self.max_bytes)
            expected = expected_pil_format(content_type or media_type, fallback_format)
            return await self._blocking(write_verified, data, dest, expected, embed)
        expected = expected_pil_format(content_type, fallback_format)
        keeper = PaceKeeper(self.pace)
        try:
            async with keeper.bound("image download"):
                return await self._fetch_with_retries(url, dest, expected, keeper, embed)
        except httpx.DecodingError:
            raise DownloadError(
                "the image server sent a body that could not be decoded (damaged compression)"
            ) from None
        except httpx.HTTPError as exc:  # anything else httpx refuses: a message, no traceback
            raise DownloadError(f"the image download failed: {exc}") from None
        except httpx.InvalidURL:  # httpx parses a redirect's Location even when not following
            raise DownloadError(
                "the image link redirected: refusing a target that is not a valid URL"
            ) from None
        except (DeadlineExceeded, TransferStalled) as exc:
            raise DownloadError(exc.message) from None

    async def _fetch_with_retries(
        self, url: str, dest: Path, expected: str, keeper: PaceKeeper, embed: Embed | None
    ) -> DownloadedImage:
        attempt = 0
        while True:
            attempt += 1
            keeper.restart_window()
            try:
                return await self._fetch_once(url, dest, expected, keeper, embed)
            except (httpx.TransportError, _RetryableStatus) as exc:
                if attempt >= self.retry.max_attempts or (
                    isinstance(exc, httpx.TransportError)
                    and not should_retry_exception(exc, idempotent=True)
                ):
                    raise DownloadError(f"the image download failed: {exc}") from None
                after = exc.retry_after if isinstance(exc, _RetryableStatus) else None
                keeper.pause_window()  # the back-off is ours, not the server's stall
                await asyncio.sleep(self.retry.delay(attempt, after))

    def _next_hop(self, response: httpx.Response, hops: int) -> str:
        """The checked target of a redirect: the media policy applies to every hop."""
        if hops >= MAX_REDIRECTS:
            raise DownloadError(
                f"the image link redirected more than {MAX_REDIRECTS} times (a redirect loop?)"
            )
        location = response.headers.get("location")
        if not location:
            raise DownloadError(
                f"the image server answered HTTP {response.status_code} without a target"
            )
        target = str(urljoin(str(response.url), location))
        try:
            kind = check_media_url(target, allowed_http_hosts=self.allowed_http_hosts)
        except DownloadError as exc:
            raise DownloadError(f"the image link redirected: {exc.message}") from None
        if kind == "data":
            raise DownloadError("the image link redirected: refusing a redirect to a data: URI")
        here, there = response.url.host, urlsplit(target).hostname or ""
        if is_loopback(there) and not is_loopback(here):
            # Loopback media is for a local queue (the emulator); another machine sending the
            # app to a service on this one is refused.
            raise DownloadError(
                f"the image link redirected: refusing a redirect from {here} to this machine"
            )
        return target

    async def _fetch_once(
        self, url: str, dest: Path, expected: str, keeper: PaceKeeper, embed: Embed | None
    ) -> DownloadedImage:
        hops = 0
        while True:
            async with self._http.stream("GET", url) as response:
                if response.status_code in REDIRECT_CODES:
                    url = self._next_hop(response, hops)
                    hops += 1
                    continue
                return await self._receive(response, dest, expected, keeper, embed)

    async def _receive(
        self, response: httpx.Response, dest: Path, expected: str, keeper: PaceKeeper,
        embed: Embed | None,
    ) -> DownloadedImage:
        if response.status_code in {404, 410}:
            raise DownloadError(
                f"the image is no longer available at fal (HTTP {response.status_code}); "
                "media links expire"
            )
        if response.status_code in {408, 429} or response.status_code >= 500:
            raise _RetryableStatus(response)
        if not response.is_success:
            raise DownloadError(f"the image download failed with HTTP {response.status_code}")
        declared = response.headers.get("content-length")
        if declared and declared.isdigit() and int(declared) > self.max_bytes:
            raise DownloadError(f"the image is larger than the {self.max_bytes:,}-byte limit")
        fh, tmp = _open_temp(dest)
        try:
            try:
                # Not fsynced when the bytes are rewritten with the metadata: that write is.
                digest, size = await self._stream_to(response, fh, keeper, sync=embed is None)
            finally:
                # Closed before the rename (Windows cannot rename an open file). After a failed
                # write, close() flushes the same buffered bytes again and fails the same way:
                # that error is the one already raised, and must not skip the unlink below.
                with contextlib.suppress(OSError):
                    fh.close()
            if embed is not None:
                return await self._blocking(_finish_embedded, tmp, dest, expected, embed)
            return await self._blocking(_finish, tmp, dest, expected, digest, size)
        except OSError as exc:
            raise _disk_error(exc) from None
        finally:
            with contextlib.suppress(FileNotFoundError):
                tmp.unlink()

    async def _stream_to(
        self, response: httpx.Response, fh: IO[bytes], keeper: PaceKeeper, *, sync: bool
    ) -> tuple[str, int]:
        digest = hashlib.sha256()
        size = 0
        async for chunk in response.aiter_bytes():  # as they arrive: the floor counts arrivals
            keeper.got(len(chunk))
            size += len(chunk)
            if size > self.max_bytes:
                raise DownloadError(f"the image is larger than the {self.max_bytes:,}-byte limit")
            digest.update(chunk)
            fh.write(chunk)
        keeper.pause_window()  # all bytes are here: verifying them is not a stall
        fh.flush()
        if sync:
            await asyncio.to_thread(os.fsync, fh.fileno())
        return digest.hexdigest(), size


class _RetryableStatus(Exception):
    def __init__(self, response: httpx.Response) -> None:
        super().__init__(f"HTTP {response.status_code}")
        self.retry_after = parse_retry_after(response.headers.get("retry-after"))
