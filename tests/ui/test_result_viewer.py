"""ResultViewer: a job's images decoded off the GUI thread, one at a time, the shown one first;
only the image on screen is kept decoded at full size."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest
from PIL import Image
from PySide6.QtCore import QModelIndex
from PySide6.QtGui import QColor, QImage
from pytestqt.qtbot import QtBot

from qwenimg_desktop.core.jobs.model import JobState
from qwenimg_desktop.core.params import GenerationRequest
from qwenimg_desktop.ui.create import result_viewer
from qwenimg_desktop.ui.create.jobs_model import JobRow
from qwenimg_desktop.ui.create.result_viewer import ResultViewer, load_image
from qwenimg_desktop.ui.workers import Workers

COLOURS = [(255, 0, 0), (0, 255, 0), (0, 0, 255), (255, 255, 0)]
SIDE = 1024


def _images(folder: Path) -> list[str]:
    """Four noisy PNGs (so each decode takes a while), each marked by a colour in its corner."""
    paths = []
    for n, colour in enumerate(COLOURS):
        image = Image.frombytes("RGB", (SIDE, SIDE), os.urandom(SIDE * SIDE * 3))
        image.paste(colour, (0, 0, 64, 64))
        path = folder / f"{n}.png"
        image.save(path)
        paths.append(str(path))
    return paths


def _viewer(qtbot: QtBot) -> tuple[ResultViewer, Workers]:
    workers = Workers()
    viewer = ResultViewer(workers)
    qtbot.addWidget(viewer)
    viewer.resize(800, 600)
    viewer.show()
    return viewer, workers


def _row(paths: list[str]) -> JobRow:
    return JobRow("a" * 32, GenerationRequest(prompt="four images"), JobState.completed,
                  seed=7, image_paths=tuple(paths))


def _decode_order(viewer: ResultViewer) -> list[int]:
    """Strip rows in the order their thumbnails arrive (each set once its decode is done)."""
    order: list[int] = []

    def changed(top: QModelIndex, _bottom: QModelIndex, roles: list[int]) -> None:
        item = viewer.strip.item(top.row())
        if top.row() not in order and not item.icon().isNull():
            order.append(top.row())

    viewer.strip.model().dataChanged.connect(changed)
    return order


def test_a_jobs_images_are_decoded_one_at_a_time(
    qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    viewer, workers = _viewer(qtbot)
    paths = _images(tmp_path)
    lock = threading.Lock()
    running = [0]
    most = [0]

    def counted(path: str, *, full: bool = True) -> tuple[QImage | None, QImage]:
        with lock:  # the real decode, with a count around it
            running[0] += 1
            most[0] = max(most[0], running[0])
        try:
            return load_image(path, full=full)
        finally:
            with lock:
                running[0] -= 1

    monkeypatch.setattr(result_viewer, "load_image", counted)
    order = _decode_order(viewer)
    try:
        viewer.show_job(_row(paths))
        qtbot.waitUntil(lambda: len(order) == len(paths), timeout=20_000)
    finally:
        workers.shutdown()
    assert most[0] == 1  # never two full decodes competing with the window for the cores
    assert order == [0, 1, 2, 3]
    assert viewer.view.image.pixelColor(0, 0) == QColor(*COLOURS[0])


def test_an_image_picked_before_its_turn_is_decoded_next(qtbot: QtBot, tmp_path: Path) -> None:
    viewer, workers = _viewer(qtbot)
    paths = _images(tmp_path)
    order = _decode_order(viewer)
    try:
        viewer.show_job(_row(paths))
        viewer.strip.setCurrentRow(3)  # while the first is still decoding
        qtbot.waitUntil(lambda: len(order) == len(paths), timeout=20_000)
        assert order == [0, 3, 1, 2]  # the first had started; the picked one came next
        assert viewer.view.image.pixelColor(0, 0) == QColor(*COLOURS[3])
        viewer.strip.setCurrentRow(1)  # decoded in full when picked (only its thumbnail was)
        qtbot.waitUntil(lambda: not viewer.view.image.isNull(), timeout=10_000)
        assert viewer.view.image.pixelColor(0, 0) == QColor(*COLOURS[1])
    finally:
        workers.shutdown()


def test_only_the_image_on_screen_is_kept_decoded_in_full(
    qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A job's four 2048² images held 64 MB decoded while one was shown: now the others are
    decoded straight to their thumbnails, and an image that leaves the screen is let go."""
    viewer, workers = _viewer(qtbot)
    paths = _images(tmp_path)
    decodes: list[tuple[int, bool, QImage | None]] = []

    def recorded(path: str, *, full: bool = True) -> tuple[QImage | None, QImage]:
        image, thumb = load_image(path, full=full)
        decodes.append((paths.index(path), full, image))
        return image, thumb

    monkeypatch.setattr(result_viewer, "load_image", recorded)
    order = _decode_order(viewer)
    try:
        viewer.show_job(_row(paths))
        qtbot.waitUntil(lambda: len(order) == len(paths), timeout=20_000)
        assert [(n, full) for n, full, _ in decodes] == [(0, True), (1, False), (2, False),
                                                         (3, False)]
        assert all(image is None for _, full, image in decodes if not full)
        assert all(max(viewer.strip.item(n).icon().availableSizes()[0].width(),
                       viewer.strip.item(n).icon().availableSizes()[0].height())
                   <= result_viewer.THUMB * 2 for n in range(len(paths)))
        first = viewer.view.image
        assert first.size().width() == SIDE
        viewer.strip.setCurrentRow(2)
        qtbot.waitUntil(lambda: not viewer.view.image.isNull(), timeout=10_000)
        assert [(n, full) for n, full, _ in decodes[4:]] == [(2, True)]
        assert viewer.view.image.pixelColor(0, 0) == QColor(*COLOURS[2])
        held = [viewer._full_image(path) for path in paths]  # what it keeps
        assert [image is not None for image in held] == [False, False, True, False]
    finally:
        workers.shutdown()


def test_a_thumbnail_only_decode_is_scaled_while_reading(tmp_path: Path) -> None:
    path = _images(tmp_path)[0]
    image, thumb = load_image(path, full=False)
    assert image is None
    assert max(thumb.width(), thumb.height()) == result_viewer.THUMB * 2
    assert thumb.pixelColor(0, 0) == QColor(*COLOURS[0])


def test_the_strip_shows_only_for_more_than_one_image(qtbot: QtBot, tmp_path: Path) -> None:
    """One image needs no strip: its height goes to the image (at 1366×768 in edit mode the
    strip was taller than the image)."""
    viewer, _workers = _viewer(qtbot)
    paths = _images(tmp_path)
    viewer.show_job(_row(paths[:1]))
    assert viewer.strip.count() == 1
    assert not viewer.strip.isVisible()
    view_alone = viewer.view.height()
    viewer.show_job(_row(paths))
    assert viewer.strip.isVisible()
    qtbot.waitUntil(lambda: viewer.view.height() < view_alone, timeout=3000)
    viewer.show_job(None)
    assert not viewer.strip.isVisible()
