"""The endpoint registry: declarations, the journal's endpoint column, metadata, end to end."""

from __future__ import annotations

import json
import sqlite3
from typing import Any

import pytest
from pydantic import ValidationError

from qwenimg_desktop.core.endpoints import (
    EndpointKind,
    Tier,
    UnknownEndpoint,
    all_endpoints,
    build_request,
    choose,
    endpoint_for,
)
from qwenimg_desktop.core.jobs import events as ev
from qwenimg_desktop.core.params import DEFAULT_ENDPOINT_ID, GenerationRequest
from qwenimg_desktop.core.store.files import DataLayout
from qwenimg_desktop.core.store.history import HistoryStore
from qwenimg_desktop.core.store.metadata import EmbeddedMeta, embed_bytes, read_metadata
from qwenimg_desktop.core.store.schema import MIGRATIONS, SCHEMA_VERSION
from qwenimg_desktop.emulator.server import EmulatorServer
from tests.core.conftest import EngineFactory
from tests.fixtures.emulator import EmulatorFactory

STANDARD = "fal-ai/qwen-image-2/text-to-image"
TEXT_TO_IMAGE = (DEFAULT_ENDPOINT_ID, STANDARD)


def test_the_four_endpoints_share_owner_alias_and_differ_in_price_and_kind() -> None:
    endpoints = {e.id: e for e in all_endpoints()}
    assert set(endpoints) == {DEFAULT_ENDPOINT_ID, STANDARD, "fal-ai/qwen-image-2/pro/edit",
                              "fal-ai/qwen-image-2/edit"}
    assert {e.owner_alias for e in endpoints.values()} == {"fal-ai/qwen-image-2"}
    assert endpoints[STANDARD].price_per_image_usd == pytest.approx(0.035)
    assert choose(EndpointKind.edit, Tier.standard).id == "fal-ai/qwen-image-2/edit"
    assert [e.takes_images for e in endpoints.values()] == [False, False, True, True]
    with pytest.raises(UnknownEndpoint) as info:
        endpoint_for("fal-ai/flux/dev")
    assert info.value.next_step
    assert DEFAULT_ENDPOINT_ID in info.value.next_step


def test_a_request_carries_its_endpoint_but_never_sends_it() -> None:
    request = build_request(STANDARD, {"prompt": "a fox", "endpoint": DEFAULT_ENDPOINT_ID})
    assert request.endpoint == STANDARD  # the registry decides, not the data
    assert "endpoint" not in request.to_api_payload()
    with pytest.raises(ValidationError):  # an edit needs references
        build_request("fal-ai/qwen-image-2/pro/edit", {"prompt": "red lantern"})


def _old_database(layout: DataLayout) -> None:
    """A history as version 1 wrote it: no endpoint in the request JSON, an empty column."""
    conn = sqlite3.connect(layout.db_path, isolation_level=None)
    for statement in MIGRATIONS[0]:
        conn.execute(statement)
    old_request = {"prompt": "an old cat", "num_images": 2}
    conn.execute(
        "INSERT INTO jobs (id, created_at, updated_at, state, request_json, prompt, num_images,"
        " endpoint) VALUES (?, 1, 1, 'completed', ?, 'an old cat', 2, '')",
        ("a" * 32, json.dumps(old_request)),
    )
    conn.execute("PRAGMA user_version = 1")
    conn.close()


