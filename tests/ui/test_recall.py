"""Recall while writing: the index (ranking, headings, Chinese, snippets) and the editor popup
in the real window over a real history."""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
import random
import sqlite3
import subprocess
import sys
import threading
import time

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from qwenimg_desktop.core import recall
from qwenimg_desktop.core.params import GenerationRequest
from qwenimg_desktop.core.recall import RecallIndex, split_marks
from qwenimg_desktop.core.store.history import HistoryStore
from qwenimg_desktop.core.store.snippets import Snippet
from qwenimg_desktop.emulator.server import EmulatorServer
from qwenimg_desktop.ui.editor.recall import read_index
from qwenimg_desktop.ui.main_window import MainWindow
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


def test_the_index_of_a_history_finds_old_prompts_with_sqlite_doing_the_reading(
        history_store: HistoryStore) -> None:
    """Built from the history's own SQLite file (as the window builds it): the oldest prompt's
    lines are found, the newest first among equal uses, only the newest ``limit`` jobs count,
    and no prompt passes through Python (a constant ~200 calls: the Python build made ~45 per
    prompt on its thread, holding the window's GIL for 2–3 s at 100,000 generations, see
    docs/performance.md)."""
    prompts = [f"## Scene {n % 7}\na harbour at dawn number {n}\nwatercolor wash"
               for n in range(600)]
    prompts[0] = "a forgotten lighthouse keeper\n## Scene 0\nwatercolor wash"
    prompts[1] = "a forgotten lighthouse\n## Scene 1\nwatercolor wash"
    for prompt in prompts:  # the oldest first, as they were sent
        history_store.create_pending(GenerationRequest(prompt=prompt), queue_base="q",
                                     cost_estimate=0.0)
    calls = 0

    def count(_frame: object, event: str, _arg: object) -> None:
        nonlocal calls
        calls += event in ("call", "c_call")

    sys.setprofile(count)
    try:
        index = RecallIndex.build_from_history(history_store.layout.db_path, 1000)
    finally:
        sys.setprofile(None)
    assert calls < 400, calls  # the Python build: 27,191 for these 600 prompts
    assert [s.text for s in index.suggest("a forgotten")] == [
        "a forgotten lighthouse", "a forgotten lighthouse keeper"]  # equal uses: newest first
    assert index.suggest("wat")[0].uses == 600
    assert [s.text for s in index.suggest("## Scene")][:5] == [  # 86 uses each: newest first
        "Scene 4", "Scene 3", "Scene 2", "Scene 1", "Scene 0"]
    assert index.suggest("a harbour at dawn number 599") == []  # a complete line
    assert [s.text for s in index.suggest("a harbour at dawn number 59")][:1] == [
        "a harbour at dawn number 599"]
    assert [s.text for s in read_index(history_store).suggest("a forgotten")] == [
        "a forgotten lighthouse", "a forgotten lighthouse keeper"]  # as the window builds it
    newest = RecallIndex.build_from_history(history_store.layout.db_path, 2)
    assert [s.text for s in newest.suggest("a harbour")] == [
        "a harbour at dawn number 599", "a harbour at dawn number 598"]
    assert newest.suggest("a forgotten") == []  # older than the newest two
    index.add_prompt("a forgotten lighthouse keeper")
    assert [s.text for s in index.suggest("a forgotten")] == [
        "a forgotten lighthouse keeper", "a forgotten lighthouse"]


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


