"""HistoryStore.open_before_check: the window's read of the journal before the engine's checks.

Real SQLite files: only a journal whose schema is current is opened, nothing is created or
migrated, no write gets through until ``open_for_writing``, and a journal moved aside meanwhile
is not taken over.
"""

from __future__ import annotations

import sqlite3

import pytest

from qwenimg_desktop.core.params import GenerationRequest
from qwenimg_desktop.core.store import db
from qwenimg_desktop.core.store.db import HistoryNotChecked
from qwenimg_desktop.core.store.files import DataLayout
from qwenimg_desktop.core.store.history import HistoryStore
from qwenimg_desktop.core.store.schema import SCHEMA_VERSION


def _version(layout: DataLayout) -> int:
    with sqlite3.connect(layout.db_path) as conn:
        return int(conn.execute("PRAGMA user_version").fetchone()[0])


def _set_version(layout: DataLayout, version: int) -> None:
    with sqlite3.connect(layout.db_path) as conn:
        conn.execute(f"PRAGMA user_version = {version}")


def _read_only(store: HistoryStore) -> bool:
    return store.readonly


def _journal(layout: DataLayout) -> str:
    with HistoryStore.open(layout) as store:
        return store.create_pending(GenerationRequest(prompt="a harbour at dawn"),
                                    queue_base="q", cost_estimate=0.1)


def test_no_journal_yet_is_left_to_the_engine(data_layout: DataLayout) -> None:
    assert HistoryStore.open_before_check(data_layout) is None
    assert not data_layout.db_path.exists()  # nothing created


@pytest.mark.parametrize("offset", [-1, 1], ids=["older: waits for the migration",
                                                 "newer: the engine says why"])
def test_a_schema_other_than_this_apps_is_not_read_early(
    data_layout: DataLayout, offset: int
) -> None:
    _journal(data_layout)
    _set_version(data_layout, SCHEMA_VERSION + offset)
    assert HistoryStore.open_before_check(data_layout) is None
    assert _version(data_layout) == SCHEMA_VERSION + offset  # not migrated, not touched


def test_a_current_journal_is_read_and_written_only_once_checked(data_layout: DataLayout) -> None:
    job_id = _journal(data_layout)
    store = HistoryStore.open_before_check(data_layout)
    assert store is not None
    try:
        assert _read_only(store)
        assert store.get(job_id) is not None
        with pytest.raises(HistoryNotChecked, match="still being checked") as refused:
            store.set_favourite(job_id, True)
        assert "Try again in a few seconds" in refused.value.next_step
        assert store.open_for_writing()
        assert not _read_only(store)
        store.set_favourite(job_id, True)
        record = store.get(job_id)
        assert record is not None
        assert record.favourite
    finally:
        store.close()


def test_a_journal_moved_aside_meanwhile_is_not_taken_over(data_layout: DataLayout) -> None:
    job_id = _journal(data_layout)
    store = HistoryStore.open_before_check(data_layout)
    assert store is not None
    try:
        db.move_aside(data_layout.db_path)  # as the engine does with a damaged journal
        with HistoryStore.open(data_layout):  # and the fresh one it starts
            pass
        assert not store.open_for_writing()
        assert store.readonly  # unchanged: the caller opens the fresh journal instead
        assert store.get(job_id) is not None  # still the file it read
    finally:
        store.close()
