"""The batch grid in the real window against the emulator: a 4×3 grid sent as one batch opens
labelled when its jobs end, a cell opens its generation in History, the contact sheet is kept
as its own gallery item, the gallery groups the batch and opens it, a batch is exported and
re-run (asked at its total, held by the budget), and the wildcard lists are edited in the app."""

from __future__ import annotations

import zipfile
from pathlib import Path

from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QColor, QImage, QPainter, QTextCursor
from PySide6.QtWidgets import QLabel, QMessageBox, QToolButton
from pytestqt.qtbot import QtBot

from qwenimg_desktop.core.batch.grid import grid_for
from qwenimg_desktop.core.batch.plan import parse_axis, plan_batch
from qwenimg_desktop.core.jobs.model import JobState
from qwenimg_desktop.core.params import GenerationRequest
from qwenimg_desktop.core.store.grids import CONTACT_SHEET_ENDPOINT
from qwenimg_desktop.core.store.history import HistoryStore
from qwenimg_desktop.emulator.server import EmulatorServer
from qwenimg_desktop.ui.create.contact_sheet import label_font
from qwenimg_desktop.ui.create.grid_view import GridWindow
from qwenimg_desktop.ui.history.view import HistoryBrowser
from qwenimg_desktop.ui.main_window import MainWindow
from qwenimg_desktop.ui.workers import Workers
from tests.ui.conftest import type_prompt, wait_state

AXES = "seed=1-4; size=square_hd,landscape_4_3,portrait_4_3"


def _send_grid(qtbot: QtBot, window: MainWindow, prompt: str = "一只猫 a cat") -> list[str]:
    qtbot.waitUntil(lambda: window._data_layout() is not None, timeout=30_000)
    type_prompt(qtbot, window, prompt)
    window.batch.axes.setText(AXES)
    window.batch.refresh()
    assert window.batch.summary.text().startswith("12 job(s)")
    box = window.batch.confirm()
    assert box is not None
    box.button(QMessageBox.StandardButton.Yes).click()
    qtbot.waitUntil(lambda: window.jobs_model.rowCount() == 12, timeout=5000)
    ids = [window.jobs_model.row_at(i).job_id for i in range(12)]  # type: ignore[union-attr]
    for job_id in ids:
        wait_state(qtbot, window, job_id, JobState.completed, timeout=60_000)
    return ids


def _grid_window(qtbot: QtBot, window: MainWindow) -> GridWindow:
    qtbot.waitUntil(lambda: len(window.grids.windows) == 1, timeout=10_000)
    grid_window = next(iter(window.grids.windows.values()))
    qtbot.waitUntil(lambda: len(grid_window.images) == 12, timeout=10_000)
    return grid_window


def _browser(qtbot: QtBot, window: MainWindow) -> HistoryBrowser:
    window.tabs.setCurrentIndex(1)
    qtbot.waitUntil(lambda: window.history.browser is not None, timeout=10_000)
    browser = window.history.browser
    assert browser is not None
    return browser


def test_a_four_by_three_grid_opens_labelled_and_its_cells_open_their_generations(
    window: MainWindow, emulator: EmulatorServer, qtbot: QtBot
) -> None:
    ids = _send_grid(qtbot, window)
    grid_window = _grid_window(qtbot, window)
    columns = [w.text() for w in grid_window.findChildren(QLabel, "gridColumnHeader")]
    rows = [w.text() for w in grid_window.findChildren(QLabel, "gridRowHeader")]
    assert columns == ["seed 1", "seed 2", "seed 3", "seed 4"]
    assert rows == ["square_hd", "landscape_4_3", "portrait_4_3"]
    cells = grid_window.findChildren(QToolButton, "gridCell")
    assert len(cells) == 12
    assert all(not c.icon().isNull() for c in cells)
    assert grid_window.progress.text() == "12/12 done"
    assert emulator.stats()["submits_total"] == 12

    assert sorted(grid_window.grid.job_ids) == sorted(ids)
    picked = grid_window.grid.job_ids[5]  # plan order: seed 2, portrait_4_3
    target = grid_window.cells[picked]
    assert target.accessibleName() == "seed 2 portrait_4_3"
    qtbot.mouseClick(target, Qt.MouseButton.LeftButton)
    browser = _browser(qtbot, window)
    qtbot.waitUntil(lambda: browser.detail.record is not None
                    and browser.detail.record.id == picked, timeout=10_000)
    assert window.tabs.currentIndex() == 1

    grid_window.save_contact_sheet()
    qtbot.waitUntil(grid_window.sheet_button.isEnabled, timeout=10_000)
    store = window.services.history_store() if window.services.history_store else None
    assert store is not None
    sheet_id = store.contact_sheet_of(grid_window.grid.batch_id)
    assert sheet_id is not None
    record = store.get(sheet_id)
    assert record is not None
    assert record.endpoint == CONTACT_SHEET_ENDPOINT
    sheet = QImage(str(store.layout.absolute(record.images[0].path)))
    assert sheet.width() > 4 * 256
    assert sheet.height() > 3 * 256
    qtbot.waitUntil(lambda: browser.model.row_of(sheet_id) is not None, timeout=10_000)
    assert browser.select_job(sheet_id)
    menu = {a.text(): a for a in browser.build_menu().actions()}
    assert "Re-run the batch…" not in menu  # a sheet is not a batch member
    with qtbot.waitSignal(browser.grid_requested, timeout=2000) as asked:
        menu["Open the batch's grid"].trigger()
    assert asked.args == [grid_window.grid.batch_id]
    row = browser.model.row_of(sheet_id)
    assert row is not None
    with qtbot.waitSignal(browser.grid_requested, timeout=2000) as opened:
        browser._double_clicked(browser.model.index(row))  # a sheet opens its grid, runs nothing
    assert opened.args == [grid_window.grid.batch_id]
    assert emulator.stats()["submits_total"] == 12


