"""Crash recovery: kill -9 mid-job, restart, finish without a second submit."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
from pathlib import Path

import pytest

from qwenimg_desktop.core.jobs import events as ev
from qwenimg_desktop.core.jobs.model import JobState
from qwenimg_desktop.core.params import GenerationRequest
from qwenimg_desktop.core.store.files import DataLayout
from qwenimg_desktop.core.store.history import HistoryStore
from tests.core.cli_proc import ROOT, cli_command, cli_env, run_cli
from tests.core.conftest import EngineFactory
from tests.core.helpers import TEST_KEY
from tests.fixtures.emulator import EmulatorFactory

pytestmark = pytest.mark.posix  # kills with SIGKILL


def _state(db: Path, job_id: str) -> tuple[str, str | None]:
    with sqlite3.connect(db) as conn:
        row = conn.execute("SELECT state, request_id FROM jobs WHERE id = ?", (job_id,)).fetchone()
    assert row is not None
    return row[0], row[1]


def test_kill_mid_job_then_resume_finishes_without_resubmitting(
    emulator_factory: EmulatorFactory, tmp_path: Path
) -> None:
    # Held running until the kill is done: a time-bound run can end first on a loaded machine.
    server = emulator_factory({"run_time": 2.0, "hold": ["run"]}, valid_keys={TEST_KEY})
    data = tmp_path / "data"
    proc = subprocess.Popen(
        cli_command(
            "generate",
            "--prompt",
            "a lighthouse, 灯塔",
            "--param",
            "num_images=2",
            "--queue-url",
            server.base_url,
            "--data-dir",
            str(data),
        ),
        env=cli_env(tmp_path, TEST_KEY),
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stderr is not None
    job_id = ""
    for line in proc.stderr:
        if line.startswith("job "):
            job_id = line.split()[1]
        if "log: " in line:  # running on the server: well past the submit
            break
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=10)
    proc.stderr.close()
    assert proc.stdout is not None
    proc.stdout.close()
    assert proc.returncode == -signal.SIGKILL
    state, request_id = _state(DataLayout(data).db_path, job_id)
    assert state in {"submitted", "queued", "running"}
    assert request_id
    server.set_scenario({"hold": []}, merge=True)

    resumed = run_cli(
        tmp_path, "resume", "--queue-url", server.base_url, "--data-dir", str(data), key=TEST_KEY
    )
    assert resumed.returncode == 0, resumed.stderr
    line = json.loads(resumed.stdout.strip().splitlines()[-1])
    assert line["id"] == job_id
    assert line["state"] == "completed"
    assert len(line["images"]) == 2
    for rel in line["images"]:
        assert Path(rel).is_file()
    stats = server.stats()
    assert stats["submits_by_job_id"] == {job_id: 1}
    assert stats["submits_total"] == 1
    with sqlite3.connect(DataLayout(data).db_path) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    assert not list(data.rglob("*.partial"))


def test_interrupted_send_is_flagged_and_pending_is_sent_once(
    emulator_factory: EmulatorFactory, engine_factory: EngineFactory, tmp_path: Path
) -> None:
    server = emulator_factory()
    layout = DataLayout(tmp_path / "data").ensure()
    with HistoryStore.open(layout) as store:
        unsure = store.create_pending(
            GenerationRequest(prompt="was sending"), queue_base=server.base_url, cost_estimate=0.075
        )
        store.mark_sending(unsure)
        never_sent = store.create_pending(
            GenerationRequest(prompt="never left"), queue_base=server.base_url, cost_estimate=0.075
        )
    engine, log = engine_factory(server.base_url, root=layout.root)
    assert isinstance(log.wait_final(never_sent), ev.Completed)
    flagged = log.wait_final(unsure)
    assert isinstance(flagged, ev.Failed)
    assert flagged.kind == "SubmissionUnknown"
    assert engine.flagged_unknown == [unsure]
    stats = server.stats()
    assert stats["submits_by_job_id"] == {never_sent: 1}
    assert _state(layout.db_path, unsure) == (JobState.unknown.value, None)


def test_second_engine_on_the_same_data_dir_does_not_resume(
    emulator_factory: EmulatorFactory, engine_factory: EngineFactory, tmp_path: Path
) -> None:
    server = emulator_factory({"queue_delay": 0.3})
    root = tmp_path / "shared"
    first, log = engine_factory(server.base_url, root=root)
    job_id = first.submit(GenerationRequest(prompt="owned by the first engine"))
    log.wait_for(job_id, ev.Submitted)
    second, _ = engine_factory(server.base_url, root=root)
    assert second.recovered == []
    assert isinstance(log.wait_final(job_id), ev.Completed)
    assert server.stats()["submits_total"] == 1
