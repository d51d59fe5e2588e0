"""Fault injection for the emulator: timings, per-route faults, seedable randomness."""

from __future__ import annotations

import random
import threading
from collections.abc import Mapping
from typing import Any, Final, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, model_validator

RouteKind = Literal["submit", "status", "stream", "result", "cancel", "file",
                    "upload_initiate", "upload_put", "upload_file"]
ALL_ROUTES: Final[tuple[RouteKind, ...]] = get_args(RouteKind)
FaultName = Literal[
    "server_error",
    "rate_limit",
    "dropped_stream",
    "slow_first_byte",
    "malformed_json",
    "expired_media",
    "failed_generation",
    "wrong_key",
    "submit_lost",
    "reused_request_id",
    "stalled_stream",
    "media_redirect",
    "upload_link_expired",
    "input_gone",
]
FAULT_NAMES: Final[tuple[FaultName, ...]] = get_args(FaultName)

# Routes a fault applies to when its ``routes`` is not given.
DEFAULT_ROUTES: Final[dict[FaultName, tuple[RouteKind, ...]]] = {
    "server_error": ("submit", "status", "result", "cancel"),
    "rate_limit": ("submit", "status", "result", "cancel"),
    "dropped_stream": ("stream",),
    "slow_first_byte": ("submit", "status", "stream", "result", "cancel", "file"),
    "malformed_json": ("status", "result"),
    "expired_media": ("file",),
    "failed_generation": ("submit",),
    "wrong_key": ("submit", "status", "stream", "result", "cancel"),
    "submit_lost": ("submit",),
    "reused_request_id": ("submit",),
    "stalled_stream": ("stream",),
    "media_redirect": ("file",),
    "upload_link_expired": ("upload_put",),
    "input_gone": ("submit",),
}
# Routes on which a fault can mean anything at all.
ALLOWED_ROUTES: Final[dict[FaultName, frozenset[RouteKind]]] = {
    "server_error": frozenset(ALL_ROUTES),
    "rate_limit": frozenset(ALL_ROUTES),
    "dropped_stream": frozenset({"stream"}),
    "slow_first_byte": frozenset(ALL_ROUTES),
    "malformed_json": frozenset({"submit", "status", "result", "cancel"}),
    "expired_media": frozenset({"file"}),
    "failed_generation": frozenset({"submit"}),
    "wrong_key": frozenset({"submit", "status", "stream", "result", "cancel"}),
    "submit_lost": frozenset({"submit"}),
    "reused_request_id": frozenset({"submit"}),
    "stalled_stream": frozenset({"stream"}),
    "media_redirect": frozenset({"file"}),
    "upload_link_expired": frozenset({"upload_put"}),
    "input_gone": frozenset({"submit"}),
}
FailureKind = Literal["infrastructure", "model", "crash", "start_timeout"]
# The HTTP code fal's result answers with for each infrastructure error type (its published
# table); a type not listed answers 500.
INFRA_STATUS: Final[dict[str, int]] = {
    "request_timeout": 504,
    "startup_timeout": 504,
    "runner_scheduling_failure": 503,
    "runner_connection_timeout": 503,
    "runner_disconnected": 503,
    "runner_connection_refused": 503,
    "runner_connection_error": 503,
    "runner_incomplete_response": 502,
    "runner_server_error": 500,
    "client_disconnected": 499,
    "client_cancelled": 499,
    "bad_request": 400,
    "internal_error": 500,
}


