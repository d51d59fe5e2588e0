"""Check boxes in the dark theme: the box is visible unchecked, and checked differs clearly."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from PySide6.QtGui import QColor, QImage
from PySide6.QtWidgets import QApplication, QCheckBox
from pytestqt.qtbot import QtBot

from qwenimg_desktop.core.settings import ThemeChoice
from qwenimg_desktop.ui.theme import ThemeController


def _luma(colour: QColor) -> float:
    return 0.2126 * colour.redF() + 0.7152 * colour.greenF() + 0.0722 * colour.blueF()


def _indicator_spread(image: QImage, background: QColor) -> float:
    """The largest brightness difference from the window colour in the indicator's area."""
    height = image.height()
    return max(abs(_luma(image.pixelColor(x, y)) - _luma(background))
               for x in range(min(20, image.width())) for y in range(height))


@pytest.fixture
def dark(qapp: Any) -> Iterator[ThemeController]:
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    before_sheet, before_palette = app.styleSheet(), app.palette()
    theme = ThemeController(app, ThemeChoice.dark)
    theme.apply()
    yield theme
    app.setStyleSheet(before_sheet)
    app.setPalette(before_palette)


def test_dark_theme_check_boxes_are_visible(dark: ThemeController, qtbot: QtBot) -> None:
    box = QCheckBox("Lock aspect")
    qtbot.addWidget(box)
    box.show()
    window = box.palette().window().color()
    unchecked = _indicator_spread(box.grab().toImage(), window)
    box.setChecked(True)
    checked = _indicator_spread(box.grab().toImage(), window)
    assert unchecked > 0.25  # the empty box's frame stands out from the window
    assert checked > 0.5  # the tick is bright
