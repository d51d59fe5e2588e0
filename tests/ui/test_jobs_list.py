"""The Create tab's jobs list as people read it: a picture per row, the session's jobs back
after a restart, the waiting queue in order (drag, "Send next"), Esc where it belongs.

Real widgets, the real engine process against the emulator over loopback, real SQLite files.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent, QIcon
from PySide6.QtWidgets import QAbstractButton, QApplication, QWidget
from pytestqt.qtbot import QtBot

from qwenimg_desktop.app.runtime import AppRuntime
from qwenimg_desktop.core.jobs import events as ev
from qwenimg_desktop.core.jobs.lease import EngineLease
from qwenimg_desktop.core.jobs.model import JobState
from qwenimg_desktop.core.params import GenerationRequest
from qwenimg_desktop.core.store.files import DataLayout
from qwenimg_desktop.core.store.history import HistoryStore
from qwenimg_desktop.emulator.server import EmulatorServer
from qwenimg_desktop.ui.create.jobs_model import THUMB_PX, state_icon
from qwenimg_desktop.ui.main_window import MainWindow
from tests.endpoints.images import image_file
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


def test_the_waiting_queue_reorders_by_drag_and_send_next_and_the_engine_follows(
    window: MainWindow, qtbot: QtBot
) -> None:
    sent: list[str] = []
    window.services.bridge.job_event.connect(
        lambda e: sent.append(e.job_id)
        if isinstance(e, ev.StateChanged) and e.state is JobState.sending else None)
    ids = _queue(qtbot, window, 4)
    # Newest on top: the next to be sent is the lowest waiting row.
    assert _shown(window) == ids[::-1]
    assert window.run_next(ids[3])
    assert _shown(window) == [ids[2], ids[1], ids[0], ids[3]]  # visibly moved at once
    _drop(window, ids[0], ids[2], below=False)  # dragged to the top: sent last
    assert _shown(window) == [ids[0], ids[2], ids[1], ids[3]]
    assert window.jobs.current_job() == ids[0]  # the dragged row stays selected
    _drop(window, ids[2], ids[3], below=True)  # dragged to the bottom: sent next
    assert _shown(window) == [ids[0], ids[1], ids[3], ids[2]]
    qtbot.wait(300)  # the engine has the new order before sending resumes
    window.acts.pause_sending.trigger()
    for job_id in ids:
        wait_state(qtbot, window, job_id, JobState.completed, timeout=30_000)
    assert sent == [ids[2], ids[3], ids[1], ids[0]]
    # Each was sent in its turn from the bottom of the queue: no row moved.
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
    _drop(window, done, ids[1], below=False)
    assert _shown(window) == [ids[1], ids[0], done]
    assert not window.run_next(done)


def _restart(runtime_factory: RuntimeFactory, emulator: EmulatorServer, qtbot: QtBot,
             window: MainWindow, base: Path) -> MainWindow:
    """Quit (the window's state and settings saved, the engine stopped) and start again."""
    runtime = next(r for r in _runtimes(window))
    window.close()
    runtime.close()
    runtime.window = None
    return ready_window(runtime_factory(emulator, base=base), qtbot)


def _runtimes(window: MainWindow) -> list[AppRuntime]:
    saver = window.services.save_settings
    owner = getattr(saver, "__self__", None)
    assert isinstance(owner, AppRuntime)
    return [owner]


def test_the_last_sessions_jobs_come_back_after_a_restart_with_their_parameters(
    runtime_factory: RuntimeFactory, emulator: EmulatorServer, qtbot: QtBot, tmp_path: Path
) -> None:
    base = tmp_path / "base"
    window = ready_window(runtime_factory(emulator, base=base), qtbot)
    type_prompt(qtbot, window, "## Scene 景\na finished kite")
    done = window.generate()
    assert done is not None
    wait_state(qtbot, window, done, JobState.completed)
    window.editor.editor.clear()
    emulator.set_scenario({"run_time": 4.0}, merge=True)
    type_prompt(qtbot, window, "a kite still running at the restart")
    running = window.generate()
    assert running is not None
    wait_state(qtbot, window, running, JobState.running)
    window.editor.editor.clear()
    waiting = _queue(qtbot, window, 3)
    assert window.run_next(waiting[2])
    qtbot.wait(300)  # the engine has journalled the new order
    before = _shown(window)
    assert before == [waiting[1], waiting[0], waiting[2], running, done]

    window = _restart(runtime_factory, emulator, qtbot, window, base)
    qtbot.waitUntil(lambda: window.jobs_model.rowCount() == 5, timeout=20_000)
    assert _shown(window)[:3] == [waiting[1], waiting[0], waiting[2]]  # the queue's order
    assert set(_shown(window)) == set(before)
    for job_id in before:
        row = window.jobs_model.row(job_id)
        assert row is not None
        assert row.request is not None  # never "Parameters unknown"
    finished = window.jobs_model.row(done)
    assert finished is not None
    assert finished.state is JobState.completed
    assert finished.title == "Scene 景"
    assert finished.image_paths
    assert Path(finished.image_paths[0]).is_file()
    window.jobs.select_job(done)  # its log is read from the history when first shown
    qtbot.waitUntil(lambda: bool(window.jobs.log_view.toPlainText().strip()), timeout=10_000)
    assert finished.logs
    # The job resumed at fal shows its parameters and completes.
    window.jobs.select_job(running)
    assert "Parameters unknown" not in window.results.info.text()
    wait_state(qtbot, window, running, JobState.completed, timeout=30_000)
    assert emulator.stats()["submits_total"] == 2  # nothing sent again by the restart

    # Clear finished: they stay off the list after the next restart; the queue stays.
    window.jobs.select_job(waiting[0])
    assert window.jobs.clear_finished() == 2
    window = _restart(runtime_factory, emulator, qtbot, window, base)
    qtbot.waitUntil(lambda: window.jobs_model.rowCount() == 3, timeout=20_000)
    qtbot.wait(300)
    assert _shown(window) == [waiting[1], waiting[0], waiting[2]]
    qtbot.waitUntil(window.acts.pause_sending.isChecked, timeout=5000)  # kept across restarts
    window.acts.pause_sending.trigger()  # Resume sending, as the user does
    for job_id in waiting:
        wait_state(qtbot, window, job_id, JobState.completed, timeout=30_000)
    assert emulator.stats()["submits_by_job_id"] == dict.fromkeys([done, running, *waiting], 1)


def _escape(qtbot: QtBot, window: MainWindow, widget: QWidget) -> None:
    window.activateWindow()  # shortcuts follow the focus of the active window
    qtbot.waitUntil(window.isActiveWindow, timeout=3000)
    widget.setFocus()
    qtbot.waitUntil(widget.hasFocus, timeout=3000)
    qtbot.keyClick(widget, Qt.Key.Key_Escape)


def test_esc_clears_then_closes_the_library_and_never_cancels_a_job(
    window: MainWindow, qtbot: QtBot
) -> None:
    type_prompt(qtbot, window, "a kite")
    job_id = window.generate()
    assert job_id is not None
    window.acts.library.trigger()
    assert window.library.isVisible()
    window.library.search.setText("kite")
    _escape(qtbot, window, window.library.search)
    assert window.library.search.text() == ""  # first Esc: the search is cleared
    assert window.library.isVisible()
    _escape(qtbot, window, window.library.search)
    assert not window.library.isVisible()  # then the pane closes
    assert not window.acts.library.isChecked()
    assert window.editor.editor.hasFocus()  # back to the prompt
    _escape(qtbot, window, window.editor.editor)
    window.acts.library.trigger()
    _escape(qtbot, window, window.library.list)
    assert not window.library.isVisible()
    assert window.cancel_box is None  # no Esc outside the jobs list asked to cancel
    row = window.jobs_model.row(job_id)
    assert row is not None
    assert row.state is not JobState.cancelled


def test_esc_closes_the_preview_it_has_focus_in(window: MainWindow, qtbot: QtBot) -> None:
    window.acts.preview.trigger()
    assert window.editor.preview_box.isVisible()
    _escape(qtbot, window, window.editor.preview)
    assert not window.editor.preview_box.isVisible()
    assert not window.acts.preview.isChecked()
    assert window.editor.editor.hasFocus()


def test_esc_in_the_references_strip_puts_its_problems_away(
    window: MainWindow, qtbot: QtBot, tmp_path: Path
) -> None:
    qtbot.mouseClick(window.params.chooser.buttons["edit"], Qt.MouseButton.LeftButton)
    strip = window.references
    tiny = tmp_path / "tiny.png"
    tiny.write_bytes(image_file("PNG", (100, 100)))
    qtbot.waitUntil(lambda: window._data_layout() is not None, timeout=10_000)
    with qtbot.waitSignal(strip.intake_finished, timeout=10_000):
        strip.add_files([tiny])
    assert strip.problems.isVisible()
    buttons = strip.findChildren(QAbstractButton)
    focusable = next(b for b in buttons if b.isVisible() and b.isEnabled())
    _escape(qtbot, window, focusable)
    assert not strip.problems.isVisible()
    assert strip.isVisible()  # the strip follows the endpoint: it stays


def test_alt_up_and_down_move_the_selected_waiting_job_like_a_drag(
    window: MainWindow, qtbot: QtBot
) -> None:
    ids = _queue(qtbot, window, 3)
    assert _shown(window) == ids[::-1]
    window.jobs.select_job(ids[2])  # on top: sent last
    _key(qtbot, window, Qt.Key.Key_Down)
    assert _shown(window) == [ids[1], ids[2], ids[0]]
    assert window.jobs.current_job() == ids[2]
    _key(qtbot, window, Qt.Key.Key_Down)
    assert _shown(window) == [ids[1], ids[0], ids[2]]  # lowest: sent next
    _key(qtbot, window, Qt.Key.Key_Down)  # no further
    assert _shown(window) == [ids[1], ids[0], ids[2]]
    _key(qtbot, window, Qt.Key.Key_Up)
    assert _shown(window) == [ids[1], ids[2], ids[0]]
    store = window.history.current_store()
    assert store is not None
    qtbot.waitUntil(lambda: sorted(ids, key=store.queue_ranks(ids).__getitem__)
                    == [ids[0], ids[2], ids[1]], timeout=5000)  # the engine has the order


def _key(qtbot: QtBot, window: MainWindow, key: Qt.Key) -> None:
    view = window.jobs.view
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=3000)
    view.setFocus()
    qtbot.keyClick(view, key, Qt.KeyboardModifier.AltModifier)


