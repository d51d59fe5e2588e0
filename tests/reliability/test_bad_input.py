"""Bad input: invalid parameters, hostile downloads and file names, a corrupt database."""

from __future__ import annotations

import base64
import io
import json
import struct
import zlib
from pathlib import Path
from typing import Any, Final

import pytest
from PIL import Image
from pydantic import ValidationError

from qwenimg_desktop import cli
from qwenimg_desktop.core.jobs import events as ev
from qwenimg_desktop.core.params import MAX_PROMPT_CHARS, GenerationRequest, field_errors
from qwenimg_desktop.core.store import db
from qwenimg_desktop.core.store.files import DataLayout
from qwenimg_desktop.core.store.history import HistoryStore
from tests.core.cli_proc import run_cli
from tests.core.conftest import EngineFactory
from tests.core.helpers import TEST_KEY
from tests.fixtures.emulator import EmulatorFactory
from tests.fixtures.store import damage_pages
from tests.reliability.mini_queue import MiniQueue
from tests.reliability.support import partial_files, record_figures, rows

SECRET_WORD: Final = "zebra-canary-4711"  # must never be echoed back in an error message
# (field values, the field path the error must name)
INVALID: Final[list[tuple[dict[str, Any], str]]] = [
    ({"prompt": ""}, "prompt"),
    ({"prompt": "   \n\t "}, "prompt"),
    ({"prompt": None}, "prompt"),
    ({"prompt": 42}, "prompt"),
    ({"prompt": SECRET_WORD * 2000}, "prompt"),  # 34,000 characters: over the 20,000 cap
    ({"negative_prompt": SECRET_WORD * 40}, "negative_prompt"),
    ({"negative_prompt": ["a"]}, "negative_prompt"),
    ({"image_size": "huge"}, "image_size"),
    ({"image_size": {"width": 100, "height": 100}}, "image_size"),
    ({"image_size": {"width": 4096, "height": 4096}}, "image_size"),
    ({"image_size": {"width": 0, "height": 4096}}, "image_size.width"),
    ({"image_size": {"width": -5, "height": 1024}}, "image_size.width"),
    ({"image_size": {"width": 1024}}, "image_size.height"),
    ({"image_size": {"width": "wide", "height": 1024}}, "image_size.width"),
    ({"image_size": {"width": 1024, "height": 1024, "depth": 3}}, "image_size.depth"),
    ({"image_size": 7}, "image_size"),
    ({"seed": -1}, "seed"),
    ({"seed": 2**31}, "seed"),
    ({"seed": 1.5}, "seed"),
    ({"seed": SECRET_WORD}, "seed"),
    ({"num_images": 0}, "num_images"),
    ({"num_images": 5}, "num_images"),
    ({"num_images": "two"}, "num_images"),
    ({"output_format": "gif"}, "output_format"),
    ({"output_format": SECRET_WORD}, "output_format"),
    ({"enable_prompt_expansion": "maybe"}, "enable_prompt_expansion"),
    ({"enable_safety_checker": 3}, "enable_safety_checker"),
    ({"sync_mode": "sometimes"}, "sync_mode"),
    ({"guidance_scale": 4.5}, "guidance_scale"),
]


def _case_id(case: tuple[dict[str, Any], str]) -> str:
    return f"{case[1]}={str(next(iter(case[0].values())))[:12]}"


@pytest.mark.parametrize("case", INVALID, ids=[_case_id(c) for c in INVALID])
def test_every_invalid_parameter_names_its_field_and_echoes_nothing(
    case: tuple[dict[str, Any], str],
) -> None:
    values, path = case
    with pytest.raises(ValidationError) as info:
        GenerationRequest.model_validate({"prompt": "a cat", **values})
    problems = field_errors(info.value)
    assert path in [p.path for p in problems], problems
    assert all(p.message for p in problems)
    assert SECRET_WORD not in str(info.value)
    assert all(SECRET_WORD not in p.message for p in problems)


def _cli_args(values: dict[str, Any]) -> list[str]:
    args: list[str] = []
    for key, value in values.items():
        if key == "prompt":
            continue
        shown = value if isinstance(value, str) else json.dumps(value)
        args += ["--param", f"{key}={shown}"]
    return args


