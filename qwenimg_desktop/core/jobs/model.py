"""Job states (the journal's state machine) and their allowed transitions."""

from __future__ import annotations

from enum import StrEnum
from typing import Final


class JobState(StrEnum):
    """Journal states (docs/reliability.md, Rules). Values are stored in the database."""

    pending = "pending"  # committed before anything; safe to send after a crash
    sending = "sending"  # committed just before the POST; after a crash: submission unknown
    submitted = "submitted"  # request_id committed
    queued = "queued"
    running = "running"
    cancel_requested = "cancel_requested"  # PUT cancel accepted; the run may still complete
    fetching = "fetching"  # result being fetched / images downloaded
    completed = "completed"
    failed = "failed"
    cancelled = "cancelled"
    unknown = "unknown"  # submission outcome unknown: looked up at fal, never resubmitted

    @property
    def is_final(self) -> bool:
        """True for states nothing moves out of on its own (an explicit user resubmit makes a
        new job; an ``unknown`` job found in fal's request history is followed again)."""
        return self in FINAL_STATES


FINAL_STATES: Final = frozenset(
    {JobState.completed, JobState.failed, JobState.cancelled, JobState.unknown}
)
REMOTE_STATES: Final = frozenset(
    {
        JobState.submitted,
        JobState.queued,
        JobState.running,
        JobState.cancel_requested,
        JobState.fetching,
    }
)

_S = JobState
TRANSITIONS: Final[dict[JobState, frozenset[JobState]]] = {
    _S.pending: frozenset({_S.sending, _S.cancelled, _S.failed}),
    # sending → pending: refused with a definite answer before it was queued (a locked
    # account): nothing was queued, so it waits to be sent again once the user resumes.
    _S.sending: frozenset({_S.submitted, _S.unknown, _S.failed, _S.cancelled, _S.pending}),
    _S.submitted: frozenset(
        {_S.queued, _S.running, _S.fetching, _S.cancel_requested, _S.cancelled, _S.failed}
    ),
    _S.queued: frozenset(
        {_S.queued, _S.running, _S.fetching, _S.cancel_requested, _S.cancelled, _S.failed}
    ),
    _S.running: frozenset({_S.running, _S.fetching, _S.cancel_requested, _S.cancelled, _S.failed}),
    _S.cancel_requested: frozenset(
        {_S.cancel_requested, _S.running, _S.fetching, _S.cancelled, _S.failed}
    ),
    _S.fetching: frozenset({_S.fetching, _S.completed, _S.failed}),
    _S.completed: frozenset(),
    _S.failed: frozenset(),
    _S.cancelled: frozenset(),
    # The user may dismiss it; or its request is found in fal's history and followed.
    _S.unknown: frozenset({_S.failed, _S.submitted}),
}


ACCOUNT_LOCKED_WAIT: Final = "waiting: the fal account is locked (sending is paused)"
"""Why a job waits after fal refused it because the account is locked."""
NOT_DOWNLOADED: Final = "not_downloaded"
"""``error_type`` of a failed job whose result fal produced (and charged) but whose images
could not be downloaded or saved: it keeps its request id and offers Re-download, never a
paid retry."""
DEADLINE: Final = "deadline"
"""``error_type`` of a failed job that fal did not finish within the job deadline: the app
stopped waiting (and asked fal to cancel). If fal finished it anyway, Re-download fetches it."""
AMBIGUOUS_AT_FAL: Final = "ambiguous_at_fal"
"""``error_type`` of an ``unknown`` job that several requests in fal's history match: the user
chooses the one to follow (core/jobs/reconcile.py)."""
CHOOSE_STEP: Final = ("Choose the request to follow: right-click the job → Choose the request "
                      "at fal….")
REDOWNLOADABLE_ERRORS: Final = frozenset({NOT_DOWNLOADED, DEADLINE})


def offers_redownload(state: JobState, error_type: str | None, request_id: str | None) -> bool:
    """Whether a failed job can be completed by fetching its result again by request id."""
    return state is JobState.failed and error_type in REDOWNLOADABLE_ERRORS and bool(request_id)


def can_transition(old: JobState, new: JobState) -> bool:
    """Whether the journal allows ``old`` → ``new``."""
    return new in TRANSITIONS[old]
