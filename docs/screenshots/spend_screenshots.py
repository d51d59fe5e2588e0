"""Grab the Spend view (offscreen) with a month of sample jobs, the confirmation question, a
job held by a budget cap in the jobs list, and the chooser of a lost submit's request:
docs/screenshots/spend.png, budget-stop.png, budget-held.png and choose-request.png.

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
from qwenimg_desktop.core.jobs import events as ev
from qwenimg_desktop.core.params import GenerationRequest
from qwenimg_desktop.core.store.holds import Candidate
from qwenimg_desktop.core.store.spend import JobCost
from qwenimg_desktop.ui.create.jobs_model import JobsModel
from qwenimg_desktop.ui.create.jobs_view import JobsPanel
from qwenimg_desktop.ui.dialogs.budget_stop import budget_stop_box
from qwenimg_desktop.ui.dialogs.choose_request import ChooseRequestDialog
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
    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication(sys.argv)
    dialog = SpendDialog(sample_entries(), today=date.today())
    dialog.resize(560, 520)
    dialog.show()
    app.processEvents()
    out = Path(__file__).with_name("spend.png")
    dialog.grab().save(str(out))
    box = budget_stop_box(BudgetDecision(Verdict.ask, (
        "This costs about $0.30, more than the $0.20 you asked to confirm.")))
    box.show()
    app.processEvents()
    box.grab().save(str(out.with_name("budget-stop.png")))
    held_jobs(app, out.with_name("budget-held.png"))
    chooser(app, out.with_name("choose-request.png"))


def held_jobs(app: QApplication, out: Path) -> None:
    """A finished job, and one a daily cap holds, with its right-click menu."""
    model = JobsModel()
    panel = JobsPanel(model)
    done = "a1" * 16
    held = "b2" * 16
    model.add_job(done, GenerationRequest(prompt="a lighthouse at dusk, 一座灯塔", seed=7))
    model.apply(ev.Completed(done, 7, ()))
    model.add_job(held, GenerationRequest(prompt="the same lighthouse, at dawn", seed=8,
                                          num_images=2))
    model.apply(ev.Held(held, "held: over the daily budget ($1.05 of $1.00)"))
    panel.resize(620, 330)
    panel.show()
    panel.select_job(held)
    app.processEvents()
    menu = panel.job_menu(held)
    assert menu is not None
    menu.popup(panel.mapToGlobal(panel.rect().center()))
    app.processEvents()
    picture = panel.grab()
    from PySide6.QtGui import QPainter  # noqa: PLC0415

    painter = QPainter(picture)
    painter.drawPixmap(picture.width() - menu.width() - 8, 128, menu.grab())
    painter.end()
    picture.save(str(out))
    menu.close()


def chooser(app: QApplication, out: Path) -> None:
    now = time.time()
    dialog = ChooseRequestDialog("c3" * 16, [
        Candidate("0b6d7f4e-…-a1", now - 620, 200, "“a lighthouse at dusk” · seed 42 · size "
                  "landscape_4_3 · images 1"),
        Candidate("5e0c9a21-…-b7", now - 600, 200, "“a lighthouse at dusk” · seed 42 · size "
                  "landscape_4_3 · images 1"),
        Candidate("9f3a1c02-…-c4", now - 30, None, "“a lighthouse at dusk” · seed 42 · size "
                  "landscape_4_3 · images 1"),
    ])
    dialog.show()
    dialog.table.selectRow(1)
    app.processEvents()
    dialog.grab().save(str(out))


if __name__ == "__main__":
    main()
