"""build.py helpers on real files: names, sizes, SHA256SUMS, the Linux tarball, the PYZ check."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

import build
import pytest

from qwenimg_desktop import APP_NAME, __version__


@pytest.mark.parametrize(
    ("platform", "machine", "expected"),
    [("linux", "x86_64", "linux-x86_64"), ("win32", "AMD64", "windows-x86_64"),
     ("darwin", "arm64", "macos-arm64"), ("linux", "aarch64", "linux-arm64")],
)
def test_archive_stem(platform: str, machine: str, expected: str) -> None:
    assert build.archive_stem("1.2.3", platform, machine) == f"qwenimg-desktop-1.2.3-{expected}"


def test_paths_per_os(tmp_path: Path) -> None:
    assert build.executable_path(tmp_path, "linux") == tmp_path / "qwenimg-desktop" / (
        "qwenimg-desktop")
    assert build.executable_path(tmp_path, "win32").name == "qwenimg-desktop.exe"
    mac = build.executable_path(tmp_path, "darwin")
    assert mac.parts[-4:] == (f"{APP_NAME}.app", "Contents", "MacOS", "qwenimg-desktop")
    assert build.bundle_path(tmp_path, "darwin") == tmp_path / f"{APP_NAME}.app"


def _fake_bundle(dist: Path) -> Path:
    bundle = dist / "qwenimg-desktop"
    (bundle / "_internal" / "PySide6").mkdir(parents=True)
    exe = bundle / "qwenimg-desktop"
    exe.write_bytes(b"\x7fELF" + b"\0" * 996)
    exe.chmod(0o755)
    lib = bundle / "_internal" / "PySide6" / "libQt6Core.so.6"
    lib.write_bytes(b"x" * 3000)
    (bundle / "_internal" / "libQt6Core.so.6").symlink_to(Path("PySide6") / "libQt6Core.so.6")
    return bundle


def test_tree_size_counts_files_not_symlinks(tmp_path: Path) -> None:
    bundle = _fake_bundle(tmp_path)
    assert build.tree_size(bundle) == (4000, 2)


def test_sha256sums_verify_with_sha256sum(tmp_path: Path) -> None:
    first = tmp_path / "a.tar.gz"
    second = tmp_path / "b.zip"
    first.write_bytes(b"alpha")
    second.write_bytes(b"beta" * 1000)
    sums = build.write_sha256sums([first, second], tmp_path / "SHA256SUMS")
    lines = sums.read_text("utf-8").splitlines()
    assert lines[0] == f"{hashlib.sha256(b'alpha').hexdigest()}  a.tar.gz"
    if shutil.which("sha256sum"):
        check = subprocess.run(["sha256sum", "-c", "SHA256SUMS"], cwd=tmp_path,
                               capture_output=True, text=True, check=False)
        assert check.returncode == 0, check.stdout + check.stderr


def test_linux_tarball_layout(tmp_path: Path) -> None:
    _fake_bundle(tmp_path)
    archive = build.linux_tarball(tmp_path, "qwenimg-desktop-test")
    top = f"qwenimg-desktop-{__version__}"
    with tarfile.open(archive) as tar:
        members = {m.name: m for m in tar.getmembers()}
        desktop = tar.extractfile(members[f"{top}/qwenimg-desktop.desktop"])
        assert desktop is not None
        entry = desktop.read().decode()
    assert members[f"{top}/qwenimg-desktop"].mode & 0o111
    assert members[f"{top}/install.sh"].mode == 0o755
    assert members[f"{top}/qwenimg-desktop.png"].size > 1000
    assert f"{top}/qwenimg-desktop.svg" in members
    link = members[f"{top}/_internal/libQt6Core.so.6"]
    assert link.issym()
    assert link.linkname == "PySide6/libQt6Core.so.6"
    assert "Exec=qwenimg-desktop" in entry
    assert "Icon=qwenimg-desktop" in entry


def test_install_script_installs_and_uninstalls(tmp_path: Path) -> None:
    if not sys.platform.startswith("linux"):
        pytest.skip("the Linux tarball's installer")
    unpacked = _fake_bundle(tmp_path / "dist")
    for name, source in {"qwenimg-desktop.desktop": "resources/linux/qwenimg-desktop.desktop",
                         "qwenimg-desktop.png": "resources/icons/qwenimg-desktop-256.png",
                         "qwenimg-desktop.svg": "resources/icons/qwenimg-desktop.svg",
                         "install.sh": "packaging/linux/install.sh"}.items():
        shutil.copy2(build.ROOT / source, unpacked / name)
    prefix = tmp_path / "prefix"
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "PREFIX": str(prefix)}
    done = subprocess.run(["sh", str(unpacked / "install.sh")], env=env, capture_output=True,
                          text=True, check=False)
    assert done.returncode == 0, done.stderr
    installed = prefix / "opt" / "qwenimg-desktop"
    assert (installed / "_internal" / "libQt6Core.so.6").is_symlink()
    assert (prefix / "bin" / "qwenimg-desktop").resolve() == (installed / "qwenimg-desktop")
    menu = (prefix / "share" / "applications" / "qwenimg-desktop.desktop").read_text("utf-8")
    assert f'Exec="{installed}/qwenimg-desktop"' in menu
    assert (prefix / "share/icons/hicolor/256x256/apps/qwenimg-desktop.png").is_file()
    removed = subprocess.run(["sh", str(installed / "install.sh"), "--uninstall"], env=env,
                             capture_output=True, text=True, check=False)
    assert removed.returncode == 0, removed.stderr
    assert not installed.exists()
    assert not (prefix / "bin" / "qwenimg-desktop").is_symlink()


def test_forbidden_modules() -> None:
    bundled = {"keyring", "keyring.backends.SecretService", "fal_client", "pytest.main",
               "_pytest.python", "unittest.mock", "testfixtures", "hypothesis"}
    assert build.forbidden_modules(bundled) == [
        "_pytest.python", "fal_client", "hypothesis", "pytest.main", "unittest.mock"]


def test_pyz_modules_reads_the_toc(tmp_path: Path) -> None:
    work = tmp_path / "work" / "qwenimg_desktop"
    work.mkdir(parents=True)
    (work / "PYZ-00.toc").write_text(
        "('/w/PYZ-00.pyz',\n [('PIL', '/s/PIL/__init__.py', 'PYMODULE'),\n"
        "  ('keyring.backends.SecretService', '/s/k.py', 'PYMODULE')])\n", "utf-8")
    assert build.pyz_modules(tmp_path / "work") == {"PIL", "keyring.backends.SecretService"}
