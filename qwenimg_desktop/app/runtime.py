"""The window's composition root: services, the job engine, the window, and their teardown.

Imported once, by :mod:`~qwenimg_desktop.app.launch`, after the start-up shell's first paint
(tests and benchmarks build an :class:`AppRuntime` directly). Everything it needs is imported
at the top, except what only some sessions use: the emulator (``--demo``), the smoke test
(``--smoke-test``), the engine in a thread (``engine_in_thread``) and httpx (the key test, run
off the GUI thread), and the history store, opened after the window's first paint.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from PySide6.QtCore import QTimer, QtMsgType, qInstallMessageHandler
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication, QMessageBox

from qwenimg_desktop import APP_NAME, __version__
from qwenimg_desktop.app import Options
from qwenimg_desktop.app.instance import Handover
from qwenimg_desktop.core import heap, paths
from qwenimg_desktop.core.errors import QwenImgError
from qwenimg_desktop.core.jobs.config import EngineConfig
from qwenimg_desktop.core.jobs.facade import EngineFacade
from qwenimg_desktop.core.jobs.remote import EngineProcess
from qwenimg_desktop.core.logs import install_excepthooks, setup_logging
from qwenimg_desktop.core.params import GenerationRequest
from qwenimg_desktop.core.paths import DRAFT_FILE, SETTINGS_FILE
from qwenimg_desktop.core.secrets import BILLING_ACCOUNT, KeyStore
from qwenimg_desktop.core.settings import AppSettings
from qwenimg_desktop.core.store.files import DataLayout, ensure_writable
from qwenimg_desktop.core.threads import favour_the_gui_thread
from qwenimg_desktop.ui import i18n
from qwenimg_desktop.ui.bridge import EngineBridge
from qwenimg_desktop.ui.main_window import MainWindow
from qwenimg_desktop.ui.safe_text import plain_message_box
from qwenimg_desktop.ui.services import UiServices
from qwenimg_desktop.ui.startup_shell import StartupShell, after_first_paint, application
from qwenimg_desktop.ui.theme import ThemeController, app_icon
from qwenimg_desktop.ui.workers import Workers

if TYPE_CHECKING:
    from qwenimg_desktop.core.balance import Balance
    from qwenimg_desktop.core.jobs.events import EngineReady
    from qwenimg_desktop.core.pricing import CachedPrice
    from qwenimg_desktop.core.store.history import HistoryStore
    from qwenimg_desktop.emulator.server import EmulatorServer

log = logging.getLogger("qwenimg.app")

DEMO_KEY: Final = "demo-key-id:demo-key-secret"
EARLY_HISTORY: Final = os.name == "posix"
"""Whether the History tab reads the journal before the engine's checks have finished. Not on
Windows: there a file SQLite has open cannot be renamed, so the window's early reader would
stop the engine from moving a damaged journal aside (docs/reliability.md)."""
HEAP_HOLD_LIMIT_MS: Final = 20_000
"""The collector held off while the app starts is back this long after the window shows, if
the engine's start (which ends the hold) has not finished by then."""


