"""An optional webhook: sent as ``fal_webhook`` on submit, never in the model's input, and it
never replaces watching the job."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from pydantic import ValidationError

from qwenimg_desktop.core.jobs import events as ev
from qwenimg_desktop.core.params import GenerationRequest
from tests.core.conftest import EngineFactory
from tests.fixtures.emulator import EmulatorFactory
from tests.fixtures.webhook import WebhookReceiver


def test_a_job_with_a_webhook_is_still_watched_and_fal_posts_to_it(
    emulator_factory: EmulatorFactory, engine_factory: EngineFactory,
    webhook_receiver: WebhookReceiver,
) -> None:
    server = emulator_factory()
    engine, log = engine_factory(server.base_url, make_thumbnails=False)
    request = GenerationRequest(prompt="hooked", seed=9, webhook_url=webhook_receiver.url)
    job_id = engine.submit(request)
    final = log.wait_final(job_id)
    assert isinstance(final, ev.Completed)  # watched to the end, images downloaded
    [submit] = server.requests("submit")
    assert parse_qs(urlsplit(submit["target"]).query)["fal_webhook"] == [webhook_receiver.url]
    assert engine.store is not None
    record = engine.store.get(job_id)
    assert record is not None
    assert record.request is not None
    assert record.request.webhook_url == webhook_receiver.url  # a resumed send keeps it
    job = server.board.get(str(record.request_id))
    assert job is not None
    assert job.input is not None
    assert "webhook_url" not in job.input.body  # the model's input never carries it
    body = webhook_receiver.wait()[0]
    assert body["status"] == "OK"
    assert body["request_id"] == job.request_id
    assert body["payload"]["seed"] == 9
    assert server.requests("status") or server.requests("stream")  # watched, not left to it


@pytest.mark.parametrize("url", ["ftp://example.com/x", "http://example.com/hook",
                                 "https://user:pw@example.com/hook", "not a url"])
def test_a_webhook_must_be_https_or_loopback_http(url: str) -> None:
    with pytest.raises(ValidationError) as caught:
        GenerationRequest(prompt="x", webhook_url=url)
    assert caught.value.errors()[0]["loc"] == ("webhook_url",)


def test_an_empty_webhook_is_none() -> None:
    assert GenerationRequest(prompt="x", webhook_url="  ").webhook_url is None
    assert "webhook_url" not in GenerationRequest(prompt="x").to_api_payload()

