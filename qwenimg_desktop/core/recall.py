"""Recall while writing: completions for the line being typed from past prompts and the library.

The index holds every distinct line of past prompts (headings without their ``#`` marks) and
every snippet, each with a use count: how many prompts had the line, how often a snippet was
used. It lives in a private SQLite database on disk (SQLite's own temporary file, deleted when
the index is closed or its process ends), not in the process's memory: at 100,000 prompts
the lines are ~45 MB of text and the index held ~82 MB of Python objects for them; now it holds
a page cache of :data:`CACHE_KIB`. A lookup is one indexed range read: the entries whose
first :data:`MIN_PREFIX` characters (case-folded) are the typed ones, in use order, or those
whose case-folded text starts with the typed text, the most used first (well under a
millisecond at 100,000 prompts, see docs/performance.md). Building reads every prompt: do it
off the GUI thread. SQLite does it, in one statement that splits, counts and sorts the lines
(:func:`_lines_sql`), so the thread that builds holds the GIL only to start it and to case-fold
the lines beyond ASCII, a few hundred at a time.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Final

log = logging.getLogger("qwenimg.recall")

MIN_PREFIX: Final = 3
"""Characters typed on a line before suggestions appear as you type."""
MAX_LINE_CHARS: Final = 1000
"""Longer lines are not offered (they are paragraphs, not reusable lines)."""
SNIPPET_BONUS: Final = 5
"""A library entry counts as this many uses more than its own count: the user saved it."""
CACHE_KIB: Final = 2048
"""The index's page cache once built (SQLite's ``cache_size``): what it keeps in memory."""
BUILD_CACHE_KIB: Final = 512
"""The page cache while the index is built. SQLite sorts the lines in as much memory again (and
spills the rest to its temporary file), at the time jobs are sent, the window's memory peak: at
2 MB the build of the 100,000-generation history's index peaked at 9.1 MB of SQLite's memory,
at 512 KB 6.7 MB, for the same CPU (issue 21)."""

_SCHEMA: Final = """
CREATE TABLE entry (
    id INTEGER PRIMARY KEY,  -- the order entries were added: the earlier first among equals
    kind TEXT NOT NULL,      -- 'line', 'heading' or 'snippet'
    text TEXT NOT NULL,      -- what is inserted
    label TEXT NOT NULL,     -- what the popup shows ('' = the text); what a snippet matches
    ident TEXT,              -- a snippet's identity (its match and text); NULL = the text
    bucket TEXT,             -- the first MIN_PREFIX characters of the match, case-folded
                             -- (NULL only inside a count, until _fold_the_rest)
    folded TEXT,             -- the match case-folded; NULL when that is the text itself
    uses INTEGER NOT NULL
)"""
_INDEXES: Final = {
    "entry_by_use": "entry (bucket, uses DESC, id)",
    "entry_by_match": "entry (bucket, coalesce(folded, text), uses DESC, id)",
    "entry_key": "entry (kind, coalesce(ident, text))",
}
"""What lookups read, and the key a count finds its entry by (unique). A build drops them and
makes them again once it has counted every line: sorting once is cheaper than keeping them in
step with each count."""
_KEY: Final = "kind, coalesce(ident, text)"
_MATCH: Final = "coalesce(folded, text)"
_COLUMNS: Final = "text, kind, uses, label"

_SPACE: Final = ("\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003"
                 "\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000")
"""What ``str.strip()`` strips (every character ``str.isspace()`` accepts)."""
_LINE_BREAKS: Final = ("char(13, 10)", "char(13)", "char(11)", "char(12)", "char(28)",
                       "char(29)", "char(30)", "char(133)", "char(8232)", "char(8233)")
"""What ``str.splitlines()`` splits at besides a newline (CR LF first)."""
_PROMPTS_TABLE: Final = "temp.prompt"
_FROM_HISTORY: Final = "SELECT -seq, prompt FROM history.jobs ORDER BY seq DESC LIMIT :limit"
"""The newest prompts of an attached history database, newest first (the order they count in
when uses are equal)."""


def _lines_sql(source: str, *, counting: bool) -> str:
    """One statement that adds every distinct line of the prompts ``source`` yields (``SELECT
    ord, prompt``, ``ord`` ascending in reading order), counted once per prompt: the prompt
    split as ``str.splitlines`` splits it, each line read as :func:`split_marks` reads it
    (a heading when it had ``#`` marks), trailing spacing dropped, lines of
    :data:`MIN_PREFIX` to :data:`MAX_LINE_CHARS` characters; ``counting``: added to the counts
    already there (entries in the order of their first prompt and line, the earlier first).

    All of it runs inside SQLite, which releases the GIL while it works: built in Python, the
    index of 100,000 prompts was 2.0–3.1 s of one niced worker holding the window's GIL, and
    each time the kernel preempted that worker, the GUI thread waited for it (up to 450 ms in
    the throughput benchmark under load, docs/performance.md)."""
    text = "rest"
    for mark in _LINE_BREAKS:
        text = f"replace({text}, {mark}, char(10))"
    body = "rtrim(ltrim(ltrim(ltrim(line, :space), '#'), :space), :space)"
    ascii_text = "length(CAST(text AS BLOB)) = length(text)"
    # Case-folded by SQLite's lower() where the text is ASCII (the same as casefold there); the
    # rest by Python afterwards, all in one call (_fold_the_rest): a function of the connection
    # called per line takes the GIL per line.
    bucket = f"CASE WHEN {ascii_text} THEN lower(substr(text, 1, {MIN_PREFIX})) END"
    folded = f"CASE WHEN {ascii_text} THEN nullif(lower(text), text) END"
    if counting:  # new entries after every other, in the order of their first line
        ident, order = "NULL", " ORDER BY first"
        upsert = f" ON CONFLICT ({_KEY}) DO UPDATE SET uses = uses + excluded.uses"
    else:  # into an empty table: the first line's place is the entry's id (no second sort)
        ident, order, upsert = "first", "", ""
    return f"""
WITH RECURSIVE source(ord, rest) AS ({source}),
split(ord, pos, line, rest) AS (
    SELECT ord, 0, NULL, {text} || char(10) FROM source
    UNION ALL
    SELECT ord, pos + 1, substr(rest, 1, instr(rest, char(10)) - 1),
           substr(rest, instr(rest, char(10)) + 1)
    FROM split WHERE rest <> ''),
keyed(ord, pos, kind, body) AS (
    SELECT ord, pos,
           CASE WHEN substr(ltrim(line, :space), 1, 1) = '#' THEN 'heading' ELSE 'line' END,
           {body}
    FROM split WHERE line IS NOT NULL),
line(kind, text, uses, first) AS (
    SELECT kind, body, count(DISTINCT ord), min(ord * 1048576 + pos)  -- 2**20: more lines
                                                  -- than a prompt of MAX_PROMPT_CHARS has
    FROM keyed WHERE length(body) BETWEEN {MIN_PREFIX} AND {MAX_LINE_CHARS}
    GROUP BY kind, body)
INSERT INTO entry (id, kind, text, label, ident, bucket, folded, uses)
SELECT {ident}, kind, text, '', NULL, {bucket}, {folded}, uses
FROM line WHERE true{order}{upsert}"""


_UNFOLDED: Final = """
SELECT json_group_array(json_array(id, text)) FROM (
    SELECT id, text FROM entry WHERE id > :after AND bucket IS NULL ORDER BY id LIMIT :n)"""
_FOLD: Final = """
UPDATE entry SET bucket = f.bucket, folded = f.folded
FROM (SELECT json_extract(value, '$[0]') AS id, json_extract(value, '$[1]') AS bucket,
             json_extract(value, '$[2]') AS folded FROM json_each(:folds)) AS f
WHERE entry.id = f.id"""
_FOLD_BATCH: Final = 500
"""Entries folded per read and write: a few hundred kilobytes of JSON, not megabytes."""
_PUT: Final = f"""
INSERT INTO entry (kind, text, label, ident, bucket, folded, uses)
VALUES (:kind, :text, :label, :ident, :bucket, :folded, :uses)
ON CONFLICT ({_KEY}) DO UPDATE SET uses = excluded.uses, label = excluded.label
"""


@dataclass(frozen=True, slots=True)
class Suggestion:
    """One completion: ``text`` replaces the typed part of the line (after any ``#`` marks)."""

    text: str
    kind: str  # "line", "heading" or "snippet"
    uses: int
    label: str = ""
    """What the popup shows (a snippet's name with its text); ``text`` when empty."""

    @property
    def display(self) -> str:
        return self.label or self.text


def split_marks(line: str) -> tuple[str, str]:
    """``("## ", "Scene")`` for ``"## Scene"``: leading spacing and heading marks, the rest."""
    stripped = line.lstrip()
    body = stripped.lstrip("#")
    if body != stripped:
        body = body.lstrip()
    return line[:len(line) - len(body)], body


class RecallIndex:
    """Distinct prompt lines, headings and snippets with use counts; thread-safe.

    Close it (or let it be collected) to delete its file; SQLite deletes it at exit too.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        # "" is SQLite's private temporary database: a file in its temporary directory, already
        # unlinked (deleted on close), holding in memory only the page cache set here. URIs on:
        # a build attaches the history read-only (``mode=ro``).
        self._db = sqlite3.connect("", check_same_thread=False, isolation_level=None, uri=True)
        self._db.execute(f"PRAGMA cache_size = -{CACHE_KIB}")
        # A transaction's undo pages in memory: the build's pages are all new (none kept), and
        # a rollback only follows an error.
        self._db.execute("PRAGMA journal_mode = MEMORY")
        self._db.execute(_SCHEMA)
        self._indexes(make=True)

    def __len__(self) -> int:
        with self._lock:
            return int(self._db.execute("SELECT count(*) FROM entry").fetchone()[0])

    def __repr__(self) -> str:
        return f"<RecallIndex {len(self)} entries>"

    def close(self) -> None:
        """Delete the index's file (lookups then find nothing)."""
        with self._lock:
            self._db.close()

    @classmethod
    def build(cls, prompts: Iterable[str], snippets: Iterable[tuple[str, str, int]] = (),
              ) -> RecallIndex:
        """From past prompts (the first counts as the newest) and ``(name, text, uses)`` of
        library snippets."""
        index = cls()
        with index._lock:
            index._db.execute(f"CREATE TABLE {_PROMPTS_TABLE} (ord INTEGER PRIMARY KEY, prompt)")
            index._db.executemany(f"INSERT INTO {_PROMPTS_TABLE} (prompt) VALUES (?)",
                                  ((p,) for p in prompts))
            index._build(f"SELECT ord, prompt FROM {_PROMPTS_TABLE}", {}, snippets)
            index._db.execute(f"DROP TABLE {_PROMPTS_TABLE}")
        return index

    @classmethod
    def build_from_history(cls, database: Path, limit: int,
                           snippets: Iterable[tuple[str, str, int]] = ()) -> RecallIndex:
        """From the prompts of the newest ``limit`` jobs of the history database at
        ``database`` (attached read-only: SQLite reads it, no prompt becomes a Python object)
        and ``(name, text, uses)`` of library snippets.

        The statement reads the history in one read transaction (seconds at 100,000
        generations): the engine's writes go on meanwhile (WAL), and its log is checkpointed
        past them once the build has ended."""
        index = cls()
        uri = f"{database.resolve().as_uri()}?mode=ro"
        with index._lock:
            index._db.execute("ATTACH DATABASE ? AS history", (uri,))
            try:
                index._build(_FROM_HISTORY, {"limit": limit}, snippets)
            finally:
                index._db.execute("DETACH DATABASE history")
        return index

    def add_prompt(self, prompt: str) -> None:
        """Count a newly written prompt's lines (for example when it is sent). A failure
        (the index's file unwritable) is logged: completion is a help, sending must go on."""
        try:
            with self._lock, self._transaction():
                self._db.execute(_lines_sql("SELECT 0, :prompt", counting=True),
                                 {"prompt": prompt, "space": _SPACE})
                self._fold_the_rest()
        except (sqlite3.Error, UnicodeEncodeError) as exc:  # a lone surrogate
            log.warning("the prompt's lines were not added to completion: %s", exc)

    def set_snippets(self, snippets: Iterable[tuple[str, str, int]]) -> None:
        """Replace the library part of the index with ``(name, text, uses)`` entries."""
        listed = list(snippets)  # read before the lock: lookups never wait for the library
        with self._lock, self._transaction():
            self._db.execute("DELETE FROM entry WHERE kind = 'snippet'")
            self._put_snippets(listed)

    def suggest(self, typed: str, limit: int = 8) -> list[Suggestion]:
        """Completions of one line's text (heading marks and spacing ignored), most used first;
        none below :data:`MIN_PREFIX` characters or for an exact, complete line."""
        _, body = split_marks(typed)
        if len(body) < MIN_PREFIX:
            return []
        folded = body.casefold()
        found: list[Suggestion] = []
        seen: set[str] = set()
        try:
            with self._lock:
                for entry in self._candidates(_bucket(body), folded, limit):
                    if entry.text != body and entry.text not in seen:
                        seen.add(entry.text)
                        found.append(entry)
                        if len(found) >= limit:
                            break
        except (sqlite3.Error, UnicodeEncodeError):  # closed, unreadable; a lone surrogate
            return []
        return found

    # ---- internals (lock held) -----------------------------------------------------------------

    def _build(self, source: str, parameters: dict[str, object],
               snippets: Iterable[tuple[str, str, int]]) -> None:
        """Count every line of ``source``'s prompts in one statement (SQLite's work, without
        the GIL), then the snippets, then sort the indexes."""
        with self._transaction(BUILD_CACHE_KIB):
            self._indexes(make=False)
            self._db.execute(_lines_sql(source, counting=False),
                             {**parameters, "space": _SPACE})
            self._fold_the_rest()
            self._db.execute(f"CREATE UNIQUE INDEX entry_key ON {_INDEXES['entry_key']}")
            self._put_snippets(snippets)
            self._indexes(make=True, key=False)
        # No heap.release_free_pages() after it (the Python build's freed batches needed it):
        # this build leaves no Python garbage, and malloc_trim holds the allocator's locks
        # while it walks the heap, which the GUI thread's allocations would wait for.

    def _fold_the_rest(self) -> None:
        """Case-fold the entries a count left unfolded (text beyond ASCII) with Python's
        ``casefold``: :data:`_FOLD_BATCH` at a time, read in one row and written in one
        statement, so the GIL is taken a few times per batch, not once per line."""
        after = -(2**63)
        while True:
            (listed,) = self._db.execute(_UNFOLDED, {"after": after, "n": _FOLD_BATCH}).fetchone()
            folds = []
            for ident, text in json.loads(listed):
                folded = text.casefold()
                folds.append((ident, _bucket(text), None if folded == text else folded))
            if not folds:
                return
            self._db.execute(_FOLD, {"folds": json.dumps(folds)})
            after = folds[-1][0]

    def _candidates(self, bucket: str, folded: str, limit: int) -> Iterator[Suggestion]:
        if len(folded) == MIN_PREFIX:  # the whole bucket matches: walked in use order
            rows: Iterable[tuple[str, str, int, str]] = self._db.execute(
                f"SELECT {_COLUMNS} FROM entry WHERE bucket = ? ORDER BY uses DESC, id",
                (bucket,))
        else:  # the entries starting with the typed text, the most used of them
            rows = self._db.execute(
                f"SELECT {_COLUMNS} FROM entry WHERE bucket = ? AND {_MATCH} >= ? "
                f"AND {_MATCH} < ? ORDER BY uses DESC, id LIMIT ?",
                (bucket, folded, folded + "\U0010ffff", limit * 2))
        for text, kind, uses, label in rows:
            yield Suggestion(text, kind, uses, label)

    def _indexes(self, *, make: bool, key: bool = True) -> None:
        for name, columns in _INDEXES.items():
            if key or name != "entry_key":
                unique = "UNIQUE " if name == "entry_key" else ""
                self._db.execute(f"CREATE {unique}INDEX {name} ON {columns}" if make
                                 else f"DROP INDEX {name}")

    def _transaction(self, cache_kib: int = CACHE_KIB) -> _Transaction:
        return _Transaction(self._db, cache_kib)

    def _put_snippets(self, snippets: Iterable[tuple[str, str, int]]) -> None:
        """Each snippet is found by its name and by its first line (its uses replaced)."""
        rows = []
        for name, text, uses in snippets:
            body = text.strip()
            if not body:
                continue
            first = split_marks(body.splitlines()[0])[1]
            for match in dict.fromkeys(k for k in (name.strip(), first) if len(k) >= MIN_PREFIX):
                label = match if match == first else f"{match} — {first[:60]}"
                folded = _folded(label)
                rows.append({"kind": "snippet", "text": body, "label": label,
                             "ident": f"{match}\x00{body}", "bucket": _bucket(label),
                             "folded": None if folded == body else folded,
                             "uses": uses + SNIPPET_BONUS})
        self._db.executemany(_PUT, rows)


class _Transaction:
    """One write transaction on the index with a given page cache (the build's is larger);
    the cache is set back to :data:`CACHE_KIB` after it (SQLite frees what is over)."""

    def __init__(self, db: sqlite3.Connection, cache_kib: int) -> None:
        self._db = db
        self._cache_kib = cache_kib

    def __enter__(self) -> None:
        if self._cache_kib != CACHE_KIB:
            self._db.execute(f"PRAGMA cache_size = -{self._cache_kib}")
        self._db.execute("BEGIN")

    def __exit__(self, exc_type: object, *_rest: object) -> None:
        self._db.execute("COMMIT" if exc_type is None else "ROLLBACK")
        if self._cache_kib != CACHE_KIB:
            self._db.execute(f"PRAGMA cache_size = -{CACHE_KIB}")


def _folded(text: str) -> str:
    """``text.casefold()``, but ``text`` itself when folding changes nothing (most prompt lines
    are lower case): then the index stores the line once."""
    folded = text.casefold()
    return text if folded == text else folded


def _bucket(text: str) -> str:
    return text[:MIN_PREFIX].casefold()
