"""A downloaded image is verified, embedded with its metadata, and written and fsynced once."""

from __future__ import annotations

import dataclasses
import hashlib
import io
import os
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from PIL import Image

from qwenimg_desktop.core.errors import DownloadError
from qwenimg_desktop.core.fal.download import DownloadedImage, Downloader
from qwenimg_desktop.core.params import GenerationRequest
from qwenimg_desktop.core.store.metadata import EmbeddedMeta, embed_bytes, read_metadata
from tests.core.helpers import FAST_RETRY, run
from tests.fixtures.loopback_http import LoopbackHTTP


def _png() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (640, 480), (20, 120, 200)).save(buf, "PNG")
    return buf.getvalue()


@dataclasses.dataclass
class _Media(LoopbackHTTP):
    """Serves ``body`` as a PNG at any path."""

    body: bytes = b""
    _server: ThreadingHTTPServer | None = None

    def answer(self, handler: BaseHTTPRequestHandler, method: str) -> None:
        handler.send_response(200)
        handler.send_header("Content-Type", "image/png")
        handler.send_header("Content-Length", str(len(self.body)))
        handler.end_headers()
        handler.wfile.write(self.body)


@pytest.fixture
def media() -> Iterator[_Media]:
    with _Media() as server:
        yield server


class _Recorder:
    """An embed that records what it was given and adds the metadata, as the pipeline does."""

    def __init__(self) -> None:
        self.meta = EmbeddedMeta(request=GenerationRequest(prompt="one write", seed=7), seed=7,
                                 request_id="req-1", job_id="job-1")
        self.calls: list[tuple[bytes, str]] = []

    def __call__(self, data: bytes, fmt: str) -> bytes:
        self.calls.append((data, fmt))
        return embed_bytes(data, fmt, self.meta)


def _fetch(url: str, dest: Path, embed: _Recorder) -> DownloadedImage:
    downloader = Downloader(retry=FAST_RETRY)

    async def go() -> DownloadedImage:
        try:
            return await downloader.fetch(url, dest, content_type="image/png",
                                          fallback_format="png", embed=embed)
        finally:
            await downloader.aclose()

    return run(go())


def _counting_fsyncs(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Every fsync call, still made (a count of the real calls, nothing replaced)."""
    calls: list[int] = []
    real = os.fsync

    def counted(fd: int) -> None:
        calls.append(fd)
        real(fd)

    monkeypatch.setattr(os, "fsync", counted)
    return calls


def test_the_image_is_embedded_before_its_one_fsync_and_rename(
    media: _Media, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    media.body = _png()
    embed = _Recorder()
    fsyncs = _counting_fsyncs(monkeypatch)
    dest = tmp_path / "img" / "0.png"
    got = _fetch(f"{media.base_url}/files/0.png", dest, embed)

    assert embed.calls == [(media.body, "png")]  # the bytes as downloaded, verified first
    kept = dest.read_bytes()
    assert (got.size_bytes, got.sha256) == (len(kept), hashlib.sha256(kept).hexdigest())
    meta = read_metadata(dest)
    assert meta is not None
    assert (meta.request_id, meta.seed) == ("req-1", 7)
    with Image.open(dest) as img:  # the pixels untouched and whole
        img.load()
        assert img.size == (640, 480)
    # One fsync of the file and one of its folder (it was two of each: the download, then the
    # metadata's rewrite), and nothing left beside the image.
    assert len(fsyncs) == 2
    assert sorted(p.name for p in dest.parent.iterdir()) == ["0.png"]


@pytest.mark.parametrize("damage", ["cut", "flipped"])
def test_a_damaged_download_is_refused_before_anything_is_embedded(
    media: _Media, tmp_path: Path, damage: str
) -> None:
    good = _png()
    if damage == "cut":
        media.body = good[: len(good) - 40]  # IEND and the end of the pixels missing
    else:
        middle = len(good) // 2
        media.body = good[:middle] + bytes([good[middle] ^ 0xFF]) + good[middle + 1:]
    embed = _Recorder()
    dest = tmp_path / "img" / "0.png"
    with pytest.raises(DownloadError, match="not a valid image"):
        _fetch(f"{media.base_url}/files/0.png", dest, embed)
    assert embed.calls == []
    assert list(dest.parent.iterdir()) == []  # no image, no temp file


def test_an_inline_image_is_embedded_in_its_one_write(tmp_path: Path) -> None:
    import base64

    data = _png()
    embed = _Recorder()
    dest = tmp_path / "0.png"
    uri = "data:image/png;base64," + base64.b64encode(data).decode()
    got = _fetch(uri, dest, embed)
    assert embed.calls == [(data, "png")]
    assert read_metadata(dest) is not None
    assert got.sha256 == hashlib.sha256(dest.read_bytes()).hexdigest()


def test_a_bad_inline_image_with_an_embed_leaves_nothing(tmp_path: Path) -> None:
    import base64

    embed = _Recorder()
    uri = "data:image/png;base64," + base64.b64encode(b"\x89PNG\r\n\x1a\n cut").decode()
    with pytest.raises(DownloadError, match="not a valid image"):
        _fetch(uri, tmp_path / "0.png", embed)
    assert embed.calls == []
    assert list(tmp_path.iterdir()) == []
