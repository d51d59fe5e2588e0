"""A window-side process for the single-instance tests, without the window: it claims a data
folder like a launch does, prints READY, then one GOT line per hand-over it opens.

Run as ``python -m tests.ui.instance_holder DATA_DIR [LISTEN_AFTER_S [QUIT_AFTER_S]]`` from
the repository root. With ``LISTEN_AFTER_S`` it takes the lock, prints LOCKED, and listens only
that many seconds later (a window between its lock and its socket); a negative value never
listens. With ``QUIT_AFTER_S`` it quits (its lock with it) that many seconds after LOCKED.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QTimer

from qwenimg_desktop.app.instance import Handover, Inbox, InstanceServer, claim, serve
from qwenimg_desktop.app.window_lock import WindowLock, lock_data_dir


def _print_handover(handover: Handover) -> None:
    print("GOT", json.dumps([str(path) for path in handover.images]), flush=True)


def _listen(lock: WindowLock, inbox: Inbox, servers: list[InstanceServer]) -> None:
    servers.append(serve(lock, inbox))
    print("READY" if servers[-1].listening else "NOT LISTENING", flush=True)


def main() -> int:
    app = QCoreApplication(sys.argv[:1])
    inbox = Inbox()
    inbox.deliver_to(_print_handover)
    if len(sys.argv) > 2:  # the lock now, the socket later (or never)
        lock = lock_data_dir(Path(sys.argv[1]))
        if not isinstance(lock, WindowLock):
            print("NOT THE WINDOW", lock, flush=True)
            return 3
        print("LOCKED", flush=True)
        delay = float(sys.argv[2])
        servers: list[InstanceServer] = []
        if delay >= 0:
            QTimer.singleShot(int(delay * 1000), lambda: _listen(lock, inbox, servers))
        if len(sys.argv) > 3:
            QTimer.singleShot(int(float(sys.argv[3]) * 1000), app.quit)
        return int(app.exec())
    claimed = claim(Path(sys.argv[1]), inbox, Handover())
    if not isinstance(claimed, InstanceServer) or not claimed.listening:
        print("NOT THE WINDOW", claimed, flush=True)
        return 3
    print("READY", flush=True)
    return int(app.exec())


if __name__ == "__main__":
    sys.exit(main())
