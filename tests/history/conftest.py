"""History test helpers: real jobs in a real SQLite file with real image and thumbnail files."""

from __future__ import annotations

import hashlib
import io
import itertools
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from PIL import Image

from qwenimg_desktop.core.jobs.model import JobState
from qwenimg_desktop.core.params import GenerationRequest
from qwenimg_desktop.core.store.files import DataLayout
from qwenimg_desktop.core.store.history import HistoryStore, ImageRecord
from qwenimg_desktop.core.store.metadata import EmbeddedMeta, embed_bytes
from qwenimg_desktop.core.store.thumbnails import make_thumbnail

if TYPE_CHECKING:  # Qt is imported only by the fixtures that use it
    from pytestqt.qtbot import QtBot

    from qwenimg_desktop.ui.history.view import HistoryBrowser

PIL_NAMES = {"png": "PNG", "jpeg": "JPEG", "webp": "WEBP"}
EXTENSIONS = {"png": "png", "jpeg": "jpg", "webp": "webp"}
COLOURS = [(200, 60, 60), (60, 160, 90), (60, 90, 200), (220, 180, 40), (140, 60, 180)]


def image_bytes(fmt: str, size: tuple[int, int] = (96, 64), colour: tuple[int, int, int] = (
        200, 60, 60)) -> bytes:
    """A small real image in ``fmt`` (png / jpeg / webp) with a diagonal band."""
    image = Image.new("RGB", size, colour)
    for i in range(min(size)):
        image.putpixel((i, i), (255, 255, 255))
    out = io.BytesIO()
    image.save(out, PIL_NAMES[fmt])
    return out.getvalue()


class Clock:
    """Strictly increasing timestamps, one second apart, from a fixed start."""

    def __init__(self, start: float = 1_700_000_000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        self.now += 1.0
        return self.now


class JobMaker:
    """Drives real jobs through the journal to a final state, writing real files."""

    def __init__(self, store: HistoryStore) -> None:
        self.store = store
        self.layout = store.layout
        self._counter = itertools.count()

    def __call__(self, prompt: str = "a cat in watercolor", *, state: JobState = JobState.completed,
                 images: int = 1, embed: bool = True, **params: Any) -> str:
        params.setdefault("output_format", "png")
        request = GenerationRequest.model_validate({"prompt": prompt, **params})
        n = next(self._counter)
        job_id = self.store.create_pending(request, queue_base="http://127.0.0.1:1",
                                           cost_estimate=0.075 * images)
        if state is JobState.failed:
            self.store.fail(job_id, "the generation failed: NSFW content detected", "RequestFailed")
            return job_id
        if state is JobState.cancelled:
            self.store.mark_cancelled(job_id)
            return job_id
        self.store.mark_sending(job_id)
        self.store.mark_submitted(job_id, request_id=f"req-{job_id[:12]}", status_url=None,
                                  response_url=None, cancel_url=None, queue_position=0)
        self.store.append_logs(job_id, [("loading model", "info", None),
                                        ("step 1/8", "info", None)])
        self.store.mark_running(job_id)
        seed = request.seed if request.seed is not None else 1000 + n
        self.store.mark_fetching(job_id, result_json="{}", seed=seed,
                                 metrics_json='{"inference_time": 1.25}')
        records = [self._write_image(job_id, i, request, seed, n, embed) for i in range(images)]
        self.store.complete(job_id, records)
        return job_id

    def _write_image(self, job_id: str, index: int, request: GenerationRequest, seed: int,
                     n: int, embed: bool) -> ImageRecord:
        fmt = request.output_format.value
        width, height = request.dimensions
        data = image_bytes(fmt, (width // 8, height // 8), COLOURS[(n + index) % len(COLOURS)])
        if embed:
            meta = EmbeddedMeta(request=request, seed=seed, request_id=f"req-{job_id[:12]}",
                                job_id=job_id)
            data = embed_bytes(data, fmt, meta)
        path = self.layout.image_path(job_id, index, EXTENSIONS[fmt])
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        thumb = self.layout.thumb_path(job_id, index)
        make_thumbnail(path, thumb)
        return ImageRecord(index=index, path=self.layout.relative(path), width=width // 8,
                           height=height // 8, format=fmt, size_bytes=len(data),
                           sha256=hashlib.sha256(data).hexdigest(),
                           thumb_path=self.layout.relative(thumb))


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def store(data_layout: DataLayout, clock: Clock) -> Iterator[HistoryStore]:
    """The writer store on a fresh data dir with a deterministic clock."""
    with HistoryStore.open(data_layout, clock=clock) as opened:
        yield opened


@pytest.fixture
def make_job(store: HistoryStore) -> Callable[..., str]:
    return JobMaker(store)


@pytest.fixture
def browser(store: HistoryStore, qtbot: QtBot) -> Iterator[HistoryBrowser]:
    """A shown History browser over ``store`` (no OS trash, no start-up file check)."""
    from qwenimg_desktop.ui.history.view import HistoryBrowser  # Qt only where a test asks

    widget = HistoryBrowser(store, os_trash=None, check_files_on_start=False)
    qtbot.addWidget(widget)
    widget.resize(1200, 800)
    widget.show()
    yield widget
    widget.shutdown()


def open_detail(qtbot: QtBot, browser: HistoryBrowser, job_id: str) -> None:
    browser.model.refresh()
    qtbot.waitUntil(lambda: browser.model.row_of(job_id) is not None, timeout=5000)
    assert browser.select_job(job_id)
    qtbot.waitUntil(lambda: browser.detail.record is not None
                    and browser.detail.record.id == job_id, timeout=3000)


def image_file(tmp_path: Path, fmt: str, name: str = "plain") -> Path:
    path = tmp_path / f"{name}.{EXTENSIONS[fmt]}"
    path.write_bytes(image_bytes(fmt))
    return path
