"""History listings: keyset pages, filters, search (English, Chinese, hostile text), delete."""

from __future__ import annotations

import sqlite3
from typing import Any

import pytest

from qwenimg_desktop.core.jobs.model import JobState
from qwenimg_desktop.core.store.files import DataLayout
from qwenimg_desktop.core.store.history import HistoryStore, ImageRecord, JobRecord
from qwenimg_desktop.core.store.queries import HistoryQuery
from tests.store.conftest import StepClock, make_request

PROMPTS = {
    "cat": "A cute cat in watercolor, golden hour",
    "dog": "a dog surfing a wave, 4k photo",
    "zh_cat": "一只可爱的猫，水彩风格",
    "zh_city": "夜晚的上海城市天际线",
    "quote": 'a sign that says "hello" and NEAR the door -- a * star',
}


def listed(store: HistoryStore, *, limit: int = 100, after: int | None = None,
        **query: Any) -> list[str]:
    """Ids of one listing page, newest first."""
    return [job_id for _, job_id in store.query_keys(HistoryQuery(**query), limit=limit,
                                                     after=after)]


def search(store: HistoryStore, text: str, **query: Any) -> list[JobRecord]:
    return store.query_records(HistoryQuery(text=text, **query))


@pytest.fixture
def seeded(history_store: HistoryStore) -> dict[str, str]:
    ids = {}
    for key, prompt in PROMPTS.items():
        ids[key] = history_store.create_pending(make_request(prompt), queue_base="q",
                                                cost_estimate=0)
    return ids


def test_keyset_paging_over_thousands_of_rows(data_layout: DataLayout) -> None:
    # Three rows per clock tick: the order is the insertion order, never a tie on created_at.
    ticks = iter(t / 3 for t in range(10**6))
    favourites: set[str] = set()
    with HistoryStore.open(data_layout, clock=lambda: float(int(next(ticks)))) as store:
        created = []
        for i in range(2500):
            job_id = store.create_pending(make_request(f"prompt {i}"), queue_base="q",
                                          cost_estimate=0)
            created.append(job_id)
            if i % 7 == 0:
                store.set_favourite(job_id, True)
                favourites.add(job_id)
        expected = created[::-1]

        seen: list[str] = []
        after: int | None = None
        while page := store.query_keys(HistoryQuery(), limit=333, after=after):
            seen.extend(job_id for _, job_id in page)
            after = page[-1][0]
        assert seen == expected

        full_pages: list[str] = []
        cursor: int | None = None
        while rows := store.query_records(HistoryQuery(favourite=True), limit=400, after=cursor):
            full_pages.extend(r.id for r in rows)
            cursor = rows[-1].seq
        assert full_pages == [j for j in expected if j in favourites]
        assert listed(store, limit=10) == expected[:10]
        assert store.query_count(HistoryQuery()) == 2500
        assert store.query_count(HistoryQuery(favourite=True)) == len(favourites)
        assert store.query_count(HistoryQuery(favourite=False)) == 2500 - len(favourites)


def test_state_filter(history_store: HistoryStore, seeded: dict[str, str]) -> None:
    history_store.mark_cancelled(seeded["dog"])
    history_store.mark_sending(seeded["cat"])
    assert listed(history_store, states=frozenset({JobState.cancelled})) == [seeded["dog"]]
    assert set(listed(history_store, states=frozenset({JobState.cancelled, JobState.sending}))) == {
        seeded["dog"], seeded["cat"]}
    assert listed(history_store, states=frozenset()) == []
    assert history_store.query_count(HistoryQuery(states=frozenset({JobState.pending}))) == 3


