"""Build the Windows .ico and macOS .icns app icons from the rendered PNG sizes.

Usage: ``python packaging/make_icons.py`` (after ``resources/icons/render_icons.py``). Writes
``resources/icons/app.ico`` (16-256 px) and ``resources/icons/app.icns`` (16-512 px).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Final

from PIL import Image

ICONS: Final = Path(__file__).resolve().parents[1] / "resources" / "icons"
ICO_SIZES: Final = (16, 24, 32, 48, 64, 128, 256)
ICNS_SIZES: Final = (16, 32, 64, 128, 256, 512)


def _png(size: int) -> Image.Image:
    path = ICONS / f"qwenimg-desktop-{size}.png"
    with Image.open(path) as image:
        image.load()
        if image.size != (size, size):
            raise SystemExit(f"{path.name} is {image.size}, expected {size}x{size}")
        return image.convert("RGBA")


def write_ico(target: Path) -> None:
    """One .ico holding every size, each from its own hand-rendered PNG."""
    images = [_png(size) for size in ICO_SIZES]
    largest = images[-1]
    largest.save(target, format="ICO", sizes=[(s, s) for s in ICO_SIZES],
                 append_images=images[:-1])


def write_icns(target: Path) -> None:
    """One .icns from the largest PNG plus the smaller renders."""
    images = [_png(size) for size in ICNS_SIZES]
    images[-1].save(target, format="ICNS", append_images=images[:-1])


def main() -> int:
    write_ico(ICONS / "app.ico")
    write_icns(ICONS / "app.icns")
    sys.stdout.write(f"wrote app.ico and app.icns in {ICONS}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
