"""SQLite connections (one writer, many read-only readers), migrations and error classification."""

from __future__ import annotations

import contextlib
import errno
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Final

from qwenimg_desktop.core.errors import BugError, DiskFull, StoreError
from qwenimg_desktop.core.private import create_private_file
from qwenimg_desktop.core.store.files import aside_path
from qwenimg_desktop.core.store.schema import MIGRATIONS, SCHEMA_VERSION

BUSY_TIMEOUT_MS: Final = 5000

# Primary result codes (https://sqlite.org/rescode.html); extended codes keep them in the low byte.
_SQLITE_PERM: Final = 3
_SQLITE_BUSY: Final = 5
_SQLITE_LOCKED: Final = 6
_SQLITE_READONLY: Final = 8
_SQLITE_IOERR: Final = 10
_SQLITE_CORRUPT: Final = 11
_SQLITE_FULL: Final = 13
_SQLITE_CANTOPEN: Final = 14
_SQLITE_NOTADB: Final = 26
_ENVIRONMENT_CODES: Final = frozenset(
    {_SQLITE_PERM, _SQLITE_READONLY, _SQLITE_IOERR, _SQLITE_CANTOPEN}
)


class DatabaseCorrupt(StoreError):
    """The history file is not a readable SQLite database; ``path`` names it."""

    next_step = "Move the damaged file aside and start a fresh history (images stay on disk)."

    def __init__(self, path: Path, detail: str = "") -> None:
        suffix = f" ({detail})" if detail else ""
        super().__init__(f"The history database {path} is damaged{suffix}.")
        self.path = path


class SchemaTooNew(StoreError):
    """The database was written by a newer version of the app."""

    next_step = "Update Qwen Image Desktop, or choose another data folder."


class HistoryNotChecked(StoreError):
    """A change asked of the history while the job engine is still checking the journal: the
    window reads it early (``HistoryStore.open_before_check``) but writes only once the
    engine's checks have passed (a damaged journal is never written to)."""

    next_step = "Try again in a few seconds."


class DatabaseBusy(StoreError):
    """Another process holds the database lock for longer than the busy timeout."""

    next_step = "Close other copies of Qwen Image Desktop or its command line tool, then retry."


def classify_sqlite_error(exc: sqlite3.Error, path: Path) -> Exception:
    """Map a sqlite3 error to DiskFull, DatabaseBusy, DatabaseCorrupt, StoreError or BugError."""
    code = getattr(exc, "sqlite_errorcode", None)
    primary = code & 0xFF if isinstance(code, int) else None
    text = str(exc).lower()
    if primary == _SQLITE_FULL or "database or disk is full" in text:
        return DiskFull(f"The disk is full: the history database {path} cannot grow.")
    if primary in (_SQLITE_BUSY, _SQLITE_LOCKED) or "database is locked" in text:
        return DatabaseBusy(f"The history database {path} is in use by another program.")
    if primary in (_SQLITE_CORRUPT, _SQLITE_NOTADB) or "not a database" in text \
            or "malformed" in text:
        return DatabaseCorrupt(path, str(exc))
    if primary in _ENVIRONMENT_CODES:
        return StoreError(
            f"The history database {path} cannot be used: {exc}.",
            next_step="Check that the data folder exists, is writable and its disk is attached.",
        )
    return BugError(f"SQLite error on {path}: {type(exc).__name__}: {exc}")


@contextlib.contextmanager
def translate_errors(path: Path) -> Iterator[None]:
    """Re-raise any ``sqlite3.Error`` inside the block as its classified error."""
    try:
        yield
    except sqlite3.Error as exc:
        raise classify_sqlite_error(exc, path) from exc


def connect_writer(path: Path) -> sqlite3.Connection:
    """The single writer: WAL, ``synchronous=FULL``, foreign keys, busy timeout, autocommit mode.

    Transactions are explicit (``BEGIN IMMEDIATE`` … ``COMMIT``), see :func:`transaction`.
    The connection may be used from any thread; the caller serialises access. A new database
    file is created user-only first: SQLite keeps that mode and gives it to its -wal and -shm.
    """
    try:
        create_private_file(path)
    except OSError as exc:
        raise _cannot_create(path, exc) from exc
    with translate_errors(path):
        conn = sqlite3.connect(
            path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None, check_same_thread=False
        )
        try:
            conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            if str(mode).lower() != "wal":
                raise StoreError(f"The history database {path} cannot use WAL mode ({mode}).")
            conn.execute("PRAGMA synchronous = FULL")
            conn.execute("PRAGMA foreign_keys = ON")
        except BaseException:
            conn.close()
            raise
    return conn


