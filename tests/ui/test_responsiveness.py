"""The GUI thread stays responsive while 8 jobs × 4 images of 2048² run (the gap is reported)."""

from __future__ import annotations

import itertools
import time

import pytest
from PySide6.QtCore import QTimer
from pytestqt.qtbot import QtBot

from qwenimg_desktop.core.jobs.model import JobState
from qwenimg_desktop.emulator.server import EmulatorServer
from tests.ui.conftest import RuntimeFactory, ready_window, type_prompt

JOBS = 8
IMAGES = 4
TICK_MS = 5


@pytest.mark.slow
def test_gui_thread_ticks_while_many_large_jobs_run(
    runtime_factory: RuntimeFactory, emulator_factory: object, qtbot: QtBot
) -> None:
    server: EmulatorServer = emulator_factory(  # type: ignore[operator]
        {"run_time": 0.5, "queue_delay": 0.1, "max_running": 4, "log_steps": 20})
    runtime = runtime_factory(server)
    win = ready_window(runtime, qtbot)
    type_prompt(qtbot, win, "## Load test\nlarge images 大图")
    size = win.params.size_field
    size.preset.setCurrentIndex(size.preset.findData("custom"))
    size.width_box.setValue(2048)
    size.height_box.setValue(2048)
    win.params.num_images.setValue(IMAGES)
    assert win.draft.validate_now().ok

    ticks: list[float] = []
    timer = QTimer()
    timer.setInterval(TICK_MS)
    timer.timeout.connect(lambda: ticks.append(time.perf_counter()))
    timer.start()
    job_ids = [win.generate() for _ in range(JOBS)]
    assert all(job_ids)

    def all_done() -> bool:
        rows = [win.jobs_model.row(j) for j in job_ids if j]
        return all(r is not None and r.state.is_final for r in rows)

    qtbot.waitUntil(all_done, timeout=170_000)
    # Let the result viewer decode the selected job's four images too.
    qtbot.waitUntil(lambda: not win.results.view.image.isNull(), timeout=20_000)
    qtbot.wait(200)
    timer.stop()

    rows = [win.jobs_model.row(j) for j in job_ids if j]
    assert all(r is not None and r.state is JobState.completed for r in rows)
    assert all(len(r.image_paths) == IMAGES for r in rows if r is not None)
    assert len(ticks) > 10, "the tick timer ran"
    gaps = [b - a for a, b in itertools.pairwise(ticks)]
    longest = max(gaps) * 1000
    gaps.sort()
    p99 = gaps[int(len(gaps) * 0.99)] * 1000
    print(f"\nGUI responsiveness: {JOBS} jobs × {IMAGES} images 2048², {len(ticks)} ticks "
          f"of {TICK_MS} ms over {ticks[-1] - ticks[0]:.1f} s; longest gap {longest:.1f} ms, "
          f"p99 {p99:.1f} ms; bridge delivered {runtime.bridge.delivered} events")
    assert longest > 0
