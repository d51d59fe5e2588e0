"""Slots: how many jobs run at once, a limit that can change while jobs wait and run."""

from __future__ import annotations

import asyncio
from types import TracebackType


class Slots:
    """``async with slots:`` holds one of ``limit`` slots (engine loop only).

    Unlike :class:`asyncio.Semaphore` the limit can be changed at any time: raising it lets
    waiting jobs start at once; lowering it lets the running ones finish and holds back new
    ones until fewer than the new limit are running. Waiters start in arrival order.
    """

    def __init__(self, limit: int) -> None:
        self._limit = max(1, limit)
        self._in_use = 0
        self._changed = asyncio.Condition()

    def __repr__(self) -> str:
        return f"<Slots in_use={self._in_use} limit={self._limit}>"

    @property
    def limit(self) -> int:
        return self._limit

    @property
    def in_use(self) -> int:
        return self._in_use

    async def set_limit(self, limit: int) -> None:
        async with self._changed:
            self._limit = max(1, limit)
            self._changed.notify_all()

    async def __aenter__(self) -> Slots:
        async with self._changed:
            await self._changed.wait_for(lambda: self._in_use < self._limit)
            self._in_use += 1
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                        tb: TracebackType | None) -> None:
        async with self._changed:
            self._in_use -= 1
            self._changed.notify_all()
