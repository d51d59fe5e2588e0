"""Test-wide setup: offscreen Qt before any Qt import, and the shared real-part fixtures."""

from __future__ import annotations

import os

import pytest

# With no display and no platform set, Qt aborts the process inside pytest-qt's qapp.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# Never let a test reach the developer's real key or keyring by accident.
for _name in ("FAL_KEY", "FAL_KEY_ID", "FAL_KEY_SECRET"):  # every variable fal's clients read
    os.environ.pop(_name, None)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tests marked ``posix`` are skipped where there are no POSIX signals, /proc or modes."""
    if os.name == "posix":
        return
    skip = pytest.mark.skip(reason="POSIX only: signals, /proc or file modes")
    for item in items:
        if item.get_closest_marker("posix") is not None:
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def _pictures_folder(tmp_path_factory: pytest.TempPathFactory,
                     monkeypatch: pytest.MonkeyPatch) -> None:
    """Finished images are copied to the output folder: a test's go to a temporary folder,
    never to the Pictures folder of whoever runs the tests."""
    from qwenimg_desktop.ui import user_files

    pictures = tmp_path_factory.getbasetemp() / "Pictures" / user_files.OUTPUT_FOLDER_NAME
    monkeypatch.setattr(user_files, "default_output_folder", lambda: pictures)


pytest_plugins = [
    "tests.fixtures.disk",
    "tests.fixtures.emulator",
    "tests.fixtures.keyring",
    "tests.fixtures.store",
    "tests.fixtures.webhook",
]
