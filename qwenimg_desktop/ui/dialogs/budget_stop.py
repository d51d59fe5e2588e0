"""The question asked when an action would pass a budget cap or a confirmation threshold."""

from __future__ import annotations

from PySide6.QtWidgets import QMessageBox, QWidget

from qwenimg_desktop.core.budget import BudgetDecision, Verdict


def budget_stop_box(decision: BudgetDecision, parent: QWidget | None = None) -> QMessageBox:
    """A box saying why the action is held, with "Allow once" (over a cap) or "Send" (above
    the ask threshold) and Cancel; Cancel is the default, so Enter never spends."""
    over = decision.verdict is Verdict.over_cap
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Warning if over else QMessageBox.Icon.Question)
    box.setWindowTitle("Budget cap" if over else "Confirm cost")
    box.setText(decision.reason)
    box.setInformativeText(
        "Allow it once, or raise the cap in Settings." if over else "Send it?")
    box.addButton("Allow once" if over else "Send", QMessageBox.ButtonRole.AcceptRole)
    cancel = box.addButton(QMessageBox.StandardButton.Cancel)
    box.setDefaultButton(cancel)
    return box


def confirm_budget(decision: BudgetDecision, parent: QWidget | None = None) -> bool:
    """Ask (modal); True when the user lets the action go."""
    box = budget_stop_box(decision, parent)
    box.exec()
    return box.buttonRole(box.clickedButton()) == QMessageBox.ButtonRole.AcceptRole
