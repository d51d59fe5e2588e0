"""fal's prices as last read, kept in the history database (see ``core/pricing.py``).

One row per endpoint, replaced by each successful read, with the time it was read: an offline
start, or a failed refresh, still prices jobs at the last known price and says how old it is.
"""

from __future__ import annotations

from collections.abc import Iterable

from qwenimg_desktop.core.pricing import CachedPrice
from qwenimg_desktop.core.store.base import StoreBase


class PriceCache(StoreBase):
    """The ``endpoint_prices`` table (mixed into ``HistoryStore``)."""

    def cached_prices(self) -> dict[str, CachedPrice]:
        """Every endpoint's last read price, by endpoint id."""
        with self._reading() as conn:
            rows = conn.execute(
                "SELECT endpoint_id, unit_price, unit, currency, read_at FROM endpoint_prices"
            ).fetchall()
        return {str(r[0]): CachedPrice(str(r[0]), float(r[1]), str(r[2]), str(r[3]),
                                       float(r[4])) for r in rows}

    def save_prices(self, prices: Iterable[CachedPrice]) -> None:
        """Keep these prices (one transaction; an endpoint not given keeps its old row)."""
        rows = [(p.endpoint_id, p.unit_price, p.unit, p.currency, p.read_at) for p in prices]
        if not rows:
            return
        with self._writing() as conn:
            conn.executemany(
                "INSERT INTO endpoint_prices (endpoint_id, unit_price, unit, currency, read_at)"
                " VALUES (?, ?, ?, ?, ?) ON CONFLICT (endpoint_id) DO UPDATE SET"
                " unit_price = excluded.unit_price, unit = excluded.unit,"
                " currency = excluded.currency, read_at = excluded.read_at",
                rows,
            )
