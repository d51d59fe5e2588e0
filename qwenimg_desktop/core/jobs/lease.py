"""Who owns a job: each engine holds a lease for its whole life; a job's row names its owner.

Every engine (the window's child process, the command line's thread) creates
``<data>/owners/<owner id>.lock`` when it starts and holds an exclusive OS lock on it until it
stops; the operating system drops the lock when the process dies, however it dies. The jobs an
engine creates or adopts carry its owner id in the journal (``jobs.owner``). Another process may
adopt an unfinished job only once that lease can be locked (or is gone): its owner is provably
dead. So no job is ever followed by two engines, and none is left behind by a dead one.

Probing takes a *shared* lock, so two processes probing the same dead lease both see it dead
(the journal's transaction then lets only one of them adopt each job), and a live owner's
exclusive lock makes every probe fail.
"""

from __future__ import annotations

import contextlib
import os
import re
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Final

from qwenimg_desktop.core.file_lock import try_lock

OWNERS_DIR: Final = "owners"
_OWNER_ID: Final = re.compile(r"^[0-9a-f]{32}$")
_LABEL_MAX: Final = 200


@dataclass(frozen=True)
class LiveOwner:
    """An engine that still holds its lease: what it told about itself when it started."""

    owner_id: str
    pid: int | None
    label: str

    def describe(self) -> str:
        """``the command line (pid 123)``: for messages."""
        return f"{self.label} (pid {self.pid})" if self.pid else self.label


def owners_dir(root: Path) -> Path:
    return Path(root) / OWNERS_DIR


class EngineLease:
    """This engine's lease on ``<root>/owners/<owner_id>.lock``; see the module docstring."""

    def __init__(self, root: Path, label: str) -> None:
        self.root = Path(root)
        self.owner_id = uuid.uuid4().hex
        self.label = " ".join(label.split())[:_LABEL_MAX] or "another process"
        self.path = owners_dir(self.root) / f"{self.owner_id}.lock"
        self._fh: IO[bytes] | None = None

    def __repr__(self) -> str:
        return f"<EngineLease {self.owner_id} held={self.held}>"

    @property
    def held(self) -> bool:
        return self._fh is not None

    def acquire(self) -> None:
        """Create and lock the lease file (a fresh id: nobody else can hold it).

        Raises:
            OSError: the data dir cannot be written (the caller says so).
        """
        if self._fh is not None:
            return
        self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        # Written and locked under another name, then renamed: a probe never sees the lease
        # file unlocked (and takes it for a dead owner's) in the instant after its creation.
        # (Windows cannot rename an open file: there the file is created in place.)
        staged = self.path if os.name == "nt" else self.path.with_name(f".{self.owner_id}.staged")
        fd = os.open(staged, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600)
        fh = os.fdopen(fd, "r+b")
        try:
            try_lock(fh, exclusive=True)
            fh.write(f"{os.getpid()}\n{self.label}\n".encode())
            fh.flush()
            if staged != self.path:
                os.replace(staged, self.path)
        except BaseException:
            fh.close()
            with contextlib.suppress(OSError):
                staged.unlink()
            raise
        self._fh = fh

    def release(self) -> None:
        """Give the lease up: its jobs may now be adopted by the next engine that starts."""
        if self._fh is None:
            return
        with contextlib.suppress(OSError):  # removed while still locked: no probe mistakes it
            self.path.unlink()
        self._fh.close()
        self._fh = None


def live_owner(root: Path, owner_id: str) -> LiveOwner | None:
    """The owner if its lease is still held, None if it is provably dead (lock free, or no file).

    An id that is not one of ours (a hand-edited row) is treated as dead.
    """
    if not _OWNER_ID.fullmatch(owner_id):
        return None
    path = owners_dir(root) / f"{owner_id}.lock"
    try:
        fh = open(path, "rb")  # noqa: SIM115 - closed below, after the probe
    except FileNotFoundError:
        return None
    with fh:
        try:
            try_lock(fh, exclusive=False)
        except OSError:  # locked: the owner is alive
            return _read_owner(owner_id, fh)
        return None


def live_owners(root: Path, *, besides: str = "") -> list[LiveOwner]:
    """The engines that hold a lease on the data dir ``root`` now, other than ``besides``."""
    folder = owners_dir(root)
    found: list[LiveOwner] = []
    for path in folder.glob("*.lock") if folder.is_dir() else ():
        if path.stem != besides:
            owner = live_owner(root, path.stem)
            if owner is not None:
                found.append(owner)
    return found


def remove_dead_leases(root: Path) -> int:
    """Delete the lease files of owners that died without releasing them; returns how many."""
    removed = 0
    folder = owners_dir(root)
    if not folder.is_dir():
        return 0
    for path in folder.glob("*.lock"):
        if live_owner(root, path.stem) is None:
            with contextlib.suppress(OSError):
                path.unlink()
                removed += 1
    return removed


def _read_owner(owner_id: str, fh: IO[bytes]) -> LiveOwner:
    try:
        fh.seek(0)
        first, _, rest = fh.read(_LABEL_MAX + 32).decode("utf-8", "replace").partition("\n")
    except OSError:
        first, rest = "", ""
    pid = int(first) if first.strip().isdigit() else None
    label = rest.strip().splitlines()[0] if rest.strip() else "another process"
    return LiveOwner(owner_id, pid, label)
