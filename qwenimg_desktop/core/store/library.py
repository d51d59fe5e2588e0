"""The library side of the history: free tags, 1–5 ratings and collections of generations.

Tags and collections live in their own tables keyed by job id with ``ON DELETE CASCADE``, so a
deleted generation takes its tags, rating and memberships with it; :meth:`annotations` reads
them before a delete and :meth:`restore_annotations` puts them back on undo. A collection is
only a list: deleting one never deletes a generation.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Final

from qwenimg_desktop.core.errors import UserError
from qwenimg_desktop.core.store.base import StoreBase
from qwenimg_desktop.core.store.queries import id_blocks

MAX_TAG_CHARS: Final = 64
MAX_COLLECTION_CHARS: Final = 100
RATINGS: Final = range(1, 6)


class LibraryError(UserError):
    """A tag, rating or collection edit was refused (bad name, unknown collection, …)."""

    next_step = "Check the name or value and try again."


@dataclass(frozen=True)
class TagCount:
    name: str
    count: int


@dataclass(frozen=True)
class CollectionInfo:
    """One collection and how many generations it holds."""

    id: int
    name: str
    count: int
    created_at: float


@dataclass(frozen=True)
class Annotations:
    """Tags, ratings and collection memberships of some jobs (kept for an undo)."""

    tags: dict[str, tuple[str, ...]] = field(default_factory=dict)
    ratings: dict[str, int] = field(default_factory=dict)
    collections: dict[str, tuple[tuple[str, float], ...]] = field(default_factory=dict)
    """job id → (collection name, added at) pairs; names survive a collection's re-creation."""
    hashes: dict[tuple[str, int], int] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(self.tags or self.ratings or self.collections or self.hashes)


def normalize_tag(text: str) -> str:
    """A tag as stored: NFC, inner whitespace collapsed to one space, no commas, ≤ 64 chars.

    Raises:
        LibraryError: the tag is empty or too long.
    """
    name = " ".join(unicodedata.normalize("NFC", text).replace(",", " ").replace("，", " ")
                    .split())
    if not name:
        raise LibraryError("A tag cannot be empty.")
    if len(name) > MAX_TAG_CHARS:
        raise LibraryError(f"The tag {name[:20]!r}… is longer than {MAX_TAG_CHARS} characters.")
    return name


def split_tags(text: str) -> list[str]:
    """Tags typed in one field, separated by commas (ASCII or ``，``); blanks are dropped."""
    parts = text.replace("，", ",").split(",")
    return list(dict.fromkeys(normalize_tag(p) for p in parts if p.strip()))


def normalize_collection_name(text: str) -> str:
    name = " ".join(unicodedata.normalize("NFC", text).split())
    if not name:
        raise LibraryError("A collection needs a name.")
    if len(name) > MAX_COLLECTION_CHARS:
        raise LibraryError(f"A collection name is at most {MAX_COLLECTION_CHARS} characters.")
    return name


def to_signed64(value: int) -> int:
    """An unsigned 64-bit hash as SQLite's signed INTEGER."""
    return value - (1 << 64) if value >= 1 << 63 else value


def to_unsigned64(value: int) -> int:
    return value + (1 << 64) if value < 0 else value


