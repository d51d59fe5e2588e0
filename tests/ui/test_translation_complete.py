"""Under zh-CN no user-visible text is left in English: the whole window with a finished
4-image job, the edit endpoint, History with rows, a detail and its menus, and each dialog,
walked widget by widget (text, tooltip, placeholder, title, accessible name, items, tabs, rows);
the status-bar sentences said on the way are checked too. A text that is the same in every
language (product names, formats, units, what the user types) is allowed by tests/ui/ui_texts.py.
"""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QMessageBox, QWidget
from pytestqt.qtbot import QtBot

from qwenimg_desktop.core.budget import BudgetDecision, Verdict
from qwenimg_desktop.core.endpoints import EndpointKind, Tier
from qwenimg_desktop.core.jobs.model import JobState
from qwenimg_desktop.core.secrets import KeyStore
from qwenimg_desktop.ui import messages
from qwenimg_desktop.ui.core_texts import CORE_TEXTS
from qwenimg_desktop.ui.dialogs.budget_stop import budget_stop_box
from qwenimg_desktop.ui.main_window import MainWindow
from tests.ui.conftest import RuntimeFactory, ready_window, type_prompt, wait_state
from tests.ui.ui_texts import action_texts, english_left, untranslated, widget_texts


def test_the_checker_flags_english_and_passes_chinese() -> None:
    assert english_left("Generate") == "Generate"
    assert english_left("Seed 种子") == "Seed"
    assert english_left("生成 · $0.30") == ""
    assert english_left("fal 拒绝了这个 API 密钥") == ""
    assert english_left("打开 <b>文件 → 设置(&S)…</b> https://fal.ai/dashboard/keys") == ""
    assert english_left("fal-ai/qwen-image-2/pro/text-to-image") == ""
    assert english_left("保存为 PNG") == ""
    assert english_left("种子：1,2,3 或范围 10-19") == ""


def test_every_core_text_the_window_shows_is_in_the_catalog() -> None:
    """Endpoint titles, field titles and descriptions, batch axes and reference fixes come
    from the Qt-free core in English; each must be marked in ui/core_texts.py."""
    from qwenimg_desktop.core.batch.plan import AXES
    from qwenimg_desktop.core.endpoints import all_endpoints
    from qwenimg_desktop.core.endpoints.describe import field_specs
    from qwenimg_desktop.core.references import FIX_LABELS

    shown = {*AXES.values(), *FIX_LABELS.values()}
    for endpoint in all_endpoints():
        shown.add(endpoint.title)
        for spec in field_specs(endpoint.request_model):
            shown |= {spec.title, spec.description, spec.none_text}
    shown -= {"", "—"}
    assert sorted(shown - CORE_TEXTS) == []


def _demo_window(runtime_factory: RuntimeFactory, qtbot: QtBot,
                 said: list[tuple[str, str]]) -> MainWindow:
    """A demo window (jobs run on the built-in emulator) whose status-bar sentences are kept
    in ``said``."""
    runtime = runtime_factory(key_store=KeyStore(), demo=True)
    win = ready_window(runtime, qtbot, wait_for_key=False)
    win.messenger.message.connect(lambda _level, text: said.append(("status bar", text)))
    win.resize(1366, 768)
    return win


def _finished_job(qtbot: QtBot, win: MainWindow, prompt: str, images: int) -> str:
    win.tabs.setCurrentIndex(0)
    win.editor.load(prompt, "模糊，水印", 0)
    win.draft.validate_now()
    win.params.num_images.setValue(images)
    job_id = win.generate()
    assert job_id
    wait_state(qtbot, win, job_id, JobState.completed)
    return job_id


def _walk(root: QWidget) -> list[str]:
    return untranslated(widget_texts(root))


def _box_texts(box: QMessageBox) -> list[str]:
    texts = [("box text", box.text()), ("box info", box.informativeText()),
             *widget_texts(box)]
    return untranslated(texts)


