"""EngineProcess: the job engine in a child process, behind :class:`JobEngine`'s facade.

Why a process: the window shares one GIL with everything that runs in its process. When a wave
of jobs finishes, the engine's threads (HTTP, SSE parsing, verifying and writing images,
thumbnails, the journal) run Python in bursts, and the GUI thread waits for the GIL between
paints. In a child process they have their own interpreter: the window's process only receives
the engine's events. A crash in the engine (a decoder fault on a hostile image) no longer takes
the window with it either: the child is restarted and the journal resumes the unfinished jobs.

The two processes talk over one ``multiprocessing`` pipe (``spawn`` on every OS, so the frozen
app works the same way; ``main.py`` calls ``freeze_support()``; without the resource tracker
``spawn`` would start beside it: :mod:`~qwenimg_desktop.core.jobs.untracked_spawn`). The
messages are the frozen dataclasses of :mod:`~qwenimg_desktop.core.jobs.messages`: a
``Command`` (``Submit``, ``Retry``, ``Cancel``, ``Redownload``, ``CancelAll``, ``Configure``,
``AskIdle``, ``AskActive``, ``AskFiles``, ``KeyAnswer``, ``Stop``) from the window's process, a
``Report``
(``Events``, ``Reply``, ``KeyRequest``, ``LogLine``, ``Stopped``) from the child, each side
dispatching them with ``match``. The child's start result is an event like the others
(``EngineReady``), which the window's process also passes on to the window. The functions
that use the messages import them on first use: the window's process sends no command before
its first paint, so their 23 classes (~10 ms of CPU, Python compiling each generated method)
load with the first report the pipe brings, after the paint (``pickle`` imports the module on
the reader thread) or the first command.

The API key crosses only this pipe: the child asks the parent for it when a job starts (the
parent's key store answers, with its own time budget), so it is in no argument, environment
variable or file of the child. The child's log records are sent to the parent and written by
its handlers (redacted in both processes). The child holds the owner lease and the journal's
writer; the window opens its own connection to the same history when ``EngineReady`` says the
child has checked it.
"""

from __future__ import annotations

import contextlib
import faulthandler
import itertools
import logging
import multiprocessing
import queue
import signal
import sys
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from qwenimg_desktop.core import heap
from qwenimg_desktop.core.budget import Budget
from qwenimg_desktop.core.environ import secrets_withheld
from qwenimg_desktop.core.errors import QwenImgError, UserError, register_secret
from qwenimg_desktop.core.jobs.config import EngineConfig
from qwenimg_desktop.core.jobs.gate import EngineClosed, StartGate
from qwenimg_desktop.core.jobs.untracked_spawn import UntrackedSpawnProcess
from qwenimg_desktop.core.params import GenerationRequest
from qwenimg_desktop.core.private import open_private, private_dir
from qwenimg_desktop.core.threads import lower_process_priority

if TYPE_CHECKING:
    from multiprocessing.connection import Connection
    from multiprocessing.process import BaseProcess

    from qwenimg_desktop.core.jobs import events as ev
    from qwenimg_desktop.core.jobs import messages as msg
    from qwenimg_desktop.core.jobs.engine import JobEngine
    from qwenimg_desktop.core.store.consistency import ConsistencyReport


log = logging.getLogger("qwenimg.jobs.process")

KEY_WAIT_S: Final = 60.0  # the parent's key store has its own, shorter, budget
FILE_CHECK_WAIT_S: Final = 600.0  # ~1.5 s of CPU at 100,000 generations; a slow disk: more
MAX_RESTARTS: Final = 3  # unexpected stops restarted within RESTART_WINDOW_S, then give up
RESTART_WINDOW_S: Final = 300.0


class EngineStartFailed(UserError):
    """The engine process could not start (its reason, as it told us, is the message)."""


