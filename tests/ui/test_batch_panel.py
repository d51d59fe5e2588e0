"""The Variables and batch panel in the real window: count, sample and total before sending;
a malformed prompt or a missing list keeps the button off; declining sends nothing; a
confirmed batch is journalled whole and runs; the editor highlights variables."""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot

from qwenimg_desktop.core.jobs.model import JobState
from qwenimg_desktop.emulator.server import EmulatorServer
from qwenimg_desktop.ui.main_window import MainWindow
from tests.ui.conftest import type_prompt, type_text, wait_state

SHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def _ready(qtbot: QtBot, window: MainWindow, prompt: str) -> None:
    qtbot.waitUntil(lambda: window._data_layout() is not None, timeout=30_000)
    type_prompt(qtbot, window, prompt)
    window.batch.refresh()


def test_the_panel_counts_samples_and_prices_before_anything_is_sent(
    window: MainWindow, emulator: EmulatorServer, qtbot: QtBot
) -> None:
    qtbot.waitUntil(lambda: window._data_layout() is not None, timeout=30_000)
    layout = window._data_layout()
    assert layout is not None
    (layout.root / "wildcards").mkdir(exist_ok=True)
    (layout.root / "wildcards" / "animal.txt").write_text("猫\nfox\nowl\n", encoding="utf-8")
    _ready(qtbot, window, "a {red|blue} __animal__ at dusk")
    panel = window.batch
    panel.mode.setCurrentIndex(1)  # every combination
    panel.axes.setText("seed=1-2")
    panel.refresh()
    assert panel.summary.text() == "12 job(s), 12 image(s), about $0.90"
    assert panel.sample.text().startswith("• a red 猫 at dusk\n• a red fox at dusk")
    assert "… and 1 more" in panel.sample.text()
    assert panel.button.isEnabled()
    if os.environ.get("QWENIMG_SCREENSHOTS"):
        panel.resize(420, panel.sizeHint().height())
        panel.grab().save(str(SHOTS / "batch-variables-panel.png"))
        window.editor.grab().save(str(SHOTS / "batch-prompt-highlighting.png"))

    box = panel.confirm()
    assert box is not None
    assert "Send 12 job(s), 12 image(s), about $0.90?" in box.text()
    box.button(QMessageBox.StandardButton.No).click()  # declined: nothing is sent
    qtbot.wait(200)
    assert window.jobs_model.rowCount() == 0
    assert emulator.stats()["submits_total"] == 0

    box = panel.confirm()
    assert box is not None
    box.button(QMessageBox.StandardButton.Yes).click()
    qtbot.waitUntil(lambda: window.jobs_model.rowCount() == 12, timeout=5000)
    ids = [window.jobs_model.row_at(i).job_id for i in range(12)]  # type: ignore[union-attr]
    for job_id in ids:
        wait_state(qtbot, window, job_id, JobState.completed, timeout=60_000)
    assert emulator.stats()["submits_total"] == 12
    assert sorted(emulator.stats()["submits_by_job_id"].values()) == [1] * 12


def test_malformed_prompt_or_missing_list_is_explained_and_the_button_stays_off(
    window: MainWindow, emulator: EmulatorServer, qtbot: QtBot
) -> None:
    panel = window.batch
    panel.mode.setCurrentIndex(1)
    _ready(qtbot, window, "a {red|blue cat")
    assert "position 3 is never closed" in panel.summary.text()
    assert not panel.button.isEnabled()
    window.editor.editor.clear()
    _ready(qtbot, window, "a __missing__ cat")
    assert "wildcards/missing.txt" in panel.summary.text()
    assert not panel.button.isEnabled()
    assert panel.confirm() is None
    assert emulator.stats()["submits_total"] == 0


def test_the_editor_highlights_variables(window: MainWindow, qtbot: QtBot) -> None:
    _ready(qtbot, window, "a {red|blue} __animal__ }")
    block = window.editor.editor.document().firstBlock()
    # (start, length) → (foreground, background) of each format range, copied out of Qt.
    ranges = {(r.start, r.length): (r.format.foreground().color().name(),
                                    r.format.background().style().value)
              for r in block.layout().formats()}
    brace, separator = ranges[(2, 1)], ranges[(6, 1)]
    wildcard, error = ranges[(13, 10)], ranges[(24, 1)]
    assert brace[0] == separator[0]
    assert wildcard[1] != 0  # a background behind __animal__
    assert error[0] not in {brace[0], wildcard[0]}


