"""Batch grids: the grid a plan is laid out as, kept beside the batch in a real SQLite journal;
a contact sheet kept as its own history item; a batch grouped as one gallery row; re-running a
stored grid; the migration of a history written before grids."""

from __future__ import annotations

import json
import sqlite3
import struct
import zlib
from pathlib import Path

import pytest

from qwenimg_desktop.core.batch.grid import PROMPT_AXIS, Grid, GridError, grid_for, replan
from qwenimg_desktop.core.batch.plan import parse_axis, plan_batch
from qwenimg_desktop.core.errors import DownloadError
from qwenimg_desktop.core.jobs import events as ev
from qwenimg_desktop.core.jobs.model import JobState
from qwenimg_desktop.core.params import GenerationRequest
from qwenimg_desktop.core.store import db
from qwenimg_desktop.core.store.batches import BatchNotFound
from qwenimg_desktop.core.store.files import DataLayout
from qwenimg_desktop.core.store.grids import CONTACT_SHEET_ENDPOINT
from qwenimg_desktop.core.store.history import HistoryStore
from qwenimg_desktop.core.store.queries import HistoryQuery
from qwenimg_desktop.core.store.schema import MIGRATIONS, SCHEMA_VERSION
from tests.core.conftest import EngineFactory
from tests.fixtures.emulator import EmulatorFactory

BASE = GenerationRequest(prompt="一只猫 a cat at dusk", seed=5)


def _four_by_three() -> tuple[Grid, list[str]]:
    plan = plan_batch(BASE, axes=[parse_axis("seed=1-4"),
                                  parse_axis("size=square_hd,landscape_4_3,portrait_4_3")])
    ids = [f"{i:032x}" for i in range(len(plan.jobs))]
    return grid_for(plan, "b" * 32, ids), ids


def test_a_plan_of_two_axes_is_four_columns_by_three_rows() -> None:
    grid, ids = _four_by_three()
    assert grid.columns == ("seed 1", "seed 2", "seed 3", "seed 4")
    assert grid.rows == ("square_hd", "landscape_4_3", "portrait_4_3")
    assert grid.pages == ("",)
    # the plan's first axis varies slowest: job 0..2 are seed 1 with each size
    cell = grid.cell_at("", "landscape_4_3", "seed 1")
    assert cell is not None
    assert cell.job_id == ids[1]
    assert grid.cell_at("", "portrait_4_3", "seed 4") == grid.cells[-1]
    assert grid.cell_at("", "nope", "seed 1") is None
    again = Grid.from_json(grid.batch_id, grid.axes_json(), grid.cells_json())
    assert again == grid


def test_expanded_prompts_become_an_axis_and_a_third_axis_makes_pages() -> None:
    prompts = ["红色的猫", "蓝色的猫"]
    plan = plan_batch(BASE, prompts=prompts, axes=[parse_axis("seed=1-2"),
                                                   parse_axis("format=png,webp")])
    grid = grid_for(plan, "c" * 32, [f"{i:032x}" for i in range(8)])
    assert [axis.name for axis in grid.axes] == ["seed", "format", PROMPT_AXIS]
    assert grid.pages == ("红色的猫", "蓝色的猫")
    cell = grid.cell_at("蓝色的猫", "webp", "seed 2")
    assert cell is not None
    assert cell.job_id == f"{7:032x}"


def test_a_damaged_stored_grid_is_a_clear_error() -> None:
    with pytest.raises(GridError, match="cannot be read"):
        Grid.from_json("d" * 32, "[{", "[]")
    with pytest.raises(GridError, match="job ids for a plan"):
        grid_for(plan_batch(BASE, axes=[parse_axis("seed=1-2")]), "d" * 32, ["x"])


