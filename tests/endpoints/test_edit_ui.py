"""The edit workflow in the window: choosing Edit, references beside the prompt (checked, with
the offered fix), reorder/remove, "Edit this image", and lineage in the history's detail pane."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from qwenimg_desktop.core.edit_request import EditRequest
from qwenimg_desktop.core.endpoints import EndpointKind, Tier, build_request
from qwenimg_desktop.core.jobs.model import JobState
from qwenimg_desktop.core.references import make_reference
from qwenimg_desktop.core.store.history import HistoryStore, ImageRecord
from qwenimg_desktop.core.store.reference_files import keep_reference
from qwenimg_desktop.emulator.server import EmulatorServer
from qwenimg_desktop.ui.history.describe import parameter_rows
from qwenimg_desktop.ui.history.view import HistoryBrowser
from qwenimg_desktop.ui.main_window import MainWindow
from tests.endpoints.images import image_file
from tests.ui.conftest import RuntimeFactory, ready_window, type_prompt, wait_state


@pytest.fixture
def window(runtime_factory: RuntimeFactory, emulator: EmulatorServer, qtbot: QtBot
           ) -> MainWindow:
    win = ready_window(runtime_factory(emulator), qtbot)
    qtbot.waitUntil(lambda: win._data_layout() is not None, timeout=10_000)
    return win


def _files(tmp_path: Path) -> dict[str, Path]:
    files = {
        "red": image_file("PNG", (640, 480), colour=(220, 40, 40)),
        "blue": image_file("JPEG", (512, 512), colour=(40, 40, 220)),
        "alpha": image_file("PNG", (600, 600), "RGBA", (40, 200, 40, 100)),
        "tiny": image_file("PNG", (100, 100)),
    }
    paths = {}
    for name, data in files.items():
        paths[name] = tmp_path / f"{name}.png"
        paths[name].write_bytes(data)
    return paths


def test_edit_mode_shows_the_references_checks_them_and_offers_the_fix(
    window: MainWindow, qtbot: QtBot, tmp_path: Path,
) -> None:
    files = _files(tmp_path)
    strip = window.references
    assert not strip.isVisible()  # text-to-image: no references
    qtbot.mouseClick(window.params.chooser.buttons["edit"], Qt.MouseButton.LeftButton)
    assert window.draft.endpoint.kind is EndpointKind.edit
    assert strip.isVisible()
    type_prompt(qtbot, window, "put image 2's colour on image 1")
    window.draft.validate_now()
    assert "reference" in window.params.blocked.text().lower()
    with qtbot.waitSignal(strip.intake_finished, timeout=10_000):
        strip.add_files([files["red"], files["alpha"], files["tiny"]])
    assert len(window.draft.references) == 1
    problems = strip.problems.text()
    assert "alpha.png has transparency" in problems
    assert "tiny.png is 100×100 px" in problems
    assert "Offered fix: flatten the transparency onto white" in problems
    assert strip.fix_button.isVisible()
    with qtbot.waitSignal(strip.intake_finished, timeout=10_000):
        qtbot.mouseClick(strip.fix_button, Qt.MouseButton.LeftButton)
    assert [r.file_name for r in window.draft.references] == ["red.png", "alpha.png"]
    assert not strip.fix_button.isVisible()
    with qtbot.waitSignal(strip.intake_finished, timeout=10_000):
        strip.add_files([files["blue"]])
    assert [t.number.text() for t in strip.tiles] == ["image 1", "image 2", "image 3"]
    assert not strip.add_button.isEnabled()  # three is the most an edit takes
    qtbot.mouseClick(strip.tiles[2].left, Qt.MouseButton.LeftButton)  # blue becomes image 2
    assert [r.file_name for r in window.draft.references] == ["red.png", "blue.jpg", "alpha.png"]
    qtbot.mouseClick(strip.tiles[0].remove, Qt.MouseButton.LeftButton)
    assert [r.file_name for r in window.draft.references] == ["blue.jpg", "alpha.png"]
    result = window.draft.validate_now()
    assert isinstance(result.request, EditRequest)
    assert window.params.generate.text() == "Generate · $0.075"  # pro edit, one image
    qtbot.mouseClick(window.params.chooser.buttons["standard"], Qt.MouseButton.LeftButton)
    window.draft.validate_now()
    assert window.draft.endpoint.tier is Tier.standard
    assert window.params.generate.text() == "Generate · $0.035"  # standard edit
    references = list((window._data_layout().root / "references").rglob("*.*"))  # type: ignore[union-attr]
    assert len(references) == 3  # red, fixed alpha, blue: content-addressed copies


def test_edit_this_image_from_the_result_viewer_links_the_reference(
    window: MainWindow, qtbot: QtBot,
) -> None:
    type_prompt(qtbot, window, "a lantern")
    job_id = window.generate()
    assert job_id
    wait_state(qtbot, window, job_id, JobState.completed)
    window.results.show_job(window.jobs_model.row(job_id))
    qtbot.waitUntil(lambda: bool(window.results.current_path()), timeout=10_000)
    with qtbot.waitSignal(window.references.intake_finished, timeout=10_000):
        qtbot.mouseClick(window.results.buttons["edit"], Qt.MouseButton.LeftButton)
    assert window.draft.endpoint.kind is EndpointKind.edit
    assert window.draft.endpoint.tier is Tier.pro  # the tier chosen before stays
    (reference,) = window.draft.references
    assert (reference.source_job_id, reference.source_index) == (job_id, 0)
    assert window.references.tiles[0].number.text() == "image 1"


def _complete(store: HistoryStore, job_id: str, n: int) -> None:
    store.mark_sending(job_id)
    store.mark_submitted(job_id, request_id=f"req-{n}", status_url=None, response_url=None,
                         cancel_url=None, queue_position=0)
    store.mark_fetching(job_id, result_json="{}", seed=n, metrics_json=None)
    path = store.layout.image_path(job_id, 0, "png")
    path.parent.mkdir(parents=True, exist_ok=True)
    data = image_file("PNG", (512, 512))
    path.write_bytes(data)
    store.complete(job_id, [ImageRecord(0, store.layout.relative(path), 512, 512, "png",
                                        len(data), "0" * 64)])


@pytest.fixture
def lineage(store: HistoryStore, make_job: Callable[..., str]) -> tuple[str, str]:
    parent = make_job("the original")
    data = image_file("PNG", (512, 512))
    reference = make_reference(data, "original.png", source_job_id=parent, source_index=0)
    keep_reference(store.layout, reference, data)
    request = build_request("fal-ai/qwen-image-2/pro/edit",
                            {"prompt": "make it red", "references": [reference]})
    child = store.create_pending(request, queue_base="q", cost_estimate=0.075)
    _complete(store, child, 7)
    return parent, child


def test_lineage_both_ways_in_the_detail_pane(
    lineage: tuple[str, str], browser: HistoryBrowser, store: HistoryStore, qtbot: QtBot,
) -> None:
    parent, child = lineage
    qtbot.waitUntil(lambda: browser.model.row_of(child) is not None, timeout=5000)
    browser.select_job(child)
    text = browser.detail.lineage.text()
    assert "Made from: image 1 ←" in text
    assert f'href="job:{parent}"' in text
    browser.detail.open_job.emit(parent)  # what a click on the link does
    assert browser.detail.record is not None
    assert browser.detail.record.id == parent
    assert "Edits of this:" in browser.detail.lineage.text()
    assert f'href="job:{child}"' in browser.detail.lineage.text()
    browser.detail.open_job.emit(child)
    assert browser.detail.record.id == child
    record = store.get(child)
    assert record is not None and record.endpoint == "fal-ai/qwen-image-2/pro/edit"  # noqa: PT018
    rows = {row.key: row.value for row in parameter_rows(record)}
    assert rows["image_size"] == "same as the last reference"


def test_images_dropped_on_the_window_become_references_in_edit_mode(
    window: MainWindow, qtbot: QtBot, tmp_path: Path,
) -> None:
    from tests.history.test_detail_compare_drop import drop_on

    files = _files(tmp_path)
    qtbot.mouseClick(window.params.chooser.buttons["edit"], Qt.MouseButton.LeftButton)
    with qtbot.waitSignal(window.references.intake_finished, timeout=10_000):
        assert drop_on(window.editor.editor.viewport(), files["red"])
    assert [r.file_name for r in window.draft.references] == ["red.png"]


def test_reusing_an_edit_brings_its_references_back(window: MainWindow) -> None:
    layout = window._data_layout()
    assert layout is not None
    data = image_file("PNG", (512, 512))
    reference = make_reference(data, "kept.png").model_copy(
        update={"url": "https://v3.fal.media/files/old/kept.png"})
    keep_reference(layout, reference, data)
    request = build_request("fal-ai/qwen-image-2/edit",
                            {"prompt": "again", "references": [reference]})
    window.history.reuse_requested.emit(request, "exact")
    assert window.draft.endpoint.id == "fal-ai/qwen-image-2/edit"
    (again,) = window.draft.references
    assert again.sha256 == reference.sha256
    assert again.url is None  # reused only if fal still keeps it (the journal decides)
    assert window.references.tiles[0].number.text() == "image 1"


def test_the_references_survive_a_restart_with_the_draft(
    runtime_factory: RuntimeFactory, emulator: EmulatorServer, qtbot: QtBot, tmp_path: Path,
) -> None:
    base = tmp_path / "shared"
    first = runtime_factory(emulator, base=base)
    win = ready_window(first, qtbot, wait_for_key=False)
    qtbot.waitUntil(lambda: win._data_layout() is not None, timeout=10_000)
    qtbot.mouseClick(win.params.chooser.buttons["edit"], Qt.MouseButton.LeftButton)
    with qtbot.waitSignal(win.references.intake_finished, timeout=10_000):
        win.references.add_files([_files(tmp_path)["red"]])
    type_prompt(qtbot, win, "make it blue")
    qtbot.waitUntil(lambda: win.autosave.path.exists() and "references" in
                    win.autosave.path.read_text(encoding="utf-8") and "red.png" in
                    win.autosave.path.read_text(encoding="utf-8"), timeout=5000)
    saved = win.draft.references
    win.close()
    first.close()
    first.window = None
    second = runtime_factory(emulator, base=base)
    restored = ready_window(second, qtbot, wait_for_key=False)
    assert restored.draft.endpoint.kind is EndpointKind.edit
    assert restored.draft.references == saved
    assert restored.draft.validate_now().ok
