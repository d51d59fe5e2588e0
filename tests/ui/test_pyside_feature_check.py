"""PySide6's per-import ``__feature__`` check answers without reading the app's sources."""

from __future__ import annotations

import inspect
import re
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

from qwenimg_desktop.ui import pyside_feature_check

ROOT = Path(__file__).resolve().parents[2]


# The window's imports in the launch's order: ``app.launch`` (the start-up shell: Qt's first
# import, through this package), then after the shell's paint the socket and the window's code.
LAUNCH_IMPORTS = ("from qwenimg_desktop.app import launch\n"
                  "from qwenimg_desktop.app import instance, runtime\n")


def _printed_by(code: str) -> list[str]:
    """The lines ``code`` prints, run in a fresh interpreter (nothing of this one loaded)."""
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                          text=True, check=True, timeout=60).stdout.splitlines()


def test_the_windows_code_loads_without_a_source_read_into_linecache() -> None:
    """Only what PySide6's own import reads before the check can be answered stays (two
    files with PySide6 6.11). Before: the sources of ~280 modules (the app's, pydantic's, the
    standard library's) as the window's code loaded, ~37 ms of CPU and ~12 MB kept."""
    listed = "print('\\n'.join(sorted(linecache.cache)))"
    pyside_alone = _printed_by(f"import linecache\nimport PySide6\n{listed}")
    window = _printed_by(f"import linecache\n{LAUNCH_IMPORTS}{listed}")
    assert set(window) <= set(pyside_alone)


def test_each_module_is_ignored_as_the_installed_app_has_it() -> None:
    """-1, "ignore this module": PySide6's answer for a module without source, as in the
    installed app (bytecode only), whose selection stays the default."""
    code = (f"import sys\n{LAUNCH_IMPORTS}"
            "table = sys.modules['shibokensupport.feature'].pyside_feature_dict\n"
            "print(table['qwenimg_desktop.ui.main_window'], table['pydantic'])\n"
            "print(sorted({value for value in table.values()}))")
    assert _printed_by(code) == ["-1 -1", "[-1]"]


def test_a_module_that_selects_a_feature_still_gets_it() -> None:
    code = ("import PySide6\nimport qwenimg_desktop.ui\n"
            "from __feature__ import snake_case\n"
            "from PySide6.QtCore import QObject\n"
            "print(QObject().object_name() == '', hasattr(QObject, 'objectName'))")
    assert _printed_by(code) == ["True False"]


def test_no_module_of_the_app_selects_a_pyside_feature() -> None:
    """What answering -1 for every module relies on: the selection in force is the default."""
    selects = re.compile(r"^\s*(from|import)\s+__feature__\b", re.MULTILINE)
    found = [path.relative_to(ROOT).as_posix()
             for path in sorted((ROOT / "qwenimg_desktop").rglob("*.py"))
             if selects.search(path.read_text(encoding="utf-8"))]
    assert found == []


def _feature_module(check: object) -> ModuleType:
    module = ModuleType("shibokensupport.feature")
    module._mod_uses_pyside = check  # type: ignore[attr-defined]
    module.pyside_feature_dict = {}  # type: ignore[attr-defined]

    def feature_imported(imported: ModuleType) -> None:
        name = imported.__name__
        module.pyside_feature_dict[name] = 0 if module._mod_uses_pyside(imported) else -1

    module.feature_imported = feature_imported  # type: ignore[attr-defined]
    return module


def test_a_check_of_another_shape_is_left_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    """A later PySide6 whose check no longer reads the source keeps its own check."""
    def uses_pyside(module: ModuleType) -> bool:
        return getattr(module, "__name__", "").startswith("PySide6")

    feature = _feature_module(uses_pyside)
    monkeypatch.setitem(sys.modules, "shibokensupport.feature", feature)
    assert not pyside_feature_check.stop_reading_sources()
    assert feature._mod_uses_pyside is uses_pyside


def test_the_source_reading_check_is_replaced(monkeypatch: pytest.MonkeyPatch) -> None:
    def uses_pyside(module: ModuleType) -> bool:
        return "PySide6" in inspect.getsource(module)

    feature = _feature_module(uses_pyside)
    monkeypatch.setitem(sys.modules, "shibokensupport.feature", feature)
    assert pyside_feature_check.stop_reading_sources()
    feature.feature_imported(pyside_feature_check)
    assert feature.pyside_feature_dict == {pyside_feature_check.__name__: -1}
    assert pyside_feature_check.stop_reading_sources()  # a second call keeps it


def test_without_pysides_feature_module_nothing_is_done(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delitem(sys.modules, "shibokensupport.feature")
    assert not pyside_feature_check.stop_reading_sources()
