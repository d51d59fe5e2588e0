"""MainWindow: assembles editor, parameters, jobs and result viewer; menus, status bar, state."""

from __future__ import annotations

import logging
import random
import time
from pathlib import Path
from typing import TYPE_CHECKING, Final

from pydantic import ValidationError
from PySide6.QtCore import QByteArray, Qt, QTimer
from PySide6.QtGui import QCloseEvent, QGuiApplication, QIcon
from PySide6.QtWidgets import (
    QApplication,
    QMainWindow,
    QMessageBox,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from qwenimg_desktop import APP_NAME, __version__
from qwenimg_desktop.core.balance import MIN_INTERVAL_S, Balance, BillingKeyNotAdmin
from qwenimg_desktop.core.batch.plan import BatchPlan, request_cost, seed_sweep
from qwenimg_desktop.core.budget import Budget, BudgetDecision, Verdict, check_budget
from qwenimg_desktop.core.edit_request import EditRequest
from qwenimg_desktop.core.endpoints import EndpointKind, choose
from qwenimg_desktop.core.errors import KeyringUnavailable, QwenImgError
from qwenimg_desktop.core.jobs.model import REMOTE_STATES, JobState
from qwenimg_desktop.core.params import GenerationRequest
from qwenimg_desktop.core.pricing import CachedPrice, PriceBook, as_of
from qwenimg_desktop.core.settings import DraftSnapshot, ParamValues, ThemeChoice
from qwenimg_desktop.core.store.files import DataLayout
from qwenimg_desktop.ui import messages
from qwenimg_desktop.ui.accessibility import name_widgets
from qwenimg_desktop.ui.account_banner import AccountLockedBanner
from qwenimg_desktop.ui.actions import Actions, build_actions
from qwenimg_desktop.ui.create.batch_grids import BatchGrids
from qwenimg_desktop.ui.create.batch_panel import BatchPanel
from qwenimg_desktop.ui.create.draft import Draft
from qwenimg_desktop.ui.create.draft_autosave import DraftAutosave
from qwenimg_desktop.ui.create.jobs_model import MAX_LOG_LINES, JobRow, JobsModel
from qwenimg_desktop.ui.create.jobs_view import JobsPanel
from qwenimg_desktop.ui.create.params_column import ParamsColumn
from qwenimg_desktop.ui.create.params_panel import ParamsPanel
from qwenimg_desktop.ui.create.references_strip import ReferenceStrip
from qwenimg_desktop.ui.create.result_viewer import ResultViewer
from qwenimg_desktop.ui.editor.editor_panel import EditorPanel
from qwenimg_desktop.ui.editor.library_pane import LibraryPane
from qwenimg_desktop.ui.editor.recall import START_DELAY_MS as RECALL_START_DELAY_MS
from qwenimg_desktop.ui.editor.recall import PromptRecall
from qwenimg_desktop.ui.escape import close_on_escape
from qwenimg_desktop.ui.history.host import HistoryHost
from qwenimg_desktop.ui.history.reuse import ReuseMode
from qwenimg_desktop.ui.i18n import translate
from qwenimg_desktop.ui.notifications import Notifier, bring_to_front
from qwenimg_desktop.ui.safe_text import plain_label, plain_message_box
from qwenimg_desktop.ui.services import UiServices
from qwenimg_desktop.ui.theme import ThemeController
from qwenimg_desktop.ui.user_files import UserFiles

if TYPE_CHECKING:
    from qwenimg_desktop.core.jobs import events as ev
    from qwenimg_desktop.core.store.history import HistoryStore
    from qwenimg_desktop.core.store.records import JobRecord
    from qwenimg_desktop.core.store.snippets import Snippet
    from qwenimg_desktop.core.store.spend import SpendSummary

    # The dialogs load when first opened (each one in the method that opens it): none of them
    # is on screen when the window first paints (tests/ui/test_composition_root.py).
    from qwenimg_desktop.ui.dialogs.choose_request import ChooseRequestDialog
    from qwenimg_desktop.ui.dialogs.first_run import FirstRunDialog
    from qwenimg_desktop.ui.dialogs.settings_dialog import BillingAccess, SettingsDialog
    from qwenimg_desktop.ui.dialogs.spend_view import SpendDialog
    from qwenimg_desktop.ui.editor.library_pane import SnippetDialog

log = logging.getLogger("qwenimg.ui")
SPLITTERS: Final = ("outer", "center", "prompt", "bottom", "editor", "jobs")
LAST_START: Final = "jobs.session_start"
"""ui_state: when the last window started; its jobs are listed again at the next start."""
CLEARED_AT: Final = "jobs.cleared_at"
CLEARED_KEPT: Final = "jobs.cleared_kept"
"""ui_state: when "Clear finished" last ran, and the selected job it kept listed."""
FIRST_SESSION_S: Final = 24 * 3600.0
"""With no earlier start recorded, the jobs of the last day are listed."""


def _float(text: str | None, default: float) -> float:
    try:
        return float(text) if text else default
    except ValueError:
        return default


class MainWindow(QMainWindow):
    """The application window; talks to the engine only through ``UiServices.engine``."""

    chooser: ChooseRequestDialog | None = None  # the open "Choose the request at fal" list
    _pause_touched = False  # the user toggled Pause sending since the window opened
    _prices_reading = False  # refresh_prices: one read of fal's prices at a time
    # refresh_balance: one read at a time, at most one a minute (core/balance.py)
    _balance_reading = _balance_again = False
    _balance_read_at = float("-inf")

    def __init__(self, services: UiServices, theme: ThemeController | None = None,
                 icon: QIcon | None = None) -> None:
        super().__init__()
        self.setObjectName("mainWindow")
        self.services = services
        self.theme = theme
        self._base_title = (translate("MainWindow", "{app} — DEMO").format(app=APP_NAME)
                            if services.demo else APP_NAME)
        self.setWindowTitle(self._base_title)
        if icon is not None:
            self.setWindowIcon(icon)
        self.messenger = messages.Messenger(self)
        self.draft = Draft(self)
        self.editor = EditorPanel(self.draft, self)
        # What an image costs (core/pricing.py): fal's prices as last read, or the user's own.
        self.prices = PriceBook(lambda: services.settings.price_per_image_usd)
        self.params = ParamsPanel(self.draft, services.settings, self, prices=self.prices,
                                  free=services.demo)
        self.batch = BatchPanel(self.draft, self._wildcards_dir,
                                None if services.demo else self.prices, self)
        self.batch.send.connect(self.generate_batch)
        self.references = ReferenceStrip(self.draft, self._data_layout, services.workers, self)
        self.editor.add_above_prompt(self.references)
        self.jobs_model = JobsModel(services.lookup_request, self)
        # demo mode: nothing is charged, no prices in the rows
        self.jobs_model.free, self.jobs_model.prices = services.demo, self.prices
        self.jobs = JobsPanel(self.jobs_model, self)
        self.results = ResultViewer(services.workers, self)
        self.autosave = DraftAutosave(self.draft, services.draft_path, services.workers,
                                      self.editor.editor.cursor_position, self)
        self.notifier = Notifier(self, icon or QIcon(), services.workers,
                                 lambda: services.settings.notify_when_done, parent=self)
        self.demo_banner = plain_label(messages.tr(messages.DEMO_LABEL), self)
        self.demo_banner.setObjectName("demoBanner")
        self.demo_banner.setVisible(services.demo)
        self.spend_label = plain_label("", self)
        self._spend_reading = self._spend_again = False  # refresh_spend: one read at a time
        self.spend_label.setObjectName("todaySpend")
        self.spend_label.setToolTip(
            translate("MainWindow", "What fal billed today (History → Spend… for more)"))
        self.statusBar().addPermanentWidget(self.spend_label)
        self.account_banner = AccountLockedBanner(self)
        self.account_banner.resume_requested.connect(self.resume_after_lock)
        self.settings_dialog: SettingsDialog | None = None
        self.first_run: FirstRunDialog | None = None
        self.key_ready = services.demo
        self.history = HistoryHost(self)
        self._start_jobs_list()
        self.library = LibraryPane(services.history_store or _no_history, self)
        self.library.hide()
        self.recall = PromptRecall(self.editor.editor, services.history_store or _no_history,
                                   self)
        self.previous_drafts: list[DraftSnapshot] = []
        self._torn_down = False
        self.cancel_box: QMessageBox | None = None
        self.quit_box: QMessageBox | None = None
        # Jobs clicked here that the engine has not recorded yet: "Job sent." waits for that.
        self._unrecorded: set[str] = set()
        self._build()
        self.grids = BatchGrids(self)
        self.acts = build_actions(self)
        self._connect(self.acts)
        self.acts.pause_sending.toggled.connect(self.set_sending_paused)
        self.acts.run_next.triggered.connect(lambda: self.run_next(self.jobs.current_job()))
        self.acts.cancel_batch.triggered.connect(
            lambda: self.cancel_batch_of(self.jobs.current_job()))
        self.acts.more_like_this.triggered.connect(
            lambda: self.more_like_this(self.jobs.current_job()))
        self.acts.show_grid.triggered.connect(
            lambda: self.grids.show_for_job(self.jobs.current_job()))
        self.history.grid_requested.connect(self.grids.show)
        self.history.rerun_batch_requested.connect(self.grids.rerun)
        self._connect_languages(self.acts)
        self._restore()
        name_widgets(self)  # screen readers: every control named (see ui.accessibility)

    def _start_jobs_list(self) -> None:
        """Rows show pictures from the window's one thumbnail loader. And this session starts
        now: after a restart, the jobs created since (less those cleared off the list) are
        listed again from the history, with every unfinished one."""
        self.jobs_model.use_thumbnails(self.history.thumbnails, self._thumbnail_source)
        self._session_start = time.time()

    def __repr__(self) -> str:
        return f"<MainWindow demo={self.services.demo} jobs={self.jobs_model.rowCount()}>"

    # ---- construction -----------------------------------------------------------------------

    def _build(self) -> None:
        self._build_balance()
        # The output folder, Save as…, Export and Open folder (ui/user_files.py).
        self.results.files = self.history.files = self.files = UserFiles(
            self.services.settings, self.services.workers, self.services.demo, self)
        self.history.file_check = self.services.engine.check_files  # in the engine's process
        # The parameters and the batch panel scrolled together, Generate always in view.
        params_column = ParamsColumn([self.params, self.batch], self.params.detach_footer(), self)
        # Image-first: the parameters take the full height of a right-hand column (Generate
        # pinned at its foot), so the centre column is only prompt above result. The splitter
        # names changed with this layout ("outer", "center", "prompt"): a state saved for the old
        # three-row arrangement would give its sizes to the wrong panes, so it is not restored.
        self.splitters: dict[str, QSplitter] = {
            "outer": QSplitter(Qt.Orientation.Horizontal, self),
            "center": QSplitter(Qt.Orientation.Vertical, self),
            "prompt": QSplitter(Qt.Orientation.Horizontal, self),
            "bottom": QSplitter(Qt.Orientation.Horizontal, self),
            "editor": self.editor.splitter,
            "jobs": self.jobs.splitter,
        }
        outer, center = self.splitters["outer"], self.splitters["center"]
        prompt, bottom = self.splitters["prompt"], self.splitters["bottom"]
        prompt.addWidget(self.editor)
        prompt.addWidget(self.library)
        prompt.setStretchFactor(0, 1)
        prompt.setSizes([980, 0])  # one size per widget: the hidden library's is 0
        bottom.addWidget(self.jobs)
        bottom.addWidget(self.results)
        bottom.setStretchFactor(1, 1)
        bottom.setSizes([360, 660])
        center.addWidget(prompt)
        center.addWidget(bottom)
        center.setStretchFactor(1, 1)  # the result image gets what the window grows by
        center.setSizes([230, 650])
        outer.addWidget(center)
        outer.addWidget(params_column)
        outer.setStretchFactor(0, 1)
        outer.setStretchFactor(1, 0)
        outer.setSizes([1010, 350])
        for splitter in (outer, center, prompt, bottom):
            splitter.setChildrenCollapsible(False)
        create = QWidget(self)
        create_layout = QVBoxLayout(create)
        create_layout.setContentsMargins(0, 4, 0, 0)
        create_layout.addWidget(outer)
        self.tabs = QTabWidget(self)
        self.tabs.setObjectName("mainTabs")
        self.tabs.setDocumentMode(True)
        self.tabs.addTab(create, translate("MainWindow", "Create"))
        self.tabs.addTab(self.history.page, translate("MainWindow", "History"))
        central = QWidget(self)
        layout = QVBoxLayout(central)
        layout.setContentsMargins(6, 4, 6, 4)
        layout.addWidget(self.demo_banner)
        layout.addWidget(self.account_banner)
        layout.addWidget(self.tabs, 1)
        self.setCentralWidget(central)
        self.resize(1360, 880)

    def _connect(self, a: Actions) -> None:
        a.generate.triggered.connect(self.generate)
        a.settings.triggered.connect(self.open_settings)
        a.quit.triggered.connect(self.request_quit)
        a.leave_demo.setVisible(self.services.leave_demo is not None)
        a.leave_demo.triggered.connect(self.leave_demo)
        for action, name in ((a.undo, "undo"), (a.redo, "redo"), (a.cut, "cut"), (a.copy, "copy"),
                             (a.paste, "paste"), (a.select_all, "selectAll")):
            action.triggered.connect(lambda _c=False, n=name: self._edit(n))
        a.find.triggered.connect(self.editor.find_bar.open_bar)
        a.restore_draft.triggered.connect(self.restore_previous_draft)
        a.restore_draft.setEnabled(False)
        a.create_tab.triggered.connect(lambda: self.tabs.setCurrentIndex(0))
        a.history_tab.triggered.connect(lambda: self.tabs.setCurrentIndex(1))
        self.tabs.currentChanged.connect(self._tab_changed)
        self.history.reuse_requested.connect(self.apply_reuse)
        self.history.rerun_requested.connect(
            lambda request, mode: self.apply_reuse(request, mode, run=True))
        self.history.edit_requested.connect(self.edit_images)
        self.results.edit_requested.connect(self.edit_images)
        self.references.message.connect(self.messenger.info)
        self.history.redownload_requested.connect(self.redownload)
        self.history.message.connect(self.messenger.info)
        drops = self.history.install_drops(
            [self, self.editor.editor.viewport(), self.results, self.results.view.viewport(),
             self.history.page])  # the image view's scene would take (and drop) drags itself
        drops.divert_to(self._drop_as_references)
        a.preview.toggled.connect(self.editor.set_preview_visible)
        a.library.toggled.connect(self.show_library)
        self._connect_escape(a)
        a.save_snippet.triggered.connect(self.save_selection_as_snippet)
        self.library.insert_requested.connect(self.insert_snippet)
        self.library.apply_requested.connect(self.apply_snippet)
        self.library.message.connect(self.messenger.info)
        self.history.snippet_requested.connect(self.save_prompt_as_snippet)
        self.library.changed.connect(self.recall.refresh_snippets)
        QTimer.singleShot(RECALL_START_DELAY_MS, self.recall.rebuild)
        for choice, action in a.themes.items():
            action.triggered.connect(lambda _c=False, ch=choice: self.set_theme(ch))
        a.fit.triggered.connect(self.results.view.fit)
        a.actual_size.triggered.connect(self.results.view.actual_size)
        a.lightbox.triggered.connect(self.results.open_lightbox)
        a.cancel.triggered.connect(lambda: self.request_cancel(self.jobs.current_job()))
        self._connect_jobs_list(a)
        self._connect_history_menu(a)
        a.retry.triggered.connect(lambda: self.retry(self.jobs.current_job()))
        a.cancel_all.triggered.connect(self.cancel_all)
        a.getting_started.triggered.connect(self.show_first_run)
        a.about.triggered.connect(self._about)
        a.about_qt.triggered.connect(QApplication.aboutQt)
        self.params.generate_requested.connect(self.generate)
        self.services.bridge.job_event.connect(self.on_job_event)
        self.jobs.selected.connect(self._job_selected)
        self.jobs.cancel_requested.connect(self.request_cancel)
        self.jobs.retry_requested.connect(self.retry)
        self.jobs.redownload_requested.connect(self.redownload)
        self.jobs.cancel_all_requested.connect(self.cancel_all)
        self.jobs.allow_once_requested.connect(self.allow_once)
        self.jobs.choose_request_requested.connect(self.choose_request)
        self.jobs_model.job_finished.connect(self._job_finished)
        self.results.use_settings.connect(self.use_settings)
        self.results.status.connect(self.messenger.info)
        self.files.message.connect(self.messenger.error)
        self.editor.limit_reached.connect(self.messenger.warning)
        self.params.presets.message.connect(self.messenger.warning)
        self.autosave.failed.connect(self.messenger.warning)
        self.messenger.message.connect(self._show_message)

    def _connect_jobs_list(self, a: Actions) -> None:
        self.jobs.view.addAction(a.cancel)  # Esc cancels only while the jobs list has focus
        # Right-click on a job: what it offers (JobsPanel.job_menu), then the queue's commands
        # (also in the Jobs menu).
        self.jobs.view.addActions([a.run_next, a.cancel_batch, a.more_like_this])
        self.jobs.move_requested.connect(self.move_waiting_job)
        self.jobs.cleared.connect(self._jobs_cleared)
        self.notifier.job_clicked.connect(self.show_job)

    def _connect_escape(self, a: Actions) -> None:
        """Esc closes the transient pane that has the focus, and the focus goes back to the
        prompt; in the references strip it puts the problems shown away (the strip itself
        follows the endpoint). Esc cancels a job only in the jobs list (its Cancel action)."""
        close_on_escape(self.library, lambda: self.show_library(False), self.editor.editor)
        close_on_escape(self.editor.preview_box, lambda: a.preview.setChecked(False),
                        self.editor.editor)
        close_on_escape(self.references, self.references.dismiss_problems, self.editor.editor)

    def _connect_history_menu(self, a: Actions) -> None:
        self.history.page.addAction(a.delete_generations)  # Delete: only inside History
        for action, command in ((a.delete_generations, "delete_selected"),
                                (a.export_folder, "export_folder"), (a.export_zip, "export_zip"),
                                (a.compare, "compare"), (a.clear_failed, "clear_failed"),
                                (a.find_duplicates, "show_duplicates")):
            action.triggered.connect(lambda _c=False, name=command: self._on_history(name))
        a.spend.triggered.connect(self.show_spend)

    def _within_budget(self, request: GenerationRequest) -> bool:
        """Whether the budget lets this request go (asking the user when it says so)."""
        cost = request_cost(request, self.prices.own_price, self.prices.table)
        return self._budget_allows(cost, request.num_images, confirmed=False)

    def _budget_allows(self, cost_usd: float | None, images: int, *, confirmed: bool) -> bool:
        """Whether the confirmation threshold lets an action costing ``cost_usd`` go: it asks
        unless the user has just ``confirmed`` this very total (a batch's own question names
        it). The caps ask nothing here: the engine holds what would pass one in the queue,
        with the reason shown, until the cap is raised or the job allowed once.
        At an unknown price (no price read from fal, none of the user's) the caps cannot be
        checked by the engine either: then every dollar limit asks here."""
        budget = self.services.settings.budget
        if cost_usd is not None:
            budget = budget.without_caps()
        if budget == Budget():
            return True
        store = (self.services.history_store or _no_history)()
        # The spend's module (its dataclasses) loads on the first check, not before the paint
        from qwenimg_desktop.core.store.spend import (  # noqa: PLC0415
            SpendSummary,
            month_start,
            summarise,
        )
        spent = (summarise(store.spend_ledger(since=month_start())) if store is not None
                 else SpendSummary())  # today and this month: this month's jobs are enough
        decision = check_budget(cost_usd, images, spent_today=spent.today,
                                spent_month=spent.month, budget=budget)
        if decision.may_send or (confirmed and decision.verdict is Verdict.ask):
            return True
        return self.confirm_budget(decision)

    def allow_once(self, job_id: str) -> bool:
        """Send a job a budget cap holds back (its whole batch); False if it is not held."""
        row = self.jobs_model.row(job_id) if job_id else None
        if row is None or not row.held:
            self.messenger.warning(translate(
                "MainWindow", "Only a job held by a budget cap can be allowed once."))
            return False
        try:
            self.services.engine.allow_once(job_id)
        except QwenImgError as exc:
            self.messenger.error(translate("MainWindow", "Could not allow it: {reason}").format(
                reason=exc.message))
            return False
        self.messenger.info(translate(
            "MainWindow", "Allowed once: it is sent (with the rest of its batch, if any)."))
        return True

    def choose_request(self, job_id: str) -> ChooseRequestDialog | None:
        """Open the chooser for a lost submit several requests at fal match (non-modal)."""
        row = self.jobs_model.row(job_id) if job_id else None
        store = (self.services.history_store or _no_history)()
        if row is None or not row.awaits_choice or store is None:
            self.messenger.warning(translate(
                "MainWindow", "This job is not waiting for a choice of request at fal."))
            return None
        candidates = store.candidates(job_id)
        if not candidates:
            self.messenger.warning(translate(
                "MainWindow", "No requests at fal are recorded for this job."))
            return None
        if self.chooser is not None:
            self.chooser.close()
        from qwenimg_desktop.ui.dialogs.choose_request import ChooseRequestDialog  # noqa: PLC0415
        dialog = ChooseRequestDialog(job_id, candidates, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.chosen.connect(self.adopt_request)
        dialog.destroyed.connect(lambda: setattr(self, "chooser", None))
        self.chooser = dialog
        dialog.open()
        return dialog

    def adopt_request(self, job_id: str, request_id: str) -> None:
        """Follow the request the user chose for a lost submit (checked by the engine)."""
        try:
            self.services.engine.adopt_request(job_id, request_id)
        except QwenImgError as exc:
            self.messenger.error(translate("MainWindow", "Could not follow it: {reason}").format(
                reason=exc.message))
            return
        self.messenger.info(translate(
            "MainWindow", "Following the chosen request at fal; nothing is sent again."))

    def resume_after_lock(self) -> None:
        """The lock banner's Resume (after a top-up): the user's own pause stays as it is."""
        try:
            self.services.engine.resume_after_lock()
        except QwenImgError as exc:
            self.messenger.error(translate("MainWindow", "Could not resume: {reason}").format(
                reason=exc.message))

    def confirm_budget(self, decision: BudgetDecision) -> bool:
        """Ask whether an action held by the budget goes anyway (modal)."""
        from qwenimg_desktop.ui.dialogs.budget_stop import confirm_budget  # noqa: PLC0415
        return confirm_budget(decision, self)

    def show_spend(self) -> SpendDialog | None:
        """Open the Spend view over the journal (None while the history is not open yet)."""
        store = (self.services.history_store or _no_history)()
        if store is None:
            self.messenger.warning(translate(
                "MainWindow", "The history is not open yet; try again in a moment."))
            return None
        from qwenimg_desktop.ui.dialogs.spend_view import SpendDialog  # noqa: PLC0415
        dialog = SpendDialog(store.spend_ledger(), self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.show()
        return dialog

    def _restore(self) -> None:
        settings = self.services.settings
        self.draft.set_params(settings.last_used)
        notices = list(self.services.notices)
        snapshot = self.autosave.restore(notices.append)
        if snapshot is not None:
            self.draft.set_params(snapshot.params)
            self.draft.set_references(snapshot.references)
            self.editor.load(snapshot.prompt, snapshot.negative_prompt, snapshot.cursor)
        state = settings.ui_state
        if "geometry" in state:
            self.restore_geometry(state["geometry"])
        for name in SPLITTERS:
            if f"splitter.{name}" in state:
                self.splitters[name].restoreState(
                    QByteArray.fromBase64(state[f"splitter.{name}"].encode()))
        if state.get("tab") == "history":
            self.tabs.setCurrentIndex(1)
        preview = state.get("preview", "0") == "1"  # a toggle (Ctrl+Shift+P), off at first
        self.acts.preview.setChecked(preview)
        self.editor.set_preview_visible(preview)
        theme = self.theme.choice if self.theme is not None else settings.theme
        self.acts.themes[theme].setChecked(True)
        self.draft.validate_now()
        for notice in notices:
            self._notice(notice)
        if self.services.demo:
            self.params.set_blocked_reason("")
        else:
            self.params.set_blocked_reason(translate("MainWindow", "Checking for an API key…"))
            self.check_key()

    def restore_geometry(self, encoded: str) -> None:
        """The saved size and place, fitted into the screen this window is on now: a size
        saved on a big monitor must not open partly off a small one (title bar out of reach)."""
        self.restoreGeometry(QByteArray.fromBase64(encoded.encode()))
        self.fit_to_screen()

    def fit_to_screen(self) -> None:
        """Shrink and move the window into the available area of the screen it is on."""
        if self.isMaximized() or self.isFullScreen():
            return
        screen = QGuiApplication.screenAt(self.geometry().center()) or self.screen()
        available = screen.availableGeometry()
        frame, inner = self.frameGeometry(), self.geometry()
        extra_w, extra_h = frame.width() - inner.width(), frame.height() - inner.height()
        width = min(inner.width(), available.width() - extra_w)
        height = min(inner.height(), available.height() - extra_h)
        x = max(available.left(), min(frame.left(), available.right() + 1 - width - extra_w))
        y = max(available.top(), min(frame.top(), available.bottom() + 1 - height - extra_h))
        self.resize(width, height)
        self.move(x, y)

    def save_state(self) -> None:
        state = dict(self.services.settings.ui_state)
        state["geometry"] = bytes(self.saveGeometry().toBase64().data()).decode()
        for name in SPLITTERS:
            state[f"splitter.{name}"] = bytes(
                self.splitters[name].saveState().toBase64().data()).decode()
        state["preview"] = "1" if self.acts.preview.isChecked() else "0"
        state["tab"] = "history" if self.tabs.currentIndex() == 1 else "create"
        state[LAST_START] = repr(self._session_start)
        self.services.settings.ui_state = state
        self.services.settings.last_used = self.draft.params

    # ---- key --------------------------------------------------------------------------------

    def check_key(self) -> None:
        """Find out (off the GUI thread) whether a key exists; block Generate if not."""
        self.services.workers.run(self.services.key_store.get, self._key_found, self._key_failed)

    def _key_found(self, key: str | None) -> None:
        self.key_ready = bool(key)
        self.params.set_blocked_reason("" if key else messages.tr(messages.NO_KEY_REASON))
        if not key and not self.services.settings.first_run_done:
            self.show_first_run()
        # The balance's first read, now: the window waits for the engine's start anyway. With
        # the API key from the environment or the session, it is the first use of the keyring,
        # whose imports hold the GIL for ~100 ms of a worker: once the history was attached,
        # that was under the first jobs' sends (docs/performance.md).
        self.refresh_balance()

    def _key_failed(self, exc: Exception) -> None:
        self.key_ready = False
        reason = (messages.keyring_unavailable_text(exc) if isinstance(exc, KeyringUnavailable)
                  else translate("MainWindow", "The API key could not be read: {error}").format(
                      error=exc))
        self.params.set_blocked_reason(messages.tr(messages.NO_KEY_REASON))
        self.messenger.warning(reason)
        if not self.services.settings.first_run_done:
            self.show_first_run()

    def show_first_run(self) -> None:
        self.services.settings.first_run_done = True
        from qwenimg_desktop.ui.dialogs.first_run import FirstRunDialog  # noqa: PLC0415

        dialog = FirstRunDialog(self, demo_available=self.services.switch_to_demo is not None
                                and not self.services.demo)
        dialog.settings_chosen.connect(self.open_settings)
        dialog.demo_chosen.connect(self.start_demo)
        self.first_run = dialog
        dialog.open()

    def start_demo(self) -> None:
        if self.services.switch_to_demo is not None:
            self.messenger.info(translate("MainWindow", "Starting demo mode…"))
            QTimer.singleShot(0, self.services.switch_to_demo)

    def leave_demo(self) -> None:
        if self.services.leave_demo is not None:
            self.messenger.info(translate("MainWindow", "Leaving demo mode…"))
            QTimer.singleShot(0, self.services.leave_demo)

    def _connect_languages(self, a: Actions) -> None:
        for code, action in a.languages.items():
            action.setChecked(code == self.services.settings.language)
            action.triggered.connect(lambda _c=False, lang=code: self.set_language(lang))

    def set_language(self, code: str) -> None:
        """Remember the interface language; it is applied at the next start (texts are set
        once when widgets are built)."""
        self.services.settings.language = code
        if self.services.save_settings is not None:
            self.services.save_settings()
        self.messenger.info(translate(
            "MainWindow", "The new language is used when Qwen Image Desktop is restarted."))

    def open_settings(self) -> SettingsDialog:
        if self.settings_dialog is None:
            from qwenimg_desktop.ui.dialogs.settings_dialog import SettingsDialog  # noqa: PLC0415
            self.settings_dialog = SettingsDialog(
                self.services.key_store, self.services.settings, self.services.workers,
                self.services.queue_base, self.services.check_key, self,
                prices=None if self.services.demo else self.prices,
                billing=self._billing_access())
            self.settings_dialog.billing_key_changed.connect(
                lambda: self.refresh_balance(force=True))
            self.settings_dialog.key_changed.connect(self.check_key)
            self.settings_dialog.settings_changed.connect(self._settings_changed)
        self.settings_dialog.show()
        self.settings_dialog.raise_()
        self.refresh_prices()  # fal's prices, read again whenever the settings open
        return self.settings_dialog

    # ---- balance (the optional billing key) --------------------------------------------------

    def _build_balance(self) -> None:
        self.balance_label = plain_label("", self)
        self.balance_label.setObjectName("falBalance")
        self.balance_label.hide()  # without a billing key nothing is shown
        self._balance_timer = QTimer(self)
        self._balance_timer.setSingleShot(True)
        self._balance_timer.timeout.connect(self.refresh_balance)
        self.statusBar().addPermanentWidget(self.balance_label)

    def _billing_access(self) -> BillingAccess | None:
        from qwenimg_desktop.ui.dialogs.settings_dialog import BillingAccess  # noqa: PLC0415

        keys, read = self.services.billing_keys, self.services.read_balance
        return None if self.services.demo or keys is None or read is None else (
            BillingAccess(keys, read))

    def refresh_balance(self, *, force: bool = False) -> bool:
        """Read fal's balance with the billing key on a worker: at start, after jobs finish
        (at most once a minute; a read asked sooner runs when the minute is up) and when the
        key changes (``force``). Without a billing key nothing is read or shown. False when
        no read starts now."""
        keys, read = self.services.billing_keys, self.services.read_balance
        if self.services.demo or keys is None or read is None:
            return False
        if self._balance_reading:
            self._balance_again = True
            return False
        wait = MIN_INTERVAL_S - (time.monotonic() - self._balance_read_at)
        if wait > 0 and not force:
            if not self._balance_timer.isActive():
                self._balance_timer.start(int(wait * 1000) + 1)
            return False
        self._balance_reading, self._balance_again = True, False
        self._balance_read_at = time.monotonic()
        base = self.services.queue_base

        def work() -> Balance | None:
            try:
                key = keys.get()
            except KeyringUnavailable:
                return None  # no keyring: no billing key, nothing to ask
            return read(base, key) if key else None

        self.services.workers.run(work, self._show_balance, self._balance_failed)
        return True

    def _show_balance(self, balance: Balance | None) -> None:
        self._balance_reading = False
        label = self.balance_label
        if balance is None:
            label.hide()
        else:
            threshold = self.services.settings.low_balance_usd
            label.setText(balance.text(threshold))
            label.setStyleSheet("color: #d64545;" if balance.is_low(threshold) else "")
            label.setToolTip(f"fal's balance, read {as_of(balance.read_at)} with the billing "
                             "key (Settings)")
            label.show()
        if self._balance_again:
            self.refresh_balance()

    def _balance_failed(self, exc: Exception) -> None:
        self._balance_reading = False
        label = self.balance_label
        if isinstance(exc, BillingKeyNotAdmin):
            label.setText("Balance: the billing key is not an admin key")
            label.setToolTip(f"{exc.message} {exc.next_step}")
            label.setStyleSheet("color: #d64545;")
            label.show()
        else:
            reason = exc.message if isinstance(exc, QwenImgError) else type(exc).__name__
            log.info("the balance could not be read: %s", reason)
            label.setToolTip(f"The balance could not be read now: {reason}")
        if self._balance_again:
            self.refresh_balance()

    # ---- prices -----------------------------------------------------------------------------

    def refresh_prices(self) -> bool:
        """Read fal's prices now on a worker and keep them in the history; False when not
        asked (demo mode, no history yet, a read under way). A failure keeps the last known."""
        read = self.services.read_prices
        store = (self.services.history_store or _no_history)()
        if self.services.demo or read is None or store is None or self._prices_reading:
            return False
        keys, base = self.services.key_store, self.services.queue_base
        self._prices_reading = True

        def work() -> list[CachedPrice]:
            key = keys.get()
            if not key:
                raise LookupError("no key")
            prices = read(base, key)
            store.save_prices(prices)
            return prices

        def done(prices: list[CachedPrice]) -> None:
            self._prices_reading = False
            self.prices_read(prices)

        def failed(exc: Exception) -> None:
            self._prices_reading = False
            reason = (translate("MainWindow", "no API key is set") if isinstance(exc, LookupError)
                      else exc.message if isinstance(exc, QwenImgError) else type(exc).__name__)
            log.info("fal's prices could not be read: %s", reason)
            if self.settings_dialog is not None:
                self.settings_dialog.show_prices(failure=reason)

        self.services.workers.run(work, done, failed)
        return True

    def prices_read(self, prices: list[CachedPrice]) -> None:
        """fal's prices (read now, or loaded from the history): every cost shown follows."""
        self.prices.update(prices)
        self.params.refresh_cost()
        self.batch.refresh()
        if self.settings_dialog is not None:
            self.settings_dialog.show_prices()

    def _load_prices(self, store: HistoryStore) -> None:
        """The prices kept in the history, read on a worker when it opens."""
        self.services.workers.run(store.cached_prices,
                                  lambda table: self.prices_read(list(table.values())),
                                  lambda exc: log.warning("cached prices unreadable: %s", exc))

    def _settings_changed(self) -> None:
        self.params.refresh_cost()
        settings = self.services.settings
        try:  # new caps send the held jobs they let go
            self.services.engine.configure(
                concurrency=settings.concurrency, price_per_image=settings.price_per_image_usd,
                budget=None if self.services.demo else settings.budget)
        except QwenImgError as exc:  # the engine is stopping: the next start reads the settings
            log.warning("settings not applied to the engine: %s", exc.message)

    # ---- jobs -------------------------------------------------------------------------------

    def generate(self) -> str | None:
        """Validate and submit the draft; returns the new job id, or None with the reason shown."""
        result = self.draft.validate_now()
        if result.request is None:
            self.messenger.warning(translate("MainWindow", "Not sent: {reasons}").format(
                reasons=" ".join(result.errors.values())))
            return None
        if not self.key_ready:
            self.messenger.warning(messages.tr(messages.NO_KEY_REASON))
            return None
        if not self.services.demo and not self._within_budget(result.request):
            self.messenger.warning(translate("MainWindow", "Not sent: held by your budget."))
            return None
        try:
            job_id = self.services.engine.submit(result.request)
        except QwenImgError as exc:
            self.messenger.error(translate(
                "MainWindow", "Could not start the job: {reason}").format(
                reason=exc.message))
            return None
        self.jobs_model.add_job(job_id, result.request)
        self.recall.add_prompt(result.request.prompt)
        self.jobs.select_job(job_id)
        self.services.settings.last_used = self.draft.params
        self.draft.after_submit()
        self._unrecorded.add(job_id)
        self.messenger.info(messages.tr(messages.JOB_HANDED_OVER))
        return job_id

    def generate_batch(self, plan: BatchPlan) -> str | None:
        """Send a plan the batch panel had confirmed: journalled whole, then sent in order;
        returns the batch id, or None with the reason shown (nothing sent)."""
        if not self.key_ready:
            self.messenger.warning(messages.tr(messages.NO_KEY_REASON))
            return None
        cost = plan.total_cost(self.prices.own_price, self.prices.table)
        if not self.services.demo and not self._budget_allows(cost, plan.images, confirmed=True):
            self.messenger.warning(translate(
                "MainWindow", "The batch was not sent: it would pass your budget."))
            return None
        requests = [job.request for job in plan.jobs]
        try:
            batch_id, job_ids = self.services.engine.submit_batch(
                requests, label=requests[0].prompt[:80])
        except QwenImgError as exc:
            self.messenger.error(translate(
                "MainWindow", "Could not start the batch: {reason}").format(
                reason=exc.message))
            return None
        self.jobs_model.add_jobs(list(zip(job_ids, requests, strict=True)))
        self.grids.sent(plan, batch_id, job_ids)
        self._unrecorded.update(job_ids)
        self.jobs.select_job(job_ids[0])
        self.messenger.info(translate(
            "MainWindow", "Batch of {count} job(s) handed over; they are sent in order.").format(
            count=f"{len(job_ids):,}"))
        return batch_id

    def set_sending_paused(self, paused: bool) -> None:
        """Pause (or resume) sending: jobs not sent yet wait, jobs at fal go on."""
        self._pause_touched = True
        try:
            self.services.engine.pause_sending(paused)
        except QwenImgError as exc:
            self.messenger.error((translate("MainWindow", "Could not pause sending: {reason}")
                                  if paused else translate(
                                      "MainWindow", "Could not resume sending: {reason}")).format(
                                          reason=exc.message))
            return
        self.messenger.info(
            translate("MainWindow", "Sending paused: jobs not sent yet wait; jobs at fal go on.")
            if paused else translate("MainWindow", "Sending resumed."))

    def run_next(self, job_id: str) -> bool:
        """Send this waiting job before every other waiting job; False (with why) if it is
        not waiting to be sent."""
        row = self.jobs_model.row(job_id) if job_id else None
        if row is None or not row.waiting:
            self.messenger.warning(translate(
                "MainWindow", "Only a job waiting to be sent can go next."))
            return False
        self.services.engine.move_to_front(job_id)
        self.jobs_model.move_waiting(job_id, 0)  # the list shows it at the head of the queue
        self.messenger.info(translate("MainWindow", "The selected job is sent next."))
        return True

    def move_waiting_job(self, job_id: str, position: int) -> bool:
        """A waiting job dragged to ``position`` in the queue (0: sent next): the list shows
        the new order and the engine sends in it (kept across restarts). False when the job
        is not waiting any more."""
        neighbours = self.jobs_model.move_waiting(job_id, position)
        if neighbours is None:
            self.messenger.warning(translate(
                "MainWindow", "Only a job waiting to be sent can be moved in the queue."))
            return False
        if any(neighbours):
            self.services.engine.reorder(job_id, *neighbours)
        return True

    def cancel_batch_of(self, job_id: str) -> str | None:
        """Cancel every unfinished job of the selected job's batch; its id, or None (why
        shown) when the job is not part of a batch."""
        provider = self.services.history_store
        try:
            store = provider() if provider is not None and job_id else None
            batch_id = store.batch_of(job_id) if store is not None else None
        except QwenImgError as exc:
            self.messenger.error(translate(
                "MainWindow", "Could not read the batch: {reason}").format(
                reason=exc.message))
            return None
        if batch_id is None:
            self.messenger.warning(translate(
                "MainWindow", "The selected job is not part of a batch."))
            return None
        self.services.engine.cancel_batch(batch_id)
        self.messenger.info(translate(
            "MainWindow", "Cancelling the batch: waiting jobs are not sent."))
        return batch_id

    def more_like_this(self, job_id: str, count: int = 4) -> QMessageBox | None:
        """The job's settings with ``count`` new seeds, as a batch confirmed at its total."""
        row = self.jobs_model.row(job_id) if job_id else None
        if row is None or row.request is None:
            self.messenger.warning(translate("MainWindow", "Select a job to make more like it."))
            return None
        chooser = random.SystemRandom()
        plan = seed_sweep(row.request, count, rng=lambda top: chooser.randint(0, top))
        return self.batch.confirm_plan(plan)

    def _wildcards_dir(self) -> Path | None:
        """The data dir whose wildcards/ folder the batch panel reads (None before it opens)."""
        layout = self._data_layout()
        return None if layout is None else layout.root

    def cancel(self, job_id: str) -> None:
        if job_id:
            self.services.engine.cancel(job_id)

    def request_cancel(self, job_id: str) -> QMessageBox | None:
        """Cancel asked for by the user. A job fal has not received yet is cancelled at once
        (it costs nothing); once fal has it, a question that does not block first, because
        fal charges a run it has started even when it is cancelled. Returns the question."""
        row = self.jobs_model.row(job_id) if job_id else None
        if row is None or row.state.is_final or row.state is JobState.cancel_requested:
            return None
        if row.state in (JobState.pending, JobState.sending):
            self.cancel(job_id)
            return None
        box = plain_message_box(QMessageBox.Icon.Question, translate("MainWindow", "Cancel job"),
                                messages.cancel_question(row.state), self)
        box.setStandardButtons(QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No)
        box.button(QMessageBox.StandardButton.Yes).setText(translate(
            "MainWindow", "Cancel the job"))
        box.button(QMessageBox.StandardButton.No).setText(translate("MainWindow", "Keep it"))
        box.setDefaultButton(QMessageBox.StandardButton.No)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.accepted.connect(lambda: self.cancel(job_id))
        self.cancel_box = box
        box.open()
        return box

    def cancel_all(self) -> None:
        self.services.engine.cancel_all()

    def retry(self, job_id: str) -> str | None:
        row = self.jobs_model.row(job_id) if job_id else None
        if row is None:
            return None
        if row.retry_pays_twice:  # the Retry button is off for it; the menu and Ctrl+R too
            self.messenger.error(messages.tr(messages.RETRY_WOULD_PAY_TWICE))
            return None
        new_id = self.services.engine.retry(job_id)
        self.jobs_model.add_job(new_id, row.request)
        self.jobs.select_job(new_id)
        return new_id

    def redownload(self, job_id: str) -> None:
        """Fetch a job's missing images from fal again, said at once: the engine's answer
        ("Re-downloaded …" or why not) can take ~50 s when fal cannot be reached (its retries),
        and until then the click showed nothing (found by hand)."""
        self.messenger.info(translate("MainWindow", "Re-downloading the images from fal…"))
        self.services.engine.redownload(job_id)

    def on_job_event(self, event: ev.JobEvent) -> None:
        from qwenimg_desktop.core.jobs import events as ev  # noqa: PLC0415 - see ui/bridge.py
        if event.job_id in self._unrecorded:  # the engine's first word on it: it is journalled
            self._unrecorded.discard(event.job_id)
            if not isinstance(event, ev.Failed | ev.Cancelled):
                self.messenger.info(messages.tr(messages.JOB_SENT))
        if isinstance(event, ev.FilesRestored):
            self.history.files_restored(event)
            return
        if isinstance(event, ev.EngineNotice):  # the engine's process stopped (and restarted),
            # or jobs are left to / taken over from another process on the same data folder
            (self.messenger.info if event.info else self.messenger.error)(event.message)
            return
        if isinstance(event, ev.EngineReady):  # the composition root opens the history
            self._show_pauses(event)
            return
        if isinstance(event, ev.PricesRead):  # the engine read fal's prices
            self.prices_read(list(event.prices))
            return
        if isinstance(event, ev.Held):
            row = self.jobs_model.row(event.job_id)
            if row is None or not row.held:  # said once per hold, not per new figure
                self.messenger.warning(
                    translate("MainWindow", "{reason}: the job waits in the list. Raise the cap "
                              "in Settings, or right-click it → Allow once.").format(
                        reason=f"{event.reason[:1].upper()}{event.reason[1:]}"))
        if isinstance(event, ev.AccountLocked):  # sending paused until the user resumes
            self.account_banner.show_lock(event.reason)
            return
        row = self.jobs_model.row(event.job_id)
        before = row.state if row is not None else None
        self.jobs_model.apply(event)
        row = self.jobs_model.row(event.job_id)
        if row is None or row.state is not before:  # log lines alone change no count
            self._refresh_title()

    def _show_pauses(self, ready: ev.EngineReady) -> None:
        """Pauses kept across a restart: the user's (the Pause sending check mark) and a
        locked account's (the banner)."""
        if ready.error:
            return
        if not self._pause_touched:  # else the user's later command wins (sent after it)
            blocked = self.acts.pause_sending.blockSignals(True)  # reflect it, do not send it
            self.acts.pause_sending.setChecked(ready.paused)
            self.acts.pause_sending.blockSignals(blocked)
        if ready.locked is not None:
            self.account_banner.show_lock(ready.locked)

    def _refresh_title(self) -> None:
        """Progress in the title, seen in the task bar while the window is hidden or minimised:
        "(1 running, 2 waiting) Qwen Image Desktop"."""
        running = self.jobs_model.running_count()
        waiting = self.jobs_model.active_count() - running
        parts = [translate(
            "MainWindow", "{count} running").format(count=running)] if running else []
        if waiting:
            parts.append(translate("MainWindow", "{count} waiting").format(count=waiting))
        title = f"({', '.join(parts)}) {self._base_title}" if parts else self._base_title
        if title != self.windowTitle():
            self.setWindowTitle(title)

    def history_attached(self, owner: str = "") -> None:
        """The history is open: rows of resumed jobs get their parameters from it, and the
        prices kept in it are loaded, and the last session's jobs are listed again (read on
        workers). ``owner``: the engine's lease id; unfinished jobs another live process runs
        (the CLI beside the window) are not listed: their events go to that process, so their
        rows would never move."""
        store = (self.services.history_store or _no_history)()
        if store is not None and not self.services.demo:
            self._load_prices(store)
        for job_id in self.jobs_model.fill_requests():
            row = self.jobs_model.row(job_id)
            if row is not None:
                self.results.refresh(row)
        store = (self.services.history_store or _no_history)()
        if store is None:
            return
        state = self.services.settings.ui_state
        since = _float(state.get(LAST_START), self._session_start - FIRST_SESSION_S)
        cleared_at = _float(state.get(CLEARED_AT), 0.0)
        kept = state.get(CLEARED_KEPT, "")
        root = store.layout.root

        def read() -> list[JobRecord]:
            # The engine's leases (~1 ms of imports) are read only here, once the history is open.
            from qwenimg_desktop.core.jobs.lease import live_owners  # noqa: PLC0415

            others = [o.owner_id for o in live_owners(root, besides=owner)] if owner else []
            return store.session_jobs(since=since, cleared_at=cleared_at, kept=kept,
                                      skip_owners=others)

        self.services.workers.run(
            read,
            lambda records: self._restore_jobs(records, store.layout),
            lambda exc: log.warning("the last session's jobs could not be listed: %s", exc))

    def _restore_jobs(self, records: list[JobRecord], layout: DataLayout) -> None:
        if self._torn_down:
            return
        self.jobs_model.restore(records, lambda path: str(layout.absolute(path)))
        self._refresh_title()
        row = self.jobs_model.row(self.jobs.current_job())
        if row is not None:  # a resumed job's parameters, now known
            self.results.refresh(row)

    def _jobs_cleared(self, kept: str) -> None:
        """Finished jobs left the list: they stay off it after a restart (saved now)."""
        state = dict(self.services.settings.ui_state)
        state[CLEARED_AT], state[CLEARED_KEPT] = repr(time.time()), kept
        self.services.settings.ui_state = state
        if self.services.save_settings is not None:
            self.services.save_settings()

    def _job_selected(self, job_id: str) -> None:
        row = self.jobs_model.row(job_id) if job_id else None
        self.results.show_job(row)
        if row is not None and row.restored and not row.logs:
            self._read_old_log(row)

    def _read_old_log(self, row: JobRow) -> None:
        """A job listed again after a restart: its log is read from the history (on a
        worker) the first time it is selected."""
        store = (self.services.history_store or _no_history)()
        if store is None:
            return
        row.restored = False  # read once
        job_id = row.job_id

        def shown(lines: list[tuple[str, str | None, str | None]]) -> None:
            if not row.logs:
                row.logs = [message for message, _level, _at in lines][-MAX_LOG_LINES:]
                self.jobs.show_log(job_id)

        self.services.workers.run(lambda: store.logs(job_id), shown,
                                  lambda exc: log.warning("a job's log was not read: %s", exc))

    def refresh_spend(self) -> None:
        """Today's spend in the status bar (nothing in demo mode or before the history opens).

        Today's jobs only (an index range from midnight: the whole ledger of 100,000 jobs took
        ~750 ms of a worker's CPU after every finished job, and its unknown costs of every day
        were counted as today's "+N unknown"); on a worker, since this runs each time a job
        finishes. A burst of finishing jobs is one read under way and at most one more."""
        store = (self.services.history_store or _no_history)()
        if self.services.demo or store is None:
            self.spend_label.setText("")
            return
        if self._spend_reading:
            self._spend_again = True
            return
        self._spend_reading, self._spend_again = True, False
        from qwenimg_desktop.core.store.spend import day_start, summarise  # noqa: PLC0415 - above
        self.services.workers.run(lambda: summarise(store.spend_entries(since=day_start())),
                                  self._show_spend,
                                  self._spend_failed)

    def _show_spend(self, summary: SpendSummary) -> None:
        self._spend_reading = False
        today = f"${summary.today:.2f}"
        self.spend_label.setText(
            translate("MainWindow", "Today {cost} (+{count} unknown)").format(
                cost=today, count=summary.unknown_jobs) if summary.unknown_jobs
            else translate("MainWindow", "Today {cost}").format(cost=today))
        if self._spend_again:
            self.refresh_spend()

    def _spend_failed(self, exc: Exception) -> None:
        self._spend_reading = False
        log.warning("reading today's spend failed: %s", exc)
        if self._spend_again:
            self.refresh_spend()

    def show_job(self, job_id: str) -> None:
        """Create, with ``job_id`` selected in the jobs list and its images shown (a clicked
        notification)."""
        self.tabs.setCurrentIndex(0)
        self.jobs.select_job(job_id)

    def _job_finished(self, job_id: str) -> None:
        self.history.job_finished(job_id)
        self.refresh_balance()
        self.grids.job_finished(job_id)
        self.refresh_spend()
        row = self.jobs_model.row(job_id)
        if row is None:
            return
        if row.state is JobState.completed:
            self.files.copy_finished(job_id, row.request, row.seed, row.image_paths)
        if job_id == self.jobs.current_job():
            self.results.show_job(row)
        title, text = messages.job_done_text(
            row.request.prompt if row.request else "", row.state, len(row.image_paths))
        self.notifier.job_ended(title, text, state=row.state,
                                job_id=job_id)
        if row.state is JobState.failed:
            self.messenger.error(row.reason)
        elif row.state is JobState.completed and row.cancel_answer:
            self.messenger.warning(
                translate("MainWindow", "Completed: {reason}.").format(reason=row.reason))

    def _data_layout(self) -> DataLayout | None:
        provider = self.services.history_store
        try:
            store = provider() if provider is not None else None
        except QwenImgError:
            return None
        return None if store is None else store.layout

    def _thumbnail_source(self, job_id: str,
                          image_paths: tuple[str, ...]) -> tuple[str, tuple[Path, ...]] | None:
        """A job row's picture: the first image's thumbnail, else the image itself, under the
        key the History tab's tile uses (one decode serves both)."""
        if not image_paths:
            return None
        image = Path(image_paths[0])
        layout = self._data_layout()
        if layout is None:
            return str(image), (image,)
        try:
            thumb = layout.thumb_path(job_id, 0)
            return layout.relative(thumb), (thumb, image)
        except ValueError:  # not a journal id or not under the data dir: the image alone
            return str(image), (image,)

    def _drop_as_references(self, paths: list[Path]) -> bool:
        """Images dropped on the window while an edit endpoint is chosen become references."""
        if not self.draft.endpoint.takes_images:
            return False
        self.references.add_files(paths)
        return True

    def edit_images(self, items: list[tuple[str, str, int]]) -> None:
        """"Edit this image": switch to the edit endpoint of the chosen tier and add the images
        (from the history: each remembers its job and index, for lineage)."""
        self._switch_to_edit()
        self.references.add_files([Path(path) for path, _, _ in items],
                                  sources=[(job_id, index) for _, job_id, index in items])

    def _switch_to_edit(self) -> None:
        """The Create tab, with the edit endpoint of the chosen tier unless one is chosen."""
        endpoint = self.draft.endpoint
        if not endpoint.takes_images:
            edit = choose(EndpointKind.edit, endpoint.tier)
            self.draft.set_params(self.draft.params.changed(endpoint=edit.id))
        self.tabs.setCurrentIndex(0)

    def open_files(self, images: list[Path], prompt: str | None) -> None:
        """Files named on the command line, this launch's or a later one's (``app/instance.py``):
        the window comes to the front, the prompt goes into the editor (the previous draft is
        kept for Edit → Restore previous draft), the images become an edit's references."""
        bring_to_front(self)
        if prompt is not None:
            self._remember_draft()
            self.editor.load(prompt, self.draft.negative_prompt)
        if images:
            self._switch_to_edit()
            self.references.add_files(images)
        self.messenger.info(messages.files_opened(len(images), prompt is not None))

    def use_settings(self, request: GenerationRequest, seed: int | None) -> None:
        self._remember_draft()
        self.editor.load(request.prompt, request.negative_prompt)
        self.draft.set_params(ParamValues.from_request(request, seed))
        self._take_references(request)
        self.messenger.info(translate(
            "MainWindow", "Settings copied back into the editor (Edit → Restore previous draft "
            "goes back)."))

    def _take_references(self, request: GenerationRequest) -> None:
        """An edit's references come back with it (kept in the history); their old upload URLs
        are dropped, so the next run reuses them only while fal still keeps the files."""
        if isinstance(request, EditRequest):
            self.draft.set_references(tuple(
                ref.model_copy(update={"url": None}) for ref in request.references))

    # ---- reuse from the history ---------------------------------------------------------------

    def apply_reuse(self, request: GenerationRequest, mode: str, *, run: bool = False) -> None:
        """Open a past request as the draft (all, prompt only or parameters only), undoably.

        ``mode`` is a :class:`ReuseMode` value; the half of the draft it does not take is kept.
        ``run``: History's "Re-run exact" also generates it (a dropped image only loads).
        """
        reuse = ReuseMode(mode)
        self._remember_draft()
        if reuse.takes_prompt:
            self.editor.load(request.prompt, request.negative_prompt)
        if reuse.takes_params:
            if reuse is ReuseMode.remix:
                request = request.model_copy(update={"seed": None})
            self.draft.set_params(ParamValues.from_request(request))
            self._take_references(request)
        self.tabs.setCurrentIndex(0)
        said = {
            ReuseMode.exact: translate(
                "MainWindow", "Draft now uses the same settings and seed of a past generation "
                "(Edit → Restore previous draft goes back)."),
            ReuseMode.remix: translate(
                "MainWindow", "Draft now uses the same settings, a new seed, of a past "
                "generation (Edit → Restore previous draft goes back)."),
            ReuseMode.prompt: translate(
                "MainWindow", "Draft now uses the prompt of a past generation "
                "(Edit → Restore previous draft goes back)."),
            ReuseMode.params: translate(
                "MainWindow", "Draft now uses the parameters of a past generation "
                "(Edit → Restore previous draft goes back)."),
        }
        self.messenger.info(said[reuse])
        if run and reuse is ReuseMode.exact:  # "Re-run" runs it: the request, through Generate
            self.generate()

    # ---- the prompt library -------------------------------------------------------------------

    def show_library(self, visible: bool) -> None:
        self.library.setVisible(visible)
        if visible:
            self.library.reload()
            self.library.search.setFocus()
        if self.acts.library.isChecked() != visible:
            self.acts.library.setChecked(visible)

    def insert_snippet(self, text: str) -> None:
        """Insert at the cursor as one undoable edit of the prompt."""
        self.tabs.setCurrentIndex(0)
        self.editor.editor.insertPlainText(text)
        self.editor.editor.setFocus()

    def apply_snippet(self, snippet: Snippet) -> None:
        """Use a saved prompt as the whole draft (undo: Edit → Restore previous draft)."""
        params: ParamValues | None = None
        if snippet.params is not None:
            try:
                params = ParamValues.model_validate(snippet.params)
            except ValidationError:
                self.messenger.info(translate(
                    "MainWindow", "The parameters saved with “{name}” no longer fit this "
                    "version; only its text was applied.").format(name=snippet.title))
        self._remember_draft()
        self.tabs.setCurrentIndex(0)
        self.editor.load(snippet.body, snippet.negative_prompt)
        if params is not None:
            self.draft.set_params(params)
        self.messenger.info(translate(
            "MainWindow", "Draft now uses “{name}” from the library (Edit → Restore previous "
            "draft goes back).").format(name=snippet.title))

    def save_selection_as_snippet(self) -> SnippetDialog:
        """The editor's selection (or whole prompt) in a snippet dialog, with the parameters."""
        from qwenimg_desktop.core.store.snippets import Snippet  # noqa: PLC0415 - on first use
        selected = self.editor.editor.textCursor().selectedText().replace("\u2029", "\n")
        body = selected or self.editor.editor.toPlainText()
        negative = "" if selected else self.editor.negative.edit.toPlainText()
        dialog = self._snippet_dialog(Snippet(name="", body=body, negative_prompt=negative),
                                      with_params=True)
        dialog.with_params.setChecked(not selected)  # a whole prompt keeps its settings
        return dialog

    def save_prompt_as_snippet(self, prompt: str, negative: str) -> SnippetDialog:
        from qwenimg_desktop.core.store.snippets import Snippet  # noqa: PLC0415 - on first use
        return self._snippet_dialog(Snippet(name="", body=prompt, negative_prompt=negative),
                                    with_params=False)

    def _snippet_dialog(self, snippet: Snippet, *, with_params: bool) -> SnippetDialog:
        from qwenimg_desktop.ui.editor.library_pane import SnippetDialog  # noqa: PLC0415
        dialog = SnippetDialog(snippet, params_available=with_params, parent=self)
        params = self.draft.params.model_dump(mode="json") if with_params else None
        dialog.accepted.connect(lambda: self.library.save(dialog.snippet(params)))
        dialog.open()
        return dialog

    def restore_previous_draft(self) -> None:
        if not self.previous_drafts:
            return
        snapshot = self.previous_drafts.pop()
        self.editor.load(snapshot.prompt, snapshot.negative_prompt, snapshot.cursor)
        self.draft.set_params(snapshot.params)
        self.draft.set_references(snapshot.references)
        self.acts.restore_draft.setEnabled(bool(self.previous_drafts))
        self.messenger.info(translate("MainWindow", "Previous draft restored."))

    def _remember_draft(self) -> None:
        self.previous_drafts.append(self.draft.snapshot(self.editor.editor.cursor_position()))
        del self.previous_drafts[:-20]
        self.acts.restore_draft.setEnabled(True)

    def _tab_changed(self, index: int) -> None:
        if index == 1:
            self.history.show_browser()

    # ---- misc -------------------------------------------------------------------------------

    def set_theme(self, choice: ThemeChoice) -> None:
        self.services.settings.theme = choice
        if self.theme is not None:
            self.theme.set_choice(choice)

    def _edit(self, name: str) -> None:
        if name == "undo" and self.tabs.currentIndex() == 1 and self.history.undo():
            return
        widget = QApplication.focusWidget()
        target = widget if widget is not None and hasattr(widget, name) else self.editor.editor
        getattr(target, name)()

    def _on_history(self, command: str) -> None:
        """A History menu command: runs on the gallery's selection (the tab is shown first)."""
        self.tabs.setCurrentIndex(1)
        browser = self.history.browser
        if browser is None:
            self.messenger.info(translate(
                "MainWindow", "The history is still opening: try again in a moment."))
            return
        if command in {"export_folder", "export_zip"}:
            if not browser.selected_ids():
                self.messenger.info(translate(
                    "MainWindow", "Select generations in History to export them."))
                return
            browser.ask_export(as_zip=command == "export_zip")
        elif command == "compare":
            ids = browser.selected_ids()
            if len(ids) != 2:
                self.messenger.info(translate(
                    "MainWindow", "Select exactly two generations in History to compare them."))
                return
            browser.compare(ids[0], ids[1])
        else:
            getattr(browser, command)()

    def _show_message(self, level: str, text: str) -> None:
        self.statusBar().showMessage(text, 0 if level == "error" else 8_000)

    def _notice(self, text: str) -> None:
        """A problem found at start-up: the status bar, and a box that does not block."""
        self.messenger.warning(text)
        plain_message_box(QMessageBox.Icon.Warning, APP_NAME, text, self).open()

    def _about(self) -> None:
        box = QMessageBox(self)
        box.setWindowTitle(translate("MainWindow", "About {app}").format(app=APP_NAME))
        box.setTextFormat(Qt.TextFormat.RichText)
        box.setText(messages.about_text(__version__))
        box.setIconPixmap(self.windowIcon().pixmap(64, 64))
        box.open()

    def show_notice(self, text: str) -> None:
        """Something the user must know about the history (e.g. a damaged journal set aside):
        in the status bar and in a dialog that does not block the window."""
        log.warning("%s", text)
        self.messenger.error(text)
        plain_message_box(QMessageBox.Icon.Warning, APP_NAME, text, parent=self).open()

    def teardown(self) -> None:
        """The one way this window ends, whether it is closed, the app quits or it is replaced
        by the demo window: the history's workers stop and its deletes finish (before the
        engine and its history stop), then the window's state, the draft and the settings are
        saved and the tray icon goes. Runs once; never raises: each step that fails is logged
        and the next one still runs."""
        if self._torn_down:
            return
        self._torn_down = True
        steps = [self.library.shutdown, self.recall.shutdown, self.history.shutdown,
                 self.save_state, self.autosave.flush, self.notifier.close,
                 self.grids.close_all]
        if self.services.save_settings is not None:
            steps.insert(5, self.services.save_settings)
        for step in steps:
            try:
                step()
            except Exception:  # a failed step must not stop the window closing
                log.exception("closing: %s failed", getattr(step, "__name__", step))

    def jobs_at_fal(self) -> int:
        """How many of this session's jobs fal holds and has not finished."""
        return sum(1 for job_id in self.jobs_model.active_ids()
                   if (row := self.jobs_model.row(job_id)) is not None
                   and row.state in REMOTE_STATES)

    def request_quit(self) -> QMessageBox | None:
        """Quit asked for by the user (File → Quit, the title bar's close button). With jobs
        still at fal, a question that does not block first: they keep running there and are
        charged whether or not the window stays. Returns the question, if one was asked."""
        count = self.jobs_at_fal()
        if count == 0 or not self.isVisible():
            self.close()
            return None
        if self.quit_box is not None and self.quit_box.isVisible():
            self.quit_box.raise_()
            return self.quit_box
        box = plain_message_box(QMessageBox.Icon.Question,
                                translate("MainWindow", "Quit {app}").format(app=APP_NAME),
                                messages.quit_question(count), self)
        box.setStandardButtons(QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No)
        box.button(QMessageBox.StandardButton.Yes).setText(translate("MainWindow", "Quit"))
        box.button(QMessageBox.StandardButton.No).setText(translate(
            "MainWindow", "Keep the window open"))
        box.setDefaultButton(QMessageBox.StandardButton.No)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.accepted.connect(self.close)
        self.quit_box = box
        box.open()
        return box

    def closeEvent(self, event: QCloseEvent) -> None:
        # Only a close the user started (the window manager's button: a spontaneous event) asks;
        # close() from code (the Quit answer, tests, the app's teardown) never blocks.
        if event.spontaneous() and not self._torn_down and self.jobs_at_fal():
            event.ignore()
            self.request_quit()
            return
        self.teardown()
        super().closeEvent(event)


def _no_history() -> HistoryStore | None:
    """A window without an engine journal (tests of single panels): the tab stays a placeholder."""
    return None
