"""JobEngine: one background thread running an asyncio loop, with a thread-safe facade.

Commands (submit, cancel, retry, shutdown) may come from any thread; events go to the injected
sink from the engine thread. Journal writes run on a single DB-writer thread, blocking file work
on a small file executor. Nothing here touches Qt.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import logging
import multiprocessing
import threading
import time
import uuid
from collections.abc import Callable, Coroutine, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final, TypeVar

from qwenimg_desktop.core.batch.plan import request_cost
from qwenimg_desktop.core.budget import Budget, check_budget
from qwenimg_desktop.core.errors import (
    AccountLocked,
    AuthError,
    FalError,
    QwenImgError,
    ScopeRefused,
    UserError,
)
from qwenimg_desktop.core.fal.protocol import request_urls
from qwenimg_desktop.core.jobs import events as ev
from qwenimg_desktop.core.jobs.config import EngineConfig
from qwenimg_desktop.core.jobs.gate import EngineClosed, StartGate
from qwenimg_desktop.core.jobs.lease import (
    EngineLease,
    LiveOwner,
    live_owner,
    live_owners,
    remove_dead_leases,
)
from qwenimg_desktop.core.jobs.model import (
    ACCOUNT_LOCKED_WAIT,
    AMBIGUOUS_AT_FAL,
    CHOOSE_STEP,
    NOT_DOWNLOADED,
    REMOTE_STATES,
    JobState,
)
from qwenimg_desktop.core.jobs.slots import Slots
from qwenimg_desktop.core.params import GenerationRequest, client_seed
from qwenimg_desktop.core.pricing import PriceTable
from qwenimg_desktop.core.store.db import DatabaseCorrupt
from qwenimg_desktop.core.store.files import unwritable_error
from qwenimg_desktop.core.threads import TrackedExecutor, lower_thread_priority

if TYPE_CHECKING:  # the pipeline (httpx, Pillow, the store) is imported on the engine thread
    from qwenimg_desktop.core.fal.platform import PlatformClient
    from qwenimg_desktop.core.jobs.pipeline import JobContext, Pipeline
    from qwenimg_desktop.core.jobs.prices import EnginePrices
    from qwenimg_desktop.core.store.consistency import ConsistencyReport
    from qwenimg_desktop.core.store.history import HistoryStore, JobRecord

log = logging.getLogger("qwenimg.jobs")
T = TypeVar("T")

RETRY_REFUSED_PAID: Final = (
    "Not submitted again: fal already made this job's result and charged for it. Use "
    "Re-download to fetch it while fal keeps it, without a new charge."
)
SHORT_INDEX_PAUSE_S: Final = 0.002
"""Least pause between two batches of the short-term index's backfill (core/store/grams.py)."""
SHORT_INDEX_RETRY_S: Final = 30.0
"""Pause after a batch failed (another program held the journal, the disk was full)."""
TAKEOVER_POLL_S: Final = 1.0
"""How often an engine that left jobs to a live owner checks whether that owner has stopped."""


@dataclass(frozen=True, slots=True)
class JournalledJob:
    """What journalling a new job decided, on the writer thread, for the job's task."""

    hold: str | None
    """Why a cap holds the job back (shown to the user), or None: it may be sent."""
    rank: float | None
    """Its place in the send queue."""
    durable: bool
    """Whether its ``pending`` row was fsynced (a job sent at once waits for its ``sending``
    commit to sync both)."""


