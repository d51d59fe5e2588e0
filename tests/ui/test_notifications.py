"""Job notifications through the desktop's notification service, on a real private session bus
(dbus-daemon) with a small real notification server in its own process."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from jeepney import DBusAddress, Message, new_method_call, new_method_return
from jeepney.io.threading import ReceiveStopped
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

from qwenimg_desktop.core.jobs.model import JobState
from qwenimg_desktop.emulator.server import EmulatorServer
from qwenimg_desktop.ui.main_window import MainWindow
from qwenimg_desktop.ui.notifications import (
    EXPIRE_MS,
    FreedesktopNotifications,
    Notifier,
    _router,
    burst_body,
    jobs_finished_text,
)
from qwenimg_desktop.ui.session_bus import SessionBusError, call
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

    def mute(self) -> None:
        """From now on the server answers no ``Notify`` (a hung notification server)."""
        assert self.server is not None
        assert self.server.stdin is not None
        assert self.server.stdout is not None
        self.server.stdin.write("mute\n")
        self.server.stdin.flush()
        assert self.server.stdout.readline().strip() == "MUTED"

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


class Clock:
    """The notifier's clock, moved by the test (seconds)."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class _Window(QWidget):
    """A window whose closing closes its notifier (``MainWindow`` does it when it closes)."""

    def __init__(self) -> None:
        super().__init__()
        self.closing: list[Callable[[], None]] = []

    def closeEvent(self, event: QCloseEvent) -> None:
        for close in self.closing:
            close()
        super().closeEvent(event)


def _connections(bus: Bus) -> list[str]:
    """The unique names of the connections the bus daemon has now."""
    names = call(bus.address, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                 "org.freedesktop.DBus", "ListNames", "", ())[0]
    return sorted(name for name in names if name.startswith(":"))


def test_a_service_closed_while_it_connects_closes_its_connection(
        qtbot: QtBot, bus: Bus) -> None:
    """A window closed while its notifier still connects on a worker: the connection listen()
    opens is closed, not left open until collected (then a ResourceWarning in a later test)."""
    before = _connections(bus)
    service = FreedesktopNotifications(bus.address)
    service.close()  # the window closed first
    service.listen(lambda _id: None)  # the worker's connect finishes after it
    assert "listening=False" in repr(service)
    qtbot.waitUntil(lambda: len(_connections(bus)) <= len(before), timeout=5000)


def test_a_notifier_closed_before_it_decided_closes_its_service(
        qtbot: QtBot, workers: Workers, bus: Bus) -> None:
    bus.start_server()
    before = _connections(bus)
    window = QWidget()
    qtbot.addWidget(window)
    service = FreedesktopNotifications(bus.address)
    notifier = Notifier(window, window.windowIcon(), workers, lambda: True, service)
    notifier.close()  # before its worker's decision reached the GUI thread
    qtbot.waitUntil(lambda: notifier.decided, timeout=5000)
    assert "listening=False" in repr(service)
    qtbot.waitUntil(lambda: len(_connections(bus)) <= len(before), timeout=5000)


def _notifier(qtbot: QtBot, workers: Workers, bus: Bus, enabled: list[bool],
              clock: Clock | None = None, *, service: bool = True) -> tuple[Notifier, QWidget]:
    """A notifier for a window never shown; ``service``: the notification server answers on
    the bus (else nobody owns the name)."""
    if service:
        bus.start_server()
    window = _Window()  # never shown: not the active window
    qtbot.addWidget(window)  # closed after the test, which closes the notifier, as the app does
    notifier = Notifier(window, window.windowIcon(), workers, lambda: enabled[0],
                        FreedesktopNotifications(bus.address), clock=clock or Clock())
    window.closing.append(notifier.close)
    qtbot.waitUntil(lambda: notifier.decided, timeout=5000)
    return notifier, window


def test_a_finished_job_is_notified_through_the_desktop_service(
        qtbot: QtBot, workers: Workers, bus: Bus) -> None:
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
    notifier, _window = _notifier(qtbot, workers, bus, [True])
    assert notifier.job_ended("Job failed", "a cat", state=JobState.failed)
    hints = bus.next_call()["args"][6]
    assert hints["urgency"] == ["y", 2]


