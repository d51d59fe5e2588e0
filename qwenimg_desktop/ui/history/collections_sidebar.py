"""The collections sidebar of the history: the whole history or one collection, with counts.

Tiles dragged from the gallery drop onto a collection to join it; create, rename, delete and
export act on the collection under the cursor. Counts are read off the GUI thread.
"""

from __future__ import annotations

from typing import Final

from PySide6.QtCore import QMimeData, QPoint, Qt, Signal, SignalInstance
from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QGridLayout,
    QListWidget,
    QListWidgetItem,
    QMenu,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from qwenimg_desktop.core.store.library import CollectionInfo
from qwenimg_desktop.ui.i18n import translate
from qwenimg_desktop.ui.safe_text import plain_tooltip

JOB_IDS_MIME: Final = "application/x-qwenimg-job-ids"
"""Dragged tiles carry their job ids (one per line) as well as their image files."""
_ID_ROLE: Final = Qt.ItemDataRole.UserRole + 1


def job_ids_from_mime(data: QMimeData) -> list[str]:
    if not data.hasFormat(JOB_IDS_MIME):
        return []
    raw = bytes(data.data(JOB_IDS_MIME).data()).decode("ascii", "replace")
    return [line for line in raw.split() if len(line) == 32 and line.isalnum()]


class _DropList(QListWidget):
    """A list whose collection rows accept dropped tiles."""

    jobs_dropped = Signal(int, list)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAcceptDrops(True)
        self.setDragDropMode(QAbstractItemView.DragDropMode.DropOnly)
        self.setDropIndicatorShown(True)

    def _target(self, pos: QPoint) -> int | None:
        item = self.itemAt(pos)
        value = item.data(_ID_ROLE) if item is not None else None
        return int(value) if value is not None else None

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if event.mimeData().hasFormat(JOB_IDS_MIME):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:
        if event.mimeData().hasFormat(JOB_IDS_MIME) and \
                self._target(event.position().toPoint()) is not None:
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event: QDropEvent) -> None:
        target = self._target(event.position().toPoint())
        ids = job_ids_from_mime(event.mimeData())
        if target is None or not ids:
            event.ignore()
            return
        event.acceptProposedAction()
        self.jobs_dropped.emit(target, ids)


class CollectionsSidebar(QWidget):
    """"All generations" and every collection with its count.

    Signals:
        collection_selected(object): a collection id, or None for the whole history.
        create_requested(), rename_requested(int), delete_requested(int),
        export_requested(int): buttons and the context menu.
        jobs_dropped(int, list): tiles (job ids) dropped onto a collection.
    """

    collection_selected = Signal(object)
    create_requested = Signal()
    rename_requested = Signal(int)
    delete_requested = Signal(int)
    export_requested = Signal(int)
    jobs_dropped = Signal(int, list)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("collectionsSidebar")
        self.list = _DropList(self)
        self.list.setObjectName("collectionsList")
        self.list.setAccessibleName(translate("Collections", "Collections"))
        self.new_button = QPushButton(translate("Collections", "New"), self)
        self.rename_button = QPushButton(translate("Collections", "Rename"), self)
        self.delete_button = QPushButton(translate("Collections", "Delete"), self)
        self.export_button = QPushButton(translate("Collections", "Export…"), self)
        self._collections: list[CollectionInfo] = []
        self._total: int | None = None
        # Two rows of two: in one row the four buttons made the sidebar ~340 px wide, which left
        # the gallery one column at 1366 px; two rows fit its intended ~200 px.
        buttons = QGridLayout()
        for index, button in enumerate((self.new_button, self.rename_button,
                                        self.delete_button, self.export_button)):
            buttons.addWidget(button, index // 2, index % 2)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(self.list, 1)
        outer.addLayout(buttons)
        self.new_button.clicked.connect(self.create_requested)
        self.rename_button.clicked.connect(lambda: self._emit_current(self.rename_requested))
        self.delete_button.clicked.connect(lambda: self._emit_current(self.delete_requested))
        self.export_button.clicked.connect(lambda: self._emit_current(self.export_requested))
        self.list.currentItemChanged.connect(self._on_current)
        self.list.jobs_dropped.connect(self.jobs_dropped)
        self.list.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.list.customContextMenuRequested.connect(self._menu)
        self.set_collections([])

    def __repr__(self) -> str:
        return f"<CollectionsSidebar {len(self._collections)} collections>"

    @property
    def collections(self) -> list[CollectionInfo]:
        return list(self._collections)

    def current_collection(self) -> int | None:
        item: QListWidgetItem | None = self.list.currentItem()
        value = item.data(_ID_ROLE) if item is not None else None
        return int(value) if value is not None else None

    def set_collections(self, collections: list[CollectionInfo],
                        total: int | None = None) -> None:
        """Refill the list, keeping the current choice when it still exists."""
        current = self.current_collection()
        self._collections = list(collections)
        if total is not None:
            self._total = total
        self.list.blockSignals(True)
        self.list.clear()
        everything = QListWidgetItem(translate("Collections", "All generations") + (
            f"  ({self._total:,})" if self._total is not None else ""))
        everything.setData(_ID_ROLE, None)
        self.list.addItem(everything)
        chosen = everything
        for info in self._collections:
            item = QListWidgetItem(f"{info.name}  ({info.count:,})")
            item.setData(_ID_ROLE, info.id)
            item.setToolTip(plain_tooltip(info.name))
            self.list.addItem(item)
            if info.id == current:
                chosen = item
        self.list.setCurrentItem(chosen)  # "All generations" when the current one is gone
        self.list.blockSignals(False)
        self._update_buttons()
        if self.current_collection() != current:
            self.collection_selected.emit(None)

    def select(self, collection_id: int | None) -> None:
        for row in range(self.list.count()):
            item = self.list.item(row)
            if item.data(_ID_ROLE) == collection_id:
                self.list.setCurrentItem(item)
                return

    def name_of(self, collection_id: int) -> str | None:
        return next((c.name for c in self._collections if c.id == collection_id), None)

    def _on_current(self, *_: object) -> None:
        self._update_buttons()
        self.collection_selected.emit(self.current_collection())

    def _update_buttons(self) -> None:
        chosen = self.current_collection() is not None
        for button in (self.rename_button, self.delete_button, self.export_button):
            button.setEnabled(chosen)

    def _emit_current(self, signal: SignalInstance) -> None:
        current = self.current_collection()
        if current is not None:
            signal.emit(current)

    def _menu(self, pos: QPoint) -> None:
        menu = QMenu(self)
        menu.addAction(translate("Collections", "New collection…"), self.create_requested.emit)
        if self.current_collection() is not None:
            menu.addAction(translate(
                "Collections", "Rename…"), lambda: self._emit_current(self.rename_requested))
            menu.addAction(translate(
                "Collections", "Export…"), lambda: self._emit_current(self.export_requested))
            menu.addAction(translate("Collections", "Delete (generations stay)"),
                           lambda: self._emit_current(self.delete_requested))
        menu.exec(self.list.viewport().mapToGlobal(pos))


__all__ = ["JOB_IDS_MIME", "CollectionsSidebar", "job_ids_from_mime"]
