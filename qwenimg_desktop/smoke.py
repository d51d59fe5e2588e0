"""Smoke test of a (frozen) build: window, database, keyring, resources, one emulator job.

``qwenimg-desktop --smoke-test`` runs it in the window's event loop: offscreen unless
``QT_QPA_PLATFORM`` is set, in a temporary data dir (unless ``--data-dir`` is given), against
the built-in emulator. It prints ``SMOKE OK key=value ...`` and exits 0, or prints
``SMOKE FAILED: <reason>`` and exits non-zero. A missing keyring is reported, and is a
failure only when ``QWENIMG_SMOKE_REQUIRE_KEYRING=1``.
"""

from __future__ import annotations

import hashlib
import logging
import os
import sys
import threading
import time
from importlib.metadata import entry_points
from pathlib import Path
from typing import TYPE_CHECKING, Final, Protocol

from PySide6.QtCore import QLibraryInfo, QObject, QPluginLoader, QTimer
from PySide6.QtGui import QImage, QImageReader

from qwenimg_desktop.core.errors import KeyringUnavailable
from qwenimg_desktop.core.jobs import events as ev
from qwenimg_desktop.core.jobs.model import JobState
from qwenimg_desktop.core.params import GenerationRequest, ImageSizePreset, OutputFormat
from qwenimg_desktop.core.paths import resource_dir
from qwenimg_desktop.core.store.files import DataLayout
from qwenimg_desktop.core.store.history import HistoryStore

if TYPE_CHECKING:
    from PySide6.QtWidgets import QApplication, QWidget

    from qwenimg_desktop.core.jobs.facade import EngineFacade
    from qwenimg_desktop.core.secrets import KeyStore
    from qwenimg_desktop.ui.bridge import EngineBridge

_log = logging.getLogger("qwenimg.smoke")

SMOKE_TIMEOUT_S: Final = 60.0
HARD_EXIT_GRACE_S: Final = 10.0
THUMBNAIL_WAIT_S: Final = 10.0  # thumbnails are made just after Completed
REQUIRE_KEYRING_ENV: Final = "QWENIMG_SMOKE_REQUIRE_KEYRING"
REQUIRED_IMAGE_FORMATS: Final = ("png", "jpeg", "webp", "ico", "svg")
REQUIRED_INPUT_METHODS: Final = ("ibus", "compose")  # Linux: Chinese IMEs go through ibus
SMOKE_PROMPT: Final = "smoke test 烟雾测试: a lighthouse at dusk"
SMOKE_SIZE: Final = (512, 512)
EXIT_FAILED: Final = 1
EXIT_WATCHDOG: Final = 3
_ALLOCATION_LIMIT_MB: Final = 256


class AppRuntime(Protocol):
    """What the checks read of the window's session (``app.runtime.AppRuntime``)."""

    @property
    def window(self) -> QWidget | None: ...
    @property
    def key_store(self) -> KeyStore: ...
    @property
    def engine(self) -> EngineFacade | None: ...
    @property
    def emulator(self) -> object | None: ...
    @property
    def bridge(self) -> EngineBridge: ...


class SmokeFailure(Exception):
    """One smoke check failed; the message is the reason printed after ``SMOKE FAILED:``."""


# ---- individual checks (each returns what the report line shows) ------------------------------


def check_window(runtime: AppRuntime) -> str:
    window = runtime.window
    if window is None or not window.isVisible():
        raise SmokeFailure("the main window is not visible")
    if window.windowIcon().isNull():
        raise SmokeFailure("the main window has no icon")
    return f"{window.width()}x{window.height()}"


def check_resources() -> str:
    """The icon resources load and Qt's image format plugins are present."""
    from qwenimg_desktop.ui.theme import app_icon  # noqa: PLC0415 - ui loads after QApplication

    folder = resource_dir()
    if not folder.is_dir():
        raise SmokeFailure(f"resources folder missing: {folder}")
    icon = app_icon()
    if icon.isNull() or icon.pixmap(64, 64).isNull():
        raise SmokeFailure(f"the app icon does not load from {folder / 'icons'}")
    svg = QImage(str(folder / "icons" / "qwenimg-desktop.svg"))
    if svg.isNull():
        raise SmokeFailure("the SVG icon does not decode (qsvg image format plugin missing?)")
    supported = {bytes(f.data()).decode() for f in QImageReader.supportedImageFormats()}
    missing = [name for name in REQUIRED_IMAGE_FORMATS if name not in supported]
    if missing:
        raise SmokeFailure(f"Qt image format plugins missing: {', '.join(missing)}")
    return ",".join(REQUIRED_IMAGE_FORMATS)


