"""TrackedExecutor: a cancelled awaiting task does not stop the call; in_flight() still sees it."""

from __future__ import annotations

import asyncio
import threading
from concurrent.futures import ThreadPoolExecutor

from qwenimg_desktop.core.threads import TrackedExecutor


def test_work_of_a_cancelled_task_is_in_flight_until_it_ends() -> None:
    release = threading.Event()
    done: list[str] = []

    def blocking() -> str:
        release.wait(10)
        done.append("renamed")
        return "ok"

    pool = TrackedExecutor(ThreadPoolExecutor(2))

    async def scenario() -> list[str]:
        loop = asyncio.get_running_loop()
        task = asyncio.ensure_future(loop.run_in_executor(pool, blocking))
        await asyncio.sleep(0.05)
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        running = pool.in_flight()
        assert len(running) == 1  # the thread is still in the call
        assert done == []
        release.set()
        await asyncio.wait([asyncio.wrap_future(f) for f in running])
        return list(done)

    try:
        assert asyncio.run(scenario()) == ["renamed"]
        assert pool.in_flight() == []
    finally:
        pool.shutdown()
