"""The composition root: what each start-up path loads, and the window's one teardown."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from qwenimg_desktop.core import paths
from qwenimg_desktop.core.paths import SETTINGS_FILE
from qwenimg_desktop.emulator.server import EmulatorServer
from tests.ui.conftest import RuntimeFactory, ready_window

ROOT = Path(__file__).resolve().parents[2]


def _loaded_after(statement: str, prefixes: tuple[str, ...] = ("qwenimg", "PySide6")) -> set[str]:
    """The modules (named with ``prefixes``) a fresh interpreter has loaded after ``statement``."""
    code = (f"{statement}\nimport sys\n"
            f"print('\\n'.join(m for m in sys.modules if m.startswith({prefixes!r})))")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                         check=True, timeout=60)
    return set(out.stdout.split())


def test_the_entry_point_loads_neither_qt_nor_the_window() -> None:
    loaded = _loaded_after("import qwenimg_desktop.app")
    assert "qwenimg_desktop.app" in loaded
    assert not {m for m in loaded if m.startswith("PySide6")}
    assert "qwenimg_desktop.app.runtime" not in loaded


def test_the_shell_stage_loads_qt_but_not_the_window_before_its_first_paint() -> None:
    loaded = _loaded_after("import qwenimg_desktop.app.launch")
    assert "PySide6.QtWidgets" in loaded
    heavy = {"qwenimg_desktop.app.runtime", "qwenimg_desktop.ui.main_window",
             "qwenimg_desktop.core.settings", "qwenimg_desktop.core.jobs.remote",
             # the data folder's lock is taken before the paint, its socket made after it
             "qwenimg_desktop.app.instance", "PySide6.QtNetwork"}
    assert not heavy & loaded
    assert "qwenimg_desktop.app.window_lock" in loaded


def _loaded_at_the_shells_first_paint(tmp_path: Path) -> list[str]:
    """The modules the real first launch (``python -m tests.ui.launch_probe``, which runs
    ``app.main``) has loaded when its start-up shell has been painted, in import order."""
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "HOME": str(tmp_path / "home")}
    out = subprocess.run([sys.executable, "-m", "tests.ui.launch_probe",
                          "--quit-after-handovers", "0", "--data-dir", str(tmp_path / "data")],
                         cwd=ROOT, env=env, capture_output=True, text=True, check=True,
                         timeout=120)
    lines = out.stdout.splitlines()
    assert lines[0].startswith("PAINTED"), out.stdout + out.stderr
    return lines[lines.index("MODULES") + 1:lines.index("END")]


def test_the_first_launch_paints_its_shell_with_the_lock_but_without_the_socket(
        tmp_path: Path) -> None:
    """First paint as before the single-instance check (1.2x a bare QMainWindow): the data
    folder's lock is an OS file lock (standard library); QtNetwork, the socket's name (hashlib)
    and the window's code load after the paint."""
    loaded = _loaded_at_the_shells_first_paint(tmp_path)
    assert "qwenimg_desktop.app.window_lock" in loaded
    assert (tmp_path / "data" / "window.lock").is_file()
    late = {"PySide6.QtNetwork", "qwenimg_desktop.app.instance", "qwenimg_desktop.app.runtime",
            "hashlib", "uuid", "pydantic", "qwenimg_desktop.core.settings",
            "dataclasses",  # its import and a class's generated methods: ~3 ms of CPU
            "qwenimg_desktop.core.jobs.lease", "qwenimg_desktop.ui.main_window"}
    assert not late & set(loaded)


def test_the_launch_loads_its_own_helpers_before_qt(tmp_path: Path) -> None:
    """PySide6's import hook runs after every import once Qt is loaded (its ``__feature__``
    check read each module's source: ~12 ms of the first paint's CPU when the launch's helpers
    came after Qt, before ``ui/pyside_feature_check.py``)."""
    loaded = _loaded_at_the_shells_first_paint(tmp_path)
    qt = loaded.index("PySide6")
    helpers = ["qwenimg_desktop.app.window_lock", "qwenimg_desktop.core.paths",
               "platformdirs", "json"]
    assert [name for name in helpers if loaded.index(name) > qt] == []


