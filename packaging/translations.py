"""Compile the Linguist sources (resources/i18n/*.ts) to the .qm files the app loads.

Usage: ``python packaging/translations.py [DEST]`` (default: next to the sources). The setup
script and ``packaging/build.py`` run it, so the bundle always carries current catalogs; the
.qm files are build outputs and are not committed.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path
from typing import Final

SOURCES: Final = Path(__file__).resolve().parents[1] / "resources" / "i18n"


def lrelease() -> str:
    """The ``pyside6-lrelease`` of this interpreter's environment (PySide6-Essentials)."""
    beside = Path(sys.executable).with_name("pyside6-lrelease")
    found = str(beside) if beside.exists() else shutil.which("pyside6-lrelease")
    if found is None:
        raise RuntimeError("pyside6-lrelease not found: install PySide6 into this environment")
    return found


def compile_translations(dest: Path | None = None) -> list[Path]:
    """Compile every .ts in resources/i18n into ``dest``; returns the .qm files written."""
    out_dir = dest or SOURCES
    out_dir.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for source in sorted(SOURCES.glob("*.ts")):
        target = out_dir / f"{source.stem}.qm"
        subprocess.run([lrelease(), "-silent", str(source), "-qm", str(target)], check=True)
        written.append(target)
    return written


if __name__ == "__main__":
    for path in compile_translations(Path(sys.argv[1]) if len(sys.argv) > 1 else None):
        sys.stdout.write(f"translations: {path.name}\n")