class AppRuntime:
    """Every long-lived service of one GUI session; ``close()`` shuts them down in order."""

    def __init__(self, options: Options, *, key_store: KeyStore | None = None,
                 billing_keys: KeyStore | None = None, base_dir: Path | None = None) -> None:
        favour_the_gui_thread()  # the window shares the GIL with the engine's threads
        heap.return_large_blocks()  # decoded images leave no pages behind (see core.heap)
        self.options = options
        override = base_dir if base_dir is not None else options.data_dir
        self.data_dir = paths.default_data_dir(override)
        self.config_dir = paths.default_config_dir(override)
        self.log_dir = paths.default_log_dir(override)
        self.settings_path = self.config_dir / SETTINGS_FILE
        # Problems with files read at start-up, shown by the next window (then forgotten).
        self.notices: list[str] = []
        self.settings: AppSettings = AppSettings.load(self.settings_path,
                                                      report=self.notices.append)
        self.key_store: KeyStore = key_store if key_store is not None else KeyStore()
        # The optional admin-scoped billing key: its own keyring entry (core/balance.py).
        self.billing_keys: KeyStore = (billing_keys if billing_keys is not None
                                       else self.key_store.sibling(BILLING_ACCOUNT))
        self.workers: Workers = Workers()
        self.bridge: EngineBridge = EngineBridge()
        self.emulator: EmulatorServer | None = None
        self.engine: EngineFacade | None = None
        self.window: MainWindow | None = None
        # The window's own connection to the journal, opened when the engine is ready.
        self.history: HistoryStore | None = None
        # The History tab's read-only connection, opened before the engine's checks passed
        # (read_history_early); it becomes self.history in place when they have.
        self._early_history: HistoryStore | None = None
        # open_window: a failed engine start is said (the text) and ends the app.
        self.on_start_failed: Callable[[str], None] | None = None
        self.bridge.job_event.connect(self._on_engine_event)
        self.theme: ThemeController | None = None
        self.demo = options.demo
        self._handovers_waiting: list[Handover] = []

    def __repr__(self) -> str:
        return f"<AppRuntime data={self.data_dir} demo={self.demo}>"

    @property
    def queue_base(self) -> str:
        if self.demo and self.emulator is not None:
            return self.emulator.base_url
        return self.options.queue_url or self.settings.queue_url

    def start_engine(self, *, wait: bool = True) -> EngineFacade:
        """Start the emulator (demo) and the job engine (``wait=False``: its ``EngineReady``
        event says when it is ready, see ``_engine_ready``)."""
        root = self.data_dir
        keys = self.key_store.get
        if self.demo:
            from qwenimg_desktop.emulator.server import EmulatorServer  # noqa: PLC0415 - demo

            self.emulator = EmulatorServer()
            self.emulator.start()
            root = self.data_dir / "demo"
            keys = _demo_key
        self.layout = DataLayout(root)
        config = EngineConfig(
            self.layout, queue_base=self.queue_base, concurrency=self.settings.concurrency,
            price_per_image=self.settings.price_per_image_usd, repair_corrupt=True,
            budget=None if self.demo else self.settings.budget,  # demo jobs are free
            # a hard crash in the engine's process leaves its stack in the crash folder
            fault_log=self.log_dir / "crash" / "engine-fault.log")
        engine: EngineFacade
        if self.options.engine_in_thread:  # benchmarks' A/B and debugging only
            from qwenimg_desktop.core.jobs.engine import JobEngine  # noqa: PLC0415

            engine = JobEngine(config, keys=keys, sink=self.bridge.sink)
        else:  # the window's process never loads the engine itself (asyncio, the pipeline)
            engine = EngineProcess(config, keys=keys, sink=self.bridge.sink)
        self.engine = engine
        engine.start(wait=wait)
        return engine

    def history_store(self) -> HistoryStore | None:
        """The window's own connection to the journal (None until the engine is ready)."""
        return self.history

    def lookup_request(self, job_id: str) -> GenerationRequest | None:
        record = self.history.get(job_id) if self.history is not None else None
        return record.request if record is not None else None

    def _on_engine_event(self, event: object) -> None:
        from qwenimg_desktop.core.jobs.events import EngineReady  # noqa: PLC0415 - see bridge

        if isinstance(event, EngineReady):
            self._engine_ready(event)

    def read_history_early(self) -> None:
        """After the window's first paint: give the History tab a read-only connection to the
        journal while the engine still checks it (its lease, ``quick_check``), so yesterday's
        images can be browsed within a second instead of after the check. Only a journal whose
        schema is already current is read (an older one waits for the engine's migration);
        nothing is written through it until the engine is ready (``HistoryNotChecked``), and a
        journal the engine then finds damaged is replaced in the tab by the fresh one, with the
        engine's notice. Any problem reading it leaves the tab waiting for the engine, as
        before, which says what is wrong."""
        window, engine = self.window, self.engine
        if (not EARLY_HISTORY or window is None or engine is None or engine.ready
                or self.history is not None or self._early_history is not None):
            return
        from qwenimg_desktop.core.store.history import HistoryStore  # noqa: PLC0415

        try:
            store = HistoryStore.open_before_check(self.layout)
        except QwenImgError as exc:
            log.info("the history is shown once the engine has checked it: %s", exc.message)
            return
        if store is None:
            return
        self._early_history = store
        window.history.attach(store)

    def _engine_ready(self, event: EngineReady) -> None:
        """The engine's start finished (GUI thread): open the window's own connection to the
        journal and hand it to the window, show the engine's notice, or say why it failed."""

        window = self.window
        if self.engine is None:  # the app closed meanwhile: nothing to open, nobody to tell
            heap.end_hold()
            log.info("the job engine's start ended after the app began to close%s",
                     f" ({event.error})" if event.error else "")
            return
        if event.layout is None:
            reason, next_step = event.error or "the job engine did not start", event.next_step
        else:
            early = self._early_history
            try:
                store = self._checked_history(event.layout)
            except QwenImgError as exc:
                reason, next_step = exc.message, exc.next_step
            else:
                self._early_history = None
                self._close_history()
                self.history = store
                if window is not None:
                    window.history.attach(store)  # rebuilt if the early store was replaced
                    # resumed jobs' rows learn their parameters; the last session is listed
                    window.history_attached(event.owner)
                if early is not None and early is not store:
                    early.close()  # after the tab has let go of it
                # Everything start-up built lives until quit: keep it out of later GC passes,
                # which otherwise stall the GUI thread for ~20 ms whichever thread runs them.
                # The launch's hold on the collector ends here (end_hold settles too).
                if not heap.end_hold():
                    heap.settle()
                if event.notice and window is not None:
                    window.show_notice(event.notice)
                waiting, self._handovers_waiting = self._handovers_waiting, []
                for handover in waiting:
                    self.open_handover(handover)
                return
        heap.end_hold()
        log.error("the job engine could not start: %s", reason)
        if window is not None:
            window.history.failed(reason)
        self._close_early_history()
        if self.on_start_failed is not None:
            self.on_start_failed(f"{reason}\n{next_step}".strip())

    def _checked_history(self, layout: DataLayout) -> HistoryStore:
        """The window's writer on the journal the engine has checked: the early store, read
        since the window's paint, made writable in place; a new one when there was none or the
        engine moved a damaged journal aside meanwhile (the early one is closed by the caller,
        once the tab has let go of it)."""
        # Loaded here, after the window's first paint: nothing before it reads the journal.
        from qwenimg_desktop.core.store.history import HistoryStore  # noqa: PLC0415

        early = self._early_history
        if early is not None and early.open_for_writing():
            return early
        return HistoryStore.open(layout)

    def _close_history(self) -> None:
        if self.history is not None:
            self.history.close()
            self.history = None
        self._close_early_history()

    def _close_early_history(self) -> None:
        if self._early_history is not None:
            self._early_history.close()
            self._early_history = None

    def make_window(self) -> MainWindow:
        if self.engine is None:
            # The journal's quick_check runs while the window is built and painted; a failed
            # start is reported by _engine_ready() (open_window quits) or by the first command.
            self.start_engine(wait=False)
        assert self.engine is not None
        app = application()
        first = self.theme is None
        if self.theme is None:
            i18n.install(self.settings.language)  # before any widget: texts are read once
            # The palette now, the style sheet once the first window is built (theme.py).
            self.theme = ThemeController(app, self.settings.theme, style_sheet_later=True)
        services = UiServices(
            settings=self.settings, settings_path=self.settings_path,
            draft_path=self.config_dir / DRAFT_FILE, key_store=self.key_store,
            billing_keys=None if self.demo else self.billing_keys, read_balance=_read_balance,
            workers=self.workers, bridge=self.bridge, engine=self.engine,
            queue_base=self.queue_base,
            check_key=_check_key, read_prices=_read_prices,
            lookup_request=self.lookup_request, demo=self.demo,
            switch_to_demo=None if self.demo else self.switch_to_demo,
            leave_demo=self.leave_demo if self.demo else None,
            save_settings=self.save_settings,
            history_store=self.history_store,
            notices=tuple(self.notices),
        )
        self.notices.clear()
        try:
            self.window = MainWindow(services, self.theme, app_icon())
        finally:
            if first:
                self.theme.apply()
        after_first_paint(self.window, self.read_history_early)
        return self.window

    def open_handover(self, handover: Handover) -> None:
        """Open what a command line named (this launch's, or a later launch's on the same data
        folder): the prompt file read within the command line's bound, the images checked by
        the reference strip like any dropped file. Until the history is open (the start-up),
        it waits for it."""
        window = self.window
        if window is None or self.history is None:  # images are copied into the history
            self._handovers_waiting.append(handover)
            return
        prompt = None
        if handover.prompt_file is not None:
            from qwenimg_desktop.cli import UsageError, read_prompt_file  # noqa: PLC0415

            try:
                prompt = read_prompt_file(handover.prompt_file)
            except UsageError as exc:
                window.messenger.error(f"{exc.message[0].upper()}{exc.message[1:]}.")
        window.open_files(list(handover.images), prompt)

    def switch_to_demo(self) -> None:
        """Restart the engine against the built-in emulator and reopen the window labelled DEMO."""
        self._switch(demo=True)

    def leave_demo(self) -> None:
        """Stop the emulator, restart the engine against fal and reopen the window (no restart
        of the app: the demo's own history stays in its own folder)."""
        self._switch(demo=False)

    def _switch(self, *, demo: bool) -> None:
        old = self.window
        self._end_window()
        self._stop_engine()
        self.demo = demo
        window = self.make_window()
        window.show()
        if old is not None:
            old.hide()
            old.deleteLater()

    def save_settings(self) -> None:
        try:
            self.settings.save(self.settings_path)
        except (OSError, QwenImgError) as exc:  # a full disk is DiskFull: say so, never raise
            log.warning("settings could not be saved: %s", exc)

    def _stop_engine(self) -> None:
        self._close_history()  # after the window's history has stopped using it
        if self.engine is not None:
            self.engine.shutdown(timeout=5.0)
            self.engine = None
        if self.emulator is not None:
            self.emulator.stop()
            self.emulator = None

    def _end_window(self) -> None:
        """The window's one teardown (``MainWindow.teardown``, which also saves the settings),
        before the engine and its history stop."""
        if self.window is not None:
            self.window.teardown()
        else:
            self.save_settings()

    def close(self) -> None:
        """Orderly shutdown: the window, the engine and its history, the emulator, workers."""
        self._end_window()
        self._stop_engine()
        self.workers.shutdown()


