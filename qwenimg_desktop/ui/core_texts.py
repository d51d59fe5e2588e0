"""The core's own wording shown in the window, in the interface language.

The core stays Qt-free and words its endpoint titles, field titles and descriptions (pydantic
``Field(title=..., description=...)``) and batch axes in English; the window translates them
here, where it adapts the core, so ``pyside6-lupdate`` finds each one. A core text missing here
is shown in English (``tests/ui/test_translation_complete.py`` fails on it).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from typing import Any, Final

from PySide6.QtCore import QT_TRANSLATE_NOOP

from qwenimg_desktop.core.endpoints.describe import ParamText, parameter_texts
from qwenimg_desktop.core.output_files import TOKENS
from qwenimg_desktop.core.params import (
    CustomSize,
    GenerationRequest,
    ImageSizePreset,
    size_dimensions,
)
from qwenimg_desktop.core.pricing import PriceQuote, PriceSource, as_of
from qwenimg_desktop.ui.i18n import translate

CORE_TEXTS: Final = frozenset({
    QT_TRANSLATE_NOOP("CoreText", "Pro · Generate"),
    QT_TRANSLATE_NOOP("CoreText", "Standard · Generate"),
    QT_TRANSLATE_NOOP("CoreText", "Pro · Edit"),
    QT_TRANSLATE_NOOP("CoreText", "Standard · Edit"),
    QT_TRANSLATE_NOOP("CoreText", "Endpoint"),
    QT_TRANSLATE_NOOP("CoreText", "The fal endpoint that runs this request."),
    QT_TRANSLATE_NOOP("CoreText", "Prompt"),
    QT_TRANSLATE_NOOP("CoreText", "What to draw; Chinese and English both work."),
    QT_TRANSLATE_NOOP("CoreText", "Negative prompt"),
    QT_TRANSLATE_NOOP("CoreText", "What to keep out of the image (at most 500 characters)."),
    QT_TRANSLATE_NOOP("CoreText", "Image size"),
    QT_TRANSLATE_NOOP(
        "CoreText", "A preset, or width × height "
        "between 512×512 and 2048×2048 pixels in total."),
    QT_TRANSLATE_NOOP("CoreText", "Prompt expansion"),
    QT_TRANSLATE_NOOP("CoreText", "Let the model rewrite and expand the prompt before drawing."),
    QT_TRANSLATE_NOOP("CoreText", "Seed"),
    QT_TRANSLATE_NOOP(
        "CoreText", "The same seed with the same settings "
        "gives the same image; empty = random."),
    QT_TRANSLATE_NOOP("CoreText", "random"),
    QT_TRANSLATE_NOOP("CoreText", "Safety checker"),
    QT_TRANSLATE_NOOP("CoreText", "Filter unsafe images."),
    QT_TRANSLATE_NOOP("CoreText", "Sync mode"),
    QT_TRANSLATE_NOOP(
        "CoreText", "Return images inline as data URIs instead "
        "of CDN links (not kept by fal)."),
    QT_TRANSLATE_NOOP("CoreText", "Number of images"),
    QT_TRANSLATE_NOOP("CoreText", "How many images to generate in one request."),
    QT_TRANSLATE_NOOP("CoreText", "Output format"),
    QT_TRANSLATE_NOOP("CoreText", "png, jpeg or webp."),
    QT_TRANSLATE_NOOP("CoreText", "Webhook URL"),
    QT_TRANSLATE_NOOP(
        "CoreText", "Optional: fal also POSTs the outcome to this https URL "
        "when the job ends. The app still watches the job itself."),
    QT_TRANSLATE_NOOP("CoreText", "none"),
    QT_TRANSLATE_NOOP(
        "CoreText", "A preset or width × height; empty "
        "= the size of the last reference."),
    QT_TRANSLATE_NOOP("CoreText", "same as the last reference"),
    QT_TRANSLATE_NOOP("CoreText", "Reference images"),
    QT_TRANSLATE_NOOP(
        "CoreText", "1–3 images the prompt calls image 1, "
        "image 2 and image 3; order matters."),
    QT_TRANSLATE_NOOP("CoreText", "seeds: 1,2,3 or a range 10-19"),
    QT_TRANSLATE_NOOP("CoreText", "image sizes: square_hd,landscape_4_3,1024x768"),
    QT_TRANSLATE_NOOP(
        "CoreText", "prompt search and replace: the first value is "
        "searched for, each value (itself included) replaces it: cat,dog,fox"),
    QT_TRANSLATE_NOOP("CoreText", "prompt expansion: on,off"),
    QT_TRANSLATE_NOOP("CoreText", "endpoint tier: pro,standard"),
    QT_TRANSLATE_NOOP("CoreText", "output format: png,jpeg,webp"),
    # core.settings.AppSettings descriptions (the settings dialog's tooltips)
    QT_TRANSLATE_NOOP(
        "CoreText", "For the cost estimate on the Generate button; empty = the list price of "
        "the chosen endpoint."),
    QT_TRANSLATE_NOOP("CoreText", "How many requests run at the same time."),
    QT_TRANSLATE_NOOP(
        "CoreText", "While the window is in the background, a desktop notification says that "
        "a job finished or failed."),
    QT_TRANSLATE_NOOP("CoreText", "Hold back what would pass this day's spend; empty = no cap."),
    QT_TRANSLATE_NOOP(
        "CoreText", "Hold back what would pass this month's spend; empty = no cap."),
    QT_TRANSLATE_NOOP(
        "CoreText", "Ask before one action costs more than this; empty = never ask."),
    # core.secrets: the keyring's fixed reasons (others, from the OS, stay as they come)
    QT_TRANSLATE_NOOP("CoreText", "No system keyring is installed on this computer."),
    QT_TRANSLATE_NOOP(
        "CoreText",
        "The system keyring is locked: unlock it in your system's keyring app, then try again."),
    QT_TRANSLATE_NOOP(
        "CoreText", "The system keyring has still not answered an earlier request."),
    # core.store.db.HistoryNotChecked (a change asked while the engine checks the journal)
    QT_TRANSLATE_NOOP(
        "CoreText", "The history is still being checked, so it cannot be changed yet."),
    QT_TRANSLATE_NOOP("CoreText", "Try again in a few seconds."),
    QT_TRANSLATE_NOOP("CoreText", "The history keeps its own copy either way."),
    QT_TRANSLATE_NOOP(
        "CoreText", "Where finished images are copied; empty = the Pictures folder's "
        "'Qwen Image'."),
    # core.output_files.TOKENS (the file name template's help)
    QT_TRANSLATE_NOOP("CoreText", "the day the job finished, 2026-12-06"),
    QT_TRANSLATE_NOOP("CoreText", "the time it finished, 1402 (hours and minutes)"),
    QT_TRANSLATE_NOOP("CoreText", "the prompt's first words"),
    QT_TRANSLATE_NOOP("CoreText", "the seed"),
    QT_TRANSLATE_NOOP("CoreText", "the image's number in its job, from 1"),
    QT_TRANSLATE_NOOP("CoreText", "the model, e.g. pro-edit"),
    QT_TRANSLATE_NOOP("CoreText", "the job's short id"),
    # core.references.FIX_LABELS
    QT_TRANSLATE_NOOP("CoreText", "Flatten the transparency onto white"),
    QT_TRANSLATE_NOOP("CoreText", "Downscale to at most 5000 px per side"),
    QT_TRANSLATE_NOOP("CoreText", "Re-encode (PNG, or JPEG when too large)"),
})


def core_text(text: str) -> str:
    """``text`` (a core title, description or hint) in the interface language."""
    return translate("CoreText", text)


# The endpoint chooser's names (Tier and EndpointKind values as keys).
CHOICE_NAMES: Final = {
    "pro": str(QT_TRANSLATE_NOOP("CoreText", "Pro")),
    "standard": str(QT_TRANSLATE_NOOP("CoreText", "Standard")),
    "generate": str(QT_TRANSLATE_NOOP("CoreText", "Generate")),
    "edit": str(QT_TRANSLATE_NOOP("CoreText", "Edit")),
}

# The size presets' names (ImageSizePreset values as keys), shared by the size field and the
# parameter descriptions.
PRESET_NAMES: Final = {
    ImageSizePreset.square_hd: str(QT_TRANSLATE_NOOP("CoreText", "Square HD")),
    ImageSizePreset.square: str(QT_TRANSLATE_NOOP("CoreText", "Square")),
    ImageSizePreset.portrait_4_3: str(QT_TRANSLATE_NOOP("CoreText", "Portrait 3:4")),
    ImageSizePreset.portrait_16_9: str(QT_TRANSLATE_NOOP("CoreText", "Portrait 9:16")),
    ImageSizePreset.landscape_4_3: str(QT_TRANSLATE_NOOP("CoreText", "Landscape 4:3")),
    ImageSizePreset.landscape_16_9: str(QT_TRANSLATE_NOOP("CoreText", "Landscape 16:9")),
}


def value_text(value: Any, core_wording: str) -> str:
    """A parameter's value as the window shows it: on/off, a named preset with its pixels;
    ``core_wording`` (the core's ``value_text``) for anything else."""
    if value is None or value == "":
        return core_text(core_wording)
    if isinstance(value, bool):
        return translate("CoreText", "on") if value else translate("CoreText", "off")
    if isinstance(value, CustomSize):
        return translate("CoreText", "custom {width}×{height}").format(
            width=value.width, height=value.height)
    if isinstance(value, ImageSizePreset):
        width, height = size_dimensions(value)
        return f"{core_text(PRESET_NAMES[value])} ({width}×{height})"
    return core_wording


def parameter_rows(request: GenerationRequest, *, skip: Iterable[str] = ("prompt",)
                   ) -> list[ParamText]:
    """The core's :func:`parameter_texts` with titles and values in the interface language."""
    return [replace(item, title=core_text(item.title),
                    text=value_text(getattr(request, item.name), item.text))
            for item in parameter_texts(request, skip=skip)]


def template_help() -> str:
    """The file name template's tokens, each with what it stands for (the core's
    ``AppSettings.file_name_template`` description, worded here)."""
    tokens = ", ".join(f"{{{token}}} {core_text(what)}" for token, what in TOKENS.items())
    return translate("CoreText", "Tokens: {tokens}. A name already taken gets -2, -3, ….").format(
        tokens=tokens)


def price_text(quote: PriceQuote, now: float | None = None) -> str:
    """A price and where it comes from, for a tooltip (the core's ``PriceQuote.describe``
    worded in the interface language)."""
    if quote.source is PriceSource.own and quote.per_image is not None:
        return translate("CoreText", "{cost} per image (your own price, overriding fal's)").format(
            cost=f"${quote.per_image:.3f}")
    if quote.source is PriceSource.fal and quote.per_image is not None:
        if quote.is_old(now):
            return translate("CoreText", "{cost} per image (fal's price as of {date})").format(
                cost=f"${quote.per_image:.3f}", date=as_of(quote.read_at))
        return translate("CoreText", "{cost} per image (fal's price)").format(
            cost=f"${quote.per_image:.3f}")
    return translate("CoreText", "price unknown (fal's price has not been read yet)")
