"""The window's shared wording: core errors, engine events and job states become sentences.

Text that more than one place shows, or that explains a core error, is written here; a widget
words only its own labels and the outcome of its own action (a history write, a save).
"""

from __future__ import annotations

import logging
from enum import StrEnum
from typing import Final

from PySide6.QtCore import QT_TRANSLATE_NOOP, QObject, Signal

from qwenimg_desktop import APP_NAME
from qwenimg_desktop.core.endpoints import all_endpoints
from qwenimg_desktop.core.errors import (
    AuthError,
    KeyringUnavailable,
    NetworkError,
    QwenImgError,
)
from qwenimg_desktop.core.jobs.model import JobState
from qwenimg_desktop.ui.core_texts import core_text
from qwenimg_desktop.ui.i18n import translate

log = logging.getLogger("qwenimg.messages")

FAL_KEYS_URL: Final = "https://fal.ai/dashboard/keys"
FAL_BILLING_URL: Final = "https://fal.ai/dashboard/billing"


class Level(StrEnum):
    """How serious a message is."""

    info = "info"
    warning = "warning"
    error = "error"


class Messenger(QObject):
    """Logs every user message and emits it for the status bar (tests can wait for it)."""

    message = Signal(str, str)  # level, text

    def show(self, level: Level, text: str) -> None:
        # Texts come from redacted core errors and this module; not re-redacted here, since the
        # key-shaped pattern would also mangle sentences such as "the key was rejected".
        log.log(
            {"info": logging.INFO, "warning": logging.WARNING, "error": logging.ERROR}[level],
            "user message: %s", text,
        )
        self.message.emit(str(level), text)

    def info(self, text: str) -> None:
        self.show(Level.info, text)

    def warning(self, text: str) -> None:
        self.show(Level.warning, text)

    def error(self, text: str) -> None:
        self.show(Level.error, text)


# Marked for the catalog here, translated where shown (the translator is installed later).
STATE_NAMES: Final[dict[JobState, str]] = {
    JobState.pending: str(QT_TRANSLATE_NOOP("JobState", "Waiting to send")),
    JobState.sending: str(QT_TRANSLATE_NOOP("JobState", "Sending")),
    JobState.submitted: str(QT_TRANSLATE_NOOP("JobState", "Submitted")),
    JobState.queued: str(QT_TRANSLATE_NOOP("JobState", "Queued")),
    JobState.running: str(QT_TRANSLATE_NOOP("JobState", "Running")),
    JobState.cancel_requested: str(QT_TRANSLATE_NOOP("JobState", "Cancel requested")),
    JobState.fetching: str(QT_TRANSLATE_NOOP("JobState", "Downloading images")),
    JobState.completed: str(QT_TRANSLATE_NOOP("JobState", "Completed")),
    JobState.failed: str(QT_TRANSLATE_NOOP("JobState", "Failed")),
    JobState.cancelled: str(QT_TRANSLATE_NOOP("JobState", "Cancelled")),
    JobState.unknown: str(QT_TRANSLATE_NOOP("JobState", "Submission unknown")),
}


def state_name(state: JobState) -> str:
    """The state's name in the interface language."""
    return translate("JobState", STATE_NAMES[state])


def state_line(state: JobState, position: int | None, elapsed_s: float | None) -> str:
    """One line describing a job's state, e.g. 'Queued · position 3' or 'Running · 0:12'."""
    name = state_name(state)
    if state is JobState.queued and position is not None:
        return translate("Messages", "{state} · position {position}").format(
            state=name, position=position + 1) if position >= 0 else name
    if state in (JobState.running, JobState.fetching, JobState.cancel_requested) and elapsed_s:
        return f"{name} · {format_elapsed(elapsed_s)}"
    return name


def format_elapsed(seconds: float) -> str:
    total = int(seconds)
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def images_text(count: int) -> str:
    """"1 image", "4 images" in the interface language."""
    if count == 1:
        return translate("Messages", "1 image")
    return translate("Messages", "{count} images").format(count=count)


_KIND_HINTS: Final[dict[str, str]] = {
    "AuthError": str(QT_TRANSLATE_NOOP(
        "Messages", "The API key was rejected: open File → Settings… and check the key.")),
    "RateLimited": str(QT_TRANSLATE_NOOP(
        "Messages", "Too many requests at once: wait a moment and retry.")),
    "ServerError": str(QT_TRANSLATE_NOOP(
        "Messages", "fal's service had a problem: try again later.")),
    "NetworkError": str(QT_TRANSLATE_NOOP(
        "Messages", "Could not reach fal: check the network connection and retry.")),
    "SubmissionUnknown": str(QT_TRANSLATE_NOOP(
        "Messages",
        "The request may have reached fal: check your dashboard before submitting again "
        "(you could be charged twice).")),
    "DiskFull": str(QT_TRANSLATE_NOOP(
        "Messages", "The disk is full: free some space; nothing was lost.")),
    "ValidationFailed": str(QT_TRANSLATE_NOOP(
        "Messages", "fal rejected a parameter: fix it and generate again.")),
}


