"""Accessible names and descriptions for interactive widgets, derived from what is on screen.

A screen reader announces a widget by its accessible name. Qt finds one by itself for buttons
with text and for fields that are a label's buddy; everything else (icon buttons, fields inside
composite widgets, lists, tab bars) would be read as "edit" or "button". Rather than hand-write
hundreds of names, ``name_widgets`` derives each missing name from the nearest thing a sighted
user reads: the widget's own text, its label (buddy or form row), its placeholder, its tooltip,
or its labelled parent. The tooltip also becomes the description, so the hint a mouse user
hovers for is read to a keyboard user too.
"""

from __future__ import annotations

from typing import Final

from PySide6.QtGui import QAccessible
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QAbstractSlider,
    QAbstractSpinBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QScrollBar,
    QSpinBox,
    QTabBar,
    QTextEdit,
    QWidget,
)

INTERACTIVE: Final = (QAbstractButton, QLineEdit, QPlainTextEdit, QTextEdit, QComboBox,
                      QAbstractSpinBox, QAbstractItemView, QAbstractSlider, QTabBar)


def clean_label(text: str) -> str:
    """A label's text as it should be spoken: mnemonics and trailing colons removed."""
    return text.replace("&&", "\0").replace("&", "").replace("\0", "&").strip().rstrip(":").strip()


def is_interactive(widget: QWidget) -> bool:
    """True for widgets a user operates; the inner editors of spin and combo boxes and scroll
    bars are parts of their owner and are announced through it."""
    if isinstance(widget, QScrollBar) or not isinstance(widget, INTERACTIVE):
        return False
    parent = widget.parentWidget()
    return not (isinstance(widget, QLineEdit)
                and isinstance(parent, (QComboBox, QAbstractSpinBox)))


def spoken_name(widget: QWidget) -> str:
    """The name a screen reader would announce (what Qt's accessibility bridge exposes)."""
    if widget.accessibleName():
        return widget.accessibleName()
    iface = QAccessible.queryAccessibleInterface(widget)
    return str(iface.text(QAccessible.Text.Name) or "").strip()


def _labels_of(root: QWidget) -> dict[int, str]:
    """id(widget) → the visible label naming it: buddies and form-layout rows."""
    found: dict[int, str] = {}
    for label in root.findChildren(QLabel):
        buddy: QWidget | None = label.buddy()
        if buddy is not None and label.text():
            found[id(buddy)] = clean_label(label.text())
    for form in root.findChildren(QFormLayout):
        for row in range(form.rowCount()):
            label_item = form.itemAt(row, QFormLayout.ItemRole.LabelRole)
            field_item = form.itemAt(row, QFormLayout.ItemRole.FieldRole)
            if label_item is None or field_item is None:
                continue
            label_widget, field = label_item.widget(), field_item.widget()
            if isinstance(label_widget, QLabel) and field is not None and label_widget.text():
                found.setdefault(id(field), clean_label(label_widget.text()))
    return found


def _own_text(widget: QWidget) -> str:
    if isinstance(widget, QAbstractButton):
        return clean_label(widget.text())
    if isinstance(widget, QLineEdit):
        return widget.placeholderText().strip()
    if isinstance(widget, QPlainTextEdit | QTextEdit):
        return widget.placeholderText().strip()
    if isinstance(widget, QAbstractSpinBox):
        return widget.specialValueText().strip()  # e.g. a date filter's "From"
    return ""


def _inherited(widget: QWidget, labels: dict[int, str], root: QWidget) -> str:
    """The label or accessible name of the closest named ancestor (up to ``root``)."""
    parent = widget.parentWidget()
    while parent is not None:
        name = parent.accessibleName() or labels.get(id(parent), "")
        if name:
            return name
        if parent is root:
            break
        parent = parent.parentWidget()
    return ""


def derive_name(widget: QWidget, labels: dict[int, str], root: QWidget) -> str:
    """The best visible text naming ``widget``, or "" when nothing on screen names it."""
    for candidate in (labels.get(id(widget), ""), _own_text(widget), widget.toolTip().strip()):
        if candidate:
            return candidate.splitlines()[0]
    inherited = _inherited(widget, labels, root)
    suffix = widget.suffix().strip() if isinstance(widget, QSpinBox | QDoubleSpinBox) else ""
    return f"{inherited} ({suffix})" if inherited and suffix else inherited


def name_widgets(root: QWidget) -> list[QWidget]:
    """Name every interactive descendant of ``root`` that has no accessible name yet; give
    tooltips as descriptions. Returns the widgets still unnamed (for tests and logs)."""
    labels = _labels_of(root)
    unnamed: list[QWidget] = []
    for widget in root.findChildren(QWidget):
        if not is_interactive(widget):
            continue
        if not widget.accessibleDescription() and widget.toolTip():
            widget.setAccessibleDescription(widget.toolTip())
        if widget.accessibleName() or (_own_text(widget) and isinstance(widget, QAbstractButton)):
            continue
        name = derive_name(widget, labels, root)
        if name:
            widget.setAccessibleName(name)
        elif not spoken_name(widget):
            unnamed.append(widget)
    return unnamed
