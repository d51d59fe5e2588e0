"""Redaction: secrets and key-shaped tokens go, ordinary sentences stay."""

from __future__ import annotations

import pytest

from qwenimg_desktop.core.errors import AuthError, redact, register_secret


@pytest.mark.parametrize(
    "text",
    [
        "The key can be used once saved",
        "press any key to continue",
        "key mapping: value",
        "Open Settings → API key and check the key.",
    ],
)
def test_sentences_are_untouched(text: str) -> None:
    assert redact(text) == text


@pytest.mark.parametrize(
    ("text", "leak"),
    [
        ("Authorization: Key abc:def", "abc:def"),
        ('headers={"Authorization": "Key s3cr3t"}', "s3cr3t"),
        ("sent Key id-1:xyz to the queue", "id-1:xyz"),
        ("key 123e4567-e89b-12d3-a456-426614174000:0123456789abcdef0123", "0123456789abcdef0123"),
    ],
)
def test_key_shapes_are_redacted(text: str, leak: str) -> None:
    assert leak not in redact(text)
    assert "[redacted]" in redact(text)


def test_registered_secrets_vanish_from_errors() -> None:
    secret = "plainsecretwithoutcolon42"
    register_secret(secret)
    error = AuthError(f"rejected {secret} at the door")
    assert secret not in str(error)
    assert secret not in error.message
    assert secret not in repr(error.args)
