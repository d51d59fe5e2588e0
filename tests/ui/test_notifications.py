"""Job notifications through the desktop's notification service, on a real private session bus
(dbus-daemon) with a small real notification server in its own process."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

from qwenimg_desktop.core.jobs.model import JobState
from qwenimg_desktop.emulator.server import EmulatorServer
from qwenimg_desktop.ui.notifications import FreedesktopNotifications, Notifier
from qwenimg_desktop.ui.workers import Workers
from tests.core.cli_proc import ROOT
from tests.fixtures.emulator import EmulatorFactory
from tests.ui.conftest import RuntimeFactory, ready_window, type_prompt, wait_state

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="a session bus: Linux")


@dataclass
class Bus:
    address: str
    server: subprocess.Popen[str] | None = None

    def start_server(self, *names: str) -> None:
        self.server = subprocess.Popen(
            [sys.executable, "-m", "tests.ui.fake_notification_server", self.address, *names],
            cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            text=True)
        assert self.server.stdout is not None
        assert self.server.stdout.readline().strip() == "READY"

    def click(self, notification_id: int) -> None:
        """The user clicks the notification the server numbered ``notification_id``."""
        assert self.server is not None
        assert self.server.stdin is not None
        self.server.stdin.write(f"click {notification_id}\n")
        self.server.stdin.flush()

    def next_call(self) -> dict[str, Any]:
        """The server's next call (blocking; pytest-timeout bounds a test that gets none)."""
        assert self.server is not None
        assert self.server.stdout is not None
        call = json.loads(self.server.stdout.readline())
        assert isinstance(call, dict)
        return call


@pytest.fixture
def bus(tmp_path: Path) -> Iterator[Bus]:
    if not shutil.which("dbus-daemon"):
        pytest.skip("dbus-daemon is not installed (apt: dbus-daemon)")
    daemon = subprocess.Popen(["dbus-daemon", "--session", "--nofork", "--print-address=1"],
                              stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                              stderr=subprocess.DEVNULL, text=True)
    assert daemon.stdout is not None
    address = daemon.stdout.readline().strip()
    assert address, f"dbus-daemon printed no address (exit code {daemon.poll()})"
    private = Bus(address)
    try:
        yield private
    finally:
        for proc in (private.server, daemon):
            if proc is not None:
                proc.terminate()
                proc.wait(10)
                for stream in (proc.stdin, proc.stdout, proc.stderr):
                    if stream is not None:
                        stream.close()


@pytest.fixture
def workers() -> Iterator[Workers]:
    pool = Workers()
    yield pool
    pool.shutdown()


def _notifier(qtbot: QtBot, workers: Workers, bus: Bus, enabled: list[bool],
              ) -> tuple[Notifier, QWidget]:
    window = QWidget()  # never shown: not the active window
    qtbot.addWidget(window)
    notifier = Notifier(window, window.windowIcon(), workers, lambda: enabled[0],
                        FreedesktopNotifications(bus.address))
    qtbot.waitUntil(lambda: notifier.decided, timeout=5000)
    return notifier, window


def test_a_finished_job_is_notified_through_the_desktop_service(
        qtbot: QtBot, workers: Workers, bus: Bus) -> None:
    bus.start_server()
    notifier, _window = _notifier(qtbot, workers, bus, [True])
    assert notifier.way == "desktop"
    assert notifier.job_ended("Images ready", "2 images: a <b>cat</b> & dog")
    call = bus.next_call()
    assert call["member"] == "Notify"
    assert call["signature"] == "susssasa{sv}i"  # what GNOME's and KDE's servers require
    app, replaces, _icon, title, body, actions, hints, expire = call["args"]
    assert (app, replaces, title, actions, expire) == (
        "Qwen Image Desktop", 0, "Images ready", ["default", "Show"], 8000)
    assert body == "2 images: a &lt;b&gt;cat&lt;/b&gt; &amp; dog"  # markup stays text
    assert hints["urgency"] == ["y", 1]
    assert not notifier.failures


def test_a_failed_job_is_urgent(qtbot: QtBot, workers: Workers, bus: Bus) -> None:
    bus.start_server()
    notifier, _window = _notifier(qtbot, workers, bus, [True])
    assert notifier.job_ended("Job failed", "a cat", failed=True)
    hints = bus.next_call()["args"][6]
    assert hints["urgency"] == ["y", 2]


def test_turned_off_in_the_settings_nothing_is_sent(
        qtbot: QtBot, workers: Workers, bus: Bus) -> None:
    bus.start_server()
    enabled = [False]
    notifier, _window = _notifier(qtbot, workers, bus, enabled)
    assert not notifier.job_ended("Images ready", "first")
    enabled[0] = True
    assert notifier.job_ended("Images ready", "second")
    assert bus.next_call()["args"][4] == "second"  # "first" never came
    assert notifier.sent == [("Images ready", "second")]


def test_without_a_notification_service_the_tray_is_the_fallback(
        qtbot: QtBot, workers: Workers, bus: Bus) -> None:
    # A bus with nobody owning the name (and offscreen Qt has no tray): nothing is claimed sent.
    notifier, _window = _notifier(qtbot, workers, bus, [True])
    assert notifier.way == "none"
    assert not notifier.job_ended("Images ready", "1 image: cat")
    assert notifier.sent == []


