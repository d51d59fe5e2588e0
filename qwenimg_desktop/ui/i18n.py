"""The UI language: a Qt translator installed at start, following the OS or the user's choice.

Strings are marked with ``translate("Context", "text")`` (Qt's ``QCoreApplication.translate``)
so ``pyside6-lupdate`` finds them; translations live in ``resources/i18n/qwenimg_<lang>.ts``
and are compiled to ``.qm`` by ``packaging/translations.py`` (run by the setup script and the
bundle build). The choice is read once at start: switching in View → Language takes effect on
the next start, which the menu says. A missing ``.qm`` leaves the UI in English, logged.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Final

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, QLocale, QTranslator

from qwenimg_desktop.core.paths import resource_dir

log = logging.getLogger("qwenimg.ui")
translate = QCoreApplication.translate

SYSTEM: Final = ""
ENGLISH: Final = "en"
CHINESE: Final = "zh_CN"
# Choice → the language's own name (a menu shows each in its own script).
LANGUAGES: Final = {SYSTEM: "Follow system", ENGLISH: "English", CHINESE: "简体中文"}
CATALOG: Final = "qwenimg"

# Qt's own standard-button texts (Close, OK, Cancel…): the bundle leaves out Qt's translation
# files, so our catalog carries the few the app shows, under Qt's context.
QT_STANDARD_TEXTS: Final = (
    QT_TRANSLATE_NOOP("QPlatformTheme", "OK"),
    QT_TRANSLATE_NOOP("QPlatformTheme", "Cancel"),
    QT_TRANSLATE_NOOP("QPlatformTheme", "Close"),
    QT_TRANSLATE_NOOP("QPlatformTheme", "&Yes"),
    QT_TRANSLATE_NOOP("QPlatformTheme", "&No"),
    QT_TRANSLATE_NOOP("QPlatformTheme", "Save"),
    QT_TRANSLATE_NOOP("QPlatformTheme", "Discard"),
    QT_TRANSLATE_NOOP("QPlatformTheme", "Apply"),
)

_installed: list[QTranslator] = []  # kept alive: Qt does not own installed translators


def translations_dir() -> Path:
    return resource_dir() / "i18n"


def resolve(choice: str, system: QLocale | None = None) -> str:
    """The language to show for a setting: Chinese for a zh system locale when following the
    system, English otherwise (and for any unknown choice)."""
    if choice in (ENGLISH, CHINESE):
        return choice
    locale = system or QLocale.system()
    return CHINESE if locale.language() == QLocale.Language.Chinese else ENGLISH


def install(choice: str, folder: Path | None = None) -> str:
    """Install the translator for ``choice`` on the running application (once; a second call
    replaces the first). Returns the language now shown."""
    app = QCoreApplication.instance()
    for old in _installed:
        QCoreApplication.removeTranslator(old)
    _installed.clear()
    language = resolve(choice)
    if app is None or language == ENGLISH:
        return ENGLISH
    translator = QTranslator(app)
    where = folder or translations_dir()
    if not translator.load(f"{CATALOG}_{language}", str(where)):
        log.warning("no %s translation in %s: the interface stays in English", language, where)
        return ENGLISH
    QCoreApplication.installTranslator(translator)
    _installed.append(translator)
    return language
