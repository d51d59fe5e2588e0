"""Finding a submit whose answer was lost in fal's request history (docs/reliability.md).

fal has no idempotency key, so a submit that may have reached fal (a timeout or reset after
sending, a 5xx, a crash between the POST and the journal commit) is never sent again on its
own. Instead its journalled body, which always carries a client-chosen seed, is looked up in
``GET /models/requests/by-endpoint``:

- exactly one request whose input is the body (JSON equality, key order ignored) → the job
  adopts that request id and finishes as usual;
- none → fal may not list it yet (a queued request appears once it starts): look again with
  back-off until a deadline, then say "not found at fal" and leave "Submit again" to the user;
- several → the user chooses.

If nothing matches exactly, one request whose input holds every field we sent with the same
value is accepted too (fal may store the body with its defaults filled in), but only if it is
the only such request.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any, Final

from qwenimg_desktop.core.errors import NetworkError, RateLimited, ServerError
from qwenimg_desktop.core.fal.platform import HistoryItem, PlatformClient
from qwenimg_desktop.core.jobs.model import AMBIGUOUS_AT_FAL
from qwenimg_desktop.core.store.holds import Candidate

__all__ = [
    "AMBIGUOUS_AT_FAL",
    "LOOKING",
    "NOT_FOUND_AT_FAL",
    "NO_HISTORY_ACCESS",
    "SUBMIT_AGAIN_STEP",
    "Lookup",
    "Outcome",
    "candidates",
    "look_until_found",
    "look_up",
    "looking_note",
    "lost_reason",
    "match",
    "summary",
]

log = logging.getLogger("qwenimg.reconcile")

LOOKBACK: Final = timedelta(minutes=2)
"""History is searched from this long before the job was journalled (clocks differ)."""
RECONCILE_DEADLINE_S: Final = 600.0
"""How long a lost submit is looked for before it is shown as "not found at fal"."""
FIRST_DELAY_S: Final = 2.0
MAX_DELAY_S: Final = 60.0

LOOKING: Final = "looking for this request at fal"
NOT_FOUND_AT_FAL: Final = "not_found_at_fal"
"""``error_type`` of an unknown job that fal's history did not show before the deadline."""
SUBMIT_AGAIN_STEP: Final = ("Submit again (right-click the job, or Retry) sends it once more, "
                            "at the price shown.")
NO_HISTORY_ACCESS: Final = (
    "Lost submits cannot be looked up: this fal key may not read the request history. Jobs "
    "whose submit outcome is unknown stay as they are; check your fal dashboard."
)


_LOOKING_NOTE: Final = LOOKING + " (the submit's answer was lost: {})"


def looking_note(lost: str) -> str:
    """What an ``unknown`` job says while it is looked for: that it is, and why."""
    return _LOOKING_NOTE.format(lost)


def lost_reason(error: str | None) -> str:
    """Why a job's outcome is unknown, without the "looking for" note of a search that was
    cut off (looked for again after a restart, the note is not nested once more)."""
    text = error or "submission outcome unknown"
    prefix, suffix = _LOOKING_NOTE.split("{}")
    while text.startswith(prefix) and text.endswith(suffix):
        text = text[len(prefix):len(text) - len(suffix)]
    return text or "submission outcome unknown"


class Outcome(StrEnum):
    found = "found"
    none = "none"
    several = "several"


@dataclass(frozen=True)
class Lookup:
    """What one look at fal's history found for a job."""

    outcome: Outcome
    matches: tuple[HistoryItem, ...] = ()


def _holds(item: Any, sent: Any) -> bool:
    """Whether ``item`` holds every field of ``sent`` with an equal value (recursively)."""
    if isinstance(sent, Mapping):
        return isinstance(item, Mapping) and all(
            key in item and _holds(item[key], value) for key, value in sent.items()
        )
    return bool(item == sent)


def match(body: Mapping[str, Any], items: Sequence[HistoryItem]) -> Lookup:
    """The requests of ``items`` whose input is ``body`` (see the module docstring)."""
    exact = tuple(i for i in items if i.json_input is not None and i.json_input == dict(body))
    if not exact:
        loose = tuple(i for i in items if i.json_input is not None and _holds(i.json_input, body))
        exact = loose if len(loose) == 1 else ()
        if len(loose) > 1:
            return Lookup(Outcome.several, loose)
    if len(exact) == 1:
        return Lookup(Outcome.found, exact)
    if exact:
        return Lookup(Outcome.several, exact)
    return Lookup(Outcome.none)


TakenFilter = Callable[[list[str]], Awaitable[set[str]]]
"""Which of these request ids other jobs already follow (they are never adopted twice: two
jobs sent with the same fixed seed and settings have equal bodies)."""


async def look_up(
    platform: PlatformClient, endpoint_id: str, body: Mapping[str, Any], journalled_at: float,
    taken: TakenFilter | None = None,
) -> Lookup:
    """One look at fal's history for the request ``body`` sent to ``endpoint_id`` after
    ``journalled_at`` (a UNIX time)."""
    start = datetime.fromtimestamp(journalled_at, UTC) - LOOKBACK
    items = await platform.requests_by_endpoint(endpoint_id, start=start, payloads=True)
    if taken is not None and items:
        held = await taken([item.request_id for item in items])
        items = [item for item in items if item.request_id not in held]
    return match(body, items)


async def look_until_found(
    platform: PlatformClient, endpoint_id: str, body: Mapping[str, Any], journalled_at: float,
    *, deadline: float = RECONCILE_DEADLINE_S, taken: TakenFilter | None = None,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    clock: Callable[[], float] | None = None,
) -> Lookup:
    """Look again with back-off (2 s doubling to 60 s) while nothing matches, until
    ``deadline`` seconds have passed; transient faults count as "nothing yet".

    Raises:
        ScopeRefused / AuthError / AccountLocked: the key may not read the history.
    """
    now = clock or asyncio.get_running_loop().time
    until = now() + deadline
    delay = FIRST_DELAY_S
    while True:
        try:
            found = await look_up(platform, endpoint_id, body, journalled_at, taken)
        except (NetworkError, ServerError, RateLimited) as exc:
            log.info("request history unavailable (%s); looking again later", exc)
            found = Lookup(Outcome.none)
        if found.outcome is not Outcome.none or now() + delay > until:
            return found
        await sleep(delay)
        delay = min(delay * 2, MAX_DELAY_S)



def summary(item: HistoryItem) -> str:
    """A short description of a request's input, to tell candidates apart: its prompt's
    start, seed, size and image count."""
    body = item.json_input or {}
    prompt = " ".join(str(body.get("prompt", "")).split())
    parts = [f"“{prompt[:60]}{'…' if len(prompt) > 60 else ''}”" if prompt else "(no prompt)"]
    for key, label in (("seed", "seed"), ("image_size", "size"), ("num_images", "images")):
        if key in body:
            value = body[key]
            if isinstance(value, dict):
                value = f"{value.get('width')}×{value.get('height')}"
            parts.append(f"{label} {value}")
    return " · ".join(parts)


def candidates(found: Lookup) -> list[Candidate]:
    """The requests several of which matched, as the journal keeps them for the user."""
    return [Candidate(item.request_id, item.sent_at.timestamp(), item.status_code, summary(item))
            for item in found.matches]
