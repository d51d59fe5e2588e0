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
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication, QImage
from PySide6.QtWidgets import QApplication

from qwenimg_desktop.app import Options
from qwenimg_desktop.app.runtime import AppRuntime
from qwenimg_desktop.core.secrets import KeyStore
from qwenimg_desktop.core.settings import ThemeChoice
from qwenimg_desktop.ui import i18n
from qwenimg_desktop.ui.startup_shell import application as _qapp

HERE = Path(__file__).resolve().parent
PROMPT = ("# 江南水乡 · 清晨\n一幅写实风格的江南水乡清晨景象。\n\n"
          "## 场景\n- 狭窄的运河，**水面平静**\n- 石拱桥横跨河道\n\n"
          "## 风格\n写实摄影，35 mm 镜头，f/2.8。\n")


def pump(app: QApplication, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        app.processEvents()
        time.sleep(0.01)


def _save(name: str) -> None:
    """The whole screen as X drew it, as a palette PNG when 256 colours hold it well (the
    window's flat surfaces), else full colour."""
    screen = QGuiApplication.primaryScreen()
    image = screen.grabWindow(0).toImage()
    small = image.convertToFormat(QImage.Format.Format_Indexed8,
                                  Qt.ImageConversionFlag.AvoidDither)  # no dots on flat areas
    target = HERE / name
    (small if small.colorCount() else image).save(str(target), "PNG", 0)
    sys.stdout.write(f"wrote {target.name} ({target.stat().st_size // 1024} KiB)\n")


def main() -> int:
    # The settings show the default output folder under the home folder: a neutral one here,
    # so no real account's path ends up in the pictures.
    home = Path(tempfile.mkdtemp(prefix="qwenimg-home-"))
    os.environ["HOME"] = str(home)
    app = _qapp()
    geometry = QGuiApplication.primaryScreen().geometry()
    width = geometry.width()
    with tempfile.TemporaryDirectory(prefix="qwenimg-zh-") as base:
        runtime = AppRuntime(Options(demo=True), key_store=KeyStore(), base_dir=Path(base))
        runtime.settings.first_run_done = True
        runtime.settings.language = i18n.CHINESE
        win = runtime.make_window()
        win.setGeometry(geometry)
        win.show()
        win.editor.load(PROMPT, "模糊，水印", 0)
        win.params.num_images.setValue(4)
        pump(app, 0.5)
        job_id = win.generate() or ""
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            app.processEvents()
            row = win.jobs_model.row(job_id)
            if row is not None and row.state.is_final and win.results.strip.count() == 4 \
                    and not win.results.view.image.isNull():
                break
            time.sleep(0.01)
        for choice in (ThemeChoice.light, ThemeChoice.dark):
            win.set_theme(choice)
            stem = f"zh-{width}-{choice.value}"
            win.acts.create_tab.trigger()
            pump(app, 0.8)
            _save(f"create-{stem}.png")
            lightbox = win.results.open_lightbox()
            if lightbox is not None:
                pump(app, 0.8)
                _save(f"lightbox-{stem}.png")
                lightbox.close()
            win.acts.history_tab.trigger()
            pump(app, 1.5)
            browser = win.history.browser
            if browser is not None:
                browser.select_job(job_id)
            pump(app, 1.0)
            _save(f"history-{stem}.png")
            dialog = win.open_settings()
            pump(app, 1.0)
            _save(f"settings-{stem}.png")
            dialog.close()
        win.close()
        runtime.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
