"""Say that a job ended while the window is in the background: through the desktop's
notification service (freedesktop Notifications on the session bus) where there is one, else
through a tray icon's message, else not at all. The user can turn it off in the settings.

GNOME shows no tray icons, so a tray message alone reached nobody there; the notification
service is what GNOME, KDE, Xfce and the others all show. Progress while jobs run is in the
window's title (``MainWindow._refresh_title``), seen in the task bar.

Clicking a notification brings the window to the front on the job it was about: the service
says so with its ``ActionInvoked`` signal (the "default" action), which GNOME sends only to the
connection that showed the notification, so the notifications are shown over one connection
kept open, whose router thread hears the click.

A burst of jobs reads as one notification that updates: while the last one is probably still on
screen (sent less than ``EXPIRE_MS`` ago) and not clicked, the next job's end replaces it
(``Notify``'s ``replaces_id``) with a summary ("3 jobs finished", "2 with images, 1 failed"),
and a click on it shows the burst's latest job. The server's id for a notification comes back
later, on a worker: jobs that end before it is known are held in the summary and sent as one
replacement when it comes, never as a second notification. The tray's message gets the same
summary (a tray shows one balloon at a time anyway).
"""

from __future__ import annotations

import concurrent.futures
import logging
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final

from PySide6.QtCore import QT_TRANSLATE_NOOP, QObject, Signal
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QSystemTrayIcon, QWidget

from qwenimg_desktop import APP_ID, APP_NAME
from qwenimg_desktop.core.jobs.model import JobState
from qwenimg_desktop.ui.i18n import translate
from qwenimg_desktop.ui.session_bus import (
    CALL_TIMEOUT_S,
    SessionBusError,
    call,
    has_service,
    session_address,
)
from qwenimg_desktop.ui.workers import Workers

if TYPE_CHECKING:
    from jeepney.io.threading import DBusRouter

log = logging.getLogger("qwenimg.notifications")

SERVICE: Final = "org.freedesktop.Notifications"
OBJECT_PATH: Final = "/org/freedesktop/Notifications"
EXPIRE_MS: Final = 8_000
DEFAULT_ACTION: Final = "default"
"""The spec's name for the action of clicking the notification itself."""


class FreedesktopNotifications:
    """``org.freedesktop.Notifications`` on a session bus (blocking calls: run them on a worker;
    see ``ui/session_bus.py`` for why not QtDBus)."""

    def __init__(self, address: str | None = None) -> None:
        self.address = session_address() if address is None else address
        self._router: DBusRouter | None = None
        # close() may come while listen() still connects on a worker (a window closed right
        # after it opened): listen() then closes what it opened instead of keeping it.
        self._lock = threading.Lock()
        self._closed = False

    def __repr__(self) -> str:
        return (f"<FreedesktopNotifications bus={'yes' if self.address else 'none'} "
                f"listening={self._router is not None}>")

    def available(self) -> bool:
        """True if a notification server owns (or can be started for) the name."""
        return bool(self.address) and has_service(self.address, SERVICE)

    def listen(self, clicked: Callable[[int], None]) -> None:
        """Keep a connection open to show the notifications over, and call ``clicked(id)`` (on
        a thread of its own) when the user clicks one of them.

        Raises:
            SessionBusError: the bus did not take the connection or the match rule.
        """
        from jeepney import MatchRule  # noqa: PLC0415 - Linux/BSD, off the GUI thread
        from jeepney.bus_messages import message_bus  # noqa: PLC0415
        from jeepney.io.threading import Proxy, open_dbus_connection  # noqa: PLC0415
        from jeepney.wrappers import DBusErrorResponse  # noqa: PLC0415

        rule = MatchRule(type="signal", interface=SERVICE, member="ActionInvoked",
                         path=OBJECT_PATH)
        clicks: queue.Queue[Any] = queue.Queue(maxsize=64)
        try:
            connection = open_dbus_connection(bus=self.address, auth_timeout=CALL_TIMEOUT_S)
        except (OSError, TimeoutError, ValueError) as exc:
            raise SessionBusError(f"the session bus did not answer ({exc})") from exc
        router = _router(connection, stopped=lambda: clicks.put(None))
        try:
            router.filter(rule, queue=clicks)
            # The match rule for servers that broadcast the signal (GNOME sends it to us alone).
            Proxy(message_bus, router, timeout=CALL_TIMEOUT_S).AddMatch(rule)
        except (OSError, TimeoutError, ValueError, DBusErrorResponse) as exc:
            router.close()
            connection.close()
            raise SessionBusError(f"the session bus refused to pass on clicks ({exc})") from exc
        with self._lock:
            closed = self._closed
            if not closed:
                self._router = router
        if closed:
            router.close()
            connection.close()
            return
        threading.Thread(target=_hear_clicks, args=(clicks, clicked),
                         name="qwenimg-notification-clicks", daemon=True).start()

    def notify(self, title: str, body: str, *, urgent: bool, replaces: int = 0) -> int:
        """Show one notification, or update the one the server numbered ``replaces`` (0: a new
        one); returns the server's id for it (the same id when it replaced).

        Raises:
            SessionBusError: no bus, no server, or it refused.
        """
        hints = {"urgency": ("y", 2 if urgent else 1), "desktop-entry": ("s", APP_ID)}
        actions = [DEFAULT_ACTION, translate("Notifier", "Show")]
        body_args = (APP_NAME, replaces, APP_ID, title, _escape(body), actions, hints, EXPIRE_MS)
        router = self._router
        if router is None:
            reply = call(self.address, SERVICE, OBJECT_PATH, SERVICE, "Notify", "susssasa{sv}i",
                         body_args)
        else:
            reply = _call_over(router, "Notify", "susssasa{sv}i", body_args)
        return int(reply[0])

    def close(self) -> None:
        """Stop listening for clicks and close the connection (the window is closing); a
        listen() still under way closes its own connection."""
        with self._lock:
            self._closed = True
            router, self._router = self._router, None
        if router is not None:
            router.close()  # its receiving thread ends, which ends the click thread too
            router.conn.close()


