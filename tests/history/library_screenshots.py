"""Grab the library views offscreen into docs/screenshots/: the collections sidebar, the tag
editor, the prompt library and the duplicates window.

    .venv/bin/python -m tests.history.library_screenshots
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PIL import Image, ImageEnhance
from PySide6.QtCore import QItemSelectionModel
from PySide6.QtGui import QPainter, QPixmap
from PySide6.QtWidgets import QApplication

from qwenimg_desktop.core.store.files import DataLayout
from qwenimg_desktop.core.store.history import HistoryStore
from qwenimg_desktop.core.store.snippets import Snippet
from qwenimg_desktop.ui.editor.library_pane import LibraryPane
from qwenimg_desktop.ui.history.view import HistoryBrowser
from tests.history.screenshots import OUT, add_job, pump

SNIPPETS = [
    Snippet("Golden hour light", "## Light\n- golden hour, long soft shadows\n- warm rim light",
            tags=("light", "光线")),
    Snippet("水彩风格", "## 风格\n- 水彩风格\n- 柔和的光线\n- 纸张纹理", tags=("style", "风格"),
            negative_prompt="模糊, 低质量"),
    Snippet("Product shot", "Studio product photo on a seamless grey backdrop, softbox from the "
            "left, 85 mm lens", tags=("photo",), params={"fields": {"num_images": 4}}),
    Snippet("Ukiyo-e print", "## Style\nukiyo-e woodblock print, flat colours, bold outlines",
            tags=("style",)),
]


def _copy_picture(store: HistoryStore, source: str, target: str, *, brighter: bool) -> None:
    """Give ``target`` (a near or exact copy of) ``source``'s image and thumbnail."""
    src = store.get(source)
    dst = store.get(target)
    assert src is not None
    assert dst is not None
    for a, b in zip(src.images, dst.images, strict=False):
        assert a.thumb_path is not None
        assert b.thumb_path is not None
        if brighter:
            with Image.open(store.layout.absolute(a.thumb_path)) as thumb:
                ImageEnhance.Brightness(thumb.convert("RGB")).enhance(1.07).save(
                    store.layout.absolute(b.thumb_path), "JPEG", quality=85)
        else:
            shutil.copyfile(store.layout.absolute(a.thumb_path),
                            store.layout.absolute(b.thumb_path))
            with store._writing() as conn:
                conn.execute("UPDATE images SET sha256 = ? WHERE job_id = ? AND idx = ?",
                             (a.sha256, target, b.index))


def main() -> None:  # noqa: PLR0915 - one linear script of shots
    app = QApplication([])
    layout = DataLayout(Path(tempfile.mkdtemp())).ensure()
    now = [time.time() - 5000]

    def clock() -> float:
        now[0] += 37.0
        return now[0]

    store = HistoryStore.open(layout, clock=clock)
    ids = [add_job(store, n) for n in range(21)]
    done = [j for j in ids if store.get(j) and store.get(j).images]  # type: ignore[union-attr]
    trip = store.create_collection("Lighthouse series")
    cats = store.create_collection("猫 · 水彩")
    prints = store.create_collection("To print")
    store.create_collection("Client: Harbor Café")
    store.add_to_collection(trip, done[::2])
    store.add_to_collection(cats, done[1::3])
    store.add_to_collection(prints, done[:4])
    for n, job in enumerate(done):
        store.set_rating([job], [5, 4, 3, 0, 4, 2, 5, 0][n % 8])
    store.add_tags(done[:6], ["lighthouse", "oil painting"])
    store.add_tags(done[1::3], ["猫", "水彩", "可爱"])
    store.add_tags(done[::4], ["portfolio"])
    _copy_picture(store, done[0], done[5], brighter=False)
    _copy_picture(store, done[2], done[7], brighter=True)
    for snippet in SNIPPETS:
        store.save_snippet(snippet)

    browser = HistoryBrowser(store, os_trash=None)
    browser.resize(1560, 940)
    browser.show()
    pump(app, 1.2)
    browser.sidebar.select(trip)
    pump(app, 1.0)
    browser.select_job(done[0])
    pump(app, 0.8)
    browser.grab().save(str(OUT / "library-collections.png"))

    browser.sidebar.select(None)
    pump(app, 0.8)
    selection = browser.view.selectionModel()
    selection.clearSelection()
    for job in (done[1], done[4]):
        row = browser.model.row_of(job)
        assert row is not None
        selection.select(browser.model.index(row), QItemSelectionModel.SelectionFlag.Select)
    editor = browser.tag_editor_for_selection()
    assert editor is not None
    editor.edit.setText(editor.edit.text() + ", 水")
    editor.show()
    pump(app, 0.4)
    editor.completer.complete()
    pump(app, 0.6)
    shot = editor.grab()
    popup = editor.completer.popup()
    if popup is not None and popup.isVisible():
        combined = QPixmap(shot.width(), shot.height() + popup.height())
        combined.fill(editor.palette().window().color())
        painter = QPainter(combined)
        painter.drawPixmap(0, 0, shot)
        painter.drawPixmap(editor.edit.x(), editor.edit.geometry().bottom() + 4, popup.grab())
        painter.end()
        shot = combined
    shot.save(str(OUT / "library-tag-editor.png"))
    editor.close()

    pane = LibraryPane(lambda: store)
    pane.resize(520, 640)
    pane.show()
    pane.reload()
    pane.wait()
    pump(app, 0.6)
    pane.list.setCurrentRow(1)
    pump(app, 0.4)
    pane.grab().save(str(OUT / "library-prompts.png"))
    pane.shutdown()

    view = browser.show_duplicates()
    browser.curator.wait()
    pump(app, 1.0)
    view.groups.setCurrentRow(0)
    pump(app, 0.6)
    view.grab().save(str(OUT / "library-duplicates.png"))
    browser.shutdown()
    store.close()


if __name__ == "__main__":
    main()
