"""One window per data folder (app/instance.py): real second launches in their own processes.

The window's side is either the real window of this test process (a runtime with its engine)
or ``tests/ui/instance_holder.py`` in a child process (to be killed or stopped like a crashed or
hung window); the second launch is always the real ``python -m qwenimg_desktop``.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtGui import QColor, QImage
from PySide6.QtNetwork import QLocalSocket
from pytestqt.qtbot import QtBot

from qwenimg_desktop.app import instance as inst
from qwenimg_desktop.app import parse_args
from qwenimg_desktop.app.instance import Handover, HandoverRejected, Inbox, InstanceServer, claim
from qwenimg_desktop.emulator.server import EmulatorServer
from tests.core.cli_proc import ROOT, cli_env
from tests.ui.conftest import RuntimeFactory, ready_window

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="signals stop/kill the holder")


def _png(path: Path, side: int = 512) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    image = QImage(side, side, QImage.Format.Format_RGB32)
    image.fill(QColor("teal"))
    assert image.save(str(path))
    return path


def _env(tmp_path: Path) -> dict[str, str]:
    return {**cli_env(tmp_path, None), "QT_QPA_PLATFORM": "offscreen"}


def _launch(tmp_path: Path, *args: str, cwd: Path | None = None) -> subprocess.Popen[str]:
    """The real app's launch (``qwenimg-desktop ARGS``) in its own process."""
    return subprocess.Popen([sys.executable, "-m", "qwenimg_desktop", *args],
                            cwd=cwd or ROOT, env=_env(tmp_path), text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def _finished(qtbot: QtBot, proc: subprocess.Popen[str], timeout: int = 60_000,
              ) -> tuple[int, str, str]:
    """Wait (running this process's event loop: the window may be ours) for ``proc``."""
    qtbot.waitUntil(lambda: proc.poll() is not None, timeout=timeout)
    out, err = proc.communicate()
    return proc.returncode, out, err


@pytest.fixture
def holder(tmp_path: Path) -> Iterator[list[subprocess.Popen[str]]]:
    """Start window-side holder processes (``start_holder``); each is killed at teardown."""
    procs: list[subprocess.Popen[str]] = []
    yield procs
    for proc in procs:
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGCONT)
            proc.kill()
        proc.wait(10)
        for stream in (proc.stdout, proc.stderr):
            if stream is not None:
                stream.close()


