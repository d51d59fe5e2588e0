"""FlowLayout wraps its widgets instead of making its pane as wide as all of them together."""

from __future__ import annotations

from PySide6.QtWidgets import QPushButton, QVBoxLayout, QWidget
from pytestqt.qtbot import QtBot

from qwenimg_desktop.ui.flow_layout import FlowLayout

LABELS = ("Re-run exact", "Remix", "Use prompt", "Use parameters", "Edit this image",
          "Copy seed", "★ Favourite", "Re-download", "Delete")


def _pane(qtbot: QtBot) -> tuple[QWidget, list[QPushButton]]:
    pane = QWidget()
    qtbot.addWidget(pane)
    outer = QVBoxLayout(pane)
    row = FlowLayout()
    buttons = [QPushButton(text, pane) for text in LABELS]
    for button in buttons:
        row.addWidget(button)
    outer.addLayout(row)
    return pane, buttons


def _rows(buttons: list[QPushButton]) -> int:
    return len({b.geometry().top() for b in buttons if b.isVisible()})


def test_one_row_when_wide_more_when_narrow_and_never_overlapping(qtbot: QtBot) -> None:
    pane, buttons = _pane(qtbot)
    one_row = sum(b.sizeHint().width() for b in buttons)
    pane.resize(one_row + 200, 200)
    pane.show()
    qtbot.waitUntil(lambda: _rows(buttons) == 1, timeout=3000)

    pane.resize(one_row // 2, 200)
    qtbot.waitUntil(lambda: _rows(buttons) >= 2, timeout=3000)
    boxes = [b.geometry() for b in buttons]
    assert all(not a.intersects(b) for i, a in enumerate(boxes) for b in boxes[i + 1:])
    assert all(box.right() < pane.width() for box in boxes)  # nothing cut off at the side
    # The pane may be far narrower than one row of them: only the widest button must fit.
    assert pane.minimumSizeHint().width() < one_row // 2
    assert pane.minimumSizeHint().width() >= max(b.sizeHint().width() for b in buttons)


def test_a_hidden_widget_takes_no_place(qtbot: QtBot) -> None:
    pane, buttons = _pane(qtbot)
    pane.resize(2000, 200)
    pane.show()
    buttons[1].hide()
    qtbot.waitUntil(lambda: buttons[2].geometry().left() < buttons[0].geometry().right() + 40,
                    timeout=3000)
    assert buttons[2].geometry().left() - buttons[0].geometry().right() < 20
