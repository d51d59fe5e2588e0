"""Secrets: a run with a known key leaves it nowhere; a missing or stuck keyring never hangs."""

from __future__ import annotations

import logging
import sys
import threading
import time
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, Final

import pytest

from qwenimg_desktop.core import logs
from qwenimg_desktop.core.errors import KeyringUnavailable, QwenImgError, UserError
from qwenimg_desktop.core.jobs import events as ev
from qwenimg_desktop.core.params import GenerationRequest, ImageSizePreset
from qwenimg_desktop.core.secrets import KeyStore
from qwenimg_desktop.core.settings import AppSettings
from qwenimg_desktop.core.store.files import DataLayout
from tests.core.cli_proc import run_cli
from tests.core.conftest import EngineFactory
from tests.fixtures.emulator import EmulatorFactory
from tests.reliability.support import record_figures

# Not fal-shaped on purpose: only the registration of the key (not a pattern) can hide it.
KEY: Final = "relkey-8d41f0:Zq7WmX2vTk9sLp4RnY6c"
NEEDLES: Final = (KEY.encode(), KEY.split(":")[1].encode())
SMALL: Final = {"image_size": ImageSizePreset.square}
HANG_BOUND: Final = 3.5  # seconds: the 2 s keyring budget plus generous scheduling slack


def _hits(blob: bytes) -> int:
    return sum(blob.count(n) for n in NEEDLES)


def _scan(root: Path) -> tuple[int, int, list[str]]:
    """(files, bytes, names of files holding the key) for every regular file under ``root``."""
    files = size = 0
    holders: list[str] = []
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        data = path.read_bytes()
        files, size = files + 1, size + len(data)
        if _hits(data):
            holders.append(str(path.relative_to(root)))
    return files, size, holders


@pytest.fixture
def log_setup(tmp_path: Path) -> Iterator[logs.RamTail]:
    tail = logs.setup_logging(tmp_path / "base" / "logs", level=logging.DEBUG)
    yield tail
    logs.shutdown_logging()


def test_a_run_with_a_known_key_leaves_it_in_no_file_log_row_or_message(
    emulator_factory: EmulatorFactory, engine_factory: EngineFactory, tmp_path: Path,
    log_setup: logs.RamTail,
) -> None:
    base = tmp_path / "base"
    server = emulator_factory({"failed_generation": {"next_n": 1}}, valid_keys={KEY})
    store = KeyStore()
    store.set_session_key(KEY)
    engine, log = engine_factory(server.base_url, root=base / "data", keys=store.get)
    failed = log.wait_final(engine.submit(GenerationRequest(prompt="fails", **SMALL)))
    done = log.wait_final(engine.submit(GenerationRequest(prompt="works", **SMALL)))
    server.set_scenario({"wrong_key": {"next_n": 1}}, merge=True)
    rejected = log.wait_final(engine.submit(GenerationRequest(prompt="rejected", **SMALL)))
    assert isinstance(failed, ev.Failed)
    assert isinstance(done, ev.Completed)
    assert isinstance(rejected, ev.Failed)
    assert rejected.kind == "AuthError"

    # The app's own paths that could carry it: logging (with tracebacks and warnings), a crash
    # report, error texts, the settings file.
    chatty = logging.getLogger("qwenimg.reliability")
    chatty.info("the key is %s", KEY)
    chatty.warning(f"inline key {KEY}")
    try:
        raise RuntimeError(f"request failed with Authorization: Key {KEY}")
    except RuntimeError:
        chatty.exception("while talking to fal")
        report, report_path = logs.write_crash_report(base / "crash", sys.exc_info())  # type: ignore[arg-type]
    with warnings.catch_warnings():
        warnings.simplefilter("always")
        warnings.warn(f"deprecated use of {KEY}", UserWarning, stacklevel=1)
    texts = [
        str(QwenImgError(f"bad key {KEY}")),
        UserError(f"the key {KEY} was refused").message,  # what a failed job shows
        KeyringUnavailable(f"could not store {KEY}").message,
        *(e.reason for e in log.events if isinstance(e, ev.Failed)),
        repr(store), repr(engine), log_setup.text(), report,
    ]
    settings = AppSettings()
    settings.save(base / "config" / "settings.json")

    db = DataLayout(base / "data").db_path
    wal_size = Path(f"{db}-wal").stat().st_size  # scanned while the engine still has it open
    open_scan = _scan(base)
    engine.shutdown()
    logs.shutdown_logging()
    closed_scan = _scan(base)

    # The CLI in its own process: a success and a refusal, stdout and stderr.
    cli_runs = [
        run_cli(tmp_path, "generate", "--prompt", "cli", "--param", "image_size=square",
                "--queue-url", server.base_url, "--data-dir", str(base / "data"), key=KEY),
        run_cli(tmp_path, "generate", "--prompt", "cli", "--queue-url", server.base_url,
                "--data-dir", str(base / "data"), key=KEY + "x"),
    ]
    assert cli_runs[0].returncode == 0, cli_runs[0].stderr
    assert cli_runs[1].returncode == 1
    assert "fal rejected the API key" in cli_runs[1].stderr
    cli_scan = _scan(base)

    assert report_path is not None
    assert wal_size > 0
    assert open_scan[2] == []
    assert closed_scan[2] == []
    assert cli_scan[2] == []
    assert [t for t in texts if _hits(t.encode())] == []
    assert [r.stderr for r in cli_runs if _hits((r.stdout + r.stderr).encode())] == []
    assert "[redacted]" in (base / "logs" / logs.LOG_FILE_NAME).read_text(encoding="utf-8")
    record_figures("secrets_scan", {
        "files_scanned": cli_scan[0], "bytes_scanned": cli_scan[1],
        "wal_bytes_while_open": wal_size, "texts_scanned": len(texts) + 2 * len(cli_runs),
        "hits": len(open_scan[2]) + len(closed_scan[2]) + len(cli_scan[2]),
    })


