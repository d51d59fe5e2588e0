"""The grid a batch is laid out as: its axes, each job's cell, kept with the batch.

A plan's jobs carry the labels of the axis values they took (``PlannedJob.labels``); a batch
made from several expanded prompts also varies by prompt, which becomes one more axis
("prompt"). The grid is kept beside the batch (``core/store/grids.py``) so the window can lay
out the results, draw a contact sheet and re-run the same plan long after the batch was sent.

On screen the first axis is X (columns), the second Y (rows), and any further axes make pages
(Z), as the batch panel's "X; Y; Z" reads.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final

from qwenimg_desktop.core.batch.plan import Axis, BatchPlan, PlannedJob
from qwenimg_desktop.core.errors import UserError

PROMPT_AXIS: Final = "prompt"
JOB_AXIS: Final = "job"
"""The axis of a batch whose jobs differ by nothing an axis names: numbered #1, #2…"""
PROMPT_LABEL_CHARS: Final = 48
"""A prompt's header on the grid: its first characters (the whole prompt is its tooltip)."""


class GridError(UserError):
    """A stored grid cannot be read back (written by a newer version, or damaged)."""

    next_step = "The batch's generations are still in the history; open them from there."


@dataclass(frozen=True)
class GridAxis:
    """One axis of the grid: the parameter, its values as written and as labelled."""

    name: str
    values: tuple[str, ...]
    labels: tuple[str, ...]


@dataclass(frozen=True)
class GridCell:
    """One job of the grid and the label it took on each axis (X, Y, Z… order)."""

    job_id: str
    labels: tuple[str, ...]


@dataclass(frozen=True)
class Grid:
    """A batch's axes and cells (in send order)."""

    batch_id: str
    axes: tuple[GridAxis, ...]
    cells: tuple[GridCell, ...]

    @property
    def columns(self) -> tuple[str, ...]:
        return self.axes[0].labels if self.axes else ("",)

    @property
    def rows(self) -> tuple[str, ...]:
        return self.axes[1].labels if len(self.axes) > 1 else ("",)

    @property
    def pages(self) -> tuple[str, ...]:
        """One label per page: the Z values (joined with ' · ' past three axes)."""
        deeper = self.axes[2:]
        if not deeper:
            return ("",)
        labels: list[str] = [""]
        for axis in deeper:
            labels = [f"{head} · {label}" if head else label
                      for head in labels for label in axis.labels]
        return tuple(labels)

    def page_of(self, cell: GridCell) -> str:
        return " · ".join(cell.labels[2:])

    def cell_at(self, page: str, row: str, column: str) -> GridCell | None:
        """The cell at a page, row and column (labels as the properties give them)."""
        for cell in self.cells:
            column_label = cell.labels[0] if cell.labels else ""
            row_label = cell.labels[1] if len(cell.labels) > 1 else ""
            if (column_label, row_label) == (column, row) and self.page_of(cell) == page:
                return cell
        return None

    @property
    def job_ids(self) -> tuple[str, ...]:
        return tuple(cell.job_id for cell in self.cells)

    @property
    def plan_axes(self) -> tuple[Axis, ...]:
        """The axes a plan was made with (the prompt axis comes from the requests)."""
        return tuple(Axis(a.name, a.values) for a in self.axes
                     if a.name not in (PROMPT_AXIS, JOB_AXIS))

    def describe(self) -> str:
        """'seed × size' — the axes' names, X first."""
        return " × ".join(axis.name for axis in self.axes) or "one job"

    # ---- storage -------------------------------------------------------------------------------

    def axes_json(self) -> str:
        return json.dumps([{"name": a.name, "values": list(a.values), "labels": list(a.labels)}
                           for a in self.axes], ensure_ascii=False)

    def cells_json(self) -> str:
        return json.dumps([[c.job_id, list(c.labels)] for c in self.cells], ensure_ascii=False)

    @classmethod
    def from_json(cls, batch_id: str, axes: str, cells: str) -> Grid:
        """The grid as stored; :class:`GridError` when the text is not a grid."""
        try:
            raw_axes: Any = json.loads(axes)
            raw_cells: Any = json.loads(cells)
            parsed_axes = tuple(
                GridAxis(str(a["name"]), tuple(str(v) for v in a["values"]),
                         tuple(str(v) for v in a["labels"])) for a in raw_axes)
            parsed_cells = tuple(GridCell(str(job_id), tuple(str(v) for v in labels))
                                 for job_id, labels in raw_cells)
        except (ValueError, TypeError, KeyError) as exc:
            raise GridError(f"The grid of batch {batch_id} cannot be read ({exc}).") from None
        return cls(batch_id, parsed_axes, parsed_cells)


