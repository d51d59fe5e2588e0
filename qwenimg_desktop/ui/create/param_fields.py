"""Compound parameter widgets: image size (preset or custom, aspect lock) and seed (mode, copy)."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QRadioButton,
    QSpinBox,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from qwenimg_desktop.core.params import MAX_SEED, PRESET_DIMENSIONS, ImageSizePreset
from qwenimg_desktop.core.settings import ParamValues, SeedMode
from qwenimg_desktop.ui import messages
from qwenimg_desktop.ui.core_texts import PRESET_NAMES, core_text
from qwenimg_desktop.ui.i18n import translate
from qwenimg_desktop.ui.safe_text import make_plain, plain_label

CUSTOM = "custom"
FROM_INPUT = "from_input"


class ErrorLabel(QLabel):
    """An inline error under a field; hidden when empty."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("", parent)
        make_plain(self)
        self.setObjectName("fieldError")
        self.setWordWrap(True)
        self.hide()

    def show_error(self, text: str) -> None:
        self.setText(text)
        self.setVisible(bool(text))


class SizeField(QWidget):
    """A preset, or a custom width × height with aspect lock and the pixel bound explained.

    With ``optional_text`` (an endpoint whose size may be left out) the first choice sends no
    size, which that endpoint reads as "the size of the last input image".
    """

    edited = Signal(dict)  # ParamValues field changes

    def __init__(self, parent: QWidget | None = None, *, optional_text: str | None = None
                 ) -> None:
        super().__init__(parent)
        self.preset = QComboBox(self)
        self.preset.setObjectName("sizePreset")
        self._optional = optional_text is not None
        if optional_text is not None:
            self.preset.addItem(optional_text[:1].upper() + optional_text[1:], FROM_INPUT)
        for preset, name in PRESET_NAMES.items():
            width, height = PRESET_DIMENSIONS[preset]
            self.preset.addItem(f"{core_text(name)} ({width}×{height})", str(preset))
        self.preset.addItem(translate("SizeField", "Custom…"), CUSTOM)
        self.width_box = _side_box(self, "customWidth")
        self.height_box = _side_box(self, "customHeight")
        self.lock = QCheckBox(translate("SizeField", "Lock aspect"), self)
        self.lock.setObjectName("aspectLock")
        self.info = plain_label("", self)
        self.info.setObjectName("sizeInfo")
        self.info.setWordWrap(True)
        self.error = ErrorLabel(self)
        self._ratio = 1.0
        custom = QHBoxLayout()
        custom.addWidget(self.width_box)
        custom.addWidget(plain_label("×", self))
        custom.addWidget(self.height_box)
        custom.addWidget(self.lock)
        custom.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.preset)
        layout.addLayout(custom)
        layout.addWidget(self.info)
        layout.addWidget(self.error)
        self.preset.currentIndexChanged.connect(self._preset_changed)
        self.width_box.valueChanged.connect(self._width_changed)
        self.height_box.valueChanged.connect(self._height_changed)
        self.lock.toggled.connect(self._lock_toggled)

    def load(self, values: ParamValues) -> None:
        for widget in (self.preset, self.width_box, self.height_box, self.lock):
            widget.blockSignals(True)
        key = CUSTOM if values.size_preset is None else str(values.size_preset)
        if self._optional and values.size_from_input:
            key = FROM_INPUT
        self.preset.setCurrentIndex(max(0, self.preset.findData(key)))
        self.width_box.setValue(values.custom_width)
        self.height_box.setValue(values.custom_height)
        self.lock.setChecked(values.aspect_lock)
        for widget in (self.preset, self.width_box, self.height_box, self.lock):
            widget.blockSignals(False)
        if values.custom_height:
            self._ratio = values.custom_width / values.custom_height
        self._refresh()

    def is_custom(self) -> bool:
        return bool(self.preset.currentData() == CUSTOM)

    def _refresh(self) -> None:
        custom = self.is_custom()
        for widget in (self.width_box, self.height_box, self.lock):
            widget.setEnabled(custom)
        if self.preset.currentData() == FROM_INPUT:
            self.info.setText(translate(
                "SizeField", "The result has the size of the last reference image."))
            return
        if custom:
            width, height = self.width_box.value(), self.height_box.value()
        else:
            width, height = PRESET_DIMENSIONS[ImageSizePreset(self.preset.currentData())]
        self.info.setText(messages.size_bound_text(width, height))

    def _preset_changed(self) -> None:
        data = self.preset.currentData()
        if data == FROM_INPUT:
            self._refresh()
            self.edited.emit({"size_from_input": True})
            return
        if data != CUSTOM:
            width, height = PRESET_DIMENSIONS[ImageSizePreset(data)]
            for box, value in ((self.width_box, width), (self.height_box, height)):
                box.blockSignals(True)
                box.setValue(value)
                box.blockSignals(False)
        self._refresh()
        self.edited.emit({
            "size_preset": None if data == CUSTOM else ImageSizePreset(data),
            "size_from_input": False,
            "custom_width": self.width_box.value(), "custom_height": self.height_box.value(),
        })

    def _lock_toggled(self, locked: bool) -> None:
        if locked and self.height_box.value():
            self._ratio = self.width_box.value() / self.height_box.value()
        self.edited.emit({"aspect_lock": locked})

    def _width_changed(self, width: int) -> None:
        if self.lock.isChecked() and self._ratio > 0:
            self.height_box.blockSignals(True)
            self.height_box.setValue(max(1, round(width / self._ratio)))
            self.height_box.blockSignals(False)
        self._emit_custom()

    def _height_changed(self, height: int) -> None:
        if self.lock.isChecked() and self._ratio > 0:
            self.width_box.blockSignals(True)
            self.width_box.setValue(max(1, round(height * self._ratio)))
            self.width_box.blockSignals(False)
        self._emit_custom()

    def _emit_custom(self) -> None:
        self._refresh()
        self.edited.emit({
            "custom_width": self.width_box.value(), "custom_height": self.height_box.value(),
        })