class LibraryStore(StoreBase):
    """Tag, rating and collection reads and edits (writes need the writer store)."""

    # ---- tags ----------------------------------------------------------------------------------

    def add_tags(self, job_ids: Collection[str], names: Iterable[str]) -> int:
        """Tag every existing job of ``job_ids`` with ``names``; returns the rows added."""
        tags = list(dict.fromkeys(normalize_tag(n) for n in names))
        if not tags:
            return 0
        added = 0
        with self._writing() as conn:
            tag_ids = self._tag_ids(tags, create=True)
            for id_sql, params in id_blocks(job_ids):
                for tag_id in tag_ids.values():
                    cursor = conn.execute(
                        "INSERT OR IGNORE INTO job_tags (tag_id, seq) SELECT :tag, seq"
                        f" FROM jobs WHERE id IN {id_sql}", {**params, "tag": tag_id})
                    added += max(cursor.rowcount, 0)
        return added

    def remove_tags(self, job_ids: Collection[str], names: Iterable[str]) -> int:
        """Untag; a tag no job uses any more is forgotten (it leaves the autocomplete)."""
        tags = list(dict.fromkeys(normalize_tag(n) for n in names))
        removed = 0
        with self._writing() as conn:
            tag_ids = self._tag_ids(tags, create=False)
            for id_sql, params in id_blocks(job_ids):
                for tag_id in tag_ids.values():
                    cursor = conn.execute(
                        "DELETE FROM job_tags WHERE tag_id = :tag AND seq IN"
                        f" (SELECT seq FROM jobs WHERE id IN {id_sql})",
                        {**params, "tag": tag_id})
                    removed += max(cursor.rowcount, 0)
            self._drop_unused_tags(tag_ids.values())
        return removed

    def _tag_ids(self, names: list[str], *, create: bool) -> dict[str, int]:
        """Inside a write scope: tag name → id, creating missing tags when ``create``."""
        conn = self._connection()
        result: dict[str, int] = {}
        for name in names:
            row = conn.execute("SELECT id FROM tags WHERE name = :n", {"n": name}).fetchone()
            if row is None and create:
                row = conn.execute("INSERT INTO tags (name, created_at) VALUES (:n, :t)"
                                   " RETURNING id", {"n": name, "t": self._clock()}).fetchone()
            if row is not None:
                result[name] = int(row[0])
        return result

    def _drop_unused_tags(self, tag_ids: Iterable[int]) -> None:
        conn = self._connection()
        for tag_id in tag_ids:
            conn.execute("DELETE FROM tags WHERE id = :t AND NOT EXISTS"
                         " (SELECT 1 FROM job_tags WHERE tag_id = :t)", {"t": tag_id})

    def tags_of(self, job_ids: Collection[str]) -> dict[str, list[str]]:
        """Each job's tags, sorted by name (jobs without tags are absent)."""
        result: dict[str, list[str]] = {}
        with self._reading() as conn:
            for id_sql, params in id_blocks(job_ids):
                for row in conn.execute(
                    "SELECT j.id, t.name FROM jobs j JOIN job_tags jt ON jt.seq = j.seq"
                    f" JOIN tags t ON t.id = jt.tag_id WHERE j.id IN {id_sql} ORDER BY t.name",
                    params,
                ):
                    result.setdefault(str(row[0]), []).append(str(row[1]))
        return result

    def tag_counts(self) -> list[TagCount]:
        """Every tag with how many generations carry it, most used first (for autocomplete)."""
        with self._reading() as conn:
            return [TagCount(str(r[0]), int(r[1])) for r in conn.execute(
                "SELECT t.name, COUNT(jt.seq) AS n FROM tags t"
                " LEFT JOIN job_tags jt ON jt.tag_id = t.id GROUP BY t.id ORDER BY n DESC, t.name"
            )]

    # ---- ratings -------------------------------------------------------------------------------

    def set_rating(self, job_ids: Collection[str], rating: int | None) -> int:
        """Rate jobs 1–5; ``None`` or 0 clears. Returns how many existing jobs were changed."""
        if rating is not None and rating != 0 and rating not in RATINGS:
            raise LibraryError(f"A rating is 1 to 5 stars, not {rating}.")
        changed = 0
        with self._writing() as conn:
            for id_sql, params in id_blocks(job_ids):
                if not rating:
                    cursor = conn.execute("DELETE FROM job_ratings WHERE seq IN"
                                          f" (SELECT seq FROM jobs WHERE id IN {id_sql})", params)
                else:
                    cursor = conn.execute(
                        "INSERT INTO job_ratings (seq, rating) SELECT seq, :r FROM jobs"
                        f" WHERE id IN {id_sql} ON CONFLICT (seq) DO UPDATE"
                        " SET rating = excluded.rating", {**params, "r": int(rating)})
                changed += max(cursor.rowcount, 0)
        return changed

    def ratings(self, job_ids: Collection[str]) -> dict[str, int]:
        """Rated jobs' ratings (unrated jobs are absent)."""
        result: dict[str, int] = {}
        with self._reading() as conn:
            for id_sql, params in id_blocks(job_ids):
                result.update((str(r[0]), int(r[1])) for r in conn.execute(
                    "SELECT j.id, r.rating FROM jobs j JOIN job_ratings r ON r.seq = j.seq"
                    f" WHERE j.id IN {id_sql}", params))
        return result

    # ---- collections ---------------------------------------------------------------------------

    def create_collection(self, name: str) -> int:
        clean = normalize_collection_name(name)
        with self._writing() as conn:
            if conn.execute("SELECT 1 FROM collections WHERE name = :n",
                            {"n": clean}).fetchone():
                raise LibraryError(f"There is already a collection called {clean!r}.")
            row = conn.execute("INSERT INTO collections (name, created_at) VALUES (:n, :t)"
                               " RETURNING id", {"n": clean, "t": self._clock()}).fetchone()
            return int(row[0])

    def rename_collection(self, collection_id: int, name: str) -> None:
        clean = normalize_collection_name(name)
        with self._writing() as conn:
            other = conn.execute("SELECT id FROM collections WHERE name = :n",
                                 {"n": clean}).fetchone()
            if other is not None and int(other[0]) != collection_id:
                raise LibraryError(f"There is already a collection called {clean!r}.")
            cursor = conn.execute("UPDATE collections SET name = :n WHERE id = :id",
                                  {"n": clean, "id": collection_id})
            if cursor.rowcount == 0:
                raise LibraryError("That collection no longer exists.")

    def delete_collection(self, collection_id: int) -> bool:
        """Remove the collection (its generations stay in the history)."""
        with self._writing() as conn:
            return conn.execute("DELETE FROM collections WHERE id = :id",
                                {"id": collection_id}).rowcount > 0

    def collections(self) -> list[CollectionInfo]:
        """Every collection with its size, by name."""
        with self._reading() as conn:
            return [CollectionInfo(int(r[0]), str(r[1]), int(r[2]), float(r[3]))
                    for r in conn.execute(
                "SELECT c.id, c.name, (SELECT COUNT(*) FROM collection_jobs cj"
                " WHERE cj.collection_id = c.id), c.created_at FROM collections c"
                " ORDER BY c.name COLLATE NOCASE")]

    def collection_id(self, name: str) -> int | None:
        with self._reading() as conn:
            row = conn.execute("SELECT id FROM collections WHERE name = :n",
                               {"n": normalize_collection_name(name)}).fetchone()
        return None if row is None else int(row[0])

    def add_to_collection(self, collection_id: int, job_ids: Collection[str]) -> int:
        """Add existing jobs (already members stay as they were); returns how many were added."""
        added = 0
        with self._writing() as conn:
            if conn.execute("SELECT 1 FROM collections WHERE id = :c",
                            {"c": collection_id}).fetchone() is None:
                raise LibraryError("That collection no longer exists.")
            for id_sql, params in id_blocks(job_ids):
                cursor = conn.execute(
                    "INSERT OR IGNORE INTO collection_jobs (collection_id, seq, added_at)"
                    f" SELECT :c, seq, :t FROM jobs WHERE id IN {id_sql}",
                    {**params, "c": collection_id, "t": self._clock()})
                added += max(cursor.rowcount, 0)
        return added

    def remove_from_collection(self, collection_id: int, job_ids: Collection[str]) -> int:
        removed = 0
        with self._writing() as conn:
            for id_sql, params in id_blocks(job_ids):
                removed += max(conn.execute(
                    "DELETE FROM collection_jobs WHERE collection_id = :c AND seq IN"
                    f" (SELECT seq FROM jobs WHERE id IN {id_sql})",
                    {**params, "c": collection_id}).rowcount, 0)
        return removed

    def collection_job_ids(self, collection_id: int) -> list[str]:
        """Member job ids, newest generation first."""
        with self._reading() as conn:
            return [str(r[0]) for r in conn.execute(
                "SELECT j.id FROM collection_jobs cj JOIN jobs j ON j.seq = cj.seq"
                " WHERE cj.collection_id = :c ORDER BY cj.seq DESC", {"c": collection_id})]

    def collections_of(self, job_ids: Collection[str]) -> dict[str, list[str]]:
        """Each job's collection names (jobs in none are absent)."""
        result: dict[str, list[str]] = {}
        with self._reading() as conn:
            for id_sql, params in id_blocks(job_ids):
                for row in conn.execute(
                    "SELECT j.id, c.name FROM jobs j JOIN collection_jobs cj ON cj.seq = j.seq"
                    " JOIN collections c ON c.id = cj.collection_id"
                    f" WHERE j.id IN {id_sql} ORDER BY c.name",
                    params,
                ):
                    result.setdefault(str(row[0]), []).append(str(row[1]))
        return result

    # ---- undo support --------------------------------------------------------------------------

    def annotations(self, job_ids: Collection[str]) -> Annotations:
        """Everything the library holds about these jobs, read before they are deleted."""
        tags = {k: tuple(v) for k, v in self.tags_of(job_ids).items()}
        ratings = self.ratings(job_ids)
        members: dict[str, list[tuple[str, float]]] = {}
        hashes: dict[tuple[str, int], int] = {}
        with self._reading() as conn:
            for id_sql, params in id_blocks(job_ids):
                for row in conn.execute(
                    "SELECT j.id, c.name, cj.added_at FROM jobs j JOIN collection_jobs cj"
                    " ON cj.seq = j.seq JOIN collections c ON c.id = cj.collection_id"
                    f" WHERE j.id IN {id_sql}",
                    params,
                ):
                    members.setdefault(str(row[0]), []).append((str(row[1]), float(row[2])))
                for row in conn.execute(
                    f"SELECT job_id, idx, dhash FROM image_hashes WHERE job_id IN {id_sql}",
                    params,
                ):
                    hashes[(str(row[0]), int(row[1]))] = int(row[2])
        return Annotations(tags, ratings, {k: tuple(v) for k, v in members.items()}, hashes)

    def restore_annotations(self, saved: Annotations) -> None:
        """Put back what :meth:`annotations` read (after the jobs themselves are restored).

        A collection deleted in the meantime is created again under its old name.
        """
        if not saved:
            return
        with self._writing() as conn:
            names = sorted({t for tags in saved.tags.values() for t in tags})
            tag_ids = self._tag_ids(names, create=True)
            conn.executemany(
                "INSERT OR IGNORE INTO job_tags (tag_id, seq) SELECT :tag, seq FROM jobs"
                " WHERE id = :job",
                [{"tag": tag_ids[t], "job": job} for job, tags in saved.tags.items()
                 for t in tags])
            conn.executemany(
                "INSERT OR REPLACE INTO job_ratings (seq, rating) SELECT seq, :r FROM jobs"
                " WHERE id = :job", [{"job": j, "r": r} for j, r in saved.ratings.items()])
            for job, members in saved.collections.items():
                for name, added_at in members:
                    row = conn.execute("SELECT id FROM collections WHERE name = :n",
                                       {"n": name}).fetchone()
                    if row is None:
                        row = conn.execute(
                            "INSERT INTO collections (name, created_at) VALUES (:n, :t)"
                            " RETURNING id", {"n": name, "t": self._clock()}).fetchone()
                    conn.execute(
                        "INSERT OR IGNORE INTO collection_jobs (collection_id, seq, added_at)"
                        " SELECT :c, seq, :t FROM jobs WHERE id = :job",
                        {"c": int(row[0]), "t": added_at, "job": job})
            conn.executemany(
                "INSERT OR REPLACE INTO image_hashes (job_id, idx, dhash) SELECT job_id, idx, :h"
                " FROM images WHERE job_id = :job AND idx = :idx",
                [{"job": j, "idx": i, "h": h} for (j, i), h in saved.hashes.items()])

    # ---- perceptual hashes ---------------------------------------------------------------------

    def set_image_hashes(self, hashes: Mapping[tuple[str, int], int]) -> None:
        """Record 64-bit dHashes of images (job id, index); rows deleted since are skipped."""
        with self._writing() as conn:
            conn.executemany(
                "INSERT OR REPLACE INTO image_hashes (job_id, idx, dhash) SELECT job_id, idx, :h"
                " FROM images WHERE job_id = :job AND idx = :idx",
                [{"job": j, "idx": i, "h": to_signed64(h)} for (j, i), h in hashes.items()])

    def all_images_hashed(self) -> bool:
        """True when every image row has its dHash (two index counts, no per-row probe)."""
        with self._reading() as conn:
            images = int(conn.execute("SELECT COUNT(*) FROM images").fetchone()[0])
            hashed = int(conn.execute("SELECT COUNT(*) FROM image_hashes").fetchone()[0])
        return hashed >= images

    def images_without_hash(self, limit: int = 10_000) -> list[tuple[str, int, str]]:
        """(job id, index, thumbnail-or-image path) of images with no dHash yet."""
        with self._reading() as conn:
            return [(str(r[0]), int(r[1]), str(r[2])) for r in conn.execute(
                "SELECT i.job_id, i.idx, COALESCE(i.thumb_path, i.path) FROM images i"
                " WHERE NOT EXISTS (SELECT 1 FROM image_hashes h WHERE h.job_id = i.job_id"
                " AND h.idx = i.idx) LIMIT :limit", {"limit": int(limit)})]

    def image_hashes(self) -> list[tuple[str, int, int]]:
        """Every (job id, index, unsigned dHash)."""
        with self._reading() as conn:
            return [(str(r[0]), int(r[1]), to_unsigned64(int(r[2])))
                    for r in conn.execute("SELECT job_id, idx, dhash FROM image_hashes")]

    def identical_images(self) -> list[list[tuple[str, int]]]:
        """Groups of (job id, index) whose files have the same SHA-256, newest job first."""
        groups: dict[str, list[tuple[str, int]]] = {}
        with self._reading() as conn:
            for row in conn.execute(
                "SELECT i.sha256, i.job_id, i.idx FROM images i JOIN jobs j ON j.id = i.job_id"
                " WHERE i.sha256 IN (SELECT sha256 FROM images WHERE sha256 IS NOT NULL"
                " AND sha256 != '' GROUP BY sha256 HAVING COUNT(*) > 1)"
                " ORDER BY i.sha256, j.seq DESC, i.idx"
            ):
                groups.setdefault(str(row[0]), []).append((str(row[1]), int(row[2])))
        return list(groups.values())


__all__ = ["Annotations", "CollectionInfo", "LibraryError", "LibraryStore", "TagCount",
           "normalize_tag", "split_tags"]