def _check_key(base: str, key: str) -> str:
    """``core.fal.platform.check_key_with_prices``, imported when first used (off the GUI
    thread): httpx is not loaded before the window's first paint."""
    from qwenimg_desktop.core.endpoints.registry import all_endpoints  # noqa: PLC0415
    from qwenimg_desktop.core.fal.platform import check_key_with_prices  # noqa: PLC0415

    return check_key_with_prices(base, key, [e.id for e in all_endpoints()])


def _read_prices(base: str, key: str) -> list[CachedPrice]:
    """``core.fal.platform.prices_with_key`` for every endpoint, imported when first used."""
    from qwenimg_desktop.core.endpoints.registry import all_endpoints  # noqa: PLC0415
    from qwenimg_desktop.core.fal.platform import prices_with_key  # noqa: PLC0415

    return prices_with_key(base, key, [e.id for e in all_endpoints()])


def _read_balance(base: str, key: str) -> Balance:
    """``core.balance.read_balance``, imported when first used (off the GUI thread)."""
    from qwenimg_desktop.core.balance import read_balance  # noqa: PLC0415

    return read_balance(base, key)


def _demo_key() -> str:
    return DEMO_KEY


def _install_qt_message_handler() -> None:
    qt_log = logging.getLogger("qwenimg.qt")
    levels = {QtMsgType.QtDebugMsg: logging.DEBUG, QtMsgType.QtInfoMsg: logging.INFO,
              QtMsgType.QtWarningMsg: logging.WARNING, QtMsgType.QtCriticalMsg: logging.ERROR,
              QtMsgType.QtFatalMsg: logging.CRITICAL}

    def handler(kind: QtMsgType, _context: Any, message: str) -> None:
        qt_log.log(levels.get(kind, logging.WARNING), "%s", message)

    qInstallMessageHandler(handler)


