"""The jobs panel's painting and layout stay off Python and off the rest of the window.

While jobs finish, the engine's threads hold the GIL often. Every call from Qt into Python on
the GUI thread waits for it, so a list that painted each row through Python stalled the window
once per row (docs/performance.md, throughput). These tests pin the two fixes down.
"""

from __future__ import annotations

import sys
import types
from typing import Any

from PySide6.QtCore import QEvent, QModelIndex, QObject, QPersistentModelIndex
from PySide6.QtGui import QColor, QImage, QPainter
from PySide6.QtWidgets import QApplication, QStyledItemDelegate, QStyleOptionViewItem
from pytestqt.qtbot import QtBot

from qwenimg_desktop.core.jobs import events as ev
from qwenimg_desktop.core.jobs.model import JobState
from qwenimg_desktop.core.params import GenerationRequest
from qwenimg_desktop.core.pricing import PriceBook
from qwenimg_desktop.ui.create.jobs_model import (
    JOB_ROLE,
    STATE_COLOURS,
    TILE_ROLE,
    JobsModel,
    state_icon,
)
from qwenimg_desktop.ui.create.jobs_view import JobsPanel
from qwenimg_desktop.ui.main_window import MainWindow


def _python_calls_during(action: Any) -> list[str]:
    """Python functions entered (on this thread) while ``action`` runs, other than itself."""
    calls: list[str] = []

    def profiler(frame: types.FrameType, event: str, _arg: object) -> None:
        if event == "call":
            calls.append(f"{frame.f_code.co_filename}:{frame.f_code.co_name}")

    sys.setprofile(profiler)
    try:
        action()
    finally:
        sys.setprofile(None)
    return [c for c in calls if not c.endswith(":<lambda>")]


def _filled_panel(qtbot: QtBot, jobs: int = 12) -> JobsPanel:
    model = JobsModel()
    panel = JobsPanel(model)
    qtbot.addWidget(panel)
    panel.resize(360, 600)
    panel.splitter.setSizes([560, 40])  # rows are three lines: the failed one stays in view
    for n in range(jobs):
        job_id = f"job-{n}"
        model.add_job(job_id, GenerationRequest(prompt=f"## Prompt {n}\nbody"))
        model.apply(ev.Running(job_id, (f"step {n}",)))
    model.apply(ev.Failed("job-3", "the key was rejected", "AuthError"))
    model.apply(ev.Completed("job-5", 7, ()))
    panel.show()
    qtbot.waitExposed(panel)
    return panel


def _has_colour(image: QImage, colour: str, columns: int = 24) -> bool:
    """True when a pixel in the left ``columns`` (where the state dots are) is ``colour``."""
    want = QColor(colour)
    return any(
        image.pixelColor(x, y) == want
        for y in range(image.height()) for x in range(min(columns, image.width()))
    )


def test_painting_the_jobs_list_calls_no_python(qtbot: QtBot) -> None:
    panel = _filled_panel(qtbot)
    view = panel.view
    # Qt's own painting: the delegate may size rows in Python (asked once), never paint them
    assert type(view.itemDelegate()).paint is QStyledItemDelegate.paint
    view.doItemsLayout()
    view.viewport().grab()  # the first paint may look up overrides once per object
    grabs: list[QImage] = []
    calls = _python_calls_during(lambda: grabs.append(view.viewport().grab().toImage()))
    assert calls == []
    # It did paint the rows: the failed job's dot and a running job's dot are there.
    assert _has_colour(grabs[0], STATE_COLOURS["failed"])
    assert _has_colour(grabs[0], STATE_COLOURS["running"])


def test_long_rows_are_elided_to_the_list_width(qtbot: QtBot) -> None:
    """A row wider than the list is cut with "…" at the list's edge: no sideways scroll bar
    that hides the state line's end (rows used to be laid out at their text's width)."""
    model = JobsModel()
    panel = JobsPanel(model)
    qtbot.addWidget(panel)
    model.add_job("long", GenerationRequest(prompt="## " + "a very long title " * 8))
    model.add_job("short", GenerationRequest(prompt="short"))
    panel.resize(300, 600)
    panel.show()
    qtbot.waitExposed(panel)
    panel.view.doItemsLayout()
    qtbot.wait(50)
    width = panel.view.viewport().width()
    assert panel.view.horizontalScrollBar().maximum() == 0
    for row in range(panel.model.rowCount()):
        assert panel.view.visualRect(panel.model.index(row, 0)).right() < width


def test_the_paint_check_sees_a_python_delegate(qtbot: QtBot) -> None:
    """The check above can fail: a delegate that paints in Python is caught."""

    class PythonDelegate(QStyledItemDelegate):
        def paint(self, painter: QPainter, option: QStyleOptionViewItem,
                  index: QModelIndex | QPersistentModelIndex) -> None:
            super().paint(painter, option, index)

    panel = _filled_panel(qtbot)
    panel.view.setItemDelegate(PythonDelegate(panel.view))
    panel.view.doItemsLayout()
    calls = _python_calls_during(lambda: panel.view.viewport().grab())
    assert any(call.endswith(":paint") for call in calls)


def test_rows_show_title_state_line_and_state_colour(qtbot: QtBot) -> None:
    panel = _filled_panel(qtbot, jobs=6)
    model = panel.model
    failed = model.index_of("job-3")
    title, status, state = failed.data(TILE_ROLE)
    assert (title, state) == ("Prompt 3", "failed")
    assert "Failed" in status
    facts = model.row("job-3").facts()  # type: ignore[union-attr]
    assert failed.data() == f"{title}\n{facts}\n{status}"  # three lines, painted by Qt
    assert failed.data(JOB_ROLE) == "job-3"
    assert failed.data(0x1).cacheKey() == state_icon(JobState.failed).cacheKey()  # Decoration
    running = model.index_of("job-4")
    assert "step 4" in running.data()
    assert state_icon(JobState.running).cacheKey() != state_icon(JobState.failed).cacheKey()


