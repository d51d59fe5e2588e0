"""Say that a job ended while the window is in the background: through the desktop's
notification service (freedesktop Notifications on the session bus) where there is one, else
through a tray icon's message, else not at all. The user can turn it off in the settings.

GNOME shows no tray icons, so a tray message alone reached nobody there; the notification
service is what GNOME, KDE, Xfce and the others all show. Progress while jobs run is in the
window's title (``MainWindow._refresh_title``), seen in the task bar.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Callable
from typing import Any, Final

from PySide6.QtCore import QObject
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QSystemTrayIcon, QWidget

from qwenimg_desktop import APP_ID, APP_NAME
from qwenimg_desktop.ui.workers import Workers

log = logging.getLogger("qwenimg.notifications")

SERVICE: Final = "org.freedesktop.Notifications"
OBJECT_PATH: Final = "/org/freedesktop/Notifications"
CALL_TIMEOUT_S: Final = 2.0
EXPIRE_MS: Final = 8_000


class FreedesktopNotifications:
    """``org.freedesktop.Notifications`` on a session bus (blocking calls: run them on a worker).

    The messages are made with jeepney (the pure-Python D-Bus library the keyring already uses
    on Linux), not QtDBus: PySide6 has no way to marshal the ``uint32`` that the specification's
    ``Notify`` takes (``replaces_id``); it sends an ``int32``, which the servers of GNOME and
    KDE refuse as a wrong signature (and an array of ``uint32`` aborts the process).
    """

    def __init__(self, address: str | None = None) -> None:
        self.address = address or os.environ.get("DBUS_SESSION_BUS_ADDRESS", "")

    def __repr__(self) -> str:
        return f"<FreedesktopNotifications bus={'yes' if self.address else 'none'}>"

    def available(self) -> bool:
        """True if a notification server owns (or can be started for) the name."""
        if not self.address or sys.platform == "win32":
            return False
        from jeepney.bus_messages import message_bus  # noqa: PLC0415 - Linux/BSD only

        with self._connect() as connection:
            owned = connection.send_and_get_reply(message_bus.NameHasOwner(SERVICE),
                                                  timeout=CALL_TIMEOUT_S).body[0]
            if owned:
                return True
            names = connection.send_and_get_reply(message_bus.ListActivatableNames(),
                                                  timeout=CALL_TIMEOUT_S).body[0]
            return SERVICE in names

    def notify(self, title: str, body: str, *, urgent: bool) -> int:
        """Show one notification; returns the server's id for it.

        Raises:
            OSError, jeepney's DBusErrorResponse, TimeoutError: no bus or no server.
        """
        from jeepney import (  # noqa: PLC0415 - Linux/BSD only
            DBusAddress,
            DBusErrorResponse,
            MessageType,
            new_method_call,
        )

        target = DBusAddress(OBJECT_PATH, bus_name=SERVICE, interface=SERVICE)
        hints = {"urgency": ("y", 2 if urgent else 1), "desktop-entry": ("s", APP_ID)}
        message = new_method_call(target, "Notify", "susssasa{sv}i", (
            APP_NAME, 0, APP_ID, title, _escape(body), [], hints, EXPIRE_MS))
        with self._connect() as connection:
            reply = connection.send_and_get_reply(message, timeout=CALL_TIMEOUT_S)
        if reply.header.message_type is MessageType.error:
            raise DBusErrorResponse(reply)
        return int(reply.body[0])

    def _connect(self) -> Any:  # jeepney's DBusConnection (a context manager)
        from jeepney.io.blocking import open_dbus_connection  # noqa: PLC0415

        return open_dbus_connection(bus=self.address, auth_timeout=CALL_TIMEOUT_S)


def _escape(text: str) -> str:
    """Servers may read the body as markup ("body-markup"): a prompt's ``<`` stays text."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


class Notifier(QObject):
    """Notifies when a job ends and ``window`` is not the active window (see the module).

    Which way is decided once, off the GUI thread, when the notifier is made: the desktop's
    service if it answers, else the tray icon if the desktop has a tray, else nothing.
    ``enabled`` is read at each job (the settings' switch).
    """

    def __init__(self, window: QWidget, icon: QIcon, workers: Workers,
                 enabled: Callable[[], bool], service: FreedesktopNotifications | None = None,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._window = window
        self._icon = icon
        self._workers = workers
        self._enabled = enabled
        self._service: FreedesktopNotifications | None = None
        self._tray: QSystemTrayIcon | None = None
        self.way = "deciding"
        self.sent: list[tuple[str, str]] = []
        self.failures: list[str] = []
        candidate = service if service is not None else FreedesktopNotifications()
        self._workers.run(candidate.available,
                          lambda ok: self._decided(candidate if ok else None),
                          self._service_failed)

    def __repr__(self) -> str:
        return f"<Notifier way={self.way} sent={len(self.sent)}>"

    @property
    def decided(self) -> bool:
        return self.way != "deciding"

    def _service_failed(self, exc: Exception) -> None:
        log.info("no desktop notification service (%s); trying the tray", exc)
        self._decided(None)

    def _decided(self, service: FreedesktopNotifications | None) -> None:
        self._service = service
        if service is not None:
            self.way = "desktop"
        elif QSystemTrayIcon.isSystemTrayAvailable():
            self._tray = QSystemTrayIcon(self._icon, self)
            self._tray.setToolTip(APP_NAME)
            self._tray.messageClicked.connect(lambda: bring_to_front(self._window))
            self._tray.show()
            self.way = "tray"
        else:
            self.way = "none"
        log.info("job notifications: %s", self.way)

    def job_ended(self, title: str, text: str, *, failed: bool = False) -> bool:
        """Notify unless the window is active or notifications are off; True when sent."""
        if self._window.isActiveWindow() or not self._enabled():
            return False
        if self._service is not None:
            service = self._service
            self._workers.run(lambda: service.notify(title, text, urgent=failed),
                              lambda _id: None,
                              lambda exc: self._notify_failed(title, text, failed, exc))
        elif self._tray is not None:
            self._tray_message(title, text, failed)
        else:
            return False
        self.sent.append((title, text))
        return True

    def _notify_failed(self, title: str, text: str, failed: bool, exc: Exception) -> None:
        """The service went away (a desktop restart): this one by the tray if there is one."""
        log.warning("the desktop notification could not be shown: %s", exc)
        self.failures.append(str(exc))
        if self._tray is None and QSystemTrayIcon.isSystemTrayAvailable():
            self._tray = QSystemTrayIcon(self._icon, self)
            self._tray.show()
        if self._tray is not None:
            self._tray_message(title, text, failed)

    def _tray_message(self, title: str, text: str, failed: bool) -> None:
        assert self._tray is not None
        kind = (QSystemTrayIcon.MessageIcon.Warning if failed
                else QSystemTrayIcon.MessageIcon.Information)
        self._tray.showMessage(title, text, kind, EXPIRE_MS)

    def close(self) -> None:
        if self._tray is not None:
            self._tray.hide()


def bring_to_front(window: QWidget) -> None:
    """Un-minimise, raise and activate ``window`` (a window manager may only flash it)."""
    if window.isMinimized():
        window.showNormal()
    else:
        window.show()
    window.raise_()
    window.activateWindow()
