"""Fuzz: the wire parser and the media decoder/downloader raise only their typed errors.

10,000 generated cases in total (derandomized: the same ones every run).
"""

from __future__ import annotations

import asyncio
import base64
import io
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any, Final

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from PIL import Image
from pydantic import BaseModel

from qwenimg_desktop.core.errors import DiskFull, DownloadError, MalformedResponse
from qwenimg_desktop.core.fal.download import (
    Downloader,
    check_media_url,
    decode_data_uri,
    write_verified,
)
from qwenimg_desktop.core.fal.protocol import (
    ErrorBody,
    GenerationResult,
    QueueStatus,
    SubmitResponse,
    parse_error_body,
    parse_model,
)
from tests.reliability.support import FUZZ, partial_files, record_figures

MODELS: Final[tuple[type[BaseModel], ...]] = (
    SubmitResponse, QueueStatus, GenerationResult, ErrorBody,
)
DEEP: Final = b"[" * 100_000 + b"]" * 100_000  # nesting beyond Python's recursion limit

# Text as a server could send it through JSON escapes: any code point, lone surrogates too.
any_text = st.text(st.characters(codec=None, exclude_categories=()), max_size=16)
scalars = (
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True, allow_infinity=True)
    | any_text
)
json_values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(any_text, inner, max_size=5),
    max_leaves=10,
)
plausible = {
    "request_id": st.text("abc019._:-/ ", max_size=8) | json_values,
    "status": st.sampled_from(["IN_QUEUE", "IN_PROGRESS", "COMPLETED", "DONE", ""]) | json_values,
    "images": st.lists(
        st.fixed_dictionaries({}, optional={
            "url": st.sampled_from(["https://x/y.png", "data:,", ""]) | json_values,
            "width": json_values, "content_type": json_values, "file_name": json_values,
        }),
        max_size=3,
    ) | json_values,
    "logs": st.lists(st.fixed_dictionaries({}, optional={"message": json_values}), max_size=3)
    | json_values,
    "detail": st.lists(st.fixed_dictionaries({}, optional={
        "loc": json_values, "msg": json_values, "type": json_values,
    }), max_size=3) | json_values,
}


def shaped_like(model: type[BaseModel]) -> st.SearchStrategy[dict[str, Any]]:
    """Objects with some of ``model``'s fields (plausible or arbitrary values) and stray keys."""
    fields = {name: plausible.get(name, json_values) for name in model.model_fields}
    return st.fixed_dictionaries({}, optional={**fields, "extra": json_values})


def _encoded(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False).encode("utf-8", "surrogatepass")


def raw_bodies(model: type[BaseModel]) -> st.SearchStrategy[bytes]:
    """Bytes as they come off the wire: noise, JSON of ``model``'s shape, or JSON cut short."""
    encoded = shaped_like(model).map(_encoded)
    return (
        st.binary(max_size=200)
        | encoded
        | st.tuples(encoded, st.integers(0, 200)).map(lambda t: t[0][: t[1]])
    )


def _parser_checks(model: type[BaseModel], seen: dict[str, int]) -> list[Callable[[], None]]:
    """The two fuzz runs of one wire model: decoded objects, then raw bodies."""

    @settings(FUZZ, max_examples=750)
    @given(value=shaped_like(model) | json_values)
    def objects(value: Any) -> None:
        seen["objects"] += 1
        try:
            parsed = parse_model(model, value, what="fuzz")
        except MalformedResponse as exc:
            message = exc.message
            assert "from the server" in message or "invalid JSON" in message
            return
        seen["accepted"] += 1
        assert isinstance(parsed, model)

    @settings(FUZZ, max_examples=375)
    @given(raw=raw_bodies(model))
    @example(raw=DEEP)
    @example(raw=b"1" * 5000)  # more digits than int() accepts
    @example(raw=b'{"request_id": "\\ud800"}')
    def bodies(raw: bytes) -> None:
        seen["bodies"] += 1
        try:
            parse_model(model, raw, what="fuzz")
        except MalformedResponse:
            return
        seen["accepted"] += 1

    return [objects, bodies]


@pytest.mark.slow
def test_parser_raises_only_malformed_response() -> None:
    seen = {"objects": 0, "bodies": 0, "accepted": 0}
    for model in MODELS:
        for check in _parser_checks(model, seen):
            check()
    record_figures("fuzz_parser", seen)
    assert seen["objects"] + seen["bodies"] >= 4500


def test_error_body_parser_never_raises() -> None:
    seen = {"cases": 0}

    @settings(FUZZ, max_examples=500)
    @given(raw=raw_bodies(ErrorBody) | any_text)
    @example(raw=DEEP)
    @example(raw=DEEP.decode())
    def check(raw: bytes | str) -> None:
        seen["cases"] += 1
        body = parse_error_body(raw)
        assert isinstance(body.message(), str)
        assert isinstance(body.field_errors(), list)

    check()
    record_figures("fuzz_error_body", seen)
    assert seen["cases"] >= 500


