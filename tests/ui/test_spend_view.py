"""The Spend view over the window's journal: totals, per endpoint, a daily chart, CSV."""

from __future__ import annotations

import contextlib
import sqlite3
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from qwenimg_desktop.core.jobs.model import JobState
from qwenimg_desktop.core.params import GenerationRequest
from qwenimg_desktop.emulator.server import EmulatorServer
from qwenimg_desktop.ui.main_window import MainWindow


def test_the_spend_view_sums_what_the_window_generated(
    window: MainWindow, emulator: EmulatorServer, qtbot: QtBot, tmp_path: Path
) -> None:
    job = window.services.engine.submit(GenerationRequest(prompt="billed", num_images=2, seed=1))
    qtbot.waitUntil(lambda: (r := window.jobs_model.row(job)) is not None
                    and r.state is JobState.completed, timeout=20000)
    qtbot.waitUntil(lambda: window.spend_label.text().startswith("Today $0.15"), timeout=5000)
    qtbot.waitUntil(lambda: window.show_spend() is not None, timeout=5000)
    dialog = window.show_spend()
    assert dialog is not None
    qtbot.addWidget(dialog)
    assert dialog.summary.all_time == pytest.approx(0.15)
    assert dialog.summary.today == pytest.approx(0.15)
    assert dialog.chart.values[-1] == pytest.approx(0.15)  # today's bar
    image = dialog.chart.grab().toImage()
    assert not image.isNull()
    out = tmp_path / "spend.csv"
    dialog.write_csv(out)
    rows = out.read_text(encoding="utf-8").splitlines()
    assert rows[0].startswith("job_id,")
    assert rows[1].startswith(job)
    assert rows[1].endswith(",0.1500")


def test_the_status_bar_counts_today_only(window: MainWindow, qtbot: QtBot) -> None:
    """"Today $x (+N unknown)": a job of an earlier day whose cost is unknown is not today's
    unknown, and is not read at all (the status bar read the whole ledger after every job)."""
    job = window.services.engine.submit(GenerationRequest(prompt="billed", seed=1))
    qtbot.waitUntil(lambda: (r := window.jobs_model.row(job)) is not None
                    and r.state is JobState.completed, timeout=20000)
    qtbot.waitUntil(lambda: window.spend_label.text() == "Today $0.07", timeout=5000)
    assert window.services.history_store is not None
    store = window.services.history_store()
    assert store is not None
    with contextlib.closing(sqlite3.connect(store.layout.db_path)) as conn, conn:
        conn.execute("UPDATE jobs SET created_at = created_at - 2 * 86400,"
                     " cost_estimate = NULL WHERE id = ?", (job,))
    window.refresh_spend()
    qtbot.waitUntil(lambda: window.spend_label.text() == "Today $0.00", timeout=5000)
