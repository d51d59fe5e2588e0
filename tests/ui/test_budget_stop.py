"""Generate held by a budget cap: the user is asked; Cancel sends nothing, Allow once sends."""

from __future__ import annotations

import pytest
from pytestqt.qtbot import QtBot

from qwenimg_desktop.core.budget import BudgetDecision, Verdict
from qwenimg_desktop.core.jobs.model import JobState
from qwenimg_desktop.emulator.server import EmulatorServer
from qwenimg_desktop.ui.dialogs.budget_stop import budget_stop_box
from qwenimg_desktop.ui.main_window import MainWindow
from tests.ui.conftest import type_prompt, wait_state


def test_a_daily_cap_holds_generate_until_allowed_once(
    window: MainWindow, emulator: EmulatorServer, qtbot: QtBot,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    window.services.settings.daily_cap_usd = 0.1  # one pro image ($0.075) fits, two do not
    asked: list[BudgetDecision] = []
    answer = {"allow": False}

    def confirm(decision: BudgetDecision) -> bool:
        asked.append(decision)
        return answer["allow"]

    monkeypatch.setattr(window, "confirm_budget", confirm)
    type_prompt(qtbot, window, "first")
    first = window.generate()
    assert first is not None
    assert asked == []  # within the cap: no question
    wait_state(qtbot, window, first, JobState.completed)
    window.editor.load("", "")
    type_prompt(qtbot, window, "second")
    assert window.generate() is None  # $0.075 more would pass $0.10: held
    assert asked[-1].verdict is Verdict.over_cap
    assert "today's cap of $0.10" in asked[-1].reason
    assert emulator.stats()["submits_total"] == 1
    answer["allow"] = True
    second = window.generate()
    assert second is not None
    wait_state(qtbot, window, second, JobState.completed)
    assert emulator.stats()["submits_total"] == 2


def test_the_budget_stop_box_defaults_to_cancel(qtbot: QtBot) -> None:
    decision = BudgetDecision(Verdict.over_cap, "$0.30 more would pass today's cap of $1.00 "
                                                "($0.90 spent today).")
    box = budget_stop_box(decision)
    qtbot.addWidget(box)
    assert box.defaultButton().text().replace("&", "") == "Cancel"
    assert [b.text() for b in box.buttons() if b is not box.defaultButton()] == ["Allow once"]


def test_a_batch_is_held_whole_by_a_cap_and_sends_nothing_when_declined(
    window: MainWindow, emulator: EmulatorServer, qtbot: QtBot,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Before: a confirmed batch went straight to the engine, past every budget cap."""
    qtbot.waitUntil(lambda: window._data_layout() is not None, timeout=30_000)
    window.services.settings.daily_cap_usd = 0.2  # two pro images fit, three do not
    window.services.settings.ask_above_usd = 0.1  # the batch's own question covers this one
    asked: list[BudgetDecision] = []
    answer = {"allow": False}

    def confirm(decision: BudgetDecision) -> bool:
        asked.append(decision)
        return answer["allow"]

    monkeypatch.setattr(window, "confirm_budget", confirm)
    type_prompt(qtbot, window, "a {red|blue|green} kite")
    window.batch.mode.setCurrentIndex(1)  # every combination: three jobs
    window.batch.refresh()
    plan = window.batch.plan
    assert plan is not None
    assert len(plan.jobs) == 3
    assert window.generate_batch(plan) is None  # $0.225 would pass $0.20: held whole
    assert [d.verdict for d in asked] == [Verdict.over_cap]
    assert "today's cap of $0.20" in asked[0].reason
    assert window.jobs_model.rowCount() == 0
    qtbot.wait(300)
    assert emulator.stats()["submits_total"] == 0

    window.services.settings.daily_cap_usd = None  # within the caps: the threshold alone
    asked.clear()
    assert window.generate_batch(plan) is not None  # the user confirmed this total already
    assert asked == []
    qtbot.waitUntil(lambda: emulator.stats()["submits_total"] == 3, timeout=20_000)
