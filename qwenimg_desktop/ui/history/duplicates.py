"""The duplicates window: identical and near-duplicate images side by side, keep one.

The scan (hash backfill and grouping) runs on the history-writes thread; "Keep this one"
deletes the other generations of the group through the history's delete, so Undo brings
them back.
"""

from __future__ import annotations

import time
from typing import Final

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QIcon, QPixmap
from PySide6.QtWidgets import (
    QHBoxLayout,
    QListView,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from qwenimg_desktop.core.store.duplicates import DuplicateReport, ImageKey
from qwenimg_desktop.core.store.history import HistoryStore
from qwenimg_desktop.ui.i18n import translate
from qwenimg_desktop.ui.safe_text import plain_label, plain_tooltip

ICON: Final = QSize(220, 220)
_KEY_ROLE: Final = Qt.ItemDataRole.UserRole + 1


class DuplicatesView(QWidget):
    """Groups on the left, the chosen group's images on the right.

    Signals:
        keep_requested(str, list): keep this job id, delete these other job ids.
        rescan_requested(): run the scan again.
    """

    keep_requested = Signal(str, list)
    rescan_requested = Signal()

    def __init__(self, reader: HistoryStore, parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.setObjectName("duplicatesView")
        self.setWindowTitle(translate("Duplicates", "Duplicates"))
        self._reader = reader
        self.report: DuplicateReport | None = None
        self.status = plain_label(translate("Duplicates", "Scanning…"), self)
        self.groups = QListWidget(self)
        self.groups.setObjectName("duplicateGroups")
        self.images = QListWidget(self)
        self.images.setObjectName("duplicateImages")
        self.images.setViewMode(QListView.ViewMode.IconMode)
        self.images.setIconSize(ICON)
        self.images.setGridSize(QSize(ICON.width() + 24, ICON.height() + 64))
        self.images.setWordWrap(True)
        self.images.setMovement(QListView.Movement.Static)
        self.images.setResizeMode(QListView.ResizeMode.Adjust)
        self.keep_button = QPushButton(translate(
            "Duplicates", "Keep the selected one, delete the others"), self)
        self.keep_button.setObjectName("keepOne")
        self.rescan_button = QPushButton(translate("Duplicates", "Scan again"), self)
        splitter = QSplitter(self)
        splitter.addWidget(self.groups)
        splitter.addWidget(self.images)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([240, 760])
        buttons = QHBoxLayout()
        buttons.addWidget(self.status, 1)
        buttons.addWidget(self.rescan_button)
        buttons.addWidget(self.keep_button)
        layout = QVBoxLayout(self)
        layout.addWidget(splitter, 1)
        layout.addLayout(buttons)
        self.groups.currentRowChanged.connect(self._show_group)
        self.images.currentItemChanged.connect(lambda *_: self._update_buttons())
        self.keep_button.clicked.connect(self.keep_selected)
        self.rescan_button.clicked.connect(self._rescan)
        self._update_buttons()
        self.resize(1060, 640)

    def __repr__(self) -> str:
        return f"<DuplicatesView groups={self.groups.count()}>"

    def show_report(self, report: DuplicateReport) -> None:
        """List every group (identical first), keeping the current row where possible."""
        row = max(self.groups.currentRow(), 0)
        self.report = report
        self.groups.clear()
        for kind, group in report.groups:
            jobs = len({job for job, _ in group})
            label = translate("Duplicates", "Identical") if kind == "identical" else translate(
                "Duplicates", "Similar")
            item = QListWidgetItem(translate(
                "Duplicates", "{kind} · {images} images · {jobs} generation(s)").format(
                kind=label, images=len(group), jobs=jobs))
            item.setData(_KEY_ROLE, kind)
            self.groups.addItem(item)
        found = len(report.identical) + len(report.near)
        self.status.setText(
            translate("Duplicates", "{identical} identical and {similar} similar group(s)").format(
                identical=len(report.identical), similar=len(report.near))
            + (translate("Duplicates", "; {count} image(s) hashed").format(count=report.hashed)
               if report.hashed else "")
            if found else translate("Duplicates", "No duplicates found."))
        if self.groups.count():
            self.groups.setCurrentRow(min(row, self.groups.count() - 1))
        else:
            self.images.clear()
        self._update_buttons()

    def current_group(self) -> tuple[ImageKey, ...]:
        row = self.groups.currentRow()
        if self.report is None or not 0 <= row < len(self.report.groups):
            return ()
        return self.report.groups[row][1]

    def _show_group(self, _row: int) -> None:
        self.images.clear()
        group = self.current_group()
        records = self._reader.get_many([job for job, _ in group])
        ratings = self._reader.ratings([job for job, _ in group])
        for job_id, index in group:
            record = records.get(job_id)
            image = next((i for i in record.images if i.index == index), None) if record else None
            if record is None or image is None:
                continue
            path = self._reader.layout.absolute(image.thumb_path or image.path)
            stamp = time.strftime("%Y-%m-%d %H:%M", time.localtime(record.created_at))
            stars = "★" * ratings.get(job_id, 0)
            item = QListWidgetItem(QIcon(QPixmap(str(path))),
                                   f"{stamp}\n{image.width}×{image.height} {image.format}"
                                   f" {stars}".rstrip())
            item.setToolTip(plain_tooltip(record.prompt[:400]))
            item.setData(_KEY_ROLE, job_id)
            self.images.addItem(item)
        if self.images.count():
            self.images.setCurrentRow(0)
        self._update_buttons()

    def _update_buttons(self) -> None:
        self.keep_button.setEnabled(self.images.currentItem() is not None
                                    and self.images.count() > 1)

    def keep_selected(self) -> None:
        """Keep the selected image's generation; delete the group's other generations."""
        item: QListWidgetItem | None = self.images.currentItem()
        if item is None:
            return
        keep = str(item.data(_KEY_ROLE))
        others = sorted({job for job, _ in self.current_group() if job != keep})
        if others:
            self.status.setText(translate(
                "Duplicates", "Deleting {count} generation(s)… (Undo in the history brings them "
                "back)").format(count=len(others)))
            self.keep_requested.emit(keep, others)

    def _rescan(self) -> None:
        self.status.setText(translate("Duplicates", "Scanning…"))
        self.rescan_requested.emit()
