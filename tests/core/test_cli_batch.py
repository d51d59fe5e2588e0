"""generate --batch / --variables / --axis through the real CLI process and the emulator:
dry run, cost confirmation, one batch journalled and sent in order, and a kill -9 mid-batch
that `resume` finishes without sending any job twice."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
from pathlib import Path

from qwenimg_desktop.core.store.files import DataLayout
from qwenimg_desktop.core.store.history import HistoryStore
from tests.core.cli_proc import ROOT, cli_command, cli_env, run_cli
from tests.core.helpers import TEST_KEY
from tests.fixtures.emulator import EmulatorFactory


def _rows(data: Path) -> list[tuple[str, str, str | None]]:
    path = DataLayout(data).db_path
    if not path.exists():
        return []
    with sqlite3.connect(path) as conn:
        return conn.execute("SELECT id, state, batch_id FROM jobs ORDER BY seq").fetchall()


def test_dry_run_prints_every_expansion_and_the_total_and_sends_nothing(
    emulator_factory: EmulatorFactory, tmp_path: Path
) -> None:
    server = emulator_factory(valid_keys={TEST_KEY})
    data = tmp_path / "data"
    (data / "wildcards").mkdir(parents=True)
    (data / "wildcards" / "animal.txt").write_text("猫\nfox\n", encoding="utf-8")
    result = run_cli(tmp_path, "generate", "--prompt", "a {red|blue} __animal__",
                     "--variables", "all", "--axis", "seed=1-3", "--param", "num_images=2",
                     "--dry-run", "--queue-url", server.base_url, "--data-dir", str(data),
                     key=TEST_KEY)
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    jobs, total = lines[:-1], lines[-1]
    assert len(jobs) == 12
    assert jobs[0]["prompt"] == "a red 猫"
    assert jobs[0]["labels"] == ["seed 1"]
    assert jobs[-1]["prompt"] == "a blue fox"
    assert total == {"jobs": 12, "images": 24, "total_cost_usd": 1.8}
    assert "nothing sent" in result.stderr
    assert server.stats()["submits_total"] == 0
    assert _rows(data) == []


def test_malformed_variables_and_over_the_limit_send_nothing(
    emulator_factory: EmulatorFactory, tmp_path: Path
) -> None:
    server = emulator_factory(valid_keys={TEST_KEY})
    data = tmp_path / "data"
    cases = [
        (["--prompt", "a {red|blue cat", "--variables", "all"], "position 3 is never closed"),
        (["--prompt", "a __nope__", "--variables", "all"], "wildcards/nope.txt"),
        (["--prompt", "{a|b|c|d|e|f|g|h|i|j}" * 4, "--variables", "all"],
         "10,000 combinations; the limit is 1,000"),
        (["--prompt", "x", "--axis", "seed=1-600", "--axis", "format=png,jpeg"],
         "1,200 jobs; the limit is 1,000"),
    ]
    for extra, message in cases:
        result = run_cli(tmp_path, "generate", *extra, "--yes", "--queue-url", server.base_url,
                         "--data-dir", str(data), key=TEST_KEY)
        assert result.returncode != 0
        assert message in result.stderr, result.stderr
    assert server.stats()["submits_total"] == 0
    assert _rows(data) == []


def test_a_batch_is_not_sent_without_confirmation(
    emulator_factory: EmulatorFactory, tmp_path: Path
) -> None:
    server = emulator_factory(valid_keys={TEST_KEY})
    data = tmp_path / "data"
    result = run_cli(tmp_path, "generate", "--prompt", "x", "--axis", "seed=1-4",
                     "--queue-url", server.base_url, "--data-dir", str(data), key=TEST_KEY)
    assert result.returncode == 2
    assert "4 job(s), 4 image(s), about $0.30 would be sent: add --yes" in result.stderr
    assert server.stats()["submits_total"] == 0
    assert _rows(data) == []


def test_batch_file_runs_as_one_batch_in_order(
    emulator_factory: EmulatorFactory, tmp_path: Path
) -> None:
    server = emulator_factory(valid_keys={TEST_KEY})
    data = tmp_path / "data"
    batch = tmp_path / "jobs.jsonl"
    batch.write_text("\n".join([
        json.dumps({"prompt": "一只猫", "seed": 1}, ensure_ascii=False),
        "",
        json.dumps({"prompt": "a fox", "output_format": "webp"}),
        json.dumps({"prompt": "standard tier", "endpoint": "fal-ai/qwen-image-2/text-to-image"}),
    ]), encoding="utf-8")
    result = run_cli(tmp_path, "generate", "--batch", str(batch), "--yes",
                     "--queue-url", server.base_url, "--data-dir", str(data), key=TEST_KEY)
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [line["state"] for line in lines] == ["completed"] * 3
    assert len({line["batch_id"] for line in lines}) == 1
    assert lines[2]["endpoint"] == "fal-ai/qwen-image-2/text-to-image"
    rows = _rows(data)
    assert [row[0] for row in rows] == [line["id"] for line in lines]
    assert {row[2] for row in rows} == {lines[0]["batch_id"]}
    # Sent in order; two jobs are sent at once (the default concurrency), so two neighbours'
    # POSTs may reach the server in either order, never further apart.
    ids = [line["id"] for line in lines]
    sent = list(server.stats()["submits_by_job_id"])
    assert sorted(sent) == sorted(ids)
    assert all(abs(ids.index(job_id) - i) <= 1 for i, job_id in enumerate(sent))
    listed = run_cli(tmp_path, "history", "list", "--batch", lines[0]["batch_id"], "--json",
                     "--data-dir", str(data), key=None)
    assert listed.returncode == 0, listed.stderr
    assert sorted(json.loads(line)["id"] for line in listed.stdout.splitlines()) == sorted(
        line["id"] for line in lines)


def test_a_cli_grid_is_kept_for_the_window(
    emulator_factory: EmulatorFactory, tmp_path: Path
) -> None:
    server = emulator_factory(valid_keys={TEST_KEY})
    data = tmp_path / "data"
    result = run_cli(tmp_path, "generate", "--prompt", "一只猫", "--axis", "seed=1-2",
                     "--axis", "format=png,webp", "--yes", "--queue-url", server.base_url,
                     "--data-dir", str(data), key=TEST_KEY)
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    with HistoryStore.open(DataLayout(data), readonly=True) as store:
        grid = store.grid(lines[0]["batch_id"])
    assert [axis.name for axis in grid.axes] == ["seed", "format"]
    assert [cell.job_id for cell in grid.cells] == [line["id"] for line in lines]
    assert grid.cell_at("", "webp", "seed 2") == grid.cells[3]


def test_a_bad_batch_line_is_named_and_nothing_is_sent(
    emulator_factory: EmulatorFactory, tmp_path: Path
) -> None:
    server = emulator_factory(valid_keys={TEST_KEY})
    batch = tmp_path / "jobs.jsonl"
    batch.write_text('{"prompt": "ok"}\n{"prompt": "bad", "num_images": "two"}\n',
                     encoding="utf-8")
    result = run_cli(tmp_path, "generate", "--batch", str(batch), "--yes", "--queue-url",
                     server.base_url, "--data-dir", str(tmp_path / "data"), key=TEST_KEY)
    assert result.returncode == 2
    assert "jobs.jsonl line 2: num_images" in result.stderr
    assert server.stats()["submits_total"] == 0


def test_kill_minus_9_mid_batch_then_resume_sends_no_job_twice_and_keeps_order(
    emulator_factory: EmulatorFactory, tmp_path: Path
) -> None:
    # Held running until the kill: the first jobs keep the send slots, so a kill that lands late
    # on a loaded machine still finds most of the batch unsent.
    server = emulator_factory({"run_time": 0.4, "hold": ["run"]}, valid_keys={TEST_KEY})
    data = tmp_path / "data"
    proc = subprocess.Popen(
        cli_command("generate", "--prompt", "lighthouse {dawn|dusk}", "--variables", "all",
                    "--axis", "seed=1-4", "--yes", "--queue-url", server.base_url,
                    "--data-dir", str(data)),
        env=cli_env(tmp_path, TEST_KEY), cwd=ROOT, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True,
    )
    assert proc.stderr is not None
    for line in proc.stderr:
        if "submitted (request" in line:  # the batch is journalled, sending has begun
            break
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=10)
    proc.stderr.close()
    assert proc.stdout is not None
    proc.stdout.close()
    rows = _rows(data)
    assert len(rows) == 8  # the whole batch was journalled before the first send
    assert len({row[2] for row in rows}) == 1
    order = [row[0] for row in rows]
    sent_before = dict(server.stats()["submits_by_job_id"])
    assert 1 <= len(sent_before) < 8
    server.set_scenario({"hold": []}, merge=True)

    # A kill that lands between a job's `sending` commit and its POST's arrival leaves a lost
    # submit that never reached fal: `resume` looks for it in fal's request history, by default
    # for 10 minutes (past run_cli's 60 s: this test failed so on a loaded machine). A short
    # look still finds a POST that did arrive, and still never sends anything twice.
    resumed = run_cli(tmp_path, "resume", "--queue-url", server.base_url, "--data-dir",
                      str(data), "--lookup-seconds", "3", key=TEST_KEY)
    assert resumed.returncode in (0, 1), resumed.stderr
    stats = server.stats()
    assert set(stats["submits_by_job_id"].values()) == {1}  # no job sent twice
    # Sent in queue order. Two jobs are sent at once (the engine's default concurrency), so two
    # neighbours' POSTs may reach the server in either order, never further apart.
    sent = list(stats["submits_by_job_id"])
    expected = [job_id for job_id in order if job_id in stats["submits_by_job_id"]]
    assert sorted(sent) == sorted(expected)
    assert all(abs(expected.index(job_id) - i) <= 1 for i, job_id in enumerate(sent))
    # Before the kill only the head of the queue had been sent.
    assert set(sent_before) <= set(order[:len(sent_before) + 1])
    states = {row[1] for row in _rows(data)}
    assert states <= {"completed", "unknown"}  # a kill mid-POST is flagged, never re-sent


def test_a_batch_over_a_budget_cap_is_refused_whole_unless_allowed(
    emulator_factory: EmulatorFactory, tmp_path: Path
) -> None:
    """The app's daily cap ($0.20) holds for the CLI too: three pro images ($0.225) are
    refused with the reason and nothing journalled or sent; --allow-over-budget sends them."""
    server = emulator_factory(valid_keys={TEST_KEY})
    data = tmp_path / "data"
    (data / "config").mkdir(parents=True)
    (data / "config" / "settings.json").write_text(json.dumps({"daily_cap_usd": 0.2}),
                                                    encoding="utf-8")
    args = ["generate", "--prompt", "a {red|blue|green} kite", "--variables", "all", "--yes",
            "--queue-url", server.base_url, "--data-dir", str(data)]
    refused = run_cli(tmp_path, *args, key=TEST_KEY)
    assert refused.returncode == 1, refused.stderr
    assert "not sent: 3 job(s), 3 image(s), about $0.23" in refused.stderr
    assert "would pass today's cap of $0.20" in refused.stderr
    assert "--allow-over-budget" in refused.stderr
    assert server.stats()["submits_total"] == 0
    assert _rows(data) == []

    allowed = run_cli(tmp_path, *args, "--allow-over-budget", key=TEST_KEY, timeout=120)
    assert allowed.returncode == 0, allowed.stderr
    assert server.stats()["submits_total"] == 3
    assert [state for _id, state, _batch in _rows(data)] == ["completed"] * 3
