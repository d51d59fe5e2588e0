"""On-disk layout of the data dir (database, images, thumbnails, temp) and atomic file writes."""

from __future__ import annotations

import contextlib
import errno
import os
import re
import shutil
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO, Final

from qwenimg_desktop.core.errors import DiskFull, StoreError
from qwenimg_desktop.core.private import PRIVATE_DIR, PRIVATE_FILE, private_dir, secure_tree

DB_NAME: Final = "history.sqlite3"
PARTIAL_SUFFIX: Final = ".partial"
COPY_CHUNK: Final = 1024 * 1024
"""A copy's read size where the kernel cannot copy the file itself."""
IMAGE_EXTENSIONS: Final = frozenset({"png", "jpg", "jpeg", "webp"})
_SAFE_ID: Final = re.compile(r"^[0-9A-Za-z][0-9A-Za-z_-]{1,63}$")
_DISK_FULL_ERRNOS: Final = frozenset(
    code for code in (errno.ENOSPC, getattr(errno, "EDQUOT", None)) if code is not None
)


def is_disk_full(exc: BaseException) -> bool:
    """True when ``exc`` is an ``OSError`` for a full disk or an exceeded quota."""
    return isinstance(exc, OSError) and exc.errno in _DISK_FULL_ERRNOS


def disk_full_error(exc: OSError, path: Path | None = None) -> DiskFull:
    """A :class:`DiskFull` describing ``exc`` (which must be a disk-full ``OSError``)."""
    where = f" while writing {path}" if path is not None else ""
    return DiskFull(f"The disk is full{where} ({os.strerror(exc.errno or errno.ENOSPC)}).")


def unwritable_error(folder: Path, exc: OSError) -> StoreError:
    """A :class:`StoreError` (or :class:`DiskFull`) naming ``folder`` and why it cannot be
    written: a read-only disk, missing permission, a file where the folder should be."""
    if is_disk_full(exc):
        return disk_full_error(exc, folder)
    return StoreError(
        f"The folder {folder} cannot be written ({exc.strerror or exc}). Qwen Image Desktop "
        "keeps its history, images, settings and logs there.",
        next_step="Make it writable (a read-only disk must be remounted), or choose another "
                  "folder with --data-dir.",
    )


def ensure_writable(folder: Path, *, deep: bool = True) -> Path:
    """Create ``folder`` (user-only), fix what it holds, and prove a file can be created in it.

    ``deep=False`` makes only the folder itself user-only: for the data folder, whose contents
    (possibly a large image library) the engine fixes off the GUI thread
    (:meth:`DataLayout.ensure`).

    Raises:
        StoreError: it cannot be written (see :func:`unwritable_error`); DiskFull: no space.
    """
    try:
        private_dir(folder)
        if deep:
            secure_tree(folder)
        else:
            os.chmod(folder, PRIVATE_DIR)
        fd, probe = tempfile.mkstemp(prefix=".write-test-", dir=folder)
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        raise unwritable_error(folder, exc) from exc
    return folder


def fsync_dir(directory: Path) -> None:
    """Make a rename inside ``directory`` durable (a no-op where directories cannot be opened)."""
    if os.name == "nt":
        return
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError as exc:
        if is_disk_full(exc):
            raise disk_full_error(exc, directory) from exc
        # Some filesystems refuse fsync on a directory (EINVAL); the rename itself stands.
    finally:
        os.close(fd)


def atomic_write_bytes(path: Path, data: bytes, *, mode: int = PRIVATE_FILE,
                       replace: bool = True) -> None:
    """Write ``data`` to ``path`` so that readers see the old file or the whole new one.

    A temp file in the same directory is written, flushed and fsynced, then renamed over
    ``path``, and the directory is fsynced. The temp file is removed on any error. The file is
    user-only (0600) unless ``mode`` says otherwise (the umask still applies to ``mode``).
    ``replace=False`` never replaces an existing ``path`` (the user's files): the temp file is
    hard-linked to the name, which fails if the name exists (on a file system without hard
    links, such as FAT, the name is checked just before the rename).

    Raises:
        DiskFull: no space left (ENOSPC / EDQUOT).
        FileExistsError: ``replace=False`` and ``path`` exists.
        OSError: any other filesystem failure, unchanged.
    """
    _atomic_write(Path(path), lambda handle: handle.write(data), mode, replace)


