"""Webhook delivery: when a job that named ``fal_webhook`` ends, POST fal's documented payload.

Only loopback URLs are called (the emulator must never reach out to the network); anything else
is recorded as refused. Each delivery is recorded, so tests can assert it.
"""

from __future__ import annotations

import json
import logging
import urllib.error
import urllib.request
from typing import Any
from urllib.parse import urlsplit

from qwenimg_desktop.core.urls import is_loopback
from qwenimg_desktop.emulator.jobs import EmuJob
from qwenimg_desktop.emulator.routes import result_answer
from qwenimg_desktop.emulator.state import EmulatorState

log = logging.getLogger("qwenimg.emulator")


def webhook_payload(code: int, body: dict[str, Any], job: EmuJob) -> dict[str, Any]:
    """fal's webhook body: ``status`` OK with the output, or ERROR with the error body."""
    payload: dict[str, Any] = {"request_id": job.request_id,
                               "gateway_request_id": job.request_id}
    if code == 200:
        return {**payload, "status": "OK", "payload": body}
    return {**payload, "status": "ERROR", "error": f"Invalid status code: {code}",
            "payload": body}


def _loopback(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme == "http" and is_loopback(parts.hostname)


def deliver(state: EmulatorState, job: EmuJob) -> None:
    """POST the outcome of ``job`` to its webhook (on the board's finisher thread)."""
    url = job.webhook
    if not url or not state.scenario.webhooks:
        return
    record: dict[str, Any] = {"request_id": job.request_id, "url": url}
    if not _loopback(url):
        state.webhook_deliveries.append({**record, "refused": "not a loopback URL"})
        return
    code, body, _ = result_answer(state.board, job)
    data = json.dumps(webhook_payload(code, body, job)).encode()
    request = urllib.request.Request(
        url, data=data, method="POST", headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            record["status"] = answer.status
    except (urllib.error.URLError, OSError) as exc:
        record["error"] = str(exc)
        log.info("webhook delivery to %s failed: %s", url, exc)
    state.webhook_deliveries.append(record)
