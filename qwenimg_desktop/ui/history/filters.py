"""SearchBar: the search box and filter controls, producing a HistoryQuery (debounced)."""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from datetime import datetime, time
from typing import Final

from PySide6.QtCore import QT_TRANSLATE_NOOP, QDate, QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QCalendarWidget,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from qwenimg_desktop.core.endpoints import EndpointKind, all_endpoints
from qwenimg_desktop.core.jobs.model import JobState
from qwenimg_desktop.core.store.library import LibraryError, normalize_tag
from qwenimg_desktop.core.store.queries import HistoryQuery
from qwenimg_desktop.ui.core_texts import CHOICE_NAMES, core_text
from qwenimg_desktop.ui.history.tag_editor import TagCompleter
from qwenimg_desktop.ui.i18n import translate
from qwenimg_desktop.ui.safe_text import plain_label

DEBOUNCE_MS: Final = 250
SEARCH_MIN_CHARS: Final = 16
"""The search field is never narrower than this many average characters (and the tags field
than half of it): in one row with the filters, 1366 px squeezed it to "Sea…" once the count
read "100,000 found"."""
# Labels marked for the catalog here and translated when the combo boxes are filled.
_STATES: Final = [
    (str(QT_TRANSLATE_NOOP("Filters", "All states")), None),
    (str(QT_TRANSLATE_NOOP("Filters", "Completed")), frozenset({JobState.completed})),
    (str(QT_TRANSLATE_NOOP("Filters", "Failed")), frozenset({JobState.failed, JobState.unknown})),
    (str(QT_TRANSLATE_NOOP("Filters", "Cancelled")), frozenset({JobState.cancelled})),
]
_FORMATS: Final = [
    (str(QT_TRANSLATE_NOOP("Filters", "Any format")), None),
    ("PNG", frozenset({"png"})), ("JPEG", frozenset({"jpeg"})), ("WebP", frozenset({"webp"})),
]
_ASPECTS: Final = [
    (str(QT_TRANSLATE_NOOP("Filters", "Any shape")), None),
    (str(QT_TRANSLATE_NOOP("Filters", "Square")), "square"),
    (str(QT_TRANSLATE_NOOP("Filters", "Portrait")), "portrait"),
    (str(QT_TRANSLATE_NOOP("Filters", "Landscape")), "landscape"),
]
_SIZES: Final = [
    (str(QT_TRANSLATE_NOOP("Filters", "Any size")), None),
    (str(QT_TRANSLATE_NOOP("Filters", "Small (< 1 MP)")), "small"),
    (str(QT_TRANSLATE_NOOP("Filters", "Medium (1–2.4 MP)")), "medium"),
    (str(QT_TRANSLATE_NOOP("Filters", "Large (> 2.4 MP)")), "large"),
]
_RATINGS: Final = [
    (str(QT_TRANSLATE_NOOP("Filters", "Any rating")), None),
    ("★ 1+", 1), ("★★ 2+", 2), ("★★★ 3+", 3), ("★★★★ 4+", 4), ("★★★★★", 5),
    (str(QT_TRANSLATE_NOOP("Filters", "Unrated")), 0),
]
_TAG_MATCH: Final = [(str(QT_TRANSLATE_NOOP("Filters", "any tag")), False),
                     (str(QT_TRANSLATE_NOOP("Filters", "all tags")), True)]


def _endpoint_choices() -> list[tuple[str, object]]:
    """Any model, each endpoint, and the two kinds and tiers across tiers and kinds."""
    endpoints = all_endpoints()
    choices: list[tuple[str, object]] = [(translate("Filters", "Any model"), None)]
    choices += [(core_text(e.title), frozenset({e.id})) for e in endpoints]
    for kind in EndpointKind:
        choices.append((translate("Filters", "All · {kind}").format(
                            kind=core_text(CHOICE_NAMES[kind.value])),
                        frozenset(e.id for e in endpoints if e.kind is kind)))
    return choices
_NO_DATE: Final = QDate(2000, 1, 1)


class _EscClears(QObject):
    """Esc in a search field clears it (a key handler, not a shortcut: it works whether or not
    the window is the active one, and takes the key from nothing else)."""

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (event.type() == QEvent.Type.KeyPress and isinstance(watched, QLineEdit)
                and isinstance(event, QKeyEvent) and event.key() == Qt.Key.Key_Escape
                and watched.text()):
            watched.clear()
            return True
        return False


