"""Walk a window's user-visible texts: every widget's text, tooltip, placeholder, title and
accessible name, menu and tab texts, and the rows of its item views, each with where it was
found (so a failing test names the widget)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Final

from PySide6.QtCore import QAbstractItemModel, QAbstractListModel, QModelIndex, Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QAbstractSpinBox,
    QComboBox,
    QDockWidget,
    QGroupBox,
    QLabel,
    QLineEdit,
    QMenu,
    QPlainTextEdit,
    QTabBar,
    QTabWidget,
    QTextEdit,
    QWidget,
)

Found = tuple[str, str]  # where, text

# Words that are the same in every language: product and company names, formats, units, keys.
ALLOWED_WORDS: Final = (
    "Qwen Image Desktop", "Qwen Image 2", "Qwen Image", "Qwen", "fal.ai", "fal", "FAL_KEY",
    "API", "PNG", "JPEG", "JPG", "WebP", "ZIP", "JSON", "URL", "HTTP", "UTC", "GiB", "MiB",
    "KiB", "MB", "KB", "GB", "px", "Ctrl", "Shift", "Alt", "Esc", "Enter", "Del", "PgUp", "PgDn",
    "Tab", "Markdown", "English", "Linux", "SQLite", "Qt", "ms", "id", "ID", "secret", "DEMO",
    "USD", "CSV", "MP", "WEBP", "png", "jpeg", "webp", "zip", "Webhook", "URI", "CDN", "POST",
    "https",
)
# What a user types, shown as an example: comma lists (cat,dog,fox), name=values, snake_case,
# kebab-case (pro-edit), {red|blue} and __list__, and "seed:" starting a line of the axes help.
_CODE = re.compile(r"(?m)[A-Za-z0-9]+(?:,[A-Za-z0-9]+)+|\b[a-z]+(?:-[a-z]+)+\b|\b[a-z]+="
                   r"|[A-Za-z0-9]*_[A-Za-z0-9_]*|\{[^}]*\}|^[a-z]+:")
_TAG = re.compile(r"<[^>]*>|&[a-z]+;")
_URL = re.compile(r"https?://\S+|(?<![\w/])/(?:[^\s/]+/)+[^\n]*|\b[\w.-]+/[\w./-]+|\{[a-z_]+\}"
                  r"|[\w.-]+\.(?:png|jpe?g|webp|zip|json|csv)\b")  # paths, file names, {fields}
_ALLOWED = re.compile(
    r"(?<![A-Za-z])(" + "|".join(re.escape(w) for w in sorted(ALLOWED_WORDS, key=len,
                                                                  reverse=True)) + r")(?![A-Za-z])")
_ENGLISH = re.compile(r"[A-Za-z]{2,}")


def english_left(text: str) -> str:
    """The English words left in ``text`` once markup, paths/URLs/endpoint ids, mnemonics and
    the allowed words are taken out ("" when the text reads as translated)."""
    plain = _TAG.sub(" ", text).replace("&&", "&").replace("&", "")
    plain = _CODE.sub(" ", _URL.sub(" ", plain))
    plain = _ALLOWED.sub(" ", plain)
    return " ".join(_ENGLISH.findall(plain))


def _model_texts(where: str, model: QAbstractItemModel | None,
                 parent: QModelIndex | None = None, depth: int = 0) -> Iterator[Found]:
    if model is None or depth > 3:
        return
    parent = parent or QModelIndex()
    flat = isinstance(model, QAbstractListModel)  # its columnCount is private in PySide
    columns = 1 if flat else model.columnCount(parent)
    for section in range(columns):
        header = model.headerData(section, Qt.Orientation.Horizontal,
                                  Qt.ItemDataRole.DisplayRole)
        if isinstance(header, str):
            yield f"{where} header {section}", header
    for row in range(min(model.rowCount(parent), 50)):
        for column in range(columns):
            index = model.index(row, column, parent)
            for role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole,
                         Qt.ItemDataRole.AccessibleTextRole):
                value = index.data(role)
                if isinstance(value, str):
                    yield f"{where} row {row} col {column} role {role.name}", value
            if not flat and _has_children(model, index):
                yield from _model_texts(where, model, index, depth + 1)


def _has_children(model: QAbstractItemModel, index: QModelIndex) -> bool:
    try:
        return bool(model.hasChildren(index))
    except TypeError:  # private in PySide for the flat model classes
        return False


def action_texts(where: str, actions: list[QAction]) -> Iterator[Found]:
    for action in actions:
        if action.isSeparator():
            continue
        name = f"{where} › {action.text()!r}"
        yield name, action.text()
        yield f"{name} toolTip", action.toolTip() if action.toolTip() != action.text().replace(
            "&", "") else ""
        yield f"{name} statusTip", action.statusTip()
        menu = action.menu()
        if isinstance(menu, QMenu):
            yield from action_texts(name, menu.actions())


def _texts_of(widget: QWidget, where: str) -> Iterator[Found]:
    """What a widget's own type shows: its text, title, placeholder, items or tabs."""
    if isinstance(widget, QAbstractButton | QLabel):
        yield f"{where} text", widget.text()
    if isinstance(widget, QGroupBox):
        yield f"{where} title", widget.title()
    if isinstance(widget, QDockWidget):
        yield f"{where} title", widget.windowTitle()
    if isinstance(widget, QLineEdit | QPlainTextEdit | QTextEdit):
        yield f"{where} placeholder", widget.placeholderText()
    if isinstance(widget, QLineEdit) and widget.isReadOnly():
        yield f"{where} text", widget.text()
    if isinstance(widget, QAbstractSpinBox):
        yield f"{where} specialValueText", widget.specialValueText()
    yield from _listed_texts(widget, where)


