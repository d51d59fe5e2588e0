"""Child of benchmarks.startup: open a window, print the wall time of its first paint, quit.

Kept free of benchmark imports so the process loads only what the measured program loads.
Each stamp line is ``TAG <wall clock> <this process's CPU seconds so far>`` (all its threads).

    python -m benchmarks.startup_child app [app arguments…]   # the real app (app.main)
    python -m benchmarks.startup_child bare                   # a bare QMainWindow
    python -m benchmarks.startup_child floor                  # the same window in Qt alone
"""

from __future__ import annotations

import importlib.abc
import sys
import time
from types import ModuleType
from typing import Any


def _stamp(tag: str) -> None:
    print(f"{tag} {time.time():.6f} {time.process_time():.6f}", flush=True)


def _watch_first_paint(window: Any, tag: str, on_paint: Any = None) -> None:
    from PySide6.QtCore import QEvent, QObject

    class FirstPaint(QObject):
        def eventFilter(self, watched: QObject, event: QEvent) -> bool:
            if event.type() == QEvent.Type.Paint and not getattr(self, "done", False):
                self.done = True
                _stamp(tag)
                if on_paint is not None:
                    on_paint()
            return False

    window._first_paint_filter = FirstPaint(window)
    window.installEventFilter(window._first_paint_filter)


def _quit_soon() -> None:
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    QTimer.singleShot(0, QApplication.quit)


def bare() -> int:
    from PySide6.QtWidgets import QApplication, QMainWindow

    app = QApplication(sys.argv[:1])
    window = QMainWindow()
    window.resize(1360, 880)
    _watch_first_paint(window, "FIRST_PAINT", _quit_soon)
    window.show()
    return app.exec()


FLOOR_STYLE_SHEET = """
QLabel#fieldError { color: #c62828; }
QLabel#sizeInfo, QLabel#promptCounts { color: #5f6670; }
QPushButton#generateButton { font-weight: bold; padding: 6px 18px; }
"""
"""Of the size and kind of the app's theme sheet (``ui/theme.py``, light: a few object-name
rules), set as the app sets it: once the window is built."""

FLOOR_MENUS: dict[str, list[str | tuple[str, int] | None]] = {
    "&File": ["Generate", "Settings…", "Leave demo", None, "Quit"],
    "&Edit": ["Undo", "Redo", None, "Cut", "Copy", "Paste", "Select all", None, "Find…",
              "Restore previous draft", "Save selection as snippet"],
    "&View": ["Create", "History", None, "Preview", "Library", ("&Theme", 3),
              ("&Language (after restart)", 4), None, "Fit", "Actual size", "Lightbox"],
    "Hi&story": ["Export to folder…", "Export ZIP…", "Compare", None, "Delete",
                 "Clear failed", "Find duplicates", None, "Spend"],
    "&Jobs": ["Cancel", "Retry", "Cancel all", None, "Pause sending", "Run next",
              "Cancel batch", "Show grid", "More like this"],
    "&Help": ["Getting started", "About", "About Qt"],
}
"""The main window's menus and their actions (``ui/actions.py``); (name, n): a submenu of n."""