class Fault(BaseModel):
    """One fault: fires with ``probability`` and/or on the next ``next_n`` matching requests.

    Only the knobs that matter to a fault are read: ``status`` (server_error: 500/502/503/504,
    failed_generation: the result's HTTP status, 422 or 500), ``ingress`` (server_error 502-504
    look like nginx ingress errors, which fal-client retries), ``retry_after`` (rate_limit, seconds,
    None = no header), ``delay`` (slow_first_byte, seconds before the headers), ``after_events``
    (dropped_stream: events sent before the connection is cut), ``message``/``error_type``
    (failed_generation), ``kind`` (failed_generation: ``infrastructure`` answers the result with
    the flat ``{detail, error_type}`` body and ``X-Fal-Error-Type``, at the code of fal's table
    unless ``status`` says; ``model`` answers 422 with a ``detail`` list naming ``field``;
    ``crash`` logs a traceback and answers a generic 500; ``start_timeout`` ends it as an
    expired ``X-Fal-Request-Timeout`` does (504 with the user timeout type); default: ``model``
    for status 422,
    else ``infrastructure``), ``location`` (media_redirect: where the 302 points; default the
    same file on the media origin, asked again without the fault).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    probability: float = Field(default=0.0, ge=0.0, le=1.0)
    next_n: int = Field(default=0, ge=0)
    routes: tuple[RouteKind, ...] | None = None
    status: int | None = None
    ingress: bool = True
    retry_after: float | None = Field(default=1.0, ge=0.0)
    delay: float = Field(default=1.0, ge=0.0, le=600.0)
    after_events: int = Field(default=1, ge=0)
    message: str = "Internal error during image generation"
    error_type: str = "runner_server_error"
    kind: FailureKind | None = None
    field: str = "prompt"
    location: str | None = None

    def failure_kind(self) -> FailureKind:
        """What a failed_generation fault stands for (see the class docstring)."""
        if self.kind is not None:
            return self.kind
        return "model" if self.status == 422 else "infrastructure"


DEFAULT_PRICES: Final[dict[str, float]] = {
    "fal-ai/qwen-image-2/pro/text-to-image": 0.075,
    "fal-ai/qwen-image-2/pro/edit": 0.075,
    "fal-ai/qwen-image-2/text-to-image": 0.035,
    "fal-ai/qwen-image-2/edit": 0.035,
}
"""fal's list prices per image (USD) of the four Qwen Image 2 endpoints."""


class PlatformScenario(BaseModel):
    """The emulated Platform API (under ``/v1``): prices, request history, key scopes, billing.

    ``history_visible``: when a request appears in ``by-endpoint`` (``start``: once a runner
    started it, as fal; ``end``: once it ended; ``submit``: at once); ``history_delay`` adds an
    indexing delay in seconds; ``history_refused`` answers that route 403 for API-scope keys.
    ``balance`` (None: no billing) drops by price × images of each successful request; at or
    below ``lock_threshold`` the account is locked: submits answer 403 "User is locked".
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    prices: dict[str, float] = Field(default_factory=lambda: dict(DEFAULT_PRICES))
    history_visible: Literal["start", "end", "submit"] = "start"
    history_delay: float = Field(default=0.0, ge=0.0, le=3600.0)
    history_refused: bool = False
    admin_keys: list[str] = Field(default_factory=list)
    balance: float | None = None
    lock_threshold: float = 0.0
    rate_limit_next: int = Field(default=0, ge=0, le=1000)


class Scenario(BaseModel):
    """Timings and faults of an emulator run (immutable; replace it to change behaviour)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    queue_delay: float = Field(default=0.2, ge=0.0, le=3600.0)
    run_time: float = Field(default=1.0, ge=0.0, le=3600.0)
    latency: float = Field(default=0.0, ge=0.0, le=60.0)
    max_running: int = Field(default=2, ge=1, le=1000)
    # Stages every job is held at until the stage is taken out of this (set_scenario merge):
    # "submit" (the submit is not answered), "queue" (queued whatever its queue_delay), "run"
    # (running past its run_time). A test holds a job at a stage for as long as it needs,
    # where a long delay is a race a loaded machine can lose.
    hold: frozenset[Literal["submit", "queue", "run"]] = frozenset()
    log_steps: int = Field(default=4, ge=0, le=1000)
    honour_running_cancel: bool = False
    # Render a job's images while it runs (as fal has them uploaded before COMPLETED) instead
    # of on the first result request, so fetching the result costs no render time.
    render_ahead: bool = False
    seed: int | None = None
    # How fal-like details are answered where fal's behaviour is not documented: each is a
    # switch, and the client's tests run the readings that matter.
    completed_carries_error: bool = True  # a model error / crash's COMPLETED has error/error_type
    validate_at_submit: bool = False  # fal validates at run time; this answers 422 at submit
    prompt_max_chars: int | None = Field(default=None, ge=1)  # no published limit: off
    side_bounds: tuple[int, int] | None = None  # no published per-side bound: off
    log_window: float = Field(default=300.0, gt=0.0)  # polled logs: the last N s up to the end
    stream_logs: Literal["new", "window"] = "new"  # what an SSE event's logs holds
    keepalive: float = Field(default=15.0, gt=0.0, le=600.0)  # SSE comment interval
    cancelled_answers_404: bool = False  # a cancelled queued job's status/result: 404, not 499
    cancelled_error_type: bool = True  # a cancelled running job's 499 carries error_type
    gzip: bool = True  # compress JSON answers when the client accepts gzip
    # The longest data: URI an edit reads from image_urls (fal's toolkit cap: 10 MiB of text).
    data_uri_cap: int = Field(default=10 * 1024 * 1024, ge=0)
    webhooks: bool = True  # POST the outcome to a loopback ``fal_webhook``

    server_error: Fault | None = None
    rate_limit: Fault | None = None
    dropped_stream: Fault | None = None
    slow_first_byte: Fault | None = None
    malformed_json: Fault | None = None
    expired_media: Fault | None = None
    failed_generation: Fault | None = None
    wrong_key: Fault | None = None
    submit_lost: Fault | None = None
    # The submit is accepted, but its answer names the previous request's id (a misbehaving
    # server; fal never does this). The client must not follow or resend it.
    reused_request_id: Fault | None = None
    # The status stream goes silent after ``after_events`` events: no data, no keep-alive
    # comments, for ``delay`` seconds (or until the client hangs up).
    stalled_stream: Fault | None = None
    # The media origin answers 302 (to ``location``, or the same file asked again).
    media_redirect: Fault | None = None
    # Storage: the signed upload URL has expired when the PUT comes (403).
    upload_link_expired: Fault | None = None
    # An edit's uploaded inputs are gone by the time it runs (its result: 422 on image_urls).
    input_gone: Fault | None = None
    platform: PlatformScenario = Field(default_factory=PlatformScenario)

    @model_validator(mode="after")
    def _check_faults(self) -> Scenario:
        for name in FAULT_NAMES:
            fault: Fault | None = getattr(self, name)
            if fault is None:
                continue
            bad = set(fault.routes or ()) - ALLOWED_ROUTES[name]
            if bad:
                raise ValueError(f"{name} cannot apply to route(s) {sorted(bad)}")
        if self.server_error and self.server_error.status not in (None, 500, 502, 503, 504):
            raise ValueError("server_error.status must be 500, 502, 503 or 504")
        failed = self.failed_generation
        if failed and failed.status is not None and not 400 <= failed.status <= 599:
            raise ValueError("failed_generation.status must be an HTTP error code")
        return self

    def fault(self, name: FaultName) -> Fault | None:
        value: Fault | None = getattr(self, name)
        return value

    def merged(self, patch: Mapping[str, Any]) -> Scenario:
        """A new scenario with the top-level keys of ``patch`` replaced (validated)."""
        return Scenario.model_validate({**self.model_dump(), **dict(patch)})


