"""The short-term index of the jobs older than it is built in the background, in batches
(``core/store/grams.py``): the migration no longer does it; a search in the meantime gives the
full scan's answer; the batches and the triggers together leave every job indexed exactly; a
kill -9 mid-way loses nothing. Real SQLite files throughout."""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from qwenimg_desktop.core.jobs.config import EngineConfig
from qwenimg_desktop.core.jobs.engine import JobEngine
from qwenimg_desktop.core.store import db, grams
from qwenimg_desktop.core.store.files import DataLayout
from qwenimg_desktop.core.store.grams import BackfillState
from qwenimg_desktop.core.store.history import HistoryStore
from qwenimg_desktop.core.store.queries import HistoryQuery
from qwenimg_desktop.core.store.reads import _driver
from qwenimg_desktop.core.store.schema import MIGRATIONS, SCHEMA_VERSION, gram_pieces, gram_text
from tests.core.helpers import FAST_RETRY, TEST_KEY, EventLog
from tests.store.test_short_terms import TERMS, TEXTS, _insert, _like_matches

V6 = 6
"""The last schema version without ``job_grams``."""


def _v6_history(path: Path, rows: int) -> None:
    """A database at version 6 (before the index) holding ``rows`` jobs cycling ``TEXTS``."""
    conn = sqlite3.connect(path)
    for statement in (s for migration in MIGRATIONS[:V6] for s in migration):
        conn.execute(statement)
    conn.execute(f"PRAGMA user_version = {V6}")
    rng = random.Random(rows)
    for n in range(1, rows + 1):
        prompt, negative, note = TEXTS[n % len(TEXTS)]
        _insert(conn, n, f"{prompt} #{rng.randrange(1000)}", negative, note)
    conn.commit()
    conn.close()


@pytest.fixture
def layout(tmp_path: Path) -> DataLayout:
    return DataLayout(tmp_path / "data").ensure()


def _connect(path: Path) -> sqlite3.Connection:
    return db.connect_writer(path)


def _expected(conn: sqlite3.Connection) -> set[tuple[str, int]]:
    """Every (piece, seq) the jobs' current texts give, computed afresh."""
    found: set[tuple[str, int]] = set()
    rows = conn.execute(f"SELECT j.seq, {gram_text('j')} FROM jobs j").fetchall()
    for seq, text in rows:
        found.update((str(g), int(seq)) for (g,) in conn.execute(gram_pieces(":t"), {"t": text}))
    return found


def _indexed(conn: sqlite3.Connection) -> set[tuple[str, int]]:
    return {(str(g), int(s)) for g, s in conn.execute("SELECT gram, seq FROM job_grams")}


def _batch(conn: sqlite3.Connection, max_jobs: int) -> grams.BatchResult:
    """``max_jobs`` jobs prepared and written in one batch (no time limit)."""
    backfill = grams.Backfill()
    backfill.prepare(conn, limit=max_jobs)
    with db.transaction(conn):
        return backfill.write(conn, budget_s=float("inf"))


def _finish(conn: sqlite3.Connection, per_batch: int = 7) -> None:
    while not _batch(conn, per_batch).state.complete:
        pass


def test_migrating_a_v6_history_leaves_its_jobs_to_the_backfill(layout: DataLayout) -> None:
    """Before: migration 7 inserted every piece of every job in its one transaction."""
    _v6_history(layout.db_path, 50)
    conn = _connect(layout.db_path)
    try:
        assert db.migrate(conn, layout.db_path) == SCHEMA_VERSION
        assert conn.execute("SELECT COUNT(*) FROM job_grams").fetchone() == (0,)
        state = grams.backfill_state(conn)
        assert state == BackfillState(done_through=0, last_seq=50)
        assert not state.complete
        # New jobs are indexed by the triggers at once.
        _insert(conn, 999, "新 job", "", "")
        assert {g for g, _ in _indexed(conn)} >= {"新", "jo"}
        _finish(conn)
        assert _indexed(conn) == _expected(conn)
    finally:
        conn.close()


