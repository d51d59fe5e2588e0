"""EmulatorServer: the fal queue emulator on a loopback HTTP/1.1 server, run in-process."""

from __future__ import annotations

import threading
from collections.abc import Mapping
from types import TracebackType
from typing import Any, Self

from qwenimg_desktop.core.urls import is_loopback
from qwenimg_desktop.emulator.jobs import JobBoard
from qwenimg_desktop.emulator.routes import EmulatorHandler, MediaHandler
from qwenimg_desktop.emulator.scenarios import Scenario
from qwenimg_desktop.emulator.state import EmulatorHTTPServer, EmulatorState
from qwenimg_desktop.emulator.webhooks import deliver


class EmulatorServer:
    """A running fal queue emulator; ``start()`` returns its base URL (``http://127.0.0.1:PORT``).

    Media is served from a second origin (another port, :attr:`media_url`), as fal's CDN is
    another host: a test can then prove that the key never reaches it.

    Usable as a context manager. ``complete_times`` maps each request id to the
    ``time.perf_counter()`` at which the job was marked COMPLETED (for latency benchmarks).
    """

    def __init__(
        self,
        scenario: Scenario | None = None,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        valid_keys: set[str] | None = None,
        allow_remote: bool = False,
    ) -> None:
        if not allow_remote and not is_loopback(host):
            raise ValueError(f"refusing to serve on non-loopback host {host!r}")
        self._host = host
        self._port = port
        self._state = EmulatorState(scenario or Scenario(), valid_keys)
        self._state.board.on_finished = lambda job: deliver(self._state, job)
        self._httpd: EmulatorHTTPServer | None = None
        self._media: EmulatorHTTPServer | None = None
        self._threads: list[threading.Thread] = []
        self._base_url: str | None = None

    def __repr__(self) -> str:
        return f"<EmulatorServer {self._base_url or 'not started'}>"

    @property
    def base_url(self) -> str:
        if self._base_url is None:
            raise RuntimeError("the emulator is not running: call start() first")
        return self._base_url

    @property
    def media_url(self) -> str:
        """The media origin (``http://127.0.0.1:OTHER_PORT``)."""
        return self._state.board.media_url

    def requests(self, route: str | None = None) -> list[dict[str, Any]]:
        """Every request received, oldest first: origin, method, target, route, status and
        headers (the key's value replaced by ``[present]``)."""
        return self._state.requests(route)

    @property
    def webhook_deliveries(self) -> list[dict[str, Any]]:
        return list(self._state.webhook_deliveries)

    @property
    def scenario(self) -> Scenario:
        return self._state.scenario

    @property
    def board(self) -> JobBoard:
        """The jobs (for in-process tests and benchmarks)."""
        return self._state.board

    @property
    def complete_times(self) -> dict[str, float]:
        return self._state.board.complete_times

    def start(self) -> str:
        """Bind, start serving on a daemon thread and return the base URL."""
        if self._base_url is not None:
            return self._base_url
        httpd = EmulatorHTTPServer((self._host, self._port), EmulatorHandler, self._state)
        media = EmulatorHTTPServer((self._host, 0), MediaHandler, self._state)
        self._base_url = _origin(httpd)
        self._state.board.base_url = self._base_url
        self._state.board.media_url = _origin(media)
        self._state.board.start()
        self._httpd, self._media = httpd, media
        for server in (httpd, media):
            thread = threading.Thread(
                target=server.serve_forever, kwargs={"poll_interval": 0.05},
                name=f"emulator-http-{server.server_address[1]}", daemon=True,
            )
            thread.start()
            self._threads.append(thread)
        return self._base_url

    def stop(self) -> None:
        """Stop serving, cut open connections (streams included) and stop the scheduler."""
        httpd = self._httpd
        if httpd is None:
            return
        media = self._media
        self._httpd = self._media = None
        self._state.stop_event.set()
        self._state.board.stop()
        for server in (httpd, media):
            if server is None:
                continue
            server.shutdown()
            server.close_connections()
            server.server_close()
        for thread in self._threads:
            thread.join(timeout=5)
        self._threads.clear()
        self._base_url = None

    def stats(self) -> dict[str, Any]:
        """Counters: submits (total, per X-Qwenimg-Job-Id), requests by state, served per route."""
        return self._state.stats()

    def set_scenario(
        self, scenario: Scenario | Mapping[str, Any], *, merge: bool = False
    ) -> Scenario:
        """Replace the scenario (or merge a mapping's top-level keys); fault counters re-arm."""
        return self._state.set_scenario(scenario, merge=merge)

    def top_up(self, amount: float) -> None:
        """Add to the emulated account's balance (it may unlock the account)."""
        self._state.account.top_up(amount)

    def reset(self) -> None:
        """Forget every job and counter; the scenario stays, its fault counters re-arm."""
        self._state.reset()

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def _origin(server: EmulatorHTTPServer) -> str:
    host, port = str(server.server_address[0]), int(server.server_address[1])
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}"