def _listed_texts(widget: QWidget, where: str) -> Iterator[Found]:
    """The texts a widget lists: combo box items, tabs, item view rows, menu actions."""
    if isinstance(widget, QComboBox):
        for i in range(widget.count()):
            yield f"{where} item {i}", widget.itemText(i)
            tip = widget.itemData(i, Qt.ItemDataRole.ToolTipRole)
            yield f"{where} item {i} toolTip", tip if isinstance(tip, str) else ""
    if isinstance(widget, QTabWidget):
        for i in range(widget.count()):
            yield f"{where} tab {i}", widget.tabText(i)
            yield f"{where} tab {i} toolTip", widget.tabToolTip(i)
    if isinstance(widget, QTabBar):
        for i in range(widget.count()):
            yield f"{where} tab {i}", widget.tabText(i)
    if isinstance(widget, QAbstractItemView) and not isinstance(widget.parent(), QComboBox):
        yield from _model_texts(where, widget.model())
    if isinstance(widget, QMenu):
        yield from action_texts(where, widget.actions())
    else:
        yield from action_texts(f"{where} actions", [a for a in widget.actions() if a.text()])


def widget_texts(root: QWidget, *, visible_only: bool = True) -> Iterator[Found]:
    """Every text a user reads or hears in ``root`` and its visible children."""
    for widget in [root, *root.findChildren(QWidget)]:
        if visible_only and widget is not root and not widget.isVisibleTo(root):
            continue
        where = f"{type(widget).__name__}({widget.objectName() or '?'})"
        yield f"{where} windowTitle", widget.windowTitle() if widget.isWindow() else ""
        yield f"{where} toolTip", widget.toolTip()
        yield f"{where} accessibleName", widget.accessibleName()
        yield f"{where} accessibleDescription", widget.accessibleDescription()
        yield f"{where} statusTip", widget.statusTip()
        yield from _texts_of(widget, where)


def untranslated(found: Iterator[Found] | list[Found]) -> list[str]:
    """Each text that still reads as English, with where it was found (deduplicated)."""
    seen: set[str] = set()
    out: list[str] = []
    for where, text in found:
        if not text or text in seen:
            continue
        seen.add(text)
        if english_left(text):
            out.append(f"{where}: {text!r}")
    return out
