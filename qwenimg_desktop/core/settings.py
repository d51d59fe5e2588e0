"""App settings: non-secret preferences, parameter presets, last-used values and UI state.

Saved as JSON with the store's atomic write (temp file → fsync → rename). Read strictly and within
bounds: a file that cannot be read or validated is moved aside and defaults are used, with a
message. The API key never lives here.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from enum import StrEnum
from pathlib import Path
from typing import Any, Final, TypeVar

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from qwenimg_desktop.core.budget import Budget
from qwenimg_desktop.core.edit_request import Reference
from qwenimg_desktop.core.endpoints import UnknownEndpoint, endpoint_for
from qwenimg_desktop.core.endpoints.describe import field_specs
from qwenimg_desktop.core.errors import UserError
from qwenimg_desktop.core.fal import DEFAULT_QUEUE_BASE
from qwenimg_desktop.core.output_files import (
    DEFAULT_TEMPLATE,
    MAX_TEMPLATE_CHARS,
    TOKENS,
    TemplateError,
    check_template,
)
from qwenimg_desktop.core.params import (
    DEFAULT_ENDPOINT_ID,
    DEFAULT_PRICE_PER_IMAGE_USD,
    MAX_NEGATIVE_CHARS,
    MAX_PROMPT_CHARS,
    MAX_REFERENCES,
    CustomSize,
    GenerationRequest,
    ImageSizePreset,
)
from qwenimg_desktop.core.store.files import atomic_write_bytes, move_aside
from qwenimg_desktop.core.urls import validate_queue_base

log = logging.getLogger("qwenimg.settings")

MAX_PRESETS: Final = 200
MAX_PRESET_NAME_CHARS: Final = 80
MAX_FILE_BYTES: Final = 8 * 1024 * 1024  # far above any real settings or draft file
Report = Callable[[str], None]  # receives one sentence for the user about a bad file
M = TypeVar("M", bound=BaseModel)


class SeedMode(StrEnum):
    """How the seed of the next request is chosen."""

    random = "random"
    fixed = "fixed"
    increment = "increment"  # the seed goes up by one after every Generate


class ThemeChoice(StrEnum):
    """Colour scheme preference."""

    system = "system"
    light = "light"
    dark = "dark"


FieldValue = bool | int | float | str | None
_STATE_KINDS: Final = frozenset({"text", "size", "seed", "hidden", "references"})
"""Form kinds whose value is not kept in ``ParamValues.fields`` (the editor or state owns it)."""


class ParamValues(BaseModel):
    """The parameter panel's values as edited: not yet a valid request (see ``ui.create.draft``).

    ``endpoint`` is the chosen endpoint and ``fields`` the plain request fields by name (a
    missing one takes its default from the endpoint's request model). The other attributes
    are state no request field holds as such: the size widget's preset/custom choice and its
    custom sides, the seed mode and the seed as typed.
    """

    model_config = ConfigDict(extra="ignore", validate_assignment=True)

    endpoint: str = Field(default=DEFAULT_ENDPOINT_ID, max_length=200)
    fields: dict[str, FieldValue] = Field(default_factory=dict)
    size_preset: ImageSizePreset | None = ImageSizePreset.square_hd  # None = custom size
    size_from_input: bool = True  # edits: no size sent, the last reference's size is used
    custom_width: int = Field(default=1024, ge=0, le=100_000)
    custom_height: int = Field(default=1024, ge=0, le=100_000)
    aspect_lock: bool = False
    seed_mode: SeedMode = SeedMode.random
    seed_text: str = Field(default="", max_length=40)

    @model_validator(mode="before")
    @classmethod
    def _plain_fields_by_name(cls, data: Any) -> Any:
        # Older settings (and callers) give request fields at the top level: keep them by name.
        if not isinstance(data, dict):
            return data
        own = {k: v for k, v in data.items() if k in cls.model_fields}
        loose = {k: v for k, v in data.items() if k not in cls.model_fields}
        if loose:
            own["fields"] = {**loose, **dict(own.get("fields") or {})}
        return own

    @model_validator(mode="after")
    def _fields_have_their_types(self) -> ParamValues:
        # As strict as the rest of the file: a bool is not a count, 1 is not "on".
        model_fields = _request_model(self.endpoint).model_fields
        for name, value in self.fields.items():
            info = model_fields.get(name)
            if info is not None and value is not None and not _fits(info.annotation, value):
                raise ValueError(f"{name}: {value!r} is not a valid {name.replace('_', ' ')}")
        return self

    def value(self, name: str) -> Any:
        """A plain field's value as edited, else the chosen endpoint's default for it."""
        if name in self.fields:
            return self.fields[name]
        info = _request_model(self.endpoint).model_fields.get(name)
        return None if info is None else info.get_default()

    def changed(self, **changes: Any) -> ParamValues:
        """A copy with some values changed: state by attribute name, fields by field name."""
        data = self.model_dump()
        fields = dict(data["fields"])
        for name, value in changes.items():
            if name in type(self).model_fields:
                data[name] = value
            else:
                fields[name] = value.value if isinstance(value, StrEnum) else value
        data["fields"] = fields
        return ParamValues.model_validate(data)

    @classmethod
    def from_request(cls, request: GenerationRequest, seed: int | None = None) -> ParamValues:
        """Values that reproduce ``request``; ``seed`` (e.g. the returned one) fixes the seed."""
        size = request.image_size
        chosen = seed if seed is not None else request.seed
        width, height = request.dimensions
        plain = [spec.name for spec in field_specs(type(request))
                 if spec.kind not in _STATE_KINDS]
        return cls(
            endpoint=request.endpoint,
            fields=request.model_dump(mode="json", include=set(plain)),
            size_preset=None if isinstance(size, CustomSize) else size,
            size_from_input=size is None,
            custom_width=width,
            custom_height=height,
            seed_mode=SeedMode.random if chosen is None else SeedMode.fixed,
            seed_text="" if chosen is None else str(chosen),
        )


def _fits(annotation: Any, value: FieldValue) -> bool:
    if annotation is bool:
        return type(value) is bool
    if annotation is int:
        return type(value) is int
    if annotation is float:
        return type(value) in (int, float)
    if isinstance(annotation, type) and issubclass(annotation, StrEnum):
        return isinstance(value, str) and value in {m.value for m in annotation}
    return True


def _request_model(endpoint_id: str) -> type[GenerationRequest]:
    try:
        return endpoint_for(endpoint_id).request_model
    except UnknownEndpoint:
        return GenerationRequest


class DraftSnapshot(BaseModel):
    """What the autosave keeps of the editor: prompt, negative prompt, parameters and an
    edit's reference images (their files are in the history, content-addressed)."""

    model_config = ConfigDict(extra="ignore")

    prompt: str = Field(default="", max_length=MAX_PROMPT_CHARS)
    negative_prompt: str = Field(default="", max_length=MAX_NEGATIVE_CHARS)
    params: ParamValues = Field(default_factory=ParamValues)
    cursor: int = Field(default=0, ge=0)
    references: tuple[Reference, ...] = Field(default=(), max_length=MAX_REFERENCES)

    @field_validator("prompt", "negative_prompt", mode="before")
    @classmethod
    def _within_limit(cls, value: Any, info: ValidationInfo) -> Any:
        # The editor never holds more than the field's limit; a draft saved by an older version
        # (which allowed 200,000 characters) keeps its start rather than being refused, so
        # loading, autosave and close never fail on length.
        limit = MAX_PROMPT_CHARS if info.field_name == "prompt" else MAX_NEGATIVE_CHARS
        return value[:limit] if isinstance(value, str) else value


class AppSettings(BaseModel):
    """Non-secret preferences; field titles and bounds feed the settings dialog."""

    model_config = ConfigDict(extra="ignore", validate_assignment=True)

    price_per_image_usd: float | None = Field(
        default=None, gt=0.0, le=100.0, title="Use my own price per image (USD)",
        description="Overrides fal's price (read from fal, at most daily) for every cost "
        "shown, budget and ledger entry; empty = fal's price.",
    )
    daily_cap_usd: float | None = Field(
        default=None, gt=0.0, le=100000.0, title="Daily cap (USD)",
        description="Hold back what would pass this day's spend; empty = no cap.",
    )
    monthly_cap_usd: float | None = Field(
        default=None, gt=0.0, le=1000000.0, title="Monthly cap (USD)",
        description="Hold back what would pass this month's spend; empty = no cap.",
    )
    ask_above_usd: float | None = Field(
        default=None, gt=0.0, le=100000.0, title="Ask above (USD)",
        description="Ask before one action costs more than this; empty = never ask.",
    )
    ask_above_images: int | None = Field(
        default=None, ge=1, le=100000, title="Ask above (images)",
        description="Ask before one action makes more images than this; empty = never ask.",
    )
    low_balance_usd: float = Field(
        default=5.0, ge=0.0, le=1000000.0, title="Low balance warning (USD)",
        description="With a billing key: the status bar warns when fal's balance is under "
        "this.",
    )
    concurrency: int = Field(
        default=2, ge=1, le=16, title="Jobs at once",
        description="How many requests run at the same time.",
    )
    queue_url: str = Field(
        default=DEFAULT_QUEUE_BASE, min_length=8, max_length=300, title="Queue URL",
        description="fal's queue; change only for testing against an emulator.",
    )
    notify_when_done: bool = Field(
        default=True, title="Notify when a job ends",
        description="While the window is in the background, a desktop notification says "
        "that a job finished or failed.",
    )
    copy_to_output_folder: bool = Field(
        default=True, title="Copy finished images to the output folder",
        description="The history keeps its own copy either way.",
    )
    output_folder: str = Field(
        default="", max_length=4096, title="Output folder",
        description="Where finished images are copied; empty = the Pictures folder's "
        "'Qwen Image'.",
    )
    file_name_template: str = Field(
        default=DEFAULT_TEMPLATE, max_length=MAX_TEMPLATE_CHARS, title="File names",
        description="Tokens: " + ", ".join(f"{{{t}}} {what}" for t, what in TOKENS.items())
        + ". A name already taken gets -2, -3, ….",
    )
    theme: ThemeChoice = ThemeChoice.system
    language: str = Field(
        default="", max_length=16, title="Language",
        description="Interface language: empty follows the system; 'en' or 'zh_CN'.",
    )
    presets: dict[str, ParamValues] = Field(default_factory=dict)
    last_used: ParamValues = Field(default_factory=ParamValues)
    first_run_done: bool = False
    ui_state: dict[str, str] = Field(default_factory=dict)

    @field_validator("queue_url")
    @classmethod
    def _queue_url_scheme(cls, value: str) -> str:
        try:
            return validate_queue_base(value)
        except UserError as exc:
            raise ValueError(exc.message) from None

    @field_validator("file_name_template")
    @classmethod
    def _template_makes_names(cls, value: str) -> str:
        try:
            return check_template(value)
        except TemplateError as exc:
            raise ValueError(exc.message) from None

    @field_validator("price_per_image_usd", mode="before")
    @classmethod
    def _old_default_is_list_price(cls, value: Any) -> Any:
        # Before there were several endpoints, the pro list price was stored as the setting;
        # it now means "the list price of whichever endpoint is chosen".
        return None if value in (DEFAULT_PRICE_PER_IMAGE_USD, 0, 0.0) else value

    @field_validator("presets")
    @classmethod
    def _preset_names(cls, value: dict[str, ParamValues]) -> dict[str, ParamValues]:
        if len(value) > MAX_PRESETS:
            raise ValueError(f"at most {MAX_PRESETS} presets")
        if any(not name.strip() or len(name) > MAX_PRESET_NAME_CHARS for name in value):
            raise ValueError(f"preset names must be 1..{MAX_PRESET_NAME_CHARS} characters")
        return value

    @classmethod
    def load(cls, path: Path, report: Report | None = None) -> AppSettings:
        """Read settings; a missing file gives defaults, a bad one is moved aside (see ``report``).

        Never raises: whatever is at ``path`` (a folder, garbage, JSON nested 100,000 deep, a
        number where a flag belongs), the window starts with defaults and says why.
        """
        loaded = _load_model(cls, path, "settings file", "the defaults are used", report)
        return loaded if loaded is not None else cls()

    @property
    def budget(self) -> Budget:
        """The caps and confirmation thresholds these settings set (core/budget.py)."""
        return Budget(self.daily_cap_usd, self.monthly_cap_usd, self.ask_above_usd,
                      self.ask_above_images)

    def save(self, path: Path) -> None:
        """Write atomically (temp file → fsync → rename); ``DiskFull`` when the disk is full."""
        write_json_atomic(path, self.model_dump(mode="json"))


def load_draft(path: Path, report: Report | None = None) -> DraftSnapshot | None:
    """The autosaved draft, or None when there is none (a bad file is moved aside).

    When only the parameters are bad, the prompt and negative prompt (the user's writing) are
    kept with default parameters, and the message says so.
    """
    return _load_model(DraftSnapshot, path, "saved draft", "the editor starts empty", report,
                       salvage=(_draft_texts, "its prompt was kept, with default parameters"))


def save_draft(path: Path, draft: DraftSnapshot) -> None:
    """Write the draft atomically."""
    write_json_atomic(path, draft.model_dump(mode="json"))


class _DraftTexts(BaseModel):
    """Only the texts of a draft file (strict: text, nothing else)."""

    model_config = ConfigDict(extra="ignore", defer_build=True)  # read only if a draft is bad

    prompt: str = ""
    negative_prompt: str = ""


def _draft_texts(raw: bytes) -> DraftSnapshot | None:
    try:
        texts = _DraftTexts.model_validate_json(raw, strict=True)
    except ValidationError:
        return None
    if not texts.prompt and not texts.negative_prompt:
        return None
    return DraftSnapshot(prompt=texts.prompt, negative_prompt=texts.negative_prompt)


def _load_model(model: type[M], path: Path, what: str, fallback: str, report: Report | None,
                salvage: tuple[Callable[[bytes], M | None], str] | None = None) -> M | None:
    """``model`` parsed strictly from the JSON file at ``path``; None if missing or bad.

    Strict: a number is never read from ``true`` or ``"2"``, a flag never from ``"yes"``. A file
    that is not a readable, bounded, valid JSON object is moved aside, and one sentence saying
    where it went goes to the log and to ``report``. ``salvage`` (a parser of what can still be
    used, and the words for it) may keep part of an invalid file.
    """
    kept: M | None = None
    try:
        if path.is_dir():
            problem = "is a folder, not a file"
        elif path.stat().st_size > MAX_FILE_BYTES:
            problem = f"is larger than {MAX_FILE_BYTES // (1024 * 1024)} MB"
        else:
            raw = path.read_bytes()
            try:
                return model.model_validate_json(raw, strict=True)
            except ValidationError as exc:
                problem = f"is not valid ({_first_problem(exc)})"
                if salvage is not None:
                    kept = salvage[0](raw)
                    fallback = salvage[1] if kept is not None else fallback
    except FileNotFoundError:
        return None
    except OSError as exc:
        problem = f"could not be read ({exc.strerror or exc})"
    try:
        moved = move_aside(path)
    except OSError as exc:
        message = (f"The {what} {path} {problem} and could not be moved aside "
                   f"({exc.strerror or exc}); {fallback}.")
    else:
        message = f"The {what} {path} {problem}; it was moved to {moved.name} and {fallback}."
    log.warning("%s", message)
    if report is not None:
        report(message)
    return kept


def _first_problem(error: ValidationError) -> str:
    """The first field problem as "field: message" (no input values: they may be anything)."""
    item = error.errors(include_input=False, include_url=False)[0]
    where = ".".join(str(part) for part in item["loc"])
    more = f", and {error.error_count() - 1} more" if error.error_count() > 1 else ""
    return f"{where or 'file'}: {item['msg']}{more}"


def write_json_atomic(path: Path, data: Any) -> None:
    """Write ``data`` as JSON with the store's atomic write (``DiskFull`` when the disk is full)."""
    atomic_write_bytes(path, json.dumps(data, ensure_ascii=False, indent=1).encode("utf-8"))
