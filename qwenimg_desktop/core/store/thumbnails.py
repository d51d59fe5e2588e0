"""Thumbnail generation with Pillow, once per image at download time (never on the GUI thread).

Pillow loads with the first thumbnail made, not with the module: the history store imports this
module (a contact sheet gets its thumbnail), and the window's process opens the store right after
its first paint, where Pillow's import was ~25-30 ms of CPU before the History tab had its
connection (docs/performance.md); the window itself decodes thumbnails with Qt.
"""

from __future__ import annotations

import io
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Final

from qwenimg_desktop.core.errors import DownloadError
from qwenimg_desktop.core.store.files import atomic_write_bytes

if TYPE_CHECKING:
    from PIL import Image

THUMB_SIZE: Final = 256
THUMB_QUALITY: Final = 85
_BACKGROUND: Final = (128, 128, 128)


def make_thumbnail(src: Path, dest: Path, size: int = THUMB_SIZE) -> tuple[int, int]:
    """Write a JPEG thumbnail of ``src`` that fits ``size``×``size`` to ``dest`` atomically.

    Pillow's decompression-bomb guard stays on (``Image.MAX_IMAGE_PIXELS``); a bomb warning is
    treated as an error.

    Returns:
        The width and height of the *source* image, in pixels.

    Raises:
        DownloadError: ``src`` is not a decodable image, or too large to decode safely.
        DiskFull: no space left to write the thumbnail.
    """
    from PIL import Image, UnidentifiedImageError  # noqa: PLC0415 - see the module's docstring

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            data, source_size = _render(src, size)
    except (UnidentifiedImageError, Image.DecompressionBombError,
            Image.DecompressionBombWarning) as exc:
        raise DownloadError(f"{src.name} is not an image that can be shown safely: {exc}") from exc
    except (OSError, SyntaxError, ValueError) as exc:
        # Pillow reports truncated or broken image data as OSError / SyntaxError / ValueError.
        if isinstance(exc, FileNotFoundError):
            raise
        raise DownloadError(f"{src.name} could not be decoded: {exc}") from exc
    atomic_write_bytes(dest, data)
    return source_size


def _render(src: Path, size: int) -> tuple[bytes, tuple[int, int]]:
    from PIL import Image  # noqa: PLC0415 - loaded by make_thumbnail already

    with Image.open(src) as image:
        source_size = image.size
        if image.format == "JPEG":
            image.draft("RGB", (size, size))  # DCT scaling: decode at a fraction of full size
        image.thumbnail((size, size), Image.Resampling.LANCZOS, reducing_gap=2.0)
        flat = _flatten(image)
        out = io.BytesIO()
        flat.save(out, "JPEG", quality=THUMB_QUALITY, optimize=True)
    return out.getvalue(), source_size


def _flatten(image: Image.Image) -> Image.Image:
    """RGB for JPEG: transparent areas over a neutral grey instead of black."""
    if image.mode in ("RGBA", "LA") or (image.mode == "P" and "transparency" in image.info):
        from PIL import Image  # noqa: PLC0415 - loaded by make_thumbnail already

        rgba = image.convert("RGBA")
        background = Image.new("RGB", rgba.size, _BACKGROUND)
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    if image.mode != "RGB":
        return image.convert("RGB")
    return image
