"""An exclusive lock on a data dir, so only one engine resumes its unfinished jobs."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import IO


class DataDirLock:
    """Advisory, process-wide lock held on ``<root>/engine.lock`` until released or exit."""

    def __init__(self, root: Path) -> None:
        self.path = Path(root) / "engine.lock"
        self._fh: IO[bytes] | None = None

    def __repr__(self) -> str:
        return f"<DataDirLock {self.path} held={self.held}>"

    @property
    def held(self) -> bool:
        """Whether this object holds the lock."""
        return self._fh is not None

    def acquire(self) -> bool:
        """Try once, without blocking; True when the lock is now ours."""
        if self._fh is not None:
            return True
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fh = open(self.path, "a+b")  # noqa: SIM115 - held open for the lock's lifetime
        try:
            _lock(fh)
        except OSError:
            fh.close()
            return False
        fh.seek(0)
        fh.truncate()
        fh.write(str(os.getpid()).encode())
        fh.flush()
        self._fh = fh
        return True

    def release(self) -> None:
        """Give the lock up (closing the file releases it)."""
        if self._fh is not None:
            self._fh.close()
            self._fh = None


if sys.platform == "win32":  # pragma: no cover - exercised on Windows only
    import msvcrt

    def _lock(fh: IO[bytes]) -> None:
        fh.seek(0)
        msvcrt.locking(fh.fileno(), msvcrt.LK_NBLCK, 1)

else:
    import fcntl

    def _lock(fh: IO[bytes]) -> None:
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
