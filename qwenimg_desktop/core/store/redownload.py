"""Fetching a job's missing images again: by its fal request id, restoring every file that is
missing or not intact (size and sha256 as recorded), a damaged one replaced atomically.

Run in the engine's process (asyncio, the metadata writer): the window's History tab imports
``store.consistency``, which checks the files, and none of this.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
from pathlib import Path
from typing import TYPE_CHECKING

from qwenimg_desktop.core.errors import DownloadError, UserError
from qwenimg_desktop.core.fal.limits import result_limit
from qwenimg_desktop.core.store.consistency import is_intact
from qwenimg_desktop.core.store.files import DataLayout
from qwenimg_desktop.core.store.metadata import EmbeddedMeta, MetadataError, embed_file
from qwenimg_desktop.core.store.records import ImageRecord, JobRecord
from qwenimg_desktop.core.store.thumbnails import make_thumbnail

if TYPE_CHECKING:  # httpx is heavy: loaded where a transfer runs
    from qwenimg_desktop.core.fal.client import QueueClient
    from qwenimg_desktop.core.fal.download import Downloader
    from qwenimg_desktop.core.store.history import HistoryStore

log = logging.getLogger("qwenimg.store.redownload")


async def redownload_missing(
    store: HistoryStore, client: QueueClient, downloader: Downloader, job_id: str,
) -> list[ImageRecord]:
    """Fetch the result of ``job_id`` again by request id and download its missing images.

    Each new file gets its metadata embedded and a thumbnail; the image rows are updated.
    Store calls block briefly, so they run in a worker thread.

    Raises:
        DownloadError: the job has no request id, or fal no longer has the result or media.
        FalError: the queue refused (key rejected, network, ...).
    """
    record = await asyncio.to_thread(store.get, job_id)
    if record is None or not record.request_id:
        raise DownloadError("This generation has no fal request id, so it cannot be fetched again.")
    sync_mode = record.request is not None and record.request.sync_mode
    result = await client.result(record.request_id, limit=result_limit(sync_mode))
    layout = store.layout
    fixed: list[ImageRecord] = []
    for image in record.images:
        dest = layout.absolute(image.path)
        intact = await asyncio.to_thread(is_intact, layout, image)
        if intact or image.index >= len(result.images):
            continue
        file = result.images[image.index]
        got = await downloader.fetch(file.url, dest, content_type=file.content_type,
                                     fallback_format=image.format or "png")
        size, digest = await asyncio.to_thread(_finish_file, record, image, got.path, got.format,
                                               layout)
        fixed.append(ImageRecord(
            index=image.index, path=image.path, width=got.width, height=got.height,
            format=got.format, size_bytes=size, sha256=digest, thumb_path=image.thumb_path,
            source_url=image.source_url,
        ))
    if fixed:
        await asyncio.to_thread(store.replace_images, job_id, fixed)
    return fixed


def _finish_file(record: JobRecord, image: ImageRecord, path: Path, fmt: str,
                 layout: DataLayout) -> tuple[int, str]:
    size, digest = path.stat().st_size, ""
    if record.request is not None:
        meta = EmbeddedMeta(request=record.request, seed=record.seed,
                            request_id=record.request_id, job_id=record.id)
        try:
            size, digest = embed_file(path, fmt, meta)
        except MetadataError:
            log.warning("could not embed metadata into %s", path, exc_info=True)
    if not digest:
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
    if image.thumb_path:
        with contextlib.suppress(UserError, OSError):
            make_thumbnail(path, layout.absolute(image.thumb_path))
    return size, digest
