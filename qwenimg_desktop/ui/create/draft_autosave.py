"""Draft autosave: debounced atomic writes of the editor state, so a crash never loses a prompt."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Final

from PySide6.QtCore import QObject, QTimer, Signal

from qwenimg_desktop.core.errors import QwenImgError
from qwenimg_desktop.core.settings import DraftSnapshot, load_draft, save_draft
from qwenimg_desktop.ui.create.draft import Draft
from qwenimg_desktop.ui.i18n import translate
from qwenimg_desktop.ui.workers import Workers

log = logging.getLogger("qwenimg.ui.autosave")

AUTOSAVE_DELAY_MS: Final = 800


class DraftAutosave(QObject):
    """Writes the draft to ``path`` 800 ms after the last change, on a worker thread.

    Writes are ordered by a generation number so an older snapshot never replaces a newer one.
    ``flush()`` writes synchronously (used on quit). Neither ever raises: a write that fails
    (a full disk, a read-only folder) is logged and reported through ``failed``; the previous
    draft file stays whole.

    Signals:
        failed(str): a sentence for the user about a draft that could not be saved.
    """

    failed = Signal(str)

    def __init__(
        self, draft: Draft, path: Path, workers: Workers,
        cursor: Callable[[], int] = lambda: 0, parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._draft = draft
        self._path = path
        self._workers = workers
        self._cursor = cursor
        self._lock = threading.Lock()
        self._generation = 0
        self._written = 0
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(AUTOSAVE_DELAY_MS)
        self._timer.timeout.connect(self._save_later)
        draft.changed.connect(self._timer.start)

    def __repr__(self) -> str:
        return f"<DraftAutosave {self._path.name} gen={self._generation}>"

    @property
    def path(self) -> Path:
        return self._path

    def restore(self, report: Callable[[str], None] | None = None) -> DraftSnapshot | None:
        """The saved draft, if any (read once at start-up); ``report`` hears of a bad file."""
        return load_draft(self._path, report)

    def pending(self) -> bool:
        return self._timer.isActive()

    def flush(self) -> None:
        self._timer.stop()
        self._generation += 1
        try:
            self._write(self._generation, self._draft.snapshot(self._cursor()))
        except (QwenImgError, OSError) as exc:
            self._report(exc)

    def _save_later(self) -> None:
        self._generation += 1
        generation = self._generation
        snapshot = self._draft.snapshot(self._cursor())
        self._workers.run(lambda: self._write(generation, snapshot), on_error=self._report)

    def _report(self, exc: BaseException) -> None:
        log.warning("draft autosave failed: %s", exc)
        reason = exc.message if isinstance(exc, QwenImgError) else str(exc)
        self.failed.emit(translate(
            "DraftAutosave", "The draft could not be saved: {reason}").format(
            reason=reason))

    def _write(self, generation: int, snapshot: DraftSnapshot) -> None:
        with self._lock:
            if generation <= self._written:
                return
            save_draft(self._path, snapshot)
            self._written = generation
