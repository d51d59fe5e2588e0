"""Bounds on everything the server sends: body and line sizes, and time (deadline, stall floor).

A server (or anything in between) may answer with a body of any size, a line that never ends,
or bytes that trickle in one at a time. Nothing read from it is held whole before its size is
known to be within a limit, and no wait is open-ended: past a bound the caller gets a typed error
with a message, never unbounded memory or a wait without end.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

from qwenimg_desktop.core.errors import DeadlineExceeded, ResponseTooLarge, TransferStalled

if TYPE_CHECKING:  # the window imports these limits at start-up: no httpx, no asyncio there
    import asyncio

    import httpx

KIB: Final = 1024
MIB: Final = 1024 * KIB

MAX_STATUS_BYTES: Final = 1 * MIB
"""A status body (with its log lines): real ones are a few KiB."""
MAX_ERROR_BYTES: Final = 64 * KIB
"""An error body: only its short reason is ever shown."""
MAX_RESULT_BYTES: Final = 1 * MIB
"""A result whose images are links (a few hundred bytes per image)."""
MAX_INLINE_RESULT_BYTES: Final = 96 * MIB
"""A ``sync_mode`` result, whose images travel inside it as data: URIs."""
MAX_SSE_LINE_BYTES: Final = 1 * MIB
"""One line, and one event, of the status stream: an event is one status body."""
CALL_DEADLINE_S: Final = 120.0
"""One queue call, from sending it to the last byte of its answer (as httpx's read timeout)."""
JOB_DEADLINE_S: Final = 30 * 60.0
"""From following a submitted job to having its result: fal's queue and a run take minutes."""
SUBMIT_DEADLINE_S: Final = 300.0
"""From sending a submit to its answer, retries on 429 and connect errors included."""
MAX_LOG_LINE_CHARS: Final = 4000
"""One stored log line; a longer one is cut, with a note saying so."""
MAX_LOG_FIELD_CHARS: Final = 64
"""A log line's level or timestamp as stored."""
MAX_LOG_LINES_PER_JOB: Final = 5000
"""Log lines stored for one job; later ones are dropped, with one note saying so."""


def result_limit(sync_mode: bool) -> int:
    """The size limit of a result: inline images (``sync_mode``) travel inside it."""
    return MAX_INLINE_RESULT_BYTES if sync_mode else MAX_RESULT_BYTES


def too_large(what: str, limit: int) -> ResponseTooLarge:
    """The typed error for a body past its limit."""
    return ResponseTooLarge(
        f"fal's {what} is larger than the {limit:,}-byte limit; it was not read"
    )


async def read_capped(
    response: httpx.Response, limit: int, what: str, *, cut: bool = False
) -> bytes:
    """The (decoded) body of a streamed response, refused as soon as it passes ``limit`` bytes.

    A declared Content-Length over the limit is refused before anything is read; a body
    without one (or lying about it) is stopped at the limit while it streams. With ``cut``
    (error bodies, of which only a short reason is shown) the first ``limit`` bytes are
    returned instead.

    Raises:
        ResponseTooLarge: the body is larger than ``limit`` (never with ``cut``).
    """
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit and not cut:
        raise too_large(what, limit)
    parts: list[bytes] = []
    size = 0
    async for chunk in response.aiter_bytes():
        if size + len(chunk) > limit:
            if not cut:
                raise too_large(what, limit)
            parts.append(chunk[: limit - size])
            break
        size += len(chunk)
        parts.append(chunk)
    return b"".join(parts)


async def capped_lines(response: httpx.Response, limit: int, what: str) -> AsyncIterator[str]:
    """The text lines of a streamed response (SSE rules: ``\\r\\n``, ``\\r`` or ``\\n``), each at
    most ``limit`` characters; a longer line is refused while it is still arriving.

    Raises:
        ResponseTooLarge: a line is longer than ``limit``.
    """
    pending = ""
    async for text in response.aiter_text():
        pending += text
        while True:
            cut = _line_end(pending)
            if cut is None:
                break
            end, skip = cut
            line, pending = pending[:end], pending[end + skip:]
            if len(line) > limit:
                raise too_large(f"{what} line", limit)
            yield line
        if len(pending) > limit:
            raise too_large(f"{what} line", limit)
    if pending:
        yield pending


async def sse_data(response: httpx.Response, limit: int) -> AsyncIterator[str]:
    """The ``data`` of each event of a server-sent event stream, each line and each event at
    most ``limit`` characters. Comments (keep-alives) and other fields are skipped.

    Raises:
        ResponseTooLarge: a line or an event is longer than ``limit``.
    """
    data: list[str] = []
    size = 0
    async for line in capped_lines(response, limit, "status stream"):
        if not line:
            if data:
                yield "\n".join(data)
            data, size = [], 0
            continue
        name, _, value = line.partition(":")
        if name != "data":
            continue  # a comment (":" keep-alive), event:, id:, retry:
        value = value.removeprefix(" ")
        size += len(value) + 1
        if size > limit:
            raise too_large("status stream event", limit)
        data.append(value)
    # An event not ended by a blank line when the stream closes is dropped (as the SSE rules say).


def _line_end(text: str) -> tuple[int, int] | None:
    """(index of the first line end, its length), or None when no line is complete yet.

    A trailing ``\\r`` waits for the next chunk: it may be the first half of ``\\r\\n``.
    """
    for index, char in enumerate(text):
        if char == "\n":
            return index, 1
        if char == "\r":
            if index + 1 == len(text):
                return None
            return index, 2 if text[index + 1] == "\n" else 1
    return None


@dataclass(frozen=True)
class Pace:
    """Time bounds of one transfer or one job.

    ``deadline``: seconds the whole thing may take. ``window`` and ``floor``: at least
    ``floor`` bytes must arrive within every ``window`` seconds (a stall floor: a server
    sending one byte every 20 s keeps a connection alive forever without it).
    """

    deadline: float = 600.0
    window: float = 30.0
    floor: int = 16 * KIB


class PaceKeeper:
    """Enforces a :class:`Pace` inside ``async with keeper.bound(what):``; call :meth:`got` with
    the size of each chunk received."""

    def __init__(self, pace: Pace) -> None:
        self.pace = pace
        self._window: asyncio.Timeout | None = None
        self._in_window = 0

    def got(self, size: int) -> None:
        """Count received bytes; once the window's floor is met a new window starts."""
        self._in_window += size
        if self._in_window >= self.pace.floor:
            self.restart_window()

    def restart_window(self) -> None:
        """Start a fresh stall window now (a new attempt, or the floor was met)."""
        self._in_window = 0
        if self._window is not None:
            import asyncio  # noqa: PLC0415 - loaded already wherever a transfer runs

            self._window.reschedule(asyncio.get_running_loop().time() + self.pace.window)

    def pause_window(self) -> None:
        """No stall floor until :meth:`restart_window` (our own waits and work are no stall)."""
        if self._window is not None:
            self._window.reschedule(None)

    @contextlib.asynccontextmanager
    async def bound(self, what: str) -> AsyncIterator[None]:
        """Raise :class:`DeadlineExceeded` or :class:`TransferStalled` when a bound is passed.

        Raises:
            DeadlineExceeded: the whole transfer took longer than ``deadline``.
            TransferStalled: fewer than ``floor`` bytes arrived within ``window`` seconds.
        """
        import asyncio  # noqa: PLC0415 - see restart_window

        pace = self.pace
        overall = asyncio.timeout(pace.deadline)
        window = asyncio.timeout(pace.window)
        try:
            async with overall, window:
                self._window = window
                self._in_window = 0
                yield
        except TimeoutError:
            if overall.expired():
                raise DeadlineExceeded(
                    f"the {what} did not finish within {pace.deadline:g} s"
                ) from None
            if window.expired():
                raise TransferStalled(
                    f"the {what} stalled: fewer than {pace.floor:,} bytes arrived in "
                    f"{pace.window:g} s"
                ) from None
            raise
        finally:
            self._window = None
