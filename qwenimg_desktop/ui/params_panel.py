"""Parameter panel: every request parameter bound to the Draft, inline errors, presets, Generate."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QPushButton,
    QSpinBox,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from qwenimg_desktop.core.params import (
    MAX_NUM_IMAGES,
    GenerationRequest,
    OutputFormat,
    estimate_cost,
)
from qwenimg_desktop.core.settings import AppSettings, ParamValues
from qwenimg_desktop.ui import messages
from qwenimg_desktop.ui.draft import Draft, Validation
from qwenimg_desktop.ui.param_fields import ErrorLabel, SeedField, SizeField
from qwenimg_desktop.ui.safe_text import plain_label

_TOGGLES = ("enable_prompt_expansion", "enable_safety_checker", "sync_mode")


def _field_help(name: str) -> tuple[str, str]:
    info = GenerationRequest.model_fields[name]
    return info.title or name, info.description or ""


class PresetsBar(QWidget):
    """Named presets of all parameters, kept in AppSettings."""

    def __init__(self, settings: AppSettings, draft: Draft, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._settings = settings
        self._draft = draft
        self.combo = QComboBox(self)
        self.combo.setObjectName("presetCombo")
        self.combo.setToolTip("Apply a saved set of parameters")
        self.save_button = QToolButton(self)
        self.save_button.setText("Save…")
        self.save_button.setToolTip("Save the current parameters as a named preset")
        self.delete_button = QToolButton(self)
        self.delete_button.setText("Delete")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.combo, 1)
        layout.addWidget(self.save_button)
        layout.addWidget(self.delete_button)
        self.reload()
        self.combo.activated.connect(self._apply)
        self.save_button.clicked.connect(self._ask_name)
        self.delete_button.clicked.connect(self.delete_current)

    def reload(self) -> None:
        self.combo.blockSignals(True)
        self.combo.clear()
        self.combo.addItem("Presets…", None)
        for name in sorted(self._settings.presets, key=str.casefold):
            self.combo.addItem(name, name)
        self.combo.blockSignals(False)
        self.delete_button.setEnabled(bool(self._settings.presets))

    def save_preset(self, name: str) -> None:
        name = name.strip()[:80]
        if not name:
            return
        presets = dict(self._settings.presets)
        presets[name] = self._draft.params
        self._settings.presets = presets
        self.reload()
        self.combo.setCurrentIndex(self.combo.findData(name))

    def apply_preset(self, name: str) -> None:
        preset = self._settings.presets.get(name)
        if preset is not None:
            self._draft.set_params(preset)

    def delete_current(self) -> None:
        name = self.combo.currentData()
        if name:
            presets = dict(self._settings.presets)
            presets.pop(name, None)
            self._settings.presets = presets
            self.reload()

    def _apply(self, index: int) -> None:
        name = self.combo.itemData(index)
        if name:
            self.apply_preset(name)

    def _ask_name(self) -> None:
        name, ok = QInputDialog.getText(self, "Save preset", "Preset name:")
        if ok:
            self.save_preset(name)


class ParamsPanel(QWidget):
    """Widgets for every parameter; inline error per field; Generate shows the estimated cost."""

    generate_requested = Signal()

    def __init__(self, draft: Draft, settings: AppSettings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("paramsPanel")
        self._draft = draft
        self._settings = settings
        self._blocked_reason = ""
        self._validation = draft.last_validation
        self.presets = PresetsBar(settings, draft, self)
        self.size_field = SizeField(self)
        self.seed = SeedField(self)
        self.toggles: dict[str, QCheckBox] = {}
        for name in _TOGGLES:
            title, description = _field_help(name)
            box = QCheckBox(title, self)
            box.setObjectName(name)
            box.setToolTip(description)
            self.toggles[name] = box
        self.num_images = QSpinBox(self)
        self.num_images.setObjectName("numImages")
        self.num_images.setRange(1, MAX_NUM_IMAGES)
        self.output_format = QComboBox(self)
        self.output_format.setObjectName("outputFormat")
        for fmt in OutputFormat:
            self.output_format.addItem(fmt.value.upper(), fmt.value)
        self.errors: dict[str, ErrorLabel] = {
            "image_size": self.size_field.error, "seed": self.seed.error,
            "num_images": ErrorLabel(self), "output_format": ErrorLabel(self),
        }
        for name in _TOGGLES:
            self.errors[name] = ErrorLabel(self)
        self.generate = QPushButton(messages.generate_label(None), self)
        self.generate.setObjectName("generateButton")
        self.generate.setDefault(True)
        self.generate.setMinimumHeight(36)
        self.generate.setToolTip("Generate (Ctrl+Enter)")
        self.blocked = plain_label("", self)
        self.blocked.setObjectName("generateBlocked")
        self.blocked.setWordWrap(True)
        self.blocked.hide()
        self._build()
        self.load(draft.params)
        self._connect()

    def _build(self) -> None:
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        form.addRow("Preset", self.presets)
        form.addRow(_field_help("image_size")[0], self.size_field)
        form.addRow(_field_help("seed")[0], self.seed)
        form.addRow(_field_help("num_images")[0],
                    _with_error(self.num_images, self.errors["num_images"]))
        form.addRow(_field_help("output_format")[0],
                    _with_error(self.output_format, self.errors["output_format"]))
        toggles = QVBoxLayout()
        for name, box in self.toggles.items():
            toggles.addWidget(box)
            toggles.addWidget(self.errors[name])
        form.addRow("Options", toggles)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addStretch(1)
        layout.addWidget(self.blocked)
        layout.addWidget(self.generate)

    def _connect(self) -> None:
        self.size_field.edited.connect(lambda changes: self._draft.update_params(**changes))
        self.seed.edited.connect(lambda changes: self._draft.update_params(**changes))
        for name, box in self.toggles.items():
            box.toggled.connect(lambda on, n=name: self._draft.update_params(**{n: on}))
        self.num_images.valueChanged.connect(lambda n: self._draft.update_params(num_images=n))
        self.output_format.currentIndexChanged.connect(
            lambda _i: self._draft.update_params(output_format=self.output_format.currentData())
        )
        self.generate.clicked.connect(self.generate_requested)
        self._draft.params_changed.connect(lambda: self.load(self._draft.params))
        self._draft.validated.connect(self.show_validation)

    def load(self, values: ParamValues) -> None:
        self.size_field.load(values)
        self.seed.load(values)
        for name, box in self.toggles.items():
            box.blockSignals(True)
            box.setChecked(bool(getattr(values, name)))
            box.blockSignals(False)
        self.num_images.blockSignals(True)
        self.num_images.setValue(max(1, min(values.num_images, MAX_NUM_IMAGES)))
        self.num_images.blockSignals(False)
        self.output_format.blockSignals(True)
        self.output_format.setCurrentIndex(self.output_format.findData(values.output_format.value))
        self.output_format.blockSignals(False)

    def show_validation(self, result: Validation) -> None:
        self._validation = result
        for key, label in self.errors.items():
            label.show_error(result.errors.get(key, ""))
        self._refresh_generate()

    def set_blocked_reason(self, reason: str) -> None:
        """Disable Generate for a reason outside the parameters (e.g. no API key)."""
        self._blocked_reason = reason
        self._refresh_generate()

    def refresh_cost(self) -> None:
        self._refresh_generate()

    def _refresh_generate(self) -> None:
        request = self._validation.request
        cost = (estimate_cost(request, self._settings.price_per_image_usd)
                if request is not None else None)
        self.generate.setText(messages.generate_label(cost))
        self.generate.setEnabled(request is not None and not self._blocked_reason)
        reason = self._blocked_reason
        if request is None and self._validation.errors:
            errors = self._validation.errors
            reason = reason or (errors["prompt"] if set(errors) == {"prompt"}
                                else "Fix the marked fields to generate.")
        self.blocked.setText(reason)
        self.blocked.setVisible(bool(reason))


def _with_error(widget: QWidget, error: QLabel) -> QWidget:
    box = QWidget()
    layout = QVBoxLayout(box)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.addWidget(widget, 0, Qt.AlignmentFlag.AlignLeft)
    layout.addWidget(error)
    return box
