"""Metadata in an image file from elsewhere is read strictly: loose values never become a
request (a dropped file's ``"num_images": true`` would otherwise be re-run as 1 image at fal)."""

from __future__ import annotations

import json

import pytest

from qwenimg_desktop.core.params import GenerationRequest
from qwenimg_desktop.core.store import containers as ct
from qwenimg_desktop.core.store.metadata import JSON_KEY, EmbeddedMeta, embed_bytes, read_metadata
from tests.history.conftest import image_bytes


def _png_with(request: dict[str, object]) -> bytes:
    return ct.png_embed(image_bytes("png"), {JSON_KEY: json.dumps({"request": request})})


@pytest.mark.parametrize(("field", "value"), [
    ("num_images", True), ("num_images", 2.0), ("num_images", "2"), ("seed", "7"),
    ("sync_mode", "yes"), ("enable_safety_checker", 1), ("image_size", {"width": "1024",
                                                                        "height": 1024}),
])
def test_loose_values_in_a_file_are_not_read_as_a_request(field: str, value: object) -> None:
    assert read_metadata(_png_with({"prompt": "a cat", field: value})) is None


def test_our_own_metadata_still_reads_back() -> None:
    request = GenerationRequest(prompt="一只猫", seed=5, num_images=2, sync_mode=True,
                                image_size={"width": 1024, "height": 768})
    data = embed_bytes(image_bytes("png"), "png", EmbeddedMeta(request=request, seed=5))
    meta = read_metadata(data)
    assert meta is not None
    assert meta.request == request
    assert read_metadata(_png_with({"prompt": "a cat", "num_images": 2})) is not None
