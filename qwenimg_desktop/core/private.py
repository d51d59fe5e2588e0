"""User-only permissions for everything the app keeps: folders 0700, files 0600.

Prompts, logs, images and the history are private. Files are created with these modes
explicitly (never left to the umask, which is commonly 022 and would make them readable by every
local user), and :func:`secure_tree` fixes what an older version, or another tool, left open.
Windows has no such mode bits; there the calls are harmless and the per-user profile folders
already keep other users out.
"""

from __future__ import annotations

import contextlib
import logging
import os
import stat
import tempfile
from pathlib import Path
from typing import IO, Final

PRIVATE_DIR: Final = 0o700
PRIVATE_FILE: Final = 0o600

_log = logging.getLogger("qwenimg.private")


def private_dir(directory: Path) -> Path:
    """Create ``directory`` and each missing parent as 0700 (existing ones are left alone).

    Raises:
        OSError: the folder cannot be created (read-only, full, no permission).
    """
    directory = Path(directory)
    missing: list[Path] = []
    probe = directory
    while not probe.exists() and probe != probe.parent:
        missing.append(probe)
        probe = probe.parent
    for folder in reversed(missing):
        with contextlib.suppress(FileExistsError):  # made meanwhile by another thread/process
            folder.mkdir(mode=PRIVATE_DIR)
    if not directory.is_dir():
        raise NotADirectoryError(f"{directory} is not a folder")
    return directory


def open_private(path: Path, mode: str = "a", encoding: str = "utf-8") -> IO[str]:
    """Open a text file for writing (``"a"`` or ``"w"``), creating it as 0600."""
    flags = os.O_WRONLY | os.O_CREAT | (os.O_APPEND if mode == "a" else os.O_TRUNC)
    fd = os.open(path, flags, PRIVATE_FILE)
    return os.fdopen(fd, mode, encoding=encoding)


def create_private_file(path: Path) -> None:
    """Create ``path`` empty as 0600 if it does not exist (so a library that opens it later,
    SQLite for one, keeps that mode, and gives it to the files it makes beside it)."""
    with contextlib.suppress(FileExistsError):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE))


def secure_tree(root: Path) -> int:
    """Make ``root`` and everything under it user-only; returns how many entries were changed.

    When ``root`` is already 0700 only its direct entries are checked (the common case: a
    folder this app made; a full walk of a large image library at every start would cost
    seconds). Otherwise the whole tree is fixed, ``root`` last, so an interrupted pass is redone
    at the next start. Entries that cannot be changed (owned by someone else, read-only disk)
    are logged and left.
    """
    root = Path(root)
    try:
        root_mode = stat.S_IMODE(root.lstat().st_mode)
    except OSError:
        return 0
    changed = 0
    if root_mode == PRIVATE_DIR:
        with contextlib.suppress(OSError):
            for entry in os.scandir(root):
                changed += _fix(Path(entry.path))
        return changed
    if not _keeps_modes(root):  # FAT, some network shares, a read-only disk: nothing to fix
        return 0
    for directory, dirs, files in os.walk(root):
        for name in dirs + files:
            changed += _fix(Path(directory) / name)
    return changed + _fix(root)


def _keeps_modes(folder: Path) -> bool:
    """Whether a file made 0600 in ``folder`` stays 0600 (False when none can be made)."""
    try:
        fd, name = tempfile.mkstemp(prefix=".mode-test-", dir=folder)
    except OSError:
        return False
    try:
        os.close(fd)
        return stat.S_IMODE(os.stat(name).st_mode) == PRIVATE_FILE
    finally:
        with contextlib.suppress(OSError):
            os.unlink(name)


def _fix(path: Path) -> int:
    try:
        info = path.lstat()
    except OSError:
        return 0
    if stat.S_ISLNK(info.st_mode):
        return 0  # a link's target is not ours to change
    wanted = PRIVATE_DIR if stat.S_ISDIR(info.st_mode) else PRIVATE_FILE
    if stat.S_IMODE(info.st_mode) == wanted:
        return 0
    try:
        os.chmod(path, wanted)
    except OSError as exc:
        _log.warning("could not make %s private: %s", path, exc)
        return 0
    return 1