def test_typing_shows_past_lines_tab_takes_one_and_enter_starts_a_new_line(
        runtime_factory: RuntimeFactory, emulator: EmulatorServer, qtbot: QtBot) -> None:
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
    assert not win.recall.has_choice()  # opened as you type: nothing chosen yet
    qtbot.keyClick(win.recall.popup, Qt.Key.Key_Tab)  # Tab takes the first
    assert editor.toPlainText() == "## Scene"
    assert not win.recall.popup_visible()
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    type_text(qtbot, editor, "a li")
    qtbot.waitUntil(win.recall.popup_visible, timeout=3000)
    qtbot.keyClick(win.recall.popup, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not win.recall.popup_visible(), timeout=3000)
    assert editor.toPlainText() == "## Scene\na li"
    # Enter with the popup open as you type starts a new line: the past line "a lighthouse…"
    # does not replace the one typed
    type_text(qtbot, editor, "g")
    qtbot.waitUntil(win.recall.popup_visible, timeout=3000)
    qtbot.keyClick(win.recall.popup, Qt.Key.Key_Return)
    assert editor.toPlainText() == "## Scene\na lig\n"
    assert not win.recall.popup_visible()
    # Down chooses a row, then Enter takes it
    type_text(qtbot, editor, "a li")
    qtbot.waitUntil(win.recall.popup_visible, timeout=3000)
    first = win.recall.suggestions[0].text
    qtbot.keyClick(win.recall.popup, Qt.Key.Key_Down)
    assert win.recall.has_choice()
    qtbot.keyClick(win.recall.popup, Qt.Key.Key_Return)
    assert editor.toPlainText() == f"## Scene\na lig\n{first}"
    # Ctrl+Space asks explicitly; a snippet is found by its name and inserts its text
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    type_text(qtbot, editor, "Gol")
    win.recall.popup.hide()
    qtbot.keyClick(editor, Qt.Key.Key_Space, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(win.recall.popup_visible, timeout=3000)
    assert win.recall.suggestions[0].kind == "snippet"
    assert win.recall.has_choice()  # asked for: the first is chosen
    qtbot.keyClick(win.recall.popup, Qt.Key.Key_Return)
    assert editor.toPlainText() == f"## Scene\na lig\n{first}\ngolden hour glow, long shadows"
    editor.undo()  # one undo step takes the completion back
    assert editor.toPlainText() == f"## Scene\na lig\n{first}\nGol"
    _sent_prompts_are_counted_off_the_gui_thread(win)


def _sent_prompts_are_counted_off_the_gui_thread(win: MainWindow) -> None:
    """A sent prompt's lines are counted on the recall's worker, not inside Generate."""
    index = win.recall.index
    assert index is not None
    counted_on: list[int] = []
    add = index.add_prompt

    def recorded(prompt: str) -> None:
        counted_on.append(threading.get_ident())
        add(prompt)

    index.add_prompt = recorded  # type: ignore[method-assign]
    win.recall.add_prompt("a weathervane on a red barn")
    assert win.recall.wait()
    assert counted_on
    assert counted_on[0] != threading.get_ident()
    assert [s.text for s in index.suggest("a weather")] == ["a weathervane on a red barn"]


_HELD = """
import sys
from pathlib import Path
from qwenimg_desktop.core import heap
from qwenimg_desktop.core.recall import RecallIndex

def anon_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("RssAnon:"):
            return int(line.split()[1]) / 1024
    raise SystemExit("no RssAnon")

heap.return_large_blocks()  # as the window's process does
lines = (f"line {i:05d}" + ", a lighthouse at dawn, watercolor wash" * 25 for i in range(20_000))
before = anon_mb()
index = RecallIndex.build(lines)
assert len(index) == 20_000
assert [s.text[:10] for s in index.suggest("Line 0001", limit=2)] == ["line 00010", "line 00011"]
print(anon_mb() - before)
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="/proc")
def test_the_index_keeps_its_lines_on_disk_not_in_memory() -> None:
    """20,000 distinct lines of ~960 characters (19 MB of text): the index kept ~2× its text in
    memory as Python objects (82 MB at 100,000 prompts); in its SQLite file it keeps a page
    cache of 2 MB, whatever the history's size."""
    out = subprocess.run([sys.executable, "-c", _HELD], capture_output=True, text=True,
                         check=True, timeout=300)
    held_mb = float(out.stdout.strip())
    assert held_mb < 8, held_mb


def _prompt_keys(prompt: str) -> list[tuple[str, str]]:
    """The distinct lines and headings of ``prompt`` the index counts, read the plain way."""
    keys: dict[tuple[str, str], None] = {}
    for line in prompt.splitlines():
        marks, body = split_marks(line)
        body = body.rstrip()
        if recall.MIN_PREFIX <= len(body) <= recall.MAX_LINE_CHARS:
            keys[("heading" if "#" in marks else "line", body)] = None
    return list(keys)


class _Plain:
    """What completion offers, worked out the plain way: every entry in the order it was first
    added (a snippet replaced goes last), counted, then filtered and sorted for what is typed."""

    def __init__(self) -> None:
        self.entries: dict[tuple[str, str], tuple[str, int, str]] = {}  # → text, uses, label

    def count(self, prompt: str) -> None:
        for kind, text in _prompt_keys(prompt):
            _, uses, label = self.entries.get((kind, text), (text, 0, ""))
            self.entries[(kind, text)] = (text, uses + 1, label)

    def put_snippets(self, listed: list[tuple[str, str, int]]) -> None:
        for key in [k for k in self.entries if k[0] == "snippet"]:
            del self.entries[key]
        for name, text, uses in listed:
            body = text.strip()
            first = split_marks(body.splitlines()[0])[1] if body else ""
            for match in dict.fromkeys(k for k in (name.strip(), first)
                                       if body and len(k) >= recall.MIN_PREFIX):
                label = match if match == first else f"{match} — {first[:60]}"
                self.entries[("snippet", f"{match}\x00{body}")] = (
                    body, uses + recall.SNIPPET_BONUS, label)

    def suggest(self, typed: str, limit: int) -> list[tuple[str, str, int, str]]:
        _, body = split_marks(typed)
        if len(body) < recall.MIN_PREFIX:
            return []
        folded = body.casefold()
        whole_bucket = len(folded) == recall.MIN_PREFIX
        listed = [(text, kind, uses, label, position)
                  for position, ((kind, _), (text, uses, label)) in enumerate(self.entries.items())
                  if (label or text)[:3].casefold() == body[:3].casefold() and (
                      whole_bucket
                      or folded <= (label or text).casefold() < folded + "\U0010ffff")]
        listed.sort(key=lambda e: (-e[2], e[4]))
        found: list[tuple[str, str, int, str]] = []
        for text, kind, uses, label, _ in listed if whole_bucket else listed[:limit * 2]:
            if text != body and text not in {f[0] for f in found} and len(found) < limit:
                found.append((text, kind, uses, label))
        return found


def test_suggestions_are_what_the_plain_computation_gives() -> None:
    """Random prompts with headings, case folding that changes lengths (ß, İ), CJK, repeated
    lines and snippets added, counted and replaced: the index answers as the plain way."""
    rng = random.Random(21)
    words = ["a", "li", "Lighthouse", "light", "ß", "STRASSE", "strasse", "猫", "一只可爱", "#",
             "Wat", "water", "watercolor", "x", "İs", "ǅ", "é", "É"]

    def line() -> str:
        return " ".join(rng.choice(words) for _ in range(rng.randint(1, 5)))

    def prompt() -> str:
        return "\n".join(("## " if rng.random() < 0.2 else "") + line()
                         for _ in range(rng.randint(1, 4)))

    for _ in range(25):
        prompts = [prompt() for _ in range(rng.randint(0, 200))]
        snippets = [(line(), prompt(), rng.randint(0, 4)) for _ in range(rng.randint(0, 4))]
        added = [prompt() for _ in range(rng.randint(0, 4))]
        later = [(line(), prompt(), rng.randint(0, 4)) for _ in range(rng.randint(0, 3))]
        index, plain = RecallIndex.build(iter(prompts), snippets), _Plain()
        for one in prompts:
            plain.count(one)
        plain.put_snippets(snippets)
        for one in added:
            index.add_prompt(one)
            plain.count(one)
        index.set_snippets(later)
        plain.put_snippets(later)
        for _ in range(60):
            typed = ("## " if rng.random() < 0.3 else "") + line()[:rng.randint(1, 20)]
            limit = rng.choice([1, 2, 8])
            got = [(s.text, s.kind, s.uses, s.label) for s in index.suggest(typed, limit)]
            assert got == plain.suggest(typed, limit), typed
        index.close()
        assert index.suggest("Lighthouse") == []  # closed: its file is gone, nothing offered


def _sqlite_library() -> ctypes.CDLL | None:
    """The SQLite library the sqlite3 module uses, when it is a shared one this can load."""
    try:
        lib = ctypes.CDLL(ctypes.util.find_library("sqlite3") or "libsqlite3.so.0")
    except OSError:
        return None
    lib.sqlite3_libversion.restype = ctypes.c_char_p
    if lib.sqlite3_libversion().decode() != sqlite3.sqlite_version:
        return None
    lib.sqlite3_memory_highwater.restype = ctypes.c_int64
    lib.sqlite3_memory_highwater.argtypes = [ctypes.c_int]
    lib.sqlite3_memory_used.restype = ctypes.c_int64
    return lib


def test_building_the_index_keeps_sqlites_memory_small() -> None:
    # The build runs as the first jobs are sent, at the window's memory peak: with an 8 MB page
    # cache SQLite also sorted the lookup indexes in 8 MB, 17 MB at its high-water mark for
    # these 80,000 lines (16 MB more of the window at 100,000 generations).
    lib = _sqlite_library()
    if lib is None:
        pytest.skip("SQLite is not a shared library this test can read the memory of")
    rng = random.Random(3)
    words = [f"w{n}" for n in range(5000)]
    prompts = ["\n".join(" ".join(rng.choice(words) for _ in range(12)) for _ in range(4))
               for _ in range(20_000)]
    # The counters are the process's: what other connections of earlier tests still hold (a
    # window's workers closing late on a busy machine) is the baseline, not the build's.
    gc.collect()
    before = lib.sqlite3_memory_used()
    lib.sqlite3_memory_highwater(1)  # from here
    index = recall.RecallIndex.build(prompts)
    try:
        assert len(index) == 80_000
        assert lib.sqlite3_memory_highwater(0) - before < 8_000_000
    finally:
        index.close()