class _LayoutRequests(QObject):
    def __init__(self) -> None:
        super().__init__()
        self.count = 0

    def eventFilter(self, _watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.LayoutRequest:
            self.count += 1
        return False


def test_a_growing_job_count_never_lays_out_the_window_again(
    window: MainWindow, qtbot: QtBot
) -> None:
    qtbot.waitExposed(window)
    qtbot.wait(500)  # start-up's own layout passes (history tab, key check) come first
    label = window.jobs.count_label
    size = label.size()
    watcher = _LayoutRequests()
    window.installEventFilter(watcher)
    try:
        for n in range(120):  # "1 job, 1 active" … "120 jobs, 120 active"
            window.jobs_model.add_job(f"job-{n}", GenerationRequest(prompt=f"job {n}"))
            QApplication.processEvents()
    finally:
        window.removeEventFilter(watcher)
    assert label.text() == "120 jobs, 120 active"
    assert label.size() == size
    assert label.width() >= label.fontMetrics().horizontalAdvance(label.text())  # not clipped
    assert watcher.count == 0


def test_rows_tell_jobs_apart_and_clear_finished_keeps_the_rest(qtbot: QtBot) -> None:
    """Six jobs with the same heading differ by time, seed, size, endpoint and cost; "Clear
    finished" takes the finished ones off the list, leaving running and selected jobs."""
    model = JobsModel()
    panel = JobsPanel(model)
    qtbot.addWidget(panel)
    same = "## Scene 景\nbody"
    model.add_job("a", GenerationRequest(prompt=same, seed=42, num_images=2))
    model.add_job("b", GenerationRequest(prompt=same, seed=7))
    model.add_job("c", GenerationRequest(prompt=same))
    facts = model.row("a").facts(PriceBook(lambda: 0.075))  # type: ignore[union-attr]
    assert "seed 42" in facts
    assert "×" in facts
    assert "2 images" in facts
    assert "$0.15" in facts
    assert "seed 42" in str(model.index_of("a").data())
    assert "$" not in model.row("a").facts()  # type: ignore[union-attr]  # demo: no prices
    unpriced = model.row("a").facts(PriceBook(lambda: None))  # type: ignore[union-attr]
    assert "cost unknown" in unpriced  # no price read and none of the user's: never $0
    assert "$" not in unpriced
    model.apply(ev.Completed("a", 42))
    model.apply(ev.Failed("b", "boom", "ServerError"))
    model.apply(ev.Running("c", ()))
    panel.select_job("b")
    assert panel.clear_button.isEnabled()
    assert panel.clear_finished() == 1
    assert model.row("a") is None
    assert model.row("b") is not None  # selected: stays
    assert model.row("c") is not None  # running: stays
    assert model.rowCount() == 2
    assert not panel.clear_button.isEnabled()


def test_a_batch_of_rows_is_one_insertion_in_the_order_of_single_adds(qtbot: QtBot) -> None:
    """A 1,000-job batch used to be 1,000 insertions (each telling the view and the panel)."""
    model = JobsModel()
    panel = JobsPanel(model)
    qtbot.addWidget(panel)
    inserted: list[tuple[int, int]] = []
    model.rowsInserted.connect(lambda _parent, first, last: inserted.append((first, last)))
    request = GenerationRequest(prompt="# A kite\nover the sea")
    model.add_job("early", request)
    ids = [f"job-{i}" for i in range(1000)]
    rows = model.add_jobs([(job_id, request) for job_id in [*ids, "early"]])
    assert inserted == [(0, 0), (0, 999)]  # one insertion for the thousand new rows
    assert [row.job_id for row in rows] == [*ids, "early"]  # the existing row is returned
    shown = [model.row_at(i) for i in (0, 1, 2, 1000)]
    assert [row.job_id if row else None for row in shown] == [
        "job-999", "job-998", "job-997", "early"]
    assert rows[0].title == "A kite"
    assert model.rowCount() == 1001


def test_a_batch_sent_in_its_turn_moves_no_row_and_a_reorder_is_one_sort(qtbot: QtBot) -> None:
    """1,000 waiting rows: the next to be sent is the lowest waiting row, next to the newest
    sent one, so sending it in turn re-lays nothing out; moving one job is one sort by Qt."""
    model = JobsModel()
    panel = JobsPanel(model)
    qtbot.addWidget(panel)
    panel.show()
    ids = [f"{n:032x}" for n in range(1000)]
    model.add_jobs([(job_id, GenerationRequest(prompt="a kite")) for job_id in ids])
    layouts: list[int] = []
    model.layoutChanged.connect(lambda *_: layouts.append(1))
    panel.select_job(ids[10])
    for job_id in ids[:50]:  # sent in their turn
        model.apply(ev.StateChanged(job_id, JobState.sending))
        QApplication.processEvents()
    assert layouts == []
    assert model.row_at(949) is model.row(ids[50])  # the next one, lowest of the waiting
    assert model.row_at(950) is model.row(ids[49])  # the newest sent, just below
    assert panel.current_job() == ids[10]
    model.apply(ev.StateChanged(ids[700], JobState.sending))  # out of turn: one sort
    QApplication.processEvents()
    assert len(layouts) == 1
    assert model.row_at(949) is model.row(ids[700])
    assert model.move_waiting(ids[999], 0) == ("", ids[50])  # sent next: one sort
    assert len(layouts) == 2
    assert model.row_at(948) is model.row(ids[999])
    assert panel.current_job() == ids[10]  # the selection never moved off its job
