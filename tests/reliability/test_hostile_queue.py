"""A hostile queue: huge bodies and lines, too many images, echoed keys (a real loopback server).

The real engine runs against :mod:`tests.reliability.hostile`; each case ends in a typed message,
within the limits of ``core/fal/limits.py`` (tests run just past them), with nothing lost.
"""

from __future__ import annotations

import io
import json
import re
import subprocess
import sys
import time
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, Final

import pytest
from PIL import Image
from PIL.PngImagePlugin import PngInfo

from qwenimg_desktop.core.errors import MAX_MESSAGE_CHARS, REDACTED, NetworkError
from qwenimg_desktop.core.fal.client import QueueClient, StreamUnavailable
from qwenimg_desktop.core.fal.credentials import fixed_key
from qwenimg_desktop.core.fal.limits import (
    MAX_LOG_FIELD_CHARS,
    MAX_LOG_LINE_CHARS,
    MAX_LOG_LINES_PER_JOB,
    MAX_RESULT_BYTES,
    MAX_SSE_LINE_BYTES,
    MAX_STATUS_BYTES,
    Pace,
)
from qwenimg_desktop.core.fal.protocol import ENDPOINT_ID, request_urls
from qwenimg_desktop.core.fal.retry import RetryPolicy
from qwenimg_desktop.core.fal.storage import INITIATE_PATH, StorageUploader, UploadFailed
from qwenimg_desktop.core.jobs import events as ev
from qwenimg_desktop.core.params import GenerationRequest, ImageSizePreset
from qwenimg_desktop.core.store.files import DataLayout
from qwenimg_desktop.core.store.history import HistoryStore
from tests.core.cli_proc import run_cli
from tests.core.conftest import EngineFactory
from tests.core.helpers import FAST_RETRY, TEST_KEY, run
from tests.reliability.hostile import (
    Hostile,
    Route,
    body,
    redirect,
    repeated,
    streamed,
    trickled,
)

REQUEST_ID: Final = "req-1"
SMALL: Final = {"image_size": ImageSizePreset.square}


def _png() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (32, 32), (0, 90, 200)).save(buf, "PNG")
    return buf.getvalue()


def _json(data: Any) -> Route:
    return body(json.dumps(data).encode())


def _status(state: str = "COMPLETED", logs: list[dict[str, Any]] | None = None) -> Route:
    return _json({"status": state, "logs": logs or []})


def _result(server: Hostile, count: int = 1, **extra: Any) -> Route:
    url = f"{server.base_url}/media/a.png"
    images = [{"url": url, "content_type": "image/png"} for _ in range(count)]
    return _json({"images": images, "seed": 7, **extra})


def _queue(server: Hostile, *, status: Route, result: Route | None = None,
           stream: Route | None = None) -> None:
    """Routes of one request, ``req-1``: submit, status, stream, result, and one image."""
    urls = request_urls(server.base_url, REQUEST_ID)

    def path(url: str) -> str:
        return url.removeprefix(server.base_url)

    server.routes.update({
        f"/{ENDPOINT_ID}": _json({"request_id": REQUEST_ID, "queue_position": 0, **{
            k: urls[k] for k in ("response_url", "status_url", "cancel_url")}}),
        path(urls["status_url"]): status,
        path(urls["response_url"]): result or _result(server),
        "/media/a.png": body(_png(), "image/png"),
    })
    if stream is not None:
        server.routes[path(urls["stream_url"])] = stream


HEAD: Final = b'{"status": "IN_PROGRESS", "logs": [{"message": "'
TAIL: Final = b'"}]}'


def _big_status(size: int) -> Iterator[bytes]:
    """A status body of ``size`` bytes: one long log line, sent chunked without a length."""
    return repeated(HEAD, b"x", size - len(TAIL), TAIL)


def _engine(factory: EngineFactory, server: Hostile, tmp_path: Path,
            **kw: Any) -> tuple[Any, Any]:
    return factory(server.base_url, use_stream=False, root=tmp_path / "data", **kw)


def _reader(tmp_path: Path) -> HistoryStore:
    return HistoryStore.open(DataLayout(tmp_path / "data"), readonly=True)


def _db_bytes(tmp_path: Path) -> int:
    return sum(p.stat().st_size for p in (tmp_path / "data").glob("history.sqlite3*"))


