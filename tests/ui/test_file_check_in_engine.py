"""The History tab's start-up file check runs where the engine runs: in the engine's process
for the window (its walk of every row and file held the GUI thread's GIL for seconds while jobs
ran), in the caller's process for an engine in a thread, through the same facade.

Real parts: a real journal and image files under a real data folder, the real engine (spawned
process, or thread), the real window and History tab.
"""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from qwenimg_desktop.app.runtime import AppRuntime
from qwenimg_desktop.core import paths
from qwenimg_desktop.core.errors import StoreError
from qwenimg_desktop.core.jobs.engine import JobEngine
from qwenimg_desktop.core.jobs.remote import EngineProcess
from qwenimg_desktop.core.store import consistency
from qwenimg_desktop.core.store.consistency import ConsistencyReport
from qwenimg_desktop.core.store.files import DataLayout
from qwenimg_desktop.core.store.history import HistoryStore
from qwenimg_desktop.core.store.reads import HistoryReads
from qwenimg_desktop.emulator.server import EmulatorServer
from qwenimg_desktop.ui.main_window import MainWindow
from tests.history.conftest import JobMaker
from tests.ui.conftest import RuntimeFactory, ready_window


def _history(base: Path) -> tuple[DataLayout, list[str]]:
    """Three generations; the second one's image file is gone."""
    layout = DataLayout(paths.default_data_dir(base)).ensure()
    with HistoryStore.open(layout) as store:
        make = JobMaker(store)
        ids = [make(f"a lighthouse at dusk, study {i}") for i in range(3)]
        record = store.get(ids[1])
        assert record is not None
        layout.absolute(record.images[0].path).unlink()
    return layout, ids


def _checks_here(monkeypatch: pytest.MonkeyPatch) -> list[HistoryReads]:
    """Every file check this process runs (the test's process is the window's)."""
    runs: list[HistoryReads] = []
    real = consistency._check_files

    def counted(store: HistoryReads, now: float | None) -> ConsistencyReport:
        runs.append(store)
        return real(store, now)

    monkeypatch.setattr(consistency, "_check_files", counted)
    return runs


def _messages(win: MainWindow) -> list[str]:
    said: list[str] = []
    win.messenger.message.connect(lambda _level, text: said.append(text))
    return said


def _marked(win: MainWindow, qtbot: QtBot, said: list[str], job_id: str) -> None:
    win.acts.history_tab.trigger()
    qtbot.waitUntil(lambda: win.history.browser is not None
                    and win.history.browser.model.is_missing(job_id), timeout=30_000)
    qtbot.waitUntil(lambda: any("1 image file(s) of 1 generation(s) are missing" in text
                                for text in said), timeout=5000)


def _checked(runtime_factory: RuntimeFactory, emulator: EmulatorServer, qtbot: QtBot,
             tmp_path: Path, monkeypatch: pytest.MonkeyPatch, *, in_thread: bool,
             ) -> tuple[AppRuntime, MainWindow, list[str], list[HistoryReads]]:
    """A window on a history whose second job's image is gone, its History tab open once the
    missing image is marked: (runtime, window, job ids, the checks run in this process)."""
    base = tmp_path / "base"
    _layout, ids = _history(base)
    runs = _checks_here(monkeypatch)
    runtime = runtime_factory(emulator, base=base, engine_in_thread=in_thread)
    assert isinstance(runtime.engine, JobEngine if in_thread else EngineProcess)
    win = ready_window(runtime, qtbot, wait_for_key=False)
    said = _messages(win)
    _marked(win, qtbot, said, ids[1])
    return runtime, win, ids, runs


def test_missing_images_are_marked_from_the_check_the_engines_process_ran(
    runtime_factory: RuntimeFactory, emulator: EmulatorServer, qtbot: QtBot, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch
) -> None:
    _runtime, win, ids, runs = _checked(runtime_factory, emulator, qtbot, tmp_path, monkeypatch,
                                        in_thread=False)
    browser = win.history.browser
    assert browser is not None
    assert not browser.model.is_missing(ids[0])
    assert not browser.model.is_missing(ids[2])
    assert browser.missing[ids[1]] is True  # fal may still hold it: Re-download offered
    assert runs == []  # the window's process ran no file check


def test_an_engine_in_a_thread_checks_through_the_same_facade(
    runtime_factory: RuntimeFactory, emulator: EmulatorServer, qtbot: QtBot, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch
) -> None:
    runtime, _win, _ids, runs = _checked(runtime_factory, emulator, qtbot, tmp_path,
                                         monkeypatch, in_thread=True)
    assert len(runs) == 1  # once, by the engine (in this process: it runs here)
    assert runs[0] is not runtime.history  # its own read-only connection, not the window's


def test_a_failed_check_is_logged_and_marks_nothing(
    runtime_factory: RuntimeFactory, emulator: EmulatorServer, qtbot: QtBot, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    base = tmp_path / "base"
    _layout, ids = _history(base)

    def fails(store: HistoryReads, now: float | None) -> ConsistencyReport:
        raise StoreError("the history could not be read (disk I/O error)")

    monkeypatch.setattr(consistency, "_check_files", fails)
    caplog.set_level(logging.WARNING, logger="qwenimg.ui.history")
    runtime = runtime_factory(emulator, base=base, engine_in_thread=True)
    win = ready_window(runtime, qtbot, wait_for_key=False)
    win.acts.history_tab.trigger()
    qtbot.waitUntil(lambda: any("consistency check failed" in r.getMessage()
                                and "disk I/O error" in r.getMessage()
                                for r in caplog.records), timeout=30_000)
    browser = win.history.browser
    assert browser is not None
    assert not browser.model.is_missing(ids[1])
