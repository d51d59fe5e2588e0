"""SQL for history listings: keyset filters, safe FTS5 trigram queries, short-text fallback."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, Final

from qwenimg_desktop.core.jobs.model import JobState

CHUNK: Final = 500
"""Ids per ``IN (...)`` list, well under SQLite's limit on bound parameters."""
TRIGRAM: Final = 3
"""The trigram tokenizer can only match terms of at least this many characters."""


def fts_phrase(term: str) -> str:
    """``term`` as one FTS5 string literal: quotes doubled, so no FTS syntax can get through."""
    return '"' + term.replace('"', '""') + '"'


@dataclass
class Filter:
    """A WHERE clause over ``jobs j`` with named parameters, built up piece by piece."""

    clauses: list[str] = field(default_factory=list)
    params: dict[str, Any] = field(default_factory=dict)

    def add(self, clause: str, **params: Any) -> None:
        self.clauses.append(clause)
        self.params.update(params)

    @property
    def where(self) -> str:
        return " AND ".join(self.clauses) if self.clauses else "1"


def split_terms(text: str) -> tuple[str | None, list[str]]:
    """The FTS5 match string of ``text``'s terms of 3+ characters (None if there are none),
    and its shorter terms, which the trigram index cannot match."""
    # NUL ends an FTS5 query string early; it can never be part of a stored prompt anyway.
    terms = list(dict.fromkeys(text.replace("\x00", " ").split()))
    long_terms = [t for t in terms if len(t) >= TRIGRAM]
    fts = " AND ".join(fts_phrase(t) for t in long_terms) if long_terms else None
    return fts, [t for t in terms if len(t) < TRIGRAM]


def _add_short_terms(result: Filter, terms: list[str]) -> None:
    """Each term must appear in the prompt, negative prompt or note (ASCII case-insensitive)."""
    for i, term in enumerate(terms):
        pattern = "%" + term.replace("\\", "\\\\").replace("%", "\\%").replace(
            "_", "\\_") + "%"
        name = f"like_{i}"
        result.add(f"(j.prompt LIKE :{name} ESCAPE '\\' OR j.negative_prompt LIKE :{name}"
                   f" ESCAPE '\\' OR j.note LIKE :{name} ESCAPE '\\')", **{name: pattern})


ASPECTS: Final = ("square", "portrait", "landscape")
SIZES: Final = ("small", "medium", "large")
_SIZE_BOUNDS: Final = {"small": (0, 1024 * 1024 - 1), "medium": (1024 * 1024, 1536 * 1536),
                       "large": (1536 * 1536 + 1, 1 << 40)}
"""Pixel-count classes: small < 1024², medium up to 1536², large above."""