def test_pause_sending_and_send_next_from_the_jobs_menu(
    window: MainWindow, emulator: EmulatorServer, qtbot: QtBot
) -> None:
    window.services.engine.configure(concurrency=1, price_per_image=None)
    window.acts.pause_sending.trigger()  # checked: paused
    assert window.acts.pause_sending.isChecked()
    _ready(qtbot, window, "first in the queue")
    first = window.generate()
    window.editor.editor.clear()
    _ready(qtbot, window, "second in the queue")
    second = window.generate()
    assert first is not None
    assert second is not None
    qtbot.waitUntil(lambda: not window._unrecorded, timeout=10_000)  # both journalled
    assert window.run_next(second)
    qtbot.wait(300)
    assert emulator.stats()["submits_total"] == 0  # paused: nothing sent
    window.acts.pause_sending.trigger()  # unchecked: resumed
    wait_state(qtbot, window, first, JobState.completed)
    wait_state(qtbot, window, second, JobState.completed)
    assert list(emulator.stats()["submits_by_job_id"]) == [second, first]
    assert not window.run_next(first)  # finished: nothing to move


def test_more_like_this_sends_the_same_settings_with_new_seeds_after_confirming(
    window: MainWindow, emulator: EmulatorServer, qtbot: QtBot
) -> None:
    _ready(qtbot, window, "more like this, 灯塔")
    first = window.generate()
    assert first is not None
    wait_state(qtbot, window, first, JobState.completed)
    box = window.more_like_this(first)
    assert box is not None
    assert "Send 4 job(s), 4 image(s), about $0.30?" in box.text()
    box.button(QMessageBox.StandardButton.Yes).click()
    qtbot.waitUntil(lambda: window.jobs_model.rowCount() == 5, timeout=5000)
    rows = [window.jobs_model.row_at(i) for i in range(5)]
    new = [row for row in rows if row is not None and row.job_id != first]
    assert len(new) == 4
    for row in new:
        wait_state(qtbot, window, row.job_id, JobState.completed)
    requests = [row.request for row in new if row.request is not None]
    assert {r.prompt for r in requests} == {"more like this, 灯塔"}
    assert len({r.seed for r in requests}) == 4
    assert emulator.stats()["submits_total"] == 5


def test_cancel_a_waiting_batch_from_the_window_sends_nothing(
    window: MainWindow, emulator: EmulatorServer, qtbot: QtBot
) -> None:
    window.acts.pause_sending.trigger()
    _ready(qtbot, window, "a {cat|dog|fox}")
    window.batch.mode.setCurrentIndex(1)
    window.batch.refresh()
    box = window.batch.confirm()
    assert box is not None
    box.button(QMessageBox.StandardButton.Yes).click()
    qtbot.waitUntil(lambda: window.jobs_model.rowCount() == 3, timeout=5000)
    qtbot.waitUntil(lambda: not window._unrecorded, timeout=10_000)
    first = window.jobs_model.row_at(0)
    assert first is not None
    assert window.cancel_batch_of(first.job_id) is not None
    for i in range(3):
        row = window.jobs_model.row_at(i)
        assert row is not None
        wait_state(qtbot, window, row.job_id, JobState.cancelled)
    window.acts.pause_sending.trigger()
    assert emulator.stats()["submits_total"] == 0


def test_the_panel_follows_the_draft_without_being_asked(
    window: MainWindow, qtbot: QtBot
) -> None:
    """Typing alone updates the panel: it plans from the draft's validated request, so it
    must plan again after the validation that follows the typing (it used to plan just before
    it and keep saying "Fix the draft first" under a valid prompt)."""
    qtbot.waitUntil(lambda: window._data_layout() is not None, timeout=30_000)
    panel = window.batch
    window.editor.load("", "", 0)
    qtbot.waitUntil(lambda: "Fix the draft first" in panel.summary.text(), timeout=5000)
    type_text(qtbot, window.editor.editor, "a red kite")  # no validate_now: as a person types
    qtbot.waitUntil(lambda: "Fix the draft" not in panel.summary.text(), timeout=5000)
    assert panel.summary.text().startswith("Write {red|blue} or __list__")  # the how-to hint