def floor() -> int:
    """The Qt floor: what the complete main window costs in Qt alone, no app code.

    The same Qt widget classes in roughly the structure the real window shows at start
    (``ui/main_window.py`` and the widgets it builds), with no pydantic, httpx or app module:
    Fusion and a light palette; a menu bar with the app's six menus and ~45 actions, two
    submenus; a central widget with a banner label and a document-mode ``QTabWidget`` of two
    tabs. Create: splitters as the window's (outer horizontal, centre vertical, prompt and
    bottom horizontal); the prompt editor (a ``QPlainTextEdit``, a ``QLineEdit`` + buttons find
    bar, hidden; a ``QTextEdit`` preview, a ``QListWidget`` of recall, both hidden; counts
    label); a hidden library pane (``QListWidget``, ``QLineEdit``, ``QPlainTextEdit``, buttons);
    the jobs list (``QListView`` on a ``QStandardItemModel``, a detail ``QPlainTextEdit`` in a
    vertical splitter, five buttons); the result (a ``QGraphicsView`` on a scene, a
    ``QListWidget`` strip, buttons); the parameters in a ``QScrollArea`` (a presets combo and
    tool buttons, endpoint and tier combos, a references strip, a ``QFormLayout`` of combo boxes,
    spin boxes, a double spin box, line edits, check boxes, radio buttons for the seed; the batch
    panel's form; an error label; Generate). History: an empty page with a search line edit and
    a ``QListView``. A status bar with two permanent labels; the style sheet set once built, as
    the app does. Widget counts follow the source of the app's widgets, not a measured census;
    the app's Python (its subclasses, validation, signals, accessible names, restored state)
    is exactly what this leaves out, so app − floor is the app's own cost."""
    from PySide6 import QtCore, QtGui
    from PySide6 import QtWidgets as W

    app = W.QApplication(sys.argv[:1])
    app.setStyle("Fusion")
    app.setPalette(QtGui.QPalette(app.style().standardPalette()))
    window = W.QMainWindow()
    window.setWindowTitle("Qt floor")
    _floor_menus(window.menuBar())

    editor, library, jobs = _floor_editor(), _floor_library(), _floor_jobs()
    result, params_column = _floor_result(), _floor_params()
    # The splitters, as the window's.
    outer = W.QSplitter(QtCore.Qt.Orientation.Horizontal)
    center = W.QSplitter(QtCore.Qt.Orientation.Vertical)
    prompt_split = W.QSplitter(QtCore.Qt.Orientation.Horizontal)
    bottom = W.QSplitter(QtCore.Qt.Orientation.Horizontal)
    prompt_split.addWidget(editor)
    prompt_split.addWidget(library)
    library.hide()
    bottom.addWidget(jobs)
    bottom.addWidget(result)
    center.addWidget(prompt_split)
    center.addWidget(bottom)
    outer.addWidget(center)
    outer.addWidget(params_column)
    outer.setSizes([1010, 350])
    create = W.QWidget()
    _column(create).addWidget(outer)
    history = W.QWidget()
    history_layout = _column(history)
    history_layout.addWidget(W.QLineEdit(history))
    history_layout.addWidget(W.QListView(history), 1)
    tabs = W.QTabWidget()
    tabs.setDocumentMode(True)
    tabs.addTab(create, "Create")
    tabs.addTab(history, "History")
    central = W.QWidget()
    central_layout = W.QVBoxLayout(central)
    banner = W.QLabel("", central)
    banner.hide()
    central_layout.addWidget(banner)
    central_layout.addWidget(tabs, 1)
    window.setCentralWidget(central)
    for text in ("Spend today: $0.00", "Balance: —"):
        window.statusBar().addPermanentWidget(W.QLabel(text))
    window.resize(1360, 880)
    app.setStyleSheet(FLOOR_STYLE_SHEET)
    _watch_first_paint(window, "FIRST_PAINT", _quit_soon)
    window.show()
    return app.exec()

def _floor_menus(bar: Any) -> None:
    """The menu bar: the app's six menus, their actions, two submenus of checkable actions."""
    for title, entries in FLOOR_MENUS.items():
        menu = bar.addMenu(title)
        for entry in entries:
            if entry is None:
                menu.addSeparator()
            elif isinstance(entry, tuple):
                sub = menu.addMenu(entry[0])
                for n in range(entry[1]):
                    sub.addAction(f"{entry[0]} {n}").setCheckable(True)
            else:
                menu.addAction(entry)


def _buttons(parent: Any, layout: Any, names: list[str], kind: Any = None) -> None:
    from PySide6.QtWidgets import QPushButton

    for name in names:
        button = (kind or QPushButton)(parent)
        button.setText(name)
        layout.addWidget(button)


def _column(parent: Any) -> Any:
    from PySide6.QtWidgets import QVBoxLayout

    layout = QVBoxLayout(parent)
    layout.setContentsMargins(0, 0, 0, 0)
    return layout


def _split_pane(vertical: bool) -> tuple[Any, Any, Any]:
    """A pane (widget, its column layout) holding a splitter, as the editor's and the jobs'."""
    from PySide6 import QtCore
    from PySide6 import QtWidgets as W

    pane = W.QWidget()
    orientation = QtCore.Qt.Orientation.Vertical if vertical else QtCore.Qt.Orientation.Horizontal
    return pane, _column(pane), W.QSplitter(orientation, pane)


