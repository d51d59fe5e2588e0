"""The settings dialog's "Files and notifications" group, applied as it is edited: where
finished images are copied, their file names (with a live example), and job notifications."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QWidget,
)

from qwenimg_desktop.core.output_files import MAX_TEMPLATE_CHARS, TemplateError, example_name
from qwenimg_desktop.core.settings import AppSettings
from qwenimg_desktop.ui import user_files
from qwenimg_desktop.ui.core_texts import core_text, template_help
from qwenimg_desktop.ui.i18n import translate
from qwenimg_desktop.ui.safe_text import plain_label


class FilesSettings(QGroupBox):
    """Output folder, file-name template and the notifications switch."""

    changed = Signal()

    def __init__(self, settings: AppSettings, parent: QWidget | None = None) -> None:
        super().__init__(translate("SettingsDialog", "Files and notifications"), parent)
        self._settings = settings
        fields = AppSettings.model_fields
        self.copy = QCheckBox(translate("SettingsDialog",
                                        "Copy each finished image to the output folder"), self)
        self.copy.setChecked(settings.copy_to_output_folder)
        self.copy.setToolTip(core_text(fields["copy_to_output_folder"].description or ""))
        self.folder = QLineEdit(settings.output_folder, self)
        self.folder.setObjectName("outputFolder")
        self.folder.setPlaceholderText(translate("SettingsDialog", "Default: {path}").format(
            path=user_files.default_output_folder()))
        self.folder.setToolTip(core_text(fields["output_folder"].description or ""))
        self.choose = QPushButton(translate("SettingsDialog", "Choose…"), self)
        self.template = QLineEdit(settings.file_name_template, self)
        self.template.setObjectName("fileNameTemplate")
        self.template.setMaxLength(MAX_TEMPLATE_CHARS)
        self.template.setToolTip(template_help())
        self.example = plain_label("", self)
        self.example.setObjectName("fileNameExample")
        self.example.setWordWrap(True)
        self.notify = QCheckBox(translate("SettingsDialog", "Notify when a job ends while the "
                                          "window is in the background"), self)
        self.notify.setObjectName("notifyWhenDone")
        self.notify.setToolTip(core_text(fields["notify_when_done"].description or ""))
        self.notify.setChecked(settings.notify_when_done)
        folder_row = QHBoxLayout()
        folder_row.addWidget(self.folder, 1)
        folder_row.addWidget(self.choose)
        form = QFormLayout(self)
        form.addRow(self.copy)
        form.addRow(translate("SettingsDialog", "Output folder"), folder_row)
        form.addRow(translate("SettingsDialog", "File names"), self.template)
        form.addRow("", self.example)
        form.addRow(self.notify)
        self._show_example()
        self.copy.toggled.connect(self._apply_copy)
        self.folder.editingFinished.connect(self._apply_folder)
        self.choose.clicked.connect(self._choose_folder)
        self.template.textChanged.connect(self._apply_template)
        self.notify.toggled.connect(self._apply_notify)

    def __repr__(self) -> str:
        return f"<FilesSettings folder={user_files.output_folder(self._settings)}>"

    def _apply_copy(self, on: bool) -> None:
        self._settings.copy_to_output_folder = on
        self.changed.emit()

    def _apply_folder(self) -> None:
        text = self.folder.text().strip()
        if text != self._settings.output_folder:
            self._settings.output_folder = text
            self.changed.emit()

    def _choose_folder(self) -> None:
        chosen = QFileDialog.getExistingDirectory(
            self, translate("SettingsDialog", "Output folder"),
            str(user_files.output_folder(self._settings)))
        if chosen:
            self.folder.setText(str(Path(chosen)))
            self._apply_folder()

    def _apply_template(self, text: str) -> None:
        """A template that makes names is kept at once; one that does not is shown as such
        and the last good one stays."""
        if self._show_example() and text != self._settings.file_name_template:
            self._settings.file_name_template = text
            self.changed.emit()

    def _show_example(self) -> bool:
        try:
            name = example_name(self.template.text())
        except TemplateError as exc:
            self.example.setText(exc.message)
            self.example.setStyleSheet("color: #d64545;")
            return False
        self.example.setText(translate("SettingsDialog", "For example: {name}").format(name=name))
        self.example.setStyleSheet("")
        return True

    def _apply_notify(self, on: bool) -> None:
        self._settings.notify_when_done = on
        self.changed.emit()