def test_grid_contact_sheet_grouping_and_rerun_in_the_journal(
    emulator_factory: EmulatorFactory, engine_factory: EngineFactory
) -> None:
    server = emulator_factory()
    engine, log = engine_factory(server.base_url, concurrency=4)
    plan = plan_batch(BASE, axes=[parse_axis("seed=1-4"),
                                  parse_axis("size=square_hd,landscape_4_3,portrait_4_3")])
    batch_id, ids = engine.submit_batch([job.request for job in plan.jobs], label="猫 grid")
    lone = engine.submit(GenerationRequest(prompt="a lone job", seed=1))
    for job_id in [*ids, lone]:
        assert isinstance(log.wait_final(job_id), ev.Completed)
    store = engine.store
    assert store is not None
    assert store.grid(batch_id).cells[0].labels == ("#1",)  # no grid kept yet: numbered
    grid = grid_for(plan, batch_id, ids)
    store.save_grid(grid)
    assert store.grid(batch_id) == grid
    with pytest.raises(BatchNotFound):
        store.grid("e" * 32)

    # the contact sheet: its own completed item, free, with its metadata and a thumbnail
    png = b"\x89PNG\r\n\x1a\n" + _tiny_png()
    sheet_id = store.add_contact_sheet(grid, png, width=2, height=2, title="猫 grid")
    record = store.get(sheet_id)
    assert record is not None
    assert record.state is JobState.completed
    assert record.endpoint == CONTACT_SHEET_ENDPOINT
    assert record.request is None  # never re-runnable, never sent
    meta = json.loads(record.request_json)["contact_sheet"]
    assert meta["batch_id"] == batch_id
    assert meta["job_ids"] == ids
    assert [axis["name"] for axis in meta["axes"]] == ["seed", "size"]
    assert store.layout.absolute(record.images[0].path).read_bytes() == png
    assert record.images[0].thumb_path is not None
    assert store.layout.absolute(record.images[0].thumb_path).is_file()
    assert store.contact_sheet_of(batch_id) == sheet_id
    assert store.grid_batch_of(sheet_id) == batch_id  # a sheet leads back to its grid
    assert store.grid_batch_of(ids[3]) == batch_id
    assert store.grid_batch_of(lone) is None
    costs = {c.job_id: c.cost for c in store.spend_ledger()}
    assert sheet_id not in costs  # not fal's: never in the spend, not even at $0
    assert len(costs) == 13
    assert sheet_id in [j for _, j in store.query_keys(HistoryQuery(), limit=100)]

    # grouped: the batch is one row (its newest job), lone jobs and the sheet stay
    grouped = [j for _, j in store.query_keys(HistoryQuery(group_batches=True), limit=100)]
    assert grouped == [sheet_id, lone, ids[-1]]
    assert store.query_count(HistoryQuery(group_batches=True)) == 3
    tiles = store.batch_tiles(grouped)
    assert set(tiles) == {ids[-1]}
    assert tiles[ids[-1]].size == 12
    assert tiles[ids[-1]].label == "猫 grid"
    assert len(tiles[ids[-1]].tile_paths) == 4
    only = [j for _, j in store.query_keys(HistoryQuery(batch=batch_id, group_batches=True),
                                           limit=100)]
    assert sorted(only) == sorted(ids)  # a batch filter shows the batch opened

    # re-run: the same requests in the same cells
    again = replan(store.grid(batch_id), store.batch_requests(ids))
    assert [job.request for job in again.jobs] == [job.request for job in plan.jobs]
    assert grid_for(again, "f" * 32, ids).axes == grid.axes
    assert server.stats()["submits_total"] == 13


def _tiny_png() -> bytes:
    """The rest of a real 2×2 PNG (made with the standard library)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))

    raw = b"".join(b"\x00" + b"\xff\x00\x00" * 2 for _ in range(2))
    return (chunk(b"IHDR", struct.pack(">IIBBBBB", 2, 2, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def test_a_contact_sheet_that_cannot_be_kept_leaves_no_file_and_no_row(
    history_store: HistoryStore,
) -> None:
    grid, _ = _four_by_three()
    with pytest.raises(DownloadError):
        history_store.add_contact_sheet(grid, b"not a png", width=2, height=2, title="x")
    assert history_store.query_count(HistoryQuery()) == 0
    layout = history_store.layout
    left = [p for folder in (layout.images_dir, layout.thumbs_dir) for p in folder.rglob("*")
            if p.is_file()]
    assert left == []


def test_a_history_from_before_grids_is_migrated(tmp_path: Path) -> None:
    layout = DataLayout(tmp_path / "data").ensure()
    conn = db.connect_writer(layout.db_path)
    with db.transaction(conn):
        for statements in MIGRATIONS[:7]:
            for statement in statements:
                conn.execute(statement)
        conn.execute("PRAGMA user_version = 7")
        conn.execute("INSERT INTO batches (id, created_at, label, size) VALUES (?, 1, 'old', 1)",
                     ("a" * 32,))
        conn.execute(
            "INSERT INTO jobs (id, created_at, updated_at, state, request_json, prompt,"
            " batch_id) VALUES (?, 1.0, 1.0, 'completed', '{}', 'old', ?)", ("1" * 32, "a" * 32))
    conn.close()
    with HistoryStore.open(layout) as store:
        assert db.user_version(store._connection()) == SCHEMA_VERSION
        assert store.grid("a" * 32).job_ids == ("1" * 32,)
    raw = sqlite3.connect(layout.db_path)
    assert raw.execute("SELECT COUNT(*) FROM batch_grids").fetchone()[0] == 0
    raw.close()
