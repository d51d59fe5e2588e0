"""Export generations to a folder or a zip file, each image with a JSON sidecar; safe names."""

from __future__ import annotations

import contextlib
import json
import os
import time
import uuid
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from qwenimg_desktop.core.errors import UserError
from qwenimg_desktop.core.store.files import (
    DataLayout,
    atomic_copy,
    atomic_write_bytes,
    fsync_dir,
)
from qwenimg_desktop.core.store.records import ImageRecord, JobRecord
from qwenimg_desktop.core.store.stems import MAX_STEM_BYTES, safe_stem


class ExportError(UserError):
    """The export could not be written (the destination is missing, read-only or full)."""

    next_step = "Choose another folder with free space and try again."


@dataclass(frozen=True)
class ExportResult:
    """What an export wrote: ``files`` are paths in the folder, or member names in the zip."""

    destination: Path
    files: tuple[str, ...]
    skipped: tuple[str, ...]
    """Images that were missing on disk (listed as ``<job id>-<index>``)."""


def _unique(stem: str, ext: str, taken: set[str]) -> str:
    name = f"{stem}.{ext}"
    counter = 2
    while name.lower() in taken or f"{Path(name).stem}.json".lower() in taken:
        name = f"{stem}-{counter}.{ext}"
        counter += 1
    taken.add(name.lower())
    taken.add(f"{Path(name).stem}.json".lower())
    return name


def sidecar(record: JobRecord, image: ImageRecord) -> dict[str, Any]:
    """The JSON sidecar of one exported image: the request verbatim plus what the server said."""
    try:
        request: Any = json.loads(record.request_json) if record.request_json else None
    except json.JSONDecodeError:
        request = record.request_json
    return {
        "job_id": record.id, "request_id": record.request_id, "endpoint": record.endpoint,
        "created_at": record.created_at, "finished_at": record.finished_at,
        "state": record.state.value, "seed": record.seed, "request": request,
        "image": {"index": image.index, "width": image.width, "height": image.height,
                  "format": image.format, "sha256": image.sha256},
        "favourite": record.favourite, "note": record.note,
    }


def _planned(records: Iterable[JobRecord], layout: DataLayout, taken: set[str],
             ) -> tuple[list[tuple[str, Path, bytes]], list[str]]:
    """(file name, source image, sidecar bytes) for every image on disk, and the skipped ones."""
    plan: list[tuple[str, Path, bytes]] = []
    skipped: list[str] = []
    for record in records:
        day = time.strftime("%Y%m%d-%H%M%S", time.localtime(record.created_at))
        prompt = safe_stem(record.prompt, max_bytes=MAX_STEM_BYTES - 24)
        for image in record.images:
            source = layout.absolute(image.path)
            if not source.is_file():
                skipped.append(f"{record.id}-{image.index}")
                continue
            ext = image.path.rsplit(".", 1)[-1].lower()
            suffix = f"-{image.index + 1}" if len(record.images) > 1 else ""
            name = _unique(f"{day}_{prompt}{suffix}", ext, taken)
            meta = json.dumps(sidecar(record, image), ensure_ascii=False, indent=2).encode()
            plan.append((name, source, meta))
    return plan, skipped


def export_to_folder(records: Sequence[JobRecord], layout: DataLayout, folder: Path,
                     ) -> ExportResult:
    """Copy each image (and a ``.json`` sidecar) into ``folder``; existing files are kept.

    Every file is written atomically (temp, fsync, rename); names never collide with files
    already in ``folder``.
    """
    folder = Path(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        taken = {p.name.lower() for p in folder.iterdir()}
        plan, skipped = _planned(records, layout, taken)
        written: list[str] = []
        for name, source, meta in plan:
            # An export is the user's own copy, outside the private data dir: the umask decides.
            with source.open("rb") as image:
                atomic_copy(image, folder / name, mode=0o666)
            atomic_write_bytes(folder / f"{Path(name).stem}.json", meta, mode=0o666)
            written += [name, f"{Path(name).stem}.json"]
    except OSError as exc:
        raise ExportError(f"Export to {folder} failed: {exc.strerror or exc}") from exc
    return ExportResult(folder, tuple(written), tuple(skipped))


def export_to_zip(records: Sequence[JobRecord], layout: DataLayout, zip_path: Path,
                  ) -> ExportResult:
    """Write a zip with each image and its sidecar; the zip appears only once complete."""
    zip_path = Path(zip_path)
    tmp = zip_path.with_name(f".{zip_path.name}.{uuid.uuid4().hex[:12]}.partial")
    written: list[str] = []
    try:
        zip_path.parent.mkdir(parents=True, exist_ok=True)
        plan, skipped = _planned(records, layout, set())
        with zipfile.ZipFile(tmp, "x", compression=zipfile.ZIP_STORED) as archive:
            for name, source, meta in plan:
                archive.write(source, name)
                archive.writestr(f"{Path(name).stem}.json", meta,
                                 compress_type=zipfile.ZIP_DEFLATED)
                written += [name, f"{Path(name).stem}.json"]
        with open(tmp, "rb+") as handle:
            os.fsync(handle.fileno())
        os.replace(tmp, zip_path)
        fsync_dir(zip_path.parent)
    except OSError as exc:
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)
        raise ExportError(f"Export to {zip_path} failed: {exc.strerror or exc}") from exc
    return ExportResult(zip_path, tuple(written), tuple(skipped))
