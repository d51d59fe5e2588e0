"""Parameter panel: the endpoint choice, its fields bound to the Draft, presets, Generate."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QInputDialog,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from qwenimg_desktop.core.endpoints import Endpoint, EndpointKind, Tier, choose
from qwenimg_desktop.core.params import request_warnings
from qwenimg_desktop.core.pricing import PriceBook
from qwenimg_desktop.core.settings import (
    MAX_PRESET_NAME_CHARS,
    MAX_PRESETS,
    AppSettings,
    ParamValues,
)
from qwenimg_desktop.ui import messages
from qwenimg_desktop.ui.core_texts import CHOICE_NAMES, core_text, price_text
from qwenimg_desktop.ui.create.draft import Draft, Validation
from qwenimg_desktop.ui.create.field_form import FieldForm
from qwenimg_desktop.ui.create.param_fields import ErrorLabel, SeedField, SizeField
from qwenimg_desktop.ui.i18n import translate
from qwenimg_desktop.ui.safe_text import plain_label


class PresetsBar(QWidget):
    """Named presets of all parameters, kept in AppSettings.

    Signals:
        message(str): a sentence for the status bar (a name cut to its limit, too many presets).
    """

    message = Signal(str)

    def __init__(self, settings: AppSettings, draft: Draft, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._settings = settings
        self._draft = draft
        self.combo = QComboBox(self)
        self.combo.setObjectName("presetCombo")
        self.combo.setToolTip(translate("ParamsPanel", "Apply a saved set of parameters"))
        self.save_button = QToolButton(self)
        self.save_button.setText(translate("ParamsPanel", "Save…"))
        self.save_button.setToolTip(translate(
            "ParamsPanel", "Save the current parameters as a named preset"))
        self.delete_button = QToolButton(self)
        self.delete_button.setText(translate("ParamsPanel", "Delete"))
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
        self.combo.addItem(translate("ParamsPanel", "Presets…"), None)
        for name in sorted(self._settings.presets, key=str.casefold):
            self.combo.addItem(name, name)
        self.combo.blockSignals(False)
        self.delete_button.setEnabled(bool(self._settings.presets))

    def save_preset(self, name: str) -> None:
        name = name.strip()
        if not name:
            return
        if len(name) > MAX_PRESET_NAME_CHARS:
            self.message.emit(translate(
                "ParamsPanel", "A preset name holds at most {max} characters: it was saved as "
                "“{name}”.").format(max=MAX_PRESET_NAME_CHARS, name=name[:MAX_PRESET_NAME_CHARS]))
            name = name[:MAX_PRESET_NAME_CHARS]
        if name not in self._settings.presets and len(self._settings.presets) >= MAX_PRESETS:
            self.message.emit(translate(
                "ParamsPanel", "There are already {count} presets: delete one to save another."
            ).format(count=MAX_PRESETS))
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
        name, ok = QInputDialog.getText(self, translate("ParamsPanel", "Save preset"),
                                        translate("ParamsPanel", "Preset name:"))
        if ok:
            self.save_preset(name)


class EndpointChooser(QWidget):
    """Pro / Standard and Generate / Edit: the two choices that pick the endpoint."""

    chosen = Signal(str)  # endpoint id

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.tiers = QButtonGroup(self)
        self.kinds = QButtonGroup(self)
        self.buttons: dict[str, QToolButton] = {}
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        for group, values in ((self.tiers, (Tier.pro, Tier.standard)),
                              (self.kinds, (EndpointKind.generate, EndpointKind.edit))):
            for value in values:
                button = QToolButton(self)
                button.setText(core_text(CHOICE_NAMES[value.value]))
                button.setCheckable(True)
                button.setObjectName(f"choose_{value.value}")
                group.addButton(button)
                self.buttons[value.value] = button
                layout.addWidget(button)
            layout.addSpacing(8)
        layout.addStretch(1)
        self.tiers.buttonToggled.connect(self._toggled)
        self.kinds.buttonToggled.connect(self._toggled)

    def show_endpoint(self, endpoint: Endpoint) -> None:
        for group in (self.tiers, self.kinds):
            group.blockSignals(True)
        self.buttons[endpoint.tier.value].setChecked(True)
        self.buttons[endpoint.kind.value].setChecked(True)
        for group in (self.tiers, self.kinds):
            group.blockSignals(False)
        self.setToolTip(endpoint.id)

    def choose(self, tier: Tier, kind: EndpointKind) -> None:
        self.buttons[tier.value].setChecked(True)
        self.buttons[kind.value].setChecked(True)

    def _toggled(self, _button: QToolButton, checked: bool) -> None:
        if not checked:
            return
        tier = Tier.pro if self.buttons["pro"].isChecked() else Tier.standard
        kind = EndpointKind.edit if self.buttons["edit"].isChecked() else EndpointKind.generate
        self.chosen.emit(choose(kind, tier).id)


class ParamsPanel(QWidget):
    """The endpoint choice and its fields; inline error per field; Generate shows the cost."""

    generate_requested = Signal()
    endpoint_changed = Signal(object)  # Endpoint

    def __init__(self, draft: Draft, settings: AppSettings, parent: QWidget | None = None, *,
                 prices: PriceBook | None = None, free: bool = False) -> None:
        super().__init__(parent)
        self.setObjectName("paramsPanel")
        self._draft = draft
        self._settings = settings
        # What an image costs (core/pricing.py): the window shares its book, kept up to date.
        self.prices = prices or PriceBook(lambda: settings.price_per_image_usd)
        self._blocked_reason = ""
        self.free = free  # demo mode: nothing is charged, so no price on the button
        self._validation = draft.last_validation
        self.chooser = EndpointChooser(self)
        self.presets = PresetsBar(settings, draft, self)
        self.form = FieldForm(draft.endpoint, self)
        self.generate = QPushButton(messages.generate_label(None), self)
        self.generate.setObjectName("generateButton")
        self.generate.setDefault(True)
        self.generate.setMinimumHeight(36)
        self.generate.setToolTip(translate("ParamsPanel", "Generate (Ctrl+Enter)"))
        self.blocked = plain_label("", self)
        self.blocked.setObjectName("generateBlocked")
        self.blocked.setWordWrap(True)
        self.blocked.hide()
        # Values fal publishes no limit for but that may be refused: sent, with the reason.
        self.notes = plain_label("", self)
        self.notes.setObjectName("requestNotes")
        self.notes.setWordWrap(True)
        self.notes.hide()
        top = QFormLayout()
        top.addRow(translate("ParamsPanel", "Model"), self.chooser)
        top.addRow(translate("ParamsPanel", "Preset"), self.presets)
        self._layout = QVBoxLayout(self)
        self._layout.addLayout(top)
        self._layout.addWidget(self.form)
        self._layout.addStretch(1)
        self._layout.addWidget(self.notes)
        # Generate and the reason it is off, in one piece the window can pin below a scroll
        # area (detach_footer), so they stay in view whatever the fields and notes above need.
        self.footer = QWidget(self)
        footer = QVBoxLayout(self.footer)
        footer.setContentsMargins(0, 0, 0, 0)
        footer.addWidget(self.blocked)
        footer.addWidget(self.generate)
        self._layout.addWidget(self.footer)
        self.chooser.show_endpoint(draft.endpoint)
        self.load(draft.params)
        self._connect()

    # The form's widgets, by the names the rest of the window and the tests use.
    @property
    def size_field(self) -> SizeField:
        assert self.form.size_field is not None
        return self.form.size_field

    @property
    def seed(self) -> SeedField:
        assert self.form.seed is not None
        return self.form.seed

    @property
    def toggles(self) -> dict[str, QCheckBox]:
        return self.form.toggles

    @property
    def errors(self) -> dict[str, ErrorLabel]:
        return self.form.errors

    @property
    def num_images(self) -> Any:
        return self.form.inputs["num_images"]

    @property
    def output_format(self) -> Any:
        return self.form.inputs["output_format"]

    @property
    def webhook(self) -> Any:
        return self.form.inputs["webhook_url"]

    def _connect(self) -> None:
        self.chooser.chosen.connect(lambda endpoint_id: self._draft.update_params(
            endpoint=endpoint_id))
        self.form.edited.connect(self._edited)
        self.generate.clicked.connect(self.generate_requested)
        self._draft.params_changed.connect(lambda: self.load(self._draft.params))
        self._draft.changed.connect(self._follow_endpoint)
        self._draft.validated.connect(self.show_validation)

    def _edited(self, changes: dict[str, Any]) -> None:
        self._draft.update_params(**changes)

    def _follow_endpoint(self) -> None:
        if self._draft.endpoint is not self.form.endpoint:
            self.load(self._draft.params)

    def load(self, values: ParamValues) -> None:
        endpoint = self._draft.endpoint
        if endpoint is not self.form.endpoint:
            self._rebuild_form(endpoint)
        self.chooser.show_endpoint(endpoint)
        self.form.load(values)

    def _rebuild_form(self, endpoint: Endpoint) -> None:
        old = self.form
        self.form = FieldForm(endpoint, self)
        self._layout.replaceWidget(old, self.form)
        old.hide()
        old.deleteLater()
        self.form.edited.connect(self._edited)
        self.endpoint_changed.emit(endpoint)
        self._refresh_generate()

    def show_validation(self, result: Validation) -> None:
        self._validation = result
        for key, label in self.errors.items():
            label.show_error(result.errors.get(key, ""))
        self._refresh_generate()

    def detach_footer(self) -> QWidget:
        """Take the footer (reason + Generate) out of the panel, for the caller to place."""
        self._layout.removeWidget(self.footer)
        return self.footer

    def set_blocked_reason(self, reason: str) -> None:
        """Disable Generate for a reason outside the parameters (e.g. no API key)."""
        self._blocked_reason = reason
        self._refresh_generate()

    def refresh_cost(self) -> None:
        self._refresh_generate()

    def _refresh_generate(self) -> None:
        request = self._validation.request
        endpoint = self._draft.endpoint
        price = self.prices.quote(endpoint.id)
        cost = price.cost(request.num_images) if request is not None and not self.free else None
        self.generate.setText(messages.generate_label(cost, priced=not self.free))
        shortcut = translate("ParamsPanel", "Generate (Ctrl+Enter)")
        self.generate.setToolTip(shortcut if self.free else f"{shortcut}: {price_text(price)}")
        self.chooser.setToolTip(endpoint.id if self.free
                                else f"{endpoint.id}: {price_text(price)}")
        self.generate.setEnabled(request is not None and not self._blocked_reason)
        reason = self._blocked_reason
        if request is None and self._validation.errors:
            errors = self._validation.errors
            reason = reason or (errors["prompt"] if set(errors) == {"prompt"}
                                else errors["references"] if set(errors) == {"references"}
                                else translate("ParamsPanel", "Fix the marked fields to generate."))
        self.blocked.setText(reason)
        self.blocked.setVisible(bool(reason))
        notes = request_warnings(request) if request is not None else []
        self.notes.setText("\n".join(
            translate("ParamsPanel", "Note: {field}: {message}.").format(
                field=note.path, message=note.message) for note in notes))
        self.notes.setVisible(bool(notes))