# ---- sizes --------------------------------------------------------------------------------


def test_a_status_body_just_over_its_limit_is_refused_with_a_message(
    engine_factory: EngineFactory, tmp_path: Path,
) -> None:
    with Hostile() as server:
        _queue(server, status=streamed(lambda: _big_status(MAX_STATUS_BYTES + 1)))
        engine, log = _engine(engine_factory, server, tmp_path)
        job = engine.submit(GenerationRequest(prompt="big status", **SMALL))
        final = log.wait_final(job)
    assert isinstance(final, ev.Failed)
    assert final.kind == "ResponseTooLarge"
    assert f"larger than the {MAX_STATUS_BYTES:,}-byte limit" in final.reason
    reader = _reader(tmp_path)
    record = reader.get(job)
    assert record is not None
    assert record.request_id == REQUEST_ID
    assert reader.logs(job) == []
    reader.close()
    assert _db_bytes(tmp_path) < MAX_STATUS_BYTES


def test_a_status_body_just_within_its_limit_is_read(
    engine_factory: EngineFactory, tmp_path: Path,
) -> None:
    """The limit is not a guess: a body of exactly that size is still read (and its long log
    line stored cut to MAX_LOG_LINE_CHARS)."""
    states = iter([streamed(lambda: _big_status(MAX_STATUS_BYTES)), _status()])

    def status(handler: Any) -> None:
        next(states, _status())(handler)

    with Hostile() as server:
        _queue(server, status=status)
        engine, log = _engine(engine_factory, server, tmp_path)
        job = engine.submit(GenerationRequest(prompt="big but allowed", **SMALL))
        final = log.wait_final(job)
    assert isinstance(final, ev.Completed), final
    reader = _reader(tmp_path)
    (line,) = [m for m, _lv, _ts in reader.logs(job)]
    reader.close()
    assert line.startswith("x" * MAX_LOG_LINE_CHARS)
    had = MAX_STATUS_BYTES - len(HEAD + TAIL)
    assert line.endswith(f"… [cut: the line had {had:,} characters]")


def test_log_lines_past_the_per_job_limit_are_not_stored(
    engine_factory: EngineFactory, tmp_path: Path,
) -> None:
    lines = [{"message": f"line {n}"} for n in range(MAX_LOG_LINES_PER_JOB + 5)]
    states = iter([_status("IN_PROGRESS", lines), _status("IN_PROGRESS", [{"message": "more"}])])

    def status(handler: Any) -> None:
        next(states, _status())(handler)

    with Hostile() as server:
        _queue(server, status=status)
        engine, log = _engine(engine_factory, server, tmp_path)
        job = engine.submit(GenerationRequest(prompt="chatty", **SMALL))
        final = log.wait_final(job)
    assert isinstance(final, ev.Completed), final
    reader = _reader(tmp_path)
    stored = [m for m, _lv, _ts in reader.logs(job)]
    reader.close()
    assert len(stored) == MAX_LOG_LINES_PER_JOB
    assert stored[0] == "line 0"
    assert f"at most {MAX_LOG_LINES_PER_JOB:,} log lines per job" in stored[-1]


def test_a_result_just_over_its_limit_is_refused_with_a_message(
    engine_factory: EngineFactory, tmp_path: Path,
) -> None:
    with Hostile() as server:
        url = f"{server.base_url}/media/a.png"
        head = b'{"seed": 7, "images": [{"url": "' + url.encode() + b'"}], "prompt": "'
        big = streamed(lambda: repeated(head, b"p", MAX_RESULT_BYTES - 1, b'"}'))
        _queue(server, status=_status(), result=big)
        engine, log = _engine(engine_factory, server, tmp_path)
        job = engine.submit(GenerationRequest(prompt="big result", **SMALL))
        final = log.wait_final(job)
    assert isinstance(final, ev.Failed)
    assert f"result is larger than the {MAX_RESULT_BYTES:,}-byte limit" in final.reason
    assert _db_bytes(tmp_path) < MAX_RESULT_BYTES


