"""Shared emulator state: jobs, faults, keys, counters, and the HTTP server that holds them."""

from __future__ import annotations

import contextlib
import logging
import socket
import sys
import threading
import time
from collections.abc import Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from qwenimg_desktop.emulator.jobs import JobBoard
from qwenimg_desktop.emulator.platform import Account
from qwenimg_desktop.emulator.scenarios import FAULT_NAMES, FaultInjector, Scenario
from qwenimg_desktop.emulator.uploads import UploadStore

log = logging.getLogger("qwenimg.emulator")


class EmulatorState:
    """Everything the request handlers share; thread-safe."""

    def __init__(self, scenario: Scenario, valid_keys: set[str] | None) -> None:
        self.injector = FaultInjector(scenario)
        self.uploads = UploadStore()
        self.board = JobBoard(self.injector, self.uploads)
        self.valid_keys = frozenset(valid_keys) if valid_keys is not None else None
        self.stop_event = threading.Event()
        self.account = Account()
        self._lock = threading.Lock()
        self._released = threading.Condition()  # notified when the scenario changes
        self._submits_total = 0
        self._submit_attempts = 0
        self._by_job_id: dict[str, int] = {}
        self._served: dict[str, int] = {}
        self._requests: list[dict[str, Any]] = []
        self.webhook_deliveries: list[dict[str, Any]] = []

    def log_request(
        self, *, origin: str, method: str, target: str, route: str, request_id: str | None,
        headers: Mapping[str, str],
    ) -> dict[str, Any]:
        """Record one request as it arrives (the key's value never kept: only that it came).

        The caller fills in ``status`` and ``seconds`` when the answer is done, so a request
        still being answered (a stream) is already listed.
        """
        kept = {name.lower(): value for name, value in headers.items()}
        if "authorization" in kept:
            scheme = kept["authorization"].split(" ", 1)[0]
            kept["authorization"] = f"{scheme} [present]"
        # ``at``: wall clock at arrival, so a client in another process can time its own trip.
        record = {"origin": origin, "method": method, "target": target, "route": route,
                  "request_id": request_id, "status": None, "headers": kept, "seconds": None,
                  "at": time.time()}
        with self._lock:
            self._requests.append(record)
            del self._requests[:-10_000]  # a bounded log: long benchmarks stay flat
        return record

    def requests(self, route: str | None = None) -> list[dict[str, Any]]:
        """The request log, oldest first (optionally one route's requests only)."""
        with self._lock:
            return [dict(r) for r in self._requests if route is None or r["route"] == route]

    def __repr__(self) -> str:
        return f"<EmulatorState {self.board!r} {self.injector!r}>"

    @property
    def scenario(self) -> Scenario:
        return self.injector.scenario

    def set_scenario(
        self, scenario: Scenario | Mapping[str, Any], *, merge: bool = False
    ) -> Scenario:
        """Replace the scenario, or merge top-level keys of a mapping into the current one."""
        if isinstance(scenario, Scenario):
            new, rearm = scenario, FAULT_NAMES
        elif merge:
            new = self.injector.scenario.merged(scenario)
            rearm = tuple(name for name in FAULT_NAMES if name in scenario)
        else:
            new, rearm = Scenario.model_validate(dict(scenario)), FAULT_NAMES
        self.injector.set_scenario(new, rearm=rearm)
        self.account.reset_rate_limit()
        self.board.wake()  # max_running or the held stages may have changed
        with self._released:
            self._released.notify_all()
        return new

    def wait_while_held(self, stage: str) -> None:
        """Block a request while the scenario holds ``stage`` (or until the server stops)."""
        with self._released:
            while stage in self.injector.scenario.hold and not self.stop_event.is_set():
                self._released.wait(0.5)  # the stop is not notified: it is seen within 0.5 s

    def count_served(self, kind: str) -> None:
        with self._lock:
            self._served[kind] = self._served.get(kind, 0) + 1

    def count_submit_attempt(self) -> None:
        with self._lock:
            self._submit_attempts += 1

    def count_submit(self, client_job_id: str | None) -> None:
        with self._lock:
            self._submits_total += 1
            if client_job_id:
                self._by_job_id[client_job_id] = self._by_job_id.get(client_job_id, 0) + 1

    def reset(self) -> None:
        self.board.reset()
        self.injector.reset()
        self.account.reset()
        with self._lock:
            self._submits_total = self._submit_attempts = 0
            self._by_job_id.clear()
            self._served.clear()
            self._requests.clear()
            self.webhook_deliveries.clear()

    def stats(self) -> dict[str, Any]:
        with self._lock:
            counters: dict[str, Any] = {
                "submits_total": self._submits_total,
                "submit_attempts": self._submit_attempts,
                "submits_by_job_id": dict(self._by_job_id),
                "served": dict(self._served),
            }
        return {**counters, **self.board.counts(), "faults_fired": self.injector.fired_counts()}


class EmulatorHTTPServer(ThreadingHTTPServer):
    """ThreadingHTTPServer with daemon threads that can cut every open connection on stop."""

    daemon_threads = True
    block_on_close = False
    request_queue_size = 128  # socketserver's 5 drops bursts of connects (1 s SYN retry)

    def __init__(
        self,
        address: tuple[str, int],
        handler: type[BaseHTTPRequestHandler],
        state: EmulatorState,
    ) -> None:
        self.state = state
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        super().__init__(address, handler)

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._connections_lock:
            self._connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self._connections_lock:
            self._connections.discard(request)
        super().shutdown_request(request)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Clients hanging up (reset, broken pipe) are normal here; anything else is logged."""
        exc = sys.exc_info()[1]
        if isinstance(exc, ConnectionError | TimeoutError):
            return
        log.error("emulator: error while serving %s", client_address, exc_info=exc)

    def close_connections(self) -> None:
        with self._connections_lock:
            connections = list(self._connections)
        for connection in connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)
