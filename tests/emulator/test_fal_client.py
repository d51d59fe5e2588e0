"""fal's official Python client, pointed at the emulator, runs submit → status → result → cancel."""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any

import fal_client
import fal_client.client
import httpx
import pytest
from PIL import Image

from qwenimg_desktop.core.fal.protocol import ENDPOINT_ID
from qwenimg_desktop.emulator.server import EmulatorServer
from tests.emulator.support import KEY
from tests.fixtures.emulator import EmulatorFactory


@pytest.fixture
def fal(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """``point(base)`` returns a fal SyncClient whose queue host is the emulator at ``base``."""
    monkeypatch.setenv("FAL_KEY", KEY)
    clients: list[Any] = []

    def point(base: str) -> Any:
        monkeypatch.setattr(fal_client.client, "QUEUE_URL_FORMAT", f"{base}/")
        clients.append(fal_client.SyncClient())
        return clients[-1]

    yield point
    for client in clients:
        client._client.close()  # its httpx.Client (a cached property) is never closed by fal


def test_submit_status_and_get(fal: Any, emulator: EmulatorServer) -> None:
    client = fal(emulator.base_url)
    handle = client.submit(ENDPOINT_ID, {"prompt": "fal client", "seed": 5},
                           headers={"X-Qwenimg-Job-Id": "fal-1"})
    first = handle.status(with_logs=True)
    assert isinstance(first, fal_client.Queued | fal_client.InProgress | fal_client.Completed)
    result = handle.get()
    done = handle.status(with_logs=True)
    assert isinstance(done, fal_client.Completed)
    assert done.error is None
    assert done.logs
    assert "inference_time" in done.metrics
    assert result["seed"] == 5
    image = httpx.get(result["images"][0]["url"])
    with Image.open(io.BytesIO(image.content)) as decoded:
        assert decoded.size == (1024, 1024)
    assert emulator.stats()["submits_by_job_id"] == {"fal-1": 1}


def test_subscribe_reports_queue_updates(fal: Any, emulator: EmulatorServer) -> None:
    client = fal(emulator.base_url)
    updates: list[Any] = []
    enqueued: list[str] = []
    result = client.subscribe(ENDPOINT_ID, {"prompt": "subscribe", "num_images": 2},
                              with_logs=True, on_queue_update=updates.append,
                              on_enqueue=enqueued.append, interval=0.02)
    assert len(result["images"]) == 2
    assert len(enqueued) == 1
    assert isinstance(updates[-1], fal_client.Completed)
    assert any(isinstance(u, fal_client.InProgress) and u.logs for u in updates)


def test_cancel_a_queued_request(fal: Any, emulator_factory: EmulatorFactory) -> None:
    server = emulator_factory({"queue_delay": 60})
    client = fal(server.base_url)
    handle = client.submit(ENDPOINT_ID, {"prompt": "cancel me"})
    queued = handle.status()
    assert isinstance(queued, fal_client.Queued)
    assert queued.position == 0
    handle.cancel()
    status = client.status(ENDPOINT_ID, handle.request_id, with_logs=True)
    assert isinstance(status, fal_client.Completed)
    assert status.error_type == "client_cancelled"
    with pytest.raises(fal_client.client.FalClientHTTPError) as gone:
        handle.get()
    assert gone.value.status_code == 499
    assert gone.value.error_type == "client_cancelled"
    with pytest.raises(fal_client.client.FalClientHTTPError) as caught:
        handle.cancel()
    assert caught.value.status_code == 400


def test_client_retries_ingress_errors_and_429(fal: Any,
                                               emulator_factory: EmulatorFactory) -> None:
    server = emulator_factory({"server_error": {"next_n": 1, "status": 502},
                               "rate_limit": {"next_n": 1, "retry_after": 0}})
    client = fal(server.base_url)
    result = client.subscribe(ENDPOINT_ID, {"prompt": "retry"}, interval=0.02)
    assert result["images"]
    stats = server.stats()
    assert stats["faults_fired"] == {"server_error": 1, "rate_limit": 1}
    assert stats["submits_total"] == 1


def test_client_surfaces_a_failed_run(fal: Any, emulator_factory: EmulatorFactory) -> None:
    server = emulator_factory({"failed_generation": {"next_n": 1, "status": 422,
                                                     "error_type": "content_policy_violation"}})
    client = fal(server.base_url)
    with pytest.raises(fal_client.client.FalClientHTTPError) as caught:
        client.subscribe(ENDPOINT_ID, {"prompt": "fail"}, interval=0.02)
    assert caught.value.status_code == 422
    assert caught.value.response.json()["detail"][0]["type"] == "content_policy_violation"


def test_client_sees_validation_errors_on_the_result(fal: Any, emulator: EmulatorServer) -> None:
    client = fal(emulator.base_url)
    handle = client.submit(ENDPOINT_ID, {"prompt": "x", "num_images": 99})  # accepted, as on fal
    with pytest.raises(fal_client.client.FalClientHTTPError) as caught:
        handle.get()
    assert caught.value.status_code == 422
    assert caught.value.response.json()["detail"][0]["loc"] == ["body", "num_images"]
    assert caught.value.response_headers["x-fal-billable-units"] == "0"


def test_only_short_paths_are_served(fal: Any, emulator: EmulatorServer) -> None:
    """fal's client builds status/result/cancel from owner/alias; the long form is 404."""
    client = fal(emulator.base_url)
    handle = client.submit(ENDPOINT_ID, {"prompt": "short paths"})
    assert "/pro/text-to-image/requests/" not in handle.status_url
    assert client.result(ENDPOINT_ID, handle.request_id)["images"]
    long_form = f"{emulator.base_url}/{ENDPOINT_ID}/requests/{handle.request_id}"
    for url in (long_form, f"{long_form}/status"):
        assert httpx.get(url, headers={"Authorization": "Key a:b"}).status_code == 404
    unknown = [r for r in emulator.requests() if r["route"] == "unknown"]
    assert [(r["target"], r["status"]) for r in unknown] == [
        (long_form.removeprefix(emulator.base_url), 404),
        (f"{long_form}/status".removeprefix(emulator.base_url), 404)]
