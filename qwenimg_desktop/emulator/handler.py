"""HTTP plumbing of the emulator: routing, auth, front-door faults and response helpers."""

from __future__ import annotations

import gzip
import json
import logging
import re
import socket
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from typing import Any, Final
from urllib.parse import parse_qs, urlsplit

from qwenimg_desktop.emulator.platform import PlatformRoutes
from qwenimg_desktop.emulator.scenarios import RouteKind
from qwenimg_desktop.emulator.schemas import ENDPOINTS, owner_alias
from qwenimg_desktop.emulator.state import EmulatorHTTPServer, EmulatorState
from qwenimg_desktop.emulator.uploads import FILE_PATH_RE, MAX_UPLOAD_BYTES, UPLOAD_PATH_RE

logger = logging.getLogger("qwenimg_desktop.emulator")

# Only the short form exists for status, stream, result and cancel: owner/alias, the
# endpoint's own path dropped, as on fal. The long form falls through to 404.
_REQUEST_RE: Final = re.compile(
    r"^/(?P<owner_alias>[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+)/requests/"
    r"(?P<id>[A-Za-z0-9._:-]{1,200})(?P<tail>/status/stream|/status|/cancel)?/?$"
)
_OWNER_ALIASES: Final = frozenset(owner_alias(endpoint) for endpoint in ENDPOINTS)
_GZIP_MIN: Final = 200  # bytes; smaller JSON answers go uncompressed, as most servers do
_FILE_RE: Final = re.compile(
    r"^/files/(?P<id>[A-Za-z0-9._:-]{1,200})/(?P<index>\d{1,3})\.(?P<ext>png|jpg|jpeg|webp)$"
)
_MAX_BODY: Final = 2 * 1024 * 1024
_NGINX_BODY: Final = (
    "<html>\r\n<head><title>{code} {reason}</title></head>\r\n<body>\r\n<center><h1>{code} "
    "{reason}</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
)
_REASONS: Final = {
    502: "Bad Gateway", 503: "Service Temporarily Unavailable", 504: "Gateway Time-out",
}


@dataclass(frozen=True)
class Route:
    """Where a request goes: the route kind, the request id (if any) and path details."""

    kind: RouteKind
    request_id: str | None = None
    index: int = 0
    ext: str = ""
    endpoint: str = ""  # submit: the endpoint id of the path


def match_route(method: str, path: str) -> Route | None:
    """The fal queue route for ``method`` + ``path``, or None (media is on its own origin).

    fal's storage is on this origin too: ``POST /storage/upload/initiate`` and the signed
    ``PUT /__upload/<token>`` it hands out.
    """
    if method == "POST" and (endpoint := path.strip("/")) in ENDPOINTS:
        return Route("submit", endpoint=endpoint)
    if method == "POST" and path.rstrip("/") == "/storage/upload/initiate":
        return Route("upload_initiate")
    if method == "PUT" and (upload := UPLOAD_PATH_RE.match(path)):
        return Route("upload_put", request_id=upload["token"])
    if (match := _REQUEST_RE.match(path)) and match["owner_alias"] in _OWNER_ALIASES:
        tail = match["tail"] or ""
        kind: RouteKind | None = {
            ("GET", ""): "result",
            ("GET", "/status"): "status",
            ("GET", "/status/stream"): "stream",
            ("PUT", "/cancel"): "cancel",
        }.get((method, tail))  # type: ignore[assignment]
        return Route(kind, match["id"]) if kind else None
    return None


def match_media(method: str, path: str) -> Route | None:
    """The media origin's one route: ``GET /files/{request id}/{index}.{ext}``."""
    if method == "GET" and (match := _FILE_RE.match(path)):
        return Route("file", match["id"], int(match["index"]), match["ext"])
    if method == "GET" and (match := FILE_PATH_RE.match(path)):
        return Route("upload_file", match["id"])
    return None


