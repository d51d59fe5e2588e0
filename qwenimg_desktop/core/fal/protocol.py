"""Wire models of the fal queue protocol; every untrusted JSON body is validated here.

Shared by the client (``core.fal.client``) and the emulator. Extra fields are ignored; a missing
required field raises :class:`MalformedResponse`, never a ``KeyError``.
"""

from __future__ import annotations

import json
from typing import Annotated, Any, Final, Literal, TypeVar

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError

from qwenimg_desktop.core.errors import FieldError, MalformedResponse, redact, untrusted_tree

ENDPOINT_ID: Final = "fal-ai/qwen-image-2/pro/text-to-image"
ENDPOINT_OWNER_ALIAS: Final = "fal-ai/qwen-image-2"

StatusName = Literal["IN_QUEUE", "IN_PROGRESS", "COMPLETED"]


INT64_MIN: Final = -(2**63)
INT64_MAX: Final = 2**63 - 1


def _storable(value: Any) -> Any:
    """An integer the journal can store (SQLite's 64 bits), else None: a server may send any
    number, and these fields are informative (a queue position, a size, the seed)."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value if INT64_MIN <= value <= INT64_MAX else None
    return value


StorableInt = Annotated[int | None, BeforeValidator(_storable)]


class _Wire(BaseModel):
    # defer_build: each answer's validator is built when the first such answer is read (in the
    # engine's process), not when the window's process imports the endpoints that name them
    # (~10 ms of CPU before the window's first paint; docs/performance.md).
    model_config = ConfigDict(extra="ignore", frozen=True, hide_input_in_errors=True,
                              defer_build=True)


class SubmitResponse(_Wire):
    """200 answer to a submit."""

    request_id: str = Field(min_length=1, max_length=200, pattern=r"^[A-Za-z0-9._:-]+$")
    response_url: str
    status_url: str
    cancel_url: str
    queue_position: StorableInt = None
    status: str | None = Field(default=None, max_length=40)
    # Set by our client, not by fal: the submit was re-sent once after this ingress 5xx, so
    # fal may hold a duplicate of the job.
    resent_after_ingress: int | None = None


class LogEntry(_Wire):
    """One log line of a running request."""

    message: str
    level: str | None = None
    source: str | None = None
    timestamp: str | None = None


class QueueStatus(_Wire):
    """A status body (polled or one SSE event)."""

    status: StatusName
    queue_position: StorableInt = None
    response_url: str | None = None
    logs: list[LogEntry] | None = None
    metrics: dict[str, Any] | None = None
    error: str | None = None
    error_type: str | None = None

    @property
    def failed(self) -> bool:
        """True when the run completed with an error (COMPLETED is not success)."""
        return self.status == "COMPLETED" and bool(self.error or self.error_type)


class ImageFile(_Wire):
    """A File of the result: ``url`` is required, the rest optional."""

    url: str = Field(min_length=1)
    content_type: str | None = None
    file_name: str | None = None
    file_size: StorableInt = None
    width: StorableInt = None
    height: StorableInt = None


class GenerationResult(_Wire):
    """The endpoint's output."""

    images: list[ImageFile]
    seed: StorableInt  # required; None when it is too large to store (the requested one stays)
    prompt: str | None = None
    has_nsfw_concepts: list[bool] | None = None
    timings: dict[str, Any] | None = None


class ErrorDetail(_Wire):
    """One item of a 422 ``detail`` list (pydantic shape)."""

    loc: list[str | int] = Field(default_factory=list)
    msg: str = ""
    type: str = ""


class ErrorBody(_Wire):
    """Any error body: ``detail`` is a sentence or a list of field problems."""

    detail: str | list[ErrorDetail] | dict[str, Any] | None = None
    error_type: str | None = None

    def field_errors(self) -> list[FieldError]:
        """The field problems of a 422, with ``body.`` stripped from each path."""
        if not isinstance(self.detail, list):
            return []
        out = []
        for item in self.detail:
            parts = [str(p) for p in item.loc]
            if parts and parts[0] == "body":
                parts = parts[1:]
            out.append(FieldError(path=".".join(parts), message=item.msg, type=item.type))
        return out

    def message(self) -> str:
        """A one-line summary of the error."""
        if isinstance(self.detail, str):
            return self.detail
        if isinstance(self.detail, list):
            return (
                "; ".join(f"{fe.path or 'input'}: {fe.message}" for fe in self.field_errors())
                or "invalid input"
            )
        if isinstance(self.detail, dict):
            return str(self.detail.get("message") or self.detail.get("msg") or self.detail)
        return ""


M = TypeVar("M", bound=BaseModel)


def parse_json(raw: bytes | str) -> Any:
    """Decode JSON or raise :class:`MalformedResponse`."""
    try:
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:  # deep nesting: RecursionError
        raise MalformedResponse(
            f"the server sent invalid JSON ({exc.__class__.__name__})"
        ) from None


def parse_model(model: type[M], raw: bytes | str | Any, *, what: str) -> M:
    """Validate raw bytes/text (or a decoded object) as ``model``, raising typed errors only.

    Every string in it is redacted and made valid UTF-8 first (a server may echo the API key in
    a log line, an error or a result, or send lone surrogates SQLite refuses), so nothing
    downstream can store, show or print the key, or fail to store the text.
    """
    data = parse_json(raw) if isinstance(raw, bytes | str) else raw
    try:
        data = untrusted_tree(data)
    except RecursionError:
        raise MalformedResponse(f"the server sent a {what} nested too deeply") from None
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        problems = ", ".join(
            f"{'.'.join(str(p) for p in e['loc']) or 'body'} {e['msg'].lower()}"
            for e in exc.errors(include_input=False, include_url=False)[:3]
        )
        raise MalformedResponse(f"unexpected {what} from the server: {problems}") from None


def parse_error_body(raw: bytes | str) -> ErrorBody:
    """Best-effort parse of an error body; never raises."""
    try:
        data = untrusted_tree(json.loads(raw))
    except (ValueError, UnicodeDecodeError, RecursionError):
        text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else raw
        return ErrorBody(detail=redact(text.strip())[:300] or None)
    if not isinstance(data, dict):
        return ErrorBody(detail=str(data)[:300])
    try:
        return ErrorBody.model_validate(data)
    except ValidationError:
        return ErrorBody(detail=str(data.get("detail") or data)[:300])


def request_urls(base: str, request_id: str) -> dict[str, str]:
    """Status/result/cancel URLs built from the configured base and a validated request id."""
    root = f"{base.rstrip('/')}/{ENDPOINT_OWNER_ALIAS}/requests/{request_id}"
    return {
        "response_url": root,
        "status_url": f"{root}/status",
        "stream_url": f"{root}/status/stream",
        "cancel_url": f"{root}/cancel",
    }


def submit_url(base: str, endpoint_id: str = ENDPOINT_ID) -> str:
    """Where a submit is POSTed: the full endpoint id (status and result use owner/alias)."""
    return f"{base.rstrip('/')}/{endpoint_id}"
