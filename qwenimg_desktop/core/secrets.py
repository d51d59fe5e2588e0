"""The fal API key: OS keyring with a time budget, FAL_KEY override, session-only fallback."""

from __future__ import annotations

import importlib
import logging
import sys
import threading
import traceback
from collections.abc import Callable
from typing import TYPE_CHECKING, Literal, TypeVar

from qwenimg_desktop.core.errors import KeyringUnavailable, UserError, register_secret
from qwenimg_desktop.core.fal.credentials import key_from_environment, key_shape_problem

if TYPE_CHECKING:
    from keyring.backend import KeyringBackend

# keyring itself (~60-190 ms to import: jaraco, importlib.metadata, urllib) is imported by the
# first function that needs it, on the worker thread that reads the key, never while the window
# is being built: FAL_KEY and the session key are answered without it.

SERVICE_NAME = "qwenimg-desktop"
ACCOUNT = "fal-api-key"
BILLING_ACCOUNT = "fal-billing-key"
"""The optional admin-scoped key that may read the account's balance: its own keyring entry."""
DEFAULT_TIMEOUT = 2.0
MAX_KEY_LENGTH = 1024

KeySource = Literal["env", "keyring", "session", "none"]

_log = logging.getLogger("qwenimg.secrets")
_T = TypeVar("_T")

# Friendly names by backend class ("module.QualName"), for the settings dialog.
_BACKEND_NAMES = {
    "keyring.backends.SecretService.Keyring": "Secret Service (GNOME Keyring or compatible)",
    "keyring.backends.libsecret.Keyring": "Secret Service via libsecret",
    "keyring.backends.kwallet.DBusKeyring": "KDE Wallet",
    "keyring.backends.kwallet.DBusKeyringKWallet4": "KDE Wallet 4",
    "keyring.backends.macOS.Keyring": "macOS Keychain",
    "keyring.backends.Windows.WinVaultKeyring": "Windows Credential Manager",
}


class InvalidKey(UserError):
    """The text given as an API key cannot be one (empty, contains spaces, far too long)."""

    next_step = "Paste the key exactly as shown in your fal dashboard."


def _dbus_error_types() -> tuple[type[BaseException], ...]:
    """D-Bus level exceptions of the Secret Service stack, when it is installed (Linux)."""
    types: list[type[BaseException]] = []
    for module_name, attr in (
        ("secretstorage.exceptions", "SecretStorageException"),
        ("jeepney", "DBusErrorResponse"),
    ):
        try:
            found = getattr(importlib.import_module(module_name), attr, None)
        except ImportError:
            continue
        if isinstance(found, type) and issubclass(found, BaseException):
            types.append(found)
    return tuple(types)


# Each reason is the whole message, one sentence that names the system keyring once: the window
# adds what the user can do instead (ui.messages.keyring_unavailable_text), never a second
# "keyring is unavailable" around it.
NO_KEYRING = "No system keyring is installed on this computer."
_LOCKED = "The system keyring is locked: unlock it in your system's keyring app, then try again."


def _reason(exc: BaseException) -> str:
    """A specific, key-free sentence saying why the keyring failed."""
    from keyring.errors import (  # noqa: PLC0415 - see the note at the imports
        InitError,
        KeyringLocked,
        NoKeyringError,
        PasswordDeleteError,
        PasswordSetError,
    )

    name = type(exc).__name__
    fixed = {
        NoKeyringError: NO_KEYRING,
        KeyringLocked: _LOCKED,
        InitError: f"The system keyring could not be opened ({exc}).",
        PasswordSetError: f"The system keyring refused to store the key ({exc}).",
        PasswordDeleteError: f"The system keyring refused to delete the key ({exc}).",
    }
    for kind, reason in fixed.items():
        if isinstance(exc, kind):
            return reason
    if name == "LockedException":  # secretstorage
        return _LOCKED
    if name == "SecretServiceNotAvailableException":
        return f"The system keyring (the Secret Service) is not running ({exc})."
    if isinstance(exc, OSError):
        return f"The system keyring could not be reached ({name}: {exc})."
    return f"The system keyring failed ({name}: {exc})."


def _is_keyring_failure(exc: BaseException) -> bool:
    from keyring.errors import KeyringError  # noqa: PLC0415 - see the note at the imports

    return isinstance(exc, (KeyringError, OSError, RuntimeError, *_dbus_error_types()))


def _usable(backend: KeyringBackend) -> bool:
    """False for the fail/null backends (and a chainer made only of them)."""
    from keyring.backend import KeyringBackend  # noqa: PLC0415 - see the note at the imports
    from keyring.backends import fail, null  # noqa: PLC0415

    if isinstance(backend, fail.Keyring | null.Keyring):
        return False
    inner = getattr(backend, "backends", None)
    if isinstance(inner, list | tuple):
        return any(isinstance(b, KeyringBackend) and _usable(b) for b in inner)
    return True


