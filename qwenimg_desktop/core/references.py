"""Reference images for edits: checked against the published limits before any money is spent.

fal's edit endpoints take 1–3 images, each at most 10 MB, 384–5000 px per side, JPEG, PNG or
WebP without alpha. Each local file is checked here; every problem gets a sentence naming the
file, and where a fix exists (flatten the alpha onto white, downscale, re-encode) it is offered
and can be applied, giving new bytes that pass. Pure Pillow, no Qt.
"""

from __future__ import annotations

import hashlib
import io
import warnings
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Final

from qwenimg_desktop.core.edit_request import (
    MAX_REFERENCE_BYTES,
    MAX_REFERENCE_SIDE,
    MIN_REFERENCE_SIDE,
    Reference,
)
from qwenimg_desktop.core.errors import UserError

if TYPE_CHECKING:  # Pillow loads with the first image checked, not with the window
    from PIL import Image

MAX_SOURCE_BYTES: Final = 200 * 1024 * 1024
"""A file larger than this is refused before it is decoded (far above any usable photo)."""
MAX_SOURCE_PIXELS: Final = 100_000_000
_TYPES: Final = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}
_EXTENSIONS: Final = {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp"}
_JPEG_QUALITY: Final = 92


class Fix(StrEnum):
    """A change that makes a file acceptable."""

    flatten_alpha = "flatten_alpha"
    downscale = "downscale"
    reencode = "reencode"


FIX_LABELS: Final = {
    Fix.flatten_alpha: "Flatten the transparency onto white",
    Fix.downscale: f"Downscale to at most {MAX_REFERENCE_SIDE} px per side",
    Fix.reencode: "Re-encode (PNG, or JPEG when too large)",
}


class ReferenceRejected(UserError):
    """A reference image that cannot be used as it is (``check`` says why, and what fixes)."""

    def __init__(self, message: str, *, next_step: str | None = None,
                 check: ReferenceCheck | None = None) -> None:
        super().__init__(message, next_step=next_step)
        self.check = check


@dataclass(frozen=True)
class Problem:
    """One reason a file cannot be sent as it is, and the fix that removes it (if any)."""

    message: str
    fix: Fix | None


@dataclass(frozen=True)
class ReferenceCheck:
    """What checking one file found."""

    name: str
    size_bytes: int
    width: int = 0
    height: int = 0
    content_type: str | None = None
    problems: tuple[Problem, ...] = field(default_factory=tuple)

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def fixes(self) -> tuple[Fix, ...]:
        """The fixes that together make the file acceptable; empty if some problem has none."""
        if any(problem.fix is None for problem in self.problems):
            return ()
        return tuple(dict.fromkeys(p.fix for p in self.problems if p.fix is not None))

    @property
    def fixable(self) -> bool:
        return not self.ok and bool(self.fixes)


def check_reference(data: bytes, name: str) -> ReferenceCheck:
    """Every problem of ``data`` (a file called ``name``) against the published limits."""
    size = len(data)
    if size > MAX_SOURCE_BYTES:
        return ReferenceCheck(name, size, problems=(Problem(
            f"{name} is {size / 1e6:.0f} MB, far too large to use as a reference.", None),))
    try:
        image = _open(data)
    except ReferenceRejected as exc:
        return ReferenceCheck(name, size, problems=(Problem(exc.message, None),))
    width, height = image.size
    content_type = _TYPES.get(str(image.format))
    problems: list[Problem] = []
    if content_type is None:
        problems.append(Problem(
            f"{name} is {image.format or 'an unknown format'}; fal takes JPEG, PNG or WebP.",
            Fix.reencode))
    if _has_alpha(image):
        problems.append(Problem(
            f"{name} has transparency (alpha), which the edit endpoints do not take.",
            Fix.flatten_alpha))
    if min(width, height) < MIN_REFERENCE_SIDE:
        problems.append(Problem(
            f"{name} is {width}×{height} px; each side must be at least {MIN_REFERENCE_SIDE} px."
            " Use a larger image.", None))
    elif max(width, height) > MAX_REFERENCE_SIDE:
        problems.append(Problem(
            f"{name} is {width}×{height} px; each side must be at most {MAX_REFERENCE_SIDE} px.",
            Fix.downscale))
    if size > MAX_REFERENCE_BYTES:
        problems.append(Problem(
            f"{name} is {size / 1e6:.1f} MB; each reference must be at most "
            f"{MAX_REFERENCE_BYTES / 1e6:.0f} MB.", Fix.reencode))
    return ReferenceCheck(name, size, width, height, content_type, tuple(problems))


def apply_fixes(data: bytes, name: str, fixes: tuple[Fix, ...]) -> bytes:
    """New bytes with ``fixes`` applied; raises :class:`ReferenceRejected` if they still fail."""
    image = _open(data)
    image.load()
    if Fix.flatten_alpha in fixes and _has_alpha(image):
        image = _flattened(image)
    if Fix.downscale in fixes and max(image.size) > MAX_REFERENCE_SIDE:
        image = image.copy()
        from PIL import Image  # noqa: PLC0415 - see the imports

        image.thumbnail((MAX_REFERENCE_SIDE, MAX_REFERENCE_SIDE), Image.Resampling.LANCZOS)
    fixed = _encode(image, prefer_png=Fix.reencode not in fixes or len(data) <= MAX_REFERENCE_BYTES)
    if len(fixed) > MAX_REFERENCE_BYTES:
        fixed = _encode(image, prefer_png=False)
    result = check_reference(fixed, name)
    if not result.ok:
        raise ReferenceRejected(result.problems[0].message,
                                next_step="Choose another image for this reference.")
    return fixed


def make_reference(data: bytes, name: str, *, source_job_id: str | None = None,
                   source_index: int | None = None) -> Reference:
    """The reference for acceptable bytes; raises :class:`ReferenceRejected` otherwise."""
    result = check_reference(data, name)
    if not result.ok or result.content_type is None:
        problem = result.problems[0] if result.problems else Problem(f"{name} is unusable", None)
        step = ("Apply the offered fix, or choose another image." if result.fixable
                else "Choose another image for this reference.")
        raise ReferenceRejected(problem.message, next_step=step)
    return Reference(
        sha256=hashlib.sha256(data).hexdigest(), file_name=_clean_name(name, result.content_type),
        content_type=result.content_type,
        width=result.width, height=result.height, size_bytes=len(data),
        source_job_id=source_job_id, source_index=source_index,
    )


def extension_for(content_type: str) -> str:
    return _EXTENSIONS[content_type]


def _open(data: bytes) -> Image.Image:
    from PIL import Image, UnidentifiedImageError  # noqa: PLC0415 - see the imports

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            if image.width * image.height > MAX_SOURCE_PIXELS:
                raise ReferenceRejected(f"the image is {image.width}×{image.height} px, too many"
                                        " pixels to use as a reference")
            image.load()
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError) as exc:
        raise ReferenceRejected(f"the file is not an image Pillow can read ({exc})") from None
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ReferenceRejected("the image has too many pixels to use as a reference") from None
    return image


