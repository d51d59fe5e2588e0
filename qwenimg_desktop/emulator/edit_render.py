"""Edit results that visibly use their inputs: the reference images composed side by side.

Each input fills its own column (scaled to cover it), numbered as the prompt names it
("image 1", "image 2", ...), under a seed-coloured tint and a band with the prompt. A screenshot
of an edit therefore shows at a glance which references it was made from, and in what order.
"""

from __future__ import annotations

import math
import random
from pathlib import Path
from typing import Final

from PIL import Image, ImageDraw, ImageFont, ImageOps

from qwenimg_desktop.emulator.render import CJK_FONT_CANDIDATES, RenderedImage, encode

MIN_PIXELS: Final = 512 * 512
MAX_PIXELS: Final = 2048 * 2048


def output_size(inputs: list[Image.Image]) -> tuple[int, int]:
    """Without ``image_size``: the last input's size, scaled into 512²..2048² total pixels."""
    width, height = inputs[-1].size
    total = width * height
    scale = 1.0
    if total > MAX_PIXELS:
        scale = math.sqrt(MAX_PIXELS / total)
    elif total < MIN_PIXELS:
        scale = math.sqrt(MIN_PIXELS / total)
    return max(1, int(width * scale)), max(1, int(height * scale))


def render_edit(inputs: list[Image.Image], prompt: str, seed: int, index: int, width: int,
                height: int, output_format: str) -> RenderedImage:
    """One encoded edit result (``index`` varies the tint, like a new sample)."""
    return encode(compose(inputs, width, height, prompt, seed, index), output_format)

_BAND: Final = 0.16  # the prompt band's share of the height


def compose(inputs: list[Image.Image], width: int, height: int, prompt: str, seed: int,
            variant: int = 0) -> Image.Image:
    """An RGB image of ``width``×``height`` built from ``inputs`` (at least one)."""
    rng = random.Random(seed * 1009 + variant)
    tint = (rng.randrange(40, 220), rng.randrange(40, 220), rng.randrange(40, 220))
    canvas = Image.new("RGB", (width, height), tint)
    count = max(1, len(inputs))
    column = width // count
    for index, source in enumerate(inputs):
        cell_width = width - column * index if index == count - 1 else column
        cell = ImageOps.fit(source.convert("RGB"), (max(1, cell_width), height),
                            Image.Resampling.BILINEAR)
        canvas.paste(cell, (column * index, 0))
    overlay = Image.new("RGB", canvas.size, tint)
    canvas = Image.blend(canvas, overlay, 0.18 + 0.04 * (variant % 3))
    draw = ImageDraw.Draw(canvas)
    font = _font(max(12, height // 18))
    for index in range(len(inputs)):
        x = column * index + 12
        draw.rounded_rectangle((x, 12, x + height // 9, 12 + height // 9), radius=8,
                               fill=(20, 20, 20))
        draw.text((x + height // 40, 12 + height // 60), str(index + 1), fill=(255, 255, 255),
                  font=font)
    band_top = int(height * (1 - _BAND))
    draw.rectangle((0, band_top, width, height), fill=(15, 15, 15))
    text = " ".join(prompt.split())[:120] or "edit"
    draw.text((12, band_top + height // 60), text, fill=(240, 240, 240), font=font)
    return canvas


def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    for candidate in CJK_FONT_CANDIDATES:
        if Path(candidate).is_file():
            try:
                return ImageFont.truetype(candidate, size)
            except OSError:
                continue
    return ImageFont.load_default(size)
