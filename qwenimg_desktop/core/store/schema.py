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

# The library: tags, ratings, collections (a job may be in several), saved prompts and
# snippets, and perceptual hashes of images for the duplicate finder. Per-job rows key on the
# job's ``seq`` (so a filter can walk a tag's or collection's members in listing order) and
# cascade with the job; a delete's undo puts them back (see ``core.store.library``).
_V2_LIBRARY: Final = (
    """
    CREATE TABLE tags (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE COLLATE NOCASE,
        created_at REAL NOT NULL
    )
    """,
    """
    CREATE TABLE job_tags (
        tag_id INTEGER NOT NULL REFERENCES tags (id) ON DELETE CASCADE,
        seq INTEGER NOT NULL REFERENCES jobs (seq) ON DELETE CASCADE,
        PRIMARY KEY (tag_id, seq)
    ) WITHOUT ROWID
    """,
    "CREATE INDEX job_tags_seq ON job_tags (seq)",
    """
    CREATE TABLE job_ratings (
        seq INTEGER PRIMARY KEY REFERENCES jobs (seq) ON DELETE CASCADE,
        rating INTEGER NOT NULL CHECK (rating BETWEEN 1 AND 5)
    )
    """,
    "CREATE INDEX job_ratings_rating ON job_ratings (rating, seq)",
    """
    CREATE TABLE collections (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        created_at REAL NOT NULL
    )
    """,
    """
    CREATE TABLE collection_jobs (
        collection_id INTEGER NOT NULL REFERENCES collections (id) ON DELETE CASCADE,
        seq INTEGER NOT NULL REFERENCES jobs (seq) ON DELETE CASCADE,
        added_at REAL NOT NULL,
        PRIMARY KEY (collection_id, seq)
    ) WITHOUT ROWID
    """,
    "CREATE INDEX collection_jobs_seq ON collection_jobs (seq)",
    """
    CREATE TABLE snippets (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL,
        body TEXT NOT NULL,
        negative_prompt TEXT NOT NULL DEFAULT '',
        params_json TEXT,
        tags TEXT NOT NULL DEFAULT '',
        created_at REAL NOT NULL,
        updated_at REAL NOT NULL,
        uses INTEGER NOT NULL DEFAULT 0
    )
    """,
    """
    CREATE TABLE image_hashes (
        job_id TEXT NOT NULL,
        idx INTEGER NOT NULL,
        dhash INTEGER NOT NULL,
        PRIMARY KEY (job_id, idx),
        FOREIGN KEY (job_id, idx) REFERENCES images (job_id, idx) ON DELETE CASCADE
    ) WITHOUT ROWID
    """,
    "CREATE INDEX images_sha256 ON images (sha256)",
)

# Endpoints: a row's endpoint column says which endpoint ran it and how its request_json parses.
# Rows from before it was always written are pro text-to-image, the only endpoint then.
_V3_ENDPOINTS: Final = (
    "UPDATE jobs SET endpoint = 'fal-ai/qwen-image-2/pro/text-to-image' WHERE endpoint = ''",
    "CREATE INDEX jobs_endpoint ON jobs (endpoint, created_at DESC, id DESC)",
)

# Edits: ``uploads`` remembers fal's file_url of each uploaded reference (by sha256) so the same
# bytes are not uploaded again while fal keeps them; ``job_sources`` lists an edit's references
# in order, with the history image each came from (lineage, both ways).
_V4_EDITS: Final = (
    """
    CREATE TABLE uploads (
        sha256 TEXT PRIMARY KEY,
        file_url TEXT NOT NULL,
        uploaded_at REAL NOT NULL
    )
    """,
    """
    CREATE TABLE job_sources (
        job_id TEXT NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
        idx INTEGER NOT NULL,
        sha256 TEXT NOT NULL,
        path TEXT NOT NULL,
        source_job_id TEXT,
        source_index INTEGER,
        PRIMARY KEY (job_id, idx)
    )
    """,
    "CREATE INDEX job_sources_source ON job_sources (source_job_id, source_index)",
)

# The engine that runs the job (core/jobs/lease.py): another process adopts an unfinished job
# only once this owner's lease is free. NULL: written before owners existed (adoptable).
_V5_OWNER: Final = ("ALTER TABLE jobs ADD COLUMN owner TEXT",)

# Batches (core/store/batches.py): one id for the jobs a batch made, journalled together;
# ``queue_rank`` orders the jobs still waiting to be sent (lower first; NULL: by ``seq``), so a
# reorder survives a restart; ``queue_control`` holds whether sending is paused.
_V6_BATCHES: Final = (
    """
    CREATE TABLE batches (
        id TEXT PRIMARY KEY,
        created_at REAL NOT NULL,
        label TEXT NOT NULL DEFAULT '',
        size INTEGER NOT NULL,
        cost_estimate REAL
    )
    """,
    "ALTER TABLE jobs ADD COLUMN batch_id TEXT",
    "ALTER TABLE jobs ADD COLUMN queue_rank REAL",
    "CREATE INDEX jobs_batch ON jobs (batch_id, seq) WHERE batch_id IS NOT NULL",
    """
    CREATE TABLE queue_control (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        paused INTEGER NOT NULL DEFAULT 0
    )
    """,
)

