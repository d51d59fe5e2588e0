"""The placeholder renderer: exact sizes, real encodings, determinism."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from qwenimg_desktop.core.params import PRESET_DIMENSIONS, OutputFormat
from qwenimg_desktop.emulator.render import render_image

PIL_FORMATS = {OutputFormat.png: "PNG", OutputFormat.jpeg: "JPEG", OutputFormat.webp: "WEBP"}


@pytest.mark.parametrize("fmt", list(OutputFormat))
def test_each_format_decodes_at_the_requested_size(fmt: OutputFormat) -> None:
    rendered = render_image("一只猫 and a dog", 7, 0, 640, 480, fmt)
    with Image.open(io.BytesIO(rendered.data)) as image:
        assert image.format == PIL_FORMATS[fmt]
        assert image.size == (640, 480)
    assert rendered.content_type == f"image/{fmt.value}"


@pytest.mark.parametrize(("preset", "size"), list(PRESET_DIMENSIONS.items()))
def test_presets_render_at_their_dimensions(preset: object, size: tuple[int, int]) -> None:
    rendered = render_image("x", 1, 0, *size)
    with Image.open(io.BytesIO(rendered.data)) as image:
        assert image.size == size


def test_largest_size_renders() -> None:
    rendered = render_image("big", 3, 0, 2048, 2048)
    with Image.open(io.BytesIO(rendered.data)) as image:
        assert image.size == (2048, 2048)


def test_rendering_is_deterministic_and_seed_dependent() -> None:
    first = render_image("same prompt", 42, 0, 512, 512)
    assert first.data == render_image.__wrapped__("same prompt", 42, 0, 512, 512).data  # afresh
    assert first.data != render_image("same prompt", 43, 0, 512, 512).data
    assert first.data != render_image("same prompt", 42, 1, 512, 512).data
    assert first.data != render_image("other prompt", 42, 0, 512, 512).data


def test_text_is_drawn() -> None:
    blank = render_image("", 5, 0, 512, 512)
    with_text = render_image("a long visible caption\nsecond line", 5, 0, 512, 512)
    with Image.open(io.BytesIO(blank.data)) as a, Image.open(io.BytesIO(with_text.data)) as b:
        assert a.getbbox() is not None
        assert a.convert("RGB").tobytes() != b.convert("RGB").tobytes()