def test_the_window_process_does_not_load_what_only_the_engine_or_later_steps_use() -> None:
    """Each of these cost 15-60 ms (more under load) of the complete window's start-up: the
    engine itself and asyncio run in the engine's process, keyring loads on the key-reading
    worker, the history store when the engine is ready, the metadata reader (xml, whose
    saxutils loads urllib.request and ssl) on the first dropped image; the prompt recall's
    index module and sqlite3 (~2.5 ms) on the worker that builds the index; fal's wire models
    in the engine's process, where its answers are read."""
    loaded = _loaded_after("import qwenimg_desktop.app.runtime", prefixes=("",))
    assert "qwenimg_desktop.core.jobs.remote" in loaded
    late = {"asyncio", "keyring", "httpx", "qwenimg_desktop.core.jobs.engine",
            "qwenimg_desktop.core.store.history", "qwenimg_desktop.core.store.metadata",
            "urllib.request", "ssl", "xml.etree.ElementTree",
            # the prompt recall's index (with sqlite3): on its worker, 1.5 s after the window
            "qwenimg_desktop.core.recall", "sqlite3",
            # fal's wire models (9 pydantic classes, ~2.7 ms): where answers are read
            "qwenimg_desktop.core.fal.protocol",
            # the engine's leases (~1 ms): read once the history is open
            "qwenimg_desktop.core.jobs.lease"}
    assert not late & loaded


def test_the_history_store_and_browser_load_without_pillow_asyncio_or_xml() -> None:
    """The window's process opens the store right after its first paint so the History tab can
    list the history, and builds the browser when the tab opens; both decode thumbnails with
    Qt. Pillow's import there was ~25-30 ms of CPU before the tab had its connection: it loads
    with the first thumbnail made, image hashed or reference checked. asyncio and the metadata
    writer (xml, whose saxutils loads urllib.request and ssl: ~24 ms) came with the browser's
    file check module; they serve the engine's re-download (``store.redownload``)."""
    loaded = _loaded_after("import qwenimg_desktop.app.runtime\n"
                           "import qwenimg_desktop.core.store.history\n"
                           "import qwenimg_desktop.ui.history.view", prefixes=("",))
    assert {"qwenimg_desktop.core.store.duplicates",
            "qwenimg_desktop.core.store.consistency"} <= loaded
    later = {"PIL", "asyncio", "qwenimg_desktop.core.store.metadata", "xml.etree.ElementTree",
             "urllib.request", "ssl"}
    assert not later & loaded


def test_the_window_process_loads_no_dialog_before_one_opens() -> None:
    """None of these is on screen when the window first paints; each loads when first opened
    (the dialogs, a batch's grid, the lightbox, the wildcards editor) or with the first image
    checked as a reference (Pillow): ~25 ms of CPU less before the window's first paint."""
    loaded = _loaded_after("import qwenimg_desktop.app.runtime", prefixes=("",))
    later = {"qwenimg_desktop.ui.dialogs.settings_dialog", "qwenimg_desktop.ui.dialogs.first_run",
             "qwenimg_desktop.ui.dialogs.choose_request", "qwenimg_desktop.ui.dialogs.spend_view",
             "qwenimg_desktop.ui.dialogs.budget_stop", "qwenimg_desktop.ui.create.grid_view",
             "qwenimg_desktop.ui.create.lightbox", "qwenimg_desktop.ui.create.wildcards_dialog",
             "PIL"}
    assert not later & loaded


def test_the_window_ends_through_one_teardown_whoever_ends_it(
    runtime_factory: RuntimeFactory, emulator: EmulatorServer, qtbot: QtBot, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch
) -> None:
    runtime = runtime_factory(emulator, base=tmp_path / "base")
    win = ready_window(runtime, qtbot)
    saved: list[str] = []
    original = win.save_state

    def save_state() -> None:
        saved.append("state")
        original()

    monkeypatch.setattr(win, "save_state", save_state)
    win.close()  # the user closes it: closeEvent runs the teardown
    assert saved == ["state"]
    runtime.close()  # then the app quits: the same teardown is not run twice
    assert saved == ["state"]
    settings = paths.default_config_dir(tmp_path / "base") / SETTINGS_FILE
    assert settings.is_file()  # the settings were saved by the teardown


