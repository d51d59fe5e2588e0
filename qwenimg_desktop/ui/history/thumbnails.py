"""ThumbnailLoader: decode cached JPEG thumbnails off the GUI thread, newest request first.

The workers only make QImages (thread-safe); the QPixmap is made on the GUI thread when the
result arrives, kept in an LRU cache, and announced by key so the model repaints one row.
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from pathlib import Path
from typing import Final

from PySide6.QtCore import QObject, QSize, Qt, Signal
from PySide6.QtGui import QImage, QImageReader, QPixmap

from qwenimg_desktop.ui.decode_gate import decoding
from qwenimg_desktop.ui.workers import Workers

ALLOCATION_LIMIT_MB: Final = 64
"""QImageReader refuses to allocate more than this for one image (decompression bombs)."""
TILE_IMAGE: Final = QSize(160, 160)
MAX_PENDING: Final = 256
CACHE_BYTES: Final = 40 * 1024 * 1024
"""The decoded tiles kept, in bytes: ~400 tiles of 160² (five screens of the gallery to scroll
back through); by count alone, 800 tiles were up to 82 MB of the window's memory."""
DECODE_THREADS: Final = max(1, min(2, (os.cpu_count() or 2) - 1))
"""Leave a core for the GUI thread: one decoder on a 2-core machine."""


def read_image(path: Path, bound: QSize | None = None) -> QImage:
    """Decode ``path`` (scaled to fit ``bound`` when given); a null QImage on any failure.

    Safe on any thread. JPEG scales natively while decoding (DCT scaling), so thumbnails and
    large JPEGs stay cheap.
    """
    reader = QImageReader(str(path))
    reader.setAllocationLimit(ALLOCATION_LIMIT_MB)
    reader.setAutoTransform(True)
    if bound is not None:
        size = reader.size()
        if size.isValid() and (size.width() > bound.width() or size.height() > bound.height()):
            reader.setScaledSize(size.scaled(bound, Qt.AspectRatioMode.KeepAspectRatio))
    with decoding(reader):  # a PNG is decoded in full, then scaled: one at a time
        image = reader.read()
    return image if not image.isNull() else QImage()


class ThumbnailLoader(QObject):
    """Cache of tile pixmaps keyed by a stored relative path.

    ``pixmap(key, paths)`` returns the cached pixmap, or None and schedules a decode of the
    first of ``paths`` that decodes (thumbnail, then the image itself); when it is
    ready ``thumbnail_ready(key)`` is emitted on the GUI thread. Files that fail to decode are
    remembered (``failed(key)``) and not retried until :meth:`forget`.
    """

    thumbnail_ready = Signal(str)

    def __init__(self, *, capacity: int = 800, max_bytes: int = CACHE_BYTES,
                 threads: int = DECODE_THREADS, bound: QSize = TILE_IMAGE,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.bound = bound
        self.capacity = capacity
        self.max_bytes = max_bytes
        self.cached_bytes = 0
        self._cache: OrderedDict[str, QPixmap] = OrderedDict()
        self._failed: set[str] = set()
        self._lock = threading.Lock()
        self._pending: OrderedDict[str, tuple[Path, ...]] = OrderedDict()
        self._in_flight: set[str] = set()
        self._workers = Workers("history-thumbnails", threads=threads, low_priority=True,
                                parent=self)
        self._closed = False

    def __repr__(self) -> str:
        return (f"<ThumbnailLoader cached={len(self._cache)} pending={len(self._pending)}"
                f" failed={len(self._failed)}>")

    def pixmap(self, key: str, paths: tuple[Path, ...]) -> QPixmap | None:
        cached = self._cache.get(key)
        if cached is not None:
            self._cache.move_to_end(key)
            return cached
        if key not in self._failed and not self._closed:
            self._schedule(key, paths)
        return None

    def failed(self, key: str) -> bool:
        return key in self._failed

    def forget(self, key: str) -> None:
        """Drop a cached or failed entry (the file was restored or replaced)."""
        dropped = self._cache.pop(key, None)
        if dropped is not None:
            self.cached_bytes -= _bytes_of(dropped)
        self._failed.discard(key)

    def _schedule(self, key: str, paths: tuple[Path, ...]) -> None:
        with self._lock:
            if key in self._in_flight:
                return
            if key in self._pending:
                self._pending.move_to_end(key)
                return
            self._pending[key] = paths
            while len(self._pending) > MAX_PENDING:
                self._pending.popitem(last=False)
        self._workers.run(self._decode_newest, self._on_decoded)

    def _decode_newest(self) -> tuple[str, QImage] | None:
        """On a worker: decode the newest pending request (stale scroll positions wait)."""
        with self._lock:
            if not self._pending:
                return None
            key, paths = self._pending.popitem(last=True)
            self._in_flight.add(key)
        image = QImage()
        for path in paths:
            image = read_image(path, self.bound)
            if not image.isNull():
                break
        return key, image

    def _on_decoded(self, decoded: tuple[str, QImage] | None) -> None:
        if decoded is None:
            return
        key, image = decoded
        with self._lock:
            self._in_flight.discard(key)
        if self._closed:
            return
        if image.isNull():
            self._failed.add(key)
        else:
            self.forget(key)  # a replaced entry's bytes are not counted twice
            pixmap = self._cache[key] = QPixmap.fromImage(image)
            self.cached_bytes += _bytes_of(pixmap)
            while len(self._cache) > 1 and (len(self._cache) > self.capacity
                                            or self.cached_bytes > self.max_bytes):
                self.cached_bytes -= _bytes_of(self._cache.popitem(last=False)[1])
        self.thumbnail_ready.emit(key)

    def wait(self, msecs: int = 10_000) -> bool:
        return self._workers.wait(msecs)

    def shutdown(self) -> None:
        self._closed = True
        with self._lock:
            self._pending.clear()
        self._workers.shutdown()


def _bytes_of(pixmap: QPixmap) -> int:
    """What a decoded tile holds in memory (its pixels at the pixmap's depth)."""
    return pixmap.width() * pixmap.height() * max(pixmap.depth(), 8) // 8
