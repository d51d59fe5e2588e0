"""History browser at scale: open time, FTS query latency and scroll stalls over 100,000 jobs.

Builds a real history (rows inserted with direct SQL into a migrated database in a temp dir,
FTS triggers active; every job points at one of a few real image and thumbnail files), then
measures, offscreen, in one process:

* open: HistoryBrowser construction → first screen of thumbnails painted, and the same for a
  bare QListView (IconMode, batched, 100k rows of text + one shared pixmap) as a ratio;
* search: FTS (3+ character terms) p50 / p95 of the runner's work (keys page + count) on a
  read-only connection, and the 1–2 character fallback separately;
* scroll: the longest gap between ticks of a 1 ms probe timer on the GUI thread while the
  gallery is scrolled from the top to the bottom (pages of keys loading on the way);
* library: 5,000 tags (Zipf-used, Chinese among them), 1–5 ratings and 200 collections over
  the same jobs; first page p95 of tag + rating + collection filters (with and without text),
  completion suggestions after a keystroke over every prompt's lines and headings, and the
  duplicate scan (exact SHA-256 groups and dHash near-duplicates) of every image's hash.

``--history DATA_DIR`` measures a copy of an existing data dir (e.g. the 100,000 generations
``benchmarks.upgrade --keep DIR`` leaves in ``DIR/data``; its short-term index is finished in
the copy if it is not), deleted afterwards; ``--search-only`` measures only the search figures.

Open, search and scroll are measured twice: "idle" (nothing added) and "loaded" (one CPU-bound
process beside this one, ``support.background_load``); each line carries the load average.

    .venv/bin/python -m benchmarks.history_scale [--rows 100000] [--keep DIR] [--library-only]
        [--history DATA_DIR] [--search-only] [--scroll-only] [--scroll-rows N]
        [--column idle|loaded]

``--scroll-only`` measures only open and scroll; ``--scroll-rows N`` scrolls only until row N is
at the top (a shorter stretch for a quick A/B; the default scrolls every row), ``--column`` runs
one column. ``BENCH_WATCHDOG=MS`` names what the process did in each GUI gap over MS
(``support.GapWatchdog``).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import shutil
import sqlite3
import statistics
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any, Final

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PIL import Image
from PySide6.QtCore import (
    QAbstractListModel,
    QModelIndex,
    QPersistentModelIndex,
    QPoint,
    QSize,
    Qt,
    QTimer,
)
from PySide6.QtGui import QColor, QPixmap
from PySide6.QtWidgets import QApplication, QListView

from benchmarks.library_scale import (
    build_library,
    library_queries,
    measure_duplicates,
    measure_filters,
    measure_recall,
    text_queries,
)
from benchmarks.support import (
    LOAD_COLUMNS,
    GapWatchdog,
    GcPauses,
    background_load,
    gap_watchdog,
    load_average,
    p95,
    percentile,
    stopped_report,
)
from qwenimg_desktop.core import heap
from qwenimg_desktop.core.params import DEFAULT_ENDPOINT_ID as ENDPOINT_ID
from qwenimg_desktop.core.store import grams
from qwenimg_desktop.core.store.files import DataLayout
from qwenimg_desktop.core.store.history import HistoryStore
from qwenimg_desktop.core.store.queries import HistoryQuery
from qwenimg_desktop.core.store.schema import MIGRATIONS
from qwenimg_desktop.core.store.thumbnails import make_thumbnail
from qwenimg_desktop.ui.history.model import Role
from qwenimg_desktop.ui.history.view import HistoryBrowser, configure_gallery
from qwenimg_desktop.ui.startup_shell import application

COMMON: Final = (
    "a", "the", "of", "with", "and", "in", "on", "at", "from", "soft", "light", "detailed",
    "high", "quality", "lighting", "background", "colour", "style", "composition", "shot",
    "view", "scene", "beautiful", "warm", "cool", "dramatic", "sharp", "focus",
)
WORDS: Final = (
    "cat", "dog", "fox", "owl", "lighthouse", "samurai", "castle", "forest", "river",
    "mountain", "city", "street", "market", "garden", "portrait", "landscape", "watercolor",
    "oil", "painting", "photo", "cinematic", "neon", "golden", "hour", "sunset", "dawn", "fog",
    "rain", "snow", "glass", "steel", "paper", "origami", "robot", "dragon", "koi", "tea",
    "ceramic", "lantern", "bridge", "harbor", "train", "station", "library", "desert", "canyon",
    "reef", "jellyfish", "orchid", "maple", "bamboo", "poster", "typography",
)
SYLLABLES: Final = (
    "ka", "lo", "mi", "ne", "ru", "sa", "to", "vi", "ze", "qu", "bar", "dor", "fen", "gil",
    "hum", "jas", "kor", "lum", "mar", "nox",
)
CHINESE: Final = ("一只可爱的猫", "水彩风格", "夜晚的上海城市天际线", "古老的寺庙", "春天的樱花",
                  "赛博朋克街道", "山水画")
SIZES: Final = ((1024, 1024), (1024, 768), (768, 1024), (1024, 576), (576, 1024), (512, 512))
FORMATS: Final = ("png", "jpeg", "webp")
DISTINCT_IMAGES: Final = 24
FTS_QUERIES: Final = ("cat", "lighthouse", "golden hour", "samurai castle", "watercolor portrait",
                      "jellyfish", "origami dragon", "可爱的猫", "水彩风格", "城市天际线",
                      "neon rain", "zzzz-no-hit", "typography poster", "夜晚的上海")
SHORT_QUERIES: Final = ("可爱", "夜", "4k", "寺庙", "樱花 dawn")
"""1–2 character terms (alone or mixed with longer ones) use the substring fallback."""


def _vocabulary(rng: random.Random) -> tuple[list[str], list[float]]:
    """Common words, subject words and 4,000 rarer made-up words, Zipf-weighted."""
    made_up = {"".join(rng.choices(SYLLABLES, k=rng.randint(2, 4))) for _ in range(6000)}
    words = [*COMMON, *WORDS, *sorted(made_up - set(WORDS))[:4000]]
    return words, [1.0 / (rank + 1) for rank in range(len(words))]


def _prompt(rng: random.Random, vocabulary: tuple[list[str], list[float]]) -> str:
    words = rng.choices(vocabulary[0], weights=vocabulary[1], k=rng.randint(30, 90))
    if rng.random() < 0.08:
        words.insert(rng.randrange(len(words)), rng.choice(CHINESE))
    heading = f"## Scene {rng.randint(1, 999)}\n"
    return heading + " ".join(words)


def _images(layout: DataLayout) -> list[tuple[str, str, int, int]]:
    """A few real images and thumbnails; returns (path, thumb, width, height) relative paths."""
    rng = random.Random(7)
    made = []
    for i in range(DISTINCT_IMAGES):
        job_id = f"{i:02d}" + uuid.UUID(int=i).hex[2:]
        width, height = SIZES[i % len(SIZES)]
        image = Image.new("RGB", (width // 2, height // 2),
                          tuple(rng.randrange(40, 230) for _ in range(3)))
        path = layout.image_path(job_id, 0, "jpg")
        path.parent.mkdir(parents=True, exist_ok=True)
        image.save(path, "JPEG", quality=85)
        thumb = layout.thumb_path(job_id, 0)
        make_thumbnail(path, thumb)
        made.append((layout.relative(path), layout.relative(thumb), width // 2, height // 2))
    return made


V6: Final = 6
"""The schema version before ``job_grams``: the history a user upgrading from it has."""


def build_history(root: Path, rows: int, *, index: bool = True) -> DataLayout:
    """A history of ``rows`` completed/failed jobs under ``root``, written with bulk SQL.

    The jobs go into a version-6 database (before ``job_grams``) with the FTS triggers off and
    one FTS ``rebuild`` afterwards: the per-row triggers made a 100,000-job build take longer
    than a benchmark run may (20 minutes and unfinished on a loaded machine). With ``index``
    the database is then migrated and its short-term index filled in one go (what
    :func:`measure_upgrade` times as the app does it); without, it is left at version 6.
    """
    layout = DataLayout(root).ensure()
    images = _images(layout)
    rng = random.Random(42)
    vocabulary = _vocabulary(rng)
    conn = sqlite3.connect(layout.db_path, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = OFF")
    conn.execute("BEGIN")
    for statement in (s for migration in MIGRATIONS[:V6] for s in migration):
        conn.execute(statement)
    conn.execute(f"PRAGMA user_version = {V6}")
    for trigger in ("jobs_fts_insert", "jobs_fts_delete", "jobs_fts_update"):
        conn.execute(f"DROP TRIGGER {trigger}")
    start = time.time() - rows * 60.0
    jobs, image_rows = [], []
    for n in range(rows):
        job_id = uuid.UUID(int=rng.getrandbits(128)).hex
        width, height = SIZES[n % len(SIZES)]
        fmt = FORMATS[n % 3]
        prompt = _prompt(rng, vocabulary)
        failed = n % 37 == 0
        created = start + n * 60.0
        request = {"prompt": prompt, "negative_prompt": "blurry" if n % 5 == 0 else "",
                   "image_size": {"width": width, "height": height}, "seed": n,
                   "num_images": 1, "output_format": fmt}
        jobs.append((job_id, created, created + 20, "failed" if failed else "completed",
                     json.dumps(request, ensure_ascii=False), prompt, request["negative_prompt"],
                     width, height, fmt, 1, ENDPOINT_ID, "https://queue.fal.run", f"req-{job_id}",
                     n, 0.075, created + 1, created + 5, created + 20,
                     "generation failed" if failed else None, 1 if n % 50 == 0 else 0, ""))
        if not failed:
            path, thumb, w, h = images[n % len(images)]
            image_rows.append((job_id, 0, path, thumb, w, h, "jpeg", 1, "0" * 64))
    conn.executemany(
        "INSERT INTO jobs (id, created_at, updated_at, state, request_json, prompt,"
        " negative_prompt, width, height, output_format, num_images, endpoint, queue_base,"
        " request_id, seed, cost_estimate, submitted_at, started_at, finished_at, error,"
        " favourite, note) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", jobs)
    conn.executemany(
        "INSERT INTO images (job_id, idx, path, thumb_path, width, height, format,"
        " size_bytes, sha256) VALUES (?,?,?,?,?,?,?,?,?)", image_rows)
    conn.execute("INSERT INTO jobs_fts (jobs_fts) VALUES ('rebuild')")
    for statement in MIGRATIONS[0]:
        if "CREATE TRIGGER jobs_fts" in statement:
            conn.execute(statement)
    conn.execute("COMMIT")
    if index:
        conn.close()
        finish_index(layout)
        return layout
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.execute("ANALYZE")
    conn.close()
    return layout


def finish_index(layout: DataLayout) -> int:
    """Migrate the history to the current schema and fill its short-term index in one go (the
    engine does it in the background in small batches); returns the jobs it indexed."""
    HistoryStore.open(layout).close()  # migrated; the old jobs may not be indexed yet
    conn = sqlite3.connect(layout.db_path, isolation_level=None)
    try:
        conn.execute("PRAGMA synchronous = OFF")
        state = grams.backfill_state(conn)
        backfill = grams.Backfill()
        backfill.prepare(conn, limit=state.last_seq - state.done_through + 1)
        conn.execute("BEGIN IMMEDIATE")
        done = backfill.write(conn, budget_s=float("inf")).jobs
        conn.execute("COMMIT")
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        conn.execute("ANALYZE")
    finally:
        conn.close()
    return done


def copy_history(source: Path, root: Path) -> tuple[DataLayout, int]:
    """A copy of the data dir ``source`` under ``root`` (never open a kept history in place:
    the app writes its lease and migrates), migrated and fully indexed; and its job count."""
    shutil.copytree(source, root / "data", ignore=shutil.ignore_patterns("window.lock", "owners"))
    layout = DataLayout(root / "data")
    indexed = finish_index(layout)
    conn = sqlite3.connect(layout.db_path)
    try:
        rows = int(conn.execute("SELECT COUNT(*) FROM jobs").fetchone()[0])
    finally:
        conn.close()
    print(f"history: {rows:,} jobs copied from {source}"
          + (f"; short-term index finished for {indexed:,} jobs" if indexed else ""))
    return layout, rows


def _visible_rows(view: QListView) -> list[int]:
    model = view.model()
    viewport = view.viewport().rect()
    rows = []
    for row in range(min(model.rowCount(), 400)):
        if view.visualRect(model.index(row, 0)).intersects(viewport):
            rows.append(row)
    return rows


def _pump_until(app: QApplication, done: Any, timeout: float = 30.0) -> None:
    deadline = time.perf_counter() + timeout
    while not done():
        app.processEvents()
        if time.perf_counter() > deadline:
            raise TimeoutError("benchmark step did not finish")
        time.sleep(0.0005)


def _tile_ready(index: QModelIndex) -> bool:
    """Its thumbnail is decoded, or it has none to show (a failed job, a failed decode)."""
    summary = index.data(Role.summary)
    return (isinstance(index.data(Role.thumbnail), QPixmap) or summary is None
            or summary.image_path is None or bool(index.data(Role.thumbnail_failed)))


def measure_open(app: QApplication, store: HistoryStore) -> tuple[float, HistoryBrowser]:
    t0 = time.perf_counter()
    browser = HistoryBrowser(store, os_trash=None, check_files_on_start=False)
    browser.resize(1200, 800)
    browser.show()

    def first_screen() -> bool:
        rows = _visible_rows(browser.view)
        model = browser.model
        return bool(rows) and all(_tile_ready(model.index(r)) for r in rows)

    _pump_until(app, first_screen)
    browser.view.viewport().repaint()
    return (time.perf_counter() - t0) * 1000, browser


class _BareModel(QAbstractListModel):
    def __init__(self, rows: int) -> None:
        super().__init__()
        self._rows = rows
        self._pixmap = QPixmap(160, 160)
        self._pixmap.fill(QColor(90, 120, 160))

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else self._rows

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = 0) -> Any:
        if role == Qt.ItemDataRole.DisplayRole:
            return f"item {index.row()}"
        if role == Qt.ItemDataRole.DecorationRole:
            return self._pixmap
        return None


def measure_baseline(app: QApplication, rows: int) -> float:
    t0 = time.perf_counter()
    model = _BareModel(rows)
    view = QListView()
    configure_gallery(view)
    view.setIconSize(QSize(160, 160))
    view.setModel(model)
    view.resize(700, 740)
    view.show()
    _pump_until(app, lambda: bool(_visible_rows(view)))
    view.viewport().repaint()
    elapsed = (time.perf_counter() - t0) * 1000
    view.close()
    view.deleteLater()
    return elapsed


class SearchTimes(dict[str, list[float]]):
    """:func:`measure_search`'s samples (ms) by kind, and each query's best first-page CPU
    time (``slowest``: the queries that make the p95, for the report)."""

    def __init__(self) -> None:
        super().__init__({kind: [] for kind in ("fts", "fts_count", "short", "short_count",
                                                "fts_cpu", "short_cpu")})
        self.slowest: dict[str, list[tuple[float, str]]] = {"fts": [], "short": []}


def measure_search(layout: DataLayout) -> SearchTimes:
    """The runner's two steps, timed apart: the first page of keys (what the user waits for)
    and the total count (the "N found" label, delivered afterwards); and the first page's CPU
    time (``*_cpu``: the work itself, without the waits for a core a busy machine adds)."""
    times = SearchTimes()
    reader = HistoryStore.open(layout, readonly=True)
    try:
        for kind, queries in (("fts", FTS_QUERIES), ("short", SHORT_QUERIES)):
            for text in queries:
                for extra in ({}, {"favourite": True}, {"aspect": "landscape"}):
                    query = HistoryQuery(text=text, **extra)
                    best = float("inf")
                    for _ in range(3):
                        t0, c0 = time.perf_counter(), time.thread_time()
                        reader.query_keys(query, limit=240)
                        t1 = time.perf_counter()
                        cpu = (time.thread_time() - c0) * 1000
                        best = min(best, cpu)
                        times[f"{kind}_cpu"].append(cpu)
                        reader.query_count(query)
                        t2 = time.perf_counter()
                        times[kind].append((t1 - t0) * 1000)
                        times[f"{kind}_count"].append((t2 - t1) * 1000)
                    times.slowest[kind].append((best, f"{text!r} {'+'.join(extra) or 'alone'}"))
    finally:
        reader.close()
    return times


def measure_scroll(app: QApplication, browser: HistoryBrowser, *, rows: int | None = None,
                   watchdog: GapWatchdog | None = None,
                   ) -> tuple[list[float], list[float], int, float]:
    """Scroll to the bottom (or until row ``rows`` is at the top) in big jumps; returns (probe
    gaps in ms, the GUI thread's CPU ms in each gap, steps, seconds). ``watchdog`` is told of
    every probe tick."""
    bar = browser.view.verticalScrollBar()
    model = browser.model
    gaps: list[float] = []
    last = [time.perf_counter()]
    cpu = [time.thread_time()]
    busy: list[float] = []  # the GUI thread's own CPU in each gap: the rest is waiting

    def tick() -> None:
        now, used = time.perf_counter(), time.thread_time()
        gaps.append((now - last[0]) * 1000)
        busy.append((used - cpu[0]) * 1000)
        last[0], cpu[0] = now, used
        if watchdog is not None:
            watchdog.tick()

    probe = QTimer()
    probe.setInterval(1)
    probe.timeout.connect(tick)
    steps = 0
    t0 = time.perf_counter()
    jump = max(bar.pageStep() * 6, 1)
    probe.start()
    last[0], cpu[0] = time.perf_counter(), time.thread_time()
    while True:
        at_end = bar.value() >= bar.maximum()
        if at_end and not model.canFetchMore() and not model.loading and \
                browser.view.visualRect(model.index(model.rowCount() - 1)).isValid():
            break
        if rows is not None and browser.view.indexAt(QPoint(4, 4)).row() >= rows:
            break
        bar.setValue(min(bar.value() + jump, bar.maximum()))
        steps += 1
        end = time.perf_counter() + 0.012
        while time.perf_counter() < end:
            app.processEvents()
            time.sleep(0.0005)
        if time.perf_counter() - t0 > 600:
            raise TimeoutError("scrolling did not reach the bottom")
    probe.stop()
    return gaps[1:] or [0.0], busy[1:] or [0.0], steps, time.perf_counter() - t0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--keep", type=Path, help="build into (and keep) this directory")
    parser.add_argument("--library-only", action="store_true",
                        help="measure only the library (filters, completion, duplicates)")
    parser.add_argument("--no-settle", action="store_true",
                        help="skip heap.settle() after opening (the figure before it existed)")
    parser.add_argument("--history", type=Path,
                        help="measure a copy of this data dir (e.g. upgrade --keep DIR's DIR/data)"
                             " instead of building one; the copy is deleted afterwards")
    parser.add_argument("--search-only", action="store_true",
                        help="measure only the search figures, idle and loaded")
    parser.add_argument("--scroll-only", action="store_true",
                        help="measure only open and scroll (no search, no library figures)")
    parser.add_argument("--scroll-rows", type=int, metavar="N",
                        help="stop scrolling once row N is at the top (default: the bottom)")
    parser.add_argument("--column", choices=LOAD_COLUMNS,
                        help="measure only this column (default: idle, then loaded)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="qwenimg-history-copy-") as scratch:
        return _run(args, Path(scratch))


def _run(args: argparse.Namespace, scratch: Path) -> int:
    app = application()  # the app's own, configured as the app runs it
    t0 = time.perf_counter()
    if args.history is not None:
        root = scratch
        layout, args.rows = copy_history(args.history, root)
    else:
        root = args.keep or Path(tempfile.mkdtemp(prefix="qwenimg-history-bench-"))
        if (root / "data" / "history.sqlite3").exists():
            layout = DataLayout(root / "data")  # --keep DIR from an earlier run: reuse it
        else:
            layout = build_history(root / "data", args.rows)
    if args.search_only:
        _print_machine(args.rows, time.perf_counter() - t0, root)
        HistoryStore.open(layout).close()  # migrated
        search_columns(layout)
        return 0
    if not _has_library(layout):
        print(f"library: {build_library(layout)}")
    build_s = time.perf_counter() - t0
    if args.library_only:
        _print_machine(args.rows, build_s, root)
        report_library(layout)
        return 0
    store = HistoryStore.open(layout)
    baseline = measure_baseline(app, args.rows)
    _print_machine(args.rows, build_s, root)
    for column in (args.column,) if args.column else LOAD_COLUMNS:
        with background_load(column == "loaded"):
            open_ms, browser = measure_open(app, store)
            if not args.no_settle:
                heap.settle()  # as the app's HistoryHost does once the browser is built
            watchdog = gap_watchdog()
            with GcPauses() as gc_pauses:
                gaps, busy, steps, scroll_s = measure_scroll(app, browser, rows=args.scroll_rows,
                                                             watchdog=watchdog)
            watchdog_lines = stopped_report(watchdog)
            rows_loaded = browser.model.rowCount()
            browser.shutdown()
            browser.close()
            search = None if args.scroll_only else measure_search(layout)
            load = load_average()
        _report(column, load, open_ms=open_ms, baseline=baseline, search=search, gaps=gaps,
                busy=busy, steps=steps, rows_loaded=rows_loaded, scroll_s=scroll_s,
                gc_pauses=gc_pauses, settled=not args.no_settle)
        for line in watchdog_lines:
            print(f"[{column}] watchdog: {line}")
    store.close()
    if not args.scroll_only:
        report_library(layout)
    return 0


def _report(column: str, load: str, *, open_ms: float, baseline: float,  # noqa: PLR0913
            search: SearchTimes | None, gaps: list[float], busy: list[float], steps: int,
            rows_loaded: int,
            scroll_s: float, gc_pauses: GcPauses, settled: bool) -> None:
    """One column's lines (idle: nothing added; loaded: one CPU-bound process beside it)."""
    tag = f"[{column}, load average {load}]"
    print(f"{tag} open → first screen of thumbnails: {open_ms:.1f} ms (goal ≤ 150 ms); bare "
          f"QListView baseline {baseline:.1f} ms; ratio {open_ms / baseline:.2f}")
    if search is not None:
        report_search(tag, search)
    over = sum(1 for g in gaps if g > 16.0)
    print(f"{tag} scroll top → bottom: longest GUI stall {max(gaps):.1f} ms, p99 "
          f"{percentile(gaps, 99):.1f} ms, {over} of {len(gaps):,} probe gaps over 16 ms; {steps} "
          f"jumps, {rows_loaded:,} rows loaded, {scroll_s:.1f} s")
    worst = sorted(range(len(gaps)), key=gaps.__getitem__)[-5:]
    print(f"{tag} scroll: GUI thread's own CPU per gap max {max(busy):.1f} ms, p99 "
          f"{percentile(busy, 99):.1f} ms, total {sum(busy) / 1000:.2f} s; longest gaps "
          "(wall / CPU): "
          + ", ".join(f"{gaps[i]:.0f} / {busy[i]:.0f} ms" for i in reversed(worst)))
    print(f"{tag} GC passes while scrolling ({'' if settled else 'no '}heap.settle() after "
          f"opening): {gc_pauses.summary()}")


def search_columns(layout: DataLayout) -> None:
    """Measure and print the search figures idle, then with one CPU-bound process beside."""
    for column in LOAD_COLUMNS:
        with background_load(column == "loaded"):
            search = measure_search(layout)
            load = load_average()
        report_search(f"[{column}, load average {load}]", search)


def report_search(tag: str, search: SearchTimes) -> None:
    """:func:`measure_search`'s figures: wall (the goals: FTS first page p95 ≤ 20 ms, 1–2
    characters ≤ 30 ms at 100,000 generations), and the first page's CPU time beside it."""
    for kind, label in (("fts", "FTS (3+ chars), first page"), ("fts_cpu", "FTS first page CPU"),
                        ("fts_count", "FTS count"), ("short", "1–2 chars, first page"),
                        ("short_cpu", "1–2 chars first page CPU"),
                        ("short_count", "1–2 chars count")):
        values = search[kind]
        print(f"{tag} search {label}: p50 {statistics.median(values):.2f} ms, p95 "
              f"{p95(values):.2f} ms, max {max(values):.2f} ms over {len(values)} queries")
    for kind, label in (("fts", "FTS"), ("short", "1–2 chars")):
        worst = sorted(search.slowest[kind], reverse=True)[:4]
        print(f"{tag} search {label}, slowest first pages (CPU, best of 3): "
              + ", ".join(f"{name} {cpu:.1f} ms" for cpu, name in worst))


def _print_machine(rows: int, build_s: float, root: Path) -> None:
    print(f"machine: {platform.machine()} {os.cpu_count()} cores,"
          f" Python {platform.python_version()}, SQLite {sqlite3.sqlite_version},"
          f" {platform.system()} (offscreen), load average {os.getloadavg()[0]:.1f}")
    print(f"history: {rows:,} jobs, built or copied in {build_s:.1f} s ({root})")


def _has_library(layout: DataLayout) -> bool:
    conn = sqlite3.connect(layout.db_path)
    try:
        return bool(conn.execute("SELECT COUNT(*) FROM tags").fetchone()[0])
    finally:
        conn.close()


def report_library(layout: DataLayout) -> None:
    """Tag + rating + collection filters, completion per keystroke, the duplicate scan; idle,
    then with one CPU-bound process beside it."""
    for column in LOAD_COLUMNS:
        with background_load(column == "loaded"):
            _report_library(f"[{column}] ", layout)


def _report_library(tag: str, layout: DataLayout) -> None:
    for label, queries in (("tag+rating+collection filter", library_queries()),
                           ("the same with search text", text_queries())):
        values, cpu = measure_filters(layout, queries)
        print(f"{tag}{label}, first page: p50 {statistics.median(values):.2f} ms, p95 "
              f"{p95(values):.2f} ms, max {max(values):.2f} ms over {len(values)} queries"
              f" (CPU p95 {p95(cpu):.2f} ms, load average {os.getloadavg()[0]:.1f})"
              + (" (goal p95 ≤ 20 ms)" if "filter" in label else ""))
    build_s, entries, keystrokes = measure_recall(layout)
    print(f"{tag}completion: index of {entries:,} lines/headings/snippets built in {build_s:.1f} s "
          f"(worker thread); per keystroke p50 {statistics.median(keystrokes):.3f} ms, p95 "
          f"{p95(keystrokes):.3f} ms, max {max(keystrokes):.2f} ms over "
          f"{len(keystrokes):,} keystrokes (goal p95 ≤ 10 ms)")
    scan_s, cpu_s, report = measure_duplicates(layout)
    print(f"{tag}duplicate scan (worker thread): {scan_s:.2f} s wall, {cpu_s:.2f} s of the "
          f"thread's CPU, for every image's hash (load average {os.getloadavg()[0]:.1f}); "
          f"{len(report.identical)} identical and {len(report.near)} similar groups "
          "(goal ≤ 2 s)")


if __name__ == "__main__":
    raise SystemExit(main())