class EngineProcess(StartGate):
    """Runs :class:`~qwenimg_desktop.core.jobs.engine.JobEngine` in a child process.

    Same facade and the same start semantics (``start(wait=False)`` returns at once; commands
    sent meanwhile run in order once the journal is checked; a failed start is re-raised by
    :meth:`wait_ready` and by every later command). Events are delivered to ``sink`` from a
    reader thread, in the order the child emitted them. If the child stops unexpectedly it is
    restarted (up to ``MAX_RESTARTS`` times in ``RESTART_WINDOW_S``) and an
    :class:`~qwenimg_desktop.core.jobs.events.EngineNotice` tells the window.
    """

    def __init__(self, config: EngineConfig, *, keys: Callable[[], str | None],
                 sink: ev.EventSink) -> None:
        self.config = config
        self.layout = config.layout
        self.queue_base = config.queue_base
        self.concurrency = max(1, config.concurrency)
        self.price_per_image = config.price_per_image
        self._keys = keys
        self._sink = sink
        self.notice: str | None = None
        self.recovered: list[str] = []
        self.flagged_unknown: list[str] = []
        self._ready = threading.Event()
        self._start_error: QwenImgError | None = None
        self._send_lock = threading.RLock()  # held across a restart: sends wait for it
        self._conn: Connection | None = None
        self._process: BaseProcess | None = None
        self._reader: threading.Thread | None = None
        self._stopping = False
        self._closed = False
        self._restarts: list[float] = []
        self._fault_offset = 0
        self._calls = _Waiting()  # wait_idle / active_jobs asked of the child
        # Submits (and retries) the child has not confirmed with an event yet, by job id: if it
        # dies, the restarted child gets them again (see _command_for, _send_unconfirmed).
        self._unconfirmed: dict[str, msg.JobCommand] = {}
        self._unconfirmed_lock = threading.Lock()

    def __repr__(self) -> str:
        pid = self._process.pid if self._process is not None else None
        return f"<EngineProcess pid={pid} base={self.queue_base} closed={self._closed}>"

    @property
    def pid(self) -> int | None:
        """The child's process id (None before start)."""
        return self._process.pid if self._process is not None else None

    # ---- lifecycle --------------------------------------------------------------------------

    def start(self, timeout: float = 30.0, *, wait: bool = True) -> None:
        """Start the child; with ``wait`` block until its journal is open (see JobEngine)."""
        if self._process is not None:
            return
        self._spawn()
        if wait:
            self.wait_ready(timeout)

    def _launched(self) -> bool:
        return self._process is not None

    def shutdown(self, timeout: float = 5.0) -> None:
        """Stop the child (remote jobs stay journaled and resume at the next start)."""
        from qwenimg_desktop.core.jobs import messages as msg  # noqa: PLC0415 - on first use
        process = self._process
        if process is None or self._stopping:
            return
        self._stopping = True
        with contextlib.suppress(OSError, ValueError):
            self._send(msg.Stop(timeout))
        process.join(timeout + 30)  # the child gives in-flight submits ``timeout`` seconds
        if process.is_alive():
            log.warning("the engine process did not stop in time; terminating it")
            process.terminate()
            process.join(5)
            if process.is_alive():
                process.kill()
                process.join(5)
        if self._reader is not None:
            self._reader.join(5)
        self._closed = True
        self._fail_calls()
        with self._send_lock:
            if self._conn is not None:
                self._conn.close()

    # ---- facade (any thread) ----------------------------------------------------------------

    def submit(self, request: GenerationRequest) -> str:
        """Queue a validated request; returns its local job id at once."""
        from qwenimg_desktop.core.jobs import messages as msg  # noqa: PLC0415 - on first use
        job_id = uuid.uuid4().hex
        self._command_for(job_id, msg.Submit(job_id, request))
        return job_id

    def retry(self, job_id: str) -> str:
        """Submit the stored request of ``job_id`` again, as a new job."""
        from qwenimg_desktop.core.jobs import messages as msg  # noqa: PLC0415 - on first use
        new_id = uuid.uuid4().hex
        self._command_for(new_id, msg.Retry(job_id, new_id))
        return new_id

    def submit_batch(self, requests: Sequence[GenerationRequest], *,
                     label: str = "") -> tuple[str, list[str]]:
        """Queue a batch (journalled whole, sent in order); returns (batch id, job ids) at once.

        Kept unconfirmed under its first job's id: the child writes every row of the batch in
        one transaction before that job's first event, so that event confirms all of it."""
        from qwenimg_desktop.core.jobs import messages as msg  # noqa: PLC0415 - on first use
        batch_id = uuid.uuid4().hex
        job_ids = [uuid.uuid4().hex for _ in requests]
        self._command_for(job_ids[0], msg.SubmitBatch(batch_id, tuple(job_ids), tuple(requests),
                                                      label))
        return batch_id, job_ids

    def pause_sending(self, paused: bool) -> None:
        from qwenimg_desktop.core.jobs import messages as msg  # noqa: PLC0415 - on first use
        self._command(msg.PauseSending(paused))

    def resume_after_lock(self) -> None:
        from qwenimg_desktop.core.jobs import messages as msg  # noqa: PLC0415 - on first use
        self._command(msg.ResumeAfterLock())

    def allow_once(self, job_id: str) -> None:
        from qwenimg_desktop.core.jobs import messages as msg  # noqa: PLC0415 - on first use
        self._command(msg.AllowOnce(job_id))

    def adopt_request(self, job_id: str, request_id: str) -> None:
        from qwenimg_desktop.core.jobs import messages as msg  # noqa: PLC0415 - on first use
        self._command(msg.AdoptRequest(job_id, request_id))

    def move_to_front(self, job_id: str) -> None:
        from qwenimg_desktop.core.jobs import messages as msg  # noqa: PLC0415 - on first use
        self._command(msg.MoveToFront(job_id))

    def reorder(self, job_id: str, after: str = "", before: str = "") -> None:
        from qwenimg_desktop.core.jobs import messages as msg  # noqa: PLC0415 - on first use
        self._command(msg.Reorder(job_id, after, before))

    def cancel_batch(self, batch_id: str) -> None:
        from qwenimg_desktop.core.jobs import messages as msg  # noqa: PLC0415 - on first use
        self._command(msg.CancelBatch(batch_id))

    def cancel(self, job_id: str) -> None:
        from qwenimg_desktop.core.jobs import messages as msg  # noqa: PLC0415 - on first use
        self._command(msg.Cancel(job_id))

    def redownload(self, job_id: str) -> None:
        from qwenimg_desktop.core.jobs import messages as msg  # noqa: PLC0415 - on first use
        self._command(msg.Redownload(job_id))

    def cancel_all(self) -> None:
        from qwenimg_desktop.core.jobs import messages as msg  # noqa: PLC0415 - on first use
        self._command(msg.CancelAll())

    def configure(self, *, concurrency: int, price_per_image: float | None,
                  budget: Budget | None = None) -> None:
        from qwenimg_desktop.core.jobs import messages as msg  # noqa: PLC0415 - on first use
        self.concurrency = max(1, concurrency)
        self.price_per_image = price_per_image
        # A restarted child is built from the config: it starts with these settings too.
        self.config = replace(self.config, concurrency=self.concurrency,
                              price_per_image=price_per_image,
                              budget=budget if budget is not None else self.config.budget)
        self._command(msg.Configure(self.concurrency, price_per_image, budget))

    def active_jobs(self, timeout: float = 10.0) -> list[str]:
        """Ids of jobs not yet finished (a snapshot, asked of the child)."""
        from qwenimg_desktop.core.jobs import messages as msg  # noqa: PLC0415 - on first use
        value = self._ask(msg.AskActive, "active_jobs", timeout)
        return list(value) if isinstance(value, tuple) else []

    def wait_idle(self, timeout: float | None = None) -> bool:
        """Block until no job is running; False on timeout."""
        from qwenimg_desktop.core.jobs import messages as msg  # noqa: PLC0415 - on first use
        try:
            answer = self._ask(lambda call_id: msg.AskIdle(call_id, timeout), "wait_idle",
                               None if timeout is None else timeout + 5)
        except TimeoutError:
            return False
        return bool(answer)

    def check_files(self, timeout: float | None = FILE_CHECK_WAIT_S) -> ConsistencyReport:
        """The file check's report (``consistency.check_files``), run in the child: it walks
        every image row and stats every file, seconds of Python at 100,000 generations that in
        the window's process held the GUI thread's GIL while jobs ran. Waits for the answer
        (the caller's thread only waits on the pipe); its ``JobFlags`` cross it packed (~17
        bytes a flagged job).

        Raises:
            EngineClosed: the child stopped or the check failed (with its reason).
            TimeoutError: no answer in ``timeout`` seconds.
        """
        from qwenimg_desktop.core.jobs import messages as msg  # noqa: PLC0415 - on first use
        from qwenimg_desktop.core.store.consistency import ConsistencyReport  # noqa: PLC0415
        report = self._ask(msg.AskFiles, "check_files", timeout)
        if not isinstance(report, ConsistencyReport):
            raise EngineClosed(f"the job engine answered the file check with {report!r}")
        return report

    # ---- parent side ------------------------------------------------------------------------

    def _spawn(self) -> None:
        path = self.config.fault_log
        try:  # only what this child writes there is reported if it dies
            self._fault_offset = path.stat().st_size if path is not None else 0
        except OSError:
            self._fault_offset = 0
        context = multiprocessing.get_context("spawn")
        mine, theirs = context.Pipe(duplex=True)
        log_level = logging.getLogger().getEffectiveLevel()
        # spawn's own process, less the resource tracker it would start (an idle ~13 MB
        # interpreter for the session; the app has no semaphores or shared memory to track).
        process = UntrackedSpawnProcess(target=serve, args=(theirs, self.config, log_level),
                                        name="qwenimg-engine", daemon=True)
        with self._send_lock, secrets_withheld():  # FAL_KEY & co. stay out of its environment
            process.start()
            theirs.close()  # else the parent never sees EOF when the child dies
            self._conn, self._process = mine, process
        self._reader = threading.Thread(target=self._read, args=(mine, process),
                                        name="qwenimg-engine-link", daemon=True)
        self._reader.start()
        log.info("engine process %s started", process.pid)

    def _check_running(self) -> None:
        if self._start_error is not None:
            raise self._start_error
        if self._closed or self._stopping or self._process is None:
            raise EngineClosed("the job engine is not running")

    def _command(self, message: msg.Command) -> None:
        self._check_running()
        try:
            self._send(message)
        except (OSError, ValueError) as exc:
            # The child has just died; the reader thread restarts it, and the journal resumes
            # what it had. A command lost here is one the user sees unanswered: say so.
            raise EngineClosed("the job engine stopped; it is being restarted") from exc

    def _command_for(self, job_id: str, message: msg.JobCommand) -> None:
        """A command that creates a job: kept until the child confirms it with an event.

        The entry is made and the message sent under the send lock, which a restart holds
        while it replaces the child and sends the unconfirmed jobs again (``_child_died``): so
        every entry the restart finds went to a dead child, and a click that waited for the
        lock goes to the new child once, after them. A send that fails because the child has
        just died keeps its entry: the restart sends it to the new child (never a lost click).
        """
        self._check_running()
        with self._send_lock:
            with self._unconfirmed_lock:
                self._unconfirmed[job_id] = message
            try:
                self._send(message)
            except (OSError, ValueError) as exc:
                if self._closed or self._stopping:
                    with self._unconfirmed_lock:
                        self._unconfirmed.pop(job_id, None)
                    raise EngineClosed("the job engine is not running") from exc
                log.info("job %s: the engine process has just stopped; the restarted one gets "
                         "the job", job_id)

    def _send_unconfirmed(self) -> None:
        """After a restart (send lock held): send the dead child's unconfirmed jobs again.

        Marked as resent: the new child skips a job its journal already has (the dead child
        wrote its row, so its recovery resumes or sends it), and sends one it has not (a job's
        row is committed before anything goes to the network: no row, never sent, no charge).
        """
        with self._unconfirmed_lock:
            waiting = list(self._unconfirmed.items())
        for job_id, message in waiting:
            log.info("job %s: handed again to the restarted engine (it had not confirmed it)",
                     job_id)
            with contextlib.suppress(OSError, ValueError):  # died again: the next restart
                self._send(replace(message, resent=True))

    def _drop_unconfirmed(self, why: str) -> None:
        """The engine will not run again: every click it never confirmed ends, with a reason."""
        from qwenimg_desktop.core.jobs import events as ev  # noqa: PLC0415 - on first use
        with self._unconfirmed_lock:
            waiting, self._unconfirmed = list(self._unconfirmed), {}
        for job_id in waiting:
            self._sink(ev.Failed(job_id, f"{why} It stopped before recording this job, so "
                                         "nothing was sent or charged.", "EngineStopped"))

    def _send(self, message: msg.Command) -> None:
        with self._send_lock:
            if self._conn is None:
                raise ValueError("no engine connection")
            self._conn.send(message)

    def _ask(self, question: Callable[[int], msg.Question], name: str,
             timeout: float | None) -> object:
        reply = self._calls.ask(lambda call_id: self._command(question(call_id)), timeout)
        if reply is None:
            raise TimeoutError(f"the job engine did not answer {name!r} in time")
        if reply.error is not None:
            raise reply.error
        return reply.value

    def _fail_calls(self) -> None:
        self._calls.fail_all(lambda: EngineClosed("the job engine stopped"))

    def _read(self, conn: Connection, process: BaseProcess) -> None:
        """Reader thread: deliver what the child sends until it closes the pipe."""
        stopped = False
        while True:
            try:
                report: msg.Report = conn.recv()
            except (EOFError, OSError):
                break
            except Exception:  # an unpicklable message is a bug in the child: keep reading
                log.exception("an unreadable message from the engine process")
                continue
            # Only now: unpickling the first report has imported the messages, after the
            # window's paint (imported when the thread starts, they cost its build ~10 ms).
            from qwenimg_desktop.core.jobs import messages as msg  # noqa: PLC0415
            if isinstance(report, msg.Stopped):
                stopped = True
                break
            try:
                self._handle(report)
            except Exception:  # a failing sink must not stop the link
                log.exception("handling %s from the engine process failed",
                              type(report).__name__)
        if stopped or self._stopping:
            return  # shutdown() joins the process: never two threads waiting on one child
        process.join(5)
        self._child_died(process)

    def _handle(self, report: msg.Report) -> None:
        from qwenimg_desktop.core.jobs import events as ev  # noqa: PLC0415 - on first use
        from qwenimg_desktop.core.jobs import messages as msg  # noqa: PLC0415 - on first use
        match report:
            case msg.Events(events):
                if self._unconfirmed:
                    with self._unconfirmed_lock:
                        for event in events:
                            self._unconfirmed.pop(event.job_id, None)
                for event in events:
                    if not isinstance(event, ev.EngineReady) or self._on_ready(event):
                        self._sink(event)
            case msg.LogLine(level, name, text):
                logging.getLogger(name).log(level, "%s", text)
            case msg.KeyRequest(call_id):
                threading.Thread(target=self._answer_key, args=(call_id,),
                                 name="qwenimg-engine-key", daemon=True).start()
            case msg.Reply(call_id, value, None):
                self._calls.answer(call_id, value)
            case msg.Reply(call_id, _, error):
                self._calls.answer(call_id, None, EngineClosed(str(error)))
            case msg.Stopped():
                pass  # handled by _read

    def _answer_key(self, call_id: int) -> None:
        from qwenimg_desktop.core.jobs import messages as msg  # noqa: PLC0415 - on first use
        try:
            key = self._keys()
        except Exception:  # the key store says why in its own log; the job fails on "no key"
            log.exception("the API key could not be read for the engine")
            key = None
        with contextlib.suppress(OSError, ValueError):
            self._send(msg.KeyAnswer(call_id, key))

    def _on_ready(self, ready: ev.EngineReady) -> bool:
        """A child's start has finished; True if the window is to hear of it (the first)."""
        if self._ready.is_set():  # a restart: the window already has the history open
            self.recovered.extend(ready.recovered)
            self.flagged_unknown.extend(ready.flagged_unknown)
            if ready.error:
                self._give_up(f"The job engine could not be restarted: {ready.error}")
            return False
        if ready.error:
            log.error("the engine process could not start: %s", ready.error)
            self._start_error = EngineStartFailed(ready.error, next_step=ready.next_step)
        self.notice = ready.notice
        self.recovered = list(ready.recovered)
        self.flagged_unknown = list(ready.flagged_unknown)
        self._ready.set()  # before the window hears of it: wait_ready() then answers at once
        return True

    def _child_died(self, process: BaseProcess) -> None:
        from qwenimg_desktop.core.jobs import events as ev  # noqa: PLC0415 - on first use
        code = process.exitcode
        log.error("the engine process %s stopped unexpectedly (exit code %s)%s", process.pid,
                  code, self._fault_trace())
        self._fail_calls()
        if not self._ready.is_set():  # died while starting: that is the start's failure
            failed = ev.EngineReady("", error=f"the job engine stopped while starting "
                                              f"({_how_it_ended(code)})",
                                    next_step="See the log file; start the app again.")
            self._on_ready(failed)
            self._sink(failed)
            self._drop_unconfirmed("The job engine could not start.")
            return
        now = time.monotonic()
        self._restarts = [t for t in self._restarts if now - t < RESTART_WINDOW_S]
        if len(self._restarts) >= MAX_RESTARTS or self._stopping:
            self._give_up(f"The job engine stopped unexpectedly ({_how_it_ended(code)}) again. "
                          "Restart the app: unfinished jobs resume from the journal.")
            return
        self._restarts.append(now)
        with self._send_lock:  # clicks wait here: they go to the new child, after the resends
            if self._conn is not None:
                self._conn.close()
            self._conn = None
            self._spawn()
            self._send_unconfirmed()
        self._sink(ev.EngineNotice(
            "", f"The job engine stopped unexpectedly ({_how_it_ended(code)}) and was restarted; "
                "unfinished jobs resume from the journal.", restarted=True))

    def _fault_trace(self) -> str:
        """What the child's faulthandler wrote, if anything (its last 4 kB)."""
        path = self.config.fault_log
        if path is None:
            return ""
        try:
            with path.open("rb") as fh:
                fh.seek(self._fault_offset)
                text = fh.read().decode("utf-8", errors="replace")
        except OSError:
            return ""
        return f"; its fault log ends with:\n{text[-4096:]}" if text.strip() else ""

    def _give_up(self, message: str) -> None:
        from qwenimg_desktop.core.jobs import events as ev  # noqa: PLC0415 - on first use
        log.error("%s", message)
        self._closed = True
        self._drop_unconfirmed("The job engine stopped.")
        self._sink(ev.EngineNotice("", message))


