"""UI test fixtures: a real AppRuntime (engine, store, bridge, window) against the emulator."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from keyring.backends import null
from PySide6.QtCore import Qt
from PySide6.QtGui import QInputMethodEvent
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot

from qwenimg_desktop.app import Options
from qwenimg_desktop.app.runtime import AppRuntime
from qwenimg_desktop.core.jobs.model import JobState
from qwenimg_desktop.core.secrets import BILLING_ACCOUNT, KeyStore
from qwenimg_desktop.emulator.server import EmulatorServer
from qwenimg_desktop.ui.create.jobs_model import JobRow
from qwenimg_desktop.ui.main_window import MainWindow
from tests.ui.i18n_support import chinese  # noqa: F401  (the zh-CN catalog fixture)

TEST_KEY = "test-key-id:0123456789abcdef"
RuntimeFactory = Callable[..., AppRuntime]


def session_keystore(key: str | None = TEST_KEY) -> KeyStore:
    """A real KeyStore holding a session key (no keyring is touched to read it)."""
    store = KeyStore()
    if key is not None:
        store.set_session_key(key)
    return store


def no_billing_key() -> KeyStore:
    """A billing key store on keyring's null backend: no billing key (no keyring touched)."""
    return KeyStore(backend=null.Keyring(), account=BILLING_ACCOUNT,
                    from_environment=False)


@pytest.fixture
def runtime_factory(
    qapp: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[RuntimeFactory]:
    """Build AppRuntimes with their window; every runtime is closed at teardown."""
    monkeypatch.delenv("FAL_KEY", raising=False)
    runtimes: list[AppRuntime] = []

    def factory(
        emulator: EmulatorServer | None = None, *, key_store: KeyStore | None = None,
        demo: bool = False, base: Path | None = None, first_run_done: bool = True,
        billing_keys: KeyStore | None = None, engine_in_thread: bool = False,
    ) -> AppRuntime:
        base_dir = base or tmp_path / "base"
        options = Options(demo=demo, queue_url=emulator.base_url if emulator else None,
                          engine_in_thread=engine_in_thread)
        runtime = AppRuntime(options, key_store=key_store or session_keystore(),
                             billing_keys=billing_keys or no_billing_key(), base_dir=base_dir)
        runtime.settings.first_run_done = first_run_done
        runtimes.append(runtime)
        runtime.make_window()
        return runtime

    yield factory
    for runtime in runtimes:
        if runtime.window is not None:
            runtime.window.close()
        runtime.close()


@pytest.fixture
def window(
    runtime_factory: RuntimeFactory, emulator: EmulatorServer, qtbot: QtBot
) -> MainWindow:
    """A shown main window whose engine talks to the fast emulator with a valid session key."""
    return ready_window(runtime_factory(emulator), qtbot)


def ready_window(runtime: AppRuntime, qtbot: QtBot, *, show: bool = True,
                 wait_for_key: bool = True) -> MainWindow:
    """The runtime's window, closed at teardown, shown, and (by default) with its key read."""
    win = runtime.window
    assert win is not None
    qtbot.addWidget(win)
    if show:
        win.show()
    if wait_for_key:
        qtbot.waitUntil(lambda: win.key_ready, timeout=5000)
    return win


def type_text(qtbot: QtBot, widget: QWidget, text: str) -> None:
    """Type like a user: keys for ASCII, Return for newlines, an IME commit for other text."""
    widget.setFocus()
    for chunk in re.findall(r"\n|[\x20-\x7e]+|[^\x20-\x7e\n]+", text):
        if chunk == "\n":
            qtbot.keyClick(widget, Qt.Key.Key_Return)
        elif chunk.isascii():
            qtbot.keyClicks(widget, chunk)
        else:
            commit = QInputMethodEvent()
            commit.setCommitString(chunk)
            QApplication.sendEvent(widget, commit)


def type_prompt(qtbot: QtBot, win: MainWindow, text: str) -> None:
    """Type into the prompt editor like a user, then validate (as Generate does)."""
    type_text(qtbot, win.editor.editor, text)
    qtbot.waitUntil(lambda: win.draft.prompt == text, timeout=3000)
    win.draft.validate_now()


def wait_state(qtbot: QtBot, win: MainWindow, job_id: str, state: JobState,
               timeout: int = 20_000) -> JobRow:
    def reached() -> bool:
        row = win.jobs_model.row(job_id)
        return row is not None and row.state is state

    qtbot.waitUntil(reached, timeout=timeout)
    row = win.jobs_model.row(job_id)
    assert row is not None
    return row




def wait_for_prices(qtbot: QtBot, window: MainWindow) -> None:
    """Until the window knows fal's prices (the engine reads them from the emulator at start)."""
    qtbot.waitUntil(lambda: window.prices.quote(
        "fal-ai/qwen-image-2/pro/text-to-image").per_image is not None, timeout=20_000)
