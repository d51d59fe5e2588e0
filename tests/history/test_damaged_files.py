"""An image file replaced behind the app's back is seen as damaged, Re-download is offered while
fal keeps the result, and re-download replaces the bad file (real emulator, real files)."""

from __future__ import annotations

import asyncio
import hashlib
import os

import pytest
from pytestqt.qtbot import QtBot

from qwenimg_desktop.core.fal.client import QueueClient
from qwenimg_desktop.core.fal.credentials import fixed_key
from qwenimg_desktop.core.fal.download import Downloader
from qwenimg_desktop.core.params import GenerationRequest
from qwenimg_desktop.core.store.consistency import check_files
from qwenimg_desktop.core.store.history import HistoryStore
from qwenimg_desktop.core.store.redownload import redownload_missing
from qwenimg_desktop.emulator.server import EmulatorServer
from qwenimg_desktop.ui.history.view import HistoryBrowser
from tests.core.helpers import FAST_RETRY, TEST_KEY
from tests.history.conftest import JobMaker, open_detail
from tests.history.test_redownload import _completed_job_without_files, _generate


def _garbage(size: int) -> bytes:
    return (b"not an image, written by something else " * (size // 40 + 1))[:size]


def test_a_damaged_file_is_found_and_re_download_replaces_it(
    emulator: EmulatorServer, history_store: HistoryStore,
) -> None:
    store = history_store  # the real clock: the job is recent, so fal still keeps its result
    request = GenerationRequest(prompt="a fox", seed=3, num_images=2, image_size="square")

    async def scenario() -> None:
        client = QueueClient(emulator.base_url, key=fixed_key(TEST_KEY), retry=FAST_RETRY)
        downloader = Downloader(retry=FAST_RETRY)
        try:
            request_id = await _generate(client, request)
            job = _completed_job_without_files(store, request, request_id)
            await redownload_missing(store, client, downloader, job)
            record = store.get(job)
            assert record is not None
            good = [store.layout.absolute(im.path).read_bytes() for im in record.images]
            first, second = (store.layout.absolute(im.path) for im in record.images)
            # Image 1: other bytes, other size. Image 2: other bytes, the same size.
            first.write_bytes(_garbage(len(good[0]) // 2))
            second.write_bytes(_garbage(len(good[1])))
            report = check_files(store)
            # The start-up check compares sizes only (cheap): the first image is found.
            assert (report.missing_files, report.damaged_files) == (1, 1)
            assert dict(report.missing_jobs) == {job: True}
            fixed = await redownload_missing(store, client, downloader, job)
            assert sorted(im.index for im in fixed) == [0, 1]  # the sha256 finds the second
            assert [p.read_bytes() for p in (first, second)] == good
            again = store.get(job)
            assert again is not None
            for image, data in zip(again.images, good, strict=True):
                assert image.sha256 == hashlib.sha256(data).hexdigest()
            assert check_files(store).clean
            leftovers = [p for p in first.parent.iterdir() if p.name.startswith(".")]
            assert leftovers == []  # written beside and renamed over: no temp file is left
            assert await redownload_missing(store, client, downloader, job) == []
        finally:
            await client.aclose()
            await downloader.aclose()

    asyncio.run(scenario())


@pytest.fixture
def store(history_store: HistoryStore) -> HistoryStore:
    """The real clock for this module's History browser (conftest's ``browser``), not the
    conftest's fixed 2023 one: these jobs are recent, so fal still keeps their results."""
    return history_store


@pytest.mark.gui
def test_the_detail_pane_offers_re_download_for_a_file_that_no_longer_decodes(
    browser: HistoryBrowser, make_job: JobMaker, history_store: HistoryStore, qtbot: QtBot,
) -> None:
    job = make_job("a recent cat")  # created now: fal still keeps its result
    record = history_store.get(job)
    assert record is not None
    path = history_store.layout.absolute(record.images[0].path)
    path.write_bytes(_garbage(path.stat().st_size))  # same size: only decoding tells
    seen: list[str] = []
    browser.message.connect(seen.append)
    asked: list[str] = []
    browser.redownload_requested.connect(asked.append)
    open_detail(qtbot, browser, job)
    button = browser.detail.button("redownload")
    qtbot.waitUntil(lambda: not button.isHidden(), timeout=5000)
    assert button.isEnabled()
    assert browser.detail.image_label.text().startswith("unreadable (damaged)")
    assert any("damaged; Re-download fetches it again" in text for text in seen), seen
    assert browser.model.is_missing(job)  # the tile gets the badge too
    button.click()
    assert asked == [job]


@pytest.mark.gui
def test_no_re_download_is_offered_once_fal_no_longer_keeps_the_result(
    browser: HistoryBrowser, make_job: JobMaker, history_store: HistoryStore, qtbot: QtBot,
) -> None:
    job = make_job("an old cat")
    with history_store._writing() as conn:  # age the row by 30 days
        conn.execute("UPDATE jobs SET created_at = created_at - 30 * 86400 WHERE id = ?", (job,))
    record = history_store.get(job)
    assert record is not None
    path = history_store.layout.absolute(record.images[0].path)
    path.write_bytes(_garbage(path.stat().st_size))
    seen: list[str] = []
    browser.message.connect(seen.append)
    open_detail(qtbot, browser, job)
    qtbot.waitUntil(lambda: any("damaged" in text for text in seen), timeout=5000)
    assert "cannot be fetched again" in seen[-1]
    assert browser.detail.button("redownload").isHidden()
    assert os.path.getsize(path) > 0  # nothing was deleted
