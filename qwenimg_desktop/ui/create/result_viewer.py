"""Result viewer: the selected job's images, zoom and pan, copy, save, open folder, drag out."""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Final

from PySide6.QtCore import QEvent, QMimeData, QObject, QSize, Qt, QUrl, Signal
from PySide6.QtGui import QDesktopServices, QGuiApplication, QIcon, QImage, QImageReader, QPixmap
from PySide6.QtWidgets import (
    QAbstractButton,
    QFileDialog,
    QHBoxLayout,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from qwenimg_desktop.core.endpoints import UnknownEndpoint, endpoint_of
from qwenimg_desktop.core.params import GenerationRequest
from qwenimg_desktop.core.store.files import atomic_copy
from qwenimg_desktop.ui.core_texts import core_text, parameter_rows
from qwenimg_desktop.ui.create.jobs_model import JobRow
from qwenimg_desktop.ui.decode_gate import decoding
from qwenimg_desktop.ui.i18n import translate
from qwenimg_desktop.ui.image_view import ImageView
from qwenimg_desktop.ui.safe_text import plain_label, plain_tooltip
from qwenimg_desktop.ui.user_files import UserFiles, type_filter
from qwenimg_desktop.ui.workers import Workers

if TYPE_CHECKING:
    from qwenimg_desktop.ui.create.lightbox import Lightbox

THUMB: Final = 72
ALLOCATION_LIMIT_MB: Final = 512
PATH_ROLE: Final = Qt.ItemDataRole.UserRole + 1


def load_image(path: str, *, full: bool = True) -> tuple[QImage | None, QImage]:
    """Decode an image and its strip thumbnail (worker thread: QImage is safe off the GUI
    thread). ``full=False`` decodes only the thumbnail, scaled while reading, so a job's other
    images never stay decoded at 2048² (16 MB each) while one is shown."""
    reader = QImageReader(path)
    reader.setAllocationLimit(ALLOCATION_LIMIT_MB)
    reader.setAutoTransform(True)
    if not full:
        size = reader.size()
        if size.isValid():
            reader.setScaledSize(size.scaled(QSize(THUMB * 2, THUMB * 2),
                                             Qt.AspectRatioMode.KeepAspectRatio))
    with decoding(reader):  # 16 MB at 2048²: one such decode at a time in the window
        image = reader.read()
    if image.isNull():
        raise OSError(f"cannot read image {Path(path).name}: {reader.errorString()}")
    thumb = image.scaled(THUMB * 2, THUMB * 2, Qt.AspectRatioMode.KeepAspectRatio,
                         Qt.TransformationMode.SmoothTransformation)
    return (image if full else None), thumb


class ThumbStrip(QListWidget):
    """The job's images as thumbnails; an item can be dragged out as a file."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("thumbStrip")
        self.setAccessibleName(translate("ResultViewer", "Result images"))
        self.setViewMode(QListWidget.ViewMode.IconMode)
        self.setFlow(QListWidget.Flow.LeftToRight)
        self.setWrapping(False)
        self.setIconSize(QSize(THUMB, THUMB))
        self.setFixedHeight(THUMB + 28)
        self.setSpacing(2)
        # One fixed cell per image: the cells are laid out before the thumbnails arrive, and
        # without a grid an item's later icon overlaps its neighbours (labels 2-4 hidden).
        self.setGridSize(QSize(THUMB + 12, THUMB + 22))
        self.setDragEnabled(True)
        self.setDragDropMode(QListWidget.DragDropMode.DragOnly)
        self.setMovement(QListWidget.Movement.Static)

    def mimeData(self, items: list[QListWidgetItem]) -> QMimeData:  # type: ignore[override]
        data = QMimeData()
        data.setUrls([QUrl.fromLocalFile(str(item.data(PATH_ROLE))) for item in items])
        return data

    def mimeTypes(self) -> list[str]:
        return ["text/uri-list"]


class ResultViewer(QWidget):
    """Shows a job's images and its seed and parameters; 'Use these settings' reuses them."""

    use_settings = Signal(object, object)  # GenerationRequest, seed (int | None)
    edit_requested = Signal(list)  # [(absolute path, job id, image index)]
    status = Signal(str)

    def __init__(self, workers: Workers, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._workers = workers
        self._generation = 0
        self._row: JobRow | None = None
        # Only the image on screen is kept decoded at full size (a job of four 2048² images
        # held 64 MB); the strip's others are decoded to their thumbnails alone, and again in
        # full when picked.
        self._shown: tuple[str, QImage] | None = None
        # Paths whose thumbnail is still to decode, the next first: one decode at a time (each
        # is ~80 ms of a core for 2048²), the image on screen ahead of the strip's others.
        self._to_load: list[str] = []
        self._want_full = ""  # the path on screen while its full image is not decoded
        self._loading = False
        self.view = ImageView(self)
        self.strip = ThumbStrip(self)
        self.info = plain_label(translate(
            "ResultViewer", "Select a finished job to see its images."), self)
        self.info.setObjectName("resultInfo")
        self.info.setWordWrap(True)
        self.info.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.buttons: dict[str, QAbstractButton] = {}
        bar = QHBoxLayout()
        for key, label, tip in (
            ("fit", translate("ResultViewer", "Fit"), translate(
                "ResultViewer", "Fit the image into the view")),
            ("actual", "100 %", translate(
                "ResultViewer", "Show the image at its real size; drag to pan")),
            ("copy", translate("ResultViewer", "Copy"), translate(
                "ResultViewer", "Copy the image to the clipboard")),
            ("save", translate("ResultViewer", "Save as…"), translate(
                "ResultViewer", "Save a copy of the image")),
            ("folder", translate("ResultViewer", "Open folder"), translate(
                "ResultViewer", "Open the folder that holds the image")),
            ("use", translate("ResultViewer", "Use these settings"), translate(
                "ResultViewer", "Copy this job's prompt, seed and parameters back")),
            ("edit", translate("ResultViewer", "Edit this image"), translate(
                "ResultViewer", "Use this image as image 1 of an edit")),
        ):
            # Fit and 100 % are view toggles, not commands: narrow tool buttons, so the row fits
            # beside the jobs list and the parameters at 1366 px.
            button: QAbstractButton = (QToolButton(self) if key in ("fit", "actual")
                                       else QPushButton(self))
            button.setText(label)
            button.setToolTip(tip)
            self.buttons[key] = button
            bar.addWidget(button)
        bar.insertStretch(2, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.strip)
        layout.addWidget(self.info)
        layout.addLayout(bar)
        self.buttons["fit"].clicked.connect(self.view.fit)
        self.buttons["actual"].clicked.connect(self.view.actual_size)
        self.buttons["copy"].clicked.connect(self.copy_image)
        self.buttons["save"].clicked.connect(self._ask_save)
        self.buttons["folder"].clicked.connect(self.open_folder)
        self.buttons["use"].clicked.connect(self._use)
        self.buttons["edit"].clicked.connect(self._edit)
        self.strip.currentItemChanged.connect(self._item_changed)
        self.lightbox: Lightbox | None = None
        self.files: UserFiles | None = None  # the window's; None in a bare viewer
        self.strip.itemDoubleClicked.connect(lambda _item: self.open_lightbox())
        self.view.viewport().installEventFilter(self)
        self._refresh_buttons()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (watched is self.view.viewport() and event.type() == QEvent.Type.MouseButtonDblClick
                and not self.view.image.isNull()):
            self.open_lightbox()
            return True
        return super().eventFilter(watched, event)

    def open_lightbox(self) -> Lightbox | None:
        """The current image large; arrows step through the job's images, Esc closes."""
        if self.strip.count() == 0:
            return None
        if self.lightbox is None:
            from qwenimg_desktop.ui.create.lightbox import Lightbox  # noqa: PLC0415 - on first use

            self.lightbox = Lightbox(self)
            self.lightbox.step.connect(self._step)
        self._show_in_lightbox()
        self.lightbox.open_fitted()
        return self.lightbox

    def _step(self, delta: int) -> None:
        count = self.strip.count()
        if count:
            self.strip.setCurrentRow((self.strip.currentRow() + delta) % count)

    def _show_in_lightbox(self) -> None:
        if self.lightbox is not None:
            row = self.strip.currentRow()
            self.lightbox.show_image(self._full_image(self.current_path()),
                                     translate("ResultViewer", "Image {number} of {count}").format(
                                         number=row + 1, count=self.strip.count()))

    def __repr__(self) -> str:
        return f"<ResultViewer job={self._row.job_id if self._row else None}>"

    def current_path(self) -> str:
        if self.strip.currentRow() < 0:
            return ""
        return str(self.strip.currentItem().data(PATH_ROLE))

    def show_job(self, row: JobRow | None) -> None:
        """Show ``row``'s images (decoded off the GUI thread) and parameters."""
        self._generation += 1
        self._row = row
        self._shown = None
        self._want_full = ""
        self._to_load = []  # before clear(): no decode of the previous job's images starts
        self.strip.clear()
        self.view.set_image(None)
        self.info.setText(describe(row) if row is not None else
                          translate("ResultViewer", "Select a finished job to see its images."))
        self._to_load = list(row.image_paths) if row is not None else []
        for path in self._to_load:
            item = QListWidgetItem(f"{self.strip.count() + 1}")
            item.setData(PATH_ROLE, path)
            item.setToolTip(plain_tooltip(path))
            self.strip.addItem(item)
        if self.strip.count():
            self.strip.setCurrentRow(0)  # asks for its full image (_item_changed)
        # One image needs no strip: its ~100 px go to the image (at 1366×768 in edit mode the
        # strip was taller than the image above it).
        self.strip.setVisible(self.strip.count() > 1)
        self._load_next()
        self._refresh_buttons()

    def _load_next(self) -> None:
        """Start the next decode unless one is running (its end starts the next): the image on
        screen in full first, then the strip's thumbnails."""
        if self._loading:
            return
        if self._want_full:
            path, full = self._want_full, True
            self._want_full = ""
            if path in self._to_load:  # its thumbnail comes with it
                self._to_load.remove(path)
        elif self._to_load:
            path, full = self._to_load.pop(0), False
        else:
            return
        self._loading = True
        generation = self._generation
        self._workers.run(
            partial(load_image, path, full=full),
            partial(self._loaded, generation, path),
            partial(self._load_failed, generation),
        )

    def _load_failed(self, generation: int, exc: Exception) -> None:
        self._loading = False
        self.status.emit(str(exc))
        if generation == self._generation:
            self._load_next()

    def refresh(self, row: JobRow) -> None:
        if self._row is not None and row.job_id == self._row.job_id:
            self.show_job(row)

    def _full_image(self, path: str) -> QImage | None:
        return self._shown[1] if self._shown is not None and self._shown[0] == path else None

    def _loaded(self, generation: int, path: str,
                result: tuple[QImage | None, QImage]) -> None:
        self._loading = False
        if generation != self._generation:
            self._load_next()  # the job shown now: its own first image
            return
        image, thumb = result
        for position in range(self.strip.count()):
            item = self.strip.item(position)
            if item.data(PATH_ROLE) == path and item.icon().isNull():
                item.setIcon(QIcon(QPixmap.fromImage(thumb)))
        if image is not None and self.current_path() == path:
            self._shown = (path, image)
            self.view.set_image(image)
            self._show_in_lightbox()
        self._refresh_buttons()
        self._load_next()

    def _item_changed(self) -> None:
        path = self.current_path()
        image = self._full_image(path)
        if image is None:
            self._shown = None  # the image left the screen: its pixels are not kept
            self._want_full = path
        self.view.set_image(image)
        self._show_in_lightbox()
        self._refresh_buttons()
        self._load_next()

    def copy_image(self) -> bool:
        if self.view.image.isNull():
            return False
        QGuiApplication.clipboard().setImage(self.view.image)
        self.status.emit(translate("ResultViewer", "Image copied to the clipboard."))
        return True

    def save_to(self, target: str) -> None:
        """Write a copy of the current image to ``target`` (atomically, on a worker); the
        image's own suffix is added to a name typed without one."""
        source = self.current_path()
        if not source or not target:
            return
        path = Path(target)
        if not path.suffix:
            path = path.with_suffix(Path(source).suffix)
        if self.files is not None:
            self.files.remember_save_folder(path.parent)

        def save() -> None:
            with Path(source).open("rb") as image:
                atomic_copy(image, path, mode=0o666)

        self._workers.run(
            save,
            lambda _r: self.status.emit(
                translate("ResultViewer", "Saved {name}.").format(name=path.name)),
            lambda exc: self.status.emit(
                translate("ResultViewer", "Could not save the image to {path}: {error}").format(
                    path=path, error=getattr(exc, "message", None) or exc)),
        )

    def suggested_save_path(self) -> tuple[Path, str]:
        """Where Save as… starts (the folder last saved to, else the output folder) with a
        readable name, and the filter of the image's format."""
        source = Path(self.current_path())
        row = self._row
        if self.files is None or row is None:
            return source, type_filter(source)
        name = self.files.suggested_name(row.request, row.seed, row.job_id,
                                         max(0, self.strip.currentRow()), source)
        return self.files.save_folder() / name, type_filter(source)

    def _ask_save(self) -> None:
        if self.current_path():
            start, kind = self.suggested_save_path()
            target, _filter = QFileDialog.getSaveFileName(
                self, translate("ResultViewer", "Save image as"), str(start),
                f"{kind};;" + translate("ResultViewer", "All files (*)"), kind)
            self.save_to(target)

    def open_folder(self) -> None:
        """Show the image selected in the file manager: its output-folder copy if it has one
        (not the history's hash-named shard)."""
        source = self.current_path()
        if not source:
            return
        if self.files is None:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(Path(source).parent)))
            return
        self.files.reveal_image(source, self.window())

    def _use(self) -> None:
        if self._row is not None and self._row.request is not None:
            self.use_settings.emit(self._row.request, self._row.seed)

    def _edit(self) -> None:
        path = self.current_path()
        if path and self._row is not None:
            self.edit_requested.emit([(path, self._row.job_id, max(0, self.strip.currentRow()))])

    def _refresh_buttons(self) -> None:
        has_image = not self.view.image.isNull()
        for key in ("fit", "actual", "copy"):
            self.buttons[key].setEnabled(has_image)
        for key in ("save", "folder", "edit"):
            self.buttons[key].setEnabled(bool(self.current_path()))
        self.buttons["use"].setEnabled(self._row is not None and self._row.request is not None)


def describe(row: JobRow) -> str:
    """Seed and every parameter of a job, as one block of text."""
    request: GenerationRequest | None = row.request
    if request is None:
        return translate("ResultViewer", "Parameters unknown (job from an earlier session).")
    parts = [endpoint_title(request)]
    for item in parameter_rows(request, skip=("prompt", "negative_prompt")):
        text = str(row.seed) if item.name == "seed" and row.seed is not None else item.text
        parts.append(f"{item.title} {text}")
    if request.negative_prompt:
        parts.append(translate("ResultViewer", "negative: {text}").format(
            text=request.negative_prompt[:80]))
    return " · ".join(parts)


def endpoint_title(request: GenerationRequest) -> str:
    try:
        return core_text(endpoint_of(request).title)
    except UnknownEndpoint:
        return request.endpoint
