"""Esc closes the transient pane that has the focus (the prompt library, the preview) or
clears the problem a pane shows; a search field with text is cleared first.

A shortcut in the pane's own context (``WidgetWithChildrenShortcut``): it fires only while
the focus is inside that pane, so Esc never reaches the window's other uses of the key (the
jobs list's Cancel, which takes Esc only while the list has the focus).
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QApplication, QLineEdit, QWidget


def close_on_escape(pane: QWidget, close: Callable[[], None],
                    focus_after: QWidget | None = None) -> QShortcut:
    """Esc inside ``pane``: clear the focused search field if it has text, else ``close()``
    and give the focus to ``focus_after`` (where the user works next)."""

    def escape() -> None:
        focused = QApplication.focusWidget()
        if isinstance(focused, QLineEdit) and focused.text() and not focused.isReadOnly():
            focused.clear()
            return
        close()
        if focus_after is not None and focus_after.isVisible():
            focus_after.setFocus(Qt.FocusReason.OtherFocusReason)

    shortcut = QShortcut(QKeySequence(Qt.Key.Key_Escape), pane)
    shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
    shortcut.activated.connect(escape)
    return shortcut