def test_a_history_indexed_by_the_old_migration_7_is_complete_at_once(
        layout: DataLayout) -> None:
    _v6_history(layout.db_path, 20)
    conn = _connect(layout.db_path)
    try:
        # What the old migration 7 left: every job indexed, no progress table.
        for statement in MIGRATIONS[V6]:
            conn.execute(statement)
        _finish(conn)
        conn.execute("DROP TABLE gram_backfill")
        conn.execute("PRAGMA user_version = 7")
        assert db.migrate(conn, layout.db_path) == SCHEMA_VERSION
        assert grams.backfill_state(conn) == BackfillState(20, 20)
        assert grams.short_index_ready(conn)
        assert _batch(conn, 10).jobs == 0
    finally:
        conn.close()
    with HistoryStore.open(layout, readonly=True) as reader:
        for term in TERMS:
            assert {s for s, _ in reader.query_keys(HistoryQuery(text=term), limit=1000)} == \
                _like_matches(reader._connection(), term), term


def test_a_new_history_needs_no_backfill(layout: DataLayout) -> None:
    with HistoryStore.open(layout) as store:
        assert store.short_index_state().complete
        assert store.backfill_short_index().jobs == 0


def test_searches_during_the_backfill_give_the_full_scans_answer(layout: DataLayout) -> None:
    _v6_history(layout.db_path, 40)
    HistoryStore.open(layout).close()  # migrated: nothing indexed yet
    writer = _connect(layout.db_path)
    reader = HistoryStore.open(layout, readonly=True)
    queries = [HistoryQuery(text=t) for t in TERMS] + [
        HistoryQuery(text="a", favourite=False), HistoryQuery(text="4k 夜", aspect=None)]
    partial_index_differs = False
    try:
        conn = reader._connection()
        while True:
            state = grams.backfill_state(writer)
            for query in queries:
                expected = _like_matches(conn, query.text)
                keys = reader.query_keys(query, limit=1000)
                assert {s for s, _ in keys} == expected, (state, query.text)
                assert [s for s, _ in keys] == sorted(expected, reverse=True)
                assert reader.query_count(query) == len(expected)
                sql, params = query.keys_sql(after=None, limit=1000, short_index=True)
                if {int(r[0]) for r in conn.execute(sql, params)} != expected:
                    partial_index_differs = True
            if state.complete:
                break
            _batch(writer, 6)
    finally:
        reader.close()
        writer.close()
    # The partial index alone would have missed jobs: the searches above did not use it.
    assert partial_index_differs


def test_a_batch_ends_when_its_time_budget_is_spent(layout: DataLayout) -> None:
    _v6_history(layout.db_path, 30)
    HistoryStore.open(layout).close()
    ticks = iter(range(10_000))
    conn = _connect(layout.db_path)
    try:
        backfill = grams.Backfill()
        backfill.prepare(conn)
        with db.transaction(conn):  # one clock tick (1 ms) per job; budget 4 ms
            result = backfill.write(conn, budget_s=0.004, clock=lambda: next(ticks) / 1000)
        assert result.jobs == 4
        assert grams.backfill_state(conn) == BackfillState(4, 30)
        assert {s for _, s in _indexed(conn)} == {1, 2, 3, 4}
        with db.transaction(conn):  # the next batch continues from the jobs already cut
            assert backfill.write(conn, budget_s=float("inf")).state == BackfillState(30, 30)
        assert _indexed(conn) == _expected(conn)
    finally:
        conn.close()


def test_a_job_edited_between_its_cut_and_its_batch_keeps_its_new_pieces_only(
        layout: DataLayout) -> None:
    _v6_history(layout.db_path, 10)
    HistoryStore.open(layout).close()
    conn = _connect(layout.db_path)
    try:
        backfill = grams.Backfill()
        backfill.prepare(conn)  # pieces of the texts as they are now
        conn.execute("UPDATE jobs SET prompt = 'rewritten 改写' WHERE seq = 4")
        conn.execute("UPDATE jobs SET note = 'brief 夜' WHERE seq = 6")
        conn.execute("UPDATE jobs SET note = '' WHERE seq = 6")  # and back: the same text
        conn.execute("DELETE FROM jobs WHERE seq = 8")
        with db.transaction(conn):
            assert backfill.write(conn, budget_s=float("inf")).state.complete
        assert _indexed(conn) == _expected(conn)
        assert ("夜", 6) not in _indexed(conn)
    finally:
        conn.close()


