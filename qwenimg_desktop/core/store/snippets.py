"""The prompt library: saved prompts and snippets (markdown), kept in the history database.

A snippet has a name, a markdown body, tags, and optionally a negative prompt and generation
parameters (the JSON of a request's fields other than the prompts), so it can be inserted at
the cursor or applied as a whole draft. ``uses`` counts insertions and applications; recall
ranks by it.
"""

from __future__ import annotations

import json
import sqlite3
import unicodedata
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Final

from qwenimg_desktop.core.params import MAX_NEGATIVE_CHARS
from qwenimg_desktop.core.store.base import StoreBase
from qwenimg_desktop.core.store.library import LibraryError, split_tags

MAX_NAME_CHARS: Final = 120
MAX_BODY_CHARS: Final = 20_000
MAX_PARAMS_CHARS: Final = 20_000
_COLUMNS: Final = ("id, name, body, negative_prompt, params_json, tags, created_at, updated_at,"
                   " uses")


@dataclass(frozen=True)
class Snippet:
    """One saved prompt or snippet; ``id`` is 0 before it is stored."""

    name: str
    body: str
    negative_prompt: str = ""
    params: dict[str, Any] | None = None
    tags: tuple[str, ...] = ()
    id: int = 0
    created_at: float = 0.0
    updated_at: float = 0.0
    uses: int = 0

    @property
    def title(self) -> str:
        """The name, or the body's first non-empty line when unnamed."""
        first = next((ln.strip().lstrip("#").strip() for ln in self.body.splitlines()
                      if ln.strip()), "")
        return self.name or first or "(empty)"


def validated(snippet: Snippet) -> Snippet:
    """The snippet with a clean name and tags; raises LibraryError for what cannot be stored."""
    name = " ".join(unicodedata.normalize("NFC", snippet.name).split())
    if not name:
        raise LibraryError("A snippet needs a name.")
    if len(name) > MAX_NAME_CHARS:
        raise LibraryError(f"A snippet name is at most {MAX_NAME_CHARS} characters.")
    if not snippet.body.strip():
        raise LibraryError("A snippet needs some text.")
    if len(snippet.body) > MAX_BODY_CHARS:
        raise LibraryError(f"A snippet is at most {MAX_BODY_CHARS:,} characters long.")
    if len(snippet.negative_prompt) > MAX_NEGATIVE_CHARS:
        raise LibraryError(f"A negative prompt is at most {MAX_NEGATIVE_CHARS} characters.")
    if snippet.params is not None and len(json.dumps(snippet.params)) > MAX_PARAMS_CHARS:
        raise LibraryError("The snippet's parameters are too large to store.")
    tags = tuple(split_tags(",".join(snippet.tags)))
    return Snippet(name, snippet.body, snippet.negative_prompt, snippet.params, tags,
                   snippet.id, snippet.created_at, snippet.updated_at, snippet.uses)


def _from_row(row: sqlite3.Row) -> Snippet:
    params: dict[str, Any] | None = None
    if row["params_json"]:
        try:
            loaded = json.loads(row["params_json"])
            params = loaded if isinstance(loaded, dict) else None
        except json.JSONDecodeError:
            params = None
    tags = tuple(t for t in str(row["tags"]).split("\n") if t)
    return Snippet(str(row["name"]), str(row["body"]), str(row["negative_prompt"]), params, tags,
                   int(row["id"]), float(row["created_at"]), float(row["updated_at"]),
                   int(row["uses"]))


