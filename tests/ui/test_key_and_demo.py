"""API key dialog (test, wrong key, keyring unavailable, real keyring), demo mode, autosave."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from qwenimg_desktop.core.errors import KeyringUnavailable
from qwenimg_desktop.core.jobs.model import JobState
from qwenimg_desktop.core.secrets import KeyStore
from qwenimg_desktop.emulator.server import EmulatorServer
from tests.ui.conftest import RuntimeFactory, ready_window, type_prompt, type_text, wait_state

RIGHT = "right-id:right-secret"


def test_test_key_says_clearly_when_the_key_is_wrong(
    runtime_factory: RuntimeFactory, emulator_factory: object, qtbot: QtBot
) -> None:
    strict: EmulatorServer = emulator_factory(None, valid_keys={RIGHT})  # type: ignore[operator]
    win = ready_window(runtime_factory(strict), qtbot, wait_for_key=False)
    dialog = win.open_settings()
    qtbot.waitUntil(lambda: not dialog.is_busy(), timeout=5000)
    assert dialog.key_field.echoMode() == dialog.key_field.EchoMode.Password
    type_text(qtbot, dialog.key_field, "wrong-id:wrong-secret")
    qtbot.mouseClick(dialog.test_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "rejected" in dialog.result_label.text(), timeout=15_000)
    assert "wrong-secret" not in dialog.result_label.text()
    dialog.key_field.setText(RIGHT)
    qtbot.waitUntil(lambda: not dialog.is_busy(), timeout=5000)
    qtbot.mouseClick(dialog.test_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "works" in dialog.result_label.text(), timeout=15_000)


def test_keyring_unavailable_offers_a_session_key(
    runtime_factory: RuntimeFactory, emulator: EmulatorServer, qtbot: QtBot,
    no_backend_keystore: KeyStore,
) -> None:
    runtime = runtime_factory(emulator, key_store=no_backend_keystore)
    win = ready_window(runtime, qtbot, wait_for_key=False)
    qtbot.waitUntil(win.params.blocked.isVisible, timeout=5000)
    assert not win.key_ready
    assert not win.params.generate.isEnabled()
    dialog = win.open_settings()
    qtbot.waitUntil(dialog.session_button.isVisible, timeout=5000)
    said = dialog.location.text()
    assert said.startswith("No system keyring is installed on this computer. ")
    assert said.count("keyring") == 1  # the reason once, not wrapped in a second "unavailable"
    assert "this session only" in said
    assert "FAL_KEY" in said
    # One message per problem: not a second copy below it.
    assert "keyring" not in dialog.result_label.text()
    assert not dialog.save_button.isEnabled()
    assert not dialog.remove_button.isEnabled()  # there is no key to remove
    # Nothing clipped: all of it shown, or (taller than the screen) all of it scrolls into view
    available = dialog.screen().availableGeometry().height()
    assert dialog.height() >= min(dialog.needed_height(), available - 40)
    assert dialog.frameGeometry().height() <= available
    dialog.key_field.setText("session-id:session-secret")
    qtbot.mouseClick(dialog.session_button, Qt.MouseButton.LeftButton)
    assert no_backend_keystore.source() == "session"
    assert "this session only" in dialog.location.text()
    assert dialog.remove_button.isEnabled()
    qtbot.waitUntil(lambda: win.key_ready, timeout=5000)
    type_prompt(qtbot, win, "session key works")
    assert win.params.generate.isEnabled()
    job_id = win.generate()
    assert job_id
    wait_state(qtbot, win, job_id, JobState.completed)


def test_a_malformed_key_is_refused_in_the_dialog_before_any_request(
    runtime_factory: RuntimeFactory, emulator: EmulatorServer, qtbot: QtBot,
    no_backend_keystore: KeyStore,
) -> None:
    runtime = runtime_factory(emulator, key_store=no_backend_keystore)
    win = ready_window(runtime, qtbot, wait_for_key=False)
    dialog = win.open_settings()
    qtbot.waitUntil(dialog.session_button.isVisible, timeout=5000)
    before = len(emulator.requests())
    dialog.key_field.setText("pasted-without-its-secret")
    qtbot.mouseClick(dialog.session_button, Qt.MouseButton.LeftButton)
    assert "<key_id>:<key_secret>" in dialog.result_label.text()
    with pytest.raises(KeyringUnavailable):  # no session key was set: the keyring is asked
        no_backend_keystore.source()
    qtbot.waitUntil(lambda: not dialog.is_busy(), timeout=5000)
    qtbot.mouseClick(dialog.test_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "no colon" in dialog.result_label.text(), timeout=15_000)
    assert "pasted-without-its-secret" not in dialog.result_label.text()
    assert len(emulator.requests()) == before  # refused here, never sent


@pytest.mark.keyring
def test_save_and_remove_in_the_real_keyring(
    runtime_factory: RuntimeFactory, emulator: EmulatorServer, qtbot: QtBot,
    real_keystore: KeyStore,
) -> None:
    runtime = runtime_factory(emulator, key_store=real_keystore)
    win = ready_window(runtime, qtbot, wait_for_key=False)
    dialog = win.open_settings()
    qtbot.waitUntil(lambda: not dialog.is_busy(), timeout=5000)
    dialog.key_field.setText("kr-id:kr-secret")
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "system keyring" in dialog.location.text(), timeout=10_000)
    assert dialog.key_field.text() == ""
    assert real_keystore.source() == "keyring"
    qtbot.waitUntil(lambda: win.key_ready, timeout=5000)
    qtbot.mouseClick(dialog.remove_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "removed" in dialog.result_label.text(), timeout=10_000)
    assert real_keystore.get() is None
    qtbot.waitUntil(lambda: not win.key_ready, timeout=5000)


def test_first_run_without_a_key_explains_and_offers_demo(
    runtime_factory: RuntimeFactory, emulator: EmulatorServer, qtbot: QtBot,
) -> None:
    runtime = runtime_factory(emulator, key_store=KeyStore(), first_run_done=False)
    # No keyring in this process and no session key: the first-run dialog explains.
    win = runtime.window
    assert win is not None
    win.show()
    qtbot.waitUntil(lambda: win.first_run is not None and win.first_run.isVisible(),
                    timeout=5000)
    assert win.first_run is not None
    assert "fal.ai/dashboard/keys" in win.first_run.text()
    assert win.first_run.demo_button.isVisible()
    qtbot.mouseClick(win.first_run.demo_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: runtime.demo and runtime.window is not win, timeout=10_000)
    demo = ready_window(runtime, qtbot, wait_for_key=False)
    assert demo.demo_banner.isVisible()
    assert "DEMO" in demo.windowTitle()


def test_demo_mode_generates_locally_without_a_key(
    runtime_factory: RuntimeFactory, qtbot: QtBot, tmp_path: Path
) -> None:
    runtime = runtime_factory(key_store=KeyStore(), demo=True)
    win = ready_window(runtime, qtbot, wait_for_key=False)
    assert win.demo_banner.isVisible()
    assert "DEMO" in win.demo_banner.text()
    assert "$" not in win.params.generate.text()  # nothing is charged: no price shown
    assert runtime.emulator is not None
    assert runtime.queue_base.startswith("http://127.0.0.1:")
    type_prompt(qtbot, win, "demo 演示")
    job_id = win.generate()
    assert job_id
    row = wait_state(qtbot, win, job_id, JobState.completed)
    assert all(Path(p).is_relative_to(tmp_path / "base" / "demo") for p in row.image_paths)
    assert runtime.emulator.stats()["submits_total"] == 1


def test_draft_autosave_survives_and_is_restored(
    runtime_factory: RuntimeFactory, emulator: EmulatorServer, qtbot: QtBot, tmp_path: Path
) -> None:
    base = tmp_path / "shared"
    first = runtime_factory(emulator, base=base)
    win = ready_window(first, qtbot, wait_for_key=False)
    type_prompt(qtbot, win, "## 草稿\nkept after a crash")
    win.params.num_images.setValue(3)
    # The debounced write happens on a worker without closing the window (as before a crash).
    qtbot.waitUntil(lambda: win.autosave.path.exists() and "kept after" in
                    win.autosave.path.read_text(encoding="utf-8"), timeout=5000)
    qtbot.waitUntil(lambda: '"num_images": 3' in win.autosave.path.read_text(encoding="utf-8"),
                    timeout=5000)
    win.close()
    first.close()
    first.window = None
    second = runtime_factory(emulator, base=base)
    restored = ready_window(second, qtbot, wait_for_key=False)
    assert restored.editor.editor.toPlainText() == "## 草稿\nkept after a crash"
    assert restored.params.num_images.value() == 3
    assert [restored.editor.outline.item(0).text()] == ["草稿"]


def test_jobs_at_once_and_price_apply_without_a_restart(
    runtime_factory: RuntimeFactory, emulator: EmulatorServer, qtbot: QtBot
) -> None:
    runtime = runtime_factory(emulator)
    win = ready_window(runtime, qtbot, wait_for_key=False)
    engine = runtime.engine
    assert engine is not None
    qtbot.waitUntil(lambda: engine.ready, timeout=10_000)
    dialog = win.open_settings()
    dialog.concurrency.setValue(7)
    dialog.price.setValue(0.2)
    qtbot.waitUntil(lambda: engine.concurrency == 7, timeout=2000)
    qtbot.waitUntil(lambda: engine.price_per_image == pytest.approx(0.2), timeout=2000)
    assert runtime.settings.concurrency == 7


def test_demo_mode_can_be_left_without_a_restart(
    runtime_factory: RuntimeFactory, emulator: EmulatorServer, qtbot: QtBot,
) -> None:
    """File → Leave demo mode: the emulator stops, the window comes back talking to fal (here
    the test's emulator) with the saved key, no DEMO banner, prices shown."""
    runtime = runtime_factory(emulator, demo=True)
    demo = runtime.window  # not given to qtbot: the switch deletes it
    assert demo is not None
    demo.show()
    assert demo.acts.leave_demo.isVisible()
    demo.acts.leave_demo.trigger()
    qtbot.waitUntil(lambda: not runtime.demo and runtime.window is not demo, timeout=10_000)
    assert runtime.emulator is None
    win = ready_window(runtime, qtbot)
    assert not win.demo_banner.isVisible()
    assert "DEMO" not in win.windowTitle()
    assert not win.acts.leave_demo.isVisible()
    assert win.acts.settings.isVisible()
    type_prompt(qtbot, win, "back at fal")
    job_id = win.generate()
    assert job_id is not None
    wait_state(qtbot, win, job_id, JobState.completed)
    assert emulator.stats()["submits_total"] == 1
