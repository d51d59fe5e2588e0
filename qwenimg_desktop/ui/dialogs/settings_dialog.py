"""Settings dialog: the API key (masked, save, remove, test, where stored), fal's prices and
the user's own price, budget limits, and app preferences."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from qwenimg_desktop.core.balance import Balance
from qwenimg_desktop.core.endpoints.registry import all_endpoints
from qwenimg_desktop.core.errors import KeyringUnavailable, QwenImgError
from qwenimg_desktop.core.fal.credentials import key_shape_problem
from qwenimg_desktop.core.pricing import PriceBook, PriceQuote, as_of, quote
from qwenimg_desktop.core.secrets import InvalidKey, KeyStore
from qwenimg_desktop.core.settings import AppSettings
from qwenimg_desktop.ui import messages
from qwenimg_desktop.ui.accessibility import name_widgets
from qwenimg_desktop.ui.core_texts import core_text
from qwenimg_desktop.ui.dialogs.files_settings import FilesSettings
from qwenimg_desktop.ui.i18n import translate
from qwenimg_desktop.ui.safe_text import plain_label
from qwenimg_desktop.ui.workers import Workers

KeyChecker = Callable[[str, str], str | None]  # (queue base, key) -> what it proved, or raises
BalanceReader = Callable[[str, str], Balance]  # (queue base, billing key) -> the balance


@dataclass(frozen=True)
class BillingAccess:
    """The billing key's keyring entry and how to read the balance with it."""

    keys: KeyStore
    read: BalanceReader


