"""EngineProcess: the job engine in a child process (real spawn, real pipe, real emulator)."""

from __future__ import annotations

import os
import pickle
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from qwenimg_desktop.core.jobs import events as ev
from qwenimg_desktop.core.jobs import messages as msg
from qwenimg_desktop.core.jobs import remote
from qwenimg_desktop.core.jobs.config import EngineConfig
from qwenimg_desktop.core.jobs.gate import EngineClosed
from qwenimg_desktop.core.jobs.lease import LiveOwner, live_owner, owners_dir
from qwenimg_desktop.core.jobs.model import JobState
from qwenimg_desktop.core.jobs.remote import EngineProcess, EngineStartFailed
from qwenimg_desktop.core.params import GenerationRequest
from qwenimg_desktop.core.store import consistency
from qwenimg_desktop.core.store.consistency import ConsistencyReport
from qwenimg_desktop.core.store.files import DataLayout
from qwenimg_desktop.core.store.history import HistoryStore
from qwenimg_desktop.core.store.job_flags import JobFlags
from qwenimg_desktop.core.store.records import JobRecord
from qwenimg_desktop.core.threads import ENGINE_NICE
from tests.core.helpers import FAST_RETRY, RECONCILE_DEADLINE, TEST_KEY, EventLog
from tests.fixtures.emulator import EmulatorFactory

pytestmark = pytest.mark.posix  # SIGKILL and /proc/<pid>

ROOT = Path(__file__).resolve().parents[2]
linux_only = pytest.mark.skipif(not Path("/proc/self/environ").exists(), reason="reads /proc")

ProcessFactory = Callable[..., tuple[EngineProcess, EventLog]]


@pytest.fixture
def process_factory(tmp_path: Path) -> Iterator[ProcessFactory]:
    """``factory(base_url, root=…, keys=…, sink=…, **EngineConfig fields)`` → a started engine
    process and its events."""
    engines: list[EngineProcess] = []

    def factory(base_url: str, **kwargs: Any) -> tuple[EngineProcess, EventLog]:
        log = EventLog()
        layout = DataLayout(kwargs.pop("root", tmp_path / "data"))
        keys = kwargs.pop("keys", lambda: TEST_KEY)
        sink = kwargs.pop("sink", log)
        settings: dict[str, Any] = {"queue_base": base_url, "retry": FAST_RETRY,
                                    "poll_interval": 0.02,
                                    "reconcile_deadline": RECONCILE_DEADLINE, **kwargs}
        engine = EngineProcess(EngineConfig(layout, **settings), keys=keys, sink=sink)
        engines.append(engine)
        engine.start(timeout=60)
        return engine, log

    yield factory
    for engine in engines:
        engine.shutdown()


