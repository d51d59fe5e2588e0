"""The window's lock on its data folder: ``<data>/window.lock``, held for the window's life.

Taken before the start-up shell's first paint (standard library only): a launch that finds it
held paints nothing and hands its files to the window that holds it (``app/instance.py``).
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import IO, Final, NamedTuple

from qwenimg_desktop.core.file_lock import try_lock
from qwenimg_desktop.core.private import create_private_file, private_dir

LOCK_FILE: Final = "window.lock"


class HeldElsewhere(NamedTuple):
    """Another process holds the lock: a window already runs on this data folder.

    (A named tuple: a frozen dataclass's class costs ~2 ms to build before the first paint.)
    """

    data_dir: Path
    pid: int | None


class WindowLock:
    """This process's lock on ``data_dir`` (the OS drops it if the process dies)."""

    def __init__(self, data_dir: Path, handle: IO[bytes]) -> None:
        self.data_dir = data_dir
        self._handle: IO[bytes] | None = handle

    def __repr__(self) -> str:
        return f"<WindowLock {self.data_dir} held={self._handle is not None}>"

    def release(self) -> None:
        if self._handle is not None:
            with contextlib.suppress(OSError):
                self._handle.close()
            self._handle = None


def lock_data_dir(data_dir: Path) -> WindowLock | HeldElsewhere | None:
    """Take the lock (writing this process's id in it), or say who holds it.

    None when the lock file cannot even be made (an unwritable folder: the start-up says so).
    """
    path = data_dir / LOCK_FILE
    try:
        private_dir(data_dir)
        create_private_file(path)  # 0600 whatever the umask, like the rest of the folder
        handle = open(path, "a+b")  # noqa: SIM115 - held for the window's life
    except OSError:  # the start-up says why the folder is unusable (open_window)
        return None
    try:
        try_lock(handle, exclusive=True)
    except OSError:
        pid = _pid_in(handle)
        handle.close()
        return HeldElsewhere(data_dir, pid)
    with contextlib.suppress(OSError):
        handle.seek(0)
        handle.truncate()
        handle.write(f"{os.getpid()}\n".encode())
        handle.flush()
    return WindowLock(data_dir, handle)


def _pid_in(handle: IO[bytes]) -> int | None:
    with contextlib.suppress(OSError, ValueError):
        handle.seek(0)
        return int(handle.read(32).split(b"\n", 1)[0])
    return None
