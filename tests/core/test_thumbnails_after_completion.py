"""Thumbnails are made after a job completes; the download is verified without a full decode."""

from __future__ import annotations

import io
import shutil
import time
from pathlib import Path

import pytest
from PIL import Image

from qwenimg_desktop.core.errors import DownloadError
from qwenimg_desktop.core.fal.download import verify_image
from qwenimg_desktop.core.jobs import events as ev
from qwenimg_desktop.core.params import CustomSize, GenerationRequest, OutputFormat
from qwenimg_desktop.core.store.duplicates import dhash_file
from qwenimg_desktop.core.store.thumbnails import THUMB_SIZE
from tests.core.conftest import EngineFactory
from tests.fixtures.emulator import EmulatorFactory


def _encoded(fmt: str, size: tuple[int, int] = (640, 480)) -> bytes:
    image = Image.effect_noise(size, 60).convert("RGB")  # noise: every byte of scan data matters
    buf = io.BytesIO()
    image.save(buf, fmt)
    return buf.getvalue()


def _request(fmt: OutputFormat = OutputFormat.png, images: int = 1) -> GenerationRequest:
    return GenerationRequest(prompt="thumbnail check", seed=7, num_images=images,
                             image_size=CustomSize(width=1024, height=512), output_format=fmt)


@pytest.mark.parametrize("fmt", ["PNG", "JPEG", "WEBP"])
def test_intact_images_pass_and_cut_ones_fail(tmp_path: Path, fmt: str) -> None:
    data = _encoded(fmt)
    whole, cut = tmp_path / "whole", tmp_path / "cut"
    whole.write_bytes(data)
    cut.write_bytes(data[: len(data) * 2 // 3])
    assert verify_image(whole, fmt) == (640, 480, fmt.lower())
    with pytest.raises(DownloadError, match="not a valid image"):
        verify_image(cut, fmt)


def test_a_png_damaged_inside_its_pixel_data_fails_on_the_checksum(tmp_path: Path) -> None:
    data = bytearray(_encoded("PNG"))
    idat = data.index(b"IDAT")
    data[idat + 200] ^= 0xFF  # inside the first IDAT chunk: only its CRC can tell
    damaged = tmp_path / "damaged.png"
    damaged.write_bytes(bytes(data))
    with pytest.raises(DownloadError, match="not a valid image"):
        verify_image(damaged, "PNG")


@pytest.mark.parametrize("fmt", [OutputFormat.png, OutputFormat.jpeg])
def test_thumbnails_follow_completion_and_match_the_image(
    emulator_factory: EmulatorFactory, engine_factory: EngineFactory, fmt: OutputFormat
) -> None:
    server = emulator_factory()
    engine, log = engine_factory(server.base_url)
    job_id = engine.submit(_request(fmt, images=2))
    final = log.wait_final(job_id)
    assert isinstance(final, ev.Completed), final
    assert engine.wait_idle(10)  # idle includes the thumbnails of completed jobs
    assert engine.store is not None
    record = engine.store.get(job_id)
    assert record is not None
    assert len(record.images) == 2
    for image, path in zip(record.images, final.image_paths, strict=True):
        assert image.thumb_path is not None
        thumb_file = engine.layout.absolute(image.thumb_path)
        with Image.open(path) as full, Image.open(thumb_file) as thumb:
            assert thumb.format == "JPEG"
            assert thumb.size == (THUMB_SIZE, THUMB_SIZE // 2)
            expected = full.convert("RGB").resize(thumb.size, Image.Resampling.BOX)
            diffs = [abs(a - b) for a, b in zip(expected.tobytes(),
                                                thumb.convert("RGB").tobytes(), strict=True)]
            assert sum(diffs) / len(diffs) < 12  # the same picture, not another image's
    # the duplicate finder's dHash is computed with the thumbnail and stored with it
    hashes = {(j, i): h for j, i, h in engine.store.image_hashes()}
    assert set(hashes) == {(job_id, 0), (job_id, 1)}
    for image in record.images:
        assert image.thumb_path is not None
        assert hashes[(job_id, image.index)] == dhash_file(engine.layout.absolute(image.thumb_path))


def test_a_thumbnail_that_cannot_be_made_leaves_the_job_completed(
    emulator_factory: EmulatorFactory, engine_factory: EngineFactory
) -> None:
    server = emulator_factory()
    engine, log = engine_factory(server.base_url)
    blocker = engine.layout.thumbs_dir
    shutil.rmtree(blocker, ignore_errors=True)
    blocker.write_bytes(b"")  # a file where the folder should be: no thumbnail can be written
    job_id = engine.submit(_request())
    final = log.wait_final(job_id)
    assert engine.wait_idle(10)
    assert isinstance(final, ev.Completed), final
    assert engine.store is not None
    record = engine.store.get(job_id)
    assert record is not None
    assert record.state.value == "completed"
    assert Path(final.image_paths[0]).is_file()
    assert record.images[0].thumb_path is None  # never names a thumbnail that is not there
    assert engine.store.jobs_without_thumbnails() == [record]  # the next start tries again
    blocker.unlink()


def test_the_next_start_makes_thumbnails_a_stop_left_unmade(
    emulator_factory: EmulatorFactory, engine_factory: EngineFactory, tmp_path: Path
) -> None:
    server = emulator_factory()
    root = tmp_path / "shared"
    first, log = engine_factory(server.base_url, root=root, make_thumbnails=False)
    job_id = first.submit(_request(images=2))
    assert isinstance(log.wait_final(job_id), ev.Completed)
    assert first.store is not None
    assert [im.thumb_path for im in first.store.get(job_id).images] == [None, None]  # type: ignore[union-attr]
    first.shutdown()

    again, _ = engine_factory(server.base_url, root=root)  # thumbnails on, as in the app
    assert again.wait_idle(10)
    assert again.store is not None
    record = again.store.get(job_id)
    assert record is not None
    for image in record.images:
        assert image.thumb_path is not None
        with Image.open(again.layout.absolute(image.thumb_path)) as thumb:
            assert thumb.size == (THUMB_SIZE, THUMB_SIZE // 2)
    assert again.store.jobs_without_thumbnails() == []
    assert server.stats()["submits_total"] == 1  # nothing was sent again for it


def test_thumbnails_wait_while_another_job_is_downloading(
    emulator_factory: EmulatorFactory, engine_factory: EngineFactory
) -> None:
    """A thumbnail's full decode takes a core; while images are downloading, it waits."""
    server = emulator_factory()
    engine, log = engine_factory(server.base_url, concurrency=2)
    server.set_scenario({"slow_first_byte": {"next_n": 1, "delay": 2.0, "routes": ["file"]}},
                        merge=True)
    slow = engine.submit(_request())
    log.wait_for(slow, ev.StateChanged, timeout=10)
    deadline = time.monotonic() + 10
    while (not server.stats()["faults_fired"].get("slow_first_byte")
           and time.monotonic() < deadline):
        time.sleep(0.01)  # the slow download has begun: its headers are 2 s away
    quick = engine.submit(_request(images=2))
    assert isinstance(log.wait_final(quick, timeout=10), ev.Completed)
    assert engine.store is not None
    time.sleep(0.3)  # ample time for a thumbnail, had it not waited
    waiting = engine.store.get(quick)
    assert waiting is not None
    assert [image.thumb_path for image in waiting.images] == [None, None]
    assert isinstance(log.wait_final(slow, timeout=10), ev.Completed)
    assert engine.wait_idle(10)
    for job_id in (quick, slow):
        record = engine.store.get(job_id)
        assert record is not None
        assert all(image.thumb_path for image in record.images), job_id