def describe_backend(backend: KeyringBackend) -> str:
    """A short human name for a keyring backend ("none" for the fail/null backends)."""
    if not _usable(backend):
        return "none"
    cls = type(backend)
    known = _BACKEND_NAMES.get(f"{cls.__module__}.{cls.__qualname__}")
    if known:
        return known
    inner = getattr(backend, "backends", None)
    if isinstance(inner, list | tuple):
        return " + ".join(describe_backend(b) for b in inner if _usable(b))
    return str(getattr(backend, "name", cls.__qualname__))


def clean_key(key: str) -> str:
    """Validate the loose shape of a pasted key; surrounding whitespace is dropped.

    Raises:
        InvalidKey: the text is empty, has whitespace inside, is implausibly long, or is not
            ``<key_id>:<key_secret>``.
    """
    key = key.strip()
    if not key:
        raise InvalidKey("The API key is empty.")
    if any(ch.isspace() for ch in key):
        raise InvalidKey("The API key contains spaces or line breaks.")
    if not key.isprintable():
        raise InvalidKey("The API key contains control characters.")
    if len(key) > MAX_KEY_LENGTH:
        raise InvalidKey(f"The API key is longer than {MAX_KEY_LENGTH} characters.")
    if problem := key_shape_problem(key):
        raise InvalidKey(problem)
    return key


