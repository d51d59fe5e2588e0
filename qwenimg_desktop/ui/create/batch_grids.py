"""The window's batch grids: kept when a batch is sent, shown when it finishes, re-run on ask.

When the batch panel's plan is handed to the engine, its grid (``core.batch.grid``) is kept in
the history beside the batch (off the GUI thread). When every job of a batch sent from this
window has ended, its grid window opens by itself (up to :data:`AUTO_OPEN_CELLS` cells; a
larger grid waits to be asked for: Jobs → Show the batch's grid, or History's menu). Open grid
windows fill in as their jobs end. "Re-run" builds the same plan from the stored requests and
asks at its total, through the batch panel's question and the window's one budget check.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Final

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QMessageBox

from qwenimg_desktop.core.batch.grid import Grid, grid_for, replan
from qwenimg_desktop.core.batch.plan import BatchPlan
from qwenimg_desktop.core.errors import QwenImgError
from qwenimg_desktop.ui.i18n import translate

if TYPE_CHECKING:
    from qwenimg_desktop.core.store.history import HistoryStore
    from qwenimg_desktop.ui.create.grid_view import GridWindow
    from qwenimg_desktop.ui.main_window import MainWindow

log = logging.getLogger("qwenimg.ui.grid")

AUTO_OPEN_CELLS: Final = 100


class BatchGrids(QObject):
    """Grid windows of the main window, by batch id."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.windows: dict[str, GridWindow] = {}
        self._waiting: dict[str, set[str]] = {}  # batch id -> its jobs not ended yet
        self._batch_of: dict[str, str] = {}

    def _store(self) -> HistoryStore | None:
        provider = self.window.services.history_store
        try:
            return provider() if provider is not None else None
        except QwenImgError:
            return None

    def sent(self, plan: BatchPlan, batch_id: str, job_ids: list[str]) -> Grid:
        """A plan was handed over as ``batch_id``: keep its grid, open it when it ends."""
        grid = grid_for(plan, batch_id, job_ids)
        store = self._store()
        if store is not None:
            self.window.services.workers.run(
                lambda: store.save_grid(grid), None,
                lambda exc: log.warning("the grid of batch %s was not kept: %s", batch_id, exc))
        if len(job_ids) <= AUTO_OPEN_CELLS:
            self._waiting[batch_id] = set(job_ids)
            self._batch_of.update(dict.fromkeys(job_ids, batch_id))
        return grid

    def job_finished(self, job_id: str) -> None:
        for grid_window in self.windows.values():
            grid_window.job_finished(job_id)
        batch_id = self._batch_of.pop(job_id, None)
        waiting = self._waiting.get(batch_id) if batch_id is not None else None
        if batch_id is None or waiting is None:
            return
        waiting.discard(job_id)
        if not waiting:
            del self._waiting[batch_id]
            self.show(batch_id)

    def show_for_job(self, job_id: str) -> GridWindow | None:
        """The grid of the batch ``job_id`` belongs to (None, with why, if none)."""
        store = self._store()
        try:
            batch_id = store.batch_of(job_id) if store is not None and job_id else None
        except QwenImgError as exc:
            self.window.messenger.error(translate(
                "MainWindow", "Could not read the batch: {reason}").format(reason=exc.message))
            return None
        if batch_id is None:
            self.window.messenger.warning(translate(
                "MainWindow", "The selected job is not part of a batch."))
            return None
        return self.show(batch_id)

    def show(self, batch_id: str) -> GridWindow | None:
        """Open (or raise) the grid window of ``batch_id``."""
        existing = self.windows.get(batch_id)
        if existing is not None:
            existing.refresh()
            existing.show()
            existing.raise_()
            return existing
        store = self._store()
        if store is None:
            self.window.messenger.info(translate(
                "MainWindow", "The history is still opening: try again in a moment."))
            return None
        try:
            grid = store.grid(batch_id)
            label = store.batch(batch_id).label
        except QwenImgError as exc:
            self.window.messenger.error(translate(
                "GridWindow", "Could not open the batch's grid: {reason}").format(
                reason=exc.message))
            return None
        # Loaded when a grid first opens: none is on screen when the main window first paints.
        from qwenimg_desktop.ui.create.grid_view import GridWindow  # noqa: PLC0415

        grid_window = GridWindow(grid, store, self.window.services.workers,
                                 title=label or translate("GridWindow", "Batch {id}").format(
                                     id=batch_id[:8]), parent=self.window)
        grid_window.open_job.connect(self.open_generation)
        grid_window.sheet_saved.connect(self.window.history.job_finished)
        grid_window.rerun_requested.connect(self.rerun)
        grid_window.message.connect(self.window.messenger.info)
        grid_window.destroyed.connect(lambda _o=None, b=batch_id: self.windows.pop(b, None))
        self.windows[batch_id] = grid_window
        grid_window.show()
        return grid_window

    def open_generation(self, job_id: str) -> None:
        """A grid cell: the generation in History (selected, or shown when filtered out)."""
        self.window.tabs.setCurrentIndex(1)
        browser = self.window.history.browser
        if browser is not None:
            browser.open_lineage(job_id)
            self.window.raise_()
            self.window.activateWindow()

    def rerun(self, batch_id: str) -> QMessageBox | None:
        """The batch's plan again (stored requests, same seeds), asked at its total."""
        store = self._store()
        if store is None:
            self.window.messenger.info(translate(
                "MainWindow", "The history is still opening: try again in a moment."))
            return None
        try:
            grid = store.grid(batch_id)
            plan = replan(grid, store.batch_requests(grid.job_ids))
        except QwenImgError as exc:
            self.window.messenger.error(translate(
                "GridWindow", "Could not re-run the batch: {reason}").format(reason=exc.message))
            return None
        return self.window.batch.confirm_plan(plan)

    def close_all(self) -> None:
        for grid_window in list(self.windows.values()):
            grid_window.close()
            grid_window.deleteLater()
        self.windows.clear()
