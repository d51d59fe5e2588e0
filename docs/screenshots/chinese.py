"""Grab the Chinese interface as people meet it, under a real X server: Create with a finished
4-image job, History with a selected generation, the lightbox and Settings, light and dark.

Usage (Linux, after the setup script, which compiles the catalog and installs a CJK font)::

    for size in 1366x768 1920x1080; do
      xvfb-run -a -s "-screen 0 ${size}x24" env QT_QPA_PLATFORM=xcb \\
        .venv/bin/python docs/screenshots/chinese.py
    done

The screen's size is the window's: each view is grabbed from the screen
(``grabWindow(0)``), so what shows is what X drew, dialogs included, and written next to this
file as ``<view>-zh-<screen width>-<theme>.png`` (an 8-bit palette PNG, undithered: a third
of the full-colour size). Runs the demo: nothing is sent to fal.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication, QImage
from support import HERE, demo_window, pump, wait_job_shown, wrote

from qwenimg_desktop.core.settings import ThemeChoice
from qwenimg_desktop.ui import i18n

PROMPT = ("# 江南水乡 · 清晨\n一幅写实风格的江南水乡清晨景象。\n\n"
          "## 场景\n- 狭窄的运河，**水面平静**\n- 石拱桥横跨河道\n\n"
          "## 风格\n写实摄影，35 mm 镜头，f/2.8。\n")


def _save(name: str) -> None:
    """The whole screen as X drew it, as a palette PNG when 256 colours hold it well (the
    window's flat surfaces), else full colour."""
    screen = QGuiApplication.primaryScreen()
    image = screen.grabWindow(0).toImage()
    small = image.convertToFormat(QImage.Format.Format_Indexed8,
                                  Qt.ImageConversionFlag.AvoidDither)  # no dots on flat areas
    target = HERE / name
    # PySide6 6.11 types the format as bytes but accepts only str at run time (bytes raise
    # ValueError).
    (small if small.colorCount() else image).save(str(target), "PNG", 0)  # type: ignore[call-overload]
    wrote(f"{target.name} ({target.stat().st_size // 1024} KiB)")


def main() -> int:
    # The settings show the default output folder under the home folder: a neutral one here,
    # so no real account's path ends up in the pictures.
    home = Path(tempfile.mkdtemp(prefix="qwenimg-home-"))
    os.environ["HOME"] = str(home)
    with demo_window("qwenimg-zh-", language=i18n.CHINESE) as (win, _base):
        geometry = QGuiApplication.primaryScreen().geometry()
        width = geometry.width()
        win.setGeometry(geometry)
        win.show()
        win.editor.load(PROMPT, "模糊，水印", 0)
        win.params.num_images.setValue(4)
        pump(0.5)
        job_id = win.generate() or ""
        wait_job_shown(win, job_id, images=4)
        for choice in (ThemeChoice.light, ThemeChoice.dark):
            win.set_theme(choice)
            stem = f"zh-{width}-{choice.value}"
            win.acts.create_tab.trigger()
            pump(0.8)
            _save(f"create-{stem}.png")
            lightbox = win.results.open_lightbox()
            if lightbox is not None:
                pump(0.8)
                _save(f"lightbox-{stem}.png")
                lightbox.close()
            win.acts.history_tab.trigger()
            pump(1.5)
            browser = win.history.browser
            if browser is not None:
                browser.select_job(job_id)
            pump(1.0)
            _save(f"history-{stem}.png")
            dialog = win.open_settings()
            pump(1.0)
            _save(f"settings-{stem}.png")
            dialog.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
