"""ResultViewer: a job's images decoded off the GUI thread, one at a time, the shown one first."""

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

    def counted(path: str) -> tuple[QImage, QImage]:  # the real decode, with a count around it
        with lock:
            running[0] += 1
            most[0] = max(most[0], running[0])
        try:
            return load_image(path)
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
        viewer.strip.setCurrentRow(1)
        assert viewer.view.image.pixelColor(0, 0) == QColor(*COLOURS[1])
    finally:
        workers.shutdown()


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
