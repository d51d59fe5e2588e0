"""A small notification server (and file manager) for the tests: owns the names given after the
bus address (default ``org.freedesktop.Notifications``) on the bus given as argv[1] and prints
each call it gets as one JSON line (member, signature, arguments).

It checks the signature as GNOME's and KDE's servers do: a ``Notify`` whose arguments are not
``susssasa{sv}i`` gets an error reply; so does a ``ShowItems`` (FileManager1) that is not ``ass``.
A ``Notify`` whose ``replaces_id`` is a notification it showed updates that one and returns
the same id, as GNOME does (any other gets a new id; none expires here).
A line ``click ID`` on its stdin is the user clicking notification ID: the server sends
``ActionInvoked(ID, "default")`` to the connection that showed it, as GNOME does (not broadcast).
A line ``mute`` makes it answer no ``Notify`` from then on (a server that hangs); it prints
``MUTED`` once it will not.
Run as ``python -m tests.ui.fake_notification_server ADDR [NAME ...]``.
"""

from __future__ import annotations

import json
import sys
import threading
from typing import Any

from jeepney import (
    DBusAddress,
    HeaderFields,
    Message,
    MessageType,
    new_error,
    new_method_return,
    new_signal,
)
from jeepney.bus_messages import message_bus
from jeepney.io.blocking import DBusConnection, open_dbus_connection

NOTIFY_SIGNATURE = "susssasa{sv}i"


def _plain(value: Any) -> Any:
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


class Clicks:
    """Who showed each notification, and the clicks read from stdin (a thread of its own)."""

    def __init__(self, connection: DBusConnection) -> None:
        self.connection = connection
        self.lock = threading.Lock()  # one sender at a time: replies and clicks
        self.senders: dict[int, str] = {}
        self.muted = threading.Event()

    def send(self, message: Message) -> None:
        with self.lock:
            self.connection.send(message)

    def read_stdin(self) -> None:
        for line in sys.stdin:
            command, _, value = line.strip().partition(" ")
            if command == "mute":
                self.muted.set()
                print("MUTED", flush=True)
                continue
            if command != "click":
                continue
            notification_id = int(value)
            signal = new_signal(DBusAddress("/org/freedesktop/Notifications",
                                            interface="org.freedesktop.Notifications"),
                                "ActionInvoked", "us", (notification_id, "default"))
            signal.header.fields[HeaderFields.destination] = self.senders[notification_id]
            self.send(signal)


def main() -> int:
    connection = open_dbus_connection(bus=sys.argv[1])
    for name in sys.argv[2:] or ["org.freedesktop.Notifications"]:
        connection.send_and_get_reply(message_bus.RequestName(name))
    clicks = Clicks(connection)
    threading.Thread(target=clicks.read_stdin, daemon=True).start()
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
                clicks.send(new_error(message, "org.freedesktop.DBus.Error.InvalidArgs",
                                      "s", (f"wrong signature {signature}",)))
                continue
            if clicks.muted.is_set():
                continue
            replaces = message.body[1]
            if replaces in clicks.senders:  # a live one: updated in place, as GNOME does
                shown = replaces
            else:
                next_id += 1
                shown = next_id
            clicks.senders[shown] = message.header.fields[HeaderFields.sender]
            clicks.send(new_method_return(message, "u", (shown,)))
        elif member == "ShowItems":
            if signature != "ass":
                clicks.send(new_error(message, "org.freedesktop.DBus.Error.InvalidArgs"))
                continue
            clicks.send(new_method_return(message))
        elif member == "GetCapabilities":
            clicks.send(new_method_return(message, "as", (["body", "actions"],)))
        else:
            clicks.send(new_error(message, "org.freedesktop.DBus.Error.UnknownMethod"))


if __name__ == "__main__":
    sys.exit(main())
