"""History's exports start where the user last exported (else the output folder), remember
it, and add the .zip a typed name lacks; Show in folder selects the file."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PySide6.QtWidgets import QFileDialog, QWidget
from pytestqt.qtbot import QtBot

from qwenimg_desktop.core.settings import AppSettings
from qwenimg_desktop.ui.history.view import HistoryBrowser
from qwenimg_desktop.ui.user_files import UserFiles
from qwenimg_desktop.ui.workers import Workers


@pytest.fixture
def files(tmp_path: Path) -> Iterator[UserFiles]:
    workers = Workers()
    yield UserFiles(AppSettings(output_folder=str(tmp_path / "out")), workers)
    workers.shutdown()


def test_export_to_zip_starts_in_the_output_folder_and_remembers_where_it_went(
        browser: HistoryBrowser, make_job: Callable[..., str], files: UserFiles, qtbot: QtBot,
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    browser.files = files
    make_job("export me")
    browser.model.refresh()
    qtbot.waitUntil(lambda: browser.model.rowCount() == 1, timeout=5000)
    browser.view.selectAll()
    asked: list[str] = []
    exports = tmp_path / "exports"
    exports.mkdir()

    def save_dialog(_parent: QWidget, _title: str, start: str, kinds: str) -> tuple[str, str]:
        asked.append(start)
        return str(exports / "mine"), kinds  # typed without .zip

    monkeypatch.setattr(QFileDialog, "getSaveFileName", save_dialog)
    with qtbot.waitSignal(browser.curator.exported, timeout=5000):
        browser.ask_export(as_zip=True)
    assert asked == [str(tmp_path / "out" / time.strftime("qwen-image-export-%Y-%m-%d.zip"))]
    assert (exports / "mine.zip").is_file()
    with qtbot.waitSignal(browser.curator.exported, timeout=5000):
        browser.ask_export(as_zip=True)
    assert Path(asked[1]).parent == exports  # remembered


def test_show_in_folder_reveals_the_image_file(
        browser: HistoryBrowser, make_job: Callable[..., str], files: UserFiles,
        qtbot: QtBot, monkeypatch: pytest.MonkeyPatch) -> None:
    browser.files = files
    job = make_job("show me")
    revealed: list[Path] = []
    monkeypatch.setattr(files, "reveal", lambda path, _parent: revealed.append(path))
    [record] = browser.reader.get_many([job]).values()
    browser._show_in_folder(record)
    qtbot.waitUntil(lambda: bool(revealed), timeout=5000)  # looked for a copy on a worker
    assert revealed == [browser.layout_.absolute(record.images[0].path)]  # there is none
