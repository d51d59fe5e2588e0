"""Prices: what one image of an endpoint costs now, and where that figure comes from.

fal publishes each endpoint's price (``GET /models/pricing``, free); the history database keeps
the last one read with the time it was read (``core/store/prices.py``), so an offline start
still knows it. One rule prices everything (the Generate button, batches, the budget check and
the cost journalled with each job):

1. the user's own price, when set in the settings, overrides fal's;
2. else fal's price as last read (labelled "as of <date>" once older than a day);
3. else unknown: shown as unknown, journalled as unknown, never as $0.

Only a price per ``image`` in USD is a price per image; another billing unit is unknown here.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    from qwenimg_desktop.core.fal.platform import PlatformClient

REFRESH_AFTER_S: Final = 24 * 3600.0
"""fal's prices are read again at most this often (and whenever the settings dialog opens)."""


@dataclass(frozen=True, slots=True)
class CachedPrice:
    """fal's price of one endpoint as read at ``read_at`` (seconds since the epoch)."""

    endpoint_id: str
    unit_price: float
    unit: str
    currency: str
    read_at: float

    @property
    def per_image(self) -> float | None:
        """The price of one image in USD, or None when fal bills this endpoint otherwise."""
        if self.unit.lower() == "image" and self.currency.upper() == "USD":
            return self.unit_price
        return None


PriceTable = Mapping[str, CachedPrice]


class PriceSource(StrEnum):
    own = "own"  # the user's own price, overriding fal's
    fal = "fal"  # fal's price as last read
    unknown = "unknown"


@dataclass(frozen=True, slots=True)
class PriceQuote:
    """The price per image in effect for one endpoint, and where it comes from."""

    per_image: float | None
    source: PriceSource
    read_at: float | None = None

    def cost(self, images: int) -> float | None:
        """``images`` images at this price; None when the price is unknown."""
        return None if self.per_image is None else round(self.per_image * images, 6)

    def is_old(self, now: float | None = None) -> bool:
        """fal's price read more than a day ago (a refresh failed, or the app was offline)."""
        return (self.source is PriceSource.fal and self.read_at is not None
                and (time.time() if now is None else now) - self.read_at > REFRESH_AFTER_S)

    def describe(self, now: float | None = None) -> str:
        """One line for a tooltip or the settings: the price and where it comes from."""
        if self.source is PriceSource.own and self.per_image is not None:
            return f"${self.per_image:.3f} per image (your own price, overriding fal's)"
        if self.source is PriceSource.fal and self.per_image is not None:
            when = f" as of {as_of(self.read_at)}" if self.is_old(now) else ""
            return f"${self.per_image:.3f} per image (fal's price{when})"
        return "price unknown (fal's price has not been read yet)"


def as_of(moment: float | None) -> str:
    """A read time as people write it: "6 Dec 2026 18:40" (local time)."""
    if moment is None:
        return "an unknown time"
    when = datetime.fromtimestamp(moment)
    return f"{when.day} {when:%b %Y %H:%M}"


def quote(endpoint_id: str, *, own_price: float | None, table: PriceTable) -> PriceQuote:
    """The price per image of ``endpoint_id``: the user's own, else fal's, else unknown."""
    if own_price:
        return PriceQuote(own_price, PriceSource.own)
    cached = table.get(endpoint_id)
    if cached is not None and cached.per_image is not None:
        return PriceQuote(cached.per_image, PriceSource.fal, cached.read_at)
    return PriceQuote(None, PriceSource.unknown, None if cached is None else cached.read_at)


def needs_refresh(table: PriceTable, endpoint_ids: Iterable[str], now: float | None = None
                  ) -> bool:
    """Whether fal's prices should be read again: one is missing or older than a day."""
    moment = time.time() if now is None else now
    return any(
        (cached := table.get(endpoint_id)) is None or moment - cached.read_at > REFRESH_AFTER_S
        for endpoint_id in endpoint_ids
    )


async def read_prices(platform: PlatformClient, endpoint_ids: Iterable[str],
                      clock: Callable[[], float] = time.time) -> list[CachedPrice]:
    """fal's current prices of ``endpoint_ids`` (an endpoint fal does not list is absent).

    Raises:
        FalError: fal could not be asked (offline, a refused key, ...).
    """
    prices = await platform.pricing(endpoint_ids)
    now = clock()
    return [CachedPrice(p.endpoint_id, p.unit_price, p.unit, p.currency, now)
            for p in prices.values()]


class PriceBook:
    """The window's copy of the price table and the user's own price (read on each call).

    Filled from the history database and after each refresh; the one place the window's
    widgets ask what a request costs.
    """

    def __init__(self, own_price: Callable[[], float | None],
                 table: PriceTable | None = None) -> None:
        self._own_price = own_price
        self.table: dict[str, CachedPrice] = dict(table or {})

    def __repr__(self) -> str:
        return f"<PriceBook endpoints={sorted(self.table)}>"

    def update(self, prices: Iterable[CachedPrice]) -> None:
        for price in prices:
            self.table[price.endpoint_id] = price

    def quote(self, endpoint_id: str) -> PriceQuote:
        return quote(endpoint_id, own_price=self._own_price(), table=self.table)

    @property
    def own_price(self) -> float | None:
        return self._own_price()