def test_an_sse_line_just_over_its_limit_is_refused(tmp_path: Path) -> None:
    message = "y" * MAX_SSE_LINE_BYTES
    event = json.dumps({"status": "IN_PROGRESS", "logs": [{"message": message}]})
    with Hostile() as server:
        _queue(server, status=_status(), stream=streamed(
            lambda: repeated(b"data: ", event.encode(), len(event) + 6, b"\n\n"),
            "text/event-stream"))
        client = QueueClient(server.base_url, key=fixed_key(TEST_KEY), retry=FAST_RETRY)

        async def follow() -> list[str]:
            try:
                return [s.status async for s in client.stream_status(REQUEST_ID)]
            finally:
                await client.aclose()

        with pytest.raises(StreamUnavailable, match=re.escape(
                f"status stream line is larger than the {MAX_SSE_LINE_BYTES:,}-byte limit")):
            run(follow())


def test_reading_a_body_ten_times_the_limit_keeps_memory_bounded(tmp_path: Path) -> None:
    """In a fresh interpreter, a status body 16× its limit raises peak RSS by far less than the
    body (before the limits, the whole body and its decoded text were held: 2 GB for 300 MB)."""
    script = tmp_path / "rss.py"
    script.write_text(RSS_SCRIPT, encoding="utf-8")
    size = 16 * MAX_STATUS_BYTES
    with Hostile() as server:
        _queue(server, status=streamed(lambda: _big_status(size)))
        server.routes["/warm/status"] = _status("IN_PROGRESS")
        done = subprocess.run([sys.executable, str(script), server.base_url], capture_output=True,
                              text=True, timeout=120, check=False,
                              cwd=Path(__file__).resolve().parents[2])
    assert done.returncode == 0, done.stderr
    figures = json.loads(done.stdout)
    assert "ResponseTooLarge" in figures["error"]
    print(f"peak RSS growth for a {size:,}-byte status body: {figures['growth_bytes']:,} bytes")
    assert figures["growth_bytes"] < 6 * 1024 * 1024, figures


RSS_SCRIPT: Final = '''
import asyncio, json, resource, sys
from qwenimg_desktop.core.fal.client import QueueClient
from qwenimg_desktop.core.fal.credentials import fixed_key
from qwenimg_desktop.core.fal.retry import RetryPolicy

def peak() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # KiB on Linux

async def main() -> dict[str, object]:
    client = QueueClient(sys.argv[1], key=fixed_key("k:v"), retry=RetryPolicy(max_attempts=1))
    try:
        try:
            await client.status("req-0")  # warm up: imports, pools (404 -> NotFound)
        except Exception:
            pass
        before = peak()
        try:
            await client.status("req-1")
            error = "none"
        except Exception as exc:
            error = f"{type(exc).__name__}: {exc}"
        return {"growth_bytes": peak() - before, "error": error}
    finally:
        await client.aclose()

print(json.dumps(asyncio.run(main())))
'''


# ---- counts -------------------------------------------------------------------------------


@pytest.mark.parametrize(("listed", "asked"), [(1001, 1), (40, 2)])
def test_never_more_images_than_were_asked_for(
    engine_factory: EngineFactory, tmp_path: Path, listed: int, asked: int,
) -> None:
    with Hostile() as server:
        _queue(server, status=_status(), result=_result(server, listed))
        engine, log = _engine(engine_factory, server, tmp_path)
        job = engine.submit(GenerationRequest(prompt="too many", num_images=asked, **SMALL))
        final = log.wait_final(job)
        downloads = server.paths().count("/media/a.png")
    assert isinstance(final, ev.Completed), final
    assert len(final.image_paths) == asked
    assert downloads == asked
    note = f"fal listed {listed:,} images for a request of {asked}; only the first {asked}"
    assert any(note in line for e in log.of(job) if isinstance(e, ev.Running) for line in e.logs)
    reader = _reader(tmp_path)
    record = reader.get(job)
    logs = [m for m, _lv, _ts in reader.logs(job)]
    reader.close()
    assert record is not None
    assert len(record.images) == asked
    assert record.result_json is not None
    assert len(json.loads(record.result_json)["images"]) == asked
    assert any(note in line for line in logs)


# ---- secrets echoed back ------------------------------------------------------------------


def _echoing(server: Hostile) -> Callable[[Any], None]:
    """A status that repeats the Authorization header it received, and the bare key."""

    def route(handler: Any) -> None:
        header = handler.headers.get("Authorization", "")
        logs = [{"message": f"got headers Authorization: {header}"},
                {"message": f"your key is {header.removeprefix('Key ')}"}]
        _status("COMPLETED", logs)(handler)

    return route


