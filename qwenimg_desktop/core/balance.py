"""The fal account's balance, read with the optional admin-scoped "billing key".

fal shows the balance only to a key with the ADMIN scope (``GET /account/billing?expand=credits``
on the Platform API); the everyday API key may not. The billing key is a second key, kept in
its own keyring entry (``core/secrets.py``, :data:`~qwenimg_desktop.core.secrets.BILLING_ACCOUNT`)
and nowhere else. Without it nothing is read or shown. Reads are free, but rate-limited here
(:data:`MIN_INTERVAL_S`): at start and after jobs finish.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Final

from qwenimg_desktop.core.errors import ScopeRefused, register_secret

MIN_INTERVAL_S: Final = 60.0
"""The balance is read at most once a minute, however many jobs finish."""


class BillingKeyNotAdmin(ScopeRefused):
    """The billing key lacks the ADMIN scope fal requires to show the balance."""

    next_step = ("Create a key with the ADMIN scope in fal's dashboard (Keys) and save it as "
                 "the billing key; the API key for generating stays as it is.")


@dataclass(frozen=True, slots=True)
class Balance:
    """The account's balance as read at ``read_at``."""

    amount: float
    currency: str
    read_at: float

    def is_low(self, threshold: float) -> bool:
        return self.amount < threshold

    def text(self, threshold: float) -> str:
        """"Balance $12.34", with the warning when under ``threshold``."""
        figure = (f"${self.amount:,.2f}" if self.currency.upper() == "USD"
                  else f"{self.amount:,.2f} {self.currency}")
        if self.is_low(threshold):
            return f"Balance {figure}: low (under ${threshold:,.2f}), top up at fal"
        return f"Balance {figure}"


async def _read(base: str, key: str, limit: float) -> Balance:
    import httpx  # noqa: PLC0415 - off the GUI thread, when first used

    from qwenimg_desktop.core.fal.credentials import fixed_key  # noqa: PLC0415
    from qwenimg_desktop.core.fal.platform import PlatformClient  # noqa: PLC0415
    from qwenimg_desktop.core.fal.retry import RetryPolicy  # noqa: PLC0415

    client = PlatformClient(base, key=fixed_key(key), retry=RetryPolicy(max_attempts=2),
                            timeout=httpx.Timeout(limit, connect=min(limit, 10.0)))
    try:
        billing = await client.billing()
    except ScopeRefused:
        raise BillingKeyNotAdmin(
            "This billing key may not read the balance: fal shows it only to a key with the "
            "ADMIN scope.") from None
    finally:
        await client.aclose()
    if billing.credits is None:
        raise ScopeRefused("fal's answer held no balance for this key.")
    return Balance(billing.credits.current_balance, billing.credits.currency, time.time())


def read_balance(queue_base: str, key: str, timeout: float = 10.0) -> Balance:
    """The balance now, read with the billing ``key``. Blocking: use off the GUI thread.

    Raises:
        BillingKeyNotAdmin: the key lacks the admin scope.
        FalError: fal could not be asked (offline, a rejected key, ...).
    """
    from qwenimg_desktop.core.fal.platform import platform_base_for  # noqa: PLC0415

    register_secret(key)
    import asyncio  # noqa: PLC0415 - on the worker that reads: the window's start never loads it

    return asyncio.run(_read(platform_base_for(queue_base), key, timeout))