def failure_text(reason: str, kind: str, next_step: str = "") -> str:
    """A failed job's reason plus its next step (the failure's own, else its kind's)."""
    reason = reason.strip() or translate("Messages", "The job failed.")
    hint = next_step.strip() or translate("Messages", str(_KIND_HINTS.get(kind, "")))
    if "balance" in reason.lower() or "insufficient" in reason.lower():
        hint = translate("Messages", "Your fal balance is too low: top up at {url}.").format(
            url=FAL_BILLING_URL)
    if hint and hint.lower() not in reason.lower():
        return f"{_sentence(reason)} {hint}"
    return _sentence(reason)


def _sentence(text: str) -> str:
    text = text[:1].upper() + text[1:]
    return text if text.endswith((".", "!", "?", "。", "！", "？")) else text + "."


def key_test_text(error: Exception | None) -> tuple[bool, str]:
    """Whether a key test passed, and what to tell the user."""
    if error is None:
        return True, translate("Messages", "The key works: fal accepted it.")
    if isinstance(error, AuthError):
        return False, translate(
            "Messages", "fal rejected this key: it is wrong, revoked or mistyped. Copy it again "
            "from {url}.").format(url=FAL_KEYS_URL)
    if isinstance(error, NetworkError):
        return False, translate(
            "Messages", "Could not reach fal to test the key ({error}). Check the network."
        ).format(error=error)
    if isinstance(error, QwenImgError):
        return False, translate("Messages", "The key could not be tested: {reason}").format(
            reason=error.message)
    return False, translate("Messages", "The key could not be tested ({kind}).").format(
        kind=error.__class__.__name__)


def keyring_unavailable_text(error: KeyringUnavailable) -> str:
    """Why the keyring cannot keep the key (the core's sentence, said once) and what the user
    can do instead."""
    return translate(
        "Messages",
        "{reason} You can still use the key for this session only (kept in memory, forgotten "
        "when the app quits), or set the FAL_KEY environment variable before starting the "
        "app.").format(
        reason=_sentence(core_text(error.message)))


def key_source_text(source: str, backend: str) -> str:
    texts = {
        "env": translate(
            "Messages",
            "The key comes from the FAL_KEY environment variable (not stored by the app)."),
        "keyring": translate(
            "Messages", "The key is stored in the system keyring ({backend}).").format(
            backend=backend),
        "session": translate(
            "Messages", "The key is kept for this session only and will be forgotten on quit."),
    }
    return texts.get(source, translate("Messages", "No key is set."))


def key_saved_text(source: str, backend: str) -> str:
    if source == "keyring":
        return translate("Messages", "Key saved in the system keyring ({backend}).").format(
            backend=backend)
    return key_source_text(source, backend)


def first_run_title() -> str:
    return translate("Messages", "Welcome to {app}").format(app=APP_NAME)


def first_run_text() -> str:
    return translate(
        "Messages",
        "<p>{app} draws and edits images with fal's <b>Qwen Image 2</b> models (pro and "
        "standard, generate and edit). It needs a fal API key.</p>"
        "<ol><li>Sign in at <b>fal.ai</b> and open the dashboard's <b>Keys</b> page "
        "(<code>{url}</code>).</li>"
        "<li>Create a key and copy it (it looks like <code>id:secret</code>).</li>"
        "<li>Open <b>File → Settings…</b>, paste it and press <b>Save to keyring</b>. It is kept "
        "in your system keyring, never in a file.</li></ol>"
        "<p>Each image costs about $0.075 on fal. You can also try the app first in <b>demo "
        "mode</b>: a built-in local server draws placeholder images, nothing is sent and nothing "
        "is charged.</p>").format(app=APP_NAME, url=FAL_KEYS_URL)


# Marked here, translated where shown (``translate("Messages", CONSTANT)``): tests compare the
# English text. "Sent" only once the engine has journalled the job (its first event): a job the
# engine never recorded ends with a Failed that says so, never silently.
JOB_HANDED_OVER: Final = str(QT_TRANSLATE_NOOP("Messages", "Handing the job to the engine…"))
JOB_SENT: Final = str(QT_TRANSLATE_NOOP("Messages", "Job sent."))
RETRY_WOULD_PAY_TWICE: Final = str(QT_TRANSLATE_NOOP(
    "Messages",
    "fal already made this job's result and charged for it: a retry would pay again. "
    "Use Re-download to fetch it without a new charge."))
NO_KEY_REASON: Final = str(QT_TRANSLATE_NOOP(
    "Messages", "No API key: open File → Settings… (or start in demo mode)."))
DEMO_LABEL: Final = str(QT_TRANSLATE_NOOP(
    "Messages", "DEMO: images are local placeholders; nothing is sent to fal or charged. "
    "File → Leave demo mode goes back to fal."))
CANCEL_ACCEPTED: Final = str(QT_TRANSLATE_NOOP(
    "Messages", "fal accepted the cancel; a run it has started may still finish"))