def _no_key(blob: bytes) -> bool:
    return TEST_KEY.encode() not in blob and TEST_KEY.split(":")[1].encode() not in blob


def test_a_key_echoed_by_the_server_is_stored_and_shown_nowhere(
    engine_factory: EngineFactory, tmp_path: Path,
) -> None:
    with Hostile() as server:
        _queue(server, status=_echoing(server),
               result=_result(server, prompt=f"Authorization: Key {TEST_KEY}",
                              timings={"note": TEST_KEY}))
        engine, log = _engine(engine_factory, server, tmp_path)
        job = engine.submit(GenerationRequest(prompt="echo", **SMALL))
        final = log.wait_final(job)
        engine.shutdown()
    assert isinstance(final, ev.Completed), final
    shown = " ".join(line for e in log.of(job) if isinstance(e, ev.Running) for line in e.logs)
    assert REDACTED in shown
    assert TEST_KEY not in shown
    for path in (tmp_path / "data").rglob("*"):
        if path.is_file():
            assert _no_key(path.read_bytes()), path
    reader = _reader(tmp_path)
    record = reader.get(job)
    reader.close()
    assert record is not None
    assert record.result_json is not None
    assert REDACTED in record.result_json


def test_a_key_echoed_in_an_error_is_not_printed_by_the_cli(tmp_path: Path) -> None:
    with Hostile() as server:
        _queue(server, status=_echoing(server), result=_json({"detail": [
            {"loc": ["body", "prompt"], "msg": f"bad key {TEST_KEY}", "type": "value_error"}]}))
        server.routes[next(iter(p for p in server.routes if p.endswith(REQUEST_ID)))] = body(
            json.dumps({"detail": f"Authorization: Key {TEST_KEY} refused"}).encode(), code=422)
        data = tmp_path / "data"
        done = run_cli(tmp_path, "generate", "--prompt", "echo", "--no-stream",
                       "--queue-url", server.base_url, "--data-dir", str(data), key=TEST_KEY)
    assert done.returncode != 0
    assert "refused" in done.stderr
    assert _no_key((done.stdout + done.stderr).encode()), done.stderr
    for path in data.rglob("*"):
        if path.is_file():
            assert _no_key(path.read_bytes()), path


# ---- answers httpx refuses ----------------------------------------------------------------


@pytest.mark.parametrize(("route", "message"), [
    (redirect("data:text/plain;base64,AAAA"), "redirected to an invalid URL"),
    (body(b"\x1f\x8b\x08 garbage", headers={"Content-Encoding": "gzip"}), "DecodingError"),
], ids=["invalid-redirect", "garbage-gzip"])
def test_a_status_httpx_cannot_read_is_a_typed_failure(
    engine_factory: EngineFactory, tmp_path: Path, route: Route, message: str,
) -> None:
    with Hostile() as server:
        _queue(server, status=route)
        engine, log = _engine(engine_factory, server, tmp_path)
        job = engine.submit(GenerationRequest(prompt="unreadable", **SMALL))
        final = log.wait_final(job)
    assert isinstance(final, ev.Failed)
    assert final.kind != "BugError"
    assert message in final.reason


# ---- time ---------------------------------------------------------------------------------


def _state(tmp_path: Path, job: str) -> tuple[str, str | None, str | None, int]:
    reader = _reader(tmp_path)
    record = reader.get(job)
    reader.close()
    assert record is not None
    return record.state.value, record.error_type, record.request_id, len(record.images)


