"""Every parameter described from its field: titles, value texts, bounds and help lines.

The history detail, the result caption, the metadata ``parameters`` text and the CLI help read
these, so a field added to a request model shows up in all of them without further code.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import Enum
from typing import Any

from annotated_types import Ge, Le, MaxLen
from pydantic import BaseModel
from pydantic.fields import FieldInfo

from qwenimg_desktop.core.endpoints.model import Endpoint
from qwenimg_desktop.core.params import (
    CustomSize,
    GenerationRequest,
    ImageSizePreset,
    size_dimensions,
)

SKIPPED_KINDS = frozenset({"hidden", "references"})


@dataclass(frozen=True)
class FieldSpec:
    """One request field as the forms and texts see it."""

    name: str
    title: str
    description: str
    kind: str
    none_text: str
    default: Any
    minimum: float | None
    maximum: float | None
    choices: tuple[str, ...] = ()
    """The allowed values of an enum field, in declaration order."""

    @property
    def bounds_text(self) -> str:
        if self.minimum is not None and self.maximum is not None:
            return f"{self.minimum:g}–{self.maximum:g}"
        if self.maximum is not None:
            return f"at most {self.maximum:g}"
        return ""


@dataclass(frozen=True)
class ParamText:
    """One parameter of a request, readable: ``title: text``."""

    name: str
    title: str
    text: str


def field_specs(model: type[BaseModel]) -> list[FieldSpec]:
    """Every field of ``model`` in declaration order, with its form hint and bounds."""
    return [_spec(name, info) for name, info in model.model_fields.items()]


def form_fields(model: type[BaseModel]) -> list[FieldSpec]:
    """The fields a parameters form edits (not the prompts, the endpoint or the references)."""
    return [spec for spec in field_specs(model)
            if spec.kind not in SKIPPED_KINDS and spec.kind != "text"]


def _spec(name: str, info: FieldInfo) -> FieldSpec:
    extra = info.json_schema_extra if isinstance(info.json_schema_extra, dict) else {}
    hint: Any = extra.get("form") or {}
    minimum = maximum = None
    for item in info.metadata:
        if isinstance(item, Ge):
            minimum = float(item.ge)  # type: ignore[arg-type]
        elif isinstance(item, Le):
            maximum = float(item.le)  # type: ignore[arg-type]
        elif isinstance(item, MaxLen):
            maximum = float(item.max_length)
    return FieldSpec(
        name=name, title=info.title or name.replace("_", " ").capitalize(),
        description=info.description or "", kind=str(hint.get("kind") or _kind(info)),
        none_text=str(hint.get("none_text") or "—"), default=info.get_default(),
        minimum=minimum, maximum=maximum, choices=_choices(info.annotation),
    )


def _choices(annotation: Any) -> tuple[str, ...]:
    if isinstance(annotation, type) and issubclass(annotation, Enum):
        return tuple(str(member.value) for member in annotation)
    return ()


def _kind(info: FieldInfo) -> str:
    annotation = info.annotation
    if annotation is bool:
        return "toggle"
    if annotation is int or annotation is float:
        return "number"
    if isinstance(annotation, type) and issubclass(annotation, Enum):
        return "choice"
    return "line"


def value_text(value: Any, spec: FieldSpec) -> str:
    """A value as people read it: on/off, a preset with its pixels, ``random`` for no seed."""
    if value is None or value == "":
        return spec.none_text
    if isinstance(value, bool):
        return "on" if value else "off"
    if isinstance(value, CustomSize):
        return f"custom {value.width}×{value.height}"
    if isinstance(value, ImageSizePreset):
        width, height = size_dimensions(value)
        return f"{value.value} ({width}×{height})"
    if isinstance(value, Enum):
        return str(value.value)
    return str(value)


def parameter_texts(request: GenerationRequest, *, skip: Iterable[str] = ("prompt",)
                    ) -> list[ParamText]:
    """Each parameter of ``request`` (the prompt and local fields left out by default)."""
    skipped = set(skip)
    return [
        ParamText(spec.name, spec.title, value_text(getattr(request, spec.name), spec))
        for spec in field_specs(type(request))
        if spec.name not in skipped and spec.kind not in SKIPPED_KINDS
    ]


def help_lines(endpoints: Iterable[Endpoint]) -> list[str]:
    """``--param`` help: each field once, its bounds and default (per endpoint where they
    differ) and the endpoints that take it."""
    by_name: dict[str, list[tuple[FieldSpec, str]]] = {}
    all_ids: list[str] = []
    for endpoint in endpoints:
        all_ids.append(endpoint.id)
        for spec in field_specs(endpoint.request_model):
            if spec.kind not in SKIPPED_KINDS and spec.name != "prompt":
                by_name.setdefault(spec.name, []).append((spec, endpoint.id))
    lines = []
    for name, entries in by_name.items():
        spec = entries[0][0]
        lines.append(f"  {name}: {spec.title}. {spec.description} ({_limits(entries, all_ids)})")
    return lines


def _limits(entries: list[tuple[FieldSpec, str]], all_ids: list[str]) -> str:
    """``1–4; default 1``, or each variant with the endpoints it applies to."""
    variants: dict[str, list[str]] = {}
    for spec, endpoint_id in entries:
        parts = [spec.bounds_text] if spec.bounds_text and spec.kind != "text" else []
        parts.append(f"default {value_text(spec.default, spec)}")
        variants.setdefault("; ".join(parts), []).append(endpoint_id)
    if len(variants) == 1:
        (text, ids), = variants.items()
        return text if len(ids) == len(all_ids) else f"{text}; only {', '.join(ids)}"
    return " | ".join(f"{text} on {', '.join(ids)}" for text, ids in variants.items())
