"""Frozen event records: the only things that cross from the engine thread to the UI."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from qwenimg_desktop.core.jobs.model import JobState
from qwenimg_desktop.core.pricing import CachedPrice
from qwenimg_desktop.core.store.files import DataLayout


@dataclass(frozen=True, slots=True)
class JobEvent:
    """Base: every event names the local job id."""

    job_id: str


@dataclass(frozen=True, slots=True)
class Submitted(JobEvent):
    """The queue accepted the request."""

    request_id: str


@dataclass(frozen=True, slots=True)
class Queued(JobEvent):
    """Waiting in fal's queue (position may be unknown)."""

    position: int | None  # as fal counts: 0 = next to run

    @property
    def place(self) -> int | None:
        """The position as people count it (1 = next), the same in the CLI and the window."""
        return self.position + 1 if self.position is not None and self.position >= 0 else None


@dataclass(frozen=True, slots=True)
class Running(JobEvent):
    """Running; ``logs`` holds the new log lines since the previous event."""

    logs: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class StateChanged(JobEvent):
    """Any other journal state change (sending, cancel_requested, fetching, ...)."""

    state: JobState
    detail: str = ""
    # The engine has taken the job over again after a restart: its log is sent again from the
    # first line, so a view that kept the old lines starts the log afresh.
    resumed: bool = False


@dataclass(frozen=True, slots=True)
class Completed(JobEvent):
    """Images are on disk and the journal row is completed."""

    seed: int | None
    image_paths: tuple[str, ...] = field(default_factory=tuple)


@dataclass(frozen=True, slots=True)
class Failed(JobEvent):
    """The job ended with an error; ``reason`` is a user-facing sentence."""

    reason: str
    kind: str = "error"  # error class name, e.g. "AuthError", "ValidationFailed"
    fields: tuple[tuple[str, str], ...] = ()  # (field path, message) for 422
    next_step: str = ""  # what the user can do; specific to the failure (e.g. fal's error type)
    # The journal's error_type where it says what the user may do next: a lost submit "not
    # found at fal" (Submit again) or matched by several requests (choose one).
    error_type: str = ""


@dataclass(frozen=True, slots=True)
class Cancelled(JobEvent):
    """The job was cancelled (locally before submit, or by the queue).

    ``detail`` says whether fal had started it (so it may be charged); empty when it was never
    sent.
    """

    detail: str = ""


@dataclass(frozen=True, slots=True)
class FilesRestored(JobEvent):
    """A re-download of a finished job's missing images ended (``error`` empty on success)."""

    restored: int
    error: str = ""


@dataclass(frozen=True, slots=True)
class EngineNotice(JobEvent):
    """About the engine itself, not one job (``job_id`` is empty): its process stopped, was
    restarted, or could not be. ``message`` is a sentence for the user."""

    message: str
    restarted: bool = False
    info: bool = False  # news, not a fault (jobs left to or taken over from another process)


@dataclass(frozen=True, slots=True)
class EngineReady(JobEvent):
    """About the engine itself (``job_id`` is empty): its start has finished, once per engine.

    On success ``layout`` names the journal, checked and migrated: the window opens its own
    connection to it (on its GUI thread); ``notice`` is a sentence for the user about it (a
    damaged journal set aside), ``recovered`` / ``flagged_unknown`` the jobs the start took over
    or flagged. On failure ``error`` (a sentence) and ``next_step`` say why; nothing ran.
    """

    layout: DataLayout | None = None
    notice: str | None = None
    recovered: tuple[str, ...] = ()
    flagged_unknown: tuple[str, ...] = ()
    owner: str = ""
    """The engine's lease id: the ``owner`` of the jobs it runs (other live owners run theirs)."""
    error: str = ""
    next_step: str = ""
    paused: bool = False  # the user's "Pause sending", as kept across restarts
    locked: str | None = None  # fal's reason while the account is locked (sending paused)


EventSink = Callable[[JobEvent], None]


@dataclass(frozen=True, slots=True)
class AccountLocked(JobEvent):
    """fal refused a submit or an upload because the account is locked (an exhausted balance,
    an admin lock). Sending is paused for every job: waiting jobs stay queued, jobs already at
    fal are still followed; the user tops up and resumes. Never retried on its own."""

    reason: str = ""
    message: str = ""


@dataclass(frozen=True, slots=True)
class Held(JobEvent):
    """A waiting job a budget cap holds back (``reason``: "held: over the daily budget ($x of
    $y)"). It is sent once the user raises the cap or allows it once; a
    :class:`StateChanged` to ``pending`` says it was let go."""

    reason: str


@dataclass(frozen=True, slots=True)
class PricesRead(JobEvent):
    """fal's prices were read and kept in the journal (``job_id`` is empty): the window shows
    costs at these prices from now on."""

    prices: tuple[CachedPrice, ...] = ()
