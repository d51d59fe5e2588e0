"""A batch plan: the jobs one request becomes through prompt variables and grid axes.

The window and the CLI build a batch the same way: a base request, the prompts its variables
expand to, and up to three axes (X, Y, Z) each naming one parameter and its values. The plan is
the product — every prompt × every axis value — each job labelled with the values it took, so
the results can be laid out as a grid. The job count is checked before a single request is
built, and every job is validated as its endpoint's input, so a bad value is refused before
anything is journalled or sent.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Final

from pydantic import ValidationError

from qwenimg_desktop.core.cli_values import ValueProblem, parse_value, validate_strict
from qwenimg_desktop.core.endpoints import choose, endpoint_for, endpoint_of
from qwenimg_desktop.core.endpoints.model import Tier
from qwenimg_desktop.core.errors import UserError
from qwenimg_desktop.core.params import MAX_SEED, GenerationRequest, field_errors
from qwenimg_desktop.core.pricing import PriceTable, quote

MAX_BATCH_JOBS: Final = 1000
"""Most jobs one batch may hold (each is a paid request)."""
MAX_AXES: Final = 3

AXES: Final[dict[str, str]] = {
    "seed": "seeds: 1,2,3 or a range 10-19",
    "size": "image sizes: square_hd,landscape_4_3,1024x768",
    "replace": "prompt search and replace: the first value is searched for, each value "
               "(itself included) replaces it: cat,dog,fox",
    "expansion": "prompt expansion: on,off",
    "tier": "endpoint tier: pro,standard",
    "format": "output format: png,jpeg,webp",
}
"""The parameters an axis can vary, with how their values are written."""

_RANGE: Final = re.compile(r"^\s*(\d+)\s*-\s*(\d+)\s*$")
_SWITCH: Final = {"on": True, "off": False, "true": True, "false": False}


class BatchPlanError(UserError):
    """A batch cannot be planned: a bad axis, a bad value, or too many jobs."""

    next_step = "Fix the axis or lower the number of jobs, then try again."


@dataclass(frozen=True)
class Axis:
    """One grid axis: a parameter and the values it takes, in order."""

    name: str
    values: tuple[str, ...]

    def label(self, value: str) -> str:
        """How a cell's value is written on the grid ('seed 12', 'landscape_4_3')."""
        return f"seed {value}" if self.name == "seed" else value


def parse_axis(text: str) -> Axis:
    """``NAME=V1,V2,…`` (a seed axis may be a range ``A-B``); raises :class:`BatchPlanError`."""
    name, sep, raw = text.partition("=")
    name = name.strip().lower()
    if not sep or name not in AXES:
        known = "; ".join(f"{key} ({how})" for key, how in AXES.items())
        raise BatchPlanError(f"Unknown axis {text!r}: write NAME=VALUES with NAME one of {known}.")
    if name == "seed" and (match := _RANGE.match(raw)):
        low, high = int(match.group(1)), int(match.group(2))
        if high < low:
            raise BatchPlanError(f"The seed range {raw.strip()} runs backwards.")
        if high - low + 1 > MAX_BATCH_JOBS:
            raise BatchPlanError(f"The seed range {raw.strip()} has {high - low + 1:,} seeds; "
                                 f"a batch holds at most {MAX_BATCH_JOBS:,} jobs.")
        values = tuple(str(seed) for seed in range(low, high + 1))
    else:
        values = tuple(value.strip() for value in raw.split(","))
    if not values or any(not value for value in values):
        raise BatchPlanError(f"The {name} axis has an empty value in {raw!r}.")
    if name == "seed":
        for value in values:
            if not value.isdigit() or int(value) > MAX_SEED:
                raise BatchPlanError(f"Seed {value!r} is not a whole number from 0 to "
                                     f"{MAX_SEED:,}.")
    if name in {"expansion"} and any(v.lower() not in _SWITCH for v in values):
        raise BatchPlanError(f"The expansion axis takes on and off, not {raw!r}.")
    if name == "tier" and any(v.lower() not in {t.value for t in Tier} for v in values):
        raise BatchPlanError(f"The tier axis takes pro and standard, not {raw!r}.")
    if name == "replace" and len(values) < 2:
        raise BatchPlanError("The replace axis needs the text to find and at least one "
                             "replacement: cat,dog,fox.")
    return Axis(name, values)


