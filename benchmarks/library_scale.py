"""The library part of ``benchmarks.history_scale``: tags, ratings, collections at 100k jobs.

Adds 5,000 tags (Zipf-used, some Chinese), ratings and 200 collections to a built history with
direct SQL, then times, on a read-only connection, the first page of tag + rating + collection
filters (alone and with search text).
"""

from __future__ import annotations

import random
import sqlite3
import time
from typing import Final

from qwenimg_desktop.core.store.files import DataLayout
from qwenimg_desktop.core.store.history import HistoryStore
from qwenimg_desktop.core.store.queries import HistoryQuery

TAGS: Final = 5000
COLLECTIONS: Final = 200
CHINESE_TAGS: Final = ("风景", "人像", "猫", "水彩", "夜景", "赛博朋克", "山水", "花", "建筑",
                       "可爱")


def tag_names(rng: random.Random) -> list[str]:
    names = [*CHINESE_TAGS, "portrait", "landscape", "cat", "favourite", "print", "wip"]
    while len(names) < TAGS:
        names.append(f"tag-{len(names)}-{rng.choice('abcdefghijklmnopqrstuvwxyz')}")
    return names


def build_library(layout: DataLayout, seed: int = 11) -> dict[str, int]:
    """Tags (1–4 per job, Zipf), ratings (45 % of jobs), collections (35 % of jobs in 1–2)."""
    rng = random.Random(seed)
    conn = sqlite3.connect(layout.db_path)
    conn.execute("PRAGMA synchronous = OFF")
    jobs = [int(r[0]) for r in conn.execute("SELECT seq FROM jobs ORDER BY seq")]
    names = tag_names(rng)
    weights = [1.0 / (rank + 1) for rank in range(len(names))]
    now = time.time()
    job_tags: set[tuple[int, int]] = set()
    ratings: list[tuple[int, int]] = []
    members: set[tuple[int, int]] = set()
    for job in jobs:
        for index in rng.choices(range(len(names)), weights=weights, k=rng.randint(1, 4)):
            job_tags.add((index + 1, job))
        if rng.random() < 0.45:
            ratings.append((job, rng.choices((1, 2, 3, 4, 5), weights=(1, 2, 4, 3, 1))[0]))
        if rng.random() < 0.35:
            for _ in range(rng.randint(1, 2)):
                members.add((rng.randint(1, COLLECTIONS), job))
    with conn:
        conn.executemany("INSERT INTO tags (id, name, created_at) VALUES (?, ?, ?)",
                         [(i + 1, n, now) for i, n in enumerate(names)])
        conn.executemany("INSERT INTO job_tags (tag_id, seq) VALUES (?, ?)", sorted(job_tags))
        conn.executemany("INSERT INTO job_ratings (seq, rating) VALUES (?, ?)", ratings)
        conn.executemany("INSERT INTO collections (id, name, created_at) VALUES (?, ?, ?)",
                         [(i, f"Collection {i:03d}", now) for i in range(1, COLLECTIONS + 1)])
        conn.executemany("INSERT INTO collection_jobs (collection_id, seq, added_at)"
                         " VALUES (?, ?, ?)", [(c, j, now) for c, j in sorted(members)])
    conn.execute("ANALYZE")
    conn.close()
    return {"tags": len(names), "job_tags": len(job_tags), "ratings": len(ratings),
            "collections": COLLECTIONS, "memberships": len(members)}


def library_queries() -> list[HistoryQuery]:
    """Popular and rare tags, any and all, each with a rating and a collection; some with text."""
    rng = random.Random(5)
    names = tag_names(random.Random(11))
    queries: list[HistoryQuery] = []
    for tags, all_tags in ((("portrait",), False), (("猫",), False), (("风景", "人像"), False),
                           (("风景", "人像"), True), ((names[400],), False),
                           ((names[4000], names[4100]), False), (("portrait", "wip"), True)):
        for rating in (None, 3, 5, 0):
            for collection in (None, rng.randint(1, COLLECTIONS)):
                queries.append(HistoryQuery(tags=frozenset(tags), all_tags=all_tags,
                                            min_rating=rating, collection=collection))
    for collection in range(1, COLLECTIONS + 1, 20):
        queries.append(HistoryQuery(collection=collection, min_rating=4))
        queries.append(HistoryQuery(collection=collection, text="cat"))
    for text in ("lighthouse", "golden hour", "可爱的猫"):
        queries.append(HistoryQuery(text=text, tags=frozenset({"portrait"}), min_rating=3))
    return queries


def measure_filters(layout: DataLayout, page: int = 240, repeat: int = 3) -> list[float]:
    """First-page times (ms) of every :func:`library_queries` query, ``repeat`` times each."""
    reader = HistoryStore.open(layout, readonly=True)
    times: list[float] = []
    try:
        for query in library_queries():
            for _ in range(repeat):
                t0 = time.perf_counter()
                reader.query_keys(query, limit=page)
                times.append((time.perf_counter() - t0) * 1000)
    finally:
        reader.close()
    return times
