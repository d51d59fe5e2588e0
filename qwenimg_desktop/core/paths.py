"""Where the app keeps its data, config and logs, and where its bundled resources live."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Final

import platformdirs

from qwenimg_desktop import APP_ID

DATA_DIR_ENV: Final = "QWENIMG_DATA_DIR"
SETTINGS_FILE: Final = "settings.json"  # in the config dir
DRAFT_FILE: Final = "draft.json"  # in the config dir
"""Environment variable that relocates everything (data, config, logs) under one base dir."""


def _base_override(override: str | os.PathLike[str] | None) -> Path | None:
    """The explicit base dir: the caller's override (``--data-dir``) wins over the env var."""
    if override is not None and str(override):
        return Path(override).expanduser()
    env = os.environ.get(DATA_DIR_ENV, "")
    if env:
        return Path(env).expanduser()
    return None


def default_data_dir(override: str | os.PathLike[str] | None = None) -> Path:
    """History database, images and thumbnails.

    Args:
        override: a base dir from ``--data-dir`` / ``--temp-basedir``; else ``$QWENIMG_DATA_DIR``;
            else the platform's user data dir.
    """
    base = _base_override(override)
    if base is not None:
        return base
    return Path(platformdirs.user_data_dir(APP_ID, appauthor=False, roaming=True))


def default_config_dir(override: str | os.PathLike[str] | None = None) -> Path:
    """Settings; ``<base>/config`` when a base dir override is in effect."""
    base = _base_override(override)
    if base is not None:
        return base / "config"
    return Path(platformdirs.user_config_dir(APP_ID, appauthor=False, roaming=True))


def default_log_dir(override: str | os.PathLike[str] | None = None) -> Path:
    """Rotating log files; ``<base>/logs`` when a base dir override is in effect."""
    base = _base_override(override)
    if base is not None:
        return base / "logs"
    return Path(platformdirs.user_log_dir(APP_ID, appauthor=False))


def resource_dir() -> Path:
    """The ``resources/`` folder: next to the package from source, inside the bundle when frozen."""
    bundle = getattr(sys, "_MEIPASS", None)
    if getattr(sys, "frozen", False) and isinstance(bundle, str):
        return Path(bundle) / "resources"
    return Path(__file__).resolve().parents[2] / "resources"
