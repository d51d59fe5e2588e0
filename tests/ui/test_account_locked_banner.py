"""The window when fal locks the account: a banner says why, the job waits, Resume sends it."""

from __future__ import annotations

from pytestqt.qtbot import QtBot

from qwenimg_desktop.core.jobs.model import JobState
from qwenimg_desktop.core.params import GenerationRequest
from tests.fixtures.emulator import EmulatorFactory
from tests.ui.conftest import RuntimeFactory, ready_window


def test_a_locked_account_shows_the_banner_and_resume_sends_the_waiting_job(
    runtime_factory: RuntimeFactory, emulator_factory: EmulatorFactory, qtbot: QtBot
) -> None:
    server = emulator_factory({"platform": {"balance": 0.0, "lock_threshold": 0.0}})
    win = ready_window(runtime_factory(server), qtbot)
    banner = win.account_banner
    assert not banner.isVisible()
    job = win.services.engine.submit(GenerationRequest(prompt="while locked", seed=3))
    qtbot.waitUntil(banner.isVisible, timeout=15000)
    assert "Exhausted balance" in banner.message.text()
    assert "Resume" in banner.resume.text()
    row = win.jobs_model.row(job)
    assert row is not None
    assert row.state is JobState.pending  # waiting, not failed
    assert server.stats()["submits_total"] == 0

    server.top_up(5.0)
    banner.resume.click()
    assert not banner.isVisible()
    qtbot.waitUntil(lambda: (r := win.jobs_model.row(job)) is not None
                    and r.state is JobState.completed, timeout=20000)
    assert server.stats()["submits_by_job_id"] == {job: 1}
