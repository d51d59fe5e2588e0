"""Core history operations: query filters, delete with undo, export, consistency and open repair."""

from __future__ import annotations

import gc
import json
import tracemalloc
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest

from qwenimg_desktop.core.jobs.model import JobState
from qwenimg_desktop.core.store import consistency
from qwenimg_desktop.core.store.consistency import (
    MissingImage,
    check_files,
    open_history,
    regenerate_thumbnails,
)
from qwenimg_desktop.core.store.export import export_to_folder, export_to_zip
from qwenimg_desktop.core.store.files import DataLayout
from qwenimg_desktop.core.store.history import HistoryStore
from qwenimg_desktop.core.store.metadata import read_metadata
from qwenimg_desktop.core.store.queries import HistoryQuery
from qwenimg_desktop.core.store.stems import safe_stem
from qwenimg_desktop.core.store.trash import Trash, trash_dir
from tests.history.conftest import Clock

MakeJob = Callable[..., str]


def ids(store: HistoryStore, query: HistoryQuery) -> list[str]:
    return [job_id for _, job_id in store.query_keys(query, limit=1000)]


def test_query_filters_combine(store: HistoryStore, make_job: MakeJob, clock: Clock) -> None:
    square = make_job("red square", output_format="png")
    wide = make_job("wide landscape", image_size="landscape_16_9", output_format="jpeg")
    tall = make_job("tall portrait 可爱的猫", image_size="portrait_4_3", output_format="webp")
    big = make_job("big square", image_size={"width": 2048, "height": 2048})
    failed = make_job("broken one", state=JobState.failed)
    store.set_favourite(tall, True)
    everything = ids(store, HistoryQuery())
    assert everything == [failed, big, tall, wide, square]
    assert ids(store, HistoryQuery(aspect="landscape")) == [wide]
    assert ids(store, HistoryQuery(aspect="portrait")) == [tall]
    assert ids(store, HistoryQuery(aspect="square", states=frozenset({JobState.completed}))) == [
        big, square]
    assert ids(store, HistoryQuery(size="large")) == [big]
    assert ids(store, HistoryQuery(size="small")) == [tall, wide]
    assert ids(store, HistoryQuery(formats=frozenset({"jpeg", "webp"}))) == [tall, wide]
    assert ids(store, HistoryQuery(formats=frozenset())) == []
    assert ids(store, HistoryQuery(favourite=True)) == [tall]
    assert ids(store, HistoryQuery(text="可爱")) == [tall]  # 2 characters: fallback scan
    assert ids(store, HistoryQuery(text="可爱的猫 tall")) == [tall]  # trigram + short
    record = store.get(wide)
    assert record is not None
    window = HistoryQuery(created_from=record.created_at, created_to=record.created_at + 1)
    assert ids(store, window) == [wide]
    assert store.query_count(HistoryQuery(states=frozenset({JobState.failed}))) == 1


def test_delete_moves_files_and_undo_restores_rows_and_files(
    store: HistoryStore, make_job: MakeJob,
) -> None:
    keep = make_job("keep me")
    gone = make_job("delete me, 删除", images=2)
    store.set_note(gone, "a note survives undo")
    store.set_favourite(gone, True)
    before = store.get(gone)
    assert before is not None
    files = [store.layout.absolute(p) for im in before.images for p in (im.path, im.thumb_path)
             if p]
    assert all(f.exists() for f in files)
    handed: list[Path] = []

    def os_trash(path: Path) -> bool:
        handed.append(path)
        return True

    trash = Trash(store, os_trash=os_trash)

    batch = trash.delete([gone, keep + "x"])
    assert batch.job_ids == [gone]
    assert store.get(gone) is None
    assert store.get(keep) is not None
    assert not any(f.exists() for f in files)
    assert all(staged.exists() for _, staged in batch.moved)
    assert ids(store, HistoryQuery(text="删除")) == []

    assert trash.undo(batch) == [gone]
    after = store.get(gone)
    assert after == before
    assert store.logs(gone) == [("loading model", "info", None), ("step 1/8", "info", None)]
    assert all(f.exists() for f in files)
    assert ids(store, HistoryQuery(text="删除")) == [gone]
    assert trash.undo(batch) == []  # only once
    assert not (trash_dir(store.layout) / batch.batch_id).exists()

    second = trash.delete([gone])
    assert trash.finalize() == len(files)
    assert sorted(handed) == sorted(staged for _, staged in second.moved)
    assert trash.batches == []