def _cannot_create(path: Path, exc: OSError) -> StoreError:
    if exc.errno in (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)):
        return DiskFull(f"The disk is full: the history database {path} cannot be created.")
    return StoreError(
        f"The history database {path} cannot be created: {exc.strerror or exc}.",
        next_step="Check that the data folder exists, is writable and its disk is attached.",
    )


def connect_reader(path: Path) -> sqlite3.Connection:
    """A read-only connection (``mode=ro`` URI plus ``query_only``) for the GUI, search or CLI."""
    if not path.exists():
        raise StoreError(f"There is no history database at {path}.")
    uri = f"{path.resolve().as_uri()}?mode=ro"
    with translate_errors(path):
        conn = sqlite3.connect(
            uri, uri=True, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None,
            check_same_thread=False,
        )
        try:
            conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            conn.execute("PRAGMA query_only = ON")
            conn.execute("PRAGMA foreign_keys = ON")
            conn.execute("PRAGMA user_version").fetchone()  # touches the header: corrupt → error
        except BaseException:
            conn.close()
            raise
    return conn


@contextlib.contextmanager
def transaction(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """``BEGIN IMMEDIATE`` … ``COMMIT``; rolls back on any exception."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


@contextlib.contextmanager
def without_fsync(conn: sqlite3.Connection) -> Iterator[None]:
    """Commits in the block are not fsynced (WAL with ``synchronous=NORMAL``), then ``FULL``
    again. A power cut may lose such commits (whole, from the last one back), never corrupt the
    file; the next ``FULL`` commit syncs them with its own (the log is synced in order). Only
    for work that is redone if lost (the short-term index's backfill) or that an fsynced
    commit follows before anything depends on it: a job's status log lines and its result
    (its completion or failure follows), and a new job's ``pending`` row when its ``sending``
    commit follows at once, before the POST (docs/reliability.md). Never for a request id, a
    job's end, or anything sent on the strength of it."""
    conn.execute("PRAGMA synchronous = NORMAL")
    try:
        yield
    finally:
        conn.execute("PRAGMA synchronous = FULL")


def file_identity(path: Path) -> tuple[int, int] | None:
    """The file's device and inode (None if it is missing): tells whether the file a connection
    opened is still the one at ``path`` (a damaged journal is renamed aside, a fresh one made)."""
    try:
        info = path.stat()
    except OSError:
        return None
    return info.st_dev, info.st_ino


def user_version(conn: sqlite3.Connection) -> int:
    return int(conn.execute("PRAGMA user_version").fetchone()[0])


def check_version(conn: sqlite3.Connection, path: Path) -> int:
    """The schema version; raises :class:`SchemaTooNew` if a newer app wrote the file."""
    version = user_version(conn)
    if version > SCHEMA_VERSION:
        raise SchemaTooNew(
            f"The history database {path} has schema version {version}; this version of the app "
            f"understands up to {SCHEMA_VERSION}."
        )
    return version


def migrate(conn: sqlite3.Connection, path: Path) -> int:
    """Apply every pending migration, each in its own transaction; returns the final version."""
    with translate_errors(path):
        check_version(conn, path)
        for target, statements in enumerate(MIGRATIONS, start=1):
            with transaction(conn):
                # Re-read inside the write lock: another process may have migrated meanwhile.
                if check_version(conn, path) >= target:
                    continue
                for statement in statements:
                    conn.execute(statement)
                conn.execute(f"PRAGMA user_version = {target}")
        return user_version(conn)


def quick_check(conn: sqlite3.Connection, path: Path) -> bool:
    """``PRAGMA quick_check``: True when SQLite reports the file as sound."""
    try:
        rows = conn.execute("PRAGMA quick_check").fetchall()
    except sqlite3.DatabaseError as exc:
        error = classify_sqlite_error(exc, path)
        if isinstance(error, DatabaseCorrupt):
            return False
        raise error from exc
    return [tuple(row) for row in rows] == [("ok",)]


def move_aside(path: Path) -> Path:
    """Rename a damaged database (and its -wal / -shm) to ``<stem>.corrupt-<time><suffix>``.

    Returns the new path of the main file. The app can then start a fresh database.
    """
    target = aside_path(path, keep_suffix=True)
    for extra in ("-wal", "-shm"):
        side = Path(f"{path}{extra}")
        if side.exists():
            side.replace(Path(f"{target}{extra}"))
    if path.exists():
        path.replace(target)
    return target
