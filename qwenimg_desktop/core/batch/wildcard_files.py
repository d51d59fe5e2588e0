"""Editing the wildcards folder: read, save, create, rename and delete one list file.

The app's editor changes ``<data dir>/wildcards/<name>.txt`` only through here. A name must be
one ``__name__`` can call (letters and digits of any script, ``-`` and inner ``_``); a list is
saved as UTF-8 with the store's one atomic write (a reader sees the old list or the whole new
one), within the size :mod:`~qwenimg_desktop.core.batch.variables` reads.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Final

from qwenimg_desktop.core.batch.variables import (
    MAX_WILDCARD_FILE_BYTES,
    WILDCARDS_DIR,
    is_wildcard_name,
    wildcard_path,
)
from qwenimg_desktop.core.errors import UserError
from qwenimg_desktop.core.store.files import atomic_write_bytes

MAX_NAME_CHARS: Final = 64


class WildcardFileError(UserError):
    """A wildcard list cannot be created, saved, renamed or deleted as asked."""

    next_step = "Choose another name or fix the list, then try again."


def check_name(name: str) -> str:
    """``name`` stripped, or :class:`WildcardFileError` saying why ``__name__`` could not
    call it."""
    name = name.strip()
    if not name:
        raise WildcardFileError("A wildcard list needs a name.")
    if len(name) > MAX_NAME_CHARS:
        raise WildcardFileError(f"A wildcard name has at most {MAX_NAME_CHARS} characters.")
    if not is_wildcard_name(name):
        raise WildcardFileError(
            f"“{name}” cannot be a wildcard name: use letters or digits (any script), with "
            "- or _ inside (colours, 颜色, hair-style).")
    return name


def read_list(data_dir: Path, name: str) -> str:
    """The list's text as saved (UTF-8; an unreadable byte shown as �)."""
    path = wildcard_path(data_dir, check_name(name))
    try:
        return path.read_bytes().decode("utf-8-sig", errors="replace")
    except OSError as exc:
        raise WildcardFileError(f"The list {WILDCARDS_DIR}/{name}.txt cannot be read: "
                                f"{exc.strerror or exc}.") from None


def save_list(data_dir: Path, name: str, text: str) -> Path:
    """Write the list (one entry a line) atomically; returns its path."""
    path = wildcard_path(data_dir, check_name(name))
    data = text.replace("\r\n", "\n").encode("utf-8")
    if len(data) > MAX_WILDCARD_FILE_BYTES:
        raise WildcardFileError(f"The list is {len(data):,} bytes; the limit is "
                                f"{MAX_WILDCARD_FILE_BYTES:,}.")
    try:
        atomic_write_bytes(path, data)
    except OSError as exc:
        raise WildcardFileError(f"The list {WILDCARDS_DIR}/{name}.txt cannot be saved: "
                                f"{exc.strerror or exc}.",
                                next_step="Free some disk space or check the data folder's "
                                          "permissions, then save again.") from None
    return path


def create_list(data_dir: Path, name: str) -> Path:
    """A new, empty list; refused when one of that name exists."""
    name = check_name(name)
    if wildcard_path(data_dir, name).exists():
        raise WildcardFileError(f"A list named “{name}” exists already.")
    return save_list(data_dir, name, "")


def rename_list(data_dir: Path, old: str, new: str) -> Path:
    """Rename a list; refused when the new name is taken. Prompts naming ``__old__`` are left
    as they are (they then say the list is missing)."""
    source = wildcard_path(data_dir, check_name(old))
    target = wildcard_path(data_dir, check_name(new))
    if target.exists():
        raise WildcardFileError(f"A list named “{new.strip()}” exists already.")
    try:
        os.rename(source, target)  # same folder: atomic, never a half-moved file
    except OSError as exc:
        raise WildcardFileError(f"The list “{old}” cannot be renamed: "
                                f"{exc.strerror or exc}.") from None
    return target


def delete_list(data_dir: Path, name: str) -> None:
    """Delete a list file (a missing one is already deleted)."""
    try:
        wildcard_path(data_dir, check_name(name)).unlink(missing_ok=True)
    except OSError as exc:
        raise WildcardFileError(f"The list “{name}” cannot be deleted: "
                                f"{exc.strerror or exc}.") from None
