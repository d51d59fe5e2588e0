"""The filesystem: user-only permissions under umask 022, and a read-only data dir.

Real processes: the window (``main.py --smoke-test``, offscreen, its engine in a child process),
the CLI, ``resume``; a read-only tmpfs where mounting is permitted (CI runs as root; root ignores
permission bits, so only a read-only mount really refuses it).
"""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from qwenimg_desktop.core.jobs import events as ev
from qwenimg_desktop.core.jobs.config import EngineConfig
from qwenimg_desktop.core.jobs.remote import EngineProcess
from qwenimg_desktop.core.logs import write_crash_report
from qwenimg_desktop.core.params import GenerationRequest
from qwenimg_desktop.core.store.files import DataLayout, ensure_writable
from tests.core.cli_proc import ROOT, cli_env, run_cli
from tests.core.helpers import FAST_RETRY, TEST_KEY, EventLog
from tests.fixtures.disk import mounted_tmpfs
from tests.fixtures.emulator import EmulatorFactory

linux_only = pytest.mark.skipif(sys.platform != "linux", reason="POSIX modes and mounts")


def _umask_022() -> None:
    os.umask(0o022)


def _modes(root: Path) -> dict[str, str]:
    """Every entry under ``root`` (and root) → its permission bits, as octal text."""
    found = {".": oct(stat.S_IMODE(root.stat().st_mode))}
    for directory, dirs, files in os.walk(root):
        for name in dirs + files:
            path = Path(directory) / name
            found[path.relative_to(root).as_posix()] = oct(stat.S_IMODE(path.lstat().st_mode))
    return found


def _not_private(root: Path) -> dict[str, str]:
    wrong: dict[str, str] = {}
    for name, mode in _modes(root).items():
        path = root / name
        wanted = "0o700" if path.is_dir() else "0o600"
        if mode != wanted:
            wrong[name] = mode
    return wrong