def _floor_editor() -> Any:
    """The prompt editor: the text, a find bar and a preview (hidden), the counts."""
    from PySide6 import QtWidgets as W

    editor, editor_layout, editor_split = _split_pane(vertical=False)
    prompt = W.QPlainTextEdit(editor_split)
    prompt.setPlaceholderText("Describe the image…")
    preview = W.QTextEdit(editor_split)
    preview.setReadOnly(True)
    preview.hide()
    find_bar = W.QWidget(editor)
    find_row = W.QHBoxLayout(find_bar)
    find_row.addWidget(W.QLineEdit(find_bar))
    find_row.addWidget(W.QCheckBox("Match case", find_bar))
    _buttons(find_bar, find_row, ["↑", "↓", "×"], W.QToolButton)
    find_bar.hide()
    negative = W.QPlainTextEdit(editor)
    negative.setPlaceholderText("Negative prompt")
    counts = W.QLabel("0 characters", editor)
    counts.setObjectName("promptCounts")
    recall = W.QListWidget(editor)
    recall.hide()
    for widget in (editor_split, find_bar, negative, counts, recall):
        editor_layout.addWidget(widget)
    return editor


def _floor_library() -> Any:
    """The library pane (hidden at start)."""
    from PySide6 import QtWidgets as W

    library = W.QWidget()
    library_layout = _column(library)
    library_layout.addWidget(W.QLineEdit(library))
    library_layout.addWidget(W.QListWidget(library))
    library_form = W.QFormLayout()
    for label in ("Name", "Tags"):
        library_form.addRow(label, W.QLineEdit(library))
    library_form.addRow("Text", W.QPlainTextEdit(library))
    library_layout.addLayout(library_form)
    library_row = W.QHBoxLayout()
    _buttons(library, library_row, ["Insert", "Apply", "New", "Save", "Delete", "Import…",
                                   "Export…"])
    library_layout.addLayout(library_row)
    return library


def _floor_jobs() -> Any:
    """The jobs list and its detail."""
    from PySide6 import QtGui
    from PySide6 import QtWidgets as W

    jobs, jobs_layout, jobs_split = _split_pane(vertical=True)
    jobs_view = W.QListView(jobs_split)
    jobs_view.setModel(QtGui.QStandardItemModel(jobs_view))
    jobs_view.setDragDropMode(W.QListView.DragDropMode.DragDrop)
    W.QPlainTextEdit(jobs_split).setReadOnly(True)
    jobs_layout.addWidget(jobs_split)
    jobs_row = W.QHBoxLayout()
    _buttons(jobs, jobs_row, ["Cancel", "Retry", "Clear", "Open", "Grid"])
    jobs_layout.addLayout(jobs_row)
    return jobs


def _floor_result() -> Any:
    """The result: an image view and a strip of the job's images."""
    from PySide6 import QtWidgets as W

    result = W.QWidget()
    result_layout = _column(result)
    view = W.QGraphicsView(W.QGraphicsScene(result), result)
    view.setDragMode(W.QGraphicsView.DragMode.ScrollHandDrag)
    result_layout.addWidget(view, 1)
    strip = W.QListWidget(result)
    strip.setFlow(W.QListWidget.Flow.LeftToRight)
    strip.setMaximumHeight(90)
    result_layout.addWidget(strip)
    result_row = W.QHBoxLayout()
    _buttons(result, result_row, ["Edit", "Save as…", "Open folder"])
    _buttons(result, result_row, ["⤢"], W.QToolButton)
    result_layout.addLayout(result_row)
    return result