def test_delete_without_os_trash_keeps_files_in_data_trash(
    store: HistoryStore, make_job: MakeJob,
) -> None:
    job = make_job("no os trash here")
    trash = Trash(store)
    batch = trash.delete([job])
    assert trash.finalize() == 0
    assert all(staged.exists() for _, staged in batch.moved)
    assert all(trash_dir(store.layout) in staged.parents for _, staged in batch.moved)


def test_in_flight_jobs_are_not_deleted(store: HistoryStore, make_job: MakeJob) -> None:
    done = make_job("done")
    pending = store.create_pending(store.get(done).request, queue_base="q",  # type: ignore[union-attr,arg-type]
                                   cost_estimate=0)
    batch = Trash(store).delete([done, pending])
    assert batch.job_ids == [done]
    assert store.get(pending) is not None


def test_safe_stems_for_long_chinese_and_hostile_prompts() -> None:
    assert safe_stem("一只可爱的猫，水彩风格") == "一只可爱的猫-水彩风格"
    assert safe_stem("../../etc/passwd") == "etc-passwd"
    assert safe_stem("a\\b:c*d?e\"f<g>h|i") == "a-b-c-d-e-f-g-h-i"
    assert safe_stem("CON") == "_CON"
    assert safe_stem("lpt1") == "_lpt1"
    assert safe_stem("   ...   ") == "image"
    assert safe_stem("") == "image"
    long = safe_stem("长" * 500)
    assert len(long.encode()) <= 100
    assert long == "长" * 33


def test_export_folder_and_zip_with_sidecars(
    store: HistoryStore, make_job: MakeJob, tmp_path: Path,
) -> None:
    prompt = "一只可爱的猫/坐在窗台上 " * 20
    first = make_job(prompt, images=2, output_format="webp")
    second = make_job(prompt)
    records = list(store.get_many([first, second]).values())
    folder = tmp_path / "out"
    folder.mkdir()
    result = export_to_folder(records, store.layout, folder)
    again = export_to_folder(records, store.layout, folder)
    names = sorted(p.name for p in folder.iterdir())
    assert len(names) == 12
    assert len(set(names)) == 12
    assert set(result.files).isdisjoint(again.files)
    for name in names:
        assert "/" not in name
        assert len(name.encode()) <= 110
        assert name.endswith((".webp", ".png", ".json"))
    sidecar = json.loads((folder / result.files[1]).read_text("utf-8"))
    assert sidecar["request"]["prompt"] == prompt
    assert sidecar["seed"] is not None
    assert sidecar["request_id"].startswith("req-")
    exported = folder / result.files[0]
    assert read_metadata(exported) is not None  # the copy keeps the embedded parameters

    zip_path = tmp_path / "export.zip"
    zipped = export_to_zip(records, store.layout, zip_path)
    with zipfile.ZipFile(zip_path) as archive:
        assert archive.testzip() is None
        assert sorted(archive.namelist()) == sorted(zipped.files)
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".partial")] == []


def test_export_lists_missing_images(
    store: HistoryStore, make_job: MakeJob, tmp_path: Path,
) -> None:
    job = make_job("half missing", images=2)
    record = store.get(job)
    assert record is not None
    store.layout.absolute(record.images[0].path).unlink()
    result = export_to_folder([record], store.layout, tmp_path / "x")
    assert result.skipped == (f"{job}-0",)
    assert len(result.files) == 2


