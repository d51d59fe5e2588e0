"""The fal queue routes (submit, status, stream, result, cancel), the media origin and the
control API."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from typing import Any, Final
from urllib.parse import quote

from pydantic import ValidationError

from qwenimg_desktop.emulator import platform
from qwenimg_desktop.emulator.handler import BaseEmulatorHandler, Route, flag, match_media
from qwenimg_desktop.emulator.jobs import EmuJob, JobBoard, Outcome, request_urls
from qwenimg_desktop.emulator.render import RenderedImage
from qwenimg_desktop.emulator.scenarios import RouteKind
from qwenimg_desktop.emulator.schemas import SchemaSwitches, validate

_UNION_TAGS: Final = frozenset({"preset", "custom"})
_NOT_FOUND: Final = {"detail": "Request not found"}


def validation_detail(error: ValidationError) -> list[dict[str, Any]]:
    """pydantic errors in FastAPI's 422 shape, without input values or context."""
    return [
        {
            "loc": ["body", *(p for p in item["loc"] if p not in _UNION_TAGS)],
            "msg": item["msg"],
            "type": item["type"],
        }
        for item in error.errors(include_input=False, include_url=False, include_context=False)
    ]


def _float_header(value: str | None) -> float | None:
    try:
        number = float(value) if value else None
    except ValueError:
        return None
    return number if number is not None and number > 0 else None


def result_answer(board: JobBoard, job: EmuJob) -> Outcome:
    """The result route's answer for a COMPLETED job: its error, or its output."""
    if job.outcome_error is not None:
        return job.outcome_error
    assert job.input is not None
    images = board.images(job)
    output = {
        "images": [_file_entry(board, job, i, image) for i, image in enumerate(images)],
        "seed": job.seed,
        "prompt": job.input.prompt,
        "has_nsfw_concepts": [False] * len(images),
        "timings": {"inference": round(job.inference_time or 0.0, 4)},
    }
    return 200, output, {"x-fal-billable-units": str(len(images))}


def _file_entry(board: JobBoard, job: EmuJob, index: int, image: RenderedImage) -> dict[str, Any]:
    assert job.input is not None
    if job.input.sync_mode:
        url = f"data:{image.content_type};base64,{base64.b64encode(image.data).decode()}"
    else:
        url = f"{board.media_url}/files/{job.request_id}/{index}.{image.extension}"
    return {
        "url": url,
        "content_type": image.content_type,
        "file_name": f"{index}.{image.extension}",
        "file_size": len(image.data),
        "width": image.width,
        "height": image.height,
    }