def _ink(text: str) -> QImage:
    image = QImage(64, 40, QImage.Format.Format_RGB32)
    image.fill(QColor(255, 255, 255))
    painter = QPainter(image)
    painter.setFont(label_font(28))
    painter.setPen(QColor(0, 0, 0))
    painter.drawText(QRect(0, 0, 64, 40), Qt.AlignmentFlag.AlignCenter, text)
    painter.end()
    return image


def test_the_sheet_font_draws_chinese_glyphs_not_boxes(qapp: object) -> None:
    """Two different characters drawn alike would be the same missing-glyph box."""
    cat, dog = _ink("猫"), _ink("狗")
    assert cat != dog
    assert cat != _ink("")


def test_the_gallery_groups_opens_exports_and_reruns_a_batch(
    window: MainWindow, emulator: EmulatorServer, qtbot: QtBot, tmp_path: Path
) -> None:
    ids = _send_grid(qtbot, window, "分组 grouped")
    qtbot.waitUntil(lambda: len(window.grids.windows) == 1, timeout=10_000)
    batch_id = next(iter(window.grids.windows))
    browser = _browser(qtbot, window)
    qtbot.waitUntil(lambda: browser.model.rowCount() == 12, timeout=10_000)
    browser.search.group.setChecked(True)
    qtbot.waitUntil(lambda: browser.model.rowCount() == 1, timeout=10_000)
    tile = browser.model.batch_tile(0)
    assert tile is not None
    assert (tile.batch_id, tile.size) == (batch_id, 12)
    assert len(tile.tile_paths) == 4

    browser._double_clicked(browser.model.index(0))  # a grouped tile opens into its jobs
    qtbot.waitUntil(lambda: browser.model.rowCount() == 12, timeout=10_000)
    assert browser.search.batch == batch_id
    assert browser.search.batch_chip.isVisible()
    assert browser.model.batch_tile(0) is None
    browser.select_job(ids[0])
    labels = [a.text() for a in browser.build_menu().actions()]
    assert {"Open the batch's grid", "Export the batch to zip…", "Re-run the batch…"} <= set(
        labels)

    with qtbot.waitSignal(browser.curator.exported, timeout=20_000):
        browser.curator.export_batch(batch_id, tmp_path / "batch.zip", as_zip=True)
    with zipfile.ZipFile(tmp_path / "batch.zip") as archive:
        assert sum(1 for n in archive.namelist() if n.endswith(".png")) == 12

    # re-run over the daily cap: asked at its total, then held whole by the engine (the caps
    # hold in the queue, they do not ask); nothing is sent until the user allows it once
    window.services.settings.daily_cap_usd = 0.5
    window._settings_changed()  # what the settings dialog does: the engine learns the cap
    box = window.grids.rerun(batch_id)
    assert box is not None
    assert "Send 12 job(s), 12 image(s), about $0.90?" in box.text()
    box.button(QMessageBox.StandardButton.Yes).click()
    qtbot.waitUntil(lambda: window.jobs_model.rowCount() == 24, timeout=5000)
    held = [row for i in range(24) if (row := window.jobs_model.row_at(i)) is not None
            and row.job_id not in ids]
    qtbot.waitUntil(lambda: all(row.held for row in held), timeout=10_000)
    assert "daily" in held[0].held
    qtbot.wait(300)
    assert emulator.stats()["submits_total"] == 12
    assert window.allow_once(held[0].job_id)  # the whole batch: its cap was judged on the total
    every = {row.job_id for i in range(24) if (row := window.jobs_model.row_at(i)) is not None}
    new_ids = sorted(every - set(ids))
    for job_id in new_ids:
        wait_state(qtbot, window, job_id, JobState.completed, timeout=60_000)
    store = window.services.history_store() if window.services.history_store else None
    assert store is not None
    new_batch = store.batch_of(new_ids[0])
    assert new_batch is not None
    assert new_batch != batch_id
    qtbot.waitUntil(lambda: store.grid(new_batch).axes == store.grid(batch_id).axes,
                    timeout=5000)
    old_ids, again_ids = store.batch(batch_id).job_ids, store.batch(new_batch).job_ids
    old, new = store.batch_requests(old_ids), store.batch_requests(again_ids)
    assert [new[j] for j in again_ids] == [old[j] for j in old_ids]  # same plan, seeds, order
    assert emulator.stats()["submits_total"] == 24


