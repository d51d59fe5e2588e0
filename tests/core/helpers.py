"""Small shared helpers for core tests (no fakes: these drive real parts)."""

from __future__ import annotations

import asyncio
import queue
import threading
from collections.abc import Coroutine
from typing import Any, TypeVar

from qwenimg_desktop.core.fal.retry import RetryPolicy
from qwenimg_desktop.core.jobs import events as ev

T = TypeVar("T")
TEST_KEY = "test-key-id:0123456789abcdef0123456789abcdef"
FAST_RETRY = RetryPolicy(base_delay=0.01, max_delay=0.05)
RECONCILE_DEADLINE = 3.0
"""How long tests let the engine look for a lost submit at fal (the app's default: 10 min)."""


def run(coro: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine to completion on a fresh loop."""
    return asyncio.run(coro)


class EventLog:
    """A thread-safe sink that records every event and wakes waiters on final ones."""

    def __init__(self) -> None:
        self.events: list[ev.JobEvent] = []
        self._lock = threading.Lock()
        self._finals: queue.Queue[ev.JobEvent] = queue.Queue()

    def __call__(self, event: ev.JobEvent) -> None:
        with self._lock:
            self.events.append(event)
        if isinstance(event, ev.Completed | ev.Failed | ev.Cancelled):
            self._finals.put(event)

    def wait_final(self, job_id: str, timeout: float = 30.0) -> ev.JobEvent:
        """Block until ``job_id`` ends; raises TimeoutError if it does not."""
        pending: list[ev.JobEvent] = []
        try:
            while True:
                try:
                    event = self._finals.get(timeout=timeout)
                except queue.Empty:
                    raise TimeoutError(f"job {job_id} did not finish in {timeout} s") from None
                if event.job_id == job_id:
                    return event
                pending.append(event)
        finally:
            for event in pending:
                self._finals.put(event)

    def of(self, job_id: str) -> list[ev.JobEvent]:
        """Events of one job, in order."""
        with self._lock:
            return [e for e in self.events if e.job_id == job_id]

    def wait_for(self, job_id: str, kind: type[ev.JobEvent], timeout: float = 30.0) -> ev.JobEvent:
        """Poll until an event of ``kind`` for ``job_id`` has arrived."""
        deadline = threading.Event()
        for _ in range(int(timeout / 0.01)):
            for event in self.of(job_id):
                if isinstance(event, kind):
                    return event
            deadline.wait(0.01)
        raise TimeoutError(f"no {kind.__name__} for {job_id} within {timeout} s")