uri_text = st.text(st.characters(codec=None, exclude_categories=()), max_size=60)
data_uris = (
    uri_text.map(lambda t: "data:" + t)
    | st.tuples(st.sampled_from(["image/png", "", "text/plain;charset=x", "image/png;base64"]),
                st.sampled_from([";base64", "", ";BASE64", ";x=y;base64"]),
                st.binary(max_size=60).map(lambda b: base64.b64encode(b).decode()) | uri_text)
    .map(lambda t: f"data:{t[0]}{t[1]},{t[2]}")
)


def test_data_uri_decoder_raises_only_download_error() -> None:
    seen = {"cases": 0, "decoded": 0}

    @settings(FUZZ, max_examples=2500)
    @given(uri=data_uris)
    @example(uri="data:image/png,\ud800")
    @example(uri="data:image/png;base64,\udfff")
    def check(uri: str) -> None:
        seen["cases"] += 1
        try:
            media_type, data = decode_data_uri(uri, max_bytes=40)
        except DownloadError:
            return
        seen["decoded"] += 1
        assert isinstance(media_type, str)
        assert len(data) <= 40

    check()
    record_figures("fuzz_data_uri", seen)
    assert seen["cases"] >= 2500


media_urls = (
    uri_text
    | st.tuples(st.sampled_from(["http://", "https://", "file://", "ftp://", "data:", "//", ""]),
                uri_text).map("".join)
    | st.tuples(st.sampled_from(["http://[", "https://[", "http://127.0.0.1:", "http://user@"]),
                uri_text).map("".join)
)


def test_media_url_check_raises_only_download_error() -> None:
    seen = {"cases": 0, "accepted": 0}

    @settings(FUZZ, max_examples=1500)
    @given(url=media_urls)
    @example(url="http://[::1")
    @example(url="https://[zz]/x.png")
    @example(url="http://[::1]:99999/x")
    def check(url: str) -> None:
        seen["cases"] += 1
        try:
            kind = check_media_url(url)
        except DownloadError:
            return
        seen["accepted"] += 1
        assert kind in {"data", "https", "http"}

    check()
    record_figures("fuzz_media_url", seen)
    assert seen["cases"] >= 1500


def _image(fmt: str) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (24, 16), (10, 120, 200)).save(buf, fmt)
    return buf.getvalue()


SAMPLES: Final = {fmt: _image(fmt) for fmt in ("PNG", "JPEG", "WEBP")}


@st.composite
def mutated_images(draw: st.DrawFn) -> tuple[str, bytes]:
    """A valid small image with a few bytes flipped, cut short or grown, or plain noise."""
    fmt = draw(st.sampled_from(sorted(SAMPLES)))
    data = bytearray(SAMPLES[fmt])
    kind = draw(st.sampled_from(["flip", "truncate", "append", "noise", "intact"]))
    if kind == "flip":
        for _ in range(draw(st.integers(1, 4))):
            data[draw(st.integers(0, len(data) - 1))] = draw(st.integers(0, 255))
    elif kind == "truncate":
        data = data[: draw(st.integers(0, len(data) - 1))]
    elif kind == "append":
        data += draw(st.binary(min_size=1, max_size=64))
    elif kind == "noise":
        data = bytearray(draw(st.binary(max_size=200)))
    expected = draw(st.sampled_from(["PNG", "JPEG", "WEBP", fmt, fmt]))
    return expected, bytes(data)


def test_verified_writer_raises_only_typed_errors_and_never_keeps_a_bad_file(
    tmp_path: Path,
) -> None:
    seen = {"cases": 0, "kept": 0}

    @settings(FUZZ, max_examples=800)
    @given(case=mutated_images())
    def check(case: tuple[str, bytes]) -> None:
        expected, data = case
        seen["cases"] += 1
        dest = tmp_path / f"img-{seen['cases']}.bin"
        try:
            image = write_verified(data, dest, expected)
        except (DownloadError, DiskFull):
            assert not dest.exists()
            return
        seen["kept"] += 1
        with Image.open(image.path) as img:
            assert img.format == expected
            img.load()  # a kept file decodes completely
        dest.unlink()

    check()
    assert partial_files(tmp_path) == []
    record_figures("fuzz_write_verified", seen)
    assert seen["cases"] >= 800


def test_downloader_on_fuzzed_inline_images(tmp_path: Path) -> None:
    seen = {"cases": 0, "kept": 0}
    downloader = Downloader()

    @settings(FUZZ, max_examples=200)
    @given(case=mutated_images(), content_type=st.sampled_from([None, "image/png", "text/html"]))
    def check(case: tuple[str, bytes], content_type: str | None) -> None:
        expected, data = case
        seen["cases"] += 1
        uri = f"data:image/{expected.lower()};base64,{base64.b64encode(data).decode()}"
        dest = tmp_path / f"dl-{seen['cases']}.img"
        try:
            asyncio.run(downloader.fetch(uri, dest, content_type=content_type,
                                         fallback_format="png"))
        except (DownloadError, DiskFull):
            assert not dest.exists()
            return
        seen["kept"] += 1
        with Image.open(dest) as img:
            img.load()

    check()
    asyncio.run(downloader.aclose())
    assert partial_files(tmp_path) == []
    record_figures("fuzz_downloader", seen)
    assert seen["cases"] >= 200
