"""The history browser offscreen on a real SQLite file and real images, with no network or key."""

from __future__ import annotations

import gc
import threading
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QItemSelectionModel, QModelIndex
from PySide6.QtGui import QPixmap
from pytestqt.qtbot import QtBot

from qwenimg_desktop.core.jobs.model import JobState
from qwenimg_desktop.core.params import GenerationRequest
from qwenimg_desktop.core.store.batches import BatchJob
from qwenimg_desktop.core.store.history import HistoryStore
from qwenimg_desktop.core.store.job_flags import JobFlags
from qwenimg_desktop.core.store.queries import HistoryQuery
from qwenimg_desktop.core.store.trash import trash_dir
from qwenimg_desktop.ui.history import model as model_module
from qwenimg_desktop.ui.history import view as view_module
from qwenimg_desktop.ui.history.curation import qt_move_to_trash
from qwenimg_desktop.ui.history.model import HistoryModel, Role
from qwenimg_desktop.ui.history.search import KeysResult, QueryRunner
from qwenimg_desktop.ui.history.thumbnails import ThumbnailLoader
from qwenimg_desktop.ui.history.view import HistoryBrowser

MakeJob = Callable[..., str]
BrowserFactory = Callable[..., HistoryBrowser]


@pytest.fixture
def browser_factory(store: HistoryStore, qtbot: QtBot) -> Iterator[BrowserFactory]:
    made: list[HistoryBrowser] = []

    def factory(**kwargs: Any) -> HistoryBrowser:
        browser = HistoryBrowser(store, **kwargs)
        qtbot.addWidget(browser)
        browser.resize(1200, 800)
        browser.show()
        made.append(browser)
        qtbot.waitUntil(lambda: not browser.model.loading, timeout=5000)
        return browser

    yield factory
    for browser in made:
        browser.shutdown()


def ids_shown(browser: HistoryBrowser) -> list[str]:
    return [browser.model.job_id(r) or "" for r in range(browser.model.rowCount())]


def search(qtbot: QtBot, browser: HistoryBrowser, text: str) -> list[str]:
    browser.search.text.setText(text)
    browser.search.emit_now()
    qtbot.waitUntil(lambda: not browser.model.loading and browser.model.query.text == text,
                    timeout=5000)
    return ids_shown(browser)


