"""EngineConfig: every setting a job engine is built from, in one picklable value.

The window, the CLI and the engine's child process build an engine from one of these (plus its
key source and event sink, which are not settings): a new setting is added here once.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from qwenimg_desktop.core.fal import DEFAULT_QUEUE_BASE
from qwenimg_desktop.core.fal.limits import JOB_DEADLINE_S, SUBMIT_DEADLINE_S, Pace
from qwenimg_desktop.core.store.files import DataLayout

if TYPE_CHECKING:
    from qwenimg_desktop.core.budget import Budget
    from qwenimg_desktop.core.fal.retry import RetryPolicy


@dataclass(frozen=True, slots=True)
class EngineConfig:
    """What a :class:`~qwenimg_desktop.core.jobs.engine.JobEngine` runs with (no secrets).

    ``fault_log`` is used only by the engine's child process: where a hard crash (a fault in
    a decoder) leaves its stack.
    """

    layout: DataLayout
    queue_base: str = DEFAULT_QUEUE_BASE
    concurrency: int = 2
    price_per_image: float | None = None  # None: the endpoint's own price
    repair_corrupt: bool = False  # the window: a damaged journal is moved aside, not refused
    use_stream: bool = True
    poll_interval: float = 0.2
    make_thumbnails: bool = True
    recover: bool = True
    retry: RetryPolicy | None = None
    fault_log: Path | None = None
    job_deadline: float = JOB_DEADLINE_S  # following a job until its result (core/fal/limits)
    submit_deadline: float = SUBMIT_DEADLINE_S  # a submit's answer
    download_pace: Pace | None = None  # each image download: deadline and stall floor
    platform_base: str | None = None  # fal's Platform API; None: the one of ``queue_base``
    reconcile_deadline: float = 600.0  # how long a lost submit is looked for at fal
    owner_label: str | None = None  # how other processes name this engine (core/jobs/lease.py)
    # The caps new jobs are held back by (the window's settings); None: nothing is held (the
    # CLI checks a batch's cost itself and refuses it).
    budget: Budget | None = None
    # Set by the engine's child process: no window shares its GIL, so its background decodes
    # (thumbnails) run at a lower priority and a window beside it wins a core over them.
    own_process: bool = False
