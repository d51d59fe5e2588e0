"""Caption wrapping on placeholder images: measured widths, CJK and overlong words."""

from __future__ import annotations

import pytest

from qwenimg_desktop.emulator.render import _font, _wrap


@pytest.mark.parametrize(
    "text",
    [
        "一幅写实风格的江南水乡清晨景象，薄雾笼罩着石拱桥与白墙黛瓦，河道两旁停着乌篷船。",
        "A narrow canal with still water reflecting the sky and wooden boats moored along it",
        "x" * 300,
        "mixed 中文 and English 混合排版 with a veryveryverylongwordthatkeepsgoingandgoing",
    ],
)
def test_every_line_fits_and_nothing_is_lost(text: str) -> None:
    font = _font(24)
    max_width = 400.0
    lines = _wrap(text, font, max_width)
    assert len(lines) > 1
    assert all(font.getlength(line) <= max_width for line in lines)
    assert "".join(lines).replace(" ", "") == text.replace(" ", "")
