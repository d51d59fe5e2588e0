"""Helpers for emulator tests: an authorised httpx client, submit, and waiting on the SSE stream."""

from __future__ import annotations

import json
from typing import Any, Final

import httpx

from qwenimg_desktop.core.fal.protocol import submit_url

KEY: Final = "test-id:test-secret"


def client(**kwargs: Any) -> httpx.Client:
    return httpx.Client(headers={"Authorization": f"Key {KEY}"}, timeout=30, **kwargs)


def submit(http: httpx.Client, base: str, payload: dict[str, Any] | None = None,
           **headers: str) -> dict[str, Any]:
    response = http.post(submit_url(base), json=payload or {"prompt": "a cat"}, headers=headers)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def stream_events(http: httpx.Client, status_url: str, *, logs: bool = True,
                  until: str = "COMPLETED") -> list[dict[str, Any]]:
    """Read SSE status events until one has ``status == until`` (or the stream ends)."""
    events: list[dict[str, Any]] = []
    with http.stream("GET", f"{status_url}/stream", params={"logs": int(logs)}) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        for line in response.iter_lines():
            if line.startswith("data: "):
                events.append(json.loads(line.removeprefix("data: ")))
                if events[-1]["status"] == until:
                    break
    return events


def run_to_completion(http: httpx.Client, base: str,
                      payload: dict[str, Any] | None = None) -> dict[str, Any]:
    """Submit, wait for COMPLETED on the stream, and return the submit answer."""
    answer = submit(http, base, payload)
    events = stream_events(http, answer["status_url"])
    assert events[-1]["status"] == "COMPLETED"
    return answer
