"""One full-size decode of a large image at a time in the window's process.

A 2048² image decodes to 16 MB of pixels, and the window decodes them on two workers: the
result viewer shows a finished job's image in full, and the tile loader makes the jobs list's
and the gallery's tiles of the same new images (a PNG has no scaled decode: Qt decodes it in
full, then scales) until the engine's thumbnails exist. When jobs finish together both ran at
once, and with the History tab's work beside them those overlaps were the window's peak memory
(issue 21, goal 5). :func:`decoding` lets one such decode run at a time; small images, and
JPEGs that Qt decodes straight to a small size (DCT scaling), do not wait.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Final

from PySide6.QtCore import QSize
from PySide6.QtGui import QImageIOHandler, QImageReader

LARGE_PIXELS: Final = 1024 * 1024
"""A decode of more pixels than this (4 MB at 32 bits a pixel) waits for the gate."""

_gate = threading.Lock()


@contextmanager
def decoding(reader: QImageReader) -> Iterator[None]:
    """Around ``reader.read()`` (on a worker): holds the gate while the decode is large."""
    if _pixels_decoded(reader) <= LARGE_PIXELS:
        yield
        return
    with _gate:
        yield


def _pixels_decoded(reader: QImageReader) -> int:
    """How many pixels ``reader`` will decode: the scaled size if its format decodes straight to
    it, else the image's own size (0 when the header does not say)."""
    scaled = reader.scaledSize()
    if (scaled.isValid() and not scaled.isEmpty()
            and reader.supportsOption(QImageIOHandler.ImageOption.ScaledSize)):
        return scaled.width() * scaled.height()
    size: QSize = reader.size()
    return max(0, size.width()) * max(0, size.height())
