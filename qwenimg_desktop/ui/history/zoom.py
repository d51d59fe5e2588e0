"""ZoomView: the history's image view (fit, wheel zoom, drag pan), syncable for a compare."""

from __future__ import annotations

from PySide6.QtCore import QPointF, Signal
from PySide6.QtGui import QWheelEvent
from PySide6.QtWidgets import QWidget

from qwenimg_desktop.ui.image_view import ImageView


class ZoomView(ImageView):
    """The main window's image view, made syncable: plain wheel zooms; changes are announced.

    Signals:
        view_changed(float, QPointF): zoom factor and scene centre after a user change.
    """

    view_changed = Signal(float, QPointF)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._syncing = False
        self.zoom_changed.connect(self._announce)
        self.horizontalScrollBar().valueChanged.connect(self._announce)
        self.verticalScrollBar().valueChanged.connect(self._announce)

    def __repr__(self) -> str:
        size = self.image.size()
        return f"<ZoomView {size.width()}x{size.height()} zoom={self.zoom():.2f}>"

    def has_image(self) -> bool:
        return not self.image.isNull()

    def centre(self) -> QPointF:
        return self.mapToScene(self.viewport().rect().center())

    def apply_view(self, zoom: float, centre: QPointF) -> None:
        """Follow another view (synced compare) without echoing the change back."""
        self._syncing = True
        try:
            self._fit = False
            self.resetTransform()
            self.scale(zoom, zoom)
            self.centerOn(centre)
        finally:
            self._syncing = False

    def _announce(self, *_: object) -> None:
        if not self._syncing:
            self.view_changed.emit(self.zoom(), self.centre())

    def wheelEvent(self, event: QWheelEvent) -> None:
        steps = event.angleDelta().y() / 120
        if steps:
            self.zoom_by(1.25 ** steps)
        event.accept()


def sync_views(first: ZoomView, second: ZoomView) -> None:
    """Keep the zoom and centre of two views equal, whichever the user moves."""
    first.view_changed.connect(second.apply_view)
    second.view_changed.connect(first.apply_view)
