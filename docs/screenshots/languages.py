"""Grab the window in each interface language at 1366×768: English and Simplified Chinese.

Usage: ``QT_QPA_PLATFORM=offscreen python docs/screenshots/languages.py`` after the setup script
(which compiles resources/i18n/*.qm). Runs the demo (nothing is sent to fal) and writes
lang-<language>-create.png, -view-menu.png and -settings.png next to this file. Chinese needs a
CJK font (the setup script installs one on Linux).
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from PySide6.QtCore import QPoint
from PySide6.QtWidgets import QApplication, QMenu

from qwenimg_desktop.app import Options
from qwenimg_desktop.app.runtime import AppRuntime
from qwenimg_desktop.core.secrets import KeyStore
from qwenimg_desktop.ui import i18n
from qwenimg_desktop.ui.startup_shell import application as _qapp

HERE = Path(__file__).resolve().parent
SIZE = (1366, 768)


def pump(app: QApplication, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        app.processEvents()
        time.sleep(0.01)


def grab_language(app: QApplication, language: str, base: Path) -> None:
    runtime = AppRuntime(Options(demo=True), key_store=KeyStore(), base_dir=base)
    runtime.settings.first_run_done = True
    runtime.settings.language = language
    win = runtime.make_window()
    win.resize(*SIZE)
    win.show()
    win.editor.load("# 江南水乡 · Water town at dawn\n一幅写实风格的江南水乡清晨景象。\n",
                    "blurry, watermark", 0)
    pump(app, 1.0)
    win.grab().save(str(HERE / f"lang-{language}-create.png"))
    view = next(a.menu() for a in win.menuBar().actions()
                if a.menu() is not None and a.text() in ("&View", "视图(&V)"))
    assert isinstance(view, QMenu)
    view.popup(win.mapToGlobal(QPoint(60, 30)))
    pump(app, 0.5)
    view.grab().save(str(HERE / f"lang-{language}-view-menu.png"))
    view.close()
    dialog = win.open_settings()
    pump(app, 1.0)
    dialog.grab().save(str(HERE / f"lang-{language}-settings.png"))
    dialog.close()
    sys.stdout.write(f"wrote lang-{language}-*.png\n")
    win.close()
    runtime.close()


def main() -> int:
    app = _qapp()
    for language in (i18n.ENGLISH, i18n.CHINESE):
        with tempfile.TemporaryDirectory(prefix="qwenimg-lang-") as base:
            grab_language(app, language, Path(base))
    return 0


if __name__ == "__main__":
    sys.exit(main())