class SettingsDialog(QDialog):
    """Non-modal settings; every keyring call and the key test run on a worker thread."""

    key_changed = Signal()  # the key was saved, removed or set for the session
    billing_key_changed = Signal()  # the billing key was saved or removed
    settings_changed = Signal()
    busy_changed = Signal(bool)

    def __init__(
        self, key_store: KeyStore, settings: AppSettings, workers: Workers,
        queue_base: str, check_key: KeyChecker, parent: QWidget | None = None, *,
        prices: PriceBook | None = None, billing: BillingAccess | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(translate("SettingsDialog", "Settings"))
        self.setObjectName("settingsDialog")
        self._keys = key_store
        self._settings = settings
        self._workers = workers
        self._queue_base = queue_base
        self._check_key = check_key
        self._prices = prices  # None in demo mode: nothing is charged, no price shown
        self._billing_keys = billing.keys if billing is not None else None  # None: demo mode
        self._read_balance = billing.read if billing is not None else None
        self.billing_field = QLineEdit(self)
        self.billing_field.setObjectName("billingKeyField")
        self.billing_field.setEchoMode(QLineEdit.EchoMode.Password)
        self.billing_field.setPlaceholderText(
            translate("SettingsDialog", "Optional: an ADMIN-scope fal key (id:secret)"))
        self.billing_save = QPushButton(translate("SettingsDialog", "Save billing key"), self)
        self.billing_remove = QPushButton(translate("SettingsDialog", "Remove billing key"),
                                          self)
        self.billing_test = QPushButton(translate("SettingsDialog", "Test billing key"), self)
        self.billing_result = plain_label("", self)
        self.billing_result.setObjectName("billingResult")
        self.billing_result.setWordWrap(True)
        self.low_balance = QDoubleSpinBox(self)
        self._busy = 0
        self._keyring_ok = True
        self._has_key = False  # known once the location is read: Remove needs a key
        self.key_field = QLineEdit(self)
        self.key_field.setObjectName("apiKeyField")
        self.key_field.setEchoMode(QLineEdit.EchoMode.Password)
        self.key_field.setPlaceholderText(
            translate("SettingsDialog", "Paste your fal key (id:secret)"))
        self.show_key = QCheckBox(translate("SettingsDialog", "Show"), self)
        self.save_button = QPushButton(translate("SettingsDialog", "Save to keyring"), self)
        self.session_button = QPushButton(
            translate("SettingsDialog", "Use for this session only"), self)
        self.remove_button = QPushButton(translate("SettingsDialog", "Remove"), self)
        self.test_button = QPushButton(translate("SettingsDialog", "Test key"), self)
        self.location = plain_label(
            translate("SettingsDialog", "Checking where the key is stored…"), self)
        self.location.setObjectName("keyLocation")
        self.location.setWordWrap(True)
        self.result_label = plain_label("", self)
        self.result_label.setObjectName("keyResult")
        self.result_label.setWordWrap(True)
        self.price = QDoubleSpinBox(self)
        self.fal_prices = plain_label("", self)
        self.fal_prices.setObjectName("falPrices")
        self.fal_prices.setWordWrap(True)
        self.daily_cap = QDoubleSpinBox(self)
        self.monthly_cap = QDoubleSpinBox(self)
        self.ask_above_usd = QDoubleSpinBox(self)
        self.ask_above_images = QSpinBox(self)
        self.concurrency = QSpinBox(self)
        self._build()
        self.show_key.toggled.connect(self._toggle_echo)
        self.save_button.clicked.connect(self.save_key)
        self.session_button.clicked.connect(self.use_for_session)
        self.remove_button.clicked.connect(self.remove_key)
        self.test_button.clicked.connect(self.test_key)
        self.session_button.hide()
        name_widgets(self)
        self.refresh_location()
        self.show_prices()

    def __repr__(self) -> str:
        return f"<SettingsDialog busy={self._busy}>"

    def _build(self) -> None:
        key_box = QGroupBox(translate("SettingsDialog", "fal API key"), self)
        key_layout = QVBoxLayout(key_box)
        field_row = QHBoxLayout()
        field_row.addWidget(self.key_field, 1)
        field_row.addWidget(self.show_key)
        buttons = QHBoxLayout()
        for button in (self.save_button, self.session_button, self.remove_button,
                       self.test_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        help_label = plain_label(
            translate("SettingsDialog", "Get a key at {url}. It is kept in the system "
                      "keyring, never in a file.").format(url=messages.FAL_KEYS_URL), key_box)
        help_label.setWordWrap(True)
        key_layout.addWidget(help_label)
        key_layout.addLayout(field_row)
        key_layout.addLayout(buttons)
        key_layout.addWidget(self.location)
        key_layout.addWidget(self.result_label)
        prices = self._build_prices()
        billing = self._build_billing()
        budget = self._build_budget()
        general = QGroupBox(translate("SettingsDialog", "Generation"), self)
        form = QFormLayout(general)
        conc_field = AppSettings.model_fields["concurrency"]
        self.concurrency.setRange(1, 16)
        self.concurrency.setValue(self._settings.concurrency)
        self.concurrency.setToolTip(core_text(conc_field.description or ""))
        form.addRow(translate("SettingsDialog", "Jobs at once"), self.concurrency)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        close.rejected.connect(self.reject)
        # The groups scroll, Close stays: with prices, budget and balance the dialog needs
        # ~830 px, more than a 1366×768 screen has; it is never taller than the screen.
        self.content = QWidget(self)
        layout = QVBoxLayout(self.content)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(key_box)
        layout.addWidget(prices)
        layout.addWidget(budget)
        layout.addWidget(billing)
        layout.addWidget(general)
        self.files = FilesSettings(self._settings, self)
        self.files.changed.connect(self.settings_changed)
        layout.addWidget(self.files)
        self.groups_scroll = QScrollArea(self)
        self.groups_scroll.setWidgetResizable(True)
        self.groups_scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.groups_scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.groups_scroll.setWidget(self.content)
        outer = QVBoxLayout(self)
        outer.addWidget(self.groups_scroll, 1)
        outer.addWidget(close)
        self._close_box = close
        for spin in (self.price, self.daily_cap, self.monthly_cap, self.ask_above_usd,
                     self.ask_above_images, self.low_balance, self.concurrency):
            spin.valueChanged.connect(self._apply_general)
        self.result_label.hide()
        self.resize(600, 100)
        self._fit_height()

    def _build_prices(self) -> QGroupBox:
        box = QGroupBox(translate("SettingsDialog", "Prices"), self)
        form = QFormLayout(box)
        price_field = AppSettings.model_fields["price_per_image_usd"]
        self.price.setRange(0.0, 100.0)
        self.price.setDecimals(3)
        self.price.setSingleStep(0.005)
        self.price.setPrefix("$ ")
        # 0 = no price of the user's own: fal's price is used
        self.price.setSpecialValueText(translate("SettingsDialog", "Off: fal's price"))
        self.price.setValue(self._settings.price_per_image_usd or 0.0)
        self.price.setToolTip(price_field.description or "")
        form.addRow(self.fal_prices)
        form.addRow(translate("SettingsDialog", "Use my own price per image (overrides fal's)"),
                    self.price)
        box.setVisible(self._prices is not None)
        return box

    def _build_budget(self) -> QGroupBox:
        box = QGroupBox(translate("SettingsDialog", "Budget"), self)
        form = QFormLayout(box)
        settings = self._settings
        for spin, name, value, label in (
            (self.daily_cap, "daily_cap_usd", settings.daily_cap_usd,
             translate("SettingsDialog", "Daily cap")),
            (self.monthly_cap, "monthly_cap_usd", settings.monthly_cap_usd,
             translate("SettingsDialog", "Monthly cap")),
            (self.ask_above_usd, "ask_above_usd", settings.ask_above_usd,
             translate("SettingsDialog", "Ask before one action costs more than")),
        ):
            spin.setRange(0.0, 100000.0)
            spin.setDecimals(2)
            spin.setPrefix("$ ")
            spin.setSpecialValueText(translate("SettingsDialog", "Off"))  # 0 = no limit
            spin.setValue(value or 0.0)
            spin.setToolTip(AppSettings.model_fields[name].description or "")
            form.addRow(label, spin)
        self.ask_above_images.setRange(0, 100000)
        self.ask_above_images.setSpecialValueText(translate("SettingsDialog", "Off"))
        self.ask_above_images.setSuffix(translate("SettingsDialog", " images"))
        self.ask_above_images.setValue(settings.ask_above_images or 0)
        self.ask_above_images.setToolTip(
            AppSettings.model_fields["ask_above_images"].description or "")
        form.addRow(translate("SettingsDialog", "… or makes more than"), self.ask_above_images)
        box.setVisible(self._prices is not None)  # demo mode: nothing is charged
        return box

    def _build_billing(self) -> QGroupBox:
        box = QGroupBox(translate("SettingsDialog", "Balance (optional billing key)"), self)
        layout = QVBoxLayout(box)
        about = plain_label(translate(
            "SettingsDialog", "fal shows the balance only to a key with the ADMIN scope. Saved "
            "here, in the system keyring apart from the API key, it shows the balance in the "
            "status bar; without it nothing is shown."), box)
        about.setWordWrap(True)
        buttons = QHBoxLayout()
        for button in (self.billing_save, self.billing_remove, self.billing_test):
            buttons.addWidget(button)
        buttons.addStretch(1)
        form = QFormLayout()
        self.low_balance.setRange(0.0, 1000000.0)
        self.low_balance.setDecimals(2)
        self.low_balance.setPrefix("$ ")
        self.low_balance.setValue(self._settings.low_balance_usd)
        self.low_balance.setToolTip(
            AppSettings.model_fields["low_balance_usd"].description or "")
        form.addRow(translate("SettingsDialog", "Warn when the balance is under"),
                    self.low_balance)
        layout.addWidget(about)
        layout.addWidget(self.billing_field)
        layout.addLayout(buttons)
        layout.addWidget(self.billing_result)
        layout.addLayout(form)
        self.billing_result.hide()
        self.billing_save.clicked.connect(self.save_billing_key)
        self.billing_remove.clicked.connect(self.remove_billing_key)
        self.billing_test.clicked.connect(self.test_billing_key)
        box.setVisible(self._billing_keys is not None)
        return box

    def save_billing_key(self) -> None:
        keys, typed = self._billing_keys, self.billing_field.text()
        if keys is None:
            return

        def saved(_: None) -> None:
            self.billing_field.clear()
            self._billing_said(True, translate(
                "SettingsDialog", "The billing key was saved to the system keyring."))
            self.billing_key_changed.emit()

        self._run(lambda: keys.set(typed), saved, self._billing_failed)

    def remove_billing_key(self) -> None:
        keys = self._billing_keys
        if keys is None:
            return

        def removed(_: None) -> None:
            self._billing_said(True, translate(
                "SettingsDialog", "The billing key was removed; no balance is shown."))
            self.billing_key_changed.emit()

        self._run(keys.delete, removed, self._billing_failed)

    def test_billing_key(self) -> None:
        keys, read, typed = self._billing_keys, self._read_balance, self.billing_field.text()
        if keys is None or read is None:
            return
        base, threshold = self._queue_base, self._settings.low_balance_usd

        def work() -> str:
            key = typed.strip() or keys.get()
            if not key:
                raise LookupError("no billing key")
            if problem := key_shape_problem(key):
                raise InvalidKey(problem)
            return read(base, key).text(threshold)

        def done(text: str) -> None:
            self._billing_said(True, translate(
                "SettingsDialog", "The billing key works: {balance}.").format(balance=text))

        self.billing_result.setText(translate("SettingsDialog", "Testing the billing key…"))
        self._run(work, done, self._billing_failed)

    def _billing_failed(self, exc: Exception) -> None:
        if isinstance(exc, LookupError):
            text = translate("SettingsDialog", "There is no billing key to test: paste one.")
        elif isinstance(exc, QwenImgError):
            text = f"{exc.message} {exc.next_step}".strip()
        else:
            text = translate("SettingsDialog", "Unexpected problem: {kind}.").format(
                kind=exc.__class__.__name__)
        self._billing_said(False, text)

    def _billing_said(self, ok: bool, text: str) -> None:
        self.billing_result.setText(text)
        self.billing_result.setVisible(bool(text))
        self.billing_result.setStyleSheet("color: #2e9d4f;" if ok else "color: #d64545;")
        self._fit_height()

    def show_prices(self, failure: str = "") -> None:
        """fal's price of each endpoint as last read ("as of <date>" once a day old), and
        why the latest read failed (``failure``), if it did."""
        if self._prices is None:
            return
        lines = [self._price_line(endpoint.title,
                                  quote(endpoint.id, own_price=None, table=self._prices.table))
                 for endpoint in all_endpoints()]
        if self._prices.own_price:
            lines.append(translate("SettingsDialog", "Your own price below is used instead."))
        if failure:
            lines.append(translate(
                "SettingsDialog", "fal's prices could not be read now ({reason}); the last "
                "known are used.").format(reason=failure))
        self.fal_prices.setText("\n".join(lines))
        self._fit_height()

    @staticmethod
    def _price_line(model: str, price: PriceQuote) -> str:
        if price.per_image is None:
            return translate("SettingsDialog", "{model}: price unknown (not read from fal "
                             "yet)").format(model=model)
        if price.is_old():
            return translate("SettingsDialog", "{model}: ${price} per image (fal's price as of "
                             "{date})").format(model=model, price=f"{price.per_image:.3f}",
                                               date=as_of(price.read_at))
        return translate("SettingsDialog", "{model}: ${price} per image (fal's price)").format(
            model=model, price=f"{price.per_image:.3f}")

    # ---- key actions (each runs off the GUI thread) -----------------------------------------

    def refresh_location(self) -> None:
        self._run(
            lambda: (self._keys.source(), self._keys.backend_name()),
            self._show_location, self._keyring_failed,
        )

    def save_key(self) -> None:
        key = self.key_field.text()

        def work() -> tuple[str, str]:
            self._keys.set(key)
            return self._keys.source(), self._keys.backend_name()

        self._run(work, self._saved, self._keyring_failed)

    def use_for_session(self) -> None:
        try:
            self._keys.set_session_key(self.key_field.text())
        except QwenImgError as exc:
            self._show_result(False, exc.message)
            return
        self.key_field.clear()
        self.location.setStyleSheet("")
        self.location.setText(messages.key_source_text("session", ""))  # said once, here
        self._show_result(True, "")
        self._has_key = True
        self.remove_button.setEnabled(self._busy == 0)
        self.key_changed.emit()

    def remove_key(self) -> None:
        def work() -> tuple[str, str]:
            self._keys.delete()
            return self._keys.source(), self._keys.backend_name()

        def done(result: tuple[str, str]) -> None:
            self._show_location(result)
            self._show_result(True, translate("SettingsDialog", "The key was removed."))
            self.key_changed.emit()

        self._run(work, done, self._keyring_failed)

    def test_key(self) -> None:
        typed = self.key_field.text().strip()
        base = self._queue_base

        def work() -> str | None:
            key = typed or self._keys.get()
            if not key:
                raise LookupError("no key")
            if problem := key_shape_problem(key):  # said here: fal would only answer 401
                raise InvalidKey(problem)
            return self._check_key(base, key)

        def failed(exc: Exception) -> None:
            if isinstance(exc, LookupError):
                self._show_result(False, translate(
                    "SettingsDialog", "There is no key to test: paste one first."))
            elif isinstance(exc, KeyringUnavailable):
                self._keyring_failed(exc)
            elif isinstance(exc, InvalidKey):
                self._show_result(False, exc.message)
            else:
                self._show_result(*messages.key_test_text(exc))

        self.result_label.setText(translate("SettingsDialog", "Testing the key…"))
        self._run(work, lambda proved: self._show_result(
            True, proved or messages.key_test_text(None)[1]), failed)

    # ---- results ----------------------------------------------------------------------------

    def _saved(self, result: tuple[str, str]) -> None:
        self.key_field.clear()
        self._show_location(result)
        self._show_result(True, messages.key_saved_text(*result))
        self.key_changed.emit()

    def _show_location(self, result: tuple[str, str]) -> None:
        source, backend = result
        self.location.setText(messages.key_source_text(source, backend))
        self._has_key = source in ("keyring", "session")
        self.remove_button.setEnabled(self._has_key and self._busy == 0)
        self._fit_height()

    def _keyring_failed(self, exc: Exception) -> None:
        if isinstance(exc, KeyringUnavailable):
            text = messages.keyring_unavailable_text(exc)
            self.location.setText(text)
            self.session_button.show()
            self._keyring_ok = False
            self.save_button.setEnabled(False)
            self._show_result(False, "")  # said once, where the key's place is shown
            self.location.setStyleSheet("color: #d64545;")
            self._fit_height()
        elif isinstance(exc, QwenImgError):
            self._show_result(False, exc.message)
        else:
            self._show_result(False, translate(
                "SettingsDialog", "Unexpected problem: {kind}.").format(
                kind=exc.__class__.__name__))

    def _show_result(self, ok: bool, text: str) -> None:
        self.result_label.setText(text)
        self.result_label.setVisible(bool(text))
        self.result_label.setStyleSheet("color: #2e9d4f;" if ok else "color: #d64545;")
        self._fit_height()

    def needed_height(self) -> int:
        """The height that shows every group and wrapped line without scrolling."""
        layout, outer = self.content.layout(), self.layout()
        if layout is None or outer is None:
            return self.height()
        margins = outer.contentsMargins()
        scroll_bar = self.groups_scroll.verticalScrollBar().sizeHint().width()
        inner = self.width() - margins.left() - margins.right() - scroll_bar
        close = self._close_box.sizeHint().height()
        return (layout.totalHeightForWidth(inner) + close + outer.spacing() + margins.top()
                + margins.bottom())

    def _fit_height(self) -> None:
        """Grow to show every wrapped line (a longer message must not be clipped), up to the
        screen's height; beyond it the groups scroll."""
        screen = self.screen().availableGeometry().height()
        frame = self.frameGeometry().height() - self.geometry().height()
        fitting = min(self.needed_height(), screen - max(frame, 0))
        if fitting > self.height() or self.height() > screen - max(frame, 0):
            self.resize(self.width(), fitting)

    def _apply_general(self) -> None:
        settings = self._settings
        settings.price_per_image_usd = round(self.price.value(), 4) or None
        settings.daily_cap_usd = round(self.daily_cap.value(), 2) or None
        settings.monthly_cap_usd = round(self.monthly_cap.value(), 2) or None
        settings.ask_above_usd = round(self.ask_above_usd.value(), 2) or None
        settings.ask_above_images = self.ask_above_images.value() or None
        settings.concurrency = self.concurrency.value()
        settings.low_balance_usd = round(self.low_balance.value(), 2)
        self.show_prices()
        self.settings_changed.emit()

    def _toggle_echo(self, shown: bool) -> None:
        self.key_field.setEchoMode(
            QLineEdit.EchoMode.Normal if shown else QLineEdit.EchoMode.Password
        )

    def is_busy(self) -> bool:
        return self._busy > 0

    def _run(self, work: Callable[[], Any], done: Callable[[Any], None],
             failed: Callable[[Exception], None]) -> None:
        self._set_busy(+1)

        def on_done(result: Any) -> None:
            self._set_busy(-1)
            done(result)

        def on_error(exc: Exception) -> None:
            self._set_busy(-1)
            failed(exc)

        self._workers.run(work, on_done, on_error)

    def _set_busy(self, delta: int) -> None:
        self._busy += delta
        self.test_button.setEnabled(self._busy == 0)
        self.remove_button.setEnabled(self._busy == 0 and self._has_key)
        self.save_button.setEnabled(self._busy == 0 and self._keyring_ok)
        self.busy_changed.emit(self._busy > 0)
