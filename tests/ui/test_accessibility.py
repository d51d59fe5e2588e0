"""Every visible interactive widget of the main window and the settings dialog has a name a
screen reader can announce, and the tab order of the Create tab and the dialog is the reading
order."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLineEdit, QPushButton, QToolButton, QWidget
from pytestqt.qtbot import QtBot

from qwenimg_desktop.emulator.server import EmulatorServer
from qwenimg_desktop.ui.accessibility import is_interactive, name_widgets, spoken_name
from tests.ui.conftest import RuntimeFactory, ready_window


def _unnamed(root: QWidget) -> str:
    return "; ".join(f"{type(w).__name__} {w.objectName()!r} in {type(w.parentWidget()).__name__}"
            for w in root.findChildren(QWidget)
            if w.isVisible() and is_interactive(w) and not spoken_name(w))


def test_helper_names_from_labels_text_and_tooltips(qtbot: QtBot) -> None:
    root = QWidget()
    qtbot.addWidget(root)
    from PySide6.QtWidgets import QFormLayout
    form = QFormLayout(root)
    field = QLineEdit(root)
    form.addRow("&Seed:", field)
    icon_button = QToolButton(root)
    icon_button.setToolTip("Remove this reference")
    bare = QPushButton(root)
    form.addRow(icon_button)
    form.addRow(bare)
    unnamed = name_widgets(root)
    assert field.accessibleName() == "Seed"
    assert icon_button.accessibleName() == "Remove this reference"
    assert icon_button.accessibleDescription() == "Remove this reference"
    assert unnamed == [bare]  # nothing on screen names it: reported, not invented


def test_every_widget_of_the_main_window_is_named(
    runtime_factory: RuntimeFactory, emulator: EmulatorServer, qtbot: QtBot
) -> None:
    win = ready_window(runtime_factory(emulator), qtbot)
    assert _unnamed(win) == ""
    win.tabs.setCurrentIndex(1)
    qtbot.waitUntil(lambda: win.history.browser is not None
                    and win.history.browser.isVisible(), timeout=10_000)
    assert _unnamed(win) == ""


def _tab_chain(start: QWidget, steps: int = 200) -> list[QWidget]:
    """The widgets Tab visits from ``start``, in order (one lap of the focus chain)."""
    chain: list[QWidget] = []
    widget: QWidget | None = start
    for _ in range(steps):
        if widget is None:
            break
        if widget.isVisible() \
                and widget.focusPolicy() & Qt.FocusPolicy.TabFocus:
            chain.append(widget)
        widget = widget.nextInFocusChain()
        if widget is start:
            break
    return chain


def test_create_tab_order_is_the_reading_order(
    runtime_factory: RuntimeFactory, emulator: EmulatorServer, qtbot: QtBot
) -> None:
    win = ready_window(runtime_factory(emulator), qtbot)
    chain = _tab_chain(win.editor.editor)
    # prompt → negative prompt → parameters (endpoint, fields) → Generate → jobs → results
    assert chain.index(win.editor.editor) < chain.index(win.editor.negative.edit) \
        < chain.index(win.params.form.inputs[next(iter(win.params.form.inputs))]) \
        < chain.index(win.params.generate) < chain.index(win.jobs.view) \
        < chain.index(win.results.strip)


def test_every_widget_of_the_settings_dialog_is_named(
    runtime_factory: RuntimeFactory, emulator: EmulatorServer, qtbot: QtBot
) -> None:
    win = ready_window(runtime_factory(emulator), qtbot)
    win.open_settings()
    dialog = win.settings_dialog
    assert dialog is not None
    qtbot.waitUntil(dialog.isVisible, timeout=5000)
    assert _unnamed(dialog) == ""
    # Tab order follows reading order: key field, show, the key buttons, then price, concurrency.
    chain = _tab_chain(dialog.key_field)
    assert chain.index(dialog.key_field) < chain.index(dialog.show_key) \
        < chain.index(dialog.save_button) < chain.index(dialog.price) \
        < chain.index(dialog.concurrency)