def _how_it_ended(code: int | None) -> str:
    """``exit code 3`` or ``killed by signal 9`` (multiprocessing gives a signal as -N)."""
    if code is None:
        return "no exit code"
    return f"killed by signal {-code}" if code < 0 else f"exit code {code}"


class _Reply:
    __slots__ = ("done", "error", "value")

    def __init__(self) -> None:
        self.done = threading.Event()
        self.value: Any = None
        self.error: BaseException | None = None


class _Waiting:
    """Requests sent across the pipe and not answered yet, by call id (any thread); each side
    uses one: the window for its calls, the engine for its key requests."""

    def __init__(self) -> None:
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        self._open: dict[int, _Reply] = {}
        self._abandoned = False

    def abandon(self) -> None:
        """No answer will come any more (the link is closing): wake every waiter now, and let
        later asks return at once. A key request still waiting when the engine had stopped
        kept the child process alive for the rest of its 60 s wait (seen: every window closed
        with no key, or just after a price read began, took ~35 s to quit)."""
        with self._lock:
            self._abandoned = True
            waiting = list(self._open.values())
        for reply in waiting:
            reply.done.set()

    def ask(self, send: Callable[[int], None], timeout: float | None) -> _Reply | None:
        """``send`` the request under a new call id and wait for its answer (None: none came)."""
        call_id = next(self._ids)
        reply = _Reply()
        with self._lock:
            if self._abandoned:
                return None
            self._open[call_id] = reply
        try:
            send(call_id)
            return reply if reply.done.wait(timeout) else None
        finally:
            with self._lock:
                self._open.pop(call_id, None)

    def answer(self, call_id: int, value: Any,
               error: BaseException | None = None) -> None:
        with self._lock:
            reply = self._open.get(call_id)
        if reply is not None:
            reply.value, reply.error = value, error
            reply.done.set()

    def fail_all(self, error: Callable[[], BaseException]) -> None:
        """Answer every open request with a fresh ``error()`` (the other side is gone)."""
        with self._lock:
            waiting, self._open = list(self._open.values()), {}
        for reply in waiting:
            reply.error = error()
            reply.done.set()


