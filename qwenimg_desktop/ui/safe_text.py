"""Showing text from outside (prompts, notes, file names, server messages) without it acting.

Qt's rich text reads local files. A ``QTextDocument`` (inside every ``QTextBrowser``, every
``QLabel`` that decides its text is rich, and every tooltip) asks its owner for each image it
names and, when the owner gives a null answer, opens the path itself: ``![x](/home/me/secret)``
reads the file, ``file:///dev/zero`` reads until memory runs out and aborts the process, and on
Windows a UNC path sends the user's credentials to another machine. A ``QLabel`` or tooltip
"sniffs" its text and treats it as HTML when it starts with a tag, so a prompt such as
``<img src=file:///dev/zero>`` is enough.

So every widget that shows such text goes through this module, the one way to do it:

* :class:`SafeTextBrowser` renders markdown without HTML (raw HTML stays visible text), answers
  every resource request with an empty resource (never null, so Qt never falls back to reading
  the file) and never follows or opens a link.
* :func:`plain_label` / :func:`make_plain` make a ``QLabel`` that never interprets its text.
* :func:`plain_tooltip` turns text into a tooltip with every character escaped, so nothing in it
  is a tag.
* :func:`plain_message_box` shows a message box whose text is plain.

Static rich text the application writes itself (the About box) may still use HTML.
"""

from __future__ import annotations

import re
from typing import Any, Final

from PySide6.QtCore import QByteArray, Qt, QUrl
from PySide6.QtGui import QFont, QImage, QTextDocument
from PySide6.QtGui import Qt as QtGuiNamespace
from PySide6.QtWidgets import QLabel, QMessageBox, QTextBrowser, QWidget

# GitHub dialect plus "no HTML": raw HTML in a prompt is shown as text, never interpreted.
MARKDOWN_FEATURES: Final = QTextDocument.MarkdownFeature(
    QTextDocument.MarkdownFeature.MarkdownDialectGitHub.value
    | QTextDocument.MarkdownFeature.MarkdownNoHTML.value
)


def empty_resource(resource_type: int) -> Any:
    """A valid but empty resource of the asked-for kind.

    A null answer would make ``QTextDocument`` read the named file itself, so the answer must be
    a real, empty value: an empty image for images, empty bytes for anything else.
    """
    if resource_type == QTextDocument.ResourceType.ImageResource.value:
        return QImage()
    return QByteArray()


class SafeTextBrowser(QTextBrowser):
    """Read-only text view for untrusted content: loads no resource, never opens a link.

    ``resource_requests`` counts the refused loads (tests use it to show the refusal happened).
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setOpenLinks(False)
        self.setOpenExternalLinks(False)
        self.setReadOnly(True)
        self.resource_requests = 0

    def set_markdown(self, text: str) -> None:
        """Render ``text`` as markdown; raw HTML in it is shown as text."""
        self.document().setMarkdown(text, MARKDOWN_FEATURES)

    def set_built_html(self, html: str) -> None:
        """Show HTML this application built, with every piece of outside text escaped in it."""
        self.setHtml(html)

    def loadResource(self, resource_type: int, name: QUrl | str) -> Any:
        self.resource_requests += 1
        return empty_resource(resource_type)


def make_plain(label: QLabel) -> QLabel:
    """Make ``label`` show its text literally, whatever the text looks like."""
    label.setTextFormat(Qt.TextFormat.PlainText)
    return label


def plain_label(text: str = "", parent: QWidget | None = None) -> QLabel:
    """A ``QLabel`` that never interprets its text as HTML."""
    return make_plain(QLabel(text, parent))


def heading_label(text: str, parent: QWidget | None = None) -> QLabel:
    """A bold plain-text label (for section titles), without writing HTML for it."""
    label = plain_label(text, parent)
    font = QFont(label.font())
    font.setBold(True)
    label.setFont(font)
    return label


def plain_tooltip(text: str) -> str:
    """``text`` as a tooltip that shows every character as written and names no resource."""
    if not text:
        return ""
    return QtGuiNamespace.convertFromPlainText(text, Qt.WhiteSpaceMode.WhiteSpacePre)


def plain_message_box(icon: QMessageBox.Icon, title: str, text: str,
                      parent: QWidget | None = None) -> QMessageBox:
    """A message box whose text is shown literally (it may carry paths or server messages)."""
    box = QMessageBox(icon, title, text, QMessageBox.StandardButton.Ok, parent)
    box.setTextFormat(Qt.TextFormat.PlainText)
    return box


_LINE_MARKS: Final = re.compile(r"^\s*(?:#{1,6}\s*|>\s*|[-*+]\s+(?:\[[ xX]\]\s+)?|\d+[.)]\s+)")
_LINK: Final = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_EMPHASIS: Final = re.compile(r"(\*\*|__|\*|`+|~~)(?=\S)(.+?)(?<=\S)\1")


def markdown_plain_line(text: str) -> str:
    """A markdown prompt as one plain line for a title: heading, list and quote marks,
    emphasis, code ticks and link targets removed ("## **Scene** 景" → "Scene 景")."""
    lines = (_LINE_MARKS.sub("", _LINE_MARKS.sub("", line)) for line in text.splitlines())
    flat = " ".join(line.strip() for line in lines if line.strip())
    flat = _LINK.sub(r"\1", flat)
    for _ in range(3):  # nested emphasis: **_x_**
        flat = _EMPHASIS.sub(r"\2", flat)
    return " ".join(flat.split())
