"""Data layout, safe names, stray temp cleanup and atomic writes."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest

from qwenimg_desktop.core.errors import DiskFull
from qwenimg_desktop.core.store.files import (
    DataLayout,
    atomic_copy,
    atomic_write_bytes,
    disk_full_error,
    is_disk_full,
    place_file,
)

JOB = "0123456789abcdef0123456789abcdef"


def test_layout_paths(tmp_path: Path) -> None:
    layout = DataLayout(tmp_path).ensure()
    assert layout.db_path == tmp_path / "history.sqlite3"
    assert layout.images_dir.is_dir()
    assert layout.thumbs_dir.is_dir()
    assert layout.tmp_dir.is_dir()
    assert layout.tmp_dir.parent == layout.images_dir  # same filesystem for the final rename
    assert layout.image_path(JOB, 2, "PNG") == tmp_path / "images" / "01" / f"{JOB}-2.png"
    assert layout.thumb_path(JOB, 0) == tmp_path / "thumbs" / "01" / f"{JOB}-0.jpg"
    assert layout.new_temp_path(".png").parent == layout.tmp_dir
    assert layout.new_temp_path() != layout.new_temp_path()


@pytest.mark.parametrize("job_id", ["../etc", "a/b", "", "x", "ab\\cd", "ab.cd", "-abc"])
def test_unsafe_ids_refused(tmp_path: Path, job_id: str) -> None:
    with pytest.raises(ValueError, match="unsafe job id"):
        DataLayout(tmp_path).image_path(job_id, 0, "png")


def test_bad_extension_and_index_refused(tmp_path: Path) -> None:
    layout = DataLayout(tmp_path)
    with pytest.raises(ValueError, match="extension"):
        layout.image_path(JOB, 0, "exe")
    with pytest.raises(ValueError, match="index"):
        layout.thumb_path(JOB, -1)
    with pytest.raises(ValueError, match="suffix"):
        layout.new_temp_path("/../x")


def test_relative_round_trip_and_escape_refused(tmp_path: Path) -> None:
    layout = DataLayout(tmp_path)
    image = layout.image_path(JOB, 0, "png")
    assert layout.relative(image) == f"images/01/{JOB}-0.png"
    assert layout.absolute(layout.relative(image)) == image
    for bad in ("../outside.png", "/etc/passwd", "images/../../x", "", "a\\..\\b", ".", "//x"):
        with pytest.raises(ValueError, match="not inside"):
            layout.absolute(bad)
        with pytest.raises(ValueError, match="not inside"):
            layout.os_path(bad)  # the file check's string form refuses the same


def test_the_string_form_of_a_stored_path_is_the_paths(tmp_path: Path) -> None:
    """The start-up file check stats every stored file by :meth:`DataLayout.os_path` (no
    pathlib parsing): the same file as :meth:`DataLayout.absolute`, however the row spells it."""
    layout = DataLayout(tmp_path)
    for stored in (f"images/01/{JOB}-0.png", f"images//01/./{JOB}-0.png", "thumbs/x.jpg/",
                   "a..b/c"):
        assert Path(layout.os_path(stored)) == layout.absolute(stored)


def test_atomic_write_creates_and_replaces(tmp_path: Path) -> None:
    target = tmp_path / "sub" / "settings.json"
    atomic_write_bytes(target, b"one")
    atomic_write_bytes(target, b"two")
    assert target.read_bytes() == b"two"
    assert os.listdir(target.parent) == ["settings.json"]


def test_atomic_write_failure_leaves_no_temp(tmp_path: Path) -> None:
    target = tmp_path / "occupied"
    target.mkdir()  # os.replace of a file onto a directory fails
    with pytest.raises(OSError):  # noqa: PT011 - the OS picks IsADirectoryError or similar
        atomic_write_bytes(target, b"data")
    assert os.listdir(tmp_path) == ["occupied"]
    assert os.listdir(target) == []


def test_atomic_copy_copies_the_whole_file_from_its_start(tmp_path: Path) -> None:
    data = os.urandom(3 * 1024 * 1024 + 17)  # more than one read where the kernel cannot copy
    source = tmp_path / "source.png"
    source.write_bytes(data)
    target = tmp_path / "out" / "copy.png"
    with source.open("rb") as reader:
        reader.seek(12345)  # a reader used before: the copy still starts at the start
        atomic_copy(reader, target, mode=0o666)
    assert target.read_bytes() == data
    assert os.listdir(target.parent) == ["copy.png"]


def test_atomic_copy_without_the_kernels_copy(tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """Where the kernel refuses to copy between these files, Python copies 1 MB at a time."""
    def refused(*_args: object) -> int:
        raise OSError(errno.EINVAL, os.strerror(errno.EINVAL))

    monkeypatch.setattr(os, "sendfile", refused, raising=False)
    data = os.urandom(2 * 1024 * 1024 + 5)
    source = tmp_path / "source.png"
    source.write_bytes(data)
    with source.open("rb") as reader:
        atomic_copy(reader, tmp_path / "copy.png")
    assert (tmp_path / "copy.png").read_bytes() == data


def test_atomic_copy_never_replaces_when_told_not_to(tmp_path: Path) -> None:
    source = tmp_path / "theirs.png"
    source.write_bytes(b"theirs")
    target = tmp_path / "mine.png"
    target.write_bytes(b"mine")
    with source.open("rb") as reader, pytest.raises(FileExistsError):
        atomic_copy(reader, target, replace=False)
    assert target.read_bytes() == b"mine"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mine.png", "theirs.png"]


def test_place_file_moves_into_shard(tmp_path: Path) -> None:
    layout = DataLayout(tmp_path).ensure()
    tmp = layout.new_temp_path(".png")
    tmp.write_bytes(b"png")
    dest = layout.image_path(JOB, 0, "png")
    place_file(tmp, dest)
    assert dest.read_bytes() == b"png"
    assert not tmp.exists()


def test_clean_stray_temps(tmp_path: Path) -> None:
    layout = DataLayout(tmp_path).ensure()
    leftovers = [
        layout.new_temp_path(".png"),
        layout.tmp_dir / "anything",
        layout.thumbs_dir / "01" / f".{JOB}-0.jpg.abc.partial",
        tmp_path / ".settings.json.abc.partial",
    ]
    keep = [layout.image_path(JOB, 0, "png"), layout.thumb_path(JOB, 0), layout.db_path,
            # one base dir: the window's config folder is inside, and may be writing now
            tmp_path / "config" / ".draft.json.abc.partial"]
    for path in leftovers + keep:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"x")
    assert layout.clean_stray_temps() == len(leftovers)
    assert not any(p.exists() for p in leftovers)
    assert all(p.exists() for p in keep)
    assert layout.clean_stray_temps() == 0


def test_disk_full_classification() -> None:
    full = OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
    assert is_disk_full(full)
    assert not is_disk_full(OSError(errno.EACCES, "denied"))
    assert not is_disk_full(ValueError("x"))
    error = disk_full_error(full, Path("img.png"))
    assert isinstance(error, DiskFull)
    assert "img.png" in error.message
    assert error.next_step