def test_turned_off_in_the_settings_nothing_is_sent(
        qtbot: QtBot, workers: Workers, bus: Bus) -> None:
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
    notifier, _window = _notifier(qtbot, workers, bus, [True], service=False)
    assert notifier.way == "none"
    assert not notifier.job_ended("Images ready", "1 image: cat")
    assert notifier.sent == []


def test_a_service_that_goes_away_is_logged_not_raised(
        qtbot: QtBot, workers: Workers, bus: Bus) -> None:
    notifier, _window = _notifier(qtbot, workers, bus, [True])
    assert bus.server is not None
    bus.server.terminate()
    bus.server.wait(10)
    assert notifier.job_ended("Images ready", "1 image: cat")
    qtbot.waitUntil(lambda: bool(notifier.failures), timeout=5000)
    assert notifier.way == "desktop"  # the next job tries the service again


def _background_window(runtime_factory: RuntimeFactory, emulator: EmulatorServer,
                       qtbot: QtBot, bus: Bus, monkeypatch: pytest.MonkeyPatch) -> MainWindow:
    """A window never made active, on the private bus with the notification server running."""
    bus.start_server()
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", bus.address)
    win = ready_window(runtime_factory(emulator), qtbot, show=False)  # never active
    qtbot.waitUntil(lambda: win.notifier.decided, timeout=5000)
    assert win.notifier.way == "desktop"
    return win


def test_the_window_notifies_a_job_that_ends_in_the_background(
        runtime_factory: RuntimeFactory, emulator: EmulatorServer, qtbot: QtBot, bus: Bus,
        monkeypatch: pytest.MonkeyPatch) -> None:
    win = _background_window(runtime_factory, emulator, qtbot, bus, monkeypatch)
    type_prompt(qtbot, win, "A lighthouse at dusk")
    job_id = win.generate()
    assert job_id is not None
    wait_state(qtbot, win, job_id, JobState.completed)
    call = bus.next_call()
    assert call["args"][3] == "Images ready"
    assert call["args"][4] == "1 image: A lighthouse at dusk"


def test_a_clicked_notification_brings_the_window_forward_on_its_job(
        qtbot: QtBot, workers: Workers, bus: Bus) -> None:
    clock = Clock()
    notifier, window = _notifier(qtbot, workers, bus, [True], clock)
    shown: list[str] = []
    notified: list[str] = []
    notifier.job_clicked.connect(shown.append)
    for job_id in ("first-job", "second-job"):
        assert notifier.job_ended("Images ready", job_id, job_id=job_id)
        assert bus.next_call()["args"][1] == 0  # a notification of its own, replacing none
        qtbot.waitUntil(lambda: len(notifier._shown) == len(notified) + 1, timeout=5000)
        notified.append(job_id)
        clock.now += EXPIRE_MS / 1000  # the first has left the screen
    assert not window.isVisible()
    bus.click(1)  # the server numbers them from 1: the first job's
    qtbot.waitUntil(lambda: shown == ["first-job"], timeout=5000)
    assert notifier._shown == {1: "first-job", 2: "second-job"}
    assert window.isVisible()  # brought forward (shown and raised)
    notifier.close()


def _ended(notifier: Notifier, qtbot: QtBot, job_id: str,
           state: JobState = JobState.completed) -> None:
    """``job_id`` ends in ``state`` and the notifier's Notify for it is answered."""
    title = "Images ready" if state is JobState.completed else f"Job: {state.value}"
    assert notifier.job_ended(title, job_id, state=state, job_id=job_id)
    qtbot.waitUntil(lambda: notifier._shown.get(1) == job_id, timeout=5000)


def test_jobs_ending_in_a_burst_update_one_notification(
        qtbot: QtBot, workers: Workers, bus: Bus) -> None:
    clock = Clock()
    notifier, _window = _notifier(qtbot, workers, bus, [True], clock)
    _ended(notifier, qtbot, "a")
    first = bus.next_call()["args"]
    assert (first[1], first[3], first[4]) == (0, "Images ready", "a")
    clock.now += 1
    _ended(notifier, qtbot, "b", JobState.failed)
    second = bus.next_call()["args"]
    assert (second[1], second[3], second[4]) == (1, "2 jobs finished", "1 with images, 1 failed")
    assert second[6]["urgency"] == ["y", 2]  # one of them failed
    clock.now += 1
    _ended(notifier, qtbot, "c")
    third = bus.next_call()["args"]
    assert (third[1], third[3], third[4]) == (1, "3 jobs finished", "2 with images, 1 failed")
    assert notifier._shown == {1: "c"}  # the server kept its id: one notification
    shown: list[str] = []
    notifier.job_clicked.connect(shown.append)
    bus.click(1)
    qtbot.waitUntil(lambda: shown == ["c"], timeout=5000)  # the burst's latest job
    notifier.close()


