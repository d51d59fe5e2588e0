"""Prices in the window: fal's price read at start and when the settings open, shown on the
Generate button and in the settings; the user's own price as an override; the last known price
"as of <date>" offline; the images threshold asked at Generate and for batches."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from qwenimg_desktop.core import paths
from qwenimg_desktop.core.budget import BudgetDecision, Verdict
from qwenimg_desktop.core.pricing import REFRESH_AFTER_S, CachedPrice, as_of
from qwenimg_desktop.core.store.files import DataLayout
from qwenimg_desktop.core.store.history import HistoryStore
from qwenimg_desktop.emulator.server import EmulatorServer
from qwenimg_desktop.ui.main_window import MainWindow
from tests.fixtures.emulator import EmulatorFactory
from tests.ui.conftest import RuntimeFactory, ready_window, type_prompt, wait_for_prices

PRO = "fal-ai/qwen-image-2/pro/text-to-image"


def test_settings_show_fal_prices_and_the_own_price_overrides_them(
    window: MainWindow, emulator: EmulatorServer, qtbot: QtBot
) -> None:
    emulator.set_scenario({"platform": {"prices": {PRO: 0.09}}}, merge=True)
    dialog = window.open_settings()  # reads fal's prices again
    qtbot.waitUntil(lambda: "$0.090 per image (fal's price)" in dialog.fal_prices.text(),
                    timeout=20_000)
    type_prompt(qtbot, window, "priced")
    window.params.num_images.setValue(2)
    window.draft.validate_now()
    assert window.params.generate.text() == "Generate · $0.18"
    assert "fal's price" in window.params.generate.toolTip()
    dialog.price.setValue(0.2)  # "use my own price"
    assert window.services.settings.price_per_image_usd == pytest.approx(0.2)
    assert window.params.generate.text() == "Generate · $0.40"
    assert "overriding fal's" in window.params.generate.toolTip()
    assert "Your own price below is used instead." in dialog.fal_prices.text()
    dialog.price.setValue(0.0)  # off again: fal's price
    assert window.services.settings.price_per_image_usd is None
    assert window.params.generate.text() == "Generate · $0.18"


def test_offline_the_last_known_price_is_shown_as_of_its_date(
    runtime_factory: RuntimeFactory, emulator_factory: EmulatorFactory, qtbot: QtBot,
    tmp_path: Path,
) -> None:
    server = emulator_factory({"platform": {"rate_limit_next": 1000}})  # every read refused
    read_at = time.time() - 3 * REFRESH_AFTER_S
    base = tmp_path / "offline"
    with HistoryStore.open(DataLayout(paths.default_data_dir(base))) as store:
        store.save_prices([CachedPrice(PRO, 0.075, "image", "USD", read_at)])
    win = ready_window(runtime_factory(server, base=base), qtbot)
    wait_for_prices(qtbot, win)  # the kept price, loaded when the history opens
    dialog = win.open_settings()
    qtbot.waitUntil(lambda: "could not be read now" in dialog.fal_prices.text(), timeout=30_000)
    assert f"$0.075 per image (fal's price as of {as_of(read_at)})" in dialog.fal_prices.text()
    type_prompt(qtbot, win, "offline")
    win.draft.validate_now()
    assert win.params.generate.text() == "Generate · $0.075"
    assert f"as of {as_of(read_at)}" in win.params.generate.toolTip()


def test_demo_mode_shows_no_cost(runtime_factory: RuntimeFactory, qtbot: QtBot) -> None:
    win = ready_window(runtime_factory(demo=True), qtbot)
    type_prompt(qtbot, win, "free")
    win.draft.validate_now()
    assert win.params.generate.text() == "Generate"
    assert "$" not in win.params.generate.toolTip()
    dialog = win.open_settings()
    assert not dialog.fal_prices.isVisible()
    assert not dialog.ask_above_images.isVisible()


def test_the_images_threshold_asks_at_generate_and_for_batches(
    window: MainWindow, emulator: EmulatorServer, qtbot: QtBot,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    qtbot.waitUntil(lambda: window._data_layout() is not None, timeout=30_000)
    wait_for_prices(qtbot, window)
    dialog = window.open_settings()
    dialog.ask_above_images.setValue(3)
    assert window.services.settings.ask_above_images == 3
    asked: list[BudgetDecision] = []

    def decline(decision: BudgetDecision) -> bool:
        asked.append(decision)
        return False

    monkeypatch.setattr(window, "confirm_budget", decline)
    type_prompt(qtbot, window, "four at once")
    window.params.num_images.setValue(4)
    assert window.generate() is None  # 4 images > 3: asked, declined, nothing sent
    assert asked[-1].verdict is Verdict.ask
    assert "4 images" in asked[-1].reason
    window.params.num_images.setValue(3)
    assert window.generate() is not None  # within the threshold: no question
    assert len(asked) == 1
    qtbot.waitUntil(lambda: emulator.stats()["submits_total"] == 1, timeout=20_000)
