"""Searching the favourites goes through their own trigram index (``favourites_fts``, schema
migration 12) with exactly the answer the walk of ``jobs_fts`` gave: the same rows, newest
first, the same counts and pages, on a database migrated with its jobs and after every kind of
change to a job (insert, favourite on and off, text edits, delete, the undo of a delete)."""

from __future__ import annotations

import random
import sqlite3
from pathlib import Path

import pytest

from qwenimg_desktop.core.store import db
from qwenimg_desktop.core.store.queries import TRIGRAM, HistoryQuery, split_terms
from qwenimg_desktop.core.store.schema import MIGRATIONS, SCHEMA_VERSION

V12: int = next(i for i, m in enumerate(MIGRATIONS, start=1)
                if any("favourites_fts" in s for s in m))
"""The migration that adds ``favourites_fts`` (renumbered if others land before it)."""

TEXTS = [  # (prompt, negative prompt, note, favourite)
    ("a Lighthouse at dawn", "", "", 1),
    ("lighthouse keeper", "blurry", "", 0),
    ("ÉTÉ à la plage", "", "", 1),  # FTS5 folds non-ASCII case; LIKE would not
    ("Kelvin \u212aat", "", "", 1),  # KELVIN SIGN folds to k in FTS5
    ("plain", "lighthouses", "", 1),
    ("", "", "note: 樱花 lighthouse", 1),
    ("可爱的猫 cat", "", "", 0),
    ("100% cat_wild", "", "", 1),
    ("castle", "", "samurai", 1),
]
TERMS = ["lighthouse", "LIGHTHOUSE", "été", "kat", "note: lig", "cat", "可爱的猫", "t_w",
         "castle samurai", "100%", "ghth dawn", "zzz", "可爱的 cat", "ligh\"t", "lai"]


def _fts_matches(conn: sqlite3.Connection, text: str) -> list[int]:
    """What the walk of ``jobs_fts`` answered for favourites (the reference), newest first."""
    fts, short = split_terms(text)
    assert fts is not None
    assert not short
    return [int(r[0]) for r in conn.execute(
        "SELECT j.seq FROM jobs_fts JOIN jobs j ON j.seq = jobs_fts.rowid WHERE jobs_fts MATCH ?"
        " AND j.favourite = 1 ORDER BY j.seq DESC", (fts,))]


def _listed(conn: sqlite3.Connection, text: str, *, limit: int = 1000,
            after: int | None = None) -> list[int]:
    query = HistoryQuery(text=text, favourite=True)
    sql, params = query.keys_sql(after=after, limit=limit, short_index=True)
    assert "favourites_fts MATCH" in sql  # the favourites' own index answered
    return [int(r[0]) for r in conn.execute(sql, params)]


def _counted(conn: sqlite3.Connection, text: str) -> int:
    sql, params = HistoryQuery(text=text, favourite=True).count_sql(short_index=True)
    assert "favourites_fts MATCH" in sql
    return int(conn.execute(sql, params).fetchone()[0])


def _assert_same_as_the_fts_walk(conn: sqlite3.Connection, terms: list[str]) -> None:
    for term in terms:
        expected = _fts_matches(conn, term)
        assert _listed(conn, term) == expected, term
        assert _counted(conn, term) == len(expected), term
        if len(expected) > 1:  # keyset paging
            first = _listed(conn, term, limit=1)
            assert first + _listed(conn, term, after=first[-1]) == expected, term
    conn.execute("INSERT INTO favourites_fts (favourites_fts) VALUES ('integrity-check')")


def _insert(conn: sqlite3.Connection, n: int, prompt: str, negative: str, note: str,
            favourite: int) -> None:
    conn.execute("INSERT INTO jobs (id, created_at, updated_at, state, request_json, prompt,"
                 " negative_prompt, note, favourite) VALUES (?, ?, ?, 'completed', '{}', ?, ?,"
                 " ?, ?)", (f"{n:032x}", n, n, prompt, negative, note, favourite))


@pytest.fixture
def old_db(tmp_path: Path) -> sqlite3.Connection:
    """A database at the version before ``favourites_fts``, with jobs in it, then migrated."""
    path = tmp_path / "old.db"
    conn = sqlite3.connect(path, isolation_level=None)
    for statement in (s for migration in MIGRATIONS[:V12 - 1] for s in migration):
        conn.execute(statement)
    conn.execute(f"PRAGMA user_version = {V12 - 1}")
    for n, text in enumerate(TEXTS, start=1):
        _insert(conn, n, *text)
    assert db.migrate(conn, path) == SCHEMA_VERSION
    return conn


