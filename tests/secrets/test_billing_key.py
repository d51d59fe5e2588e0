"""The optional billing key: its own keyring entry beside the API key (real Secret Service),
and the balance read with it from the emulator's Platform API (real loopback HTTP)."""

from __future__ import annotations

import pytest
from keyring.backend import KeyringBackend

from qwenimg_desktop.core.balance import Balance, BillingKeyNotAdmin, read_balance
from qwenimg_desktop.core.secrets import BILLING_ACCOUNT, KeyStore
from tests.fixtures.emulator import EmulatorFactory

API_KEY = "api-id:api-secret-0123456789"
ADMIN_KEY = "admin-id:admin-secret-0123456789"


@pytest.mark.keyring
def test_the_billing_key_has_its_own_entry_and_fal_key_never_overrides_it(
    secret_service_backend: KeyringBackend, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("FAL_KEY", raising=False)
    api = KeyStore(backend=secret_service_backend)
    billing = api.sibling(BILLING_ACCOUNT)
    try:
        assert billing.get() is None  # no billing key: nothing to show, nothing asked
        api.set(API_KEY)
        billing.set(ADMIN_KEY)
        assert (api.get(), billing.get()) == (API_KEY, ADMIN_KEY)
        assert billing.source() == "keyring"
        monkeypatch.setenv("FAL_KEY", "env-id:env-secret")
        assert api.get() == "env-id:env-secret"
        assert billing.get() == ADMIN_KEY  # FAL_KEY is the API key, never the billing key
        billing.delete()
        assert billing.get() is None
        assert KeyStore(backend=secret_service_backend, from_environment=False).get() == API_KEY
    finally:
        billing.delete()


def test_the_balance_needs_an_admin_key_and_says_so(emulator_factory: EmulatorFactory) -> None:
    server = emulator_factory({"platform": {"admin_keys": [ADMIN_KEY], "balance": 12.5}})
    balance = read_balance(server.base_url, ADMIN_KEY)
    assert (balance.amount, balance.currency) == (12.5, "USD")
    assert balance.text(5.0) == "Balance $12.50"
    with pytest.raises(BillingKeyNotAdmin) as refused:
        read_balance(server.base_url, API_KEY)
    assert "ADMIN scope" in refused.value.message
    assert "ADMIN scope" in refused.value.next_step
    assert API_KEY not in str(refused.value)
    assert "api-secret" not in refused.value.message


def test_a_balance_under_the_threshold_warns() -> None:
    low = Balance(3.1, "USD", 0.0)
    assert low.is_low(5.0)
    assert low.text(5.0) == "Balance $3.10: low (under $5.00), top up at fal"
    assert not low.is_low(3.0)