def _router(connection: Any, stopped: Callable[[], None]) -> DBusRouter:
    """jeepney's router over ``connection``, whose receiving thread ends quietly (calling
    ``stopped``) when the bus goes away: a desktop session ending is no crash to report."""
    from jeepney.io.threading import DBusRouter  # noqa: PLC0415

    class QuietRouter(DBusRouter):  # type: ignore[misc]
        def _receiver(self) -> None:
            try:
                super()._receiver()
            except OSError as exc:  # the bus closed the connection
                log.info("the session bus went away: %s", exc)
                self.conn.close()
            except concurrent.futures.InvalidStateError:
                # Closed just as a reply came in: jeepney's receiver answered the call's future,
                # then, stopping, tried to fail it too (a window closed during a burst).
                log.info("the notification connection closed as a reply arrived")
            finally:
                stopped()

    return QuietRouter(connection)


def _call_over(router: DBusRouter, method: str, signature: str,
               body: tuple[Any, ...]) -> tuple[Any, ...]:
    """A call to the notification service over the kept connection (``session_bus.call``'s
    errors)."""
    from jeepney import DBusAddress, MessageType, new_method_call  # noqa: PLC0415

    message = new_method_call(DBusAddress(OBJECT_PATH, bus_name=SERVICE, interface=SERVICE),
                              method, signature, body)
    from jeepney.io import RouterClosed  # noqa: PLC0415

    try:
        reply = router.send_and_get_reply(message, timeout=CALL_TIMEOUT_S)
    except (OSError, TimeoutError, ValueError, RouterClosed) as exc:
        raise SessionBusError(f"the session bus did not answer ({exc})") from exc
    except KeyError as exc:  # closed while waiting: jeepney's stop replaced its table of calls
        raise SessionBusError("the notification connection was closed") from exc
    if reply.header.message_type is MessageType.error:
        text = reply.body[0] if reply.body and isinstance(reply.body[0], str) else ""
        raise SessionBusError(f"{SERVICE} refused {method}: {text or 'no reason given'}")
    return tuple(reply.body)


def _hear_clicks(clicks: queue.Queue[Any], clicked: Callable[[int], None]) -> None:
    """Pass on each click on a notification's body until ``None`` (closed) comes."""
    while (message := clicks.get()) is not None:
        notification_id, action = message.body
        if action == DEFAULT_ACTION:
            try:
                clicked(int(notification_id))
            except Exception:  # a failing handler must not end the listening
                log.exception("a notification's click could not be handled")


