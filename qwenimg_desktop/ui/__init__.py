"""Qt widgets that adapt the core; no business rules live here.

Every module of the window's imports PySide6 through this package, so before any of them loads,
PySide6's per-import ``__feature__`` check stops reading each module's source
(:mod:`~qwenimg_desktop.ui.pyside_feature_check`: ~37 ms of the complete window's CPU).
"""

from qwenimg_desktop.ui.pyside_feature_check import stop_reading_sources

stop_reading_sources()