# ---- child side ---------------------------------------------------------------------------------


class _Link:
    """The child's end of the pipe: one lock for every send, a thread that batches events."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self._lock = threading.Lock()
        self._events: queue.SimpleQueue[ev.JobEvent | None] = queue.SimpleQueue()
        self._keys = _Waiting()
        self._sender = threading.Thread(target=self._send_events, name="qwenimg-events",
                                        daemon=True)
        self._sender.start()

    def send(self, message: msg.Report) -> None:
        with self._lock, contextlib.suppress(OSError, ValueError):  # the parent is gone
            self.conn.send(message)

    def event(self, event: ev.JobEvent) -> None:
        """The engine's sink (any thread): queued, sent in batches by the sender thread."""
        self._events.put(event)

    def _send_events(self) -> None:
        from qwenimg_desktop.core.jobs import messages as msg  # noqa: PLC0415 - on first use
        while True:
            first = self._events.get()
            if first is None:
                return
            batch = [first]
            with contextlib.suppress(queue.Empty):
                while len(batch) < 256:
                    item = self._events.get_nowait()
                    if item is None:
                        self.send(msg.Events(tuple(batch)))
                        return
                    batch.append(item)
            self.send(msg.Events(tuple(batch)))

    def close_events(self) -> None:
        self._keys.abandon()  # the engine has stopped: nobody needs a key any more
        self._events.put(None)
        self._sender.join(10)

    def ask_key(self) -> str | None:
        """The engine's key source (runs in a worker thread): ask the parent and wait."""
        from qwenimg_desktop.core.jobs import messages as msg  # noqa: PLC0415 - on first use
        reply = self._keys.ask(lambda call_id: self.send(msg.KeyRequest(call_id)), KEY_WAIT_S)
        key = reply.value if reply is not None else None
        register_secret(key)  # redacted from this process's log records too
        return key if isinstance(key, str) else None

    def key_answer(self, call_id: int, key: str | None) -> None:
        self._keys.answer(call_id, key)


