"""Duplicates on a real history: SHA-256 groups, dHash near-duplicates, keep one with undo."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from pathlib import Path

from PIL import Image, ImageDraw, ImageEnhance
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from qwenimg_desktop.core.store.duplicates import dhash, dhash_file, near_groups, scan
from qwenimg_desktop.core.store.history import HistoryStore
from qwenimg_desktop.ui.history.view import HistoryBrowser

MakeJob = Callable[..., str]


def picture(seed: int, size: tuple[int, int] = (256, 192)) -> Image.Image:
    rng = random.Random(seed)
    image = Image.new("RGB", size, (rng.randrange(256), rng.randrange(256), rng.randrange(256)))
    draw = ImageDraw.Draw(image)
    for _ in range(12):
        x, y = rng.randrange(size[0]), rng.randrange(size[1])
        r = rng.randrange(10, 60)
        draw.ellipse((x - r, y - r, x + r, y + r),
                     fill=(rng.randrange(256), rng.randrange(256), rng.randrange(256)))
    return image


def test_dhash_matches_reencoded_and_brightened_copies_only(tmp_path: Path) -> None:
    original = picture(1)
    brighter = ImageEnhance.Brightness(original).enhance(1.1).resize((200, 150))
    other = picture(2)
    assert dhash(original) == dhash(original.copy())
    assert (dhash(original) ^ dhash(brighter)).bit_count() <= 3
    assert (dhash(original) ^ dhash(other)).bit_count() > 10
    path = tmp_path / "a.jpg"
    original.save(path, "JPEG", quality=80)
    value = dhash_file(path)
    assert value is not None
    assert (value ^ dhash(original)).bit_count() <= 3
    (tmp_path / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\nnot really")
    assert dhash_file(tmp_path / "broken.png") is None


def test_near_groups_join_close_hashes_and_are_fast() -> None:
    base = 0x0123_4567_89AB_CDEF
    hashes = [(("a", 0), base), (("b", 0), base ^ 0b111), (("c", 0), base ^ (1 << 63)),
              (("d", 0), ~base & (2**64 - 1)), (("e", 0), base ^ 0b1111 << 20)]
    groups = near_groups(hashes)
    assert [sorted(g) for g in groups] == [[("a", 0), ("b", 0), ("c", 0)]]
    rng = random.Random(4)
    many = [((f"{i:032x}", 0), rng.getrandbits(64)) for i in range(30_000)]
    start = time.perf_counter()
    near_groups(many)
    assert time.perf_counter() - start < 10  # 100,000 hashes: see docs/performance.md


def _set_image(store: HistoryStore, job_id: str, image: Image.Image, sha: str) -> None:
    record = store.get(job_id)
    assert record is not None
    thumb = record.images[0].thumb_path
    assert thumb is not None
    image.convert("RGB").save(store.layout.absolute(thumb), "JPEG", quality=85)
    with store._writing() as conn:
        conn.execute("UPDATE images SET sha256 = ? WHERE job_id = ?", (sha, job_id))


def test_scan_finds_identical_and_similar_images(store: HistoryStore, make_job: MakeJob) -> None:
    a, b, c, d, e = (make_job(f"job {i}") for i in range(5))
    _set_image(store, a, picture(10), "a" * 64)
    _set_image(store, b, picture(10), "a" * 64)  # the very same file
    _set_image(store, c, picture(11), "c" * 64)
    _set_image(store, d, ImageEnhance.Brightness(picture(11)).enhance(1.08), "d" * 64)
    _set_image(store, e, picture(12), "e" * 64)
    report = scan(store)
    assert report.hashed == 5
    assert [sorted(g) for g in report.identical] == [sorted([(a, 0), (b, 0)])]
    assert [sorted(g) for g in report.near] == [sorted([(c, 0), (d, 0)])]
    assert scan(store).hashed == 0  # hashes are stored


def test_keep_one_deletes_the_others_and_undo_brings_them_back(
        store: HistoryStore, make_job: MakeJob, qtbot: QtBot) -> None:
    a, b, c = (make_job(f"copy {i}") for i in range(3))
    for job in (a, b, c):
        _set_image(store, job, picture(20), "f" * 64)
    store.add_tags([b], ["保留"])
    browser = HistoryBrowser(store, os_trash=None, check_files_on_start=False)
    qtbot.addWidget(browser)
    browser.show()
    qtbot.waitUntil(lambda: browser.model.rowCount() == 3, timeout=5000)
    try:
        with qtbot.waitSignal(browser.curator.duplicates_found, timeout=10_000):
            view = browser.show_duplicates()
        assert view.groups.count() == 1
        assert view.images.count() == 3
        assert view.groups.item(0).text().startswith("Identical · 3 images")
        role = Qt.ItemDataRole.UserRole + 1
        rows = {str(view.images.item(r).data(role)): r for r in range(3)}
        view.images.setCurrentRow(rows[b])
        with qtbot.waitSignal(browser.curator.duplicates_found, timeout=10_000):
            view.keep_selected()
        assert set(store.get_many([a, b, c])) == {b}
        assert view.groups.count() == 0
        assert "No duplicates" in view.status.text()
        with qtbot.waitSignal(browser.curator.duplicates_found, timeout=10_000):
            browser.undo_delete()
        assert set(store.get_many([a, b, c])) == {a, b, c}
        assert view.groups.count() == 1
        assert store.tags_of([b]) == {b: ["保留"]}
    finally:
        browser.shutdown()
