"""The Spend view: what fal billed (today, this week, this month, all time), per endpoint, a
bar per day drawn with QPainter, and the ledger exported as CSV."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Final

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPaintEvent
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QGridLayout,
    QVBoxLayout,
    QWidget,
)

from qwenimg_desktop.core.store.spend import JobCost, SpendSummary, ledger_csv, summarise
from qwenimg_desktop.ui.i18n import translate
from qwenimg_desktop.ui.safe_text import heading_label, plain_label

DAYS_SHOWN: Final = 30


class DailyBars(QWidget):
    """One bar per day of the last :data:`DAYS_SHOWN` days, scaled to the largest."""

    def __init__(self, by_day: dict[str, float], today: date, parent: QWidget | None = None
                 ) -> None:
        super().__init__(parent)
        self.days = [today - timedelta(days=n) for n in range(DAYS_SHOWN - 1, -1, -1)]
        self.values = [by_day.get(day.isoformat(), 0.0) for day in self.days]
        self.setMinimumSize(420, 160)
        self.setAccessibleName(translate("Spend", "Spend per day, last 30 days"))

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        rect = QRectF(self.rect()).adjusted(8, 8, -8, -22)
        top = max(self.values, default=0.0) or 1.0
        width = rect.width() / len(self.values)
        colour = self.palette().highlight().color()
        for i, value in enumerate(self.values):
            height = rect.height() * value / top
            bar = QRectF(rect.left() + i * width + 1, rect.bottom() - height, width - 2, height)
            painter.fillRect(bar, colour if value else QColor(0, 0, 0, 0))
        painter.setPen(self.palette().text().color())
        painter.drawLine(rect.bottomLeft(), rect.bottomRight())
        label = QRectF(rect.left(), rect.bottom() + 2, rect.width(), 18)
        painter.drawText(label, Qt.AlignmentFlag.AlignLeft, self.days[0].isoformat()[5:])
        painter.drawText(label, Qt.AlignmentFlag.AlignRight, translate("Spend", "today"))
        painter.drawText(QRectF(rect.left(), rect.top(), rect.width(), 18),
                         Qt.AlignmentFlag.AlignRight,
                         translate("Spend", "max {cost}/day").format(cost=f"${top:.2f}"))
        painter.end()


class SpendDialog(QDialog):
    """Totals, per-endpoint sums, the daily chart and CSV export of the spend ledger."""

    def __init__(self, entries: list[JobCost], parent: QWidget | None = None,
                 *, today: date | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(translate("Spend", "Spend"))
        self.entries = entries
        self.summary: SpendSummary = summarise(entries)
        layout = QVBoxLayout(self)
        layout.addWidget(heading_label(translate("Spend", "What fal billed"), self))
        grid = QGridLayout()
        s = self.summary
        for row, (name, value) in enumerate((
                (translate("Spend", "Today"), s.today), (translate("Spend", "This week"), s.week),
                (translate("Spend", "This month"), s.month),
                (translate("Spend", "All time"), s.all_time))):
            grid.addWidget(plain_label(name, self), row, 0)
            grid.addWidget(plain_label(f"${value:.2f}", self), row, 1)
        layout.addLayout(grid)
        if s.unknown_jobs:
            layout.addWidget(plain_label(
                translate("Spend", "{count} job(s) of unknown cost are not counted above (a "
                          "submit whose outcome is unknown, or a failure fal may have billed).")
                .format(count=s.unknown_jobs), self))
        layout.addWidget(heading_label(translate("Spend", "Per endpoint"), self))
        for endpoint, total in sorted(s.by_endpoint.items()):
            layout.addWidget(plain_label(f"{endpoint}: ${total:.2f}", self))
        layout.addWidget(heading_label(translate("Spend", "Per day"), self))
        self.chart = DailyBars(s.by_day, today or date.today(), self)
        layout.addWidget(self.chart, 1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        self.export = buttons.addButton(translate(
            "Spend", "Export CSV…"), QDialogButtonBox.ButtonRole.ActionRole)
        self.export.clicked.connect(self._export)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def write_csv(self, path: Path) -> None:
        """Write every job's cost to ``path`` (an unknown cost is an empty cell)."""
        path.write_text(ledger_csv(self.entries), encoding="utf-8", newline="")

    def _export(self) -> None:
        name, _ = QFileDialog.getSaveFileName(
            self, translate("Spend", "Export spend"), "spend.csv", "CSV (*.csv)")
        if name:
            self.write_csv(Path(name))
