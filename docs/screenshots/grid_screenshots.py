"""Grab a 4×3 batch grid, its contact sheet and the grouped batch in History at 1366×768.

Usage (a real X server, so the grab is the screen as a user sees it)::

    Xvfb :57 -screen 0 1366x768x24 &
    DISPLAY=:57 QT_QPA_PLATFORM=xcb python docs/screenshots/grid_screenshots.py

Runs the demo (nothing is sent to fal): the batch panel sends "seed=1-4; replace=猫,狗,狐狸"
as one batch, the grid window opens when its 12 jobs end, its contact sheet is saved into
History, and History groups the batch under one tile. Writes grid-4x3.png,
grid-contact-sheet.png and history-grouped-batch.png next to this file.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication, QMessageBox

from qwenimg_desktop.app import Options
from qwenimg_desktop.app.runtime import AppRuntime
from qwenimg_desktop.core.secrets import KeyStore
from qwenimg_desktop.ui.startup_shell import application as _qapp

HERE = Path(__file__).resolve().parent
SIZE = (1366, 768)


def pump(app: QApplication, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        app.processEvents()
        time.sleep(0.01)


def wait(app: QApplication, condition: object, seconds: float = 90.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():  # type: ignore[operator]
        if time.monotonic() > deadline:
            raise TimeoutError("the demo did not get there in time")
        pump(app, 0.05)


def grab_screen(name: str) -> None:
    screen = QGuiApplication.primaryScreen()
    screen.grabWindow(0).save(str(HERE / name))
    sys.stdout.write(f"wrote {name}\n")


def main() -> int:
    app = _qapp()
    with tempfile.TemporaryDirectory(prefix="qwenimg-grid-") as base:
        runtime = AppRuntime(Options(demo=True), key_store=KeyStore(), base_dir=Path(base))
        runtime.settings.first_run_done = True
        win = runtime.make_window()
        win.resize(*SIZE)
        win.move(0, 0)
        win.show()
        wait(app, lambda: win._data_layout() is not None)
        win.editor.load("一只猫 in a misty bamboo garden, ink painting", "", 0)
        win.batch.axes.setText("seed=1-4; replace=猫,狗,狐狸")
        pump(app, 0.5)
        win.batch.refresh()
        box = win.batch.confirm()
        assert box is not None, win.batch.summary.text()
        box.button(QMessageBox.StandardButton.Yes).click()
        wait(app, lambda: len(win.grids.windows) == 1)
        grid = next(iter(win.grids.windows.values()))
        wait(app, lambda: len(grid.images) == 12)
        grid.resize(*SIZE)
        grid.move(0, 0)
        grid.raise_()
        grid.activateWindow()
        pump(app, 1.5)
        grab_screen("grid-4x3.png")
        grid.save_contact_sheet()
        provider = win.services.history_store
        store = provider() if provider is not None else None
        assert store is not None
        wait(app, lambda: store.contact_sheet_of(grid.grid.batch_id) is not None)
        sheet = store.get(store.contact_sheet_of(grid.grid.batch_id) or "")
        assert sheet is not None
        shutil.copyfile(store.layout.absolute(sheet.images[0].path),
                        HERE / "grid-contact-sheet.png")
        sys.stdout.write("wrote grid-contact-sheet.png\n")
        grid.hide()
        win.tabs.setCurrentIndex(1)
        wait(app, lambda: win.history.browser is not None)
        browser = win.history.browser
        assert browser is not None
        browser.search.group.setChecked(True)
        wait(app, lambda: browser.model.rowCount() == 2)  # the sheet and the grouped batch
        win.raise_()
        win.activateWindow()
        browser.select_job(browser.model.job_id(1) or "")
        pump(app, 2.0)
        grab_screen("history-grouped-batch.png")
        win.close()
        runtime.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
