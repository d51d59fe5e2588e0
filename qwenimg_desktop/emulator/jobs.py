"""Emulated queue jobs and the scheduler thread moving them IN_QUEUE → IN_PROGRESS → COMPLETED."""

from __future__ import annotations

import dataclasses
import json
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

from PIL import Image

from qwenimg_desktop.emulator.edit_render import output_size, render_edit
from qwenimg_desktop.emulator.render import RenderedImage, render_image
from qwenimg_desktop.emulator.scenarios import INFRA_STATUS, Fault, FaultInjector
from qwenimg_desktop.emulator.schemas import EmuInput, owner_alias
from qwenimg_desktop.emulator.uploads import UploadStore, check_inputs

StatusName = Literal["IN_QUEUE", "IN_PROGRESS", "COMPLETED"]
CANCELLED_ERROR = "Request cancelled by the client."
CANCELLED_TYPE = "client_cancelled"
TIMEOUT_ERROR = "Request timed out"
TIMEOUT_TYPE = "request_timeout"
CRASH_TRACEBACK = (  # fal's SDK writes the frames in reverse: the cause comes first
    "RuntimeError: CUDA error: an illegal memory access was encountered\n"
    '  File "/app/pipeline.py", line 212, in denoise\n'
    '  File "/app/pipeline.py", line 140, in generate\n'
    '  File "/app/app.py", line 58, in text_to_image\n'
    "Traceback (most recent call first):"
)
CancelOutcome = Literal["requested", "already_completed", "unknown"]
Outcome = tuple[int, dict[str, Any], dict[str, str]]  # HTTP status, JSON body, headers


def _log(message: str, level: str = "INFO") -> tuple[float, dict[str, Any]]:
    entry = {
        "message": message,
        "level": level,
        "source": "USER",
        "timestamp": datetime.now(UTC).isoformat(),
    }
    return time.monotonic(), entry


def request_urls(base: str, endpoint_id: str, request_id: str) -> dict[str, str]:
    """The short-form URLs fal answers with: owner/alias, the endpoint's path dropped."""
    root = f"{base}/{owner_alias(endpoint_id)}/requests/{request_id}"
    return {"response_url": root, "status_url": f"{root}/status", "cancel_url": f"{root}/cancel"}


@dataclass(eq=False)
class EmuJob:
    """One emulated request; mutable fields are guarded by the board's lock."""

    request_id: str
    endpoint: str
    input: EmuInput | None  # None when the body broke the schema: it fails once it runs
    invalid: list[dict[str, Any]] | None
    seed: int
    cond: threading.Condition
    queue_delay: float
    run_time: float
    created_at: float
    client_job_id: str | None = None
    start_timeout: float | None = None
    failure: Fault | None = None
    webhook: str | None = None
    store_io: bool = True  # False when submitted with X-Fal-Store-IO: 0 (history: no payloads)
    sent_wall: float = field(default_factory=time.time)
    state: StatusName = "IN_QUEUE"
    queue_position: int = 0
    logs: list[tuple[float, dict[str, Any]]] = field(default_factory=list)  # (monotonic, entry)
    pending_logs: list[tuple[float, str]] = field(default_factory=list)
    started_at: float | None = None
    finish_at: float | None = None
    cancel_requested: bool = False
    error: str | None = None
    error_type: str | None = None
    outcome_error: Outcome | None = None  # the result's error answer, once COMPLETED
    ended_at: float | None = None
    inference_time: float | None = None
    version: int = 0
    inputs: list[Image.Image] | None = None  # an edit's decoded image_urls, read at run time
    rendered: list[RenderedImage] | None = None
    render_lock: threading.Lock = field(default_factory=threading.Lock)

    def __repr__(self) -> str:
        return f"<EmuJob {self.request_id} {self.state} v{self.version}>"

    @property
    def outcome(self) -> Literal["succeeded", "failed", "cancelled"] | None:
        if self.state != "COMPLETED":
            return None
        if self.outcome_error is not None and self.outcome_error[0] == 499:
            return "cancelled"
        return "failed" if self.outcome_error is not None else "succeeded"

    @property
    def json_input(self) -> Any:
        """The body as received (request history shows it; reconciliation matches on it)."""
        return dict(self.input.body) if self.input is not None else None

    @property
    def num_images(self) -> int:
        return self.input.num_images if self.input is not None else 1