def test_switching_to_demo_ends_the_old_window_with_the_same_teardown(
    runtime_factory: RuntimeFactory, emulator: EmulatorServer, qtbot: QtBot,
    monkeypatch: pytest.MonkeyPatch
) -> None:
    runtime = runtime_factory(emulator)
    old = ready_window(runtime, qtbot)
    ended: list[str] = []
    original = old.teardown

    def teardown() -> None:
        ended.append("old")
        original()

    monkeypatch.setattr(old, "teardown", teardown)
    runtime.switch_to_demo()
    assert ended == ["old"]
    assert runtime.window is not None
    assert runtime.window is not old
    assert runtime.demo
    qtbot.addWidget(runtime.window)


def _printed_by(code: str) -> list[str]:
    """The words ``code`` prints, run in a fresh interpreter (nothing of this one loaded)."""
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                          text=True, check=True, timeout=60).stdout.split()


def test_the_window_process_builds_no_validator_for_fal_answers_until_one_is_read() -> None:
    """fal's answers are read in the engine's process: their validators (``defer_build``) are
    not built when the window's process imports the endpoints that name them."""
    code = ("import qwenimg_desktop.app.runtime\n"
            "from qwenimg_desktop.core.fal import protocol\n"
            "models = [m for m in vars(protocol).values() if isinstance(m, type)\n"
            "          and issubclass(m, protocol._Wire) and m is not protocol._Wire]\n"
            "print(len(models), sum(m.__pydantic_complete__ for m in models))\n"
            "status = protocol.QueueStatus.model_validate({'status': 'IN_QUEUE'})\n"
            "print(status.status, protocol.QueueStatus.__pydantic_complete__)")
    out = _printed_by(code)
    assert int(out[0]) >= 5
    assert out[1:] == ["0", "IN_QUEUE", "True"]


def _plugin_spy(tmp_path: Path) -> tuple[dict[str, str], Path]:
    """An installed package that declares a pydantic plugin (an entry point in the ``pydantic``
    group) and notes each process that imports it; the environment that installs it."""
    site = tmp_path / "site"
    dist = site / "plugin_spy-1.0.dist-info"
    dist.mkdir(parents=True)
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: plugin-spy\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text("[pydantic]\nspy = plugin_spy:plugin\n")
    marks = tmp_path / "imported-by"
    (site / "plugin_spy.py").write_text(
        "import os\n"
        f"with open({str(marks)!r}, 'a') as f:\n"
        "    f.write(f'{os.getpid()}\\n')\n"
        "class _Spy:\n"
        "    def new_schema_validator(self, *args, **kwargs):\n"
        "        return None, None, None\n"
        "plugin = _Spy()\n")
    env = {**os.environ, "PYTHONPATH": str(site), "HOME": str(tmp_path / "home")}
    env.pop("PYDANTIC_DISABLE_PLUGINS", None)
    return env, marks


def test_no_installed_pydantic_plugin_runs_in_the_window_or_its_engine(tmp_path: Path) -> None:
    """The app uses no pydantic plugin: on its first model pydantic would read every installed
    package's entry points and import any plugin declared, in the window's process and the
    engine's (~3.5 ms of the window's start-up; a plugin that fails to load stops the app)."""
    env, marks = _plugin_spy(tmp_path)
    subprocess.run([sys.executable, "-c", "import pydantic\nclass M(pydantic.BaseModel):"
                    "\n    x: int = 0"], cwd=ROOT, env=env, timeout=60, check=True)
    assert marks.is_file()  # the spy is a plugin pydantic loads, where nothing turns them off
    marks.unlink()
    out = subprocess.run([sys.executable, "-m", "qwenimg_desktop", "--smoke-test"], cwd=ROOT,
                         env={**env, "QT_QPA_PLATFORM": "offscreen"}, capture_output=True,
                         text=True, timeout=120, check=False)
    assert "SMOKE OK" in out.stdout, out.stdout + out.stderr
    assert "engine=process:" in out.stdout
    assert not marks.exists(), marks.read_text()
    cli = subprocess.run([sys.executable, "-m", "qwenimg_desktop", "history", "list",
                          "--data-dir", str(tmp_path / "data")], cwd=ROOT, env=env,
                         capture_output=True, text=True, timeout=60, check=False)
    assert cli.returncode == 0, cli.stdout + cli.stderr
    assert not marks.exists(), marks.read_text()


