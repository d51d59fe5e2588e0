"""1–2 character search terms are served by ``job_grams`` (migration 7) with the same matches
as the ``LIKE`` scan they replace: kept in step on insert, update and delete, and built (by the
backfill, ``core/store/grams.py``) for the jobs of a database written before the index
existed."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from qwenimg_desktop.core.store import db, grams
from qwenimg_desktop.core.store.queries import HistoryQuery, split_terms
from qwenimg_desktop.core.store.schema import MIGRATIONS, SCHEMA_VERSION

TEXTS = [
    ("可爱的猫 at dawn", "", ""),
    ("夜景 city 4K", "blurry", ""),
    ("a Tree", "", "note: 樱花"),
    ("plain", "Xy", "4k prints"),
    ("", "", ""),
    ("100% _wild_ cat", "", ""),
]
TERMS = ["可爱", "夜", "4k", "4K", "k", "xy", "a", "猫 dawn", "樱", "%", "_", "t", "z", "e 4k",
         "景 cit", "\n", "g:"]


def _like_matches(conn: sqlite3.Connection, term_text: str) -> set[int]:
    """What the old LIKE fallback matched (the reference)."""
    seqs = {int(r[0]) for r in conn.execute("SELECT seq FROM jobs")}
    for term in term_text.split():
        pattern = "%" + term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        hits = {int(r[0]) for r in conn.execute(
            "SELECT seq FROM jobs WHERE prompt LIKE ?1 ESCAPE '\\' OR negative_prompt LIKE ?1"
            " ESCAPE '\\' OR note LIKE ?1 ESCAPE '\\'", (pattern,))}
        seqs &= hits
    return seqs


def _indexed_matches(conn: sqlite3.Connection, term_text: str) -> set[int]:
    query = HistoryQuery(text=term_text)
    sql, params = query.keys_sql(after=None, limit=1000, short_index=True)
    assert ("job_grams" in sql) == bool(split_terms(term_text)[1])  # the index answered
    keys = {int(r[0]) for r in conn.execute(sql, params)}
    count_sql, count_params = query.count_sql(short_index=True)
    assert conn.execute(count_sql, count_params).fetchone()[0] == len(keys)
    return keys


def _insert(conn: sqlite3.Connection, n: int, prompt: str, negative: str, note: str) -> None:
    conn.execute("INSERT INTO jobs (id, created_at, updated_at, state, request_json, prompt,"
                 " negative_prompt, note) VALUES (?, ?, ?, 'completed', '{}', ?, ?, ?)",
                 (f"{n:032x}", n, n, prompt, negative, note))


@pytest.fixture
def old_db(tmp_path: Path) -> tuple[sqlite3.Connection, Path]:
    """A database at the version before the index, with jobs in it, then migrated."""
    path = tmp_path / "old.db"
    conn = sqlite3.connect(path)
    for statement in (s for migration in MIGRATIONS[:6] for s in migration):
        conn.execute(statement)
    conn.execute("PRAGMA user_version = 6")
    for n, (prompt, negative, note) in enumerate(TEXTS, start=1):
        _insert(conn, n, prompt, negative, note)
    conn.commit()
    assert db.migrate(conn, path) == SCHEMA_VERSION
    backfill_all(conn)
    return conn, path


def backfill_all(conn: sqlite3.Connection) -> None:
    """Run the backfill's batches until every old job is indexed (as the engine does)."""
    backfill = grams.Backfill()
    while True:
        backfill.prepare(conn, limit=2)
        with db.transaction(conn):
            if backfill.write(conn).state.complete:
                return


@pytest.mark.parametrize("term", TERMS)
def test_migrated_jobs_match_as_the_like_scan_did(old_db: tuple[sqlite3.Connection, Path],
                                                  term: str) -> None:
    conn, _ = old_db
    assert _indexed_matches(conn, term) == _like_matches(conn, term)


def test_the_index_follows_inserts_updates_and_deletes(
        old_db: tuple[sqlite3.Connection, Path]) -> None:
    conn, _ = old_db
    _insert(conn, 100, "新的 Owl", "", "")
    conn.execute("UPDATE jobs SET note = 'kk 夜' WHERE seq = 1")
    conn.execute("UPDATE jobs SET prompt = 'gone' WHERE seq = 2")
    conn.execute("DELETE FROM jobs WHERE seq = 3")
    for term in [*TERMS, "新", "ow", "kk", "夜景"]:
        assert _indexed_matches(conn, term) == _like_matches(conn, term), term
    # Nothing stale is left behind for the deleted or rewritten rows.
    assert conn.execute("SELECT COUNT(*) FROM job_grams WHERE seq = 3").fetchone() == (0,)
    assert conn.execute("SELECT COUNT(*) FROM job_grams WHERE seq = 2 AND gram = '景'"
                        ).fetchone() == (0,)


def test_the_longest_accepted_text_is_indexed_to_its_end(
        old_db: tuple[sqlite3.Connection, Path]) -> None:
    conn, _ = old_db
    _insert(conn, 200, "a" * 20_000, "b" * 500, "c" * 9_998 + "末尾")
    (seq,) = conn.execute("SELECT seq FROM jobs WHERE id = ?", (f"{200:032x}",)).fetchone()
    assert _indexed_matches(conn, "末尾") == _like_matches(conn, "末尾") == {seq}
    assert _indexed_matches(conn, "尾") == {seq}


def test_short_terms_with_a_long_one_and_filters(old_db: tuple[sqlite3.Connection, Path]) -> None:
    conn, _ = old_db
    query = HistoryQuery(text="可爱 dawn", favourite=True)
    sql, params = query.keys_sql(after=None, limit=10, short_index=True)
    assert list(conn.execute(sql, params)) == []
    conn.execute("UPDATE jobs SET favourite = 1 WHERE seq = 1")
    assert [r[0] for r in conn.execute(sql, params)] == [1]
    paged = HistoryQuery(text="a")
    sql, params = paged.keys_sql(after=3, limit=10, short_index=True)
    assert {int(r[0]) for r in conn.execute(sql, params)} == {
        s for s in _like_matches(conn, "a") if s < 3}
