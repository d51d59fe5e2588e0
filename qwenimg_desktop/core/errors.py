"""Error taxonomy: user-facing environment/input errors versus bugs, and secret redaction."""

from __future__ import annotations

import mmap
import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

_secrets_lock = threading.Lock()
_secrets: set[str] = set()
# fal keys look like "<id>:<secret>". Redact an Authorization header's value whatever it is, and
# "Key <id>:<secret>" anywhere; plain sentences ("the key can be used") are left alone.
_KEY_PATTERN = re.compile(
    r"(?i)(authorization[\"']?\s*[:=]\s*[\"']?(?:key|bearer)\s+)[^\s'\",}]+"
    r"|(\bkey\s+)(?=[^\s'\"]*:[^\s'\"])[^\s'\",}]+"
)
_FAL_KEY_SHAPE = re.compile(
    r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}:[0-9a-f]{16,}\b"
)
REDACTED = "[redacted]"
_BASE64_BODY = re.compile(r"[A-Za-z0-9+/=]*")


def register_secret(value: str | None) -> None:
    """Remember a secret so that :func:`redact` strips it from any text."""
    if value and len(value) >= 4:
        with _secrets_lock:
            _secrets.add(value)


def redact(text: str) -> str:
    """Return ``text`` with every registered secret and key-shaped token replaced."""
    with _secrets_lock:
        secrets = sorted(_secrets, key=len, reverse=True)
    for secret in secrets:
        if secret in text:
            text = text.replace(secret, REDACTED)
    head, payload = _split_base64_payload(text)
    head = _FAL_KEY_SHAPE.sub(REDACTED, head)
    return _KEY_PATTERN.sub(lambda m: (m.group(1) or m.group(2)) + REDACTED, head) + payload


def _split_base64_payload(text: str) -> tuple[str, str]:
    """(text, "") or, for a base64 data: URI, (its header, its payload).

    The key patterns need a ``:``, a ``-`` or white space, none of which a base64 payload can
    hold, and scanning an inline image with them takes seconds (~0.15 s per MB): only the
    header is scanned. Registered secrets are still replaced everywhere (a plain search).
    """
    if not text.startswith("data:"):
        return text, ""
    comma = text.find(",", 0, 512)
    if comma < 0 or ";base64" not in text[:comma].lower():
        return text, ""
    payload = text[comma + 1:]
    if not _BASE64_BODY.fullmatch(payload):
        return text, ""
    return text[:comma + 1], payload


def holds_secret(data: bytes | mmap.mmap) -> bool:
    """Whether ``data`` (a file's bytes, e.g. a downloaded image) contains a registered secret."""
    with _secrets_lock:
        secrets = [secret.encode() for secret in _secrets]
    return any(data.find(secret) >= 0 for secret in secrets)


def untrusted_tree(value: Any) -> Any:
    """``value`` (JSON decoded from a server) made safe to store, show and print: every string,
    keys included, redacted (:func:`redact`) and valid UTF-8 (a lone surrogate, which JSON
    escapes allow and SQLite refuses, becomes ``?``).

    Used where server data enters (``core.fal.protocol``): a server that echoes the key in a
    log line, an error or a result must not get it stored, shown or printed.
    """
    if isinstance(value, str):
        return redact(_valid_text(value))
    if isinstance(value, list):
        return [untrusted_tree(item) for item in value]
    if isinstance(value, dict):
        return {redact(_valid_text(str(k))): untrusted_tree(v) for k, v in value.items()}
    return value


def _valid_text(text: str) -> str:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return text.encode("utf-8", "replace").decode("utf-8")
    return text


MAX_MESSAGE_CHARS = 4000
"""An error message as shown and stored; a server's reason can be any length."""


def _bounded(message: str) -> str:
    if len(message) <= MAX_MESSAGE_CHARS:
        return message
    return f"{message[:MAX_MESSAGE_CHARS]}… [cut: the message had {len(message):,} characters]"


class QwenImgError(Exception):
    """Base of every error the app expects and explains; ``message`` is shown to the user."""

    next_step: str = ""

    def __init__(self, message: str, *, next_step: str | None = None) -> None:
        message = _bounded(redact(message))
        super().__init__(message)
        self.message = message
        if next_step is not None:
            self.next_step = next_step

    def __str__(self) -> str:
        return self.message


class UserError(QwenImgError):
    """An environment or input problem: shown with a next step, never a crash."""


class BugError(Exception):
    """Our own defect: crashes loudly into a report."""


# ---- fal / network ----------------------------------------------------------------------------


class FalError(UserError):
    """Any failure talking to the fal queue."""


class AuthError(FalError):
    """401/403: the key is missing or rejected."""

    next_step = "Open File → Settings… and check the key."


