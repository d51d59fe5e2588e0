"""Re-download of missing images by request id, against the real loopback emulator."""

from __future__ import annotations

import asyncio

import pytest

from qwenimg_desktop.core.errors import DownloadError
from qwenimg_desktop.core.fal.client import QueueClient
from qwenimg_desktop.core.fal.credentials import fixed_key
from qwenimg_desktop.core.fal.download import Downloader
from qwenimg_desktop.core.fal.protocol import QueueStatus
from qwenimg_desktop.core.params import GenerationRequest
from qwenimg_desktop.core.store.consistency import check_files
from qwenimg_desktop.core.store.history import HistoryStore, ImageRecord
from qwenimg_desktop.core.store.metadata import read_metadata
from qwenimg_desktop.core.store.redownload import redownload_missing
from qwenimg_desktop.emulator.server import EmulatorServer
from tests.core.helpers import FAST_RETRY, TEST_KEY


async def _generate(client: QueueClient, request: GenerationRequest) -> str:
    async def ignore(_: QueueStatus) -> None:
        return None

    sub = await client.submit(request)
    await client.watch(sub.request_id, ignore, use_stream=False, poll_interval=0.02)
    return sub.request_id


def _completed_job_without_files(store: HistoryStore, request: GenerationRequest,
                                 request_id: str) -> str:
    job = store.create_pending(request, queue_base="q", cost_estimate=0.15)
    store.mark_sending(job)
    store.mark_submitted(job, request_id=request_id, status_url=None, response_url=None,
                         cancel_url=None, queue_position=None)
    store.mark_fetching(job, result_json=None, seed=request.seed, metrics_json=None)
    layout = store.layout
    store.complete(job, [
        ImageRecord(index=i, path=layout.relative(layout.image_path(job, i, "png")), width=1,
                    height=1, format="png", size_bytes=1, sha256="",
                    thumb_path=layout.relative(layout.thumb_path(job, i)))
        for i in range(request.num_images)
    ])
    return job


def test_missing_images_come_back_with_metadata(emulator: EmulatorServer,
                                                store: HistoryStore) -> None:
    request = GenerationRequest(prompt="一只狐狸 in the snow", seed=11, num_images=2,
                                image_size="square")

    async def scenario() -> None:
        client = QueueClient(emulator.base_url, key=fixed_key(TEST_KEY), retry=FAST_RETRY)
        downloader = Downloader(retry=FAST_RETRY)
        try:
            request_id = await _generate(client, request)
            job = _completed_job_without_files(store, request, request_id)
            assert set(check_files(store).missing_jobs) == {job}
            fixed = await redownload_missing(store, client, downloader, job)
            assert [im.index for im in fixed] == [0, 1]
            assert check_files(store).clean
            record = store.get(job)
            assert record is not None
            image = record.images[1]
            path = store.layout.absolute(image.path)
            assert image.size_bytes == path.stat().st_size
            assert len(image.sha256) == 64
            meta = read_metadata(path)
            assert meta is not None
            assert meta.request_id == request_id
            assert meta.request.prompt == request.prompt
            assert await redownload_missing(store, client, downloader, job) == []  # nothing missing

            no_id = store.create_pending(request, queue_base="q", cost_estimate=0)
            store.fail(no_id, "never sent")
            with pytest.raises(DownloadError, match="no fal request id"):
                await redownload_missing(store, client, downloader, no_id)
        finally:
            await client.aclose()
            await downloader.aclose()

    asyncio.run(scenario())
