"""The user's files, the window's side of ``core/output_files.py``: the output folder (by
default the OS pictures folder's "Qwen Image", found with QStandardPaths), a copy of each
finished image there, Save as… and Export starting where the user last saved, the right type
filter and a readable name, and "Open folder" selecting the file in the file manager.

The history keeps its own copy of every image (content-addressed, in hash-named shards); what
people look for and open is the output folder's copy, so that is the one the window shows in
the file manager when there is one.
"""

from __future__ import annotations

import logging
import os
import sys
import time
from functools import partial
from pathlib import Path
from typing import Final

from PySide6.QtCore import QT_TRANSLATE_NOOP, QObject, QProcess, QStandardPaths, Qt, QUrl, Signal
from PySide6.QtGui import QDesktopServices, QGuiApplication
from PySide6.QtWidgets import QMessageBox, QWidget

from qwenimg_desktop.core.errors import QwenImgError
from qwenimg_desktop.core.output_files import NameFields, copy_new, render_stem
from qwenimg_desktop.core.params import GenerationRequest
from qwenimg_desktop.core.settings import AppSettings
from qwenimg_desktop.ui.i18n import translate
from qwenimg_desktop.ui.safe_text import plain_message_box
from qwenimg_desktop.ui.session_bus import call, session_address
from qwenimg_desktop.ui.workers import Workers

log = logging.getLogger("qwenimg.files")

OUTPUT_FOLDER_NAME: Final = "Qwen Image"
SAVE_FOLDER_KEY: Final = "save_folder"
EXPORT_FOLDER_KEY: Final = "export_folder"
FILE_MANAGER: Final = "org.freedesktop.FileManager1"
MAX_SCANNED: Final = 50_000
_TYPES: Final = {
    ".png": (QT_TRANSLATE_NOOP("UserFiles", "PNG image"), "*.png"),
    ".jpg": (QT_TRANSLATE_NOOP("UserFiles", "JPEG image"), "*.jpg *.jpeg"),
    ".jpeg": (QT_TRANSLATE_NOOP("UserFiles", "JPEG image"), "*.jpg *.jpeg"),
    ".webp": (QT_TRANSLATE_NOOP("UserFiles", "WebP image"), "*.webp"),
}


def default_output_folder() -> Path:
    """The OS pictures folder's "Qwen Image" (the home folder's, if the OS names none)."""
    pictures = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.PicturesLocation)
    return Path(pictures or Path.home()) / OUTPUT_FOLDER_NAME


def output_folder(settings: AppSettings) -> Path:
    chosen = settings.output_folder.strip()
    return Path(chosen).expanduser() if chosen else default_output_folder()


def type_filter(path: Path) -> str:
    """The Save dialog's filter for ``path``'s format: ``PNG image (*.png)``."""
    name, pattern = _TYPES.get(path.suffix.lower(), (QT_TRANSLATE_NOOP("UserFiles", "Image"),
                                                     f"*{path.suffix}"))
    return f"{translate('UserFiles', str(name))} ({pattern})"


def name_fields(request: GenerationRequest | None, seed: int | None, job_id: str,
                index: int, finished: float | None = None) -> NameFields:
    return NameFields(prompt=request.prompt if request is not None else "",
                      seed=seed if seed is not None else (request.seed if request else None),
                      index=index, endpoint=request.endpoint if request is not None else "",
                      job_id=job_id, finished=time.time() if finished is None else finished)


def find_copy(image: Path, folder: Path) -> Path | None:
    """A file in ``folder`` with ``image``'s bytes (its copy, whatever it was named), or None.

    Only files of the same size and suffix are read; at most :data:`MAX_SCANNED` entries are
    looked at (a worker's job, never the GUI thread's).
    """
    try:
        size = image.stat().st_size
        entries = os.scandir(folder)
    except OSError:
        return None
    data: bytes | None = None
    with entries:
        for count, entry in enumerate(entries):
            if count >= MAX_SCANNED:
                break
            try:
                if (not entry.is_file() or entry.stat().st_size != size
                        or Path(entry.name).suffix.lower() != image.suffix.lower()):
                    continue
                data = image.read_bytes() if data is None else data
                if Path(entry.path).read_bytes() == data:
                    return Path(entry.path)
            except OSError:
                continue
    return None


