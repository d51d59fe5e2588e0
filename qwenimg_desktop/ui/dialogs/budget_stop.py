"""The question asked when an action would pass a budget cap or a confirmation threshold."""

from __future__ import annotations

from PySide6.QtWidgets import QMessageBox, QWidget

from qwenimg_desktop.core.budget import BudgetDecision, Verdict
from qwenimg_desktop.ui.i18n import translate


def budget_reason(decision: BudgetDecision) -> str:
    """The decision's reason in the interface language, from its figures (the core's English
    sentence when it carries none)."""
    cost = f"${decision.amount:.2f}"
    if decision.verdict is Verdict.over_cap and decision.period in ("daily", "monthly"):
        spent = f"${decision.would_spend - decision.amount:.2f}"
        cap = f"${decision.cap:.2f}"
        if decision.period == "daily":
            return translate("BudgetStop", "{cost} more would pass today's cap of {cap} ({spent} "
                             "spent today).").format(cost=cost, cap=cap, spent=spent)
        return translate("BudgetStop", "{cost} more would pass this month's cap of {cap} "
                         "({spent} spent this month).").format(cost=cost, cap=cap, spent=spent)
    if decision.ask == "cost":
        return translate("BudgetStop", "This costs about {cost}, more than the {limit} you asked "
                         "to confirm.").format(cost=cost, limit=f"${decision.limit:.2f}")
    if decision.ask == "images":
        return translate("BudgetStop", "This makes {images} images, more than the {limit} you "
                         "asked to confirm.").format(images=int(decision.amount),
                                                     limit=int(decision.limit))
    return decision.reason


def budget_stop_box(decision: BudgetDecision, parent: QWidget | None = None) -> QMessageBox:
    """A box saying why the action is held, with "Allow once" (over a cap) or "Send" (above
    the ask threshold) and Cancel; Cancel is the default, so Enter never spends."""
    over = decision.verdict is Verdict.over_cap
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Warning if over else QMessageBox.Icon.Question)
    box.setWindowTitle(translate("BudgetStop", "Budget cap") if over
                       else translate("BudgetStop", "Confirm cost"))
    box.setText(budget_reason(decision))
    box.setInformativeText(
        translate("BudgetStop", "Allow it once, or raise the cap in Settings.") if over
        else translate("BudgetStop", "Send it?"))
    box.addButton(translate("BudgetStop", "Allow once") if over
                  else translate("BudgetStop", "Send"), QMessageBox.ButtonRole.AcceptRole)
    cancel = box.addButton(QMessageBox.StandardButton.Cancel)
    box.setDefaultButton(cancel)
    return box


def confirm_budget(decision: BudgetDecision, parent: QWidget | None = None) -> bool:
    """Ask (modal); True when the user lets the action go."""
    box = budget_stop_box(decision, parent)
    box.exec()
    return box.buttonRole(box.clickedButton()) == QMessageBox.ButtonRole.AcceptRole
