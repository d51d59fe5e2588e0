"""The smoke test run from source (``python main.py --smoke-test``), its checks, its judge."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import pytest
from smoke_test import SmokeResult, plugin_warnings, problem_lines, run_smoke

from qwenimg_desktop import smoke
from qwenimg_desktop.app import Options, smoke_options
from qwenimg_desktop.core.store.db import DatabaseCorrupt
from qwenimg_desktop.core.store.files import DataLayout
from qwenimg_desktop.core.store.history import HistoryStore
from tests.packaging.conftest import ROOT

SOURCE_APP = [sys.executable, str(ROOT / "main.py")]

STDERR_OK = (
    "2026-11-26 06:16:23,320 INFO    qwenimg.app [MainThread] Qwen Image Desktop 0.1.0 starting\n"
    "2026-11-26 06:16:24,060 WARNING qwenimg.qt [MainThread] "
    "This plugin does not support propagateSizeHints()\n"
    "QStandardPaths: XDG_RUNTIME_DIR not set, defaulting to '/tmp/runtime-root'\n"
)
STDERR_BAD = """\
qt.qpa.plugin: Could not find the Qt platform plugin "wayland" in ""
2026-11-26 06:16:24,060 WARNING qwenimg.qt [MainThread] QFont::fromString: invalid description
2026-11-26 06:16:24,061 WARNING qwenimg.qt [MainThread] Cannot load library libqjpeg.so
2026-11-26 06:16:24,062 ERROR   qwenimg.jobs [qwenimg-engine] job failed
Traceback (most recent call last):
"""


def test_problem_lines_pass_known_noise() -> None:
    assert problem_lines(STDERR_OK) == []


def test_problem_lines_flag_warnings_and_raw_output() -> None:
    problems = problem_lines(STDERR_BAD)
    assert len(problems) == 5
    assert plugin_warnings(STDERR_BAD) == [problems[0], problems[2]]


def test_verdict_falls_back_to_the_log() -> None:
    log = ("2026-11-26 06:16:25,000 INFO    qwenimg.smoke [MainThread] SMOKE OK "
           "keyring='Windows Credential Manager' db=ok\n")
    result = SmokeResult(["app.exe"], 0, "", "", log, 1.0)
    assert result.ok
    assert result.facts() == {"keyring": "Windows Credential Manager", "db": "ok"}


def test_prepare_forces_emulator_and_temp_dir(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("QT_QPA_PLATFORM", raising=False)
    prepared = smoke_options(Options(smoke_test=True))
    assert (prepared.demo, prepared.temp_basedir) == (True, True)
    assert os.environ["QT_QPA_PLATFORM"] == "offscreen"
    kept = smoke_options(Options(smoke_test=True, data_dir="/somewhere"))
    assert (kept.demo, kept.temp_basedir, kept.data_dir) == (True, False, "/somewhere")


def test_resource_and_plugin_checks(qapp: Any) -> None:
    assert smoke.check_resources() == "png,jpeg,webp,ico,svg"
    if sys.platform.startswith("linux"):
        assert smoke.check_input_methods() == "ibus,compose"
    assert smoke.check_input_methods("win32") == "native"
    assert {"SecretService", "Windows", "macOS"} <= set(smoke.keyring_entry_points())


def test_check_database(tmp_path: Path) -> None:
    layout = DataLayout(tmp_path / "ok")
    HistoryStore.open(layout).close()
    store = smoke.check_database(layout)
    store.close()
    broken = DataLayout(tmp_path / "broken").ensure()
    broken.db_path.write_bytes(b"this is not a database" * 100)
    with pytest.raises(DatabaseCorrupt):
        smoke.check_database(broken)


@pytest.mark.gui
def test_source_smoke_test_passes() -> None:
    result = run_smoke(SOURCE_APP, cwd=ROOT)
    assert result.ok, result.describe()
    facts = result.facts()
    assert facts["db"] == "ok"
    assert facts["image"] == "512x512.webp"
    assert facts["engine"].startswith("process:")  # as the window runs it
    assert facts["platform"] == "offscreen"
    assert "SecretService" in facts["keyring_backends"]
    assert facts["keyring"]  # "none" without a Secret Service: reported, not a failure


@pytest.mark.gui
def test_source_smoke_test_fails_without_a_required_keyring(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("DBUS_", "XDG_RUNTIME", "KDE", "GNOME"))}
    env.update(HOME=str(tmp_path), QWENIMG_SMOKE_REQUIRE_KEYRING="1",
               PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring")
    result = run_smoke(SOURCE_APP, env=env, cwd=ROOT)
    assert result.returncode == smoke.EXIT_FAILED, result.describe()
    assert result.verdict.startswith("SMOKE FAILED: keyring: no usable keyring backend")
    assert not result.ok
