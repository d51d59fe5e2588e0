"""The spend ledger: real jobs against the emulator, read back by the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from qwenimg_desktop.core.jobs import events as ev
from qwenimg_desktop.core.params import GenerationRequest
from qwenimg_desktop.core.store.spend import job_cost
from tests.core.cli_proc import run_cli
from tests.core.conftest import EngineFactory
from tests.fixtures.emulator import EmulatorFactory

PRO = "fal-ai/qwen-image-2/pro/text-to-image"
STD = "fal-ai/qwen-image-2/text-to-image"


def test_costs_as_fal_bills_them() -> None:
    assert job_cost("completed", None, 0.15, 2, 2) == pytest.approx(0.15)
    assert job_cost("completed", None, 0.30, 4, 3) == pytest.approx(0.225)  # images returned
    assert job_cost("failed", "not_downloaded", 0.15, 2, 0) == pytest.approx(0.15)  # paid
    assert job_cost("failed", "ValidationFailed", 0.075, 1, 0) is None  # a 422 may be billed
    assert job_cost("failed", "InfrastructureFailed", 0.075, 1, 0) == 0.0  # 5xx: not billed
    assert job_cost("cancelled", None, 0.075, 1, 0) == 0.0
    assert job_cost("unknown", "submission_unknown", 0.075, 1, 0) is None  # never zero


def test_cli_spend_sums_completed_jobs_and_counts_unknown_apart(
    emulator_factory: EmulatorFactory, engine_factory: EngineFactory, tmp_path: Path
) -> None:
    server = emulator_factory({"server_error": {"next_n": 1, "status": 500,
                                                "routes": ["submit"]}})
    data = tmp_path / "data"
    engine, log = engine_factory(server.base_url, root=data, make_thumbnails=False)
    lost = engine.submit(GenerationRequest(prompt="lost", seed=1))  # ends unknown
    assert isinstance(log.wait_final(lost, timeout=30), ev.Failed)
    jobs = [engine.submit(GenerationRequest(prompt="two", num_images=2, seed=2)),
            engine.submit(GenerationRequest(endpoint=STD, prompt="one", seed=3))]
    for job in jobs:
        assert isinstance(log.wait_final(job), ev.Completed)
    engine.shutdown()
    done = run_cli(tmp_path, "spend", "--json", "--data-dir", str(data), key=None)
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout)
    assert summary["all_time"] == pytest.approx(2 * 0.075 + 0.035)
    assert summary["today"] == pytest.approx(summary["all_time"])
    assert summary["by_endpoint"] == {PRO: pytest.approx(0.15), STD: pytest.approx(0.035)}
    assert summary["unknown_jobs"] == 1
    assert summary["images"] == 3
    table = run_cli(tmp_path, "spend", "--csv", "--data-dir", str(data), key=None)
    lines = table.stdout.strip().splitlines()
    assert lines[0].startswith("job_id,")
    assert len(lines) == 4
    assert any(line.endswith(",") for line in lines[1:])  # the unknown cost is empty, not 0
