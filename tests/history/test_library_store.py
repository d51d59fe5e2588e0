"""Tags, ratings and collections on a real SQLite history: filters, undo, migration."""

from __future__ import annotations

import itertools
import random
import sqlite3
from collections.abc import Callable

import pytest

from qwenimg_desktop.core.store import db
from qwenimg_desktop.core.store.files import DataLayout
from qwenimg_desktop.core.store.history import HistoryStore
from qwenimg_desktop.core.store.library import LibraryError, normalize_tag, split_tags
from qwenimg_desktop.core.store.queries import HistoryQuery
from qwenimg_desktop.core.store.schema import MIGRATIONS, SCHEMA_VERSION
from qwenimg_desktop.core.store.trash import Trash

MakeJob = Callable[..., str]


def ids(store: HistoryStore, query: HistoryQuery, limit: int = 1000) -> list[str]:
    return [job_id for _, job_id in store.query_keys(query, limit=limit)]


def test_tags_are_normalised_and_chinese_tags_work(store: HistoryStore,
                                                   make_job: MakeJob) -> None:
    cat, dog = make_job("a cat"), make_job("a dog")
    assert split_tags("风景, 人像，  night   sky ,") == ["风景", "人像", "night sky"]
    assert store.add_tags([cat, dog], ["风景", "Night  Sky"]) == 4
    assert store.add_tags([cat], ["night sky", "人像"]) == 1  # same tag, any case
    assert store.tags_of([cat, dog]) == {cat: ["Night Sky", "人像", "风景"],
                                         dog: ["Night Sky", "风景"]}
    counts = {t.name: t.count for t in store.tag_counts()}
    assert counts == {"风景": 2, "Night Sky": 2, "人像": 1}
    assert store.remove_tags([cat], ["人像"]) == 1
    assert "人像" not in {t.name for t in store.tag_counts()}  # unused tags are forgotten
    with pytest.raises(LibraryError):
        normalize_tag("   ")
    with pytest.raises(LibraryError):
        normalize_tag("x" * 65)


def test_ratings_set_clear_and_validate(store: HistoryStore, make_job: MakeJob) -> None:
    a, b = make_job("a"), make_job("b")
    assert store.set_rating([a, b, "f" * 32], 4) == 2
    assert store.ratings([a, b]) == {a: 4, b: 4}
    store.set_rating([b], 0)
    assert store.ratings([a, b]) == {a: 4}
    assert store.summaries([a, b])[a].rating == 4
    assert store.summaries([a, b])[b].rating == 0
    with pytest.raises(LibraryError):
        store.set_rating([a], 6)


def test_collections_create_rename_delete_keep_generations(store: HistoryStore,
                                                           make_job: MakeJob) -> None:
    a, b, c = make_job("a"), make_job("b"), make_job("c")
    trip = store.create_collection("  旅行  2024 ")
    work = store.create_collection("Work")
    with pytest.raises(LibraryError):
        store.create_collection("Work")
    assert store.add_to_collection(trip, [a, b]) == 2
    assert store.add_to_collection(trip, [b, c]) == 1
    assert store.add_to_collection(work, [a]) == 1
    assert [(x.name, x.count) for x in store.collections()] == [("Work", 1), ("旅行 2024", 3)]
    assert store.collection_job_ids(trip) == [c, b, a]
    assert store.collections_of([a]) == {a: ["Work", "旅行 2024"]}
    store.rename_collection(trip, "Trip")
    with pytest.raises(LibraryError):
        store.rename_collection(trip, "Work")
    assert store.remove_from_collection(trip, [b]) == 1
    assert store.delete_collection(trip)
    assert [x.name for x in store.collections()] == ["Work"]
    assert len(store.get_many([a, b, c])) == 3  # the generations stay
    with pytest.raises(LibraryError):
        store.add_to_collection(trip, [a])


def test_library_filters_combine_with_text_and_other_filters(store: HistoryStore,
                                                             make_job: MakeJob) -> None:
    a = make_job("红色的猫 red cat")
    b = make_job("blue cat")
    c = make_job("green dog")
    d = make_job("red dog")
    store.add_tags([a, b], ["猫"])
    store.add_tags([a, c], ["favourite pick"])
    store.set_rating([a], 5)
    store.set_rating([b, c], 3)
    col = store.create_collection("reds")
    store.add_to_collection(col, [a, d])
    store.set_favourite(d, True)
    tag = HistoryQuery(tags=frozenset({"猫"}))
    assert ids(store, tag) == [b, a]
    assert ids(store, HistoryQuery(tags=frozenset({"猫", "favourite pick"}))) == [c, b, a]
    assert ids(store, HistoryQuery(tags=frozenset({"猫", "favourite pick"}),
                                   all_tags=True)) == [a]
    assert ids(store, HistoryQuery(tags=frozenset({"no such tag"}))) == []
    assert ids(store, HistoryQuery(min_rating=4)) == [a]
    assert ids(store, HistoryQuery(min_rating=3)) == [c, b, a]
    assert ids(store, HistoryQuery(min_rating=0)) == [d]
    assert ids(store, HistoryQuery(collection=col)) == [d, a]
    assert ids(store, HistoryQuery(collection=col, favourite=True)) == [d]
    assert ids(store, HistoryQuery(collection=col, tags=frozenset({"猫"}), min_rating=5)) == [a]
    assert ids(store, HistoryQuery(text="red", collection=col)) == [d, a]
    assert ids(store, HistoryQuery(text="cat", min_rating=3)) == [b, a]
    assert ids(store, HistoryQuery(text="红色", tags=frozenset({"猫"}))) == [a]
    assert store.query_count(HistoryQuery(tags=frozenset({"猫", "favourite pick"}))) == 3
    assert store.query_count(HistoryQuery(text="cat", collection=col)) == 1