def _escape(text: str) -> str:
    """Servers may read the body as markup ("body-markup"): a prompt's ``<`` stays text."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


@dataclass
class _Burst:
    """The jobs one notification is about: it is replaced while they keep ending."""

    title: str  # the first job's own title and text, shown while it is alone
    text: str
    sent_at: float
    ended: dict[JobState, int] = field(default_factory=dict)  # final state → jobs in it
    job_id: str = ""  # the latest job: what a click shows
    shown_id: int = 0  # the server's id for it, once known (0: not yet)
    in_flight: bool = False  # a Notify not yet answered
    held: bool = False  # jobs ended while in flight: a replacement is due when it answers
    clicked: bool = False

    @property
    def count(self) -> int:
        return sum(self.ended.values())

    @property
    def urgent(self) -> bool:
        """A job failed, or nobody knows whether fal took it: the user should look."""
        return bool(self.ended.get(JobState.failed) or self.ended.get(JobState.unknown))

    def add(self, job_id: str, state: JobState) -> None:
        self.ended[state] = self.ended.get(state, 0) + 1
        self.job_id = job_id

    def message(self) -> tuple[str, str]:
        """Title and body: the job's own while it is alone, else the summary."""
        if self.count == 1:
            return self.title, self.text
        return jobs_finished_text(self.count), burst_body(self.ended)


def jobs_finished_text(count: int) -> str:
    """"1 job finished", "3 jobs finished" in the interface language."""
    if count == 1:
        return translate("Notifier", "1 job finished")
    return translate("Notifier", "{count} jobs finished").format(count=count)


_BURST_PARTS: Final[tuple[tuple[JobState, str], ...]] = (
    (JobState.completed, str(QT_TRANSLATE_NOOP("Notifier", "{count} with images"))),
    (JobState.failed, str(QT_TRANSLATE_NOOP("Notifier", "{count} failed"))),
    (JobState.cancelled, str(QT_TRANSLATE_NOOP("Notifier", "{count} cancelled"))),
    (JobState.unknown, str(QT_TRANSLATE_NOOP("Notifier", "{count} submission unknown"))),
)
"""A burst's summary, in this order; a cancelled job is not a failure, and a job whose submit
nobody knows reached fal (looked up, never resent) is neither."""


def burst_body(ended: dict[JobState, int]) -> str:
    """"2 with images, 1 failed, 1 cancelled" (a part with no jobs is left out)."""
    parts = [translate("Notifier", text).format(count=ended[state])
             for state, text in _BURST_PARTS if ended.get(state)]
    return translate("Notifier", ", ").join(parts)


