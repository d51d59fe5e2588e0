"""How fal reports a failed job, turned into typed errors with their own next step.

A job that failed still ends ``COMPLETED``; the result fetch then answers with the outcome:

- a **model error**: 422 with a ``detail`` list (field path, message, type);
- an **infrastructure error**: a flat ``{detail, error_type}`` body and ``X-Fal-Error-Type``,
  after fal's own retries, so it is final; fal does not bill it;
- an **app crash**: a generic 500; the reason is only in the job's logs (a traceback entry);
- a **start timeout**: 504 with ``X-Fal-Request-Timeout-Type``;
- a **cancellation**: 499 (``client_cancelled``).
"""

from __future__ import annotations

import json
from typing import Final

import httpx

from qwenimg_desktop.core.errors import (
    AppCrashed,
    FalError,
    InfrastructureFailed,
    RequestCancelled,
    StartTimeout,
    ValidationFailed,
)
from qwenimg_desktop.core.fal.protocol import parse_error_body

CANCELLED_TYPES: Final = frozenset({"client_cancelled", "request_cancelled"})
_AGAIN: Final = "nothing was charged; generate again"
_INSIDE: Final = f"A fault inside fal: {_AGAIN}."
# fal's infrastructure error types: what happened, and what the user can do about it.
INFRASTRUCTURE: Final[dict[str, tuple[str, str]]] = {
    "request_timeout": ("it ran longer than fal allows",
                        f"fal stopped it: {_AGAIN}, perhaps with fewer images."),
    "startup_timeout": ("the model's machine did not start in time",
                        f"fal is busy starting this model: {_AGAIN} in a minute."),
    "runner_scheduling_failure": ("fal had no machine free for this model",
                                  f"fal is at capacity for this model: {_AGAIN} later."),
    "runner_connection_timeout": ("fal could not reach the model's machine in time", _INSIDE),
    "runner_disconnected": ("the model's machine disconnected while running it", _INSIDE),
    "runner_connection_refused": ("the model's machine refused the connection", _INSIDE),
    "runner_connection_error": ("fal lost the connection to the model's machine", _INSIDE),
    "runner_incomplete_response": ("the model's machine sent an incomplete answer", _INSIDE),
    "runner_server_error": ("the model's machine had an internal error", _INSIDE),
    "internal_error": ("fal had an internal error", f"A fault inside fal: {_AGAIN} later."),
    "client_disconnected": ("fal saw the connection close", "Generate again."),
    "bad_request": ("fal refused the request as malformed",
                    "This is a bug in this app: please report it (with the job's log)."),
}
CONTENT_POLICY_STEP: Final = "The safety checker refused it: change the prompt and try again."


def is_cancelled(error_type: str | None) -> bool:
    """True for fal's cancellation code (and the older spelling some servers use)."""
    return error_type in CANCELLED_TYPES


def result_failure(response: httpx.Response) -> FalError | None:
    """The typed outcome of an unsuccessful result fetch, or None for a generic answer.

    The caller maps None with its general rules (401/403, 404, 429, ...).
    """
    code = response.status_code
    body = parse_error_body(response.content)
    error_type = body.error_type or response.headers.get("x-fal-error-type")
    detail = body.message()
    if code == 499 or is_cancelled(error_type):
        return RequestCancelled(detail or "the request was cancelled")
    if code == 504 and response.headers.get("x-fal-request-timeout-type"):
        return StartTimeout(
            "fal did not start the generation before its start deadline", "request_timeout",
            next_step="fal was too busy to start it in time; nothing was charged. Try later.",
        )
    if code == 422:
        fields = body.field_errors()
        message = f"fal rejected the input: {detail or 'invalid input'}"
        if any(field.type == "content_policy_violation" for field in fields):
            failed = ValidationFailed(message, fields)
            failed.next_step = CONTENT_POLICY_STEP
            return failed
        return ValidationFailed(message, fields)
    if error_type:
        known = INFRASTRUCTURE.get(error_type)
        what, step = known or ("", "Generate again; if it keeps failing, try later.")
        text = f"fal could not run the generation: {what} ({error_type})" if what else (
            f"fal could not run the generation ({error_type})")
        if detail:
            text += f": {detail}"
        return InfrastructureFailed(text, error_type, next_step=step)
    if code == 500:
        return AppCrashed("the model crashed on fal (HTTP 500)")
    return None


def traceback_text(message: str) -> str | None:
    """The traceback of an app-crash log entry (``{"traceback": ...}``), else None."""
    if not message.startswith("{") or "traceback" not in message:
        return None
    try:
        data = json.loads(message)
    except ValueError:
        return None
    text = data.get("traceback") if isinstance(data, dict) else None
    return text if isinstance(text, str) and text.strip() else None


def traceback_head(text: str) -> str:
    """The first meaningful line of a traceback: fal writes the cause first."""
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    for line in lines:
        if not line.startswith(("Traceback", "File ")):
            return line[:300]
    return lines[0][:300] if lines else ""
