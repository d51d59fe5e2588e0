"""Parameter panel: aspect lock, seed copy, presets, cost, last-used values, geometry state."""

from __future__ import annotations

import time

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from pytestqt.qtbot import QtBot

from qwenimg_desktop.core.pricing import CachedPrice, as_of
from qwenimg_desktop.core.settings import AppSettings, SeedMode
from qwenimg_desktop.emulator.server import EmulatorServer
from qwenimg_desktop.ui.create.draft import Draft
from qwenimg_desktop.ui.create.params_panel import ParamsPanel
from tests.ui.conftest import RuntimeFactory, ready_window, type_prompt, type_text

PRO = "fal-ai/qwen-image-2/pro/text-to-image"


def _panel(qtbot: QtBot) -> tuple[ParamsPanel, Draft, AppSettings]:
    draft, settings = Draft(), AppSettings()
    panel = ParamsPanel(draft, settings)
    qtbot.addWidget(panel)
    panel.show()
    draft.set_prompt("a prompt")
    draft.validate_now()
    return panel, draft, settings


def test_custom_size_with_aspect_lock_and_bound_text(qtbot: QtBot) -> None:
    panel, draft, _settings = _panel(qtbot)
    size = panel.size_field
    assert not size.width_box.isEnabled()
    size.preset.setCurrentIndex(size.preset.findData("landscape_16_9"))
    assert draft.params.size_preset is not None
    size.preset.setCurrentIndex(size.preset.findData("custom"))
    assert size.width_box.isEnabled()
    assert (size.width_box.value(), size.height_box.value()) == (1024, 576)
    size.lock.setChecked(True)
    size.width_box.setValue(4096)
    assert size.height_box.value() == 2304
    assert draft.params.custom_height == 2304
    assert "4096×2304" in size.info.text()
    assert "2048×2048 (4,194,304)" in size.info.text()
    result = draft.validate_now()
    assert "image_size" in result.errors
    assert size.error.isVisible()
    size.width_box.setValue(1536)
    assert draft.validate_now().ok
    assert not size.error.isVisible()


def test_seed_modes_and_copy(qtbot: QtBot) -> None:
    panel, draft, _settings = _panel(qtbot)
    assert not panel.seed.value.isEnabled()
    panel.seed.buttons[SeedMode.fixed].click()
    assert panel.seed.value.isEnabled()
    type_text(qtbot, panel.seed.value, "12345")
    result = draft.validate_now()
    assert result.request is not None
    assert result.request.seed == 12345
    qtbot.mouseClick(panel.seed.copy, Qt.MouseButton.LeftButton)
    assert QGuiApplication.clipboard().text() == "12345"


def test_presets_save_apply_delete_and_cost(qtbot: QtBot) -> None:
    panel, draft, settings = _panel(qtbot)
    panel.num_images.setValue(4)
    panel.output_format.setCurrentIndex(panel.output_format.findData("webp"))
    panel.toggles["sync_mode"].setChecked(True)
    draft.validate_now()
    assert panel.generate.text() == "Generate · cost unknown"  # no price yet: never $0
    assert "price unknown" in panel.generate.toolTip()
    read_at = time.time() - 3 * 86400  # read three days ago: shown with its date
    panel.prices.update([CachedPrice(PRO, 0.075, "image", "USD", read_at)])
    panel.refresh_cost()
    assert panel.generate.text() == "Generate · $0.30"
    assert f"fal's price as of {as_of(read_at)}" in panel.generate.toolTip()
    assert "$0.075 per image" in panel.chooser.toolTip()
    panel.presets.save_preset("四张 webp")
    assert "四张 webp" in settings.presets
    panel.num_images.setValue(1)
    panel.output_format.setCurrentIndex(0)
    panel.toggles["sync_mode"].setChecked(False)
    panel.presets.apply_preset("四张 webp")
    assert panel.num_images.value() == 4
    assert panel.output_format.currentData() == "webp"
    assert panel.toggles["sync_mode"].isChecked()
    settings.price_per_image_usd = 0.05
    draft.validate_now()
    assert panel.generate.text() == "Generate · $0.20"
    assert "your own price, overriding fal's" in panel.generate.toolTip()
    panel.free = True  # demo mode: no cost anywhere
    panel.refresh_cost()
    assert panel.generate.text() == "Generate"
    assert "$" not in panel.generate.toolTip() + panel.chooser.toolTip()
    panel.presets.combo.setCurrentIndex(panel.presets.combo.findData("四张 webp"))
    panel.presets.delete_current()
    assert settings.presets == {}


def test_last_used_values_and_layout_are_remembered(
    runtime_factory: RuntimeFactory, emulator: EmulatorServer, qtbot: QtBot
) -> None:
    first = runtime_factory(emulator)
    win = ready_window(first, qtbot, show=False)
    type_prompt(qtbot, win, "remember me")
    win.params.output_format.setCurrentIndex(win.params.output_format.findData("jpeg"))
    win.splitters["outer"].setSizes([700, 500])
    assert win.generate()
    saved_outer = win.splitters["outer"].saveState()
    win.close()
    settings = AppSettings.load(first.settings_path)
    assert settings.last_used.value("output_format") == "jpeg"
    assert "splitter.outer" in settings.ui_state
    assert "geometry" in settings.ui_state
    assert bytes(saved_outer.toBase64().data()).decode() == settings.ui_state["splitter.outer"]


def test_webhook_field_validates_and_travels_with_presets(qtbot: QtBot) -> None:
    panel, draft, settings = _panel(qtbot)
    type_text(qtbot, panel.webhook, "http://example.com/hook")
    draft.validate_now()
    assert "only on this machine" in panel.errors["webhook_url"].text()
    assert not panel.generate.isEnabled()
    panel.webhook.clear()
    type_text(qtbot, panel.webhook, "https://hooks.example.com/fal")
    draft.validate_now()
    assert panel.errors["webhook_url"].isHidden()
    request = draft.last_validation.request
    assert request is not None
    assert request.webhook_url == "https://hooks.example.com/fal"
    panel.presets.save_preset("with hook")
    assert settings.presets["with hook"].value("webhook_url") == "https://hooks.example.com/fal"
    panel.webhook.clear()
    draft.update_params(webhook_url="")
    assert panel.webhook.text() == ""
    panel.presets.apply_preset("with hook")
    assert panel.webhook.text() == "https://hooks.example.com/fal"


def test_limits_fal_does_not_publish_are_notes_not_errors(qtbot: QtBot) -> None:
    panel, draft, _settings = _panel(qtbot)
    draft.set_prompt("p" * 900)
    draft.validate_now()
    assert panel.generate.isEnabled()  # sent anyway
    assert "fal publishes no prompt limit" in panel.notes.text()
    assert panel.notes.isVisibleTo(panel)
