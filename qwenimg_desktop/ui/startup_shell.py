"""StartupShell: a window painted within a few milliseconds of Qt's start, while the app loads.

It opens where the main window was last closed, in the chosen light or dark scheme, and says
"Starting…". It imports only Qt and the standard library, and reads the saved window state from
the settings file as plain JSON (the validated settings load later, with the rest of the app).
The real main window replaces it as soon as it is built.
"""

from __future__ import annotations

import json
import logging
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, Final

from PySide6.QtCore import QByteArray, QEvent, QObject, QTimer
from PySide6.QtGui import QColor, QGuiApplication, QIcon, QPalette
from PySide6.QtWidgets import QApplication, QLabel, QMainWindow, QWidget

from qwenimg_desktop import APP_ID, APP_NAME, ORG_NAME, __version__

log = logging.getLogger("qwenimg.ui")
MAX_SETTINGS_BYTES: Final = 4 * 1024 * 1024
DARK_WINDOW: Final = QColor(37, 39, 43)
DARK_TEXT: Final = QColor(220, 220, 220)


def saved_window_state(settings_path: Path) -> dict[str, str]:
    """``ui_state`` and ``theme`` from the settings file, or {} if it is missing or unreadable."""
    try:
        if settings_path.stat().st_size > MAX_SETTINGS_BYTES:
            return {}
        data: Any = json.loads(settings_path.read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError):  # a folder, garbage, JSON nested too deep
        return {}
    if not isinstance(data, dict):
        return {}
    state = data.get("ui_state")
    result: dict[str, str] = {}
    if isinstance(state, dict):
        result = {k: v for k, v in state.items() if isinstance(k, str) and isinstance(v, str)}
    theme = data.get("theme")
    if isinstance(theme, str):
        result["theme"] = theme
    return result


def wants_dark(theme: str) -> bool:
    """Whether the shell should be dark: the user's choice, else the system's scheme."""
    if theme in ("light", "dark"):
        return theme == "dark"
    # The platform's palette follows its colour scheme. (Asking QStyleHints.colorScheme() would
    # build PySide6's whole ``Qt`` namespace first: ~17 ms before the first paint.)
    window = QGuiApplication.palette().color(QPalette.ColorRole.Window)
    return window.lightness() < 128


class StartupShell(QMainWindow):
    """The first window on screen; ``on_first_paint`` runs once it has really been painted."""

    def __init__(self, title: str, state: dict[str, str], icon: QIcon | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("startupShell")
        self.setWindowTitle(title)
        if icon is not None and not icon.isNull():
            self.setWindowIcon(icon)
        self.resize(1360, 880)
        geometry = state.get("geometry")
        if geometry:
            self.restoreGeometry(QByteArray.fromBase64(geometry.encode()))
        label = QLabel("Starting…", self)
        label.setStyleSheet("qproperty-alignment: AlignCenter;")
        if wants_dark(state.get("theme", "system")):
            palette = QPalette(self.palette())
            palette.setColor(QPalette.ColorRole.Window, DARK_WINDOW)
            palette.setColor(QPalette.ColorRole.WindowText, DARK_TEXT)
            self.setPalette(palette)
            self.setAutoFillBackground(True)
        self.setCentralWidget(label)
        self._first_paint = _FirstPaint(self)

    def __repr__(self) -> str:
        return f"<StartupShell painted={self._first_paint.painted}>"

    def on_first_paint(self, callback: Callable[[], None]) -> None:
        """Run ``callback`` (from the event loop) once the shell has been painted."""
        self._first_paint.then(callback)

    def hand_over(self, window: QMainWindow) -> None:
        """Show ``window`` where the shell is, then close the shell."""
        if not self.isVisible():
            window.show()
            return
        window.restoreGeometry(self.saveGeometry())
        window.show()
        window.raise_()
        window.activateWindow()
        self.close()
        self.deleteLater()


def after_first_paint(widget: QWidget, callback: Callable[[], None]) -> None:
    """Run ``callback`` from the event loop once ``widget`` has first been painted (work that
    must not delay that paint, e.g. the main window's early read of the history)."""
    _FirstPaint(widget).then(callback)


class _FirstPaint(QObject):
    """Runs callbacks once ``widget`` has first been painted: from the event loop, after the
    paint has been flushed to the screen, not inside the paint event."""

    def __init__(self, widget: QWidget) -> None:
        super().__init__(widget)
        self.painted = False
        self._callbacks: list[Callable[[], None]] = []
        widget.installEventFilter(self)

    def then(self, callback: Callable[[], None]) -> None:
        if self.painted:
            QTimer.singleShot(0, callback)
        else:
            self._callbacks.append(callback)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint and not self.painted:
            self.painted = True
            watched.removeEventFilter(self)
            callbacks, self._callbacks = self._callbacks, []
            for callback in callbacks:
                QTimer.singleShot(0, callback)
        return False


SERIAL_FILLS: Final = ("QT_NO_GUI_THREADPOOL", "1")
"""Qt's raster engine hands a fill of many spans (a gradient, a scroll bar's groove) to a thread
pool and waits for it on the painting thread. On a busy 2-core machine a pool thread may wait
100+ ms for a core while the GUI thread, asleep, waits for it: the blocked gaps of 77–127 ms in
a scroll of 100,000 generations (docs/performance.md). Set, fills run on the thread that paints.
Qt reads it once, when its pool is first asked for: before the application exists."""


def application() -> QApplication:
    """The process's QApplication, created (and named) on first use."""
    # High-DPI: Qt 6 scales by default and its default rounding policy is already PassThrough
    # (fractional scale factors kept); naming it here would cost ~17 ms before the first paint.
    existing = QApplication.instance()
    if isinstance(existing, QApplication):
        return existing
    os.environ.setdefault(*SERIAL_FILLS)
    app = QApplication(sys.argv[:1])
    app.setApplicationName(APP_NAME)
    app.setApplicationVersion(__version__)
    app.setOrganizationName(ORG_NAME)
    app.setDesktopFileName(APP_ID)
    return app


def show_shell(title: str, settings_path: Path, icon_path: Path | None) -> StartupShell:
    """Create and show the shell (QApplication must exist)."""
    icon = QIcon(str(icon_path)) if icon_path is not None and icon_path.is_file() else None
    shell = StartupShell(title, saved_window_state(settings_path), icon)
    shell.show()
    return shell