def start_holder(procs: list[subprocess.Popen[str]], tmp_path: Path, data: Path,
                 ) -> subprocess.Popen[str]:
    proc = subprocess.Popen([sys.executable, "-m", "tests.ui.instance_holder", str(data)],
                            cwd=ROOT, env=_env(tmp_path), text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    procs.append(proc)
    assert proc.stdout is not None
    first = proc.stdout.readline().strip()
    assert first == "READY", (first, proc.communicate()[1] if proc.poll() is not None else "")
    return proc


@pytest.fixture
def held(tmp_path: Path, qapp: object) -> Iterator[tuple[Path, Inbox, list[Handover]]]:
    """This process is the window of ``tmp_path/data`` (no widgets): what arrives is listed."""
    data = tmp_path / "data"
    inbox = Inbox()
    got: list[Handover] = []
    server = claim(data, inbox, Handover())
    assert isinstance(server, InstanceServer)
    assert server.listening
    inbox.deliver_to(got.append)
    yield data, inbox, got
    server.close()


def test_a_second_launch_hands_its_image_and_prompt_file_to_the_window(
        runtime_factory: RuntimeFactory, emulator: EmulatorServer, qtbot: QtBot,
        tmp_path: Path) -> None:
    runtime = runtime_factory(emulator, base=tmp_path / "data")
    win = ready_window(runtime, qtbot)
    qtbot.waitUntil(lambda: runtime.history is not None, timeout=20_000)
    endpoint_before = win.draft.endpoint
    assert not endpoint_before.takes_images
    inbox = Inbox()
    server = claim(runtime.data_dir, inbox, Handover())
    assert isinstance(server, InstanceServer)
    assert server.listening
    inbox.deliver_to(runtime.open_handover)
    work = tmp_path / "work"
    _png(work / "cat.png")
    (work / "prompt.md").write_text("# 猫\nA cat on a mat", encoding="utf-8")
    try:
        # Relative names: the launch resolves them against its own working directory.
        code, out, err = _finished(qtbot, _launch(
            tmp_path, "--data-dir", str(runtime.data_dir), "cat.png", "--prompt-file",
            "prompt.md", cwd=work))
        assert code == 0, err
        assert "Handed over to the running" in out
        assert f"(pid {os.getpid()}): 1 image and a prompt file" in out
        qtbot.waitUntil(lambda: len(win.draft.references) == 1, timeout=10_000)
        assert win.draft.endpoint.takes_images  # switched to the edit endpoint for it
        assert win.editor.editor.toPlainText() == "# 猫\nA cat on a mat"
        assert win.acts.restore_draft.isEnabled()  # the previous draft can come back
    finally:
        server.close()


def test_a_launch_on_another_data_dir_runs_its_own_window(
        held: tuple[Path, Inbox, list[Handover]], qtbot: QtBot, tmp_path: Path) -> None:
    _data, _inbox, got = held
    other = tmp_path / "other"
    code, out, err = _finished(qtbot, _launch(tmp_path, "--smoke-test", "--data-dir",
                                              str(other)), timeout=150_000)
    assert code == 0, err
    assert "SMOKE OK" in out
    assert "Handed over" not in out
    assert got == []


def test_the_command_line_beside_a_window_keeps_working(
        held: tuple[Path, Inbox, list[Handover]], qtbot: QtBot, tmp_path: Path) -> None:
    data, _inbox, got = held
    code, out, err = _finished(qtbot, _launch(tmp_path, "history", "list",
                                              "--data-dir", str(data)))
    assert code == 0, err
    assert "no matching generations" in out + err
    assert "Handed over" not in out
    assert got == []


def test_a_window_killed_hard_leaves_a_socket_the_next_launch_replaces(
        holder: list[subprocess.Popen[str]], qtbot: QtBot, tmp_path: Path) -> None:
    data = tmp_path / "data"
    crashed = start_holder(holder, tmp_path, data)
    crashed.kill()
    crashed.wait(10)
    name = inst.server_name(data)
    if name.startswith("/"):
        assert Path(name).exists()  # the dead window's socket file is still there
    inbox = Inbox()
    got: list[Handover] = []
    server = claim(data, inbox, Handover())
    assert isinstance(server, InstanceServer)
    assert server.listening
    inbox.deliver_to(got.append)
    try:
        image = _png(tmp_path / "after.png")
        code, out, err = _finished(qtbot, _launch(tmp_path, "--data-dir", str(data),
                                                  str(image)))
        assert code == 0, err
        assert f"(pid {os.getpid()})" in out  # handed to the new window, not the dead one
        assert got == [Handover((image,))]
    finally:
        server.close()


def test_a_hung_window_is_reported_and_gets_nothing_when_it_wakes(
        holder: list[subprocess.Popen[str]], qtbot: QtBot, tmp_path: Path) -> None:
    data = tmp_path / "data"
    hung = start_holder(holder, tmp_path, data)
    first, second = _png(tmp_path / "one.png"), _png(tmp_path / "two.png")
    os.kill(hung.pid, signal.SIGSTOP)
    code, out, err = _finished(qtbot, _launch(tmp_path, "--data-dir", str(data), str(first)))
    assert code == 1
    assert f"(pid {hung.pid}) is running but did not answer within 5 s" in err
    assert "no second window was started" in err
    assert "--data-dir" in err
    assert out == ""
    os.kill(hung.pid, signal.SIGCONT)
    code, out, err = _finished(qtbot, _launch(tmp_path, "--data-dir", str(data), str(second)))
    assert code == 0, err
    assert hung.stdout is not None
    # The launch that gave up said nothing was opened: its image never is, even late.
    assert hung.stdout.readline().strip() == f"GOT {json.dumps([str(second)])}"


def test_a_missing_file_is_refused_with_its_name(
        held: tuple[Path, Inbox, list[Handover]], qtbot: QtBot, tmp_path: Path) -> None:
    data, _inbox, got = held
    code, _out, err = _finished(qtbot, _launch(tmp_path, "--data-dir", str(data),
                                              "missing.png", cwd=tmp_path))
    assert code == 2
    assert f"refused the files: the image {tmp_path / 'missing.png'} does not exist" in err
    assert got == []


def _raw_exchange(qtbot: QtBot, data: Path, payload: bytes) -> dict[str, object]:
    """Send raw bytes to the window's socket (non-blocking: the window is this process)."""
    socket = QLocalSocket()
    socket.connectToServer(inst.server_name(data))
    qtbot.waitUntil(lambda: socket.state() == QLocalSocket.LocalSocketState.ConnectedState)
    socket.write(payload)
    received = bytearray()

    def answered() -> bool:
        received.extend(bytes(socket.readAll().data()))
        return len(received) >= 4 and len(received) >= 4 + int.from_bytes(received[:4], "big")

    qtbot.waitUntil(answered, timeout=5000)
    socket.abort()
    answer = json.loads(bytes(received[4:]))
    assert isinstance(answer, dict)
    return answer


def test_an_oversized_frame_is_refused_before_it_is_read(
        held: tuple[Path, Inbox, list[Handover]], qtbot: QtBot) -> None:
    data, _inbox, got = held
    header = (inst.MAX_FRAME_BYTES + 1).to_bytes(4, "big")
    answer = _raw_exchange(qtbot, data, header + b"{")
    assert answer["ok"] is False
    assert "larger than 262,144 bytes" in str(answer["error"])
    assert got == []


def test_a_relative_path_in_a_frame_is_refused(
        held: tuple[Path, Inbox, list[Handover]], qtbot: QtBot) -> None:
    data, _inbox, got = held
    body = json.dumps({"v": 1, "images": ["cat.png"], "prompt_file": None}).encode()
    answer = _raw_exchange(qtbot, data, inst.frame(body))
    assert answer == {"ok": False, "pid": os.getpid(),
                      "error": "the image path cat.png is not absolute"}
    assert got == []


def test_a_client_that_sends_no_whole_frame_is_hung_up_on(
        held: tuple[Path, Inbox, list[Handover]], qtbot: QtBot,
        monkeypatch: pytest.MonkeyPatch) -> None:
    data, _inbox, got = held
    monkeypatch.setattr(inst, "READ_DEADLINE_MS", 200)
    socket = QLocalSocket()
    socket.connectToServer(inst.server_name(data))
    qtbot.waitUntil(lambda: socket.state() == QLocalSocket.LocalSocketState.ConnectedState)
    socket.write(b"\x00\x00\x00\x10{")  # promises 16 bytes, sends 1
    qtbot.waitUntil(lambda: socket.state() == QLocalSocket.LocalSocketState.UnconnectedState,
                    timeout=5000)
    assert got == []


@pytest.mark.parametrize(("body", "says"), [
    (b"\xff\xfe", "not UTF-8 JSON"),
    (b"[" * 100_000, "not UTF-8 JSON"),
    (b'{"v": 1, "images": []}', "expected fields"),
    (b'{"v": 1, "images": [], "prompt_file": null, "run": true}', "expected fields"),
    (b'{"v": 2, "images": [], "prompt_file": null}', "version 1, not 2"),
    (b'{"v": 1, "images": "/etc/passwd", "prompt_file": null}', "at most 16 images"),
    (json.dumps({"v": 1, "images": ["/x"] * 17, "prompt_file": None}).encode(), "at most 16"),
    (b'{"v": 1, "images": [7], "prompt_file": null}', "not a valid path"),
    (b'{"v": 1, "images": ["/a\\u0000b"], "prompt_file": null}', "not a valid path"),
    (json.dumps({"v": 1, "images": ["/" + "a" * 5000], "prompt_file": None}).encode(),
     "not a valid path"),
    (b'{"v": 1, "images": [], "prompt_file": "/"}', "not a regular file"),
    (b'{"v": 1, "images": [], "prompt_file": "/dev/zero"}', "not a regular file"),
])
def test_untrusted_frames_are_checked_strictly(body: bytes, says: str) -> None:
    with pytest.raises(HandoverRejected, match=says):
        inst.decode(body)


def test_a_valid_frame_round_trips(tmp_path: Path) -> None:
    image, prompt = tmp_path / "a.png", tmp_path / "p.md"
    image.write_bytes(b"x")
    prompt.write_text("p")
    handover = Handover((image,), prompt)
    assert inst.decode(inst.encode(handover)[4:]) == handover


def test_the_window_takes_image_files_and_a_prompt_file_on_its_command_line(
        tmp_path: Path) -> None:
    options = parse_args(["--data-dir", "D", "a.png", "b.jpg", "--prompt-file", "p.md"])
    assert options.images == ("a.png", "b.jpg")
    assert options.prompt_file == "p.md"
    handover = inst.handover_of(options.images, options.prompt_file, cwd=tmp_path)
    assert handover.images == (tmp_path / "a.png", tmp_path / "b.jpg")
    assert handover.prompt_file == tmp_path / "p.md"


def test_the_socket_name_follows_the_resolved_folder(tmp_path: Path) -> None:
    (tmp_path / "d").mkdir()
    (tmp_path / "link").symlink_to(tmp_path / "d")
    assert inst.server_name(tmp_path / "link") == inst.server_name(tmp_path / "d")
    assert inst.server_name(tmp_path / "d" / ".." / "d") == inst.server_name(tmp_path / "d")
    assert inst.server_name(tmp_path / "e") != inst.server_name(tmp_path / "d")


def _probe(tmp_path: Path, *args: str) -> subprocess.Popen[str]:
    """The real window's launch (``tests/ui/launch_probe.py``: says when it paints a window and
    what its window is given) in its own process group (its engine's process goes with it)."""
    return subprocess.Popen([sys.executable, "-m", "tests.ui.launch_probe", *args],
                            cwd=ROOT, env={**_env(tmp_path), "FAL_KEY": "probe-id:probe-secret"},
                            text=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            start_new_session=True)


def _said(out: str, tag: str) -> list[str]:
    return [line.split(" ", 1)[1] for line in out.splitlines() if line.startswith(f"{tag} ")]


def test_two_launches_racing_on_one_folder_end_with_one_window_given_both_images(
        qtbot: QtBot, tmp_path: Path) -> None:
    """Both start at once on a new data folder: one takes the lock and paints its window, the
    other paints nothing, finds the window (before or after its socket listens) and hands its
    image over; the window is given both (then quits: ``--quit-after-handovers 2``)."""
    data = tmp_path / "data"
    images = [_png(tmp_path / "one.png"), _png(tmp_path / "two.png")]
    launches = [_probe(tmp_path, "--quit-after-handovers", "2", "--data-dir", str(data),
                       str(image)) for image in images]
    try:
        ends = [_finished(qtbot, proc, timeout=180_000) for proc in launches]
    finally:
        for proc in launches:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(10)
    windows = [i for i, (_code, out, _err) in enumerate(ends) if _said(out, "PAINTED")]
    assert len(windows) == 1, ends
    window, other = windows[0], 1 - windows[0]
    code, out, err = ends[other]
    assert code == 0, err
    assert f"Handed over to the running Qwen Image Desktop window for {data} " \
           f"(pid {launches[window].pid}): 1 image." in out
    code, out, err = ends[window]
    assert code == 0, err
    assert _said(out, "GOT") == [json.dumps([str(images[window])]),
                                 json.dumps([str(images[other])])]


def test_a_launch_while_the_window_has_its_lock_but_no_socket_yet_waits_for_it(
        holder: list[subprocess.Popen[str]], qtbot: QtBot, tmp_path: Path) -> None:
    """The window takes its lock before the start-up shell and listens after its paint: a
    launch in between finds the lock held and no socket, and retries instead of opening a
    second window."""
    data = tmp_path / "data"
    starting = subprocess.Popen([sys.executable, "-m", "tests.ui.instance_holder", str(data),
                                 "1.5"], cwd=ROOT, env=_env(tmp_path), text=True,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    holder.append(starting)
    assert starting.stdout is not None
    assert starting.stdout.readline().strip() == "LOCKED"
    image = _png(tmp_path / "early.png")
    code, out, err = _finished(qtbot, _launch(tmp_path, "--data-dir", str(data), str(image)))
    assert code == 0, err
    assert f"(pid {starting.pid}): 1 image." in out
    assert starting.stdout.readline().strip() == "READY"
    assert starting.stdout.readline().strip() == f"GOT {json.dumps([str(image)])}"


def test_a_window_that_never_listens_is_reported_not_doubled(
        holder: list[subprocess.Popen[str]], qtbot: QtBot, tmp_path: Path) -> None:
    data = tmp_path / "data"
    stuck = subprocess.Popen([sys.executable, "-m", "tests.ui.instance_holder", str(data), "-1"],
                             cwd=ROOT, env=_env(tmp_path), text=True, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE)
    holder.append(stuck)
    assert stuck.stdout is not None
    assert stuck.stdout.readline().strip() == "LOCKED"
    code, out, err = _finished(qtbot, _launch(tmp_path, "--data-dir", str(data),
                                              str(_png(tmp_path / "lost.png"))))
    assert code == 1
    assert f"(pid {stuck.pid}) is running but did not accept a connection within 5 s" in err
    assert "may still be starting" in err
    assert "no second window was started" in err
    assert out == ""


def test_a_launch_whose_window_quits_before_answering_becomes_the_window(
        holder: list[subprocess.Popen[str]], qtbot: QtBot, tmp_path: Path) -> None:
    """The window is closing when the launch finds its lock: the launch does not report it
    (nor give up) but takes the freed lock and opens its own window with its own files."""
    data = tmp_path / "data"
    closing = subprocess.Popen([sys.executable, "-m", "tests.ui.instance_holder", str(data),
                                "-1", "1"], cwd=ROOT, env=_env(tmp_path), text=True,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    holder.append(closing)
    assert closing.stdout is not None
    assert closing.stdout.readline().strip() == "LOCKED"
    image = _png(tmp_path / "mine.png")
    launch = _probe(tmp_path, "--quit-after-handovers", "1", "--data-dir", str(data), str(image))
    try:
        code, out, err = _finished(qtbot, launch, timeout=120_000)
    finally:
        if launch.poll() is None:
            os.killpg(launch.pid, signal.SIGKILL)
            launch.wait(10)
    assert closing.wait(10) == 0
    assert code == 0, err
    assert _said(out, "PAINTED") == [str(launch.pid)]
    assert _said(out, "GOT") == [json.dumps([str(image)])]
    assert "Handed over" not in out
    assert "error" not in err
