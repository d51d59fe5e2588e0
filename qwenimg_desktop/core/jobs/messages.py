"""The messages between the window's process and the engine's child process (see remote.py).

Frozen dataclasses, pickled across one ``multiprocessing`` pipe and dispatched with ``match``.
A :data:`Command` goes from the window's process to the child, a :data:`Report` back. Job
events themselves are the :mod:`~qwenimg_desktop.core.jobs.events` records, sent in batches.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from qwenimg_desktop.core.budget import Budget
from qwenimg_desktop.core.jobs.events import JobEvent
from qwenimg_desktop.core.params import GenerationRequest

if TYPE_CHECKING:  # unpickling a report imports it where one arrives (the History tab has it)
    from typing import TypeAlias

    from qwenimg_desktop.core.store.consistency import ConsistencyReport

    Answer: TypeAlias = bool | tuple[str, ...] | ConsistencyReport
    """What a :class:`Reply` carries: idle?, the active jobs, the file check's report."""

# ---- window -> engine ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Submit:
    """Start a new job. ``resent``: handed over again after the previous child died before
    confirming it; the child starts it only if its journal does not have it yet."""

    job_id: str
    request: GenerationRequest
    resent: bool = False


@dataclass(frozen=True, slots=True)
class Retry:
    """Start the stored request of ``old_id`` again as the new job ``new_id``."""

    old_id: str
    new_id: str
    resent: bool = False


@dataclass(frozen=True, slots=True)
class SubmitBatch:
    """Journal a batch whole and send it in order (``core/store/batches.py``). ``resent``: as
    for :class:`Submit` (the child skips a batch its journal already has)."""

    batch_id: str
    job_ids: tuple[str, ...]
    requests: tuple[GenerationRequest, ...]
    label: str = ""
    resent: bool = False


@dataclass(frozen=True, slots=True)
class PauseSending:
    """Hold back (or let go) the jobs waiting to be sent."""

    paused: bool


@dataclass(frozen=True, slots=True)
class ResumeAfterLock:
    """The user resumes after topping up a locked account (the banner's Resume)."""


@dataclass(frozen=True, slots=True)
class AllowOnce:
    """Send a job a budget cap holds back (its whole batch if it has one)."""

    job_id: str


@dataclass(frozen=True, slots=True)
class AdoptRequest:
    """Follow ``request_id``, the user's choice among the requests fal's history showed for
    the lost submit of ``job_id`` (checked against them in the child)."""

    job_id: str
    request_id: str


@dataclass(frozen=True, slots=True)
class MoveToFront:
    """Send this waiting job next."""

    job_id: str


@dataclass(frozen=True, slots=True)
class Reorder:
    """Place this waiting job between two others of the send queue ("" for an open side)."""

    job_id: str
    after: str
    before: str


@dataclass(frozen=True, slots=True)
class CancelBatch:
    batch_id: str


@dataclass(frozen=True, slots=True)
class Cancel:
    job_id: str


@dataclass(frozen=True, slots=True)
class Redownload:
    job_id: str


@dataclass(frozen=True, slots=True)
class CancelAll:
    pass


@dataclass(frozen=True, slots=True)
class Configure:
    concurrency: int
    price_per_image: float | None
    budget: Budget | None = None


@dataclass(frozen=True, slots=True)
class AskIdle:
    """Answer with a :class:`Reply` once no job runs (``value`` True) or after ``timeout``."""

    call_id: int
    timeout: float | None


@dataclass(frozen=True, slots=True)
class AskActive:
    """Answer with a :class:`Reply` whose ``value`` lists the unfinished jobs' ids."""

    call_id: int


@dataclass(frozen=True, slots=True)
class AskFiles:
    """Run the file check (``consistency.check_files``) and answer with a :class:`Reply` whose
    ``value`` is its report: the History tab's check runs in the engine's process, which
    writes the files and the journal, so its Python (seconds of it at 100,000 generations)
    never holds the window's GIL."""

    call_id: int


@dataclass(frozen=True, slots=True)
class KeyAnswer:
    """The window's key store's answer to a :class:`KeyRequest` (never in a repr)."""

    call_id: int
    key: str | None = field(repr=False)


@dataclass(frozen=True, slots=True)
class Stop:
    """Shut down; jobs in the middle of a submit get ``timeout`` seconds to finish it."""

    timeout: float


JobCommand = Submit | Retry | SubmitBatch
Command = (Submit | Retry | SubmitBatch | PauseSending | MoveToFront | Reorder | CancelBatch
           | Cancel | Redownload | CancelAll | Configure | AskIdle | AskActive | AskFiles
           | KeyAnswer | Stop | ResumeAfterLock | AllowOnce | AdoptRequest)
Question = AskIdle | AskActive | AskFiles
"""The commands answered with a :class:`Reply`."""

# ---- engine -> window ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Events:
    """Job events, in the order the engine emitted them (its start's ``EngineReady`` too)."""

    events: tuple[JobEvent, ...]


@dataclass(frozen=True, slots=True)
class Reply:
    """The answer to a :data:`Question`; ``error`` if it failed."""

    call_id: int
    value: Answer = False
    error: str | None = None


@dataclass(frozen=True, slots=True)
class KeyRequest:
    """A job is starting: the child asks the window's key store for the API key."""

    call_id: int


@dataclass(frozen=True, slots=True)
class LogLine:
    """A log record of the child (already formatted and redacted), for the window's handlers."""

    level: int
    name: str
    text: str


@dataclass(frozen=True, slots=True)
class Stopped:
    """The child has shut its engine down; nothing follows."""


Report = Events | Reply | KeyRequest | LogLine | Stopped
