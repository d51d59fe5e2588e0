"""A paid result that was never stored offers Re-download, never a paid Retry (real widgets)."""

from __future__ import annotations

from PySide6.QtCore import QPoint
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from qwenimg_desktop.core.jobs import events as ev
from qwenimg_desktop.core.jobs.model import JobState
from qwenimg_desktop.core.params import GenerationRequest
from qwenimg_desktop.core.store.history import HistoryStore
from qwenimg_desktop.ui.create.jobs_model import JobsModel
from qwenimg_desktop.ui.create.jobs_view import JobsPanel
from qwenimg_desktop.ui.history.view import HistoryBrowser
from tests.history.conftest import open_detail


def _panel(qtbot: QtBot) -> JobsPanel:
    panel = JobsPanel(JobsModel())
    qtbot.addWidget(panel)
    panel.show()
    return panel


def _failed(panel: JobsPanel, job_id: str, kind: str) -> None:
    panel.model.add_job(job_id, GenerationRequest(prompt=f"job {job_id}"))
    panel.model.apply(ev.Failed(job_id, "the images could not be saved", kind))
    panel.select_job(job_id)


def test_a_paid_result_not_downloaded_offers_re_download_and_no_retry(qtbot: QtBot) -> None:
    panel = _panel(qtbot)
    _failed(panel, "paid", "PaidNotDownloaded")
    assert panel.redownload_button.isVisible()
    assert not panel.retry_button.isEnabled()  # a retry would be a second charge
    with qtbot.waitSignal(panel.redownload_requested) as asked:
        panel.redownload_button.click()
    assert asked.args == ["paid"]

    panel.model.apply(ev.FilesRestored("paid", 1))
    panel.model.apply(ev.Completed("paid", 7, ("/x.png",)))
    row = panel.model.row("paid")
    assert row is not None
    assert row.state is JobState.completed
    assert not panel.redownload_button.isVisible()
    assert panel.retry_button.isEnabled()


def test_a_job_past_its_deadline_offers_both(qtbot: QtBot) -> None:
    panel = _panel(qtbot)
    _failed(panel, "slow", "DeadlineExceeded")
    assert panel.redownload_button.isVisible()  # if fal finished it anyway
    assert panel.retry_button.isEnabled()  # fal was asked to cancel it: it may never have run


def test_an_ordinary_failure_offers_retry_only(qtbot: QtBot) -> None:
    panel = _panel(qtbot)
    _failed(panel, "plain", "RequestFailed")
    assert not panel.redownload_button.isVisible()
    assert panel.retry_button.isEnabled()


def _paid_never_stored_and_failed(store: HistoryStore) -> tuple[str, str]:
    """Two jobs in the journal: a paid result whose images were never stored (fal may still
    hold them: Re-download) and an ordinary failure (nothing to fetch)."""
    request = GenerationRequest(prompt="paid, never stored", output_format="png")
    paid = store.create_pending(request, queue_base="http://127.0.0.1:1", cost_estimate=0.075)
    store.mark_sending(paid)
    store.mark_submitted(paid, request_id="req-paid", status_url=None, response_url=None,
                         cancel_url=None, queue_position=0)
    store.mark_fetching(paid, result_json="{}", seed=3, metrics_json=None)
    store.fail(paid, "the images could not be saved: the disk is full", "not_downloaded")
    plain = store.create_pending(request, queue_base="http://127.0.0.1:1", cost_estimate=0.075)
    store.fail(plain, "the generation failed", "RequestFailed")
    return paid, plain


def test_the_history_detail_offers_re_download_for_a_paid_result_never_stored(
    browser: HistoryBrowser, store: HistoryStore, qtbot: QtBot,
) -> None:
    job, other = _paid_never_stored_and_failed(store)

    open_detail(qtbot, browser, job)
    button = browser.detail._buttons["redownload"]
    assert button.isVisible()
    with qtbot.waitSignal(browser.redownload_requested) as asked:
        button.click()
    assert asked.args == [job]

    open_detail(qtbot, browser, other)
    assert not browser.detail._buttons["redownload"].isVisible()


def test_delete_stays_where_it_was_whether_or_not_re_download_is_offered(
    browser: HistoryBrowser, store: HistoryStore, qtbot: QtBot,
) -> None:
    paid, plain = _paid_never_stored_and_failed(store)
    browser.resize(1356, 700)  # the History tab on a 1366×768 screen: the actions wrap
    delete = browser.detail._buttons["delete"]

    def delete_at() -> QPoint:
        QApplication.processEvents()
        return delete.mapTo(browser, QPoint(0, 0))

    open_detail(qtbot, browser, plain)
    assert not browser.detail._buttons["redownload"].isVisible()
    before = delete_at()
    open_detail(qtbot, browser, paid)
    assert browser.detail._buttons["redownload"].isVisible()
    assert delete_at() == before