def test_two_processes_backfilling_at_once_neither_skips_nor_repeats(
        layout: DataLayout) -> None:
    _v6_history(layout.db_path, 60)
    HistoryStore.open(layout).close()
    first, second = _connect(layout.db_path), _connect(layout.db_path)
    try:
        one, two = grams.Backfill(), grams.Backfill()
        one.prepare(first, limit=20)
        two.prepare(second, limit=20)  # both cut seq 1-20
        with db.transaction(first):
            assert one.write(first, budget_s=float("inf")).state.done_through == 20
        with db.transaction(second):  # the mark moved under it: nothing written, cut again
            assert two.write(second, budget_s=float("inf")) == grams.BatchResult(
                0, BackfillState(20, 60))
        while True:
            two.prepare(second, limit=15)
            with db.transaction(second):
                if two.write(second, budget_s=float("inf")).state.complete:
                    break
        assert _indexed(first) == _expected(first)
    finally:
        first.close()
        second.close()


PIECE_TEXTS = ["", "a", "Ab", "可爱的猫 At DAWN", "x\x00after NUL", "\x00", "ÉCOLE İstanbul ẞ Σ",
               "emoji 🐈‍⬛ 𝔘", "line\nbreak\r\n", "100% _wild_", "  ", "Ǆ ǅ ǆ"]


@pytest.mark.parametrize("text", PIECE_TEXTS)
def test_pieces_cut_in_python_are_the_triggers_pieces(tmp_path: Path, text: str) -> None:
    conn = sqlite3.connect(tmp_path / "pieces.db")
    try:
        for statement in MIGRATIONS[V6][:2]:  # gram_positions
            conn.execute(statement)
        assert grams.sqlite_lower_is_ascii(conn)
        in_sql = {str(r[0]) for r in conn.execute(gram_pieces(":t"), {"t": text})}
        assert grams.text_pieces(text) == in_sql
    finally:
        conn.close()


def test_a_sqlite_whose_lower_is_not_ascii_only_gets_pieces_cut_in_sql(
        layout: DataLayout) -> None:
    """As with an ICU build: Python's cut would fold letters SQLite's ``lower()`` does not."""
    _v6_history(layout.db_path, 12)
    old = sqlite3.connect(layout.db_path)
    old.execute("UPDATE jobs SET prompt = 'ÉCOLE Σ' WHERE seq = 3")  # before the index
    old.commit()
    old.close()
    HistoryStore.open(layout).close()
    conn = _connect(layout.db_path)
    try:
        conn.create_function("lower", 1, lambda v: v.lower() if isinstance(v, str) else v,
                             deterministic=True)
        assert not grams.sqlite_lower_is_ascii(conn)
        _finish(conn)
        assert _indexed(conn) == _expected(conn)
        assert {("é", 3), ("σ", 3)} <= _indexed(conn)
    finally:
        conn.close()


def test_jobs_written_around_the_backfill_end_indexed_exactly(layout: DataLayout) -> None:
    _v6_history(layout.db_path, 30)
    HistoryStore.open(layout).close()
    conn = _connect(layout.db_path)
    try:
        assert _batch(conn, 10).state == BackfillState(10, 30)
        conn.execute("UPDATE jobs SET prompt = 'edited 改 after' WHERE seq = 5")  # indexed
        conn.execute("UPDATE jobs SET note = '夜 not yet' WHERE seq = 20")  # not reached yet
        conn.execute("UPDATE jobs SET prompt = 'twice 一' WHERE seq = 20")
        row_25 = conn.execute("SELECT * FROM jobs WHERE seq = 25").fetchone()
        conn.execute("DELETE FROM jobs WHERE seq = 25")  # deleted before its batch
        conn.execute("DELETE FROM jobs WHERE seq = 3")  # deleted after its batch
        conn.execute("DELETE FROM jobs WHERE seq = 12")  # deleted, then undone below
        _insert(conn, 500, "newer 新", "", "")  # seq 31: the insert trigger's
        assert _batch(conn, 10).state == BackfillState(21, 30)  # 11, 13–21: 12 is gone
        # An undone delete gets its old seq back, below and above the mark.
        conn.execute(f"INSERT INTO jobs VALUES ({', '.join('?' * len(row_25))})", tuple(row_25))
        conn.execute("INSERT INTO jobs (seq, id, created_at, updated_at, state, request_json,"
                     " prompt) VALUES (12, 'undone', 12, 12, 'completed', '{}', 'back 回')")
        _finish(conn)
        assert _indexed(conn) == _expected(conn)
        assert 3 not in {s for _, s in _indexed(conn)}
        assert ("回", 12) in _indexed(conn)
    finally:
        conn.close()


