"""OS notifications for jobs that end while the window is inactive (no-op without a tray)."""

from __future__ import annotations

from PySide6.QtCore import QObject
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QSystemTrayIcon, QWidget

from qwenimg_desktop import APP_NAME


class Notifier(QObject):
    """Shows a tray message when a job ends and ``window`` is not the active window."""

    def __init__(self, window: QWidget, icon: QIcon, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._window = window
        self._tray: QSystemTrayIcon | None = None
        self.sent: list[tuple[str, str]] = []
        if QSystemTrayIcon.isSystemTrayAvailable():
            self._tray = QSystemTrayIcon(icon, self)
            self._tray.setToolTip(APP_NAME)
            self._tray.messageClicked.connect(self._raise_window)
            self._tray.show()

    def __repr__(self) -> str:
        return f"<Notifier tray={self._tray is not None} sent={len(self.sent)}>"

    @property
    def available(self) -> bool:
        return self._tray is not None

    def job_ended(self, title: str, text: str, *, failed: bool = False) -> bool:
        """Notify unless the window is active; True when a notification was shown."""
        if self._window.isActiveWindow() or self._tray is None:
            return False
        kind = (QSystemTrayIcon.MessageIcon.Warning if failed
                else QSystemTrayIcon.MessageIcon.Information)
        self._tray.showMessage(title, text, kind, 8_000)
        self.sent.append((title, text))
        return True

    def close(self) -> None:
        if self._tray is not None:
            self._tray.hide()

    def _raise_window(self) -> None:
        bring_to_front(self._window)


def bring_to_front(window: QWidget) -> None:
    """Un-minimise, raise and activate ``window`` (a window manager may only flash it)."""
    if window.isMinimized():
        window.showNormal()
    else:
        window.show()
    window.raise_()
    window.activateWindow()
