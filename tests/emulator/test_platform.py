"""The Platform API client against the emulator's ``/v1`` routes (real loopback HTTP)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from qwenimg_desktop.core.errors import (
    AccountLocked,
    AuthError,
    RateLimited,
    ScopeRefused,
)
from qwenimg_desktop.core.fal.client import QueueClient, error_from_response
from qwenimg_desktop.core.fal.credentials import fixed_key
from qwenimg_desktop.core.fal.platform import (
    PlatformClient,
    check_key_with_prices,
    platform_error,
)
from qwenimg_desktop.core.fal.retry import RetryPolicy
from qwenimg_desktop.core.params import GenerationRequest
from qwenimg_desktop.emulator.server import EmulatorServer
from tests.emulator.support import KEY, client, submit
from tests.fixtures.emulator import EmulatorFactory

PRO = "fal-ai/qwen-image-2/pro/text-to-image"
STD = "fal-ai/qwen-image-2/text-to-image"
ADMIN = "admin-id:admin-secret"


async def _no_sleep(_: float) -> None:
    return None


def platform(server: EmulatorServer, key: str = KEY, attempts: int = 3) -> PlatformClient:
    return PlatformClient(f"{server.base_url}/v1", key=fixed_key(key),
                          retry=RetryPolicy(max_attempts=attempts), sleep=_no_sleep)


async def _run(client: PlatformClient, call: Awaitable[Any]) -> Any:
    try:
        return await call
    finally:
        await client.aclose()


def run(client: PlatformClient, call: Awaitable[Any]) -> Any:
    return asyncio.run(_run(client, call))


def wait_done(server: EmulatorServer, n: int) -> None:
    deadline = time.monotonic() + 30
    while server.stats()["outcomes"]["succeeded"] + server.stats()["outcomes"]["failed"] < n:
        assert time.monotonic() < deadline
        time.sleep(0.02)


def test_pricing_lists_the_default_prices(emulator: EmulatorServer) -> None:
    api = platform(emulator)
    prices = run(api, api.pricing([PRO, STD, "fal-ai/unknown"]))
    assert isinstance(prices, dict)
    assert prices[PRO].unit_price == 0.075
    assert prices[PRO].unit == "image"
    assert prices[STD].unit_price == 0.035
    assert "fal-ai/unknown" not in prices


def test_estimate_is_price_times_quantity(emulator: EmulatorServer) -> None:
    api = platform(emulator)
    estimate = run(api, api.estimate({PRO: 4, STD: 2}))
    assert estimate.total_cost == pytest.approx(0.075 * 4 + 0.035 * 2)


def test_history_holds_the_body_as_sent_with_paging(emulator: EmulatorServer) -> None:
    with client() as http:
        sent = [submit(http, emulator.base_url, {"prompt": f"p{i}", "seed": i})
                for i in range(3)]
    wait_done(emulator, 3)
    api = platform(emulator)
    start = datetime.now(UTC) - timedelta(minutes=2)

    items = run(api, api.requests_by_endpoint(PRO, start=start))
    assert [i.request_id for i in items] == [s["request_id"] for s in sent]
    first = items[0]
    assert first.json_input == {"prompt": "p0", "seed": 0}
    assert first.json_output["seed"] == 0
    assert first.status_code == 200
    with client() as http:
        page = http.get(f"{emulator.base_url}/v1/models/requests/by-endpoint",
                        params={"endpoint_id": PRO, "limit": 2}).json()
        assert len(page["items"]) == 2
        assert page["has_more"]
        assert page["next_cursor"]
        assert "json_input" not in page["items"][0]
        rest = http.get(f"{emulator.base_url}/v1/models/requests/by-endpoint",
                        params={"endpoint_id": PRO, "limit": 2,
                                "cursor": page["next_cursor"]}).json()
        assert len(rest["items"]) == 1
        assert not rest["has_more"]


def test_history_visibility_and_delay_switches(emulator_factory: EmulatorFactory) -> None:
    server = emulator_factory({"queue_delay": 5.0,
                               "platform": {"history_visible": "start"}})
    with client() as http:
        submit(http, server.base_url, {"prompt": "queued", "seed": 1})
        url = f"{server.base_url}/v1/models/requests/by-endpoint"
        assert http.get(url, params={"endpoint_id": PRO}).json()["items"] == []
        server.set_scenario({"platform": {"history_visible": "submit"}}, merge=True)
        assert len(http.get(url, params={"endpoint_id": PRO}).json()["items"]) == 1
        server.set_scenario({"platform": {"history_visible": "submit", "history_delay": 60}},
                            merge=True)
        assert http.get(url, params={"endpoint_id": PRO}).json()["items"] == []


def test_store_io_off_keeps_no_payloads(emulator: EmulatorServer) -> None:
    with client() as http:
        submit(http, emulator.base_url, {"prompt": "secret", "seed": 3}, **{"X-Fal-Store-IO": "0"})
    wait_done(emulator, 1)
    api = platform(emulator)
    items = run(api, api.requests_by_endpoint(PRO, start=datetime.now(UTC) - timedelta(hours=1)))
    assert items[0].json_input is None
    assert items[0].json_output is None


def test_key_scopes(emulator_factory: EmulatorFactory) -> None:
    server = emulator_factory({"platform": {"admin_keys": [ADMIN], "balance": 10.0,
                                            "history_refused": True}})
    api = platform(server)
    with pytest.raises(ScopeRefused, match="Admin API key"):
        run(api, api.billing())
    api = platform(server)
    with pytest.raises(ScopeRefused):
        run(api, api.requests_by_endpoint(PRO, start=datetime.now(UTC)))
    api = platform(server, ADMIN)
    assert run(api, api.billing()).credits.current_balance == 10.0


def test_a_wrong_key_is_an_auth_error(emulator_factory: EmulatorFactory) -> None:
    server = emulator_factory(valid_keys={KEY})
    api = platform(server, "other:key")
    with pytest.raises(AuthError):
        run(api, api.pricing([PRO]))


def test_rate_limit_is_retried_then_reported(emulator_factory: EmulatorFactory) -> None:
    server = emulator_factory({"platform": {"rate_limit_next": 2}})
    api = platform(server, attempts=3)
    assert PRO in run(api, api.pricing([PRO]))
    server.set_scenario({"platform": {"rate_limit_next": 5}}, merge=True)
    api = platform(server, attempts=2)
    with pytest.raises(RateLimited):
        run(api, api.pricing([PRO]))


def test_balance_drops_per_image_and_locks_submits(emulator_factory: EmulatorFactory) -> None:
    server = emulator_factory({"platform": {"admin_keys": [ADMIN], "balance": 0.2,
                                            "lock_threshold": 0.0}})
    queue = QueueClient(server.base_url, key=fixed_key(KEY), sleep=_no_sleep)

    async def go() -> None:
        try:
            await queue.submit(GenerationRequest(prompt="two", num_images=2, seed=1))
            wait_done(server, 1)
            api = platform(server, ADMIN)
            billing = await api.billing()
            await api.aclose()
            assert billing.credits is not None
            assert billing.credits.current_balance == pytest.approx(0.2 - 0.15)
            await queue.submit(GenerationRequest(prompt="one", num_images=1, seed=2))
            wait_done(server, 2)
            with pytest.raises(AccountLocked, match="Exhausted balance") as caught:
                await queue.submit(GenerationRequest(prompt="locked", seed=3))
            assert caught.value.reason.startswith("Exhausted balance")
            with client() as http:  # uploads are refused too
                upload = http.post(f"{server.base_url}/storage/upload/initiate",
                                   json={"content_type": "image/png", "file_name": "a.png"})
                assert upload.status_code == 403
                assert upload.json()["detail"].startswith("User is locked.")
            server.top_up(5.0)
            await queue.submit(GenerationRequest(prompt="after top-up", seed=4))
        finally:
            await queue.aclose()

    asyncio.run(go())
    assert server.stats()["submits_total"] == 3


def test_error_shapes_map_to_typed_errors() -> None:
    request = httpx.Request("GET", "https://api.fal.ai/v1/x")
    locked = httpx.Response(403, json={"detail": "User is locked. Reason: Admin lock. Please "
                                       "contact support@fal.ai"}, request=request)
    assert isinstance(error_from_response(locked), AccountLocked)
    assert isinstance(platform_error(locked), AccountLocked)
    other = httpx.Response(403, json={"detail": "Forbidden"}, request=request)
    assert not isinstance(error_from_response(other), AccountLocked)
    admin = httpx.Response(403, json={"error": {"type": "authorization_error",
                                                "message": "Admin API key required"}},
                           request=request)
    error = platform_error(admin)
    assert isinstance(error, ScopeRefused)
    assert "Admin API key" in str(error)


def test_test_key_uses_the_free_price_lookup_and_says_what_it_proved(
    emulator_factory: EmulatorFactory,
) -> None:
    server = emulator_factory(valid_keys={KEY})
    proved = check_key_with_prices(server.base_url, KEY, [PRO, STD])
    assert "authenticated price lookup" in proved
    assert "$0.075/image" in proved
    assert server.stats()["served"].get("platform") == 1
    with pytest.raises(AuthError):
        check_key_with_prices(server.base_url, "wrong:key", [PRO])