@dataclass(frozen=True)
class HistoryQuery:
    """The one description of a history listing, for the window and the CLI alike; an empty
    query lists every job. A filter added here reaches both.

    Listings are newest first by ``seq`` (the insertion order; an undone delete keeps its old
    seq), and a page continues after the last ``seq`` of the one before.
    ``text`` is split on whitespace and every term must match the prompt, negative prompt or
    note: terms of 3+ characters through the FTS5 trigram index, shorter ones (``可爱``, ``4k``)
    by a case-insensitive (ASCII) ``LIKE`` scan.
    ``created_from`` / ``created_to`` are Unix times (``from`` inclusive, ``to`` exclusive);
    ``formats`` are output formats (``png``, ``jpeg``, ``webp``); ``aspect`` is one of
    :data:`ASPECTS` and ``size`` one of :data:`SIZES` (requested pixels).
    """

    text: str = ""
    states: frozenset[JobState] | None = None
    favourite: bool | None = None
    created_from: float | None = None
    created_to: float | None = None
    formats: frozenset[str] | None = None
    aspect: str | None = None
    size: str | None = None
    ids: frozenset[str] | None = None
    """Restrict to these job ids (to test whether one new job belongs in a listing)."""
    id_prefix: str | None = None
    """Only ids starting with this (a range over the id index, never a scan)."""

    def _add_columns(self, result: Filter) -> None:
        if self.states is not None:
            names = {f"state_{i}": JobState(s).value for i, s in enumerate(sorted(self.states))}
            result.add(f"j.state IN ({', '.join(':' + n for n in names)})"
                       if names else "0", **names)
        if self.favourite is not None:
            result.add("j.favourite = :favourite", favourite=1 if self.favourite else 0)
        if self.created_from is not None:
            result.add("j.created_at >= :created_from", created_from=float(self.created_from))
        if self.created_to is not None:
            result.add("j.created_at < :created_to", created_to=float(self.created_to))
        if self.formats is not None:
            names = {f"fmt_{i}": f for i, f in enumerate(sorted(self.formats))}
            result.add(f"j.output_format IN ({', '.join(':' + n for n in names)})"
                       if names else "0", **names)
        if self.aspect is not None:
            result.add({"square": "j.width = j.height", "portrait": "j.height > j.width",
                        "landscape": "j.width > j.height"}[self.aspect])
        if self.size is not None:
            low, high = _SIZE_BOUNDS[self.size]
            result.add("j.width * j.height BETWEEN :px_low AND :px_high",
                       px_low=low, px_high=high)
        if self.ids is not None:
            id_sql, id_params = in_list("only_", sorted(self.ids))
            result.add(f"j.id IN {id_sql}" if id_params else "0", **id_params)
        if self.id_prefix:
            result.add("j.id >= :id_low", id_low=self.id_prefix)
            past = _past_prefix(self.id_prefix)
            if past is not None:
                result.add("j.id < :id_past", id_past=past)

    def _parts(self) -> tuple[str | None, Filter]:
        """The FTS5 match string (3+ character terms) and every other condition."""
        fts, short_terms = split_terms(self.text)
        result = Filter()
        _add_short_terms(result, short_terms)
        self._add_columns(result)
        return fts, result

    def keys_sql(self, *, after: int | None, limit: int) -> tuple[str, dict[str, Any]]:
        """Newest first by ``seq`` (insertion order), strictly before the ``after`` seq.

        With text, the FTS index drives the scan in descending rowid order, so the first
        page of a common term costs a fraction of a millisecond instead of a sort of every hit.
        """
        fts, where = self._parts()
        params = {**where.params, "limit": int(limit)}
        if fts is not None:
            params["fts"] = fts
            sql = ("SELECT j.seq, j.id FROM jobs_fts JOIN jobs j ON j.seq = jobs_fts.rowid"
                   f" WHERE jobs_fts MATCH :fts AND {where.where}")
            column = "jobs_fts.rowid"
        else:
            sql = f"SELECT j.seq, j.id FROM jobs j WHERE {where.where}"
            column = "j.seq"
        if after is not None:
            sql += f" AND {column} < :after_seq"
            params["after_seq"] = int(after)
        return sql + f" ORDER BY {column} DESC LIMIT :limit", params

    def count_sql(self) -> tuple[str, dict[str, Any]]:
        fts, where = self._parts()
        if fts is None:
            return f"SELECT COUNT(*) FROM jobs j WHERE {where.where}", where.params
        if not where.clauses:
            return "SELECT COUNT(*) FROM jobs_fts WHERE jobs_fts MATCH :fts", {"fts": fts}
        return ("SELECT COUNT(*) FROM jobs_fts JOIN jobs j ON j.seq = jobs_fts.rowid"
                f" WHERE jobs_fts MATCH :fts AND {where.where}", {**where.params, "fts": fts})


def _past_prefix(prefix: str) -> str | None:
    """The least string above every string that starts with ``prefix`` (None: no such bound).

    Its last character moved up by one, skipping the surrogates (which cannot be stored as
    UTF-8); a last character that is already the highest code point is dropped first.
    """
    stripped = prefix.rstrip("\U0010ffff")
    if not stripped:
        return None
    following = ord(stripped[-1]) + 1
    if 0xD800 <= following <= 0xDFFF:
        following = 0xE000
    return stripped[:-1] + chr(following)


def in_list(prefix: str, values: Collection[str]) -> tuple[str, dict[str, str]]:
    """``(:p0, :p1, ...)`` and its parameters, for ``IN`` with named placeholders."""
    params = {f"{prefix}{i}": v for i, v in enumerate(values)}
    return "(" + ", ".join(":" + name for name in params) + ")", params


def id_blocks(ids: Iterable[str], prefix: str = "id") -> Iterator[tuple[str, dict[str, str]]]:
    """:func:`in_list` over ``ids`` (duplicates dropped, order kept) in blocks of ``CHUNK``."""
    unique = list(dict.fromkeys(ids))
    for start in range(0, len(unique), CHUNK):
        yield in_list(prefix, unique[start:start + CHUNK])
