"""Build the Qwen Image Desktop bundle with PyInstaller, archive it, checksum it, smoke-test it.

Usage::

    python packaging/build.py [--smoke] [--require-keyring] [--dist DIR] [--work DIR] [--debug]

Produces ``dist/qwenimg-desktop/`` (Linux, Windows) or ``dist/Qwen Image Desktop.app`` (macOS),
an archive (Linux ``.tar.gz`` with a .desktop entry, icon and ``install.sh``; Windows ``.zip``;
macOS ``.dmg``), ``SHA256SUMS`` and ``build-report.json`` next to them.
"""

from __future__ import annotations

import argparse
import ast
import hashlib
import json
import os
import platform
import shutil
import subprocess
import sys
import tarfile
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Final

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bundle_config as cfg
from smoke_test import SmokeResult, run_smoke
from translations import compile_translations

from qwenimg_desktop import APP_NAME, __version__

HERE: Final = Path(__file__).resolve().parent
ROOT: Final = cfg.ROOT
SPEC: Final = HERE / "qwenimg_desktop.spec"
MB: Final = 1024 * 1024
_ARCH_NAMES: Final = {"amd64": "x86_64", "x86_64": "x86_64", "aarch64": "arm64", "arm64": "arm64"}


@dataclass
class BuildReport:
    """Figures of one build, written to ``build-report.json``."""

    version: str
    platform: str
    bundle: str
    bundle_mb: float
    bundle_files: int
    build_seconds: float
    archive: str | None = None
    archive_mb: float | None = None
    smoke: dict[str, object] = field(default_factory=dict)


def os_name(platform_name: str = sys.platform) -> str:
    if platform_name.startswith("linux"):
        return "linux"
    return {"win32": "windows", "darwin": "macos"}.get(platform_name, platform_name)


def arch_name(machine: str | None = None) -> str:
    raw = (machine if machine is not None else platform.machine()).lower()
    return _ARCH_NAMES.get(raw, raw or "unknown")


def archive_stem(version: str = __version__, platform_name: str = sys.platform,
                 machine: str | None = None) -> str:
    return f"{cfg.EXE_NAME}-{version}-{os_name(platform_name)}-{arch_name(machine)}"


def bundle_path(dist: Path, platform_name: str = sys.platform) -> Path:
    """The folder users get: the one-folder bundle, or the .app on macOS."""
    if platform_name == "darwin":
        return dist / f"{APP_NAME}.app"
    return dist / cfg.EXE_NAME


def executable_path(dist: Path, platform_name: str = sys.platform) -> Path:
    if platform_name == "darwin":
        return bundle_path(dist, platform_name) / "Contents" / "MacOS" / cfg.EXE_NAME
    suffix = ".exe" if platform_name == "win32" else ""
    return dist / cfg.EXE_NAME / f"{cfg.EXE_NAME}{suffix}"


def tree_size(root: Path) -> tuple[int, int]:
    """Total bytes and number of regular files under ``root`` (symlinks not followed)."""
    total = files = 0
    for dirpath, _dirs, names in os.walk(root):
        for name in names:
            path = Path(dirpath) / name
            if path.is_symlink() or not path.is_file():
                continue
            total += path.stat().st_size
            files += 1
    return total, files


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def write_sha256sums(files: Sequence[Path], target: Path) -> Path:
    """``sha256sum -c`` format: ``<hex>  <file name>``, one file a line."""
    lines = [f"{sha256_of(path)}  {path.name}\n" for path in files]
    target.write_text("".join(lines), encoding="utf-8")
    return target


def run_pyinstaller(dist: Path, work: Path, *, debug: bool, quiet: bool) -> float:
    """Run PyInstaller on the spec; returns the wall time in seconds."""
    command = [sys.executable, "-m", "PyInstaller", "--noconfirm", "--distpath", str(dist),
               "--workpath", str(work), "--log-level", "WARN" if quiet else "INFO", str(SPEC)]
    env = dict(os.environ)
    if debug:
        env[cfg.DEBUG_ENV] = "1"
    else:
        env.pop(cfg.DEBUG_ENV, None)
    start = time.perf_counter()
    subprocess.run(command, cwd=ROOT, env=env, check=True)
    return time.perf_counter() - start


def pyz_modules(work: Path) -> set[str]:
    """Names of the Python modules PyInstaller put in the bundle's PYZ archive."""
    toc = ast.literal_eval((work / SPEC.stem / "PYZ-00.toc").read_text("utf-8"))
    return {str(entry[0]) for entry in toc[1]}


def forbidden_modules(modules: set[str]) -> list[str]:
    return sorted(name for name in modules if name.split(".")[0] in cfg.FORBIDDEN_MODULES)