@pytest.mark.parametrize(("query", "keys"), [
    ("watercolor", {"cat"}),
    ("WATERCOLOR", {"cat"}),          # case-insensitive
    ("golden hour", {"cat"}),          # every term must match
    ("cat golden", {"cat"}),
    ("cat dog", set()),
    ("可爱的猫", {"zh_cat"}),            # ≥ 3 characters: trigram index
    ("上海城市", {"zh_city"}),
    ("可爱", {"zh_cat"}),                # 2 characters: substring fallback
    ("猫", {"zh_cat"}),
    ("4k", {"dog"}),
    ("a", {"cat", "dog", "quote"}),
    ("水彩 可爱的猫", {"zh_cat"}),        # mixed short and long terms
    ('"hello"', {"quote"}),
    ("NEAR", {"quote"}),
    ("--", {"quote"}),
    ("*", {"quote"}),
    ('"', {"quote"}),
])
def test_search(history_store: HistoryStore, seeded: dict[str, str], query: str,
                keys: set[str]) -> None:
    found = {r.id for r in search(history_store, query)}
    assert found == {seeded[k] for k in keys}
    assert history_store.query_count(HistoryQuery(text=query)) == len(keys)


@pytest.mark.parametrize("query", [
    'NEAR(cat dog)', "cat AND", "OR dog", "-cat", "prompt:cat", "^cat", "cat*", "(cat",
    '"unbalanced', "'; DROP TABLE jobs; --", "a+b", "{prompt note}: x", "\x00zero", "  ",
])
def test_hostile_search_text_never_errors(history_store: HistoryStore, seeded: dict[str, str],
                                          query: str) -> None:
    results = search(history_store, query)
    assert isinstance(results, list)
    # nothing dropped, nothing injected
    assert history_store.query_count(HistoryQuery()) == len(seeded)


def test_search_covers_negative_prompt_and_note(history_store: HistoryStore) -> None:
    job_id = history_store.create_pending(
        make_request("portrait", negative_prompt="blurry, lowres"), queue_base="q",
        cost_estimate=0)
    assert [r.id for r in search(history_store, "blurry")] == [job_id]
    assert search(history_store, "keeper") == []
    assert history_store.set_note(job_id, "a keeper for the album 收藏")
    assert [r.id for r in search(history_store, "keeper")] == [job_id]
    assert [r.id for r in search(history_store, "收藏")] == [job_id]
    assert history_store.set_note(job_id, "")
    assert search(history_store, "keeper") == []
    assert not history_store.set_note("0" * 32, "missing")


def test_favourites(history_store: HistoryStore, seeded: dict[str, str]) -> None:
    assert history_store.set_favourite(seeded["dog"], True)
    assert history_store.get(seeded["dog"]).favourite  # type: ignore[union-attr]
    assert listed(history_store, favourite=True) == [seeded["dog"]]
    assert [r.id for r in search(history_store, "wave", favourite=True)] == [seeded["dog"]]
    assert search(history_store, "cat", favourite=True) == []
    assert history_store.set_favourite(seeded["dog"], False)
    assert listed(history_store, favourite=True) == []
    assert not history_store.set_favourite("0" * 32, True)


def _complete(store: HistoryStore, layout: DataLayout, prompt: str, request_id: str) -> str:
    job_id = store.create_pending(make_request(prompt), queue_base="q", cost_estimate=0)
    store.mark_sending(job_id)
    store.mark_submitted(job_id, request_id=request_id, status_url=None, response_url=None,
                         cancel_url=None, queue_position=None)
    store.append_logs(job_id, [("done", None, None)])
    store.mark_fetching(job_id, result_json="{}", seed=1, metrics_json=None)
    image = layout.image_path(job_id, 0, "png")
    store.complete(job_id, [ImageRecord(
        index=0, path=layout.relative(image), width=1, height=1, format="png", size_bytes=1,
        sha256="0" * 64, thumb_path=layout.relative(layout.thumb_path(job_id, 0)),
        source_url="https://cdn.example/x.png")])
    return job_id


