"""One window per data folder: a second launch hands its files to the running window and exits.

Two windows on one data folder would each run a job engine (the engine's lease lets several
engines share a journal, as the command line beside a window does), stand unseen on top of each
other, and the last to quit would overwrite the other's draft. So the window holds an exclusive
OS lock on ``<data>/window.lock`` for its whole life and listens on a local socket whose name is
a hash of the user and the resolved data folder (another ``--data-dir`` gets its own window). A
later launch on the same folder finds the lock held, connects, sends its arguments (images to
edit, a prompt file) in one length-prefixed JSON frame, waits for the answer, says it handed
over and exits 0; the window comes to the front and opens the files.

Why a lock besides the socket: the OS drops it when the window dies, however it dies, so a
socket left by a crash is known to be stale and is removed (after checking that nobody answers
on it), and two launches racing on a stale socket cannot both become the window. A window that
holds the lock but does not answer in time (hung, or stopped in a debugger) is said to be so,
and the launch exits 1 rather than running a second engine on the same data.

Whatever arrives on the socket is untrusted (another program of the same user may write to it):
the frame is bounded, the JSON strictly shaped, and every path must be an absolute path of a
regular file.

The lock itself is :mod:`~qwenimg_desktop.app.window_lock` (taken before the start-up shell's
first paint, standard library only); this module, with the socket and QtNetwork, is loaded
right after that paint and listens before the window's code is imported, or at once by a
launch that found the lock held (it paints nothing). Between the lock and the listening socket
a later launch finds no socket yet: it retries for ``CONNECT_WAIT_S`` and never becomes a
second window while the lock is held, and says so if the window never listens; if the window
quits before it has taken the files, the launch takes the freed lock and is the window.
"""

from __future__ import annotations

import contextlib
import getpass
import hashlib
import json
import logging
import os
import struct
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Final

from PySide6.QtCore import QObject, QTimer
from PySide6.QtNetwork import QAbstractSocket, QLocalServer, QLocalSocket

from qwenimg_desktop import APP_ID, APP_NAME
from qwenimg_desktop.app.window_lock import HeldElsewhere, WindowLock, lock_data_dir

log = logging.getLogger("qwenimg.instance")

PROTOCOL_VERSION: Final = 1
MAX_FRAME_BYTES: Final = 256 * 1024
"""Far above 16 paths of 4,096 characters; a larger frame is refused before it is read."""
MAX_IMAGES: Final = 16
"""More than an edit takes (the reference strip says which it kept); bounds the work per frame."""
MAX_PATH_CHARS: Final = 4096
MAX_CLIENTS: Final = 8
CONNECT_WAIT_S: Final = 5.0
"""How long a second launch retries connecting: the window takes its lock before the start-up
shell and listens right after the shell's first paint (~0.1-0.3 s later, seconds on a machine
busy enough; a connection made while the window is then being built waits for the answer,
``ANSWER_WAIT_S``). Only a window stuck before it listens makes a launch wait this long."""
ANSWER_WAIT_S: Final = 5.0
"""How long a second launch waits for the window's answer before saying it does not answer."""
READ_DEADLINE_MS: Final = 5_000
"""How long the window waits for a connected launch's whole frame before hanging up on it."""
_HEADER: Final = struct.Struct(">I")
CONFIRM: Final = b"\x01"
"""The launch's last byte: it got the window's answer in time and says so, so open the files."""


class HandoverRejected(ValueError):
    """A frame that is not a valid hand-over (its text says what is wrong, for the sender)."""


@dataclass(frozen=True)
class Handover:
    """What a launch asks the window to open: images (as an edit's references), a prompt file."""

    images: tuple[Path, ...] = ()
    prompt_file: Path | None = None

    @property
    def empty(self) -> bool:
        return not self.images and self.prompt_file is None

    def describe(self) -> str:
        """``2 images and a prompt file`` (for the handed-over line)."""
        parts = [f"{len(self.images)} image{'s' if len(self.images) != 1 else ''}"] \
            if self.images else []
        if self.prompt_file is not None:
            parts.append("a prompt file")
        return " and ".join(parts) or "nothing to open"


def handover_of(images: Sequence[str], prompt_file: str | None,
                cwd: Path | None = None) -> Handover:
    """The launch's own arguments, made absolute against its working directory (the window's
    is another)."""
    base = cwd or Path.cwd()
    return Handover(tuple(_absolute(base, name) for name in images),
                    None if prompt_file is None else _absolute(base, prompt_file))


def _absolute(base: Path, name: str) -> Path:
    return Path(os.path.normpath(base / Path(name).expanduser()))


