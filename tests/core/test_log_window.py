"""Job logs from fal's sliding window: every line stored once, in order, whatever the window
does, whether the stream sends new lines or the window, and across a restart."""

from __future__ import annotations

import time
from collections import Counter
from pathlib import Path

import pytest

from qwenimg_desktop.core.jobs import events as ev
from qwenimg_desktop.core.params import GenerationRequest
from tests.core.conftest import EngineFactory
from tests.fixtures.emulator import EmulatorFactory

REQUEST = GenerationRequest(prompt="a long job", seed=5)
STEPS = 12


def _lines(engine: object, job_id: str) -> list[str]:
    store = engine.store  # type: ignore[attr-defined]
    return [message for message, _, _ in store.logs(job_id)]


@pytest.mark.parametrize(("use_stream", "stream_logs"),
                         [(False, "new"), (True, "new"), (True, "window")])
def test_every_line_is_stored_once_as_the_window_slides(
    emulator_factory: EmulatorFactory, engine_factory: EngineFactory,
    use_stream: bool, stream_logs: str,
) -> None:
    # The window (0.3 s) is far shorter than the job (1.2 s): early lines drop out of later
    # answers, and the poll sees the same lines at shifting positions.
    server = emulator_factory({"queue_delay": 0, "run_time": 1.2, "log_steps": STEPS,
                               "log_window": 0.3, "stream_logs": stream_logs})
    engine, log = engine_factory(server.base_url, use_stream=use_stream, make_thumbnails=False)
    job_id = engine.submit(REQUEST)
    assert isinstance(log.wait_final(job_id), ev.Completed)
    lines = _lines(engine, job_id)
    steps = [f"Step {i}/{STEPS}" for i in range(1, STEPS + 1)]
    assert [line for line in lines if line.startswith("Step")] == steps  # all kept, in order
    assert Counter(lines).most_common(1)[0][1] == 1  # none twice
    assert lines[0] == "Loading model for 1 image(s)"  # slid out of the window, still kept


def test_a_resumed_job_never_shows_a_line_twice(
    emulator_factory: EmulatorFactory, engine_factory: EngineFactory, tmp_path: Path
) -> None:
    # Held running once its lines are out: the job must still be unfinished at the stop.
    server = emulator_factory({"queue_delay": 0, "run_time": 2.0, "log_steps": 8,
                               "stream_logs": "window", "hold": ["run"]})
    root = tmp_path / "data"
    first, log = engine_factory(server.base_url, root=root, make_thumbnails=False)
    job_id = first.submit(REQUEST)
    log.wait_for(job_id, ev.Running)
    deadline = time.monotonic() + 20
    while len(_lines(first, job_id)) < 3:  # some lines stored before the stop
        assert time.monotonic() < deadline, "no log lines arrived"
        time.sleep(0.02)
    before = _lines(first, job_id)
    first.shutdown()
    server.set_scenario({"hold": []}, merge=True)
    second, log2 = engine_factory(server.base_url, root=root, make_thumbnails=False)
    assert isinstance(log2.wait_final(job_id), ev.Completed)
    after = _lines(second, job_id)
    assert after[: len(before)] == before
    assert Counter(after).most_common(1)[0][1] == 1
    assert "Step 8/8" in after
