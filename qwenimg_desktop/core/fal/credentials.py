"""The fal key as fal's own clients read it, its shape, and the async provider the queue client
asks each time it builds a request.

fal's clients read ``FAL_KEY``, else ``FAL_KEY_ID`` and ``FAL_KEY_SECRET`` joined by ``:``. A key
is ``<key_id>:<key_secret>``; one without the colon is refused here, before any request, with a
sentence that says what is wrong (fal would answer 401 without saying why).
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Mapping
from typing import TYPE_CHECKING, Final

from qwenimg_desktop.core.environ import read_secret
from qwenimg_desktop.core.errors import register_secret

if TYPE_CHECKING:  # the window loads this module (key shape checks) but runs no event loop
    import asyncio

KEY_VARIABLE: Final = "FAL_KEY"
KEY_ID_VARIABLE: Final = "FAL_KEY_ID"
KEY_SECRET_VARIABLE: Final = "FAL_KEY_SECRET"
KEY_SHAPE: Final = "<key_id>:<key_secret>"
KeySource = Callable[[], Awaitable[str | None]]


def key_from_environment(environ: Mapping[str, str] | None = None) -> tuple[str | None, str]:
    """The key fal's clients would use, and the variable(s) it came from ("" when none).

    ``FAL_KEY`` wins; else ``FAL_KEY_ID`` and ``FAL_KEY_SECRET``, both needed, joined by ``:``.
    """
    def env(name: str) -> str:
        return (read_secret(name) if environ is None else environ.get(name, "")).strip()

    key = env(KEY_VARIABLE)
    if key:
        register_secret(key)
        return key, KEY_VARIABLE
    key_id = env(KEY_ID_VARIABLE)
    secret = env(KEY_SECRET_VARIABLE)
    if key_id and secret:
        register_secret(secret)
        joined = f"{key_id}:{secret}"
        register_secret(joined)
        return joined, f"{KEY_ID_VARIABLE} + {KEY_SECRET_VARIABLE}"
    return None, ""


def key_shape_problem(key: str) -> str | None:
    """Why ``key`` cannot be a fal key (a sentence without the key), or None when it can."""
    key_id, colon, secret = key.partition(":")
    if not colon:
        return f"The API key must look like {KEY_SHAPE}: this one has no colon."
    if not key_id or not secret:
        part = "key id (before the colon)" if not key_id else "secret (after the colon)"
        return f"The API key must look like {KEY_SHAPE}: its {part} is empty."
    return None


def fixed_key(key: str | None) -> KeySource:
    """A key source that always answers ``key`` (the CLI, a key check, tests)."""

    async def source() -> str | None:
        return key

    return source


class KeyProvider:
    """Reads a blocking key source (keyring, the parent process) off the event loop.

    The queue client awaits it for every request it builds, so no code path can send a stale
    key or forget to fetch one. One read serves every request for ``max_age`` seconds, and
    concurrent requests share the read in flight: a status poll every 0.2 s does not become a
    keyring call every 0.2 s, and a key changed in Settings is used within ``max_age``.
    """

    def __init__(self, source: Callable[[], str | None], *, max_age: float = 2.0) -> None:
        self._source = source
        self._max_age = max_age
        self._value: str | None = None
        self._read_at: float | None = None
        self._reading: asyncio.Future[str | None] | None = None

    def __repr__(self) -> str:
        return f"<KeyProvider max_age={self._max_age:g}s>"

    async def __call__(self) -> str | None:
        now = time.monotonic()
        if self._read_at is not None and now - self._read_at < self._max_age:
            return self._value
        joined = self._reading is not None
        value = await self._read()
        if value is None and joined:
            # The read this call joined began before it: a key saved meanwhile (Settings, a
            # session key) is not in it, and "no key" would fail a submit. Read once more.
            value = await self._read()
        return value

    async def _read(self) -> str | None:
        """The source's answer, shared by the calls that come while it is read. Only a key is
        kept for ``max_age``: "no key" is asked again by the next request (a key saved just
        after a read that found none failed the next submit, "No fal API key is set")."""
        import asyncio  # noqa: PLC0415 - loaded already: this runs on an event loop

        if self._reading is None:
            self._reading = asyncio.ensure_future(asyncio.to_thread(self._source))
        reading = self._reading
        try:
            value = await asyncio.shield(reading)
        finally:
            if self._reading is reading and reading.done():
                self._reading = None
        if value is None:
            self._value, self._read_at = None, None
            return None
        if key_shape_problem(value) is None:
            register_secret(value)
        self._value, self._read_at = value, time.monotonic()
        return value
