"""One owner per job: a CLI, a window's engine process and `resume` on one data dir.

Real processes throughout: the CLI as a subprocess, the window's engine as the real
``EngineProcess`` child, ``resume`` as a subprocess, the emulator over loopback, one SQLite file.
Each test opens the second process while the CLI's job is at one stage (sending, queued,
downloading) and checks that only one process follows the job: one submit, one result fetch,
files intact, and the later process says whose jobs it left alone.
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from qwenimg_desktop.core.jobs import events as ev
from qwenimg_desktop.core.jobs.config import EngineConfig
from qwenimg_desktop.core.jobs.model import JobState
from qwenimg_desktop.core.jobs.remote import EngineProcess
from qwenimg_desktop.core.params import GenerationRequest
from qwenimg_desktop.core.store.files import DataLayout
from qwenimg_desktop.emulator.server import EmulatorServer
from tests.core.cli_proc import ROOT, cli_command, cli_env, run_cli
from tests.core.helpers import FAST_RETRY, TEST_KEY, EventLog
from tests.fixtures.emulator import EmulatorFactory
from tests.reliability.support import rows

WindowFactory = Callable[[str, Path], tuple[EngineProcess, EventLog]]


class CliRun:
    """A `generate` CLI process whose stderr lines are watched for its job's stages."""

    def __init__(self, process: subprocess.Popen[str]) -> None:
        self.process = process
        self.lines: list[str] = []
        self.out = ""
        self._changed = threading.Condition()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stderr is not None
        for line in self.process.stderr:
            with self._changed:
                self.lines.append(line)
                self._changed.notify_all()
        self.process.stderr.close()

    def wait_line(self, text: str, timeout: float = 30.0) -> str:
        """Block until a stderr line contains ``text``."""
        with self._changed:
            found = self._changed.wait_for(
                lambda: any(text in line for line in self.lines), timeout)
            if not found:
                raise TimeoutError(f"no {text!r} in {self.lines!r}")
            return next(line for line in self.lines if text in line)

    @property
    def job_id(self) -> str:
        return self.wait_line("job ").split()[1]

    def finish(self, timeout: float = 60.0) -> tuple[int, dict[str, Any]]:
        """Exit code and the JSON line of stdout."""
        assert self.process.stdout is not None
        if not self.process.stdout.closed:  # stderr is the reader thread's: no communicate()
            self.out = self.process.stdout.read()
            self.process.stdout.close()
        self.process.wait(timeout)
        self._reader.join(10)
        out = self.out
        last = [line for line in out.splitlines() if line.strip()]
        return self.process.returncode, (json.loads(last[-1]) if last else {})