def test_migrated_favourites_match_as_the_fts_walk_did(old_db: sqlite3.Connection) -> None:
    assert old_db.execute("SELECT COUNT(*) FROM favourites_fts").fetchone() == (7,)
    _assert_same_as_the_fts_walk(old_db, TERMS)
    # The reference itself is FTS5's trigram matching, case folding beyond ASCII included.
    assert _fts_matches(old_db, "été") == [3]
    assert _fts_matches(old_db, "kat") == [4]
    assert _fts_matches(old_db, "lighthouse") == [6, 5, 1]


def test_favourites_index_follows_every_change(old_db: sqlite3.Connection) -> None:
    conn = old_db
    _insert(conn, 50, "new lighthouse", "", "", 1)
    _insert(conn, 51, "another lighthouse", "", "", 0)
    conn.execute("UPDATE jobs SET favourite = 1 WHERE seq = 2")  # on
    conn.execute("UPDATE jobs SET favourite = 0 WHERE seq = 1")  # off
    conn.execute("UPDATE jobs SET favourite = 1 WHERE seq = 5")  # on again: no double entry
    conn.execute("UPDATE jobs SET prompt = 'castle by the sea' WHERE seq = 6")
    conn.execute("UPDATE jobs SET note = 'lighthouse in fog' WHERE seq = 9")
    conn.execute("UPDATE jobs SET prompt = 'lighthouse, not a favourite' WHERE seq = 7")
    row = conn.execute("SELECT * FROM jobs WHERE seq = 4").fetchone()
    conn.execute("DELETE FROM jobs WHERE seq IN (3, 4)")
    _assert_same_as_the_fts_walk(conn, [*TERMS, "sea", "fog", "new light", "another"])
    assert _listed(conn, "lighthouse") == [10, 9, 6, 5, 2]  # 10: the new one; 6 by its note
    # the undo of a delete puts the job back under its old seq
    conn.execute(f"INSERT INTO jobs VALUES ({', '.join('?' * len(row))})", row)
    _assert_same_as_the_fts_walk(conn, [*TERMS, "sea", "fog"])
    assert _listed(conn, "kat") == [4]
    assert conn.execute("SELECT COUNT(*) FROM favourites_fts").fetchone() == (
        conn.execute("SELECT COUNT(*) FROM jobs WHERE favourite = 1").fetchone())


def test_other_filters_still_apply_to_the_favourites(old_db: sqlite3.Connection) -> None:
    conn = old_db
    conn.execute("UPDATE jobs SET width = 1024, height = 768 WHERE seq IN (1, 6)")
    conn.execute("UPDATE jobs SET state = 'failed' WHERE seq = 6")
    query = HistoryQuery(text="lighthouse", favourite=True, aspect="landscape",
                         states=frozenset({"completed"}))  # type: ignore[arg-type]
    sql, params = query.keys_sql(after=None, limit=10, short_index=True)
    assert [r[0] for r in conn.execute(sql, params)] == [1]
    count_sql, count_params = query.count_sql(short_index=True)
    assert conn.execute(count_sql, count_params).fetchone() == (1,)
    # not-favourites still walk jobs_fts
    sql, _ = HistoryQuery(text="lighthouse", favourite=False).keys_sql(after=None, limit=10)
    assert "favourites_fts" not in sql


def test_random_texts_and_terms_match_as_the_fts_walk(old_db: sqlite3.Connection) -> None:
    """Random texts (mixed case, accents, Greek, CJK, punctuation) and terms cut from them with
    their case changed: the favourites' index and the ``jobs_fts`` walk agree on every one."""
    rng = random.Random(11)
    alphabet = "abcdeABCDE éÉßẞσΣςİıK\u212a猫可爱的 _%\"'-."
    conn = old_db
    texts = []
    for n in range(100, 260):
        parts = ["".join(rng.choices(alphabet, k=rng.randint(0, 40))) for _ in range(3)]
        texts.extend(parts)
        _insert(conn, n, parts[0], parts[1], parts[2], int(rng.random() < 0.4))
    terms = []
    for _ in range(120):
        text = rng.choice([t for t in texts if len(t) >= TRIGRAM])
        start = rng.randrange(len(text) - TRIGRAM + 1)
        term = text[start:start + rng.randint(TRIGRAM, 8)].strip()
        if len(term) >= TRIGRAM and " " not in term:
            terms.append(rng.choice([term, term.upper(), term.lower(), term.swapcase()]))
    assert len(terms) > 50
    _assert_same_as_the_fts_walk(conn, terms)
    assert sum(bool(_fts_matches(conn, t)) for t in terms) > 30  # most terms do match something