def apply(request: GenerationRequest, axis: Axis, value: str) -> GenerationRequest:
    """``request`` with the axis parameter set to ``value``, validated as its endpoint's input."""
    data: dict[str, Any] = request.model_dump(mode="json")
    endpoint = endpoint_of(request)
    try:
        if axis.name == "seed":
            data["seed"] = int(value)
        elif axis.name == "size":
            data["image_size"] = parse_value(endpoint.request_model, "image_size", value)
        elif axis.name == "format":
            data["output_format"] = parse_value(endpoint.request_model, "output_format", value)
        elif axis.name == "expansion":
            data["enable_prompt_expansion"] = _SWITCH[value.lower()]
        elif axis.name == "tier":
            endpoint = choose(endpoint.kind, Tier(value.lower()))
        elif axis.name == "replace":
            search = axis.values[0]
            if search not in request.prompt:
                raise BatchPlanError(f"The replace axis searches for {search!r}, which is not "
                                     "in the prompt.")
            data["prompt"] = request.prompt.replace(search, value)
    except ValueProblem as problem:
        raise BatchPlanError(f"The {axis.name} axis value {value!r}: {problem.message}.") from None
    data["endpoint"] = endpoint.id
    allowed = set(endpoint_for(endpoint.id).request_model.model_fields)
    data = {key: item for key, item in data.items() if key in allowed}
    try:
        return validate_strict(endpoint.request_model, data)
    except ValidationError as exc:
        problems = "; ".join(f"{fe.path or 'request'}: {fe.message}" for fe in field_errors(exc))
        raise BatchPlanError(f"The {axis.name} axis value {value!r} makes an invalid request: "
                             f"{problems}.") from None


@dataclass(frozen=True)
class PlannedJob:
    """One job of a plan and the axis labels (X, Y, Z order) of its grid cell."""

    request: GenerationRequest
    labels: tuple[str, ...]


@dataclass(frozen=True)
class BatchPlan:
    """Every job of a batch, in send order, and the axes they were made from."""

    jobs: tuple[PlannedJob, ...]
    axes: tuple[Axis, ...] = ()

    @property
    def images(self) -> int:
        return sum(job.request.num_images for job in self.jobs)

    def total_cost(self, own_price: float | None = None, table: PriceTable | None = None
                   ) -> float | None:
        """The estimated total in USD: each job's images × the price per image in effect
        (``core/pricing.py``) — the same estimate the journal keeps; None when a job's price
        is unknown."""
        costs = [request_cost(job.request, own_price, table) for job in self.jobs]
        if None in costs:
            return None
        return round(sum(c for c in costs if c is not None), 6)


def request_cost(request: GenerationRequest, own_price: float | None = None,
                 table: PriceTable | None = None) -> float | None:
    """The estimated cost of one job: the one place the engine and batches price a request
    (the user's own price, else fal's as last read; None when neither is known)."""
    return quote(request.endpoint, own_price=own_price, table=table or {}).cost(
        request.num_images)


def plan_batch(base: GenerationRequest, *, prompts: Sequence[str] | None = None,
               axes: Sequence[Axis] = (), limit: int = MAX_BATCH_JOBS) -> BatchPlan:
    """The jobs of ``base`` × ``prompts`` (its variables' expansions; None: its own prompt) ×
    each axis; the first axis varies slowest (rows), the last fastest."""
    if len(axes) > MAX_AXES:
        raise BatchPlanError(f"{len(axes)} axes given; a grid has at most {MAX_AXES} (X, Y, Z).")
    names = [axis.name for axis in axes]
    if len(set(names)) != len(names):
        raise BatchPlanError("Each parameter can be one axis only: " + ", ".join(names) + ".")
    texts = list(prompts) if prompts is not None else [base.prompt]
    count = len(texts) * math.prod(len(axis.values) for axis in axes)
    if count > limit:
        raise BatchPlanError(f"The batch would hold {count:,} jobs; the limit is {limit:,}.")
    if count == 0:
        raise BatchPlanError("The batch holds no job.")
    jobs: list[PlannedJob] = []
    for text in texts:
        start = base if text == base.prompt else _with_prompt(base, text)
        jobs.extend(_cells(start, list(axes), ()))
    return BatchPlan(tuple(jobs), tuple(axes))


def _cells(request: GenerationRequest, axes: list[Axis],
           labels: tuple[str, ...]) -> list[PlannedJob]:
    if not axes:
        return [PlannedJob(request, labels)]
    axis, rest = axes[0], axes[1:]
    cells: list[PlannedJob] = []
    for value in axis.values:
        cells.extend(_cells(apply(request, axis, value), rest, (*labels, axis.label(value))))
    return cells


def _with_prompt(request: GenerationRequest, prompt: str) -> GenerationRequest:
    data = {**request.model_dump(mode="json"), "prompt": prompt}
    try:
        return validate_strict(endpoint_of(request).request_model, data)
    except ValidationError as exc:
        problems = "; ".join(f"{fe.path or 'request'}: {fe.message}" for fe in field_errors(exc))
        raise BatchPlanError(f"An expanded prompt is not a valid request: {problems}.") from None


def seed_sweep(request: GenerationRequest, count: int, *,
               rng: Callable[[int], int]) -> BatchPlan:
    """'More like this': the same settings with ``count`` new seeds drawn by ``rng(MAX_SEED)``."""
    if not 1 <= count <= MAX_BATCH_JOBS:
        raise BatchPlanError(f"Between 1 and {MAX_BATCH_JOBS:,} new seeds, not {count:,}.")
    seeds = [str(rng(MAX_SEED)) for _ in range(count)]
    return plan_batch(request, axes=[Axis("seed", tuple(seeds))])