def test_a_job_ending_after_the_notification_expired_gets_a_new_one(
        qtbot: QtBot, workers: Workers, bus: Bus) -> None:
    clock = Clock()
    notifier, _window = _notifier(qtbot, workers, bus, [True], clock)
    _ended(notifier, qtbot, "a")
    assert bus.next_call()["args"][1] == 0
    clock.now += EXPIRE_MS / 1000
    assert notifier.job_ended("Images ready", "b", job_id="b")
    call = bus.next_call()["args"]
    assert (call[1], call[3], call[4]) == (0, "Images ready", "b")
    qtbot.waitUntil(lambda: notifier._shown == {1: "a", 2: "b"}, timeout=5000)


def test_a_clicked_notification_is_not_replaced(
        qtbot: QtBot, workers: Workers, bus: Bus) -> None:
    notifier, window = _notifier(qtbot, workers, bus, [True])
    shown: list[str] = []
    notifier.job_clicked.connect(shown.append)
    _ended(notifier, qtbot, "a")
    bus.next_call()
    bus.click(1)
    qtbot.waitUntil(lambda: shown == ["a"], timeout=5000)
    window.hide()  # back in the background (the click brought it forward)
    qtbot.waitUntil(lambda: not window.isActiveWindow(), timeout=5000)
    assert notifier.job_ended("Images ready", "b", job_id="b")
    assert bus.next_call()["args"][1] == 0  # seen: a new notification, not a replacement
    qtbot.waitUntil(lambda: notifier._shown == {1: "a", 2: "b"}, timeout=5000)
    notifier.close()


def test_jobs_ending_before_the_id_is_known_are_held_then_sent_as_one(
        qtbot: QtBot, workers: Workers, bus: Bus) -> None:
    notifier, _window = _notifier(qtbot, workers, bus, [True])
    # All three on the GUI thread at once: the first Notify's answer cannot have come yet.
    assert notifier.job_ended("Images ready", "a", job_id="a")
    assert notifier.job_ended("Job: Failed", "b", state=JobState.failed, job_id="b")
    assert notifier.job_ended("Images ready", "c", job_id="c")
    first = bus.next_call()["args"]
    assert (first[1], first[4]) == (0, "a")
    # When the id came: one replacement for both held jobs, answered for the latest one.
    qtbot.waitUntil(lambda: notifier._shown == {1: "c"}, timeout=5000)
    held = bus.next_call()["args"]
    assert (held[1], held[3], held[4]) == (1, "3 jobs finished", "2 with images, 1 failed")
    _ended(notifier, qtbot, "d")  # the next call the server gets is d's: none came between
    following = bus.next_call()["args"]
    assert (following[1], following[3]) == (1, "4 jobs finished")
    assert notifier.sent == [("Images ready", "a"), ("Job: Failed", "b"),
                             ("Images ready", "c"), ("Images ready", "d")]


def test_the_burst_texts_are_plural_correct() -> None:
    assert jobs_finished_text(1) == "1 job finished"
    assert jobs_finished_text(2) == "2 jobs finished"
    assert burst_body({JobState.completed: 3}) == "3 with images"
    assert burst_body({JobState.failed: 2}) == "2 failed"
    assert burst_body({JobState.failed: 1, JobState.completed: 1}) == "1 with images, 1 failed"


def test_a_burst_tells_cancelled_and_unknown_jobs_from_failed_ones(
        qtbot: QtBot, workers: Workers, bus: Bus) -> None:
    """A job the user cancelled did not fail; one whose submit nobody knows reached fal is
    looked up, not failed either: the summary names each, and only the second is urgent."""
    clock = Clock()
    notifier, _window = _notifier(qtbot, workers, bus, [True], clock)
    _ended(notifier, qtbot, "a")
    bus.next_call()
    _ended(notifier, qtbot, "b", JobState.cancelled)
    cancelled = bus.next_call()["args"]
    assert (cancelled[3], cancelled[4]) == ("2 jobs finished", "1 with images, 1 cancelled")
    assert cancelled[6]["urgency"] == ["y", 1]  # nothing went wrong
    _ended(notifier, qtbot, "c", JobState.unknown)
    unknown = bus.next_call()["args"]
    assert (unknown[3], unknown[4]) == (
        "3 jobs finished", "1 with images, 1 cancelled, 1 submission unknown")
    assert unknown[6]["urgency"] == ["y", 2]  # the user should look at it
    notifier.close()


