"""The search bar: the calendar of an unset date filter opens at this month; the fields stay
readable at 1366 px."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QDate, QPoint, Qt
from pytestqt.qtbot import QtBot

from qwenimg_desktop.ui.history.filters import SEARCH_MIN_CHARS, SearchBar


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


def test_the_search_field_stays_readable_in_a_1366_px_window(qapp: Any, qtbot: QtBot) -> None:
    """Fifteen controls in one row left the search field "Sea…" wide at 1366 px once the count
    read "100,000 found"; the filters now take two rows and the fields keep their minimum."""
    bar = SearchBar()
    qtbot.addWidget(bar)
    bar.result_label.setText("100,000 found")
    bar.resize(1340, bar.sizeHint().height())  # the History tab's width in a 1366 px window
    bar.show()
    qtbot.waitExposed(bar)
    chars = bar.text.fontMetrics().averageCharWidth()
    assert bar.minimumSizeHint().width() <= 1340
    assert bar.text.width() >= chars * SEARCH_MIN_CHARS
    assert bar.tags.width() >= chars * SEARCH_MIN_CHARS // 2
    assert bar.result_label.width() >= bar.result_label.sizeHint().width()  # not cut off
