"""Child of benchmarks.startup: open a window, print the wall time of its first paint, quit.

Kept free of benchmark imports so the process loads only what the measured program loads.

    python -m benchmarks.startup_child app [app arguments…]   # the real app (app.main)
    python -m benchmarks.startup_child bare                   # a bare QMainWindow
"""

from __future__ import annotations

import sys
import time
from typing import Any


def _watch_first_paint(window: Any) -> None:
    from PySide6.QtCore import QEvent, QObject, QTimer
    from PySide6.QtWidgets import QApplication

    class FirstPaint(QObject):
        def eventFilter(self, watched: QObject, event: QEvent) -> bool:
            if event.type() == QEvent.Type.Paint and not getattr(self, "done", False):
                self.done = True
                print(f"FIRST_PAINT {time.time():.6f}", flush=True)
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
    from qwenimg_desktop import app as app_module

    original = app_module.AppRuntime.make_window

    def make_window(self: Any) -> Any:
        window = original(self)
        _watch_first_paint(window)
        return window

    app_module.AppRuntime.make_window = make_window  # type: ignore[method-assign]
    return app_module.main(argv)


if __name__ == "__main__":
    sys.exit(bare() if sys.argv[1] == "bare" else app(sys.argv[2:]))