def test_unfinished_jobs_another_live_process_runs_are_not_listed_after_a_restart(
    runtime_factory: RuntimeFactory, emulator: EmulatorServer, qtbot: QtBot, tmp_path: Path
) -> None:
    """The CLI beside the window runs its own jobs (their events go to it): a row for one
    here would never move."""
    base = tmp_path / "base"
    layout = DataLayout(base).ensure()
    cli = EngineLease(base, "qwenimg-desktop generate")
    cli.acquire()
    try:
        with HistoryStore.open(layout) as store:
            store.owner = cli.owner_id
            theirs = store.create_pending(GenerationRequest(prompt="the CLI's kite"),
                                          queue_base=emulator.base_url, cost_estimate=0.075)
            store.owner = None
            orphan = store.create_pending(GenerationRequest(prompt="a kite left behind"),
                                          queue_base=emulator.base_url, cost_estimate=0.075)
            assert {r.id for r in store.session_jobs(since=0)} == {theirs, orphan}
        window = ready_window(runtime_factory(emulator, base=base), qtbot)
        wait_state(qtbot, window, orphan, JobState.completed)  # adopted and sent here
        qtbot.waitUntil(lambda: window.jobs.count_label.text() != "No jobs yet")
        assert window.services.workers.wait(10_000)  # the restore's read is done,
        qtbot.wait(200)  # and its rows handed to the list
        assert window.jobs_model.row(theirs) is None
        assert emulator.stats()["submits_by_job_id"] == {orphan: 1}
    finally:
        cli.release()
