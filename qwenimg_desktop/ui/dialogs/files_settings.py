"""The settings dialog's "Files and notifications" group: applied as it is edited."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QCheckBox, QFormLayout, QGroupBox, QWidget

from qwenimg_desktop.core.settings import AppSettings
from qwenimg_desktop.ui.i18n import translate


class FilesSettings(QGroupBox):
    """Notifications switch (and, below, where finished images go)."""

    changed = Signal()

    def __init__(self, settings: AppSettings, parent: QWidget | None = None) -> None:
        super().__init__(translate("SettingsDialog", "Files and notifications"), parent)
        self._settings = settings
        field = AppSettings.model_fields["notify_when_done"]
        self.notify = QCheckBox(translate("SettingsDialog", "Notify when a job ends while the "
                                          "window is in the background"), self)
        self.notify.setObjectName("notifyWhenDone")
        self.notify.setToolTip(field.description or "")
        self.notify.setChecked(settings.notify_when_done)
        form = QFormLayout(self)
        form.addRow(self.notify)
        self.notify.toggled.connect(self._apply_notify)

    def __repr__(self) -> str:
        return f"<FilesSettings notify={self._settings.notify_when_done}>"

    def _apply_notify(self, on: bool) -> None:
        self._settings.notify_when_done = on
        self.changed.emit()
