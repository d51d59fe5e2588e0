"""Child of benchmarks.startup: open a window, print the wall time of its first paint, quit.

Kept free of benchmark imports so the process loads only what the measured program loads.

    python -m benchmarks.startup_child app [app arguments…]   # the real app (app.main)
    python -m benchmarks.startup_child bare                   # a bare QMainWindow
"""

from __future__ import annotations

import sys
import time
from typing import Any


def _watch_first_paint(window: Any, tag: str = "FIRST_PAINT", *, quit_after: bool = True) -> None:
    from PySide6.QtCore import QEvent, QObject, QTimer
    from PySide6.QtWidgets import QApplication

    class FirstPaint(QObject):
        def eventFilter(self, watched: QObject, event: QEvent) -> bool:
            if event.type() == QEvent.Type.Paint and not getattr(self, "done", False):
                self.done = True
                print(f"{tag} {time.time():.6f}", flush=True)
                if quit_after:
                    QTimer.singleShot(0, QApplication.quit)
            return False

    window._first_paint_filter = FirstPaint(window)
    window.installEventFilter(window._first_paint_filter)


def bare() -> int:
    from PySide6.QtWidgets import QApplication, QMainWindow

    app = QApplication(sys.argv[:1])
    window = QMainWindow()
    window.resize(1360, 880)
    _watch_first_paint(window)
    window.show()
    return app.exec()


def app(argv: list[str]) -> int:
    """The real app: FIRST_PAINT is the first window on screen (the start-up shell), and
    WINDOW_PAINT the first paint of the complete main window, after which it quits."""
    from qwenimg_desktop import app as app_module
    from qwenimg_desktop.ui import startup_shell

    original_shell = startup_shell.StartupShell.__init__

    def shell_init(self: Any, *args: Any, **kwargs: Any) -> None:
        original_shell(self, *args, **kwargs)
        _watch_first_paint(self, "FIRST_PAINT", quit_after=False)

    startup_shell.StartupShell.__init__ = shell_init  # type: ignore[method-assign]
    original_shell_paint = startup_shell.StartupShell.hand_over

    def hand_over(self: Any, window: Any) -> None:
        # The window's code loads after the shell's first paint (app.launch): the window is
        # watched when it takes the shell's place, just before it is shown.
        _watch_first_paint(window, "WINDOW_PAINT")
        original_shell_paint(self, window)

    startup_shell.StartupShell.hand_over = hand_over  # type: ignore[method-assign]
    return app_module.main(argv)


if __name__ == "__main__":
    sys.exit(bare() if sys.argv[1] == "bare" else app(sys.argv[2:]))