class EmulatorHandler(BaseEmulatorHandler):
    """Serves one connection of the queue origin (keep-alive, HTTP/1.1)."""

    def route_handlers(self) -> dict[RouteKind, Callable[[Route, bytes], None]]:
        return {
            "submit": self.submit,
            "status": self.status,
            "stream": self.stream,
            "result": self.result,
            "cancel": self.cancel,
            "upload_initiate": self.upload_initiate,
            "upload_put": self.upload_put,
        }

    def _refused_while_locked(self) -> bool:
        """A locked account (balance at its threshold) gets 403 on submits and uploads."""
        state = self.state
        if not platform.locked(state.board, state.scenario.platform, state.account):
            return False
        self.send_json(403, {"detail": platform.LOCKED_DETAIL})
        return True

    # ---- storage ------------------------------------------------------------------------------

    def upload_initiate(self, route: Route, body: bytes) -> None:
        """fal storage step 1: a signed upload URL and the file's public URL."""
        if self._refused_while_locked():
            return
        try:
            payload = json.loads(body or b"null")
        except (ValueError, UnicodeDecodeError):
            payload = None
        board = self.state.board
        answer = self.state.uploads.initiate(board.base_url, board.media_url, payload)
        if answer is None:
            detail = [{"loc": ["body", "content_type"], "msg": "Field required",
                       "type": "missing"}]
            self.send_json(422, {"detail": detail})
            return
        self.send_json(200, answer)

    def upload_put(self, route: Route, body: bytes) -> None:
        """fal storage step 2: the bytes, to the signed URL (no key); 403 once it expired."""
        if self.state.injector.fire("upload_link_expired", "upload_put"):
            self.state.uploads.expire_all()
        if not self.state.uploads.put(route.request_id or "", body):
            self.send_json(403, {"detail": "Request has expired or the signature is invalid"})
            return
        self.send_json(200, {})

    def _job(self, route: Route) -> EmuJob | None:
        job = self.state.board.get(route.request_id or "")
        if job is None or self._gone(job):
            self.send_json(404, _NOT_FOUND, request_id=route.request_id)
            return None
        return job

    def _gone(self, job: EmuJob) -> bool:
        """A cancelled queued job, under the reading in which fal forgets it (a switch)."""
        return (self.state.scenario.cancelled_answers_404 and job.outcome == "cancelled"
                and job.started_at is None)

    # ---- submit -------------------------------------------------------------------------------

    def submit(self, route: Route, body: bytes) -> None:
        try:
            payload = json.loads(body or b"null")
        except (ValueError, UnicodeDecodeError):
            detail = [{"loc": ["body"], "msg": "JSON decode error", "type": "json_invalid"}]
            self.send_json(422, {"detail": detail})
            return
        scenario = self.state.scenario
        switches = SchemaSwitches(prompt_max_chars=scenario.prompt_max_chars,
                                  side_bounds=scenario.side_bounds)
        emu_input, problems = validate(route.endpoint, payload, switches)
        if problems and scenario.validate_at_submit:  # not fal's way: it validates at run time
            self.send_json(422, {"detail": problems})
            return
        state = self.state
        if self._refused_while_locked():
            return
        client_job_id = self.headers.get("X-Qwenimg-Job-Id")
        webhook = self.query().get("fal_webhook")
        job = state.board.create(
            route.endpoint,
            emu_input,
            invalid=problems or None,
            client_job_id=client_job_id,
            start_timeout=_float_header(self.headers.get("X-Fal-Request-Timeout")),
            failure=state.injector.fire("failed_generation", "submit"),
            webhook=webhook[-1] if webhook else None,
        )
        if self.headers.get("X-Fal-Store-IO", "1").strip() == "0":
            with state.board.lock:
                job.store_io = False
        state.count_submit(client_job_id)
        if job.input is not None and job.input.image_urls and \
                state.injector.fire("input_gone", "submit"):
            state.uploads.remove_all()  # gone by the time the job runs
        if state.injector.fire("submit_lost", "submit"):
            self.cut_connection()
            return
        request_id = job.request_id
        if state.injector.fire("reused_request_id", "submit"):
            request_id = state.board.previous_request_id(job) or request_id
        answer = {
            "request_id": request_id,
            "gateway_request_id": request_id,
            "status": "IN_QUEUE",
            **request_urls(state.board.base_url, route.endpoint, request_id),
            "queue_position": job.queue_position,
        }
        self.send_json(200, answer, kind="submit", request_id=request_id)

    # ---- status -------------------------------------------------------------------------------

    def status(self, route: Route, body: bytes) -> None:
        job = self._job(route)
        if job is None:
            return
        snapshot, _, _ = self.state.board.snapshot(job, with_logs=flag(self.query().get("logs")))
        headers = {"X-Fal-Error-Type": snapshot["error_type"]} if snapshot.get("error_type") else {}
        code = 200 if snapshot["status"] == "COMPLETED" else 202
        self.send_json(code, snapshot, kind="status", headers=headers, request_id=job.request_id)

    def stream(self, route: Route, body: bytes) -> None:
        """SSE: an event now, then on every change; a ``:`` comment every keep-alive interval
        with no change; the stream ends (and the connection closes) after COMPLETED."""
        job = self._job(route)
        if job is None:
            return
        board = self.state.board
        with_logs = flag(self.query().get("logs"))
        injector = self.state.injector
        drop = injector.fire("dropped_stream", "stream")
        stall = injector.fire("stalled_stream", "stream")
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Transfer-Encoding", "chunked")
        self.send_header("x-fal-request-id", job.request_id)
        self.end_headers()
        sent = 0
        logs_sent = 0
        while True:
            snapshot, version, logs_sent = board.snapshot(job, with_logs=with_logs,
                                                         since=logs_sent)
            if board.stopped or (drop is not None and sent >= drop.after_events):
                self.cut_connection()
                return
            if stall is None or sent < stall.after_events:
                self._write(f"data: {json.dumps(snapshot, ensure_ascii=False)}\n\n")
                sent += 1
            if stall is not None and sent >= stall.after_events:
                self.wait(stall.delay)  # silent: no event, no keep-alive comment
                self.cut_connection()
                return
            if snapshot["status"] == "COMPLETED":  # the stream's documented end
                self.wfile.write(b"0\r\n\r\n")
                self.wfile.flush()
                return
            while not board.wait_change(job, version, self.state.scenario.keepalive):
                if self.state.stop_event.is_set():
                    break
                self._write(": keep-alive\n\n")

    def _write(self, text: str) -> None:
        data = text.encode("utf-8")
        self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
        self.wfile.flush()

    # ---- result -------------------------------------------------------------------------------

    def result(self, route: Route, body: bytes) -> None:
        job = self._job(route)
        if job is None:
            return
        if job.state != "COMPLETED":
            self.send_json(400, {"detail": "Request is still in progress"},
                           request_id=job.request_id)
            return
        code, answer, headers = result_answer(self.state.board, job)
        self.send_json(code, answer, kind="result" if code == 200 else None,
                       headers=headers, request_id=job.request_id)

    # ---- cancel -------------------------------------------------------------------------------

    def cancel(self, route: Route, body: bytes) -> None:
        outcome = self.state.board.cancel(route.request_id or "")
        if outcome == "unknown":
            self.send_json(404, _NOT_FOUND, request_id=route.request_id)
        elif outcome == "already_completed":
            self.send_json(400, {"status": "ALREADY_COMPLETED"}, request_id=route.request_id)
        else:
            self.send_json(202, {"status": "CANCELLATION_REQUESTED"}, kind="cancel",
                           request_id=route.request_id)

    # ---- control API (not part of fal) --------------------------------------------------------

    def control(self, method: str, path: str, body: bytes) -> None:
        state = self.state
        if (method, path) == ("GET", "/_emulator/stats"):
            self.send_json(200, state.stats())
        elif (method, path) == ("GET", "/_emulator/requests"):
            self.send_json(200, state.requests())
        elif (method, path) == ("GET", "/_emulator/webhooks"):
            self.send_json(200, list(state.webhook_deliveries))
        elif (method, path) == ("GET", "/_emulator/scenario"):
            self.send_json(200, state.scenario.model_dump(mode="json"))
        elif (method, path) == ("POST", "/_emulator/scenario"):
            self._set_scenario(body)
        elif (method, path) == ("POST", "/_emulator/top-up"):
            try:
                amount = float(json.loads(body or b"{}").get("amount", 0))
            except (ValueError, AttributeError, TypeError):
                self.send_json(422, {"detail": "expected {\"amount\": <number>}"})
                return
            state.account.top_up(amount)
            self.send_json(200, {"top_ups": state.account.top_ups})
        elif (method, path) == ("POST", "/_emulator/reset"):
            state.reset()
            self.send_json(200, {"status": "reset"})
        else:
            self.send_json(404, {"detail": f"No control route {method} {path}"})

    def _set_scenario(self, body: bytes) -> None:
        try:
            patch = json.loads(body or b"{}")
        except (ValueError, UnicodeDecodeError):
            self.send_json(422, {"detail": [{"loc": ["body"], "msg": "JSON decode error",
                                              "type": "json_invalid"}]})
            return
        if not isinstance(patch, dict):
            self.send_json(422, {"detail": [{"loc": ["body"], "msg": "expected an object",
                                              "type": "dict_type"}]})
            return
        try:
            new = self.state.set_scenario(patch, merge=not flag(self.query().get("replace")))
        except ValidationError as exc:
            self.send_json(422, {"detail": validation_detail(exc)})
            return
        self.send_json(200, new.model_dump(mode="json"))