def test_a_writer_racing_the_backfill_leaves_every_job_indexed_exactly(
        layout: DataLayout) -> None:
    """Two connections on the file, as the engine and a CLI in another process would be."""
    _v6_history(layout.db_path, 300)
    HistoryStore.open(layout).close()
    stop = threading.Event()
    errors: list[BaseException] = []
    writes = [0]

    def write() -> None:
        rng = random.Random(5)
        conn = _connect(layout.db_path)
        try:
            n = 10_000
            while not stop.is_set():
                seq = rng.randint(1, 320)
                with db.transaction(conn):
                    action = rng.random()
                    if action < 0.4:
                        conn.execute("UPDATE jobs SET prompt = ?, note = ? WHERE seq = ?",
                                     (f"p{rng.randrange(99)} 夜{rng.choice('abc')}",
                                      rng.choice(["", "4k", "樱 x"]), seq))
                    elif action < 0.6:
                        conn.execute("DELETE FROM jobs WHERE seq = ?", (seq,))
                    else:
                        n += 1
                        _insert(conn, n, f"fresh {n} 新", "", "")
                writes[0] += 1
                # A breath between writes, as a real writer takes: in a back-to-back loop the
                # lock is taken again microseconds after each commit, and the batches' busy
                # handler (which sleeps 1, 2, 5 … ms between tries) could starve for its whole
                # 5 s timeout ("database is locked", about one run in six on a busy machine).
                stop.wait(0.0005)
        except BaseException as exc:
            errors.append(exc)
        finally:
            conn.close()

    writer = threading.Thread(target=write)
    writer.start()
    conn = _connect(layout.db_path)
    try:
        while not _batch(conn, 3).state.complete:
            time.sleep(0.001)  # as the engine pauses between batches: the writer gets a turn
        during = writes[0]
        stop.set()
        writer.join(30)
        assert not errors
        assert during >= 20  # the writes did interleave with the batches
        assert conn.execute("SELECT COUNT(*) FROM jobs").fetchone()[0] > 100
        assert _indexed(conn) == _expected(conn)
    finally:
        stop.set()
        conn.close()


_KILLED_CHILD = """
import sys
from pathlib import Path
from qwenimg_desktop.core.store.files import DataLayout
from qwenimg_desktop.core.store.history import HistoryStore
store = HistoryStore.open(DataLayout(Path(sys.argv[1])))
while not store.backfill_short_index(budget_s=0.001).state.complete:
    pass
"""


@pytest.fixture
def child() -> Iterator[list[subprocess.Popen[bytes]]]:
    procs: list[subprocess.Popen[bytes]] = []
    yield procs
    for proc in procs:
        if proc.poll() is None:
            proc.kill()
        proc.wait(10)


