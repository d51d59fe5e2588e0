"""One decode per image: the verifying decode also yields the thumbnail (download preview)."""

from __future__ import annotations

import base64
import io
from pathlib import Path

from PIL import Image

from qwenimg_desktop.core.fal.download import DownloadedImage, Downloader, verify_with_preview
from qwenimg_desktop.core.jobs import events as ev
from qwenimg_desktop.core.params import CustomSize, GenerationRequest, OutputFormat
from qwenimg_desktop.core.store.thumbnails import THUMB_SIZE, thumbnail_bytes
from tests.core.conftest import EngineFactory
from tests.core.helpers import FAST_RETRY, run
from tests.fixtures.emulator import EmulatorFactory


def _png(size: tuple[int, int], colour: tuple[int, ...], mode: str = "RGB") -> bytes:
    buf = io.BytesIO()
    Image.new(mode, size, colour).save(buf, "PNG")
    return buf.getvalue()


def _fetch_data_uri(data: bytes, dest: Path, preview: object) -> DownloadedImage:
    downloader = Downloader(retry=FAST_RETRY)
    uri = f"data:image/png;base64,{base64.b64encode(data).decode()}"

    async def go() -> DownloadedImage:
        try:
            return await downloader.fetch(uri, dest, content_type="image/png",
                                          fallback_format="png", preview=preview)  # type: ignore[arg-type]
        finally:
            await downloader.aclose()

    return run(go())


def test_preview_gets_the_decoded_pixels_and_its_bytes_come_back(tmp_path: Path) -> None:
    seen: list[tuple[tuple[int, int], object]] = []

    def preview(image: Image.Image) -> bytes:
        seen.append((image.size, image.getpixel((5, 5))))  # pixels are loaded already
        return b"derived"

    got = _fetch_data_uri(_png((700, 500), (10, 200, 30)), tmp_path / "a.png", preview)
    assert seen == [((700, 500), (10, 200, 30))]
    assert got.preview == b"derived"
    assert (got.width, got.height) == (700, 500)
    assert (tmp_path / "a.png").is_file()


def test_a_failing_preview_does_not_fail_the_download(tmp_path: Path) -> None:
    def preview(image: Image.Image) -> bytes:
        raise OSError("encoder broke")

    got = _fetch_data_uri(_png((64, 64), (1, 2, 3)), tmp_path / "b.png", preview)
    assert got.preview is None
    assert (tmp_path / "b.png").is_file()


def test_without_preview_nothing_is_derived(tmp_path: Path) -> None:
    path = tmp_path / "c.png"
    path.write_bytes(_png((32, 16), (0, 0, 0)))
    assert verify_with_preview(path, "PNG", None) == (32, 16, "png", None)


def test_thumbnail_bytes_fit_the_box_keep_aspect_and_leave_the_image_alone() -> None:
    image = Image.new("RGB", (2048, 1024), (250, 10, 10))
    data = thumbnail_bytes(image)
    assert image.size == (2048, 1024)
    with Image.open(io.BytesIO(data)) as thumb:
        assert thumb.format == "JPEG"
        assert thumb.size == (THUMB_SIZE, THUMB_SIZE // 2)
        red, green, blue = thumb.getpixel((10, 10))  # type: ignore[misc]
        assert red > 200 and green < 60 and blue < 60  # noqa: PT018
    with Image.open(io.BytesIO(thumbnail_bytes(Image.new("RGB", (100, 80))))) as small:
        assert small.size == (100, 80)  # never enlarged


def test_thumbnail_bytes_flatten_transparency_over_grey() -> None:
    clear = Image.new("RGBA", (300, 300), (255, 0, 0, 0))
    with Image.open(io.BytesIO(thumbnail_bytes(clear))) as thumb:
        assert thumb.mode == "RGB"
        red, green, blue = thumb.getpixel((3, 3))  # type: ignore[misc]
        assert abs(red - 128) < 8 and abs(green - 128) < 8 and abs(blue - 128) < 8  # noqa: PT018


def test_engine_thumbnail_matches_the_downloaded_image(
    emulator_factory: EmulatorFactory, engine_factory: EngineFactory
) -> None:
    server = emulator_factory()
    engine, log = engine_factory(server.base_url)
    request = GenerationRequest(prompt="thumbnail check", seed=7, num_images=1,
                                image_size=CustomSize(width=1024, height=512),
                                output_format=OutputFormat.png)
    job_id = engine.submit(request)
    final = log.wait_final(job_id)
    assert isinstance(final, ev.Completed), final
    assert engine.store is not None
    record = engine.store.get(job_id)
    assert record is not None and record.images[0].thumb_path  # noqa: PT018
    thumb_file = engine.layout.absolute(record.images[0].thumb_path)
    with Image.open(final.image_paths[0]) as full, Image.open(thumb_file) as thumb:
        assert thumb.format == "JPEG"
        assert thumb.size == (THUMB_SIZE, THUMB_SIZE // 2)
        expected = full.convert("RGB").resize(thumb.size, Image.Resampling.BOX)
        diffs = [abs(a - b) for a, b in zip(expected.tobytes(), thumb.convert("RGB").tobytes(),
                                            strict=True)]
        assert sum(diffs) / len(diffs) < 12  # the same picture, not another image's
