"""Engine services for the history: re-download of missing images, repair of a corrupt journal."""

from __future__ import annotations

from pathlib import Path

from qwenimg_desktop.core.jobs import events as ev
from qwenimg_desktop.core.jobs.engine import JobEngine
from qwenimg_desktop.core.params import GenerationRequest
from qwenimg_desktop.core.store.files import DataLayout
from qwenimg_desktop.core.store.metadata import read_metadata
from qwenimg_desktop.emulator.server import EmulatorServer
from tests.core.conftest import EngineFactory
from tests.core.helpers import EventLog
from tests.fixtures.emulator import EmulatorFactory

REQUEST = GenerationRequest(prompt="re-download me, 再下载一次", seed=5, num_images=2)


def _completed_job(
    emulator_factory: EmulatorFactory, engine_factory: EngineFactory
) -> tuple[EmulatorServer, JobEngine, EventLog, ev.Completed]:
    """A started engine and emulator, and one job of REQUEST run to completion."""
    server = emulator_factory()
    engine, log = engine_factory(server.base_url)
    final = log.wait_final(engine.submit(REQUEST))
    assert isinstance(final, ev.Completed)
    return server, engine, log, final


def test_redownload_restores_a_deleted_image(
    emulator_factory: EmulatorFactory, engine_factory: EngineFactory
) -> None:
    _server, engine, log, final = _completed_job(emulator_factory, engine_factory)
    job_id = final.job_id
    lost = Path(final.image_paths[1])
    kept = Path(final.image_paths[0])
    kept_bytes = kept.read_bytes()
    lost.unlink()
    engine.redownload(job_id)
    restored = log.wait_for(job_id, ev.FilesRestored)
    assert isinstance(restored, ev.FilesRestored)
    assert restored.error == ""
    assert restored.restored == 1
    assert lost.is_file()
    assert kept.read_bytes() == kept_bytes  # present files are not fetched again
    meta = read_metadata(lost)
    assert meta is not None
    assert meta.seed == 5


def test_redownload_of_an_expired_job_says_why(
    emulator_factory: EmulatorFactory, engine_factory: EngineFactory
) -> None:
    server, engine, log, final = _completed_job(emulator_factory, engine_factory)
    job_id = final.job_id
    Path(final.image_paths[0]).unlink()
    server.set_scenario({"expired_media": {"probability": 1.0}}, merge=True)
    engine.redownload(job_id)
    restored = log.wait_for(job_id, ev.FilesRestored)
    assert isinstance(restored, ev.FilesRestored)
    assert restored.restored == 0
    assert "no longer available" in restored.error


def test_corrupt_journal_is_moved_aside_when_asked(
    emulator_factory: EmulatorFactory, engine_factory: EngineFactory, tmp_path: Path
) -> None:
    layout = DataLayout(tmp_path / "data").ensure()
    layout.db_path.write_bytes(b"this is not a database at all" * 100)
    server = emulator_factory()
    engine, log = engine_factory(server.base_url, root=layout.root, repair_corrupt=True)
    engine.wait_ready(10)
    assert engine.notice is not None
    assert "moved" in engine.notice
    moved = [p for p in layout.root.iterdir() if p.name.startswith("history.corrupt-")]
    assert len(moved) == 1
    assert moved[0].read_bytes().startswith(b"this is not a database")
    job_id = engine.submit(GenerationRequest(prompt="fresh start"))
    assert isinstance(log.wait_final(job_id), ev.Completed)
