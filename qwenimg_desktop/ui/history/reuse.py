"""Reuse of a past generation: the four modes, and merging a past request into the draft."""

from __future__ import annotations

from enum import StrEnum

from qwenimg_desktop.core.params import GenerationRequest
from qwenimg_desktop.core.store.records import JobRecord


class ReuseMode(StrEnum):
    """How a past request is applied to the draft."""

    exact = "exact"  # everything, with the seed the server used: the same image again
    remix = "remix"  # everything but the seed (a new random one)
    prompt = "prompt"  # prompt and negative prompt only; the draft keeps its parameters
    params = "params"  # parameters (and seed) only; the draft keeps its prompt


PROMPT_FIELDS = frozenset({"prompt", "negative_prompt"})


def request_for(record: JobRecord, mode: ReuseMode) -> GenerationRequest | None:
    """The request to emit for ``record``: ``exact`` pins the seed the server reported."""
    request = record.request
    if request is None:
        return None
    if mode is ReuseMode.remix:
        return request.model_copy(update={"seed": None})
    if record.seed is not None and mode in (ReuseMode.exact, ReuseMode.params):
        return request.model_copy(update={"seed": record.seed})
    return request


def merge_into_draft(draft: GenerationRequest | None, source: GenerationRequest,
                     mode: ReuseMode | str) -> GenerationRequest:
    """The new draft after applying ``source`` with ``mode``; ``draft`` is never modified.

    With no current draft (or an invalid one, passed as None), ``prompt`` and ``params`` modes
    take the missing half from ``source``. The caller keeps the old draft for undo.
    """
    mode = ReuseMode(mode)
    if mode is ReuseMode.exact:
        return source
    if mode is ReuseMode.remix:
        return source.model_copy(update={"seed": None})
    if draft is None:
        return source
    if mode is ReuseMode.prompt:
        return draft.model_copy(update={"prompt": source.prompt,
                                        "negative_prompt": source.negative_prompt})
    keep = {name: getattr(draft, name) for name in PROMPT_FIELDS}
    return source.model_copy(update=keep)


def changed_fields(old: GenerationRequest | None, new: GenerationRequest) -> list[str]:
    """Names of the fields a reuse would change, for an "undo / what changed" message."""
    if old is None:
        return list(GenerationRequest.model_fields)
    return [name for name in GenerationRequest.model_fields
            if getattr(old, name) != getattr(new, name)]
