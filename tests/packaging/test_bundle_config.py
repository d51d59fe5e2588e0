"""What the spec puts in the bundle: TOC filter, hidden imports, version resource, Info.plist."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import bundle_config as cfg
import pytest
from PySide6 import QtCore

from qwenimg_desktop import APP_ID, __version__


@pytest.mark.parametrize(
    "dest",
    [
        "PySide6/Qt/plugins/platforms/libqxcb.so",
        "PySide6/Qt/plugins/platforms/libqoffscreen.so",
        "PySide6/Qt/plugins/platforminputcontexts/libibusplatforminputcontextplugin.so",
        "PySide6/Qt/plugins/platforminputcontexts/libcomposeplatforminputcontextplugin.so",
        "PySide6/Qt/plugins/imageformats/libqwebp.so",
        "PySide6/Qt/plugins/imageformats/libqjpeg.so",
        "PySide6/Qt/plugins/imageformats/libqsvg.so",
        "PySide6/Qt/plugins/iconengines/libqsvgicon.so",
        "PySide6/Qt/plugins/xcbglintegrations/libqxcb-glx-integration.so",
        "PySide6\\plugins\\platforms\\qwindows.dll",
        "PySide6\\plugins\\imageformats\\qico.dll",
        "PySide6/Qt/plugins/platforms/libqcocoa.dylib",
        "PySide6/Qt/lib/libQt6Core.so.6",
        "PySide6/Qt/lib/libQt6XcbQpa.so.6",
        "PySide6/Qt/lib/libQt6DBus.so.6",
        "PySide6/Qt/lib/libQt6Network.so.6",  # the single-instance socket (QLocalServer)
        "PySide6/Qt/lib/libicudata.so.73",
        "libpython3.11.so.1.0",
        "libxkbcommon.so.0",
        "pillow.libs/liblcms2-88eaba2f.so.2.0.19",
        "pillow.libs/libharfbuzz-fb49c9fc.so.0.61450.0",
        "keyring-25.7.0.dist-info/entry_points.txt",
        "resources/icons/qwenimg-desktop-256.png",
        "resources/i18n/qwenimg_zh_CN.qm",  # our UI catalog stays (Qt's own are dropped)
    ],
)
def test_kept(dest: str) -> None:
    assert cfg.keep_entry(dest)


@pytest.mark.parametrize(
    "dest",
    [
        "PySide6/Qt/translations/qtbase_zh_CN.qm",
        "PySide6/Qt/plugins/platforms/libqwayland.so",
        "PySide6/Qt/plugins/platforms/libqeglfs.so",
        "PySide6/Qt/plugins/platforms/libqvnc.so",
        "PySide6/Qt/plugins/platforms/libqlinuxfb.so",
        "PySide6/Qt/plugins/platforminputcontexts/libqtvirtualkeyboardplugin.so",
        "PySide6/Qt/plugins/platformthemes/libqgtk3.so",
        "PySide6/Qt/plugins/platformthemes/libqxdgdesktopportal.so",
        "PySide6/Qt/plugins/wayland-shell-integration/libxdg-shell.so",
        "PySide6/Qt/plugins/egldeviceintegrations/libqeglfs-kms-integration.so",
        "PySide6/Qt/plugins/generic/libqevdevmouseplugin.so",
        "PySide6/Qt/plugins/imageformats/libqpdf.so",
        "PySide6/Qt/plugins/imageformats/libqtiff.so",
        "PySide6/Qt/lib/libQt6WaylandClient.so.6",
        "PySide6/Qt/lib/libQt6EglFSDeviceIntegration.so.6",
        "PySide6/Qt/lib/libQt6OpenGL.so.6",
        "libgtk-3.so.0",
        "libgdk-3.so.0",
        "libcairo.so.2",
        "libpango-1.0.so.0",
        "libatk-1.0.so.0",
        "libepoxy.so.0",
        "libwayland-client.so.0",
    ],
)
def test_dropped(dest: str) -> None:
    assert not cfg.keep_entry(dest)


def test_the_gtk_pattern_does_not_catch_similar_names() -> None:
    assert not cfg.keep_entry("libcairo-gobject.so.2")
    assert cfg.keep_entry("libcairomm-1.16.so.1")  # a name must end at "-" or "." after the stem
    assert cfg.keep_entry("libpangolin.so.1")
    assert cfg.keep_entry("libatkinson.so.1")


def test_hidden_imports_name_each_os_keyring_backend() -> None:
    linux = cfg.hidden_imports("linux")
    assert {"keyring.backends.SecretService", "secretstorage", "jeepney"} <= set(linux)
    assert "keyring.backends.Windows" in cfg.hidden_imports("win32")
    assert "keyring.backends.macOS" in cfg.hidden_imports("darwin")
    for platform in ("linux", "win32", "darwin"):
        assert "keyring.backends.chainer" in cfg.hidden_imports(platform)


def test_linux_hidden_imports_exist_here() -> None:
    if not sys.platform.startswith("linux"):
        pytest.skip("checks the Linux backends")
    import importlib

    for name in cfg.hidden_imports():
        importlib.import_module(name)


def test_keyring_metadata_is_collected() -> None:
    assert "keyring" in cfg.METADATA_PACKAGES


@pytest.mark.parametrize(
    ("version", "expected"),
    [("0.1.0", (0, 1, 0, 0)), ("1.2.3.4.5", (1, 2, 3, 4)), ("2.0rc1", (2, 0, 0, 0)),
     ("3", (3, 0, 0, 0)), ("1.10.0.dev2", (1, 10, 0, 0))],
)
def test_version_tuple(version: str, expected: tuple[int, int, int, int]) -> None:
    assert cfg.version_tuple(version) == expected


def test_windows_version_text_is_a_version_resource() -> None:
    text = cfg.windows_version_text("1.2.3")
    tree = ast.parse(text, mode="eval")
    call = tree.body
    assert isinstance(call, ast.Call)
    assert isinstance(call.func, ast.Name)
    assert call.func.id == "VSVersionInfo"
    assert "filevers=(1, 2, 3, 0)" in text
    assert "StringStruct('ProductVersion', '1.2.3')" in text
    assert f"StringStruct('OriginalFilename', '{APP_ID}.exe')" in text


def test_windows_version_text_loads_with_pyinstallers_own_classes() -> None:
    """Evaluate the text as PyInstaller does, with its own classes (pefile is Windows-only)."""
    import PyInstaller.utils.win32 as win32_utils

    source = (Path(win32_utils.__file__).parent / "versioninfo.py").read_text("utf-8")
    source = source.replace("import pefile\n", "pefile = None\n")
    source = source.replace("from PyInstaller.compat import win32api\n", "win32api = None\n")
    namespace: dict[str, object] = {"__name__": "versioninfo_on_linux"}
    exec(compile(source, "versioninfo.py", "exec"), namespace)
    info = eval(cfg.windows_version_text("1.2.3"), namespace)
    assert type(info).__name__ == "VSVersionInfo"
    raw = info.toRaw()
    assert isinstance(raw, bytes)
    assert "1.2.3".encode("utf-16-le") in raw
    assert f"{APP_ID}.exe".encode("utf-16-le") in raw


def test_info_plist() -> None:
    plist = cfg.info_plist()
    assert plist["CFBundleIdentifier"] == cfg.BUNDLE_ID
    assert str(plist["CFBundleIdentifier"]).endswith(APP_ID)
    assert plist["CFBundleShortVersionString"] == __version__
    assert plist["NSHighResolutionCapable"] is True


@pytest.mark.parametrize("platform", ["win32", "darwin", "linux"])
def test_icons_exist(platform: str) -> None:
    icon = cfg.icon_for(platform)
    assert icon.is_file()
    assert icon.stat().st_size > 1000


def test_excludes_cover_dev_tools_and_unused_qt() -> None:
    excluded = set(cfg.EXCLUDED_MODULES)
    assert {"fal_client", "PyInstaller", "pytest", "hypothesis", "tkinter", "unittest"} <= excluded
    assert {"PySide6.QtQml", "PySide6.QtWebEngineCore", "PySide6.QtMultimedia"} <= excluded
    assert not excluded & {"PySide6.QtCore", "PySide6.QtGui", "PySide6.QtWidgets", "keyring"}


def test_prune_orphans_follows_links_to_a_fixpoint() -> None:
    links = {
        "/src/main.so": {"libkept.so.1"},
        "/src/libkept.so.1": set(),
        "/src/libgtk-ish.so.0": {"libonlygtk.so.2"},
        "/src/libonlygtk.so.2": set(),
        "/src/libpython3.11.so.1.0": set(),
    }
    toc = [
        ("PySide6/QtGui.abi3.so", "/src/main.so", "EXTENSION"),
        ("libkept.so.1", "/src/libkept.so.1", "BINARY"),
        ("libgtk-ish.so.0", "/src/libgtk-ish.so.0", "BINARY"),
        ("libonlygtk.so.2", "/src/libonlygtk.so.2", "BINARY"),
        ("libpython3.11.so.1.0", "/src/libpython3.11.so.1.0", "BINARY"),
    ]
    kept, dropped = cfg.prune_orphans(toc, links.__getitem__)
    assert dropped == ["libgtk-ish.so.0", "libonlygtk.so.2"]
    assert [name for name, _src, _kind in kept] == [
        "PySide6/QtGui.abi3.so", "libkept.so.1", "libpython3.11.so.1.0"]


def test_elf_needed_reads_a_real_library() -> None:
    if not sys.platform.startswith("linux"):
        pytest.skip("ELF only")
    qtcore = Path(QtCore.__file__)
    assert "libQt6Core.so.6" in cfg.elf_needed(str(qtcore))


def test_build_compiles_the_translations_before_pyinstaller() -> None:
    """The .qm files are build outputs (not committed): the build makes them first, so the
    spec's resources/ glob collects them."""
    source = (Path(cfg.ROOT) / "packaging" / "build.py").read_text(encoding="utf-8")
    main = next(node for node in ast.parse(source).body
                if isinstance(node, ast.FunctionDef) and node.name == "main")
    calls = [node.func.id for node in ast.walk(main)
             if isinstance(node, ast.Call) and isinstance(node.func, ast.Name)]
    assert calls.index("compile_translations") < calls.index("run_pyinstaller")
    assert list((Path(cfg.ROOT) / "resources" / "i18n").glob("*.ts"))
