"""The generation requests: every input field of an endpoint, validated, frozen, serialisable.

Each field is described once, here: its title, description, bounds and default, plus a form
hint (``json_schema_extra={"form": ...}``) that says which widget edits it. The parameters
panel, the history detail, the result caption, the metadata text and the CLI help are all
made from these fields (``core.endpoints.describe``), so a new field appears everywhere.
"""

from __future__ import annotations

import random
from enum import StrEnum
from typing import Annotated, Any, Final
from urllib.parse import urlsplit

from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    ValidationError,
    field_validator,
    model_validator,
)

from qwenimg_desktop.core.errors import FieldError
from qwenimg_desktop.core.urls import is_loopback

# Limits fal publishes for these endpoints: enforced.
MIN_PIXELS: Final = 512 * 512
MAX_PIXELS: Final = 2048 * 2048
MAX_SEED: Final = 2_147_483_647
MAX_NEGATIVE_CHARS: Final = 500
MAX_NUM_IMAGES: Final = 4  # fal's model pages: 1-4 for text-to-image
# Limits fal does not publish: a request past them is sent, with a note that says why
# (request_warnings). Other services in front of the same model state these.
ADVISED_PROMPT_CHARS: Final = 800
ADVISED_SIDES: Final = (512, 2048)
# Not a model limit: how much text a prompt may hold at all (the editor and the CLI take no
# more), so a runaway file never becomes a megabyte POST. 20× what the model reads.
MAX_PROMPT_CHARS: Final = 20_000
MAX_WEBHOOK_CHARS: Final = 2048
MAX_EDIT_NUM_IMAGES: Final = 6
DEFAULT_PRICE_PER_IMAGE_USD: Final = 0.075
DEFAULT_ENDPOINT_ID: Final = "fal-ai/qwen-image-2/pro/text-to-image"
MAX_REFERENCES: Final = 3

LOCAL_FIELDS: Final = frozenset({"endpoint", "references", "webhook_url"})
"""Fields never part of the submit body (``webhook_url`` goes in the submit's query)."""


def form(kind: str, **more: Any) -> dict[str, Any]:
    """A field's form hint: the widget kind (``text``, ``size``, ``seed``, ``toggle``,
    ``count``, ``choice``, ``hidden``, ``references``) and optional extras such as
    ``none_text`` (how an empty value reads)."""
    return {"form": {"kind": kind, **more}}


class ImageSizePreset(StrEnum):
    """The six named sizes the endpoint accepts."""

    square_hd = "square_hd"
    square = "square"
    portrait_4_3 = "portrait_4_3"
    portrait_16_9 = "portrait_16_9"
    landscape_4_3 = "landscape_4_3"
    landscape_16_9 = "landscape_16_9"


PRESET_DIMENSIONS: Final[dict[ImageSizePreset, tuple[int, int]]] = {
    ImageSizePreset.square_hd: (1024, 1024),
    ImageSizePreset.square: (512, 512),
    ImageSizePreset.portrait_4_3: (768, 1024),
    ImageSizePreset.portrait_16_9: (576, 1024),
    ImageSizePreset.landscape_4_3: (1024, 768),
    ImageSizePreset.landscape_16_9: (1024, 576),
}


class OutputFormat(StrEnum):
    """Image encodings the endpoint can return."""

    png = "png"
    jpeg = "jpeg"
    webp = "webp"


class CustomSize(BaseModel):
    """An explicit width × height whose total pixels lie within 512²..2048²."""

    # Its validator is built when a size is first checked on its own (``defer_build``): the
    # window's start-up validates requests, whose validator has its own copy of this one.
    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)

    width: int = Field(ge=1, title="Width", description="Pixels")
    height: int = Field(ge=1, title="Height", description="Pixels")

    @model_validator(mode="after")
    def _pixel_bounds(self) -> CustomSize:
        total = self.width * self.height
        if not MIN_PIXELS <= total <= MAX_PIXELS:
            raise ValueError(
                f"{self.width}×{self.height} is {total:,} pixels; the total must lie between "
                f"512×512 ({MIN_PIXELS:,}) and 2048×2048 ({MAX_PIXELS:,})"
            )
        return self


def _size_kind(value: Any) -> str:
    return "custom" if isinstance(value, dict | CustomSize) else "preset"


ImageSize = Annotated[
    Annotated[ImageSizePreset, Tag("preset")] | Annotated[CustomSize, Tag("custom")],
    Discriminator(_size_kind),
]


def size_dimensions(size: ImageSize) -> tuple[int, int]:
    """Width and height in pixels of a preset or custom size."""
    if isinstance(size, CustomSize):
        return size.width, size.height
    return PRESET_DIMENSIONS[size]


