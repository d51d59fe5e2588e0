"""Grab the window in each interface language at 1366×768: English and Simplified Chinese.

Usage: ``QT_QPA_PLATFORM=offscreen python docs/screenshots/languages.py`` after the setup script
(which compiles resources/i18n/*.qm). Runs the demo (nothing is sent to fal) and writes
lang-<language>-create.png, -view-menu.png and -settings.png next to this file. Chinese needs a
CJK font (the setup script installs one on Linux).
"""

from __future__ import annotations

import os
import sys

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QPoint
from PySide6.QtWidgets import QMenu
from support import HERE, demo_window, pump, wrote

from qwenimg_desktop.ui import i18n

SIZE = (1366, 768)


def grab_language(language: str) -> None:
    with demo_window("qwenimg-lang-", language=language) as (win, _base):
        win.resize(*SIZE)
        win.show()
        win.editor.load("# 江南水乡 · Water town at dawn\n一幅写实风格的江南水乡清晨景象。\n",
                        "blurry, watermark", 0)
        pump(1.0)
        win.grab().save(str(HERE / f"lang-{language}-create.png"))
        view = next(a.menu() for a in win.menuBar().actions()
                    if a.menu() is not None and a.text() in ("&View", "视图(&V)"))
        assert isinstance(view, QMenu)
        view.popup(win.mapToGlobal(QPoint(60, 30)))
        pump(0.5)
        view.grab().save(str(HERE / f"lang-{language}-view-menu.png"))
        view.close()
        dialog = win.open_settings()
        pump(1.0)
        dialog.grab().save(str(HERE / f"lang-{language}-settings.png"))
        dialog.close()
        wrote(f"lang-{language}-*.png")


def main() -> int:
    for language in (i18n.ENGLISH, i18n.CHINESE):
        grab_language(language)
    return 0


if __name__ == "__main__":
    sys.exit(main())
