"""A QImage encoded as PNG bytes in memory: the one way the window does it.

Through QImageWriter: PySide6 6.11's ``QImage.save(QIODevice, b"PNG")`` refuses its own
documented arguments (ValueError), which broke pasting an image as a reference.
"""

from __future__ import annotations

from PySide6.QtCore import QBuffer, QByteArray, QIODevice
from PySide6.QtGui import QImage, QImageWriter


def png_bytes(image: QImage) -> bytes:
    """``image`` as a PNG file's bytes (lossless; a pasted reference, a contact sheet).

    Raises:
        OSError: Qt could not encode it (a null image, no memory).
    """
    buffer = QBuffer()
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    writer = QImageWriter(buffer, QByteArray(b"png"))
    if not writer.write(image):
        raise OSError(f"the image could not be encoded as PNG: {writer.errorString()}")
    return bytes(buffer.data().data())
