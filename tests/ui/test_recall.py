"""Recall while writing: the index (ranking, headings, Chinese, snippets) and the editor popup
in the real window over a real history."""

from __future__ import annotations

import sys
import time
import tracemalloc

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from qwenimg_desktop.core.params import GenerationRequest
from qwenimg_desktop.core.recall import RecallIndex, split_marks
from qwenimg_desktop.core.store.snippets import Snippet
from qwenimg_desktop.emulator.server import EmulatorServer
from tests.ui.conftest import RuntimeFactory, ready_window, type_text

PROMPTS = [
    "## Scene\na lighthouse on a cliff\n## Style\nwatercolor wash",
    "## Scene\na lighthouse at dawn\n## Style\nwatercolor wash",
    "## Style\nwatercolor wash\nlighthouse keeper portrait",
    "## 场景\n一只可爱的猫坐在窗台上\n## 风格\n水彩风格",
    "一只可爱的猫在睡觉",
]


def test_index_ranks_by_use_and_reads_headings_chinese_and_snippets() -> None:
    index = RecallIndex.build(PROMPTS, [("Golden light", "## Light\ngolden hour glow", 0)])
    assert split_marks("  ## Sce") == ("  ## ", "Sce")
    assert [s.text for s in index.suggest("wat")] == ["watercolor wash"]
    assert index.suggest("wat")[0].uses == 3
    lights = index.suggest("a li")
    assert [s.text for s in lights] == ["a lighthouse on a cliff", "a lighthouse at dawn"]
    assert [(s.text, s.kind) for s in index.suggest("## Sty")] == [("Style", "heading")]
    assert [s.text for s in index.suggest("一只可")] == ["一只可爱的猫坐在窗台上",
                                                     "一只可爱的猫在睡觉"]
    assert index.suggest("li") == []  # fewer than three characters
    assert index.suggest("watercolor wash") == []  # already complete
    snippet = index.suggest("Gold")
    assert [(s.kind, s.text) for s in snippet] == [("snippet", "## Light\ngolden hour glow")]
    index.add_prompt("a lighthouse at dawn\nsomething new")
    index.add_prompt("a lighthouse at dawn")
    assert index.suggest("a li")[0].text == "a lighthouse at dawn"
    index.set_snippets([("Watercolour set", "watercolor wash, paper grain", 0)])
    assert index.suggest("Gold") == []
    assert [s.kind for s in index.suggest("wat")] == ["snippet", "line"]  # ranked at once
    index.set_snippets([])
    assert [s.kind for s in index.suggest("wat")] == ["line"]


def test_suggestions_are_fast_on_a_large_index() -> None:
    prompts = [f"## Scene {i % 500}\nprompt line number {i} with words {i * 7 % 1000}"
               for i in range(20_000)]
    index = RecallIndex.build(prompts)
    worst = 0.0
    for typed in ("pro", "prompt line number 1", "## Sce", "## Scene 4", "zzz"):
        start = time.perf_counter()
        index.suggest(typed)
        worst = max(worst, time.perf_counter() - start)
    assert worst < 0.05  # the 100,000-prompt figure is in docs/performance.md


def test_typing_shows_past_lines_and_enter_takes_one(runtime_factory: RuntimeFactory,
                                                     emulator: EmulatorServer,
                                                     qtbot: QtBot) -> None:
    runtime = runtime_factory(emulator)
    win = ready_window(runtime, qtbot)
    qtbot.waitUntil(lambda: win.services.history_store is not None
                    and win.services.history_store() is not None, timeout=10_000)
    assert win.services.history_store is not None
    store = win.services.history_store()
    assert store is not None
    qtbot.waitUntil(lambda: win.recall.index is not None, timeout=15_000)  # built at start
    for prompt in PROMPTS:
        store.create_pending(GenerationRequest(prompt=prompt), queue_base="q",
                             cost_estimate=0.0)
    store.save_snippet(Snippet("Golden light", "golden hour glow, long shadows"))
    with qtbot.waitSignal(win.recall.ready, timeout=10_000):
        win.recall.rebuild()
    editor = win.editor.editor
    type_text(qtbot, editor, "## Sce")
    qtbot.waitUntil(win.recall.popup_visible, timeout=3000)
    assert [s.text for s in win.recall.suggestions] == ["Scene"]
    qtbot.keyClick(win.recall.popup, Qt.Key.Key_Return)
    assert editor.toPlainText() == "## Scene"
    assert not win.recall.popup_visible()
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    type_text(qtbot, editor, "a li")
    qtbot.waitUntil(win.recall.popup_visible, timeout=3000)
    qtbot.keyClick(win.recall.popup, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not win.recall.popup_visible(), timeout=3000)
    assert editor.toPlainText() == "## Scene\na li"
    # Ctrl+Space asks explicitly; a snippet is found by its name and inserts its text
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    type_text(qtbot, editor, "Gol")
    win.recall.popup.hide()
    qtbot.keyClick(editor, Qt.Key.Key_Space, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(win.recall.popup_visible, timeout=3000)
    assert win.recall.suggestions[0].kind == "snippet"
    qtbot.keyClick(win.recall.popup, Qt.Key.Key_Tab)
    assert editor.toPlainText() == "## Scene\na li\ngolden hour glow, long shadows"
    editor.undo()  # one undo step takes the completion back
    assert editor.toPlainText() == "## Scene\na li\nGol"


def test_a_line_already_in_lower_case_is_kept_once() -> None:
    """The index sorts each bucket by the case-folded text; a line that folding leaves as it is
    (most prompt lines) is not stored a second time (~45 MB at 100,000 prompts)."""
    lines = [f"line {i:05d}" + ", a lighthouse at dawn, watercolor wash" * 10 for i in range(2000)]
    text_bytes = sum(sys.getsizeof(line) for line in lines)
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        index = RecallIndex.build(line for line in lines)
        held = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert len(index) == 2000
    assert [s.text for s in index.suggest("Line 0001", limit=2)] == [lines[10], lines[11]]
    # One-line prompts: the index shares their text. A folded copy of each line would alone be
    # as large as the text (measured 1.69× with it, 0.60× without).
    assert held < text_bytes
