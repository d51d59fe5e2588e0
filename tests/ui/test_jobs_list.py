"""The Create tab's jobs list as people read it: a picture per row, the session's jobs back
after a restart, the waiting queue in order (drag, "Send next"), Esc where it belongs.

Real widgets, the real engine process against the emulator over loopback, real SQLite files.
"""

from __future__ import annotations

from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent, QIcon
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from qwenimg_desktop.core.jobs import events as ev
from qwenimg_desktop.core.jobs.model import JobState
from qwenimg_desktop.emulator.server import EmulatorServer
from qwenimg_desktop.ui.create.jobs_model import THUMB_PX, state_icon
from qwenimg_desktop.ui.main_window import MainWindow
from tests.ui.conftest import RuntimeFactory, ready_window, type_prompt, wait_state


def _decoration(window: MainWindow, job_id: str) -> QIcon:
    icon = window.jobs_model.index_of(job_id).data(Qt.ItemDataRole.DecorationRole)
    assert isinstance(icon, QIcon)
    return icon


def test_a_finished_job_row_shows_its_first_image_decoded_by_the_shared_loader(
    window: MainWindow, qtbot: QtBot
) -> None:
    type_prompt(qtbot, window, "a red kite over the sea")
    job_id = window.generate()
    assert job_id is not None
    # Before it completes the row shows the state's placeholder.
    assert _decoration(window, job_id).cacheKey() != 0
    row = wait_state(qtbot, window, job_id, JobState.completed)
    placeholder = state_icon(JobState.completed).cacheKey()
    qtbot.waitUntil(lambda: _decoration(window, job_id).cacheKey() != placeholder, timeout=10_000)
    picture = _decoration(window, job_id).pixmap(THUMB_PX, THUMB_PX).toImage()
    assert picture.width() == THUMB_PX
    # The picture is the image, not the flat placeholder: more than a handful of colours.
    colours = {picture.pixel(x, y) for x in range(0, THUMB_PX, 4) for y in range(0, THUMB_PX, 4)}
    assert len(colours) > 4
    # One cache for the window: the History tab's gallery uses the very same loader, which
    # holds the job's thumbnail under the key its tile uses.
    layout = window._data_layout()
    assert layout is not None
    key = layout.relative(layout.thumb_path(job_id, 0))
    assert window.history.thumbnails.pixmap(key, ()) is not None
    window.tabs.setCurrentIndex(1)
    qtbot.waitUntil(lambda: window.history.browser is not None, timeout=5000)
    assert window.history.browser is not None
    assert window.history.browser.thumbnails is window.history.thumbnails
    assert row.image_paths


def test_a_failed_row_keeps_the_placeholder(
    runtime_factory: RuntimeFactory, emulator_factory: object, qtbot: QtBot
) -> None:
    strict: EmulatorServer = emulator_factory(  # type: ignore[operator]
        None, valid_keys={"right-id:right-secret"})
    window = ready_window(runtime_factory(strict), qtbot)
    type_prompt(qtbot, window, "a kite")
    job_id = window.generate()
    assert job_id is not None
    qtbot.waitUntil(lambda: (r := window.jobs_model.row(job_id)) is not None
                    and r.state.is_final, timeout=20_000)
    window.jobs.want_shown_thumbnails()
    qtbot.wait(200)
    row = window.jobs_model.row(job_id)
    assert row is not None
    assert _decoration(window, job_id).cacheKey() == state_icon(row.state).cacheKey()


def _queue(qtbot: QtBot, window: MainWindow, count: int) -> list[str]:
    """``count`` jobs held in the engine's paused queue, in the order they were sent."""
    window.acts.pause_sending.trigger()
    ids = []
    for n in range(count):
        type_prompt(qtbot, window, f"queued kite {n}")
        job_id = window.generate()
        assert job_id is not None
        ids.append(job_id)
        window.editor.editor.clear()
    qtbot.waitUntil(lambda: not window._unrecorded, timeout=10_000)
    return ids


def _shown(window: MainWindow) -> list[str]:
    model = window.jobs_model
    return [row.job_id for i in range(model.rowCount()) if (row := model.row_at(i))]


def _drop(window: MainWindow, job_id: str, onto: str, *, below: bool) -> None:
    """Drop ``job_id`` (being dragged) on the upper or lower half of ``onto``'s row."""
    view = window.jobs.view
    window.jobs.select_job(job_id)
    model = window.jobs_model
    mime = model.mimeData([model.index_of(job_id)])
    rect = view.visualRect(model.index_of(onto))
    point = QPoint(rect.center().x(), rect.bottom() - 2 if below else rect.top() + 2)
    buttons, keys = Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    # As a drag does: enter (Qt then sends the move and the drop to the view that took it).
    QApplication.sendEvent(view.viewport(), QDragEnterEvent(
        point, Qt.DropAction.MoveAction, mime, buttons, keys))
    QApplication.sendEvent(view.viewport(), QDragMoveEvent(
        point, Qt.DropAction.MoveAction, mime, buttons, keys))
    QApplication.sendEvent(view.viewport(), QDropEvent(
        QPointF(point), Qt.DropAction.MoveAction, mime, buttons, keys))


def test_waiting_jobs_head_the_list_in_send_order_and_reorder_by_drag_and_send_next(
    window: MainWindow, qtbot: QtBot
) -> None:
    sent: list[str] = []
    window.services.bridge.job_event.connect(
        lambda e: sent.append(e.job_id)
        if isinstance(e, ev.StateChanged) and e.state is JobState.sending else None)
    ids = _queue(qtbot, window, 4)
    assert _shown(window) == ids  # the next to be sent on top
    assert window.run_next(ids[3])
    assert _shown(window) == [ids[3], ids[0], ids[1], ids[2]]  # visibly moved at once
    _drop(window, ids[0], ids[2], below=True)  # dragged to the end of the queue
    assert _shown(window) == [ids[3], ids[1], ids[2], ids[0]]
    assert window.jobs.current_job() == ids[0]  # the dragged row stays selected
    _drop(window, ids[2], ids[3], below=False)  # dragged to the head
    assert _shown(window) == [ids[2], ids[3], ids[1], ids[0]]
    qtbot.wait(300)  # the engine has the new order before sending resumes
    window.acts.pause_sending.trigger()
    for job_id in ids:
        wait_state(qtbot, window, job_id, JobState.completed, timeout=30_000)
    assert sent == [ids[2], ids[3], ids[1], ids[0]]
    # Sent jobs go below the queue, the most recently sent on top.
    assert _shown(window) == [ids[0], ids[1], ids[3], ids[2]]


def test_a_finished_job_cannot_be_dropped_into_the_queue(
    window: MainWindow, qtbot: QtBot
) -> None:
    type_prompt(qtbot, window, "a kite that finishes")
    done = window.generate()
    assert done is not None
    wait_state(qtbot, window, done, JobState.completed)
    window.editor.editor.clear()
    ids = _queue(qtbot, window, 2)
    _drop(window, done, ids[0], below=False)
    assert _shown(window) == [*ids, done]
    assert not window.run_next(done)
