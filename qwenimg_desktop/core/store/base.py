"""Connection handling shared by the history store: open/migrate, lock, read and write scopes."""

from __future__ import annotations

import contextlib
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from types import TracebackType
from typing import Self

from qwenimg_desktop.core.errors import BugError
from qwenimg_desktop.core.store import db
from qwenimg_desktop.core.store.files import DataLayout
from qwenimg_desktop.core.store.schema import SCHEMA_VERSION


class StoreBase:
    """One connection to the history database (writer, or read-only) behind a lock.

    Thread-safe: every call takes the instance lock. The writer is meant to be driven by the
    single DB-writer worker; the GUI and the search worker each open their own read-only store.
    """

    def __init__(
        self, conn: sqlite3.Connection, layout: DataLayout, *, readonly: bool,
        clock: Callable[[], float] = time.time,
    ) -> None:
        conn.row_factory = sqlite3.Row
        self._conn: sqlite3.Connection | None = conn
        self.layout = layout
        self.readonly = readonly
        self._clock = clock
        self._lock = threading.Lock()
        # The file an early read-only store opened before the engine's checks (see
        # open_before_check); None once it writes, or for any other store.
        self._unchecked_file: tuple[int, int] | None = None

    @classmethod
    def open(
        cls, layout: DataLayout, *, readonly: bool = False, clock: Callable[[], float] = time.time,
    ) -> Self:
        """Open (creating and migrating if needed) the database of ``layout``.

        A read-only open of a missing or older database first creates or migrates it with a
        short-lived writer connection, so the GUI may open its reader before the engine starts.

        Raises:
            DatabaseCorrupt: the file is not a SQLite database (see ``db.move_aside``).
            SchemaTooNew: a newer app version wrote the file.
            DiskFull, DatabaseBusy, StoreError: environment problems.
        """
        path = layout.db_path
        if not readonly or not path.exists() or _stored_version(path) < SCHEMA_VERSION:
            layout.ensure()
            conn = db.connect_writer(path)
            try:
                db.migrate(conn, path)
            except BaseException:
                conn.close()
                raise
            if not readonly:
                return cls(conn, layout, readonly=False, clock=clock)
            conn.close()
        conn = db.connect_reader(path)
        try:
            with db.translate_errors(path):
                db.check_version(conn, path)
        except BaseException:
            conn.close()
            raise
        return cls(conn, layout, readonly=True, clock=clock)

    @classmethod
    def open_before_check(
        cls, layout: DataLayout, *, clock: Callable[[], float] = time.time,
    ) -> Self | None:
        """A read-only store on a journal whose schema is already current, opened while the
        job engine still checks it (lease, ``quick_check``): the window lists the history
        meanwhile. Nothing is created or migrated: None when there is nothing current to read
        (no file yet, or a schema older or newer than this app's: the engine migrates it or
        says why first). Writes through it raise :class:`~.db.HistoryNotChecked` until
        :meth:`open_for_writing`.

        Raises:
            DatabaseCorrupt, DatabaseBusy, StoreError: the file cannot be read (the engine's
            start, which repairs or refuses it, says what happens next).
        """
        path = layout.db_path
        if not path.exists():
            return None
        conn = db.connect_reader(path)
        try:
            with db.translate_errors(path):
                current = db.user_version(conn) == SCHEMA_VERSION
            identity = db.file_identity(path)
        except BaseException:
            conn.close()
            raise
        if not current or identity is None:
            conn.close()
            return None
        store = cls(conn, layout, readonly=True, clock=clock)
        store._unchecked_file = identity
        return store

    @property
    def unchecked(self) -> bool:
        """True while this is an early store read before the engine's checks passed."""
        return self._unchecked_file is not None

    def open_for_writing(self) -> bool:
        """The engine's checks passed: this early store becomes a writer in place (everything
        holding it keeps it). False, and nothing changes, when the file at the path is no
        longer the one it read (the engine moved a damaged journal aside): open a new store.

        Raises:
            SchemaTooNew, DiskFull, DatabaseBusy, StoreError: as :meth:`open`.
        """
        path = self.layout.db_path
        with self._lock:
            if self._unchecked_file is None:
                return not self.readonly
            if db.file_identity(path) != self._unchecked_file:
                return False
            writer = db.connect_writer(path)
            try:
                db.migrate(writer, path)  # nothing to apply (it was current): as open() does
            except BaseException:
                writer.close()
                raise
            writer.row_factory = sqlite3.Row
            reader, self._conn = self._conn, writer
            self.readonly = False
            self._unchecked_file = None
        if reader is not None:
            reader.close()
        return True

    def require_writable(self) -> None:
        """Raise unless this store may write now (before staging files for a write, say)."""
        if self._unchecked_file is not None:
            raise db.HistoryNotChecked(
                "The history is still being checked, so it cannot be changed yet.")
        if self.readonly:
            raise BugError("write attempted through a read-only HistoryStore")

    def close(self) -> None:
        with self._lock:
            conn, self._conn = self._conn, None
            if conn is None:
                return
            if not self.readonly:
                with contextlib.suppress(sqlite3.Error):
                    conn.execute("PRAGMA optimize")
            conn.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        mode = "ro" if self.readonly else "rw"
        state = "closed" if self._conn is None else "open"
        return f"<{type(self).__name__} {mode} {state} {str(self.layout.db_path)!r}>"

    # ---- plumbing ------------------------------------------------------------------------------

    @contextlib.contextmanager
    def _reading(self) -> Iterator[sqlite3.Connection]:
        with self._lock, db.translate_errors(self.layout.db_path):
            yield self._connection()

    @contextlib.contextmanager
    def _writing(self, *, durable: bool = True) -> Iterator[sqlite3.Connection]:
        """A write transaction; ``durable=False`` commits it without an fsync (see
        :func:`~qwenimg_desktop.core.store.db.without_fsync`), for work that may be redone."""
        with self._lock, db.translate_errors(self.layout.db_path):
            self.require_writable()
            conn = self._connection()
            with contextlib.ExitStack() as stack:
                if not durable:
                    stack.enter_context(db.without_fsync(conn))
                with db.transaction(conn):
                    yield conn

    def _connection(self) -> sqlite3.Connection:
        if self._conn is None:
            raise BugError("HistoryStore used after close()")
        return self._conn

    def integrity_ok(self) -> bool:
        """``PRAGMA quick_check`` on this connection (run it off the GUI thread)."""
        with self._reading() as conn:
            return db.quick_check(conn, self.layout.db_path)


def _stored_version(path: Path) -> int:
    """``user_version`` read through a throwaway read-only connection."""
    conn = db.connect_reader(path)
    try:
        with db.translate_errors(path):
            return db.user_version(conn)
    finally:
        conn.close()
