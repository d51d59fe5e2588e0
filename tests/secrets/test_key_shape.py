"""The key as fal's clients read it (FAL_KEY, else FAL_KEY_ID + FAL_KEY_SECRET), its shape, and
the provider the queue client awaits for each request."""

from __future__ import annotations

import asyncio
import threading

import pytest

from qwenimg_desktop.core.errors import redact
from qwenimg_desktop.core.fal.credentials import (
    KeyProvider,
    key_from_environment,
    key_shape_problem,
)
from qwenimg_desktop.core.secrets import InvalidKey, KeyStore


def test_fal_key_wins_over_the_id_and_secret_pair() -> None:
    both = {"FAL_KEY": "a:b", "FAL_KEY_ID": "c", "FAL_KEY_SECRET": "d"}
    assert key_from_environment(both) == ("a:b", "FAL_KEY")
    pair = {"FAL_KEY_ID": " kid ", "FAL_KEY_SECRET": "ksecret-value"}
    assert key_from_environment(pair) == ("kid:ksecret-value", "FAL_KEY_ID + FAL_KEY_SECRET")
    assert key_from_environment({"FAL_KEY_ID": "only-the-id"}) == (None, "")
    assert key_from_environment({}) == (None, "")
    assert "ksecret-value" not in redact("sent kid:ksecret-value and ksecret-value")


def test_the_keystore_reads_the_pair_from_the_environment(
    no_backend_keystore: KeyStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("FAL_KEY", raising=False)
    monkeypatch.setenv("FAL_KEY_ID", "env-id")
    monkeypatch.setenv("FAL_KEY_SECRET", "env-secret-1234")
    assert no_backend_keystore.get() == "env-id:env-secret-1234"
    assert no_backend_keystore.source() == "env"


@pytest.mark.parametrize(("key", "part"), [("nocolon", "no colon"), (":s", "key id"),
                                           ("id:", "secret")])
def test_a_malformed_key_is_refused_with_what_is_wrong(
    no_backend_keystore: KeyStore, key: str, part: str
) -> None:
    problem = key_shape_problem(key)
    assert problem is not None
    assert "<key_id>:<key_secret>" in problem
    assert part in problem
    with pytest.raises(InvalidKey, match="<key_id>:<key_secret>"):
        no_backend_keystore.set_session_key(key)
    assert key_shape_problem("id:secret") is None


def test_the_provider_reads_once_per_max_age_and_shares_a_read_in_flight() -> None:
    reads: list[int] = []
    gate = threading.Event()

    def source() -> str:
        gate.wait(5)
        reads.append(1)
        return f"id:key-{len(reads)}"

    provider = KeyProvider(source, max_age=60)

    async def go() -> list[str | None]:
        calls = [asyncio.ensure_future(provider()) for _ in range(5)]
        await asyncio.sleep(0.05)
        gate.set()
        first = await asyncio.gather(*calls)
        return [*first, await provider()]

    assert asyncio.run(go()) == ["id:key-1"] * 6
    assert len(reads) == 1


def test_the_provider_sees_a_changed_key_after_max_age() -> None:
    keys = iter(["id:old", "id:new"])
    provider = KeyProvider(lambda: next(keys), max_age=0)

    async def go() -> tuple[str | None, str | None]:
        return await provider(), await provider()

    assert asyncio.run(go()) == ("id:old", "id:new")


def test_no_key_is_not_kept_a_key_saved_after_is_used_at_once() -> None:
    """A read that found no key (no keyring yet) is not kept for max_age: the session key the
    user saves a moment later is read by the next request, not refused as "no key"."""
    keys = iter([None, "id:session-key"])
    provider = KeyProvider(lambda: next(keys), max_age=60)

    async def go() -> tuple[str | None, str | None, str | None]:
        return await provider(), await provider(), await provider()

    assert asyncio.run(go()) == (None, "id:session-key", "id:session-key")


def test_a_request_that_joins_a_read_finding_no_key_reads_again() -> None:
    """A submit that joins a read begun before the key was saved (the engine's price read)
    does not take that read's "no key" for its own."""
    gate = threading.Event()
    saved: list[str] = []

    def source() -> str | None:
        if not saved:  # the first read: under way while the key is saved
            assert gate.wait(5)
            return None
        return saved[0]

    provider = KeyProvider(source, max_age=60)

    async def go() -> tuple[str | None, str | None]:
        first = asyncio.ensure_future(provider())  # begun with no key saved
        await asyncio.sleep(0.05)
        submit = asyncio.ensure_future(provider())  # joins the read in flight
        await asyncio.sleep(0.05)
        saved.append("id:session-key")
        gate.set()
        return await first, await submit

    assert asyncio.run(go()) == (None, "id:session-key")
