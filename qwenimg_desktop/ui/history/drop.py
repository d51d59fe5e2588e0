"""MetadataDropHandler: drop an image made by this app onto a widget to restore its request."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Final

from PySide6.QtCore import QEvent, QMimeData, QObject, Signal
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QWidget

from qwenimg_desktop.ui.history.reuse import ReuseMode
from qwenimg_desktop.ui.i18n import translate
from qwenimg_desktop.ui.workers import Workers

if TYPE_CHECKING:  # the handler is installed while the window is built; the reader (pydantic
    # models, xml, whose saxutils pulls in urllib.request and ssl) loads on the first drop
    from qwenimg_desktop.core.store.metadata import EmbeddedMeta

IMAGE_SUFFIXES: Final = frozenset({".png", ".jpg", ".jpeg", ".webp"})


def dropped_images(mime: QMimeData) -> list[Path]:
    """Local image files among the dropped URLs (remote URLs are ignored)."""
    paths = []
    for url in mime.urls() if mime.hasUrls() else []:
        if url.isLocalFile():
            path = Path(url.toLocalFile())
            if path.suffix.lower() in IMAGE_SUFFIXES:
                paths.append(path)
    return paths


class MetadataDropHandler(QObject):
    """Event filter: accepts dragged image files; on drop reads the metadata off the GUI thread.

    Signals:
        reuse_requested(GenerationRequest, str): the restored request with mode ``exact``
            (the seed the server used); the window applies it like any reuse.
        drop_failed(str): the file carries no usable generation parameters.
    """

    reuse_requested = Signal(object, str)
    drop_failed = Signal(str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._queue = Workers("history-drop", threads=1, low_priority=True, parent=self)
        self._divert: Callable[[list[Path]], bool] | None = None

    def divert_to(self, taker: Callable[[list[Path]], bool]) -> None:
        """Offer dropped images to ``taker`` first (True = taken): while an edit endpoint is
        chosen, the window adds them as reference images instead of restoring a request."""
        self._divert = taker

    def __repr__(self) -> str:
        return f"<MetadataDropHandler {self._queue!r}>"

    def install(self, widget: QWidget) -> None:
        """Accept drops on ``widget`` (its own drag and drop handling is bypassed for images)."""
        widget.setAcceptDrops(True)
        widget.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in (QEvent.Type.DragEnter, QEvent.Type.DragMove):
            assert isinstance(event, QDragEnterEvent | QDropEvent)
            if dropped_images(event.mimeData()):
                event.acceptProposedAction()
                return True
        elif event.type() == QEvent.Type.Drop:
            assert isinstance(event, QDropEvent)
            paths = dropped_images(event.mimeData())
            if paths:
                event.acceptProposedAction()
                if self._divert is None or not self._divert(paths):
                    self.restore_from(paths[0])
                return True
        return False

    def restore_from(self, path: Path) -> None:
        """Read ``path``'s embedded parameters off the GUI thread and emit the result."""
        def failed(*_: object) -> None:
            self.drop_failed.emit(
                translate("Drop", "{name} carries no generation parameters this app can read.")
                .format(name=path.name))

        def done(meta: EmbeddedMeta | None) -> None:
            if meta is None:
                failed()
            else:
                self.reuse_requested.emit(meta.restored_request(), ReuseMode.exact.value)

        from qwenimg_desktop.core.store.metadata import read_metadata  # noqa: PLC0415

        self._queue.run(lambda: read_metadata(path), done, failed)

    def wait(self, msecs: int = 10_000) -> bool:
        return self._queue.wait(msecs)

    def shutdown(self) -> None:
        self._queue.shutdown()