class _CalendarAtToday(QObject):
    """Opens an unset date filter's calendar at this month, not at the "any" date's January
    2000."""

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (event.type() == QEvent.Type.Show and isinstance(watched, QCalendarWidget)
                and watched.selectedDate() == _NO_DATE):
            today = QDate.currentDate()
            watched.setCurrentPage(today.year(), today.month())
        return False


class SearchBar(QWidget):
    """Search text (FTS over prompt, negative prompt and note) and filters.

    Signals:
        query_changed(HistoryQuery): emitted once typing pauses or a filter changes.
    """

    query_changed = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.text = QLineEdit(self)
        self.text.setPlaceholderText(translate(
            "Filters", "Search prompts and notes (中文 or English)…"))
        self.text.setClearButtonEnabled(True)
        self.state = self._combo(_STATES)
        self.endpoint = self._combo(_endpoint_choices())
        self.endpoint.setObjectName("endpointFilter")
        self.format = self._combo(_FORMATS)
        self.aspect = self._combo(_ASPECTS)
        self.size_box = self._combo(_SIZES)
        self.favourite = QCheckBox(translate("Filters", "★ only"), self)
        self.tags = QLineEdit(self)
        self.tags.setObjectName("tagFilter")
        self.tags.setPlaceholderText(translate("Filters", "Tags, comma separated…"))
        self.tags.setClearButtonEnabled(True)
        self.tag_completer = TagCompleter(self.tags)
        self.tags.setCompleter(self.tag_completer)
        self.tag_match = self._combo(_TAG_MATCH)
        self.rating = self._combo(_RATINGS)
        self.collection: int | None = None
        self.group = QCheckBox(translate("Filters", "▦ Group"), self)
        self.group.setObjectName("groupBatches")
        self.group.setAccessibleName(translate("Filters", "Group batches"))
        self.group.setToolTip(translate(
            "Filters", "A batch is one tile (its count and first images); double-click it to "
            "see its generations"))
        self.batch: str | None = None
        self.batch_chip = QPushButton("", self)
        self.batch_chip.setObjectName("batchFilter")
        self.batch_chip.setToolTip(translate(
            "Filters", "Showing one batch only: click to show every generation"))
        self.batch_chip.setVisible(False)
        self.batch_chip.clicked.connect(lambda: self.set_batch(None))
        self._calendar_at_today = _CalendarAtToday(self)
        self.date_from = self._date(translate("Filters", "from: any"))
        self.date_to = self._date(translate("Filters", "to: any"))
        self.date_from.setAccessibleName(translate("Filters", "Made on or after"))
        self.date_to.setAccessibleName(translate("Filters", "Made on or before"))
        self.result_label = plain_label("", self)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(DEBOUNCE_MS)
        self._timer.timeout.connect(self.emit_now)
        self.text.textChanged.connect(self._timer.start)
        self.text.returnPressed.connect(self.emit_now)
        self.tags.textChanged.connect(self._timer.start)
        self.tags.returnPressed.connect(self.emit_now)
        self._esc_clears = _EscClears(self)
        for field in (self.text, self.tags):  # Esc clears the focused search field, nothing else
            field.installEventFilter(self._esc_clears)
        for combo in (self.state, self.format, self.aspect, self.size_box, self.rating,
                      self.tag_match, self.endpoint):
            combo.currentIndexChanged.connect(self.emit_now)
        self.favourite.toggled.connect(self.emit_now)
        self.group.toggled.connect(self.emit_now)
        self.date_from.dateChanged.connect(self.emit_now)
        self.date_to.dateChanged.connect(self.emit_now)
        self._lay_out()

    def _lay_out(self) -> None:
        """Two rows: what is searched (text, tags, rating, favourites) and the count, then
        what the generations were (state, model, format, shape, size, date). Fifteen controls
        in one row left the search field a few characters wide at 1366 px."""
        chars = self.text.fontMetrics().averageCharWidth()
        self.text.setMinimumWidth(chars * SEARCH_MIN_CHARS)
        self.tags.setMinimumWidth(chars * SEARCH_MIN_CHARS // 2)
        rows = QVBoxLayout(self)
        rows.setContentsMargins(0, 0, 0, 0)
        first, second = QHBoxLayout(), QHBoxLayout()
        rows.addLayout(first)
        rows.addLayout(second)
        first.addWidget(self.text, 3)
        first.addWidget(self.tags, 2)
        searched: list[QWidget] = [self.tag_match, self.rating, self.favourite, self.group,
                                   self.batch_chip, self.result_label]
        made: list[QWidget] = [self.state, self.endpoint, self.format, self.aspect,
                               self.size_box, self.date_from, self.date_to]
        for widget in searched:
            first.addWidget(widget)
        for widget in made:
            second.addWidget(widget)
        second.addStretch(1)

    def __repr__(self) -> str:
        return f"<SearchBar {self.query()!r}>"

    def _combo(self, items: Sequence[tuple[str, object]]) -> QComboBox:
        combo = QComboBox(self)
        for label, value in items:
            combo.addItem(translate("Filters", label), value)  # marked where listed
        return combo

    def _date(self, special: str) -> QDateEdit:
        edit = QDateEdit(self)
        edit.setCalendarPopup(True)
        edit.setMinimumDate(_NO_DATE)
        edit.setSpecialValueText(special)
        edit.setDisplayFormat("yyyy-MM-dd")
        edit.setDate(_NO_DATE)
        edit.calendarWidget().installEventFilter(self._calendar_at_today)
        return edit

    def query(self) -> HistoryQuery:
        """The query the controls describe now."""
        start = self.date_from.date()
        end = self.date_to.date()
        return HistoryQuery(
            text=self.text.text().strip(),
            states=self.state.currentData(),
            favourite=True if self.favourite.isChecked() else None,
            formats=self.format.currentData(),
            aspect=self.aspect.currentData(),
            size=self.size_box.currentData(),
            created_from=_epoch(start) if start != _NO_DATE else None,
            created_to=_epoch(end.addDays(1)) if end != _NO_DATE else None,
            tags=self._tag_names(),
            all_tags=bool(self.tag_match.currentData()),
            min_rating=self.rating.currentData(),
            collection=self.collection,
            endpoints=self.endpoint.currentData(),
            batch=self.batch,
            group_batches=self.group.isChecked(),
        )

    def _tag_names(self) -> frozenset[str] | None:
        """The typed tags; a malformed one (too long) is left out rather than failing."""
        names: list[str] = []
        for part in self.tags.text().replace("，", ",").split(","):
            with contextlib.suppress(LibraryError):
                names.append(normalize_tag(part))
        return frozenset(names) or None

    def set_collection(self, collection_id: int | None) -> None:
        """Show only this collection (None: the whole history)."""
        if collection_id != self.collection:
            self.collection = collection_id
            self.emit_now()

    def set_batch(self, batch_id: str | None, label: str = "") -> None:
        """Show only this batch's generations (None: every generation)."""
        self.batch = batch_id
        text = label if len(label) <= 24 else label[:23] + "…"
        self.batch_chip.setText(translate("Filters", "Batch: {name}").format(
            name=text or (batch_id or "")[:8]) + "  ✕")
        self.batch_chip.setVisible(batch_id is not None)
        self.emit_now()

    def emit_now(self) -> None:
        self._timer.stop()
        self.query_changed.emit(self.query())

    def set_result_count(self, count: int | None) -> None:
        self.result_label.setText("" if count is None else translate("Filters", "{count} found")
                                  .format(count=f"{count:,}"))

    def clear(self) -> None:
        for widget in (self.state, self.endpoint, self.format, self.aspect, self.size_box,
                       self.rating,
                       self.tag_match):
            widget.blockSignals(True)
            widget.setCurrentIndex(0)
            widget.blockSignals(False)
        self.favourite.setChecked(False)
        self.date_from.setDate(_NO_DATE)
        self.date_to.setDate(_NO_DATE)
        self.tags.blockSignals(True)
        self.tags.clear()
        self.tags.blockSignals(False)
        self.text.clear()
        self.emit_now()


def _epoch(day: QDate) -> float:
    """Local midnight at the start of ``day`` as a Unix time."""
    value = datetime.combine(datetime(day.year(), day.month(), day.day()).date(), time())
    return value.timestamp()

