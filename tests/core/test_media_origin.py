"""Media come from their own origin (as fal's CDN is another host): the key never goes there."""

from __future__ import annotations

import pytest

from qwenimg_desktop.core.jobs import events as ev
from qwenimg_desktop.core.params import GenerationRequest
from tests.core.conftest import EngineFactory
from tests.fixtures.emulator import EmulatorFactory


@pytest.mark.parametrize("redirect", [False, True])
def test_the_key_never_reaches_the_media_origin(
    emulator_factory: EmulatorFactory, engine_factory: EngineFactory, redirect: bool
) -> None:
    """Media come from another origin, as fal's CDN is another host: the real engine downloads
    them without the key, a redirect on media included."""
    scenario = {"media_redirect": {"next_n": 1}} if redirect else {}
    server = emulator_factory(scenario)
    engine, log = engine_factory(server.base_url, make_thumbnails=False)
    job_id = engine.submit(GenerationRequest(prompt="media origin", num_images=2))
    assert isinstance(log.wait_final(job_id), ev.Completed)
    media = [r for r in server.requests() if r["origin"] == "media"]
    assert len(media) == (3 if redirect else 2)
    assert [r["status"] for r in media].count(302) == (1 if redirect else 0)
    assert all("authorization" not in r["headers"] for r in media)
    queue = [r for r in server.requests() if r["origin"] == "queue"]
    assert queue
    assert all(r["headers"].get("authorization") == "Key [present]" for r in queue)
