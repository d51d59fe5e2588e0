"""A non-blocking OS lock on an open file, dropped by the OS when its process dies.

Used by the engine's lease (``core/jobs/lease.py``) and the window's lock on its data folder
(``app/window_lock.py``). Standard library only: the window takes its lock before the start-up
shell's first paint.
"""

from __future__ import annotations

import sys
from typing import IO

if sys.platform == "win32":  # pragma: no cover - exercised on Windows only
    import msvcrt

    def try_lock(fh: IO[bytes], *, exclusive: bool) -> None:
        """Lock ``fh`` without waiting (see the non-Windows version)."""
        del exclusive  # msvcrt has exclusive byte-range locks only; a probe then holds it briefly
        fh.seek(0)
        msvcrt.locking(fh.fileno(), msvcrt.LK_NBLCK, 1)

else:
    import fcntl

    def try_lock(fh: IO[bytes], *, exclusive: bool) -> None:
        """Lock ``fh`` without waiting (the OS drops it when the process dies, however it dies).

        Raises:
            OSError: someone else holds a conflicting lock.
        """
        flags = (fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH) | fcntl.LOCK_NB
        fcntl.flock(fh.fileno(), flags)
