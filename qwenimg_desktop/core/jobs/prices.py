"""The engine's prices: the journal's cache of fal's prices, read from fal when stale.

fal's prices are read at the engine's start when the cache is a day old or misses an endpoint,
in the background (a failure is logged, and the last known prices stay in use). A job is
priced from the cache when it is journalled, never waiting for the network; a first start (no
price kept yet) waits a few seconds at most for the first read, so its first jobs are priced
(a stop ends that wait at once: quitting never waits for a price read); a job with no price
known is journalled with its cost unknown.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from typing import TYPE_CHECKING, Final

from qwenimg_desktop.core.endpoints.registry import all_endpoints
from qwenimg_desktop.core.errors import QwenImgError
from qwenimg_desktop.core.jobs import events as ev
from qwenimg_desktop.core.pricing import PriceTable, needs_refresh, read_prices

if TYPE_CHECKING:
    from qwenimg_desktop.core.fal.platform import PlatformClient
    from qwenimg_desktop.core.jobs.pipeline import Pipeline

log = logging.getLogger("qwenimg.prices")

READ_TIMEOUT_S: Final = 20.0
"""A price read that takes longer is dropped (the last known prices stay in use)."""
FIRST_PRICE_WAIT_S: Final = 5.0
"""How long a first start waits for the first price read (jobs sent meanwhile wait too)."""
RETRY_AFTER_FAILURE_S: Final = 900.0
"""After a failed read, the next is tried no sooner than this (not on every Generate)."""


class EnginePrices:
    """Reads and keeps fal's prices for one engine (on the engine's event loop)."""

    def __init__(self, platform: PlatformClient, pipe: Pipeline) -> None:
        self._platform = platform
        self._pipe = pipe
        self._task: asyncio.Task[None] | None = None
        self._loop = asyncio.get_running_loop()  # built on the engine's loop
        self._failed_at: float | None = None
        self.endpoint_ids = sorted(e.id for e in all_endpoints())

    def __repr__(self) -> str:
        return f"<EnginePrices reading={self._task is not None and not self._task.done()}>"

    async def start(self, quitting: asyncio.Event) -> None:
        """Read fal's prices in the background if the cache is a day old; on a first start
        (an endpoint never priced) wait for that read a few seconds, so the first jobs are
        priced (commands sent meanwhile run after the start, in order).

        The wait ends at once when ``quitting`` is set (the engine is stopping): a stop waits
        for the start to finish, and the read may itself be waiting for the key (the engine
        process asks the window, which no longer answers once it has said stop), so closing
        the window of a brand-new data folder took the whole wait (seen: every test's
        teardown took ~5 s)."""
        table = await self._pipe.db(self._pipe.store.cached_prices)
        if not needs_refresh(table, self.endpoint_ids):
            return
        task = self._read_soon()
        if task is None or set(self.endpoint_ids) <= table.keys() or quitting.is_set():
            return
        stop = asyncio.ensure_future(quitting.wait())
        try:
            await asyncio.wait((task, stop), timeout=FIRST_PRICE_WAIT_S,
                               return_when=asyncio.FIRST_COMPLETED)
        finally:
            stop.cancel()
        if task.done() and not task.cancelled():
            task.result()  # a fault other than fal's or the network's fails the start, as before

    def cached(self) -> PriceTable:
        """The journal's cache, to price a job with now (call on the writer thread, as the
        job's journalling does: never waits for the network). A day-old cache is read again
        from fal in the background."""
        table = self._pipe.store.cached_prices()
        if needs_refresh(table, self.endpoint_ids):
            self._loop.call_soon_threadsafe(self._read_soon)
        return table

    def _read_soon(self) -> asyncio.Task[None] | None:
        if self._task is not None and not self._task.done():
            return self._task
        if self._failed_at is not None and time.monotonic() - self._failed_at < (
                RETRY_AFTER_FAILURE_S):
            return None
        self._task = asyncio.get_running_loop().create_task(self._read(), name="read-prices")
        return self._task

    async def _read(self) -> None:
        pipe = self._pipe
        try:
            prices = await asyncio.wait_for(read_prices(self._platform, self.endpoint_ids),
                                            READ_TIMEOUT_S)
            await pipe.db(pipe.store.save_prices, prices)
        except (QwenImgError, TimeoutError) as exc:  # offline, refused, a full disk
            self._failed_at = time.monotonic()
            log.info("fal's prices could not be read (the last known stay in use): %s",
                     getattr(exc, "message", type(exc).__name__))
            return
        self._failed_at = None
        log.info("fal's prices read for %d endpoint(s)", len(prices))
        pipe.emit(ev.PricesRead("", tuple(prices)))

    async def aclose(self) -> None:
        if self._task is not None and not self._task.done():
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