def test_the_window_process_builds_no_validator_for_what_its_start_up_does_not_check() -> None:
    """A custom size, a reference, an edit and a draft's texts are not checked before the
    window's first paint: their validators (``defer_build``) are built on the first check."""
    code = ("import qwenimg_desktop.app.runtime\n"
            "from qwenimg_desktop.core import settings\n"
            "from qwenimg_desktop.core.edit_request import EditRequest, Reference\n"
            "from qwenimg_desktop.core.params import CustomSize\n"
            "models = (CustomSize, Reference, EditRequest, settings._DraftTexts)\n"
            "print(*(m.__pydantic_complete__ for m in models))\n"
            "size = CustomSize.model_validate({'width': 1024, 'height': 768})\n"
            "print(size.width, CustomSize.__pydantic_complete__)")
    out = _printed_by(code)
    assert out == ["False", "False", "False", "False", "1024", "True"]


def test_the_window_process_loads_the_engines_messages_with_the_first_one(tmp_path: Path) -> None:
    """The window's process starts the engine's child before its first paint but sends it
    nothing: the messages' 23 dataclasses and the events' 14 (~10 ms of CPU each) load with the
    child's first report (``EngineReady``, unpickled on the reader thread), and every message
    and event still works."""
    code = ("import sys\n"
            "from qwenimg_desktop.core.jobs.config import EngineConfig\n"
            "from qwenimg_desktop.core.jobs.remote import EngineProcess\n"
            "from qwenimg_desktop.core.store.files import DataLayout\n"
            "import qwenimg_desktop.app.runtime\n"
            "names = ['qwenimg_desktop.core.jobs.messages', 'qwenimg_desktop.core.jobs.events']\n"
            "events = []\n"
            "engine = EngineProcess(EngineConfig(DataLayout(sys.argv[1])), keys=lambda: None,\n"
            "                       sink=events.append)\n"
            "engine.start(wait=False)\n"
            "print(*(name in sys.modules for name in names))\n"
            "engine.wait_ready(60)\n"
            "print(*(name in sys.modules for name in names), type(events[0]).__name__,\n"
            "      engine.active_jobs())\n"
            "engine.shutdown()\n")
    out = subprocess.run([sys.executable, "-c", code, str(tmp_path / "data")], cwd=ROOT,
                         env={**os.environ, "HOME": str(tmp_path / "home")},
                         capture_output=True, text=True, check=True, timeout=120).stdout.split()
    assert out == ["False", "False", "True", "True", "EngineReady", "[]"]


def test_the_window_process_loads_the_historys_export_and_records_on_first_use() -> None:
    """The settings check the output folder's name template with ``safe_stem`` (its own module),
    the library pane imports and exports on a click, the spend is read from the history, a
    snippet or a tag is checked when edited: none of them loads the export, the transfer, the
    history's records, the spend, the library or its queries (their dataclasses, ~10 ms)
    before the window's paint."""
    loaded = _loaded_after("import qwenimg_desktop.app.runtime")
    assert "qwenimg_desktop.core.store.stems" in loaded
    later = {"qwenimg_desktop.core.store.export", "qwenimg_desktop.core.store.transfer",
             "qwenimg_desktop.core.store.records", "qwenimg_desktop.core.store.spend",
             "qwenimg_desktop.core.store.library", "qwenimg_desktop.core.store.queries",
             "qwenimg_desktop.core.store.snippets"}
    assert not later & loaded
