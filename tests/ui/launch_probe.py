"""The real window's launch (``qwenimg_desktop.app.main``), saying what happens on stdout.

For the single-instance and start-up tests: ``PAINTED <pid>`` when the start-up shell has been
painted (followed by ``MODULES`` and the loaded modules, in import order, one a line, then
``END``), ``GOT <json list of images>`` for each hand-over its window is given (its own
arguments first, then later launches'). With ``--quit-after-handovers N`` it quits (orderly,
through the event loop) once it has been given N hand-overs; with 0, at once after the paint
(nothing after it loaded). Nothing is imported before
``app.main`` does, so the modules listed are the launch's own.

    python -m tests.ui.launch_probe [--quit-after-handovers N] APP ARGUMENTS…
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable


def main(argv: list[str]) -> int:
    quit_after = None
    if argv[:1] == ["--quit-after-handovers"]:
        quit_after, argv = int(argv[1]), argv[2:]
    from qwenimg_desktop.app import launch  # noqa: F401 - app.main's own next import, first
    from qwenimg_desktop.app import main as app_main
    from qwenimg_desktop.ui.startup_shell import StartupShell  # loaded by launch, before Qt

    original = StartupShell.on_first_paint

    def on_first_paint(shell: StartupShell, callback: Callable[[], None]) -> None:
        original(shell, lambda: _painted(quit_after))
        original(shell, callback)

    StartupShell.on_first_paint = on_first_paint  # type: ignore[method-assign,assignment]
    return app_main(argv)


def _painted(quit_after: int | None) -> None:
    modules = list(sys.modules)  # before anything below imports more
    print(f"PAINTED {os.getpid()}\nMODULES\n" + "\n".join(modules) + "\nEND", flush=True)
    if quit_after == 0:
        os._exit(0)  # before the launch goes on to its socket and window
    from PySide6.QtWidgets import QApplication

    from qwenimg_desktop.app import instance

    put = instance.Inbox.put
    given: list[object] = []

    def put_and_say(inbox: instance.Inbox, handover: instance.Handover) -> None:
        print("GOT", json.dumps([str(path) for path in handover.images]), flush=True)
        given.append(handover)
        put(inbox, handover)
        if quit_after is not None and len(given) >= quit_after:
            QApplication.quit()

    instance.Inbox.put = put_and_say  # type: ignore[method-assign,assignment]


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