def test_a_backfill_killed_mid_way_resumes_and_loses_nothing(
        layout: DataLayout, child: list[subprocess.Popen[bytes]]) -> None:
    _v6_history(layout.db_path, 4000)
    HistoryStore.open(layout).close()
    proc = subprocess.Popen([sys.executable, "-c", _KILLED_CHILD, str(layout.root)])
    child.append(proc)
    conn = _connect(layout.db_path)
    try:
        deadline = time.monotonic() + 60
        while grams.backfill_state(conn).done_through < 50:  # mid-way: kill it
            assert proc.poll() is None, "the child stopped before it was killed"
            assert time.monotonic() < deadline
            time.sleep(0.005)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(10)
        state = grams.backfill_state(conn)
        assert not state.complete
        # Exactly the jobs up to the mark are indexed: a batch and its mark commit together.
        assert {s for _, s in _indexed(conn)} == set(range(1, state.done_through + 1))
        _finish(conn, per_batch=500)
        assert _indexed(conn) == _expected(conn)
    finally:
        conn.close()


def test_the_engine_fills_the_index_after_it_is_ready(layout: DataLayout) -> None:
    _v6_history(layout.db_path, 500)
    engine = JobEngine(EngineConfig(layout, queue_base="http://127.0.0.1:9", retry=FAST_RETRY),
                       keys=lambda: TEST_KEY, sink=EventLog())
    try:
        engine.start()
        assert engine.store is not None
        deadline = time.monotonic() + 60
        while not engine.store.short_index_state().complete:
            assert time.monotonic() < deadline, engine.store.short_index_state()
            time.sleep(0.01)
        conn = engine.store._connection()
        assert _indexed(conn) == _expected(conn)
    finally:
        engine.shutdown()


def test_an_engine_stopped_mid_backfill_leaves_its_progress_to_the_next(
        layout: DataLayout) -> None:
    _v6_history(layout.db_path, 5000)

    def engine() -> JobEngine:
        return JobEngine(EngineConfig(layout, queue_base="http://127.0.0.1:9",
                                      retry=FAST_RETRY), keys=lambda: TEST_KEY, sink=EventLog())

    first = engine()
    try:
        first.start()
        assert first.store is not None
        deadline = time.monotonic() + 60
        while first.store.short_index_state().done_through == 0:
            assert time.monotonic() < deadline
            time.sleep(0.002)
    finally:
        first.shutdown()
    conn = _connect(layout.db_path)
    try:
        stopped = grams.backfill_state(conn)
        assert 0 < stopped.done_through < stopped.last_seq  # it stopped with the engine
        assert {s for _, s in _indexed(conn)} == set(range(1, stopped.done_through + 1))
    finally:
        conn.close()
    second = engine()
    try:
        second.start()
        assert second.store is not None
        deadline = time.monotonic() + 120
        while not second.store.short_index_state().complete:
            assert time.monotonic() < deadline
            time.sleep(0.01)
        conn = second.store._connection()
        assert _indexed(conn) == _expected(conn)
    finally:
        second.shutdown()


@pytest.mark.parametrize("text", ["樱 note", "可爱 dawn", "4k prints", "夜景 city", "a Tree",
                                  "xy plain", "t cat wild", "zz dawn"])
def test_a_rare_short_term_drives_a_listing_with_a_long_one(layout: DataLayout,
                                                            text: str) -> None:
    """``樱花 dawn``: the short term's index rows are walked, the long term checked per row."""
    _v6_history(layout.db_path, 120)
    HistoryStore.open(layout).close()
    conn = _connect(layout.db_path)
    try:
        _finish(conn, per_batch=50)
        conn.execute("UPDATE jobs SET favourite = 1 WHERE seq % 3 = 0")
    finally:
        conn.close()
    with HistoryStore.open(layout, readonly=True) as reader:
        reference = reader._connection()
        for query in (HistoryQuery(text=text), HistoryQuery(text=text, favourite=True)):
            expected = {s for s in _like_matches(reference, text)
                        if query.favourite is None or s % 3 == 0}
            driver = _driver(reference, query, short_index=True)
            assert driver is not None
            assert driver.table == "job_grams"
            assert [s for s, _ in reader.query_keys(query, limit=1000)] == sorted(
                expected, reverse=True)
            assert reader.query_count(query) == len(expected)
            paged = reader.query_keys(query, limit=3)
            if paged:
                rest = reader.query_keys(query, limit=1000, after=paged[-1][0])
                assert [s for s, _ in paged + rest] == sorted(expected, reverse=True)