def linux_tarball(dist: Path, stem: str) -> Path:
    """The bundle plus a .desktop entry, the icon and a per-user install script."""
    target = dist / f"{stem}.tar.gz"
    top = f"{cfg.EXE_NAME}-{__version__}"
    extras = {
        f"{cfg.EXE_NAME}.desktop": ROOT / "resources" / "linux" / f"{cfg.EXE_NAME}.desktop",
        f"{cfg.EXE_NAME}.png": ROOT / "resources" / "icons" / f"{cfg.EXE_NAME}-256.png",
        f"{cfg.EXE_NAME}.svg": ROOT / "resources" / "icons" / f"{cfg.EXE_NAME}.svg",
        "install.sh": HERE / "linux" / "install.sh",
    }
    with tarfile.open(target, "w:gz", compresslevel=6) as tar:
        tar.add(bundle_path(dist, "linux"), arcname=top)
        for name, source in extras.items():
            info = tar.gettarinfo(str(source), arcname=f"{top}/{name}")
            info.mode = 0o755 if name.endswith(".sh") else 0o644
            with source.open("rb") as handle:
                tar.addfile(info, handle)
    return target


def windows_zip(dist: Path, stem: str) -> Path:
    base = dist / stem
    return Path(shutil.make_archive(str(base), "zip", root_dir=dist, base_dir=cfg.EXE_NAME))


def macos_dmg(dist: Path, stem: str) -> Path:
    target = dist / f"{stem}.dmg"
    target.unlink(missing_ok=True)
    subprocess.run(
        ["hdiutil", "create", "-volname", APP_NAME, "-srcfolder", str(bundle_path(dist, "darwin")),
         "-ov", "-format", "UDZO", str(target)],
        check=True,
    )
    return target


def make_archive(dist: Path, platform_name: str = sys.platform) -> Path:
    stem = archive_stem(platform_name=platform_name)
    if platform_name == "win32":
        return windows_zip(dist, stem)
    if platform_name == "darwin":
        return macos_dmg(dist, stem)
    return linux_tarball(dist, stem)


def smoke(dist: Path, *, require_keyring: bool) -> SmokeResult:
    """Run the frozen binary's ``--smoke-test``; stdout, stderr and the log are checked."""
    env = dict(os.environ)
    if require_keyring:
        env["QWENIMG_SMOKE_REQUIRE_KEYRING"] = "1"
    return run_smoke([str(executable_path(dist))], env=env)


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--dist", type=Path, default=ROOT / "dist", help="output folder")
    parser.add_argument("--work", type=Path, default=ROOT / "build", help="PyInstaller work folder")
    parser.add_argument("--smoke", action="store_true", help="run the frozen --smoke-test")
    parser.add_argument("--require-keyring", action="store_true",
                        help="the smoke test fails when no keyring backend is usable")
    parser.add_argument("--debug", action="store_true", help=f"debug bundle ({cfg.DEBUG_ENV}=1)")
    parser.add_argument("--no-archive", action="store_true", help="skip the archive and sums")
    parser.add_argument("--quiet", action="store_true", help="PyInstaller logs warnings only")
    return parser.parse_args(list(argv))


def _say(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    dist, work = args.dist.resolve(), args.work.resolve()
    for catalog in compile_translations():  # resources/i18n/*.qm, collected with resources/
        _say(f"translations: {catalog.name}")
    seconds = run_pyinstaller(dist, work, debug=args.debug, quiet=args.quiet)
    bundle = bundle_path(dist)
    size, files = tree_size(bundle)
    report = BuildReport(__version__, f"{os_name()}-{arch_name()}", str(bundle),
                         round(size / MB, 1), files, round(seconds, 1))
    _say(f"bundle: {bundle}")
    _say(f"bundle size: {report.bundle_mb} MB unpacked, {files} files; built in {seconds:.1f} s")
    unwanted = forbidden_modules(pyz_modules(work))
    if unwanted:
        _say(f"error: modules that must not ship are bundled: {', '.join(unwanted)}")
        return 1
    if not args.no_archive:
        archive = make_archive(dist)
        report.archive = str(archive)
        report.archive_mb = round(archive.stat().st_size / MB, 1)
        sums = write_sha256sums([archive], dist / "SHA256SUMS")
        _say(f"archive: {archive} ({report.archive_mb} MB); checksums in {sums}")
    code = 0
    if args.smoke:
        result = smoke(dist, require_keyring=args.require_keyring)
        report.smoke = {"ok": result.ok, "seconds": round(result.seconds, 2),
                        "verdict": result.verdict, "problems": result.problems}
        _say(f"smoke: {result.describe()}")
        code = 0 if result.ok else 1
    (dist / "build-report.json").write_text(json.dumps(asdict(report), indent=2) + "\n",
                                            encoding="utf-8")
    return code


if __name__ == "__main__":
    sys.exit(main())
