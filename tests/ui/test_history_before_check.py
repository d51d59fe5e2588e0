"""The History tab reads the journal while the engine still checks it, and writes only after.

Real parts: a real journal under a real data folder, the real engine (in a thread, so its start
can be held at a real gate: a ``threading.Event`` just before it opens and checks the journal),
the real window and History tab.
"""

from __future__ import annotations

import gc
import sqlite3
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from qwenimg_desktop.core import heap, paths
from qwenimg_desktop.core.store import consistency
from qwenimg_desktop.core.store.consistency import OpenedHistory
from qwenimg_desktop.core.store.files import DataLayout
from qwenimg_desktop.core.store.history import HistoryStore
from qwenimg_desktop.emulator.server import EmulatorServer
from qwenimg_desktop.ui.history.view import HistoryBrowser
from qwenimg_desktop.ui.main_window import MainWindow
from tests.fixtures.store import damage_pages
from tests.history.conftest import JobMaker
from tests.ui.conftest import RuntimeFactory, ready_window


class StartGate:
    """Holds the engine's start where it is about to open and check the journal."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.arrived = threading.Event()
        self.release = threading.Event()
        real = consistency.open_history

        def held(layout: DataLayout) -> OpenedHistory:
            self.arrived.set()
            if not self.release.wait(60):
                raise TimeoutError("the test never let the engine's start go on")
            return real(layout)

        # The engine imports it when its start runs (core/jobs/engine.py): this one is used.
        monkeypatch.setattr(consistency, "open_history", held)


@pytest.fixture
def start_gate(runtime_factory: RuntimeFactory,
               monkeypatch: pytest.MonkeyPatch) -> Iterator[StartGate]:
    """The gate, opened at teardown before the runtimes close (a failed test never leaves the
    engine's thread waiting at it)."""
    gate = StartGate(monkeypatch)
    yield gate
    gate.release.set()


def _layout(base: Path) -> DataLayout:
    return DataLayout(paths.default_data_dir(base)).ensure()


def _messages(win: MainWindow) -> list[str]:
    said: list[str] = []
    win.messenger.message.connect(lambda _level, text: said.append(text))
    return said


def _writes(store: HistoryStore) -> bool:
    """The store is the window's writer (read early, then made writable in place)."""
    return not store.readonly and not store.unchecked


def _favourite(layout: DataLayout, job_id: str) -> int:
    with sqlite3.connect(f"{layout.db_path.as_uri()}?mode=ro", uri=True) as db:
        return int(db.execute("SELECT favourite FROM jobs WHERE id = ?", (job_id,)).fetchone()[0])


def _open_history_tab(win: MainWindow, qtbot: QtBot, rows: Callable[[int], bool]) -> None:
    win.acts.history_tab.trigger()
    qtbot.waitUntil(lambda: win.history.browser is not None
                    and rows(win.history.browser.model.rowCount()), timeout=15_000)


def test_the_history_is_listed_before_the_engines_check_and_changed_only_after(
    runtime_factory: RuntimeFactory, emulator: EmulatorServer, qtbot: QtBot, tmp_path: Path,
    start_gate: StartGate, monkeypatch: pytest.MonkeyPatch
) -> None:
    base = tmp_path / "base"
    layout = _layout(base)
    with HistoryStore.open(layout) as store:
        make = JobMaker(store)
        ids = [make(f"a lighthouse at dusk, study {i}") for i in range(5)]
    gate = start_gate
    check_runs: list[HistoryBrowser] = []
    real_check = HistoryBrowser.check_consistency

    def check_consistency(self: HistoryBrowser) -> None:
        check_runs.append(self)
        real_check(self)

    monkeypatch.setattr(HistoryBrowser, "check_consistency", check_consistency)
    runtime = runtime_factory(emulator, base=base, engine_in_thread=True)
    win = ready_window(runtime, qtbot, wait_for_key=False)
    said = _messages(win)

    _open_history_tab(win, qtbot, lambda n: n == 5)
    # The engine's start is held before its check (the tab may list the rows even before
    # the engine reaches it: its imports come first).
    qtbot.waitUntil(gate.arrived.is_set, timeout=20_000)
    assert runtime.engine is not None
    assert not runtime.engine.ready
    assert runtime.history_store() is None  # the rest of the window waits for the check
    browser = win.history.browser
    assert browser is not None
    early = win.history.current_store()
    assert early is not None
    assert early.readonly
    assert early.unchecked
    assert browser.select_job(ids[0])
    qtbot.waitUntil(lambda: browser.detail.record is not None
                    and browser.detail.record.id == ids[0], timeout=5000)

    # Changes are refused, said in the status bar, and leave rows and files as they were.
    image = layout.absolute(early.get(ids[1]).images[0].path)  # type: ignore[union-attr]
    with qtbot.waitSignal(browser.curator.failed, timeout=5000):
        browser.detail.button("favourite").click()  # as a person would
    assert not browser.detail.button("favourite").isChecked()  # shows what is stored
    with qtbot.waitSignal(browser.curator.failed, timeout=5000):
        browser.curator.delete([ids[1]])
    assert any("still being checked" in text and "Try again in a few seconds" in text
               for text in said), said
    assert _favourite(layout, ids[0]) == 0
    assert image.exists()
    assert browser.model.rowCount() == 5
    assert check_runs == []

    gate.release.set()
    qtbot.waitUntil(lambda: runtime.history is not None, timeout=20_000)
    # The same connection writes now: the browser (its selection, its scroll) is kept.
    assert runtime.history is early
    assert _writes(early)
    assert win.history.browser is browser
    # The start-up file check ran only now (it waits for the engine's checks).
    assert check_runs == [browser]
    with qtbot.waitSignal(browser.curator.changed, timeout=5000):
        browser.curator.set_favourite(ids[0], True)
    assert _favourite(layout, ids[0]) == 1


def test_the_tab_opened_while_the_app_starts_leaves_the_collection_to_the_engines_ready(
    runtime_factory: RuntimeFactory, emulator: EmulatorServer, qtbot: QtBot, tmp_path: Path,
    start_gate: StartGate
) -> None:
    """The launch holds the cyclic collector off until the engine is ready, which settles the
    heap. The History tab's browser built before that (the tab left open last time, or opened
    in the first seconds) settled it itself: a full collection, ~45-50 ms of CPU before the
    tab showed the history. Now the one collection is the engine's ready event's."""
    base = tmp_path / "base"
    with HistoryStore.open(_layout(base)) as store:
        make = JobMaker(store)
        for i in range(3):
            make(f"a harbour in fog, study {i}")
    passes: list[str] = []

    def count(phase: str, _info: dict[str, int]) -> None:
        if phase == "start":
            passes.append(phase)

    heap.hold_collections()
    gc.callbacks.append(count)
    try:
        runtime = runtime_factory(emulator, base=base, engine_in_thread=True)
        win = ready_window(runtime, qtbot, wait_for_key=False)
        _open_history_tab(win, qtbot, lambda n: n == 3)
        qtbot.waitUntil(start_gate.arrived.is_set, timeout=20_000)
        assert runtime.history is None  # the engine's start is held before its check
        assert passes == []
        start_gate.release.set()
        qtbot.waitUntil(lambda: runtime.history is not None, timeout=20_000)
        assert passes  # the hold's end settled the heap
        assert gc.isenabled()
    finally:
        gc.callbacks.remove(count)
        heap.end_hold()
        gc.enable()


def test_a_journal_the_engine_finds_damaged_after_early_reads_is_replaced_with_its_notice(
    runtime_factory: RuntimeFactory, emulator: EmulatorServer, qtbot: QtBot, tmp_path: Path,
    start_gate: StartGate
) -> None:
    """Header intact, inner pages overwritten: the early reads fail (said, not shown as rows,
    no crash); the engine's check then moves the file aside and the tab lists the fresh one."""
    base = tmp_path / "base"
    layout = _layout(base)
    damage_pages(layout)
    gate = start_gate
    runtime = runtime_factory(emulator, base=base, engine_in_thread=True)
    win = ready_window(runtime, qtbot, wait_for_key=False)
    said = _messages(win)
    win.acts.history_tab.trigger()
    qtbot.waitUntil(lambda: win.history.browser is not None, timeout=15_000)
    early_browser = win.history.browser
    assert early_browser is not None
    qtbot.waitUntil(lambda: any("damaged" in text for text in said), timeout=10_000)
    assert early_browser.model.rowCount() == 0  # nothing read from the damaged pages

    gate.release.set()
    qtbot.waitUntil(lambda: runtime.history is not None, timeout=20_000)
    assert win.history.browser is not None
    assert win.history.browser is not early_browser
    fresh = win.history.current_store()
    assert fresh is not None
    assert runtime.history is fresh
    assert _writes(fresh)
    assert list(layout.root.glob("history.corrupt-*")), "the damaged journal was moved aside"
    qtbot.waitUntil(lambda: any("has been moved to" in text for text in said), timeout=5000)
    assert win.history.browser.model.rowCount() == 0