def test_consistency_finds_missing_and_orphans_without_deleting(
    store: HistoryStore, make_job: MakeJob, clock: Clock,
) -> None:
    old = make_job("old one")
    young = make_job("young one", images=2)
    never = make_job("never sent", state=JobState.failed)
    layout = store.layout
    for job in (old, young):
        record = store.get(job)
        assert record is not None
        layout.absolute(record.images[0].path).unlink()
    young_record = store.get(young)
    assert young_record is not None
    layout.absolute(young_record.images[1].thumb_path or "").unlink()
    orphan = layout.images_dir / "zz" / "stray.png"
    orphan.parent.mkdir()
    orphan.write_bytes(b"x")
    old_record = store.get(old)
    assert old_record is not None
    now = old_record.created_at + 7 * 24 * 3600 + 1.5  # the old job is past fal's retention

    report = check_files(store, now=now)
    assert dict(report.missing_jobs) == {old: False, young: True}
    assert (report.missing_files, report.damaged_files) == (2, 0)
    assert report.missing_job_ids == {old, young}
    assert never not in report.missing_job_ids
    assert report.missing_thumbnails == ((young, 1),)
    assert report.orphans == (orphan,)
    assert orphan.exists()
    assert regenerate_thumbnails(store, report.missing_thumbnails) == 1
    assert check_files(store, now=now).missing_thumbnails == ()


def test_a_thumbnail_is_listed_for_remaking_only_when_its_image_is_there(
    store: HistoryStore, make_job: MakeJob,
) -> None:
    # A thumbnail is remade from its image: with the image gone (or damaged) there is nothing to
    # remake it from. Listing those made the window read every such job (97,297 at 100,000
    # generations) to remake none.
    gone = make_job("image and thumbnail gone")
    damaged = make_job("image damaged, thumbnail gone")
    remakable = make_job("thumbnail gone")
    layout = store.layout
    for job in (gone, damaged, remakable):
        record = store.get(job)
        assert record is not None
        layout.absolute(record.images[0].thumb_path or "").unlink()
        image = layout.absolute(record.images[0].path)
        if job == gone:
            image.unlink()
        elif job == damaged:
            image.write_bytes(image.read_bytes()[:-10])

    report = check_files(store)
    assert report.missing_job_ids == {gone, damaged}
    assert report.missing_thumbnails == ((remakable, 0),)
    assert regenerate_thumbnails(store, report.missing_thumbnails) == 1
    assert check_files(store).missing_thumbnails == ()


def test_corrupt_database_is_moved_aside_and_a_fresh_one_opens(
    data_layout: DataLayout, make_job: MakeJob, store: HistoryStore,
) -> None:
    make_job("will be lost from the index, not from disk")
    store.close()
    data_layout.db_path.write_bytes(b"this is not a database" * 100)
    opened = open_history(data_layout)
    try:
        assert opened.moved_aside is not None
        assert opened.moved_aside.exists()
        assert "damaged" in (opened.message or "")
        assert str(data_layout.images_dir) in (
            opened.message or "")
        assert opened.store.query_count(HistoryQuery()) == 0
        assert any(data_layout.images_dir.rglob("*.png"))  # images untouched
    finally:
        opened.store.close()
    again = open_history(data_layout)
    try:
        assert again.moved_aside is None
        assert again.message is None
    finally:
        again.store.close()


