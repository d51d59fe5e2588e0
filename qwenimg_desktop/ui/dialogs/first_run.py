"""First-run explanation when there is no API key: how to get one, or try demo mode."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QMessageBox, QPushButton, QWidget

from qwenimg_desktop.ui import messages
from qwenimg_desktop.ui.i18n import translate


class FirstRunDialog(QMessageBox):
    """Explains the key; emits what the user chose (shown with ``open()``, never ``exec()``)."""

    settings_chosen = Signal()
    demo_chosen = Signal()

    def __init__(self, parent: QWidget | None = None, *, demo_available: bool = True) -> None:
        super().__init__(parent)
        self.setObjectName("firstRunDialog")
        self.setWindowTitle(messages.first_run_title())
        self.setIcon(QMessageBox.Icon.Information)
        self.setTextFormat(Qt.TextFormat.RichText)
        self.setText(messages.first_run_text())
        self.settings_button: QPushButton = self.addButton(
            translate("FirstRun", "Enter API key…"), QMessageBox.ButtonRole.AcceptRole)
        self.demo_button: QPushButton = self.addButton(
            translate("FirstRun", "Try demo mode"), QMessageBox.ButtonRole.ActionRole)
        self.demo_button.setVisible(demo_available)
        self.addButton(translate("FirstRun", "Later"), QMessageBox.ButtonRole.RejectRole)
        self.setDefaultButton(self.settings_button)
        self.buttonClicked.connect(self._clicked)

    def _clicked(self, button: object) -> None:
        if button is self.settings_button:
            self.settings_chosen.emit()
        elif button is self.demo_button:
            self.demo_chosen.emit()
