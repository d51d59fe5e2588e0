"""The window's process from start to exit: a light shell painted first, then the window.

Only Qt and the standard library are loaded before the shell's first paint (the services and
the window take about a second to import on a loaded machine), and this module's own helpers
load before Qt (PySide6's import hook runs after every import once Qt is loaded; its check
read each module's source, ~12 ms here, until :mod:`~qwenimg_desktop.ui.pyside_feature_check`).
Before the shell, the launch takes its data folder's lock
(:mod:`~qwenimg_desktop.app.window_lock`, an OS file lock): if a window already holds it, the
files named on the command line go to that window (:mod:`~qwenimg_desktop.app.instance`, which
waits for its socket if it is still starting) and this process exits without a window of its
own. Right after the paint the socket listens, then the window's composition root
(:mod:`~qwenimg_desktop.app.runtime`) is imported, once, and its window takes the shell's place.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from qwenimg_desktop import APP_NAME
from qwenimg_desktop.app import Options
from qwenimg_desktop.app.window_lock import HeldElsewhere, WindowLock, lock_data_dir
from qwenimg_desktop.core.paths import (
    SETTINGS_FILE,
    default_config_dir,
    default_data_dir,
    resource_dir,
)
from qwenimg_desktop.ui.startup_shell import StartupShell, application, show_shell

if TYPE_CHECKING:
    from PySide6.QtWidgets import QApplication

    from qwenimg_desktop.app.instance import InstanceServer
    from qwenimg_desktop.app.runtime import AppRuntime


def run(options: Options) -> int:
    """Open the window and run the event loop until it closes; returns the exit code."""
    temp_dir = Path(tempfile.mkdtemp(prefix="qwenimg-")) if options.temp_basedir else None
    started: list[AppRuntime] = []
    servers: list[InstanceServer] = []
    lock: WindowLock | None = None
    try:
        app = application()
        if temp_dir is None:  # a fresh temporary folder is nobody else's
            taken = lock_data_dir(default_data_dir(options.data_dir))
            if isinstance(taken, HeldElsewhere):
                handed = _hand_over(taken, options)
                if isinstance(handed, int):
                    return handed
                taken = handed  # that window quit before it answered: this one is the window
            lock = taken
        if options.smoke_test:
            if not _open(options, temp_dir, app, started, None, lock, servers):
                return 1
        else:
            shell = _show_shell(options, temp_dir)
            shell.on_first_paint(
                lambda: _open_or_quit(options, temp_dir, app, started, shell, lock, servers))
        return int(app.exec())
    finally:
        for runtime in started:
            runtime.close()
        for server in servers:
            server.close()
        if lock is not None:
            lock.release()
        if temp_dir is not None:
            shutil.rmtree(temp_dir, ignore_errors=True)


def _hand_over(held: HeldElsewhere, options: Options) -> int | WindowLock:
    """A window runs on this data folder: give it this launch's files; the exit code (or the
    folder's lock, if that window quit before it took them)."""
    from qwenimg_desktop.app import instance  # noqa: PLC0415 - no shell is painted here

    outcome = instance.hand_over(held, instance.handover_of(options.images, options.prompt_file))
    if isinstance(outcome, WindowLock):
        return outcome
    outcome.report()
    return outcome.exit_code


def _show_shell(options: Options, temp_dir: Path | None) -> StartupShell:
    override = temp_dir if temp_dir is not None else options.data_dir
    settings_path = default_config_dir(override) / SETTINGS_FILE
    title = f"{APP_NAME}{' — DEMO' if options.demo else ''}"
    return show_shell(title, settings_path, resource_dir() / "icons" / "qwenimg-desktop-64.png")


def _open_or_quit(options: Options, temp_dir: Path | None, app: QApplication,
                  started: list[AppRuntime], shell: StartupShell, lock: WindowLock | None,
                  servers: list[InstanceServer]) -> None:
    if not _open(options, temp_dir, app, started, shell, lock, servers):
        app.exit(1)


def _open(options: Options, temp_dir: Path | None, app: QApplication,
          started: list[AppRuntime], shell: StartupShell | None, lock: WindowLock | None,
          servers: list[InstanceServer]) -> bool:
    # After the shell's first paint: the socket first (a later launch that found the lock held
    # waits for it: CONNECT_WAIT_S), then the one import of the window's code (see the docstring),
    # which takes most of a second on a loaded machine.
    from qwenimg_desktop.core import heap  # noqa: PLC0415 - ctypes: after the shell's paint

    # No collector passes while the window's code loads, the window is built and the engine
    # starts (core.heap): the runtime ends the hold when the engine is ready.
    heap.hold_collections()
    from qwenimg_desktop.app import instance  # noqa: PLC0415

    inbox = instance.Inbox()  # this launch's files, then later launches', once the window is up
    own = instance.handover_of(options.images, options.prompt_file)
    if not own.empty:
        inbox.put(own)
    if lock is not None:  # later launches on this data folder are answered from now on
        servers.append(instance.serve(lock, inbox))
    from qwenimg_desktop.app import runtime  # noqa: PLC0415

    if not runtime.open_window(options, temp_dir, app, started, shell=shell):
        heap.end_hold()
        return False
    inbox.deliver_to(started[-1].open_handover)
    return True