def _floor_params() -> Any:
    """The parameters, scrolled, Generate at the foot."""
    from PySide6 import QtWidgets as W

    params = W.QWidget()
    params_layout = W.QVBoxLayout(params)
    presets = W.QHBoxLayout()
    presets.addWidget(W.QComboBox(params), 1)
    _buttons(params, presets, ["Save…", "Delete"], W.QToolButton)
    params_layout.addLayout(presets)
    kinds = W.QHBoxLayout()
    for name in ("Generate", "Edit"):
        kinds.addWidget(W.QRadioButton(name, params))
    params_layout.addLayout(kinds)
    references = W.QHBoxLayout()
    references.addWidget(W.QLabel("References", params))
    _buttons(params, references, ["Add…", "Clear"])
    params_layout.addLayout(references)
    form = W.QFormLayout()
    for label, items in (("Endpoint", ["Qwen Image 2", "Qwen Image 2 Pro"]),
                         ("Tier", ["Standard", "Pro"]),
                         ("Size", ["Square HD", "Square", "Portrait 4:3", "Landscape 16:9"]),
                         ("Output format", ["png", "jpeg", "webp"]),
                         ("Acceleration", ["none", "regular", "high"])):
        combo = W.QComboBox(params)
        combo.addItems(items)
        form.addRow(label, combo)
    size_row = W.QHBoxLayout()
    for _ in range(2):
        box = W.QSpinBox(params)
        box.setRange(256, 2048)
        size_row.addWidget(box)
    size_row.addWidget(W.QCheckBox("Lock aspect", params))
    form.addRow("Width × height", size_row)
    size_info = W.QLabel("1,024 × 1,024", params)
    size_info.setObjectName("sizeInfo")
    form.addRow("", size_info)
    for label, top in (("Images", 4), ("Steps", 50)):
        box = W.QSpinBox(params)
        box.setRange(1, top)
        form.addRow(label, box)
    guidance = W.QDoubleSpinBox(params)
    guidance.setRange(0.0, 20.0)
    form.addRow("Guidance", guidance)
    form.addRow("Seed", _floor_seed(params))
    form.addRow("Negative prompt", W.QLineEdit(params))
    for name in ("Safety checker", "Prompt expansion", "Sync mode"):
        form.addRow("", W.QCheckBox(name, params))
    params_layout.addLayout(form)
    batch_form = W.QFormLayout()
    batch_form.addRow("Batch", W.QComboBox(params))
    for label in ("Count", "Repeat"):
        batch_form.addRow(label, W.QSpinBox(params))
    batch_form.addRow("Variables", W.QLineEdit(params))
    params_layout.addLayout(batch_form)
    batch_row = W.QHBoxLayout()
    _buttons(params, batch_row, ["Plan…", "Wildcards…"])
    params_layout.addLayout(batch_row)
    error = W.QLabel("", params)
    error.setObjectName("fieldError")
    params_layout.addWidget(error)
    params_layout.addStretch(1)
    scroll = W.QScrollArea()
    scroll.setWidgetResizable(True)
    scroll.setWidget(params)
    params_column = W.QWidget()
    params_column_layout = _column(params_column)
    params_column_layout.addWidget(scroll, 1)
    generate = W.QPushButton("Generate", params_column)
    generate.setObjectName("generateButton")
    params_column_layout.addWidget(generate)
    return params_column


def _floor_seed(parent: Any) -> Any:
    """The seed field: three modes as radio buttons, the value, a copy button."""
    from PySide6 import QtWidgets as W

    seed = W.QWidget(parent)
    seed_layout = W.QVBoxLayout(seed)
    seed_modes = W.QButtonGroup(seed)
    seed_row = W.QHBoxLayout()
    for name in ("Random", "Fixed", "Increment"):
        radio = W.QRadioButton(name, seed)
        seed_modes.addButton(radio)
        seed_row.addWidget(radio)
    seed_layout.addLayout(seed_row)
    seed_value = W.QHBoxLayout()
    seed_value.addWidget(W.QLineEdit(seed))
    _buttons(seed, seed_value, ["Copy"], W.QToolButton)
    seed_layout.addLayout(seed_value)
    return seed