class SnippetStore(StoreBase):
    """Reads and edits of the prompt library (writes need the writer store)."""

    def save_snippet(self, snippet: Snippet) -> int:
        """Insert (``id`` 0) or update a snippet; returns its id."""
        clean = validated(snippet)
        now = self._clock()
        values: Mapping[str, Any] = {
            "name": clean.name, "body": clean.body, "neg": clean.negative_prompt,
            "params": json.dumps(clean.params, ensure_ascii=False)
            if clean.params is not None else None,
            "tags": "\n".join(clean.tags), "now": now, "id": clean.id,
        }
        with self._writing() as conn:
            if clean.id:
                cursor = conn.execute(
                    "UPDATE snippets SET name = :name, body = :body, negative_prompt = :neg,"
                    " params_json = :params, tags = :tags, updated_at = :now WHERE id = :id",
                    values)
                if cursor.rowcount == 0:
                    raise LibraryError("That snippet no longer exists.")
                return clean.id
            row = conn.execute(
                "INSERT INTO snippets (name, body, negative_prompt, params_json, tags,"
                " created_at, updated_at, uses) VALUES (:name, :body, :neg, :params, :tags,"
                " :now, :now, 0) RETURNING id", values).fetchone()
            return int(row[0])

    def delete_snippet(self, snippet_id: int) -> Snippet | None:
        """Remove a snippet; returns it (for an undo through :meth:`restore_snippet`)."""
        with self._writing() as conn:
            row = conn.execute(f"SELECT {_COLUMNS} FROM snippets WHERE id = :id",
                               {"id": snippet_id}).fetchone()
            if row is None:
                return None
            conn.execute("DELETE FROM snippets WHERE id = :id", {"id": snippet_id})
            return _from_row(row)

    def restore_snippet(self, snippet: Snippet) -> None:
        """Put a deleted snippet back with its id, times and use count."""
        with self._writing() as conn:
            conn.execute(
                "INSERT OR REPLACE INTO snippets (id, name, body, negative_prompt, params_json,"
                " tags, created_at, updated_at, uses) VALUES (:id, :name, :body, :neg, :params,"
                " :tags, :created, :updated, :uses)",
                {"id": snippet.id, "name": snippet.name, "body": snippet.body,
                 "neg": snippet.negative_prompt,
                 "params": json.dumps(snippet.params) if snippet.params is not None else None,
                 "tags": "\n".join(snippet.tags), "created": snippet.created_at,
                 "updated": snippet.updated_at, "uses": snippet.uses})

    def record_snippet_use(self, snippet_id: int) -> None:
        with self._writing() as conn:
            conn.execute("UPDATE snippets SET uses = uses + 1 WHERE id = :id", {"id": snippet_id})

    def recent_prompts(self, limit: int, *, batch: int = 2000) -> Iterator[str]:
        """The prompts of the newest ``limit`` jobs, newest first (for recall), read ``batch``
        at a time as they are consumed: the index keeps each prompt's lines, not the prompts
        (at 100,000 prompts a list of them was ~50 MB more at the index build's peak). No lock
        or transaction is held between batches."""
        last: int | None = None
        left = int(limit)
        while left > 0:
            below = "" if last is None else "WHERE seq < :last "  # a range on the rowid
            with self._reading() as conn:
                rows = conn.execute(
                    f"SELECT seq, prompt FROM jobs {below}ORDER BY seq DESC LIMIT :n",
                    {"last": last, "n": min(batch, left)},
                ).fetchall()
            if not rows:
                return
            left -= len(rows)
            last = int(rows[-1][0])
            for _, prompt in rows:
                yield str(prompt)

    def snippet(self, snippet_id: int) -> Snippet | None:
        with self._reading() as conn:
            row = conn.execute(f"SELECT {_COLUMNS} FROM snippets WHERE id = :id",
                               {"id": snippet_id}).fetchone()
        return None if row is None else _from_row(row)

    def snippets(self, text: str = "") -> list[Snippet]:
        """Snippets whose name, body, negative prompt or tags contain every term of ``text``
        (case-insensitive for any script), most used first."""
        with self._reading() as conn:
            rows = conn.execute(f"SELECT {_COLUMNS} FROM snippets"
                                " ORDER BY uses DESC, updated_at DESC, id DESC").fetchall()
        found = [_from_row(r) for r in rows]
        terms = [t.casefold() for t in text.split()]
        if not terms:
            return found
        return [s for s in found if all(
            t in f"{s.name}\n{s.body}\n{s.negative_prompt}\n{' '.join(s.tags)}".casefold()
            for t in terms)]