def tr(text: str) -> str:
    """One of this module's marked constants in the interface language."""
    return translate("Messages", text)


COST_UNKNOWN: Final = str(QT_TRANSLATE_NOOP("Messages", "cost unknown"))  # tr() where shown


def generate_label(cost_usd: float | None, *, priced: bool = False) -> str:
    """The Generate button's text: with the cost when known; ``priced`` (not demo mode) and
    unknown says so, never $0."""
    if cost_usd is None:
        return (translate("Messages", "Generate · {cost}").format(cost=tr(COST_UNKNOWN))
                if priced else translate("Messages", "Generate"))
    return translate("Messages", "Generate · {cost}").format(cost=cost_text(cost_usd))


def cost_text(cost_usd: float) -> str:
    """"$0.15", "$0.075": cents, or a tenth of a cent when the price has one."""
    text = f"{cost_usd:.2f}" if round(cost_usd, 2) == round(cost_usd, 6) else f"{cost_usd:.3f}"
    return f"${text}"


def size_bound_text(width: int, height: int) -> str:
    return translate(
        "Messages", "{width}×{height} = {total} px. The total must lie between 512×512 "
        "(262,144) and 2048×2048 (4,194,304) pixels.").format(
        width=width, height=height, total=f"{width * height:,}")


# Desktop notification servers on Linux may read the body as markup (``<img src=...>`` names a
# local file, ``&`` starts an entity), and Qt passes it on as is: the prompt's markup characters
# are shown as look-alikes there, on every platform, so no notification interprets them.
_NOTIFICATION_SAFE: Final = str.maketrans({"<": "‹", ">": "›", "&": "＆"})


def job_done_text(prompt: str, state: JobState, images: int) -> tuple[str, str]:
    """Title and body of the notification for a finished job (the body quotes the prompt)."""
    title = (prompt.strip().splitlines()[0][:60] if prompt.strip()
             else translate("Messages", "Job"))
    title = title.translate(_NOTIFICATION_SAFE)
    if state is JobState.completed:
        return translate("Messages", "Images ready"), f"{images_text(images)}: {title}"
    return translate("Messages", "Job: {state}").format(state=state_name(state)), title


def files_opened(images: int, prompt: bool) -> str:
    """What the window did with the files named on a command line."""
    if images and prompt:
        return translate(
            "Messages", "Adding {count} image(s) as edit references and the prompt file loaded "
            "into the editor (Edit → Restore previous draft goes back).").format(count=images)
    if images:
        return translate("Messages", "Adding {count} image(s) as edit references.").format(
            count=images)
    if prompt:
        return translate("Messages", "The prompt file loaded into the editor (Edit → Restore "
                         "previous draft goes back).")
    return translate("Messages", "{app} is open here.").format(app=APP_NAME)


def about_text(version: str) -> str:
    endpoints = ", ".join(f"<code>{e.id}</code>" for e in all_endpoints())
    return translate(
        "Messages", "<h3>{app} {version}</h3><p>A desktop client for fal's Qwen Image 2 "
        "endpoints: {endpoints}.</p><p>Your API key stays in the system keyring; prompts, "
        "images and history stay on this computer.</p>").format(
        app=APP_NAME, version=version, endpoints=endpoints)


def cancel_question(state: JobState) -> str:
    """The question before cancelling a job fal already holds: what it may cost."""
    if state is JobState.queued or state is JobState.submitted:
        return translate(
            "Messages", "Cancel this job? It is waiting in fal's queue: a job cancelled before "
            "it starts costs nothing, but if fal starts it before the cancel arrives it is "
            "charged.")
    return translate(
        "Messages", "Cancel this job? fal has already started it: fal may finish it anyway, "
        "and a run that has started is probably charged even if it is cancelled.")


def cancel_answer(state: JobState, detail: str) -> str:
    """What fal answered to a cancel, from the engine's state change ("" when not a cancel)."""
    if state is JobState.cancel_requested:
        return tr(CANCEL_ACCEPTED)
    if detail.startswith("already finished"):
        return translate("Messages", "fal answered that it had already finished")
    if detail.startswith("cancel failed"):
        return translate("Messages", "fal refused the cancel ({detail})").format(
            detail=detail.removeprefix("cancel failed:").strip())
    return ""


def completed_after_cancel(answer: str) -> str:
    """A job that completed after the user cancelled it: honest about the charge."""
    return translate(
        "Messages", "you cancelled it, but fal had already started it and finished it "
        "({answer}); it is probably charged").format(answer=answer)


def quit_question(count: int) -> str:
    """The question before quitting while jobs are still at fal."""
    if count == 1:
        return translate(
            "Messages", "1 job is still at fal. Quitting does not stop it: fal keeps running it "
            "and charges for it, and its result is fetched the next time the app starts. "
            "Quit anyway?")
    return translate(
        "Messages", "{count} jobs are still at fal. Quitting does not stop them: fal keeps "
        "running them and charges for them, and their results are fetched the next time the "
        "app starts. Quit anyway?").format(count=count)