def test_library_filters_match_a_brute_force_answer(store: HistoryStore,
                                                    make_job: MakeJob) -> None:
    """Whichever table drives the scan (or the favourites' own text index), pages and counts
    equal a plain Python filter."""
    rng = random.Random(3)
    jobs = [make_job(f"prompt {i} {'cat' if i % 3 else 'dog'}", embed=False)
            for i in range(60)]
    tags = ["a", "b", "可爱", "d"]
    truth_tags: dict[str, set[str]] = {j: set() for j in jobs}
    for job in jobs:
        for tag in rng.sample(tags, rng.randint(0, 3)):
            store.add_tags([job], [tag])
            truth_tags[job].add(tag)
    ratings = {j: rng.choice([0, 1, 3, 5]) for j in jobs}
    favourites = set(rng.sample(jobs, 20))
    for job, given in ratings.items():
        store.set_rating([job], given)
        store.set_favourite(job, job in favourites)
    cols = [store.create_collection(name) for name in ("x", "y")]
    members: dict[int, set[str]] = {c: set(rng.sample(jobs, 25)) for c in cols}
    for member_of, picked in members.items():
        store.add_to_collection(member_of, picked)
    newest_first = list(reversed(jobs))
    listed: dict[bool | None, list[str]] = {
        None: newest_first, True: sorted(favourites, key=newest_first.index)}
    tag_sets: list[set[str] | None] = [None, {"a"}, {"a", "可爱"}]
    star_options: list[int | None] = [None, 0, 3, 5]
    col_options: list[int | None] = [None, *cols]
    for chosen, all_tags, stars, col, text, favourite in itertools.product(
            tag_sets, [False, True], star_options, col_options, ["", "cat", "1 cat", "t 2"],
            [None, True]):
        query = HistoryQuery(tags=frozenset(chosen) if chosen else None, all_tags=all_tags,
                             min_rating=stars, collection=col, text=text, favourite=favourite)

        def keep(job: str, chosen: set[str] | None = chosen, all_tags: bool = all_tags,
                 stars: int | None = stars, col: int | None = col, text: str = text) -> bool:
            if chosen and not (chosen <= truth_tags[job] if all_tags
                               else chosen & truth_tags[job]):
                return False
            if stars is not None and (ratings[job] == 0 if stars else ratings[job] != 0):
                return False
            if stars and ratings[job] < stars:
                return False
            if col is not None and job not in members[col]:
                return False
            record = store.get(job)
            return not text or (record is not None
                                and all(term in record.prompt for term in text.split()))

        expected = [j for j in listed[favourite] if keep(j)]
        assert ids(store, query) == expected, query
        assert store.query_count(query) == len(expected), query
        if len(expected) > 4:  # keyset paging through a driven scan
            first = store.query_keys(query, limit=3)
            rest = store.query_keys(query, limit=1000, after=first[-1][0])
            assert [j for _, j in first + rest] == expected


def test_delete_and_undo_restore_tags_ratings_and_collections(store: HistoryStore,
                                                              make_job: MakeJob) -> None:
    keep, gone = make_job("keep"), make_job("gone 消失")
    store.add_tags([keep, gone], ["shared", "中文标签"])
    store.set_rating([gone], 2)
    col = store.create_collection("picks")
    store.add_to_collection(col, [keep, gone])
    store.set_image_hashes({(gone, 0): 0xFFFF_0000_FFFF_0000})
    trash = Trash(store)
    batch = trash.delete([gone])
    assert store.tags_of([gone]) == {}
    assert store.ratings([gone]) == {}
    assert [x.count for x in store.collections()] == [1]
    assert store.image_hashes() == []
    store.delete_collection(col)  # deleted meanwhile: the undo brings the name back
    assert trash.undo(batch) == [gone]
    assert store.tags_of([gone]) == {gone: ["shared", "中文标签"]}
    assert store.ratings([gone]) == {gone: 2}
    assert [(x.name, x.count) for x in store.collections()] == [("picks", 1)]
    assert store.image_hashes() == [(gone, 0, 0xFFFF_0000_FFFF_0000)]
    assert ids(store, HistoryQuery(tags=frozenset({"中文标签"}))) == [gone, keep]


def test_an_existing_version_1_history_is_migrated_with_its_jobs(data_layout: DataLayout) -> None:
    """A history written before the library existed opens, keeps its jobs and gains tables."""
    conn = db.connect_writer(data_layout.db_path)
    with db.transaction(conn):
        for statement in MIGRATIONS[0]:
            conn.execute(statement)
        conn.execute("PRAGMA user_version = 1")
        conn.execute(
            "INSERT INTO jobs (id, created_at, updated_at, state, request_json, prompt)"
            " VALUES (?, 1.0, 1.0, 'completed', '{}', '旧的提示 old prompt')", ("a" * 32,))
    conn.close()
    with HistoryStore.open(data_layout) as store:
        assert db.user_version(store._connection()) == SCHEMA_VERSION
        assert ids(store, HistoryQuery(text="旧的提示")) == ["a" * 32]
        store.add_tags(["a" * 32], ["迁移"])
        store.set_rating(["a" * 32], 5)
        assert ids(store, HistoryQuery(tags=frozenset({"迁移"}), min_rating=5)) == ["a" * 32]
    raw = sqlite3.connect(data_layout.db_path)
    tables = {r[0] for r in raw.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    raw.close()
    assert {"tags", "job_tags", "job_ratings", "collections", "collection_jobs",
            "snippets", "image_hashes"} <= tables