class JobEngine(StartGate):
    """Runs generation jobs off the caller's thread; see the module docstring."""

    def __init__(self, config: EngineConfig, *, keys: Callable[[], str | None],
                 sink: ev.EventSink) -> None:
        self.config = config
        self.layout = config.layout
        self._repair_corrupt = config.repair_corrupt
        self.notice: str | None = None
        self._keys = keys
        self._sink = sink
        self.queue_base = config.queue_base
        self.concurrency = max(1, config.concurrency)
        self._use_stream = config.use_stream
        self._poll_interval = config.poll_interval
        self._retry = config.retry
        self._recover = config.recover
        self._thumbnails = config.make_thumbnails
        self.price_per_image = config.price_per_image
        self.budget = config.budget or Budget()  # its caps hold new jobs back
        # Two reasons to hold back every waiting send, each lifted only by its own action:
        # the user's "Pause sending", and fal's account lock (the banner's Resume).
        self.user_paused = False
        self.locked: str | None = None
        # Waiting jobs a budget cap holds back: set when released (raised cap, Allow once).
        self._holds: dict[str, asyncio.Event] = {}
        self._waits_changed = asyncio.Event()  # a job started to wait for the user (wait_idle)
        # Set (on the loop) by shutdown(): a start still waiting for fal's first prices stops
        # waiting. _stop_asked covers a shutdown() that came before the loop existed.
        self._quitting = asyncio.Event()
        self._stop_asked = False
        # Held for the engine's whole life: the jobs it creates or adopts are its own, and no
        # other process follows them while it lives (core/jobs/lease.py).
        self._lease = EngineLease(self.layout.root,
                                  config.owner_label or _default_owner_label())
        self._takeover: asyncio.Task[None] | None = None
        self._short_index: asyncio.Task[None] | None = None
        self._jobs: dict[str, JobContext] = {}
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()
        self._start_error: BaseException | None = None
        # Commands sent while the engine is still starting, run in order once it is ready, so
        # the caller (the GUI thread) never waits for the journal's quick_check.
        self._start_lock = threading.Lock()
        self._early: list[Coroutine[Any, Any, None]] = []
        self._slots: Slots | None = None
        self._pipeline: Pipeline | None = None
        self._closing = False
        self._db_pool = ThreadPoolExecutor(1, thread_name_prefix="qwenimg-db")
        # Not niced: a low-priority thread holding the GIL gets descheduled while the GUI
        # thread waits for it (measured: longest GUI stall 44-77 ms -> 153-240 ms).
        self._file_pool = TrackedExecutor(ThreadPoolExecutor(2, thread_name_prefix="qwenimg-files"))
        # Thumbnails (a full decode each) on their own single worker, after completion: never
        # queued ahead of a download's verify and fsync, and never more than one core's work.
        # In the window's process, normal priority: niced, a worker holding the GIL makes the
        # GUI thread wait longer. In the engine's own process no GUI thread waits for its GIL,
        # so it is niced there: each decode takes a core for ~35 ms, which the window's GUI
        # thread otherwise waits for on a busy 2-core machine (docs/performance.md).
        self._thumb_pool = ThreadPoolExecutor(
            1, thread_name_prefix="qwenimg-thumbs",
            initializer=lower_thread_priority if config.own_process else None)
        self.store: HistoryStore | None = None
        self.recovered: list[str] = []
        self.flagged_unknown: list[str] = []
        self.looked_up: list[str] = []  # unknown jobs looked for at fal (at start or on demand)
        self._platform: PlatformClient | None = None  # fal's Platform API (request history)
        self._history_refused = False  # the key may not read it: said once, not asked again
        self._prices: EnginePrices | None = None  # fal's prices, cached in the journal
        # Unfinished jobs another live engine runs (owner → its job ids), left to it.
        self.held_elsewhere: dict[LiveOwner, tuple[str, ...]] = {}

    def __repr__(self) -> str:
        return f"<JobEngine base={self.queue_base} jobs={len(self._jobs)} closing={self._closing}>"

    # ---- lifecycle --------------------------------------------------------------------------

    def start(self, timeout: float = 30.0, *, wait: bool = True) -> None:
        """Start the engine thread, open and check the journal, and resume unfinished jobs.

        With ``wait=False`` this returns at once (the journal's quick_check can take a while on a
        large history): commands sent meanwhile (submit, cancel, …) return at once and run in
        order when the engine is ready; calls that return a result (:meth:`wait_idle`) block;
        :meth:`wait_ready` / :attr:`ready` tell the caller when it is and whether it failed.
        """
        if self._thread is not None:
            return
        self._thread = threading.Thread(target=self._run, name="qwenimg-engine", daemon=True)
        self._thread.start()
        if wait:
            self.wait_ready(timeout)

    def _launched(self) -> bool:
        return self._thread is not None

    def _run(self) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        asyncio.set_event_loop(loop)
        try:
            loop.run_until_complete(self._setup())
        except BaseException as exc:  # noqa: BLE001 - re-raised by start() in the caller
            self._lease.release()
            with self._start_lock:
                self._start_error = exc
                early, self._early = self._early, []
                self._ready.set()
            self._announce_ready()
            for coro in early:  # never run: the start failure is what the caller reports
                coro.close()
            loop.close()
            return
        def started() -> None:
            # Ready only once the loop runs: a call made the instant after wait_ready() returned
            # found the loop not yet running and failed with EngineClosed (seen in `resume`).
            with self._start_lock:
                self._ready.set()
                self._announce_ready()  # before the early commands' events
                for coro in self._early:  # in the order they were sent, as _post schedules them
                    asyncio.run_coroutine_threadsafe(coro, loop)
                self._early = []
            # Maintenance, once ready: never between the caller and a usable engine.
            self._short_index = loop.create_task(self._fill_short_index(), name="short-index")

        loop.call_soon(started)
        try:
            loop.run_forever()
        finally:
            loop.run_until_complete(self._teardown())
            loop.close()

    def _announce_ready(self) -> None:
        """Tell the sink the start has finished (:class:`~.events.EngineReady`), once."""
        exc = self._start_error
        if exc is None:
            event = ev.EngineReady("", layout=self.layout, notice=self.notice,
                                   recovered=tuple(self.recovered),
                                   flagged_unknown=tuple(self.flagged_unknown),
                                   paused=self.user_paused, locked=self.locked,
                                   owner=self._lease.owner_id)
        elif isinstance(exc, QwenImgError):
            event = ev.EngineReady("", error=exc.message, next_step=exc.next_step)
        else:
            event = ev.EngineReady("", error=f"{type(exc).__name__}: {exc}")
        try:
            self._sink(event)
        except Exception:  # a failing sink must not stop the engine (as for job events)
            log.exception("the event sink failed on the engine's start")

    async def _setup(self) -> None:
        # Imported here, on the engine thread, so the caller (the GUI) never pays for httpx.
        from qwenimg_desktop.core.fal.client import QueueClient  # noqa: PLC0415
        from qwenimg_desktop.core.fal.credentials import KeyProvider  # noqa: PLC0415
        from qwenimg_desktop.core.fal.download import Downloader  # noqa: PLC0415
        from qwenimg_desktop.core.fal.platform import (  # noqa: PLC0415
            PlatformClient,
            platform_base_for,
        )
        from qwenimg_desktop.core.fal.storage import StorageUploader  # noqa: PLC0415
        from qwenimg_desktop.core.jobs.pipeline import Pipeline  # noqa: PLC0415
        from qwenimg_desktop.core.jobs.prices import EnginePrices  # noqa: PLC0415
        from qwenimg_desktop.core.store.consistency import open_history  # noqa: PLC0415
        from qwenimg_desktop.core.store.history import HistoryStore  # noqa: PLC0415

        self.layout.ensure()
        loop = asyncio.get_running_loop()
        try:
            await loop.run_in_executor(self._db_pool, self._lease.acquire)  # before any row
        except OSError as exc:  # a read-only data dir: say so, never a traceback
            raise unwritable_error(self.layout.root, exc) from exc
        if self._repair_corrupt:
            # The window: a damaged journal is moved aside (with a notice) and a fresh one used.
            opened = await loop.run_in_executor(self._db_pool, open_history, self.layout)
            store, self.notice = opened.store, opened.message
        else:
            store = await loop.run_in_executor(self._db_pool, HistoryStore.open, self.layout)
            if not await loop.run_in_executor(self._db_pool, store.integrity_ok):
                # Checked at start (docs/reliability.md, Rules): never write into a damaged journal.
                await loop.run_in_executor(self._db_pool, store.close)
                raise DatabaseCorrupt(self.layout.db_path, "quick_check found damaged pages")
        store.owner = self._lease.owner_id
        self.store = store
        # The client and the uploader ask for the key each time they build a request.
        key = KeyProvider(self._keys)
        client = QueueClient(self.queue_base, key=key, retry=self._retry)
        self._platform = PlatformClient(
            self.config.platform_base or platform_base_for(self.queue_base), key=key,
            retry=self._retry,
        )
        downloader = Downloader(retry=self._retry, executor=self._file_pool,
                                pace=self.config.download_pace)
        self._slots = Slots(self.concurrency)
        # Left paused (by the user, or by a lock) before the restart: stays paused.
        self.user_paused = await loop.run_in_executor(self._db_pool, store.is_paused)
        self.locked = await loop.run_in_executor(self._db_pool, store.locked_reason)
        self._apply_pause()
        self._pipeline = Pipeline(
            client=client,
            downloader=downloader,
            store=store,
            layout=self.layout,
            sink=self._sink,
            db_pool=self._db_pool,
            file_pool=self._file_pool,
            thumb_pool=self._thumb_pool,
            use_stream=self._use_stream,
            poll_interval=self._poll_interval,
            make_thumbnails=self._thumbnails,
            uploader=StorageUploader(self.queue_base, key=key, retry=self._retry),
            job_deadline=self.config.job_deadline,
            submit_deadline=self.config.submit_deadline,
        )
        self._prices = EnginePrices(self._platform, self._pipeline)
        if self._stop_asked:  # shutdown() was called before the loop could be told
            self._quitting.set()
        await self._prices.start(self._quitting)  # read in the background when a day old
        if self._recover:
            await self._recover_jobs()

    async def _recover_jobs(self) -> None:
        """Adopt the unfinished jobs of dead owners: flag their interrupted sends, resume their
        remote jobs, send those that never left. Jobs of live owners are left to them."""
        pipe = self._pipe
        others = await pipe.on_files(self._live_owners)
        if not others:  # nobody else is writing files: a temp file is a dead run's leftover
            await pipe.on_files(self.layout.clean_stray_temps)
        await self._adopt(announce=False)
        if self._thumbnails:  # completed before a stop that came ahead of their thumbnails
            skip = [owner.owner_id for owner in others]
            for record in await pipe.db(pipe.store.jobs_without_thumbnails, skip):
                pipe.thumbnail_later(record.id, record.images)
        await pipe.on_files(remove_dead_leases, self.layout.root)

    async def _adopt(self, *, announce: bool) -> None:
        """One round of adoption; keeps watching while jobs are left to a live owner."""
        pipe = self._pipe
        store = pipe.store
        seen: dict[str, LiveOwner] = {}

        def alive(owner_id: str) -> bool:
            owner = live_owner(self.layout.root, owner_id)
            if owner is not None:
                seen[owner_id] = owner
            return owner is not None

        adoption = await pipe.db(store.adopt_unfinished, alive)
        self.held_elsewhere = {seen[o]: ids for o, ids in adoption.held.items() if o in seen}
        flagged = await pipe.db(store.flag_interrupted_sends, adoption.adopted)
        self.flagged_unknown.extend(flagged)
        for job_id in flagged:
            record = await pipe.db(store.get, job_id)
            reason = record.error if record and record.error else "submission outcome unknown"
            if record is not None and record.request is not None and job_id not in self._jobs:
                pipe.emit(ev.StateChanged(job_id, JobState.unknown, reason))
                self._spawn_search(record)
            else:
                pipe.emit(ev.Failed(job_id, reason, "SubmissionUnknown"))
        taken = await self._spawn_adopted(adoption.adopted, set(flagged))
        if announce and (taken or flagged):
            pipe.emit(ev.EngineNotice("", f"Another process stopped; its {taken + len(flagged)}"
                                          " unfinished job(s) are taken over here.", info=True))
        elif not announce and self.held_elsewhere:
            pipe.emit(ev.EngineNotice("", self.held_notice() + " They are taken over here if it"
                                          " stops.", info=True))
        if self.held_elsewhere and (self._takeover is None or self._takeover.done()):
            self._takeover = asyncio.get_running_loop().create_task(
                self._watch_held(), name="takeover")

    async def _spawn_adopted(self, adopted: Sequence[str], flagged: set[str]) -> int:
        """Follow the adopted jobs (those not ``flagged`` unknown just now): resume the remote
        ones, look again for the unknown ones whose search was cut off, queue the pending
        ones in their order; returns how many were taken."""
        pipe = self._pipe
        records = await pipe.db(pipe.store.get_many, adopted)
        ranks = await pipe.db(pipe.store.queue_ranks, adopted)
        holds = await pipe.db(pipe.store.holds, adopted)
        taken = 0
        for job_id in adopted:
            record = records.get(job_id)
            if record is None or job_id in flagged:
                continue
            if record.state in REMOTE_STATES and record.request_id is not None:
                taken += self._spawn_record(record, resume=True)
            elif record.state is JobState.unknown and record.error_type == AMBIGUOUS_AT_FAL:
                # Several requests at fal match it: shown again, for the user to choose.
                pipe.emit(ev.Failed(job_id, record.error or "", "SubmissionUnknown",
                                    next_step=CHOOSE_STEP, error_type=AMBIGUOUS_AT_FAL))
            elif record.state is JobState.unknown and record.request is not None:
                # Its search at fal was cut off (the process stopped while looking): look again.
                if job_id not in self._jobs:
                    self.recovered.append(job_id)
                    self.looked_up.append(job_id)
                    taken += 1
                    pipe.emit(ev.StateChanged(job_id, JobState.unknown, record.error or "",
                                              resumed=True))
                    self._spawn_search(record)
            elif record.state is JobState.pending:
                taken += self._spawn_record(record, resume=False, rank=ranks.get(job_id),
                                            hold=holds.get(job_id))
        return taken

    async def _watch_held(self) -> None:
        while self.held_elsewhere and not self._closing:
            await asyncio.sleep(TAKEOVER_POLL_S)
            if any(live_owner(self.layout.root, o.owner_id) is None
                   for o in self.held_elsewhere):
                self._takeover = None
                await self._adopt(announce=True)
                await self._pipe.on_files(remove_dead_leases, self.layout.root)
                return

    def held_notice(self) -> str:
        """A sentence naming the jobs left to other live processes ('' when there are none)."""
        parts = [f"{len(ids)} by {owner.describe()} ({_short_ids(ids)})"
                 for owner, ids in self.held_elsewhere.items()]
        if not parts:
            return ""
        count = sum(len(ids) for ids in self.held_elsewhere.values())
        return (f"{count} unfinished job(s) on this data folder are still run by another"
                f" process: {'; '.join(parts)}. They are left to it.")

    def _live_owners(self) -> list[LiveOwner]:
        """The other engines that hold a lease on this data dir now."""
        return live_owners(self.layout.root, besides=self._lease.owner_id)

    def _spawn_search(self, record: JobRecord) -> None:
        """Look for an interrupted send in fal's request history (see _find_lost_submit)."""
        from qwenimg_desktop.core.jobs.pipeline import JobContext  # noqa: PLC0415 - loaded

        assert record.request is not None
        ctx = JobContext(record.id, record.request, JobState.unknown)
        self._jobs[ctx.job_id] = ctx
        ctx.task = asyncio.get_running_loop().create_task(
            self._find_flagged(ctx), name=f"find-{ctx.job_id}")

    def _spawn_record(self, record: JobRecord, *, resume: bool,
                      rank: float | None = None, hold: str | None = None) -> int:
        """Start following an adopted job; 1 if it was started, 0 if it cannot be."""
        from qwenimg_desktop.core.jobs.pipeline import JobContext  # noqa: PLC0415 - loaded

        if record.request is None or record.id in self._jobs:
            return 0
        ctx = JobContext(record.id, record.request, record.state, request_id=record.request_id)
        ctx.cancel_requested = record.state is JobState.cancel_requested
        ctx.started = ctx.started or record.started_at is not None
        self._jobs[ctx.job_id] = ctx
        self.recovered.append(ctx.job_id)
        coro = (self._resume(ctx) if resume
                else self._job(ctx, create=False, rank=rank, hold=hold))
        ctx.task = asyncio.get_running_loop().create_task(coro, name=f"job-{ctx.job_id}")
        return 1

    async def _fill_short_index(self) -> None:
        """Index the jobs older than ``job_grams`` (``core/store/grams.py``): one batch of a
        few milliseconds at a time on the DB thread, so a journal write queued meanwhile waits
        for one batch at most, then a pause as long as the batch (at most half a core)."""
        pipe = self._pipe
        while not self._closing:
            started = time.perf_counter()
            try:
                result = await pipe.db(pipe.store.backfill_short_index)
            except QwenImgError as exc:  # busy or full: searches keep the LIKE scan meanwhile
                log.warning("indexing old jobs for short search terms paused: %s", exc.message)
                await asyncio.sleep(SHORT_INDEX_RETRY_S)
                continue
            if result.state.complete:
                if result.jobs:
                    log.info("short search terms: every job is indexed")
                return
            await asyncio.sleep(max(time.perf_counter() - started, SHORT_INDEX_PAUSE_S))

    async def _teardown(self) -> None:
        for task in (self._takeover, self._short_index):
            if task is not None:
                task.cancel()
        tasks = [c.task for c in self._jobs.values() if c.task and not c.task.done()]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        if self._prices is not None:
            await self._prices.aclose()
        if self._pipeline is not None:
            await self._pipeline.client.aclose()
            if self._platform is not None:
                await self._platform.aclose()
            await self._pipeline.downloader.aclose()
            if self._pipeline.uploader is not None:
                await self._pipeline.uploader.aclose()

    def shutdown(self, timeout: float = 5.0) -> None:
        """Stop the engine; remote jobs stay journaled and resume at the next start.

        Jobs in the middle of a submit get up to ``timeout`` seconds to learn their request id.
        """
        if self._thread is not None:
            self._stop_waiting_for_prices()
            self._ready.wait(timeout + 30)  # a start still in progress finishes first
        if (self._thread is None or self._loop is None or self._closing
                or self._start_error is not None):
            self._stop_pools()
            self._lease.release()
            return
        self._closing = True
        try:
            self._call(self._drain_sends(), timeout + 1)
        except (concurrent.futures.TimeoutError, EngineClosed, RuntimeError):
            log.warning("in-flight submits did not finish before shutdown")
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout + 5)
        self._db_pool.submit(self._close_store).result(timeout=10)
        self._stop_pools()
        self._lease.release()  # last: its jobs may be adopted only once nothing here writes

    def _stop_waiting_for_prices(self) -> None:
        """A start still in progress stops waiting for fal's first prices (any thread):
        quitting never waits for a price read (``EnginePrices.start``)."""
        self._stop_asked = True
        loop = self._loop
        if loop is not None and not self._ready.is_set():
            with contextlib.suppress(RuntimeError):  # the loop has closed meanwhile
                loop.call_soon_threadsafe(self._quitting.set)

    def _stop_pools(self) -> None:
        for pool in (self._db_pool, self._file_pool, self._thumb_pool):
            pool.shutdown(wait=True)

    def _close_store(self) -> None:
        if self.store is not None:
            self.store.close()

    async def _drain_sends(self) -> None:
        sending = [c.task for c in self._jobs.values() if c.state is JobState.sending and c.task]
        if sending:
            await asyncio.wait(sending, timeout=5.0)
        try:
            async with asyncio.timeout(5.0):
                await self._pipe.drain_background()
        except TimeoutError:
            left = self._pipe.cancel_background()
            log.warning("%d thumbnail task(s) left to the next start's consistency check", left)

    # ---- facade (any thread) ----------------------------------------------------------------

    def submit(self, request: GenerationRequest, *, job_id: str | None = None,
               resent: bool = False) -> str:
        """Queue a validated request; returns its local job id (``job_id`` or a new one) at once.

        ``resent``: the window's process hands over again a job an engine process died before
        confirming; it is started only if the journal does not have it yet (see
        :meth:`_start_new`).
        """
        job_id = job_id or uuid.uuid4().hex
        if request.seed is None:  # chosen here, so a lost submit can be found by its body
            request = request.model_copy(update={"seed": client_seed()})
        self._post(self._start_new(job_id, request, resent=resent))
        return job_id

    def submit_batch(self, requests: Sequence[GenerationRequest], *, label: str = "",
                     batch_id: str | None = None, job_ids: Sequence[str] | None = None,
                     resent: bool = False) -> tuple[str, list[str]]:
        """Queue a batch: every job is journalled ``pending`` in one transaction before any
        is sent, and they are sent in the given order. Returns (batch id, job ids) at once.

        ``resent``: the window's process hands the batch over again after an engine process
        died before confirming it; skipped if the journal has it (recovery runs its jobs)."""
        batch_id = batch_id or uuid.uuid4().hex
        ids = list(job_ids) if job_ids is not None else [uuid.uuid4().hex for _ in requests]
        seeded = [r if r.seed is not None else r.model_copy(update={"seed": client_seed()})
                  for r in requests]  # as submit(): a lost submit is found by its body
        self._post(self._start_batch(batch_id, ids, seeded, label, resent=resent))
        return batch_id, ids

    def pause_sending(self, paused: bool) -> None:
        """Hold back (or let go) the jobs waiting to be sent; kept across restarts. Jobs
        already at fal go on."""
        self._post(self._pause(paused))

    def resume_after_lock(self) -> None:
        """Lift the pause a locked account put on sending (after a top-up; the user's own
        pause stays as it is). Never done on its own."""
        self._post(self._resume_after_lock())

    def allow_once(self, job_id: str) -> None:
        """Send a job a budget cap holds back, with the rest of its batch if it has one (the
        cap was judged on the batch's total)."""
        self._post(self._allow_once(job_id))

    def adopt_request(self, job_id: str, request_id: str) -> None:
        """Follow ``request_id``, the user's choice among the requests fal's history showed for
        the lost submit of ``job_id``. Refused (an :class:`~.events.EngineNotice`) unless it is
        one of them; the choice is journalled before anything is asked of fal."""
        self._post(self._adopt_chosen(job_id, request_id))

    def move_to_front(self, job_id: str) -> None:
        """Send this waiting job next (before every other waiting job)."""
        self._post(self._move_to_front(job_id))

    def reorder(self, job_id: str, after: str = "", before: str = "") -> None:
        """Send this waiting job after ``after`` and before ``before`` (its neighbours in the
        waiting queue as the user placed it; "" for none); kept across restarts."""
        self._post(self._reorder(job_id, after, before))

    def cancel_batch(self, batch_id: str) -> None:
        """Cancel every unfinished job of a batch: waiting ones first (nothing is sent)."""
        self._post(self._cancel_batch(batch_id))

    @property
    def held(self) -> list[str]:
        """The waiting jobs a budget cap holds back now (a snapshot)."""
        return list(self._holds)

    @property
    def paused(self) -> bool:
        """Whether sending is paused now."""
        return self._slots is not None and self._slots.paused

    def retry(self, job_id: str, *, new_id: str | None = None, resent: bool = False) -> str:
        """Submit the stored request of ``job_id`` again, as a new job (``new_id`` or a new id)."""
        new_id = new_id or uuid.uuid4().hex
        self._post(self._retry_job(job_id, new_id, resent=resent))
        return new_id

    def find_lost_submits(self, timeout: float | None = None) -> list[str]:
        """Look for every ``unknown`` job of the journal at fal now (the CLI's ``reconcile``);
        returns their ids, with those the start already looked for. Each is followed if
        found; nothing is sent again."""
        return self._call(self._find_all_lost(), timeout)

    async def _find_all_lost(self) -> list[str]:
        pipe = self._pipe
        job_ids = await pipe.db(pipe.store.lost_submits)
        records = await pipe.db(pipe.store.get_many, job_ids)
        for job_id in job_ids:
            record = records.get(job_id)
            if record is not None and record.request is not None and job_id not in self._jobs:
                self.looked_up.append(job_id)
                self._spawn_search(record)
        return list(dict.fromkeys([*self.looked_up, *job_ids]))

    def cancel(self, job_id: str) -> None:
        """Cancel: locally if not sent yet, else PUT cancel (the run may still complete)."""
        self._post(self._cancel(job_id))

    def redownload(self, job_id: str) -> None:
        """Fetch a completed job's result again and download its missing images.

        The outcome arrives as a :class:`~qwenimg_desktop.core.jobs.events.FilesRestored` event.
        """
        self._post(self._redownload(job_id))

    def cancel_all(self) -> None:
        """Cancel every job that is not finished."""
        self._post(self._cancel_all())

    def active_jobs(self) -> list[str]:
        """Ids of jobs not yet finished (a snapshot)."""
        return [j for j, c in list(self._jobs.items()) if not c.state.is_final]

    def configure(self, *, concurrency: int, price_per_image: float | None,
                  budget: Budget | None = None) -> None:
        """Apply changed settings now: waiting jobs start at once if the limit grows; the
        price (None = each endpoint's list price) is used for the cost of the next jobs; new
        caps (``budget``; None keeps the current ones) send the held jobs that fit them."""
        self.concurrency = max(1, concurrency)
        self._post(self._configure(self.concurrency, price_per_image, budget))

    async def _configure(self, concurrency: int, price_per_image: float | None,
                         budget: Budget | None) -> None:
        self.price_per_image = price_per_image
        assert self._slots is not None
        await self._slots.set_limit(concurrency)
        if budget is not None and budget.caps != self.budget.caps:
            self.budget = budget
            await self._review_holds()

    def wait_idle(self, timeout: float | None = None) -> bool:
        """Block until no job is running (jobs held by a paused queue do not count); False on
        timeout."""
        try:
            self._call(self._idle(), timeout)
        except concurrent.futures.TimeoutError:
            return False
        return True

    def check_files(self) -> ConsistencyReport:
        """The History tab's file check (``consistency.check_files``) on the caller's thread,
        over a read-only connection of its own (the writer's lock is never held for it); waits
        for the start. In the engine's own process (``remote.py``) this runs there, not in the
        window's: its walk of every row held the GUI thread's GIL for seconds.

        Raises:
            EngineClosed, or the start's error: the engine is not running.
            StoreError: the journal could not be read.
        """
        from qwenimg_desktop.core.store.consistency import check_files  # noqa: PLC0415
        from qwenimg_desktop.core.store.history import HistoryStore  # noqa: PLC0415

        self.wait_ready()
        reader = HistoryStore.open(self.layout, readonly=True)
        try:
            return check_files(reader)
        finally:
            reader.close()

    # ---- engine-loop side -------------------------------------------------------------------

    @property
    def _pipe(self) -> Pipeline:
        assert self._pipeline is not None
        return self._pipeline

    def _post(self, coro: Coroutine[Any, Any, None]) -> None:
        with self._start_lock:
            if self._thread is not None and not self._ready.is_set() and not self._closing:
                self._early.append(coro)  # runs as soon as the start has finished
                return
        self._await_start(coro)
        if self._loop is None or self._closing or not self._loop.is_running():
            coro.close()
            raise EngineClosed("the job engine is not running")
        asyncio.run_coroutine_threadsafe(coro, self._loop)

    def _call(self, coro: Coroutine[Any, Any, T], timeout: float | None) -> T:
        self._await_start(coro)
        if self._loop is None or not self._loop.is_running():
            coro.close()
            raise EngineClosed("the job engine is not running")
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(timeout)

    def _await_start(self, coro: Coroutine[Any, Any, Any]) -> None:
        """A command during a non-waiting start waits for it (and fails if the start failed)."""
        if self._thread is None or self._ready.is_set():
            if self._start_error is not None:
                coro.close()
                raise self._start_error
            return
        try:
            self.wait_ready()
        except BaseException:
            coro.close()
            raise

    async def _idle(self) -> None:
        while True:
            # While sending is paused, a waiting job is not work in progress: it waits for the
            # user (a `resume` must not hang on a queue the window left paused).
            held = self._slots is not None and self._slots.paused
            tasks = [c.task for c in self._jobs.values() if c.task and not c.task.done()
                     and not ((held or c.job_id in self._holds)
                              and c.state is JobState.pending)]
            if not tasks:
                await self._pipe.drain_background()  # thumbnails of the jobs just completed
                return
            # Woken when a job finishes, or when one starts to wait for the user (held by a
            # cap, or paused by a lock): that one no longer counts.
            self._waits_changed.clear()
            changed = asyncio.ensure_future(self._waits_changed.wait())
            try:
                await asyncio.wait([*tasks, changed], return_when=asyncio.FIRST_COMPLETED)
            finally:
                changed.cancel()

    async def _start_new(self, job_id: str, request: GenerationRequest, *,
                         resent: bool = False) -> None:
        from qwenimg_desktop.core.jobs.pipeline import JobContext  # noqa: PLC0415 - loaded

        if resent and await self._already_journalled(job_id):
            return
        ctx = JobContext(job_id, request, JobState.pending)
        self._jobs[job_id] = ctx
        ctx.task = asyncio.current_task()
        await self._job(ctx, create=True)

    def _cap_hold(self, cost: float | None, images: int) -> str | None:
        """Why a budget cap holds back new jobs costing ``cost`` (None: they may go). On the
        journal's writer thread, right before their rows are written, so two clicks are never
        both counted against the same spend."""
        caps = self.budget.caps
        if caps == Budget():
            return None
        spent = self._pipe.store.committed_spend()
        decision = check_budget(cost, images, spent_today=spent.today, spent_month=spent.month,
                                budget=caps)
        return decision.hold_reason or None

    def _costs_now(self, requests: Sequence[GenerationRequest]) -> list[float | None]:
        """Each request's cost at the price in effect now: the user's own, else fal's as kept
        in the journal (read here, on the writer thread), else unknown (a cap cannot hold an
        unknown cost: the window asks before sending it). A day-old price is read from fal
        again, in the background."""
        own = self.price_per_image
        table: PriceTable = {}
        if not own and self._prices is not None:
            table = self._prices.cached()
        return [request_cost(request, own, table) for request in requests]

    def _journal_new(self, request: GenerationRequest, job_id: str,
                     at_once: bool) -> JournalledJob:
        """Journal one new job ``pending``, priced now (held back if a cap says so).

        ``at_once``: the job finds a free slot and nothing to upload, so unless a cap holds it,
        its ``sending`` commit (fsynced) follows before anything else and makes this one
        durable with it: this one is not fsynced itself (see ``HistoryStore.create_pending``).
        """
        store = self._pipe.store
        cost = self._costs_now([request])[0]
        hold = self._cap_hold(cost, request.num_images)
        durable = hold is not None or not at_once
        store.create_pending(request, queue_base=self.queue_base, cost_estimate=cost,
                             job_id=job_id, hold=hold, durable=durable)
        return JournalledJob(hold, store.queue_ranks([job_id]).get(job_id), durable)

    def _sends_at_once(self, request: GenerationRequest) -> bool:
        """Whether a new job would be sent without waiting: a free send slot and nothing to
        upload first."""
        from qwenimg_desktop.core.jobs.pipeline import uploads_first  # noqa: PLC0415 - loaded

        return self._slots is not None and self._slots.free_for_send() and not uploads_first(
            request)

    def _journal_batch(self, job_ids: list[str], requests: list[GenerationRequest], label: str,
                       batch_id: str) -> str | None:
        """Journal a batch whole, priced now, held back whole if its total would pass a cap."""
        from qwenimg_desktop.core.store.batches import BatchJob  # noqa: PLC0415 - loaded

        costs = self._costs_now(requests)
        jobs = [BatchJob(job_id, request, cost)
                for job_id, request, cost in zip(job_ids, requests, costs, strict=True)]
        total = None if None in costs else sum(c for c in costs if c is not None)
        hold = self._cap_hold(total, sum(j.request.num_images for j in jobs))
        self._pipe.store.create_batch(jobs, queue_base=self.queue_base, label=label,
                                      batch_id=batch_id, hold=hold)
        return hold

    async def _start_batch(self, batch_id: str, job_ids: list[str],
                           requests: list[GenerationRequest], label: str, *,
                           resent: bool = False) -> None:
        from qwenimg_desktop.core.jobs.pipeline import JobContext  # noqa: PLC0415 - loaded

        pipe = self._pipe
        if resent and await self._already_journalled(job_ids[0]):
            return  # the dead process wrote the whole batch: this one's recovery sends it
        try:
            hold = await asyncio.shield(pipe.db(self._journal_batch, job_ids, requests, label,
                                                batch_id))
        except QwenImgError as exc:  # nothing journalled, so nothing of it is sent
            for job_id in job_ids:
                pipe.emit(ev.Failed(job_id, exc.message, type(exc).__name__))
            return
        ranks = await pipe.db(pipe.store.queue_ranks, job_ids)
        loop = asyncio.get_running_loop()
        for job_id, request in zip(job_ids, requests, strict=True):
            ctx = JobContext(job_id, request, JobState.pending)
            self._jobs[job_id] = ctx
            if hold:
                self._holds[job_id] = asyncio.Event()
            ctx.task = loop.create_task(
                self._job(ctx, create=False, rank=ranks.get(job_id), hold=hold),
                name=f"job-{job_id}")

    async def _pause(self, paused: bool) -> None:
        """The user's "Pause sending" (a lock's pause is apart: see _lock)."""
        pipe = self._pipe
        await pipe.db(pipe.store.set_paused, paused)
        self.user_paused = paused
        self._apply_pause()

    async def _move_to_front(self, job_id: str) -> None:
        pipe = self._pipe
        rank = await pipe.db(pipe.store.move_to_front, job_id)
        if rank is not None and self._slots is not None:
            self._slots.rerank(job_id, rank)

    async def _reorder(self, job_id: str, after: str, before: str) -> None:
        pipe = self._pipe
        rank = await pipe.db(pipe.store.place_in_queue, job_id, after, before)
        if rank is not None and self._slots is not None:
            self._slots.rerank(job_id, rank)

    async def _cancel_batch(self, batch_id: str) -> None:
        pipe = self._pipe
        info = await pipe.db(pipe.store.batch, batch_id)
        live = [self._jobs[j] for j in info.job_ids if j in self._jobs]
        waiting = [c for c in live if c.state is JobState.pending]
        for ctx in [*waiting, *(c for c in live if c not in waiting)]:
            await self._cancel(ctx.job_id)

    async def _retry_job(self, old_id: str, new_id: str, *, resent: bool = False) -> None:
        pipe = self._pipe
        if resent and await self._already_journalled(new_id):
            return
        record = await pipe.db(pipe.store.get, old_id)
        if record is None or record.request is None:
            pipe.emit(ev.Failed(new_id, "the job to retry is not in the history", "NotFound"))
            return
        if record.state is JobState.failed and record.error_type == NOT_DOWNLOADED:
            # fal made (and charged for) this result: a retry would pay a second time.
            pipe.emit(ev.Failed(new_id, RETRY_REFUSED_PAID, "RetryRefused"))
            return
        await self._start_new(new_id, record.request)

    async def _already_journalled(self, job_id: str) -> bool:
        """A resent job the previous engine process wrote before it died: this engine's
        recovery has taken it over (its events follow), or it had already ended (said now, so
        the window's row ends too). Starting it again would be a second row and a second send."""
        if job_id in self._jobs:
            return True
        pipe = self._pipe
        record = await pipe.db(pipe.store.get, job_id)
        if record is None:
            return False
        pipe.emit(ev.StateChanged(job_id, record.state, record.error or ""))
        return True

    async def _job(self, ctx: JobContext, *, create: bool, rank: float | None = None,
                   hold: str | None = None) -> None:
        pipe = self._pipe
        try:
            if create:
                journalled = await self._journal_first(ctx)
                hold, rank = journalled.hold, journalled.rank
            if hold:
                await self._wait_released(ctx.job_id, hold)
            pipe.emit(ev.StateChanged(ctx.job_id, JobState.pending, "waiting for a free slot"))
            assert self._slots is not None
            while True:
                async with self._slots.send_slot(ctx.job_id, rank):
                    if ctx.cancel_requested:
                        await pipe.finish_cancelled(ctx)
                        return
                    try:
                        sent = await pipe.send(ctx)
                    except AccountLocked as exc:
                        await self._account_locked(ctx, exc)
                        continue  # waits again, in the paused queue, until Resume
                    if sent:
                        await pipe.follow(ctx)
                break
            if not sent and ctx.state is JobState.unknown:
                await self._find_lost_submit(ctx)  # outside the slot: it may look for minutes
        except asyncio.CancelledError:
            if ctx.cancel_requested and ctx.request_id is None and not self._closing:
                await asyncio.shield(pipe.finish_cancelled(ctx))
                return
            raise
        except Exception as exc:  # noqa: BLE001 - every failure ends the job with a reason
            await pipe.fail(ctx, exc)

    async def _journal_first(self, ctx: JobContext) -> JournalledJob:
        """Journal a new job before anything is sent.

        A job sent at once has one fsync before the network, its ``sending`` commit's, which
        makes its ``pending`` row durable with it (see :meth:`_journal_new`); the key is read
        meanwhile. Shielded: a cancel that arrives now must not drop the row's creation (its
        "cancelled" is written after it, on the same single writer thread).
        """
        pipe = self._pipe
        at_once = self._sends_at_once(ctx.request)
        if at_once:
            pipe.client.read_key_ahead()
        journalled = await asyncio.shield(pipe.db(
            self._journal_new, ctx.request, ctx.job_id, at_once))
        if not journalled.durable and not self._sends_at_once(ctx.request):
            # The slot went to another job (or sending was paused) meanwhile: this one waits,
            # so its row must outlive a power cut before it is sent.
            await asyncio.shield(pipe.db(pipe.store.make_durable, ctx.job_id))
        return journalled

    async def _wait_released(self, job_id: str, reason: str) -> None:
        """Hold a waiting job back until the user raises the cap or allows it once."""
        released = self._holds.setdefault(job_id, asyncio.Event())
        self._pipe.emit(ev.Held(job_id, reason))
        self._waits_changed.set()
        try:
            await released.wait()
        finally:
            self._holds.pop(job_id, None)

    async def _release(self, job_ids: Sequence[str]) -> None:
        """Let held jobs go: the journal first (their hold cleared), then the waiting tasks."""
        pipe = self._pipe
        for job_id in await pipe.db(pipe.store.release_holds, list(job_ids)):
            event = self._holds.get(job_id)
            if event is not None:
                event.set()

    async def _allow_once(self, job_id: str) -> None:
        pipe = self._pipe
        await self._release(await pipe.db(pipe.store.held_with, job_id))

    def _release_fitting(self) -> list[str]:
        """On the writer thread: release, in queue order, each held job (a batch whole) that
        the caps let go now; the others keep their hold with today's figures."""
        from qwenimg_desktop.core.store.holds import HeldJob  # noqa: PLC0415 - loaded

        store = self._pipe.store
        groups: dict[str, list[HeldJob]] = {}
        for held in store.held_jobs():
            groups.setdefault(held.batch_id or held.job_id, []).append(held)
        released: list[str] = []
        for group in groups.values():
            ids = [held.job_id for held in group]
            hold = self._cap_hold(sum(h.cost_estimate for h in group),
                                  sum(h.images for h in group))
            if hold is None:
                released += store.release_holds(ids)
            elif hold != group[0].reason:
                store.note_holds(ids, hold)
        return released

    async def _review_holds(self) -> None:
        """The caps changed: send the held jobs that fit now; the others show new figures."""
        pipe = self._pipe
        released = await pipe.db(self._release_fitting)
        for job_id in released:
            event = self._holds.get(job_id)
            if event is not None:
                event.set()
        still = {h.job_id: h.reason for h in await pipe.db(pipe.store.held_jobs)}
        for job_id, reason in still.items():
            if job_id in self._holds:
                pipe.emit(ev.Held(job_id, reason))

    def _apply_pause(self) -> None:
        """Waiting sends are held back while either the user or a lock pauses them."""
        if self._slots is not None:
            self._slots.set_paused(self.user_paused or self.locked is not None)
        self._waits_changed.set()

    async def _lock(self, reason: str) -> None:
        pipe = self._pipe
        await pipe.db(pipe.store.set_locked, reason)
        self.locked = reason
        self._apply_pause()

    async def _resume_after_lock(self) -> None:
        pipe = self._pipe
        await pipe.db(pipe.store.set_locked, None)
        self.locked = None
        self._apply_pause()

    async def _account_locked(self, ctx: JobContext, exc: AccountLocked) -> None:
        """fal refused a submit or an upload of ``ctx`` because the account is locked: pause
        sending for every job (kept across restarts, apart from the user's own pause), say why
        once per lock; the job waits."""
        pipe = self._pipe
        first = self.locked is None
        await self._lock(exc.reason or "locked")
        if ctx.state is not JobState.pending:
            return
        pipe.emit(ev.StateChanged(ctx.job_id, JobState.pending, ACCOUNT_LOCKED_WAIT))
        if first:
            log.warning("fal account locked; sending paused: %s", exc.reason)
            pipe.emit(ev.AccountLocked("", exc.reason, exc.message))

    async def _find_lost_submit(self, ctx: JobContext) -> None:
        """Look for a submit whose answer was lost in fal's request history and follow it if
        exactly one request matches its journalled body; never send it again
        (core/jobs/reconcile.py). Without history access, say so once and leave it unknown."""
        from qwenimg_desktop.core.jobs import reconcile  # noqa: PLC0415 - engine thread

        pipe = self._pipe
        record = await pipe.db(pipe.store.get, ctx.job_id)
        if record is None or record.state is not JobState.unknown:
            return
        lost = reconcile.lost_reason(record.error)  # why its outcome is unknown
        if self._history_refused or self._platform is None:
            pipe.emit(ev.Failed(ctx.job_id, lost, "SubmissionUnknown"))
            return
        await pipe.db(pipe.store.note_unknown, ctx.job_id, reconcile.looking_note(lost),
                      "submission_unknown")
        pipe.emit(ev.StateChanged(ctx.job_id, JobState.unknown, reconcile.LOOKING))
        try:
            found = await reconcile.look_until_found(
                self._platform, ctx.request.endpoint, ctx.request.to_api_payload(),
                record.created_at, deadline=self.config.reconcile_deadline,
                taken=lambda ids: pipe.db(pipe.store.request_ids_held, ids),
            )
        except (ScopeRefused, AuthError) as exc:
            if not self._history_refused:  # two lookups may be refused at once: said once
                self._history_refused = True
                log.info("request history refused: %s", exc)
                pipe.emit(ev.EngineNotice("", reconcile.NO_HISTORY_ACCESS))
            await pipe.db(pipe.store.note_unknown, ctx.job_id, lost, "submission_unknown")
            pipe.emit(ev.Failed(ctx.job_id, lost, "SubmissionUnknown"))
            return
        except FalError as exc:
            message = (f"{lost}; fal's request history could not be read to look for "
                       f"it ({exc.message})")
            await pipe.db(pipe.store.note_unknown, ctx.job_id, message, "submission_unknown")
            pipe.emit(ev.Failed(ctx.job_id, message, "SubmissionUnknown"))
            return
        if found.outcome is reconcile.Outcome.found:
            await self._adopt_found(ctx, found.matches[0].request_id)
            return
        if found.outcome is reconcile.Outcome.several:
            message = (f"several requests at fal match this job ({len(found.matches)}); "
                       "nothing was sent again")
            await pipe.db(pipe.store.note_candidates, ctx.job_id, message,
                          reconcile.candidates(found))
            pipe.emit(ev.Failed(ctx.job_id, message, "SubmissionUnknown",
                                next_step=CHOOSE_STEP, error_type=AMBIGUOUS_AT_FAL))
            return
        minutes = self.config.reconcile_deadline / 60
        message = (f"{lost}. Not found at fal: its request history did not show "
                   f"this request within {minutes:g} min. Submit again sends it once more "
                   "(and is charged again).")
        error_type = reconcile.NOT_FOUND_AT_FAL
        await pipe.db(pipe.store.note_unknown, ctx.job_id, message, error_type)
        pipe.emit(ev.Failed(ctx.job_id, message, "SubmissionUnknown",
                            next_step=reconcile.SUBMIT_AGAIN_STEP, error_type=error_type))

    async def _adopt_found(self, ctx: JobContext, request_id: str) -> None:
        """``unknown`` → ``submitted`` with the request id found at fal, then follow it."""
        pipe = self._pipe
        urls = request_urls(pipe.client.base, request_id)
        await pipe.db(pipe.store.adopt_found_request, ctx.job_id, request_id=request_id,
                      status_url=urls["status_url"], response_url=urls["response_url"],
                      cancel_url=urls["cancel_url"])
        await pipe.db(pipe.store.append_logs, ctx.job_id, [(
            f"found at fal as request {request_id}: the submit had arrived; following it "
            "(nothing was sent again)", "INFO", None)])
        ctx.request_id, ctx.state = request_id, JobState.submitted
        pipe.emit(ev.Submitted(ctx.job_id, request_id))
        assert self._slots is not None
        async with self._slots:
            await pipe.follow(ctx)

    async def _adopt_chosen(self, job_id: str, request_id: str) -> None:
        """See :meth:`adopt_request`."""
        from qwenimg_desktop.core.jobs.pipeline import JobContext  # noqa: PLC0415 - loaded

        pipe = self._pipe
        try:
            await pipe.db(pipe.store.check_candidate, job_id, request_id)
            if await pipe.db(pipe.store.request_ids_held, [request_id]):
                raise UserError(f"Request {request_id} is already followed by another job.")
        except UserError as exc:
            pipe.emit(ev.EngineNotice("", f"Not followed: {exc.message}"))
            return
        record = await pipe.db(pipe.store.get, job_id)
        if record is None or record.request is None:
            return
        ctx = JobContext(job_id, record.request, JobState.unknown)
        self._jobs[job_id] = ctx
        ctx.task = asyncio.current_task()
        try:
            await self._adopt_found(ctx, request_id)  # the journal first, then fal
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # noqa: BLE001 - every failure ends the job with a reason
            await pipe.fail(ctx, exc)

    async def _find_flagged(self, ctx: JobContext) -> None:
        try:
            await self._find_lost_submit(ctx)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # noqa: BLE001 - every failure ends the job with a reason
            await self._pipe.fail(ctx, exc)

    async def _resume(self, ctx: JobContext) -> None:
        pipe = self._pipe
        try:
            await pipe.resume_logs(ctx)  # lines stored before the restart are not added again
            pipe.emit(ev.StateChanged(ctx.job_id, ctx.state, "resumed after restart",
                                      resumed=True))
            assert self._slots is not None
            async with self._slots:
                await pipe.follow(ctx)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # noqa: BLE001 - every failure ends the job with a reason
            await pipe.fail(ctx, exc)

    async def _cancel(self, job_id: str) -> None:
        ctx = self._jobs.get(job_id)
        if ctx is None or ctx.state.is_final:
            return
        ctx.cancel_requested = True
        if ctx.state is JobState.pending and ctx.task is not None:
            ctx.task.cancel()  # not sent yet: nothing to pay, cancel locally
        elif ctx.request_id is not None:
            await self._pipe.request_cancel(ctx)
        # sending: send() returns, then follow() issues the remote cancel.

    async def _redownload(self, job_id: str) -> None:
        from qwenimg_desktop.core.store.redownload import redownload_missing  # noqa: PLC0415

        pipe = self._pipe
        bound = asyncio.timeout(pipe.job_deadline)
        try:
            record = await pipe.db(pipe.store.get, job_id)
            async with bound:
                if record is not None and record.awaits_redownload:
                    fixed = await pipe.fetch_again(record)  # a paid result never stored
                else:
                    fixed = await redownload_missing(pipe.store, pipe.client, pipe.downloader,
                                                     job_id)
        except TimeoutError:
            if not bound.expired():
                raise
            pipe.emit(ev.FilesRestored(job_id, 0, (
                f"the re-download did not finish within {pipe.job_deadline:g} s; "
                "try again later")))
            return
        except QwenImgError as exc:
            pipe.emit(ev.FilesRestored(job_id, 0, exc.message))
            return
        pipe.emit(ev.FilesRestored(job_id, len(fixed)))

    async def _cancel_all(self) -> None:
        for job_id in list(self._jobs):
            await self._cancel(job_id)


def _short_ids(job_ids: tuple[str, ...], shown: int = 5) -> str:
    """``job 1a2b3c4d, job 5e6f7a8b and 3 more``: which jobs, briefly."""
    named = ", ".join(f"job {job_id[:8]}" for job_id in job_ids[:shown])
    rest = len(job_ids) - shown
    return named + (f" and {rest} more" if rest > 0 else "")


def _default_owner_label() -> str:
    """How other processes name this engine in their messages."""
    if multiprocessing.parent_process() is not None:
        return "a Qwen Image Desktop window"
    return "another Qwen Image Desktop process"