def _wait(predicate: Callable[[], bool], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError("condition not met in time")
        time.sleep(0.02)


def _live_owners(root: Path) -> list[LiveOwner]:
    found = [live_owner(root, p.stem) for p in owners_dir(root).glob("*.lock")]
    return [owner for owner in found if owner is not None]


def _record(engine: EngineProcess, job_id: str) -> JobRecord | None:
    """The job's row, read through a connection of this process (as the window reads it)."""
    store = HistoryStore.open(engine.layout, readonly=True)
    try:
        return store.get(job_id)
    finally:
        store.close()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    status = Path(f"/proc/{pid}/status")
    return not (status.exists() and "zombie" in status.read_text())


def test_a_job_runs_in_the_child_and_its_events_arrive_in_order(
    emulator_factory: EmulatorFactory, process_factory: ProcessFactory
) -> None:
    server = emulator_factory(valid_keys={TEST_KEY})  # a wrong or missing key fails the job
    engine, log = process_factory(server.base_url)
    assert engine.pid is not None
    assert engine.pid != os.getpid()
    job_id = engine.submit(GenerationRequest(prompt="a lighthouse, 灯塔", num_images=2))
    final = log.wait_final(job_id)
    assert isinstance(final, ev.Completed), final
    assert len(final.image_paths) == 2
    assert all(Path(p).is_file() for p in final.image_paths)
    kinds = [type(e).__name__ for e in log.of(job_id)]
    assert kinds.index("Submitted") < kinds.index("Completed") == len(kinds) - 1
    assert server.stats()["submits_by_job_id"] == {job_id: 1}
    assert engine.wait_idle(30)
    assert engine.active_jobs() == []
    # The window heard once that the engine was ready, with the journal to open itself.
    ready = [e for e in log.events if isinstance(e, ev.EngineReady)]
    assert len(ready) == 1
    assert ready[0].error == ""
    assert ready[0].layout is not None
    assert ready[0].layout.db_path == engine.layout.db_path
    assert log.events.index(ready[0]) < log.events.index(log.of(job_id)[0])
    # The window's process reads the same journal through its own connection.
    record = _record(engine, job_id)
    assert record is not None
    assert record.state is JobState.completed


@linux_only
def test_the_key_is_in_neither_the_childs_arguments_nor_its_environment(
    emulator_factory: EmulatorFactory, process_factory: ProcessFactory
) -> None:
    server = emulator_factory(valid_keys={TEST_KEY})
    asked: list[int] = []

    def keys() -> str:
        asked.append(1)
        return TEST_KEY

    engine, log = process_factory(server.base_url, keys=keys)
    job_id = engine.submit(GenerationRequest(prompt="the key crosses the pipe only"))
    assert isinstance(log.wait_final(job_id), ev.Completed)
    assert asked  # the child asked the window's process when the job started
    secret = TEST_KEY.encode()
    for name in ("cmdline", "environ"):
        assert secret not in Path(f"/proc/{engine.pid}/{name}").read_bytes()


@linux_only
def test_fal_key_variables_are_not_in_the_childs_environment(
    emulator_factory: EmulatorFactory, process_factory: ProcessFactory,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """FAL_KEY (and the ID/SECRET pair fal's clients read) set for the window's process stay
    out of the engine child's environment, and are back in the parent's once it started."""
    values = {"FAL_KEY": "envkey-id:envkey-secret-0001", "FAL_KEY_ID": "envkey-id-0002",
              "FAL_KEY_SECRET": "envkey-secret-0003"}
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    server = emulator_factory(valid_keys={TEST_KEY})
    engine, log = process_factory(server.base_url)
    assert engine.pid is not None
    environ = Path(f"/proc/{engine.pid}/environ").read_bytes()
    assert b"PATH=" in environ  # the child's real environment was read
    for name, value in values.items():
        assert f"{name}=".encode() not in environ
        assert value.encode() not in environ
        assert os.environ[name] == value
    job_id = engine.submit(GenerationRequest(prompt="the key still crosses the pipe"))
    assert isinstance(log.wait_final(job_id), ev.Completed)


def test_commands_sent_during_the_start_run_in_order(
    emulator_factory: EmulatorFactory, tmp_path: Path
) -> None:
    server = emulator_factory()
    log = EventLog()
    config = EngineConfig(DataLayout(tmp_path / "data"), queue_base=server.base_url,
                          retry=FAST_RETRY, poll_interval=0.02, concurrency=1,
                          make_thumbnails=False)
    engine = EngineProcess(config, keys=lambda: TEST_KEY, sink=log)
    try:
        started = time.monotonic()
        engine.start(wait=False)
        kept = engine.submit(GenerationRequest(prompt="sent while the child starts"))
        dropped = engine.submit(GenerationRequest(prompt="cancelled while the child starts"))
        engine.cancel(dropped)
        engine.configure(concurrency=2, price_per_image=0.5)
        assert time.monotonic() - started < 1.0  # nothing above waited for the child
        assert isinstance(log.wait_final(kept), ev.Completed)
        assert isinstance(log.wait_final(dropped), ev.Cancelled)
        assert server.stats()["submits_by_job_id"] == {kept: 1}  # the cancelled one never left
    finally:
        engine.shutdown()


def test_a_failed_start_says_why_and_every_command_after_it_too(tmp_path: Path) -> None:
    layout = DataLayout(tmp_path / "data")
    layout.ensure()
    layout.db_path.write_bytes(b"not a database, and never one" * 100)
    log = EventLog()
    engine = EngineProcess(EngineConfig(layout, queue_base="http://127.0.0.1:9"),
                           keys=lambda: TEST_KEY, sink=log)
    try:
        engine.start(wait=False)
        with pytest.raises(EngineStartFailed) as caught:
            engine.wait_ready(60)
        assert "database" in caught.value.message.lower()
        with pytest.raises(EngineStartFailed):
            engine.submit(GenerationRequest(prompt="never sent"))
        # The window heard it as an event too (it says why and quits; no history to open).
        (ready,) = [e for e in log.events if isinstance(e, ev.EngineReady)]
        assert ready.layout is None
        assert ready.error == caught.value.message
    finally:
        engine.shutdown()
    assert layout.db_path.read_bytes().startswith(b"not a database")  # left as it was


@linux_only
def test_a_killed_engine_is_restarted_and_its_job_resumes_without_a_second_submit(
    emulator_factory: EmulatorFactory, process_factory: ProcessFactory
) -> None:
    # Held running until the restart: the kill must find the job unfinished, whatever the load.
    server = emulator_factory({"run_time": 1.5, "log_steps": 15, "hold": ["run"]})
    engine, log = process_factory(server.base_url)
    first_pid = engine.pid
    assert first_pid is not None
    job_id = engine.submit(GenerationRequest(prompt="survives its engine"))
    log.wait_for(job_id, ev.Running)
    os.kill(first_pid, signal.SIGKILL)
    notice = log.wait_for("", ev.EngineNotice)
    assert isinstance(notice, ev.EngineNotice)
    assert notice.restarted
    assert "killed by signal 9" in notice.message  # says how it ended
    assert engine.pid not in (None, first_pid)
    server.set_scenario({"hold": []}, merge=True)
    final = log.wait_final(job_id)
    assert isinstance(final, ev.Completed), final
    assert server.stats()["submits_by_job_id"] == {job_id: 1}  # resumed, never sent again
    assert job_id in engine.recovered
    # The restarted child takes new commands as before.
    second = engine.submit(GenerationRequest(prompt="after the restart"))
    assert isinstance(log.wait_final(second), ev.Completed)


@linux_only
def test_a_job_the_dead_engine_never_wrote_is_sent_by_the_restarted_one(
    emulator_factory: EmulatorFactory, process_factory: ProcessFactory, tmp_path: Path
) -> None:
    server = emulator_factory()
    engine, log = process_factory(server.base_url, root=tmp_path / "own")
    assert engine.pid is not None
    first_pid = engine.pid
    # Another writer holds the journal: the child's first write for the job (its pending row,
    # committed before anything is sent) waits for it, and the child dies while waiting.
    blocker = sqlite3.connect(DataLayout(tmp_path / "own").db_path, isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")
    try:
        job_id = engine.submit(GenerationRequest(prompt="never written by the first engine"))
        time.sleep(0.5)
        assert log.of(job_id) == []  # not confirmed: the row is not written yet
        os.kill(first_pid, signal.SIGKILL)
        log.wait_for("", ev.EngineNotice)
    finally:
        blocker.rollback()
        blocker.close()
    assert isinstance(log.wait_final(job_id), ev.Completed)
    assert server.stats()["submits_by_job_id"] == {job_id: 1}
    record = _record(engine, job_id)
    assert record is not None
    assert record.state is JobState.completed


@linux_only
def test_ctrl_c_in_the_terminal_does_not_stop_the_engine_mid_job(
    emulator_factory: EmulatorFactory, process_factory: ProcessFactory
) -> None:
    server = emulator_factory({"run_time": 0.5})
    engine, log = process_factory(server.base_url)
    assert engine.pid is not None
    job_id = engine.submit(GenerationRequest(prompt="through a Ctrl+C"))
    log.wait_for(job_id, ev.Running)
    os.kill(engine.pid, signal.SIGINT)  # what the terminal sends every process of the group
    assert isinstance(log.wait_final(job_id), ev.Completed)
    assert not [e for e in log.events if isinstance(e, ev.EngineNotice)]
    assert _alive(engine.pid)


@linux_only
def test_after_too_many_stops_it_gives_up_and_says_so(
    emulator_factory: EmulatorFactory, process_factory: ProcessFactory,
    monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(remote, "MAX_RESTARTS", 0)
    server = emulator_factory()
    engine, log = process_factory(server.base_url)
    assert engine.pid is not None
    os.kill(engine.pid, signal.SIGKILL)
    notice = log.wait_for("", ev.EngineNotice)
    assert isinstance(notice, ev.EngineNotice)
    assert not notice.restarted
    assert "Restart the app" in notice.message
    with pytest.raises(EngineClosed):
        engine.submit(GenerationRequest(prompt="nobody to run it"))
    with pytest.raises(EngineClosed):
        engine.wait_idle(1)


def test_shutdown_stops_the_child_cleanly_and_frees_the_data_dir(
    emulator_factory: EmulatorFactory, process_factory: ProcessFactory, tmp_path: Path
) -> None:
    server = emulator_factory()
    engine, log = process_factory(server.base_url, root=tmp_path / "own")
    job_id = engine.submit(GenerationRequest(prompt="before the quit"))
    assert isinstance(log.wait_final(job_id), ev.Completed)
    owners = _live_owners(tmp_path / "own")  # the child holds its lease while it runs
    assert [(o.pid, o.label) for o in owners] == [(engine.pid, "a Qwen Image Desktop window")]
    engine.shutdown()
    assert engine._process is not None
    assert engine._process.exitcode == 0
    assert _live_owners(tmp_path / "own") == []
    assert list(owners_dir(tmp_path / "own").iterdir()) == []  # released: its file is gone
    with pytest.raises(EngineClosed):
        engine.submit(GenerationRequest(prompt="after the quit"))


_ORPHAN_SCRIPT = """
import sys, time
from pathlib import Path
from qwenimg_desktop.core.jobs.config import EngineConfig
from qwenimg_desktop.core.jobs.remote import EngineProcess
from qwenimg_desktop.core.store.files import DataLayout

if __name__ == "__main__":
    config = EngineConfig(DataLayout(Path(sys.argv[1])), queue_base="http://127.0.0.1:9")
    engine = EngineProcess(config, keys=lambda: None, sink=lambda event: None)
    engine.start(timeout=60)
    print(engine.pid, flush=True)
    time.sleep(120)
"""


@linux_only
def test_the_child_stops_when_the_windows_process_dies(tmp_path: Path) -> None:
    script = tmp_path / "window.py"
    script.write_text(_ORPHAN_SCRIPT)
    root = tmp_path / "data"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    with subprocess.Popen([sys.executable, str(script), str(root)], cwd=ROOT, env=env,
                          stdout=subprocess.PIPE, text=True) as window:
        assert window.stdout is not None
        child = int(window.stdout.readline())
        assert _alive(child)
        window.kill()  # no orderly shutdown: the pipe just closes
        window.wait(10)
        _wait(lambda: not _alive(child), 20)
    assert _live_owners(root) == []  # an orphaned engine would keep its jobs from resuming


class _Clicker:
    """Clicks Generate every few milliseconds from its own thread (as the GUI thread would)."""

    def __init__(self, engine: EngineProcess, interval: float = 0.004) -> None:
        self.engine = engine
        self.interval = interval
        self.accepted: list[str] = []
        self.refused: list[str] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="clicker", daemon=True)

    def __enter__(self) -> _Clicker:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        self._thread.join(30)

    def _run(self) -> None:
        n = 0
        while not self._stop.wait(self.interval):
            n += 1
            try:
                self.accepted.append(self.engine.submit(GenerationRequest(prompt=f"click {n}")))
            except EngineClosed as exc:  # a refusal the window shows; counted, then asserted
                self.refused.append(exc.message)


def _kill_after_clicks(engine: EngineProcess, log: EventLog, clicks: _Clicker, n: int) -> None:
    """Round ``n``: once 10·n clicks are taken, kill -9 the child; wait for its successor."""
    _wait(lambda: len(clicks.accepted) >= 10 * n)
    pid = engine.pid
    assert pid is not None
    os.kill(pid, signal.SIGKILL)
    _wait(lambda: sum(isinstance(e, ev.EngineNotice) for e in log.events) >= n, 60)
    _wait(lambda: engine.pid != pid)


@linux_only
def test_clicks_during_an_engine_restart_each_become_exactly_one_job(
    emulator_factory: EmulatorFactory, process_factory: ProcessFactory, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch
) -> None:
    """Kill -9 the engine while Generate clicks arrive, several times: every click is taken,
    ends as one completed job with one journal row, and reaches the emulator exactly once (a
    click waiting on the send lock during the restart was once delivered to the new engine
    and then sent again from the unconfirmed list: ``UNIQUE constraint failed: jobs.id``)."""
    monkeypatch.setattr(remote, "MAX_RESTARTS", 100)
    server = emulator_factory({"queue_delay": 0.0, "run_time": 0.05})
    root = tmp_path / "own"
    engine, log = process_factory(server.base_url, root=root, concurrency=8,
                                  make_thumbnails=False)
    rounds = 10
    with _Clicker(engine) as clicks:
        for round_no in range(1, rounds + 1):
            _kill_after_clicks(engine, log, clicks, round_no)
        _wait(lambda: len(clicks.accepted) >= 10 * (rounds + 1))  # the last engine takes clicks
    notices = [e for e in log.events if isinstance(e, ev.EngineNotice)]
    assert len(notices) == rounds
    assert all(n.restarted for n in notices), notices
    finals = {job_id: log.wait_final(job_id, 60) for job_id in clicks.accepted}
    # A job killed while its POST was in flight cannot be known: flagged, never sent again.
    unknown = {j for j, e in finals.items()
               if isinstance(e, ev.Failed) and e.kind == "SubmissionUnknown"}
    others = {j: e for j, e in finals.items() if j not in unknown}
    failed = {j: e for j, e in others.items() if not isinstance(e, ev.Completed)}
    assert failed == {}  # e.g. "internal error: BugError … UNIQUE constraint failed: jobs.id"
    assert not [e for e in log.events if isinstance(e, ev.Failed) and e.job_id not in unknown]
    assert len(unknown) <= rounds  # at most the one sending at each kill
    with sqlite3.connect(DataLayout(root).db_path) as db:
        rows = dict(db.execute("SELECT id, state FROM jobs").fetchall())
    assert sorted(rows) == sorted(clicks.accepted)  # one row per click, none lost, none twice
    assert {rows[j] for j in others} == {"completed"}
    assert {rows[j] for j in unknown} <= {"unknown"}
    sent = server.stats()["submits_by_job_id"]
    assert set(sent) <= set(clicks.accepted)
    assert {j: sent.get(j) for j in others} == dict.fromkeys(others, 1)  # each sent once
    assert all(sent.get(j, 0) <= 1 for j in unknown)
    assert clicks.refused == []  # a click during a restart waits for the new engine


@linux_only
def test_a_click_the_engine_never_recorded_ends_with_a_reason_when_it_gives_up(
    emulator_factory: EmulatorFactory, process_factory: ProcessFactory, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(remote, "MAX_RESTARTS", 0)
    server = emulator_factory()
    engine, log = process_factory(server.base_url, root=tmp_path / "own")
    assert engine.pid is not None
    # Another writer holds the journal: the job's row cannot be written before the kill.
    blocker = sqlite3.connect(DataLayout(tmp_path / "own").db_path, isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")
    try:
        job_id = engine.submit(GenerationRequest(prompt="clicked just before the engine died"))
        time.sleep(0.5)
        assert log.of(job_id) == []  # not confirmed: the row is not written yet
        os.kill(engine.pid, signal.SIGKILL)
        final = log.wait_final(job_id)
    finally:
        blocker.rollback()
        blocker.close()
    assert isinstance(final, ev.Failed), final  # never dropped without a word
    assert final.kind == "EngineStopped"
    assert "nothing was sent or charged" in final.reason
    assert server.stats()["submits_total"] == 0


def test_the_key_answer_across_the_pipe_never_shows_the_key_in_a_repr() -> None:
    answer = msg.KeyAnswer(7, TEST_KEY)
    assert TEST_KEY not in repr(answer)
    assert pickle.loads(pickle.dumps(answer)) == answer  # what the pipe does with it


def test_a_batch_pause_and_move_to_top_go_through_the_child(
    emulator_factory: EmulatorFactory, process_factory: ProcessFactory
) -> None:
    server = emulator_factory(valid_keys={TEST_KEY})
    engine, log = process_factory(server.base_url, concurrency=1, make_thumbnails=False)
    engine.pause_sending(True)
    batch_id, ids = engine.submit_batch(
        [GenerationRequest(prompt=f"batch {i}") for i in range(3)], label="three")
    for job_id in ids:
        log.wait_for(job_id, ev.StateChanged)
    engine.move_to_front(ids[2])
    assert engine.wait_idle(30)  # paused: nothing in progress, nothing sent
    assert server.stats()["submits_total"] == 0
    engine.pause_sending(False)
    assert all(isinstance(log.wait_final(job_id), ev.Completed) for job_id in ids)
    assert list(server.stats()["submits_by_job_id"]) == [ids[2], ids[0], ids[1]]
    record = _record(engine, ids[0])
    assert record is not None
    store = HistoryStore.open(engine.layout, readonly=True)
    try:
        assert store.batch(batch_id).job_ids == (ids[2], ids[0], ids[1])
    finally:
        store.close()


def _nice_of_threads(pid: int) -> list[int]:
    """The nice value of each thread of process ``pid`` (Linux /proc)."""
    values = []
    for stat in Path(f"/proc/{pid}/task").glob("*/stat"):
        try:
            values.append(int(stat.read_text().rsplit(")", 1)[1].split()[16]))
        except (OSError, ValueError, IndexError):
            continue
    return values


@linux_only
def test_the_childs_thumbnail_decodes_yield_the_cpu_to_the_window(
    emulator_factory: EmulatorFactory, process_factory: ProcessFactory
) -> None:
    """In its own process the engine shares no GIL with the window, so its thumbnail worker
    (a full decode per image, ~35 ms of a core each) runs niced: the window's GUI thread gets
    the core first on a busy machine. Nothing of the window's own process is niced by it."""
    server = emulator_factory(valid_keys={TEST_KEY})
    engine, log = process_factory(server.base_url)
    assert engine.pid is not None
    job_id = engine.submit(GenerationRequest(prompt="a lighthouse, 灯塔", num_images=1))
    assert isinstance(log.wait_final(job_id), ev.Completed)
    _wait(lambda: (record := _record(engine, job_id)) is not None
          and all(image.thumb_path for image in record.images))
    assert 10 in _nice_of_threads(engine.pid)  # the thumbnail worker, lowered once it started
    assert set(_nice_of_threads(os.getpid())) == {os.nice(0)}


@linux_only
def test_the_engines_process_runs_below_the_window(
    emulator_factory: EmulatorFactory, process_factory: ProcessFactory
) -> None:
    """The engine's process (a background worker of a desktop app) is niced from its first
    line, so every thread it starts is too: when the window and the engine both want a core
    (a burst of sends took 1.6 of 2 cores), the window's GUI thread gets it first. The window's
    own process keeps its priority."""
    server = emulator_factory(valid_keys={TEST_KEY})
    engine, log = process_factory(server.base_url, make_thumbnails=False)
    assert engine.pid is not None
    job_id = engine.submit(GenerationRequest(prompt="a lighthouse, 灯塔", num_images=1))
    assert isinstance(log.wait_final(job_id), ev.Completed)  # its threads have all started
    nice = _nice_of_threads(engine.pid)
    assert len(nice) > 3
    assert min(nice) >= max(ENGINE_NICE, os.nice(0)), nice
    assert set(_nice_of_threads(os.getpid())) == {os.nice(0)}


_TRACKER_SCRIPT = """
import sys
from pathlib import Path
from multiprocessing import resource_tracker
from qwenimg_desktop.core.jobs.config import EngineConfig
from qwenimg_desktop.core.jobs.remote import EngineProcess
from qwenimg_desktop.core.store.files import DataLayout

if __name__ == "__main__":
    config = EngineConfig(DataLayout(Path(sys.argv[1])), queue_base="http://127.0.0.1:9")
    engine = EngineProcess(config, keys=lambda: None, sink=lambda event: None)
    engine.start(timeout=60)
    print(engine.pid, resource_tracker._resource_tracker._fd, flush=True)
    sys.stdin.readline()  # the test lists this process's children meanwhile
    engine.shutdown()
"""


@linux_only
def test_the_engine_starts_without_a_resource_tracker_beside_it(tmp_path: Path) -> None:
    # spawn's Popen starts multiprocessing's resource tracker (an idle ~13 MB interpreter) before
    # its first child; the app has nothing for it to track, so the engine is its only child.
    script = tmp_path / "window.py"
    script.write_text(_TRACKER_SCRIPT)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    with subprocess.Popen([sys.executable, str(script), str(tmp_path / "data")], cwd=ROOT,
                          env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                          text=True) as window:
        assert window.stdin is not None
        assert window.stdout is not None
        engine_pid, tracker_fd = window.stdout.readline().split()
        children = {pid: _command_line(pid) for pid in _children_of(window.pid)}
        window.stdin.write("\n")
        window.stdin.flush()
        assert window.wait(30) == 0
    assert tracker_fd == "None"
    assert list(children) == [int(engine_pid)], children
    assert b"resource_tracker" not in children[int(engine_pid)]


def _children_of(parent: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == parent:
                found.append(int(stat.parent.name))
        except (OSError, ValueError, IndexError):
            continue
    return found


def _command_line(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""


def test_the_file_check_runs_in_the_child_and_its_report_crosses_the_pipe(
    emulator_factory: EmulatorFactory, process_factory: ProcessFactory,
    monkeypatch: pytest.MonkeyPatch
) -> None:
    """The History tab's file check is asked of the child: this process runs none of it."""
    here: list[object] = []
    monkeypatch.setattr(consistency, "_check_files", lambda store, now: here.append(store))
    server = emulator_factory()
    engine, log = process_factory(server.base_url)
    gone, damaged, kept = (engine.submit(GenerationRequest(prompt=f"a harbour, study {i}"))
                           for i in range(3))
    paths = {}
    for job_id in (gone, damaged, kept):
        final = log.wait_final(job_id)
        assert isinstance(final, ev.Completed), final
        paths[job_id] = Path(final.image_paths[0])
    paths[gone].unlink()
    paths[damaged].write_bytes(b"not the image that was written")
    report = engine.check_files()
    assert here == []  # the child's own module ran it, not this process's
    assert dict(report.missing_jobs) == {gone: True, damaged: True}  # fal still holds both
    assert (report.missing_files, report.damaged_files) == (2, 1)
    assert report.orphans == ()
    engine.shutdown()
    with pytest.raises(EngineClosed):
        engine.check_files()


def test_the_file_checks_report_stays_packed_across_the_pipe() -> None:
    """100,000 flagged jobs are ~1.7 MB pickled (their JobFlags' one bytes object), not a
    string per job."""
    jobs = 100_000
    flags = JobFlags((os.urandom(16).hex(), i % 2 == 0) for i in range(jobs))
    report = ConsistencyReport(flags, jobs, 0, (), ())
    sent = pickle.dumps(msg.Reply(7, report))
    assert len(sent) < 17 * jobs + 1024, len(sent)
    back = pickle.loads(sent)
    assert back.value.missing_jobs == flags
    assert back.value.missing_files == jobs
