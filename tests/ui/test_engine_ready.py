"""The window learns that the engine is ready from its EngineReady event (no polling)."""

from __future__ import annotations

import gc
import logging
import sqlite3
from pathlib import Path

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QLabel
from pytestqt.qtbot import QtBot

from qwenimg_desktop.core import heap, paths
from qwenimg_desktop.core.store.files import DataLayout
from qwenimg_desktop.emulator.server import EmulatorServer
from tests.ui.conftest import RuntimeFactory, ready_window


def test_the_history_tab_opens_on_the_engines_ready_event(
    runtime_factory: RuntimeFactory, emulator: EmulatorServer, qtbot: QtBot
) -> None:
    runtime = runtime_factory(emulator)
    win = ready_window(runtime, qtbot)
    win.acts.history_tab.trigger()  # asked for before (or after) the engine is ready
    qtbot.waitUntil(lambda: win.history.browser is not None, timeout=20_000)
    # The window's own connection, opened on the GUI side and handed to the tab by the
    # composition root; nothing polls for it.
    store = runtime.history
    assert store is not None
    assert win.history.current_store() is store
    assert runtime.engine is not None
    assert store.layout.db_path == runtime.engine.layout.db_path
    assert win.history.findChildren(QTimer) == []
    assert not hasattr(runtime.engine, "store")  # the engine process keeps no window store


def test_a_failed_engine_start_is_said_in_the_tab_and_ends_the_start(
    runtime_factory: RuntimeFactory, emulator: EmulatorServer, qtbot: QtBot, tmp_path: Path
) -> None:
    base = tmp_path / "base"
    layout = DataLayout(paths.default_data_dir(base))
    layout.ensure()
    with sqlite3.connect(layout.db_path) as db:  # written by a newer app: not repairable
        db.execute("PRAGMA user_version = 9999")
    failures: list[str] = []
    runtime = runtime_factory(emulator, base=base)
    runtime.on_start_failed = failures.append  # open_window says it and quits
    win = ready_window(runtime, qtbot, wait_for_key=False)
    qtbot.waitUntil(lambda: bool(failures), timeout=20_000)
    assert "schema version 9999" in failures[0]
    assert "Update Qwen Image Desktop" in failures[0]  # the next step
    win.history.show_browser()
    assert win.history.browser is None
    assert runtime.history is None
    shown = [label.text() for label in win.history.page.findChildren(QLabel)]
    assert any("could not be opened" in text and "9999" in text for text in shown), shown


def test_the_collector_held_by_the_launch_comes_back_when_the_engine_is_ready(
    runtime_factory: RuntimeFactory, emulator: EmulatorServer, qtbot: QtBot
) -> None:
    """app.launch holds the cyclic collector off while the window's code loads and the window
    is built (core.heap): no pass until the engine is ready, where the heap is settled."""
    heap.hold_collections()
    try:
        runtime = runtime_factory(emulator)
        ready_window(runtime, qtbot, wait_for_key=False)
        assert runtime.history is None  # the engine's ready event has not been delivered yet
        assert not gc.isenabled()
        qtbot.waitUntil(lambda: runtime.history is not None, timeout=15_000)
        assert gc.isenabled()
        assert gc.get_freeze_count() > 0
    finally:
        heap.end_hold()
        gc.enable()


def test_closing_while_the_engine_starts_is_not_reported_as_a_failed_start(
    runtime_factory: RuntimeFactory, emulator: EmulatorServer, qtbot: QtBot,
    caplog: pytest.LogCaptureFixture
) -> None:
    """The window closed before the engine's start finished: its ready event then finds the
    app closing. That is no failure (it logged "the job engine could not start", an error, and
    told a window that was gone); the collector's hold still ends."""
    caplog.set_level(logging.INFO, logger="qwenimg.app")
    failures: list[str] = []
    heap.hold_collections()
    try:
        runtime = runtime_factory(emulator)
        runtime.on_start_failed = failures.append
        win = ready_window(runtime, qtbot, wait_for_key=False)
        assert runtime.history is None  # still starting
        win.close()
        runtime.close()  # stops the child, which finishes its start first
        qtbot.waitUntil(lambda: "after the app began to close" in caplog.text, timeout=15_000)
        assert gc.isenabled()
    finally:
        heap.end_hold()
        gc.enable()
    assert failures == []
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING] == []
    assert runtime.history is None
