"""The search bar's date filters: the calendar of an unset filter opens at this month."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QDate, QPoint, Qt
from pytestqt.qtbot import QtBot

from qwenimg_desktop.ui.history.filters import SearchBar


def test_unset_date_filter_opens_its_calendar_at_today(qapp: Any, qtbot: QtBot) -> None:
    bar = SearchBar()
    qtbot.addWidget(bar)
    bar.show()
    edit = bar.date_from
    # A click on the drop-down arrow at the right end, as a person opens it.
    qtbot.mouseClick(edit, Qt.MouseButton.LeftButton,
                     pos=QPoint(edit.width() - 6, edit.height() // 2))
    calendar = edit.calendarWidget()
    qtbot.waitUntil(calendar.isVisible, timeout=3000)
    today = QDate.currentDate()
    assert (calendar.yearShown(), calendar.monthShown()) == (today.year(), today.month())
    assert edit.specialValueText() == edit.text()  # still "any": opening chose nothing