def open_window(options: Options, temp_dir: Path | None, app: QApplication,
                started: list[AppRuntime], *, shell: StartupShell | None) -> bool:
    """Build the services and the window; False (after saying why) if the window can't open."""
    runtime = AppRuntime(options, base_dir=temp_dir)
    started.append(runtime)
    try:  # a read-only or full disk: say which folder, instead of failing inside log set-up
        ensure_writable(runtime.data_dir, deep=False)  # its contents: the engine, off this thread
        for folder in dict.fromkeys((runtime.config_dir, runtime.log_dir)):
            ensure_writable(folder)
    except QwenImgError as exc:
        _report_start_failure(exc, options)
        return False
    setup_logging(runtime.log_dir, console=options.smoke_test)
    install_excepthooks(runtime.log_dir / "crash")
    _install_qt_message_handler()
    log.info("%s %s starting (demo=%s)", APP_NAME, __version__, options.demo)

    def start_failed(text: str) -> None:  # e.g. a damaged journal the engine refused
        _report_start_failure(text, options)
        app.exit(1)

    runtime.on_start_failed = start_failed
    try:
        window = runtime.make_window()
    except QwenImgError as exc:
        _report_start_failure(exc, options)
        return False
    if shell is not None:
        shell.hand_over(window)
    else:
        window.show()
    # The collector held off by the launch (core.heap) comes back when the engine is ready
    # (_engine_ready settles the heap then, as it always did), or after this limit.
    QTimer.singleShot(HEAP_HOLD_LIMIT_MS, heap.end_hold)
    if options.smoke_test:
        _schedule_smoke_test(runtime, app)
    return True


def _schedule_smoke_test(runtime: AppRuntime, app: QApplication) -> None:
    from qwenimg_desktop.smoke import start_smoke_test  # noqa: PLC0415 - --smoke-test only

    start_smoke_test(runtime, app)


def _report_start_failure(why: QwenImgError | str, options: Options) -> None:
    """Say why the window could not open: log, stderr when there is one, and a dialog."""
    text = why if isinstance(why, str) else f"{why.message}\n{why.next_step}".strip()
    log.error("the window could not open: %s", text)
    if sys.stderr is not None:  # None in a windowed (no console) Windows build
        sys.stderr.write(f"error: {text}\n")
    if not options.smoke_test and _has_screen():
        plain_message_box(QMessageBox.Icon.Critical, APP_NAME, text).exec()


def _has_screen() -> bool:
    """False on Qt's offscreen and minimal platforms, where nobody could close a dialog."""
    return QGuiApplication.platformName() not in {"offscreen", "minimal"}