class _ForwardLogs(logging.Handler):
    """Sends the child's log records to the parent, whose handlers write them."""

    def __init__(self, link: _Link) -> None:
        super().__init__()
        self._link = link

    def emit(self, record: logging.LogRecord) -> None:
        from qwenimg_desktop.core.jobs import messages as msg  # noqa: PLC0415 - on first use
        try:
            text = self.format(record)
        except Exception:  # noqa: BLE001 - a bad record must not kill a job's thread
            return
        self._link.send(msg.LogLine(record.levelno, record.name, text))


def serve(conn: Connection, config: EngineConfig, log_level: int) -> None:
    """The child process's main: build the engine, then obey the parent until told to stop."""
    from qwenimg_desktop.core.jobs import messages as msg  # noqa: PLC0415 - on first use
    # Below the window's priority, before any thread starts (each inherits it): when both
    # want a core, the window's GUI thread gets it (see lower_process_priority).
    lower_process_priority()
    # The engine (asyncio, the journal, the pipeline) is loaded here, in the child only.
    from qwenimg_desktop.core.jobs.engine import JobEngine  # noqa: PLC0415
    from qwenimg_desktop.core.logs import QUIET_LOGGERS, RedactingFilter  # noqa: PLC0415

    heap.return_large_blocks()  # images verified and thumbnailed leave no pages behind
    _enable_faulthandler(config.fault_log)
    # Ctrl+C in a terminal reaches the whole process group: the window decides when to stop.
    with contextlib.suppress(ValueError, OSError):
        signal.signal(signal.SIGINT, signal.SIG_IGN)
    link = _Link(conn)
    handler = _ForwardLogs(link)
    handler.setFormatter(logging.Formatter("[engine %(threadName)s] %(message)s"))
    handler.addFilter(RedactingFilter())
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(log_level)
    for name in QUIET_LOGGERS:  # as setup_logging() does in the window's process
        logging.getLogger(name).setLevel(max(log_level, logging.WARNING))
    engine = JobEngine(replace(config, own_process=True), keys=link.ask_key, sink=link.event)
    engine.start(wait=False)
    timeout = 5.0
    while True:
        try:
            command: msg.Command = conn.recv()
        except (EOFError, OSError):  # the window's process is gone: stop as on quit
            break
        if isinstance(command, msg.Stop):
            timeout = command.timeout
            break
        _obey(engine, link, command)
    engine.shutdown(timeout=timeout)
    link.close_events()
    link.send(msg.Stopped())
    root.removeHandler(handler)
    conn.close()


