"""ImageView: one image with fit-to-window or 100 % zoom, wheel zoom and drag-to-pan."""

from __future__ import annotations

from typing import Final

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QImage, QPainter, QPixmap, QResizeEvent, QWheelEvent
from PySide6.QtWidgets import QGraphicsPixmapItem, QGraphicsScene, QGraphicsView, QWidget

MIN_ZOOM: Final = 0.05
MAX_ZOOM: Final = 16.0


class ImageView(QGraphicsView):
    """Shows a QImage; ``fit()`` scales it into the view, ``actual_size()`` shows it 1:1."""

    zoom_changed = Signal(float)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("imageView")
        self._scene = QGraphicsScene(self)
        self._item = QGraphicsPixmapItem()
        self._item.setTransformationMode(Qt.TransformationMode.SmoothTransformation)
        self._scene.addItem(self._item)
        self.setScene(self._scene)
        self.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        self.setDragMode(QGraphicsView.DragMode.ScrollHandDrag)
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.AnchorUnderMouse)
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self._image = QImage()
        self._fit = True

    def __repr__(self) -> str:
        return f"<ImageView {self._image.width()}x{self._image.height()} fit={self._fit}>"

    @property
    def image(self) -> QImage:
        return self._image

    def zoom(self) -> float:
        return self.transform().m11()

    def set_image(self, image: QImage | None) -> None:
        self._image = image if image is not None else QImage()
        self._item.setPixmap(QPixmap.fromImage(self._image) if not self._image.isNull()
                             else QPixmap())
        self._scene.setSceneRect(self._item.boundingRect())
        if self._fit:
            self.fit()
        else:
            self.actual_size()

    def is_fitted(self) -> bool:
        """True while the image follows the view's size (not a chosen zoom)."""
        return self._fit

    def fit(self) -> None:
        self._fit = True
        if self._image.isNull():
            self.resetTransform()
            return
        self.fitInView(self._item, Qt.AspectRatioMode.KeepAspectRatio)
        self.zoom_changed.emit(self.zoom())

    def actual_size(self) -> None:
        self._fit = False
        self.resetTransform()
        self.zoom_changed.emit(1.0)

    def zoom_by(self, factor: float) -> None:
        target = max(MIN_ZOOM, min(MAX_ZOOM, self.zoom() * factor))
        self._fit = False
        self.scale(target / self.zoom(), target / self.zoom())
        self.zoom_changed.emit(self.zoom())

    def wheelEvent(self, event: QWheelEvent) -> None:
        if event.modifiers() & Qt.KeyboardModifier.ControlModifier or self._fit:
            steps = event.angleDelta().y() / 120
            if steps:
                self.zoom_by(1.25 ** steps)
            event.accept()
            return
        super().wheelEvent(event)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if self._fit:
            self.fit()
