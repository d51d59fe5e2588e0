"""The user's copies of finished images (core/output_files.py): names from the template, never
overwriting, atomic, and a clear error on a full or unusable folder."""

from __future__ import annotations

import os
import time
import tracemalloc
from pathlib import Path

import pytest

from qwenimg_desktop.core.output_files import (
    DEFAULT_TEMPLATE,
    MAX_STEM_BYTES,
    NameFields,
    OutputCopyFailed,
    TemplateError,
    check_template,
    copy_new,
    endpoint_slug,
    example_name,
    render_stem,
)
from qwenimg_desktop.core.store.files import PARTIAL_SUFFIX, atomic_write_bytes
from tests.fixtures.disk import fill

FINISHED = time.mktime((2026, 12, 6, 14, 2, 33, 0, 0, -1))


def fields(prompt: str = "A lighthouse at dusk", seed: int | None = 42, index: int = 0,
           endpoint: str = "fal-ai/qwen-image-2/pro/edit") -> NameFields:
    return NameFields(prompt=prompt, seed=seed, index=index, endpoint=endpoint,
                      job_id="1a2b3c4d5e6f7a8b", finished=FINISHED)


def test_the_default_template_gives_a_readable_name() -> None:
    assert render_stem(DEFAULT_TEMPLATE, fields(index=2)) == \
        "2026-12-06_1402_A-lighthouse-at-dusk_42-3"


def test_every_token() -> None:
    stem = render_stem("{endpoint} {job} {seed} {index} {date} {time} {prompt}", fields())
    assert stem == "pro-edit-1a2b3c4d-42-1-2026-12-06-1402-A-lighthouse-at-dusk"


def test_a_chinese_prompt_keeps_its_characters_and_is_capped() -> None:
    prompt = "## 一只在月光下睡觉的小猫咪，窗台上有花，" * 10
    stem = render_stem("{prompt}", fields(prompt=prompt))
    assert stem.startswith("一只在月光下睡觉的小猫咪-窗台上有花")
    assert "#" not in stem
    assert len(stem.encode()) <= 60  # the prompt's part of a name
    long = render_stem("{prompt}_{prompt}_{prompt}_{date}", fields(prompt=prompt))
    assert len(long.encode()) <= MAX_STEM_BYTES
    long.encode().decode("utf-8")  # never cut inside a character


def test_names_never_hold_a_path_or_a_device_name() -> None:
    stem = render_stem("{prompt}", fields(prompt="../../etc/passwd\\x:y*?<>|\x00"))
    assert not set(stem) & set("/\\:*?<>|\x00.")
    assert render_stem("{prompt}", fields(prompt="CON")) == "_CON"
    assert render_stem("{prompt}", fields(prompt="   ")) == "image"


def test_an_empty_token_leaves_no_doubled_separator() -> None:
    assert render_stem(DEFAULT_TEMPLATE, fields(seed=None)) == \
        "2026-12-06_1402_A-lighthouse-at-dusk_1"


@pytest.mark.parametrize(("template", "says"), [
    ("", "empty"),
    ("{colour}", "unknown token {colour}"),
    ("{date", "without its pair"),
    ("a/{date}", "a name, not a path"),
    ("{seed:>08}", "takes no format"),
    ("{prompt!r}", "takes no format"),
    ("x" * 201, "longer than 200"),
])
def test_a_template_that_cannot_make_names_is_refused(template: str, says: str) -> None:
    with pytest.raises(TemplateError, match=says):
        check_template(template)


def test_a_bad_template_in_a_hand_edited_file_falls_back_to_the_default() -> None:
    assert render_stem("{nope}", fields()) == render_stem(DEFAULT_TEMPLATE, fields())


def test_the_example_shows_a_cjk_prompt() -> None:
    assert "海边的灯塔-Lighthouse-at-dusk_42-1.png" in example_name(DEFAULT_TEMPLATE)


def test_endpoint_slugs() -> None:
    assert endpoint_slug("fal-ai/qwen-image-2/text-to-image") == "text-to-image"
    assert endpoint_slug("fal-ai/qwen-image-2/pro/edit") == "pro-edit"


def test_a_taken_name_gets_a_number_and_nothing_is_overwritten(tmp_path: Path) -> None:
    source = tmp_path / "history" / "ab" / "abcdef.png"
    source.parent.mkdir(parents=True)
    source.write_bytes(b"new image")
    out = tmp_path / "out"
    out.mkdir()
    (out / "cat.png").write_bytes(b"the user's own file")
    (out / "CAT-2.png").write_bytes(b"another")
    first = copy_new(source, out, "cat", ".png")
    assert (out / "cat.png").read_bytes() == b"the user's own file"
    assert first.name in {"cat-2.png", "cat-3.png"}  # cat-2 is taken on case-blind disks
    assert first.read_bytes() == b"new image"
    second = copy_new(source, out, "cat", "png")
    assert second != first
    assert second.read_bytes() == b"new image"
    assert not [p for p in out.iterdir() if p.name.endswith(PARTIAL_SUFFIX)]


def test_an_image_is_copied_without_reading_it_into_python(tmp_path: Path) -> None:
    """The copy is the kernel's (or 1 MB at a time): a 16 MB image never becomes a 16 MB
    ``bytes`` object in the window's process (its CPU and memory competed with the GUI thread
    as 32 jobs' images were copied at once: docs/performance.md)."""
    source = tmp_path / "big.png"
    data = os.urandom(16 * 1024 * 1024)
    source.write_bytes(data)
    tracemalloc.start()
    try:
        copied = copy_new(source, tmp_path / "out", "big", ".png")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert copied.read_bytes() == data
    assert peak < 2 * 1024 * 1024


def test_the_folder_is_made_when_missing(tmp_path: Path) -> None:
    source = tmp_path / "a.png"
    source.write_bytes(b"x")
    assert copy_new(source, tmp_path / "Pictures" / "Qwen Image", "a", ".png").is_file()


def test_the_safe_write_never_replaces_when_told_not_to(tmp_path: Path) -> None:
    target = tmp_path / "mine.png"
    target.write_bytes(b"mine")
    with pytest.raises(FileExistsError):
        atomic_write_bytes(target, b"theirs", replace=False)
    assert target.read_bytes() == b"mine"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mine.png"]  # no temp file left


def test_a_folder_that_cannot_be_made_is_named(tmp_path: Path) -> None:
    source = tmp_path / "a.png"
    source.write_bytes(b"x")
    blocker = tmp_path / "file-not-folder"
    blocker.write_bytes(b"")
    with pytest.raises(OutputCopyFailed) as caught:
        copy_new(source, blocker / "out", "a", ".png")
    assert str(blocker / "out") in caught.value.message
    assert "history" in (caught.value.next_step or "")


def test_a_full_output_disk_is_said_and_leaves_no_partial_file(
        small_disk: Path, tmp_path: Path) -> None:
    source = tmp_path / "big.png"
    source.write_bytes(b"\2" * 400 * 1024)
    out = small_disk / "Qwen Image"
    out.mkdir()
    fill(small_disk, 100)
    with pytest.raises(OutputCopyFailed, match=f"The output folder {out} is full"):
        copy_new(source, out, "big", ".png")
    assert list(out.iterdir()) == []
