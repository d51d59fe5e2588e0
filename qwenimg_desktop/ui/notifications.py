"""Say that a job ended while the window is in the background: through the desktop's
notification service (freedesktop Notifications on the session bus) where there is one, else
through a tray icon's message, else not at all. The user can turn it off in the settings.

GNOME shows no tray icons, so a tray message alone reached nobody there; the notification
service is what GNOME, KDE, Xfce and the others all show. Progress while jobs run is in the
window's title (``MainWindow._refresh_title``), seen in the task bar.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Final

from PySide6.QtCore import QObject
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QSystemTrayIcon, QWidget

from qwenimg_desktop import APP_ID, APP_NAME
from qwenimg_desktop.ui.session_bus import call, has_service, session_address
from qwenimg_desktop.ui.workers import Workers

log = logging.getLogger("qwenimg.notifications")

SERVICE: Final = "org.freedesktop.Notifications"
OBJECT_PATH: Final = "/org/freedesktop/Notifications"
EXPIRE_MS: Final = 8_000


class FreedesktopNotifications:
    """``org.freedesktop.Notifications`` on a session bus (blocking calls: run them on a worker;
    see ``ui/session_bus.py`` for why not QtDBus)."""

    def __init__(self, address: str | None = None) -> None:
        self.address = session_address() if address is None else address

    def __repr__(self) -> str:
        return f"<FreedesktopNotifications bus={'yes' if self.address else 'none'}>"

    def available(self) -> bool:
        """True if a notification server owns (or can be started for) the name."""
        return bool(self.address) and has_service(self.address, SERVICE)

    def notify(self, title: str, body: str, *, urgent: bool) -> int:
        """Show one notification; returns the server's id for it.

        Raises:
            SessionBusError: no bus, no server, or it refused.
        """
        hints = {"urgency": ("y", 2 if urgent else 1), "desktop-entry": ("s", APP_ID)}
        reply = call(self.address, SERVICE, OBJECT_PATH, SERVICE, "Notify", "susssasa{sv}i",
                     (APP_NAME, 0, APP_ID, title, _escape(body), [], hints, EXPIRE_MS))
        return int(reply[0])


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