@pytest.fixture
def cli_runs(tmp_path: Path) -> Iterator[Callable[..., CliRun]]:
    started: list[CliRun] = []

    def start(base_url: str, data: Path, *extra: str) -> CliRun:
        args = cli_command("generate", "--prompt", "one owner per job, 一个主人",
                           "--queue-url", base_url, "--data-dir", str(data), *extra)
        process = subprocess.Popen(args, env=cli_env(tmp_path, TEST_KEY), cwd=ROOT, text=True,
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        run = CliRun(process)
        started.append(run)
        return run

    yield start
    for run in started:
        if run.process.poll() is None:
            run.process.kill()
        run.finish()


@pytest.fixture
def window_engine() -> Iterator[WindowFactory]:
    """The window's engine: the real child process, started on ``data`` (it recovers jobs)."""
    engines: list[EngineProcess] = []

    def start(base_url: str, data: Path) -> tuple[EngineProcess, EventLog]:
        log = EventLog()
        config = EngineConfig(DataLayout(data), queue_base=base_url, retry=FAST_RETRY,
                              poll_interval=0.05)
        engine = EngineProcess(config, keys=lambda: TEST_KEY, sink=log)
        engines.append(engine)
        engine.start(timeout=60)
        return engine, log

    yield start
    for engine in engines:
        engine.shutdown()


def _served(server: EmulatorServer, route: str) -> int:
    return int(server.stats()["served"].get(route, 0))


def _stored_images_intact(data: Path, job_id: str) -> int:
    images = rows(data / "history.sqlite3",
                  "SELECT path, sha256 FROM images WHERE job_id = ?", (job_id,))
    for image in images:
        path = data / image["path"]
        assert path.is_file(), f"{path} is gone"
        assert hashlib.sha256(path.read_bytes()).hexdigest() == image["sha256"]
    return len(images)


def _state(data: Path, job_id: str) -> str:
    return str(rows(data / "history.sqlite3", "SELECT state FROM jobs WHERE id = ?",
                    (job_id,))[0]["state"])


def test_a_window_opened_while_the_cli_is_sending_leaves_the_job_to_it(
    emulator_factory: EmulatorFactory, window_engine: WindowFactory,
    cli_runs: Callable[..., CliRun], tmp_path: Path,
) -> None:
    """Before: the window flagged the CLI's job `unknown`; the CLI died with
    `illegal transition unknown → submitted` though fal had the job (charged, no images)."""
    server = emulator_factory({"hold": ["submit"]})  # the submit is answered once released
    data = tmp_path / "data"
    cli = cli_runs(server.base_url, data)
    job_id = cli.job_id
    cli.wait_line("sending")
    engine, log = window_engine(server.base_url, data)
    assert engine.flagged_unknown == []
    assert engine.recovered == []
    server.set_scenario({"hold": []}, merge=True)
    code, payload = cli.finish()
    assert code == 0, cli.lines
    assert payload["state"] == "completed"
    assert server.stats()["submits_by_job_id"] == {job_id: 1}
    assert _state(data, job_id) == JobState.completed.value
    assert _stored_images_intact(data, job_id) == 1
    notice = log.wait_for("", ev.EngineNotice)
    assert isinstance(notice, ev.EngineNotice)
    assert notice.info
    assert ("1 unfinished job(s) on this data folder are still run by another process: 1 by"
            f" `qwenimg-desktop generate` (pid {cli.process.pid}) (job {job_id[:8]}). They are"
            " left to it. They are taken over here if it stops.") == notice.message
    assert not [e for e in log.events if e.job_id == job_id]  # the window never touched it


def test_a_queued_cli_job_is_followed_once_while_a_window_and_resume_open(
    emulator_factory: EmulatorFactory, window_engine: WindowFactory,
    cli_runs: Callable[..., CliRun], tmp_path: Path,
) -> None:
    """Before: the window (and `resume`) followed the CLI's queued job too: the result and the
    images were fetched twice and one side died with `illegal transition completed → completed`."""
    server = emulator_factory({"hold": ["queue"]})  # queued until released below
    data = tmp_path / "data"
    cli = cli_runs(server.base_url, data, "--param", "num_images=2")
    job_id = cli.job_id
    cli.wait_line("queued")
    engine, _log = window_engine(server.base_url, data)
    assert engine.recovered == []
    resume = run_cli(tmp_path, "resume", "--queue-url", server.base_url, "--data-dir", str(data),
                     key=TEST_KEY)
    assert resume.returncode == 0, resume.stderr
    assert resume.stdout.strip() == ""  # it resumed nothing
    assert "resumed 0, flagged 0 as unknown" in resume.stderr
    assert "1 unfinished job(s) on this data folder are still run by another process" \
        in resume.stderr
    assert f"1 by `qwenimg-desktop generate` (pid {cli.process.pid}) (job {job_id[:8]})." \
        in resume.stderr
    assert f"  job {job_id}: run by `qwenimg-desktop generate` (pid {cli.process.pid})" \
        in resume.stderr
    server.set_scenario({"hold": []}, merge=True)
    code, payload = cli.finish()
    assert code == 0, cli.lines
    assert payload["state"] == "completed"
    assert engine.wait_idle(10)
    assert _served(server, "result") == 1
    assert _served(server, "file") == 2
    assert _stored_images_intact(data, job_id) == 2


def test_a_window_opened_while_the_cli_downloads_slowly_never_touches_its_files(
    emulator_factory: EmulatorFactory, window_engine: WindowFactory,
    cli_runs: Callable[..., CliRun], tmp_path: Path,
) -> None:
    """Before: the window completed the same job; the CLI's downloads then failed and its
    clean-up deleted the window's image files (row completed, files gone)."""
    server = emulator_factory(
        {"slow_first_byte": {"probability": 1.0, "delay": 5.0, "routes": ["file"]}})
    data = tmp_path / "data"
    cli = cli_runs(server.base_url, data)
    job_id = cli.job_id
    cli.wait_line("fetching")
    engine, _log = window_engine(server.base_url, data)
    assert engine.recovered == []
    code, payload = cli.finish()
    assert code == 0, cli.lines
    assert payload["state"] == "completed"
    assert _served(server, "result") == 1
    assert _state(data, job_id) == JobState.completed.value
    assert _stored_images_intact(data, job_id) == 1


def test_the_window_takes_over_the_job_of_a_cli_that_was_killed(
    emulator_factory: EmulatorFactory, window_engine: WindowFactory,
    cli_runs: Callable[..., CliRun], tmp_path: Path,
) -> None:
    """The job is left to the live CLI, and taken over (never resubmitted) once it dies."""
    server = emulator_factory({"hold": ["queue"]})  # queued until released below
    data = tmp_path / "data"
    cli = cli_runs(server.base_url, data)
    job_id = cli.job_id
    cli.wait_line("queued")
    engine, log = window_engine(server.base_url, data)
    assert engine.recovered == []
    os.kill(cli.process.pid, signal.SIGKILL)
    assert cli.finish()[0] == -signal.SIGKILL
    server.set_scenario({"hold": []}, merge=True)
    final = log.wait_final(job_id, timeout=30)
    assert isinstance(final, ev.Completed), final
    notices = [e for e in log.events if isinstance(e, ev.EngineNotice)]
    assert any("taken over here" in n.message for n in notices), notices
    assert server.stats()["submits_by_job_id"] == {job_id: 1}
    assert _served(server, "result") == 1
    assert _stored_images_intact(data, job_id) == 1


def test_resume_beside_a_window_says_which_jobs_the_window_still_runs(
    emulator_factory: EmulatorFactory, window_engine: WindowFactory, tmp_path: Path,
) -> None:
    """Before: `resume` beside a window with unfinished jobs printed `resumed 0` and no why."""
    server = emulator_factory({"hold": ["queue"]})  # queued until released below
    data = tmp_path / "data"
    engine, log = window_engine(server.base_url, data)
    job_id = engine.submit(GenerationRequest(prompt="the window's own job"))
    log.wait_for(job_id, ev.Queued)
    resume = run_cli(tmp_path, "resume", "--queue-url", server.base_url, "--data-dir", str(data),
                     key=TEST_KEY)
    assert resume.returncode == 0, resume.stderr
    assert resume.stdout.strip() == ""
    assert f"a Qwen Image Desktop window (pid {engine.pid})" in resume.stderr
    assert "Run `qwenimg-desktop resume` again once it has stopped" in resume.stderr
    server.set_scenario({"hold": []}, merge=True)
    assert isinstance(log.wait_final(job_id), ev.Completed)
    assert _served(server, "result") == 1


def test_two_resumes_at_once_follow_each_orphaned_job_exactly_once(
    emulator_factory: EmulatorFactory, cli_runs: Callable[..., CliRun], tmp_path: Path,
) -> None:
    """Two `resume` processes started together on the jobs of killed CLIs: adoption is one
    journal transaction, so each job is adopted by one of them and fetched once. (A guard of
    that transaction: the old data-dir lock serialised whole recoveries instead.)"""
    server = emulator_factory({"queue_delay": 3.0, "max_running": 4})
    data = tmp_path / "data"
    victims = [cli_runs(server.base_url, data) for _ in range(3)]
    jobs = [victim.job_id for victim in victims]
    for victim in victims:
        victim.wait_line("queued")
        os.kill(victim.process.pid, signal.SIGKILL)
        assert victim.finish()[0] == -signal.SIGKILL
    args = cli_command("resume", "--queue-url", server.base_url, "--data-dir", str(data))
    resumes = [subprocess.Popen(args, env=cli_env(tmp_path, TEST_KEY), cwd=ROOT, text=True,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
               for _ in range(2)]
    outputs = [process.communicate(timeout=90) for process in resumes]
    assert [process.returncode for process in resumes] == [0, 0], outputs
    reported = [json.loads(line)["id"] for out, _err in outputs for line in out.splitlines()]
    assert sorted(reported) == sorted(jobs)  # each job reported by exactly one of them
    assert _served(server, "result") == 3
    assert server.stats()["submits_total"] == 3
    for job_id in jobs:
        assert _state(data, job_id) == JobState.completed.value
        assert _stored_images_intact(data, job_id) == 1
