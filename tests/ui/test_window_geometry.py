"""A window size saved on a big screen opens inside the small screen it is restored on."""

from __future__ import annotations

from PySide6.QtWidgets import QApplication, QMainWindow
from pytestqt.qtbot import QtBot

from qwenimg_desktop.emulator.server import EmulatorServer
from qwenimg_desktop.ui.main_window import MainWindow
from tests.ui.conftest import RuntimeFactory, ready_window


def _saved_on_a_big_screen(qtbot: QtBot) -> str:
    big = QMainWindow()
    qtbot.addWidget(big)
    big.setGeometry(1500, 900, 2400, 1400)
    return bytes(big.saveGeometry().toBase64().data()).decode()


def test_geometry_from_a_bigger_screen_is_fitted_into_this_one(
    window: MainWindow, qtbot: QtBot
) -> None:
    available = window.screen().availableGeometry()
    assert available.width() < 2400  # the test's screen is the small one
    window.restore_geometry(_saved_on_a_big_screen(qtbot))
    frame = window.frameGeometry()
    assert available.contains(frame.topLeft())  # the title bar is within reach
    assert frame.bottom() <= available.bottom()
    # As wide as the screen, unless the window cannot be narrower (then it starts at the left).
    narrowest = window.minimumSizeHint().width()
    assert window.width() <= max(available.width(), narrowest)
    assert frame.right() <= available.right() or frame.left() == available.left()


def test_the_first_show_does_not_leave_the_window_wider_than_it_needs(
    runtime_factory: RuntimeFactory, emulator: EmulatorServer, qtbot: QtBot
) -> None:
    """A widget hidden while the window was built stayed in a layout's cached minimum until
    the first show, and the window grew to it (1440 px on a 1366 px screen) for good."""
    window = ready_window(runtime_factory(emulator), qtbot, show=False, wait_for_key=False)
    window.resize(1360, 700)
    window.show()
    qtbot.waitExposed(window)
    qtbot.wait(100)
    assert window.minimumSizeHint().width() <= 1360  # the layout itself fits 1366 px
    assert window.width() == 1360


def test_the_parameters_column_widens_with_its_rows_after_the_window_is_built(
    window: MainWindow, qtbot: QtBot
) -> None:
    """The application's style sheet is set after the window is built (ui/theme.py): the
    parameters' column must ask for the width its rows need now, not the width they needed
    while it was built, or its rows are cut off (there is never a sideways scroll bar)."""
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    sheet = app.styleSheet()
    narrow = window.minimumSizeHint().width()
    try:
        app.setStyleSheet(sheet + "\nQComboBox { min-width: 700px; }")
        qtbot.waitUntil(lambda: window.minimumSizeHint().width() > narrow + 300, timeout=2000)
    finally:
        app.setStyleSheet(sheet)
    qtbot.waitUntil(lambda: window.minimumSizeHint().width() == narrow, timeout=2000)
