"""The headless CLI as a user runs it: a real subprocess, emulator, SQLite file, images."""

from __future__ import annotations

import io
import json
import random
import sqlite3
import time
import uuid
from pathlib import Path

import pytest
from PIL import Image

from qwenimg_desktop.cli import main, parse_param
from qwenimg_desktop.core.store.files import DataLayout
from qwenimg_desktop.core.store.history import HistoryStore
from qwenimg_desktop.core.store.queries import HistoryQuery
from tests.core.cli_proc import run_cli
from tests.core.helpers import TEST_KEY
from tests.fixtures.emulator import EmulatorFactory
from tests.fixtures.webhook import WebhookReceiver

PROMPT = """# 海边的灯塔 Lighthouse
## Scene
- a lighthouse at dusk, 可爱的猫 on the rocks
## Style
- watercolor, soft light
"""


def test_generate_then_browse_history(emulator_factory: EmulatorFactory, tmp_path: Path) -> None:
    server = emulator_factory(valid_keys={TEST_KEY})
    prompt_file = tmp_path / "prompt.md"
    prompt_file.write_text(PROMPT, encoding="utf-8")
    data = tmp_path / "data"
    common = ("--queue-url", server.base_url, "--data-dir", str(data))
    done = run_cli(
        tmp_path,
        "generate",
        "--prompt-file",
        str(prompt_file),
        "--param",
        "seed=1234",
        "--param",
        "image_size=768x512",
        "--param",
        "output_format=jpeg",
        *common,
        key=TEST_KEY,
    )
    assert done.returncode == 0, done.stderr
    assert "submitted" in done.stderr
    assert "completed" in done.stderr
    out = json.loads(done.stdout)
    assert out["seed"] == 1234
    assert out["state"] == "completed"
    with Image.open(out["images"][0]) as img:
        assert (img.format, img.size) == ("JPEG", (768, 512))
    assert TEST_KEY not in done.stdout + done.stderr

    listed = run_cli(tmp_path, "history", "list", "--json", "--data-dir", str(data), key=None)
    assert listed.returncode == 0, listed.stderr
    rows = [json.loads(line) for line in listed.stdout.splitlines()]
    assert [r["id"] for r in rows] == [out["id"]]

    found = run_cli(tmp_path, "history", "search", "可爱的猫", "--data-dir", str(data), key=None)
    assert out["id"][:12] in found.stdout
    short = run_cli(tmp_path, "history", "search", "灯塔", "--data-dir", str(data), key=None)
    assert out["id"][:12] in short.stdout
    missing = run_cli(tmp_path, "history", "search", "zebra", "--data-dir", str(data), key=None)
    assert missing.stdout == ""
    assert "no matching" in missing.stderr

    shown = run_cli(
        tmp_path, "history", "show", out["id"][:8], "--json", "--data-dir", str(data), key=None
    )
    detail = json.loads(shown.stdout)
    assert detail["request"]["prompt"] == PROMPT
    assert detail["request"]["image_size"] == {"width": 768, "height": 512}
    text = run_cli(tmp_path, "history", "show", out["id"], "--data-dir", str(data), key=None)
    assert "seed:        1234" in text.stdout
    assert "log: " in text.stdout


def test_invalid_parameters_exit_2_and_send_nothing(
    emulator_factory: EmulatorFactory, tmp_path: Path
) -> None:
    server = emulator_factory()
    done = run_cli(
        tmp_path,
        "generate",
        "--prompt",
        "x",
        "--param",
        "image_size=100x100",
        "--param",
        "seed=-4",
        "--queue-url",
        server.base_url,
        "--data-dir",
        str(tmp_path / "d"),
        key=TEST_KEY,
    )
    assert done.returncode == 2
    assert "image_size: 100×100 is 10,000 pixels" in done.stderr
    assert "seed:" in done.stderr
    assert "Traceback" not in done.stderr
    assert server.stats()["submit_attempts"] == 0


def test_missing_key_exit_2_with_next_step(
    emulator_factory: EmulatorFactory, tmp_path: Path
) -> None:
    server = emulator_factory()
    done = run_cli(tmp_path, "generate", "--prompt", "x", "--queue-url", server.base_url, key=None)
    assert done.returncode == 2
    assert "no fal API key" in done.stderr
    assert server.stats()["submit_attempts"] == 0


def test_failed_job_exit_1_with_reason(emulator_factory: EmulatorFactory, tmp_path: Path) -> None:
    server = emulator_factory(valid_keys={"other:key"})
    done = run_cli(
        tmp_path,
        "generate",
        "--prompt",
        "x",
        "--queue-url",
        server.base_url,
        "--data-dir",
        str(tmp_path / "d"),
        key=TEST_KEY,
    )
    assert done.returncode == 1
    out = json.loads(done.stdout)
    assert out["state"] == "failed"
    assert "rejected the API key" in out["error"]
    assert TEST_KEY not in done.stdout + done.stderr


@pytest.mark.parametrize(
    ("url", "message"),
    [("http://example.com", "plain http"), ("ftp://x", "not an http")],
)
def test_bad_queue_url(tmp_path: Path, url: str, message: str) -> None:
    done = run_cli(tmp_path, "generate", "--prompt", "x", "--queue-url", url, key=TEST_KEY)
    assert done.returncode == 2
    assert message in done.stderr


