"""Slots: a concurrency limit that can change while jobs wait and run."""

from __future__ import annotations

import asyncio

from qwenimg_desktop.core.jobs.slots import Slots


async def _hold(slots: Slots, started: list[int], n: int, release: asyncio.Event) -> None:
    async with slots:
        started.append(n)
        await release.wait()


def test_the_limit_holds_and_raising_it_starts_waiters_at_once() -> None:
    async def scenario() -> None:
        slots = Slots(1)
        release = asyncio.Event()
        started: list[int] = []
        tasks = [asyncio.ensure_future(_hold(slots, started, n, release)) for n in range(4)]
        await asyncio.sleep(0.01)
        assert started == [0]
        await slots.set_limit(3)
        await asyncio.sleep(0.01)
        assert started == [0, 1, 2]  # arrival order
        assert slots.in_use == 3
        release.set()
        await asyncio.gather(*tasks)
        assert started == [0, 1, 2, 3]
        assert slots.in_use == 0

    asyncio.run(scenario())


def test_lowering_the_limit_lets_running_jobs_finish_and_holds_new_ones() -> None:
    async def scenario() -> None:
        slots = Slots(3)
        first, second = asyncio.Event(), asyncio.Event()
        started: list[int] = []
        running = [asyncio.ensure_future(_hold(slots, started, n, first)) for n in range(3)]
        await asyncio.sleep(0.01)
        await slots.set_limit(1)
        late = asyncio.ensure_future(_hold(slots, started, 9, second))
        await asyncio.sleep(0.01)
        assert started == [0, 1, 2]  # nothing was stopped, nothing new started
        first.set()
        await asyncio.gather(*running)
        await asyncio.sleep(0.01)
        assert started == [0, 1, 2, 9]  # below the new limit now
        second.set()
        await late
        assert slots.limit == 1

    asyncio.run(scenario())


def test_a_limit_below_one_means_one() -> None:
    assert Slots(0).limit == 1