def _side_box(parent: QWidget, name: str) -> QSpinBox:
    box = QSpinBox(parent)
    box.setObjectName(name)
    # Wider than the endpoint allows on purpose: a bad value gets an inline explanation.
    box.setRange(1, 10_000)
    box.setSingleStep(64)
    box.setSuffix(" px")
    box.setKeyboardTracking(True)
    return box


class SeedField(QWidget):
    """Random, fixed or incrementing seed; the value can be copied."""

    edited = Signal(dict)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.modes = QButtonGroup(self)
        self.buttons: dict[SeedMode, QRadioButton] = {}
        grid = QGridLayout()
        grid.setContentsMargins(0, 0, 0, 0)
        for column, (mode, label, tip) in enumerate((
            (SeedMode.random, translate("SeedField", "Random"), translate(
                "SeedField", "A new random seed for every request")),
            (SeedMode.fixed, translate("SeedField", "Fixed"), translate(
                "SeedField", "The same seed every time")),
            (SeedMode.increment, translate("SeedField", "Increment"), translate(
                "SeedField", "The seed goes up by one after every Generate")),
        )):
            button = QRadioButton(label, self)
            button.setToolTip(tip)
            button.setObjectName(f"seed_{mode}")
            self.modes.addButton(button)
            self.buttons[mode] = button
            grid.addWidget(button, 0, column)
        self.value = QLineEdit(self)
        self.value.setObjectName("seedValue")
        self.value.setPlaceholderText(f"0 … {MAX_SEED}")
        self.copy = QToolButton(self)
        self.copy.setText(translate("SeedField", "Copy"))
        self.copy.setToolTip(translate("SeedField", "Copy the seed to the clipboard"))
        self.error = ErrorLabel(self)
        row = QHBoxLayout()
        row.addWidget(self.value, 1)
        row.addWidget(self.copy)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(grid)
        layout.addLayout(row)
        layout.addWidget(self.error)
        self.modes.buttonToggled.connect(self._mode_toggled)
        self.value.textEdited.connect(lambda text: self.edited.emit({"seed_text": text}))
        self.copy.clicked.connect(self.copy_seed)

    def load(self, values: ParamValues) -> None:
        self.modes.blockSignals(True)
        self.buttons[values.seed_mode].setChecked(True)
        self.modes.blockSignals(False)
        if self.value.text() != values.seed_text:
            self.value.setText(values.seed_text)
        self.value.setEnabled(values.seed_mode is not SeedMode.random)

    def copy_seed(self) -> None:
        QGuiApplication.clipboard().setText(self.value.text().strip())

    def _mode_toggled(self, button: QRadioButton, checked: bool) -> None:
        if not checked:
            return
        mode = next(m for m, b in self.buttons.items() if b is button)
        self.value.setEnabled(mode is not SeedMode.random)
        self.edited.emit({"seed_mode": mode})

