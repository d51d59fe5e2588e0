"""Embedded generation metadata: round trips for PNG, JPEG and WebP, Chinese text, hostile input."""

from __future__ import annotations

import hashlib
import io
import struct
import zlib
from pathlib import Path

import pytest
from PIL import Image

from qwenimg_desktop.core.params import GenerationRequest
from qwenimg_desktop.core.store.metadata import (
    EmbeddedMeta,
    MetadataError,
    embed_bytes,
    embed_file,
    parameters_text,
    parse_parameters_text,
    read_metadata,
)
from tests.history.conftest import image_bytes

CHINESE = "## 场景\n一只可爱的猫坐在窗台上，水彩风格 & <b>not html</b>\n- 金色的光"


def meta_for(fmt: str, prompt: str = CHINESE, **extra: object) -> EmbeddedMeta:
    request = GenerationRequest.model_validate({
        "prompt": prompt, "negative_prompt": "模糊, low quality", "output_format": fmt,
        "image_size": {"width": 1280, "height": 720}, "enable_prompt_expansion": False, **extra,
    })
    return EmbeddedMeta(request=request, seed=987654, request_id="req-abc", job_id="f" * 32)


def decode(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


@pytest.mark.parametrize("fmt", ["png", "jpeg", "webp"])
def test_round_trip_keeps_pixels_and_chinese_text(fmt: str) -> None:
    original = image_bytes(fmt)
    meta = meta_for(fmt)
    embedded = embed_bytes(original, fmt, meta)
    assert read_metadata(embedded) == meta
    assert read_metadata(embedded).restored_request().seed == 987654  # type: ignore[union-attr]
    before, after = decode(original), decode(embedded)
    assert after.size == before.size
    assert after.tobytes() == before.tobytes()  # no re-encode
    # Embedding twice replaces ours instead of stacking copies.
    assert embed_bytes(embedded, fmt, meta) == embedded


def test_png_uses_itxt_that_other_readers_see() -> None:
    embedded = embed_bytes(image_bytes("png"), "png", meta_for("png"))
    image = decode(embedded)
    text = image.text["parameters"]  # type: ignore[attr-defined]
    assert text.startswith(CHINESE)
    assert "\nNegative prompt: 模糊, low quality\n" in text
    assert "Seed: 987654, Size: 1280x720, Model: fal-ai/qwen-image-2/pro/text-to-image" in text
    assert b"iTXt" in embedded
    assert b"tEXt" not in embedded
    assert '"request_id":"req-abc"' in image.text["qwenimg"]  # type: ignore[attr-defined]


@pytest.mark.parametrize("fmt", ["jpeg", "webp"])
def test_xmp_is_visible_to_pillow(fmt: str) -> None:
    embedded = embed_bytes(image_bytes(fmt), fmt, meta_for(fmt))
    xmp = decode(embedded).info["xmp"]
    assert "一只可爱的猫".encode() in xmp
    assert b"x:xmpmeta" in xmp


@pytest.mark.parametrize(("lossless", "mode"), [(False, "RGB"), (True, "RGB"), (True, "RGBA")])
def test_simple_webp_becomes_extended_and_still_decodes(lossless: bool, mode: str) -> None:
    out = io.BytesIO()
    Image.new(mode, (123, 45), (10, 200, 30, 90)[:len(mode)]).save(out, "WEBP", lossless=lossless)
    original = out.getvalue()
    assert original[12:16] in (b"VP8 ", b"VP8L")
    embedded = embed_bytes(original, "webp", meta_for("webp"))
    assert embedded[12:16] == b"VP8X"
    flags = embedded[20]
    assert flags & 0x04  # XMP flag
    assert bool(flags & 0x10) == (mode == "RGBA")
    width = 1 + int.from_bytes(embedded[24:27], "little")
    height = 1 + int.from_bytes(embedded[27:30], "little")
    assert (width, height) == (123, 45)
    assert struct.unpack("<I", embedded[4:8])[0] == len(embedded) - 8
    image = decode(embedded)
    assert image.size == (123, 45)
    assert image.mode == mode
    assert read_metadata(embedded) == meta_for("webp")


def test_huge_prompt_in_jpeg_uses_extended_xmp() -> None:
    meta = meta_for("jpeg", prompt="长提示词" * 5000)  # 60 kB of UTF-8, twice
    embedded = embed_bytes(image_bytes("jpeg"), "jpeg", meta)
    assert embedded.count(b"http://ns.adobe.com/xmp/extension/") >= 2
    decode(embedded)
    assert read_metadata(embedded) == meta


def test_embed_file_rewrites_atomically(tmp_path: Path) -> None:
    path = tmp_path / "image.png"
    path.write_bytes(image_bytes("png"))
    size, digest = embed_file(path, "png", meta_for("png"))
    assert path.stat().st_size == size
    assert hashlib.sha256(path.read_bytes()).hexdigest() == digest
    assert read_metadata(path) == meta_for("png")
    assert [p.name for p in tmp_path.iterdir()] == ["image.png"]  # no temp left behind


def test_format_mismatch_and_broken_containers_are_typed_errors() -> None:
    with pytest.raises(MetadataError, match="expected a webp"):
        embed_bytes(image_bytes("png"), "webp", meta_for("webp"))
    broken = bytearray(image_bytes("png"))
    broken[20] ^= 0xFF  # inside IHDR: checksum no longer matches
    with pytest.raises(MetadataError, match="checksum"):
        embed_bytes(bytes(broken), "png", meta_for("png"))
    with pytest.raises(MetadataError):
        embed_bytes(image_bytes("jpeg")[:40], "jpeg", meta_for("jpeg"))


def _png_with_text(keyword: bytes, text: bytes, kind: bytes = b"tEXt") -> bytes:
    data = image_bytes("png")
    payload = keyword + b"\x00" + text
    chunk = struct.pack(">I", len(payload)) + kind + payload + struct.pack(
        ">I", zlib.crc32(kind + payload))
    return data[:33] + chunk + data[33:]


def test_untrusted_metadata_is_validated() -> None:
    assert read_metadata(image_bytes("png")) is None
    assert read_metadata(b"not an image at all") is None
    # Our keyword with JSON that is not a valid request: ignored, not trusted.
    assert read_metadata(_png_with_text(b"qwenimg", b'{"request": {"prompt": ""}}')) is None
    assert read_metadata(_png_with_text(b"qwenimg", b"{not json")) is None
    # A zTXt bomb is refused by the inflate cap.
    bomb = b"\x00" + zlib.compress(b"a" * (8 * 1024 * 1024))
    assert read_metadata(_png_with_text(b"parameters", bomb, b"zTXt")) is None
    # XML with a DTD is refused outright.
    evil = (b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><x>&a;</x>')
    webp = embed_bytes(image_bytes("webp"), "webp", meta_for("webp"))
    assert read_metadata(webp.replace(b"<x:xmpmeta", evil + b"<x:xmpmeta")) is None


def test_a1111_text_from_other_tools_is_a_fallback() -> None:
    text = ("a lighthouse at dusk\nsecond line\nNegative prompt: blurry\n"
            "Steps: 20, Sampler: Euler a, CFG scale: 7, Seed: 42, Size: 1024x768, Model: sdxl")
    meta = read_metadata(_png_with_text(b"parameters", text.encode("latin-1")))
    assert meta is not None
    assert meta.request.prompt == "a lighthouse at dusk\nsecond line"
    assert meta.request.negative_prompt == "blurry"
    assert meta.seed == 42
    assert meta.request.dimensions == (1024, 768)
    ours = meta_for("png")
    assert parse_parameters_text(parameters_text(ours)) is not None
