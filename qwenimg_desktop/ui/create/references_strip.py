"""The edit's reference images beside the prompt: numbered image 1/2/3, add, reorder, remove.

Files come from a drop, the clipboard, the Add button or "Edit this image" (result viewer and
history). Each is checked against the endpoint's published limits before any money is spent;
a file that fails shows why, per file, with the offered fix ("Fix and add") when one exists.
Accepted images are copied into the history folder (content-addressed) and set on the Draft.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QMimeData, Qt, Signal
from PySide6.QtGui import QDragEnterEvent, QDropEvent, QGuiApplication, QImage, QPixmap
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from qwenimg_desktop.core.edit_request import Reference
from qwenimg_desktop.core.errors import QwenImgError
from qwenimg_desktop.core.references import (
    FIX_LABELS,
    Fix,
    ReferenceRejected,
    prepare_reference,
    read_image_file,
)
from qwenimg_desktop.core.store.files import DataLayout
from qwenimg_desktop.core.store.reference_files import keep_reference, reference_path
from qwenimg_desktop.ui.core_texts import core_text
from qwenimg_desktop.ui.create.draft import Draft
from qwenimg_desktop.ui.i18n import translate
from qwenimg_desktop.ui.png import png_bytes
from qwenimg_desktop.ui.safe_text import heading_label, plain_label, plain_tooltip
from qwenimg_desktop.ui.workers import Workers

log = logging.getLogger("qwenimg.ui")
THUMB = 96


@dataclass(frozen=True)
class Candidate:
    """A file offered as a reference: its bytes, the name shown, and where it came from."""

    data: bytes
    name: str
    source_job_id: str | None = None
    source_index: int | None = None


class ReferenceTile(QWidget):
    """One reference: its number, a thumbnail, and move/remove buttons."""

    def __init__(self, number: int, reference: Reference, pixmap: QPixmap,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(f"reference{number}")
        self.number = plain_label(translate(
            "ReferenceStrip", "image {number}").format(number=number), self)
        self.number.setObjectName("referenceNumber")
        self.number.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.picture = QLabel(self)
        self.picture.setFixedSize(THUMB, THUMB)
        self.picture.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.picture.setPixmap(pixmap)
        self.picture.setToolTip(
            plain_tooltip(f"{reference.file_name}: {reference.width}×{reference.height}"))
        self.left = _tool("◀", translate("ReferenceStrip", "Move earlier"), self)
        self.right = _tool("▶", translate("ReferenceStrip", "Move later"), self)
        self.remove = _tool("✕", translate("ReferenceStrip", "Remove this reference"), self)
        buttons = QHBoxLayout()  # the number beside its buttons: one row less of height
        buttons.setSpacing(2)
        buttons.addWidget(self.number, 1)
        for button in (self.left, self.right, self.remove):
            buttons.addWidget(button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addWidget(self.picture)
        layout.addLayout(buttons)


class ReferenceStrip(QWidget):
    """Reference images of the edit endpoints; hidden for text-to-image."""

    message = Signal(str)
    intake_finished = Signal()  # a batch of offered images was checked (added or refused)

    def __init__(self, draft: Draft, layout: Callable[[], DataLayout | None], workers: Workers,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("referenceStrip")
        self.setAcceptDrops(True)
        self._draft = draft
        self._layout = layout
        self._pending: list[Candidate] = []
        self._workers = workers
        self.tiles: list[ReferenceTile] = []
        self.title = heading_label(translate("ReferenceStrip", "Reference images"), self)
        self.hint = plain_label(translate("ReferenceStrip", "Drop or paste up to 3 images; the "
                                          "prompt calls them image 1, image 2, image 3."), self)
        self.hint.setWordWrap(True)
        self.setToolTip(self.hint.text())
        self.add_button = QPushButton(translate("ReferenceStrip", "Add…"), self)
        self.paste_button = QPushButton(translate("ReferenceStrip", "Paste"), self)
        self.problems = plain_label("", self)
        self.problems.setObjectName("referenceProblems")
        self.problems.setWordWrap(True)
        self.problems.hide()
        self.fix_button = QPushButton(translate("ReferenceStrip", "Fix and add"), self)
        self.fix_button.setObjectName("referenceFix")
        self.fix_button.hide()
        self._tiles_row = QHBoxLayout()
        self._tiles_row.setContentsMargins(0, 0, 0, 0)
        header = QHBoxLayout()
        header.addWidget(self.title)
        header.addStretch(1)
        header.addWidget(self.add_button)
        header.addWidget(self.paste_button)
        fix_row = QHBoxLayout()
        fix_row.addWidget(self.problems, 1)
        fix_row.addWidget(self.fix_button, 0, Qt.AlignmentFlag.AlignTop)
        box = QVBoxLayout(self)
        box.setContentsMargins(0, 0, 0, 0)
        box.addLayout(header)
        box.addLayout(self._tiles_row)
        box.addWidget(self.hint)
        box.addLayout(fix_row)
        self.add_button.clicked.connect(self._choose_files)
        self.paste_button.clicked.connect(self.paste)
        self.fix_button.clicked.connect(self.fix_and_add)
        draft.changed.connect(self._follow_draft)
        self._shown: tuple[Reference, ...] = ()
        self._follow_draft()

    def __repr__(self) -> str:
        return f"<ReferenceStrip {len(self._draft.references)} images>"

    # ---- adding --------------------------------------------------------------------------------

    def add_files(self, paths: list[Path], *, sources: list[tuple[str, int]] | None = None
                  ) -> None:
        """Check and add local files (``sources``: the history job/index each came from).

        Reading, checking, fixing and copying run on a worker; ``intake_finished`` follows.
        """
        sourced = [(path, *(sources[i] if sources and i < len(sources) else (None, None)))
                   for i, path in enumerate(paths)]
        self._intake(lambda: [Candidate(read_image_file(p), p.name, job, index)
                              for p, job, index in sourced], fix=False)

    def add_candidates(self, candidates: list[Candidate]) -> None:
        self._intake(lambda: candidates, fix=False)

    def fix_and_add(self) -> None:
        """Apply the offered fixes to the files that failed, and add them."""
        pending, self._pending = self._pending, []
        self._intake(lambda: pending, fix=True)

    def paste(self) -> None:
        """Add the clipboard's image (or image files) as references."""
        self.add_from_mime(QGuiApplication.clipboard().mimeData())

    def add_from_mime(self, mime: QMimeData | None) -> bool:
        if mime is None:
            return False
        paths = [Path(url.toLocalFile()) for url in mime.urls() if url.isLocalFile()]
        if paths:
            self.add_files(paths)
            return True
        if mime.hasImage():
            image = QImage(mime.imageData())
            if not image.isNull():
                self.add_candidates([Candidate(png_bytes(image), "pasted.png")])
                return True
        self._show_problems([translate(
            "ReferenceStrip", "The clipboard holds no image.")], fixable=False)
        return False

    def _intake(self, gather: Callable[[], list[Candidate]], *, fix: bool) -> None:
        layout = self._layout()
        if layout is None:
            self._show_problems([translate(
                "ReferenceStrip", "The history is still opening; try again in a moment.")],
                                fixable=False)
            self.intake_finished.emit()
            return

        def work() -> _Intake:
            try:
                candidates = gather()
            except ReferenceRejected as exc:
                return _Intake([], [exc.message], [], [])
            return _accept(layout, candidates, fix=fix)

        self._workers.run(work, self._intake_done, self._intake_failed)

    def _intake_done(self, result: _Intake) -> None:
        room = self._draft.endpoint.max_references - len(self._draft.references)
        added, problems = result.added[:max(0, room)], list(result.problems)
        if len(result.added) > len(added):
            problems.append(translate(
                "ReferenceStrip", "An edit takes at most {max} images; {count} were not added."
            ).format(max=self._draft.endpoint.max_references,
                     count=len(result.added) - len(added)))
        self._pending = result.failed
        self._show_problems(problems, fixable=bool(result.failed),
                            fixes=[FIX_LABELS[f] for f in result.fixes])
        if added:
            self._draft.set_references((*self._draft.references, *added))
        self.intake_finished.emit()

    def _intake_failed(self, error: Exception) -> None:
        self._show_problems([translate("ReferenceStrip", "The images could not be added: {error}")
                             .format(error=error)], fixable=False)
        self.intake_finished.emit()

    def _show_problems(self, problems: list[str], *, fixable: bool,
                       fixes: list[str] | None = None) -> None:
        text = "\n".join(problems)
        if fixable and fixes:
            text += "\n" + translate("ReferenceStrip", "Offered fix: {fixes}.").format(
                fixes="; ".join(dict.fromkeys(core_text(f) for f in fixes)).lower())
        self.problems.setText(text)
        self.problems.setVisible(bool(problems))
        self.fix_button.setVisible(fixable)
        if problems:
            self.message.emit(problems[0])

    def dismiss_problems(self) -> None:
        """Esc in the strip: the problems of the last files offered are put away."""
        self._show_problems([], fixable=False)

    # ---- order ---------------------------------------------------------------------------------

    def move_reference(self, index: int, step: int) -> None:
        refs = list(self._draft.references)
        target = index + step
        if 0 <= index < len(refs) and 0 <= target < len(refs):
            refs[index], refs[target] = refs[target], refs[index]
            self._draft.set_references(tuple(refs))

    def remove_reference(self, index: int) -> None:
        refs = list(self._draft.references)
        if 0 <= index < len(refs):
            del refs[index]
            self._draft.set_references(tuple(refs))

    def clear(self) -> None:
        self._draft.set_references(())

    # ---- display -------------------------------------------------------------------------------

    def _follow_draft(self) -> None:
        self.setVisible(self._draft.endpoint.takes_images)
        refs = self._draft.references
        if refs == self._shown:
            return
        self._shown = refs
        while self._tiles_row.count():  # the old tiles and the trailing stretch
            item = self._tiles_row.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.hide()  # gone now, even before the event loop deletes it
                widget.deleteLater()
        self.tiles = []
        layout = self._layout()
        for index, ref in enumerate(refs):
            pixmap = QPixmap()
            if layout is not None:
                image = QImage(str(reference_path(layout, ref)))
                if not image.isNull():
                    pixmap = QPixmap.fromImage(image.scaled(
                        THUMB, THUMB, Qt.AspectRatioMode.KeepAspectRatio,
                        Qt.TransformationMode.SmoothTransformation))
            tile = ReferenceTile(index + 1, ref, pixmap, self)
            tile.left.setEnabled(index > 0)
            tile.right.setEnabled(index < len(refs) - 1)
            tile.left.clicked.connect(lambda _c=False, i=index: self.move_reference(i, -1))
            tile.right.clicked.connect(lambda _c=False, i=index: self.move_reference(i, 1))
            tile.remove.clicked.connect(lambda _c=False, i=index: self.remove_reference(i))
            self._tiles_row.addWidget(tile)
            self.tiles.append(tile)
        self._tiles_row.addStretch(1)
        # The how-to until there is a reference (then each tile says "image N"); its line goes
        # to the result image. It stays a tooltip of the strip.
        self.hint.setVisible(not refs)
        full = len(refs) >= self._draft.endpoint.max_references
        self.add_button.setEnabled(not full)
        self.paste_button.setEnabled(not full)

    # ---- drops ---------------------------------------------------------------------------------

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        mime = event.mimeData()
        if mime.hasUrls() or mime.hasImage():
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        if self.add_from_mime(event.mimeData()):
            event.acceptProposedAction()

    def _choose_files(self) -> None:
        dialog = QFileDialog(self, translate("ReferenceStrip", "Reference images"))
        dialog.setFileMode(QFileDialog.FileMode.ExistingFiles)
        dialog.setNameFilter(translate(
            "ReferenceStrip", "Images (*.png *.jpg *.jpeg *.webp *.bmp *.gif *.tif *.tiff)"))
        dialog.filesSelected.connect(lambda files: self.add_files([Path(f) for f in files]))
        dialog.open()


