"""``--param`` values are parsed strictly: loose text is refused by field, nothing is sent."""

from __future__ import annotations

from pathlib import Path

import pytest

from qwenimg_desktop import cli
from qwenimg_desktop.core.cli_values import ValueProblem, parse_value
from qwenimg_desktop.core.params import GenerationRequest
from tests.core.cli_proc import run_cli
from tests.core.helpers import TEST_KEY
from tests.fixtures.emulator import EmulatorFactory

DEEP = 100_000
LOOSE = [
    ("num_images=true", "num_images", "whole number"),
    ("num_images=1.0", "num_images", "whole number"),
    ("num_images= 2e0", "num_images", "whole number"),
    ("seed=-0", "seed", "whole number"),
    ("seed=+5", "seed", "whole number"),
    ("seed=４２", "seed", "whole number"),  # full-width digits are digits to Python, not to fal
    ("sync_mode=yes", "sync_mode", "true or false"),
    ("sync_mode=1", "sync_mode", "true or false"),
    ("enable_safety_checker=True", "enable_safety_checker", "true or false"),
    ("image_size=512X512", "image_size", "WIDTHxHEIGHT"),
    ("image_size=SQUARE_HD", "image_size", "one of square_hd"),
    ("image_size=" + "[" * DEEP, "image_size", "takes"),
    ("image_size={" + '"a":{' * DEEP, "image_size", "at most 200 characters"),
    ("image_size=" + '{"width": 1024, "height": true}', "image_size.height", "valid integer"),
    ("image_size=" + '{"width": 1024.0, "height": 1024}', "image_size.width", "valid integer"),
    ("output_format=PNG", "output_format", "one of png, jpeg, webp"),
    ("guidance_scale=4", "guidance_scale", "not a parameter"),
]


@pytest.mark.parametrize(("item", "field", "words"), LOOSE, ids=[c[0][:24] for c in LOOSE])
def test_loose_values_are_refused_naming_the_field_and_the_accepted_form(
    item: str, field: str, words: str, emulator_factory: EmulatorFactory, tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    server = emulator_factory()
    code = cli.main(["generate", "--prompt", "a cat", "--param", item, "--queue-url",
                     server.base_url, "--data-dir", str(tmp_path / "d")])
    err = capsys.readouterr().err
    assert code == cli.EXIT_USAGE, err
    assert f"  {field}: " in err, err
    assert words in err, err
    assert "Traceback" not in err
    assert len(err) < 2000  # the pasted value is not echoed back
    assert server.stats()["submit_attempts"] == 0


def test_a_param_nested_100000_deep_is_refused_by_the_real_cli_process(
    emulator_factory: EmulatorFactory, tmp_path: Path,
) -> None:
    server = emulator_factory()
    # One argument holds at most 128 KiB on Linux: 100,000 openers fit, their closers would not.
    for value in ("{" + '"w":[' + "[" * (DEEP - 6), "[" * DEEP):
        done = run_cli(tmp_path, "generate", "--prompt", "x", "--param", f"image_size={value}",
                       "--param", f"seed={value}", "--queue-url", server.base_url,
                       "--data-dir", str(tmp_path / "d"), key=TEST_KEY)
        assert done.returncode == cli.EXIT_USAGE, done.stderr[-2000:]
        assert "  image_size: " in done.stderr
        assert "  seed: takes a whole number" in done.stderr
        assert "Traceback" not in done.stderr
    assert server.stats()["submit_attempts"] == 0


@pytest.mark.parametrize(("key", "raw", "value"), [
    ("seed", "0", 0),
    ("seed", " 42 ", 42),
    ("num_images", "4", 4),
    ("sync_mode", "true", True),
    ("enable_prompt_expansion", "false", False),
    ("image_size", "1024x768", {"width": 1024, "height": 768}),
    ("image_size", '{"width": 1024, "height": 768}', {"width": 1024, "height": 768}),
    ("image_size", "portrait_16_9", "portrait_16_9"),
    ("output_format", "webp", "webp"),
    ("negative_prompt", ' ["a"], 42 ', ' ["a"], 42 '),  # text is taken as written
])
def test_each_field_takes_its_plain_form(key: str, raw: str, value: object) -> None:
    assert parse_value(GenerationRequest, key, raw) == value


def test_a_problem_never_echoes_the_value() -> None:
    with pytest.raises(ValueProblem) as info:
        parse_value(GenerationRequest, "seed", "zebra-canary-4711")
    assert "zebra" not in str(info.value)


@pytest.mark.parametrize("name", ["/dev/zero", "huge", "folder", "binary"])
def test_a_prompt_file_that_is_not_a_prompt_is_refused_without_reading_it_all(
    name: str, emulator_factory: EmulatorFactory, tmp_path: Path,
) -> None:
    server = emulator_factory()
    path = Path(name) if name.startswith("/") else tmp_path / name
    if name == "huge":
        with path.open("wb") as handle:
            handle.truncate(4 * 1024**3)  # 4 GiB, sparse
    elif name == "folder":
        path.mkdir()
    elif name == "binary":
        path.write_bytes(b"\xff\xfe\x00 not utf-8")
    done = run_cli(tmp_path, "generate", "--prompt-file", str(path), "--queue-url",
                   server.base_url, "--data-dir", str(tmp_path / "d"), key=TEST_KEY, timeout=30)
    assert done.returncode == cli.EXIT_USAGE, done.stderr[-500:]
    assert "prompt file" in done.stderr
    assert "Traceback" not in done.stderr
    assert server.stats()["submit_attempts"] == 0
