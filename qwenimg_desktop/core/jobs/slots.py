"""Slots: how many jobs run at once, in which order waiting jobs start, and a pause."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from types import TracebackType


@dataclass(order=True)
class _Waiter:
    key: tuple[int, float, int]
    """(0 for a job already at fal, 1 for a send; its rank; arrival): lowest starts first."""
    pausable: bool = field(compare=False)
    granted: asyncio.Future[None] = field(compare=False)


class Slots:
    """Holds one of ``limit`` slots per running job (engine loop only).

    Unlike :class:`asyncio.Semaphore` the limit can be changed at any time: raising it lets
    waiting jobs start at once; lowering it lets the running ones finish and holds back new
    ones until fewer than the new limit are running.

    Waiting jobs start in rank order (arrival order by default): jobs already at fal (resumed
    after a restart) before new sends, then the lowest rank. A send can be re-ranked while it
    waits (move to top) and held back altogether while the queue is paused; jobs already at
    fal are never held by a pause (pausing stops spending, not following).
    """

    def __init__(self, limit: int) -> None:
        self._limit = max(1, limit)
        self._in_use = 0
        self._paused = False
        self._arrivals = itertools.count()
        self._waiting: dict[object, _Waiter] = {}

    def __repr__(self) -> str:
        return (f"<Slots in_use={self._in_use} limit={self._limit} waiting={len(self._waiting)}"
                f" paused={self._paused}>")

    @property
    def limit(self) -> int:
        return self._limit

    @property
    def in_use(self) -> int:
        return self._in_use

    @property
    def paused(self) -> bool:
        return self._paused

    async def set_limit(self, limit: int) -> None:
        self._limit = max(1, limit)
        self._dispatch()

    def free_for_send(self) -> bool:
        """Whether a new send would get its slot at once (no pause, a slot free, none
        waiting)."""
        return not self._paused and self._in_use < self._limit and not self._waiting

    def set_paused(self, paused: bool) -> None:
        """Hold back (or let go) every waiting send; running jobs go on."""
        self._paused = paused
        self._dispatch()

    def rerank(self, token: object, rank: float) -> bool:
        """Give a waiting send a new rank; False when it is not waiting (any more)."""
        waiter = self._waiting.get(token)
        if waiter is None:
            return False
        waiter.key = (waiter.key[0], rank, waiter.key[2])
        self._dispatch()
        return True

    @asynccontextmanager
    async def send_slot(self, token: object, rank: float | None = None) -> AsyncIterator[None]:
        """A slot for a new send: waits its rank's turn and while the queue is paused."""
        await self._acquire(token, 1, rank, pausable=True)
        try:
            yield
        finally:
            self._release()

    async def __aenter__(self) -> Slots:
        await self._acquire(object(), 0, None, pausable=False)
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                        tb: TracebackType | None) -> None:
        self._release()

    async def _acquire(self, token: object, kind: int, rank: float | None, *,
                       pausable: bool) -> None:
        arrival = next(self._arrivals)
        waiter = _Waiter((kind, float(arrival) if rank is None else rank, arrival), pausable,
                         asyncio.get_running_loop().create_future())
        self._waiting[token] = waiter
        self._dispatch()
        try:
            await waiter.granted
        except asyncio.CancelledError:
            if self._waiting.get(token) is waiter:
                del self._waiting[token]
            elif waiter.granted.done() and not waiter.granted.cancelled():
                self._release()  # granted just as it was cancelled: give the slot back
            raise

    def _release(self) -> None:
        self._in_use -= 1
        self._dispatch()

    def _dispatch(self) -> None:
        while self._in_use < self._limit:
            ready = [(w, t) for t, w in self._waiting.items()
                     if not (w.pausable and self._paused)]
            if not ready:
                return
            waiter, token = min(ready, key=lambda pair: pair[0].key)
            del self._waiting[token]
            self._in_use += 1
            waiter.granted.set_result(None)
