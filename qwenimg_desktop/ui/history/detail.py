"""DetailPane: one generation in full: images, prompt (rendered, raw), parameters, logs, actions."""

from __future__ import annotations

import html
from functools import partial
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QGuiApplication, QImage
from PySide6.QtWidgets import (
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSplitter,
    QTabWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from qwenimg_desktop.core.store.edits import SourceLink
from qwenimg_desktop.core.store.files import DataLayout
from qwenimg_desktop.core.store.reads import LogLine
from qwenimg_desktop.core.store.records import MAX_NOTE_CHARS, JobRecord
from qwenimg_desktop.ui.flow_layout import FlowLayout
from qwenimg_desktop.ui.history.describe import info_rows, parameter_rows
from qwenimg_desktop.ui.history.reuse import ReuseMode, request_for
from qwenimg_desktop.ui.history.thumbnails import read_image
from qwenimg_desktop.ui.history.zoom import ZoomView
from qwenimg_desktop.ui.i18n import translate
from qwenimg_desktop.ui.safe_text import SafeTextBrowser, plain_label
from qwenimg_desktop.ui.text_limit import TextLimit
from qwenimg_desktop.ui.workers import Workers


class DetailPane(QWidget):
    """Shows one :class:`JobRecord`; every action is a signal for the browser or window.

    Signals:
        reuse_requested(GenerationRequest, str): a reuse mode (see ``ReuseMode``).
        favourite_toggled(str, bool), note_saved(str, str): job id and new value.
        redownload_requested(str), delete_requested(list[str]): job ids.
        edit_requested(): "Edit this image" (the browser adds the selection's images).
        open_job(str): a lineage link was followed (made from / edits of this).
        message(str): a sentence for the status bar (e.g. a note cut to its limit).
        image_unreadable(str, int): job id and image index of a file that does not decode.
    """

    reuse_requested = Signal(object, str)
    favourite_toggled = Signal(str, bool)
    note_saved = Signal(str, str)
    redownload_requested = Signal(str)
    delete_requested = Signal(list)
    edit_requested = Signal()
    open_job = Signal(str)
    message = Signal(str)
    image_unreadable = Signal(str, int)

    def __init__(self, layout: DataLayout, images: Workers,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("historyDetail")
        self._layout = layout
        self._images = images
        self._record: JobRecord | None = None
        self._image_index = 0
        self._load_token = 0
        self.image_view = ZoomView(self)
        self.image_label = plain_label("", self)
        self.library_label = plain_label("", self)
        self.library_label.setObjectName("detailLibrary")
        self.image_buttons = QHBoxLayout()
        self.rendered = SafeTextBrowser(self)
        self.rendered.setAccessibleName(translate("Detail", "Prompt of the selected generation"))
        self.raw = QPlainTextEdit(self)
        self.raw.setReadOnly(True)
        self.logs = QPlainTextEdit(self)
        self.logs.setReadOnly(True)
        self.note = QPlainTextEdit(self)
        self.note.setPlaceholderText(translate(
            "Detail", "Your notes on this generation (searchable)"))
        self.note.setTabChangesFocus(True)
        self.note_limit = TextLimit(self.note, MAX_NOTE_CHARS, translate("Detail", "note"))
        self.note_limit.cut.connect(self.message)
        self.params_form = QFormLayout()
        self.error_label = plain_label("", self)
        self.error_label.setWordWrap(True)
        self.error_label.setStyleSheet("color: #c03030;")
        self.lineage = QLabel("", self)
        self.lineage.setObjectName("lineage")
        self.lineage.setTextFormat(Qt.TextFormat.RichText)
        self.lineage.setWordWrap(True)
        self.lineage.linkActivated.connect(self._follow_link)
        self.lineage.hide()
        self._buttons: dict[str, QPushButton] = {}
        self._build()
        self.show_record(None)

    def __repr__(self) -> str:
        return f"<DetailPane job={self._record.id if self._record else None}>"

    @property
    def record(self) -> JobRecord | None:
        return self._record

    def button(self, name: str) -> QPushButton:
        return self._buttons[name]

    # ---- layout ------------------------------------------------------------------------------

    def _build(self) -> None:
        top = QWidget(self)
        top_layout = QVBoxLayout(top)
        top_layout.setContentsMargins(0, 0, 0, 0)
        strip = QHBoxLayout()
        strip.addLayout(self.image_buttons)
        strip.addStretch(1)
        strip.addWidget(self.library_label)
        strip.addWidget(self.image_label)
        fit = QToolButton(top)
        fit.setText(translate("Detail", "Fit"))
        fit.clicked.connect(self.image_view.fit)
        strip.addWidget(fit)
        top_layout.addLayout(strip)
        top_layout.addWidget(self.image_view, 1)
        tabs = QTabWidget(self)
        tabs.addTab(self.rendered, translate("Detail", "Prompt"))
        tabs.addTab(self.raw, translate("Detail", "Raw"))
        params = QWidget()
        params.setLayout(self.params_form)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(params)
        tabs.addTab(scroll, translate("Detail", "Parameters"))
        tabs.addTab(self.logs, translate("Detail", "Logs"))
        note_tab = QWidget()
        note_layout = QVBoxLayout(note_tab)
        note_layout.addWidget(self.note)
        tabs.addTab(note_tab, translate("Detail", "Note"))
        self.tabs = tabs
        splitter = QSplitter(self)
        splitter.setOrientation(splitter.orientation().Vertical)
        splitter.addWidget(top)
        splitter.addWidget(tabs)
        splitter.setSizes([360, 300])
        outer = QVBoxLayout(self)
        outer.setContentsMargins(4, 4, 4, 4)
        outer.addWidget(splitter, 1)
        outer.addWidget(self.lineage)
        outer.addWidget(self.error_label)
        outer.addLayout(self._actions(note_layout))

    def _actions(self, note_layout: QVBoxLayout) -> FlowLayout:
        # Wrapping: in one row the nine actions kept the pane ~755 px wide (the gallery beside
        # it had one column of tiles at 1366 px); they take two rows where the pane is narrow.
        row = FlowLayout()
        specs = [("exact", translate("Detail", "Re-run exact"), translate(
            "Detail", "Same parameters and seed")),
                 ("remix", translate("Detail", "Remix"), translate(
                     "Detail", "Same parameters, new seed")),
                 ("prompt", translate("Detail", "Use prompt"), translate(
                     "Detail", "Prompt and negative prompt into the draft")),
                 ("params", translate("Detail", "Use parameters"), translate(
                     "Detail", "Parameters and seed into the draft")),
                 ("edit", translate("Detail", "Edit this image"), translate(
                     "Detail", "Use the shown image (or the selected jobs' first images) as "
                     "references of an edit")),
                 ("copy_seed", translate("Detail", "Copy seed"), ""), ("favourite", translate(
                     "Detail", "★ Favourite"), ""),
                 ("delete", translate("Detail", "Delete"), translate(
                     "Detail", "Delete (undo is possible until you quit)")),
                 # Last: it shows only for a job whose files are missing (or once the file
                 # check has found them), and a button shown before Delete moved Delete under
                 # the pointer (found by hand: a click meant for Re-download deleted the job).
                 ("redownload", translate("Detail", "Re-download"), translate(
                     "Detail", "Fetch the missing images from fal again"))]
        for name, text, tip in specs:
            button = QPushButton(text, self)
            button.setToolTip(tip)
            self._buttons[name] = button
            row.addWidget(button)
        for mode in ReuseMode:
            self._buttons[mode.value].clicked.connect(
                lambda _=False, m=mode: self._reuse(m))
        self._buttons["favourite"].setCheckable(True)
        self._buttons["favourite"].clicked.connect(self._toggle_favourite)
        self._buttons["copy_seed"].clicked.connect(self._copy_seed)
        self._buttons["edit"].clicked.connect(self.edit_requested)
        self._buttons["redownload"].clicked.connect(self._redownload)
        self._buttons["delete"].clicked.connect(self._delete)
        save = QPushButton(translate("Detail", "Save note"), self)
        save.clicked.connect(self._save_note)
        self._buttons["save_note"] = save
        note_layout.addWidget(save)
        return row

    # ---- content -----------------------------------------------------------------------------

    def show_library(self, rating: int, tags: list[str], collections: list[str]) -> None:
        """The generation's stars, tags and collections, in one line above the image."""
        parts = ["★" * rating] if rating else []
        if tags:
            parts.append(translate("Detail", "tags: {tags}").format(tags=", ".join(tags)))
        if collections:
            parts.append(translate("Detail", "in: {collections}").format(
                collections=", ".join(collections)))
        self.library_label.setText("  ·  ".join(parts))

    def show_record(self, record: JobRecord | None, logs: list[LogLine] | None = None, *,
                    missing: bool = False) -> None:
        self._record = record
        has = record is not None
        for button in self._buttons.values():
            button.setEnabled(has)
        # Missing files, or a paid result never stored (a stalled download, a full disk).
        self._buttons["redownload"].setVisible(
            missing or (record is not None and record.awaits_redownload))
        if record is None:
            self.show_lineage([], [])
            self.rendered.set_markdown("")
            self.raw.setPlainText("")
            self.logs.setPlainText("")
            self.note.setPlainText("")
            self.error_label.setVisible(False)
            self._fill_form([])
            self._set_images(0)
            return
        reusable = record.request is not None
        for mode in ReuseMode:
            self._buttons[mode.value].setEnabled(reusable)
        self._buttons["copy_seed"].setEnabled(record.seed is not None)
        self._buttons["edit"].setEnabled(bool(record.images))
        self._buttons["favourite"].setChecked(record.favourite)
        self.rendered.set_markdown(record.prompt)
        negative = ("\n\n" + translate("Detail", "Negative prompt:") + "\n"
                    + record.negative_prompt) if record.negative_prompt else ""
        self.raw.setPlainText(record.prompt + negative)
        self.logs.setPlainText("\n".join(
            f"[{level or 'info'}] {message}" for message, level, _ in (logs or [])))
        self.note.setPlainText(record.note)
        self.error_label.setText(translate("Detail", "Error: {error}").format(error=record.error)
                                 if record.error else "")
        self.error_label.setVisible(bool(record.error))
        self._fill_form(parameter_rows(record) + info_rows(record))
        self._set_images(len(record.images))

    def _fill_form(self, rows: list[Any]) -> None:
        while self.params_form.rowCount():
            self.params_form.removeRow(0)
        for row in rows:
            value = plain_label(row.value)
            value.setWordWrap(True)
            value.setObjectName(f"param_{row.key}")
            value.setTextInteractionFlags(value.textInteractionFlags().TextSelectableByMouse)
            self.params_form.addRow(plain_label(row.label + ":"), value)

    def _set_images(self, count: int) -> None:
        while self.image_buttons.count():
            item = self.image_buttons.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.deleteLater()
        for i in range(count if count > 1 else 0):
            button = QToolButton(self)
            button.setText(str(i + 1))
            button.clicked.connect(lambda _=False, n=i: self.show_image(n))
            self.image_buttons.addWidget(button)
        self.image_view.set_image(None)
        self.image_label.setText("" if count else translate("Detail", "no image"))
        if count:
            self.show_image(0)

    def show_image(self, index: int) -> None:
        record = self._record
        if record is None or not 0 <= index < len(record.images):
            return
        self._image_index = index
        self._images.cancel(self._load_token)
        image = record.images[index]
        path = self._layout.absolute(image.path)
        self.image_label.setText(f"{index + 1}/{len(record.images)}  {image.width}×{image.height}")
        self._load_token = self._images.run(partial(read_image, path),
                                            partial(self._on_image, path, index))

    def set_redownloadable(self, offered: bool) -> None:
        """Offer Re-download (a file is missing or damaged and fal may still hold the result)."""
        self._buttons["redownload"].setVisible(offered)
        self._buttons["redownload"].setEnabled(offered and self._record is not None)

    def _on_image(self, path: Path, index: int, image: QImage) -> None:
        self.image_view.set_image(image)
        if not image.isNull():
            return
        exists = path.is_file()
        self.image_label.setText(
            (translate("Detail", "unreadable (damaged): {name}") if exists
             else translate("Detail", "missing: {name}")).format(name=path.name))
        if exists and self._record is not None:
            self.image_unreadable.emit(self._record.id, index)

    @property
    def image_index(self) -> int:
        return self._image_index

    def show_lineage(self, made_from: list[SourceLink], edits: list[SourceLink]) -> None:
        """"Made from" (this edit's references) and "Edits of this", as links to those jobs."""
        parts = []
        if made_from:
            parts.append(translate("Detail", "Made from: ") + ", ".join(
                translate("Detail", "image {number}").format(number=link.index + 1) + " ← " + (
                    _job_link(link.source_job_id, link.source_index)
                    if link.source_job_id else translate(
                        "Detail", "a file")) for link in made_from))
        if edits:
            seen = dict.fromkeys(link.job_id for link in edits)
            parts.append(translate(
                "Detail", "Edits of this: ") + ", ".join(_job_link(job_id) for job_id in seen))
        self.lineage.setText("<br>".join(parts))
        self.lineage.setVisible(bool(parts))

    def _follow_link(self, href: str) -> None:
        if href.startswith("job:"):
            self.open_job.emit(href.removeprefix("job:"))

    # ---- actions -----------------------------------------------------------------------------

    def _reuse(self, mode: ReuseMode) -> None:
        if self._record is None:
            return
        request = request_for(self._record, mode)
        if request is not None:
            self.reuse_requested.emit(request, mode.value)

    def _toggle_favourite(self, checked: bool) -> None:
        if self._record is not None:
            self.favourite_toggled.emit(self._record.id, checked)
            # The button shows what is stored: the record shown again once the write is done
            # checks it; a refused write (the history still being checked, a full disk) leaves
            # it as it was instead of showing a favourite that is not one.
            self._buttons["favourite"].setChecked(self._record.favourite)

    def _copy_seed(self) -> None:
        if self._record is not None and self._record.seed is not None:
            QGuiApplication.clipboard().setText(str(self._record.seed))

    def _redownload(self) -> None:
        if self._record is not None:
            self.redownload_requested.emit(self._record.id)

    def _delete(self) -> None:
        if self._record is not None:
            self.delete_requested.emit([self._record.id])

    def _save_note(self) -> None:
        if self._record is not None:
            self.note_saved.emit(self._record.id, self.note.toPlainText())


def _job_link(job_id: str, index: int | None = None) -> str:
    # Only our own ids go into the rich text, escaped all the same: a history imported from
    # elsewhere could hold anything in these columns (see ui/safe_text.py).
    label = html.escape(job_id[:8]) + (
        " " + translate("Detail", "image {number}").format(number=index + 1)
        if index is not None else "")
    return f'<a href="job:{html.escape(job_id, quote=True)}">{label}</a>'