# Short search terms (core/store/queries.py): the trigram FTS index cannot match a term of one
# or two characters (``夜``, ``可爱``, ``4k``), which used to be a LIKE scan of every prompt.
# ``job_grams`` holds every distinct 1- and 2-character piece of a job's prompt, negative prompt
# and note (joined by a newline, which no term contains), lower-cased as LIKE compares (ASCII),
# so "the term occurs" is one primary-key lookup, walked newest first. Triggers cannot use
# recursive CTEs, so they cut the text with ``gram_positions`` (1 … GRAM_TEXT_LIMIT), a row per
# character position; the limit is above the longest text the app accepts (20,000 + 500 +
# 10,000 + 2). Deleting regenerates the old pieces, so it needs no second index on ``seq``.
#
# The migration only creates the table and its triggers (new and edited jobs are indexed from
# then on): the jobs already there are indexed afterwards, in small batches, by the engine
# (``core/store/grams.py``), because filling it here took minutes for a large history (12.3 s
# of CPU for 20,000 jobs of 311 characters) while the engine was not ready. ``gram_backfill``
# records how far that got: every job with ``seq <= done_through`` is indexed, and so is every
# job above ``last_seq`` (the highest seq when the table was made: later ones went through the
# triggers). Until ``done_through >= last_seq`` short terms are matched by the LIKE scan.
GRAM_TEXT_LIMIT: Final = 32_768
_GRAM_TEXT: Final = ("(coalesce({row}.prompt, '') || char(10) || coalesce({row}.negative_prompt,"
                     " '') || char(10) || coalesce({row}.note, ''))")
_GRAM_PIECES: Final = (
    "SELECT lower(substr({text}, p.n, 1)) AS gram FROM gram_positions p"
    " WHERE p.n <= length({text})"
    " UNION SELECT lower(substr({text}, p.n, 2)) FROM gram_positions p"
    " WHERE p.n < length({text})"
)


GRAM_BACKFILL_TABLE: Final = """
    CREATE TABLE IF NOT EXISTS gram_backfill (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        done_through INTEGER NOT NULL,
        last_seq INTEGER NOT NULL
    )
    """


def gram_text(row: str) -> str:
    """The SQL of the one text ``job_grams`` is cut from, for the jobs row called ``row``."""
    return _GRAM_TEXT.format(row=row)


def gram_pieces(text: str) -> str:
    """A ``SELECT gram`` of the distinct 1- and 2-character pieces of the SQL text ``text``."""
    return _GRAM_PIECES.format(text=text)


def _grams(row: str) -> str:
    return gram_pieces(gram_text(row))


_V7_GRAMS: Final = (
    "CREATE TABLE gram_positions (n INTEGER PRIMARY KEY)",
    "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r"
    f" WHERE n < {GRAM_TEXT_LIMIT}) INSERT INTO gram_positions SELECT n FROM r",
    """
    CREATE TABLE job_grams (
        gram TEXT NOT NULL,
        seq INTEGER NOT NULL,
        PRIMARY KEY (gram, seq)
    ) WITHOUT ROWID
    """,
    GRAM_BACKFILL_TABLE,
    "INSERT INTO gram_backfill (id, done_through, last_seq)"
    " SELECT 1, 0, coalesce(max(seq), 0) FROM jobs",
    f"""
    CREATE TRIGGER job_grams_insert AFTER INSERT ON jobs BEGIN
        INSERT OR IGNORE INTO job_grams (gram, seq) SELECT g.gram, new.seq
        FROM ({_grams("new")}) AS g;
    END
    """,
    f"""
    CREATE TRIGGER job_grams_delete AFTER DELETE ON jobs BEGIN
        DELETE FROM job_grams WHERE seq = old.seq AND gram IN ({_grams('old')});
    END
    """,
    f"""
    CREATE TRIGGER job_grams_update AFTER UPDATE OF prompt, negative_prompt, note ON jobs BEGIN
        DELETE FROM job_grams WHERE seq = old.seq AND gram IN ({_grams('old')});
        INSERT OR IGNORE INTO job_grams (gram, seq) SELECT g.gram, new.seq
        FROM ({_grams("new")}) AS g;
    END
    """,
)

# A database migrated to 7 before the backfill existed had every job indexed by migration 7
# itself and has no ``gram_backfill`` table: it is marked complete. One that just went through
# the new migration 7 keeps its pending row (INSERT OR IGNORE).
_V8_GRAM_BACKFILL: Final = (
    GRAM_BACKFILL_TABLE,
    "INSERT OR IGNORE INTO gram_backfill (id, done_through, last_seq)"
    " SELECT 1, coalesce(max(seq), 0), coalesce(max(seq), 0) FROM jobs",
)

