"""SQL for history listings: keyset filters, safe FTS5 trigram queries, a 1–2 character index."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, Final

from qwenimg_desktop.core.jobs.model import JobState

CHUNK: Final = 500
"""Ids per ``IN (...)`` list, well under SQLite's limit on bound parameters."""
MAX_RATING: Final = 5
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


def split_terms(text: str, *, trigram: bool = True) -> tuple[str | None, list[str]]:
    """The FTS5 match string of ``text``'s terms of 3+ characters (None if there are none),
    and its shorter terms, which the trigram index cannot match (every term without
    ``trigram``)."""
    # NUL ends an FTS5 query string early; it can never be part of a stored prompt anyway.
    terms = list(dict.fromkeys(text.replace("\x00", " ").split()))
    if not trigram:
        return None, terms
    long_terms = [t for t in terms if len(t) >= TRIGRAM]
    fts = " AND ".join(fts_phrase(t) for t in long_terms) if long_terms else None
    return fts, [t for t in terms if len(t) < TRIGRAM]


def _add_short_terms(result: Filter, terms: list[str], seq: str = "j.seq", *,
                     indexed: bool) -> None:
    """Each term must appear in the prompt, negative prompt or note (ASCII case-insensitive,
    as LIKE compares): a primary-key probe of ``job_grams``, which holds every 1- and
    2-character piece of those texts (schema migration 7), once it is ``indexed`` for every
    job; until then (``core/store/grams.py`` is still filling it) a ``LIKE`` per row."""
    if not indexed:
        _add_like_terms(result, terms, prefix="short_like")
        return
    for i, term in enumerate(terms):
        name = f"gram_{i}"
        result.add(f"EXISTS (SELECT 1 FROM job_grams g WHERE g.gram = lower(:{name})"
                   f" AND g.seq = {seq})", **{name: term})


def _add_like_terms(result: Filter, terms: list[str], prefix: str = "like") -> None:
    """Each term must appear in the prompt, negative prompt or note (ASCII case-insensitive):
    a ``LIKE`` per row, for the few thousand rows a library table drives."""
    for i, term in enumerate(terms):
        pattern = "%" + term.replace("\\", "\\\\").replace("%", "\\%").replace(
            "_", "\\_") + "%"
        name = f"{prefix}_{i}"
        result.add(f"(j.prompt LIKE :{name} ESCAPE '\\' OR j.negative_prompt LIKE :{name}"
                   f" ESCAPE '\\' OR j.note LIKE :{name} ESCAPE '\\')", **{name: pattern})


