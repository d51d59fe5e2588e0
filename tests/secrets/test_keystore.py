"""KeyStore against a real Secret Service, and against backends that are missing, hung or locked."""

from __future__ import annotations

import ast
import os
import secrets
import subprocess
import sys
import textwrap
import threading
import time

import pytest
from keyring.backend import KeyringBackend

from qwenimg_desktop.core.errors import KeyringUnavailable
from qwenimg_desktop.core.secrets import ACCOUNT, SERVICE_NAME, InvalidKey, KeyStore
from tests.fixtures.keyring import HangingKeyring


def _key() -> str:
    # <id>:<secret>, but not fal's own shape on purpose: only registration (not the shape
    # regex) can redact it.
    return "qk_" + secrets.token_hex(6) + ":" + secrets.token_hex(16)


@pytest.mark.keyring
def test_round_trip_through_the_real_keyring(
    real_keystore: KeyStore, secret_service_backend: KeyringBackend
) -> None:
    key = _key()
    assert real_keystore.get() is None
    assert real_keystore.source() == "none"

    real_keystore.set(key)

    assert real_keystore.get() == key
    assert real_keystore.source() == "keyring"
    assert secret_service_backend.get_password(SERVICE_NAME, ACCOUNT) == key

    real_keystore.delete()

    assert real_keystore.get() is None
    assert real_keystore.source() == "none"
    assert secret_service_backend.get_password(SERVICE_NAME, ACCOUNT) is None


@pytest.mark.keyring
def test_real_keyring_is_available_and_named(real_keystore: KeyStore) -> None:
    assert real_keystore.available()
    assert "Secret Service" in real_keystore.backend_name()
    real_keystore.check()


@pytest.mark.keyring
def test_pasted_key_is_trimmed_and_bad_keys_are_rejected(real_keystore: KeyStore) -> None:
    key = _key()
    real_keystore.set(f"  {key}\n")
    assert real_keystore.get() == key

    for bad in ("", "   \n", f"{key[:8]} {key[8:]}", f"{key}\n{key}", "a\x07bcdef", "k" * 2000,
                key.replace(":", ""), key.split(":")[0] + ":", ":" + key.split(":")[1]):
        with pytest.raises(InvalidKey) as info:
            real_keystore.set(bad)
        assert key not in str(info.value)
    assert real_keystore.get() == key


