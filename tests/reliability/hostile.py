"""A small hostile HTTP server on loopback: each test writes what every path answers.

Redirect chains and loops, bodies of any size generated while they are sent (nothing big is held
in memory), garbage under ``Content-Encoding: gzip``, bytes trickled slowly, status streams with
endless lines. Every request is recorded (method and path) so tests can say what was reached.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from tests.fixtures.loopback_http import LoopbackHTTP, drain_body

Handler = BaseHTTPRequestHandler
Route = Callable[[Handler], None]


@dataclass
class Hostile(LoopbackHTTP):
    """Answers ``routes[path]`` (path without the query); 404 for anything else.

    ``host`` is the address to bind: ``0.0.0.0`` makes the server reachable through a
    non-loopback address too (see :func:`lan_address`).
    """

    routes: dict[str, Route] = field(default_factory=dict)
    host: str = "127.0.0.1"
    seen: list[tuple[str, str, dict[str, str]]] = field(default_factory=list)
    _server: ThreadingHTTPServer | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def port(self) -> int:
        assert self._server is not None, "start() first"
        return int(self._server.server_address[1])

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def bind_host(self) -> str:
        return self.host

    def answer(self, handler: Handler, method: str) -> None:
        drain_body(handler)
        path = handler.path.split("?", 1)[0]
        with self._lock:
            self.seen.append((method, path, dict(handler.headers.items())))
        route = self.routes.get(path)
        try:
            if route is None:
                send(handler, 404, b'{"detail": "Not found"}')
            else:
                route(handler)
        except (BrokenPipeError, ConnectionResetError):
            return  # the client gave up: that is what many tests expect

    def paths(self) -> list[str]:
        with self._lock:
            return [path for _method, path, _headers in self.seen]


def lan_address() -> str | None:
    """A non-loopback address of this machine, or None (then the test cannot use one)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("192.0.2.1", 9))  # no packet is sent for a UDP connect
            address = str(probe.getsockname()[0])
        except OSError:
            return None
    return None if address.startswith("127.") or address == "0.0.0.0" else address


# ---- answers ------------------------------------------------------------------------------


def send(
    handler: Handler, code: int, body: bytes, content_type: str = "application/json",
    headers: dict[str, str] | None = None,
) -> None:
    handler.send_response(code)
    handler.send_header("Content-Type", content_type)
    handler.send_header("Content-Length", str(len(body)))
    for name, value in (headers or {}).items():
        handler.send_header(name, value)
    handler.end_headers()
    handler.wfile.write(body)


def redirect(to: str, code: int = 302) -> Route:
    def route(handler: Handler) -> None:
        send(handler, code, b"", "text/plain", {"Location": to})

    return route


def body(data: bytes, content_type: str = "application/json", code: int = 200,
         headers: dict[str, str] | None = None) -> Route:
    def route(handler: Handler) -> None:
        send(handler, code, data, content_type, headers)

    return route


def streamed(parts: Callable[[], Iterable[bytes]], content_type: str = "application/json",
             code: int = 200, headers: dict[str, str] | None = None,
             length: int | None = None) -> Route:
    """A body sent piece by piece as ``parts()`` yields them: chunked, or with a declared
    ``length`` (then the pieces are written as they are)."""

    def route(handler: Handler) -> None:
        handler.send_response(code)
        handler.send_header("Content-Type", content_type)
        if length is None:
            handler.send_header("Transfer-Encoding", "chunked")
        else:
            handler.send_header("Content-Length", str(length))
        for name, value in (headers or {}).items():
            handler.send_header(name, value)
        handler.end_headers()
        for part in parts():
            if not part:
                continue
            if length is None:
                handler.wfile.write(f"{len(part):x}\r\n".encode() + part + b"\r\n")
            else:
                handler.wfile.write(part)
            handler.wfile.flush()
        if length is None:
            handler.wfile.write(b"0\r\n\r\n")

    return route


def repeated(head: bytes, filler: bytes, size: int, tail: bytes = b"") -> Iterator[bytes]:
    """``head``, then ``filler`` repeated to about ``size`` bytes, then ``tail``: generated."""
    yield head
    block = filler * max(1, 65536 // max(1, len(filler)))
    sent = len(head)
    while sent < size:
        piece = block[: size - sent]
        sent += len(piece)
        yield piece
    yield tail


def trickled(data: bytes, every: float, step: int = 1) -> Iterator[bytes]:
    """``data`` ``step`` bytes at a time, one piece every ``every`` seconds."""
    for start in range(0, len(data), step):
        yield data[start:start + step]
        time.sleep(every)
