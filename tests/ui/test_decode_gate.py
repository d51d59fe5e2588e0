"""The window decodes one large image at a time (result viewer and tile loader alike)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

from PySide6.QtGui import QColor, QImage, QImageReader

from qwenimg_desktop.ui.create.result_viewer import load_image
from qwenimg_desktop.ui.decode_gate import decoding
from qwenimg_desktop.ui.history.thumbnails import TILE_IMAGE, read_image


def _image(path: Path, side: int) -> Path:
    image = QImage(side, side, QImage.Format.Format_RGB32)
    image.fill(QColor(40, 90, 160))
    assert image.save(str(path))
    return path


def _finishes_while_held(held: Path, work: Callable[[], object],
                         patience: float) -> tuple[bool, bool]:
    """(whether ``work`` finished within ``patience`` s while a decode of ``held`` was under
    way, whether it did once that decode ended). A decode that waits for the gate cannot
    finish while it is held, however long; one that does not wait gets a long ``patience``, so
    a busy machine cannot make it look as if it waited."""
    done = threading.Event()

    def run() -> None:
        work()
        done.set()

    thread = threading.Thread(target=run, daemon=True)
    with decoding(QImageReader(str(held))):
        thread.start()
        during = done.wait(patience)
    after = done.wait(30)
    thread.join(30)
    return during, after


def test_a_large_decode_waits_for_the_one_under_way(tmp_path: Path) -> None:
    # Two 2048² decodes at once were 32 MB of pixels beside everything else the window held
    # when jobs finished together: the result viewer's and the tiles' now take turns.
    big = _image(tmp_path / "big.png", 1100)
    other = _image(tmp_path / "other.png", 1100)
    assert _finishes_while_held(big, lambda: read_image(other, TILE_IMAGE), 0.5) == (
        False, True)
    assert _finishes_while_held(big, lambda: load_image(str(other)), 0.5) == (False, True)


def test_small_or_natively_scaled_decodes_do_not_wait(tmp_path: Path) -> None:
    big = _image(tmp_path / "big.png", 1100)
    small = _image(tmp_path / "small.png", 300)
    jpeg = _image(tmp_path / "large.jpg", 1600)  # JPEG: decoded straight to the tile's size
    assert _finishes_while_held(big, lambda: read_image(small, TILE_IMAGE), 30) == (True, True)
    assert _finishes_while_held(big, lambda: read_image(jpeg, TILE_IMAGE), 30) == (True, True)
    assert not read_image(jpeg, TILE_IMAGE).isNull()
