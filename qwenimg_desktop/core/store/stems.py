"""Safe file-name stems from free text, for exports and the user's output folder.

Its own module, without the history's records: the settings check the output folder's name
template with it before the window's first paint, when nothing else of the export is needed.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Final

MAX_STEM_BYTES: Final = 100
"""UTF-8 bytes of a file name stem (names are at most 255 bytes on common file systems)."""
_RESERVED: Final = frozenset(
    {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(10)), *(f"lpt{i}" for i in range(10))}
)
_UNSAFE: Final = re.compile(r"[^\w\-]+", re.UNICODE)


def safe_stem(text: str, *, max_bytes: int = MAX_STEM_BYTES) -> str:
    """A file-name stem from free text: letters and digits of any script, ``-`` and ``_`` only.

    Never empty, never a Windows reserved device name, at most ``max_bytes`` UTF-8 bytes.
    """
    normal = unicodedata.normalize("NFC", text)
    stem = _UNSAFE.sub("-", normal).strip("-_")
    stem = re.sub(r"-{2,}", "-", stem)
    encoded = stem.encode()[:max_bytes]
    stem = encoded.decode("utf-8", "ignore").strip("-_")
    if not stem:
        stem = "image"
    if stem.split(".")[0].lower() in _RESERVED:
        stem = f"_{stem}"
    return stem
