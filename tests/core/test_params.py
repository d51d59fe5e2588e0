"""The request schema: defaults, bounds, presets, round trip and field error paths."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from qwenimg_desktop.core.params import (
    MAX_SEED,
    PRESET_DIMENSIONS,
    CustomSize,
    GenerationRequest,
    ImageSizePreset,
    OutputFormat,
    estimate_cost,
    field_errors,
    request_warnings,
)


def _errors(data: dict[str, object]) -> dict[str, str]:
    with pytest.raises(ValidationError) as info:
        GenerationRequest.model_validate(data)
    return {fe.path: fe.message for fe in field_errors(info.value)}


def test_documented_defaults() -> None:
    request = GenerationRequest(prompt="一只可爱的猫 and a dog")
    assert request.negative_prompt == ""
    assert request.image_size is ImageSizePreset.square_hd
    assert request.enable_prompt_expansion is True
    assert request.enable_safety_checker is True
    assert request.sync_mode is False
    assert request.num_images == 1
    assert request.output_format is OutputFormat.png
    assert request.seed is None
    assert "seed" not in request.to_api_payload()  # random seed: omitted on the wire


def test_round_trip_through_json_is_lossless() -> None:
    request = GenerationRequest(
        prompt="## 标题\n- item",
        negative_prompt="blurry",
        image_size=CustomSize(width=1536, height=1024),
        seed=MAX_SEED,
        num_images=3,
        output_format=OutputFormat.webp,
        enable_prompt_expansion=False,
    )
    again = GenerationRequest.model_validate_json(request.model_dump_json())
    assert again == request
    assert request.to_api_payload()["image_size"] == {"width": 1536, "height": 1024}


@pytest.mark.parametrize("preset", list(ImageSizePreset))
def test_every_preset_is_within_the_pixel_bounds(preset: ImageSizePreset) -> None:
    width, height = PRESET_DIMENSIONS[preset]
    assert 512 * 512 <= width * height <= 2048 * 2048
    assert GenerationRequest(prompt="x", image_size=preset).dimensions == (width, height)


@pytest.mark.parametrize(
    ("size", "ok"),
    [
        ({"width": 512, "height": 512}, True),
        ({"width": 2048, "height": 2048}, True),
        ({"width": 511, "height": 512}, False),
        ({"width": 2048, "height": 2049}, False),
        ({"width": 4096, "height": 1024}, True),  # 4,194,304 pixels: exactly the maximum
        ({"width": 4096, "height": 1025}, False),
    ],
)
def test_custom_size_pixel_bounds(size: dict[str, int], ok: bool) -> None:
    if ok:
        request = GenerationRequest.model_validate({"prompt": "x", "image_size": size})
        assert request.dimensions == (size["width"], size["height"])
    else:
        errors = _errors({"prompt": "x", "image_size": size})
        assert list(errors) == ["image_size"]
        assert "between 512×512" in errors["image_size"]


def test_each_invalid_field_is_named() -> None:
    errors = _errors(
        {
            "prompt": "   ",
            "negative_prompt": "n" * 501,
            "image_size": "huge",
            "seed": MAX_SEED + 1,
            "num_images": 0,
            "output_format": "gif",
            "unknown_field": 1,
        }
    )
    assert set(errors) == {
        "prompt",
        "negative_prompt",
        "image_size",
        "seed",
        "num_images",
        "output_format",
        "unknown_field",
    }
    assert errors["prompt"] == "the prompt is empty"


def test_error_messages_do_not_echo_input() -> None:
    secretish = "do-not-echo-this-value"
    with pytest.raises(ValidationError) as info:
        GenerationRequest.model_validate({"prompt": secretish, "seed": secretish})
    assert secretish not in str(info.value)
    assert all(secretish not in fe.message for fe in field_errors(info.value))


def test_request_is_frozen_and_cost_scales_with_images() -> None:
    request = GenerationRequest(prompt="x", num_images=4)
    with pytest.raises(ValidationError):
        request.num_images = 2  # type: ignore[misc]
    assert estimate_cost(request, 0.075) == pytest.approx(0.3)


def test_limits_fal_does_not_publish_only_warn_and_say_why() -> None:
    """Prompt length and per-side bounds are ours, not fal's: such a request is valid, sent,
    and comes with a note that says where the advice comes from."""
    long_prompt = GenerationRequest(prompt="x" * 900)
    narrow = GenerationRequest(prompt="x", image_size={"width": 256, "height": 2048})
    plain = GenerationRequest(prompt="x", image_size={"width": 1024, "height": 768})
    [prompt_note] = request_warnings(long_prompt)
    assert prompt_note.path == "prompt"
    assert "900 characters" in prompt_note.message
    assert "fal publishes no prompt limit" in prompt_note.message
    [size_note] = request_warnings(narrow)
    assert size_note.path == "image_size"
    assert "256×2048" in size_note.message
    assert "fal publishes only the total-pixel bound" in size_note.message
    assert request_warnings(plain) == []
    assert request_warnings(GenerationRequest(prompt="x", image_size="square")) == []


def test_published_limits_still_refuse() -> None:
    for bad in ({"negative_prompt": "n" * 501}, {"num_images": 5}, {"seed": -1},
                {"image_size": {"width": 100, "height": 100}}):
        with pytest.raises(ValidationError):
            GenerationRequest.model_validate({"prompt": "x", **bad})
