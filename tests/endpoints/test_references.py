"""Reference images are checked against the published limits before any money is spent; each
problem has a sentence, and the offered fix (flatten alpha, downscale, re-encode) works."""

from __future__ import annotations

import pytest
from PIL import Image

from qwenimg_desktop.core.edit_request import MAX_REFERENCE_BYTES
from qwenimg_desktop.core.endpoints import build_request
from qwenimg_desktop.core.references import (
    Fix,
    ReferenceRejected,
    apply_fixes,
    check_reference,
    make_reference,
    prepare_reference,
)
from qwenimg_desktop.core.store.files import DataLayout
from qwenimg_desktop.core.store.reference_files import keep_reference, read_reference
from tests.endpoints.images import image_file

PRO_EDIT = "fal-ai/qwen-image-2/pro/edit"


def test_a_good_png_passes_and_becomes_a_reference() -> None:
    data = image_file("PNG", (640, 480))
    assert check_reference(data, "cat.png").ok
    reference = make_reference(data, "my cat.png", source_job_id="a" * 32, source_index=1)
    assert (reference.width, reference.height, reference.content_type) == (640, 480, "image/png")
    assert reference.file_name == "my_cat.png"
    assert reference.url is None


@pytest.mark.parametrize(("data", "fix", "words"), [
    (image_file("PNG", (640, 480), "RGBA", (10, 20, 30, 128)), Fix.flatten_alpha, "transparency"),
    (image_file("PNG", (5200, 400)), Fix.downscale, "at most 5000 px"),
    (image_file("BMP", (640, 480)), Fix.reencode, "JPEG, PNG or WebP"),
    (image_file("PNG", (1900, 1900), noise=True), Fix.reencode, "at most 10 MB"),
], ids=["alpha", "too-wide", "bmp", "too-large-file"])
def test_each_fixable_problem_is_named_and_its_fix_works(data: bytes, fix: Fix, words: str
                                                         ) -> None:
    result = check_reference(data, "input")
    assert not result.ok
    assert any(words in problem.message and "input" in problem.message
               for problem in result.problems), result.problems
    assert fix in result.fixes
    with pytest.raises(ReferenceRejected) as info:
        prepare_reference(data, "input", fix=False)
    assert info.value.check is not None
    assert "fix" in (info.value.next_step or "").lower()
    fixed = apply_fixes(data, "input", result.fixes)
    after = check_reference(fixed, "input")
    assert after.ok, after.problems
    assert len(fixed) <= MAX_REFERENCE_BYTES
    reference, kept = prepare_reference(data, "input", fix=True)
    assert kept == fixed
    assert reference.size_bytes == len(fixed)


def test_a_flattened_image_is_white_where_it_was_transparent() -> None:
    data = image_file("PNG", (400, 400), "RGBA", (0, 0, 0, 0))
    fixed = apply_fixes(data, "clear.png", (Fix.flatten_alpha,))
    import io

    with Image.open(io.BytesIO(fixed)) as image:
        assert image.mode == "RGB"
        assert image.getpixel((10, 10)) == (255, 255, 255)


@pytest.mark.parametrize(("data", "words"), [
    (image_file("PNG", (300, 600)), "at least 384 px"),
    (b"not an image at all", "not an image"),
], ids=["too-small", "garbage"])
def test_problems_without_a_fix_say_so(data: bytes, words: str) -> None:
    result = check_reference(data, "bad.png")
    assert not result.ok
    assert not result.fixable
    assert words in result.problems[0].message
    with pytest.raises(ReferenceRejected) as info:
        prepare_reference(data, "bad.png", fix=True)
    assert info.value.next_step == "Choose another image for this reference."


def test_an_edit_takes_one_to_three_references() -> None:
    reference = make_reference(image_file(), "a.png")
    for count in (1, 3):
        request = build_request(PRO_EDIT, {"prompt": "x", "references": [reference] * count})
        assert len(request.references) == count  # type: ignore[attr-defined]
    for count in (0, 4):
        with pytest.raises(ValueError, match="references"):
            build_request(PRO_EDIT, {"prompt": "x", "references": [reference] * count})


def test_references_are_kept_content_addressed(data_layout: DataLayout) -> None:
    data = image_file()
    first = make_reference(data, "one.png")
    second = make_reference(data, "two.png")  # the same bytes under another name
    path_one = keep_reference(data_layout, first, data)
    path_two = keep_reference(data_layout, second, data)
    assert path_one == path_two
    assert len(list((data_layout.root / "references").rglob("*.png"))) == 1
    assert read_reference(data_layout, second) == data
