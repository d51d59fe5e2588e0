"""Render the app icon SVG into PNG sizes (run after editing qwenimg-desktop.svg).

Usage: ``QT_QPA_PLATFORM=offscreen python resources/icons/render_icons.py``
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication, QImage, QPainter
from PySide6.QtSvg import QSvgRenderer

SIZES = (16, 24, 32, 48, 64, 128, 256, 512)
HERE = Path(__file__).resolve().parent


def render(svg: Path, size: int, target: Path) -> None:
    renderer = QSvgRenderer(str(svg))
    if not renderer.isValid():
        raise SystemExit(f"invalid SVG: {svg}")
    image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    renderer.render(painter)
    painter.end()
    if not image.save(str(target), "PNG"):
        raise SystemExit(f"could not write {target}")


def main() -> int:
    _app = QGuiApplication(sys.argv[:1])
    svg = HERE / "qwenimg-desktop.svg"
    for size in SIZES:
        render(svg, size, HERE / f"qwenimg-desktop-{size}.png")
    sys.stdout.write(f"rendered {len(SIZES)} sizes from {svg.name}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
