"""Grab the main window (light and dark) with a long markdown prompt and a finished demo job.

Usage: ``QT_QPA_PLATFORM=offscreen python docs/screenshots/make_screenshots.py`` (or under
``xvfb-run -a``). Writes main-light.png and main-dark.png next to this file.
"""

from __future__ import annotations

import os
import sys

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from support import HERE, demo_window, pump, wait_job_shown, wait_until, wrote

from qwenimg_desktop.core.settings import ThemeChoice
from qwenimg_desktop.ui.main_window import MainWindow

PROMPT = """# 江南水乡 · Water town at dawn

一幅写实风格的江南水乡清晨景象，薄雾笼罩着石拱桥与白墙黛瓦。

## 场景 Scene
- A narrow canal with **still water** reflecting the sky
- 石拱桥横跨河道，桥上有一位撑油纸伞的行人
- Wooden boats moored along the stone steps

### 光线 Lighting
- Soft golden sunrise from the left, *long shadows*
- 薄雾在水面上缓缓流动

### 色彩 Palette
- Muted teal, warm ochre, ink black accents

## 构图 Composition
- Eye-level view, rule of thirds, bridge on the upper third
- Depth: boats in the foreground, houses fading into the mist

## 细节 Details
1. Lanterns under the eaves, some still lit
2. 青苔覆盖的台阶，湿润的石板路
3. A cat sleeping on a windowsill

## 风格 Style
Photorealistic, 35 mm lens, f/2.8, `high dynamic range`, 8k detail.
"""
NEGATIVE = "blurry, low quality, watermark, text, 畸形, 多余的手指"


EXTRA_PROMPTS = (
    "# 雪山湖泊 Alpine lake\n- turquoise water, pine forest, morning fog",
    "# Neon alley\n- rain-soaked street in Chongqing at night, 霓虹灯, reflections",
    "# 水墨山水 Ink landscape\n- misty mountains, a lone boat, 留白",
)


def all_jobs_ended(win: MainWindow) -> bool:
    model = win.jobs_model
    rows = [model.row_at(i) for i in range(model.rowCount())]
    return bool(rows) and all(r is not None and r.state.is_final for r in rows)


def main() -> int:
    with demo_window("qwenimg-shots-") as (win, _base):
        win.resize(1440, 920)
        win.show()
        win.editor.load(PROMPT, NEGATIVE, 0)
        win.params.num_images.setValue(2)
        pump(0.5)
        job_id = win.generate() or ""
        wait_job_shown(win, job_id)
        win.editor.editor.jump_to_block(0)
        win.editor.outline.setCurrentRow(1)
        for choice, name in ((ThemeChoice.light, "main-light.png"),
                             (ThemeChoice.dark, "main-dark.png")):
            win.set_theme(choice)
            pump(0.6)
            win.grab().save(str(HERE / name))
            wrote(name)
        win.set_theme(ThemeChoice.light)
        for extra in EXTRA_PROMPTS:
            win.editor.load(extra, "", 0)
            pump(0.3)
            win.generate()
        wait_until(lambda: all_jobs_ended(win))
        win.acts.history_tab.trigger()
        pump(1.5)
        browser = win.history.browser
        if browser is not None:
            browser.select_job(job_id)
        pump(1.5)
        win.grab().save(str(HERE / "main-history.png"))
        wrote("main-history.png")
    return 0


if __name__ == "__main__":
    sys.exit(main())
