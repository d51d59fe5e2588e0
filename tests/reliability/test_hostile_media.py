"""Media from a hostile server: redirects, damaged compression, slow bytes (a real loopback server).

Each case ends in a typed :class:`DownloadError` with a message, and no file or temp file is left.
"""

from __future__ import annotations

import io
import itertools
import re
import time
from pathlib import Path

import pytest
from PIL import Image

from qwenimg_desktop.core.errors import DownloadError
from qwenimg_desktop.core.fal.download import MAX_REDIRECTS, DownloadedImage, Downloader
from qwenimg_desktop.core.fal.limits import Pace
from tests.core.helpers import FAST_RETRY, run
from tests.reliability.hostile import Hostile, body, lan_address, redirect, streamed, trickled


def _png() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (64, 48), (10, 200, 30)).save(buf, "PNG")
    return buf.getvalue()


def _fetch(url: str, dest: Path, pace: Pace | None = None) -> DownloadedImage:
    downloader = Downloader(retry=FAST_RETRY, pace=pace)

    async def go() -> DownloadedImage:
        try:
            return await downloader.fetch(url, dest, content_type="image/png",
                                          fallback_format="png")
        finally:
            await downloader.aclose()

    return run(go())


def _nothing_left(folder: Path) -> bool:
    return not [p for p in folder.rglob("*") if p.is_file()]


def test_every_redirect_hop_is_checked_against_the_media_policy(tmp_path: Path) -> None:
    lan = lan_address()
    if lan is None:
        pytest.skip("this machine has no non-loopback address to redirect to")
    with Hostile(host="0.0.0.0") as server:  # reachable on the LAN address on purpose
        server.routes = {
            "/a.png": redirect("/b.png"),
            "/b.png": redirect(f"http://{lan}:{server.port}/c.png"),
            "/c.png": body(_png(), "image/png"),
        }
        refused = f"redirected: refusing plain-http media from {re.escape(lan)}"
        with pytest.raises(DownloadError, match=refused):
            _fetch(f"{server.base_url}/a.png", tmp_path / "x.png")
        assert server.paths() == ["/a.png", "/b.png"]  # the refused host was never contacted
    assert _nothing_left(tmp_path)


@pytest.mark.parametrize("target", ["file:///etc/passwd", "ftp://127.0.0.1/a.png",
                                    "data:image/png;base64,AAAA", "http://media.example/a.png"])
def test_a_redirect_to_a_refused_scheme_or_host_is_refused(tmp_path: Path, target: str) -> None:
    with Hostile() as server:
        server.routes = {"/a.png": redirect(target, 307)}
        with pytest.raises(DownloadError, match="redirected: refusing"):
            _fetch(f"{server.base_url}/a.png", tmp_path / "x.png")
        assert server.paths() == ["/a.png"]
    assert _nothing_left(tmp_path)


def test_a_redirect_chain_within_the_policy_is_followed(tmp_path: Path) -> None:
    with Hostile() as server:
        hops = [f"/{n}.png" for n in range(MAX_REDIRECTS + 1)]
        server.routes = {path: redirect(nxt) for path, nxt in itertools.pairwise(hops)}
        server.routes[hops[-1]] = body(_png(), "image/png")
        got = _fetch(f"{server.base_url}{hops[0]}", tmp_path / "x.png")
    assert (got.width, got.height) == (64, 48)
    assert (tmp_path / "x.png").read_bytes() == _png()


def test_a_redirect_loop_is_a_typed_error(tmp_path: Path) -> None:
    with Hostile() as server:
        server.routes = {"/a.png": redirect("/b.png"), "/b.png": redirect("/a.png")}
        with pytest.raises(DownloadError, match=f"more than {MAX_REDIRECTS} times"):
            _fetch(f"{server.base_url}/a.png", tmp_path / "x.png")
        assert len(server.paths()) == MAX_REDIRECTS + 1
    assert _nothing_left(tmp_path)


def test_garbage_under_gzip_is_a_typed_error(tmp_path: Path) -> None:
    with Hostile() as server:
        server.routes = {"/a.png": body(b"\x1f\x8b\x08\x00 this is no gzip stream" * 50,
                                        "image/png", headers={"Content-Encoding": "gzip"})}
        with pytest.raises(DownloadError, match="could not be decoded"):
            _fetch(f"{server.base_url}/a.png", tmp_path / "x.png")
    assert _nothing_left(tmp_path)


def test_media_trickled_below_the_stall_floor_stops_with_a_message(tmp_path: Path) -> None:
    data = _png()
    pace = Pace(deadline=60.0, window=0.6, floor=256)
    with Hostile() as server:
        server.routes = {"/a.png": streamed(lambda: trickled(data, 0.1), "image/png",
                                            length=len(data))}
        started = time.monotonic()
        with pytest.raises(DownloadError, match=r"stalled: fewer than 256 bytes arrived in 0\.6 s"):
            _fetch(f"{server.base_url}/a.png", tmp_path / "x.png", pace)
        assert time.monotonic() - started < 10.0
    assert _nothing_left(tmp_path)


def test_media_that_never_ends_meets_the_overall_deadline(tmp_path: Path) -> None:
    data = _png()
    # Fast enough for the stall floor (64 bytes every 0.05 s), far too slow for the deadline.
    pace = Pace(deadline=1.0, window=0.5, floor=64)
    with Hostile() as server:
        server.routes = {"/a.png": streamed(lambda: trickled(data * 50, 0.05, 64), "image/png",
                                            length=len(data) * 50)}
        started = time.monotonic()
        with pytest.raises(DownloadError, match="did not finish within 1 s"):
            _fetch(f"{server.base_url}/a.png", tmp_path / "x.png", pace)
        assert time.monotonic() - started < 10.0
    assert _nothing_left(tmp_path)


def test_a_redirect_from_another_machine_to_this_one_is_refused(tmp_path: Path) -> None:
    lan = lan_address()
    if lan is None:
        pytest.skip("this machine has no non-loopback address to start from")
    with Hostile(host="0.0.0.0") as server:  # reachable on the LAN address on purpose
        server.routes = {"/a.png": redirect(f"http://127.0.0.1:{server.port}/b.png"),
                         "/b.png": body(_png(), "image/png")}
        downloader = Downloader(retry=FAST_RETRY, allowed_http_hosts=frozenset({lan}))

        async def go() -> DownloadedImage:
            try:
                return await downloader.fetch(f"http://{lan}:{server.port}/a.png",
                                              tmp_path / "x.png", content_type="image/png",
                                              fallback_format="png")
            finally:
                await downloader.aclose()

        refused = f"refusing a redirect from {re.escape(lan)} to this machine"
        with pytest.raises(DownloadError, match=refused):
            run(go())
        assert server.paths() == ["/a.png"]
    assert _nothing_left(tmp_path)
