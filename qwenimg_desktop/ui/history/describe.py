"""Readable rows for a stored job: every parameter, seed, timings and ids (detail, compare)."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass

from qwenimg_desktop.core.store.records import JobRecord
from qwenimg_desktop.ui.core_texts import parameter_rows as param_texts
from qwenimg_desktop.ui.i18n import translate
from qwenimg_desktop.ui.messages import state_name


@dataclass(frozen=True)
class Row:
    """One labelled value; ``param`` rows affect the image (compare highlights those)."""

    key: str
    label: str
    value: str
    param: bool


def _when(stamp: float | None) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(stamp)) if stamp else "—"


def _span(start: float | None, end: float | None) -> str:
    return f"{end - start:.1f} s" if start and end and end >= start else "—"


def parameter_rows(record: JobRecord) -> list[Row]:
    """Rows for everything that affects the image."""
    req = record.request
    if req is None:
        return [Row("image_size", translate(
            "Describe", "Size"), f"{record.width}×{record.height}", True),
                Row("output_format", translate(
                    "Describe", "Output format"), record.output_format or "—", True),
                Row("seed", translate(
                    "Describe", "Seed used"), str(record.seed) if record.seed is not None else "—",
                    True)]
    rows = [Row("endpoint", translate("Describe", "Endpoint"), req.endpoint, True)]
    for item in param_texts(req):
        if item.name == "seed":
            rows.append(Row("seed_requested", translate(
                "Describe", "Seed requested"), item.text, True))
            rows.append(Row("seed", translate("Describe", "Seed used"),
                            str(record.seed) if record.seed is not None else "—", True))
        else:
            rows.append(Row(item.name, item.title, item.text, True))
    return rows


def info_rows(record: JobRecord) -> list[Row]:
    """State, timings, ids, cost and error text."""
    rows = [
        Row("state", translate("Describe", "State"), state_name(record.state), False),
        Row("created", translate("Describe", "Created"), _when(record.created_at), False),
        Row("finished", translate("Describe", "Finished"), _when(record.finished_at), False),
        Row("queue_wait", translate(
            "Describe", "Queue wait"), _span(record.submitted_at, record.started_at), False),
        Row("run_time", translate(
            "Describe", "Run time"), _span(record.started_at, record.finished_at), False),
        Row("total", translate(
            "Describe", "Total"), _span(record.created_at, record.finished_at), False),
    ]
    inference = _metric(record.metrics_json, "inference_time")
    if inference is not None:
        rows.append(Row("inference", translate(
            "Describe", "Inference time"), f"{inference:.2f} s", False))
    cost = f"{record.cost_estimate:.3f} USD" if record.cost_estimate is not None else "—"
    rows += [
        Row("cost", translate("Describe", "Estimated cost"), cost, False),
        Row("request_id", translate("Describe", "Request id"), record.request_id or "—", False),
        Row("job_id", translate("Describe", "Job id"), record.id, False),
    ]
    for image in record.images:
        rows.append(Row(f"image_{image.index}",
                        translate("Describe", "Image {number}").format(number=image.index + 1),
                        f"{image.width}×{image.height} {image.format}, "
                        f"{image.size_bytes / 1024:.0f} KiB", False))
    if record.error:
        rows.append(Row("error", translate("Describe", "Error"), record.error, False))
    if record.error_type:
        rows.append(Row("error_type", translate(
            "Describe", "Error type"), record.error_type, False))
    return rows


def _metric(metrics_json: str | None, name: str) -> float | None:
    if not metrics_json:
        return None
    try:
        value = json.loads(metrics_json).get(name)
    except (json.JSONDecodeError, AttributeError):
        return None
    return float(value) if isinstance(value, int | float) else None
