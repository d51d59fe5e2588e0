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
off the GUI thread.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Final

from qwenimg_desktop.core import heap

log = logging.getLogger("qwenimg.recall")

MIN_PREFIX: Final = 3
"""Characters typed on a line before suggestions appear as you type."""
MAX_LINE_CHARS: Final = 1000
"""Longer lines are not offered (they are paragraphs, not reusable lines)."""
SNIPPET_BONUS: Final = 5
"""A library entry counts as this many uses more than its own count: the user saved it."""
CACHE_KIB: Final = 2048
"""The index's page cache once built (SQLite's ``cache_size``): what it keeps in memory."""
BUILD_CACHE_KIB: Final = CACHE_KIB
"""The page cache while the index is built. 8 MB read the file less, but SQLite sorts the
lookup indexes in as much memory again: the build of the 100,000-generation history's index
(100,999 lines) peaked 16 MB higher in the window (97 vs 81 MB, its own process), for 5–10 %
less CPU (2.2 vs 2.4 s on its low-priority worker), at the time jobs are sent (issue 21)."""

_SCHEMA: Final = """
CREATE TABLE entry (
    id INTEGER PRIMARY KEY,  -- the order entries were added: the earlier first among equals
    kind TEXT NOT NULL,      -- 'line', 'heading' or 'snippet'
    text TEXT NOT NULL,      -- what is inserted
    label TEXT NOT NULL,     -- what the popup shows ('' = the text); what a snippet matches
    ident TEXT,              -- a snippet's identity (its match and text); NULL = the text
    bucket TEXT NOT NULL,    -- the first MIN_PREFIX characters of the match, case-folded
    folded TEXT,             -- the match case-folded; NULL when that is the text itself
    uses INTEGER NOT NULL,
    hash INTEGER NOT NULL UNIQUE  -- of (kind, identity): finds an entry to count again
)"""
_LOOKUP_INDEXES: Final = {
    "entry_by_use": "entry (bucket, uses DESC, id)",
    "entry_by_match": "entry (bucket, coalesce(folded, text), uses DESC, id)",
}
"""What lookups read. A build drops them and makes them again once it has counted every
line: sorting once is cheaper than keeping them in step with each count."""
_MATCH: Final = "coalesce(folded, text)"
_COUNT: Final = """
INSERT INTO entry (kind, text, label, ident, bucket, folded, uses, hash)
VALUES (:kind, :text, :label, :ident, :bucket, :folded, :uses, :hash)
ON CONFLICT (hash) DO UPDATE SET
    uses = CASE WHEN :replace THEN excluded.uses ELSE uses + excluded.uses END,
    label = excluded.label
WHERE kind = excluded.kind AND coalesce(ident, text) = coalesce(excluded.ident, excluded.text)
"""
_COLUMNS: Final = "text, kind, uses, label"


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
        # unlinked (deleted on close), holding in memory only the page cache set here.
        self._db = sqlite3.connect("", check_same_thread=False, isolation_level=None)
        self._db.execute(f"PRAGMA cache_size = -{CACHE_KIB}")
        # A transaction's undo pages in memory: the build's pages are all new (none kept), and
        # a rollback only follows an error.
        self._db.execute("PRAGMA journal_mode = MEMORY")
        self._db.execute(_SCHEMA)
        self._lookup_indexes(make=True)

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
        """From past prompts and ``(name, text, uses)`` of library snippets."""
        index = cls()
        with index._lock, index._transaction(BUILD_CACHE_KIB):
            index._lookup_indexes(make=False)
            for batch in _batches(prompts, 2000):
                counts: dict[tuple[str, str], int] = {}
                for prompt in batch:
                    for key in _prompt_keys(prompt):
                        counts[key] = counts.get(key, 0) + 1
                index._apply([_values(kind, text, uses) for (kind, text), uses
                              in counts.items()])
            index._put_snippets(snippets)
            index._lookup_indexes(make=True)
        heap.release_free_pages()  # each batch's counts, freed: their pages go back too
        return index

    def add_prompt(self, prompt: str) -> None:
        """Count a newly written prompt's lines (for example when it is sent). A failure
        (the index's file unwritable) is logged: completion is a help, sending must go on."""
        try:
            with self._lock, self._transaction():
                for kind, text in _prompt_keys(prompt):
                    self._count(kind, text, 1)
        except sqlite3.Error as exc:
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

    def _lookup_indexes(self, *, make: bool) -> None:
        for name, columns in _LOOKUP_INDEXES.items():
            self._db.execute(f"CREATE INDEX {name} ON {columns}" if make
                             else f"DROP INDEX {name}")

    def _transaction(self, cache_kib: int = CACHE_KIB) -> _Transaction:
        return _Transaction(self._db, cache_kib)

    def _count(self, kind: str, text: str, uses: int, *, label: str = "",
               ident: str | None = None, replace: bool = False) -> None:
        """Add ``uses`` to an entry (``replace``: set them), adding the entry if it is new."""
        self._apply([_values(kind, text, uses, label, ident, replace)])

    def _apply(self, rows: list[dict[str, object]]) -> None:
        """:meth:`_count` for many entries at once (one statement run over all of them)."""
        self._db.execute("SAVEPOINT counting")
        if self._db.executemany(_COUNT, rows).rowcount != len(rows):
            # A different entry with the same 64-bit hash (never seen, but possible) updated
            # nothing: undo, then count one by one, trying the next hash value for such an
            # entry as an open-addressing table would.
            self._db.execute("ROLLBACK TO counting")
            for values in rows:
                while self._db.execute(_COUNT, values).rowcount != 1:
                    code = int(str(values["hash"]))
                    values["hash"] = code + 1 if code < 2**63 - 1 else -2**63
        self._db.execute("RELEASE counting")

    def _put_snippets(self, snippets: Iterable[tuple[str, str, int]]) -> None:
        """Each snippet is found by its name and by its first line."""
        for name, text, uses in snippets:
            body = text.strip()
            if not body:
                continue
            first = split_marks(body.splitlines()[0])[1]
            for match in dict.fromkeys(k for k in (name.strip(), first) if len(k) >= MIN_PREFIX):
                label = match if match == first else f"{match} — {first[:60]}"
                self._count("snippet", body, uses + SNIPPET_BONUS, label=label,
                            ident=f"{match}\x00{body}", replace=True)


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


def _values(kind: str, text: str, uses: int, label: str = "", ident: str | None = None,
            replace: bool = False) -> dict[str, object]:
    """The parameters of one entry's count (:data:`_COUNT`)."""
    match = label or text
    folded = _folded(match)
    return {"kind": kind, "text": text, "label": label, "ident": ident,
            "bucket": _bucket(match), "folded": None if folded == text else folded,
            "uses": uses, "replace": replace,
            "hash": hash((kind, ident if ident is not None else text))}


def _batches(items: Iterable[str], size: int) -> Iterator[list[str]]:
    batch: list[str] = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def _folded(text: str) -> str:
    """``text.casefold()``, but ``text`` itself when folding changes nothing (most prompt lines
    are lower case): then the index stores the line once."""
    folded = text.casefold()
    return text if folded == text else folded


def _bucket(text: str) -> str:
    return text[:MIN_PREFIX].casefold()


def _prompt_keys(prompt: str) -> Iterable[tuple[str, str]]:
    seen: set[tuple[str, str]] = set()
    for line in prompt.splitlines():
        marks, body = split_marks(line)
        body = body.rstrip()
        if len(body) < MIN_PREFIX or len(body) > MAX_LINE_CHARS:
            continue
        key = ("heading" if "#" in marks else "line", body)
        if key not in seen:
            seen.add(key)
            yield key
