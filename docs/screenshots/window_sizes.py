"""Grab the window as people meet it: 1366×768 and 1920×1080, light and dark.

Usage: ``QT_QPA_PLATFORM=offscreen python docs/screenshots/window_sizes.py`` (or under
``xvfb-run -s "-screen 0 1920x1080x24"``). Runs the demo (nothing is sent to fal) and writes
size-<w>x<h>-<theme>-create.png (a finished 4-image job), -lightbox.png, -history.png and
-settings.png next
to this file.
"""

from __future__ import annotations

import os
import sys

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from support import HERE, demo_window, pump, wait_job_shown, wrote

from qwenimg_desktop.core.settings import ThemeChoice

PROMPT = ("# 江南水乡 · Water town at dawn\n一幅写实风格的江南水乡清晨景象。\n\n"
          "## 场景 Scene\n- A narrow canal with **still water**\n- 石拱桥横跨河道\n\n"
          "## 风格 Style\nPhotorealistic, 35 mm lens, f/2.8.\n")
SIZES = ((1366, 768), (1920, 1080))


def main() -> int:
    with demo_window("qwenimg-sizes-") as (win, _base):
        win.resize(*SIZES[0])
        win.show()
        win.editor.load(PROMPT, "blurry, watermark", 0)
        win.params.num_images.setValue(4)
        pump(0.5)
        job_id = win.generate() or ""
        wait_job_shown(win, job_id)
        for width, height in SIZES:
            win.resize(width, height)
            for choice in (ThemeChoice.light, ThemeChoice.dark):
                win.set_theme(choice)
                stem = f"size-{width}x{height}-{choice.value}"
                win.acts.create_tab.trigger()
                pump(0.8)
                win.grab().save(str(HERE / f"{stem}-create.png"))
                lightbox = win.results.open_lightbox()
                if lightbox is not None:
                    lightbox.resize(width * 9 // 10, height * 9 // 10)
                    pump(0.5)
                    lightbox.grab().save(str(HERE / f"{stem}-lightbox.png"))
                    lightbox.close()
                win.acts.history_tab.trigger()
                pump(1.5)
                browser = win.history.browser
                if browser is not None:
                    browser.select_job(job_id)
                pump(0.8)
                win.grab().save(str(HERE / f"{stem}-history.png"))
                dialog = win.open_settings()
                pump(0.8)
                dialog.grab().save(str(HERE / f"{stem}-settings.png"))
                dialog.close()
                wrote(f"{stem}-*.png")
    return 0


if __name__ == "__main__":
    sys.exit(main())
