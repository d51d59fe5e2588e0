"""PySide6's ``__feature__`` check, answered without reading every imported module's source.

PySide6 replaces ``builtins.__import__`` (when ``shiboken6`` loads) so that a module can write
``from __feature__ import snake_case, true_property``. After every import statement it calls
``shibokensupport.feature.feature_imported(module)``, which, for a module it has not seen,
stores ``0 if _mod_uses_pyside(module) else -1`` in ``pyside_feature_dict``; and
``_mod_uses_pyside`` is ``"PySide6" in inspect.getsource(module)``. 0 means "this module gets
the default features"; -1 means "ignore this module" (libpyside's ``getFeatureSelectId`` keeps
whatever selection is in force when code of that module looks up a Qt attribute). The source
is read only to make that choice, and ``linecache`` keeps it: in the window's process ~300
modules, ~134,000 lines, ~37 ms of CPU between the start-up shell's paint and the window's
(docs/performance.md, "Start-up: the complete window"), and ~12 MB of strings until
:func:`qwenimg_desktop.core.heap.settle` clears them.

The app selects no feature (no module imports ``__feature__``; a test checks), so the selection
in force is always 0, the default, and either answer gives every module the same Qt names. The
check here answers False (-1, "ignore this module") without reading anything: it is what
PySide6 itself answers for every module of the installed app, which ships bytecode without
sources (``inspect.getsource`` raises ``OSError``), so the app run from sources now selects
features exactly as the installed app does. A module that does import ``__feature__`` still
gets its own selection (``feature_import`` stores it, whatever the check said).

Only the check this was written against is replaced: one taking a module, reading its source
with ``inspect.getsource``, called by name from ``feature_imported``. If a later PySide6 has
no such function or a different one, it is left alone and only the time is lost.
"""

from __future__ import annotations

import sys
from types import ModuleType

import PySide6  # noqa: F401 - installs PySide6's import hook and its feature module

_FEATURE_MODULE = "shibokensupport.feature"


def stop_reading_sources() -> bool:
    """Answer PySide6's per-import check without reading the module's source; True when the
    check is (now) this module's, False when PySide6's did not have the expected shape."""
    feature = sys.modules.get(_FEATURE_MODULE)
    current = getattr(feature, "_mod_uses_pyside", None)
    if current is _ignore_module:
        return True
    if feature is None or not _is_the_source_reading_check(feature, current):
        return False
    feature._mod_uses_pyside = _ignore_module  # type: ignore[attr-defined]
    return True


def _is_the_source_reading_check(feature: ModuleType, check: object) -> bool:
    code = getattr(check, "__code__", None)
    caller = getattr(getattr(feature, "feature_imported", None), "__code__", None)
    return (code is not None and code.co_argcount == 1 and "getsource" in code.co_names
            and caller is not None and "_mod_uses_pyside" in caller.co_names
            and isinstance(getattr(feature, "pyside_feature_dict", None), dict))


def _ignore_module(module: ModuleType) -> bool:
    """PySide6's answer for a module without source: -1, "ignore this module"."""
    return False
