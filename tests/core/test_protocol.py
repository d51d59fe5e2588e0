"""Wire models: extra fields tolerated, missing ones typed, error bodies understood."""

from __future__ import annotations

import json

import pytest

from qwenimg_desktop.core.errors import MalformedResponse
from qwenimg_desktop.core.fal.protocol import (
    GenerationResult,
    QueueStatus,
    SubmitResponse,
    parse_error_body,
    parse_model,
    request_urls,
)

SUBMIT = {
    "request_id": "abc-123",
    "response_url": "https://q/fal-ai/qwen-image-2/requests/abc-123",
    "status_url": "https://q/fal-ai/qwen-image-2/requests/abc-123/status",
    "cancel_url": "https://q/fal-ai/qwen-image-2/requests/abc-123/cancel",
    "queue_position": 3,
    "something_new": {"nested": True},
}


def test_submit_tolerates_extra_fields() -> None:
    sub = parse_model(SubmitResponse, json.dumps(SUBMIT), what="submit")
    assert sub.request_id == "abc-123"
    assert sub.queue_position == 3


@pytest.mark.parametrize("missing", ["request_id", "status_url", "cancel_url", "response_url"])
def test_submit_missing_field_is_typed(missing: str) -> None:
    body = {k: v for k, v in SUBMIT.items() if k != missing}
    with pytest.raises(MalformedResponse, match=missing):
        parse_model(SubmitResponse, json.dumps(body).encode(), what="submit answer")


def test_request_id_with_path_characters_is_refused() -> None:
    with pytest.raises(MalformedResponse):
        parse_model(SubmitResponse, {**SUBMIT, "request_id": "../../etc"}, what="submit")


@pytest.mark.parametrize("raw", [b"", b"{", b"\xff\xfe", b"[]", b"null", b'"text"'])
def test_garbage_is_malformed_not_a_crash(raw: bytes) -> None:
    with pytest.raises(MalformedResponse):
        parse_model(QueueStatus, raw, what="status")


def test_completed_with_error_is_not_success() -> None:
    status = parse_model(
        QueueStatus,
        {"status": "COMPLETED", "error": "boom", "error_type": "internal", "logs": None},
        what="status",
    )
    assert status.failed
    ok = parse_model(QueueStatus, {"status": "COMPLETED", "metrics": {}}, what="status")
    assert not ok.failed


def test_result_requires_images_and_seed() -> None:
    with pytest.raises(MalformedResponse, match="seed"):
        parse_model(GenerationResult, {"images": [{"url": "https://x/y.png"}]}, what="result")
    result = parse_model(
        GenerationResult,
        {"images": [{"url": "https://x/y.png", "extra": 1}], "seed": 7, "new": "field"},
        what="result",
    )
    assert result.images[0].url == "https://x/y.png"
    assert result.images[0].width is None


def test_422_detail_list_maps_to_field_paths() -> None:
    body = parse_error_body(
        json.dumps(
            {
                "detail": [
                    {"loc": ["body", "image_size"], "msg": "too small", "type": "value_error"},
                    {"loc": ["body", "seed"], "msg": "too big", "type": "less_than_equal"},
                ]
            }
        )
    )
    paths = [fe.path for fe in body.field_errors()]
    assert paths == ["image_size", "seed"]
    assert "image_size: too small" in body.message()


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (b'{"detail": "Invalid key"}', "Invalid key"),
        (b"<html>nginx 502</html>", "<html>nginx 502</html>"),
        (b"[1, 2]", "[1, 2]"),
        (b'{"detail": {"message": "nested"}}', "nested"),
    ],
)
def test_error_bodies_of_any_shape(raw: bytes, expected: str) -> None:
    assert parse_error_body(raw).message() == expected


def test_urls_are_built_from_base_and_id() -> None:
    urls = request_urls("http://127.0.0.1:9/", "r1")
    assert urls["status_url"] == "http://127.0.0.1:9/fal-ai/qwen-image-2/requests/r1/status"
    assert urls["cancel_url"].endswith("/requests/r1/cancel")
