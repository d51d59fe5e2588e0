"""The window (real runtime, engine child process, emulator over loopback): a paused queue
and its waiting jobs survive a restart in their order with the check mark set, and a lost
submit that several requests at fal match is resolved by the user's choice."""

from __future__ import annotations

from pathlib import Path

import httpx
from pytestqt.qtbot import QtBot

from qwenimg_desktop.core.jobs.model import JobState
from qwenimg_desktop.core.params import GenerationRequest
from qwenimg_desktop.emulator.server import EmulatorServer
from tests.fixtures.emulator import EmulatorFactory
from tests.ui.conftest import TEST_KEY, RuntimeFactory, ready_window, wait_state

PRO = "fal-ai/qwen-image-2/pro/text-to-image"


def test_a_paused_queue_survives_a_restart_checked_and_in_order(
    runtime_factory: RuntimeFactory, emulator: EmulatorServer, qtbot: QtBot, tmp_path: Path
) -> None:
    base = tmp_path / "base"
    runtime = runtime_factory(emulator, base=base)
    win = ready_window(runtime, qtbot)
    win.acts.pause_sending.trigger()  # checked: the user's pause
    assert win.acts.pause_sending.isChecked()
    prompts = ["first in line", "second in line", "third in line"]
    jobs = [win.services.engine.submit(GenerationRequest(prompt=p, seed=i))
            for i, p in enumerate(prompts)]
    for job in jobs:
        wait_state(qtbot, win, job, JobState.pending)
    win.services.engine.move_to_front(jobs[2])  # a reorder is kept too
    win.services.engine.wait_idle(10)  # (paused: returns once the move is done)
    runtime.close()
    runtime.window = None
    assert emulator.stats()["submits_total"] == 0

    again = runtime_factory(emulator, base=base)
    win = ready_window(again, qtbot)
    win.services.engine.configure(concurrency=1, price_per_image=None)  # one at a time
    qtbot.waitUntil(win.acts.pause_sending.isChecked, timeout=20_000)  # restored, shown
    for job in jobs:
        wait_state(qtbot, win, job, JobState.pending)
    assert emulator.stats()["submits_total"] == 0
    win.acts.pause_sending.trigger()  # unchecked: the user resumes
    for job in jobs:
        wait_state(qtbot, win, job, JobState.completed)
    sent = [job.json_input["prompt"] for job in emulator.board.all_jobs()]
    assert sent == [prompts[2], prompts[0], prompts[1]]


def test_the_user_chooses_which_request_at_fal_a_lost_submit_is(
    runtime_factory: RuntimeFactory, emulator_factory: EmulatorFactory, qtbot: QtBot
) -> None:
    server = emulator_factory({"platform": {"history_visible": "submit"}},
                              valid_keys={TEST_KEY})
    win = ready_window(runtime_factory(server), qtbot)
    request = GenerationRequest(prompt="two alike", seed=42)
    with httpx.Client(headers={"Authorization": f"Key {TEST_KEY}"}) as http:  # the same body
        for _ in range(2):
            assert http.post(f"{server.base_url}/{PRO}",
                             json=request.to_api_payload()).status_code == 200
    server.set_scenario({"submit_lost": {"next_n": 1}}, merge=True)
    job = win.services.engine.submit(request)
    win.jobs_model.add_job(job, request)
    qtbot.waitUntil(lambda: (r := win.jobs_model.row(job)) is not None and r.awaits_choice,
                    timeout=30_000)
    sent = server.stats()["submits_total"]
    assert sent == 3
    menu = win.jobs.job_menu(job)
    assert menu is not None
    texts = [a.text() for a in menu.actions()]
    assert "Choose the request at fal…" in texts
    assert not [t for t in texts if t.startswith(("Submit again", "Retry"))]  # fal has it
    assert not win.jobs.retry_button.isEnabled()

    [choose] = [a for a in menu.actions() if a.text() == "Choose the request at fal…"]
    choose.trigger()
    dialog = win.chooser
    assert dialog is not None
    assert dialog.table.rowCount() == 3
    cell = dialog.table.item(0, 2)
    assert cell is not None
    assert "two alike" in cell.text()
    assert "seed 42" in cell.text()
    assert not dialog.follow.isEnabled()  # nothing chosen yet
    dialog.table.selectRow(1)
    chosen = dialog.candidates[1].request_id
    dialog.follow.click()
    wait_state(qtbot, win, job, JobState.completed, timeout=30_000)
    store = win.services.history_store() if win.services.history_store else None
    assert store is not None
    record = store.get(job)
    assert record is not None
    assert record.request_id == chosen
    assert server.stats()["submits_total"] == sent  # nothing was sent again


def test_a_lock_survives_a_restart_apart_from_the_users_pause(
    runtime_factory: RuntimeFactory, emulator_factory: EmulatorFactory, qtbot: QtBot,
    tmp_path: Path,
) -> None:
    """The banner is shown again after a restart; Jobs → Pause sending stays unchecked (the
    lock is not the user's pause), and resuming from the menu does not lift the lock."""
    server = emulator_factory({"platform": {"balance": 0.0, "lock_threshold": 0.0}},
                              valid_keys={TEST_KEY})
    base = tmp_path / "base"
    runtime = runtime_factory(server, base=base)
    win = ready_window(runtime, qtbot)
    job = win.services.engine.submit(GenerationRequest(prompt="refused while locked", seed=5))
    qtbot.waitUntil(win.account_banner.isVisible, timeout=20_000)
    runtime.close()
    runtime.window = None

    again = runtime_factory(server, base=base)
    win = ready_window(again, qtbot)
    qtbot.waitUntil(win.account_banner.isVisible, timeout=20_000)  # shown again
    assert "Exhausted balance" in win.account_banner.message.text()
    assert not win.acts.pause_sending.isChecked()
    wait_state(qtbot, win, job, JobState.pending)
    win.acts.pause_sending.trigger()
    win.acts.pause_sending.trigger()  # the user's pause and resume: the lock stays
    server.top_up(5.0)
    assert win.services.engine.wait_idle(10)
    assert server.stats()["submits_total"] == 0
    win.account_banner.resume.click()  # after the top-up
    wait_state(qtbot, win, job, JobState.completed, timeout=30_000)
    assert server.stats()["submits_by_job_id"] == {job: 1}