def prompt_label(prompt: str) -> str:
    flat = " ".join(prompt.split())
    return flat if len(flat) <= PROMPT_LABEL_CHARS else flat[:PROMPT_LABEL_CHARS - 1] + "…"


def grid_for(plan: BatchPlan, batch_id: str, job_ids: Sequence[str]) -> Grid:
    """The grid of a plan sent as ``batch_id`` (``job_ids`` in the plan's order).

    The plan's jobs are its prompts × its axes, the prompt varying slowest; when there is more
    than one prompt, the prompt is one more axis, after the plan's own.
    """
    if len(job_ids) != len(plan.jobs):
        raise GridError(f"{len(job_ids)} job ids for a plan of {len(plan.jobs)} jobs.")
    per_prompt = math.prod(len(axis.values) for axis in plan.axes) or 1
    prompts = max(1, len(plan.jobs) // per_prompt)
    axes = [GridAxis(axis.name, axis.values, tuple(axis.label(v) for v in axis.values))
            for axis in plan.axes]
    extra: list[tuple[str, ...]] = [() for _ in plan.jobs]
    if prompts > 1:
        firsts = [plan.jobs[i * per_prompt].request.prompt for i in range(prompts)]
        if len(set(firsts)) == len(firsts):
            labels = _distinct([prompt_label(text) for text in firsts])
            axes.append(GridAxis(PROMPT_AXIS, tuple(firsts), tuple(labels)))
        else:  # the same prompt again (a re-run of a batch made without axes): by number
            labels = [f"#{i + 1}" for i in range(prompts)]
            axes.append(GridAxis(JOB_AXIS, tuple(labels), tuple(labels)))
        extra = [(labels[i // per_prompt],) for i in range(len(plan.jobs))]
    cells = tuple(GridCell(job_id, (*job.labels, *more))
                  for job_id, job, more in zip(job_ids, plan.jobs, extra, strict=True))
    return Grid(batch_id, tuple(axes), cells)


def numbered_grid(batch_id: str, job_ids: Sequence[str]) -> Grid:
    """The grid of a batch sent without one (the command line's ``--batch`` file): one row,
    a column a job, numbered in send order."""
    labels = tuple(f"#{i + 1}" for i in range(len(job_ids)))
    return Grid(batch_id, (GridAxis(JOB_AXIS, labels, labels),),
                tuple(GridCell(job_id, (label,)) for job_id, label in zip(job_ids, labels,
                                                                          strict=True)))


def _distinct(labels: list[str]) -> list[str]:
    """Labels made unique (two prompts alike in their first characters get '#2', '#3')."""
    seen: dict[str, int] = {}
    result = []
    for label in labels:
        seen[label] = seen.get(label, 0) + 1
        result.append(label if seen[label] == 1 else f"{label} #{seen[label]}")
    return result


def replan(grid: Grid, requests: dict[str, Any]) -> BatchPlan:
    """The plan of a stored grid again ('re-run the batch'): each cell's stored request, in
    the grid's order; cells whose request is gone are left out."""
    jobs = tuple(PlannedJob(requests[cell.job_id], cell.labels[:len(grid.plan_axes)])
                 for cell in grid.cells if requests.get(cell.job_id) is not None)
    if not jobs:
        raise GridError("None of the batch's requests is in the history any more.")
    return BatchPlan(jobs, grid.plan_axes)
