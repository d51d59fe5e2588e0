"""Reference images kept in the history, content-addressed: one file per distinct image.

``references/<sha[:2]>/<sha>.<ext>`` under the data root, so an edit stays browsable offline
with what it was made from, and the same image used by many edits is stored once.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from qwenimg_desktop.core.edit_request import Reference
from qwenimg_desktop.core.errors import StoreError
from qwenimg_desktop.core.references import extension_for
from qwenimg_desktop.core.store.files import DataLayout, atomic_write_bytes


class ReferenceMissing(StoreError):
    """A reference image's file is gone from the history folder."""


def relative_path(reference: Reference) -> str:
    """The POSIX path of the reference's file, relative to the data root."""
    sha = reference.sha256
    return f"references/{sha[:2]}/{sha}.{extension_for(reference.content_type)}"


def reference_path(layout: DataLayout, reference: Reference) -> Path:
    return layout.root / relative_path(reference)


def keep_reference(layout: DataLayout, reference: Reference, data: bytes) -> Path:
    """Store ``data`` for ``reference`` (atomically; an identical file is left as it is)."""
    if hashlib.sha256(data).hexdigest() != reference.sha256:
        raise ValueError("the bytes do not match the reference's sha256")
    path = reference_path(layout, reference)
    if path.is_file() and path.stat().st_size == len(data):
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_bytes(path, data)
    return path


def read_reference(layout: DataLayout, reference: Reference) -> bytes:
    """The stored bytes of ``reference``, checked against its sha256."""
    path = reference_path(layout, reference)
    try:
        data = path.read_bytes()
    except OSError:
        raise ReferenceMissing(
            f"reference image {reference.file_name} is missing from the history folder",
            next_step="Add the image again and retry the edit.") from None
    if hashlib.sha256(data).hexdigest() != reference.sha256:
        raise ReferenceMissing(f"reference image {reference.file_name} was changed on disk",
                               next_step="Add the image again and retry the edit.")
    return data
