"""The emulator's own copy of each endpoint's published input schema, keyed by endpoint id.

Written from fal's published pages, never from the client's request model: a client that drifts
from fal (a field it renames, a limit it invents) is then caught by the tests instead of being
mirrored. Violations come back in the pydantic shape fal's apps use (``loc``/``msg``/``type``/
``ctx``/``input``), and only the limits fal publishes are enforced; the two limits nothing
publishes (prompt length, per-side bounds) are off unless a scenario switches them on.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final

MIN_PIXELS: Final = 512 * 512
MAX_PIXELS: Final = 2048 * 2048
MAX_SEED: Final = 2_147_483_647
SIZE_PRESETS: Final[dict[str, tuple[int, int]]] = {  # fal's toolkit sizes
    "square_hd": (1024, 1024),
    "square": (512, 512),
    "portrait_4_3": (768, 1024),
    "portrait_16_9": (576, 1024),
    "landscape_4_3": (1024, 768),
    "landscape_16_9": (1024, 576),
}
OUTPUT_FORMATS: Final = ("png", "jpeg", "webp")
DEFAULT_SIDE: Final = 512  # the object form's published default for a missing side


@dataclass(frozen=True)
class EndpointSchema:
    """What one endpoint accepts: its published limits."""

    endpoint_id: str
    max_images: int
    max_negative_chars: int = 500
    max_references: int = 0  # the edit endpoints: 1..N ``image_urls`` (required)


@dataclass(frozen=True)
class SchemaSwitches:
    """Limits nothing publishes; each off by default (a scenario may switch one on)."""

    prompt_max_chars: int | None = None
    side_bounds: tuple[int, int] | None = None
    enforce_num_images: bool = True


@dataclass(frozen=True)
class EmuInput:
    """A validated input: what the emulator needs to render, plus the body as received."""

    prompt: str
    seed: int | None
    num_images: int
    width: int
    height: int
    output_format: str
    sync_mode: bool
    body: Mapping[str, Any] = field(repr=False)
    image_urls: tuple[str, ...] = ()
    """An edit's inputs, in order; without ``image_size`` the size is the last input's (0×0
    here until the inputs are read at run time)."""


ENDPOINTS: Final[dict[str, EndpointSchema]] = {
    # fal's model pages: both text-to-image tiers take the same input, 1-4 images.
    "fal-ai/qwen-image-2/pro/text-to-image": EndpointSchema(
        "fal-ai/qwen-image-2/pro/text-to-image", max_images=4
    ),
    "fal-ai/qwen-image-2/text-to-image": EndpointSchema(
        "fal-ai/qwen-image-2/text-to-image", max_images=4
    ),
    # fal's pro/edit page: image_urls required, 1-3 items ("image 1/2/3"), num_images 1-6,
    # image_size optional (the last input's size). The standard edit's limits are not
    # published separately: assumed the same.
    "fal-ai/qwen-image-2/pro/edit": EndpointSchema(
        "fal-ai/qwen-image-2/pro/edit", max_images=6, max_references=3
    ),
    "fal-ai/qwen-image-2/edit": EndpointSchema(
        "fal-ai/qwen-image-2/edit", max_images=6, max_references=3
    ),
}


def owner_alias(endpoint_id: str) -> str:
    """``owner/alias`` of an endpoint id: the part that status, result and cancel URLs use."""
    return "/".join(endpoint_id.split("/")[:2])


def _error(loc: list[str | int], msg: str, kind: str, value: Any = None,
           ctx: dict[str, Any] | None = None) -> dict[str, Any]:
    error: dict[str, Any] = {"loc": ["body", *loc], "msg": msg, "type": kind}
    if ctx:
        error["ctx"] = ctx
    if value is not None and not isinstance(value, dict | list) and len(str(value)) <= 100:
        error["input"] = value
    return error


def _integer(errors: list[dict[str, Any]], body: Mapping[str, Any], name: str,
             default: int | None, low: int, high: int | None) -> int | None:
    value = body.get(name, default)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        errors.append(_error([name], "Input should be a valid integer", "int_type", value))
        return None
    if value < low:
        errors.append(_error([name], f"Input should be greater than or equal to {low}",
                             "greater_than_equal", value, {"ge": low}))
    elif high is not None and value > high:
        errors.append(_error([name], f"Input should be less than or equal to {high}",
                             "less_than_equal", value, {"le": high}))
    return value


def _boolean(errors: list[dict[str, Any]], body: Mapping[str, Any], name: str,
             default: bool) -> bool:
    value = body.get(name, default)
    if not isinstance(value, bool):
        errors.append(_error([name], "Input should be a valid boolean", "bool_type", value))
        return default
    return value


def _size(errors: list[dict[str, Any]], value: Any,
          switches: SchemaSwitches) -> tuple[int, int]:
    if isinstance(value, str):
        if value not in SIZE_PRESETS:
            expected = ", ".join(f"'{p}'" for p in SIZE_PRESETS)
            errors.append(_error(["image_size"], f"Input should be {expected}", "enum", value,
                                 {"expected": expected}))
            return SIZE_PRESETS["square_hd"]
        return SIZE_PRESETS[value]
    if not isinstance(value, dict):
        errors.append(_error(["image_size"], "Input should be a valid dictionary or a preset",
                             "model_type"))
        return SIZE_PRESETS["square_hd"]
    sides = []
    for name in ("width", "height"):
        side = value.get(name, DEFAULT_SIDE)
        if isinstance(side, bool) or not isinstance(side, int):
            errors.append(_error(["image_size", name], "Input should be a valid integer",
                                 "int_type", side))
            side = DEFAULT_SIDE
        elif switches.side_bounds is not None:
            low, high = switches.side_bounds
            if not low <= side <= high:
                errors.append(_error(["image_size", name], f"Side must lie in {low}..{high}",
                                     "value_error", side))
        sides.append(side)
    width, height = sides
    if not MIN_PIXELS <= width * height <= MAX_PIXELS:
        errors.append(_error(
            ["image_size"],
            "Value error, the total number of pixels must lie between 512x512 and 2048x2048",
            "value_error",
        ))
    return width, height


def validate(
    endpoint_id: str, body: Any, switches: SchemaSwitches = SchemaSwitches()
) -> tuple[EmuInput | None, list[dict[str, Any]]]:
    """Check ``body`` against ``endpoint_id``'s published schema: (input, []) or (None, errors)."""
    schema = ENDPOINTS[endpoint_id]
    if not isinstance(body, dict):
        return None, [_error([], "Input should be a valid dictionary", "model_attributes_type")]
    errors: list[dict[str, Any]] = []
    prompt = body.get("prompt")
    if prompt is None:
        errors.append(_error(["prompt"], "Field required", "missing"))
    elif not isinstance(prompt, str):
        errors.append(_error(["prompt"], "Input should be a valid string", "string_type"))
    elif switches.prompt_max_chars is not None and len(prompt) > switches.prompt_max_chars:
        limit = switches.prompt_max_chars
        errors.append(_error(["prompt"], f"String should have at most {limit} characters",
                             "string_too_long", None, {"max_length": limit}))
    negative = body.get("negative_prompt", "")
    if not isinstance(negative, str):
        errors.append(_error(["negative_prompt"], "Input should be a valid string", "string_type"))
    elif len(negative) > schema.max_negative_chars:
        limit = schema.max_negative_chars
        errors.append(_error(["negative_prompt"], f"String should have at most {limit} characters",
                             "string_too_long", None, {"max_length": limit}))
    image_urls = _image_urls(errors, body, schema.max_references)
    if schema.max_references and body.get("image_size") is None:
        width, height = 0, 0  # the last input's size, once read at run time
    else:
        width, height = _size(errors, body.get("image_size", "square_hd"), switches)
    seed = _integer(errors, body, "seed", None, 0, MAX_SEED)
    high = schema.max_images if switches.enforce_num_images else None
    num_images = _integer(errors, body, "num_images", 1, 1, high) or 1
    sync_mode = _boolean(errors, body, "sync_mode", False)
    for name in ("enable_prompt_expansion", "enable_safety_checker"):
        _boolean(errors, body, name, True)
    output_format = body.get("output_format", "png")
    if output_format not in OUTPUT_FORMATS:
        expected = "'png', 'jpeg' or 'webp'"
        errors.append(_error(["output_format"], f"Input should be {expected}", "enum",
                             output_format, {"expected": expected}))
    if errors:
        return None, errors
    return EmuInput(
        prompt=str(prompt), seed=seed, num_images=num_images, width=width, height=height,
        output_format=str(output_format), sync_mode=sync_mode, body=dict(body),
        image_urls=image_urls,
    ), []


def _image_urls(errors: list[dict[str, Any]], body: Mapping[str, Any], most: int
                ) -> tuple[str, ...]:
    if not most:
        return ()
    value = body.get("image_urls")
    if value is None:
        errors.append(_error(["image_urls"], "Field required", "missing"))
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        errors.append(_error(["image_urls"], "Input should be a valid list of strings",
                             "list_type", value))
        return ()
    if not 1 <= len(value) <= most:
        errors.append(_error(["image_urls"], f"List should have 1 to {most} items",
                             "too_long" if value else "too_short", None,
                             {"min_length": 1, "max_length": most}))
        return ()
    return tuple(value)

