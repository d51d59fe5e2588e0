"""Move a history to another machine: JSON export and import of generations' metadata, the
prompt library, collections, tags and ratings.

The export holds rows, not image files: copy the data folder's images along (or re-download
recent ones); an imported generation whose files are absent shows as missing. No secret is in
the database, so none can be in an export. Import never overwrites: generations whose id exists,
snippets with the same name and text, and existing memberships are skipped, so importing twice
adds nothing the second time.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from qwenimg_desktop.core.errors import UserError
from qwenimg_desktop.core.jobs.model import JobState
from qwenimg_desktop.core.store.files import atomic_write_bytes
from qwenimg_desktop.core.store.library import (
    LibraryError,
    normalize_collection_name,
    normalize_tag,
)
from qwenimg_desktop.core.store.queries import HistoryQuery
from qwenimg_desktop.core.store.records import ImageRecord, JobRecord, parse_stored_request
from qwenimg_desktop.core.store.snippets import Snippet, validated

if TYPE_CHECKING:  # the window loads this module at start-up; the store opens later
    from qwenimg_desktop.core.store.history import HistoryStore

FORMAT: Final = "qwenimg-desktop-export"
VERSION: Final = 1
MAX_IMPORT_BYTES: Final = 2 * 1024**3
_JOB_FIELDS: Final = tuple(f.name for f in fields(JobRecord)
                           if f.name not in ("request", "images", "seq"))
_IMAGE_FIELDS: Final = tuple(f.name for f in fields(ImageRecord))


class TransferError(UserError):
    """An export could not be written or an import file is not a valid export."""

    next_step = "Check the file (it must be an export of Qwen Image Desktop) and try again."


@dataclass(frozen=True)
class ImportResult:
    jobs_added: int = 0
    jobs_skipped: int = 0
    snippets_added: int = 0
    collections_added: int = 0
    memberships_added: int = 0
    tags_added: int = 0
    ratings_set: int = 0


def export_data(store: HistoryStore, *, jobs: bool) -> dict[str, Any]:
    """The export as a JSON-ready dict: the library always, every generation with ``jobs``."""
    ids = [j for _, j in store.query_keys(HistoryQuery(), limit=10**9)]
    collections = []
    for info in store.collections():
        collections.append({"name": info.name, "created_at": info.created_at,
                            "jobs": store.collection_job_ids(info.id)})
    data: dict[str, Any] = {
        "format": FORMAT, "version": VERSION,
        "snippets": [_snippet_json(s) for s in reversed(store.snippets())],
        "collections": collections,
        "tags": store.tags_of(ids),
        "ratings": store.ratings(ids),
    }
    if jobs:
        exported = []
        for start in range(0, len(ids), 500):
            block = store.get_many(ids[start:start + 500])
            for job_id in ids[start:start + 500]:
                record = block.get(job_id)
                if record is not None:
                    exported.append(_job_json(record, store.logs(job_id)))
        exported.reverse()  # oldest first: imported in creation order
        data["jobs"] = exported
    return data


def write_export(store: HistoryStore, path: Path, *, jobs: bool) -> int:
    """Write :func:`export_data` to ``path`` atomically; returns the number of generations."""
    data = export_data(store, jobs=jobs)
    raw = json.dumps(data, ensure_ascii=False, indent=1).encode()
    try:
        atomic_write_bytes(Path(path), raw)
    except OSError as exc:
        raise TransferError(f"The export could not be written to {path}: "
                            f"{exc.strerror or exc}") from exc
    return len(data.get("jobs", ()))


def read_export(path: Path) -> dict[str, Any]:
    """Parse an export file, with a clear error for anything that is not one."""
    path = Path(path)
    try:
        if path.stat().st_size > MAX_IMPORT_BYTES:
            raise TransferError(f"{path} is too large to be an export.")
        data = json.loads(path.read_bytes())
    except OSError as exc:
        raise TransferError(f"{path} cannot be read: {exc.strerror or exc}") from exc
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise TransferError(f"{path} is not JSON: {exc}") from exc
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise TransferError(f"{path} is not an export of Qwen Image Desktop.")
    if data.get("version") != VERSION:
        raise TransferError(f"{path} is export version {data.get('version')!r}; this app reads "
                            f"version {VERSION}.", next_step="Update Qwen Image Desktop.")
    return data


def import_data(store: HistoryStore, data: Mapping[str, Any]) -> ImportResult:
    """Add what ``data`` holds that the history does not have yet (see the module docstring).

    Every part is parsed and checked before the first row is written, so a damaged file
    changes nothing.
    """
    try:
        records = [_job_from_json(j) for j in _list(data, "jobs")]
        logs = {str(j["id"]): [(str(m), lv, ts) for m, lv, ts in j.get("logs", [])]
                for j in _list(data, "jobs")}
        snippets = [validated(_snippet_from_json(s)) for s in _list(data, "snippets")]
        collections = [(normalize_collection_name(str(c["name"])),
                        [str(j) for j in c.get("jobs", [])]) for c in _list(data, "collections")]
        tags = {str(job): [normalize_tag(str(n)) for n in names]
                for job, names in _mapping(data, "tags").items()}
        ratings = {str(job): int(stars) for job, stars in _mapping(data, "ratings").items()}
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise TransferError(f"The export file is damaged: {exc}") from exc
    except LibraryError as exc:
        raise TransferError(f"The export file holds a value this app refuses: {exc.message}"
                            ) from exc
    if any(stars not in range(1, 6) for stars in ratings.values()):
        raise TransferError("The export file is damaged: a rating is not 1 to 5 stars.")
    existing = set(store.get_many([r.id for r in records]))
    added = store.restore([r for r in records if r.id not in existing], logs)
    known = {(s.name, s.body) for s in store.snippets()}
    snippets_added = 0
    for snippet in snippets:
        if (snippet.name, snippet.body) not in known:
            store.save_snippet(snippet)
            known.add((snippet.name, snippet.body))
            snippets_added += 1
    collections_added = memberships = 0
    for name, members in collections:
        collection = store.collection_id(name)
        if collection is None:
            collection = store.create_collection(name)
            collections_added += 1
        memberships += store.add_to_collection(collection, members)
    tags_added = sum(store.add_tags([job], names) for job, names in tags.items())
    current = store.ratings(list(ratings))
    rated = sum(store.set_rating([job], stars) for job, stars in ratings.items()
                if job not in current)
    return ImportResult(len(added), len(records) - len(added), snippets_added,
                        collections_added, memberships, tags_added, rated)


def import_file(store: HistoryStore, path: Path) -> ImportResult:
    return import_data(store, read_export(path))


# ---- JSON shapes --------------------------------------------------------------------------------


def _mapping(data: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    value = data.get(key)
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise TransferError(f"The export file is damaged: {key} is not a mapping.")
    return value


def _list(data: Mapping[str, Any], key: str) -> Sequence[Any]:
    value = data.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        raise TransferError(f"The export file is damaged: {key} is not a list.")
    return value


def _job_json(record: JobRecord, logs: Sequence[tuple[str, str | None, str | None]],
              ) -> dict[str, Any]:
    out = {name: getattr(record, name) for name in _JOB_FIELDS}
    out["state"] = record.state.value
    out["images"] = [asdict(image) for image in record.images]
    out["logs"] = [list(line) for line in logs]
    return out


def _job_from_json(item: Mapping[str, Any]) -> JobRecord:
    values: dict[str, Any] = {name: item.get(name) for name in _JOB_FIELDS}
    job_id = str(values["id"])
    if len(job_id) != 32 or not all(c in "0123456789abcdef" for c in job_id):
        raise ValueError(f"{job_id!r} is not a generation id")
    values["state"] = JobState(values["state"])
    values["created_at"] = float(values["created_at"])
    values["updated_at"] = float(values.get("updated_at") or values["created_at"])
    values["favourite"] = bool(values.get("favourite"))
    for text in ("note", "request_json", "prompt", "negative_prompt", "endpoint",
                 "queue_base"):
        values[text] = str(values.get(text) or "")
    images = tuple(ImageRecord(**{k: image.get(k) for k in _IMAGE_FIELDS})
                   for image in item.get("images", []))
    for image in images:
        if Path(image.path).is_absolute() or ".." in Path(image.path).parts:
            raise ValueError(f"image path {image.path!r} leaves the data folder")
    request = parse_stored_request(job_id, values["request_json"])
    return JobRecord(request=request, images=images, **values)


def _snippet_json(snippet: Snippet) -> dict[str, Any]:
    return {"name": snippet.name, "body": snippet.body,
            "negative_prompt": snippet.negative_prompt, "params": snippet.params,
            "tags": list(snippet.tags), "uses": snippet.uses}


def _snippet_from_json(item: Mapping[str, Any]) -> Snippet:
    params = item.get("params")
    return Snippet(name=str(item["name"]), body=str(item["body"]),
                   negative_prompt=str(item.get("negative_prompt") or ""),
                   params=params if isinstance(params, dict) else None,
                   tags=tuple(str(t) for t in item.get("tags", [])))
