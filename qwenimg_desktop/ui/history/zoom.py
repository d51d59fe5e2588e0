"""ZoomView (fit, wheel zoom, drag pan, syncable); FullImageLoader (decodes off the GUI thread)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, QPointF, QRunnable, Qt, QThreadPool, Signal
from PySide6.QtGui import QImage, QWheelEvent
from PySide6.QtWidgets import QWidget

from qwenimg_desktop.core.threads import lower_thread_priority
from qwenimg_desktop.ui.history.thumbnails import read_image
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


class _Relay(QObject):
    loaded = Signal(int, QImage)


class _Load(QRunnable):
    def __init__(self, token: int, path: Path, relay: _Relay) -> None:
        super().__init__()
        self._token = token
        self._path = path
        self._relay = relay

    def run(self) -> None:
        lower_thread_priority()
        self._relay.loaded.emit(self._token, read_image(self._path))


class FullImageLoader(QObject):
    """Decodes full-size images on a small pool; the callback runs on the GUI thread."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._pool = QThreadPool(self)
        self._pool.setObjectName("history-images")
        self._pool.setMaxThreadCount(2)
        self._relay = _Relay(self)
        self._relay.loaded.connect(self._on_loaded, Qt.ConnectionType.QueuedConnection)
        self._callbacks: dict[int, Callable[[QImage], None]] = {}
        self._token = 0

    def __repr__(self) -> str:
        return f"<FullImageLoader pending={len(self._callbacks)}>"

    def load(self, path: Path, callback: Callable[[QImage], None]) -> int:
        self._token += 1
        self._callbacks[self._token] = callback
        self._pool.start(_Load(self._token, path, self._relay))
        return self._token

    def cancel(self, token: int) -> None:
        self._callbacks.pop(token, None)

    def _on_loaded(self, token: int, image: QImage) -> None:
        callback = self._callbacks.pop(token, None)
        if callback is not None:
            callback(image)

    def wait(self, msecs: int = 10_000) -> bool:
        return self._pool.waitForDone(msecs)

    def shutdown(self) -> None:
        self._callbacks.clear()
        self._pool.clear()
        self._pool.waitForDone(10_000)