def _enable_faulthandler(path: Path | None) -> None:
    """A hard crash (a fault in a decoder) leaves its stack in ``path`` (else on stderr)."""
    with contextlib.suppress(Exception):  # no stderr in a windowed build, an unwritable dir
        if path is not None:
            private_dir(path.parent)
            faulthandler.enable(open_private(path, "a"))
        elif sys.stderr is not None:
            faulthandler.enable()


def _obey(engine: JobEngine, link: _Link, command: msg.Command) -> None:
    from qwenimg_desktop.core.jobs import messages as msg  # noqa: PLC0415 - on first use
    try:
        match command:
            case msg.Submit(job_id, request, resent):
                engine.submit(request, job_id=job_id, resent=resent)
            case msg.Retry(old_id, new_id, resent):
                engine.retry(old_id, new_id=new_id, resent=resent)
            case (msg.SubmitBatch() | msg.PauseSending() | msg.MoveToFront() | msg.Reorder()
                  | msg.CancelBatch()):
                _obey_batch(engine, command)
            case msg.Cancel() | msg.Redownload() | msg.CancelAll():
                _obey_job(engine, command)
            case msg.Configure(concurrency, price, budget):
                engine.configure(concurrency=concurrency, price_per_image=price, budget=budget)
            case msg.ResumeAfterLock() | msg.AllowOnce() | msg.AdoptRequest():
                _obey_money(engine, command)
            case msg.KeyAnswer(call_id, key):
                link.key_answer(call_id, key)
            case msg.AskIdle() | msg.AskActive() | msg.AskFiles():
                threading.Thread(target=_answer_call, args=(engine, link, command),
                                 name="qwenimg-call", daemon=True).start()
            case msg.Stop():
                pass  # handled by serve()
    except QwenImgError as exc:  # e.g. the start failed: the parent reports that already
        log.warning("%s ignored: %s", type(command).__name__, exc.message)