@pytest.mark.parametrize("damage", ["truncate", "garbage-page"])
def test_damaged_pages_are_detected(data_layout: DataLayout, make_job: MakeJob,
                                    store: HistoryStore, damage: str) -> None:
    for i in range(60):
        make_job(f"prompt number {i} " * 20, embed=False)
    store.close()
    raw = bytearray(data_layout.db_path.read_bytes())
    if damage == "truncate":
        raw = raw[: len(raw) // 3]
    else:
        raw[4096 * 3: 4096 * 6] = b"\xa5" * (4096 * 3)
    data_layout.db_path.write_bytes(bytes(raw))
    for side in ("-wal", "-shm"):
        Path(f"{data_layout.db_path}{side}").unlink(missing_ok=True)
    opened = open_history(data_layout)
    try:
        assert opened.moved_aside is not None
    finally:
        opened.store.close()


def _jobs_without_files(store: HistoryStore, make_job: MakeJob, count: int = 3) -> list[str]:
    """``count`` jobs of two images each, their image files deleted."""
    jobs = [make_job(f"job {n}", images=2) for n in range(count)]
    for job in jobs:
        record = store.get(job)
        assert record is not None
        for image in record.images:
            store.layout.absolute(image.path).unlink()
    return jobs


def test_the_file_check_reads_image_rows_in_batches(
    store: HistoryStore, make_job: MakeJob, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The start-up check walks every image row: in batches (a list of 100,000 was ~60 MB of
    the window's peak), the store usable between them, every missing file counted."""
    jobs = _jobs_without_files(store, make_job)
    rows = store.image_rows(batch=2)
    next(rows)
    assert store.get(jobs[0]) is not None  # the store's lock is not held between batches
    assert len(list(rows)) == 5
    batched = store.image_rows
    monkeypatch.setattr(store, "image_rows", lambda: batched(batch=2))
    report = check_files(store)
    assert set(report.missing_jobs) == set(jobs)
    assert report.missing_files == 6


def test_the_file_check_keeps_a_few_bytes_per_missing_job(
    store: HistoryStore, make_job: MakeJob,
) -> None:
    """The report the window keeps: a history whose files were moved away flags every job
    (97,297 at 100,000 generations); an object per missing image was ~37 MB of the window's
    memory, most of it never given back. Now ~17 bytes a job, whatever its images."""
    jobs = _jobs_without_files(store, make_job, 200)
    check_files(store)  # the statement cache and the like, made once
    # Counted where the store's code allocated: tracemalloc sees every thread, and a worker an
    # earlier test left finishing its last tile under load is not the check's.
    store_code = [tracemalloc.Filter(True, "*/qwenimg_desktop/core/store/*")]
    tracemalloc.start()
    try:
        before = tracemalloc.take_snapshot().filter_traces(store_code)
        report = check_files(store)
        after = tracemalloc.take_snapshot().filter_traces(store_code)
    finally:
        tracemalloc.stop()
    kept = sum(stat.size_diff for stat in after.compare_to(before, "filename"))
    assert kept < 40 * 400, kept  # an object per image (and its strings) was > 250 bytes
    assert set(report.missing_jobs) == set(jobs)
    assert report.missing_files == 400


def test_a_missing_image_row_has_no_instance_dict() -> None:
    """The file check makes one per missing image (97,297 on the 100,000-generation benchmark
    history): slots keep each ~50 bytes smaller than a dict of its fields would."""
    missing = MissingImage("j" * 32, 0, "images/ab/x.png", "req", 0.0, False)
    assert not hasattr(missing, "__dict__")


def test_no_collection_runs_while_the_file_check_lists_missing_images(
    store: HistoryStore, make_job: MakeJob, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Full collections set off by the check's rows walked every one of them holding the GIL
    (47–120 ms in the window at 100,000 generations): none runs during the check, and the
    collector is on again after it."""
    _jobs_without_files(store, make_job)
    passes: list[int] = []

    def counted(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            passes.append(info["generation"])

    seen: list[int] = []  # how many passes had run, at each file the check looked at
    size = consistency._size

    def looked_at(layout: DataLayout, relative: str) -> int | None:
        seen.append(len(passes))
        return size(layout, relative)

    monkeypatch.setattr(consistency, "_size", looked_at)
    threshold = gc.get_threshold()
    gc.callbacks.append(counted)  # the collector's own list (a new one would not be called)
    gc.set_threshold(1)  # any allocation would start a pass
    try:
        assert gc.isenabled()
        report = check_files(store)
        assert gc.isenabled()
    finally:
        gc.set_threshold(*threshold)
        gc.callbacks.remove(counted)
    assert report.missing_files == 6
    assert len(seen) == 6
    assert seen[0] == seen[-1]  # no pass from the first file to the last


def test_the_file_checks_report_is_a_few_objects_to_the_collector(
    store: HistoryStore, make_job: MakeJob,
) -> None:
    """The report of many missing images stays a few objects the collector walks: one row
    object per image (97,297 at 100,000 generations) made the first collection after the check
    walk them all, 24–53 ms holding the GIL while the GUI thread waited."""
    jobs = [make_job(f"job {n}", images=4) for n in range(40)]
    for job in jobs:
        record = store.get(job)
        assert record is not None
        for image in record.images:
            store.layout.absolute(image.path).unlink()
    check_files(store)  # the store's statements and caches made once
    gc.collect()
    before = len(gc.get_objects())
    report = check_files(store)
    tracked = len(gc.get_objects()) - before
    assert report.missing_files == 160
    assert tracked < 40, tracked  # not one per missing image
    assert set(report.missing_jobs) == set(jobs)
    # Packed ids and a flag byte each: the collector walks the JobFlags and a few fields of it
    # (its class, the packed bytes, two empty containers), whatever the number of jobs.
    assert len(gc.get_referents(report.missing_jobs)) <= 5
