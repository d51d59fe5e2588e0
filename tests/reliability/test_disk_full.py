"""A full disk during an image write: a clear message, no partial file, and nothing lost: the
paid result is fetched again by Re-download, never submitted (and charged) twice."""

from __future__ import annotations

from pathlib import Path

from qwenimg_desktop.core.jobs import events as ev
from qwenimg_desktop.core.params import CustomSize, GenerationRequest
from qwenimg_desktop.core.store.files import DataLayout
from tests.core.conftest import EngineFactory
from tests.fixtures.disk import DISK_KB, fill, free_kb
from tests.fixtures.emulator import EmulatorFactory
from tests.reliability.support import integrity, media_files, partial_files, record_figures, rows

FREE_KB = 320  # room for the journal's commits, not for four 2048² PNGs (~146 KB each)


def test_disk_full_during_image_write_is_clear_leaves_no_partial_and_loses_nothing(
    small_disk: Path, emulator_factory: EmulatorFactory, engine_factory: EngineFactory,
) -> None:
    server = emulator_factory()
    layout = DataLayout(small_disk / "data")
    engine, log = engine_factory(server.base_url, root=layout.root)
    filler = fill(small_disk, FREE_KB)
    free_before = free_kb(small_disk)
    request = GenerationRequest(
        prompt="a big picture", image_size=CustomSize(width=2048, height=2048), num_images=4,
        seed=3,
    )  # fmt: skip
    job_id = engine.submit(request)
    final = log.wait_final(job_id)

    assert isinstance(final, ev.Failed), final
    assert final.kind == "PaidNotDownloaded"  # paid: Re-download is offered, never a retry
    assert "disk is full" in final.reason
    assert "Re-download" in final.reason
    assert partial_files(small_disk) == []
    assert not any(layout.tmp_dir.iterdir())
    kept = media_files(layout.images_dir)
    state = rows(layout.db_path, "SELECT state, error, request_id FROM jobs WHERE id = ?",
                 [job_id])[0]
    assert state["request_id"]  # the money is recorded: the request can be fetched again
    assert state["state"] in {"failed", "fetching"}
    if state["state"] == "failed":
        assert "disk is full" in state["error"]
        assert kept == set()  # a failed job keeps no image without a row
    engine.shutdown()

    # Make room again: a restart finishes a job left "fetching"; a failed one is fetched again
    # by Re-download (the same request id: no second submit, no second charge).
    filler.unlink()
    again, log2 = engine_factory(server.base_url, root=layout.root)
    if state["state"] == "fetching":
        done = log2.wait_final(job_id)
    else:
        again.redownload(job_id)
        restored = log2.wait_for(job_id, ev.FilesRestored)
        assert isinstance(restored, ev.FilesRestored)
        assert (restored.restored, restored.error) == (4, "")
        done = log2.wait_final(job_id)
    assert isinstance(done, ev.Completed), done
    assert len(done.image_paths) == 4
    assert integrity(layout.db_path) == [("ok",)]
    referenced = {r["path"] for r in rows(layout.db_path, "SELECT path FROM images")}
    assert media_files(layout.images_dir) == referenced
    assert server.stats()["submits_total"] == 1
    record_figures("disk_full", {
        "disk_kb": DISK_KB,
        "free_kb_before_job": free_before,
        "failure": final.reason,
        "row_state_after_failure": state["state"],
        "recovered_by": "resume" if state["state"] == "fetching" else "re-download",
        "partial_files": 0,
        "images_kept_after_failure": len(kept),
    })
