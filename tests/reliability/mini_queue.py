"""A tiny loopback stand-in for fal's queue whose answers a test writes: hostile names and media.

The real emulator only says what fal says. This one lets a test answer a submit with status
URLs on another host, and a result whose files carry `../` names, point at a bomb, or at HTML.
Every request it receives is recorded (method, path, headers) so tests can count them.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from qwenimg_desktop.core.fal.protocol import ENDPOINT_ID, request_urls
from tests.fixtures.loopback_http import LoopbackHTTP, drain_body


@dataclass(frozen=True)
class Seen:
    """One request the server received."""

    method: str
    path: str
    headers: dict[str, str]


@dataclass
class MiniQueue(LoopbackHTTP):
    """Serves submit → COMPLETED → ``images`` (a list of File dicts) and ``media`` by path.

    Every submit gets a new request id ``req-0001``, ``req-0002`` …

    ``named_base`` is the host its submit answer names for status/result/cancel (default: itself);
    ``media`` maps a path such as ``/media/a.png`` to (content type, bytes).
    """

    images: list[dict[str, Any]] = field(default_factory=list)
    media: dict[str, tuple[str, bytes]] = field(default_factory=dict)
    named_base: str | None = None
    seen: list[Seen] = field(default_factory=list)
    submits: int = 0
    _server: ThreadingHTTPServer | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    # ---- serving ---------------------------------------------------------------------------

    def answer(self, handler: BaseHTTPRequestHandler, method: str) -> None:
        drain_body(handler)
        with self._lock:
            self.seen.append(Seen(method, handler.path, dict(handler.headers.items())))
        path = handler.path.split("?", 1)[0]
        if path in self.media:
            content_type, data = self.media[path]
            self._send(handler, 200, data, content_type)
            return
        if method == "POST" and path == f"/{ENDPOINT_ID}":
            with self._lock:
                self.submits += 1
                request_id = f"req-{self.submits:04d}"
            named = request_urls(self.named_base or self.base_url, request_id)
            body: dict[str, Any] = {"request_id": request_id, "queue_position": 0, **{
                k: named[k] for k in ("response_url", "status_url", "cancel_url")}}
        elif path.endswith("/status"):
            body = {"status": "COMPLETED", "logs": []}
        elif "/requests/req-" in path:
            body = {"images": self.images, "seed": 7, "prompt": "x"}
        else:
            self._send(handler, 404, b'{"detail": "Not found"}', "application/json")
            return
        self._send(handler, 200, json.dumps(body).encode(), "application/json")

    @staticmethod
    def _send(handler: BaseHTTPRequestHandler, code: int, data: bytes, content_type: str) -> None:
        handler.send_response(code)
        handler.send_header("Content-Type", content_type)
        handler.send_header("Content-Length", str(len(data)))
        handler.end_headers()
        handler.wfile.write(data)

    def requests_to(self, prefix: str) -> list[Seen]:
        with self._lock:
            return [s for s in self.seen if s.path.startswith(prefix)]
