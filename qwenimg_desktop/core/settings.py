"""App settings: non-secret preferences, parameter presets, last-used values and UI state.

Saved as JSON with an atomic write (temp file → fsync → rename). A file that cannot be read or
validated is moved aside and defaults are used, with a warning. The API key never lives here.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import tempfile
import time
from enum import StrEnum
from pathlib import Path
from typing import Any, Final

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from qwenimg_desktop.core.fal.protocol import DEFAULT_QUEUE_BASE
from qwenimg_desktop.core.params import (
    DEFAULT_PRICE_PER_IMAGE_USD,
    CustomSize,
    GenerationRequest,
    ImageSizePreset,
    OutputFormat,
)

log = logging.getLogger("qwenimg.settings")

MAX_PRESETS: Final = 200


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


class ParamValues(BaseModel):
    """The parameter panel's values as edited: not yet a valid request (see ``ui.draft``)."""

    model_config = ConfigDict(extra="ignore", validate_assignment=True)

    size_preset: ImageSizePreset | None = ImageSizePreset.square_hd  # None = custom size
    custom_width: int = Field(default=1024, ge=0, le=100_000)
    custom_height: int = Field(default=1024, ge=0, le=100_000)
    aspect_lock: bool = False
    seed_mode: SeedMode = SeedMode.random
    seed_text: str = Field(default="", max_length=40)
    enable_prompt_expansion: bool = True
    enable_safety_checker: bool = True
    sync_mode: bool = False
    num_images: int = Field(default=1, ge=0, le=100)
    output_format: OutputFormat = OutputFormat.png

    @classmethod
    def from_request(cls, request: GenerationRequest, seed: int | None = None) -> ParamValues:
        """Values that reproduce ``request``; ``seed`` (e.g. the returned one) fixes the seed."""
        size = request.image_size
        chosen = seed if seed is not None else request.seed
        width, height = request.dimensions
        return cls(
            size_preset=None if isinstance(size, CustomSize) else size,
            custom_width=width,
            custom_height=height,
            seed_mode=SeedMode.random if chosen is None else SeedMode.fixed,
            seed_text="" if chosen is None else str(chosen),
            enable_prompt_expansion=request.enable_prompt_expansion,
            enable_safety_checker=request.enable_safety_checker,
            sync_mode=request.sync_mode,
            num_images=request.num_images,
            output_format=request.output_format,
        )


class DraftSnapshot(BaseModel):
    """What the autosave keeps of the editor: prompt, negative prompt, parameters."""

    model_config = ConfigDict(extra="ignore")

    prompt: str = Field(default="", max_length=200_000)
    negative_prompt: str = Field(default="", max_length=200_000)
    params: ParamValues = Field(default_factory=ParamValues)
    cursor: int = Field(default=0, ge=0)


class AppSettings(BaseModel):
    """Non-secret preferences; field titles and bounds feed the settings dialog."""

    model_config = ConfigDict(extra="ignore", validate_assignment=True)

    price_per_image_usd: float = Field(
        default=DEFAULT_PRICE_PER_IMAGE_USD, ge=0.0, le=100.0, title="Price per image (USD)",
        description="Used for the cost estimate on the Generate button.",
    )
    concurrency: int = Field(
        default=2, ge=1, le=16, title="Jobs at once",
        description="How many requests run at the same time.",
    )
    queue_url: str = Field(
        default=DEFAULT_QUEUE_BASE, min_length=8, max_length=300, title="Queue URL",
        description="fal's queue; change only for testing against an emulator.",
    )
    theme: ThemeChoice = ThemeChoice.system
    presets: dict[str, ParamValues] = Field(default_factory=dict)
    last_used: ParamValues = Field(default_factory=ParamValues)
    first_run_done: bool = False
    ui_state: dict[str, str] = Field(default_factory=dict)

    @field_validator("queue_url")
    @classmethod
    def _queue_url_scheme(cls, value: str) -> str:
        if not value.startswith(("https://", "http://127.0.0.1", "http://localhost", "http://[::1]")):
            raise ValueError("the queue URL must use https (plain http only on loopback)")
        return value.rstrip("/")

    @field_validator("presets")
    @classmethod
    def _preset_names(cls, value: dict[str, ParamValues]) -> dict[str, ParamValues]:
        if len(value) > MAX_PRESETS:
            raise ValueError(f"at most {MAX_PRESETS} presets")
        if any(not name.strip() or len(name) > 80 for name in value):
            raise ValueError("preset names must be 1..80 characters")
        return value

    @classmethod
    def load(cls, path: Path) -> AppSettings:
        """Read settings; a missing file gives defaults, a bad one is moved aside."""
        data = read_json_tolerant(path)
        if data is None:
            return cls()
        try:
            return cls.model_validate(data)
        except ValidationError as exc:
            moved = move_aside(path)
            log.warning(
                "settings file was invalid (%d problems); moved to %s, using defaults",
                exc.error_count(), moved.name,
            )
            return cls()

    def save(self, path: Path) -> None:
        """Write atomically (temp file → fsync → rename)."""
        write_json_atomic(path, self.model_dump(mode="json"))


def load_draft(path: Path) -> DraftSnapshot | None:
    """The autosaved draft, or None when there is none (a bad file is moved aside)."""
    data = read_json_tolerant(path)
    if data is None:
        return None
    try:
        return DraftSnapshot.model_validate(data)
    except ValidationError:
        moved = move_aside(path)
        log.warning("draft file was invalid; moved to %s", moved.name)
        return None


def save_draft(path: Path, draft: DraftSnapshot) -> None:
    """Write the draft atomically."""
    write_json_atomic(path, draft.model_dump(mode="json"))


def read_json_tolerant(path: Path) -> Any:
    """Decoded JSON object of ``path``; None if missing; a corrupt file is moved aside."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return None
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        data = None
    if not isinstance(data, dict):
        moved = move_aside(path)
        log.warning("%s was not a JSON object; moved to %s, using defaults", path.name, moved.name)
        return None
    return data


def move_aside(path: Path) -> Path:
    """Rename a bad file to ``<name>.corrupt-<timestamp>`` and return the new path."""
    target = path.with_name(f"{path.name}.corrupt-{time.strftime('%Y%m%d-%H%M%S')}")
    counter = 1
    while target.exists():
        counter += 1
        target = path.with_name(f"{path.name}.corrupt-{time.strftime('%Y%m%d-%H%M%S')}-{counter}")
    os.replace(path, target)
    return target


def write_json_atomic(path: Path, data: Any) -> None:
    """Write JSON to a temp file in the same folder, fsync it, then rename over ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = json.dumps(data, ensure_ascii=False, indent=1).encode("utf-8")
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(payload)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp_name, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp_name)
        raise
    _fsync_dir(path.parent)


def _fsync_dir(folder: Path) -> None:
    if os.name != "posix":
        return
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