class Notifier(QObject):
    """Notifies when a job ends and ``window`` is not the active window (see the module).

    Which way is decided once, off the GUI thread, when the notifier is made: the desktop's
    service if it answers, else the tray icon if the desktop has a tray, else nothing.
    ``enabled`` is read at each job (the settings' switch). A click on a notification brings
    the window to the front and emits :attr:`job_clicked` with its job.
    """

    job_clicked = Signal(str)  # the job a clicked notification was about
    _clicked = Signal(int)  # a notification id, from the listening thread

    def __init__(self, window: QWidget, icon: QIcon, workers: Workers,
                 enabled: Callable[[], bool], service: FreedesktopNotifications | None = None,
                 parent: QObject | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__(parent)
        self._window = window
        self._icon = icon
        self._workers = workers
        self._enabled = enabled
        self._service: FreedesktopNotifications | None = None
        self._tray: QSystemTrayIcon | None = None
        self.way = "deciding"
        self.sent: list[tuple[str, str]] = []
        self.failures: list[str] = []
        self._shown: dict[int, str] = {}  # the service's notification id → its job
        self._last_job = ""  # the tray's message (its click does not say which)
        self._burst: _Burst | None = None  # the notification jobs are being added to
        self.clock = clock  # seconds, for "still on screen" (a test may freeze it)
        self._clicked.connect(self._on_click)
        candidate = service if service is not None else FreedesktopNotifications()
        self._candidate = candidate  # closed by close() even if the decision never came
        self._workers.run(lambda: self._open(candidate),
                          lambda ok: self._decided(candidate if ok else None),
                          self._service_failed)

    def __repr__(self) -> str:
        return f"<Notifier way={self.way} sent={len(self.sent)}>"

    @property
    def decided(self) -> bool:
        return self.way != "deciding"

    def _open(self, service: FreedesktopNotifications) -> bool:
        """(On a worker.) Whether the service is there; if so, listen for clicks on it."""
        if not service.available():
            return False
        try:
            service.listen(self._clicked.emit)  # queued to the GUI thread: a signal
        except SessionBusError as exc:  # notifications still work; a click does nothing
            log.info("clicks on notifications will not be heard: %s", exc)
        return True

    def _on_click(self, notification_id: int) -> None:
        job_id = self._shown.get(notification_id)
        burst = self._burst
        if burst is not None and burst.shown_id == notification_id:
            burst.clicked = True  # seen: the next job starts a notification of its own
        log.info("notification %d clicked", notification_id)
        self._show(job_id or "")

    def _show(self, job_id: str) -> None:
        bring_to_front(self._window)
        if job_id:
            self.job_clicked.emit(job_id)

    def _service_failed(self, exc: Exception) -> None:
        log.info("no desktop notification service (%s); trying the tray", exc)
        self._decided(None)

    def _decided(self, service: FreedesktopNotifications | None) -> None:
        self._service = service
        if service is not None:
            self.way = "desktop"
        elif QSystemTrayIcon.isSystemTrayAvailable():
            self._make_tray()
            self.way = "tray"
        else:
            self.way = "none"
        log.info("job notifications: %s", self.way)

    def _make_tray(self) -> QSystemTrayIcon:
        """The tray icon whose message a click brings the window forward from (the way when
        there is no notification service, and the fallback when the service goes away)."""
        tray = self._tray = QSystemTrayIcon(self._icon, self)
        tray.setToolTip(APP_NAME)
        tray.messageClicked.connect(self._tray_clicked)
        tray.show()
        return tray

    def _tray_clicked(self) -> None:
        if self._burst is not None:
            self._burst.clicked = True
        self._show(self._last_job)

    def job_ended(self, title: str, text: str, *, state: JobState = JobState.completed,
                  job_id: str = "") -> bool:
        """Notify unless the window is active or notifications are off; True when sent (or
        held for the burst's next replacement, see the module). ``state``: the job's final
        state (a burst's summary counts each); ``job_id``: the job a click on the
        notification shows."""
        if self._window.isActiveWindow() or not self._enabled():
            return False
        if self._service is None and self._tray is None:
            return False
        self._last_job = job_id
        burst = self._burst_for(title, text)
        burst.add(job_id, state)
        if self._service is not None:
            if burst.in_flight:
                burst.held = True  # sent as one replacement when the id comes
            else:
                self._send(burst)
        else:
            burst.sent_at = self.clock()
            self._tray_message(*burst.message(), burst.urgent)
        self.sent.append((title, text))
        return True

    def _burst_for(self, title: str, text: str) -> _Burst:
        """The burst still on screen (or not yet answered for), else a new one."""
        burst = self._burst
        on_screen = (burst is not None and not burst.clicked
                     and (burst.in_flight
                          or (self.clock() - burst.sent_at) * 1000 < EXPIRE_MS))
        if burst is None or not on_screen:
            burst = self._burst = _Burst(title, text, sent_at=self.clock())
        return burst

    def _send(self, burst: _Burst) -> None:
        """Show ``burst``'s message, replacing its notification if the server numbered it."""
        assert self._service is not None
        service = self._service
        title, body = burst.message()
        urgent, replaces, job_id = burst.urgent, burst.shown_id, burst.job_id
        burst.in_flight, burst.held, burst.sent_at = True, False, self.clock()
        self._workers.run(
            lambda: service.notify(title, body, urgent=urgent, replaces=replaces),
            lambda shown: self._remember(burst, shown, job_id),
            lambda exc: self._notify_failed(burst, exc))

    def _remember(self, burst: _Burst, notification_id: int, job_id: str) -> None:
        self._shown[notification_id] = job_id
        burst.shown_id, burst.in_flight = notification_id, False
        if burst.held:
            self._send(burst)

    def _notify_failed(self, burst: _Burst, exc: Exception) -> None:
        """The service went away (a desktop restart): the burst by the tray if there is one."""
        log.warning("the desktop notification could not be shown: %s", exc)
        self.failures.append(str(exc))
        burst.in_flight, burst.held, burst.shown_id = False, False, 0
        if self._tray is None and QSystemTrayIcon.isSystemTrayAvailable():
            self._make_tray()
        if self._tray is not None:
            self._tray_message(*burst.message(), burst.urgent)

    def _tray_message(self, title: str, text: str, urgent: bool) -> None:
        assert self._tray is not None
        kind = (QSystemTrayIcon.MessageIcon.Warning if urgent
                else QSystemTrayIcon.MessageIcon.Information)
        self._tray.showMessage(title, text, kind, EXPIRE_MS)

    def close(self) -> None:
        """The window is closing: hide the tray icon, close the service's connection (also when
        it is still being opened on a worker: it would stay open, unused, until collected)."""
        if self._tray is not None:
            self._tray.hide()
        self._candidate.close()


def bring_to_front(window: QWidget) -> None:
    """Un-minimise, raise and activate ``window`` (a window manager may only flash it)."""
    if window.isMinimized():
        window.showNormal()
    else:
        window.show()
    window.raise_()
    window.activateWindow()
