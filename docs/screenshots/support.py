"""What every screenshot script here shares: the demo app started on a throw-away folder, and
the event-loop waits that let it draw.

The scripts run as ``python docs/screenshots/<script>.py``, so this folder is on ``sys.path``
and they import this module as ``support``; importing it puts the repository's root on the path
too, so ``qwenimg_desktop`` imports from the checkout. Each script chooses its own Qt platform
(offscreen, or xcb under Xvfb) before it starts the app.
"""

from __future__ import annotations

import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))


from qwenimg_desktop.app import Options
from qwenimg_desktop.app.runtime import AppRuntime
from qwenimg_desktop.core.secrets import KeyStore
from qwenimg_desktop.ui.main_window import MainWindow
from qwenimg_desktop.ui.startup_shell import application

HERE = Path(__file__).resolve().parent


def pump(seconds: float) -> None:
    """Let Qt run for ``seconds``: layouts settle, thumbnails arrive, the demo's jobs move."""
    app = application()
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        app.processEvents()
        time.sleep(0.01)


def wait_until(condition: Callable[[], bool], seconds: float = 60.0) -> None:
    """Run Qt until ``condition()`` holds; a picture of a state the demo never reached would
    mislead, so running out of time stops the script instead of grabbing it."""
    app = application()
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"the demo did not get there within {seconds:.0f} s")
        app.processEvents()
        time.sleep(0.01)


def wait_job_shown(win: MainWindow, job_id: str, images: int | None = None) -> None:
    """Wait until the job has ended and Create shows its image (and, if ``images`` is given,
    that many thumbnails in the strip)."""

    def shown() -> bool:
        row = win.jobs_model.row(job_id)
        return (row is not None and row.state.is_final
                and not win.results.view.image.isNull()
                and (images is None or win.results.strip.count() == images))

    wait_until(shown)


@contextmanager
def demo_window(prefix: str, *, language: str | None = None) -> Iterator[tuple[MainWindow, Path]]:
    """The main window of the demo (the built-in emulator: nothing is sent to fal) on a
    temporary data folder, past the first-run guide; yields the window and that folder, and
    closes both the window and the app's runtime afterwards."""
    application()
    with tempfile.TemporaryDirectory(prefix=prefix) as base:
        runtime = AppRuntime(Options(demo=True), key_store=KeyStore(), base_dir=Path(base))
        runtime.settings.first_run_done = True
        if language is not None:
            runtime.settings.language = language
        win = runtime.make_window()
        try:
            yield win, Path(base)
        finally:
            win.close()
            runtime.close()


def wrote(name: str) -> None:
    """Say which picture was written (the scripts' only output)."""
    sys.stdout.write(f"wrote {name}\n")