def test_a_status_in_progress_forever_meets_the_job_deadline_and_can_be_fetched_later(
    engine_factory: EngineFactory, tmp_path: Path,
) -> None:
    done = {"value": False}

    def status(handler: Any) -> None:
        _status("COMPLETED" if done["value"] else "IN_PROGRESS")(handler)

    with Hostile() as server:
        _queue(server, status=status)
        cancel = request_urls(server.base_url, REQUEST_ID)["cancel_url"]
        server.routes[cancel.removeprefix(server.base_url)] = _json(
            {"status": "CANCELLATION_REQUESTED"})
        engine, log = _engine(engine_factory, server, tmp_path, job_deadline=1.0)
        job = engine.submit(GenerationRequest(prompt="never ends", **SMALL))
        final = log.wait_final(job)
        assert isinstance(final, ev.Failed)
        assert final.kind == "DeadlineExceeded"
        assert "did not finish this generation within 1 s" in final.reason
        assert "Re-download" in final.reason
        assert ("PUT", cancel.removeprefix(server.base_url)) in [
            (m, p) for m, p, _h in server.seen]
        assert _state(tmp_path, job) == ("failed", "deadline", REQUEST_ID, 0)

        done["value"] = True  # fal finished it anyway: Re-download fetches it, no new submit
        engine.redownload(job)
        restored = log.wait_for(job, ev.FilesRestored)
        submits = server.paths().count(f"/{ENDPOINT_ID}")
    assert isinstance(restored, ev.FilesRestored)
    assert (restored.restored, restored.error) == (1, "")
    assert _state(tmp_path, job) == ("completed", None, REQUEST_ID, 1)
    assert submits == 1


def test_a_stalled_download_keeps_the_paid_result_for_re_download(
    engine_factory: EngineFactory, tmp_path: Path,
) -> None:
    data = _png()
    slow = {"value": True}
    trickle = streamed(lambda: trickled(data, 0.2), "image/png", length=len(data))

    def media(handler: Any) -> None:
        (trickle if slow["value"] else body(data, "image/png"))(handler)

    with Hostile() as server:
        _queue(server, status=_status())
        server.routes["/media/a.png"] = media
        engine, log = _engine(engine_factory, server, tmp_path,
                              download_pace=Pace(deadline=30.0, window=0.5, floor=64))
        job = engine.submit(GenerationRequest(prompt="slow media", **SMALL))
        final = log.wait_final(job)
        assert isinstance(final, ev.Failed)
        assert final.kind == "PaidNotDownloaded"
        assert "stalled" in final.reason
        assert "Re-download" in final.reason
        assert _state(tmp_path, job) == ("failed", "not_downloaded", REQUEST_ID, 0)
        assert not [p for p in (tmp_path / "data" / "images").rglob("*") if p.is_file()]

        slow["value"] = False
        engine.redownload(job)
        restored = log.wait_for(job, ev.FilesRestored)
        submits = server.paths().count(f"/{ENDPOINT_ID}")
    assert isinstance(restored, ev.FilesRestored)
    assert (restored.restored, restored.error) == (1, "")
    completed = [e for e in log.of(job) if isinstance(e, ev.Completed)]
    assert len(completed) == 1
    assert Path(completed[0].image_paths[0]).read_bytes()[:8] == data[:8]
    assert _state(tmp_path, job) == ("completed", None, REQUEST_ID, 1)
    assert submits == 1


def test_a_submit_answer_trickled_in_meets_the_submit_deadline(
    engine_factory: EngineFactory, tmp_path: Path,
) -> None:
    with Hostile() as server:
        _queue(server, status=_status())
        urls = request_urls(server.base_url, REQUEST_ID)
        answer = json.dumps({"request_id": REQUEST_ID, **{
            k: urls[k] for k in ("response_url", "status_url", "cancel_url")}}).encode()
        server.routes[f"/{ENDPOINT_ID}"] = streamed(lambda: trickled(answer, 0.2),
                                                    length=len(answer))
        engine, log = _engine(engine_factory, server, tmp_path, submit_deadline=1.0)
        job = engine.submit(GenerationRequest(prompt="slow answer", **SMALL))
        final = log.wait_final(job, timeout=15)
        submits = server.paths().count(f"/{ENDPOINT_ID}")
    assert isinstance(final, ev.Failed)
    assert final.kind == "SubmissionUnknown"  # it may have been queued: never re-sent
    assert "did not arrive within 1 s" in final.reason
    assert submits == 1
    assert _state(tmp_path, job)[0] == "unknown"


