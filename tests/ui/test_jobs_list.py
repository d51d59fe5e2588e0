"""The Create tab's jobs list as people read it: a picture per row, the session's jobs back
after a restart, the waiting queue in order (drag, "Send next"), Esc where it belongs.

Real widgets, the real engine process against the emulator over loopback, real SQLite files.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QIcon
from pytestqt.qtbot import QtBot

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
