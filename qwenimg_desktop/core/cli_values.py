"""Strict parsing of ``--param KEY=VALUE`` text into request fields, and strict validation.

A value typed on a command line is text; each field says what text it takes, and nothing else
is read into it. ``true`` is not a number, ``1.0`` is not a count, ``yes`` is not a flag,
``-0`` is not a seed and ``512X512`` is not a size: each is refused with the field's name and the
accepted form, before anything is sent. The parsers follow the request model's field types, so a
field added to the model is parsed by its type without a change here.

The parsed values are then validated with pydantic's strict mode (through JSON, where enum
values are their text), so no lax conversion happens there either.
"""

from __future__ import annotations

import json
import re
import types
from enum import Enum
from typing import Annotated, Any, Final, TypeVar, Union, get_args, get_origin

from pydantic import BaseModel

M = TypeVar("M", bound=BaseModel)

MAX_OBJECT_CHARS: Final = 200  # a JSON object value (a custom size) is short; refuse more
_WHOLE: Final = re.compile(r"[0-9]{1,18}")
_DECIMAL: Final = re.compile(r"[0-9]{1,18}(\.[0-9]{1,18})?")
_SIZE: Final = re.compile(r"([0-9]{1,6})x([0-9]{1,6})")


class ValueProblem(ValueError):
    """A ``--param`` value that its field does not take (``key`` names the field)."""

    def __init__(self, key: str, message: str) -> None:
        super().__init__(f"{key}: {message}")
        self.key = key
        self.message = message


def split_param(item: str) -> tuple[str, str]:
    """``KEY=VALUE`` → (key, raw text); raises ``ValueProblem`` when there is no ``=``."""
    key, sep, raw = item.partition("=")
    key = key.strip()
    if not sep or not key:
        raise ValueProblem(key or "param", "write it as KEY=VALUE, e.g. seed=42")
    return key, raw


def parse_value(model: type[BaseModel], key: str, raw: str) -> Any:
    """The value of field ``key`` of ``model`` written as ``raw``; strict, by the field's type.

    Raises:
        ValueProblem: unknown field, or text the field does not take (the text is not echoed:
            it may be anything the user pasted).
    """
    field = model.model_fields.get(key)
    if field is None:
        known = ", ".join(sorted(model.model_fields))
        raise ValueProblem(key, f"not a parameter of this endpoint (known: {known})")
    kinds = _kinds(field.annotation)
    if kinds == {bool}:
        return _flag(key, raw.strip())
    if kinds and kinds <= {int}:
        return _whole(key, raw.strip())
    if kinds and kinds <= {int, float}:
        return _decimal(key, raw.strip())
    enums = [kind for kind in kinds if isinstance(kind, type) and issubclass(kind, Enum)]
    objects = [kind for kind in kinds if isinstance(kind, type) and issubclass(kind, BaseModel)]
    if enums or objects:
        return _choice_or_object(key, raw.strip(), enums, objects)
    return raw  # text fields take the text exactly as written


def validate_strict(model: type[M], data: dict[str, Any]) -> M:
    """``data`` validated by ``model`` in strict mode (raises pydantic's ``ValidationError``)."""
    return model.model_validate_json(json.dumps(data), strict=True)


def _kinds(annotation: Any) -> set[Any]:
    """The plain types an annotation allows (``Annotated`` and ``None`` removed, unions opened)."""
    origin = get_origin(annotation)
    if origin is Annotated:
        return _kinds(get_args(annotation)[0])
    if origin is Union or origin is types.UnionType:
        found: set[Any] = set()
        for arg in get_args(annotation):
            found |= _kinds(arg)
        return found
    if annotation is type(None):
        return set()
    return {annotation}


def _flag(key: str, text: str) -> bool:
    if text in ("true", "false"):
        return text == "true"
    raise ValueProblem(key, "takes true or false")


def _whole(key: str, text: str) -> int:
    if _WHOLE.fullmatch(text):
        return int(text)
    raise ValueProblem(key, "takes a whole number written in digits, such as 42")


def _decimal(key: str, text: str) -> float:
    if _DECIMAL.fullmatch(text):
        return float(text)
    raise ValueProblem(key, "takes a number written in digits, such as 0.5")


def _choice_or_object(key: str, text: str, enums: list[type[Enum]],
                      objects: list[type[BaseModel]]) -> Any:
    names = [str(member.value) for enum in enums for member in enum]
    if text in names:
        return text
    if objects:
        size = _SIZE.fullmatch(text)
        has_size = any({"width", "height"} <= set(obj.model_fields) for obj in objects)
        if size and has_size:
            return {"width": int(size.group(1)), "height": int(size.group(2))}
        if text.startswith("{"):
            return _object(key, text)
    forms = []
    if names:
        forms.append("one of " + ", ".join(names))
    if any({"width", "height"} <= set(obj.model_fields) for obj in objects):
        forms.append('WIDTHxHEIGHT such as 1024x768, or {"width": 1024, "height": 768}')
    raise ValueProblem(key, "takes " + " or ".join(forms))


def _object(key: str, text: str) -> dict[str, Any]:
    if len(text) > MAX_OBJECT_CHARS:
        raise ValueProblem(key, f"a JSON object here is at most {MAX_OBJECT_CHARS} characters")
    try:
        value = json.loads(text)
    except (ValueError, RecursionError):
        raise ValueProblem(key, "is not a valid JSON object") from None
    if not isinstance(value, dict):
        raise ValueProblem(key, "is not a valid JSON object")
    return value
