"""Downloads: data URIs and loopback http, size caps, sniffing, bombs, no partial files."""

from __future__ import annotations

import base64
import io
import struct
import time
import zlib
from pathlib import Path

import httpx
import pytest
from PIL import Image

from qwenimg_desktop.core.errors import DownloadError
from qwenimg_desktop.core.fal.download import (
    Downloader,
    check_media_url,
    decode_data_uri,
    write_verified,
)
from tests.core.helpers import FAST_RETRY, run
from tests.fixtures.emulator import EmulatorFactory


def _png(width: int = 600, height: int = 520) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (width, height), (200, 30, 30)).save(buf, "PNG")
    return buf.getvalue()


def _bomb_png(width: int = 100_000, height: int = 100_000) -> bytes:
    """A tiny PNG whose header claims a huge canvas."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 64)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def _data_uri(data: bytes, mime: str = "image/png") -> str:
    return f"data:{mime};base64,{base64.b64encode(data).decode()}"


def _leftovers(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if p.is_file() and p.name.startswith(".")]


def _fetch(url: str, dest: Path, *, content_type: str | None = "image/png", **kw: object) -> object:
    downloader = Downloader(retry=FAST_RETRY, **kw)  # type: ignore[arg-type]

    async def go() -> object:
        try:
            return await downloader.fetch(
                url, dest, content_type=content_type, fallback_format="png"
            )
        finally:
            await downloader.aclose()

    return run(go())


def test_data_uri_is_written_atomically(tmp_path: Path) -> None:
    dest = tmp_path / "out" / "a.png"
    got = _fetch(_data_uri(_png()), dest)
    assert dest.read_bytes() == _png()
    assert (got.width, got.height, got.format) == (600, 520, "png")  # type: ignore[attr-defined]
    assert _leftovers(tmp_path) == []


@pytest.mark.parametrize(
    ("uri", "message"),
    [
        ("data:image/png;base64,@@@", "bad base64"),
        ("data:image/png;base64", "no comma"),
        (_data_uri(b"not an image at all"), "not a valid image"),
        (_data_uri(_png(), "image/jpeg"), "expected a JPEG"),
        (_data_uri(_bomb_png()), "decompression bomb"),
        (_data_uri(_bomb_png(5000, 5000)), "exceeds the safety limit"),
    ],
    ids=["bad-base64", "no-comma", "not-image", "wrong-type", "bomb", "oversized"],
)
def test_bad_inline_images_leave_nothing(tmp_path: Path, uri: str, message: str) -> None:
    dest = tmp_path / "x.png"
    with pytest.raises(DownloadError, match=message):
        _fetch(uri, dest, content_type=None)
    assert not dest.exists()
    assert _leftovers(tmp_path) == []


def test_size_cap_applies_before_decoding() -> None:
    with pytest.raises(DownloadError, match="limit"):
        decode_data_uri(_data_uri(b"x" * 5000), max_bytes=1000)


@pytest.mark.parametrize(
    "url",
    ["file:///etc/passwd", "http://example.com/a.png", "ftp://h/a.png", "javascript:alert(1)"],
)
def test_unsafe_media_urls_are_refused(url: str) -> None:
    with pytest.raises(DownloadError, match="refusing"):
        check_media_url(url)


def test_http_download_from_the_emulator(emulator_factory: EmulatorFactory, tmp_path: Path) -> None:
    server = emulator_factory()
    with httpx.Client() as http:
        sub = http.post(
            f"{server.base_url}/fal-ai/qwen-image-2/pro/text-to-image",
            json={"prompt": "x", "image_size": "square"},
            headers={"Authorization": "Key a:b"},
        ).json()
        for _ in range(200):
            status = http.get(sub["status_url"], headers={"Authorization": "Key a:b"}).json()
            if status["status"] == "COMPLETED":
                break
            time.sleep(0.02)
        result = http.get(sub["response_url"], headers={"Authorization": "Key a:b"}).json()
    image = result["images"][0]
    assert image["file_name"]
    # The server's file name is never used: we choose the destination.
    dest = tmp_path / "mine.png"
    got = _fetch(image["url"], dest, content_type=image["content_type"])
    assert dest.exists()
    assert got.width == 512  # type: ignore[attr-defined]
    too_small = tmp_path / "capped.png"
    with pytest.raises(DownloadError, match="limit"):
        _fetch(image["url"], too_small, max_bytes=100)
    assert not too_small.exists()
    assert _leftovers(tmp_path) == []


def test_expired_media_is_a_clear_error(emulator_factory: EmulatorFactory, tmp_path: Path) -> None:
    server = emulator_factory({"expired_media": {"probability": 1.0}})
    url = f"{server.base_url}/files/00000000-0000-0000-0000-000000000000/0.png"
    with pytest.raises(DownloadError, match="no longer available"):
        _fetch(url, tmp_path / "gone.png")


def test_write_verified_cleans_up_on_failure(tmp_path: Path) -> None:
    with pytest.raises(DownloadError):
        write_verified(b"\x89PNG\r\n\x1a\n truncated", tmp_path / "t.png", "PNG")
    assert list(tmp_path.iterdir()) == []
