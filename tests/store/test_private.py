"""core/private.py: user-only folders and files, and the fix-up of what was left open."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from qwenimg_desktop.core.private import open_private, private_dir, secure_tree

pytestmark = pytest.mark.posix


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.lstat().st_mode)


def test_new_folders_and_files_are_user_only_whatever_the_umask(tmp_path: Path) -> None:
    old = os.umask(0o002)
    try:
        made = private_dir(tmp_path / "a" / "b" / "c")
        with open_private(made / "log.txt") as fh:
            fh.write("line\n")
    finally:
        os.umask(old)
    for folder in (tmp_path / "a", tmp_path / "a" / "b", made):
        assert _mode(folder) == 0o700
    assert _mode(made / "log.txt") == 0o600


def test_an_open_tree_is_fixed_root_last_and_links_are_left_alone(tmp_path: Path) -> None:
    root = tmp_path / "data"
    (root / "images" / "ab").mkdir(parents=True)
    (root / "images" / "ab" / "x.png").write_bytes(b"x")
    outside = tmp_path / "outside.txt"
    outside.write_text("not ours")
    os.chmod(outside, 0o644)
    (root / "link").symlink_to(outside)
    for path in (root, root / "images", root / "images" / "ab"):
        os.chmod(path, 0o755)
    os.chmod(root / "images" / "ab" / "x.png", 0o644)
    assert secure_tree(root) == 4
    assert [_mode(p) for p in (root, root / "images", root / "images" / "ab")] == [0o700] * 3
    assert _mode(root / "images" / "ab" / "x.png") == 0o600
    assert _mode(outside) == 0o644  # a link's target is not changed
    assert not [p for p in root.iterdir() if p.name.startswith(".mode-test-")]
    # Once the root is private, a start checks its direct entries only (cheap on big libraries).
    os.chmod(root / "images" / "ab" / "x.png", 0o644)
    os.chmod(root / "images", 0o755)
    assert secure_tree(root) == 1
    assert _mode(root / "images") == 0o700
