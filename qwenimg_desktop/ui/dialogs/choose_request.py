"""Choose which request at fal a lost submit is, when several in fal's history match it.

Each candidate shows when it was sent, its status and a short summary of its input; the user
picks one and the job follows it (nothing is sent again). The engine checks the choice
against the journalled candidates before it is followed.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from PySide6.QtCore import QT_TRANSLATE_NOOP, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from qwenimg_desktop.core.store.holds import Candidate
from qwenimg_desktop.ui.i18n import translate
from qwenimg_desktop.ui.safe_text import plain_label

INTRO = str(QT_TRANSLATE_NOOP(
    "ChooseRequest",
    "fal's request history has several requests that match this job (the same prompt, seed "
    "and settings). Choose the one to follow; its result is fetched as usual and nothing is "
    "sent again."))


def status_text(code: int | None) -> str:
    """A request's status as the history gives it."""
    if code is None:
        return translate("ChooseRequest", "not ended yet")
    if 200 <= code < 300:
        return translate("ChooseRequest", "succeeded ({code})").format(code=code)
    return translate("ChooseRequest", "failed ({code})").format(code=code)


class ChooseRequestDialog(QDialog):
    """Lists the candidates; ``chosen(job_id, request_id)`` when the user follows one."""

    chosen = Signal(str, str)

    def __init__(self, job_id: str, candidates: Sequence[Candidate],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("chooseRequestDialog")
        self.setWindowTitle(translate("ChooseRequest", "Choose the request at fal"))
        self.job_id = job_id
        self.candidates = list(candidates)
        self.table = QTableWidget(len(self.candidates), 4, self)
        self.table.setAccessibleName(translate("ChooseRequest", "Requests at fal"))
        self.table.setHorizontalHeaderLabels([
            translate("ChooseRequest", "Sent"), translate("ChooseRequest", "Status"),
            translate("ChooseRequest", "Input"), translate("ChooseRequest", "Request id")])
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        for row, candidate in enumerate(self.candidates):
            sent = (translate("ChooseRequest", "unknown") if candidate.sent_at is None
                    else datetime.fromtimestamp(candidate.sent_at).strftime("%Y-%m-%d %H:%M:%S"))
            for column, text in enumerate((sent, status_text(candidate.status_code),
                                           candidate.summary, candidate.request_id)):
                item = QTableWidgetItem(text)  # plain text: never rich text
                item.setToolTip(translate("ChooseRequest", "request {id}").format(
                    id=candidate.request_id))
                self.table.setItem(row, column, item)
        self.table.resizeColumnsToContents()
        self.buttons = QDialogButtonBox(self)
        self.follow = self.buttons.addButton(translate("ChooseRequest", "Follow this request"),
                                             QDialogButtonBox.ButtonRole.AcceptRole)
        self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.follow.setEnabled(False)
        self.table.itemSelectionChanged.connect(
            lambda: self.follow.setEnabled(self.selected() is not None))
        self.buttons.accepted.connect(self._accept)
        self.buttons.rejected.connect(self.reject)
        intro = plain_label(translate("ChooseRequest", INTRO), self)
        intro.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.buttons)
        self.resize(900, 320)

    def selected(self) -> Candidate | None:
        rows = self.table.selectionModel().selectedRows()
        return self.candidates[rows[0].row()] if rows else None

    def _accept(self) -> None:
        candidate = self.selected()
        if candidate is None:
            return
        self.chosen.emit(self.job_id, candidate.request_id)
        self.accept()
