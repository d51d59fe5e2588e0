"""The emulated fal Platform API under ``/v1``: pricing, estimate, request history, billing.

History comes from the emulator's own request store (the job board); the balance is computed
from it (the configured balance, plus top-ups, minus price × images of each successful
request), so it "drops per image" without a second ledger to keep in step.
"""

from __future__ import annotations

import json
import threading
import time
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Final
from urllib.parse import parse_qs, urlsplit

from qwenimg_desktop.emulator.jobs import EmuJob, JobBoard
from qwenimg_desktop.emulator.render import EXTENSIONS
from qwenimg_desktop.emulator.scenarios import PlatformScenario

if TYPE_CHECKING:
    from qwenimg_desktop.emulator.handler import BaseEmulatorHandler

LOCKED_DETAIL: Final = (
    "User is locked. Reason: Exhausted balance. Top up your balance at fal.ai/dashboard/billing."
)
ADMIN_ROUTES: Final = frozenset({"/v1/account/billing"})


class Account:
    """Top-ups and the rate-limit counter of the emulated account (thread-safe)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.top_ups = 0.0
        self._rate_limited = 0

    def top_up(self, amount: float) -> None:
        with self._lock:
            self.top_ups += amount

    def reset(self) -> None:
        with self._lock:
            self.top_ups = 0.0
            self._rate_limited = 0

    def take_rate_limit(self, wanted: int) -> bool:
        with self._lock:
            if self._rate_limited < wanted:
                self._rate_limited += 1
                return True
            return False

    def reset_rate_limit(self) -> None:
        with self._lock:
            self._rate_limited = 0


def spent(board: JobBoard, config: PlatformScenario) -> float:
    """Price × images of every successful request."""
    total = 0.0
    for job in board.all_jobs():
        if job.outcome == "succeeded":
            total += config.prices.get(job.endpoint, 0.0) * job.num_images
    return total


def balance(board: JobBoard, config: PlatformScenario, account: Account) -> float | None:
    if config.balance is None:
        return None
    return round(config.balance + account.top_ups - spent(board, config), 6)


def locked(board: JobBoard, config: PlatformScenario, account: Account) -> bool:
    """Whether new submits are refused: the balance is at or below the lock threshold."""
    current = balance(board, config, account)
    return current is not None and current <= config.lock_threshold


def _iso(seconds: float | None) -> str | None:
    if seconds is None:
        return None
    return datetime.fromtimestamp(seconds, UTC).isoformat().replace("+00:00", "Z")


def _wall(job: EmuJob, mono: float | None) -> float | None:
    return None if mono is None else job.sent_wall + (mono - job.created_at)


def _visible(job: EmuJob, config: PlatformScenario, now: float) -> bool:
    moment = {
        "submit": job.sent_wall,
        "start": _wall(job, job.started_at),
        "end": _wall(job, job.ended_at),
    }[config.history_visible]
    if config.history_visible == "start" and moment is None:
        moment = _wall(job, job.ended_at)  # cancelled in the queue: visible once it ended
    return moment is not None and now >= moment + config.history_delay


def history_item(job: EmuJob, output: dict[str, Any] | None) -> dict[str, Any]:
    ended = _wall(job, job.ended_at)
    status_code = None if job.state != "COMPLETED" else _result_status(job)
    return {
        "request_id": job.request_id,
        "endpoint_id": job.endpoint,
        "sent_at": _iso(job.sent_wall),
        "started_at": _iso(_wall(job, job.started_at) or job.sent_wall),
        "ended_at": _iso(ended),
        "status_code": status_code,
        "duration": None if job.inference_time is None else round(job.inference_time, 3),
        "json_input": job.json_input if job.store_io else None,
        "json_output": output if job.store_io and not (job.input and job.input.sync_mode) else None,
    }


def _result_status(job: EmuJob) -> int:
    return 200 if job.outcome_error is None else job.outcome_error[0]


def _status_name(job: EmuJob) -> str:
    code = _result_status(job)
    if code < 300:
        return "success"
    return "user_error" if code == 422 else "error"


def _parse_time(text: str) -> float:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


class PlatformRoutes:
    """Answers one ``/v1`` request on behalf of a handler."""

    def __init__(self, handler: BaseEmulatorHandler, account: Account) -> None:
        self.handler = handler
        self.state = handler.state
        self.config = handler.state.scenario.platform
        self.account = account

    def error(self, status: int, kind: str, message: str, headers: dict[str, str] | None = None
              ) -> None:
        self.handler.send_json(status, {"error": {"type": kind, "message": message}},
                               headers=headers)

    def serve(self, method: str, path: str, body: bytes) -> None:
        key = self._key()
        if key is None:
            self.error(401, "authorization_error", "Authentication required")
            return
        if self.account.take_rate_limit(self.config.rate_limit_next):
            self.error(429, "rate_limited", "Too many requests", {"Retry-After": "0"})
            return
        admin = key in self.config.admin_keys
        if path in ADMIN_ROUTES and not admin:
            self.error(403, "authorization_error", "Admin API key required")
            return
        query = parse_qs(urlsplit(self.handler.path).query)
        if (method, path) == ("GET", "/v1/models/pricing"):
            self.pricing(query)
        elif (method, path) == ("POST", "/v1/models/pricing/estimate"):
            self.estimate(body)
        elif (method, path) == ("GET", "/v1/models/requests/by-endpoint"):
            if self.config.history_refused and not admin:
                self.error(403, "authorization_error", "Access denied")
                return
            self.history(query)
        elif (method, path) == ("GET", "/v1/account/billing"):
            self.billing()
        else:
            self.error(404, "not_found", f"No route {method} {path}")

    def _key(self) -> str | None:
        scheme, _, key = (self.handler.headers.get("Authorization") or "").strip().partition(" ")
        key = key.strip()
        valid = self.state.valid_keys
        if scheme.lower() != "key" or not key:
            return None
        if (valid is not None and key not in valid and key not in self.config.admin_keys) or (
            valid is None and ":" not in key
        ):
            return None
        return key

    def pricing(self, query: dict[str, list[str]]) -> None:
        ids = [i for value in query.get("endpoint_id", []) for i in value.split(",") if i]
        if not 1 <= len(ids) <= 50:
            self.error(400, "validation_error", "endpoint_id: 1 to 50 ids are required")
            return
        prices = [
            {"endpoint_id": i, "unit_price": self.config.prices[i], "unit": "image",
             "currency": "USD"}
            for i in ids if i in self.config.prices
        ]
        self.handler.send_json(200, {"prices": prices, "next_cursor": None, "has_more": False})

    def estimate(self, body: bytes) -> None:
        try:
            data = json.loads(body or b"null")
            endpoints = data["endpoints"]
            total = sum(
                self.config.prices[eid] * float(item["unit_quantity"])
                for eid, item in endpoints.items()
            )
        except (ValueError, KeyError, TypeError, AttributeError):
            self.error(400, "validation_error", "expected estimate_type and endpoints")
            return
        self.handler.send_json(200, {"estimate_type": data.get("estimate_type", "unit_price"),
                                     "total_cost": round(total, 6), "currency": "USD"})

    def history(self, query: dict[str, list[str]]) -> None:
        endpoint = (query.get("endpoint_id") or [""])[-1]
        if not endpoint:
            self.error(400, "validation_error", "endpoint_id is required")
            return
        now = time.time()
        try:
            start = _parse_time(query["start"][-1]) if "start" in query else now - 86400
            limit = int((query.get("limit") or ["50"])[-1])
            offset = int((query.get("cursor") or ["0"])[-1])
        except ValueError:
            self.error(400, "validation_error", "bad start, limit or cursor")
            return
        if not 1 <= limit <= 100 or offset < 0:
            self.error(400, "validation_error", "limit must be 1..100")
            return
        wanted_ids = query.get("request_id") or []
        wanted_id = wanted_ids[-1] if wanted_ids else None
        wanted_statuses = query.get("status") or []
        wanted_status = wanted_statuses[-1] if wanted_statuses else None
        payloads = "payloads" in ",".join(query.get("expand", []))
        matches = [
            job for job in self.state.board.all_jobs()
            if job.endpoint == endpoint and job.sent_wall >= start
            and (wanted_id is None or job.request_id == wanted_id)
            and _visible(job, self.config, now)
            and (wanted_status is None or (
                job.state == "COMPLETED" and _status_name(job) == wanted_status))
        ]
        page = matches[offset:offset + limit]
        items = []
        for job in page:
            item = history_item(job, self._output(job))
            if not payloads:
                item.pop("json_input")
                item.pop("json_output")
            items.append(item)
        more = offset + limit < len(matches)
        self.handler.send_json(200, {"items": items, "next_cursor": str(offset + limit) if more
                                     else None, "has_more": more})

    def _output(self, job: EmuJob) -> dict[str, Any] | None:
        """The result body's gist (seed and image URLs), without rendering the images."""
        if job.outcome != "succeeded":
            return None
        ext = EXTENSIONS.get(job.input.output_format if job.input else "png", "png")
        base = self.state.board.media_url
        return {"seed": job.seed, "images": [
            {"url": f"{base}/files/{job.request_id}/{i}.{ext}"}
            for i in range(job.num_images)
        ]}

    def billing(self) -> None:
        current = balance(self.state.board, self.config, self.account)
        self.handler.send_json(200, {"username": "emulator", "credits": {
            "current_balance": 0.0 if current is None else current, "currency": "USD"}})