class KeyStore:
    """Where the fal API key lives: FAL_KEY env (read only) > session key > OS keyring.

    Every keyring call runs in a daemon worker thread with a time budget, so a hung Secret
    Service never hangs the caller; failures raise :class:`KeyringUnavailable` with a reason.
    Call it off the GUI thread: a call can take up to ``timeout`` seconds. Thread-safe.

    Args:
        backend: pin a keyring backend (tests, or a user choice); default: keyring's choice.
        timeout: seconds each keyring call may take.
        account: the keyring entry (the API key's; :data:`BILLING_ACCOUNT` for the billing key).
        from_environment: whether FAL_KEY overrides the entry (only for the API key).
    """

    def __init__(
        self, backend: KeyringBackend | None = None, timeout: float = DEFAULT_TIMEOUT, *,
        account: str = ACCOUNT, from_environment: bool = True,
    ) -> None:
        self._backend = backend
        self._timeout = timeout
        self._account = account
        self._from_environment = from_environment
        self._what = "API key" if account == ACCOUNT else "billing key"
        self._session_key: str | None = None
        self._lock = threading.Lock()
        self._stuck: threading.Thread | None = None

    def __repr__(self) -> str:
        pinned = type(self._backend).__qualname__ if self._backend is not None else "auto"
        return (
            f"<KeyStore backend={pinned} timeout={self._timeout:g}s "
            f"session_key={'yes' if self._session_key else 'no'}>"
        )

    # ---- reading ------------------------------------------------------------------------

    def get(self) -> str | None:
        """The key to use, or None when there is none anywhere.

        Raises:
            KeyringUnavailable: the keyring had to be asked and failed or did not answer.
        """
        return self._lookup()[0]

    def source(self) -> KeySource:
        """Where :meth:`get` finds the key ("none" when nowhere); raises like :meth:`get`."""
        return self._lookup()[1]

    def _lookup(self) -> tuple[str | None, KeySource]:
        env_key, _ = key_from_environment() if self._from_environment else (None, None)
        if env_key:  # FAL_KEY, else FAL_KEY_ID + FAL_KEY_SECRET
            return env_key, "env"
        if self._session_key is not None:
            return self._session_key, "session"
        backend = self._usable_backend()
        stored = self._call("read", lambda: backend.get_password(SERVICE_NAME, self._account))
        if not stored:
            return None, "none"
        register_secret(stored)
        return stored, "keyring"

    # ---- writing ------------------------------------------------------------------------

    def set(self, key: str) -> None:
        """Save ``key`` in the OS keyring and read it back; drops any session key.

        Raises:
            InvalidKey: the text cannot be a key.
            KeyringUnavailable: no usable keyring, or it did not keep the key.
        """
        key = clean_key(key)
        register_secret(key)
        backend = self._usable_backend()
        self._call("write", lambda: backend.set_password(SERVICE_NAME, self._account, key))
        read_back = self._call(
            "read back", lambda: backend.get_password(SERVICE_NAME, self._account))
        if read_back != key:
            raise KeyringUnavailable(
                f"The system keyring ({describe_backend(backend)}) accepted the key "
                "but did not keep it."
            )
        self._session_key = None
        _log.info("%s saved to the system keyring (%s)", self._what, describe_backend(backend))

    def set_session_key(self, key: str) -> None:
        """Keep ``key`` in memory for this session only (the fallback without a keyring)."""
        key = clean_key(key)
        register_secret(key)
        self._session_key = key
        _log.info("%s kept for this session only", self._what)

    def delete(self) -> None:
        """Forget the key: drop the session key and remove it from the keyring if stored there.

        FAL_KEY in the environment is not touched. Raises :class:`KeyringUnavailable` when the
        keyring holds the key but cannot be reached or refuses to delete it.
        """
        self._session_key = None
        backend = self._resolve_backend()
        if not _usable(backend):
            return
        if self._call("read", lambda: backend.get_password(SERVICE_NAME, self._account)) is None:
            return
        self._call("delete", lambda: backend.delete_password(SERVICE_NAME, self._account))
        _log.info("%s removed from the system keyring", self._what)

    def sibling(self, account: str) -> KeyStore:
        """A store of another keyring entry on the same backend and time budget (the billing
        key beside the API key); the environment never overrides it."""
        return KeyStore(self._backend, self._timeout, account=account, from_environment=False)

    # ---- backend ------------------------------------------------------------------------

    def backend_name(self) -> str:
        """Human name of the keyring in use, or "none" when there is no usable one."""
        try:
            return describe_backend(self._resolve_backend())
        except KeyringUnavailable:
            return "none"

    def check(self) -> None:
        """Raise :class:`KeyringUnavailable` with the reason unless the keyring can be read."""
        backend = self._usable_backend()
        value = self._call("read", lambda: backend.get_password(SERVICE_NAME, self._account))
        register_secret(value)

    def available(self) -> bool:
        """True when a real keyring backend exists and answers a read within the budget."""
        try:
            self.check()
        except KeyringUnavailable:
            return False
        return True

    def _resolve_backend(self) -> KeyringBackend:
        if self._backend is None:
            import keyring  # noqa: PLC0415 - see the note at the imports

            self._backend = self._call("detect", lambda: _detect(keyring.get_keyring))
            _log.info("keyring backend: %s", describe_backend(self._backend))
        return self._backend

    def _usable_backend(self) -> KeyringBackend:
        backend = self._resolve_backend()
        if not _usable(backend):
            raise KeyringUnavailable(NO_KEYRING)
        return backend

    def _call(self, what: str, fn: Callable[[], _T]) -> _T:
        """Run one keyring operation in a daemon thread, within the time budget."""
        with self._lock:
            if self._stuck is not None and self._stuck.is_alive():
                raise KeyringUnavailable(
                    "The system keyring has still not answered an earlier request."
                )
            results: list[_T] = []
            errors: list[BaseException] = []

            def run() -> None:
                try:
                    results.append(fn())
                except BaseException as exc:  # noqa: BLE001  # handed to the caller below
                    errors.append(exc)

            worker = threading.Thread(target=run, name=f"keyring-{what}", daemon=True)
            worker.start()
            worker.join(self._timeout)
            if worker.is_alive():
                self._stuck = worker
                _log.info("keyring %s timed out after %g s", what, self._timeout)
                raise KeyringUnavailable(
                    f"The system keyring did not answer within {self._timeout:g} s "
                    f"({what}); it may be waiting for an unlock prompt or be stuck."
                )
        if results:
            return results[0]
        error = errors.pop()
        # Drop the failed call's locals (they may hold the key, or open connections).
        traceback.clear_frames(error.__traceback__)
        if _is_keyring_failure(error):
            _log.info("keyring %s failed: %s", what, type(error).__name__)
            raise KeyringUnavailable(_reason(error)) from error
        raise error


_APPLE_FRAMEWORKS = frozenset({"Security", "CoreServices", "Foundation"})


def _detect(get_keyring: Callable[[], KeyringBackend]) -> KeyringBackend:
    """keyring's own detection, without looking for Apple's frameworks where none can be.

    keyring imports every backend it knows while it picks one, and its macOS backend looks
    for three Apple frameworks with ``ctypes.util.find_library`` as it is imported, on any
    system: on Linux each look runs ``ldconfig``, then ``gcc`` and ``ld`` in subprocesses.
    In the window's process that was up to nine programs started (~30 ms of CPU beside it,
    and forks of a 300 MB process) while the user was sending jobs: the heaviest GUI gaps of
    the throughput benchmark (docs/performance.md). The backend does not load off macOS
    either way (keyring skips it when its module fails)."""
    if sys.platform == "darwin":
        return get_keyring()
    import ctypes.util  # noqa: PLC0415 - only for the detection

    real = ctypes.util.find_library

    def find_library(name: str) -> str | None:
        return None if name in _APPLE_FRAMEWORKS else real(name)

    ctypes.util.find_library = find_library
    try:
        return get_keyring()
    finally:
        ctypes.util.find_library = real
