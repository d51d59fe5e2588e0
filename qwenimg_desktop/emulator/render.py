"""Deterministic placeholder images: seed-coloured background with the prompt drawn on it."""

from __future__ import annotations

import functools
import io
import random
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from PIL import Image, ImageDraw, ImageFont

CJK_FONT_CANDIDATES: Final = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/System/Library/Fonts/PingFang.ttc",
    "C:/Windows/Fonts/msyh.ttc",
)
CONTENT_TYPES: Final[dict[str, str]] = {
    "png": "image/png",
    "jpeg": "image/jpeg",
    "webp": "image/webp",
}
EXTENSIONS: Final[dict[str, str]] = {"png": "png", "jpeg": "jpg", "webp": "webp"}
_GRID: Final = 16  # gradient control points per side, upscaled bilinearly
_MAX_TEXT_LINES: Final = 4

FontType = ImageFont.FreeTypeFont | ImageFont.ImageFont


@dataclass(frozen=True)
class RenderedImage:
    """One encoded image and what the result JSON says about it."""

    data: bytes
    width: int
    height: int
    output_format: str  # png / jpeg / webp

    @property
    def content_type(self) -> str:
        return CONTENT_TYPES[self.output_format]

    @property
    def extension(self) -> str:
        return EXTENSIONS[self.output_format]


@functools.cache
def _font_path() -> str | None:
    for candidate in CJK_FONT_CANDIDATES:
        if Path(candidate).is_file():
            return candidate
    return None


@functools.lru_cache(maxsize=32)
def _font(size: int) -> FontType:
    path = _font_path()
    if path is not None:
        try:
            return ImageFont.truetype(path, size)
        except OSError:
            pass
    return ImageFont.load_default(size=size)


def _background(rng: random.Random, width: int, height: int) -> Image.Image:
    corners = [tuple(rng.randrange(30, 226) for _ in range(3)) for _ in range(4)]
    small = Image.new("RGB", (_GRID, _GRID))
    pixels = []
    for y in range(_GRID):
        fy = y / (_GRID - 1)
        for x in range(_GRID):
            fx = x / (_GRID - 1)
            weights = ((1 - fx) * (1 - fy), fx * (1 - fy), (1 - fx) * fy, fx * fy)
            pixels.append(
                tuple(int(sum(w * c[i] for w, c in zip(weights, corners, strict=True)))
                      for i in range(3))
            )
    small.putdata(pixels)
    return small.resize((width, height), Image.Resampling.BILINEAR)


def _shapes(draw: ImageDraw.ImageDraw, rng: random.Random, width: int, height: int) -> None:
    for _ in range(6):
        x0, y0 = rng.randrange(width), rng.randrange(height)
        radius = rng.randrange(max(8, min(width, height) // 12), max(16, min(width, height) // 4))
        colour = tuple(rng.randrange(256) for _ in range(3))
        box = (x0 - radius, y0 - radius, x0 + radius, y0 + radius)
        if rng.random() < 0.5:
            draw.ellipse(box, outline=colour, width=max(2, radius // 10))
        else:
            draw.rectangle(box, outline=colour, width=max(2, radius // 10))


_TOKEN: Final = re.compile(r"\s+|[\u2e80-\u9fff\uac00-\ud7af\uff00-\uffef]|[^\s\u2e80-\u9fff]+")


def _wrap(text: str, font: FontType, max_width: float) -> list[str]:
    """Greedy wrap by measured width: words for Latin, characters for CJK."""
    lines: list[str] = []
    current = ""
    for token in _TOKEN.findall(text):
        candidate = current + token
        if font.getlength(candidate) <= max_width:
            current = candidate
            continue
        if current.strip():
            lines.append(current.rstrip())
        current = token.lstrip()
        while font.getlength(current) > max_width:  # a word wider than a line: cut it
            cut = len(current) - 1
            while cut > 1 and font.getlength(current[:cut]) > max_width:
                cut = max(1, min(cut - 1, int(cut * max_width / font.getlength(current[:cut]))))
            lines.append(current[:cut])
            current = current[cut:]
    if current.strip():
        lines.append(current.rstrip())
    return lines


def _caption(prompt: str, seed: int, index: int, font: FontType, max_width: float) -> list[str]:
    lines: list[str] = []
    for raw in prompt.strip().splitlines():
        if raw.strip():
            lines.extend(_wrap(raw.strip(), font, max_width))
        if len(lines) >= _MAX_TEXT_LINES:
            break
    lines = lines[:_MAX_TEXT_LINES] or ["(empty prompt)"]
    return [*lines, f"seed {seed} · image {index}"]


def _draw_text(image: Image.Image, prompt: str, seed: int, index: int) -> None:
    width, height = image.size
    size = max(12, min(width, height) // 22)
    font = _font(size)
    margin = size
    lines = _caption(prompt, seed, index, font, width - 2 * margin)
    draw = ImageDraw.Draw(image)
    line_height = int(size * 1.35)
    box_bottom = margin + line_height * len(lines) + size // 2
    draw.rectangle((margin // 2, margin // 2, width - margin // 2, box_bottom), fill=(0, 0, 0))
    for row, line in enumerate(lines):
        draw.text((margin, margin + row * line_height), line, font=font, fill=(255, 255, 255))


@functools.lru_cache(maxsize=32)  # the same request renders the same bytes: a CDN serves a copy
def render_image(
    prompt: str,
    seed: int,
    index: int,
    width: int,
    height: int,
    output_format: str = "png",
) -> RenderedImage:
    """Encode one deterministic image of exactly ``width`` × ``height`` pixels."""
    rng = random.Random(f"{seed}:{index}:{width}x{height}")
    image = _background(rng, width, height)
    _shapes(ImageDraw.Draw(image), rng, width, height)
    _draw_text(image, prompt, seed, index)
    return encode(image, str(output_format))


def encode(image: Image.Image, output_format: str) -> RenderedImage:
    """``image`` encoded as fal would send it (fast settings: the emulator's cost is not fal's)."""
    buffer = io.BytesIO()
    if output_format == "png":
        image.save(buffer, format="PNG", compress_level=1)
    elif output_format == "jpeg":
        image.save(buffer, format="JPEG", quality=90)
    else:
        image.save(buffer, format="WEBP", quality=80, method=0)
    return RenderedImage(buffer.getvalue(), image.width, image.height, output_format)
