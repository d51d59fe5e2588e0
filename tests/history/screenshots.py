"""Grab the history gallery, detail pane and compare view offscreen into docs/screenshots/.

    .venv/bin/python -m tests.history.screenshots
"""

from __future__ import annotations

import os
import random
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PIL import Image, ImageDraw, ImageFilter
from PySide6.QtWidgets import QApplication

from qwenimg_desktop.core.params import GenerationRequest
from qwenimg_desktop.core.store.files import DataLayout
from qwenimg_desktop.core.store.history import HistoryStore, ImageRecord
from qwenimg_desktop.core.store.metadata import EmbeddedMeta, embed_file
from qwenimg_desktop.core.store.thumbnails import make_thumbnail
from qwenimg_desktop.ui.history.view import HistoryBrowser

OUT = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
Colour = tuple[int, int, int]
PROMPTS: list[tuple[str, Colour, Colour]] = [
    ("# Lighthouse at dusk\n\n## Scene\nA lonely lighthouse on a basalt cliff, waves crashing."
     "\n\n## Style\n- oil painting\n- **golden hour** light", (250, 170, 90), (40, 60, 120)),
    ("## 场景\n一只可爱的猫坐在窗台上，窗外下着小雨\n\n## 风格\n- 水彩风格\n- 柔和的光线",
     (230, 200, 170), (120, 150, 180)),
    ("Cyberpunk street market at night, neon signs in Chinese and English, rain reflections",
     (30, 10, 60), (230, 40, 160)),
    ("夜晚的上海城市天际线, long exposure, 4k photo", (10, 20, 50), (240, 200, 90)),
    ("A koi pond in a Japanese garden, top-down view, ukiyo-e print", (40, 110, 90),
     (240, 120, 40)),
    ("Origami dragon made of red paper on a wooden desk, macro photo", (150, 110, 80),
     (200, 30, 40)),
    ("Snowy mountain cabin, warm window light, cozy illustration", (200, 220, 240),
     (90, 60, 40)),
    ("Portrait of an astronaut in a sunflower field, cinematic", (120, 170, 230),
     (240, 200, 40)),
]
VARIANT = (PROMPTS[0][0].replace("oil painting", "watercolor")
           .replace("**golden hour** light", "blue hour, first stars") + "\n- wide angle")
SIZES = ["square_hd", "landscape_4_3", "portrait_4_3", "landscape_16_9"]
FORMATS = ["png", "jpeg", "webp"]
EXT = {"png": "png", "jpeg": "jpg", "webp": "webp"}


def art(size: tuple[int, int], top: Colour, bottom: Colour, seed: int) -> Image.Image:
    """A soft placeholder picture: a vertical gradient with blurred discs."""
    width, height = size
    image = Image.new("RGB", size, top)
    draw = ImageDraw.Draw(image)
    for y in range(height):
        t = y / height
        draw.line([(0, y), (width, y)],
                  fill=tuple(int(a + (b - a) * t) for a, b in zip(top, bottom, strict=True)))
    rng = random.Random(seed)
    for _ in range(40):
        x, y, r = rng.randrange(width), rng.randrange(height), rng.randrange(10, width // 5)
        base = bottom if rng.random() < 0.5 else top
        colour = tuple(min(255, int(v * rng.uniform(0.7, 1.4))) for v in base)
        draw.ellipse([x - r, y - r, x + r, y + r], fill=colour)
    return image.filter(ImageFilter.GaussianBlur(6))


def add_job(store: HistoryStore, n: int) -> str:
    prompt, top, bottom = PROMPTS[n % len(PROMPTS)] if n < 20 else (
        VARIANT, (120, 140, 200), (20, 30, 80))
    request = GenerationRequest(
        prompt=prompt, negative_prompt="blurry, low quality" if n % 3 == 0 else "",
        image_size="square_hd" if n == 20 else SIZES[n % 4],
        seed=None if n % 2 else 4242 + n, num_images=1 + (n % 5 == 0),
        output_format="jpeg" if n == 20 else FORMATS[n % 3])
    job = store.create_pending(request, queue_base="https://queue.fal.run",
                               cost_estimate=0.075 * request.num_images)
    if n in (4, 13):
        store.fail(job, "the generation failed: content flagged by the safety checker",
                   "RequestFailed")
        return job
    if n == 9:
        store.mark_cancelled(job)
        return job
    store.mark_sending(job)
    store.mark_submitted(job, request_id=f"5e1c{n:04d}-8d2f-4b1e-9a77-{job[:12]}",
                         status_url=None, response_url=None, cancel_url=None, queue_position=2)
    store.append_logs(job, [("Loading model weights", "info", None),
                            ("Prompt expanded", "info", None), ("Sampling 28/28", "info", None)])
    store.mark_running(job)
    seed = request.seed if request.seed is not None else 90210 + n * 17
    store.mark_fetching(job, result_json="{}", seed=seed, metrics_json='{"inference_time": 6.4}')
    store.complete(job, [_image(store.layout, request, job, i, seed, n, (top, bottom))
                         for i in range(request.num_images)])
    return job


def _image(layout: DataLayout, request: GenerationRequest, job: str, index: int, seed: int,
           n: int, colours: tuple[Colour, Colour]) -> ImageRecord:
    width, height = request.dimensions
    ext = EXT[request.output_format.value]
    path = layout.image_path(job, index, ext)
    path.parent.mkdir(parents=True, exist_ok=True)
    art((width // 2, height // 2), *colours, n * 10 + index).save(
        path, {"png": "PNG", "jpg": "JPEG", "webp": "WEBP"}[ext])
    meta = EmbeddedMeta(request=request, seed=seed, request_id=f"req-{job[:8]}", job_id=job)
    size, digest = embed_file(path, ext, meta)
    thumb = layout.thumb_path(job, index)
    make_thumbnail(path, thumb)
    return ImageRecord(index=index, path=layout.relative(path), width=width // 2,
                       height=height // 2, format=request.output_format.value, size_bytes=size,
                       sha256=digest, thumb_path=layout.relative(thumb))


def pump(app: QApplication, seconds: float) -> None:
    end = time.time() + seconds
    while time.time() < end:
        app.processEvents()
        time.sleep(0.01)


def main() -> None:
    app = QApplication([])
    layout = DataLayout(Path(tempfile.mkdtemp())).ensure()
    now = [time.time() - 5000]

    def clock() -> float:
        now[0] += 37.0
        return now[0]

    store = HistoryStore.open(layout, clock=clock)
    ids = [add_job(store, n) for n in range(21)]
    store.set_favourite(ids[-2], True)
    store.set_favourite(ids[-5], True)
    store.set_note(ids[-2], "Best of the batch: print this one")
    browser = HistoryBrowser(store, os_trash=None)
    browser.resize(1500, 940)
    browser.show()
    pump(app, 1.0)
    browser.select_job(ids[-2])
    pump(app, 1.0)
    browser.grab().save(str(OUT / "gallery.png"))
    browser.select_job(ids[0])
    browser.detail.tabs.setCurrentIndex(2)
    pump(app, 0.8)
    browser.detail.grab().save(str(OUT / "detail.png"))
    view = browser.compare(ids[0], ids[-1])
    assert view is not None
    view.resize(1300, 860)
    pump(app, 1.0)
    view.left.zoom_by(1.6)
    pump(app, 0.3)
    view.grab().save(str(OUT / "compare.png"))
    browser.shutdown()
    store.close()


if __name__ == "__main__":
    main()