def encode(handover: Handover) -> bytes:
    body = json.dumps({"v": PROTOCOL_VERSION, "images": [str(p) for p in handover.images],
                       "prompt_file": None if handover.prompt_file is None
                       else str(handover.prompt_file)}, ensure_ascii=False).encode("utf-8")
    return frame(body)


def frame(body: bytes) -> bytes:
    return _HEADER.pack(len(body)) + body


def decode(body: bytes) -> Handover:
    """Check an untrusted frame's body strictly; every path is an existing regular file.

    Raises:
        HandoverRejected: what is wrong, in words for the launch that sent it.
    """
    try:
        data = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        raise HandoverRejected("the message is not UTF-8 JSON") from None
    if not isinstance(data, dict) or set(data) != {"v", "images", "prompt_file"}:
        raise HandoverRejected("the message does not have the expected fields")
    if data["v"] != PROTOCOL_VERSION:
        raise HandoverRejected(f"the window speaks hand-over version {PROTOCOL_VERSION}, "
                               f"not {data['v']!r}; update both to the same version")
    images = data["images"]
    if not isinstance(images, list) or len(images) > MAX_IMAGES:
        raise HandoverRejected(f"at most {MAX_IMAGES} images can be handed over at once")
    prompt = data["prompt_file"]
    return Handover(tuple(_checked_file(item, "image") for item in images),
                    None if prompt is None else _checked_file(prompt, "prompt file"))


def _checked_file(item: object, what: str) -> Path:
    if not isinstance(item, str) or not item or len(item) > MAX_PATH_CHARS or "\0" in item:
        raise HandoverRejected(f"an {what} path is not a valid path")
    path = Path(item)
    if not path.is_absolute():
        raise HandoverRejected(f"the {what} path {item} is not absolute")
    try:
        regular = path.is_file()
    except OSError:
        regular = False
    if not regular:
        raise HandoverRejected(f"the {what} {item} does not exist or is not a regular file")
    return path


def server_name(data_dir: Path) -> str:
    """The socket's name for ``data_dir``: the same for every spelling of the folder (resolved),
    another for another folder or user.

    On Linux and macOS it is a path in the user's private runtime folder when there is one
    (``$XDG_RUNTIME_DIR``), else Qt puts the name in the temporary folder (then the socket is
    made user-only).
    """
    try:
        resolved = data_dir.resolve()
    except OSError:
        resolved = data_dir.absolute()
    digest = hashlib.sha256(f"{_user()}\0{resolved}".encode()).hexdigest()[:24]
    name = f"{APP_ID}-{digest}"
    runtime = os.environ.get("XDG_RUNTIME_DIR", "")
    if os.name != "nt" and runtime and Path(runtime).is_dir() and len(runtime) < 60:
        return str(Path(runtime) / f"{name}.sock")
    return name


def _user() -> str:
    with contextlib.suppress(Exception):  # no user name (a container): the uid still differs
        return getpass.getuser()
    return str(os.getuid()) if hasattr(os, "getuid") else ""


class Inbox:
    """Hand-overs waiting for the window (the launch's own arguments, and what arrives while
    the window is still being built); delivered in order once the window can take them."""

    def __init__(self) -> None:
        self._pending: list[Handover] = []
        self._receiver: Callable[[Handover], None] | None = None

    def __repr__(self) -> str:
        return f"<Inbox pending={len(self._pending)} open={self._receiver is not None}>"

    def put(self, handover: Handover) -> None:
        if self._receiver is None:
            self._pending.append(handover)
        else:
            self._receiver(handover)

    def deliver_to(self, receiver: Callable[[Handover], None]) -> None:
        self._receiver = receiver
        pending, self._pending = self._pending, []
        for handover in pending:
            receiver(handover)


