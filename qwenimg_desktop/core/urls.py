"""The one loopback check and the queue-URL rule built on it.

Plain http is allowed only to this machine (the emulator, a local test server), so "is this host
loopback" decides whether traffic may go unencrypted. It must parse the host, never match text:
a prefix test such as ``startswith("http://localhost")`` also accepts
``http://localhost.example.com``, which is anyone's machine.
"""

from __future__ import annotations

import ipaddress
from typing import Final
from urllib.parse import urlsplit

from qwenimg_desktop.core.errors import UserError

LOOPBACK_NAME: Final = "localhost"
_LOOPBACK_V4: Final = ipaddress.IPv4Network("127.0.0.0/8")
_LOOPBACK_V6: Final = ipaddress.IPv6Address("::1")


def is_loopback(host: str | None) -> bool:
    """True only for ``localhost``, an address in 127.0.0.0/8, or ``::1`` (brackets allowed).

    Names are compared exactly (case-insensitively): ``localhost.example.com``,
    ``localhost.`` and IPv4-mapped or scoped IPv6 forms are not loopback here.
    """
    if not host:
        return False
    name = host.strip().lower()
    if name.startswith("[") and name.endswith("]"):
        name = name[1:-1]
    if name == LOOPBACK_NAME:
        return True
    try:
        address = ipaddress.ip_address(name)
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv4Address):
        return address in _LOOPBACK_V4
    return address == _LOOPBACK_V6


def validate_queue_base(url: str) -> str:
    """Check a queue base URL: https anywhere, plain http only on loopback.

    Returns the URL without surrounding spaces or a trailing slash.

    Raises:
        UserError: not http(s), no host, credentials / query / fragment, or plain http to a
            host that is not loopback.
    """
    try:
        parts = urlsplit(url.strip())
        host = parts.hostname
        parts.port  # noqa: B018 - a bad port raises only when read
    except ValueError as exc:
        raise UserError(f"queue URL {url!r} is not a valid URL ({exc})") from exc
    if parts.scheme not in {"http", "https"} or not host:
        raise UserError(f"queue URL {url!r} is not an http(s) URL")
    if parts.username or parts.password or parts.query or parts.fragment:
        raise UserError("the queue URL must not carry credentials, a query or a fragment")
    if parts.scheme == "http" and not is_loopback(host):
        raise UserError(f"plain http is allowed only on loopback, not {host}")
    return url.strip().rstrip("/")
