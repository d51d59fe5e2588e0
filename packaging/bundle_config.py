"""What goes into the PyInstaller bundle: module excludes, hidden imports, TOC filter, metadata.

Shared by ``qwenimg_desktop.spec`` (which PyInstaller executes) and ``build.py``; plain
functions so the tests can check them without building anything.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Final

ROOT: Final = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # the spec runs with only packaging/ importable
    sys.path.insert(0, str(ROOT))

from qwenimg_desktop import APP_ID, APP_NAME, __version__  # noqa: E402

EXE_NAME: Final = APP_ID
BUNDLE_ID: Final = f"io.github.{APP_ID}"
COPYRIGHT: Final = "MIT License, the Qwen Image Desktop authors"
DEBUG_ENV: Final = "QWENIMG_BUILD_DEBUG"

# Python packages never shipped: stdlib extras, dev tools, and the official client (tests only).
EXCLUDED_MODULES: Final = (
    "tkinter", "_tkinter", "unittest", "pydoc", "pydoc_data", "test", "idlelib", "lib2to3",
    "fal_client", "PyInstaller", "pytest", "_pytest", "pytestqt", "hypothesis", "mypy", "ruff",
    "importlinter", "grimp", "pip", "setuptools", "pkg_resources", "IPython",
    # Pillow parts the app never uses (AVIF alone is ~5 MB of libavif).
    "PIL._avif", "PIL._imagingtk", "PIL.ImageTk", "PIL.ImageQt",
    "PySide6.QtQml", "PySide6.QtQuick", "PySide6.QtQuickControls2", "PySide6.QtQuickWidgets",
    "PySide6.QtQuickTest", "PySide6.QtWebEngineCore", "PySide6.QtWebEngineWidgets",
    "PySide6.QtWebEngineQuick", "PySide6.QtWebChannel", "PySide6.QtWebSockets",
    "PySide6.Qt3DCore", "PySide6.Qt3DRender", "PySide6.Qt3DExtras", "PySide6.QtMultimedia",
    "PySide6.QtMultimediaWidgets", "PySide6.QtPdf", "PySide6.QtPdfWidgets", "PySide6.QtCharts",
    "PySide6.QtDataVisualization", "PySide6.QtGraphs", "PySide6.QtDesigner", "PySide6.QtHelp",
    "PySide6.QtUiTools", "PySide6.QtTest", "PySide6.QtSql", "PySide6.QtXml",
    "PySide6.QtOpenGL", "PySide6.QtOpenGLWidgets", "PySide6.QtPrintSupport",
    "PySide6.QtConcurrent", "PySide6.QtDBus", "PySide6.QtSvgWidgets",
)

# Top-level packages that must never be in the bundle (checked by build.py after each build).
FORBIDDEN_MODULES: Final = frozenset({
    "fal_client", "PyInstaller", "pytest", "_pytest", "pytestqt", "hypothesis", "mypy",
    "tkinter", "unittest", "pydoc", "test",
})

# keyring finds its backends through entry points: import them explicitly too, per OS.
_KEYRING_COMMON: Final = ("keyring.backends", "keyring.backends.chainer", "keyring.backends.fail",
                          "keyring.backends.null")
_KEYRING_BY_OS: Final[dict[str, tuple[str, ...]]] = {
    "linux": ("keyring.backends.SecretService", "keyring.backends.libsecret",
              "keyring.backends.kwallet", "secretstorage", "secretstorage.dhcrypto", "jeepney",
              "jeepney.io.blocking"),
    "win32": ("keyring.backends.Windows", "win32ctypes.core", "win32ctypes.pywin32.win32cred",
              "win32ctypes.pywin32.pywintypes"),
    "darwin": ("keyring.backends.macOS", "keyring.backends.macOS.api"),
}
METADATA_PACKAGES: Final = ("keyring",)

# Qt plugins kept, by plugin folder; a folder not listed here is dropped entirely.
KEPT_QT_PLUGINS: Final[dict[str, frozenset[str]]] = {
    # xcb for X11/XWayland, offscreen for CI; windows and cocoa on their OS.
    "platforms": frozenset({"qxcb", "qoffscreen", "qwindows", "qcocoa"}),
    # Chinese input methods: ibus (also fcitx5's ibus frontend) and compose; no virtual keyboard.
    "platforminputcontexts": frozenset({"ibusplatforminputcontextplugin",
                                        "composeplatforminputcontextplugin"}),
    "imageformats": frozenset({"qjpeg", "qwebp", "qico", "qsvg", "qgif", "qicns"}),
    "iconengines": frozenset({"qsvgicon"}),
    "xcbglintegrations": frozenset({"qxcb-glx-integration", "qxcb-egl-integration"}),
    "styles": frozenset({"qmodernwindowsstyle", "qwindowsvistastyle", "qmacstyle"}),
}

# Shared libraries only the dropped plugins need: Qt's Wayland/EGLFS/Quick libraries (and
# QtOpenGL, which nothing kept links; QtNetwork stays: the single-instance socket), and the
# GTK3 stack that platformthemes/libqgtk3 pulls in from the build machine (top level only, so
# the copies private to Pillow in pillow.libs/ stay).
_DROPPED_QT_LIBRARY: Final = re.compile(
    r"(^|/)libQt6(Wayland|Wl|EglFS|EglFs|VirtualKeyboard|Pdf|Quick|Qml|OpenGL)[^/]*$"
)
_DROPPED_SYSTEM_LIBRARY: Final = re.compile(
    r"^lib(gtk-3|gdk-3|gdk_pixbuf-2\.0|cairo|cairo-gobject|pango-1\.0|pangocairo-1\.0"
    r"|pangoft2-1\.0|atk-1\.0|atk-bridge-2\.0|atspi|epoxy|wayland-(client|cursor|egl)|fribidi"
    r"|thai|datrie|pixman-1|cloudproviders|colord|lcms2|rsvg-2)[-.][^/]*$"
)
_QT_PREFIX: Final = re.compile(r"^PySide6/(Qt/)?")


def version_tuple(version: str = __version__) -> tuple[int, int, int, int]:
    """``"1.2.3"`` → ``(1, 2, 3, 0)`` for the Windows version resource (non-digits end a part)."""
    parts: list[int] = []
    for piece in version.split(".")[:4]:
        digits = re.match(r"\d*", piece)
        parts.append(int(digits.group()) if digits and digits.group() else 0)
    return (*parts, 0, 0, 0, 0)[:4]  # type: ignore[return-value]


def hidden_imports(platform: str = sys.platform) -> list[str]:
    key = "linux" if platform.startswith("linux") else platform
    return [*_KEYRING_COMMON, *_KEYRING_BY_OS.get(key, ())]


def _plugin_stem(filename: str) -> str:
    stem = filename.split(".", 1)[0]
    return stem[3:] if stem.startswith("lib") else stem


def keep_entry(dest: str) -> bool:
    """Whether a TOC entry (its path inside the bundle) stays in the bundle."""
    path = dest.replace("\\", "/")
    inner = _QT_PREFIX.sub("", path, count=1)
    if inner.startswith("translations/"):
        return False
    if inner.startswith("plugins/"):
        parts = inner.split("/")
        if len(parts) < 3:
            return True
        kept = KEPT_QT_PLUGINS.get(parts[1])
        return kept is not None and _plugin_stem(parts[-1]) in kept
    return not (_DROPPED_QT_LIBRARY.search(path) or _DROPPED_SYSTEM_LIBRARY.match(path))


def info_plist(version: str = __version__) -> dict[str, object]:
    """Info.plist entries for the macOS .app (merged over PyInstaller's defaults)."""
    return {
        "CFBundleName": APP_NAME,
        "CFBundleDisplayName": APP_NAME,
        "CFBundleIdentifier": BUNDLE_ID,
        "CFBundleShortVersionString": version,
        "CFBundleVersion": version,
        "NSHighResolutionCapable": True,
        "NSRequiresAquaSystemAppearance": False,  # follow the system dark mode
        "NSHumanReadableCopyright": COPYRIGHT,
        "LSApplicationCategoryType": "public.app-category.graphics-design",
    }


def windows_version_text(version: str = __version__) -> str:
    """A version resource in PyInstaller's text form (what ``pyi-grab_version`` writes)."""
    numbers = version_tuple(version)
    dotted = ".".join(str(n) for n in numbers)
    strings = {
        "CompanyName": APP_NAME, "FileDescription": APP_NAME, "FileVersion": dotted,
        "InternalName": EXE_NAME, "LegalCopyright": COPYRIGHT,
        "OriginalFilename": f"{EXE_NAME}.exe", "ProductName": APP_NAME,
        "ProductVersion": version,
    }
    table = ",\n".join(f"          StringStruct({k!r}, {v!r})" for k, v in strings.items())
    return (
        "# UTF-8\n"
        "VSVersionInfo(\n"
        f"  ffi=FixedFileInfo(filevers={numbers}, prodvers={numbers}, mask=0x3f, flags=0x0,\n"
        "                    OS=0x40004, fileType=0x1, subtype=0x0, date=(0, 0)),\n"
        "  kids=[\n"
        "    StringFileInfo([\n"
        "      StringTable('040904B0', [\n"
        f"{table}\n"
        "      ])\n"
        "    ]),\n"
        "    VarFileInfo([VarStruct('Translation', [1033, 1200])])\n"
        "  ]\n"
        ")\n"
    )


def icon_for(platform: str = sys.platform) -> Path:
    icons = ROOT / "resources" / "icons"
    if platform == "win32":
        return icons / "app.ico"
    if platform == "darwin":
        return icons / "app.icns"
    return icons / "qwenimg-desktop-256.png"


TocEntry = tuple[str, str, str]  # (name in the bundle, source path, typecode)
_NEEDED: Final = re.compile(r"^\s*NEEDED\s+(\S+)", re.MULTILINE)


def elf_needed(path: str) -> set[str]:
    """The DT_NEEDED names of an ELF file (``objdump -p``; empty if objdump cannot read it)."""
    objdump = shutil.which("objdump")
    if objdump is None:
        return set()
    result = subprocess.run([objdump, "-p", path], capture_output=True, text=True, check=False)
    return set(_NEEDED.findall(result.stdout))


def _top_level_library(name: str) -> bool:
    return "/" not in name and name.startswith("lib") and ".so" in name


def prune_orphans(
    binaries: Sequence[TocEntry], needed: Callable[[str], set[str]] = elf_needed,
) -> tuple[list[TocEntry], list[str]]:
    """Linux: drop top-level system libraries that no kept binary links, until none is left.

    They were pulled in by the plugins the TOC filter removed (the GTK3 theme's stack, for
    example). libpython stays: the bootloader loads it by name.
    """
    kept = list(binaries)
    links: dict[str, set[str]] = {}
    dropped: list[str] = []
    while True:
        wanted: set[str] = set()
        for _name, source, _kind in kept:
            if source not in links:
                links[source] = needed(source)
            wanted |= links[source]
        orphans = {name for name, _source, _kind in kept
                   if _top_level_library(name) and name not in wanted
                   and not name.startswith("libpython")}
        if not orphans:
            return kept, sorted(dropped)
        dropped += orphans
        kept = [entry for entry in kept if entry[0] not in orphans]