def test_an_old_history_migrates_to_pro_text_to_image(data_layout: DataLayout) -> None:
    _old_database(data_layout)
    with HistoryStore.open(data_layout) as store:
        record = store.get("a" * 32)
    assert record is not None
    assert record.endpoint == DEFAULT_ENDPOINT_ID
    assert record.request is not None
    assert record.request.endpoint == DEFAULT_ENDPOINT_ID
    assert record.request.num_images == 2
    conn = sqlite3.connect(data_layout.db_path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    conn.close()


def test_the_journal_keeps_the_endpoint_and_parses_rows_through_it(
    history_store: HistoryStore,
) -> None:
    request = build_request(STANDARD, {"prompt": "standard tier", "num_images": 3})
    job_id = history_store.create_pending(request, queue_base="q", cost_estimate=0.105)
    record = history_store.get(job_id)
    assert record is not None
    assert record.endpoint == STANDARD
    assert record.request == request


def test_a_row_of_an_unknown_endpoint_still_lists(history_store: HistoryStore) -> None:
    job_id = history_store.create_pending(GenerationRequest(prompt="x"), queue_base="q",
                                          cost_estimate=0.1)
    with history_store._writing() as conn:
        conn.execute("UPDATE jobs SET endpoint = 'someone/else' WHERE id = ?", (job_id,))
    record = history_store.get(job_id)
    assert record is not None
    assert record.request is None  # not guessed: shown from the row's columns
    assert record.prompt == "x"


def test_metadata_names_the_endpoint_and_restores_its_request() -> None:
    from tests.history.conftest import image_bytes

    request = build_request(STANDARD, {"prompt": "标准", "seed": 7})
    embedded = embed_bytes(image_bytes("png"), "png", EmbeddedMeta(request=request, seed=7))
    meta = read_metadata(embedded)
    assert meta is not None
    assert meta.model == STANDARD
    assert meta.request == request
    assert f"Model: {STANDARD}" in embedded.decode("latin-1")


@pytest.mark.parametrize("endpoint_id", TEXT_TO_IMAGE)
def test_each_text_to_image_endpoint_end_to_end(
    endpoint_id: str, emulator_factory: EmulatorFactory, engine_factory: EngineFactory,
) -> None:
    server: EmulatorServer = emulator_factory()
    engine, log = engine_factory(server.base_url, make_thumbnails=False)
    job_id = engine.submit(build_request(endpoint_id, {"prompt": "end to end",
                                                      "num_images": 2}))
    final = log.wait_final(job_id)
    assert isinstance(final, ev.Completed), final
    assert engine.store is not None
    record = engine.store.get(job_id)
    assert record is not None and record.request_id is not None  # noqa: PT018
    assert record.endpoint == endpoint_id
    assert record.cost_estimate == pytest.approx(2 * endpoint_for(endpoint_id).price_per_image_usd)
    served = server.board.get(record.request_id)
    assert served is not None
    assert served.endpoint == endpoint_id  # the submit went to the endpoint's own path
    meta = read_metadata(data_root(engine) / record.images[0].path)
    assert meta is not None and meta.model == endpoint_id  # noqa: PT018


def data_root(engine: object) -> Any:
    return engine.layout.root  # type: ignore[attr-defined]


def test_the_history_filters_by_endpoint(history_store: HistoryStore) -> None:
    from qwenimg_desktop.core.store.queries import HistoryQuery

    for endpoint_id in (DEFAULT_ENDPOINT_ID, STANDARD, STANDARD):
        history_store.create_pending(build_request(endpoint_id, {"prompt": "filter me"}),
                                     queue_base="q", cost_estimate=0.1)
    assert history_store.query_count(HistoryQuery(endpoints=frozenset({STANDARD}))) == 2
    assert history_store.query_count(HistoryQuery(
        endpoints=frozenset({DEFAULT_ENDPOINT_ID, STANDARD}), text="filter")) == 3
    assert history_store.query_count(HistoryQuery(endpoints=frozenset())) == 0


def test_presets_and_last_used_remember_the_endpoint(tmp_path: Any) -> None:
    from qwenimg_desktop.core.settings import AppSettings, ParamValues

    chosen = ParamValues(endpoint="fal-ai/qwen-image-2/edit", num_images=5)
    settings = AppSettings(last_used=chosen, presets={"std edit": chosen})
    path = tmp_path / "settings.json"
    settings.save(path)
    loaded = AppSettings.load(path)
    assert loaded.last_used.endpoint == "fal-ai/qwen-image-2/edit"
    assert loaded.presets["std edit"].value("num_images") == 5  # 1-6 on an edit endpoint


def test_cli_help_gives_each_endpoints_own_bounds() -> None:
    from qwenimg_desktop.core.endpoints.describe import help_lines

    (line,) = [text for text in help_lines(all_endpoints()) if "num_images:" in text]
    assert "1–4; default 1 on fal-ai/qwen-image-2/pro/text-to-image" in line
    assert "1–6; default 1 on fal-ai/qwen-image-2/pro/edit, fal-ai/qwen-image-2/edit" in line