@pytest.mark.parametrize(
    ("item", "expected"),
    [
        ("seed=42", ("seed", 42)),
        ("image_size=1024x768", ("image_size", {"width": 1024, "height": 768})),
        ("image_size=landscape_4_3", ("image_size", "landscape_4_3")),
        ("enable_safety_checker=false", ("enable_safety_checker", False)),
        ("negative_prompt=blurry, dark", ("negative_prompt", "blurry, dark")),
    ],
)
def test_parse_param(item: str, expected: tuple[str, object]) -> None:
    assert parse_param(item) == expected


def _fill_history(data: Path, ids: list[str]) -> None:
    """A history of ``ids`` written straight into a real database (50,000 jobs in a second)."""
    layout = DataLayout(data).ensure()
    HistoryStore.open(layout).close()
    conn = sqlite3.connect(layout.db_path)
    try:
        with conn:
            conn.executemany(
                "INSERT INTO jobs (id, created_at, updated_at, state, request_json, prompt)"
                " VALUES (?, ?, ?, 'completed', '{\"prompt\": \"p\"}', 'p')",
                [(job_id, 1000.0 + i, 1000.0 + i) for i, job_id in enumerate(ids)],
            )
    finally:
        conn.close()


def test_show_finds_an_id_prefix_with_one_index_range(
    tmp_path: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    rng = random.Random(15)
    planted = ["abcdef01" + "0" * 24, "abcdef02" + "0" * 24, "fedcba98" + "1" * 24]
    others = [uuid.UUID(int=rng.getrandbits(128)).hex for _ in range(50_000)]
    others = [o for o in others if not o.startswith(("abcdef0", "fedcba9"))]
    _fill_history(tmp_path / "data", others[:25_000] + planted + others[25_000:])

    def show(ident: str) -> tuple[int, str, str]:
        out = io.StringIO()
        code = main(["history", "show", ident, "--json", "--data-dir", str(tmp_path / "data")],
                     out=out)
        return code, out.getvalue(), capsys.readouterr().err

    started = time.perf_counter()
    code, out, _ = show("fedcba9")
    elapsed = time.perf_counter() - started
    assert code == 0
    assert json.loads(out)["id"] == planted[2]
    # Loading every record to match the prefix took seconds at this size; the index range
    # takes milliseconds, so even a loaded machine stays far below this bound.
    assert elapsed < 1.0

    code, out, err = show("abcdef0")
    assert code == 1
    assert out == ""
    assert "id prefix 'abcdef0' is ambiguous (2 matches)" in err
    assert show("abcdef02")[0] == 0
    code, _, err = show("abcdef03")
    assert code == 1
    assert "no generation with id 'abcdef03'" in err

    query = HistoryQuery(id_prefix="abcdef0")
    conn = sqlite3.connect(DataLayout(tmp_path / "data").db_path)
    try:
        for sql, params in (query.keys_sql(after=None, limit=2), query.count_sql()):
            plan = " / ".join(str(row[3]) for row in conn.execute(
                f"EXPLAIN QUERY PLAN {sql}", params))
            assert "INDEX sqlite_autoindex_jobs_1 (id>? AND id<?)" in plan, plan
            assert "SCAN" not in plan, plan
    finally:
        conn.close()


def test_a_malformed_key_is_refused_before_any_request(
    emulator_factory: EmulatorFactory, tmp_path: Path
) -> None:
    server = emulator_factory()
    done = run_cli(tmp_path, "generate", "--prompt", "x", "--queue-url", server.base_url,
                   key="nocolon-key-value")
    assert done.returncode == 2
    assert "<key_id>:<key_secret>" in done.stderr
    assert "FAL_KEY" in done.stderr
    assert "nocolon-key-value" not in done.stderr
    assert server.requests() == []


def test_the_key_id_and_secret_pair_is_read_as_fals_clients_do(
    emulator_factory: EmulatorFactory, tmp_path: Path
) -> None:
    key_id, secret = TEST_KEY.split(":", 1)
    server = emulator_factory(valid_keys={TEST_KEY})
    done = run_cli(tmp_path, "generate", "--prompt", "x", "--queue-url", server.base_url,
                   "--data-dir", str(tmp_path / "d"), key=None,
                   env={"FAL_KEY_ID": key_id, "FAL_KEY_SECRET": secret})
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["state"] == "completed"
    assert secret not in done.stdout + done.stderr


def test_a_long_prompt_is_sent_with_a_note(
    emulator_factory: EmulatorFactory, tmp_path: Path
) -> None:
    server = emulator_factory(valid_keys={TEST_KEY})
    done = run_cli(tmp_path, "generate", "--prompt", "p" * 1000, "--queue-url", server.base_url,
                   "--data-dir", str(tmp_path / "d"), key=TEST_KEY)
    assert done.returncode == 0, done.stderr
    assert "note: prompt: 1,000 characters: fal publishes no prompt limit" in done.stderr
    assert server.stats()["submits_total"] == 1


def test_generate_with_a_webhook(
    emulator_factory: EmulatorFactory, tmp_path: Path, webhook_receiver: WebhookReceiver
) -> None:
    server = emulator_factory(valid_keys={TEST_KEY})
    done = run_cli(tmp_path, "generate", "--prompt", "x", "--webhook", webhook_receiver.url,
                   "--queue-url", server.base_url, "--data-dir", str(tmp_path / "d"),
                   key=TEST_KEY)
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert out["state"] == "completed"
    assert webhook_receiver.wait()[0]["status"] == "OK"
    assert "fal_webhook=" in server.requests("submit")[0]["target"]