class JobBoard:
    """All jobs of one emulator plus the scheduler thread that advances them."""

    def __init__(self, injector: FaultInjector, uploads: UploadStore | None = None) -> None:
        self.uploads = uploads or UploadStore()
        self.lock = threading.Lock()
        self._wake = threading.Condition(self.lock)
        self._injector = injector
        self._jobs: dict[str, EmuJob] = {}
        self._queue: list[EmuJob] = []
        self._running: list[EmuJob] = []
        self._stopped = False
        self._thread: threading.Thread | None = None
        self.base_url = ""
        self.complete_times: dict[str, float] = {}
        self.media_url = ""
        self._renderer: ThreadPoolExecutor | None = None  # for ``render_ahead``, made on use
        # Called (outside the lock, on one worker) with each job that completes: webhooks.
        self.on_finished: Callable[[EmuJob], None] | None = None
        self._finisher = ThreadPoolExecutor(1, thread_name_prefix="emulator-finished")

    def __repr__(self) -> str:
        return (f"<JobBoard jobs={len(self._jobs)} queued={len(self._queue)} "
                f"running={len(self._running)}>")

    # ---- lifecycle ----------------------------------------------------------------------------

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="emulator-scheduler", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        with self.lock:
            self._stopped = True
            self._wake.notify_all()
            for job in self._jobs.values():
                job.cond.notify_all()
        if self._thread is not None:
            self._thread.join(timeout=5)
        if self._renderer is not None:
            self._renderer.shutdown(wait=False, cancel_futures=True)
        self._finisher.shutdown(wait=False, cancel_futures=True)

    def wake(self) -> None:
        """Make the scheduler re-read the scenario (e.g. a new ``max_running``)."""
        with self.lock:
            self._wake.notify_all()

    @property
    def stopped(self) -> bool:
        return self._stopped

    def reset(self) -> None:
        with self.lock:
            for job in self._jobs.values():
                job.version += 1
                job.cond.notify_all()
            self._jobs.clear()
            self._queue.clear()
            self._running.clear()
            self.complete_times.clear()

    # ---- commands -----------------------------------------------------------------------------

    def create(
        self,
        endpoint: str,
        emu_input: EmuInput | None,
        *,
        invalid: list[dict[str, Any]] | None = None,
        client_job_id: str | None = None,
        start_timeout: float | None = None,
        failure: Fault | None = None,
        webhook: str | None = None,
    ) -> EmuJob:
        scenario = self._injector.scenario
        seed = emu_input.seed if emu_input is not None and emu_input.seed is not None else None
        if seed is None:
            seed = self._injector.random_seed()
        with self.lock:
            job = EmuJob(
                request_id=str(uuid.uuid4()),
                endpoint=endpoint,
                input=emu_input,
                invalid=invalid,
                seed=seed,
                cond=threading.Condition(self.lock),
                queue_delay=scenario.queue_delay,
                run_time=scenario.run_time,
                created_at=time.monotonic(),
                client_job_id=client_job_id,
                start_timeout=start_timeout,
                failure=failure,
                webhook=webhook,
                queue_position=len(self._queue),
            )
            self._jobs[job.request_id] = job
            self._queue.append(job)
            self._wake.notify_all()
        return job

    def previous_request_id(self, job: EmuJob) -> str | None:
        """The request id of the job created just before ``job`` (None for the first)."""
        with self.lock:
            ids = list(self._jobs)
        position = ids.index(job.request_id) if job.request_id in ids else 0
        return ids[position - 1] if position > 0 else None

    def get(self, request_id: str) -> EmuJob | None:
        with self.lock:
            return self._jobs.get(request_id)

    def cancel(self, request_id: str) -> CancelOutcome:
        with self.lock:
            job = self._jobs.get(request_id)
            if job is None:
                return "unknown"
            if job.state == "COMPLETED":
                return "already_completed"
            job.cancel_requested = True
            scenario = self._injector.scenario
            if job.state == "IN_QUEUE" or scenario.honour_running_cancel:
                body: dict[str, Any] = {"detail": CANCELLED_ERROR}
                headers: dict[str, str] = {}
                if job.state == "IN_QUEUE" or scenario.cancelled_error_type:
                    body["error_type"] = CANCELLED_TYPE
                    headers["X-Fal-Error-Type"] = CANCELLED_TYPE
                self._finish(job, time.monotonic(), CANCELLED_ERROR, CANCELLED_TYPE,
                             (499, body, headers))
            self._wake.notify_all()
            return "requested"

    # ---- reading ------------------------------------------------------------------------------

    def snapshot(
        self, job: EmuJob, *, with_logs: bool, since: int | None = None
    ) -> tuple[dict[str, Any], int, int]:
        """The status body of ``job``, its version and its log count, read consistently.

        Polled (``since`` None): the logs inside the sliding window that ends at the job's end
        (or now). Streamed: the lines after ``since``, or the window (the ``stream_logs``
        switch).
        """
        with self.lock:
            return self._status_body(job, with_logs, since), job.version, len(job.logs)

    def wait_change(self, job: EmuJob, version: int, timeout: float) -> bool:
        """Block until ``job`` changes past ``version`` (True) or ``timeout`` passes (False)."""
        deadline = time.monotonic() + timeout
        with self.lock:
            while job.version == version and not self._stopped:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                job.cond.wait(remaining)
            return True

    def counts(self) -> dict[str, dict[str, int]]:
        with self.lock:
            states = {"IN_QUEUE": 0, "IN_PROGRESS": 0, "COMPLETED": 0}
            outcomes = {"succeeded": 0, "failed": 0, "cancelled": 0}
            for job in self._jobs.values():
                states[job.state] += 1
                if job.outcome is not None:
                    outcomes[job.outcome] += 1
            return {"requests_by_state": states, "outcomes": outcomes}

    def all_jobs(self) -> list[EmuJob]:
        """Every job, in submit order (the request store of the Platform API)."""
        with self.lock:
            return list(self._jobs.values())

    def images(self, job: EmuJob) -> list[RenderedImage]:
        """The job's encoded images, rendered on first use and cached."""
        with job.render_lock:
            if job.rendered is None:
                spec = job.input
                assert spec is not None, "only a valid input renders"
                if job.inputs:
                    job.rendered = [
                        render_edit(job.inputs, spec.prompt, job.seed, index, spec.width,
                                    spec.height, spec.output_format)
                        for index in range(spec.num_images)
                    ]
                    return job.rendered
                job.rendered = [
                    render_image(spec.prompt, job.seed, index, spec.width, spec.height,
                                 spec.output_format)
                    for index in range(spec.num_images)
                ]
            return job.rendered

    def _logs(self, job: EmuJob, since: int | None) -> list[dict[str, Any]]:
        scenario = self._injector.scenario
        if since is not None and scenario.stream_logs == "new":
            return [dict(entry) for _, entry in job.logs[since:]]
        end = job.ended_at if job.ended_at is not None else time.monotonic()
        start = end - scenario.log_window
        return [dict(entry) for at, entry in job.logs if at >= start]

    def _status_body(self, job: EmuJob, with_logs: bool, since: int | None) -> dict[str, Any]:
        urls = request_urls(self.base_url, job.endpoint, job.request_id)
        body: dict[str, Any] = {
            "status": job.state,
            "request_id": job.request_id,
            "response_url": urls["response_url"],
            "status_url": urls["status_url"],
            "cancel_url": urls["cancel_url"],
            "logs": self._logs(job, since) if with_logs else None,
        }
        if job.state == "IN_QUEUE":
            body["queue_position"] = job.queue_position
        elif job.state == "COMPLETED":
            body["metrics"] = (
                {"inference_time": round(job.inference_time, 4)}
                if job.inference_time is not None else {}
            )
            if job.error is not None:
                body["error"] = job.error
            if job.error_type is not None:
                body["error_type"] = job.error_type
        return body

    # ---- scheduler (all below runs with self.lock held) ---------------------------------------

    def _run(self) -> None:
        with self.lock:
            while not self._stopped:
                deadline = self._advance(time.monotonic())
                timeout = None if deadline is None else max(0.0, deadline - time.monotonic())
                self._wake.wait(timeout)

    def _advance(self, now: float) -> float | None:
        deadlines: list[float] = []
        for job in list(self._running):
            next_at = self._advance_running(job, now)
            if next_at is not None:
                deadlines.append(next_at)
        for job in list(self._queue):
            if job.start_timeout is not None:
                if now >= job.created_at + job.start_timeout:
                    self._start_timeout(job, now)
                    continue
                deadlines.append(job.created_at + job.start_timeout)
        max_running = self._injector.scenario.max_running
        held = "queue" in self._injector.scenario.hold
        for job in list(self._queue):
            if held or len(self._running) >= max_running:
                break
            ready_at = job.created_at + job.queue_delay
            if ready_at <= now:
                deadlines.append(self._start(job, now))
            else:
                deadlines.append(ready_at)
        for position, job in enumerate(self._queue):
            if job.queue_position != position:
                job.queue_position = position
                self._touch(job)
        return min(deadlines, default=None)

    def _read_inputs(self, job: EmuJob) -> None:
        """An edit reads its ``image_urls`` when it runs: a missing or unusable one fails it
        with a 422 naming ``image_urls[i]``, as fal validates its inputs at run time."""
        assert job.input is not None
        images, problems = check_inputs(list(job.input.image_urls), self.uploads,
                                        self._injector.scenario.data_uri_cap)
        if problems:
            job.invalid = problems
            return
        job.inputs = images
        if not job.input.width:
            width, height = output_size(images)
            job.input = dataclasses.replace(job.input, width=width, height=height)

    def _start(self, job: EmuJob, now: float) -> float:
        self._queue.remove(job)
        self._running.append(job)
        job.state = "IN_PROGRESS"
        job.started_at = now
        job.finish_at = now + job.run_time
        job.logs.append(_log(f"Loading model for {job.num_images} image(s)"))
        if job.input is not None and job.input.image_urls and job.invalid is None:
            self._read_inputs(job)
        if job.invalid is not None:  # the app validates its input first, then stops
            job.finish_at = now
            self._touch(job)
            return now
        steps = self._injector.scenario.log_steps
        job.pending_logs = [
            (now + job.run_time * i / (steps + 1), f"Step {i}/{steps}") for i in range(1, steps + 1)
        ]
        if self._injector.scenario.render_ahead and job.failure is None:
            self._render_ahead(job)
        self._touch(job)
        return job.pending_logs[0][0] if job.pending_logs else job.finish_at

    def _render_ahead(self, job: EmuJob) -> None:
        """Render while the job runs, as fal uploads the images before it says COMPLETED."""
        if self._renderer is None:
            self._renderer = ThreadPoolExecutor(2, thread_name_prefix="emulator-render")
        self._renderer.submit(self.images, job)

    def _advance_running(self, job: EmuJob, now: float) -> float | None:
        changed = False
        while job.pending_logs and job.pending_logs[0][0] <= now:
            job.logs.append(_log(job.pending_logs.pop(0)[1]))
            changed = True
        assert job.finish_at is not None
        if now >= job.finish_at and "run" in self._injector.scenario.hold:
            if changed:
                self._touch(job)
            return None  # released by set_scenario, which wakes the board
        if now >= job.finish_at:
            self._end_run(job, now)
            return None
        if changed:
            self._touch(job)
        return job.pending_logs[0][0] if job.pending_logs else job.finish_at

    def _end_run(self, job: EmuJob, now: float) -> None:
        """A run's end as fal reports it: success, or one of the three kinds of failure."""
        carries = self._injector.scenario.completed_carries_error
        if job.invalid is not None:
            self._model_error(job, now, job.invalid, carries)
            return
        failure = job.failure
        if failure is None:
            self._finish(job, now, None, None, None)
            return
        kind = failure.failure_kind()
        if kind == "start_timeout":
            self._start_timeout(job, now)
        elif kind == "model":
            detail = [{"loc": ["body", failure.field], "msg": failure.message,
                       "type": failure.error_type or "value_error"}]
            self._model_error(job, now, detail, carries)
        elif kind == "crash":
            job.logs.append(_log(json.dumps({"traceback": CRASH_TRACEBACK}), "ERROR"))
            answer: Outcome = (500, {"detail": "Internal Server Error"}, {})
            error = "Invalid status code: 500" if carries else None
            self._finish(job, now, error, "runner_server_error" if carries else None, answer)
        else:
            code = failure.status or INFRA_STATUS.get(failure.error_type, 500)
            body = {"detail": failure.message, "error_type": failure.error_type}
            headers = {"X-Fal-Error-Type": failure.error_type}
            self._finish(job, now, failure.message, failure.error_type, (code, body, headers))

    def _start_timeout(self, job: EmuJob, now: float) -> None:
        answer: Outcome = (
            504, {"detail": TIMEOUT_ERROR, "error_type": TIMEOUT_TYPE},
            {"X-Fal-Error-Type": TIMEOUT_TYPE, "X-Fal-Request-Timeout-Type": "user"},
        )
        self._finish(job, now, TIMEOUT_ERROR, TIMEOUT_TYPE, answer)

    def _model_error(
        self, job: EmuJob, now: float, detail: list[dict[str, Any]], carries: bool
    ) -> None:
        headers = {"X-Fal-Retryable": "false", "x-fal-billable-units": "0"}
        error = "Invalid status code: 422" if carries else None
        self._finish(job, now, error, None, (422, {"detail": detail}, headers))

    def _finish(
        self, job: EmuJob, now: float, error: str | None, error_type: str | None,
        answer: Outcome | None,
    ) -> None:
        if job in self._queue:
            self._queue.remove(job)
        if job in self._running:
            self._running.remove(job)
        if job.started_at is not None:
            job.inference_time = now - job.started_at
        job.pending_logs.clear()
        job.error, job.error_type, job.outcome_error = error, error_type, answer
        if answer is None:
            job.logs.append(_log(f"Generated {job.num_images} image(s)"))
        job.state = "COMPLETED"
        job.ended_at = time.monotonic()
        self.complete_times[job.request_id] = time.perf_counter()
        self._touch(job)
        self._wake.notify_all()
        if self.on_finished is not None and not self._stopped:
            self._finisher.submit(self.on_finished, job)

    @staticmethod
    def _touch(job: EmuJob) -> None:
        job.version += 1
        job.cond.notify_all()
