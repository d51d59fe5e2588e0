"""Grab the main window (light and dark) with a long markdown prompt and a finished demo job.

Usage: ``QT_QPA_PLATFORM=offscreen python docs/screenshots/make_screenshots.py`` (or under
``xvfb-run -a``). Writes main-light.png and main-dark.png next to this file.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from PySide6.QtWidgets import QApplication

from qwenimg_desktop.app import Options
from qwenimg_desktop.app.runtime import AppRuntime
from qwenimg_desktop.core.secrets import KeyStore
from qwenimg_desktop.core.settings import ThemeChoice
from qwenimg_desktop.ui.startup_shell import application as _qapp

HERE = Path(__file__).resolve().parent
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


def wait_idle(app: QApplication, win: object, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    model = win.jobs_model  # type: ignore[attr-defined]
    while time.monotonic() < deadline:
        app.processEvents()
        rows = [model.row_at(i) for i in range(model.rowCount())]
        if rows and all(r is not None and r.state.is_final for r in rows):
            return
        time.sleep(0.01)


def pump(app: QApplication, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        app.processEvents()
        time.sleep(0.01)


def main() -> int:
    app = _qapp()
    with tempfile.TemporaryDirectory(prefix="qwenimg-shots-") as base:
        runtime = AppRuntime(Options(demo=True), key_store=KeyStore(), base_dir=Path(base))
        runtime.settings.first_run_done = True
        win = runtime.make_window()
        win.resize(1440, 920)
        win.show()
        win.editor.load(PROMPT, NEGATIVE, 0)
        win.params.num_images.setValue(2)
        pump(app, 0.5)
        job_id = win.generate()
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            app.processEvents()
            row = win.jobs_model.row(job_id or "")
            if row is not None and row.state.is_final and not win.results.view.image.isNull():
                break
            time.sleep(0.01)
        win.editor.editor.jump_to_block(0)
        win.editor.outline.setCurrentRow(1)
        for choice, name in ((ThemeChoice.light, "main-light.png"),
                             (ThemeChoice.dark, "main-dark.png")):
            win.set_theme(choice)
            pump(app, 0.6)
            win.grab().save(str(HERE / name))
            sys.stdout.write(f"wrote {name}\n")
        win.set_theme(ThemeChoice.light)
        for extra in EXTRA_PROMPTS:
            win.editor.load(extra, "", 0)
            pump(app, 0.3)
            win.generate()
        wait_idle(app, win)
        win.acts.history_tab.trigger()
        pump(app, 1.5)
        browser = win.history.browser
        if browser is not None and job_id:
            browser.select_job(job_id)
        pump(app, 1.5)
        win.grab().save(str(HERE / "main-history.png"))
        sys.stdout.write("wrote main-history.png\n")
        win.close()
        runtime.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