def test_model_passes_qtmodeltester(store: HistoryStore, make_job: MakeJob, qtbot: QtBot,
                                    qtmodeltester: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(model_module, "FIRST_PAGE", 7)
    monkeypatch.setattr(model_module, "PAGE", 5)
    for i in range(15):
        make_job(f"prompt {i}", state=JobState.failed if i % 4 == 0 else JobState.completed,
                 embed=False)
    runner = QueryRunner(store.layout)
    thumbs = ThumbnailLoader()
    reader = HistoryStore.open(store.layout, readonly=True)
    try:
        model = HistoryModel(reader, runner, thumbs)
        with qtbot.waitSignal(model.modelReset, timeout=5000):
            model.set_query(HistoryQuery())
        assert model.rowCount() == 7
        qtmodeltester.check(model, force_py=True)
        while True:
            qtbot.waitUntil(lambda: not model.loading, timeout=5000)
            if not model.canFetchMore(QModelIndex()):
                break
            model.fetchMore(QModelIndex())
        assert model.rowCount() == 15
        assert not model.canFetchMore(QModelIndex())
        qtmodeltester.check(model, force_py=True)
        assert model.data(model.index(0), Role.state) == JobState.completed
        assert model.data(model.index(2), Role.snippet) == "prompt 12"
    finally:
        runner.shutdown()
        thumbs.shutdown()
        reader.close()


def test_offline_browse_and_search_english_and_chinese(
    browser_factory: BrowserFactory, make_job: MakeJob, store: HistoryStore, qtbot: QtBot,
) -> None:
    cat = make_job("A cute cat in watercolor, golden hour")
    zh_cat = make_job("一只可爱的猫，水彩风格")
    zh_city = make_job("夜晚的上海城市天际线")
    dog = make_job("a dog surfing a wave", output_format="jpeg", image_size="landscape_16_9")
    noted = make_job("plain prompt")
    store.set_note(noted, "keeper 留念")
    browser = browser_factory()
    assert ids_shown(browser) == [noted, dog, zh_city, zh_cat, cat]
    # The count is its own query, answered after the first page: wait for it, not for the page.
    qtbot.waitUntil(lambda: browser.search.result_label.text() != "", timeout=5000)
    assert browser.search.result_label.text() == "5 found"
    assert search(qtbot, browser, "watercolor") == [cat]
    assert search(qtbot, browser, "可爱的猫") == [zh_cat]  # trigram (3+ characters)
    assert search(qtbot, browser, "可爱") == [zh_cat]  # 2 characters: fallback scan
    assert search(qtbot, browser, "上") == [zh_city]  # 1 character
    assert search(qtbot, browser, "留念") == [noted]  # notes are searched too
    assert search(qtbot, browser, "no such thing at all") == []
    qtbot.waitUntil(lambda: browser.search.result_label.text() == "0 found", timeout=5000)
    browser.search.text.setText("")
    browser.search.aspect.setCurrentIndex(browser.search.aspect.findData("landscape"))
    qtbot.waitUntil(lambda: ids_shown(browser) == [dog], timeout=5000)
    browser.search.clear()
    qtbot.waitUntil(lambda: len(ids_shown(browser)) == 5, timeout=5000)


def test_stale_search_results_are_dropped(browser_factory: BrowserFactory, make_job: MakeJob,
                                          qtbot: QtBot) -> None:
    for i in range(30):
        make_job(f"{'lighthouse' if i % 2 else 'meadow'} number {i}", embed=False)
    browser = browser_factory()
    model = browser.model
    seen: list[KeysResult] = []
    browser.runner.keys_ready.connect(seen.append)
    gate = threading.Event()
    browser.runner.call(lambda _reader: gate.wait(10), lambda _: None)  # the worker is busy
    old = model.set_query(HistoryQuery(text="lighthouse"))
    new = model.set_query(HistoryQuery(text="meadow"))
    gate.set()
    # The browser's opening listing is shown once its page arrives; its count can still be on
    # its way here, so only the answers to these two queries are counted.
    qtbot.waitUntil(lambda: len([r for r in seen if r.generation in (old, new)]) == 4,
                    timeout=5000)  # a page and a count for each
    mine = [r for r in seen if r.generation in (old, new)]
    # The older query's page and count were still queued when the newer one came: skipped,
    # so the newer page does not wait behind them.
    assert [(r.generation, r.kind, r.skipped, len(r.keys), r.count) for r in mine] == [
        (old, "reset", True, 0, None), (old, "count", True, 0, None),
        (new, "reset", False, 15, None), (new, "count", False, 0, 15)]
    shown = ids_shown(browser)
    assert len(shown) == 15
    assert all("meadow" in (model.record(r).prompt if model.record(r) else "")  # type: ignore[union-attr]
               for r in range(model.rowCount()))
    # An answer that did run for an older query (it had started before the newer one was
    # asked for) is dropped by the model.
    stale_keys = browser.reader.query_keys(HistoryQuery(text="lighthouse"))
    browser.runner.keys_ready.emit(KeysResult(old, "reset", HistoryQuery(text="lighthouse"),
                                              stale_keys))
    browser.runner.keys_ready.emit(KeysResult(old, "count", HistoryQuery(text="lighthouse"),
                                              count=15))
    assert ids_shown(browser) == shown
    assert {k[1] for k in stale_keys}.isdisjoint(shown)
    assert model.total == 15
    assert browser.search.result_label.text() == "15 found"


def test_paging_while_scrolling(browser_factory: BrowserFactory, make_job: MakeJob,
                                qtbot: QtBot, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(model_module, "FIRST_PAGE", 20)
    monkeypatch.setattr(model_module, "PAGE", 25)
    monkeypatch.setattr(view_module, "PREFETCH_SCREENS", 0)  # fetch only at the very end
    for i in range(70):
        make_job(f"row {i}", embed=False)
    browser = browser_factory()
    assert browser.model.rowCount() == 20
    def scrolled_to_the_end() -> bool:  # each page is asked for once the last one is shown
        browser.view.scrollToBottom()
        return browser.model.rowCount() == 70

    qtbot.waitUntil(scrolled_to_the_end, timeout=10_000)
    assert ids_shown(browser)[-1] == browser.model.job_id(69)
    assert len(set(ids_shown(browser))) == 70


def test_thumbnails_load_off_thread_and_repaint_only_their_row(
    browser_factory: BrowserFactory, make_job: MakeJob, qtbot: QtBot,
) -> None:
    for i in range(3):
        make_job(f"tile {i}")
    browser = browser_factory()
    model = browser.model
    changed: list[int] = []
    model.dataChanged.connect(lambda top, bottom, roles=(): changed.extend(
        range(top.row(), bottom.row() + 1)))
    qtbot.waitUntil(lambda: all(isinstance(model.data(model.index(r), Role.thumbnail), QPixmap)
                                for r in range(3)), timeout=5000)
    pixmap = model.data(model.index(0), Role.thumbnail)
    assert not pixmap.isNull()
    assert max(pixmap.width(), pixmap.height()) == 160 or pixmap.width() <= 160
    assert set(changed) <= {0, 1, 2}
    assert browser.thumbnails.failed("nothing") is False


def test_new_job_appears_at_top_when_it_matches(browser_factory: BrowserFactory,
                                                make_job: MakeJob, qtbot: QtBot) -> None:
    first = make_job("first cat")
    browser = browser_factory()
    # The count is read on the runner after the first page: a job journalled before it runs is
    # in it already (then counted twice by job_completed below).
    qtbot.waitUntil(lambda: browser.search.result_label.text() == "1 found", timeout=5000)
    newer = make_job("second cat")
    with qtbot.waitSignal(browser.model.rowsInserted, timeout=5000):
        browser.job_completed(newer)
    assert ids_shown(browser) == [newer, first]
    assert browser.search.result_label.text() == "2 found"
    search(qtbot, browser, "cat")
    other = make_job("a dog")
    browser.job_completed(other)
    browser.runner.wait()
    qtbot.wait(50)
    assert other not in ids_shown(browser)


def select(browser: HistoryBrowser, job_ids: list[str]) -> None:
    selection = browser.view.selectionModel()
    selection.clearSelection()
    for job_id in job_ids:
        row = browser.model.row_of(job_id)
        assert row is not None
        selection.select(browser.model.index(row), QItemSelectionModel.SelectionFlag.Select)


def test_delete_undo_and_os_trash(browser_factory: BrowserFactory, make_job: MakeJob,
                                  store: HistoryStore, qtbot: QtBot, tmp_path: Path,
                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    (tmp_path / "xdg").mkdir()  # Qt uses an existing data home's Trash (freedesktop spec)
    keep = make_job("keep")
    gone = [make_job("gone 1", images=2), make_job("gone 2")]
    files = [store.layout.absolute(im.path) for j in gone for im in store.get(j).images]  # type: ignore[union-attr]
    browser = browser_factory(os_trash=qt_move_to_trash)
    select(browser, gone)
    messages: list[str] = []
    browser.message.connect(messages.append)
    with qtbot.waitSignal(browser.curator.deleted, timeout=5000):
        browser.delete_selected()
    assert ids_shown(browser) == [keep]
    assert not any(f.exists() for f in files)
    assert store.get(gone[0]) is None
    assert browser.undo_action.isEnabled()
    assert "Undo" in messages[-1]
    with qtbot.waitSignal(browser.curator.restored, timeout=5000):
        browser.undo_action.trigger()
    qtbot.waitUntil(lambda: len(ids_shown(browser)) == 3, timeout=5000)
    assert all(f.exists() for f in files)
    assert store.get(gone[1]) is not None

    select(browser, gone[:1])
    with qtbot.waitSignal(browser.curator.deleted, timeout=5000):
        browser.delete_selected()
    browser.shutdown()  # quit: undo ends, files go to the OS trash
    trashed = sorted(p.name for p in (tmp_path / "xdg" / "Trash" / "files").iterdir())
    assert len(trashed) == 4  # two images and two thumbnails
    assert not any(trash_dir(store.layout).rglob("*.png"))


def test_clear_failed_and_favourite_and_note(browser_factory: BrowserFactory, make_job: MakeJob,
                                             store: HistoryStore, qtbot: QtBot) -> None:
    good = make_job("good one")
    make_job("bad one", state=JobState.failed)
    make_job("bad two", state=JobState.failed)
    browser = browser_factory(os_trash=None)
    with qtbot.waitSignal(browser.curator.deleted, timeout=5000):
        browser.clear_failed()
    assert ids_shown(browser) == [good]
    assert browser.select_job(good)
    qtbot.waitUntil(lambda: browser.detail.record is not None, timeout=3000)
    with qtbot.waitSignal(browser.curator.changed, timeout=5000):
        browser.detail.button("favourite").click()
    assert store.get(good).favourite  # type: ignore[union-attr]
    assert browser.model.data(browser.model.index(0), Role.favourite) is True
    browser.detail.note.setPlainText("my favourite 最喜欢")
    with qtbot.waitSignal(browser.curator.changed, timeout=5000):
        browser.detail.button("save_note").click()
    assert search(qtbot, browser, "最喜欢") == [good]
    browser.search.favourite.setChecked(True)
    qtbot.waitUntil(lambda: browser.model.query.favourite is True and not browser.model.loading)
    assert ids_shown(browser) == [good]


def test_a_tile_face_is_made_once_per_row_and_follows_changes(
    browser_factory: BrowserFactory, make_job: MakeJob, store: HistoryStore, qtbot: QtBot,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Scrolling repaints tiles many times: what a tile shows besides its picture is made once
    per row (one model call per paint), and made again when the row changes."""
    job = make_job("## **Lighthouse** at dusk, 灯塔", state=JobState.failed)
    made: list[str] = []
    real = model_module._make_face

    def counting(summary: Any, tile: Any, missing: bool) -> Any:
        made.append(summary.id)
        return real(summary, tile, missing)

    monkeypatch.setattr(model_module, "_make_face", counting)
    browser = browser_factory()
    asked: list[int] = []
    data = browser.model.data

    def recorded(index: Any, role: int = 0) -> Any:
        asked.append(int(role))
        return data(index, role)

    monkeypatch.setattr(browser.model, "data", recorded)
    # Its record is read (and its face made) off the GUI thread, then delivered to the model:
    # waiting for the making alone raced the delivery on a busy machine (face still None).
    qtbot.waitUntil(lambda: made == [job]
                    and browser.model.data(browser.model.index(0), Role.face) is not None)
    asked.clear()
    for _ in range(3):
        browser.view.viewport().repaint()
    assert made == [job]  # three more paints, still one face
    paints = asked.count(int(Role.face))
    assert paints >= 3
    assert len(asked) <= 3 * paints  # face, picture, and a failed picture's mark at most
    face = browser.model.data(browser.model.index(0), Role.face)
    assert face.caption == "Lighthouse at dusk, 灯塔"
    assert [text for _, text in face.badges] == ["!"]
    store.set_favourite(job, True)
    browser.model.invalidate([job])
    browser.view.viewport().repaint()
    # Made again once (on the reader's thread), shown when its block arrives.
    qtbot.waitUntil(lambda: browser.model.data(browser.model.index(0), Role.face) is not None)
    assert made == [job, job]
    face = browser.model.data(browser.model.index(0), Role.face)
    assert [text for _, text in face.badges] == ["!", "★"]


def test_painting_never_reads_rows_on_the_gui_thread(
    browser_factory: BrowserFactory, make_job: MakeJob, qtbot: QtBot,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A tile's record is read in a block on the ``history-rows`` thread (and its face made
    there) while the tile shows a placeholder: a read from the disk on the GUI thread froze a
    scroll of 100,000 rows for 135–183 ms (the thread waiting in the kernel,
    docs/performance.md). A change made while a block read is on its way is not overwritten
    by the read's older rows."""
    jobs = [make_job(f"prompt {i}", state=JobState.failed) for i in range(30)]
    readers: list[int] = []
    real = HistoryStore.summaries

    def recording(self: HistoryStore, job_ids: Any) -> Any:
        readers.append(threading.get_ident())
        return real(self, job_ids)

    monkeypatch.setattr(HistoryStore, "summaries", recording)
    face_makers: list[int] = []
    make_face = model_module._make_face

    def making(*args: Any) -> Any:
        face_makers.append(threading.get_ident())
        return make_face(*args)

    monkeypatch.setattr(model_module, "_make_face", making)
    browser = browser_factory()
    model = browser.model
    browser.view.viewport().repaint()
    assert model.rowCount() == len(jobs)
    qtbot.waitUntil(lambda: isinstance(model.face(0), model_module.TileFace)
                    and isinstance(model.face(len(jobs) - 1), model_module.TileFace))
    assert readers
    assert threading.get_ident() not in readers
    # The faces (caption, date, badges) are made with the block, on its thread, too.
    assert face_makers
    assert threading.get_ident() not in face_makers
    # Stale rows: a favourite set while a read of the old row is on its way shows in the end.
    top = model.job_id(0)
    assert top is not None
    gate = threading.Event()

    def held(self: HistoryStore, job_ids: Any) -> Any:
        rows = real(self, job_ids)  # the row as it was before the change
        gate.wait(5)
        return rows

    monkeypatch.setattr(HistoryStore, "summaries", held)
    model.invalidate([top])
    assert model.face(0) is None  # read scheduled, held on the worker
    browser.curator.set_favourite(top, True)
    qtbot.waitUntil(lambda: browser.reader.get(top).favourite)  # type: ignore[union-attr]
    model.invalidate([top])
    gate.set()

    def favourite_shown() -> bool:
        face = model.face(0)
        return face is not None and face.summary.favourite

    qtbot.waitUntil(favourite_shown)


def test_grouped_tiles_are_read_off_the_gui_thread(
    browser_factory: BrowserFactory, make_job: MakeJob, store: HistoryStore, qtbot: QtBot,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """With "▦ Group" on, a batch's tile (its label, size and first images: a few queries per
    batch) is read in its block on the ``history-rows`` thread like the flat view's records,
    never on the GUI thread while tiles are painted; the tile shows a placeholder until then."""
    lone = [make_job(f"lone {i}", state=JobState.failed) for i in range(6)]
    batches = []
    for b in range(4):
        batch_id = store.create_batch(
            [BatchJob(uuid.uuid4().hex, GenerationRequest(prompt=f"batch {b} job {i}", seed=i),
                      0.075) for i in range(5)], queue_base="q", label=f"batch {b}")
        batches.append(batch_id)
    readers: dict[str, list[int]] = {"summaries": [], "batch_tiles": []}
    for name, real in (("summaries", HistoryStore.summaries),
                       ("batch_tiles", HistoryStore.batch_tiles)):
        def recording(self: HistoryStore, job_ids: Any, _name: str = name,
                      _real: Any = real) -> Any:
            readers[_name].append(threading.get_ident())
            return _real(self, job_ids)

        monkeypatch.setattr(HistoryStore, name, recording)
    browser = browser_factory()
    browser.search.group.setChecked(True)
    model = browser.model
    qtbot.waitUntil(lambda: not model.loading and model.rowCount() == len(lone) + 4,
                    timeout=5000)
    browser.view.viewport().repaint()  # the tiles paint: placeholders, reads scheduled
    rows = range(model.rowCount())
    qtbot.waitUntil(lambda: all(isinstance(model.face(r), model_module.TileFace) for r in rows),
                    timeout=5000)
    browser.view.viewport().repaint()  # and again, every face known: no read at all
    faces = [model.face(r) for r in rows]
    tiles = {f.tile.batch_id: f.tile for f in faces if f is not None and f.tile is not None}
    assert set(tiles) == set(batches)
    assert {t.size for t in tiles.values()} == {5}
    assert model.data(model.index(0), Role.batch_tile) is faces[0].tile  # type: ignore[union-attr]
    assert readers["batch_tiles"]
    assert threading.get_ident() not in readers["batch_tiles"]
    assert threading.get_ident() not in readers["summaries"]
    # Opening a batch (a user's action) may read on the GUI thread; painting never does.
    grouped = next(r for r, f in zip(rows, faces, strict=True) if f is not None and f.tile)
    model.invalidate([model.job_id(grouped) or ""])
    tile = model.batch_tile(grouped)
    assert tile is not None
    assert tile.batch_id in batches


def test_the_tile_cache_is_bounded_by_bytes(qtbot: QtBot, tmp_path: Path) -> None:
    """Decoded tiles are kept up to a byte limit, oldest used first out (by count alone, 800
    tiles of 160² were up to 82 MB of the window's memory); a tile used again stays."""
    from PIL import Image

    paths = []
    for n in range(6):
        path = tmp_path / f"{n}.jpg"
        Image.new("RGB", (256, 256), (40 * n, 0, 0)).save(path)
        paths.append(path)
    tile = 160 * 160 * 4  # what one decoded tile holds (32-bit pixels)
    thumbs = ThumbnailLoader(max_bytes=3 * tile + tile // 2, threads=1)
    try:
        for n, path in enumerate(paths):
            with qtbot.waitSignal(thumbs.thumbnail_ready, timeout=5000):
                assert thumbs.pixmap(f"k{n}", (path,)) is None
            if n == 3:  # k1 is used again: k0 goes first, then k2
                assert thumbs.pixmap("k1", (paths[1],)) is not None
        kept = [n for n in range(6) if thumbs._cache.get(f"k{n}") is not None]
        assert kept == [1, 4, 5]
        assert thumbs.cached_bytes == 3 * tile
        thumbs.forget("k4")
        assert thumbs.cached_bytes == 2 * tile
    finally:
        thumbs.shutdown()


def test_the_missing_marks_are_nothing_for_the_collector_to_walk() -> None:
    """The file check of a 100,000-generation history flags ~97,000 jobs for the session: as a
    frozenset each collection that reached them walked every id (~4 ms). The marks are JobFlags,
    the ids packed in one bytes object the collector does not track, and the model keeps a copy
    of them (``set_missing``) that shares the packed part and not the window's later changes."""
    flags = JobFlags((f"{n:032x}", n % 2 == 0) for n in range(1000))
    kept = flags.copy()
    assert "0" * 32 in kept
    assert "x" not in kept
    assert len(kept) == 1000
    tracked = [r for r in gc.get_referents(kept) if gc.is_tracked(r) and not isinstance(r, type)]
    assert all(len(r) < 1000 for r in tracked)  # nothing per job for the collector to walk
    del kept["0" * 32]
    assert "0" * 32 not in kept
    assert "0" * 32 in flags  # the copy is the model's own


def test_the_gallery_shows_two_columns_beside_the_detail_at_1366_pixels(
        browser_factory: BrowserFactory, make_job: MakeJob, qtbot: QtBot) -> None:
    """The detail pane's actions wrap instead of holding the pane ~755 px wide, which left the
    gallery one column of tiles on a 1366 px screen."""
    for n in range(4):
        make_job(f"tile {n}")
    browser = browser_factory()
    browser.resize(1356, 700)  # the History tab on a 1366×768 screen
    qtbot.waitUntil(lambda: browser.model.rowCount() == 4, timeout=5000)

    def columns() -> int:
        tops = [browser.view.visualRect(browser.model.index(row, 0)).top() for row in range(4)]
        return tops.count(tops[0])

    qtbot.waitUntil(lambda: columns() >= 2, timeout=5000)
    assert browser.detail.minimumSizeHint().width() < 600
