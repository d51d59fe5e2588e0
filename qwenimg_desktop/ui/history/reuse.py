"""Reuse of a past generation: the four modes, and the request each one takes from a record."""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the window imports the modes at start-up; the store stays unloaded
    from qwenimg_desktop.core.params import GenerationRequest
    from qwenimg_desktop.core.store.records import JobRecord


class ReuseMode(StrEnum):
    """How a past request is applied to the draft."""

    exact = "exact"  # everything, with the seed the server used: the same image again
    remix = "remix"  # everything but the seed (a new random one)
    prompt = "prompt"  # prompt and negative prompt only; the draft keeps its parameters
    params = "params"  # parameters (and seed) only; the draft keeps its prompt

    @property
    def takes_prompt(self) -> bool:
        """The draft's prompt and negative prompt are replaced."""
        return self is not ReuseMode.params

    @property
    def takes_params(self) -> bool:
        """The draft's parameters (seed included) are replaced."""
        return self is not ReuseMode.prompt


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
