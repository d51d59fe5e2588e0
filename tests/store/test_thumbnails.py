"""Thumbnails from real PNG, JPEG and WebP files, and refusal of broken or oversized images."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from PIL import Image

from qwenimg_desktop.core.errors import DownloadError
from qwenimg_desktop.core.store.thumbnails import make_thumbnail


def _save(path: Path, size: tuple[int, int], fmt: str, mode: str = "RGB") -> Path:
    image = Image.new(mode, size)
    for x in range(0, size[0], 16):  # a little structure so encoders do real work
        image.paste((x % 256, 80, 160) if mode == "RGB" else (x % 256, 80, 160, 128),
                    (x, 0, min(x + 8, size[0]), size[1]))
    image.save(path, fmt)
    return path


@pytest.mark.parametrize(("fmt", "ext", "size", "mode"), [
    ("PNG", "png", (1024, 768), "RGBA"),
    ("JPEG", "jpg", (2048, 1152), "RGB"),
    ("WEBP", "webp", (576, 1024), "RGB"),
    ("PNG", "png", (100, 60), "RGB"),  # smaller than the box: never upscaled
])
def test_thumbnail_fits_box(tmp_path: Path, fmt: str, ext: str, size: tuple[int, int],
                            mode: str) -> None:
    src = _save(tmp_path / f"src.{ext}", size, fmt, mode)
    dest = tmp_path / "thumbs" / "ab" / "t.jpg"
    assert make_thumbnail(src, dest) == size  # returns the source dimensions
    with Image.open(dest) as thumb:
        assert thumb.format == "JPEG"
        assert thumb.mode == "RGB"
        assert max(thumb.size) == min(256, max(size))
        ratio_src = size[0] / size[1]
        assert abs(thumb.size[0] / thumb.size[1] - ratio_src) < 0.05
    assert os.listdir(dest.parent) == ["t.jpg"]


def test_custom_size(tmp_path: Path) -> None:
    src = _save(tmp_path / "s.png", (800, 800), "PNG")
    make_thumbnail(src, tmp_path / "t.jpg", size=64)
    with Image.open(tmp_path / "t.jpg") as thumb:
        assert thumb.size == (64, 64)


def test_not_an_image(tmp_path: Path) -> None:
    src = tmp_path / "fake.png"
    src.write_bytes(b"<html>not an image</html>")
    with pytest.raises(DownloadError, match=r"fake\.png"):
        make_thumbnail(src, tmp_path / "t.jpg")
    assert not (tmp_path / "t.jpg").exists()


def test_truncated_image(tmp_path: Path) -> None:
    src = _save(tmp_path / "full.png", (512, 512), "PNG")
    cut = tmp_path / "cut.png"
    cut.write_bytes(src.read_bytes()[:300])
    with pytest.raises(DownloadError):
        make_thumbnail(cut, tmp_path / "t.jpg")
    assert not (tmp_path / "t.jpg").exists()


@pytest.mark.parametrize("limit", [5_000, 9_000])  # past 2× the limit: error; past 1×: warning
def test_decompression_bomb_guard(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                  limit: int) -> None:
    src = _save(tmp_path / "big.png", (120, 100), "PNG")
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", limit)
    with pytest.raises(DownloadError, match="safely"):
        make_thumbnail(src, tmp_path / "t.jpg")
    assert not (tmp_path / "t.jpg").exists()


def test_missing_source_is_not_hidden(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        make_thumbnail(tmp_path / "gone.png", tmp_path / "t.jpg")
