"""Editing the wildcards folder: Chinese lists saved as UTF-8 and read back by the expander,
names checked, create/rename/delete refused when they would clobber, no partial files left."""

from __future__ import annotations

from pathlib import Path

import pytest

from qwenimg_desktop.core.batch.variables import (
    MAX_WILDCARD_FILE_BYTES,
    expand,
    folder_source,
    list_wildcards,
)
from qwenimg_desktop.core.batch.wildcard_files import (
    WildcardFileError,
    create_list,
    delete_list,
    read_list,
    rename_list,
    save_list,
)


def test_a_chinese_list_is_saved_and_expanded(tmp_path: Path) -> None:
    path = save_list(tmp_path, "颜色", "红色\n蓝色\r\n# 注释\n\n绿色\n")
    assert path == tmp_path / "wildcards" / "颜色.txt"
    assert path.read_bytes() == "红色\n蓝色\n# 注释\n\n绿色\n".encode()
    assert read_list(tmp_path, "颜色").splitlines()[0] == "红色"
    assert expand("一只__颜色__的猫", folder_source(tmp_path)) == [
        "一只红色的猫", "一只蓝色的猫", "一只绿色的猫"]
    assert list_wildcards(tmp_path) == ["颜色"]
    assert [p.name for p in (tmp_path / "wildcards").iterdir()] == ["颜色.txt"]


def test_create_rename_delete_and_their_refusals(tmp_path: Path) -> None:
    create_list(tmp_path, "animal")
    with pytest.raises(WildcardFileError, match="exists already"):
        create_list(tmp_path, "animal")
    save_list(tmp_path, "animal", "cat\nfox\n")
    save_list(tmp_path, "colour", "red\n")
    with pytest.raises(WildcardFileError, match="exists already"):
        rename_list(tmp_path, "animal", "colour")
    assert read_list(tmp_path, "colour") == "red\n"  # the taken name is untouched
    rename_list(tmp_path, "animal", "动物")
    assert list_wildcards(tmp_path) == ["colour", "动物"]
    assert read_list(tmp_path, "动物") == "cat\nfox\n"
    delete_list(tmp_path, "动物")
    assert list_wildcards(tmp_path) == ["colour"]


@pytest.mark.parametrize("name", ["", "a b", "../escape", "_lead", "trail_", "a/b", "x" * 65])
def test_names_a_prompt_could_not_call_are_refused(tmp_path: Path, name: str) -> None:
    with pytest.raises(WildcardFileError):
        save_list(tmp_path, name, "x\n")
    assert not (tmp_path / "wildcards").exists() or not any((tmp_path / "wildcards").iterdir())


def test_a_list_over_the_size_limit_is_refused_and_the_old_one_kept(tmp_path: Path) -> None:
    save_list(tmp_path, "big", "small\n")
    with pytest.raises(WildcardFileError, match="the limit is"):
        save_list(tmp_path, "big", "x" * (MAX_WILDCARD_FILE_BYTES + 1))
    assert read_list(tmp_path, "big") == "small\n"
    assert [p.name for p in (tmp_path / "wildcards").iterdir()] == ["big.txt"]