def atomic_copy(source: BinaryIO, path: Path, *, mode: int = PRIVATE_FILE,
                replace: bool = True) -> None:
    """:func:`atomic_write_bytes` of the whole of the open file ``source`` (from its start),
    copied by the kernel where it can (``sendfile`` on Linux): the bytes never pass through
    Python, so a copy of a 2048² image is one system call without the GIL instead of a read and
    a write of a 5–10 MB ``bytes`` object (its CPU, page faults and GIL turns competed with the
    window's GUI thread as 32 jobs' images were copied to the output folder:
    docs/performance.md). Elsewhere, a loop of 1 MB reads and writes.

    Raises: as :func:`atomic_write_bytes`; an ``OSError`` reading ``source`` too.
    """
    _atomic_write(Path(path), lambda handle: _copy_data(source, handle), mode, replace)


def _copy_data(source: BinaryIO, target: BinaryIO) -> None:
    source.seek(0)
    size = os.fstat(source.fileno()).st_size
    sent = 0
    if hasattr(os, "sendfile") and sys.platform.startswith("linux"):
        target.flush()
        with contextlib.suppress(OSError):  # not for these files: the loop below
            while sent < size:
                done = os.sendfile(target.fileno(), source.fileno(), sent, size - sent)
                if done == 0:
                    break
                sent += done
        if sent:  # the kernel copied (some of) it: the rest, if any, is read below
            target.seek(sent)
    source.seek(sent)
    shutil.copyfileobj(source, target, COPY_CHUNK)


def _atomic_write(path: Path, write: Callable[[BinaryIO], object], mode: int,
                  replace: bool) -> None:
    """The temp file, fsync, rename and directory fsync of :func:`atomic_write_bytes`;
    ``write`` fills the temp file."""
    _mkdir(path.parent)
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:12]}{PARTIAL_SUFFIX}")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0),
                     mode)
        with os.fdopen(fd, "wb") as handle:
            write(handle)
            handle.flush()
            os.fsync(handle.fileno())
        if replace:
            os.replace(tmp, path)
        else:
            _place_new(tmp, path)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)
        if isinstance(exc, OSError) and is_disk_full(exc):
            raise disk_full_error(exc, path) from exc
        raise
    fsync_dir(path.parent)


def _place_new(tmp: Path, path: Path) -> None:
    """Give the complete temp file the name ``path`` unless that name exists."""
    try:
        os.link(tmp, path)
    except FileExistsError:
        raise
    except OSError:  # no hard links here (FAT, some network shares): check, then rename
        if os.path.lexists(path):
            raise FileExistsError(errno.EEXIST, os.strerror(errno.EEXIST), str(path)) from None
        os.replace(tmp, path)
        return
    os.unlink(tmp)


def aside_path(path: Path, *, keep_suffix: bool = False) -> Path:
    """A free name beside ``path`` for a bad copy: ``<name>.corrupt-<time>[-n]``.

    With ``keep_suffix`` the suffix stays last (``history.corrupt-<time>.sqlite3``), so the file
    still opens with its usual program. Never the name of anything that exists.
    """
    stamp = time.strftime("%Y%m%d-%H%M%S")
    stem, suffix = (path.stem, path.suffix) if keep_suffix else (path.name, "")
    target = path.with_name(f"{stem}.corrupt-{stamp}{suffix}")
    counter = 1
    while target.exists():
        counter += 1
        target = path.with_name(f"{stem}.corrupt-{stamp}-{counter}{suffix}")
    return target


def move_aside(path: Path) -> Path:
    """Rename a bad file (or a folder where a file belongs) to :func:`aside_path`'s name.

    Returns the new path; the original name is then free for a fresh file. Nothing is deleted,
    so the user can still look at what was there.

    Raises:
        OSError: the rename failed (e.g. a read-only folder).
    """
    target = aside_path(path)
    os.replace(path, target)
    return target


def _mkdir(directory: Path) -> None:
    try:
        private_dir(directory)
    except OSError as exc:
        if is_disk_full(exc):
            raise disk_full_error(exc, directory) from exc
        raise


def place_file(tmp: Path, dest: Path) -> None:
    """Rename a complete, fsynced temp file to ``dest`` (same filesystem) and make it durable."""
    _mkdir(dest.parent)
    os.replace(tmp, dest)
    fsync_dir(dest.parent)


def _stored_parts(relative: str) -> list[str]:
    """The parts of a stored relative (POSIX) path, as ``PurePosixPath(relative).parts``;
    ValueError for one that would leave the data dir (absolute, ``..``, empty, backslashes)."""
    parts = [part for part in relative.split("/") if part and part != "."]
    if relative.startswith("/") or ".." in parts or not parts or "\\" in relative:
        raise ValueError(f"stored path {relative!r} is not inside the data dir")
    return parts


