"""Child of benchmarks.startup: open a window, print the wall time of its first paint, quit.

Kept free of benchmark imports so the process loads only what the measured program loads.
Each stamp line is ``TAG <wall clock> <this process's CPU seconds so far>`` (all its threads).

    python -m benchmarks.startup_child app [app arguments…]   # the real app (app.main)
    python -m benchmarks.startup_child bare                   # a bare QMainWindow
"""

from __future__ import annotations

import sys
import time
from typing import Any


def _stamp(tag: str) -> None:
    print(f"{tag} {time.time():.6f} {time.process_time():.6f}", flush=True)


def _watch_first_paint(window: Any, tag: str, on_paint: Any = None) -> None:
    from PySide6.QtCore import QEvent, QObject

    class FirstPaint(QObject):
        def eventFilter(self, watched: QObject, event: QEvent) -> bool:
            if event.type() == QEvent.Type.Paint and not getattr(self, "done", False):
                self.done = True
                _stamp(tag)
                if on_paint is not None:
                    on_paint()
            return False

    window._first_paint_filter = FirstPaint(window)
    window.installEventFilter(window._first_paint_filter)


def _quit_soon() -> None:
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    QTimer.singleShot(0, QApplication.quit)


def bare() -> int:
    from PySide6.QtWidgets import QApplication, QMainWindow

    app = QApplication(sys.argv[:1])
    window = QMainWindow()
    window.resize(1360, 880)
    _watch_first_paint(window, "FIRST_PAINT", _quit_soon)
    window.show()
    return app.exec()


def app(argv: list[str]) -> int:
    """The real app. FIRST_PAINT: the first window on screen (the start-up shell);
    WINDOW_PAINT: the first paint of the complete main window; HISTORY_READY: the History tab
    has a connection to the journal and shows the history when opened (read-only while the
    engine still checks the journal); HISTORY_WRITABLE: the engine's start, in its process,
    has finished and the window's connection writes (favourites, tags, deletes). Quits once
    the last three happened."""
    # Only what the app itself loads before the shell's paint, in its order (``app.main``
    # imports ``app.launch``, which loads its standard-library helpers before Qt: after it,
    # PySide6's import hook runs on every import, see ``ui/pyside_feature_check.py``). The history's
    # host (Qt's whole ``Qt`` namespace, the engine's event models, pydantic) is patched when
    # the window takes the shell's place, by then imported by the window's code: importing it
    # here cost the first paint ~50 ms of CPU that the app does not spend.
    from qwenimg_desktop import app as app_module
    from qwenimg_desktop.app import launch  # noqa: F401 - app.main's import, before the shell's
    from qwenimg_desktop.ui import startup_shell

    seen: set[str] = set()

    def reached(tag: str) -> None:
        seen.add(tag)
        if {"WINDOW_PAINT", "HISTORY_READY", "HISTORY_WRITABLE"} <= seen:
            _quit_soon()

    original_shell = startup_shell.StartupShell.__init__

    def shell_init(self: Any, *args: Any, **kwargs: Any) -> None:
        original_shell(self, *args, **kwargs)
        _watch_first_paint(self, "FIRST_PAINT")

    startup_shell.StartupShell.__init__ = shell_init  # type: ignore[method-assign]
    original_hand_over = startup_shell.StartupShell.hand_over

    def hand_over(self: Any, window: Any) -> None:
        # The window's code loads after the shell's first paint (app.launch): the window is
        # watched when it takes the shell's place, just before it is shown. The history is
        # attached later, from the event loop, once the engine has started.
        _watch_history_ready(reached)
        _watch_first_paint(window, "WINDOW_PAINT", lambda: reached("WINDOW_PAINT"))
        original_hand_over(self, window)

    startup_shell.StartupShell.hand_over = hand_over  # type: ignore[method-assign]
    return app_module.main(argv)


def _watch_history_ready(on_ready: Any) -> None:
    from qwenimg_desktop.ui.history import host  # already loaded by the window's code

    original_attach = host.HistoryHost.attach
    stamped: set[str] = set()
    if getattr(original_attach, "watched", False):
        return

    def attach(self: Any, store: Any) -> None:
        original_attach(self, store)
        for tag in ("HISTORY_READY",) + (() if store.readonly else ("HISTORY_WRITABLE",)):
            if tag not in stamped:
                stamped.add(tag)
                _stamp(tag)
                on_ready(tag)

    attach.watched = True  # type: ignore[attr-defined]
    host.HistoryHost.attach = attach  # type: ignore[method-assign]


if __name__ == "__main__":
    sys.exit(bare() if sys.argv[1] == "bare" else app(sys.argv[2:]))
