"""The user's copies of finished images: readable names from a template, never overwriting.

The history keeps its own copy of every image (content-addressed, under the data folder); the
output folder is the user's: each finished image is also written there under a name made from
the settings' template, e.g. ``2026-12-06_1402_a-lighthouse-at-dusk_42-1.png``. Names are safe on
every common file system (no separators, no reserved device names, at most
:data:`MAX_STEM_BYTES` UTF-8 bytes), letters of any script stay (a Chinese prompt gives a Chinese
name), and an existing file is never replaced: a collision gets ``-2``, ``-3``, …

Which folder is the default (the OS pictures folder) is the window's business; this module is
given a path.
"""

from __future__ import annotations

import re
import string
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from qwenimg_desktop.core.errors import DiskFull, UserError
from qwenimg_desktop.core.store.files import atomic_copy
from qwenimg_desktop.core.store.stems import safe_stem

DEFAULT_TEMPLATE: Final = "{date}_{time}_{prompt}_{seed}-{index}"
MAX_TEMPLATE_CHARS: Final = 200
MAX_STEM_BYTES: Final = 120
"""UTF-8 bytes of a name without its suffix and collision number (names are at most 255)."""
PROMPT_SLUG_BYTES: Final = 60
"""A prompt's part of a name: its first words (20 CJK characters, 60 ASCII letters)."""
MAX_COLLISIONS: Final = 10_000
TOKENS: Final = {
    "date": "the day the job finished, 2026-12-06",
    "time": "the time it finished, 1402 (hours and minutes)",
    "prompt": "the prompt's first words",
    "seed": "the seed",
    "index": "the image's number in its job, from 1",
    "endpoint": "the model, e.g. pro-edit",
    "job": "the job's short id",
}
_FORMATTER: Final = string.Formatter()
_DOUBLED: Final = re.compile(r"([_-])[_-]+")
_SEPARATORS: Final = re.compile(r"[\\/:*?\"<>|\x00-\x1f]")


class TemplateError(UserError):
    """A file-name template that cannot make names (an unknown token, a stray brace, a slash)."""

    next_step = ("Use only the tokens " + ", ".join(f"{{{t}}}" for t in TOKENS)
                 + " and plain text.")


class OutputCopyFailed(UserError):
    """An image could not be copied to the output folder; the history still has it."""

    next_step = ("The image is safe in the history. Free some space or choose another output "
                 "folder in File → Settings…, then use Save as… for this one.")


@dataclass(frozen=True)
class NameFields:
    """What a file name can say about one image."""

    prompt: str
    seed: int | None
    index: int  # from 0; shown from 1
    endpoint: str
    job_id: str
    finished: float  # epoch seconds

    def values(self) -> Mapping[str, str]:
        moment = time.localtime(self.finished)
        return {
            "date": time.strftime("%Y-%m-%d", moment),
            "time": time.strftime("%H%M", moment),
            "prompt": prompt_slug(self.prompt),
            "seed": "" if self.seed is None else str(self.seed),
            "index": str(self.index + 1),
            "endpoint": endpoint_slug(self.endpoint),
            "job": self.job_id[:8],
        }


def check_template(template: str) -> str:
    """The template, if it can make names.

    Raises:
        TemplateError: what is wrong with it, in words.
    """
    if not template.strip():
        raise TemplateError("The file-name template is empty.")
    if len(template) > MAX_TEMPLATE_CHARS:
        raise TemplateError(f"The file-name template is longer than {MAX_TEMPLATE_CHARS} "
                            "characters.")
    try:
        parts = list(_FORMATTER.parse(template))
    except ValueError:
        raise TemplateError("The file-name template has a '{' or '}' without its pair "
                            "(write {{ or }} for the character itself).") from None
    for literal, field, spec, conversion in parts:
        if _SEPARATORS.search(literal):
            raise TemplateError("The file-name template may not hold / \\ : * ? \" < > | "
                                "(a name, not a path).")
        if field is None:
            continue
        if field not in TOKENS:
            raise TemplateError(f"The file-name template has an unknown token {{{field}}}.")
        if spec or conversion:
            raise TemplateError(f"The token {{{field}}} takes no format (write it as "
                                f"{{{field}}}).")
    return template


def render_stem(template: str, fields: NameFields) -> str:
    """The name (without suffix) for one image; falls back to the default template if the
    given one cannot make names (a settings file edited by hand)."""
    try:
        check_template(template)
    except TemplateError:
        template = DEFAULT_TEMPLATE
    text = template.format_map(fields.values())
    text = _DOUBLED.sub(r"\1", text)  # an empty token leaves no "_-" or "__" behind
    return safe_stem(text, max_bytes=MAX_STEM_BYTES)


def example_name(template: str) -> str:
    """What the template makes of a sample job (the settings dialog's live example).

    Raises:
        TemplateError: as :func:`check_template`.
    """
    check_template(template)
    sample = NameFields(prompt="# 海边的灯塔 Lighthouse at dusk", seed=42, index=0,
                        endpoint="fal-ai/qwen-image-2/pro/text-to-image",
                        job_id="1a2b3c4d5e6f", finished=time.time())
    return f"{render_stem(template, sample)}.png"


def prompt_slug(prompt: str) -> str:
    """The prompt's first words for a file name: markdown marks dropped, any script kept."""
    return safe_stem(prompt, max_bytes=PROMPT_SLUG_BYTES) if prompt.strip() else "image"


def endpoint_slug(endpoint_id: str) -> str:
    """``fal-ai/qwen-image-2/pro/edit`` → ``pro-edit``; ``…/text-to-image`` → ``text-to-image``."""
    tail = endpoint_id.split("qwen-image-2/", 1)[-1]
    return safe_stem(tail.replace("/", "-"), max_bytes=40)


def copy_new(source: Path, folder: Path, stem: str, suffix: str) -> Path:
    """Copy ``source`` into ``folder`` as ``stem + suffix`` (``stem-2``… if taken); never
    replaces a file. Written with the store's atomic write (a reader never sees half a file),
    copied by the kernel where it can (:func:`~qwenimg_desktop.core.store.files.atomic_copy`:
    the image never passes through Python).

    Raises:
        OutputCopyFailed: the image cannot be read, the folder cannot be made or written, the
            disk is full (the message names the folder and why).
    """
    try:
        reader = source.open("rb")
    except OSError as exc:
        raise OutputCopyFailed(f"The image {source.name} could not be read from the history "
                               f"({exc.strerror or exc}).") from exc
    suffix = suffix if suffix.startswith(".") else f".{suffix}"
    with reader:
        for number in range(1, MAX_COLLISIONS + 1):
            target = folder / (stem + (f"-{number}" if number > 1 else "") + suffix)
            if target.exists():
                continue
            try:
                # The user's copy, outside the private data folder: the umask decides its mode.
                atomic_copy(reader, target, mode=0o666, replace=False)
            except FileExistsError:  # made by someone else since the check: the next number
                continue
            except DiskFull as exc:
                raise OutputCopyFailed(
                    f"The output folder {folder} is full: {exc.message}") from exc
            except OSError as exc:
                raise OutputCopyFailed(f"The image could not be copied to the output folder "
                                       f"{folder} ({exc.strerror or exc}).") from exc
            return target
    raise OutputCopyFailed(f"The output folder {folder} already has {MAX_COLLISIONS:,} files "
                           f"named {stem}.")