def test_cli_refuses_each_invalid_parameter_with_exit_2_and_sends_nothing(
    emulator_factory: EmulatorFactory, tmp_path: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    server = emulator_factory()
    base = ["generate", "--queue-url", server.base_url, "--data-dir", str(tmp_path / "d")]
    refused = 0
    for values, path in INVALID:
        if any(key in values and not isinstance(values[key], str)
               for key in ("prompt", "negative_prompt")):
            continue  # text fields take the command line's text as written: it is always text
        prompt = values.get("prompt", "a cat")
        code = cli.main([*base, "--prompt", prompt, *_cli_args(values)])
        err = capsys.readouterr().err
        assert code == cli.EXIT_USAGE, (values, err)
        assert "invalid request" in err
        assert f"  {path}: " in err, err
        assert SECRET_WORD not in err
        assert "Traceback" not in err
        refused += 1
    # A prompt file larger than the cap, through a real process.
    big = tmp_path / "prompt.md"
    big.write_text("# 提示\n" + "长" * (MAX_PROMPT_CHARS + 1), encoding="utf-8")
    done = run_cli(tmp_path, *base, "--prompt-file", str(big), key=TEST_KEY)
    assert done.returncode == cli.EXIT_USAGE
    assert "prompt: String should have at most 20000 characters" in done.stderr
    assert "长长长" not in done.stderr
    stats = server.stats()
    assert stats["submit_attempts"] == 0
    assert not (tmp_path / "d" / "history.sqlite3").exists() or not rows(
        tmp_path / "d" / "history.sqlite3", "SELECT id FROM jobs")
    record_figures("bad_params", {"model_cases": len(INVALID), "cli_cases": refused + 1,
                                  "submit_attempts": stats["submit_attempts"]})


# ---- hostile downloads, through the real engine -----------------------------------------------


def _png(width: int = 64, height: int = 48) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (width, height), (30, 140, 90)).save(buf, "PNG")
    return buf.getvalue()


