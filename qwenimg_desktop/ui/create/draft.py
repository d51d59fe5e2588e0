"""Draft: the editable, not yet validated request; validated (debounced) into a request."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Final

from pydantic import ValidationError
from PySide6.QtCore import QObject, QTimer, Signal

from qwenimg_desktop.core.edit_request import Reference
from qwenimg_desktop.core.endpoints import (
    Endpoint,
    UnknownEndpoint,
    build_request,
    default_endpoint,
    endpoint_for,
)
from qwenimg_desktop.core.endpoints.describe import field_specs
from qwenimg_desktop.core.params import (
    MAX_SEED,
    GenerationRequest,
    field_errors,
)
from qwenimg_desktop.core.settings import DraftSnapshot, ParamValues, SeedMode
from qwenimg_desktop.ui.i18n import translate

VALIDATE_DELAY_MS: Final = 150


@dataclass(frozen=True)
class Validation:
    """Result of validating the draft: a request, or messages keyed by field."""

    request: GenerationRequest | None
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.request is not None


class Draft(QObject):
    """Prompt, negative prompt and parameter values as edited; emits validation results.

    Every change restarts a 150 ms timer; when it fires the draft is validated with pydantic and
    ``validated`` is emitted. ``validate_now()`` validates at once (used by Generate).
    """

    changed = Signal()
    params_changed = Signal()  # params replaced as a whole (presets, "use these settings")
    validated = Signal(object)  # Validation

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._prompt = ""
        self._negative = ""
        self._params = ParamValues()
        self._references: tuple[Reference, ...] = ()
        self._last = Validation(None, {"prompt": translate("Draft", "Write a prompt first.")})
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(VALIDATE_DELAY_MS)
        self._timer.timeout.connect(self.validate_now)

    def __repr__(self) -> str:
        return f"<Draft prompt={len(self._prompt)} chars ok={self._last.ok}>"

    @property
    def prompt(self) -> str:
        return self._prompt

    @property
    def negative_prompt(self) -> str:
        return self._negative

    @property
    def params(self) -> ParamValues:
        return self._params.model_copy()

    @property
    def endpoint(self) -> Endpoint:
        return endpoint_or_default(self._params.endpoint)

    @property
    def references(self) -> tuple[Reference, ...]:
        return self._references

    def set_references(self, references: tuple[Reference, ...]) -> None:
        """The edit's reference images, in order (image 1, 2, 3)."""
        if references != self._references:
            self._references = tuple(references)
            self._touch()

    @property
    def last_validation(self) -> Validation:
        return self._last

    def set_prompt(self, text: str) -> None:
        if text != self._prompt:
            self._prompt = text
            self._touch()

    def set_negative_prompt(self, text: str) -> None:
        if text != self._negative:
            self._negative = text
            self._touch()

    def update_params(self, **changes: Any) -> None:
        """Change some values: request fields or state, by name (see :class:`ParamValues`)."""
        new = self._params.changed(**changes)
        if new != self._params:
            self._params = new
            self._touch()

    def set_params(self, params: ParamValues) -> None:
        """Replace all parameter values (a preset, or settings taken from a job)."""
        self._params = params.model_copy()
        self.params_changed.emit()
        self._touch()

    def snapshot(self, cursor: int = 0) -> DraftSnapshot:
        return DraftSnapshot(
            prompt=self._prompt, negative_prompt=self._negative, params=self._params,
            cursor=cursor,
            references=tuple(ref.model_copy(update={"url": None}) for ref in self._references),
        )

    def after_submit(self) -> None:
        """Advance the seed in increment mode (called once per Generate)."""
        if self._params.seed_mode is SeedMode.increment:
            seed = _parse_seed(self._params.seed_text)
            if isinstance(seed, int):
                self.update_params(seed_text=str((seed + 1) % (MAX_SEED + 1)))
                self.params_changed.emit()

    def validate_now(self) -> Validation:
        self._timer.stop()
        self._last = validate(self._prompt, self._negative, self._params, self._references)
        self.validated.emit(self._last)
        return self._last

    def _touch(self) -> None:
        self.changed.emit()
        self._timer.start()


def endpoint_or_default(endpoint_id: str) -> Endpoint:
    """The chosen endpoint; one this version does not know (a newer app's preset) reads as
    the default."""
    try:
        return endpoint_for(endpoint_id)
    except UnknownEndpoint:
        return default_endpoint()


def validate(prompt: str, negative: str, params: ParamValues,
             references: tuple[Reference, ...] = ()) -> Validation:
    """Build a request from edited values, or say what is wrong with each field."""
    errors: dict[str, str] = {}
    seed: int | None = None
    if params.seed_mode is not SeedMode.random:
        parsed = _parse_seed(params.seed_text)
        if isinstance(parsed, str):
            errors["seed"] = parsed
        else:
            seed = parsed
    endpoint = endpoint_or_default(params.endpoint)
    specs = {spec.name: spec for spec in field_specs(endpoint.request_model)}
    data: dict[str, Any] = {
        name: value for name, value in params.fields.items()
        if name in specs and specs[name].kind not in ("text", "size", "seed", "hidden")
    }
    data.update(prompt=prompt, negative_prompt=negative, seed=seed)
    if "image_size" in specs:
        data["image_size"] = _size_value(params, size_optional=specs["image_size"].default is None)
    if "references" in specs:
        data["references"] = [ref.model_dump() for ref in references]
    try:
        request = build_request(endpoint.id, data)
    except ValidationError as exc:
        for problem in field_errors(exc):
            key = problem.path.split(".", 1)[0] or "prompt"
            errors.setdefault(key, _sentence(key, problem.path, problem.message))
        return Validation(None, errors)
    if errors:
        return Validation(None, errors)
    return Validation(request)


def _size_value(params: ParamValues, *, size_optional: bool) -> Any:
    if size_optional and params.size_from_input:
        return None
    if params.size_preset is not None:
        return params.size_preset
    return {"width": params.custom_width, "height": params.custom_height}


def _parse_seed(text: str) -> int | str:
    """The seed as an int, or a sentence explaining why the text is not a seed."""
    stripped = text.strip()
    if not stripped:
        return translate("Draft", "Enter a seed, or choose Random.")
    if not stripped.isdigit():
        return translate("Draft", "A seed is a whole number from 0 to {max}.").format(
            max=f"{MAX_SEED:,}")
    value = int(stripped)
    if value > MAX_SEED:
        return translate("Draft", "The largest seed is {max}.").format(max=f"{MAX_SEED:,}")
    return value


def _sentence(key: str, path: str, message: str) -> str:
    if key == "prompt" and "at least 1" in message:
        return translate("Draft", "Write a prompt first.")
    if key == "prompt" and "empty" in message:
        return translate("Draft", "The prompt is only spaces: write what to draw.")
    if key == "image_size" and path.endswith(("width", "height")):
        side = path.rsplit(".", 1)[-1]
        side_name = (translate("Draft", "Width") if side == "width"
                     else translate("Draft", "Height"))
        return f"{side_name}: {message}."
    if key == "negative_prompt" and "at most" in message:
        return translate("Draft", "The negative prompt is longer than 500 characters.")
    if key == "references" and "at least 1" in message:
        return translate(
            "Draft", "Add a reference image to edit (drop or paste one, or use Edit this image).")
    return message[:1].upper() + message[1:] + ("" if message.endswith(".") else ".")

