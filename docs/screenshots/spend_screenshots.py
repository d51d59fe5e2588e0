"""Grab the Spend view (offscreen) with a month of sample jobs, and a budget stop:
docs/screenshots/spend.png and budget-stop.png.

Run: QT_QPA_PLATFORM=offscreen .venv/bin/python docs/screenshots/spend_screenshots.py
"""

from __future__ import annotations

import random
import sys
import time
from datetime import date
from pathlib import Path

from PySide6.QtWidgets import QApplication

from qwenimg_desktop.core.budget import BudgetDecision, Verdict
from qwenimg_desktop.core.store.spend import JobCost
from qwenimg_desktop.ui.dialogs.budget_stop import budget_stop_box
from qwenimg_desktop.ui.dialogs.spend_view import SpendDialog

PRO = "fal-ai/qwen-image-2/pro/text-to-image"
STD = "fal-ai/qwen-image-2/text-to-image"


def sample_entries() -> list[JobCost]:
    rng = random.Random(3)
    now = time.time()
    entries = []
    for n in range(120):
        endpoint = rng.choice((PRO, PRO, STD))
        images = rng.randint(1, 4)
        price = 0.075 if endpoint == PRO else 0.035
        cost = None if n % 37 == 0 else round(price * images, 4)
        entries.append(JobCost(f"job{n}", now - rng.uniform(0, 29) * 86400, endpoint,
                               "unknown" if cost is None else "completed", images, cost))
    return sorted(entries, key=lambda e: e.created_at)


def main() -> None:
    app = QApplication.instance() or QApplication(sys.argv)
    dialog = SpendDialog(sample_entries(), today=date.today())
    dialog.resize(560, 520)
    dialog.show()
    app.processEvents()
    out = Path(__file__).with_name("spend.png")
    dialog.grab().save(str(out))
    box = budget_stop_box(BudgetDecision(Verdict.over_cap, (
        "$0.30 more would pass today's cap of $1.00 ($0.90 spent today).")))
    box.show()
    app.processEvents()
    box.grab().save(str(out.with_name("budget-stop.png")))


if __name__ == "__main__":
    main()
