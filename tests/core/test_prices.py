"""Live prices: fal's price per image read into the history, the user's own price as an
explicit override, the last known price offline, and unknown (never $0) without either."""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path

import pytest

from qwenimg_desktop.core.jobs import events as ev
from qwenimg_desktop.core.jobs.config import EngineConfig
from qwenimg_desktop.core.jobs.engine import JobEngine
from qwenimg_desktop.core.jobs.lease import owners_dir
from qwenimg_desktop.core.jobs.prices import FIRST_PRICE_WAIT_S
from qwenimg_desktop.core.jobs.remote import EngineProcess
from qwenimg_desktop.core.params import GenerationRequest
from qwenimg_desktop.core.pricing import (
    REFRESH_AFTER_S,
    CachedPrice,
    PriceSource,
    as_of,
    needs_refresh,
    quote,
)
from qwenimg_desktop.core.store import db
from qwenimg_desktop.core.store.files import DataLayout
from qwenimg_desktop.core.store.history import HistoryStore
from qwenimg_desktop.core.store.schema import MIGRATIONS, SCHEMA_VERSION
from qwenimg_desktop.core.store.spend import ledger
from tests.core.conftest import EngineFactory
from tests.core.helpers import FAST_RETRY, TEST_KEY, EventLog
from tests.fixtures.emulator import EmulatorFactory

PRO = "fal-ai/qwen-image-2/pro/text-to-image"
STD = "fal-ai/qwen-image-2/text-to-image"
DEAD_PLATFORM = "http://127.0.0.1:9/v1"  # nothing listens: every price read fails at once


def _price(endpoint: str, value: float, read_at: float, unit: str = "image") -> CachedPrice:
    return CachedPrice(endpoint, value, unit, "USD", read_at)


def test_own_price_overrides_fal_which_beats_unknown() -> None:
    now = time.time()
    table = {PRO: _price(PRO, 0.08, now), STD: _price(STD, 0.5, now, unit="gpu_second")}
    fal = quote(PRO, own_price=None, table=table)
    assert (fal.per_image, fal.source, fal.cost(3)) == (0.08, PriceSource.fal, 0.24)
    assert fal.describe(now) == "$0.080 per image (fal's price)"
    own = quote(PRO, own_price=0.1, table=table)
    assert (own.per_image, own.source) == (0.1, PriceSource.own)
    assert "overriding fal's" in own.describe()
    for unknown in (quote(STD, own_price=None, table=table),  # billed per GPU second
                    quote("fal-ai/other", own_price=None, table=table)):
        assert unknown.source is PriceSource.unknown
        assert unknown.cost(2) is None  # never $0
        assert "unknown" in unknown.describe()


def test_a_price_older_than_a_day_is_shown_with_its_date_and_read_again() -> None:
    read_at = time.time() - REFRESH_AFTER_S - 60
    old = quote(PRO, own_price=None, table={PRO: _price(PRO, 0.075, read_at)})
    assert old.is_old()
    assert old.describe() == f"$0.075 per image (fal's price as of {as_of(read_at)})"
    assert needs_refresh({PRO: _price(PRO, 0.075, read_at)}, [PRO])
    assert not needs_refresh({PRO: _price(PRO, 0.075, time.time())}, [PRO])
    assert needs_refresh({PRO: _price(PRO, 0.075, time.time())}, [PRO, STD])  # one missing


def test_an_old_database_gains_the_price_cache_and_keeps_its_jobs(tmp_path: Path) -> None:
    before = next(i for i, migration in enumerate(MIGRATIONS)
                  if any("endpoint_prices" in statement for statement in migration))
    layout = DataLayout(tmp_path / "data")
    layout.ensure()
    conn = sqlite3.connect(layout.db_path)
    for statement in (s for migration in MIGRATIONS[:before] for s in migration):
        conn.execute(statement)
    conn.execute(f"PRAGMA user_version = {before}")
    conn.execute("INSERT INTO jobs (id, created_at, updated_at, state, request_json)"
                 " VALUES (?, 1, 1, 'completed', '{}')", ("a" * 32,))
    conn.commit()
    assert db.migrate(conn, layout.db_path) == SCHEMA_VERSION
    conn.close()
    with HistoryStore.open(layout) as store:
        assert store.cached_prices() == {}
        store.save_prices([_price(PRO, 0.075, 100.0), _price(STD, 0.035, 100.0)])
        store.save_prices([_price(PRO, 0.08, 200.0)])  # a later read replaces its row only
    with HistoryStore.open(layout, readonly=True) as store:
        table = store.cached_prices()
        assert table[PRO] == _price(PRO, 0.08, 200.0)
        assert table[STD] == _price(STD, 0.035, 100.0)
        assert store.get("a" * 32) is not None


