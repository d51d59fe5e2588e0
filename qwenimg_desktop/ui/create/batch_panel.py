"""The Variables and batch panel: how many jobs the draft becomes, a sample, the total cost.

It adapts ``core.batch``: the draft's prompt variables (every combination or seeded random
picks) and up to three grid axes make a plan; the panel shows the count, a few of the expanded
prompts and the total (jobs × images × price) before anything is sent, and "Generate batch…"
asks to confirm that total. A malformed prompt, a missing wildcard list or a count over the
limit is shown here in words, and the button stays off: nothing is sent.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from qwenimg_desktop.core.batch.plan import AXES, BatchPlan, parse_axis, plan_batch
from qwenimg_desktop.core.batch.variables import (
    MAX_EXPANSIONS,
    folder_source,
    has_variables,
    resolve,
)
from qwenimg_desktop.core.errors import UserError
from qwenimg_desktop.core.params import GenerationRequest
from qwenimg_desktop.core.pricing import PriceBook
from qwenimg_desktop.ui import messages
from qwenimg_desktop.ui.core_texts import core_text
from qwenimg_desktop.ui.create.draft import Draft
from qwenimg_desktop.ui.i18n import translate
from qwenimg_desktop.ui.safe_text import plain_label

if TYPE_CHECKING:
    from qwenimg_desktop.ui.create.wildcards_dialog import WildcardsDialog

SAMPLE_SIZE = 5
MODES = (("off", translate("BatchPanel", "Off: the prompt as written")), ("all", translate(
    "BatchPanel", "Every combination")),
         ("random", translate("BatchPanel", "Random picks")))


class BatchPanel(QGroupBox):
    """Prompt variables and grid axes for the draft; emits :attr:`send` with a confirmed plan."""

    send = Signal(object)  # BatchPlan, after the user confirmed its total

    def __init__(self, draft: Draft, data_dir: Callable[[], Path | None],
                 prices: PriceBook | None,
                 parent: QWidget | None = None) -> None:
        super().__init__(translate("BatchPanel", "Variables and batch"), parent)
        self.setObjectName("batchPanel")
        self._draft = draft
        self._data_dir = data_dir
        self._prices = prices  # None in demo mode: nothing is charged, no cost shown
        self.plan: BatchPlan | None = None
        self.problem = ""
        self.mode = QComboBox(self)
        for key, text in MODES:
            self.mode.addItem(translate("BatchPanel", text), key)
        self.picks = QSpinBox(self)
        self.picks.setRange(1, MAX_EXPANSIONS)
        self.picks.setValue(4)
        self.seed = QSpinBox(self)
        self.seed.setRange(0, 2_147_483_647)
        self.axes = QLineEdit(self)
        self.axes.setPlaceholderText("seed=1-4; format=png,webp")
        self.axes.setToolTip(translate("BatchPanel", "Grid axes, separated by ';' (X; Y; Z):")
                             + "\n" + "\n".join(f"{name}: {core_text(how)}"
                                                 for name, how in AXES.items()))
        self.summary = plain_label("", self)
        self.summary.setObjectName("batchSummary")
        self.summary.setWordWrap(True)
        self.sample = plain_label("", self)
        self.sample.setObjectName("batchSample")
        self.sample.setWordWrap(True)
        self.button = QPushButton(translate("BatchPanel", "Generate batch…"), self)
        self.button.setObjectName("generateBatchButton")
        self.wildcards_button = QPushButton(translate("BatchPanel", "Edit wildcards…"), self)
        self.wildcards_button.setObjectName("editWildcardsButton")
        self.wildcards_button.setToolTip(translate(
            "BatchPanel", "The lists __name__ picks from, one entry a line"))
        self.wildcards: WildcardsDialog | None = None
        form = QFormLayout()
        form.addRow(translate("BatchPanel", "Variables"), self.mode)
        form.addRow(translate("BatchPanel", "Picks"), self.picks)
        form.addRow(translate("BatchPanel", "Picks seed"), self.seed)
        form.addRow(translate("BatchPanel", "Axes"), self.axes)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.summary)
        layout.addWidget(self.sample)
        buttons = QHBoxLayout()
        buttons.addWidget(self.wildcards_button)
        buttons.addWidget(self.button, 1)
        layout.addLayout(buttons)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(150)  # typing: one plan after a pause, not one a key
        self._timer.timeout.connect(self.refresh)
        # Planned from the draft's validated request, so after each validation (the draft
        # validates a moment after typing stops): planning on `changed` ran before it and kept
        # "Fix the draft first" on a draft that had become valid.
        draft.validated.connect(lambda _validation: self._timer.start())
        for signal in (self.mode.currentIndexChanged, self.picks.valueChanged,
                       self.seed.valueChanged, self.axes.textChanged):
            signal.connect(self._timer.start)
        self.button.clicked.connect(self.confirm)
        self.wildcards_button.clicked.connect(self.edit_wildcards)
        self.refresh()

    def edit_wildcards(self) -> WildcardsDialog | None:
        """Open the wildcards editor on the data dir's folder; a saved change re-plans."""
        data_dir = self._data_dir()
        if data_dir is None:
            self.summary.setText(translate(
                "BatchPanel", "The history is not open yet: wildcard lists cannot be edited."))
            return None
        if self.wildcards is None or self.wildcards.data_dir != data_dir:
            from qwenimg_desktop.ui.create.wildcards_dialog import (  # noqa: PLC0415 - on first use
                WildcardsDialog,
            )

            self.wildcards = WildcardsDialog(data_dir, self)
            self.wildcards.changed.connect(self.refresh)
        self.wildcards.show()
        self.wildcards.raise_()
        return self.wildcards

    # ---- planning ---------------------------------------------------------------------------

    def refresh(self) -> None:
        """Plan the draft now and show the count, a sample and the total (or the problem)."""
        self.plan, self.problem = None, ""
        prompts: list[str] | None = None
        request = self._draft.last_validation.request
        mode = str(self.mode.currentData())
        self.picks.setEnabled(mode == "random")
        self.seed.setEnabled(mode == "random")
        try:
            if request is None:
                raise UserError(translate(
                    "BatchPanel", "Fix the draft first: the batch is made from it."))
            prompts = self._prompts(request, mode)
            axes = [parse_axis(text) for text in self.axes.text().split(";") if text.strip()]
            if prompts is None and not axes:
                raise UserError("")  # nothing to batch: a plain Generate
            self.plan = plan_batch(request, prompts=prompts, axes=axes)
        except UserError as exc:
            self.problem = exc.message
        self._show(prompts or [])

    def _prompts(self, request: GenerationRequest, mode: str) -> list[str] | None:
        if mode == "off":
            return None
        data_dir = self._data_dir()
        if data_dir is None:
            raise UserError(translate(
                "BatchPanel", "The history is not open yet: wildcard lists cannot be read."))
        variables = resolve(request.prompt, folder_source(data_dir))
        if mode == "all":
            return variables.all()
        return variables.picks(self.picks.value(), self.seed.value())

    def _show(self, prompts: list[str]) -> None:
        plan = self.plan
        if plan is None:
            hint = (translate(
                "BatchPanel", "Write {red|blue} or __list__ in the prompt, or axes below, to "
                "make a batch.")
                    if not has_variables(self._draft.prompt) else "")
            self.summary.setText(self.problem or hint)
            self.summary.setProperty("problem", bool(self.problem))
            self.sample.clear()
            self.button.setEnabled(False)
            return
        self.summary.setText(self.describe(plan))
        self.summary.setProperty("problem", False)
        shown = prompts[:SAMPLE_SIZE] if prompts else [plan.jobs[0].request.prompt]
        more = len(prompts) - len(shown)
        self.sample.setText("\n".join(f"• {text[:160]}" for text in shown)
                            + ("\n" + translate("BatchPanel", "… and {count} more").format(
                                count=f"{more:,}") if more > 0 else ""))
        self.button.setEnabled(True)

    def describe(self, plan: BatchPlan) -> str:
        """'36 jobs, 36 images, about $2.70' — the total the confirmation repeats (the cost
        left out in demo mode, "cost unknown" without a price)."""
        text = translate("BatchPanel", "{jobs} job(s), {images} image(s)").format(
            jobs=f"{len(plan.jobs):,}", images=f"{plan.images:,}")
        if self._prices is None:
            return text
        total = plan.total_cost(self._prices.own_price, self._prices.table)
        return f"{text}, " + (messages.tr(messages.COST_UNKNOWN) if total is None
                              else translate("BatchPanel", "about {cost}").format(
                                  cost=f"${total:.2f}"))

    # ---- sending ----------------------------------------------------------------------------

    def confirm(self) -> QMessageBox | None:
        """Ask (without blocking) to send the plan at its total; :attr:`send` on yes."""
        self.refresh()
        return None if self.plan is None else self.confirm_plan(self.plan)

    def confirm_plan(self, plan: BatchPlan) -> QMessageBox:
        """Ask (without blocking) to send ``plan`` at its total; :attr:`send` on yes."""
        box = QMessageBox(QMessageBox.Icon.Question, translate("BatchPanel", "Generate batch"),
                          translate("BatchPanel", "Send {batch}?\n\nfal charges each image it "
                                    "makes.").format(batch=self.describe(plan)),
                          QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, self)
        box.button(QMessageBox.StandardButton.Yes).setText(translate(
            "BatchPanel", "Send the batch"))
        box.button(QMessageBox.StandardButton.No).setText(translate("BatchPanel", "Not now"))
        box.setDefaultButton(QMessageBox.StandardButton.No)
        box.accepted.connect(lambda: self.send.emit(plan))
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)  # a child of the panel until then
        box.open()
        return box
