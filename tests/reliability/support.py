"""Shared helpers of the reliability tests: figures, file inventories, journal reads."""

from __future__ import annotations

import json
import os
import sqlite3
import sys
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import Any, Final

from hypothesis import HealthCheck, settings

from qwenimg_desktop.core.store.files import PARTIAL_SUFFIX

FIGURES_ENV: Final = "QWENIMG_RELIABILITY_OUT"
"""When set, every reliability test writes its figures as JSON into this folder."""

# Reproducible in CI: the same examples every run, no example database, no deadline.
settings.register_profile(
    "reliability",
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
FUZZ: Final = settings.get_profile("reliability")


def record_figures(name: str, figures: dict[str, Any]) -> None:
    """Print the figures of one test and, with $QWENIMG_RELIABILITY_OUT, save them as JSON."""
    text = json.dumps(figures, ensure_ascii=False, sort_keys=True, default=str)
    print(f"[reliability] {name}: {text}", file=sys.stderr)
    folder = os.environ.get(FIGURES_ENV)
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        (Path(folder) / f"{name}.json").write_text(
            json.dumps(figures, ensure_ascii=False, sort_keys=True, indent=2, default=str) + "\n",
            encoding="utf-8",
        )


def rows(db_path: Path, sql: str, params: Iterable[Any] = ()) -> list[sqlite3.Row]:
    """Run one read-only query on a journal file (its own short-lived connection)."""
    conn = sqlite3.connect(f"{db_path.resolve().as_uri()}?mode=ro", uri=True)
    conn.row_factory = sqlite3.Row
    try:
        return list(conn.execute(sql, tuple(params)))
    finally:
        conn.close()


def integrity(db_path: Path) -> list[tuple[Any, ...]]:
    """``PRAGMA integrity_check`` of the file (``[("ok",)]`` when sound)."""
    conn = sqlite3.connect(db_path)
    try:
        return [tuple(r) for r in conn.execute("PRAGMA integrity_check")]
    finally:
        conn.close()


def partial_files(root: Path) -> list[Path]:
    """Leftovers of interrupted writes anywhere under ``root``."""
    return sorted(p for p in root.rglob(f"*{PARTIAL_SUFFIX}") if p.is_file())


def media_files(folder: Path) -> set[str]:
    """Every regular file under ``folder``, as POSIX paths relative to its parent (data root)."""
    if not folder.is_dir():
        return set()
    return {p.relative_to(folder.parent).as_posix() for p in folder.rglob("*") if p.is_file()}


def counts(values: Iterable[Any]) -> dict[str, int]:
    """A JSON-friendly Counter, most common first."""
    return {str(k): v for k, v in Counter(values).most_common()}