@pytest.mark.keyring
def test_env_key_overrides_and_is_never_written(
    real_keystore: KeyStore,
    secret_service_backend: KeyringBackend,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    env_key, stored_key = _key(), _key()
    monkeypatch.setenv("FAL_KEY", env_key)

    assert real_keystore.get() == env_key
    assert real_keystore.source() == "env"
    assert secret_service_backend.get_password(SERVICE_NAME, ACCOUNT) is None

    real_keystore.set(stored_key)
    assert real_keystore.get() == env_key
    assert secret_service_backend.get_password(SERVICE_NAME, ACCOUNT) == stored_key

    real_keystore.delete()
    assert real_keystore.get() == env_key
    assert secret_service_backend.get_password(SERVICE_NAME, ACCOUNT) is None

    monkeypatch.delenv("FAL_KEY")
    assert real_keystore.get() is None


@pytest.mark.keyring
def test_session_key_wins_over_the_keyring_until_a_key_is_saved(real_keystore: KeyStore) -> None:
    saved, session, saved_again = _key(), _key(), _key()
    real_keystore.set(saved)
    real_keystore.set_session_key(session)
    assert (real_keystore.get(), real_keystore.source()) == (session, "session")

    real_keystore.set(saved_again)
    assert (real_keystore.get(), real_keystore.source()) == (saved_again, "keyring")


def test_session_fallback_without_any_keyring(no_backend_keystore: KeyStore) -> None:
    key = _key()
    with pytest.raises(KeyringUnavailable, match="No system keyring is installed"):
        no_backend_keystore.set(key)

    no_backend_keystore.set_session_key(key)
    assert no_backend_keystore.get() == key
    assert no_backend_keystore.source() == "session"

    no_backend_keystore.delete()
    with pytest.raises(KeyringUnavailable):
        no_backend_keystore.get()


def test_no_backend_is_reported_not_hidden(no_backend_keystore: KeyStore) -> None:
    started = time.monotonic()
    with pytest.raises(KeyringUnavailable, match="No system keyring is installed") as info:
        no_backend_keystore.get()
    print(f"no-backend get() raised after {time.monotonic() - started:.3f} s")
    assert info.value.next_step  # the UI can offer the session-only fallback
    assert not no_backend_keystore.available()
    assert no_backend_keystore.backend_name() == "none"
    no_backend_keystore.delete()  # nothing can be stored there: not an error


def test_backend_that_drops_writes_is_caught_by_the_read_back(forgetful_keystore: KeyStore) -> None:
    key = _key()
    with pytest.raises(KeyringUnavailable, match="did not keep it") as info:
        forgetful_keystore.set(key)
    assert key not in str(info.value)
    assert forgetful_keystore.get() is None


def _join_keyring_workers() -> None:
    for thread in threading.enumerate():
        if thread.name.startswith("keyring-"):
            thread.join(10)


def test_hung_backend_raises_instead_of_hanging(
    hanging_keystore: KeyStore, hanging_backend: HangingKeyring
) -> None:
    started = time.monotonic()
    with pytest.raises(KeyringUnavailable, match="did not answer within 2 s"):
        hanging_keystore.get()
    print(f"hung get() raised after {time.monotonic() - started:.2f} s")

    # While the first call is still stuck, later calls fail at once instead of piling up threads.
    with pytest.raises(KeyringUnavailable, match="still not answered"):
        hanging_keystore.set(_key())
    assert not hanging_keystore.available()
    assert hanging_backend.calls == 1

    hanging_backend.release.set()
    _join_keyring_workers()
    assert hanging_keystore.get() is None  # the backend answers again: the store recovers
    assert hanging_backend.calls == 2


@pytest.mark.keyring
def test_locked_keyring_gives_a_clear_error(locked_keystore: KeyStore) -> None:
    with pytest.raises(KeyringUnavailable, match="The system keyring is locked"):
        locked_keystore.get()
    with pytest.raises(KeyringUnavailable, match="The system keyring is locked"):
        locked_keystore.set(_key())
    assert not locked_keystore.available()


def test_repr_never_shows_the_key(no_backend_keystore: KeyStore) -> None:
    key = _key()
    no_backend_keystore.set_session_key(key)
    text = repr(no_backend_keystore)
    assert key not in text
    assert "session_key=yes" in text


@pytest.mark.skipif(sys.platform == "darwin", reason="macOS looks for its own frameworks")
def test_finding_the_keyring_starts_no_program() -> None:
    """keyring's macOS backend looks for Apple's frameworks as it is imported, on any system
    (``ldconfig``, ``gcc`` and ``ld`` on Linux): picking a backend in the window's process
    must start none of them. Run in a fresh interpreter, where keyring is not imported yet."""
    probe = textwrap.dedent("""
        import subprocess, sys
        started = []
        real = subprocess.Popen.__init__
        def record(self, args, *rest, **kw):
            started.append(args)
            real(self, args, *rest, **kw)
        subprocess.Popen.__init__ = record
        from qwenimg_desktop.core.secrets import KeyStore
        store = KeyStore()
        name = store.backend_name()
        assert "keyring.backends.macOS" in sys.modules, "the macOS backend was imported"
        print(repr((name, started)))
    """)
    environment = {k: v for k, v in os.environ.items() if k != "DISPLAY"}
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                         timeout=60, check=True, env=environment)
    name, started = ast.literal_eval(out.stdout.strip().splitlines()[-1])
    assert started == []
    assert name
