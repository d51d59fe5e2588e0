"""Real image files for the reference tests, made with Pillow."""

from __future__ import annotations

import io

from PIL import Image


def image_file(fmt: str = "PNG", size: tuple[int, int] = (640, 480), mode: str = "RGB",
               colour: tuple[int, ...] = (200, 80, 40), noise: bool = False) -> bytes:
    image = Image.new(mode, size, colour)
    if noise:  # incompressible pixels: a large file at a modest size
        image = Image.frombytes("RGB", size, _random_bytes(size[0] * size[1] * 3))
    out = io.BytesIO()
    image.save(out, format=fmt)
    return out.getvalue()


def _random_bytes(count: int) -> bytes:
    import random

    return random.Random(7).randbytes(count)