# Grids (core/store/grids.py): the axes a batch was planned with and each job's cell, so the
# window can lay the results out, draw a contact sheet and re-run the plan; ``sheet_job_id`` is
# the history item of its latest contact sheet. Written by the window after the batch is handed
# over: a batch journalled without one (a kill in between) is shown numbered, one job a column.
_V9_GRIDS: Final = (
    """
    CREATE TABLE batch_grids (
        batch_id TEXT PRIMARY KEY,
        created_at REAL NOT NULL,
        axes_json TEXT NOT NULL,
        cells_json TEXT NOT NULL,
        sheet_job_id TEXT
    )
    """,
)

# Money holds (core/store/holds.py): ``jobs.hold`` is why a waiting job is held back by a
# budget cap (NULL: not held); ``queue_control.locked`` is fal's reason while the account is
# locked (a pause apart from the user's own ``paused``); ``lost_submit_candidates`` are the
# requests in fal's history that matched a lost submit when several did (the user chooses).
_V10_HOLDS: Final = (
    "ALTER TABLE jobs ADD COLUMN hold TEXT",
    "ALTER TABLE queue_control ADD COLUMN locked TEXT",
    """
    CREATE TABLE lost_submit_candidates (
        job_id TEXT NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
        request_id TEXT NOT NULL,
        sent_at REAL,
        status_code INTEGER,
        summary TEXT NOT NULL DEFAULT '',
        PRIMARY KEY (job_id, request_id)
    )
    """,
)

# fal's prices as last read (core/store/prices.py): one row per endpoint with the time it was
# read, so an offline start still prices jobs, and says how old the price is.
_V11_PRICES: Final = (
    """
    CREATE TABLE endpoint_prices (
        endpoint_id TEXT PRIMARY KEY,
        unit_price REAL NOT NULL,
        unit TEXT NOT NULL,
        currency TEXT NOT NULL,
        read_at REAL NOT NULL
    )
    """,
)

# Favourites' own trigram index (core/store/queries.py): searching the favourites for a common
# word walked every hit of ``jobs_fts`` newest first to find the one job in fifty that is a
# favourite (``lighthouse`` at 100,000 generations: 18,319 hits, 25 ms of CPU), and a probe of
# ``jobs_fts`` per favourite costs more still (0.7 ms each: every probe opens the term's
# doclists again). ``favourites_fts`` holds the same three texts, cut by the same tokenizer,
# for favourites only, so ``MATCH`` on it answers exactly what ``jobs_fts`` answers for them.
# It keeps its own copy of the texts (a few kB per favourite) rather than reading ``jobs``: a
# plain FTS5 table deletes by rowid alone, so it cannot drift when a text changes. The
# triggers keep it in step with a job's insert, delete, favourite flag and texts; the
# migration fills it once (at 100,000 generations with 2,000 favourites: ~0.25 s of CPU).
_FAVOURITE_TEXTS: Final = "{row}.prompt, {row}.negative_prompt, {row}.note"
_V12_FAVOURITES_FTS: Final = (
    """
    CREATE VIRTUAL TABLE favourites_fts USING fts5 (
        prompt, negative_prompt, note, tokenize = 'trigram'
    )
    """,
    "INSERT INTO favourites_fts (rowid, prompt, negative_prompt, note)"
    " SELECT seq, prompt, negative_prompt, note FROM jobs WHERE favourite = 1 ORDER BY seq",
    f"""
    CREATE TRIGGER favourites_fts_insert AFTER INSERT ON jobs WHEN new.favourite = 1 BEGIN
        INSERT INTO favourites_fts (rowid, prompt, negative_prompt, note)
        VALUES (new.seq, {_FAVOURITE_TEXTS.format(row="new")});
    END
    """,
    """
    CREATE TRIGGER favourites_fts_delete AFTER DELETE ON jobs WHEN old.favourite = 1 BEGIN
        DELETE FROM favourites_fts WHERE rowid = old.seq;
    END
    """,
    f"""
    CREATE TRIGGER favourites_fts_update AFTER UPDATE OF favourite, prompt, negative_prompt, note
    ON jobs WHEN old.favourite = 1 OR new.favourite = 1 BEGIN
        DELETE FROM favourites_fts WHERE rowid = old.seq;
        INSERT INTO favourites_fts (rowid, prompt, negative_prompt, note)
        SELECT new.seq, {_FAVOURITE_TEXTS.format(row="new")} WHERE new.favourite = 1;
    END
    """,
)

MIGRATIONS: Final[tuple[tuple[str, ...], ...]] = (
    _V1, _V2_LIBRARY, _V3_ENDPOINTS, _V4_EDITS, _V5_OWNER, _V6_BATCHES, _V7_GRAMS,
    _V8_GRAM_BACKFILL, _V9_GRIDS, _V10_HOLDS, _V11_PRICES, _V12_FAVOURITES_FTS,
)
"""Migration ``n`` (1-based) brings ``user_version`` from ``n - 1`` to ``n``; append only."""

SCHEMA_VERSION: Final = len(MIGRATIONS)