class DataLayout:
    """Paths inside one data root; file names come only from our own ids, never from a server."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def __repr__(self) -> str:
        return f"DataLayout(root={str(self.root)!r})"

    @property
    def db_path(self) -> Path:
        return self.root / DB_NAME

    @property
    def images_dir(self) -> Path:
        return self.root / "images"

    @property
    def thumbs_dir(self) -> Path:
        return self.root / "thumbs"

    @property
    def tmp_dir(self) -> Path:
        """Temp downloads live inside ``images_dir`` so the final rename stays on one filesystem."""
        return self.images_dir / ".tmp"

    def ensure(self) -> DataLayout:
        """Create every directory (user-only), make what an older version left open user-only
        too (``core/private.py``); returns ``self``.

        Raises:
            StoreError: a folder cannot be created (read-only disk, no permission);
            DiskFull: no space.
        """
        try:
            for directory in (self.root, self.images_dir, self.thumbs_dir, self.tmp_dir):
                _mkdir(directory)
        except OSError as exc:  # a read-only disk, no permission: say which folder
            raise unwritable_error(self.root, exc) from exc
        secure_tree(self.root)
        return self

    def image_path(self, job_id: str, index: int, ext: str) -> Path:
        """Final path of image ``index`` of ``job_id``: ``images/<id[:2]>/<id>-<index>.<ext>``."""
        ext = ext.lower().lstrip(".")
        if ext not in IMAGE_EXTENSIONS:
            raise ValueError(f"unsupported image extension {ext!r}")
        return self._sharded(self.images_dir, job_id, index, ext)

    def thumb_path(self, job_id: str, index: int) -> Path:
        """Thumbnail path of image ``index`` of ``job_id`` (always JPEG)."""
        return self._sharded(self.thumbs_dir, job_id, index, "jpg")

    def new_temp_path(self, suffix: str = "") -> Path:
        """A fresh, unused name in ``tmp_dir`` (for downloads; rename it into place when done)."""
        if suffix and not re.fullmatch(r"\.[0-9A-Za-z]{1,8}", suffix):
            raise ValueError(f"unsafe temp suffix {suffix!r}")
        return self.tmp_dir / f"{uuid.uuid4().hex}{suffix}{PARTIAL_SUFFIX}"

    def relative(self, path: Path) -> str:
        """``path`` as a POSIX path relative to the root, as stored in the database."""
        return Path(path).relative_to(self.root).as_posix()

    def absolute(self, relative: str) -> Path:
        """The path for a stored relative path; refuses anything that would leave the root."""
        return self.root.joinpath(*_stored_parts(relative))

    def os_path(self, relative: str) -> str:
        """:meth:`absolute` as a string, no ``Path`` made: for walks over every stored file.

        The start-up file check looks at each image and thumbnail of the history: at 100,000
        images, pathlib's parsing was ~60 % of the check's CPU, all of it holding the GIL the
        window's GUI thread waits for."""
        return os.sep.join([os.fspath(self.root), *_stored_parts(relative)])

    def clean_stray_temps(self) -> int:
        """Remove leftovers of interrupted writes; returns how many files were removed.

        Call at start, before any download or write runs. Only the data dir's own folders are
        swept: with one base dir the window's config folder lies inside it, and its settings
        and draft writes run while the engine starts.
        """
        removed = 0
        candidates: list[Path] = []
        if self.tmp_dir.is_dir():
            candidates.extend(p for p in self.tmp_dir.iterdir() if p.is_file())
        if self.root.is_dir():
            candidates.extend(self.root.glob(f".*{PARTIAL_SUFFIX}"))
        for top in (self.images_dir, self.thumbs_dir):
            if top.is_dir():
                candidates.extend(top.glob(f".*{PARTIAL_SUFFIX}"))
                candidates.extend(top.glob(f"*/.*{PARTIAL_SUFFIX}"))
        for path in set(candidates):
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
                removed += 1
        return removed

    @staticmethod
    def _sharded(base: Path, job_id: str, index: int, ext: str) -> Path:
        if not _SAFE_ID.fullmatch(job_id):
            raise ValueError(f"unsafe job id {job_id!r}")
        if not 0 <= index < 1000:
            raise ValueError(f"image index {index} out of range")
        return base / job_id[:2].lower() / f"{job_id}-{index}.{ext}"
