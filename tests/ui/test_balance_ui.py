"""The balance in the status bar with the optional billing key (real Secret Service, the
emulator's admin-only billing route over loopback): shown and warned about when low, a key
without the admin scope said as such, nothing shown or asked without a key."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from keyring.backend import KeyringBackend
from keyring.errors import PasswordDeleteError, PasswordSetError
from pytestqt.qtbot import QtBot

from qwenimg_desktop.core import paths
from qwenimg_desktop.core.secrets import BILLING_ACCOUNT, KeyStore
from qwenimg_desktop.core.store.files import DataLayout
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


class _EmptyKeyring(KeyringBackend):
    """A keyring with no entries that notes when it is asked for one."""

    priority = 1

    def __init__(self) -> None:
        super().__init__()
        self.asked = threading.Event()

    def get_password(self, service: str, username: str) -> str | None:
        self.asked.set()
        return None

    def set_password(self, service: str, username: str, password: str) -> None:
        raise PasswordSetError("read-only")

    def delete_password(self, service: str, username: str) -> None:
        raise PasswordDeleteError("read-only")


def test_the_balance_is_first_read_at_start_not_when_the_history_opens(
    runtime_factory: RuntimeFactory, emulator: EmulatorServer, qtbot: QtBot, tmp_path: Path
) -> None:
    """The first read of the billing key (with the API key from the session or the
    environment, the keyring's first use: ~100 ms of imports holding the GIL) is made when
    the API key is found, while the window waits for the engine: once the history opened it
    ran under the first jobs' sends. Here the history never opens (a journal of a newer app),
    and the billing key is asked all the same."""
    base = tmp_path / "base"
    layout = DataLayout(paths.default_data_dir(base))
    layout.ensure()
    with sqlite3.connect(layout.db_path) as db:  # written by a newer app: the engine stops
        db.execute("PRAGMA user_version = 9999")
    keyring = _EmptyKeyring()
    failures: list[str] = []
    runtime = runtime_factory(emulator, base=base, billing_keys=KeyStore(
        backend=keyring, account=BILLING_ACCOUNT, from_environment=False))
    runtime.on_start_failed = failures.append
    win = ready_window(runtime, qtbot)
    qtbot.waitUntil(lambda: bool(failures), timeout=20_000)
    qtbot.waitUntil(keyring.asked.is_set, timeout=10_000)
    assert runtime.history is None
    qtbot.waitUntil(lambda: not win._balance_reading, timeout=10_000)
    assert not win.balance_label.isVisible()  # no billing key: nothing shown
