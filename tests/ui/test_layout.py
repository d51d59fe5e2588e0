"""What a person sees at 1366×768: Generate in view whatever messages show, the result image
the largest area, and a 4-image job's thumbnails side by side without overlapping."""

from __future__ import annotations

from PySide6.QtCore import QRect, Qt
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

from qwenimg_desktop.core.jobs.model import JobState
from qwenimg_desktop.ui.main_window import MainWindow
from tests.ui.conftest import type_prompt, wait_state


def _in_window(win: MainWindow, widget: QWidget) -> QRect:
    top_left = widget.mapTo(win, widget.rect().topLeft())
    return QRect(top_left, widget.size())


def test_generate_stays_in_view_at_1366x768_with_a_long_message(
    window: MainWindow, qtbot: QtBot
) -> None:
    window.resize(1366, 768)
    window.params.set_blocked_reason("A long reason. " * 30)
    qtbot.wait(50)
    generate = window.params.generate
    assert generate.isVisible()
    assert window.rect().contains(_in_window(window, generate))
    assert not generate.visibleRegion().isEmpty()
    assert generate.visibleRegion().boundingRect().size() == generate.size()


def test_four_thumbnails_do_not_overlap_and_the_image_is_the_largest_area(
    window: MainWindow, qtbot: QtBot
) -> None:
    window.resize(1366, 768)
    type_prompt(qtbot, window, "four at once")
    window.params.num_images.setValue(4)
    job_id = window.generate()
    assert job_id is not None
    wait_state(qtbot, window, job_id, JobState.completed)
    strip = window.results.strip
    qtbot.waitUntil(lambda: strip.count() == 4 and all(
        not strip.item(i).icon().isNull() for i in range(4)), timeout=10_000)
    rects = [strip.visualItemRect(strip.item(i)) for i in range(4)]
    for i, rect in enumerate(rects):
        assert strip.viewport().rect().contains(rect)
        for other in rects[i + 1:]:
            assert not rect.intersects(other)
    image_area = window.results.view.width() * window.results.view.height()
    widgets: tuple[QWidget, ...] = (window.editor.editor, window.jobs.view, window.params)
    for widget in widgets:
        assert image_area > widget.width() * widget.height()


def test_lightbox_opens_on_double_click_steps_with_arrows_and_esc_closes(
    window: MainWindow, qtbot: QtBot
) -> None:
    type_prompt(qtbot, window, "look closer")
    window.params.num_images.setValue(3)
    job_id = window.generate()
    assert job_id is not None
    wait_state(qtbot, window, job_id, JobState.completed)
    results = window.results
    qtbot.waitUntil(lambda: not results.view.image.isNull(), timeout=10_000)
    viewport = results.view.viewport()
    qtbot.mouseDClick(viewport, Qt.MouseButton.LeftButton, pos=viewport.rect().center())
    box = results.lightbox
    assert box is not None
    qtbot.waitUntil(box.isVisible, timeout=3000)
    assert box.caption.text() == "Image 1 of 3"
    assert not box.view.image.isNull()
    qtbot.keyClick(box, Qt.Key.Key_Right)
    assert box.caption.text() == "Image 2 of 3"
    assert results.strip.currentRow() == 1
    qtbot.keyClick(box, Qt.Key.Key_Left)
    qtbot.keyClick(box, Qt.Key.Key_Left)
    assert box.caption.text() == "Image 3 of 3"  # wraps around
    qtbot.keyClick(box, Qt.Key.Key_Escape)
    assert not box.isVisible()
    window.acts.lightbox.trigger()  # also from View → Lightbox
    assert box.isVisible()
    assert window.acts.lightbox.shortcut().toString() == "Ctrl+L"