def check_input_methods(platform: str = sys.platform) -> str:
    """Linux: the ibus and compose input-context plugins are present and load."""
    if not platform.startswith("linux"):
        return "native"
    folder = Path(QLibraryInfo.path(QLibraryInfo.LibraryPath.PluginsPath)) / "platforminputcontexts"
    keys: set[str] = set()
    for plugin in sorted(folder.glob("*")) if folder.is_dir() else []:
        loader = QPluginLoader(str(plugin))
        meta: object = loader.metaData().get("MetaData", {})
        plugin_keys = meta.get("Keys", []) if isinstance(meta, dict) else []
        if loader.load() and isinstance(plugin_keys, list):
            keys.update(str(key) for key in plugin_keys)
    missing = [name for name in REQUIRED_INPUT_METHODS if name not in keys]
    if missing:
        raise SmokeFailure(f"input-method plugins missing or not loadable in {folder}: "
                           f"{', '.join(missing)}")
    return ",".join(REQUIRED_INPUT_METHODS)


def keyring_entry_points() -> list[str]:
    """Names of the keyring backends registered through package metadata."""
    return sorted(e.name for e in entry_points(group="keyring.backends"))


def check_keyring(runtime: AppRuntime, *, require: bool) -> tuple[str, list[str]]:
    """The backend the app found (``"none"`` if none) and the registered backend names."""
    registered = keyring_entry_points()
    if not registered:
        raise SmokeFailure(
            "keyring has no registered backends (its entry-point metadata was not bundled)"
        )
    name = runtime.key_store.backend_name()
    if require and name == "none":
        raise SmokeFailure(
            f"no usable keyring backend (registered: {', '.join(registered)}); "
            f"unset {REQUIRE_KEYRING_ENV} to allow that"
        )
    if require:
        try:
            runtime.key_store.check()  # one read, nothing written
        except KeyringUnavailable as exc:
            raise SmokeFailure(f"the keyring ({name}) cannot be read: {exc}") from exc
    return name, registered


def check_database(layout: DataLayout) -> HistoryStore:
    """Open a read-only history store on ``layout`` and run ``quick_check``; returns the store."""
    store = HistoryStore.open(layout, readonly=True)
    if not store.integrity_ok():
        store.close()
        raise SmokeFailure(f"database quick_check failed: {layout.db_path}")
    return store


def smoke_request() -> GenerationRequest:
    """A small webp request: exercises Pillow's encoder and Qt's webp plugin."""
    return GenerationRequest(
        prompt=SMOKE_PROMPT, image_size=ImageSizePreset.square, seed=1234,
        output_format=OutputFormat.webp,
    )


def check_result(store: HistoryStore, job_id: str) -> str:
    """The journal row is completed and its image file is whole and decodes at the right size."""
    record = store.get(job_id)
    if record is None:
        raise SmokeFailure(f"job {job_id} is not in the journal")
    if record.state is not JobState.completed or not record.images:
        raise SmokeFailure(f"job {job_id} is {record.state.value} with {len(record.images)} images")
    image = record.images[0]
    path = store.layout.absolute(image.path)
    data = path.read_bytes()
    if hashlib.sha256(data).hexdigest() != image.sha256:
        raise SmokeFailure(f"{path.name}: the file does not match the journal's SHA-256")
    reader = QImageReader(str(path))
    reader.setAllocationLimit(_ALLOCATION_LIMIT_MB)
    decoded = reader.read()
    if decoded.isNull():
        raise SmokeFailure(f"{path.name} does not decode: {reader.errorString()}")
    if (decoded.width(), decoded.height()) != SMOKE_SIZE:
        raise SmokeFailure(f"{path.name} is {decoded.width()}x{decoded.height()}")
    if image.thumb_path is None or not store.layout.absolute(image.thumb_path).is_file():
        raise SmokeFailure(f"job {job_id} has no thumbnail")
    return f"{decoded.width()}x{decoded.height()}.{image.format}"


# ---- the driver ---------------------------------------------------------------------------------


