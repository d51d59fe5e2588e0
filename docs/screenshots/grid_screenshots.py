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

from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QMessageBox
from support import HERE, demo_window, pump, wait_until, wrote

SIZE = (1366, 768)


def grab_screen(name: str) -> None:
    screen = QGuiApplication.primaryScreen()
    screen.grabWindow(0).save(str(HERE / name))
    wrote(name)


def main() -> int:
    with demo_window("qwenimg-grid-") as (win, _base):
        win.resize(*SIZE)
        win.move(0, 0)
        win.show()
        wait_until(lambda: win._data_layout() is not None)
        win.editor.load("一只猫 in a misty bamboo garden, ink painting", "", 0)
        win.batch.axes.setText("seed=1-4; replace=猫,狗,狐狸")
        pump(0.5)
        win.batch.refresh()
        box = win.batch.confirm()
        assert box is not None, win.batch.summary.text()
        box.button(QMessageBox.StandardButton.Yes).click()
        wait_until(lambda: len(win.grids.windows) == 1, 90)
        grid = next(iter(win.grids.windows.values()))
        wait_until(lambda: len(grid.images) == 12, 90)
        grid.resize(*SIZE)
        grid.move(0, 0)
        grid.raise_()
        grid.activateWindow()
        pump(1.5)
        grab_screen("grid-4x3.png")
        grid.save_contact_sheet()
        provider = win.services.history_store
        store = provider() if provider is not None else None
        assert store is not None
        wait_until(lambda: store.contact_sheet_of(grid.grid.batch_id) is not None)
        sheet = store.get(store.contact_sheet_of(grid.grid.batch_id) or "")
        assert sheet is not None
        shutil.copyfile(store.layout.absolute(sheet.images[0].path),
                        HERE / "grid-contact-sheet.png")
        wrote("grid-contact-sheet.png")
        grid.hide()
        win.tabs.setCurrentIndex(1)
        wait_until(lambda: win.history.browser is not None)
        browser = win.history.browser
        assert browser is not None
        browser.search.group.setChecked(True)
        wait_until(lambda: browser.model.rowCount() == 2)  # the sheet and the grouped batch
        win.raise_()
        win.activateWindow()
        browser.select_job(browser.model.job_id(1) or "")
        pump(2.0)
        grab_screen("history-grouped-batch.png")
    return 0


if __name__ == "__main__":
    sys.exit(main())