class MediaHandler(BaseEmulatorHandler):
    """The media origin (another port, as fal's CDN is another host): files only, no auth."""

    origin = "media"

    def match(self, method: str, path: str) -> Route | None:
        return match_media(method, path)

    def route_handlers(self) -> dict[RouteKind, Callable[[Route, bytes], None]]:
        return {"file": self.file, "upload_file": self.upload_file}

    def upload_file(self, route: Route, body: bytes) -> None:
        """An uploaded file, served like generated ones."""
        stored = self.state.uploads.get(route.request_id or "")
        if stored is None:
            self.send_json(404, {"detail": "File not found or expired"})
            return
        self.send_bytes(200, stored.data, stored.content_type)

    def control(self, method: str, path: str, body: bytes) -> None:
        self.send_json(404, {"detail": "No such file"})

    def file(self, route: Route, body: bytes) -> None:
        job = self.state.board.get(route.request_id or "")
        if (job is None or job.state != "COMPLETED" or job.outcome_error is not None
                or self.state.injector.fire("expired_media", "file")):
            self.send_json(404, {"detail": "File not found or expired"})
            return
        if fault := self.state.injector.fire("media_redirect", "file"):
            location = fault.location or f"{self.state.board.media_url}{quote(self.path)}"
            self.send_bytes(302, b"", "text/plain", {"Location": location})
            return
        images = self.state.board.images(job)
        if route.index >= len(images) or images[route.index].extension != (
            "jpg" if route.ext == "jpeg" else route.ext
        ):
            self.send_json(404, {"detail": "File not found or expired"})
            return
        image = images[route.index]
        self.send_bytes(200, image.data, image.content_type,
                        {"Cache-Control": "public, max-age=604800"})
