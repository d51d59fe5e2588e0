"""Edits end to end against the emulator over loopback: uploads through fal storage (the PUT
without the key), the result composed from the references, the same bytes uploaded once, upload
faults ending typed with nothing sent twice, and a kill between upload and submit."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest
from PIL import Image

from qwenimg_desktop.core.edit_request import EditRequest, Reference
from qwenimg_desktop.core.endpoints import build_request
from qwenimg_desktop.core.fal.credentials import fixed_key
from qwenimg_desktop.core.fal.storage import StorageUploader
from qwenimg_desktop.core.jobs import events as ev
from qwenimg_desktop.core.references import make_reference
from qwenimg_desktop.core.store.files import DataLayout
from qwenimg_desktop.core.store.history import HistoryStore
from qwenimg_desktop.core.store.queries import HistoryQuery
from qwenimg_desktop.core.store.reference_files import keep_reference
from qwenimg_desktop.emulator.server import EmulatorServer
from tests.core.conftest import EngineFactory
from tests.core.helpers import TEST_KEY, run
from tests.endpoints.images import image_file
from tests.fixtures.emulator import EmulatorFactory

RED = (220, 30, 30)
BLUE = (30, 30, 220)
ROOT = Path(__file__).resolve().parents[2]


def _refs(layout: DataLayout, *colours: tuple[int, int, int]) -> list[Reference]:
    layout.ensure()
    refs = []
    for n, colour in enumerate(colours):
        data = image_file("PNG", (640, 640), colour=colour)
        ref = make_reference(data, f"ref{n}.png")
        keep_reference(layout, ref, data)
        refs.append(ref)
    return refs


def _edit(endpoint_id: str, refs: list[Reference], **more: Any) -> EditRequest:
    request = build_request(endpoint_id, {"prompt": "swap the colours", "references": refs,
                                          "image_size": "square", **more})
    assert isinstance(request, EditRequest)
    return request


def _pixel(image: Image.Image, x: int, y: int) -> tuple[int, int, int]:
    value = image.getpixel((x, y))
    assert isinstance(value, tuple)
    return value[0], value[1], value[2]


def _routes(server: EmulatorServer) -> dict[str, list[dict[str, Any]]]:
    log = server.requests()
    return {kind: [r for r in log if r["route"] == kind]
            for kind in ("upload_initiate", "upload_put", "submit")}


@pytest.mark.parametrize("endpoint_id", ["fal-ai/qwen-image-2/pro/edit",
                                         "fal-ai/qwen-image-2/edit"])
def test_each_edit_endpoint_end_to_end(
    endpoint_id: str, emulator: EmulatorServer, engine_factory: EngineFactory, tmp_path: Path,
) -> None:
    engine, log = engine_factory(emulator.base_url, root=tmp_path / "data",
                                 make_thumbnails=False)
    refs = _refs(DataLayout(tmp_path / "data"), RED, BLUE)
    job_id = engine.submit(_edit(endpoint_id, refs))
    final = log.wait_final(job_id)
    assert isinstance(final, ev.Completed), final
    routes = _routes(emulator)
    assert len(routes["upload_initiate"]) == 2
    assert all(r["headers"].get("authorization") == "Key [present]"
               for r in routes["upload_initiate"])
    assert len(routes["upload_put"]) == 2
    assert all("authorization" not in r["headers"] for r in routes["upload_put"])
    assert [r["target"].split("?")[0] for r in routes["submit"]] == [f"/{endpoint_id}"]
    assert engine.store is not None
    record = engine.store.get(job_id)
    assert record is not None
    assert isinstance(record.request, EditRequest)
    assert all(ref.url for ref in record.request.references)  # journalled with the job
    assert [link.sha256 for link in engine.store.made_from(job_id)] == [r.sha256 for r in refs]
    with Image.open(engine.layout.absolute(record.images[0].path)) as image:
        rgb = image.convert("RGB")
        left = _pixel(rgb, rgb.width // 4, rgb.height // 2)
        right = _pixel(rgb, 3 * rgb.width // 4, rgb.height // 2)
    assert left[0] > left[2] + 60, left  # image 1 (red) on the left
    assert right[2] > right[0] + 60, right  # image 2 (blue) on the right


def test_the_same_bytes_are_uploaded_once(
    emulator: EmulatorServer, engine_factory: EngineFactory, tmp_path: Path,
) -> None:
    engine, log = engine_factory(emulator.base_url, root=tmp_path / "data",
                                 make_thumbnails=False)
    refs = _refs(DataLayout(tmp_path / "data"), RED)
    first = engine.submit(_edit("fal-ai/qwen-image-2/pro/edit", refs))
    assert isinstance(log.wait_final(first), ev.Completed)
    second = engine.submit(_edit("fal-ai/qwen-image-2/edit", refs, num_images=2))
    assert isinstance(log.wait_final(second), ev.Completed)
    routes = _routes(emulator)
    assert (len(routes["upload_put"]), len(routes["submit"])) == (1, 2)


@pytest.mark.parametrize(("faults", "initiates", "puts", "submits", "outcome"), [
    ({"rate_limit": {"next_n": 1, "routes": ["upload_initiate"], "retry_after": 0}},
     2, 1, 1, ev.Completed),
    ({"server_error": {"next_n": 2, "routes": ["upload_initiate"], "status": 503}},
     3, 1, 1, ev.Completed),
    ({"server_error": {"probability": 1.0, "routes": ["upload_initiate"], "status": 503}},
     4, 0, 0, "UploadFailed"),
    ({"server_error": {"next_n": 1, "routes": ["upload_initiate"], "status": 500,
                       "ingress": False}}, 1, 0, 0, "UploadFailed"),
    ({"upload_link_expired": {"next_n": 1}}, 1, 1, 0, "UploadFailed"),
    ({"input_gone": {"next_n": 1}}, 1, 1, 1, "ValidationFailed"),
], ids=["initiate-429-once", "initiate-503-twice", "initiate-503-always", "initiate-500",
        "put-403", "input-gone-by-run-time"])
def test_upload_faults_end_typed_with_nothing_sent_twice(
    faults: dict[str, Any], initiates: int, puts: int, submits: int, outcome: Any,
    emulator_factory: EmulatorFactory, engine_factory: EngineFactory, tmp_path: Path,
) -> None:
    server = emulator_factory(faults)
    engine, log = engine_factory(server.base_url, root=tmp_path / "data", make_thumbnails=False)
    refs = _refs(DataLayout(tmp_path / "data"), RED)
    job_id = engine.submit(_edit("fal-ai/qwen-image-2/pro/edit", refs))
    final = log.wait_final(job_id)
    if outcome is ev.Completed:
        assert isinstance(final, ev.Completed), final
    else:
        assert isinstance(final, ev.Failed), final
        assert final.kind == outcome, final
        assert final.reason
    if outcome == "ValidationFailed":  # fal lost the file: the next edit uploads it afresh
        assert engine.store is not None
        assert engine.store.fresh_upload(refs[0].sha256) is None
    routes = _routes(server)
    counts = (len(routes["upload_initiate"]), len(routes["upload_put"]), len(routes["submit"]))
    assert counts == (initiates, puts, submits)


def test_kill_between_upload_and_submit_then_restart_uploads_once_and_submits_once(
    emulator: EmulatorServer, engine_factory: EngineFactory, tmp_path: Path,
) -> None:
    image = tmp_path / "ref.png"
    image.write_bytes(image_file("PNG", (640, 640), colour=RED))
    root = tmp_path / "data"
    done = subprocess.run(
        [sys.executable, "-m", "tests.endpoints.kill_between", emulator.base_url, str(root),
         str(image)], cwd=ROOT, capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == -9, done.stderr[-2000:]
    assert "killed" in done.stdout
    assert (len(_routes(emulator)["upload_put"]), len(_routes(emulator)["submit"])) == (1, 0)
    engine, log = engine_factory(emulator.base_url, root=root, make_thumbnails=False)
    assert engine.store is not None
    (job_id,) = [job for _, job in engine.store.query_keys(HistoryQuery())]
    final = log.wait_final(job_id)
    assert isinstance(final, ev.Completed), final
    routes = _routes(emulator)
    assert (len(routes["upload_initiate"]), len(routes["upload_put"]),
            len(routes["submit"])) == (1, 1, 1)



def test_the_cli_edits_with_images_through_the_same_checks_and_history(
    emulator: EmulatorServer, tmp_path: Path,
) -> None:
    import json

    from tests.core.cli_proc import run_cli
    from tests.core.helpers import TEST_KEY

    first, second = tmp_path / "red.png", tmp_path / "clear.png"
    first.write_bytes(image_file("PNG", (640, 640), colour=RED))
    second.write_bytes(image_file("PNG", (640, 640), "RGBA", (30, 30, 220, 120)))
    data = tmp_path / "data"
    done = run_cli(tmp_path, "generate", "--prompt", "image 2's colour on image 1",
                   "--endpoint", "fal-ai/qwen-image-2/edit", "--image", str(first),
                   "--image", str(second), "--fix-images", "--queue-url", emulator.base_url,
                   "--data-dir", str(data), key=TEST_KEY)
    assert done.returncode == 0, done.stderr[-2000:]
    out = json.loads(done.stdout)
    assert out["state"] == "completed"
    assert out["endpoint"] == "fal-ai/qwen-image-2/edit"
    routes = _routes(emulator)
    assert (len(routes["upload_put"]), len(routes["submit"])) == (2, 1)
    with HistoryStore.open(DataLayout(data), readonly=True) as store:
        record = store.get(out["id"])
        assert record is not None
        assert isinstance(record.request, EditRequest)
        assert [r.file_name for r in record.request.references] == ["red.png", "clear.png"]
        assert len(store.made_from(record.id)) == 2


@pytest.mark.parametrize(("cap", "status"), [(10 * 1024 * 1024, 200), (100, 422)],
                         ids=["within-cap", "over-the-switched-cap"])
def test_the_emulator_reads_data_uris_up_to_its_cap(
    cap: int, status: int, emulator_factory: EmulatorFactory,
) -> None:
    import base64
    import time

    import httpx

    server = emulator_factory({"data_uri_cap": cap})
    uri = "data:image/png;base64," + base64.b64encode(image_file("PNG", (400, 400))).decode()
    auth = {"Authorization": "Key test-id:test-secret"}
    with httpx.Client(base_url=server.base_url, headers=auth, timeout=10) as client:
        submitted = client.post("/fal-ai/qwen-image-2/pro/edit",
                                json={"prompt": "from a data URI", "image_urls": [uri]})
        assert submitted.status_code == 200
        status_url = submitted.json()["status_url"]
        deadline = time.monotonic() + 10
        while client.get(status_url).json()["status"] != "COMPLETED":
            assert time.monotonic() < deadline
            time.sleep(0.02)
        result = client.get(submitted.json()["response_url"])
    assert result.status_code == status, result.text
    if status == 422:
        assert result.json()["detail"][0]["loc"] == ["body", "image_urls", 0]
    else:
        assert (result.json()["images"][0]["width"], result.json()["images"][0]["height"]) \
            == (512, 512)  # the last input's size (400²) brought up to 512² pixels


def test_a_10_mb_reference_goes_out_whole_in_few_large_writes(emulator: EmulatorServer) -> None:
    """Each chunk of the PUT's body is a slice, an await and a write of its own: in 64 KiB
    chunks a 10 MB reference took ~30 % more CPU than one httpx PUT of the same bytes
    (benchmarks/upload.py); in 1 MiB chunks the same, and progress still moves every 10 %."""
    data = os.urandom(10 * 1024 * 1024)
    reports: list[int] = []
    uploader = StorageUploader(emulator.base_url, key=fixed_key(TEST_KEY))

    async def upload() -> str:
        try:
            return await uploader.upload(data, content_type="image/png", file_name="big.png",
                                         on_progress=lambda sent, _total: reports.append(sent))
        finally:
            await uploader.aclose()

    file_url = run(upload())
    assert httpx.get(file_url, timeout=30).content == data
    assert reports[-1] == len(data)
    assert reports == sorted(reports)
    assert len(reports) <= 11  # one report per chunk written: at most ~10 writes