class FaultInjector:
    """Decides, thread-safely and reproducibly, whether a fault fires on a request."""

    def __init__(self, scenario: Scenario) -> None:
        self._lock = threading.Lock()
        self._scenario = scenario
        self._rng = random.Random(scenario.seed)
        self._seed_rng = random.Random(None if scenario.seed is None else scenario.seed + 1)
        self._remaining: dict[FaultName, int] = {}
        self._fired: dict[str, int] = {}
        self._arm(FAULT_NAMES)

    def __repr__(self) -> str:
        return f"<FaultInjector remaining={self._remaining} fired={self._fired}>"

    @property
    def scenario(self) -> Scenario:
        return self._scenario

    def set_scenario(
        self, scenario: Scenario, *, rearm: tuple[FaultName, ...] = FAULT_NAMES
    ) -> None:
        """Install a scenario; counters of the faults in ``rearm`` restart from ``next_n``."""
        with self._lock:
            if scenario.seed != self._scenario.seed:
                self._reseed(scenario.seed)
            self._scenario = scenario
        self._arm(rearm)

    def reset(self) -> None:
        with self._lock:
            self._reseed(self._scenario.seed)
            self._fired.clear()
        self._arm(FAULT_NAMES)

    def _reseed(self, seed: int | None) -> None:
        self._rng = random.Random(seed)
        self._seed_rng = random.Random(None if seed is None else seed + 1)

    def _arm(self, names: tuple[FaultName, ...]) -> None:
        with self._lock:
            for name in names:
                fault = self._scenario.fault(name)
                self._remaining[name] = fault.next_n if fault else 0

    def fire(self, name: FaultName, route: RouteKind) -> Fault | None:
        """The fault if it fires for this request on ``route``, else None."""
        fault = self._scenario.fault(name)
        if fault is None or route not in (fault.routes or DEFAULT_ROUTES[name]):
            return None
        with self._lock:
            if self._remaining.get(name, 0) > 0:
                self._remaining[name] -= 1
            elif not (fault.probability > 0 and self._rng.random() < fault.probability):
                return None
            self._fired[name] = self._fired.get(name, 0) + 1
        return fault

    def fired_counts(self) -> dict[str, int]:
        with self._lock:
            return dict(self._fired)

    def random_seed(self) -> int:
        with self._lock:
            return self._seed_rng.randrange(0, 2_147_483_648)