@pytest.mark.usefixtures("chinese")
def test_create_tab_and_its_dialogs_are_all_chinese(
    runtime_factory: RuntimeFactory, qtbot: QtBot
) -> None:
    said: list[tuple[str, str]] = []
    win = _demo_window(runtime_factory, qtbot, said)
    type_prompt(qtbot, win, "江南水乡")
    win.params.num_images.setValue(4)
    job_id = win.generate()
    assert job_id
    wait_state(qtbot, win, job_id, JobState.completed)
    qtbot.waitUntil(lambda: win.results.strip.count() == 4, timeout=10_000)
    qtbot.waitUntil(lambda: not win.results.view.image.isNull(), timeout=10_000)
    left = _walk(win)
    left += untranslated(action_texts("menu bar", win.menuBar().actions()))

    lightbox = win.results.open_lightbox()
    assert lightbox is not None
    left += _walk(lightbox)
    lightbox.close()

    qtbot.waitUntil(lambda: win._data_layout() is not None, timeout=30_000)
    win.editor.load("{红色|蓝色} 的猫", "", 0)
    win.draft.validate_now()
    win.batch.mode.setCurrentIndex(1)  # every combination
    win.batch.axes.setText("seed=1-2")
    win.batch.refresh()
    left += _walk(win.batch)
    box = win.batch.confirm()
    assert box is not None
    left += _box_texts(box)
    box.close()

    win.params.chooser.choose(Tier.pro, EndpointKind.edit)
    qtbot.waitUntil(win.references.isVisible, timeout=5000)
    left += _walk(win)
    win.params.chooser.choose(Tier.pro, EndpointKind.generate)

    win.show_library(True)
    left += _walk(win.library)
    snippet = win.save_prompt_as_snippet("江南水乡", "")
    left += _walk(snippet)
    snippet.close()

    settings = win.open_settings()
    qtbot.waitUntil(lambda: not settings.is_busy(), timeout=10_000)
    left += _walk(settings)
    settings.close()

    win.show_first_run()
    assert win.first_run is not None
    left += _box_texts(win.first_run)
    win.first_run.close()

    for decision in (
        BudgetDecision(Verdict.over_cap, "", "daily", 1.1, 1.0, 0.3),
        BudgetDecision(Verdict.over_cap, "", "monthly", 10.1, 10.0, 0.3),
        BudgetDecision(Verdict.ask, "", amount=0.3, ask="cost", limit=0.2),
        BudgetDecision(Verdict.ask, "", amount=8, ask="images", limit=4),
    ):
        stop = budget_stop_box(decision, win)
        left += _box_texts(stop)
        stop.deleteLater()

    for state in (JobState.queued, JobState.running):
        left += untranslated([("cancel question", messages.cancel_question(state))])
    for count in (1, 3):
        left += untranslated([("quit question", messages.quit_question(count))])
    left += untranslated([("about", messages.about_text("1.0")),
                          ("notification", " ".join(messages.job_done_text(
                              "江南", JobState.completed, 4)))])
    for state in JobState:
        left += untranslated([("state", messages.state_line(state, 2, 12.0))])
    for kind in ("AuthError", "RateLimited", "ServerError", "NetworkError",
                 "SubmissionUnknown", "DiskFull", "ValidationFailed"):
        # The reason comes from fal or the core; the hint after it is the window's own.
        hint = messages.failure_text("失败", kind)
        left += untranslated([(f"failure hint {kind}", hint)])
    left += untranslated(said)
    assert left == [], "\n".join(left)


@pytest.mark.usefixtures("chinese")
def test_history_its_menus_and_dialogs_are_all_chinese(
    runtime_factory: RuntimeFactory, qtbot: QtBot
) -> None:
    said: list[tuple[str, str]] = []
    win = _demo_window(runtime_factory, qtbot, said)
    first = _finished_job(qtbot, win, "# 江南水乡\n清晨的石桥", 2)
    second = _finished_job(qtbot, win, "# 雪山\n日出", 1)
    win.acts.history_tab.trigger()
    qtbot.waitUntil(lambda: win.history.browser is not None, timeout=10_000)
    browser = win.history.browser
    assert browser is not None
    qtbot.waitUntil(lambda: browser.select_job(first), timeout=10_000)
    qtbot.waitUntil(lambda: browser.detail.record is not None, timeout=10_000)
    left = _walk(win)

    browser.view.selectAll()
    assert sorted(browser.selected_ids()) == sorted([first, second])
    menu = browser.build_menu()
    left += untranslated(action_texts("history menu", menu.actions()))
    compare = browser.compare(first, second)
    assert compare is not None
    left += _walk(compare)
    compare.close()
    tags = browser.tag_editor_for_selection()
    assert tags is not None
    left += _walk(tags)
    tags.close()
    duplicates = browser.show_duplicates()
    qtbot.waitUntil(lambda: duplicates.status.text() not in ("", "Scanning…", "正在扫描…"),
                    timeout=20_000)
    left += _walk(duplicates)
    duplicates.close()
    spend = win.show_spend()
    assert spend is not None
    left += _walk(spend)
    spend.close()
    left += untranslated(said)
    assert left == [], "\n".join(left)