def test_the_cli_fetches_a_paid_result_again_without_a_new_submit(tmp_path: Path) -> None:
    with Hostile() as server:
        _queue(server, status=_status())
        server.routes["/media/a.png"] = body(b'{"detail": "gone"}', code=404)
        data = tmp_path / "data"
        common = ("--queue-url", server.base_url, "--data-dir", str(data))
        failed = run_cli(tmp_path, "generate", "--prompt", "paid", "--no-stream", *common,
                         key=TEST_KEY)
        job = json.loads(failed.stdout)["id"]
        server.routes["/media/a.png"] = body(_png(), "image/png")
        again = run_cli(tmp_path, "redownload", job[:10], *common, key=TEST_KEY)
        submits = server.paths().count(f"/{ENDPOINT_ID}")
    assert failed.returncode == 1
    assert "no longer available" in failed.stderr
    assert f"qwenimg-desktop redownload {job[:12]}" in failed.stderr
    assert again.returncode == 0, again.stderr
    assert "re-downloaded 1 image(s)" in again.stderr
    record = json.loads(again.stdout)
    assert record["state"] == "completed"
    assert len(record["images"]) == 1
    assert Path(record["images"][0]).is_file()
    assert submits == 1


def test_a_queue_answer_trickled_in_meets_the_call_deadline() -> None:
    answer = json.dumps({"status": "CANCELLATION_REQUESTED"}).encode()
    with Hostile() as server:
        cancel = request_urls(server.base_url, REQUEST_ID)["cancel_url"]
        server.routes[cancel.removeprefix(server.base_url)] = streamed(
            lambda: trickled(answer, 0.2), length=len(answer))
        client = QueueClient(server.base_url, key=fixed_key(TEST_KEY),
                             retry=RetryPolicy(max_attempts=2, base_delay=0.01),
                             call_deadline=0.5)

        async def cancel_it() -> object:
            try:
                return await client.cancel(REQUEST_ID)
            finally:
                await client.aclose()

        started = time.monotonic()
        with pytest.raises(NetworkError, match=r"did not arrive within 0\.5 s"):
            run(cancel_it())
        assert time.monotonic() - started < 5.0
        assert len(server.paths()) == 2  # a GET-like call: retried once, then a clear error


def test_an_upload_answer_over_its_limit_is_refused_with_a_message() -> None:
    with Hostile() as server:
        server.routes[INITIATE_PATH] = streamed(lambda: _big_status(MAX_STATUS_BYTES + 1))
        uploader = StorageUploader(server.base_url, key=fixed_key(TEST_KEY), retry=FAST_RETRY)

        async def upload() -> str:
            try:
                return await uploader.upload(_png(), content_type="image/png", file_name="a.png")
            finally:
                await uploader.aclose()

        with pytest.raises(UploadFailed, match="upload answer is larger than"):
            run(upload())


def test_an_image_carrying_the_key_in_its_metadata_is_not_kept(
    engine_factory: EngineFactory, tmp_path: Path,
) -> None:
    info = PngInfo()
    info.add_text("Comment", f"request headers: Authorization: Key {TEST_KEY}")
    buf = io.BytesIO()
    Image.new("RGB", (32, 32), (9, 9, 9)).save(buf, "PNG", pnginfo=info)
    with Hostile() as server:
        _queue(server, status=_status())
        server.routes["/media/a.png"] = body(buf.getvalue(), "image/png")
        engine, log = _engine(engine_factory, server, tmp_path)
        job = engine.submit(GenerationRequest(prompt="key in the file", **SMALL))
        final = log.wait_final(job)
        engine.shutdown()
    assert isinstance(final, ev.Failed)
    assert final.kind == "PaidNotDownloaded"
    assert "contains your API key" in final.reason
    for path in (tmp_path / "data").rglob("*"):
        if path.is_file():
            assert _no_key(path.read_bytes()), path


