"""Run the real CLI in a subprocess (a separate interpreter, killable like a real app)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def cli_env(tmp_path: Path, key: str | None) -> dict[str, str]:
    """An environment with no keyring bus, a private HOME and (optionally) FAL_KEY."""
    dropped = {"FAL_KEY", "FAL_KEY_ID", "FAL_KEY_SECRET", "DBUS_SESSION_BUS_ADDRESS"}
    env = {k: v for k, v in os.environ.items() if k not in dropped}
    env["HOME"] = str(tmp_path / "home")
    env["PYTHONPATH"] = str(ROOT)
    env["PYTHON_KEYRING_BACKEND"] = "keyring.backends.fail.Keyring"
    if key:
        env["FAL_KEY"] = key
    return env


def cli_command(*args: str) -> list[str]:
    """argv for the CLI under the current interpreter."""
    return [sys.executable, "-m", "qwenimg_desktop.cli", *args]


def run_cli(
    tmp_path: Path, *args: str, key: str | None, timeout: float = 60,
    env: dict[str, str] | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run the CLI to completion (``env``: variables added to the environment)."""
    return subprocess.run(
        cli_command(*args),
        env={**cli_env(tmp_path, key), **(env or {})},
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=ROOT,
        check=False,
    )
