"""Markdown syntax highlighting for the prompt editor: headings, lists, emphasis, code."""

from __future__ import annotations

import re
from typing import Final

from PySide6.QtGui import (
    QColor,
    QFont,
    QPalette,
    QSyntaxHighlighter,
    QTextCharFormat,
    QTextDocument,
)

from qwenimg_desktop.core.batch.variables import spans as variable_spans

_HEADING: Final = re.compile(r"^(#{1,6})\s+.*$")
_LIST: Final = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+")
_QUOTE: Final = re.compile(r"^\s*>.*$")
_BOLD: Final = re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1")
_ITALIC: Final = re.compile(r"(?<![*_\w])([*_])(?![*_\s])(.+?)(?<![*_\s])\1(?![*_\w])")
_CODE: Final = re.compile(r"`[^`\n]+`")
_FENCE: Final = re.compile(r"^\s*(```|~~~)")
_IN_FENCE: Final = 1


def _mix(a: QColor, b: QColor, ratio: float) -> QColor:
    return QColor(
        round(a.red() * (1 - ratio) + b.red() * ratio),
        round(a.green() * (1 - ratio) + b.green() * ratio),
        round(a.blue() * (1 - ratio) + b.blue() * ratio),
    )


class MarkdownHighlighter(QSyntaxHighlighter):
    """Colours markdown structure; colours derive from the palette so light and dark both read."""

    def __init__(self, document: QTextDocument, palette: QPalette) -> None:
        super().__init__(document)
        self._formats: dict[str, QTextCharFormat] = {}
        self.set_palette(palette)

    def set_palette(self, palette: QPalette) -> None:
        text = palette.color(QPalette.ColorRole.Text)
        base = palette.color(QPalette.ColorRole.Base)
        link = palette.color(QPalette.ColorRole.Link)
        dark = base.lightness() < 128
        accent = QColor("#7aa2f7") if dark else QColor("#1d4ed8")
        marker = QColor("#e0af68") if dark else QColor("#b45309")
        code_bg = _mix(base, text, 0.10)
        variable = QColor("#bb9af7") if dark else QColor("#7c3aed")
        self._formats = {
            "heading": _fmt(accent, bold=True),
            "list": _fmt(marker, bold=True),
            "quote": _fmt(_mix(text, base, 0.35), italic=True),
            "bold": _fmt(None, bold=True),
            "italic": _fmt(None, italic=True),
            "code": _fmt(_mix(text, link, 0.4), background=code_bg, mono=True),
            "var_brace": _fmt(variable, bold=True),
            "var_separator": _fmt(variable, bold=True),
            "var_wildcard": _fmt(variable, background=_mix(base, variable, 0.15)),
            "var_escape": _fmt(_mix(text, base, 0.45)),
            "var_error": _fmt(QColor("#f7768e") if dark else QColor("#dc2626"), bold=True,
                              background=_mix(base, QColor("#dc2626"), 0.15)),
        }
        self.rehighlight()

    def highlightBlock(self, text: str) -> None:
        self._markdown(text)
        self._variables(text)

    def _variables(self, text: str) -> None:
        """Prompt variables over the markdown ({a|b}, __list__, escapes; a brace without its
        pair in red). Per line: a choice spread over lines shows its braces as unmatched."""
        for span in variable_spans(text):
            self.setFormat(span.start, span.end - span.start, self._formats[f"var_{span.kind}"])

    def _markdown(self, text: str) -> None:
        if _FENCE.match(text):
            self.setFormat(0, len(text), self._formats["code"])
            inside = self.previousBlockState() == _IN_FENCE
            self.setCurrentBlockState(0 if inside else _IN_FENCE)
            return
        if self.previousBlockState() == _IN_FENCE:
            self.setFormat(0, len(text), self._formats["code"])
            self.setCurrentBlockState(_IN_FENCE)
            return
        self.setCurrentBlockState(0)
        if _HEADING.match(text):
            self.setFormat(0, len(text), self._formats["heading"])
            return
        if _QUOTE.match(text):
            self.setFormat(0, len(text), self._formats["quote"])
        list_match = _LIST.match(text)
        if list_match:
            self.setFormat(0, list_match.end(), self._formats["list"])
        for pattern, name in ((_BOLD, "bold"), (_ITALIC, "italic"), (_CODE, "code")):
            for match in pattern.finditer(text):
                self.setFormat(match.start(), match.end() - match.start(), self._formats[name])


def _fmt(
    color: QColor | None, *, bold: bool = False, italic: bool = False,
    background: QColor | None = None, mono: bool = False,
) -> QTextCharFormat:
    fmt = QTextCharFormat()
    if color is not None:
        fmt.setForeground(color)
    if background is not None:
        fmt.setBackground(background)
    if bold:
        fmt.setFontWeight(QFont.Weight.Bold)
    if italic:
        fmt.setFontItalic(True)
    if mono:
        fmt.setFontFixedPitch(True)
        fmt.setFontFamilies(["monospace"])
    return fmt


def heading_level(text: str) -> int:
    """1..6 for a markdown heading line, else 0."""
    match = _HEADING.match(text)
    return len(match.group(1)) if match else 0