def test_a_log_lines_level_and_timestamp_are_stored_cut(
    engine_factory: EngineFactory, tmp_path: Path,
) -> None:
    huge, stamp_in = "L" * (MAX_STATUS_BYTES // 3), "T" * (MAX_STATUS_BYTES // 3)
    states = iter([_status("IN_PROGRESS",
                           [{"message": "m", "level": huge, "timestamp": stamp_in}])])

    def status(handler: Any) -> None:
        next(states, _status())(handler)

    with Hostile() as server:
        _queue(server, status=status)
        engine, log = _engine(engine_factory, server, tmp_path)
        job = engine.submit(GenerationRequest(prompt="odd fields", **SMALL))
        final = log.wait_final(job)
    assert isinstance(final, ev.Completed), final
    reader = _reader(tmp_path)
    ((message, level, stamp),) = reader.logs(job)
    reader.close()
    assert (message, level, stamp) == (
        "m", huge[:MAX_LOG_FIELD_CHARS], stamp_in[:MAX_LOG_FIELD_CHARS])
    # Nowhere else either: no longer run of either field is in the journal or its WAL (a bound
    # on the file size would also count the schema, which grows with every migration).
    stored = b"".join(p.read_bytes() for p in (tmp_path / "data").glob("history.sqlite3*"))
    for char in (b"L", b"T"):
        assert char * (MAX_LOG_FIELD_CHARS + 1) not in stored


def test_a_huge_failure_reason_is_stored_and_shown_cut(
    engine_factory: EngineFactory, tmp_path: Path,
) -> None:
    reason = "E" * (MAX_STATUS_BYTES // 2)
    with Hostile() as server:
        _queue(server, status=_json({"status": "COMPLETED", "error": reason,
                                     "error_type": "runner_server_error"}))
        engine, log = _engine(engine_factory, server, tmp_path)
        job = engine.submit(GenerationRequest(prompt="long reason", **SMALL))
        final = log.wait_final(job)
    assert isinstance(final, ev.Failed)
    assert len(final.reason) < MAX_MESSAGE_CHARS + 100
    assert final.reason.endswith(f"[cut: the message had {len(reason):,} characters]")
    reader = _reader(tmp_path)
    record = reader.get(job)
    reader.close()
    assert record is not None
    assert record.error == final.reason


def test_numbers_too_large_to_store_are_dropped_not_an_internal_error(
    engine_factory: EngineFactory, tmp_path: Path,
) -> None:
    huge = 10**30
    states = iter([_json({"status": "IN_QUEUE", "queue_position": huge})])

    def status(handler: Any) -> None:
        next(states, _status())(handler)

    with Hostile() as server:
        url = f"{server.base_url}/media/a.png"
        _queue(server, status=status, result=_json({"seed": huge, "images": [
            {"url": url, "content_type": "image/png", "file_size": huge, "width": -huge}]}))
        engine, log = _engine(engine_factory, server, tmp_path)
        job = engine.submit(GenerationRequest(prompt="big numbers", seed=5, **SMALL))
        final = log.wait_final(job)
    assert isinstance(final, ev.Completed), final
    assert final.seed == 5  # the server's seed could not be stored: the requested one is kept
    queued = [e for e in log.of(job) if isinstance(e, ev.Queued)]
    assert [e.position for e in queued] == [None]


def test_text_that_is_not_valid_unicode_is_stored_replaced(
    engine_factory: EngineFactory, tmp_path: Path,
) -> None:
    raw = (b'{"status": "IN_PROGRESS", "logs": [{"message": "half \\ud800 a pair",'
           b' "level": "\\udfff"}]}')
    states = iter([body(raw)])

    def status(handler: Any) -> None:
        next(states, _status())(handler)

    with Hostile() as server:
        _queue(server, status=status, result=_result(server, prompt="\udc80"))
        engine, log = _engine(engine_factory, server, tmp_path)
        job = engine.submit(GenerationRequest(prompt="lone surrogates", **SMALL))
        final = log.wait_final(job)
    assert isinstance(final, ev.Completed), final
    reader = _reader(tmp_path)
    ((message, level, _ts),) = reader.logs(job)
    reader.close()
    assert (message, level) == ("half ? a pair", "?")


def test_a_compressed_status_that_expands_past_its_limit_is_refused(
    engine_factory: EngineFactory, tmp_path: Path,
) -> None:
    """A gzip bomb: ~100 KB on the wire, 96 MiB once decoded; the limit counts decoded bytes."""
    packer = zlib.compressobj(9, zlib.DEFLATED, 31)  # 31: the gzip container
    bomb = packer.compress(HEAD) + packer.compress(b"x" * (96 * 1024 * 1024)) + packer.flush()
    assert len(bomb) < 200_000
    with Hostile() as server:
        _queue(server, status=body(bomb, headers={"Content-Encoding": "gzip"}))
        engine, log = _engine(engine_factory, server, tmp_path)
        job = engine.submit(GenerationRequest(prompt="gzip bomb", **SMALL))
        final = log.wait_final(job)
    assert isinstance(final, ev.Failed)
    assert final.kind == "ResponseTooLarge"
    assert f"larger than the {MAX_STATUS_BYTES:,}-byte limit" in final.reason