class UserFiles(QObject):
    """Copies finished images to the output folder and answers where Save as… and Export start.

    ``copies`` maps a history image's path to its copy in the output folder (this session's).
    """

    message = Signal(str)  # a problem the user must see (the status bar shows it)
    copied = Signal(str, list)  # job id, [Path] written to the output folder
    revealed = Signal(str, object)  # how ("file manager", "folder", "message"), the Path

    def __init__(self, settings: AppSettings, workers: Workers, demo: bool = False,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._settings = settings
        self._workers = workers
        self._demo = demo
        self.copies: dict[str, Path] = {}
        self.path_box: QMessageBox | None = None

    def __repr__(self) -> str:
        return f"<UserFiles out={output_folder(self._settings)} copies={len(self.copies)}>"

    @property
    def folder(self) -> Path:
        return output_folder(self._settings)

    # ---- copies of finished images ----------------------------------------------------------

    def copy_finished(self, job_id: str, request: GenerationRequest | None, seed: int | None,
                      image_paths: tuple[str, ...]) -> bool:
        """Copy a finished job's images to the output folder on a worker; False when off (the
        setting, or demo mode: its placeholder images are nobody's work)."""
        if self._demo or not self._settings.copy_to_output_folder or not image_paths:
            return False
        folder, template, finished = self.folder, self._settings.file_name_template, time.time()

        def work() -> list[tuple[str, Path]]:
            written: list[tuple[str, Path]] = []
            for index, source in enumerate(image_paths):
                stem = render_stem(template, name_fields(request, seed, job_id, index, finished))
                written.append((source, copy_new(Path(source), folder, stem,
                                                 Path(source).suffix)))
            return written

        self._workers.run(work, partial(self._copied, job_id), self._copy_failed)
        return True

    def _copied(self, job_id: str, written: list[tuple[str, Path]]) -> None:
        for source, target in written:
            self.copies[source] = target
        self.copied.emit(job_id, [target for _, target in written])

    def _copy_failed(self, exc: Exception) -> None:
        text = (f"{exc.message} {exc.next_step}".strip() if isinstance(exc, QwenImgError)
                else translate("UserFiles", "The image could not be copied to the output folder: "
                               "{error}").format(error=exc))
        log.warning("%s", text)
        self.message.emit(text)

    def shown_path(self, history_path: str) -> Path:
        """The output folder's copy of a history image if there is one (made this session, or
        found by its bytes), else the image. Scans a folder: a worker's job."""
        copy = self.copies.get(history_path)
        if copy is not None and copy.is_file():
            return copy
        return find_copy(Path(history_path), self.folder) or Path(history_path)

    def reveal_image(self, history_path: str, parent: QWidget | None) -> None:
        """"Open folder" for a history image: its output-folder copy selected (found by its
        bytes when an earlier session made it), else the image itself."""
        self._workers.run(partial(self.shown_path, history_path),
                          partial(self._reveal_found, history_path, parent),
                          lambda _exc: self.reveal(Path(history_path), parent))

    def _reveal_found(self, history_path: str, parent: QWidget | None, path: Path) -> None:
        if path != Path(history_path):
            self.copies[history_path] = path
        self.reveal(path, parent)

    def suggested_name(self, request: GenerationRequest | None, seed: int | None, job_id: str,
                       index: int, source: Path) -> str:
        """A readable file name for Save as… (the template's), with the image's own suffix."""
        copy = self.copies.get(str(source))
        if copy is not None:
            return copy.name
        stem = render_stem(self._settings.file_name_template,
                           name_fields(request, seed, job_id, index))
        return f"{stem}{source.suffix.lower()}"

    # ---- where dialogs start ----------------------------------------------------------------

    def save_folder(self) -> Path:
        return self._remembered(SAVE_FOLDER_KEY)

    def export_folder(self) -> Path:
        return self._remembered(EXPORT_FOLDER_KEY)

    def remember_save_folder(self, target: Path) -> None:
        self._settings.ui_state = {**self._settings.ui_state, SAVE_FOLDER_KEY: str(target)}

    def remember_export_folder(self, target: Path) -> None:
        self._settings.ui_state = {**self._settings.ui_state, EXPORT_FOLDER_KEY: str(target)}

    def _remembered(self, key: str) -> Path:
        last = self._settings.ui_state.get(key, "")
        if last and Path(last).is_dir():
            return Path(last)
        return self.folder

    # ---- the file manager -------------------------------------------------------------------

    def reveal(self, path: Path, parent: QWidget | None) -> None:
        """Show ``path`` selected in the file manager where the platform allows (freedesktop's
        FileManager1 on the session bus, Explorer's /select, Finder's open -R); else open its
        folder; else a message giving the path, which can be copied."""
        if sys.platform == "win32":  # "/select," and the path as two arguments: Qt quotes it
            native = str(path).replace("/", "\\")
            self._started(QProcess.startDetached("explorer.exe", ["/select,", native])[0],
                          path, parent)
        elif sys.platform == "darwin":
            self._started(QProcess.startDetached("open", ["-R", str(path)])[0], path, parent)
        else:
            address = session_address()
            uri = QUrl.fromLocalFile(str(path)).toString(
                QUrl.ComponentFormattingOption.FullyEncoded)
            self._workers.run(
                lambda: call(address, FILE_MANAGER, "/org/freedesktop/FileManager1",
                             FILE_MANAGER, "ShowItems", "ass", ([uri], "")),
                lambda _reply: self.revealed.emit("file manager", path),
                lambda exc: self._open_folder(path, parent, exc))

    def _started(self, ok: bool, path: Path, parent: QWidget | None) -> None:
        if ok:
            self.revealed.emit("file manager", path)
        else:
            self._open_folder(path, parent, None)

    def _open_folder(self, path: Path, parent: QWidget | None, why: Exception | None) -> None:
        if why is not None:
            log.info("no file manager on the session bus (%s); opening the folder", why)
        if QDesktopServices.openUrl(QUrl.fromLocalFile(str(path.parent))):
            self.revealed.emit("folder", path)
            return
        self.show_path(path, parent)

    def show_path(self, path: Path, parent: QWidget | None) -> QMessageBox:
        """No file manager could be started: the path, selectable, with a button to copy it."""
        box = plain_message_box(
            QMessageBox.Icon.Information, translate("UserFiles", "Open folder"),
            translate("UserFiles", "No file manager could be opened. The image is at:\n\n{path}")
            .format(path=path), parent)
        box.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse
                                    | Qt.TextInteractionFlag.TextSelectableByKeyboard)
        copy = box.addButton(translate("UserFiles", "Copy path"), QMessageBox.ButtonRole.ActionRole)
        copy.clicked.connect(partial(_copy_text, str(path)))
        box.setModal(False)
        box.show()
        self.path_box = box
        self.revealed.emit("message", path)
        return box


def _copy_text(text: str) -> None:
    QGuiApplication.clipboard().setText(text)