def _timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    started = time.monotonic()
    try:
        value = fn()
    except KeyringUnavailable as exc:
        value = exc
    return time.monotonic() - started, value


def _session_fallback_works(store: KeyStore) -> dict[str, float]:
    """The keyring fails within the budget; a session key then serves every read at once."""
    spent_get, first = _timed(store.get)
    assert isinstance(first, KeyringUnavailable)
    assert first.next_step
    spent_save, saved = _timed(lambda: store.set(KEY))
    assert isinstance(saved, KeyringUnavailable)
    store.set_session_key(KEY)
    spent_session, key = _timed(store.get)
    assert key == KEY
    assert store.source() == "session"
    for spent in (spent_get, spent_save, spent_session):
        assert spent < HANG_BOUND
    return {"get": round(spent_get, 2), "set": round(spent_save, 2),
            "session_get": round(spent_session, 3)}


def _engine_uses_the_session_key(
    store: KeyStore, emulator_factory: EmulatorFactory, engine_factory: EngineFactory,
    tmp_path: Path,
) -> None:
    server = emulator_factory(valid_keys={KEY})
    engine, log = engine_factory(server.base_url, root=tmp_path / "kr-data", keys=store.get)
    assert isinstance(log.wait_final(engine.submit(GenerationRequest(prompt="k", **SMALL))),
                      ev.Completed)


def test_no_keyring_backend_falls_back_to_a_session_key_quickly(
    no_backend_keystore: KeyStore, emulator_factory: EmulatorFactory,
    engine_factory: EngineFactory, tmp_path: Path,
) -> None:
    times = _session_fallback_works(no_backend_keystore)
    _engine_uses_the_session_key(no_backend_keystore, emulator_factory, engine_factory, tmp_path)
    record_figures("keyring_missing", times)


def test_hung_keyring_is_abandoned_within_its_budget_and_the_session_key_works(
    hanging_keystore: KeyStore, emulator_factory: EmulatorFactory,
    engine_factory: EngineFactory, tmp_path: Path,
) -> None:
    times = _session_fallback_works(hanging_keystore)
    _engine_uses_the_session_key(hanging_keystore, emulator_factory, engine_factory, tmp_path)
    # With no session key, a job whose key read hangs fails with the reason instead of waiting.
    stuck = KeyStore(backend=hanging_keystore._backend)
    server = emulator_factory(valid_keys={KEY})
    engine, log = engine_factory(server.base_url, root=tmp_path / "stuck", keys=stuck.get)
    started = time.monotonic()
    final = log.wait_final(engine.submit(GenerationRequest(prompt="no key", **SMALL)))
    spent = time.monotonic() - started
    assert isinstance(final, ev.Failed)
    assert final.kind == "KeyringUnavailable"
    assert "keyring" in final.reason
    assert spent < HANG_BOUND
    assert server.stats()["submit_attempts"] == 0
    record_figures("keyring_hung", {**times, "job_failed_after": round(spent, 2)})
    threads = [t for t in threading.enumerate() if t.name.startswith("keyring-")]
    assert threads  # the stuck worker is abandoned (a daemon), never joined by the caller


@pytest.mark.keyring
def test_locked_keyring_falls_back_to_a_session_key_quickly(
    locked_keystore: KeyStore, emulator_factory: EmulatorFactory,
    engine_factory: EngineFactory, tmp_path: Path,
) -> None:
    times = _session_fallback_works(locked_keystore)
    _engine_uses_the_session_key(locked_keystore, emulator_factory, engine_factory, tmp_path)
    record_figures("keyring_locked", times)