def test_delete_returns_files_and_spares_jobs_in_flight(history_store: HistoryStore,
                                                        data_layout: DataLayout) -> None:
    done = _complete(history_store, data_layout, "delete me watercolor", "req-1")
    kept = _complete(history_store, data_layout, "keep me", "req-2")
    in_flight = history_store.create_pending(make_request("still running watercolor"),
                                             queue_base="q", cost_estimate=0)
    paths = history_store.delete([done, in_flight, done, "0" * 32])
    assert paths == [data_layout.image_path(done, 0, "png"), data_layout.thumb_path(done, 0)]
    assert history_store.get(done) is None
    assert history_store.get(in_flight) is not None
    assert history_store.get(kept) is not None
    assert history_store.logs(done) == []
    assert [r.id for r in search(history_store, "watercolor")] == [in_flight]
    assert history_store.delete([]) == []
    other = sqlite3.connect(data_layout.db_path)
    try:
        assert other.execute("SELECT COUNT(*) FROM images WHERE job_id = ?",
                             (done,)).fetchone() == (0,)
        other.execute("INSERT INTO jobs_fts (jobs_fts) VALUES ('integrity-check')")
    finally:
        other.close()


def test_broken_stored_request_still_lists(history_store: HistoryStore,
                                           data_layout: DataLayout) -> None:
    job_id = history_store.create_pending(make_request("old style prompt"), queue_base="q",
                                          cost_estimate=0)
    other = sqlite3.connect(data_layout.db_path)
    try:
        with other:
            other.execute("UPDATE jobs SET request_json = ? WHERE id = ?",
                          ('{"prompt": "", "unknown_field": 1}', job_id))
    finally:
        other.close()
    (record,) = history_store.query_records(HistoryQuery())
    assert record.request is None
    assert record.request_json == '{"prompt": "", "unknown_field": 1}'
    assert record.prompt == "old style prompt"
    assert [r.id for r in search(history_store, "old style")] == [job_id]


def test_newest_first_with_deterministic_clock(data_layout: DataLayout) -> None:
    with HistoryStore.open(data_layout, clock=StepClock()) as store:
        created = [store.create_pending(make_request(f"p{i}"), queue_base="q",
                                        cost_estimate=0) for i in range(5)]
        assert listed(store) == created[::-1]
        third = store.get(created[2])
        assert third is not None
        assert listed(store, after=third.seq) == created[1::-1]


@pytest.mark.parametrize("prefix", ["a", "ab", "a\U0010ffff", "\U0010ffff", "\ud7ff", "z"])
def test_id_prefix_matches_exactly_the_ids_that_start_with_it(
    history_store: HistoryStore, data_layout: DataLayout, prefix: str,
) -> None:
    # Ids the app never makes, but the range bounds must hold at the edges of Unicode too.
    stored = ["a", "ab", "abc", "ac", "a\U0010ffff", "a\U0010ffffb", "\U0010ffff", "\ud7ff",
              "\ud7ffx", "\ue000", "b", "z", "z0"]
    other = sqlite3.connect(data_layout.db_path)
    try:
        with other:
            other.executemany(
                "INSERT INTO jobs (id, created_at, updated_at, state, request_json)"
                " VALUES (?, 1, 1, 'completed', '{}')", [(i,) for i in stored])
    finally:
        other.close()
    query = HistoryQuery(id_prefix=prefix)
    expected = [i for i in reversed(stored) if i.startswith(prefix)]
    assert [i for _, i in history_store.query_keys(query)] == expected
    assert history_store.query_count(query) == len(expected)


def test_recent_prompts_come_in_batches_newest_first_without_holding_the_store(
    history_store: HistoryStore,
) -> None:
    """Recall's index reads every prompt: in batches as it consumes them, so the prompts are
    never all in memory at once, and the store stays usable between batches."""
    for n in range(7):
        history_store.create_pending(make_request(f"prompt {n}"), queue_base="q",
                                     cost_estimate=0)
    prompts = history_store.recent_prompts(5, batch=2)
    first = next(prompts)
    assert history_store.snippets() == []  # the store's lock is not held between batches
    assert [first, *prompts] == [f"prompt {n}" for n in (6, 5, 4, 3, 2)]
    assert list(history_store.recent_prompts(100, batch=3)) == [f"prompt {n}"
                                                                 for n in range(6, -1, -1)]
