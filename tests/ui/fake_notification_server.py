"""A small notification server (and file manager) for the tests: owns the names given after the
bus address (default ``org.freedesktop.Notifications``) on the bus given as argv[1] and prints
each call it gets as one JSON line (member, signature, arguments).

It checks the signature as GNOME's and KDE's servers do: a ``Notify`` whose arguments are not
``susssasa{sv}i`` gets an error reply; so does a ``ShowItems`` (FileManager1) that is not ``ass``.
Run as ``python -m tests.ui.fake_notification_server ADDR [NAME ...]``.
"""

from __future__ import annotations

import json
import sys
from typing import Any

from jeepney import HeaderFields, MessageType, new_error, new_method_return
from jeepney.bus_messages import message_bus
from jeepney.io.blocking import open_dbus_connection

NOTIFY_SIGNATURE = "susssasa{sv}i"


def _plain(value: Any) -> Any:
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def main() -> int:
    connection = open_dbus_connection(bus=sys.argv[1])
    for name in sys.argv[2:] or ["org.freedesktop.Notifications"]:
        connection.send_and_get_reply(message_bus.RequestName(name))
    print("READY", flush=True)
    next_id = 0
    while True:
        message = connection.receive()
        if message.header.message_type is not MessageType.method_call:
            continue
        member = message.header.fields.get(HeaderFields.member)
        signature = message.header.fields.get(HeaderFields.signature, "")
        print(json.dumps({"member": member, "signature": signature,
                          "args": _plain(message.body)}), flush=True)
        if member == "Notify":
            if signature != NOTIFY_SIGNATURE:
                connection.send(new_error(message, "org.freedesktop.DBus.Error.InvalidArgs",
                                          "s", (f"wrong signature {signature}",)))
                continue
            next_id += 1
            connection.send(new_method_return(message, "u", (next_id,)))
        elif member == "ShowItems":
            if signature != "ass":
                connection.send(new_error(message, "org.freedesktop.DBus.Error.InvalidArgs"))
                continue
            connection.send(new_method_return(message))
        elif member == "GetCapabilities":
            connection.send(new_method_return(message, "as", (["body"],)))
        else:
            connection.send(new_error(message, "org.freedesktop.DBus.Error.UnknownMethod"))


if __name__ == "__main__":
    sys.exit(main())
