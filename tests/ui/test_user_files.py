"""Files where people expect them (ui/user_files.py): the output folder's copies, Save as…,
"Open folder" selecting the file, and the settings that drive them; real jobs on the emulator."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot

from qwenimg_desktop.core.jobs.model import JobState
from qwenimg_desktop.emulator.server import EmulatorServer
from qwenimg_desktop.ui import user_files
from qwenimg_desktop.ui.main_window import MainWindow
from tests.fixtures.disk import fill
from tests.ui.conftest import RuntimeFactory, ready_window, type_prompt, wait_state
from tests.ui.test_notifications import Bus, bus  # noqa: F401 - the private session bus

FILE_MANAGER = "org.freedesktop.FileManager1"


def _window(runtime_factory: RuntimeFactory, emulator: EmulatorServer, qtbot: QtBot,
            out: Path) -> MainWindow:
    runtime = runtime_factory(emulator)
    runtime.settings.output_folder = str(out)
    win = ready_window(runtime, qtbot)
    qtbot.waitUntil(lambda: runtime.history is not None, timeout=20_000)
    return win


def _finish_job(qtbot: QtBot, win: MainWindow, prompt: str) -> str:
    type_prompt(qtbot, win, prompt)
    job_id = win.generate()
    assert job_id is not None
    wait_state(qtbot, win, job_id, JobState.completed)
    win.jobs.select_job(job_id)
    qtbot.waitUntil(lambda: bool(win.results.current_path()), timeout=5000)
    return job_id


def test_a_finished_image_is_copied_to_the_output_folder_with_a_readable_name(
        runtime_factory: RuntimeFactory, emulator: EmulatorServer, qtbot: QtBot,
        tmp_path: Path) -> None:
    out = tmp_path / "Pictures" / "Qwen Image"
    win = _window(runtime_factory, emulator, qtbot, out)
    with qtbot.waitSignal(win.files.copied, timeout=20_000) as copied:
        job_id = _finish_job(qtbot, win, "# 海边的灯塔\nA lighthouse at dusk")
    assert copied.args is not None
    assert copied.args[0] == job_id
    [copy] = copied.args[1]
    row = win.jobs_model.row(job_id)
    assert row is not None
    history_file = Path(row.image_paths[0])
    assert copy.parent == out
    assert copy.name.endswith(f"_海边的灯塔-A-lighthouse-at-dusk_{row.seed}-1.png")
    assert copy.read_bytes() == history_file.read_bytes()
    assert history_file.is_file()  # the history keeps its own copy
    assert win.files.shown_path(str(history_file)) == copy
    # The next session finds it by its bytes, whatever the template is now; a file of the same
    # size with other bytes is not taken for it.
    (out / f"zz-{copy.name}").write_bytes(bytes(b ^ 1 for b in copy.read_bytes()))
    win.services.settings.file_name_template = "{job}"
    later = user_files.UserFiles(win.services.settings, win.services.workers)
    assert later.shown_path(str(history_file)) == copy
    copy.unlink()
    assert later.shown_path(str(history_file)) == history_file


def test_save_as_starts_in_the_output_folder_with_the_name_and_the_format_and_remembers(
        runtime_factory: RuntimeFactory, emulator: EmulatorServer, qtbot: QtBot,
        tmp_path: Path) -> None:
    out = tmp_path / "out"
    win = _window(runtime_factory, emulator, qtbot, out)
    with qtbot.waitSignal(win.files.copied, timeout=20_000) as copied:
        _finish_job(qtbot, win, "A red kite")
    assert copied.args is not None
    start, kind = win.results.suggested_save_path()
    assert start == out / copied.args[1][0].name
    assert kind == "PNG image (*.png)"
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    with qtbot.waitSignal(win.messenger.message, timeout=10_000) as said:
        win.results.save_to(str(elsewhere / "kite"))  # typed without a suffix
    assert said.args == ["info", "Saved kite.png."]
    assert (elsewhere / "kite.png").read_bytes() == Path(win.results.current_path()).read_bytes()
    assert win.results.suggested_save_path()[0].parent == elsewhere  # remembered


def test_open_folder_selects_the_output_copy_in_the_file_manager(
        runtime_factory: RuntimeFactory, emulator: EmulatorServer, qtbot: QtBot,
        tmp_path: Path, bus: Bus, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: F811
    bus.start_server(FILE_MANAGER)
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", bus.address)
    win = _window(runtime_factory, emulator, qtbot, tmp_path / "out")
    with qtbot.waitSignal(win.files.copied, timeout=20_000) as copied:
        _finish_job(qtbot, win, "猫")
    assert copied.args is not None
    copy: Path = copied.args[1][0]
    with qtbot.waitSignal(win.files.revealed, timeout=10_000) as revealed:
        win.results.buttons["folder"].click()
    assert revealed.args == ["file manager", copy]
    call = bus.next_call()
    assert call["member"] == "ShowItems"
    assert call["signature"] == "ass"
    assert call["args"] == [[copy.as_uri()], ""]  # the copy, not the history's shard


@pytest.mark.skipif(sys.platform != "linux", reason="the offscreen platform opens no URL")
def test_without_a_file_manager_the_path_is_shown_and_can_be_copied(
        runtime_factory: RuntimeFactory, emulator: EmulatorServer, qtbot: QtBot,
        tmp_path: Path, bus: Bus, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: F811
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", bus.address)  # nobody owns FileManager1
    win = _window(runtime_factory, emulator, qtbot, tmp_path / "out")
    with qtbot.waitSignal(win.files.copied, timeout=20_000) as copied:
        _finish_job(qtbot, win, "A fox")
    assert copied.args is not None
    copy: Path = copied.args[1][0]
    with qtbot.waitSignal(win.files.revealed, timeout=10_000) as revealed:
        win.results.open_folder()
    assert revealed.args == ["message", copy]
    box = win.files.path_box
    assert box is not None
    assert box.isVisible()
    assert str(copy) in box.text()
    [copy_button] = [b for b in box.buttons() if b.text() == "Copy path"]
    copy_button.click()
    assert QGuiApplication.clipboard().text() == str(copy)


def test_a_full_output_folder_is_said_and_the_history_keeps_the_image(
        runtime_factory: RuntimeFactory, emulator: EmulatorServer, qtbot: QtBot,
        small_disk: Path) -> None:
    out = small_disk / "Qwen Image"
    out.mkdir()
    win = _window(runtime_factory, emulator, qtbot, out)
    fill(small_disk, 4)
    errors: list[str] = []
    win.messenger.message.connect(lambda level, text: errors.append(text)
                                  if level == "error" else None)
    job_id = _finish_job(qtbot, win, "A heron")
    qtbot.waitUntil(lambda: bool(errors), timeout=10_000)
    assert f"The output folder {out} is full" in errors[0]
    assert "The image is safe in the history" in errors[0]
    row = win.jobs_model.row(job_id)
    assert row is not None
    assert row.state is JobState.completed
    assert Path(row.image_paths[0]).is_file()
    assert list(out.iterdir()) == []


def test_demo_images_are_not_copied(runtime_factory: RuntimeFactory, qtbot: QtBot,
                                    tmp_path: Path) -> None:
    runtime = runtime_factory(demo=True)
    runtime.settings.output_folder = str(tmp_path / "out")
    win = ready_window(runtime, qtbot)
    assert not win.files.copy_finished("job", None, 1, ("/x.png",))


def test_the_settings_edit_the_folder_and_the_template_with_a_live_example(
        runtime_factory: RuntimeFactory, emulator: EmulatorServer, qtbot: QtBot,
        tmp_path: Path) -> None:
    win = _window(runtime_factory, emulator, qtbot, tmp_path / "out")
    settings = win.services.settings
    files = win.open_settings().files
    assert "海边的灯塔-Lighthouse-at-dusk_42-1.png" in files.example.text()
    files.template.setText("{seed}_{nope}")
    assert files.example.text() == "The file-name template has an unknown token {nope}."
    assert settings.file_name_template == "{date}_{time}_{prompt}_{seed}-{index}"  # kept
    files.template.setText("{prompt}-{index}")
    assert files.example.text() == "For example: 海边的灯塔-Lighthouse-at-dusk-1.png"
    assert settings.file_name_template == "{prompt}-{index}"
    files.folder.setText(str(tmp_path / "mine"))
    files.folder.editingFinished.emit()
    assert win.files.folder == tmp_path / "mine"
    files.folder.setText("")
    files.folder.editingFinished.emit()
    assert win.files.folder == user_files.default_output_folder()
    assert files.folder.placeholderText() == f"Default: {user_files.default_output_folder()}"


def test_the_default_output_folder_is_the_pictures_folder(
        monkeypatch: pytest.MonkeyPatch, qapp: object) -> None:
    monkeypatch.undo()  # the tests' own redirect (tests/conftest.py)
    from PySide6.QtCore import QStandardPaths

    pictures = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.PicturesLocation)
    assert user_files.default_output_folder() == Path(pictures) / "Qwen Image"


def test_a_message_box_path_is_selectable(qtbot: QtBot, qapp: object, tmp_path: Path) -> None:
    from qwenimg_desktop.core.settings import AppSettings
    from qwenimg_desktop.ui.workers import Workers

    workers = Workers()
    try:
        files = user_files.UserFiles(AppSettings(), workers)
        box = files.show_path(tmp_path / "a.png", None)
        qtbot.addWidget(box)
        assert box.textInteractionFlags() & box.textInteractionFlags().TextSelectableByMouse
        assert box.icon() is QMessageBox.Icon.Information
    finally:
        workers.shutdown()