def test_clicking_a_notification_shows_its_job_in_the_window(
        runtime_factory: RuntimeFactory, emulator: EmulatorServer, qtbot: QtBot, bus: Bus,
        monkeypatch: pytest.MonkeyPatch) -> None:
    win = _background_window(runtime_factory, emulator, qtbot, bus, monkeypatch)
    win.notifier.clock = lambda: 0.0  # however slow the machine: one burst
    jobs = []
    for prompt, replaces, body in (("A lighthouse at dusk", 0, "1 image: A lighthouse at dusk"),
                                   ("A harbour at dawn", 1, "2 with images")):
        win.editor.editor.clear()
        type_prompt(qtbot, win, prompt)
        job_id = win.generate()
        assert job_id is not None
        wait_state(qtbot, win, job_id, JobState.completed)
        call = bus.next_call()["args"]
        assert (call[1], call[4]) == (replaces, body)
        jobs.append(job_id)
        qtbot.waitUntil(lambda: win.notifier._shown.get(1) == jobs[-1], timeout=5000)
    win.acts.history_tab.trigger()
    win.jobs.select_job(jobs[0])
    bus.click(1)  # the one notification, now about both jobs: the latest is shown
    qtbot.waitUntil(lambda: win.jobs.current_job() == jobs[1], timeout=5000)
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


def test_closing_while_a_notification_waits_for_its_answer_is_an_error_not_a_crash(
        bus: Bus, monkeypatch: pytest.MonkeyPatch) -> None:
    """The window closing while a Notify waits for a hung server: the call fails with
    SessionBusError (jeepney's stop raised a KeyError out of the waiting call before)."""
    crashed: list[BaseException | None] = []
    monkeypatch.setattr(threading, "excepthook", lambda args: crashed.append(args.exc_value))
    bus.start_server()
    bus.mute()
    service = FreedesktopNotifications(bus.address)
    assert service.available()
    service.listen(lambda _id: None)
    failures: list[SessionBusError] = []

    def notify() -> None:
        try:
            service.notify("Images ready", "a cat", urgent=False)
        except SessionBusError as exc:
            failures.append(exc)

    caller = threading.Thread(target=notify)
    caller.start()
    assert bus.next_call()["member"] == "Notify"  # it reached the server: no answer comes
    service.close()
    caller.join(10)
    assert not caller.is_alive()
    assert len(failures) == 1, crashed
    assert not crashed


class _OneReplyThenStop:
    """A connection whose first message is the answer to call ``serial``, then it stops."""

    def __init__(self, serial: int) -> None:
        call = new_method_call(DBusAddress("/org/freedesktop/Notifications",
                                           bus_name="org.freedesktop.Notifications",
                                           interface="org.freedesktop.Notifications"),
                               "Notify")
        call.header.serial = serial
        self.reply = new_method_return(call, "u", (1,))
        self.go = threading.Event()
        self.sent = False

    def receive(self) -> Message:
        assert self.go.wait(10)
        if not self.sent:
            self.sent = True
            return self.reply
        raise ReceiveStopped

    def close(self) -> None:
        pass


def test_an_answer_arriving_as_the_connection_closes_ends_the_listener_quietly(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """jeepney's receiver answers a call's future, then, stopping, fails the futures still
    listed, that one too (InvalidStateError): the listening thread ends quietly."""
    crashed: list[BaseException | None] = []
    monkeypatch.setattr(threading, "excepthook", lambda args: crashed.append(args.exc_value))
    connection = _OneReplyThenStop(serial=7)
    stopped = threading.Event()
    router = _router(connection, stopped.set)
    router._replies._futures[7] = Future()  # a Notify waiting for its answer
    connection.go.set()
    assert stopped.wait(10)
    router._rcv_thread.join(10)
    assert not crashed
