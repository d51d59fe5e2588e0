"""Grab the edit flow: references beside the prompt, the edit's result, lineage in the history.

Usage: ``QT_QPA_PLATFORM=offscreen python docs/screenshots/edit_screenshots.py``. Runs the app
in demo mode (the built-in emulator, which composes an edit's result from its references) and
writes edit-references.png, edit-result.png, edit-lineage.png (the edit: made from) and
edit-lineage-parent.png (its source: edits of this) next to this file.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PIL import Image, ImageDraw
from support import HERE, demo_window, pump, wait_job_shown, wait_until, wrote

FIRST = "# 红灯笼 Lantern street\n- a quiet lane at dusk, one paper lantern, 水墨风格"
EDIT = ("# Edit\nMake the lantern in **image 1** glow red, and put the cat from **image 2** "
        "under it.\n- keep the ink-wash style of image 1")


def cat_picture(path: Path) -> Path:
    image = Image.new("RGB", (768, 768), (236, 226, 205))
    draw = ImageDraw.Draw(image)
    draw.ellipse((224, 300, 544, 620), fill=(230, 140, 40))  # body
    draw.ellipse((284, 170, 484, 360), fill=(230, 140, 40))  # head
    draw.polygon([(300, 220), (330, 120), (370, 200)], fill=(230, 140, 40))
    draw.polygon([(400, 200), (440, 120), (468, 220)], fill=(230, 140, 40))
    draw.ellipse((330, 240, 356, 266), fill=(30, 30, 30))
    draw.ellipse((412, 240, 438, 266), fill=(30, 30, 30))
    image.save(path)
    return path


def main() -> int:
    with demo_window("qwenimg-edit-shots-") as (win, base):
        win.resize(1440, 940)
        win.show()
        win.editor.set_preview_visible(False)  # room for the parameters and the model choice
        win.splitters["outer"].setSizes([1000, 420])  # centre, parameters
        win.editor.load(FIRST, "", 0)
        pump(0.5)
        first = win.generate()
        assert first
        wait_job_shown(win, first)
        win.results.buttons["edit"].click()  # "Edit this image": image 1, linked to its job
        wait_until(lambda: len(win.draft.references) == 1, 20)
        win.references.add_files([cat_picture(base / "cat.png")])
        wait_until(lambda: len(win.draft.references) == 2, 20)
        win.editor.load(EDIT, "", 0)
        pump(0.8)
        win.grab().save(str(HERE / "edit-references.png"))
        wrote("edit-references.png")
        edit = win.generate()
        assert edit
        wait_job_shown(win, edit)
        pump(0.8)
        win.grab().save(str(HERE / "edit-result.png"))
        wrote("edit-result.png")
        win.acts.history_tab.trigger()
        pump(1.5)
        browser = win.history.browser
        if browser is not None:
            browser.select_job(edit)
            pump(1.5)
        win.grab().save(str(HERE / "edit-lineage.png"))
        wrote("edit-lineage.png")
        if browser is not None:
            browser.open_lineage(first)  # what following the "made from" link does
            pump(1.5)
        win.grab().save(str(HERE / "edit-lineage-parent.png"))
        wrote("edit-lineage-parent.png")
    return 0


if __name__ == "__main__":
    sys.exit(main())