def _gram_driver(terms: list[str]) -> tuple[str, list[str]]:
    """The short term to walk ``job_grams`` by (a 2-character one when there is one: its
    piece is rarer) and the others, left to probes."""
    first = max(range(len(terms)), key=lambda i: len(terms[i]))
    return terms[first], terms[:first] + terms[first + 1:]


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
    through the ``job_grams`` index of 1- and 2-character pieces (case-insensitive for ASCII),
    or a ``LIKE`` scan while that index is still being filled (``core/store/grams.py``).
    ``created_from`` / ``created_to`` are Unix times (``from`` inclusive, ``to`` exclusive);
    ``formats`` are output formats (``png``, ``jpeg``, ``webp``); ``aspect`` is ``square``,
    ``portrait`` or ``landscape``; ``size`` is ``small``, ``medium`` or ``large`` (requested
    pixels, see ``_SIZE_BOUNDS``).
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
    tags: frozenset[str] | None = None
    """Tag names (as stored, see ``library.normalize_tag``): any of them, or all with
    ``all_tags``."""
    all_tags: bool = False
    min_rating: int | None = None
    """At least this many stars (1–5); 0 means unrated only."""
    collection: int | None = None
    """A collection id: only its members."""
    endpoints: frozenset[str] | None = None
    """Endpoint ids (``fal-ai/qwen-image-2/pro/edit``, ...): jobs run by any of them."""
    batch: str | None = None
    """A batch id: only the jobs of that batch (``core/store/batches.py``)."""
    group_batches: bool = False
    """A batch is one row: its newest job stands for it (the gallery draws the batch)."""

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
        if self.endpoints is not None:
            names = {f"ep_{i}": e for i, e in enumerate(sorted(self.endpoints))}
            result.add(f"j.endpoint IN ({', '.join(':' + n for n in names)})"
                       if names else "0", **names)
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
        self._add_identity(result)

    def _add_identity(self, result: Filter) -> None:
        """Which jobs by id: a set, an id prefix, a batch."""
        if self.batch is not None:
            result.add("j.batch_id = :batch_id", batch_id=self.batch)
        elif self.group_batches:  # an index probe of jobs_batch per batch member
            result.add("(j.batch_id IS NULL OR NOT EXISTS (SELECT 1 FROM jobs b"
                       " WHERE b.batch_id = j.batch_id AND b.seq > j.seq))")
        if self.ids is not None:
            id_sql, id_params = in_list("only_", sorted(self.ids))
            result.add(f"j.id IN {id_sql}" if id_params else "0", **id_params)
        if self.id_prefix:
            result.add("j.id >= :id_low", id_low=self.id_prefix)
            past = _past_prefix(self.id_prefix)
            if past is not None:
                result.add("j.id < :id_past", id_past=past)

    def _library(self, seq: str) -> Filter:
        """Tag, rating and collection conditions as primary-key probes on the ``seq`` column.

        Each costs one lookup in a small table per candidate row, whichever index drives the
        scan (see :meth:`drivers`).
        """
        result = Filter()
        if self.tags is not None:
            names = sorted(self.tags)
            if not names:
                result.add("0")
            result.params.update({f"tag_{i}": name for i, name in enumerate(names)})
            ids = [f"(SELECT id FROM tags WHERE name = :tag_{i})" for i in range(len(names))]
            if self.all_tags:
                for tag_id in ids:
                    result.add(f"EXISTS (SELECT 1 FROM job_tags WHERE tag_id = {tag_id}"
                               f" AND seq = {seq})")
            elif ids:
                result.add(f"EXISTS (SELECT 1 FROM job_tags WHERE tag_id IN ({', '.join(ids)})"
                           f" AND seq = {seq})")
        if self.min_rating is not None:
            if self.min_rating <= 0:
                result.add(f"NOT EXISTS (SELECT 1 FROM job_ratings WHERE seq = {seq})")
            else:
                result.add(f"EXISTS (SELECT 1 FROM job_ratings WHERE seq = {seq}"
                           " AND rating >= :min_rating)", min_rating=int(self.min_rating))
        if self.collection is not None:
            result.add("EXISTS (SELECT 1 FROM collection_jobs WHERE collection_id = :collection"
                       f" AND seq = {seq})", collection=int(self.collection))
        return result

    def drivers(self, *, short_index: bool = False) -> list[Driver]:
        """Library tables that list this query's candidates in ``seq`` order.

        Walking the smallest one (newest first) and probing the other conditions per row finds
        a first page after a few hundred small lookups, where a scan of jobs reads every
        (large) job row on the way. With a short and a long term (``樱花 dawn``) and a complete
        ``job_grams``, the short term's rows are one too: a rare piece walked newest first,
        with the long terms checked by ``LIKE``, beats collecting every FTS hit of a common
        word (at 100,000 jobs: 20–26 ms of CPU for ``樱花 dawn`` when FTS drove).
        """
        found: list[Driver] = []
        fts, short_terms = split_terms(self.text)
        if short_index and fts is not None and short_terms:
            found.append(Driver("job_grams", "d.gram = lower(:gram_drive)",
                                params={"gram_drive": _gram_driver(short_terms)[0]}))
        if self.collection is not None:
            found.append(Driver("collection_jobs", "d.collection_id = :collection"))
        if self.tags:
            names = sorted(self.tags)
            if self.all_tags or len(names) == 1:
                found.extend(Driver("job_tags", f"d.tag_id = (SELECT id FROM tags WHERE name ="
                                                f" :tag_{i})") for i in range(len(names)))
            else:
                ids = ", ".join(f"(SELECT id FROM tags WHERE name = :tag_{i})"
                                for i in range(len(names)))
                found.append(Driver("job_tags", f"d.tag_id IN ({ids})", distinct=True))
        if self.min_rating is not None and self.min_rating >= MAX_RATING:
            # one value: the (rating, seq) index lists exactly these rows, newest first
            found.append(Driver("job_ratings", f"d.rating = {MAX_RATING}"))
        elif self.min_rating is not None and self.min_rating > 0:
            found.append(Driver("job_ratings", "d.rating >= :min_rating"))
        return found

    def _parts(self, seq: str = "j.seq", *, short_index: bool,
               ) -> tuple[str | None, Filter, Filter]:
        """The FTS5 match string (3+ character terms), the conditions on job columns, and
        the library conditions (probing ``seq``)."""
        fts, short_terms = split_terms(self.text)
        result = Filter()
        _add_short_terms(result, short_terms, indexed=short_index)
        self._add_columns(result)
        return fts, result, self._library(seq)

    def _driven(self, driver: Driver, fts: str | None, *, short_index: bool,
                ) -> tuple[str, dict[str, Any]]:
        """``FROM … WHERE …`` walking ``driver``; jobs rows are read only if a job column is
        filtered on (the ids of the page are looked up afterwards)."""
        _, columns, library = self._parts("d.seq", short_index=short_index)
        if fts is not None:
            # A few thousand driven rows are cheaper to match one by one than the FTS hits
            # of a common term are to collect.
            columns = Filter()
            _add_like_terms(columns, [t for t in split_terms(self.text, trigram=False)[1]
                                      if len(t) >= TRIGRAM])
            _add_short_terms(columns, split_terms(self.text)[1], indexed=short_index)
            self._add_columns(columns)
        params = {**columns.params, **library.params, **driver.params}
        clauses = [driver.where, *library.clauses]
        if columns.clauses:
            return (f"FROM {driver.table} d CROSS JOIN jobs j ON j.seq = d.seq WHERE "
                    + " AND ".join([*clauses, columns.where]), params)
        return f"FROM {driver.table} d WHERE " + " AND ".join(clauses), params

    def keys_sql(self, *, after: int | None, limit: int, driver: Driver | None = None,
                 short_index: bool = False) -> tuple[str, dict[str, Any]]:
        """Newest first by ``seq`` (insertion order), strictly before the ``after`` seq.

        With text, the FTS index drives the scan in descending rowid order, so the first
        page of a common term costs a fraction of a millisecond instead of a sort of every hit.
        A ``driver`` (one of :meth:`drivers`) walks a library table instead (text then becomes
        a set of FTS hits to check against). ``short_index``: ``job_grams`` holds every job
        (``core/store/grams.short_index_ready``), so 1–2 character terms may use it; without
        it they are a ``LIKE`` scan (always right, slower).
        """
        fts, columns, library = self._parts(short_index=short_index)
        if driver is not None:
            body, params = self._driven(driver, fts, short_index=short_index)
            if after is not None:
                body += " AND d.seq < :after_seq"
                params["after_seq"] = int(after)
            group = " GROUP BY d.seq" if driver.distinct else ""
            inner = f"SELECT d.seq AS seq {body}{group} ORDER BY d.seq DESC LIMIT :limit"
            return (f"SELECT p.seq, j.id FROM ({inner}) p JOIN jobs j ON j.seq = p.seq"
                    " ORDER BY p.seq DESC", {**params, "limit": int(limit)})
        where = " AND ".join([*columns.clauses, *library.clauses]) or "1"
        params = {**columns.params, **library.params, "limit": int(limit)}
        if fts is not None:
            params["fts"] = fts
            table = self._fts_table()
            sql = (f"SELECT j.seq, j.id FROM {table} JOIN jobs j ON j.seq = {table}.rowid"
                   f" WHERE {table} MATCH :fts AND {where}")
            column = f"{table}.rowid"
        elif short_index and (short_terms := split_terms(self.text)[1]):
            sql, params, column = self._gram_walk(short_terms, library, params)
        else:
            sql = f"SELECT j.seq, j.id FROM jobs j WHERE {where}"
            column = "j.seq"
        if after is not None:
            sql += f" AND {column} < :after_seq"
            params["after_seq"] = int(after)
        return sql + f" ORDER BY {column} DESC LIMIT :limit", params

    def count_sql(self, driver: Driver | None = None, *,
                  short_index: bool = False) -> tuple[str, dict[str, Any]]:
        """How many jobs :meth:`keys_sql` lists (same ``driver`` and ``short_index``)."""
        fts, columns, library = self._parts(short_index=short_index)
        if driver is not None:
            body, params = self._driven(driver, fts, short_index=short_index)
            return f"SELECT COUNT(*) FROM (SELECT DISTINCT d.seq {body})", params
        clauses = [*columns.clauses, *library.clauses]
        where = " AND ".join(clauses) or "1"
        params = {**columns.params, **library.params}
        if fts is None and short_index and (short_terms := split_terms(self.text)[1]):
            sql, params, _ = self._gram_walk(short_terms, library, params)
            return "SELECT COUNT(*)" + sql[sql.index(" FROM "):], params
        if fts is None:
            return f"SELECT COUNT(*) FROM jobs j WHERE {where}", params
        if not clauses:
            return "SELECT COUNT(*) FROM jobs_fts WHERE jobs_fts MATCH :fts", {"fts": fts}
        table = self._fts_table()
        return (f"SELECT COUNT(*) FROM {table} JOIN jobs j ON j.seq = {table}.rowid"
                f" WHERE {table} MATCH :fts AND {where}", {**params, "fts": fts})

    def _fts_table(self) -> str:
        """The trigram index to match 3+ character terms in: the favourites' own
        (``favourites_fts``, schema migration 12) when only favourites are listed, so a common
        word's page needs no walk past the 49 in 50 hits that are not favourites; else
        ``jobs_fts``. Both cut the same texts with the same tokenizer: the same matches."""
        return "favourites_fts" if self.favourite else "jobs_fts"

    def _gram_walk(self, short_terms: list[str], library: Filter, params: dict[str, Any],
                   ) -> tuple[str, dict[str, Any], str]:
        """``SELECT seq, id FROM …`` walking ``job_grams`` for one short term, newest first,
        with the other conditions as probes; and the column to order and page by."""
        walked, others = _gram_driver(short_terms)
        columns = Filter()
        _add_short_terms(columns, others, indexed=True)
        self._add_columns(columns)
        where = " AND ".join([*columns.clauses, *library.clauses]) or "1"
        params = {**columns.params, **library.params, **{k: v for k, v in params.items()
                                                          if k in ("limit", "after_seq")},
                  "gram_walk": walked}
        sql = ("SELECT j.seq, j.id FROM job_grams w CROSS JOIN jobs j ON j.seq = w.seq"
               f" WHERE w.gram = lower(:gram_walk) AND {where}")
        return sql, params, "w.seq"

    def driver_size_sql(self, driver: Driver, cap: int) -> tuple[str, dict[str, Any]]:
        """How many rows ``driver`` walks, counted up to ``cap`` (an index-only count)."""
        library = self._library("j.seq")
        return (f"SELECT COUNT(*) FROM (SELECT 1 FROM {driver.table} d WHERE {driver.where}"
                " LIMIT :cap)", {**library.params, **driver.params, "cap": int(cap)})

    def text_indexed(self, *, short_index: bool) -> bool:
        """Whether a text index (FTS, or ``job_grams`` once complete) can drive the listing."""
        fts, short_terms = split_terms(self.text)
        return fts is not None or (short_index and bool(short_terms))


@dataclass(frozen=True)
class Driver:
    """A library table (aliased ``d``, with a ``seq`` column) and the rows of it to walk."""

    table: str
    where: str
    distinct: bool = False
    """Several tags: a job may appear once per tag, so rows are grouped by ``seq``."""
    params: dict[str, str] = field(default_factory=dict)
    """Parameters of ``where`` that are not the query's own filters (the piece walked)."""


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