class GenerationRequest(BaseModel):
    """Everything that affects the generated images; history stores it verbatim.

    This is the text-to-image schema (pro and standard share it). ``endpoint`` says which
    endpoint runs it; build requests through ``core.endpoints`` so the two always agree.
    """

    model_config = ConfigDict(frozen=True, extra="forbid", hide_input_in_errors=True)

    endpoint: str = Field(
        default=DEFAULT_ENDPOINT_ID,
        max_length=200,
        title="Endpoint",
        description="The fal endpoint that runs this request.",
        json_schema_extra=form("hidden"),
    )

    prompt: str = Field(
        min_length=1,
        max_length=MAX_PROMPT_CHARS,
        title="Prompt",
        description="What to draw; Chinese and English both work.",
        json_schema_extra=form("text"),
    )
    negative_prompt: str = Field(
        default="",
        max_length=MAX_NEGATIVE_CHARS,
        title="Negative prompt",
        description="What to keep out of the image (at most 500 characters).",
        json_schema_extra=form("text", none_text="—"),
    )
    image_size: ImageSize = Field(
        default=ImageSizePreset.square_hd,
        title="Image size",
        description="A preset, or width × height between 512×512 and 2048×2048 pixels in total.",
        json_schema_extra=form("size"),
    )
    enable_prompt_expansion: bool = Field(
        default=True,
        title="Prompt expansion",
        description="Let the model rewrite and expand the prompt before drawing.",
        json_schema_extra=form("toggle"),
    )
    seed: Annotated[int, Field(ge=0, le=MAX_SEED)] | None = Field(
        default=None,
        title="Seed",
        description="The same seed with the same settings gives the same image; empty = random.",
        json_schema_extra=form("seed", none_text="random"),
    )
    enable_safety_checker: bool = Field(
        default=True,
        title="Safety checker",
        description="Filter unsafe images.",
        json_schema_extra=form("toggle"),
    )
    sync_mode: bool = Field(
        default=False,
        title="Sync mode",
        description="Return images inline as data URIs instead of CDN links (not kept by fal).",
        json_schema_extra=form("toggle"),
    )
    num_images: int = Field(
        default=1,
        ge=1,
        le=MAX_NUM_IMAGES,
        title="Number of images",
        description="How many images to generate in one request.",
        json_schema_extra=form("count"),
    )
    output_format: OutputFormat = Field(
        default=OutputFormat.png,
        title="Output format",
        description="png, jpeg or webp.",
        json_schema_extra=form("choice"),
    )

    webhook_url: str | None = Field(
        default=None,
        max_length=MAX_WEBHOOK_CHARS,
        title="Webhook URL",
        description=(
            "Optional: fal also POSTs the outcome to this https URL when the job ends. The app "
            "still watches the job itself."
        ),
        json_schema_extra=form("line", none_text="none"),
    )

    @field_validator("webhook_url")
    @classmethod
    def _webhook_is_a_url(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        value = value.strip()
        try:
            parts = urlsplit(value)
            host = parts.hostname
        except ValueError:
            raise ValueError("not a valid URL") from None
        if parts.scheme not in {"https", "http"} or not host:
            raise ValueError("the webhook must be an https:// URL")
        if parts.username or parts.password:
            raise ValueError("the webhook URL must not carry a user name or password")
        if parts.scheme == "http" and not is_loopback(host):
            raise ValueError("a plain http:// webhook is allowed only on this machine")
        return value

    @field_validator("prompt")
    @classmethod
    def _prompt_not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("the prompt is empty")
        return value

    def to_api_payload(self) -> dict[str, Any]:
        """The JSON object sent to the endpoint (seed omitted when random, local fields never)."""
        return self.model_dump(mode="json", exclude_none=True, exclude=set(LOCAL_FIELDS))

    @property
    def dimensions(self) -> tuple[int, int]:
        """Width and height in pixels (for an edit without a size: the last reference's)."""
        return size_dimensions(self.image_size)


def client_seed() -> int:
    """A random seed the client chooses itself, so two otherwise identical jobs send different
    bodies and a submit whose answer was lost can be found by its body (core/jobs/reconcile)."""
    return random.SystemRandom().randint(0, MAX_SEED)


def request_warnings(request: GenerationRequest) -> list[FieldError]:
    """Values fal publishes no limit for, but that may be cut or refused: sent anyway.

    Each says why it is only a note, so the user can decide.
    """
    warnings = []
    if len(request.prompt) > ADVISED_PROMPT_CHARS:
        warnings.append(FieldError(
            "prompt",
            f"{len(request.prompt):,} characters: fal publishes no prompt limit, but Alibaba's "
            f"own API for this model takes {ADVISED_PROMPT_CHARS}, so the end may be ignored",
            "advice",
        ))
    low, high = ADVISED_SIDES
    if isinstance(request.image_size, CustomSize):
        width, height = size_dimensions(request.image_size)
        if not (low <= width <= high and low <= height <= high):
            warnings.append(FieldError(
                "image_size",
                f"{width}×{height}: fal publishes only the total-pixel bound, but other services "
                f"for this model take {low}–{high} px per side, so fal may refuse it",
                "advice",
            ))
    return warnings


def estimate_cost(request: GenerationRequest, price_per_image: float) -> float:
    """Estimated USD cost of one request."""
    return round(request.num_images * price_per_image, 6)


def field_errors(error: ValidationError) -> list[FieldError]:
    """Turn a pydantic error into field paths and sentences (no input values included)."""
    result = []
    for item in error.errors(include_input=False, include_url=False):
        path = ".".join(str(p) for p in item["loc"] if not _is_union_tag(p))
        message = str(item["msg"]).removeprefix("Value error, ")
        result.append(FieldError(path=path, message=message, type=str(item["type"])))
    return result


def _is_union_tag(part: Any) -> bool:
    # pydantic puts the tagged-union member names into loc paths.
    return part in _UNION_TAGS


_UNION_TAGS: Final = frozenset({"preset", "custom"})

