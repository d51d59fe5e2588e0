"""The fal queue routes (submit, status, stream, result, cancel, files) and the control API."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from typing import Any, Final

from pydantic import ValidationError

from qwenimg_desktop.core.fal.protocol import request_urls
from qwenimg_desktop.core.params import GenerationRequest
from qwenimg_desktop.emulator.handler import BaseEmulatorHandler, Route, flag
from qwenimg_desktop.emulator.jobs import EmuJob
from qwenimg_desktop.emulator.render import RenderedImage
from qwenimg_desktop.emulator.scenarios import RouteKind

_UNION_TAGS: Final = frozenset({"preset", "custom"})
_PING_SECONDS: Final = 15.0
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


class EmulatorHandler(BaseEmulatorHandler):
    """Serves one connection of the emulator (keep-alive, HTTP/1.1)."""

    def route_handlers(self) -> dict[RouteKind, Callable[[Route, bytes], None]]:
        return {
            "submit": self.submit,
            "status": self.status,
            "stream": self.stream,
            "result": self.result,
            "cancel": self.cancel,
            "file": self.file,
        }

    def _job(self, route: Route) -> EmuJob | None:
        job = self.state.board.get(route.request_id or "")
        if job is None:
            self.send_json(404, _NOT_FOUND, request_id=route.request_id)
        return job

    # ---- submit -------------------------------------------------------------------------------

    def submit(self, route: Route, body: bytes) -> None:
        try:
            payload = json.loads(body or b"null")
        except (ValueError, UnicodeDecodeError):
            detail = [{"loc": ["body"], "msg": "JSON decode error", "type": "json_invalid"}]
            self.send_json(422, {"detail": detail})
            return
        try:
            request = GenerationRequest.model_validate(payload)
        except ValidationError as exc:
            self.send_json(422, {"detail": validation_detail(exc)})
            return
        state = self.state
        client_job_id = self.headers.get("X-Qwenimg-Job-Id")
        job = state.board.create(
            request,
            client_job_id=client_job_id,
            start_timeout=_float_header(self.headers.get("X-Fal-Request-Timeout")),
            failure=state.injector.fire("failed_generation", "submit"),
            endpoint=route.endpoint,
        )
        state.count_submit(client_job_id)
        if state.injector.fire("submit_lost", "submit"):
            self.cut_connection()
            return
        request_id = job.request_id
        if state.injector.fire("reused_request_id", "submit"):
            request_id = state.board.previous_request_id(job) or request_id
        urls = request_urls(state.board.base_url, request_id)
        answer = {
            "request_id": request_id,
            "response_url": urls["response_url"],
            "status_url": urls["status_url"],
            "cancel_url": urls["cancel_url"],
            "queue_position": job.queue_position,
        }
        self.send_json(200, answer, kind="submit", request_id=request_id)

    # ---- status -------------------------------------------------------------------------------

    def status(self, route: Route, body: bytes) -> None:
        job = self._job(route)
        if job is None:
            return
        snapshot, _ = self.state.board.snapshot(job, with_logs=flag(self.query().get("logs")))
        headers = {"x-fal-error-type": snapshot["error_type"]} if snapshot.get("error_type") else {}
        code = 200 if snapshot["status"] == "COMPLETED" else 202
        self.send_json(code, snapshot, kind="status", headers=headers, request_id=job.request_id)

    def stream(self, route: Route, body: bytes) -> None:
        job = self._job(route)
        if job is None:
            return
        board = self.state.board
        with_logs = flag(self.query().get("logs"))
        drop = self.state.injector.fire("dropped_stream", "stream")
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Transfer-Encoding", "chunked")
        self.send_header("x-fal-request-id", job.request_id)
        self.end_headers()
        sent = 0
        while True:
            snapshot, version = board.snapshot(job, with_logs=with_logs)
            if board.stopped or (drop is not None and sent >= drop.after_events):
                self.cut_connection()
                return
            self._chunk(f"data: {json.dumps(snapshot, ensure_ascii=False)}\n\n")
            sent += 1
            if snapshot["status"] == "COMPLETED":
                self.wfile.write(b"0\r\n\r\n")
                self.wfile.flush()
                return
            if not board.wait_change(job, version, _PING_SECONDS):
                self._chunk(": ping\n\n")

    def _chunk(self, text: str) -> None:
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
        if job.error is not None:
            error_type = job.error_type or "internal_server_error"
            self.send_json(job.result_status, {"detail": job.error, "error_type": error_type},
                           headers={"x-fal-error-type": error_type}, request_id=job.request_id)
            return
        images = self.state.board.images(job)
        answer = {
            "images": [self._file_entry(job, i, image) for i, image in enumerate(images)],
            "seed": job.seed,
            "prompt": job.request.prompt,
            "has_nsfw_concepts": [False] * len(images),
            "timings": {"inference": round(job.inference_time or 0.0, 4)},
        }
        self.send_json(200, answer, kind="result", request_id=job.request_id)

    def _file_entry(self, job: EmuJob, index: int, image: RenderedImage) -> dict[str, Any]:
        if job.request.sync_mode:
            url = f"data:{image.content_type};base64,{base64.b64encode(image.data).decode()}"
        else:
            url = f"{self.state.board.base_url}/files/{job.request_id}/{index}.{image.extension}"
        return {
            "url": url,
            "content_type": image.content_type,
            "file_name": f"{index}.{image.extension}",
            "file_size": len(image.data),
            "width": image.width,
            "height": image.height,
        }

    # ---- cancel and files ---------------------------------------------------------------------

    def cancel(self, route: Route, body: bytes) -> None:
        outcome = self.state.board.cancel(route.request_id or "")
        if outcome == "unknown":
            self.send_json(404, _NOT_FOUND, request_id=route.request_id)
        elif outcome == "already_completed":
            self.send_json(400, {"status": "ALREADY_COMPLETED"}, request_id=route.request_id)
        else:
            self.send_json(202, {"status": "CANCELLATION_REQUESTED"}, kind="cancel",
                           request_id=route.request_id)

    def file(self, route: Route, body: bytes) -> None:
        job = self.state.board.get(route.request_id or "")
        missing = job is None or job.state != "COMPLETED" or job.error is not None
        if job is None or missing or self.state.injector.fire("expired_media", "file"):
            self.send_json(404, {"detail": "File not found or expired"})
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

    # ---- control API (not part of fal) --------------------------------------------------------

    def control(self, method: str, path: str, body: bytes) -> None:
        state = self.state
        if (method, path) == ("GET", "/_emulator/stats"):
            self.send_json(200, state.stats())
        elif (method, path) == ("GET", "/_emulator/scenario"):
            self.send_json(200, state.scenario.model_dump(mode="json"))
        elif (method, path) == ("POST", "/_emulator/scenario"):
            self._set_scenario(body)
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
