"""The library part of ``benchmarks.history_scale``: tags, ratings, collections at 100k jobs.

Adds 5,000 tags (Zipf-used, some Chinese), ratings, 200 collections, per-image SHA-256 values
(1 % repeated) and dHashes (2 % near copies of another) to a built history with direct SQL,
then times:

* the first page of tag + rating + collection filters (and, apart, the same with search text)
  on a read-only connection;
* completion suggestions: every keystroke of typing the start of 300 past prompt lines;
* the duplicate scan (identical groups + near-duplicate grouping of every hash) on a worker
  thread, as the app runs it.
"""

from __future__ import annotations

import random
import sqlite3
import threading
import time
from typing import Final

from qwenimg_desktop.core.recall import MIN_PREFIX, RecallIndex
from qwenimg_desktop.core.store.duplicates import DuplicateReport, scan
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
        _fill_hashes(conn, rng)
    conn.execute("ANALYZE")
    conn.close()
    return {"tags": len(names), "job_tags": len(job_tags), "ratings": len(ratings),
            "collections": COLLECTIONS, "memberships": len(members)}


def _fill_hashes(conn: sqlite3.Connection, rng: random.Random) -> None:
    """Distinct SHA-256 values (1 % repeating another) and dHashes (2 % a near copy)."""
    images = [(str(r[0]), int(r[1])) for r in conn.execute("SELECT job_id, idx FROM images")]
    shas: list[str] = []
    hashes: list[int] = []
    for _ in images:
        shas.append(rng.choice(shas) if shas and rng.random() < 0.01
                    else f"{rng.getrandbits(256):064x}")
        if hashes and rng.random() < 0.02:
            hashes.append(rng.choice(hashes) ^ (1 << rng.randrange(64)))
        else:
            hashes.append(rng.getrandbits(64))
    conn.executemany("UPDATE images SET sha256 = ? WHERE job_id = ? AND idx = ?",
                     [(sha, j, i) for sha, (j, i) in zip(shas, images, strict=True)])
    conn.executemany("INSERT INTO image_hashes (job_id, idx, dhash) VALUES (?, ?, ?)",
                     [(j, i, h - (1 << 64) if h >= 1 << 63 else h)
                      for h, (j, i) in zip(hashes, images, strict=True)])


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
    return queries


def text_queries() -> list[HistoryQuery]:
    """Library filters with search text (reported apart: the FTS walk dominates)."""
    return [HistoryQuery(text=text, tags=frozenset({tag}), min_rating=3, collection=collection)
            for text in ("lighthouse", "golden hour", "可爱的猫", "cat")
            for tag in ("portrait", "猫") for collection in (None, 7)]


def measure_filters(layout: DataLayout, queries: list[HistoryQuery], page: int = 240,
                    repeat: int = 3) -> tuple[list[float], list[float]]:
    """First-page wall times and CPU times (ms) of every query, ``repeat`` times each."""
    reader = HistoryStore.open(layout, readonly=True)
    times: list[float] = []
    cpu: list[float] = []
    try:
        for query in queries:
            for _ in range(repeat):
                c0, t0 = time.thread_time(), time.perf_counter()
                reader.query_keys(query, limit=page)
                times.append((time.perf_counter() - t0) * 1000)
                cpu.append((time.thread_time() - c0) * 1000)
    finally:
        reader.close()
    return times, cpu


def measure_recall(layout: DataLayout, lines: int = 300) -> tuple[float, int, list[float]]:
    """(index build seconds, entries, per-keystroke suggestion times in ms)."""
    reader = HistoryStore.open(layout, readonly=True)
    try:
        t0 = time.perf_counter()
        snippets = [(s.name, s.body, s.uses) for s in reader.snippets()]
        index = RecallIndex.build_from_history(layout.db_path, 200_000, snippets)  # as the app
        build_s = time.perf_counter() - t0
        prompts = list(reader.recent_prompts(200_000))  # the lines typed below (untimed)
    finally:
        reader.close()
    rng = random.Random(9)
    times: list[float] = []
    for prompt in rng.sample(prompts, lines):
        line = rng.choice(prompt.splitlines())
        for end in range(MIN_PREFIX, min(len(line), 40) + 1):
            t0 = time.perf_counter()
            index.suggest(line[:end])
            times.append((time.perf_counter() - t0) * 1000)
    return build_s, len(index), times


def measure_duplicates(layout: DataLayout) -> tuple[float, float, DuplicateReport]:
    """Wall time and the worker thread's CPU time of one duplicate scan (hashes stored)."""
    store = HistoryStore.open(layout)
    result: list[DuplicateReport] = []
    cpu: list[float] = []

    def work() -> None:
        start = time.thread_time()
        result.append(scan(store))
        cpu.append(time.thread_time() - start)

    try:
        worker = threading.Thread(target=work, name="dup-scan")
        t0 = time.perf_counter()
        worker.start()
        worker.join()
        elapsed = time.perf_counter() - t0
    finally:
        store.close()
    return elapsed, cpu[0], result[0]