def flag(values: list[str] | None) -> bool:
    """A query flag such as ``logs=1`` / ``logs=true``."""
    if not values:
        return False
    return values[-1].strip().lower() in {"1", "true", "yes", "on"}


class BaseEmulatorHandler(BaseHTTPRequestHandler):
    """Request parsing, auth, faults and response writing shared by the fal routes."""

    protocol_version = "HTTP/1.1"
    timeout = 60  # idle keep-alive connections are closed after this many seconds
    server_version = "qwenimg-emulator"
    disable_nagle_algorithm = True  # headers and body go out in separate writes

    def log_message(self, format: str, *args: Any) -> None:
        logger.debug("%s %s", self.address_string(), format % args)

    # ---- state --------------------------------------------------------------------------------

    @property
    def state(self) -> EmulatorState:
        server = self.server
        assert isinstance(server, EmulatorHTTPServer)
        return server.state

    # ---- reading ------------------------------------------------------------------------------

    def read_body(self) -> bytes | None:
        """The request body, or None after answering 411/413 (the connection then closes)."""
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            self.close_connection = True
            self.send_json(411, {"detail": "Chunked request bodies are not supported"})
            return None
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = -1
        limit = MAX_UPLOAD_BYTES if UPLOAD_PATH_RE.match(urlsplit(self.path).path) else _MAX_BODY
        if not 0 <= length <= limit:
            self.close_connection = True
            self.send_json(413, {"detail": "Request body too large or invalid Content-Length"})
            return None
        return self.rfile.read(length) if length else b""

    def query(self) -> dict[str, list[str]]:
        return parse_qs(urlsplit(self.path).query)

    # ---- writing ------------------------------------------------------------------------------

    answered: int | None = None  # the status code sent on this request (request log)
    logged: dict[str, Any] | None = None  # this request's entry in the request log

    def send_response(self, code: int, message: str | None = None) -> None:
        self.answered = code
        if self.logged is not None:  # logged before it is sent: a client holding the answer
            self.logged["status"] = code  # finds it in the log (a test reads it right away)
        super().send_response(code, message)

    def send_bytes(
        self, status: int, data: bytes, content_type: str, headers: dict[str, str] | None = None
    ) -> None:
        accepts = self.headers.get("Accept-Encoding", "").lower()
        if (content_type == "application/json" and len(data) >= _GZIP_MIN
                and "gzip" in accepts and self.state.scenario.gzip):
            data = gzip.compress(data, compresslevel=5)
            headers = {**(headers or {}), "Content-Encoding": "gzip", "Vary": "Accept-Encoding"}
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)
        self.wfile.flush()

    def send_json(
        self,
        status: int,
        body: Any,
        *,
        kind: RouteKind | None = None,
        headers: dict[str, str] | None = None,
        request_id: str | None = None,
    ) -> None:
        """Answer JSON from "fal's server" (with x-fal-request-id); may apply malformed_json."""
        data = json.dumps(body, ensure_ascii=False).encode("utf-8")
        if kind is not None and 200 <= status < 300 and self.state.injector.fire(
            "malformed_json", kind
        ):
            data = data[: max(1, len(data) // 2)]
        all_headers = {"x-fal-request-id": request_id or str(uuid.uuid4()), **(headers or {})}
        self.send_bytes(status, data, "application/json", all_headers)

    def cut_connection(self) -> None:
        """Drop the connection without (finishing) an answer."""
        self.close_connection = True
        try:
            self.wfile.flush()
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def wait(self, seconds: float) -> None:
        if seconds > 0:
            self.state.stop_event.wait(seconds)

    # ---- gates --------------------------------------------------------------------------------

    def check_auth(self, route: Route) -> bool:
        """True when the Authorization header carries an acceptable key; else answers 401."""
        header = self.headers.get("Authorization")
        if not header:
            detail = "Missing Authorization header (expected 'Key <FAL_KEY>')"
            self.send_json(401, {"detail": detail}, request_id=route.request_id)
            return False
        scheme, _, key = header.strip().partition(" ")
        key = key.strip()
        valid = self.state.valid_keys
        if scheme.lower() != "key" or not key:
            detail = "Malformed Authorization header (expected 'Key <FAL_KEY>')"
        elif (valid is not None and key not in valid) or (valid is None and ":" not in key):
            detail = "No user found for Key ID and Secret"
        else:
            return True
        self.send_json(401, {"detail": detail}, request_id=route.request_id)
        return False

    def front_faults(self, route: Route) -> bool:
        """Apply the faults that answer before the route runs; True when one answered."""
        injector = self.state.injector
        if injector.fire("wrong_key", route.kind):
            self.send_json(401, {"detail": "No user found for Key ID and Secret"},
                           request_id=route.request_id)
            return True
        if fault := injector.fire("rate_limit", route.kind):
            headers = {} if fault.retry_after is None else {"Retry-After": f"{fault.retry_after:g}"}
            self.send_json(429, {"detail": "Rate limit exceeded, please retry later"},
                           headers=headers, request_id=route.request_id)
            return True
        if fault := injector.fire("server_error", route.kind):
            self._server_error(fault.status or 500, ingress=fault.ingress, route=route)
            return True
        if fault := injector.fire("slow_first_byte", route.kind):
            self.wait(fault.delay)
        if route.kind == "submit":
            self.state.wait_while_held("submit")
        return False

    def _server_error(self, status: int, *, ingress: bool, route: Route) -> None:
        if status in _REASONS and ingress:
            html = _NGINX_BODY.format(code=status, reason=_REASONS[status]).encode()
            self.send_bytes(status, html, "text/html")
        else:
            self.send_json(status, {"detail": "Internal Server Error"}, request_id=route.request_id)

    # ---- dispatch -----------------------------------------------------------------------------

    origin = "queue"  # which origin this handler serves (the request log names it)

    def match(self, method: str, path: str) -> Route | None:
        return match_route(method, path)

    def dispatch(self, method: str) -> None:
        path = urlsplit(self.path).path
        self.answered = None
        self.logged = None
        started = time.monotonic()
        body = self.read_body() if method in {"POST", "PUT"} else b""
        if body is None:
            return
        if path.startswith("/_emulator/") and self.origin == "queue":
            self.control(method, path, body)
            return
        route = self.match(method, path)
        record = self.state.log_request(
            origin=self.origin, method=method, target=self.path,
            route=route.kind if route else "unknown",
            request_id=route.request_id if route else None, headers=dict(self.headers.items()),
        )
        self.logged = record
        try:
            if path.startswith("/v1/") and self.origin == "queue":
                self.state.count_served("platform")
                self.wait(self.state.scenario.latency)
                PlatformRoutes(self, self.state.account).serve(method, path, body)
                return
            if route is None:
                self.state.count_served("unknown")
                self.send_json(404, {"detail": f"No route for {method} {path}"})
                return
            self.state.count_served(route.kind)
            if route.kind == "submit":
                self.state.count_submit_attempt()
            self.wait(self.state.scenario.latency)
            # Media and the signed upload URL take no key (fal's JS client sends none there).
            if route.kind not in ("file", "upload_file", "upload_put") \
                    and not self.check_auth(route):
                return
            if self.front_faults(route):
                return
            self.route_handlers()[route.kind](route, body)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True
        finally:
            record["status"] = self.answered
            record["seconds"] = round(time.monotonic() - started, 4)

    def do_GET(self) -> None:
        self.dispatch("GET")

    def do_POST(self) -> None:
        self.dispatch("POST")

    def do_PUT(self) -> None:
        self.dispatch("PUT")

    # ---- implemented by the subclass ----------------------------------------------------------

    def route_handlers(self) -> dict[RouteKind, Callable[[Route, bytes], None]]:
        raise NotImplementedError

    def control(self, method: str, path: str, body: bytes) -> None:
        raise NotImplementedError
