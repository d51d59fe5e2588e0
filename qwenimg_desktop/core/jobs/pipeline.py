"""The stages of one job on the engine loop: submit → watch → fetch → download → store.

Each stage writes the journal (on the single DB-writer executor) before it tells the UI, so a
crash at any point leaves a row that recovery can finish or honestly flag.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import hashlib
import json
import logging
from collections.abc import Awaitable, Callable, Sequence
from concurrent.futures import Executor, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

from qwenimg_desktop.core import heap
from qwenimg_desktop.core.edit_request import EditRequest
from qwenimg_desktop.core.errors import (
    AccountLocked,
    AppCrashed,
    BugError,
    DeadlineExceeded,
    DownloadError,
    DuplicateRequestId,
    FalError,
    NotFound,
    PaidNotDownloaded,
    QwenImgError,
    RequestCancelled,
    RequestFailed,
    SubmissionUnknown,
    ValidationFailed,
)
from qwenimg_desktop.core.fal.client import CancelOutcome, QueueClient
from qwenimg_desktop.core.fal.download import DownloadedImage, Downloader, verify_image
from qwenimg_desktop.core.fal.failures import is_cancelled, traceback_head, traceback_text
from qwenimg_desktop.core.fal.limits import (
    JOB_DEADLINE_S,
    MAX_LOG_FIELD_CHARS,
    MAX_LOG_LINE_CHARS,
    MAX_LOG_LINES_PER_JOB,
    SUBMIT_DEADLINE_S,
    result_limit,
)
from qwenimg_desktop.core.fal.protocol import (
    GenerationResult,
    LogEntry,
    QueueStatus,
    SubmitResponse,
    request_urls,
)
from qwenimg_desktop.core.fal.storage import StorageUploader
from qwenimg_desktop.core.jobs import events as ev
from qwenimg_desktop.core.jobs.model import ACCOUNT_LOCKED_WAIT, JobState
from qwenimg_desktop.core.params import GenerationRequest
from qwenimg_desktop.core.store.duplicates import thumbnail_with_hash
from qwenimg_desktop.core.store.files import IMAGE_EXTENSIONS, DataLayout
from qwenimg_desktop.core.store.history import HistoryStore, ImageRecord, JobRecord
from qwenimg_desktop.core.store.metadata import (
    EmbeddedMeta,
    MetadataError,
    embed_bytes,
    embed_file,
)
from qwenimg_desktop.core.store.reads import LogLine
from qwenimg_desktop.core.store.reference_files import read_reference
from qwenimg_desktop.core.threads import TrackedExecutor

log = logging.getLogger("qwenimg.jobs")
CANCEL_BUDGET_S = 10.0
"""How long a cancel sent after the job deadline may take."""
P = ParamSpec("P")
T = TypeVar("T")


# A job in these states has its result: a cancel is neither sent nor recorded any more.
_PAST_CANCEL: frozenset[JobState] = frozenset({JobState.fetching, JobState.completed})


@dataclass
class JobContext:
    """What the engine knows about one live job (engine-loop only)."""

    job_id: str
    request: GenerationRequest
    state: JobState
    request_id: str | None = None
    cancel_requested: bool = False
    queue_position: int | None = None
    seed: int | None = None
    # Log lines already stored, by (timestamp, message): fal's status holds a sliding window,
    # so a line is new because it was not seen, never because of where it sits.
    logs_seen: set[tuple[str | None, str]] = field(default_factory=set, repr=False)
    logs_stored: int = 0
    started: bool = False  # fal said IN_PROGRESS: a cancel may no longer spare the charge
    traceback: str | None = None  # an app crash's traceback, from the logs
    task: asyncio.Task[None] | None = field(default=None, repr=False)
    # Held while a PUT cancel is answered and its outcome recorded: the follower can see the
    # job end (cancelled) before that answer is read, and must record cancel_requested first.
    cancel_sending: asyncio.Lock = field(default_factory=asyncio.Lock, repr=False)

    def __post_init__(self) -> None:
        self.started = self.state in {JobState.running, JobState.fetching}


class Pipeline:
    """Runs job stages; shared by new jobs and recovered ones."""

    def __init__(  # noqa: PLR0913 - collaborators passed by name from the engine
        self,
        *,
        client: QueueClient,
        downloader: Downloader,
        store: HistoryStore,
        layout: DataLayout,
        sink: ev.EventSink,
        db_pool: ThreadPoolExecutor,
        file_pool: TrackedExecutor,
        thumb_pool: Executor,
        use_stream: bool = True,
        poll_interval: float = 0.2,
        make_thumbnails: bool = True,
        uploader: StorageUploader | None = None,
        job_deadline: float = JOB_DEADLINE_S,
        submit_deadline: float = SUBMIT_DEADLINE_S,
    ) -> None:
        self.client = client
        self.uploader = uploader
        self.downloader = downloader
        self.store = store
        self.layout = layout
        self._sink = sink
        self._db_pool = db_pool
        self._file_pool = file_pool
        self._thumb_pool = thumb_pool
        self.use_stream = use_stream
        self.poll_interval = poll_interval
        self.make_thumbnails = make_thumbnails
        self.job_deadline = job_deadline
        self.submit_deadline = submit_deadline
        self._background: set[asyncio.Future[None]] = set()  # thumbnails of completed jobs
        self._fetching = 0  # jobs downloading their images now
        self._quiet = asyncio.Event()  # set while none is
        self._quiet.set()
        self._thumb_turn = asyncio.Lock()  # one thumbnail at a time, each after a quiet check

    # ---- helpers ----------------------------------------------------------------------------

    async def db(self, fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        """Run a store call on the single writer thread."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._db_pool, lambda: fn(*args, **kwargs))

    async def on_files(self, fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        """Run blocking file work (fsync, metadata, clean-up) on the file executor."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._file_pool, lambda: fn(*args, **kwargs))

    def emit(self, event: ev.JobEvent) -> None:
        """Hand an event to the sink; a faulty sink never breaks a job."""
        try:
            self._sink(event)
        except Exception:
            log.exception("event sink failed on %r", event)

    # ---- stages -----------------------------------------------------------------------------

    async def upload_references(self, ctx: JobContext) -> None:
        """Upload an edit's references that fal does not have yet, then journal every file_url
        (while the row is still pending) before anything is submitted.

        Bytes uploaded recently (same sha256) are reused, not sent again. After a restart the
        journalled request already carries the URLs, so nothing is uploaded twice.
        """
        request = ctx.request
        if not isinstance(request, EditRequest) or request.uploaded:
            return
        if self.uploader is None:
            raise BugError("an edit needs a storage uploader")
        refs = list(request.references)
        for index, ref in enumerate(refs):
            if ref.url is not None:
                continue
            url = await self.db(self.store.fresh_upload, ref.sha256)
            if url is None:
                data = await self.on_files(read_reference, self.layout, ref)
                progress = _UploadProgress(self, ctx.job_id, index, len(refs))
                url = await self.uploader.upload(data, content_type=ref.content_type,
                                                 file_name=ref.file_name, on_progress=progress)
                await self.db(self.store.record_upload, ref.sha256, url)
            refs[index] = ref.model_copy(update={"url": url})
        uploaded = request.model_copy(update={"references": tuple(refs)})
        await self.db(self.store.set_uploaded_request, ctx.job_id, uploaded)
        ctx.request = uploaded

    async def send(self, ctx: JobContext) -> bool:
        """Submit a pending job; True when the queue accepted it."""
        await self.upload_references(ctx)
        await self.db(self.store.mark_sending, ctx.job_id)
        ctx.state = JobState.sending
        self.emit(ev.StateChanged(ctx.job_id, JobState.sending))
        try:
            sub = await self._submitted_in_time(ctx)
        except SubmissionUnknown as exc:
            await self.db(self.store.mark_unknown, ctx.job_id, exc.message)
            ctx.state = JobState.unknown  # the engine looks for it at fal next (reconcile.py)
            self.emit(ev.StateChanged(ctx.job_id, JobState.unknown, exc.message))
            return False
        except AccountLocked:  # refused before queueing: it waits, the engine pauses sending
            await self.db(self.store.mark_refused_unsent, ctx.job_id)
            ctx.state = JobState.pending
            self.emit(ev.StateChanged(ctx.job_id, JobState.pending, ACCOUNT_LOCKED_WAIT))
            raise
        urls = request_urls(self.client.base, sub.request_id)
        try:
            await self.db(
                self.store.mark_submitted,
                ctx.job_id,
                request_id=sub.request_id,
                status_url=urls["status_url"],
                response_url=urls["response_url"],
                cancel_url=urls["cancel_url"],
                queue_position=sub.queue_position,
            )
        except DuplicateRequestId as exc:  # sent and accepted, but not ours to follow
            await self.db(self.store.mark_unknown, ctx.job_id, exc.message)
            ctx.state = JobState.unknown  # the engine looks for it at fal next (reconcile.py)
            self.emit(ev.StateChanged(ctx.job_id, JobState.unknown, exc.message))
            return False
        if sub.resent_after_ingress is not None:
            note = (f"fal's proxy answered HTTP {sub.resent_after_ingress} (it could not reach "
                    "the queue), so the request was sent once more; if your fal dashboard "
                    "shows it twice, one is a duplicate.")
            await self.db(self.store.append_logs, ctx.job_id, [(note, "WARN", None)])
        ctx.request_id = sub.request_id
        ctx.state = JobState.submitted
        self.emit(ev.Submitted(ctx.job_id, sub.request_id))
        return True

    async def _submitted_in_time(self, ctx: JobContext) -> SubmitResponse:
        """The submit's answer within ``submit_deadline`` seconds (an answer trickled in a byte
        at a time never meets httpx's read timeout); past it the outcome is unknown."""
        bound = asyncio.timeout(self.submit_deadline)
        try:
            async with bound:
                return await self.client.submit(
                    ctx.request, job_id=ctx.job_id, webhook=ctx.request.webhook_url
                )
        except TimeoutError:
            if not bound.expired():
                raise
        raise SubmissionUnknown(
            f"fal's answer to the submit did not arrive within {self.submit_deadline:g} s; "
            "it may or may not have been queued"
        )

    async def follow(self, ctx: JobContext) -> None:
        """Watch a submitted job to the end, fetch its result and store its images.

        COMPLETED is terminal, not a success: the result fetch says how the job ended (its
        output, or a model error, an infrastructure error, an app crash, a cancellation).

        Following and fetching the result must end within ``job_deadline`` seconds (a status
        that stays IN_PROGRESS forever, or answers that trickle in, would wait without end);
        each image download has its own bounds (the downloader's pace).
        """
        assert ctx.request_id is not None
        until = asyncio.get_running_loop().time() + self.job_deadline
        if ctx.cancel_requested and ctx.state is not JobState.cancel_requested:
            await self.request_cancel(ctx)
        if ctx.state is JobState.fetching:
            final = None
        else:
            try:
                final = await self._in_time(ctx, until, self.client.watch(
                    ctx.request_id,
                    lambda status: self._on_status(ctx, status),
                    use_stream=self.use_stream,
                    poll_interval=self.poll_interval,
                ))
            except NotFound:
                if ctx.cancel_requested:  # a cancelled queued job may be forgotten by fal
                    await self.finish_cancelled(ctx)
                    return
                raise
        await self._fetch(ctx, final, until)

    async def _in_time(self, ctx: JobContext, until: float, work: Awaitable[T]) -> T:
        """Await ``work`` before the job's deadline; past it, ask fal to cancel (best effort:
        nothing is charged for a job that never started) and raise :class:`DeadlineExceeded`."""
        bound = asyncio.timeout_at(until)
        try:
            async with bound:
                return await work
        except TimeoutError:
            if not bound.expired():
                raise
        assert ctx.request_id is not None
        try:
            async with asyncio.timeout(CANCEL_BUDGET_S):
                await self.client.cancel(ctx.request_id)
        except (FalError, TimeoutError):
            log.warning("cancel after the deadline of %s failed", ctx.job_id, exc_info=True)
        minutes = f"{self.job_deadline / 60:g} min" if self.job_deadline >= 60 else (
            f"{self.job_deadline:g} s")
        raise DeadlineExceeded(
            f"fal did not finish this generation within {minutes}; the app stopped waiting and "
            f"asked fal to cancel it (request id {ctx.request_id}). If fal finished it anyway, "
            "Re-download fetches the images."
        )

    async def resume_logs(self, ctx: JobContext) -> None:
        """Mark the lines a resumed job already stored as seen, so none is stored twice."""
        stored = await self.db(self.store.logs, ctx.job_id)
        ctx.logs_seen.update((timestamp, message) for message, _, timestamp in stored)

    async def _on_status(self, ctx: JobContext, status: QueueStatus) -> None:
        if status.status == "IN_QUEUE":
            if ctx.state is JobState.cancel_requested:
                return
            if ctx.state is not JobState.queued or status.queue_position != ctx.queue_position:
                await self.db(self.store.mark_queued, ctx.job_id, status.queue_position)
                ctx.state = JobState.queued
                ctx.queue_position = status.queue_position
                self.emit(ev.Queued(ctx.job_id, status.queue_position))
            return
        if status.status == "IN_PROGRESS":
            ctx.started = True
        if status.status == "IN_PROGRESS" and ctx.state not in {
            JobState.running,
            JobState.cancel_requested,
        }:
            await self.db(self.store.mark_running, ctx.job_id)
            ctx.state = JobState.running
        lines = await self._store_logs(ctx, self._new_logs(ctx, status.logs or []))
        if status.status == "IN_PROGRESS" or lines:
            self.emit(ev.Running(ctx.job_id, lines))

    async def _store_logs(self, ctx: JobContext, rows: list[LogLine]) -> tuple[str, ...]:
        """Store a job's new log lines within bounds; returns the messages as stored.

        Each line is cut at ``MAX_LOG_LINE_CHARS`` and a job keeps at most
        ``MAX_LOG_LINES_PER_JOB`` lines (one last line says the rest were dropped): a server
        writing endless or enormous log lines must not fill the history database.
        """
        room = MAX_LOG_LINES_PER_JOB - ctx.logs_stored
        if not rows or room <= 0:
            return ()
        kept = [(bounded_log_line(message), _short(level), _short(ts))
                for message, level, ts in rows[:room]]
        if len(rows) >= room:
            kept[-1] = (
                f"[the app keeps at most {MAX_LOG_LINES_PER_JOB:,} log lines per job; "
                "later lines were not stored]", "WARNING", None,
            )
        # Not fsynced (a log line is no money): the job's next durable commit syncs them too.
        await self.db(self.store.append_logs, ctx.job_id, kept, durable=False)
        ctx.logs_stored += len(kept)
        return tuple(str(message) for message, _level, _ts in kept)

    @staticmethod
    def _new_logs(
        ctx: JobContext, logs: list[LogEntry]
    ) -> list[tuple[str, str | None, str | None]]:
        """The lines not stored yet, as (message, level, timestamp).

        De-duplicated by (timestamp, message), never by position: fal's window slides, and a
        stream event may carry the new lines or the whole window. An app crash's traceback
        entry (``{"traceback": ...}``) is unwrapped, and kept for the failure's message.
        """
        fresh = []
        for entry in logs:
            message = entry.message
            if (text := traceback_text(message)) is not None:
                message = text
                ctx.traceback = text
            key = (entry.timestamp, bounded_log_line(message))  # as stored (resume reads it)
            if key in ctx.logs_seen:
                continue
            ctx.logs_seen.add(key)
            fresh.append((message, entry.level, entry.timestamp))
        return fresh

    async def _fetch(self, ctx: JobContext, final: QueueStatus | None, until: float) -> None:
        assert ctx.request_id is not None
        self.emit(ev.StateChanged(ctx.job_id, JobState.fetching))
        result = await self._in_time(ctx, until, self._result(ctx, final))
        if result is None:
            return
        metrics = json.dumps(final.metrics) if final is not None and final.metrics else None
        await self.db(
            self.store.mark_fetching,
            ctx.job_id,
            result_json=stored_result_json(result),
            seed=result.seed,
            metrics_json=metrics,
        )
        ctx.state = JobState.fetching
        ctx.seed = result.seed if result.seed is not None else ctx.request.seed
        images = await self._keep_images(ctx, result)
        await self.db(self.store.complete, ctx.job_id, images)
        ctx.state = JobState.completed
        paths = tuple(str(self.layout.absolute(img.path)) for img in images)
        self.emit(ev.Completed(ctx.job_id, ctx.seed, paths))
        self.thumbnail_later(ctx.job_id, images)

    async def _result(
        self, ctx: JobContext, final: QueueStatus | None
    ) -> GenerationResult | None:
        """The result, with no more images than were asked for; None when it was cancelled."""
        assert ctx.request_id is not None
        try:
            result = await self.client.result(
                ctx.request_id, limit=result_limit(ctx.request.sync_mode)
            )
        except RequestCancelled:
            await self.finish_cancelled(ctx)
            return None
        except AppCrashed:
            head = traceback_head(ctx.traceback) if ctx.traceback else None
            message = "the model crashed on fal" + (f": {head}" if head else " (HTTP 500)")
            raise AppCrashed(message, head) from None
        except NotFound:
            if ctx.cancel_requested or (final is not None and is_cancelled(final.error_type)):
                await self.finish_cancelled(ctx)
                return None
            if final is not None and final.failed:  # the result is gone; the status said why
                await self._failed_as_status_says(ctx, final)
                return None
            raise
        if final is not None and final.failed:
            # fal answers a failed job's result with its error; a server whose status says
            # "failed" while its result looks fine contradicts itself: the failure is believed.
            await self._failed_as_status_says(ctx, final)
            return None
        wanted = ctx.request.num_images
        if len(result.images) > wanted:
            # Never more than was asked for: a result listing 1001 images for a 1-image
            # request gets one download, and the job's log says why the rest were left.
            note = (f"fal listed {len(result.images):,} images for a request of {wanted}; "
                    f"only the first {wanted} were downloaded")
            log.warning("job %s: %s", ctx.job_id, note)
            result = result.model_copy(update={"images": result.images[:wanted]})
            stored = await self._store_logs(ctx, [(note, "WARNING", None)])
            self.emit(ev.Running(ctx.job_id, stored))  # the live log shows it too
            self.emit(ev.StateChanged(ctx.job_id, JobState.fetching, note))
        return result

    async def _failed_as_status_says(self, ctx: JobContext, final: QueueStatus) -> None:
        """End the job as its COMPLETED status says (cancelled, or failed with its reason)."""
        if is_cancelled(final.error_type):
            await self.finish_cancelled(ctx)
            return
        reason = final.error or f"the generation failed ({final.error_type})"
        raise RequestFailed(reason, final.error_type)

    async def _keep_images(self, ctx: JobContext, result: GenerationResult) -> list[ImageRecord]:
        """Download and store the result's images.

        Raises:
            PaidNotDownloaded: fal made (and charged for) the result but an image could not be
                downloaded or saved; the job keeps its request id for Re-download.
        """
        if not result.images:
            raise RequestFailed("fal returned no images (the safety checker may have removed them)")
        self._fetching += 1
        self._quiet.clear()
        try:
            return await self._download_all(ctx, result)
        except QwenImgError as exc:
            raise PaidNotDownloaded(
                f"the images could not be saved: {exc.message.rstrip('.')}. The result is "
                "paid: Re-download fetches it again by its request id, without a new charge, "
                "while fal keeps it."
            ) from None
        finally:
            self._fetching -= 1
            if self._fetching == 0:
                self._quiet.set()

    async def fetch_again(self, record: JobRecord) -> list[ImageRecord]:
        """Re-download: complete a failed job that awaits it (``offers_redownload``) by fetching
        its result again by request id, without a new submit (and so without a new charge).

        Raises:
            PaidNotDownloaded, FalError, QwenImgError: the job stays as it was.
        """
        assert record.request is not None
        ctx = JobContext(record.id, record.request, record.state, request_id=record.request_id,
                         seed=record.seed)
        result = await self._result(ctx, None)
        if result is None:
            return []
        ctx.seed = result.seed if result.seed is not None else ctx.request.seed
        images = await self._keep_images(ctx, result)
        await self.db(self.store.complete_redownloaded, ctx.job_id, images,
                      result_json=stored_result_json(result), seed=result.seed)
        paths = tuple(str(self.layout.absolute(img.path)) for img in images)
        self.emit(ev.Completed(ctx.job_id, ctx.seed, paths))
        self.thumbnail_later(ctx.job_id, images)
        return images

    # ---- thumbnails, after the job is complete ----------------------------------------------

    def thumbnail_later(self, job_id: str, images: Sequence[ImageRecord]) -> None:
        """Make the gallery thumbnails of a completed job on the thumbnail worker.

        A thumbnail is derived data. Its path is recorded only once the file is written, so a
        row never names a thumbnail that is not there; until then the gallery decodes the image
        itself, and if the app stops first the next start makes it (``jobs_without_thumbnails``).
        The full decode it takes is kept off the path to ``Completed``, and waits while other
        jobs are downloading.
        """
        todo = [image for image in images if image.thumb_path is None]
        if not self.make_thumbnails or not todo:
            return
        task = asyncio.ensure_future(self._make_thumbnails(job_id, todo))
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def _make_thumbnails(self, job_id: str, images: list[ImageRecord]) -> None:
        loop = asyncio.get_running_loop()

        async def one(image: ImageRecord) -> tuple[int, str, int | None] | None:
            source = self.layout.absolute(image.path)
            dest = self.layout.thumb_path(job_id, image.index)
            try:
                async with self._thumb_turn:
                    # Checked before each one: a thumbnail's decode takes a whole core for
                    # ~35 ms, and during a burst of completions the second core is what the
                    # engine's threads (and, through the GIL they hold, the GUI thread) need.
                    await self._quiet.wait()
                    dhash = await loop.run_in_executor(self._thumb_pool, _thumbnail_trimmed,
                                                       source, dest)
            except (OSError, QwenImgError):
                log.warning("thumbnail of %s failed", source.name, exc_info=True)
                return None
            return image.index, self.layout.relative(dest), dhash

        made = [m for m in await asyncio.gather(*(one(image) for image in images)) if m]
        if made:
            await self.db(self.store.set_thumbnails, job_id, {i: t for i, t, _ in made})
            hashes = {(job_id, i): h for i, _, h in made if h is not None}
            if hashes:  # for the duplicate finder, from the thumbnail just made
                await self.db(self.store.set_image_hashes, hashes)

    async def drain_background(self) -> None:
        """Wait for the thumbnails still being made."""
        while pending := {task for task in self._background if not task.done()}:
            await asyncio.wait(pending)

    def cancel_background(self) -> int:
        """Stop waiting for unfinished thumbnails (at shutdown); returns how many there were."""
        pending = [task for task in self._background if not task.done()]
        for task in pending:
            task.cancel()
        return len(pending)

    async def _download_all(self, ctx: JobContext, result: GenerationResult) -> list[ImageRecord]:
        tasks = [
            asyncio.ensure_future(self._download_one(ctx, i, f))
            for i, f in enumerate(result.images)
        ]
        try:
            return list(await asyncio.gather(*tasks))
        except Exception:
            # One image failed, so the job fails: stop its other downloads (gather leaves them
            # running) and remove what they placed, so no temp file outlives the job and no
            # image stays on disk without a row.
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            await self._file_calls_finished()  # a cancelled task's rename still runs to its end
            if await self._still_ours(ctx.job_id):  # never another owner's files
                await self.on_files(self._discard_images, ctx.job_id, len(tasks))
            raise

    async def _still_ours(self, job_id: str) -> bool:
        """Whether the journal still names this engine (or nobody) as the job's owner."""
        owner = await self.db(self.store.owner_of, job_id)
        return owner is None or owner == self.store.owner

    async def _file_calls_finished(self) -> None:
        running = self._file_pool.in_flight()
        if running:
            await asyncio.wait([asyncio.wrap_future(f) for f in running])

    def _discard_images(self, job_id: str, count: int) -> None:
        for index in range(count):
            paths = [self.layout.image_path(job_id, index, ext) for ext in IMAGE_EXTENSIONS]
            for path in [*paths, self.layout.thumb_path(job_id, index)]:
                path.unlink(missing_ok=True)

    async def _download_one(self, ctx: JobContext, index: int, file: Any) -> ImageRecord:
        fmt = ctx.request.output_format.value
        declared = (file.content_type or "").lower().removeprefix("image/")
        ext = {"png": "png", "jpeg": "jpg", "jpg": "jpg", "webp": "webp"}.get(
            declared, "jpg" if fmt == "jpeg" else fmt
        )
        dest = self.layout.image_path(ctx.job_id, index, ext)
        got = await self._existing(dest, ext)
        if got is None:
            try:  # embedded as it is written: one write, one fsync, one rename
                got = await self.downloader.fetch(
                    file.url, dest, content_type=file.content_type, fallback_format=fmt,
                    embed=_Embedder(self._meta(ctx)),
                )
            except DownloadError as exc:
                raise DownloadError(f"image {index + 1}: {exc.message}") from None
        else:  # a file an interrupted run left (embedding again is idempotent)
            got = await self._embed(ctx, got)
        source = None if file.url.startswith("data:") else file.url
        return ImageRecord(
            index=index,
            path=self.layout.relative(got.path),
            width=got.width,
            height=got.height,
            format=got.format,
            size_bytes=got.size_bytes,
            sha256=got.sha256,
            thumb_path=None,  # recorded once made: thumbnail_later
            source_url=source,
        )

    @staticmethod
    def _meta(ctx: JobContext) -> EmbeddedMeta:
        return EmbeddedMeta(
            request=ctx.request, seed=ctx.seed, request_id=ctx.request_id, job_id=ctx.job_id
        )

    async def _embed(self, ctx: JobContext, got: DownloadedImage) -> DownloadedImage:
        """Write the generation parameters into the file (idempotent; a failure is not fatal)."""
        try:
            size, digest = await self.on_files(embed_file, got.path, got.format, self._meta(ctx))
        except MetadataError:
            log.warning("metadata not embedded in %s", got.path, exc_info=True)
            return got
        return dataclasses.replace(got, size_bytes=size, sha256=digest)

    async def _existing(self, dest: Path, ext: str) -> DownloadedImage | None:
        """A complete file left by an interrupted run (files only appear once complete)."""
        try:
            return await self.on_files(_describe_file, dest, ext)
        except (OSError, QwenImgError):
            return None

    async def request_cancel(self, ctx: JobContext) -> None:
        """PUT cancel for a remote job and record the honest state."""
        ctx.cancel_requested = True
        if ctx.request_id is None or ctx.state in _PAST_CANCEL:
            return
        async with ctx.cancel_sending:
            try:
                outcome = await self.client.cancel(ctx.request_id)
            except FalError as exc:
                log.warning("cancel of %s failed: %s", ctx.job_id, exc)
                self.emit(ev.StateChanged(ctx.job_id, ctx.state, f"cancel failed: {exc.message}"))
                return
            if ctx.state in _PAST_CANCEL or ctx.state.is_final:
                return  # it ended while the answer was on its way (the result came first)
            if outcome is CancelOutcome.requested and ctx.state is not JobState.cancel_requested:
                await self.db(self.store.mark_cancel_requested, ctx.job_id)
                ctx.state = JobState.cancel_requested
                self.emit(ev.StateChanged(ctx.job_id, JobState.cancel_requested))
            elif outcome is CancelOutcome.already_completed:
                self.emit(
                    ev.StateChanged(ctx.job_id, ctx.state, "already finished; fetching the result")
                )

    async def finish_cancelled(self, ctx: JobContext) -> None:
        """Record and announce a cancelled job, saying whether fal had already started it.

        A PUT cancel still being answered is waited for: fal can report the job cancelled
        before the cancel's own answer is read, and the journal records cancel_requested first.
        """
        async with ctx.cancel_sending:
            pass
        if ctx.request_id is None:
            note = ""  # never sent: nothing to pay
        elif ctx.started:
            note = "fal had already started it, so it may be charged"
        else:
            note = "cancelled before fal started it: not charged"
        if note:
            line = (f"Cancelled: {note}.", "INFO", None)
            await self.db(self.store.append_logs, ctx.job_id, [line])
        await self.db(self.store.mark_cancelled, ctx.job_id)
        ctx.state = JobState.cancelled
        self.emit(ev.Cancelled(ctx.job_id, note))

    async def fail(self, ctx: JobContext, exc: Exception) -> None:
        """Record a failure with a specific reason; never raises."""
        if isinstance(exc, QwenImgError):
            reason, kind = exc.message, type(exc).__name__
        else:
            log.error("internal error in job %s", ctx.job_id, exc_info=exc)
            reason, kind = f"internal error: {type(exc).__name__}: {exc}", "BugError"
        fields: tuple[tuple[str, str], ...] = ()
        if isinstance(exc, ValidationFailed):
            fields = tuple((f.path, f.message) for f in exc.fields)
        error_type = getattr(exc, "error_type", None) or kind
        if isinstance(ctx.request, EditRequest) and _inputs_refused(exc):
            # fal could not use the uploaded files (gone, or refused): upload them afresh next
            # time instead of reusing their URLs.
            for ref in ctx.request.references:
                with contextlib.suppress(Exception):
                    await self.db(self.store.forget_upload, ref.sha256)
        try:
            await self.db(self.store.fail, ctx.job_id, reason, error_type)
        except Exception:
            log.exception("could not record the failure of %s", ctx.job_id)
        ctx.state = JobState.failed
        # Only a step this failure carries itself (fal's error type, a content-policy refusal);
        # a kind's usual step is the window's to word.
        step = str(vars(exc).get("next_step", "")) if isinstance(exc, QwenImgError) else ""
        self.emit(ev.Failed(ctx.job_id, reason, kind, fields, step))


def uploads_first(request: GenerationRequest) -> bool:
    """Whether sending ``request`` starts with uploads (an edit's references not uploaded
    yet), so its ``sending`` commit does not follow its ``pending`` one at once."""
    return isinstance(request, EditRequest) and not request.uploaded


def _inputs_refused(exc: Exception) -> bool:
    """The run failed because of its ``image_urls`` (fal reports ``loc: [body, image_urls, i]``)."""
    if isinstance(exc, ValidationFailed):
        return any("image_urls" in field.path for field in exc.fields) or "image_urls" in str(exc)
    return "image_urls" in str(exc)


def bounded_log_line(message: str) -> str:
    """A server log line cut to ``MAX_LOG_LINE_CHARS``, saying so when it was cut."""
    if len(message) <= MAX_LOG_LINE_CHARS:
        return message
    return f"{message[:MAX_LOG_LINE_CHARS]}… [cut: the line had {len(message):,} characters]"


def _short(field: str | None) -> str | None:
    """A log line's level or timestamp, cut to ``MAX_LOG_FIELD_CHARS`` (a server may send any)."""
    return field if field is None else field[:MAX_LOG_FIELD_CHARS]


def stored_result_json(result: GenerationResult) -> str:
    """The result as the journal keeps it: inline (data:) images are left out, since their
    bytes are stored as the image files and would otherwise fill the database."""
    images = [
        image.model_copy(update={"url": f"data:… ({len(image.url):,} characters, not stored)"})
        if image.url.startswith("data:") else image
        for image in result.images
    ]
    return result.model_copy(update={"images": images}).model_dump_json()


def _describe_file(path: Path, ext: str) -> DownloadedImage | None:
    if not path.exists():
        return None
    expected = {"jpg": "JPEG", "png": "PNG", "webp": "WEBP"}[ext]
    width, height, fmt = verify_image(path, expected)
    data = path.read_bytes()
    return DownloadedImage(path, width, height, fmt, len(data), hashlib.sha256(data).hexdigest())


class _Embedder:
    """The downloader's :data:`~qwenimg_desktop.core.fal.download.Embed`: a job's generation
    parameters written into its verified image bytes (a failure is not fatal: the image is
    kept without them, as :meth:`Pipeline._embed` does)."""

    def __init__(self, meta: EmbeddedMeta) -> None:
        self._meta = meta

    def __call__(self, data: bytes, fmt: str) -> bytes:
        try:
            return embed_bytes(data, fmt, self._meta)
        except MetadataError:
            log.warning("metadata not embedded in an image of job %s", self._meta.job_id,
                        exc_info=True)
            return data


class _UploadProgress:
    """Reports an upload's progress as the pending job's detail, every 10 % at most."""

    def __init__(self, pipe: Pipeline, job_id: str, index: int, count: int) -> None:
        self._pipe = pipe
        self._job_id = job_id
        self._label = f"uploading image {index + 1} of {count}"
        self._last = -1

    def __call__(self, sent: int, total: int) -> None:
        percent = 100 * sent // max(total, 1)
        if percent // 10 != self._last // 10 or percent == 100:
            self._last = percent
            self._pipe.emit(ev.StateChanged(self._job_id, JobState.pending,
                                            f"{self._label}: {percent}%"))


def _thumbnail_trimmed(source: Path, dest: Path) -> int | None:
    """:func:`thumbnail_with_hash`, after giving the heap's free pages back to the system.

    A thumbnail is the engine's process at its largest: the full decode of a 2048² PNG (16.8 MB
    in Pillow; a PNG has no reduced decode) on top of what the jobs just before it left in the
    heap, freed but still resident. Trimming first (a few ms on the thumbnail worker) took the
    engine's peak from 87.4–88.0 to 84.9–85.5 MB in the 32-job benchmark (issue 21, goal 5).
    """
    heap.release_free_pages()
    return thumbnail_with_hash(source, dest)

