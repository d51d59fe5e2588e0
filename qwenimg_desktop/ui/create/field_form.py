"""The parameters form of one endpoint, built from its request model's fields.

Each field's form hint picks the widget (size, seed, toggle, count, choice, number, line); its
title labels it, its description is the tooltip and its bounds set the range. A field added to
an endpoint's request model appears here without any code of its own.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from qwenimg_desktop.core.endpoints import Endpoint
from qwenimg_desktop.core.endpoints.describe import FieldSpec, form_fields
from qwenimg_desktop.core.settings import ParamValues
from qwenimg_desktop.ui.accessibility import name_widgets
from qwenimg_desktop.ui.core_texts import core_text
from qwenimg_desktop.ui.create.param_fields import ErrorLabel, SeedField, SizeField
from qwenimg_desktop.ui.i18n import translate

_SPIN_LIMIT = 1_000_000


class FieldForm(QWidget):
    """Widgets for every editable field of ``endpoint``; ``edited`` carries value changes."""

    edited = Signal(dict)  # names of ParamValues state or request fields → new values

    def __init__(self, endpoint: Endpoint, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.endpoint = endpoint
        self.size_field: SizeField | None = None
        self.seed: SeedField | None = None
        self.toggles: dict[str, QCheckBox] = {}
        self.inputs: dict[str, QWidget] = {}
        self.errors: dict[str, ErrorLabel] = {}
        self.specs = form_fields(endpoint.request_model)
        self._form = QFormLayout(self)
        self._form.setContentsMargins(0, 0, 0, 0)
        self._form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        self._form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        options = QVBoxLayout()
        for spec in self.specs:
            if spec.kind == "toggle":
                options.addWidget(self._toggle(spec))
                options.addWidget(self._error(spec.name))
            else:
                self._form.addRow(core_text(spec.title), self._row(spec))
        if self.toggles:
            self._form.addRow(translate("FieldForm", "Options"), options)
        name_widgets(self)

    def __repr__(self) -> str:
        return f"<FieldForm {self.endpoint.id} fields={len(self.specs)}>"

    def _error(self, name: str) -> ErrorLabel:
        self.errors[name] = ErrorLabel(self)
        return self.errors[name]

    def _toggle(self, spec: FieldSpec) -> QCheckBox:
        box = QCheckBox(core_text(spec.title), self)
        box.setObjectName(spec.name)
        box.setToolTip(core_text(spec.description))
        box.toggled.connect(lambda on, n=spec.name: self.edited.emit({n: on}))
        self.toggles[spec.name] = box
        self.inputs[spec.name] = box
        return box

    def _row(self, spec: FieldSpec) -> QWidget:
        if spec.kind == "size":
            self.size_field = SizeField(self, optional_text=(
                None if spec.default is not None else core_text(spec.none_text)))
            self.size_field.edited.connect(self.edited)
            self.errors[spec.name] = self.size_field.error
            self.size_field.setToolTip(core_text(spec.description))
            return self.size_field
        if spec.kind == "seed":
            self.seed = SeedField(self)
            self.seed.edited.connect(self.edited)
            self.errors[spec.name] = self.seed.error
            self.seed.setToolTip(core_text(spec.description))
            return self.seed
        widget = self._plain_input(spec)
        widget.setToolTip(core_text(spec.description))
        self.inputs[spec.name] = widget
        return _with_error(widget, self._error(spec.name))

    def _plain_input(self, spec: FieldSpec) -> QWidget:
        name = spec.name
        if spec.choices:
            combo = QComboBox(self)
            for choice in spec.choices:
                combo.addItem(choice.upper() if name == "output_format" else choice, choice)
            combo.currentIndexChanged.connect(
                lambda _i, c=combo: self.edited.emit({name: c.currentData()}))
            combo.setObjectName(_object_name(name))
            return combo
        if spec.kind in ("count", "number") and isinstance(spec.default, int):
            spin = QSpinBox(self)
            spin.setRange(int(spec.minimum if spec.minimum is not None else -_SPIN_LIMIT),
                          int(spec.maximum if spec.maximum is not None else _SPIN_LIMIT))
            spin.valueChanged.connect(lambda v: self.edited.emit({name: v}))
            spin.setObjectName(_object_name(name))
            return spin
        if spec.kind in ("count", "number"):
            double = QDoubleSpinBox(self)
            double.setDecimals(3)
            double.setRange(spec.minimum if spec.minimum is not None else -_SPIN_LIMIT,
                            spec.maximum if spec.maximum is not None else _SPIN_LIMIT)
            double.valueChanged.connect(lambda v: self.edited.emit({name: v}))
            double.setObjectName(_object_name(name))
            return double
        line = QLineEdit(self)
        line.textEdited.connect(lambda text: self.edited.emit({name: text}))
        line.setObjectName(_object_name(name))
        return line

    def load(self, values: ParamValues) -> None:
        """Show ``values`` without emitting ``edited``."""
        if self.size_field is not None:
            self.size_field.load(values)
        if self.seed is not None:
            self.seed.load(values)
        for name, widget in self.inputs.items():
            widget.blockSignals(True)
            _show(widget, values.value(name))
            widget.blockSignals(False)


def _show(widget: QWidget, value: Any) -> None:
    if isinstance(widget, QCheckBox):
        widget.setChecked(bool(value))
    elif isinstance(widget, QComboBox):
        widget.setCurrentIndex(max(0, widget.findData(str(getattr(value, "value", value)))))
    elif isinstance(widget, QSpinBox):
        widget.setValue(int(value) if isinstance(value, int | float) else widget.minimum())
    elif isinstance(widget, QDoubleSpinBox):
        widget.setValue(float(value) if isinstance(value, int | float) else widget.minimum())
    elif isinstance(widget, QLineEdit):
        widget.setText("" if value is None else str(value))


def _object_name(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.capitalize() for part in rest)


def _with_error(widget: QWidget, error: QLabel) -> QWidget:
    box = QWidget()
    layout = QVBoxLayout(box)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.addWidget(widget, 0, Qt.AlignmentFlag.AlignLeft)
    layout.addWidget(error)
    return box
