"""Helpers shared by the store tests."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from qwenimg_desktop.core.params import GenerationRequest


class StepClock:
    """A deterministic clock: each call returns the next value (1000.0, 1001.0, ...)."""

    def __init__(self, start: float = 1000.0, step: float = 1.0) -> None:
        self.now = start
        self.step = step

    def __call__(self) -> float:
        value = self.now
        self.now += self.step
        return value


def make_request(prompt: str = "a cat in watercolor", **kwargs: object) -> GenerationRequest:
    return GenerationRequest.model_validate({"prompt": prompt, **kwargs})


@pytest.fixture
def request_factory() -> Callable[..., GenerationRequest]:
    return make_request