def app(argv: list[str]) -> int:
    """The real app. FIRST_PAINT: the first window on screen (the start-up shell);
    RUNTIME_IMPORTED: the window's code imported (``qwenimg_desktop.app.runtime``, which
    ``app.launch`` imports after the shell's paint); WINDOW_BUILT: ``MainWindow`` constructed
    (``runtime.open_window``; the theme's sheet, the show and the paint follow); WINDOW_PAINT:
    the first paint of the complete main window; HISTORY_READY: the History tab has a
    connection to the journal and shows the history when opened (read-only while the engine
    still checks the journal); HISTORY_WRITABLE: the engine's start, in its process,
    has finished and the window's connection writes (favourites, tags, deletes). Quits once
    the last three happened."""
    # Only what the app itself loads before the shell's paint, in its order (``app.main``
    # imports ``app.launch``, which loads its standard-library helpers before Qt: after it,
    # PySide6's import hook runs on every import, see ``ui/pyside_feature_check.py``). The history's
    # host (Qt's whole ``Qt`` namespace, the engine's event models, pydantic) is patched when
    # the window takes the shell's place, by then imported by the window's code: importing it
    # here cost the first paint ~50 ms of CPU that the app does not spend.
    from qwenimg_desktop import app as app_module
    from qwenimg_desktop.app import launch  # noqa: F401 - app.main's import, before the shell's
    from qwenimg_desktop.ui import startup_shell

    seen: set[str] = set()

    def reached(tag: str) -> None:
        seen.add(tag)
        if {"WINDOW_PAINT", "HISTORY_READY", "HISTORY_WRITABLE"} <= seen:
            _quit_soon()

    original_shell = startup_shell.StartupShell.__init__

    def shell_init(self: Any, *args: Any, **kwargs: Any) -> None:
        original_shell(self, *args, **kwargs)
        # The phases' hook is installed once the shell has painted, not charged to its paint.
        _watch_first_paint(self, "FIRST_PAINT", _watch_runtime_import)

    startup_shell.StartupShell.__init__ = shell_init  # type: ignore[method-assign]
    original_hand_over = startup_shell.StartupShell.hand_over

    def hand_over(self: Any, window: Any) -> None:
        # The window's code loads after the shell's first paint (app.launch): the window is
        # watched when it takes the shell's place, just before it is shown. The history is
        # attached later, from the event loop, once the engine has started.
        _watch_history_ready(reached)
        _watch_first_paint(window, "WINDOW_PAINT", lambda: reached("WINDOW_PAINT"))
        original_hand_over(self, window)

    startup_shell.StartupShell.hand_over = hand_over  # type: ignore[method-assign]
    return app_module.main(argv)


class _RuntimeImported(importlib.abc.MetaPathFinder):
    """Stamps RUNTIME_IMPORTED when ``qwenimg_desktop.app.runtime`` has run (all the window's
    imports in it), then WINDOW_BUILT when its ``MainWindow`` has been constructed. Installed
    after the shell's paint, before ``app.launch`` imports the runtime; the module is found and
    loaded by the ordinary finders, only its execution is wrapped."""

    NAME = "qwenimg_desktop.app.runtime"

    def find_spec(self, fullname: str, path: Any, target: Any = None) -> Any:
        if fullname != self.NAME:
            return None
        sys.meta_path.remove(self)
        from importlib.util import find_spec  # after the shell's paint

        spec = find_spec(fullname)
        if spec is None or spec.loader is None:
            return spec
        loader, execute = spec.loader, spec.loader.exec_module

        def exec_module(module: ModuleType) -> None:
            execute(module)
            _stamp("RUNTIME_IMPORTED")
            _watch_window_built(module)

        loader.exec_module = exec_module  # type: ignore[method-assign]
        return spec


def _watch_runtime_import() -> None:
    if "qwenimg_desktop.app.runtime" not in sys.modules:
        sys.meta_path.insert(0, _RuntimeImported())


def _watch_window_built(runtime: ModuleType) -> None:
    window_class = runtime.MainWindow
    original_init = window_class.__init__

    def init(self: Any, *args: Any, **kwargs: Any) -> None:
        original_init(self, *args, **kwargs)
        _stamp("WINDOW_BUILT")

    window_class.__init__ = init


def _watch_history_ready(on_ready: Any) -> None:
    from qwenimg_desktop.ui.history import host  # already loaded by the window's code

    original_attach = host.HistoryHost.attach
    stamped: set[str] = set()
    if getattr(original_attach, "watched", False):
        return

    def attach(self: Any, store: Any) -> None:
        original_attach(self, store)
        for tag in ("HISTORY_READY",) + (() if store.readonly else ("HISTORY_WRITABLE",)):
            if tag not in stamped:
                stamped.add(tag)
                _stamp(tag)
                on_ready(tag)

    attach.watched = True  # type: ignore[attr-defined]
    host.HistoryHost.attach = attach  # type: ignore[method-assign]


if __name__ == "__main__":
    MODE = sys.argv[1]
    sys.exit(bare() if MODE == "bare" else floor() if MODE == "floor" else app(sys.argv[2:]))