class SmokeTest(QObject):
    """Runs the checks inside the app's event loop and ends it with the exit code.

    A Qt timer fails the test after ``timeout_s``; a watchdog thread exits the process
    ``HARD_EXIT_GRACE_S`` later in case the event loop itself is stuck.
    """

    def __init__(self, runtime: AppRuntime, app: QApplication, *,
                 timeout_s: float = SMOKE_TIMEOUT_S, require_keyring: bool = False) -> None:
        super().__init__(app)
        self._runtime = runtime
        self._app = app
        self._timeout_s = timeout_s
        self._require_keyring = require_keyring
        self._started = time.monotonic()
        self._step = "start"
        self._job_id: str | None = None
        self._store: HistoryStore | None = None
        self._facts: dict[str, str] = {}
        self._done = False
        self._watchdog = threading.Timer(timeout_s + HARD_EXIT_GRACE_S, self._hard_exit)
        self._watchdog.daemon = True

    def __repr__(self) -> str:
        return f"<SmokeTest step={self._step} job={self._job_id} done={self._done}>"

    def start(self) -> None:
        self._watchdog.start()
        QTimer.singleShot(round(self._timeout_s * 1000), self._on_timeout)
        QTimer.singleShot(0, self._run_checks)

    def _run_checks(self) -> None:
        runtime = self._runtime
        try:
            self._step = "window"
            self._facts["window"] = check_window(runtime)
            self._step = "resources"
            self._facts["formats"] = check_resources()
            self._facts["input_methods"] = check_input_methods()
            self._step = "keyring"
            name, registered = check_keyring(runtime, require=self._require_keyring)
            self._facts["keyring"] = repr(name)
            self._facts["keyring_backends"] = ",".join(registered)
            self._step = "database"
            engine = runtime.engine
            if engine is None or runtime.emulator is None:
                raise SmokeFailure("the engine or the built-in emulator is not running")
            self._store = check_database(engine.layout)
            self._facts["db"] = "ok"
            self._step = "job"
            runtime.bridge.job_event.connect(self._on_event)
            self._job_id = engine.submit(smoke_request())
            # The window runs its engine as a child process (in a frozen build: this executable
            # again, through freeze_support); the job completing proves that child works.
            pid = getattr(engine, "pid", None)
            self._facts["engine"] = f"process:{pid}" if pid and pid != os.getpid() else "thread"
        except Exception as exc:  # noqa: BLE001 - every failure becomes the smoke verdict
            self._fail(exc)

    def _on_event(self, event: object) -> None:
        if self._done or not isinstance(event, ev.JobEvent) or event.job_id != self._job_id:
            return
        if isinstance(event, ev.Failed):
            self._fail(SmokeFailure(f"the emulator job failed: {event.kind}: {event.reason}"))
        elif isinstance(event, ev.Cancelled):
            self._fail(SmokeFailure("the emulator job was cancelled"))
        elif isinstance(event, ev.Completed):
            self._finish_job()

    def _finish_job(self) -> None:
        try:
            self._step = "result"
            if self._store is None or self._job_id is None:
                raise SmokeFailure("the job finished before the checks started")
            engine = self._runtime.engine
            if engine is None or not engine.wait_idle(THUMBNAIL_WAIT_S):
                raise SmokeFailure("the thumbnail was not made after the job completed")
            self._facts["image"] = check_result(self._store, self._job_id)
            if not self._store.integrity_ok():
                raise SmokeFailure("database quick_check failed after the job")
        except Exception as exc:  # noqa: BLE001 - every failure becomes the smoke verdict
            self._fail(exc)
            return
        self._facts["platform"] = self._app.platformName()
        self._facts["seconds"] = f"{time.monotonic() - self._started:.2f}"
        facts = " ".join(f"{key}={value}" for key, value in self._facts.items())
        self._end(0, f"SMOKE OK {facts}")

    def _on_timeout(self) -> None:
        self._fail(SmokeFailure(f"timed out after {self._timeout_s:g} s at step {self._step!r}"))

    def _fail(self, exc: BaseException) -> None:
        reason = str(exc) if isinstance(exc, SmokeFailure) else f"{type(exc).__name__}: {exc}"
        self._end(EXIT_FAILED, f"SMOKE FAILED: {self._step}: {reason}")

    def _end(self, code: int, line: str) -> None:
        if self._done:
            return
        self._done = True
        self._watchdog.cancel()
        if self._store is not None:
            self._store.close()
        _say(line)
        self._app.exit(code)

    def _hard_exit(self) -> None:
        _say(f"SMOKE FAILED: watchdog: the event loop hung at step {self._step!r}")
        os._exit(EXIT_WATCHDOG)


def _say(line: str) -> None:
    """The verdict goes to stdout and to the log (a windowed Windows build has no stdout)."""
    _log.info("%s", line)
    if sys.stdout is not None:
        sys.stdout.write(line + "\n")
        sys.stdout.flush()


# ---- entry point used by app.runtime ---------------------------------------------------------


def start_smoke_test(runtime: AppRuntime, app: QApplication) -> SmokeTest:
    """Schedule the checks on ``app``'s event loop; ``app.exec()`` then returns the exit code."""
    require = os.environ.get(REQUIRE_KEYRING_ENV, "") not in ("", "0")
    test = SmokeTest(runtime, app, require_keyring=require)
    test.start()
    return test
