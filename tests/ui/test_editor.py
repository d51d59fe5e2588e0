"""The markdown prompt editor: typing (IME too), counters, outline jumps, find, undo, preview."""

from __future__ import annotations

from PySide6.QtCore import QByteArray, Qt
from PySide6.QtGui import QImage, QTextDocument
from pytestqt.qtbot import QtBot

from qwenimg_desktop.ui.create.draft import Draft, validate
from qwenimg_desktop.ui.editor.editor_panel import EditorPanel
from tests.ui.conftest import type_text

DOC = "# 标题 Title\nintro\n\n## Scene 场景\n- a cat\n\n```\n## not a heading\n```\n### Light\nend"


def _panel(qtbot: QtBot) -> tuple[EditorPanel, Draft]:
    draft = Draft()
    panel = EditorPanel(draft)
    qtbot.addWidget(panel)
    panel.show()
    return panel, draft


def test_typing_chinese_and_english_updates_draft_and_counters(qtbot: QtBot) -> None:
    panel, draft = _panel(qtbot)
    type_text(qtbot, panel.editor, "## 场景\n一只猫 a cat")
    assert panel.editor.toPlainText() == "## 场景\n一只猫 a cat"
    assert draft.prompt == "## 场景\n一只猫 a cat"
    assert panel.counts.text() == "15 characters · 2 lines"
    qtbot.keyClick(panel.editor, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert panel.editor.toPlainText() != "## 场景\n一只猫 a cat"
    qtbot.keyClick(panel.editor, Qt.Key.Key_Z,
                   Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert panel.editor.toPlainText() == "## 场景\n一只猫 a cat"


def test_outline_lists_headings_outside_code_and_jumps(qtbot: QtBot) -> None:
    panel, _draft = _panel(qtbot)
    panel.load(DOC, "")
    titles = [panel.outline.item(i).text().strip() for i in range(panel.outline.count())]
    assert titles == ["标题 Title", "Scene 场景", "Light"]
    item = panel.outline.item(2)
    rect = panel.outline.visualItemRect(item)
    qtbot.mouseClick(panel.outline.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert panel.editor.textCursor().blockNumber() == 9
    assert panel.editor.textCursor().block().text() == "### Light"


def test_find_bar_finds_wraps_and_reports_missing(qtbot: QtBot) -> None:
    panel, _draft = _panel(qtbot)
    panel.load("cat dog cat", "")
    panel.find_bar.open_bar()
    assert panel.find_bar.isVisible()
    qtbot.keyClicks(panel.find_bar.field, "cat")
    first = panel.editor.textCursor().selectionStart()
    assert panel.find_bar.find_next()
    second = panel.editor.textCursor().selectionStart()
    assert {first, second} == {0, 8}
    assert panel.find_bar.find_next()
    panel.find_bar.field.setText("zebra")
    assert panel.find_bar.status.text() == "Not found"
    qtbot.keyClick(panel.find_bar.field, Qt.Key.Key_Escape)
    assert not panel.find_bar.isVisible()


def test_preview_renders_markdown_without_html_resources_or_links(qtbot: QtBot) -> None:
    panel, _draft = _panel(qtbot)
    panel.set_preview_visible(True)
    panel.load("## Head\n<b>raw</b> ![img](file:///etc/passwd) [link](https://example.com)", "")
    panel.preview.render_now()
    text = panel.preview.toPlainText()
    assert "Head" in text
    assert "##" not in text
    assert "<b>raw</b>" in text, "raw HTML is shown as text, not interpreted"
    assert not panel.preview.openLinks()
    assert not panel.preview.openExternalLinks()
    image = panel.preview.loadResource(
        QTextDocument.ResourceType.ImageResource.value, "file:///etc/passwd"
    )
    assert isinstance(image, QImage)
    assert image.isNull()
    other = panel.preview.loadResource(
        QTextDocument.ResourceType.StyleSheetResource.value, "file:///etc/passwd"
    )
    assert isinstance(other, QByteArray)
    assert other.isEmpty()


def test_negative_counter(qtbot: QtBot) -> None:
    panel, draft = _panel(qtbot)
    type_text(qtbot, panel.negative.edit, "blurry, 模糊")
    assert panel.negative.counter.text() == "10/500"
    cut: list[str] = []
    panel.limit_reached.connect(cut.append)
    panel.negative.edit.setPlainText("x" * 501)  # the editor holds no more than the request takes
    assert panel.negative.counter.text() == "500/500"
    assert draft.negative_prompt == "x" * 500
    assert cut == ["The negative prompt holds at most 500 characters: 1 character of the text "
                   "you added was left out."]
    result = draft.validate_now()
    assert "negative_prompt" not in result.errors
    assert not panel.negative.error.isVisible()
    panel.show_validation(validate("ok", "x" * 501, draft.params))  # a longer one, from a model
    assert panel.negative.error.isVisible()
    assert "longer than 500" in panel.negative.error.text()