def test_the_engine_journals_fal_price_read_at_start_then_the_own_price(
    emulator_factory: EmulatorFactory, engine_factory: EngineFactory
) -> None:
    server = emulator_factory({"platform": {"prices": {PRO: 0.1, STD: 0.04}}})
    engine, log = engine_factory(server.base_url)
    first = engine.submit(GenerationRequest(prompt="priced by fal", num_images=2, seed=1))
    assert isinstance(log.wait_final(first), ev.Completed)
    assert engine.store is not None
    record = engine.store.get(first)
    assert record is not None
    assert record.cost_estimate == pytest.approx(0.2)  # fal's price (not the list $0.075)
    cached = engine.store.cached_prices()
    assert cached[PRO].unit_price == pytest.approx(0.1)
    assert time.time() - cached[PRO].read_at < 60
    read = [e for e in log.events if isinstance(e, ev.PricesRead)]
    assert read
    assert {p.endpoint_id: p.unit_price for p in read[0].prices}[STD] == pytest.approx(0.04)
    engine.configure(concurrency=2, price_per_image=0.5)  # "use my own price"
    second = engine.submit(GenerationRequest(prompt="my own price", num_images=2, seed=2))
    assert isinstance(log.wait_final(second), ev.Completed)
    second_record = engine.store.get(second)
    assert second_record is not None
    assert second_record.cost_estimate == pytest.approx(1.0)
    costs = {entry.job_id: entry.cost for entry in ledger(engine.store._connection())}
    assert costs == {first: pytest.approx(0.2), second: pytest.approx(1.0)}


def test_offline_the_last_known_price_is_used_and_without_one_the_cost_is_unknown(
    emulator_factory: EmulatorFactory, engine_factory: EngineFactory, tmp_path: Path
) -> None:
    server = emulator_factory()
    known = DataLayout(tmp_path / "known")
    old = time.time() - 3 * REFRESH_AFTER_S
    with HistoryStore.open(known) as store:
        store.save_prices([_price(PRO, 0.09, old)])
    engine, log = engine_factory(server.base_url, root=known.root, platform_base=DEAD_PLATFORM)
    job = engine.submit(GenerationRequest(prompt="offline price", num_images=2, seed=3))
    assert isinstance(log.wait_final(job), ev.Completed)
    assert engine.store is not None
    record = engine.store.get(job)
    assert record is not None
    assert record.cost_estimate == pytest.approx(0.18)  # the last known price
    assert engine.store.cached_prices()[PRO].read_at == pytest.approx(old)  # kept, not lost
    assert not [e for e in log.events if isinstance(e, ev.PricesRead)]

    fresh, fresh_log = engine_factory(server.base_url, root=tmp_path / "fresh",
                                      platform_base=DEAD_PLATFORM)
    unknown = fresh.submit(GenerationRequest(prompt="never priced", num_images=2, seed=4))
    assert isinstance(fresh_log.wait_final(unknown), ev.Completed)
    assert fresh.store is not None
    unpriced = fresh.store.get(unknown)
    assert unpriced is not None
    assert unpriced.cost_estimate is None  # unknown, not $0
    assert [e.cost for e in ledger(fresh.store._connection())] == [None]


@pytest.mark.parametrize("in_process", [True, False], ids=["engine", "engine-process"])
def test_stopping_never_waits_for_the_first_price_read(
    emulator_factory: EmulatorFactory, tmp_path: Path, in_process: bool
) -> None:
    """A brand-new data folder (no price kept) makes the start wait up to FIRST_PRICE_WAIT_S
    for fal's prices; a stop during that wait must not sit it out. The read here waits for a
    key that does not come (a slow keyring; or, in the engine process, a window that has said
    stop and so is no longer heard): before the fix every close took the whole 5 s wait."""
    server = emulator_factory()
    asked, release = threading.Event(), threading.Event()

    def slow_key() -> str:
        asked.set()
        release.wait(30)
        return TEST_KEY

    config = EngineConfig(DataLayout(tmp_path / "data"), queue_base=server.base_url,
                          retry=FAST_RETRY)
    engine: JobEngine | EngineProcess = (
        JobEngine(config, keys=slow_key, sink=EventLog()) if in_process
        else EngineProcess(config, keys=slow_key, sink=EventLog()))
    try:
        engine.start(wait=False)
        assert asked.wait(60), "the start never began its price read"
        started = time.monotonic()
        engine.shutdown()
        took = time.monotonic() - started
    finally:
        release.set()
    print(f"stopped {took:.2f} s after the price read began waiting for its key")
    assert took < FIRST_PRICE_WAIT_S / 2
    assert not list(owners_dir(tmp_path / "data").glob("*.lock"))  # stopped whole: lease freed
