"""The zh-CN catalog compiled by the bundle build's own step, installed for a test."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Final

import pytest

from qwenimg_desktop.ui import i18n

CJK: Final = re.compile(r"[\u3400-\u9fff]")


def compile_translations(dest: Path) -> list[Path]:
    """The bundle build's own step (packaging/translations.py; packaging/ is not a package)."""
    from tests.packaging.conftest import PACKAGING

    assert PACKAGING.is_dir()
    import translations

    written: list[Path] = translations.compile_translations(dest)
    return written


@pytest.fixture
def chinese(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """The zh-CN catalog compiled from the committed .ts, installed as the system language."""
    folder = tmp_path / "i18n"
    compile_translations(folder)
    monkeypatch.setattr(i18n, "translations_dir", lambda: folder)
    monkeypatch.setattr(i18n, "resolve", lambda choice, system=None: i18n.CHINESE)
    yield folder
    monkeypatch.undo()  # resolve() again, then back to English for the tests that follow
    assert i18n.install(i18n.ENGLISH) == i18n.ENGLISH