def _window(data: Path, *extra: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """The real window, offscreen, as its own process (``main.py``) under umask 022."""
    env = {**cli_env(data.parent, None), "QT_QPA_PLATFORM": "offscreen"}
    return subprocess.run([sys.executable, "main.py", "--data-dir", str(data), *extra],
                          env=env, cwd=ROOT, capture_output=True, text=True, timeout=timeout,
                          preexec_fn=_umask_022, check=False)


@linux_only
def test_everything_the_window_keeps_is_user_only_under_umask_022(tmp_path: Path) -> None:
    """Before: the data dir 0755; history.sqlite3, logs, images, thumbnails, settings 0644."""
    data = tmp_path / "data"
    done = _window(data, "--smoke-test")
    assert done.returncode == 0, done.stderr[-3000:]
    assert "SMOKE OK" in done.stdout + done.stderr
    kept = _modes(data)
    for name in ("demo/history.sqlite3", "config/settings.json", "logs/qwenimg-desktop.log",
                 "logs/crash/faulthandler.log"):
        assert name in kept, sorted(kept)
    assert any(n.startswith("demo/images/") and "." in n.rsplit("/", 1)[-1] for n in kept)
    assert any(n.startswith("demo/thumbs/") and n.endswith(".jpg") for n in kept)
    assert _not_private(data) == {}


@linux_only
def test_the_journal_its_wal_and_shm_and_a_crash_report_are_user_only(
    emulator_factory: EmulatorFactory, tmp_path: Path,
) -> None:
    server = emulator_factory()
    data = tmp_path / "data"
    old = os.umask(0o022)
    try:
        log = EventLog()
        config = EngineConfig(DataLayout(data), queue_base=server.base_url, retry=FAST_RETRY,
                              poll_interval=0.05)
        engine = EngineProcess(config, keys=lambda: TEST_KEY, sink=log)
        engine.start(timeout=60)
        try:
            job_id = engine.submit(GenerationRequest(prompt="private while it runs"))
            assert isinstance(log.wait_final(job_id), ev.Completed)
            # Both connections are open now: the journal's -wal and -shm exist.
            for name in ("history.sqlite3", "history.sqlite3-wal", "history.sqlite3-shm"):
                assert oct(stat.S_IMODE((data / name).stat().st_mode)) == "0o600", name
            assert _not_private(data) == {}
        finally:
            engine.shutdown()
        try:
            raise RuntimeError("a crash, for its report")
        except RuntimeError as exc:
            _text, report = write_crash_report(tmp_path / "crash",
                                               (type(exc), exc, exc.__traceback__))
    finally:
        os.umask(old)
    assert report is not None
    assert _not_private(tmp_path / "crash") == {}


@linux_only
def test_folders_and_files_left_open_by_an_older_version_are_made_private_at_start(
    emulator_factory: EmulatorFactory, tmp_path: Path,
) -> None:
    server = emulator_factory()
    data = tmp_path / "data"
    done = run_cli(tmp_path, "generate", "--prompt", "made private later", "--queue-url",
                   server.base_url, "--data-dir", str(data), key=TEST_KEY)
    assert done.returncode == 0, done.stderr
    for folder in (data, data / "config", data / "logs"):
        folder.mkdir(exist_ok=True)
    (data / "config" / "settings.json").write_text("{}")
    (data / "logs" / "qwenimg-desktop.log").write_text("an old log line\n")
    for directory, dirs, files in os.walk(data):  # as an older version left them
        for name in dirs:
            os.chmod(Path(directory) / name, 0o755)
        for name in files:
            os.chmod(Path(directory) / name, 0o644)
    os.chmod(data, 0o755)
    assert len(_not_private(data)) > 8
    resume = run_cli(tmp_path, "resume", "--queue-url", server.base_url, "--data-dir",
                     str(data), key=TEST_KEY)
    assert resume.returncode == 0, resume.stderr
    assert _not_private(data) == {}
    # The window's own folders when they live elsewhere (the platform's config and log dirs).
    apart = tmp_path / "config-apart"
    apart.mkdir(mode=0o755)
    (apart / "settings.json").write_text("{}")
    os.chmod(apart / "settings.json", 0o644)
    ensure_writable(apart)
    assert _not_private(apart) == {}


# ---- a read-only data dir ---------------------------------------------------------------------


@pytest.fixture
def read_only_disk(tmp_path: Path) -> Iterator[Path]:
    """A tmpfs that is remounted read-only by ``freeze(path)``; yields its mount point."""
    with mounted_tmpfs(tmp_path / "ro-disk", "8m") as mount_point:
        yield mount_point


def _freeze(mount_point: Path) -> None:
    subprocess.run(["mount", "-o", "remount,ro", str(mount_point)], check=True)
    with pytest.raises(OSError, match="Read-only"):
        (mount_point / "probe").write_text("x")


def test_the_cli_on_a_read_only_data_dir_says_which_folder_and_exits(
    emulator_factory: EmulatorFactory, read_only_disk: Path, tmp_path: Path,
) -> None:
    """Before: raw tracebacks (OSError: [Errno 30] Read-only file system)."""
    server = emulator_factory()
    data = read_only_disk / "data"
    first = run_cli(tmp_path, "generate", "--prompt", "before the disk froze", "--queue-url",
                    server.base_url, "--data-dir", str(data), key=TEST_KEY)
    assert first.returncode == 0, first.stderr
    _freeze(read_only_disk)
    submits = server.stats()["submits_total"]
    runs = {
        "generate": ["generate", "--prompt", "on a frozen disk"],
        "resume": ["resume"],
        "fresh": ["generate", "--prompt", "a new folder on a frozen disk"],
    }
    for name, args in runs.items():
        where = read_only_disk / "new-data" if name == "fresh" else data
        done = run_cli(tmp_path, *args, "--queue-url", server.base_url, "--data-dir",
                       str(where), key=TEST_KEY)
        assert done.returncode == 1, (name, done.stderr)
        assert "Traceback" not in done.stderr, (name, done.stderr)
        assert f"error: The folder {where} cannot be written (Read-only file system)" \
            in done.stderr, (name, done.stderr)
        assert "--data-dir" in done.stderr
    assert server.stats()["submits_total"] == submits  # nothing was sent
    listing = run_cli(tmp_path, "history", "list", "--data-dir", str(data), key=None)
    assert "Traceback" not in listing.stderr, listing.stderr


def test_the_window_on_a_read_only_data_dir_says_which_folder_and_exits(
    read_only_disk: Path,
) -> None:
    """Before: the window stayed on its start-up shell forever (`OSError: [Errno 30]` raised
    by the log set-up inside the first-paint callback)."""
    data = read_only_disk / "data"
    _freeze(read_only_disk)
    started = time.monotonic()
    done = _window(data, timeout=60)
    assert done.returncode == 1, done.stderr[-3000:]
    assert "Traceback" not in done.stderr
    assert f"error: The folder {data} cannot be written (Read-only file system)" in done.stderr
    assert "choose another folder with --data-dir" in done.stderr
    assert time.monotonic() - started < 60
