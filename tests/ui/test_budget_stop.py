"""Budget caps in the window: what would pass a cap waits in the jobs list with its reason
(no modal question), until the cap is raised or the job allowed once; Cancel removes it.
The confirmation threshold still asks."""

from __future__ import annotations

import pytest
from PySide6.QtGui import QAction
from pytestqt.qtbot import QtBot

from qwenimg_desktop.core.budget import BudgetDecision, Verdict
from qwenimg_desktop.core.jobs.model import JobState
from qwenimg_desktop.emulator.server import EmulatorServer
from qwenimg_desktop.ui.dialogs.budget_stop import budget_stop_box
from qwenimg_desktop.ui.main_window import MainWindow
from tests.ui.conftest import type_prompt, wait_for_prices, wait_state


def _set_caps(window: MainWindow, daily: float | None) -> None:
    """What the settings dialog does when the user changes a cap."""
    window.services.settings.daily_cap_usd = daily
    window._settings_changed()


def _menu_action(window: MainWindow, job_id: str, text: str) -> QAction:
    menu = window.jobs.job_menu(job_id)
    assert menu is not None
    found = [a for a in menu.actions() if a.text().startswith(text)]
    assert found, [a.text() for a in menu.actions()]
    return found[0]


def _never_asked(window: MainWindow, monkeypatch: pytest.MonkeyPatch) -> list[BudgetDecision]:
    asked: list[BudgetDecision] = []

    def confirm(decision: BudgetDecision) -> bool:
        asked.append(decision)
        return False

    monkeypatch.setattr(window, "confirm_budget", confirm)
    return asked


def test_a_job_over_the_daily_cap_waits_held_until_allowed_once(
    window: MainWindow, emulator: EmulatorServer, qtbot: QtBot,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    qtbot.waitUntil(lambda: window._data_layout() is not None, timeout=30_000)
    wait_for_prices(qtbot, window)  # fal's price, read at start: a cap needs a known cost
    _set_caps(window, 0.1)  # one pro image ($0.075) fits, two do not
    asked = _never_asked(window, monkeypatch)
    type_prompt(qtbot, window, "first")
    first = window.generate()
    assert first is not None
    wait_state(qtbot, window, first, JobState.completed)
    window.editor.load("", "")
    type_prompt(qtbot, window, "second")
    second = window.generate()
    assert second is not None  # handed over, not refused by a question
    qtbot.waitUntil(lambda: bool((r := window.jobs_model.row(second)) and r.held),
                    timeout=20_000)
    row = window.jobs_model.row(second)
    assert row is not None
    assert row.held == "held: over the daily budget ($0.15 of $0.10)"
    assert "held: over the daily budget" in row.status_line(0.0)  # shown in the list
    assert asked == []
    assert emulator.stats()["submits_total"] == 1
    assert "Allow once" in [a.text().split(" · ")[0]
                            for a in window.jobs.job_menu(second).actions()]  # type: ignore[union-attr]

    _menu_action(window, second, "Allow once").trigger()
    wait_state(qtbot, window, second, JobState.completed)
    assert emulator.stats()["submits_total"] == 2


def test_a_held_batch_sends_nothing_until_the_cap_is_raised_and_cancel_removes_a_held_job(
    window: MainWindow, emulator: EmulatorServer, qtbot: QtBot,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    qtbot.waitUntil(lambda: window._data_layout() is not None, timeout=30_000)
    wait_for_prices(qtbot, window)
    _set_caps(window, 0.2)  # two pro images fit, three do not
    window.services.settings.ask_above_usd = 0.1  # the batch's own question covers this one
    asked = _never_asked(window, monkeypatch)
    type_prompt(qtbot, window, "a {red|blue|green} kite")
    window.batch.mode.setCurrentIndex(1)  # every combination: three jobs
    window.batch.refresh()
    plan = window.batch.plan
    assert plan is not None
    assert len(plan.jobs) == 3
    assert window.generate_batch(plan) is not None  # $0.225 would pass $0.20: held whole
    assert asked == []
    job_ids = window.jobs_model.active_ids()
    assert len(job_ids) == 3
    qtbot.waitUntil(lambda: all((r := window.jobs_model.row(j)) is not None and r.held
                                for j in job_ids), timeout=20_000)
    assert emulator.stats()["submits_total"] == 0

    dropped = job_ids[0]
    window.jobs.select_job(dropped)
    _menu_action(window, dropped, "&Cancel selected job").trigger()
    wait_state(qtbot, window, dropped, JobState.cancelled)
    _set_caps(window, 1.0)  # raising the cap sends the held jobs that now fit
    for job in job_ids[1:]:
        wait_state(qtbot, window, job, JobState.completed)
    assert emulator.stats()["submits_total"] == 2


def test_the_budget_stop_box_defaults_to_cancel(qtbot: QtBot) -> None:
    decision = BudgetDecision(Verdict.ask, "This costs about $0.30, more than the $0.20 you "
                                           "asked to confirm.")
    box = budget_stop_box(decision)
    qtbot.addWidget(box)
    assert box.defaultButton().text().replace("&", "") == "Cancel"
    assert [b.text() for b in box.buttons() if b is not box.defaultButton()] == ["Send"]
