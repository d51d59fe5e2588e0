"""The balance in the status bar with the optional billing key (real Secret Service, the
emulator's admin-only billing route over loopback): shown and warned about when low, a key
without the admin scope said as such, nothing shown or asked without a key."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from keyring.backend import KeyringBackend
from pytestqt.qtbot import QtBot

from qwenimg_desktop.core.secrets import BILLING_ACCOUNT, KeyStore
from qwenimg_desktop.emulator.server import EmulatorServer
from qwenimg_desktop.ui.main_window import MainWindow
from tests.fixtures.emulator import EmulatorFactory
from tests.ui.conftest import TEST_KEY, RuntimeFactory, ready_window

ADMIN_KEY = "admin-id:admin-secret-0123456789"


@pytest.fixture
def billing_keys(secret_service_backend: KeyringBackend) -> Iterator[KeyStore]:
    keys = KeyStore(backend=secret_service_backend, account=BILLING_ACCOUNT,
                    from_environment=False)
    keys.delete()
    yield keys
    keys.delete()


@pytest.mark.keyring
def test_the_billing_key_shows_the_balance_and_warns_when_low(
    runtime_factory: RuntimeFactory, emulator_factory: EmulatorFactory,
    billing_keys: KeyStore, qtbot: QtBot,
) -> None:
    server = emulator_factory(valid_keys={TEST_KEY},
                              scenario={"platform": {"admin_keys": [ADMIN_KEY], "balance": 3.0}})
    win = ready_window(runtime_factory(server, billing_keys=billing_keys), qtbot)
    qtbot.wait(300)
    assert not win.balance_label.isVisible()  # no billing key: nothing shown
    dialog = win.open_settings()
    dialog.billing_field.setText(TEST_KEY)  # an API-scope key: said specifically
    dialog.test_billing_key()
    qtbot.waitUntil(lambda: "ADMIN scope" in dialog.billing_result.text(), timeout=20_000)
    dialog.billing_field.setText(ADMIN_KEY)
    dialog.save_billing_key()
    qtbot.waitUntil(win.balance_label.isVisible, timeout=20_000)
    assert billing_keys.get() == ADMIN_KEY  # in the keyring, its own entry
    assert win.balance_label.text() == "Balance $3.00: low (under $5.00), top up at fal"
    assert ADMIN_KEY not in win.balance_label.toolTip()
    dialog.low_balance.setValue(2.0)
    assert win.services.settings.low_balance_usd == 2.0
    dialog.remove_billing_key()
    qtbot.waitUntil(lambda: not win.balance_label.isVisible(), timeout=20_000)
    assert billing_keys.get() is None


def test_without_a_billing_key_nothing_is_read_or_shown(
    window: MainWindow, emulator: EmulatorServer, qtbot: QtBot
) -> None:
    qtbot.waitUntil(lambda: window._data_layout() is not None, timeout=30_000)
    qtbot.wait(300)
    assert not window.balance_label.isVisible()
    assert window.balance_label.text() == ""
