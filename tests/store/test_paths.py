"""Data, config, log and resource directories."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from qwenimg_desktop.core import paths


def test_defaults_use_platform_dirs(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(paths.DATA_DIR_ENV, raising=False)
    for directory in (paths.default_data_dir(), paths.default_config_dir(),
                      paths.default_log_dir()):
        assert directory.is_absolute()
        assert "qwenimg-desktop" in directory.parts


def test_env_relocates_everything(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv(paths.DATA_DIR_ENV, str(tmp_path / "env"))
    assert paths.default_data_dir() == tmp_path / "env"
    assert paths.default_config_dir() == tmp_path / "env" / "config"
    assert paths.default_log_dir() == tmp_path / "env" / "logs"


def test_explicit_override_beats_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv(paths.DATA_DIR_ENV, str(tmp_path / "env"))
    assert paths.default_data_dir(tmp_path / "cli") == tmp_path / "cli"
    assert paths.default_config_dir(str(tmp_path / "cli")) == tmp_path / "cli" / "config"


def test_resource_dir_from_source() -> None:
    assert paths.resource_dir() == Path(__file__).resolve().parents[2] / "resources"


def test_resource_dir_when_frozen(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "_MEIPASS", str(tmp_path), raising=False)
    assert paths.resource_dir() == tmp_path / "resources"
