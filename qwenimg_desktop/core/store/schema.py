"""Ordered schema migrations of the history database (``PRAGMA user_version`` = applied count)."""

from __future__ import annotations

from typing import Final

# ``seq`` is the rowid alias: stable across VACUUM (unlike an implicit rowid), never reused
# (AUTOINCREMENT), so the external-content FTS index can key on it safely.
_V1: Final = (
    """
    CREATE TABLE jobs (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        id TEXT NOT NULL UNIQUE,
        created_at REAL NOT NULL,
        updated_at REAL NOT NULL,
        state TEXT NOT NULL,
        request_json TEXT NOT NULL,
        prompt TEXT NOT NULL DEFAULT '',
        negative_prompt TEXT NOT NULL DEFAULT '',
        width INTEGER,
        height INTEGER,
        output_format TEXT,
        num_images INTEGER,
        endpoint TEXT NOT NULL DEFAULT '',
        queue_base TEXT NOT NULL DEFAULT '',
        request_id TEXT UNIQUE,
        status_url TEXT,
        response_url TEXT,
        cancel_url TEXT,
        queue_position INTEGER,
        seed INTEGER,
        cost_estimate REAL,
        submitted_at REAL,
        started_at REAL,
        finished_at REAL,
        error TEXT,
        error_type TEXT,
        result_json TEXT,
        metrics_json TEXT,
        favourite INTEGER NOT NULL DEFAULT 0,
        note TEXT NOT NULL DEFAULT ''
    )
    """,
    "CREATE INDEX jobs_created ON jobs (created_at DESC, id DESC)",
    "CREATE INDEX jobs_state ON jobs (state, created_at DESC, id DESC)",
    "CREATE INDEX jobs_favourite ON jobs (favourite, created_at DESC, id DESC)",
    """
    CREATE TABLE images (
        job_id TEXT NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
        idx INTEGER NOT NULL,
        path TEXT NOT NULL,
        thumb_path TEXT,
        width INTEGER,
        height INTEGER,
        format TEXT,
        size_bytes INTEGER,
        sha256 TEXT,
        source_url TEXT,
        PRIMARY KEY (job_id, idx)
    )
    """,
    """
    CREATE TABLE job_logs (
        job_id TEXT NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
        seq INTEGER NOT NULL,
        message TEXT NOT NULL,
        level TEXT,
        timestamp TEXT,
        PRIMARY KEY (job_id, seq)
    )
    """,
    """
    CREATE VIRTUAL TABLE jobs_fts USING fts5 (
        prompt, negative_prompt, note,
        content = 'jobs', content_rowid = 'seq', tokenize = 'trigram'
    )
    """,
    """
    CREATE TRIGGER jobs_fts_insert AFTER INSERT ON jobs BEGIN
        INSERT INTO jobs_fts (rowid, prompt, negative_prompt, note)
        VALUES (new.seq, new.prompt, new.negative_prompt, new.note);
    END
    """,
    """
    CREATE TRIGGER jobs_fts_delete AFTER DELETE ON jobs BEGIN
        INSERT INTO jobs_fts (jobs_fts, rowid, prompt, negative_prompt, note)
        VALUES ('delete', old.seq, old.prompt, old.negative_prompt, old.note);
    END
    """,
    """
    CREATE TRIGGER jobs_fts_update AFTER UPDATE OF prompt, negative_prompt, note ON jobs BEGIN
        INSERT INTO jobs_fts (jobs_fts, rowid, prompt, negative_prompt, note)
        VALUES ('delete', old.seq, old.prompt, old.negative_prompt, old.note);
        INSERT INTO jobs_fts (rowid, prompt, negative_prompt, note)
        VALUES (new.seq, new.prompt, new.negative_prompt, new.note);
    END
    """,
)

MIGRATIONS: Final[tuple[tuple[str, ...], ...]] = (_V1,)
"""Migration ``n`` (1-based) brings ``user_version`` from ``n - 1`` to ``n``; append only."""

SCHEMA_VERSION: Final = len(MIGRATIONS)