def _has_alpha(image: Image.Image) -> bool:
    return image.mode in ("RGBA", "LA", "PA", "RGBa", "La") or (
        image.mode == "P" and "transparency" in image.info)


def _flattened(image: Image.Image) -> Image.Image:
    from PIL import Image  # noqa: PLC0415 - see the imports

    rgba = image.convert("RGBA")
    background = Image.new("RGB", rgba.size, (255, 255, 255))
    background.paste(rgba, mask=rgba.getchannel("A"))
    return background


def _encode(image: Image.Image, *, prefer_png: bool) -> bytes:
    out = io.BytesIO()
    if image.mode not in ("RGB", "L"):
        image = _flattened(image) if _has_alpha(image) else image.convert("RGB")
    if prefer_png:
        image.save(out, format="PNG", optimize=False)
    else:
        image.save(out, format="JPEG", quality=_JPEG_QUALITY)
    return out.getvalue()


def _clean_name(name: str, content_type: str) -> str:
    stem = "".join(c if c.isalnum() or c in "-_." else "_" for c in name.rsplit("/", 1)[-1])
    stem = stem.rsplit(".", 1)[0][:80] or "image"
    return f"{stem}.{_EXTENSIONS[content_type]}"


def read_image_file(path: Path) -> bytes:
    """A local image's bytes, refusing a file too large to be a usable reference."""
    try:
        with open(path, "rb") as handle:
            data = handle.read(MAX_SOURCE_BYTES + 1)
    except OSError as exc:
        raise ReferenceRejected(f"cannot read {path.name}: {exc.strerror or exc}",
                                next_step="Check the file's path and permissions.") from None
    if len(data) > MAX_SOURCE_BYTES:
        raise ReferenceRejected(f"{path.name} is far too large to use as a reference")
    return data


def prepare_reference(data: bytes, name: str, *, fix: bool, source_job_id: str | None = None,
                      source_index: int | None = None) -> tuple[Reference, bytes]:
    """Check ``data``; apply the offered fixes when ``fix`` is set. Returns the reference and
    the bytes to keep and upload.

    Raises:
        ReferenceRejected: a problem remains (its ``check`` lists each one and the fixes).
    """
    result = check_reference(data, name)
    if not result.ok:
        if not (fix and result.fixable):
            lines = "; ".join(problem.message for problem in result.problems)
            step = ("Let the app fix it: " + ", ".join(FIX_LABELS[f].lower() for f in result.fixes)
                    + "." if result.fixable else "Choose another image for this reference.")
            raise ReferenceRejected(lines, next_step=step, check=result)
        data = apply_fixes(data, name, result.fixes)
    return make_reference(data, name, source_job_id=source_job_id,
                          source_index=source_index), data
