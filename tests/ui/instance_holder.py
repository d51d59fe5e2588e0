"""A window-side process for the single-instance tests, without the window: it claims a data
folder like a launch does, prints READY, then one GOT line per hand-over it opens.

Run as ``python -m tests.ui.instance_holder DATA_DIR`` from the repository root.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from PySide6.QtCore import QCoreApplication

from qwenimg_desktop.app.instance import Handover, Inbox, InstanceServer, claim


def _print_handover(handover: Handover) -> None:
    print("GOT", json.dumps([str(path) for path in handover.images]), flush=True)


def main() -> int:
    app = QCoreApplication(sys.argv[:1])
    inbox = Inbox()
    claimed = claim(Path(sys.argv[1]), inbox, Handover())
    if not isinstance(claimed, InstanceServer) or not claimed.listening:
        print("NOT THE WINDOW", claimed, flush=True)
        return 3
    inbox.deliver_to(_print_handover)
    print("READY", flush=True)
    return int(app.exec())


if __name__ == "__main__":
    sys.exit(main())