def test_a_service_that_goes_away_is_logged_not_raised(
        qtbot: QtBot, workers: Workers, bus: Bus) -> None:
    bus.start_server()
    notifier, _window = _notifier(qtbot, workers, bus, [True])
    assert bus.server is not None
    bus.server.terminate()
    bus.server.wait(10)
    assert notifier.job_ended("Images ready", "1 image: cat")
    qtbot.waitUntil(lambda: bool(notifier.failures), timeout=5000)
    assert notifier.way == "desktop"  # the next job tries the service again


def test_the_window_notifies_a_job_that_ends_in_the_background(
        runtime_factory: RuntimeFactory, emulator: EmulatorServer, qtbot: QtBot, bus: Bus,
        monkeypatch: pytest.MonkeyPatch) -> None:
    bus.start_server()
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", bus.address)
    win = ready_window(runtime_factory(emulator), qtbot, show=False)  # never active
    qtbot.waitUntil(lambda: win.notifier.decided, timeout=5000)
    assert win.notifier.way == "desktop"
    type_prompt(qtbot, win, "A lighthouse at dusk")
    job_id = win.generate()
    assert job_id is not None
    wait_state(qtbot, win, job_id, JobState.completed)
    call = bus.next_call()
    assert call["args"][3] == "Images ready"
    assert call["args"][4] == "1 image: A lighthouse at dusk"


def test_a_clicked_notification_brings_the_window_forward_on_its_job(
        qtbot: QtBot, workers: Workers, bus: Bus) -> None:
    bus.start_server()
    notifier, window = _notifier(qtbot, workers, bus, [True])
    shown: list[str] = []
    notifier.job_clicked.connect(shown.append)
    for job_id in ("first-job", "second-job"):
        assert notifier.job_ended("Images ready", job_id, job_id=job_id)
        assert bus.next_call()["member"] == "Notify"
    qtbot.waitUntil(lambda: len(notifier._shown) == 2, timeout=5000)
    assert not window.isVisible()
    bus.click(1)  # the server numbers them from 1: the first job's
    qtbot.waitUntil(lambda: shown == ["first-job"], timeout=5000)
    assert window.isVisible()  # brought forward (shown and raised)
    notifier.close()


def test_clicking_a_notification_shows_its_job_in_the_window(
        runtime_factory: RuntimeFactory, emulator: EmulatorServer, qtbot: QtBot, bus: Bus,
        monkeypatch: pytest.MonkeyPatch) -> None:
    bus.start_server()
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", bus.address)
    win = ready_window(runtime_factory(emulator), qtbot, show=False)  # never active
    qtbot.waitUntil(lambda: win.notifier.decided, timeout=5000)
    jobs = []
    for prompt in ("A lighthouse at dusk", "A harbour at dawn"):
        win.editor.editor.clear()
        type_prompt(qtbot, win, prompt)
        job_id = win.generate()
        assert job_id is not None
        wait_state(qtbot, win, job_id, JobState.completed)
        assert bus.next_call()["args"][4] == f"1 image: {prompt}"
        jobs.append(job_id)
    win.acts.history_tab.trigger()
    win.jobs.select_job(jobs[1])
    bus.click(1)  # the lighthouse's notification
    qtbot.waitUntil(lambda: win.jobs.current_job() == jobs[0], timeout=5000)
    assert win.tabs.currentIndex() == 0  # Create, where the job's images are
    assert win.isVisible()


def test_the_settings_dialog_turns_notifications_off(
        runtime_factory: RuntimeFactory, emulator: EmulatorServer, qtbot: QtBot) -> None:
    win = ready_window(runtime_factory(emulator), qtbot)
    settings = win.services.settings
    assert settings.model_dump()["notify_when_done"] is True
    dialog = win.open_settings()
    with qtbot.waitSignal(dialog.settings_changed):
        dialog.files.notify.click()
    assert settings.model_dump()["notify_when_done"] is False
    assert not win.notifier.job_ended("Images ready", "1 image: cat")


def test_the_title_shows_how_many_jobs_run(
        runtime_factory: RuntimeFactory, emulator_factory: EmulatorFactory,
        qtbot: QtBot) -> None:
    """Seen in the task bar while the window is in the background: "(2 running) …"."""
    held = emulator_factory({"queue_delay": 0.0, "hold": ["run"]})
    win = ready_window(runtime_factory(held), qtbot, show=False)
    base = win.windowTitle()
    assert base == "Qwen Image Desktop"
    type_prompt(qtbot, win, "two at once")
    jobs = [win.generate(), win.generate()]
    for job_id in jobs:
        assert job_id is not None
        wait_state(qtbot, win, job_id, JobState.running)
    assert win.windowTitle() == f"(2 running) {base}"
    held.set_scenario({"hold": []}, merge=True)
    for job_id in jobs:
        assert job_id is not None
        wait_state(qtbot, win, job_id, JobState.completed)
    assert win.windowTitle() == base
