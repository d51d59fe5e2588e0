"""A job's right-click menu and Retry button offer what its state allows (real widgets, fed the
engine's events): a held job Allow once, a lost submit fal did not show a priced Submit again,
one still looked for or matched by several requests no resend."""

from __future__ import annotations

from pytestqt.qtbot import QtBot

from qwenimg_desktop.core.jobs import events as ev
from qwenimg_desktop.core.jobs import reconcile
from qwenimg_desktop.core.jobs.model import AMBIGUOUS_AT_FAL, JobState
from qwenimg_desktop.core.params import GenerationRequest
from qwenimg_desktop.core.pricing import PriceBook
from qwenimg_desktop.ui.create.jobs_model import JobsModel
from qwenimg_desktop.ui.create.jobs_view import JobsPanel


def _panel(qtbot: QtBot) -> tuple[JobsModel, JobsPanel]:
    model = JobsModel()
    model.prices = PriceBook(lambda: 0.075)  # the window's prices: here the user's own
    panel = JobsPanel(model)
    qtbot.addWidget(panel)
    return model, panel


def _texts(panel: JobsPanel, job_id: str) -> list[str]:
    menu = panel.job_menu(job_id)
    return [] if menu is None else [a.text() for a in menu.actions() if a.text()]


def test_a_lost_submit_offers_a_priced_submit_again_only_once_fal_did_not_show_it(
    qtbot: QtBot,
) -> None:
    model, panel = _panel(qtbot)
    job = "ab" * 16
    model.add_job(job, GenerationRequest(prompt="lost", seed=1))
    panel.select_job(job)
    model.apply(ev.StateChanged(job, JobState.unknown, reconcile.LOOKING))
    assert not panel.retry_button.isEnabled()  # still looked for: a resend could pay twice
    assert not [t for t in _texts(panel, job) if t.startswith(("Submit again", "Retry"))]

    model.apply(ev.Failed(job, "not found at fal", "SubmissionUnknown",
                          error_type=reconcile.NOT_FOUND_AT_FAL))
    assert panel.retry_button.isEnabled()
    assert panel.retry_button.text() == "Submit again · $0.075"
    assert "Submit again · $0.075" in _texts(panel, job)
    with qtbot.waitSignal(panel.retry_requested) as sent:
        [again] = [a for a in panel.job_menu(job).actions()  # type: ignore[union-attr]
                   if a.text().startswith("Submit again")]
        again.trigger()
    assert sent.args == [job]


def test_several_matches_offer_the_chooser_and_no_resend(qtbot: QtBot) -> None:
    model, panel = _panel(qtbot)
    job = "cd" * 16
    model.add_job(job, GenerationRequest(prompt="twice", seed=2))
    panel.select_job(job)
    model.apply(ev.Failed(job, "several requests at fal match this job (2)",
                          "SubmissionUnknown", error_type=AMBIGUOUS_AT_FAL))
    texts = _texts(panel, job)
    assert texts[0] == "Choose the request at fal…"
    assert not [t for t in texts if t.startswith(("Submit again", "Retry"))]
    assert not panel.retry_button.isEnabled()
    assert panel.retry_button.text() == "Retry"


def test_a_held_job_offers_allow_once_and_is_released_by_the_engines_word(
    qtbot: QtBot,
) -> None:
    model, panel = _panel(qtbot)
    job = "ef" * 16
    model.add_job(job, GenerationRequest(prompt="held", seed=3, num_images=2))
    model.apply(ev.Held(job, "held: over the daily budget ($0.15 of $0.10)"))
    row = model.row(job)
    assert row is not None
    assert row.state is JobState.pending
    assert "held: over the daily budget ($0.15 of $0.10)" in row.status_line(0.0)
    assert _texts(panel, job)[0] == "Allow once · $0.15"
    model.apply(ev.StateChanged(job, JobState.pending, "waiting for a free slot"))
    assert not row.held
    assert not [t for t in _texts(panel, job) if t.startswith("Allow once")]