def _bomb_png(side: int = 60_000) -> bytes:
    """A PNG of a few hundred bytes that claims (and zlib-expands to) a gigapixel canvas."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(
            ">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    ihdr = struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0)
    idat = zlib.compress(b"\x00" * (side // 8 + 1) * 64, 9)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


HOSTILE: Final[dict[str, tuple[str, bytes, str]]] = {
    # name: (content type served, bytes, what the failure reason must say)
    "html": ("image/png", b"<html><script>alert(1)</script></html>", "not a valid image"),
    "bomb": ("image/png", _bomb_png(), "decompression bomb"),
    "truncated": ("image/png", _png()[:-40], "not a valid image"),
    "wrong-type": ("image/png", b"GIF89a" + b"\x00" * 64, "not a valid image"),
    "jpeg-as-png": ("image/png", b"", "expected a PNG image but got JPEG"),
}


def _jpeg() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (32, 32), (1, 2, 3)).save(buf, "JPEG")
    return buf.getvalue()


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_download_fails_the_job_with_a_reason_and_leaves_no_file(
    engine_factory: EngineFactory, name: str, tmp_path: Path,
) -> None:
    content_type, data, reason = HOSTILE[name]
    data = data or _jpeg()
    with MiniQueue(media={"/media/0.png": (content_type, data)}) as queue:
        queue.images = [{"url": f"{queue.base_url}/media/0.png", "content_type": "image/png"}]
        engine, log = engine_factory(queue.base_url, use_stream=False)
        job_id = engine.submit(GenerationRequest(prompt=f"hostile {name}"))
        final = log.wait_final(job_id)
    assert isinstance(final, ev.Failed), final
    assert final.kind == "PaidNotDownloaded"  # fal made the result: Re-download, never a retry
    assert reason in final.reason
    row = rows(engine.layout.db_path, "SELECT state, error FROM jobs WHERE id = ?", [job_id])[0]
    assert row["state"] == "failed"
    assert reason in row["error"]
    assert [p for p in engine.layout.images_dir.rglob("*") if p.is_file()] == []
    assert partial_files(tmp_path) == []


def test_inline_bomb_and_oversized_inline_image_are_refused(
    engine_factory: EngineFactory, tmp_path: Path,
) -> None:
    bomb = f"data:image/png;base64,{base64.b64encode(_bomb_png()).decode()}"
    huge = "data:image/png;base64," + "A" * (90 * 1024 * 1024)  # over the 64 MiB cap
    with MiniQueue() as queue:
        queue.images = [{"url": bomb, "content_type": "image/png"}]
        engine, log = engine_factory(queue.base_url, use_stream=False)
        first = log.wait_final(engine.submit(GenerationRequest(prompt="inline bomb")))
        queue.images = [{"url": huge, "content_type": "image/png"}]
        # Inline images come with sync_mode (whose results may be large); a result without it
        # is refused past 1 MiB before any image is looked at (test_hostile_queue.py).
        second = log.wait_final(engine.submit(GenerationRequest(prompt="inline huge",
                                                                sync_mode=True)))
    assert isinstance(first, ev.Failed)
    assert "decompression bomb" in first.reason
    assert isinstance(second, ev.Failed)
    assert "larger than the 67,108,864-byte limit" in second.reason
    assert [p for p in engine.layout.images_dir.rglob("*") if p.is_file()] == []
    assert partial_files(tmp_path) == []


@pytest.mark.parametrize("file_name", [
    "../../../../escape-rel.png", "/tmp/escape-abs.png", "..\\..\\escape-win.png",
    "images/../../escape-mid.png", "",
])
def test_server_file_names_and_urls_are_never_used_as_paths(
    engine_factory: EngineFactory, tmp_path: Path, file_name: str,
) -> None:
    with MiniQueue() as other_host, MiniQueue(named_base=other_host.base_url) as queue:
        queue.media = {"/media/a.png": ("image/png", _png())}
        queue.images = [{
            "url": f"{queue.base_url}/media/a.png", "content_type": "image/png",
            "file_name": file_name, "width": 10**9, "height": -1,
        }]
        engine, log = engine_factory(queue.base_url, use_stream=False)
        job_id = engine.submit(GenerationRequest(prompt="names from the server"))
        final = log.wait_final(job_id)
        assert isinstance(final, ev.Completed), final
        # The submit answer named another host: nothing (and no key) was ever sent there.
        assert other_host.seen == []
        media = queue.requests_to("/media/")
    assert len(media) == 1
    assert "Authorization" not in media[0].headers
    assert all(TEST_KEY not in s.path for s in queue.seen)
    stored = rows(engine.layout.db_path, "SELECT path, width, height FROM images")
    expected = engine.layout.relative(engine.layout.image_path(job_id, 0, "png"))
    assert [r["path"] for r in stored] == [expected]
    assert (stored[0]["width"], stored[0]["height"]) == (64, 48)  # measured, not the server's
    assert final.image_paths == (str(engine.layout.root / expected),)
    assert not list(tmp_path.rglob("escape*"))
    assert not Path("/tmp/escape-abs.png").exists()


# ---- a corrupt database ------------------------------------------------------------------------


def test_corrupt_database_gives_a_clear_message_everywhere_and_can_be_moved_aside(
    emulator_factory: EmulatorFactory, tmp_path: Path,
) -> None:
    server = emulator_factory(valid_keys={TEST_KEY})
    layout = DataLayout(tmp_path / "d").ensure()
    layout.db_path.write_bytes(b"SQLite format 2\x00" + b"\x13" * 8000)
    with pytest.raises(db.DatabaseCorrupt) as info:
        HistoryStore.open(layout)
    assert info.value.path == layout.db_path
    common = ["--data-dir", str(layout.root)]
    outputs = {
        "history": run_cli(tmp_path, "history", "list", *common, key=None),
        "generate": run_cli(tmp_path, "generate", "--prompt", "x", "--queue-url",
                            server.base_url, *common, key=TEST_KEY),
        "resume": run_cli(tmp_path, "resume", "--queue-url", server.base_url, *common,
                          key=TEST_KEY),
    }
    for name, done in outputs.items():
        assert done.returncode == cli.EXIT_FAILED, (name, done.stderr)
        assert f"error: The history database {layout.db_path} is damaged" in done.stderr, name
        assert "Move the damaged file aside" in done.stderr
        assert "Traceback" not in done.stderr, name
    assert server.stats()["submit_attempts"] == 0
    aside = db.move_aside(layout.db_path)
    assert aside.read_bytes().startswith(b"SQLite format 2")
    fresh = run_cli(tmp_path, "history", "list", *common, key=None)
    assert fresh.returncode == 0
    assert "no matching generations" in fresh.stderr


def test_damaged_pages_are_caught_at_start_before_any_job_is_written(
    emulator_factory: EmulatorFactory, tmp_path: Path,
) -> None:
    server = emulator_factory(valid_keys={TEST_KEY})
    layout = DataLayout(tmp_path / "d").ensure()
    damage_pages(layout)
    common = ["--queue-url", server.base_url, "--data-dir", str(layout.root)]
    for args in (["generate", "--prompt", "x", *common], ["resume", *common]):
        done = run_cli(tmp_path, *args, key=TEST_KEY)
        assert done.returncode == cli.EXIT_FAILED, done.stderr
        assert f"error: The history database {layout.db_path} is damaged" in done.stderr
        assert "Traceback" not in done.stderr, done.stderr
    assert server.stats()["submit_attempts"] == 0