class AccountLocked(FalError):
    """403 "User is locked. Reason: ...": the fal account may not start new work.

    Its own kind, not a rejected key: new submits and uploads pause for the whole account,
    requests already sent keep being watched, and nothing is retried on its own; the user
    tops up and resumes. ``reason`` is the text after "Reason:".
    """

    next_step = (
        "Top up at fal's billing page, then press Resume. If the lock survives a top-up, "
        "contact fal support (a known fal defect)."
    )

    def __init__(self, message: str, reason: str = "") -> None:
        super().__init__(message)
        self.reason = reason


class ScopeRefused(FalError):
    """401/403 from fal's Platform API: this key may not use that route (e.g. an admin route,
    or request history); the app degrades instead of asking for another key."""

    next_step = "This needs a fal key with more access (an admin key for billing)."


@dataclass(frozen=True)
class FieldError:
    """One field problem from a 422 body (``loc`` path joined with dots)."""

    path: str
    message: str
    type: str = ""


class ValidationFailed(FalError):
    """422: the server rejected the input; ``fields`` carries each field path."""

    next_step = "Fix the highlighted parameter and try again."

    def __init__(self, message: str, fields: Sequence[FieldError] = ()) -> None:
        super().__init__(message)
        self.fields = tuple(fields)


class RateLimited(FalError):
    """429 after the retry budget is spent."""

    next_step = "Too many requests at once: wait a moment or lower the concurrency."

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class ServerError(FalError):
    """5xx from the queue after retries."""

    next_step = "fal's service had a problem; try again later."

    def __init__(self, message: str, status_code: int = 0) -> None:
        super().__init__(message)
        self.status_code = status_code


class NetworkError(FalError):
    """Transport error or timeout after retries."""

    next_step = "Check the network connection."


class MalformedResponse(FalError):
    """The server answered something that does not match the protocol."""

    next_step = "This is probably a temporary fault of the service; try again."


class ResponseTooLarge(MalformedResponse):
    """A body, line or event from the server is past its size limit; it was not read whole."""

    next_step = "The answer was refused to protect the app; if it keeps happening, report it."


class DeadlineExceeded(FalError):
    """A job or a transfer took longer than its overall deadline."""

    error_type = "deadline"  # core.jobs.model.DEADLINE (when a whole job ran out of time)

    next_step = "fal is slow or stuck right now; try again later."


class TransferStalled(FalError):
    """Data stopped arriving (fewer bytes than the stall floor within its window)."""

    next_step = "The connection stalled; check the network and try again."


class RequestFailed(FalError):
    """The generation ran and failed (COMPLETED with ``error``, or an error result)."""

    def __init__(
        self, message: str, error_type: str | None = None, *, next_step: str | None = None
    ) -> None:
        super().__init__(message, next_step=next_step)
        self.error_type = error_type


class InfrastructureFailed(RequestFailed):
    """fal could not run the job (runner lost, no runner, timeout...) after its own retries.

    ``error_type`` is fal's code (``runner_disconnected``, ``request_timeout``, ...); the next
    step depends on it. fal does not bill these; running it again is a new job.
    """


class StartTimeout(InfrastructureFailed):
    """No runner started the job before its start deadline (504, user timeout type)."""


class AppCrashed(RequestFailed):
    """The model's app raised an unhandled exception: a generic 500, the reason in the logs."""

    def __init__(self, message: str, traceback_head: str | None = None) -> None:
        super().__init__(message, "app_crash", next_step=(
            "A fault in the model on fal's side, not in your input. Try again; if it keeps "
            "crashing, report the request id to fal."
        ))
        self.traceback_head = traceback_head


class RequestCancelled(FalError):
    """The request was cancelled."""


class SubmissionUnknown(FalError):
    """A submit may have reached the server but no answer came back: never resent silently."""

    next_step = (
        "Check your fal dashboard; submit again only if the request is not there "
        "(you may be charged twice)."
    )


class DuplicateRequestId(SubmissionUnknown):
    """The queue accepted a submit but named it with a request id another job already has.

    The job is shown as a submission with an unknown outcome: it reached fal, it cannot be
    followed, and it is never resent on its own.
    """


class NotFound(FalError):
    """404 for a request id the queue does not know (or media that expired)."""


class NotOwner(UserError):
    """The journal says another engine now owns this job; this one must stop writing it."""


class DownloadError(UserError):
    """A result image could not be fetched or is not a valid image."""


class PaidNotDownloaded(DownloadError):
    """fal produced the result (and charged for it) but its images could not be stored.

    The job keeps its request id and offers Re-download, which fetches the same result again
    without a new charge; a retry would be a second paid generation.
    """

    error_type = "not_downloaded"  # core.jobs.model.NOT_DOWNLOADED
    next_step = "Use Re-download: no new submit, no new charge."


# ---- local environment ------------------------------------------------------------------------


class KeyringUnavailable(UserError):
    """No usable OS keyring (none installed, locked, or too slow)."""

    next_step = "Use a key for this session only, or set FAL_KEY in the environment."


class StoreError(UserError):
    """The history database could not be read or written."""


class DiskFull(StoreError):
    """No space left while writing a file or the database."""

    next_step = "Free some disk space and try again; nothing was lost."
