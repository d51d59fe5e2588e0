"""History listings: keyset pages, filters, search (English, Chinese, hostile text), delete."""

from __future__ import annotations

import sqlite3

import pytest

from qwenimg_desktop.core.jobs.model import JobState
from qwenimg_desktop.core.store.files import DataLayout
from qwenimg_desktop.core.store.history import HistoryStore, ImageRecord
from tests.store.conftest import StepClock, make_request

PROMPTS = {
    "cat": "A cute cat in watercolor, golden hour",
    "dog": "a dog surfing a wave, 4k photo",
    "zh_cat": "一只可爱的猫，水彩风格",
    "zh_city": "夜晚的上海城市天际线",
    "quote": 'a sign that says "hello" and NEAR the door -- a * star',
}


@pytest.fixture
def seeded(history_store: HistoryStore) -> dict[str, str]:
    ids = {}
    for key, prompt in PROMPTS.items():
        ids[key] = history_store.create_pending(make_request(prompt), queue_base="q",
                                                cost_estimate=0)
    return ids


def test_keyset_paging_over_thousands_of_rows(data_layout: DataLayout) -> None:
    # Three rows per clock tick, so ties on created_at must be broken by id.
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
        records = {r.id: r for r in store.get_many(created).values()}
        expected = sorted(created, key=lambda j: (records[j].created_at, j), reverse=True)

        seen: list[str] = []
        after: tuple[float, str] | None = None
        while page := store.page_keys(limit=333, after=after):
            seen.extend(job_id for _, job_id in page)
            after = page[-1]
        assert seen == expected

        full_pages: list[str] = []
        cursor: tuple[float, str] | None = None
        while rows := store.page(limit=400, after=cursor, favourite=True):
            full_pages.extend(r.id for r in rows)
            cursor = rows[-1].cursor
        assert full_pages == [j for j in expected if j in favourites]
        assert store.page_ids(limit=10) == expected[:10]
        assert store.count() == 2500
        assert store.count(favourite=True) == len(favourites)
        assert store.count(favourite=False) == 2500 - len(favourites)


def test_state_filter(history_store: HistoryStore, seeded: dict[str, str]) -> None:
    history_store.mark_cancelled(seeded["dog"])
    history_store.mark_sending(seeded["cat"])
    assert history_store.page_ids(states=[JobState.cancelled]) == [seeded["dog"]]
    assert set(history_store.page_ids(states={JobState.cancelled, JobState.sending})) == {
        seeded["dog"], seeded["cat"]}
    assert history_store.page_ids(states=[]) == []
    assert history_store.count(states=[JobState.pending]) == 3


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
    found = {r.id for r in history_store.search(query)}
    assert found == {seeded[k] for k in keys}
    assert history_store.count(text=query) == len(keys)


@pytest.mark.parametrize("query", [
    'NEAR(cat dog)', "cat AND", "OR dog", "-cat", "prompt:cat", "^cat", "cat*", "(cat",
    '"unbalanced', "'; DROP TABLE jobs; --", "a+b", "{prompt note}: x", "\x00zero", "  ",
])
def test_hostile_search_text_never_errors(history_store: HistoryStore, seeded: dict[str, str],
                                          query: str) -> None:
    results = history_store.search(query)
    assert isinstance(results, list)
    assert history_store.count() == len(seeded)  # nothing dropped, nothing injected


def test_search_covers_negative_prompt_and_note(history_store: HistoryStore) -> None:
    job_id = history_store.create_pending(
        make_request("portrait", negative_prompt="blurry, lowres"), queue_base="q",
        cost_estimate=0)
    assert [r.id for r in history_store.search("blurry")] == [job_id]
    assert history_store.search("keeper") == []
    assert history_store.set_note(job_id, "a keeper for the album 收藏")
    assert [r.id for r in history_store.search("keeper")] == [job_id]
    assert [r.id for r in history_store.search("收藏")] == [job_id]
    assert history_store.set_note(job_id, "")
    assert history_store.search("keeper") == []
    assert not history_store.set_note("0" * 32, "missing")


def test_favourites(history_store: HistoryStore, seeded: dict[str, str]) -> None:
    assert history_store.set_favourite(seeded["dog"], True)
    assert history_store.get(seeded["dog"]).favourite  # type: ignore[union-attr]
    assert history_store.page_ids(favourite=True) == [seeded["dog"]]
    assert [r.id for r in history_store.search("wave", favourite=True)] == [seeded["dog"]]
    assert history_store.search("cat", favourite=True) == []
    assert history_store.set_favourite(seeded["dog"], False)
    assert history_store.page_ids(favourite=True) == []
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
    assert [r.id for r in history_store.search("watercolor")] == [in_flight]
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
    (record,) = history_store.page()
    assert record.request is None
    assert record.request_json == '{"prompt": "", "unknown_field": 1}'
    assert record.prompt == "old style prompt"
    assert [r.id for r in history_store.search("old style")] == [job_id]


def test_newest_first_with_deterministic_clock(data_layout: DataLayout) -> None:
    with HistoryStore.open(data_layout, clock=StepClock()) as store:
        ids = [store.create_pending(make_request(f"p{i}"), queue_base="q", cost_estimate=0)
               for i in range(5)]
        assert store.page_ids() == ids[::-1]
        assert store.page_ids(after=store.get(ids[2]).cursor) == ids[1::-1]  # type: ignore[union-attr]