class InstanceServer(QObject):
    """The window's side: the lock on the data folder, and the socket later launches talk to.

    A launch's conversation: it sends one frame; the window answers with one frame
    (``{"ok", "pid", "error"}``); on ``ok`` the launch sends :data:`CONFIRM` and the window opens
    the files. Frames are a 4-byte big-endian length and UTF-8 JSON.
    """

    def __init__(self, lock: WindowLock, name: str, inbox: Inbox) -> None:
        super().__init__()
        self._lock = lock
        self.name = name
        self._inbox = inbox
        self._server = QLocalServer(self)
        self._server.setSocketOptions(QLocalServer.SocketOption.UserAccessOption)
        self._server.newConnection.connect(self._accept)
        self._buffers: dict[QLocalSocket, bytearray] = {}
        self._confirming: dict[QLocalSocket, Handover] = {}

    def __repr__(self) -> str:
        return f"<InstanceServer {self.name} listening={self._server.isListening()}>"

    @property
    def listening(self) -> bool:
        return self._server.isListening()

    def listen(self) -> bool:
        """Listen on the name; a socket left by a dead window (we hold the lock, so its window is
        gone) is removed once nobody answers on it. False (logged) if it cannot listen."""
        if self._server.listen(self.name):
            return True
        if self._server.serverError() == QAbstractSocket.SocketError.AddressInUseError \
                and not _answers(self.name):
            log.info("removing the socket left by a window that is gone: %s", self.name)
            QLocalServer.removeServer(self.name)
            if self._server.listen(self.name):
                return True
        log.warning("later launches cannot reach this window (%s): %s", self.name,
                    self._server.errorString())
        return False

    def close(self) -> None:
        self._server.close()
        for socket in list(self._buffers):
            socket.abort()
        self._buffers.clear()
        self._lock.release()

    def _accept(self) -> None:
        while self._server.hasPendingConnections():
            socket = self._server.nextPendingConnection()
            socket.disconnected.connect(socket.deleteLater)
            if len(self._buffers) >= MAX_CLIENTS:
                socket.abort()
                continue
            self._buffers[socket] = bytearray()
            socket.readyRead.connect(partial(self._read, socket))
            socket.disconnected.connect(partial(self._buffers.pop, socket, None))
            QTimer.singleShot(READ_DEADLINE_MS, socket, partial(self._too_slow, socket))
            self._read(socket)

    def _read(self, socket: QLocalSocket) -> None:
        buffer = self._buffers.get(socket)
        if buffer is None:
            return
        buffer += bytes(socket.read(MAX_FRAME_BYTES + _HEADER.size - len(buffer)).data())
        if len(buffer) < _HEADER.size:
            return
        (size,) = _HEADER.unpack_from(buffer)
        if size > MAX_FRAME_BYTES:
            self._answer(socket, None, f"the message is larger than {MAX_FRAME_BYTES:,} bytes")
            return
        if len(buffer) < _HEADER.size + size:
            return
        try:
            handover = decode(bytes(buffer[_HEADER.size:_HEADER.size + size]))
        except HandoverRejected as exc:
            self._answer(socket, None, str(exc))
            return
        self._answer(socket, handover, "")

    def _answer(self, socket: QLocalSocket, handover: Handover | None, error: str) -> None:
        """Answer; a valid hand-over is opened only once the launch confirms it is still there
        to say so (one that gave up waiting has said nothing was opened)."""
        self._buffers.pop(socket, None)
        answer = {"ok": handover is not None, "pid": os.getpid(), "error": error}
        socket.write(frame(json.dumps(answer).encode()))
        socket.flush()
        if handover is None:
            log.warning("a launch's hand-over was refused: %s", error)
            socket.disconnectFromServer()  # after what is written; then deleted (see _accept)
            return
        self._confirming[socket] = handover
        socket.readyRead.disconnect()
        socket.readyRead.connect(partial(self._confirmed, socket))
        socket.disconnected.connect(partial(self._confirming.pop, socket, None))
        self._confirmed(socket)

    def _confirmed(self, socket: QLocalSocket) -> None:
        if socket not in self._confirming or socket.bytesAvailable() < 1:
            return
        handover = self._confirming.pop(socket)
        confirmed = bytes(socket.read(1).data()) == CONFIRM
        socket.disconnectFromServer()
        if confirmed:
            log.info("a second launch handed over %s", handover.describe())
            self._inbox.put(handover)

    def _too_slow(self, socket: QLocalSocket) -> None:
        if (self._buffers.pop(socket, None) is not None
                or self._confirming.pop(socket, None) is not None):
            log.warning("a connection to this window sent no whole message in time; closed")
            socket.abort()


@dataclass(frozen=True)
class SecondLaunch:
    """This launch found a window on its data folder: what to say, and the exit code."""

    exit_code: int
    message: str

    def report(self) -> None:
        stream = sys.stdout if self.exit_code == 0 else sys.stderr
        if stream is not None:  # None in a windowed (no console) Windows build
            prefix = "" if self.exit_code == 0 else "error: "
            stream.write(f"{prefix}{self.message}\n")
            stream.flush()


def claim(data_dir: Path, inbox: Inbox, handover: Handover, *,
          answer_wait: float = ANSWER_WAIT_S) -> InstanceServer | SecondLaunch | None:
    """Become the window of ``data_dir`` (an :class:`InstanceServer`, listening), or hand
    ``handover`` to the window that is (a :class:`SecondLaunch` to report and exit with): the
    launch's two steps (:func:`~qwenimg_desktop.app.window_lock.lock_data_dir`, then
    :func:`serve` or :func:`hand_over`) in one call.

    None when the lock file cannot even be made (an unwritable folder: the start-up says so).
    """
    taken: WindowLock | HeldElsewhere | SecondLaunch | None = lock_data_dir(data_dir)
    if isinstance(taken, HeldElsewhere):
        taken = hand_over(taken, handover, answer_wait=answer_wait)
    return taken if not isinstance(taken, WindowLock) else serve(taken, inbox)


