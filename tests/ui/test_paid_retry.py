"""A job whose paid result could not be stored is never submitted again by Retry, whichever
way Retry is asked for (button, menu / Ctrl+R, the engine's own retry command)."""

from __future__ import annotations

from pytestqt.qtbot import QtBot

from qwenimg_desktop.core.jobs.model import JobState
from qwenimg_desktop.emulator.server import EmulatorServer
from qwenimg_desktop.ui import messages
from tests.ui.conftest import RuntimeFactory, ready_window, type_prompt, wait_state


def test_retry_of_a_paid_but_not_downloaded_job_is_refused_and_sends_nothing(
    runtime_factory: RuntimeFactory, emulator_factory: object, qtbot: QtBot,
) -> None:
    """Before: the Retry menu action and Ctrl+R submitted the job again (a second charge) though
    the Retry button was off and fal still kept the result."""
    server: EmulatorServer = emulator_factory(  # type: ignore[operator]
        {"expired_media": {"probability": 1.0}})
    runtime = runtime_factory(server)
    win = ready_window(runtime, qtbot, show=False)
    type_prompt(qtbot, win, "a result that cannot be stored")
    job_id = win.generate()
    assert job_id
    row = wait_state(qtbot, win, job_id, JobState.failed)
    assert row.kind == "PaidNotDownloaded"
    assert row.awaits_redownload
    assert not win.jobs.retry_button.isEnabled()
    said: list[str] = []
    win.messenger.message.connect(lambda _level, text: said.append(text))

    win.jobs.select_job(job_id)
    win.acts.retry.trigger()  # the menu entry and Ctrl+R
    assert said[-1:] == [messages.RETRY_WOULD_PAY_TWICE]
    assert win.jobs_model.rowCount() == 1
    assert win.jobs.current_job() == job_id

    engine = runtime.engine
    assert engine is not None
    refused = engine.retry(job_id)  # the engine refuses on its own as well
    qtbot.waitUntil(lambda: win.jobs_model.row(refused) is not None, timeout=10_000)
    row = wait_state(qtbot, win, refused, JobState.failed)
    assert row.kind == "RetryRefused"
    assert "Re-download" in row.reason
    assert server.stats()["submits_total"] == 1
