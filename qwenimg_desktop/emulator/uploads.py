"""fal storage, emulated: initiate → signed upload URL → one PUT; uploaded files on the CDN.

``POST /storage/upload/initiate`` (key required) answers ``upload_url`` (this server,
``/__upload/<token>``) and ``file_url`` (the media origin, ``/files/up/<id>/<name>``). A PUT to
an unknown or expired token gets 403, as an expired signature does at fal. The edit endpoints
read their ``image_urls`` from here (or decode ``data:`` URIs), and check fal's published
limits on them at run time. Written from fal's docs, never from the client's code.
"""

from __future__ import annotations

import base64
import binascii
import io
import re
import secrets
import threading
import time
from dataclasses import dataclass
from typing import Any, Final
from urllib.parse import quote, unquote, urlsplit

from PIL import Image, UnidentifiedImageError

UPLOAD_TTL: Final = 3600.0
MAX_UPLOAD_BYTES: Final = 100 * 1024 * 1024
UPLOAD_PATH_RE: Final = re.compile(r"^/__upload/(?P<token>[A-Za-z0-9_-]{16,64})$")
FILE_PATH_RE: Final = re.compile(r"^/files/up/(?P<id>[a-f0-9]{32})/(?P<name>[^/]{1,200})$")
# fal's published edit limits: 1-3 images, each <= 10 MB, 384-5000 px per side, JPEG/PNG/WebP,
# no alpha; a data URI may be at most 10 MiB of text (fal's toolkit cap).
EDIT_MAX_IMAGES: Final = 3
EDIT_MAX_BYTES: Final = 10 * 1000 * 1000
EDIT_SIDES: Final = (384, 5000)
EDIT_FORMATS: Final = frozenset({"JPEG", "PNG", "WEBP"})
DATA_URI_CAP: Final = 10 * 1024 * 1024


@dataclass
class _Pending:
    file_id: str
    name: str
    content_type: str
    expires: float


@dataclass(frozen=True)
class StoredFile:
    data: bytes
    content_type: str


class UploadStore:
    """Tokens waiting for their PUT, and the files uploaded so far (thread-safe)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pending: dict[str, _Pending] = {}
        self._files: dict[str, StoredFile] = {}
        self.puts = 0

    def __repr__(self) -> str:
        return f"<UploadStore files={len(self._files)} pending={len(self._pending)}>"

    def initiate(self, base_url: str, media_base: str, body: Any) -> dict[str, str] | None:
        """The initiate answer, or None for a body without a usable content type/name."""
        if not isinstance(body, dict):
            return None
        content_type = body.get("content_type")
        name = body.get("file_name") or "file"
        if not isinstance(content_type, str) or not isinstance(name, str):
            return None
        token = secrets.token_urlsafe(24)
        file_id = secrets.token_hex(16)
        clean = re.sub(r"[^A-Za-z0-9._-]", "_", name)[:100] or "file"
        with self._lock:
            self._pending[token] = _Pending(file_id, clean, content_type,
                                            time.monotonic() + UPLOAD_TTL)
        return {
            "upload_url": f"{base_url}/__upload/{token}",
            "file_url": f"{media_base}/files/up/{file_id}/{quote(clean)}",
        }

    def put(self, token: str, data: bytes) -> bool:
        """Store the bytes of a pending upload; False for an unknown or expired token."""
        with self._lock:
            pending = self._pending.pop(token, None)
            if pending is None or pending.expires < time.monotonic():
                return False
            self._files[pending.file_id] = StoredFile(data, pending.content_type)
            self.puts += 1
        return True

    def expire_all(self) -> None:
        """Fault: every upload link issued so far has expired."""
        with self._lock:
            self._pending.clear()

    def get(self, file_id: str) -> StoredFile | None:
        with self._lock:
            return self._files.get(file_id)

    def remove_all(self) -> None:
        """Fault: fal no longer has the uploaded inputs (gone by run time)."""
        with self._lock:
            self._files.clear()

    def resolve(self, url: str, data_uri_cap: int = DATA_URI_CAP) -> bytes | None:
        """The bytes behind an ``image_urls`` entry: one of our files, or a data URI of at
        most ``data_uri_cap`` characters."""
        if url.startswith("data:"):
            return _decode_data_uri(url, data_uri_cap)
        match = FILE_PATH_RE.match(urlsplit(url).path)
        if match is None:
            return None
        stored = self.get(match["id"])
        return None if stored is None else stored.data


def _decode_data_uri(url: str, cap: int) -> bytes | None:
    if len(url) > cap:
        return None
    head, _, payload = url.partition(",")
    if not head.endswith(";base64"):
        return unquote(payload).encode()
    try:
        return base64.b64decode(payload, validate=True)
    except (binascii.Error, ValueError):
        return None


def check_inputs(urls: Any, store: UploadStore, data_uri_cap: int = DATA_URI_CAP,
                 ) -> tuple[list[Image.Image], list[dict[str, Any]]]:
    """Decode and check an edit's ``image_urls`` at run time: (images, []) or ([], errors)."""
    if not isinstance(urls, list) or not urls:
        return [], [_err(["image_urls"], "Field required", "missing")]
    if len(urls) > EDIT_MAX_IMAGES:
        return [], [_err(["image_urls"], f"List should have at most {EDIT_MAX_IMAGES} items",
                         "too_long")]
    images: list[Image.Image] = []
    errors: list[dict[str, Any]] = []
    for index, url in enumerate(urls):
        loc: list[str | int] = ["image_urls", index]
        data = store.resolve(url, data_uri_cap) if isinstance(url, str) else None
        if data is None:
            errors.append(_err(loc, "Could not download the file from the URL",
                               "file_download_error"))
            continue
        problem = _image_problem(data)
        if isinstance(problem, str):
            errors.append(_err(loc, problem, "image_invalid"))
        else:
            images.append(problem)
    return (images, []) if not errors else ([], errors)


def _image_problem(data: bytes) -> Image.Image | str:
    if len(data) > EDIT_MAX_BYTES:
        return "Image is larger than 10MB"
    try:
        image = Image.open(io.BytesIO(data))
        image.load()
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
        return "Could not decode the image"
    low, high = EDIT_SIDES
    if image.format not in EDIT_FORMATS:
        return f"Unsupported image format {image.format}; use JPEG, PNG or WEBP"
    if not (low <= image.width <= high and low <= image.height <= high):
        return f"Image dimensions must be between {low} and {high} pixels"
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        return "Images with an alpha channel are not supported"
    return image


def _err(loc: list[str | int], msg: str, kind: str) -> dict[str, Any]:
    return {"loc": ["body", *loc], "msg": msg, "type": kind}
