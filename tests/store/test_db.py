"""Connections, migrations, version refusal, corruption handling and SQLite error classification."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from qwenimg_desktop.core.errors import BugError, DiskFull, StoreError
from qwenimg_desktop.core.store import db
from qwenimg_desktop.core.store.files import DataLayout
from qwenimg_desktop.core.store.history import HistoryStore
from qwenimg_desktop.core.store.queries import HistoryQuery
from qwenimg_desktop.core.store.schema import MIGRATIONS, SCHEMA_VERSION
from tests.store.conftest import make_request


def _raw(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(path, isolation_level=None)


def test_writer_pragmas(data_layout: DataLayout) -> None:
    conn = db.connect_writer(data_layout.db_path)
    try:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert conn.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
        assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
        assert conn.execute("PRAGMA busy_timeout").fetchone()[0] == db.BUSY_TIMEOUT_MS
    finally:
        conn.close()


def test_migrate_from_empty_and_reopen(data_layout: DataLayout) -> None:
    with HistoryStore.open(data_layout) as store:
        store.create_pending(make_request(), queue_base="q", cost_estimate=0.1)
    conn = _raw(data_layout.db_path)
    try:
        assert db.user_version(conn) == SCHEMA_VERSION
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
        assert {"jobs", "images", "job_logs", "jobs_fts"} <= tables
        assert db.migrate(conn, data_layout.db_path) == SCHEMA_VERSION  # idempotent
    finally:
        conn.close()
    with HistoryStore.open(data_layout) as store:
        assert store.query_count(HistoryQuery()) == 1


def test_a_version_1_journal_gains_owners_and_its_unfinished_jobs_are_adopted(
    data_layout: DataLayout,
) -> None:
    """A history written before jobs had owners: the migration adds the column (NULL) and the
    first engine adopts the unfinished rows, as the previous version's recovery did."""
    data_layout.ensure()
    conn = _raw(data_layout.db_path)
    try:
        for statement in MIGRATIONS[0]:
            conn.execute(statement)
        conn.execute("PRAGMA user_version = 1")
        conn.execute(
            "INSERT INTO jobs (id, created_at, updated_at, state, request_json, request_id)"
            " VALUES (?, 1, 1, 'queued', ?, 'req-old')",
            ("ab" * 16, make_request().model_dump_json()))
    finally:
        conn.close()
    with HistoryStore.open(data_layout) as store:
        assert store.owner_of("ab" * 16) is None
        store.owner = "cd" * 16
        assert store.adopt_unfinished(lambda owner: True).adopted == ("ab" * 16,)
        assert store.owner_of("ab" * 16) == "cd" * 16
    conn = _raw(data_layout.db_path)
    try:
        assert db.user_version(conn) == SCHEMA_VERSION
    finally:
        conn.close()


def test_newer_schema_refused(data_layout: DataLayout) -> None:
    HistoryStore.open(data_layout).close()
    conn = _raw(data_layout.db_path)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.close()
    for readonly in (False, True):
        with pytest.raises(db.SchemaTooNew, match="understands up to") as info:
            HistoryStore.open(data_layout, readonly=readonly)
        assert isinstance(info.value, StoreError)
        assert info.value.next_step


def test_garbage_file_is_corrupt_and_can_be_moved_aside(data_layout: DataLayout) -> None:
    data_layout.db_path.write_bytes(b"this is not a database at all, just text" * 200)
    for readonly in (False, True):
        with pytest.raises(db.DatabaseCorrupt) as info:
            HistoryStore.open(data_layout, readonly=readonly)
        assert info.value.path == data_layout.db_path
        assert "damaged" in info.value.message
    Path(f"{data_layout.db_path}-wal").write_bytes(b"junk")
    aside = db.move_aside(data_layout.db_path)
    assert aside.name.startswith("history.corrupt-")
    assert aside.suffix == ".sqlite3"
    assert aside.read_bytes().startswith(b"this is not")
    assert Path(f"{aside}-wal").read_bytes() == b"junk"
    assert not data_layout.db_path.exists()
    assert db.move_aside(data_layout.db_path) != aside  # a second one never overwrites
    with HistoryStore.open(data_layout) as store:
        assert store.query_count(HistoryQuery()) == 0
        assert store.integrity_ok()


def test_damaged_pages_fail_quick_check(data_layout: DataLayout) -> None:
    with HistoryStore.open(data_layout) as store:
        for i in range(300):
            store.create_pending(make_request(f"prompt number {i} " * 20), queue_base="q",
                                 cost_estimate=0.1)
    raw = bytearray(data_layout.db_path.read_bytes())
    page = 4096
    assert len(raw) > 8 * page
    raw[2 * page: len(raw) - page] = b"\xa5" * (len(raw) - 3 * page)
    data_layout.db_path.write_bytes(bytes(raw))
    with HistoryStore.open(data_layout, readonly=True) as store:  # page 1 (header) is intact
        assert not store.integrity_ok()


def _fill(conn: sqlite3.Connection, path: Path) -> None:
    with db.translate_errors(path), db.transaction(conn):
        for i in range(200):
            conn.execute(
                "INSERT INTO jobs (id, created_at, updated_at, state, request_json, prompt)"
                " VALUES (:id, 0, 0, 'pending', '{}', :prompt)",
                {"id": f"{i:032x}", "prompt": f"{i} " + "x" * 2000},
            )


def test_sqlite_full_maps_to_disk_full(data_layout: DataLayout) -> None:
    conn = db.connect_writer(data_layout.db_path)
    try:
        db.migrate(conn, data_layout.db_path)
        pages = conn.execute("PRAGMA page_count").fetchone()[0]
        conn.execute(f"PRAGMA max_page_count = {pages + 2}")  # real SQLITE_FULL at the boundary
        with pytest.raises(DiskFull):
            _fill(conn, data_layout.db_path)
        assert not conn.in_transaction  # rolled back
    finally:
        conn.close()


def test_locked_maps_to_busy(data_layout: DataLayout) -> None:
    HistoryStore.open(data_layout).close()
    first = sqlite3.connect(data_layout.db_path, isolation_level=None, timeout=0)
    second = sqlite3.connect(data_layout.db_path, isolation_level=None, timeout=0)
    try:
        first.execute("BEGIN IMMEDIATE")
        with pytest.raises(sqlite3.OperationalError) as info:
            second.execute("BEGIN IMMEDIATE")
        error = db.classify_sqlite_error(info.value, data_layout.db_path)
        assert isinstance(error, db.DatabaseBusy)
        assert "Close other copies" in error.next_step
    finally:
        first.close()
        second.close()


def test_programming_errors_are_bugs(data_layout: DataLayout) -> None:
    conn = sqlite3.connect(":memory:")
    try:
        with pytest.raises(sqlite3.OperationalError) as info:
            conn.execute("SELECT no_such_column FROM sqlite_master")
    finally:
        conn.close()
    assert isinstance(db.classify_sqlite_error(info.value, data_layout.db_path), BugError)
    with pytest.raises(BugError), db.translate_errors(data_layout.db_path):
        raise sqlite3.IntegrityError("UNIQUE constraint failed: jobs.request_id")


def test_reader_of_missing_file_is_store_error(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="no history database"):
        db.connect_reader(tmp_path / "missing.sqlite3")