@dataclass(frozen=True)
class _Intake:
    """What checking a batch of offered images gave (computed on a worker)."""

    added: list[Reference]
    problems: list[str]
    failed: list[Candidate]  # fixable ones, kept for "Fix and add"
    fixes: list[Fix]


def _accept(layout: DataLayout, candidates: list[Candidate], *, fix: bool) -> _Intake:
    """Check (and with ``fix``, repair) each candidate and copy it into the history."""
    result = _Intake([], [], [], [])
    for candidate in candidates:
        try:
            reference, data = prepare_reference(
                candidate.data, candidate.name, fix=fix,
                source_job_id=candidate.source_job_id, source_index=candidate.source_index)
            keep_reference(layout, reference, data)
        except ReferenceRejected as exc:
            result.problems.append(exc.message)
            if exc.check is not None and exc.check.fixable:
                result.failed.append(candidate)
                result.fixes.extend(exc.check.fixes)
            continue
        except (QwenImgError, OSError) as exc:
            result.problems.append(translate("ReferenceStrip", "{name} could not be kept: {error}")
                                   .format(name=candidate.name, error=exc))
            continue
        result.added.append(reference)
    return result


def _tool(text: str, tip: str, parent: QWidget) -> QToolButton:
    button = QToolButton(parent)
    button.setText(text)
    button.setToolTip(tip)
    button.setAutoRaise(True)
    return button
