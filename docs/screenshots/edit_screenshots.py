"""Grab the edit flow: references beside the prompt, the edit's result, lineage in the history.

Usage: ``QT_QPA_PLATFORM=offscreen python docs/screenshots/edit_screenshots.py``. Runs the app
in demo mode (the built-in emulator, which composes an edit's result from its references) and
writes edit-references.png, edit-result.png, edit-lineage.png (the edit: made from) and
edit-lineage-parent.png (its source: edits of this) next to this file.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from PIL import Image, ImageDraw
from PySide6.QtWidgets import QApplication

from qwenimg_desktop.app import Options
from qwenimg_desktop.app.runtime import AppRuntime
from qwenimg_desktop.core.secrets import KeyStore
from qwenimg_desktop.ui.startup_shell import application as _qapp

HERE = Path(__file__).resolve().parent
FIRST = "# 红灯笼 Lantern street\n- a quiet lane at dusk, one paper lantern, 水墨风格"
EDIT = ("# Edit\nMake the lantern in **image 1** glow red, and put the cat from **image 2** "
        "under it.\n- keep the ink-wash style of image 1")


def pump(app: QApplication, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        app.processEvents()
        time.sleep(0.01)


def wait_done(app: QApplication, win: object, job_id: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        app.processEvents()
        row = win.jobs_model.row(job_id)  # type: ignore[attr-defined]
        if row is not None and row.state.is_final and \
                not win.results.view.image.isNull():  # type: ignore[attr-defined]
            return
        time.sleep(0.01)


def wait_for(app: QApplication, condition: Callable[[], bool], seconds: float = 20) -> None:
    deadline = time.monotonic() + seconds
    while not condition() and time.monotonic() < deadline:
        app.processEvents()
        time.sleep(0.01)


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
    app = _qapp()
    with tempfile.TemporaryDirectory(prefix="qwenimg-edit-shots-") as base:
        runtime = AppRuntime(Options(demo=True), key_store=KeyStore(), base_dir=Path(base))
        runtime.settings.first_run_done = True
        win = runtime.make_window()
        win.resize(1440, 940)
        win.show()
        win.editor.set_preview_visible(False)  # room for the parameters and the model choice
        win.splitters["outer"].setSizes([1000, 420])  # centre, parameters
        win.editor.load(FIRST, "", 0)
        pump(app, 0.5)
        first = win.generate()
        assert first
        wait_done(app, win, first)
        win.results.buttons["edit"].click()  # "Edit this image": image 1, linked to its job
        wait_for(app, lambda: len(win.draft.references) == 1)
        win.references.add_files([cat_picture(Path(base) / "cat.png")])
        wait_for(app, lambda: len(win.draft.references) == 2)
        win.editor.load(EDIT, "", 0)
        pump(app, 0.8)
        win.grab().save(str(HERE / "edit-references.png"))
        sys.stdout.write("wrote edit-references.png\n")
        edit = win.generate()
        assert edit
        wait_done(app, win, edit)
        pump(app, 0.8)
        win.grab().save(str(HERE / "edit-result.png"))
        sys.stdout.write("wrote edit-result.png\n")
        win.acts.history_tab.trigger()
        pump(app, 1.5)
        browser = win.history.browser
        if browser is not None:
            browser.select_job(edit)
            pump(app, 1.5)
        win.grab().save(str(HERE / "edit-lineage.png"))
        sys.stdout.write("wrote edit-lineage.png\n")
        if browser is not None:
            browser.open_lineage(first)  # what following the "made from" link does
            pump(app, 1.5)
        win.grab().save(str(HERE / "edit-lineage-parent.png"))
        sys.stdout.write("wrote edit-lineage-parent.png\n")
        win.close()
        runtime.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
