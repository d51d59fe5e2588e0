"""Calls to services on the desktop's session bus (notifications, the file manager).

Made with jeepney, the pure-Python D-Bus library the keyring already uses on Linux, rather than
QtDBus: PySide6 cannot marshal an unsigned integer argument (the notification service's
``Notify`` takes a ``uint32``; an ``int32`` is refused as a wrong signature by the servers of
GNOME and KDE, and an array of ``uint32`` aborts the process). Every call blocks for at most
:data:`CALL_TIMEOUT_S`: run it on a worker, never on the GUI thread.
"""

from __future__ import annotations

import os
import sys
from typing import Any, Final

CALL_TIMEOUT_S: Final = 2.0


class SessionBusError(OSError):
    """No session bus, no such service, or it answered with an error."""


def session_address() -> str:
    return "" if sys.platform in ("win32", "darwin") \
        else os.environ.get("DBUS_SESSION_BUS_ADDRESS", "")


def call(address: str, service: str, path: str, interface: str, method: str,
         signature: str, body: tuple[Any, ...]) -> tuple[Any, ...]:
    """One method call; returns the reply's arguments.

    Raises:
        SessionBusError: no bus at ``address``, or an error reply (e.g. nobody owns
            ``service``), or no answer in time.
    """
    if not address:
        raise SessionBusError("there is no session bus")
    from jeepney import DBusAddress, MessageType, new_method_call  # noqa: PLC0415 - Linux/BSD
    from jeepney.io.blocking import open_dbus_connection  # noqa: PLC0415

    message = new_method_call(DBusAddress(path, bus_name=service, interface=interface),
                              method, signature, body)
    try:
        with open_dbus_connection(bus=address, auth_timeout=CALL_TIMEOUT_S) as connection:
            reply = connection.send_and_get_reply(message, timeout=CALL_TIMEOUT_S)
    except (OSError, TimeoutError, ValueError) as exc:
        raise SessionBusError(f"the session bus did not answer ({exc})") from exc
    if reply.header.message_type is MessageType.error:
        text = reply.body[0] if reply.body and isinstance(reply.body[0], str) else ""
        raise SessionBusError(f"{service} refused {method}: {text or 'no reason given'}")
    return tuple(reply.body)


def has_service(address: str, name: str) -> bool:
    """True if ``name`` is owned on the bus, or can be started on demand."""
    bus = ("org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus")
    if call(address, *bus, "NameHasOwner", "s", (name,))[0]:
        return True
    return name in call(address, *bus, "ListActivatableNames", "", ())[0]