def serve(lock: WindowLock, inbox: Inbox) -> InstanceServer:
    """Listen for later launches on the locked folder (what they hand over goes to ``inbox``)."""
    server = InstanceServer(lock, server_name(lock.data_dir), inbox)
    server.listen()
    return server


def hand_over(held: HeldElsewhere, handover: Handover, *,
              answer_wait: float = ANSWER_WAIT_S) -> SecondLaunch | WindowLock:
    """Send ``handover`` to the window that holds the folder's lock; what to say and exit with.

    The folder's lock instead if that window quit before it took the files (it had closed, or
    was closing, when this launch found its lock): this launch is then the window.
    """
    outcome = _hand_over(server_name(held.data_dir), handover, held.pid, held.data_dir,
                         answer_wait)
    if isinstance(outcome, SecondLaunch) and outcome.exit_code == 1:
        retaken = lock_data_dir(held.data_dir)  # no answer: a window that quit gives none
        if isinstance(retaken, WindowLock):
            outcome = retaken
    if isinstance(outcome, WindowLock):
        log.info("the window on %s quit before it took the files; this launch is the window",
                 held.data_dir)
    return outcome


def _hand_over(name: str, handover: Handover, owner: int | None, data_dir: Path,
               answer_wait: float) -> SecondLaunch | WindowLock:
    who = f"The {APP_NAME} window for {data_dir}" + (f" (pid {owner})" if owner else "")
    socket = QLocalSocket()
    deadline = time.monotonic() + CONNECT_WAIT_S
    while True:
        socket.connectToServer(name)
        if socket.waitForConnected(500):
            break
        free = lock_data_dir(data_dir)  # that window may have quit meanwhile
        if isinstance(free, WindowLock):
            socket.abort()
            return free
        if time.monotonic() >= deadline:
            return SecondLaunch(1, f"{who} is running but did not accept a connection "
                                   f"within {CONNECT_WAIT_S:g} s ({socket.errorString()}): it "
                                   "may still be starting, or be stuck. Nothing was opened "
                                   "and no second window was started on the same data. Try "
                                   "again in a moment, close that window, or start with "
                                   "another --data-dir.")
        socket.abort()
        time.sleep(0.1)
    socket.write(encode(handover))
    socket.waitForBytesWritten(int(answer_wait * 1000))
    answer = _read_answer(socket, time.monotonic() + answer_wait)
    confirmed = False
    if answer is not None and answer.get("ok"):
        confirmed = socket.write(CONFIRM) == len(CONFIRM)
        socket.flush()
        if socket.bytesToWrite():
            socket.waitForBytesWritten(1000)
        confirmed = confirmed and socket.bytesToWrite() == 0
    socket.disconnectFromServer()
    if socket.state() != QLocalSocket.LocalSocketState.UnconnectedState:
        socket.waitForDisconnected(1000)
    if answer is None or (answer.get("ok") and not confirmed):
        return SecondLaunch(1, f"{who} is running but did not answer within "
                               f"{answer_wait:g} s (it may be busy or hung). Nothing was opened "
                               "and no second window was started on the same data. Wait and "
                               "try again, close that window, or start with another --data-dir.")
    if not answer.get("ok"):
        return SecondLaunch(2, f"{who} refused the files: {answer.get('error') or 'no reason'}.")
    return SecondLaunch(0, f"Handed over to the running {APP_NAME} window for {data_dir} "
                           f"(pid {answer.get('pid')}): {handover.describe()}.")


def _read_answer(socket: QLocalSocket, deadline: float) -> dict[str, object] | None:
    buffer = b""
    while time.monotonic() < deadline:
        remaining = int((deadline - time.monotonic()) * 1000)
        if socket.bytesAvailable() == 0 and not socket.waitForReadyRead(max(1, remaining)):
            if socket.state() != QLocalSocket.LocalSocketState.ConnectedState:
                break
            continue
        buffer += bytes(socket.readAll().data())
        if len(buffer) >= _HEADER.size:
            (size,) = _HEADER.unpack_from(buffer)
            if size > MAX_FRAME_BYTES:
                return None
            if len(buffer) >= _HEADER.size + size:
                with contextlib.suppress(ValueError):
                    answer = json.loads(buffer[_HEADER.size:_HEADER.size + size])
                    return answer if isinstance(answer, dict) else None
                return None
    return None


def _answers(name: str) -> bool:
    """True if something accepts a connection on ``name`` (a live server, not a stale file)."""
    probe = QLocalSocket()
    probe.connectToServer(name)
    alive = probe.waitForConnected(300)
    probe.abort()
    return alive
