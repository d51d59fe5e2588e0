"""Logging keeps the key out of every output: log file, RAM tail, exception text, crash reports."""

from __future__ import annotations

import logging
import secrets
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from qwenimg_desktop.core import logs
from qwenimg_desktop.core.errors import REDACTED, UserError
from qwenimg_desktop.core.logs import RamTail, setup_logging, shutdown_logging
from qwenimg_desktop.core.secrets import KeyStore

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def log_dir(tmp_path: Path) -> Path:
    return tmp_path / "logs"


@pytest.fixture
def tail(log_dir: Path) -> Iterator[RamTail]:
    yield setup_logging(log_dir)
    shutdown_logging()


def _file_text(log_dir: Path) -> str:
    for handler in logging.getLogger().handlers:
        handler.flush()
    return "".join(p.read_text(encoding="utf-8") for p in sorted(log_dir.glob("*.log*")))


@pytest.mark.keyring
def test_key_saved_in_the_keyring_never_reaches_a_log(
    tail: RamTail, log_dir: Path, real_keystore: KeyStore
) -> None:
    key = "qk_" + secrets.token_hex(6) + ":" + secrets.token_hex(16)  # not fal-shaped: only
    # registration can redact it
    real_keystore.set(key)
    log = logging.getLogger("qwenimg.test")

    log.info("submitting with key %s", key)
    log.warning(f"header was Authorization: Key {key}")  # noqa: G004  # an f-string slip
    try:
        raise RuntimeError(f"request failed for {key}")
    except RuntimeError:
        log.exception("call failed")
    error = UserError(f"The server rejected {key}")

    assert key not in str(error)
    for text in (tail.text(), _file_text(log_dir)):
        assert key not in text
        assert text.count(REDACTED) >= 3
        assert "RuntimeError: request failed for [redacted]" in text


def test_session_key_is_redacted_too(tail: RamTail, no_backend_keystore: KeyStore) -> None:
    key = "sk_" + secrets.token_hex(6) + ":" + secrets.token_hex(12)
    no_backend_keystore.set_session_key(key)
    logging.getLogger("qwenimg.test").error("key=%s", key)
    assert tail.lines()[-1].endswith(f"key={REDACTED}")


def test_http_libraries_are_kept_at_warning(tail: RamTail) -> None:
    logging.getLogger("httpx").info('HTTP Request: GET https://queue.example/requests/abc "200"')
    logging.getLogger("httpcore.http11").debug("send_request_headers.started")
    logging.getLogger("qwenimg.test").info("visible")
    assert [line.rsplit(" ", 1)[-1] for line in tail.lines()] == ["visible"]


def test_tail_keeps_the_last_lines_and_notifies(tail: RamTail) -> None:
    seen: list[str] = []
    tail.add_listener(seen.append)
    log = logging.getLogger("qwenimg.test")
    for i in range(logs.TAIL_LINES + 100):
        log.info("line %d", i)
    tail.remove_listener(seen.append)
    log.info("after")

    lines = tail.lines()
    assert len(lines) == logs.TAIL_LINES
    assert lines[0].endswith("line 101")  # 601 lines logged, the oldest 101 dropped
    assert lines[-1].endswith("after")
    assert len(seen) == logs.TAIL_LINES + 100


def test_log_file_rotates(tail: RamTail, log_dir: Path) -> None:
    log = logging.getLogger("qwenimg.test")
    chunk = "x" * 1000
    for _ in range(1200):  # ~1.2 MB > one 1 MB file
        log.info(chunk)
    assert (log_dir / f"{logs.LOG_FILE_NAME}.1").exists()
    assert (log_dir / logs.LOG_FILE_NAME).stat().st_size < logs.LOG_FILE_BYTES


def test_shutdown_removes_only_our_handlers(log_dir: Path) -> None:
    before = list(logging.getLogger().handlers)
    setup_logging(log_dir, console=True)
    setup_logging(log_dir)  # twice: replaces, does not stack
    assert len(logging.getLogger().handlers) == len(before) + 2
    shutdown_logging()
    assert logging.getLogger().handlers == before


def _run(script: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(script)],
        cwd=cwd, env={"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin"},
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip


def test_crash_hooks_write_redacted_reports(tmp_path: Path) -> None:
    key = "ck_" + secrets.token_hex(12)
    result = _run(
        f"""
        import logging, threading
        from pathlib import Path
        from qwenimg_desktop.core.errors import register_secret
        from qwenimg_desktop.core.logs import install_excepthooks, setup_logging
        register_secret({key!r})
        setup_logging(Path("logs"))
        logging.getLogger("qwenimg.app").info("started with %s", {key!r})
        install_excepthooks(Path("crash"), lambda report: print("ON_CRASH", len(report)))
        def worker():
            raise ValueError("worker saw " + {key!r})
        t = threading.Thread(target=worker, name="engine"); t.start(); t.join()
        raise RuntimeError("main saw " + {key!r})
        """,
        tmp_path,
    )
    assert result.returncode == 1, result.stderr
    assert result.stdout.count("ON_CRASH") == 2
    reports = sorted((tmp_path / "crash").glob("crash-*.txt"))
    assert len(reports) == 2
    texts = [p.read_text(encoding="utf-8") for p in reports]
    joined = "\n".join(texts) + result.stderr + _dir_text(tmp_path / "logs")
    assert key not in joined
    assert any("ValueError: worker saw [redacted]" in t and "thread: engine" in t for t in texts)
    assert any("RuntimeError: main saw [redacted]" in t for t in texts)
    assert "started with [redacted]" in texts[0]  # the RAM tail is part of the report


def _dir_text(folder: Path) -> str:
    return "".join(p.read_text(encoding="utf-8") for p in folder.iterdir())


def test_previous_hard_crash_is_reported_at_next_start(tmp_path: Path) -> None:
    crash = _run(
        """
        import os
        from pathlib import Path
        from qwenimg_desktop.core.logs import install_excepthooks
        install_excepthooks(Path("crash"))
        os.abort()
        """,
        tmp_path,
    )
    assert crash.returncode != 0
    restart = _run(
        """
        from pathlib import Path
        from qwenimg_desktop.core.logs import install_excepthooks
        print(install_excepthooks(Path("crash")))
        """,
        tmp_path,
    )
    previous = Path(tmp_path, restart.stdout.strip())
    assert previous.name.startswith("fatal-"), restart.stderr
    assert "Fatal Python error: Aborted" in previous.read_text(encoding="utf-8")
    assert (tmp_path / "crash" / logs.FAULT_FILE_NAME).stat().st_size == 0
