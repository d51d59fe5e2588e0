"""Logging setup: named loggers, rotating file, key-redacting filter, RAM tail, crash hooks."""

from __future__ import annotations

import collections
import contextlib
import faulthandler
import io
import logging
import logging.handlers
import os
import sys
import threading
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import IO, Any

from qwenimg_desktop.core.errors import redact
from qwenimg_desktop.core.private import open_private, private_dir

LOG_FILE_NAME = "qwenimg-desktop.log"
LOG_FILE_BYTES = 1_000_000
LOG_FILE_BACKUPS = 3
TAIL_LINES = 500
FAULT_FILE_NAME = "faulthandler.log"
LOG_FORMAT = "%(asctime)s %(levelname)-7s %(name)s [%(threadName)s] %(message)s"
# Loggers of libraries that put full URLs (or headers) into INFO/DEBUG records.
QUIET_LOGGERS = ("httpx", "httpcore", "hpack", "urllib3")

_log = logging.getLogger("qwenimg.logs")


class RedactingFilter(logging.Filter):
    """Rewrites a record in place so no registered secret reaches any handler's output."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except (TypeError, ValueError):  # bad %-args: keep the raw parts, redacted
            message = f"{record.msg} {record.args!r}"
        record.msg = redact(message)
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


class RamTail(logging.Handler):
    """Keeps the last formatted records in memory for the in-app log view and crash reports."""

    def __init__(self, capacity: int = TAIL_LINES) -> None:
        super().__init__()
        self._lines: collections.deque[str] = collections.deque(maxlen=capacity)
        self._listeners: list[Callable[[str], None]] = []

    def __repr__(self) -> str:
        return f"<RamTail {len(self._lines)}/{self._lines.maxlen} lines>"

    def emit(self, record: logging.LogRecord) -> None:
        try:
            line = self.format(record)
        except Exception:  # noqa: BLE001  # logging must never raise into the caller
            self.handleError(record)
            return
        self._lines.append(line)
        for listener in list(self._listeners):
            listener(line)

    def lines(self) -> list[str]:
        """A snapshot of the kept lines, oldest first."""
        return list(self._lines)

    def text(self) -> str:
        return "\n".join(self._lines)

    def add_listener(self, listener: Callable[[str], None]) -> None:
        """Call ``listener(line)`` for every new line, on the logging thread."""
        self._listeners.append(listener)

    def remove_listener(self, listener: Callable[[str], None]) -> None:
        with contextlib.suppress(ValueError):
            self._listeners.remove(listener)


_installed: list[logging.Handler] = []
_saved_levels: dict[str, int] = {}
_active_tail: RamTail | None = None
_captured_warnings = False


def setup_logging(
    log_dir: Path | None,
    *,
    level: int = logging.INFO,
    console: bool = False,
    capture_warnings: bool = True,
) -> RamTail:
    """Install redacting handlers on the root logger (again: replaces the previous set).

    Args:
        log_dir: folder for the rotating log file; None keeps logs in memory (and console) only.
        level: root level; the app logs under "qwenimg.*".
        console: also log to stderr.
        capture_warnings: route ``warnings`` into the "py.warnings" logger.

    Returns:
        The RAM tail handler holding the last ~500 formatted lines.
    """
    global _active_tail, _captured_warnings  # noqa: PLW0603  # one configuration per process
    shutdown_logging()
    formatter = logging.Formatter(LOG_FORMAT)
    tail = RamTail()
    handlers: list[logging.Handler] = [tail]
    if log_dir is not None:
        private_dir(log_dir)
        handlers.append(
            _PrivateRotatingFileHandler(
                log_dir / LOG_FILE_NAME,
                maxBytes=LOG_FILE_BYTES,
                backupCount=LOG_FILE_BACKUPS,
                encoding="utf-8",
            )
        )
    if console:
        handlers.append(logging.StreamHandler(sys.stderr))
    root = logging.getLogger()
    for handler in handlers:
        handler.setFormatter(formatter)
        handler.addFilter(RedactingFilter())
        root.addHandler(handler)
        _installed.append(handler)
    for name in ("", *QUIET_LOGGERS):
        _saved_levels[name] = logging.getLogger(name).level
        logging.getLogger(name).setLevel(level if name == "" else max(level, logging.WARNING))
    if capture_warnings:
        logging.captureWarnings(True)
        _captured_warnings = True
    _active_tail = tail
    return tail


def shutdown_logging() -> None:
    """Remove and close the handlers :func:`setup_logging` installed (tests, orderly exit)."""
    global _active_tail, _captured_warnings  # noqa: PLW0603
    root = logging.getLogger()
    while _installed:
        handler = _installed.pop()
        root.removeHandler(handler)
        handler.close()
    for name, saved in _saved_levels.items():
        logging.getLogger(name).setLevel(saved)
    _saved_levels.clear()
    if _captured_warnings:
        logging.captureWarnings(False)
        _captured_warnings = False
    _active_tail = None


# ---- crash hooks --------------------------------------------------------------------------

_ExcInfo = tuple[type[BaseException], BaseException, TracebackType | None]
_previous_hooks: dict[str, Any] = {}
_fault_file: IO[str] | None = None


def _crash_report(exc_info: _ExcInfo, thread_name: str) -> str:
    lines = [
        "Qwen Image Desktop crash report",
        f"time: {time.strftime('%Y-%m-%d %H:%M:%S %z')}",
        f"thread: {thread_name}",
        f"python: {sys.version.split()[0]} on {sys.platform}",
        "",
        "".join(traceback.format_exception(*exc_info)).rstrip(),
    ]
    if _active_tail is not None:
        lines += ["", f"last {len(_active_tail.lines())} log lines:", _active_tail.text()]
    return redact("\n".join(lines)) + "\n"


def write_crash_report(
    crash_dir: Path, exc_info: _ExcInfo, thread_name: str = "MainThread"
) -> tuple[str, Path | None]:
    """Write a redacted report for an unhandled exception; returns (text, file or None)."""
    report = _crash_report(exc_info, thread_name)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    path = crash_dir / f"crash-{stamp}-{os.getpid()}-{time.monotonic_ns()}.txt"
    try:
        private_dir(crash_dir)
        with open_private(path, "w") as fh:
            fh.write(report)
    except OSError:
        _log.exception("could not write the crash report")
        return report, None
    return report, path


def install_excepthooks(
    crash_dir: Path, on_crash: Callable[[str], None] | None = None
) -> Path | None:
    """Route unhandled exceptions (main and other threads) to a crash report; enable faulthandler.

    Args:
        crash_dir: where crash reports and the faulthandler log go.
        on_crash: called with the redacted report text (e.g. to show a dialog).

    Returns:
        The previous run's fatal-error (faulthandler) log, moved aside, if that run died hard.
    """
    global _fault_file  # noqa: PLW0603
    uninstall_excepthooks()
    private_dir(crash_dir)

    def handle(exc_info: _ExcInfo, thread_name: str) -> None:
        _log.critical("unhandled exception in %s", thread_name, exc_info=exc_info)
        report, _path = write_crash_report(crash_dir, exc_info, thread_name)
        if on_crash is not None:
            try:
                on_crash(report)
            except Exception:  # noqa: BLE001  # a failing crash dialog must not hide the report
                _log.exception("the crash callback failed")

    def sys_hook(kind: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
        if issubclass(kind, KeyboardInterrupt):
            sys.__excepthook__(kind, exc, tb)
            return
        handle((kind, exc, tb), threading.current_thread().name)

    def thread_hook(args: threading.ExceptHookArgs) -> None:
        if args.exc_value is None or issubclass(args.exc_type, SystemExit):
            return
        name = args.thread.name if args.thread is not None else "unknown thread"
        handle((args.exc_type, args.exc_value, args.exc_traceback), name)

    _previous_hooks["sys"] = sys.excepthook
    _previous_hooks["threading"] = threading.excepthook
    sys.excepthook = sys_hook
    threading.excepthook = thread_hook

    previous = _take_previous_fault_log(crash_dir)
    _fault_file = open_private(crash_dir / FAULT_FILE_NAME, "a")
    faulthandler.enable(_fault_file)
    return previous


def uninstall_excepthooks() -> None:
    """Restore the hooks that were there before :func:`install_excepthooks` (tests, exit)."""
    global _fault_file  # noqa: PLW0603
    if "sys" in _previous_hooks:
        sys.excepthook = _previous_hooks.pop("sys")
    if "threading" in _previous_hooks:
        threading.excepthook = _previous_hooks.pop("threading")
    if _fault_file is not None:
        faulthandler.disable()
        _fault_file.close()
        _fault_file = None


def _take_previous_fault_log(crash_dir: Path) -> Path | None:
    fault_log = crash_dir / FAULT_FILE_NAME
    try:
        if fault_log.stat().st_size == 0:
            return None
        kept = crash_dir / f"fatal-{time.strftime('%Y%m%d-%H%M%S')}.log"
        fault_log.replace(kept)
    except OSError:
        return None
    return kept


class _PrivateRotatingFileHandler(logging.handlers.RotatingFileHandler):
    """The rotating log file, created user-only (0600) each time it is (re)opened."""

    def _open(self) -> io.TextIOWrapper:
        stream = open_private(Path(self.baseFilename), "a", self.encoding or "utf-8")
        assert isinstance(stream, io.TextIOWrapper)
        return stream