def test_wildcard_lists_are_edited_in_the_app_and_the_panel_recounts(
    window: MainWindow, emulator: EmulatorServer, qtbot: QtBot
) -> None:
    qtbot.waitUntil(lambda: window._data_layout() is not None, timeout=30_000)
    type_prompt(qtbot, window, "一只__颜色__的猫")
    panel = window.batch
    panel.mode.setCurrentIndex(1)
    panel.refresh()
    assert "wildcards/颜色.txt" in panel.summary.text()
    dialog = panel.edit_wildcards()
    assert dialog is not None
    assert dialog.new_list("颜色")
    assert dialog.current == "颜色"
    dialog.editor.setPlainText("红色\n蓝色\n")
    assert dialog.save()
    qtbot.waitUntil(lambda: panel.summary.text().startswith("2 job(s)"), timeout=3000)
    assert panel.sample.text().startswith("• 一只红色的猫\n• 一只蓝色的猫")
    assert not dialog.new_list("颜色")  # taken: said, nothing clobbered
    assert "exists already" in dialog.status.text()
    assert not dialog.rename("bad name")
    assert "cannot be a wildcard name" in dialog.status.text()
    assert dialog.rename("colours")
    dialog.editor.moveCursor(QTextCursor.MoveOperation.End)
    dialog.editor.insertPlainText("绿色\n")  # typed, not saved
    dialog.reject()  # closing keeps what was typed
    assert not dialog.isVisible()
    layout = window._data_layout()
    assert layout is not None
    saved = layout.root / "wildcards" / "colours.txt"
    assert saved.read_text(encoding="utf-8") == "红色\n蓝色\n绿色\n"
    qtbot.waitUntil(lambda: "wildcards/颜色.txt" in panel.summary.text(), timeout=3000)
    assert dialog.delete()
    assert dialog.names.count() == 0
    assert not dialog.save_button.isEnabled()
    assert emulator.stats()["submits_total"] == 0


def test_a_third_axis_makes_pages_and_missing_cells_say_why(
    qtbot: QtBot, history_store: HistoryStore
) -> None:
    """Three axes: X columns, Y rows, Z a page chooser; a cell whose generation is gone says
    so in the window and on the sheet (a real store, nothing in it)."""
    plan = plan_batch(GenerationRequest(prompt="一只猫", seed=1),
                      axes=[parse_axis("seed=1-2"), parse_axis("format=png,webp"),
                            parse_axis("expansion=on,off")])
    ids = [f"{i:032x}" for i in range(8)]
    workers = Workers("grid-test", threads=1)
    grid_window = GridWindow(grid_for(plan, "a" * 32, ids), history_store, workers,
                             title="三轴 three axes")
    qtbot.addWidget(grid_window)
    assert [grid_window.page.itemText(i) for i in range(grid_window.page.count())] == [
        "Z: on", "Z: off"]
    assert not grid_window.page.isHidden()
    first = set(grid_window.cells)
    grid_window.page.setCurrentIndex(1)
    assert set(grid_window.cells).isdisjoint(first)
    assert len(grid_window.cells) == 4
    cell = grid_window.grid.cell_at("off", "webp", "seed 2")
    assert cell is not None
    assert cell.job_id == ids[7]
    assert grid_window.cells[ids[7]].text() == "deleted"
    sheet = grid_window.contact_sheet()
    assert sheet.width() > 2 * 256
    assert sheet.height() > 2 * 2 * 256  # both pages, one under the other
    workers.shutdown()
