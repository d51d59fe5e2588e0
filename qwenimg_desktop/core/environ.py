"""The process environment's secret variables, kept out of the processes we start.

``FAL_KEY`` may be set by the user to override the keyring. A child process inherits the
environment of the moment it is started, and ``multiprocessing`` has no per-child environment,
so :func:`secrets_withheld` takes the secret variables out of ``os.environ`` while a child is
started and puts them back after. Every read of them goes through :func:`read_secret` under the
same lock, so no reader ever sees them missing.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Iterator
from typing import Final

SECRET_VARIABLES: Final = ("FAL_KEY", "FAL_KEY_ID", "FAL_KEY_SECRET")
"""The variables fal's own clients read a key from; none of them reaches a child process."""

_LOCK = threading.Lock()


def read_secret(name: str) -> str:
    """The value of ``name`` in this process's environment ('' when unset)."""
    with _LOCK:
        return os.environ.get(name, "")


@contextlib.contextmanager
def secrets_withheld() -> Iterator[None]:
    """Within the block, the secret variables are not in ``os.environ`` (start children here)."""
    with _LOCK:
        kept = {name: os.environ.pop(name) for name in SECRET_VARIABLES if name in os.environ}
        try:
            yield
        finally:
            os.environ.update(kept)