def _obey_batch(engine: JobEngine, command: msg.SubmitBatch | msg.PauseSending
                | msg.MoveToFront | msg.Reorder | msg.CancelBatch) -> None:
    """The batch and queue-control commands."""
    from qwenimg_desktop.core.jobs import messages as msg  # noqa: PLC0415 - on first use
    match command:
        case msg.SubmitBatch(batch_id, job_ids, requests, label, resent):
            engine.submit_batch(requests, label=label, batch_id=batch_id, job_ids=job_ids,
                                resent=resent)
        case msg.PauseSending(paused):
            engine.pause_sending(paused)
        case msg.MoveToFront(job_id):
            engine.move_to_front(job_id)
        case msg.Reorder(job_id, after, before):
            engine.reorder(job_id, after, before)
        case msg.CancelBatch(batch_id):
            engine.cancel_batch(batch_id)


def _obey_job(engine: JobEngine, command: msg.Cancel | msg.Redownload | msg.CancelAll) -> None:
    """Cancel a job or all, re-download one."""
    from qwenimg_desktop.core.jobs import messages as msg  # noqa: PLC0415 - on first use
    match command:
        case msg.Cancel(job_id):
            engine.cancel(job_id)
        case msg.Redownload(job_id):
            engine.redownload(job_id)
        case msg.CancelAll():
            engine.cancel_all()


def _obey_money(engine: JobEngine,
                command: msg.ResumeAfterLock | msg.AllowOnce | msg.AdoptRequest) -> None:
    """The user's answers to what holds money back: a lock, a budget cap, a lost submit."""
    from qwenimg_desktop.core.jobs import messages as msg  # noqa: PLC0415 - on first use
    match command:
        case msg.ResumeAfterLock():
            engine.resume_after_lock()
        case msg.AllowOnce(job_id):
            engine.allow_once(job_id)
        case msg.AdoptRequest(job_id, request_id):
            engine.adopt_request(job_id, request_id)


def _answer_call(engine: JobEngine, link: _Link, call: msg.Question) -> None:
    from qwenimg_desktop.core.jobs import messages as msg  # noqa: PLC0415 - on first use
    value: msg.Answer
    try:
        match call:
            case msg.AskIdle(_, timeout):
                value = engine.wait_idle(timeout)
            case msg.AskActive():
                value = tuple(engine.active_jobs())
            case msg.AskFiles():
                value = engine.check_files()
    except Exception as exc:  # noqa: BLE001 - the caller gets EngineClosed with the reason
        link.send(msg.Reply(call.call_id, error=str(exc)))
        return
    link.send(msg.Reply(call.call_id, value))
