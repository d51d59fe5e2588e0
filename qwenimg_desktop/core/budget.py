"""Budgets: may a set of jobs costing $X be sent now, and if not, why.

Caps are optional: a daily and a monthly cap on what fal billed (the spend ledger), and a
threshold above which one action (a Generate, a batch) asks first, by cost or by images. One
function answers for every caller (Generate, batches), so the rule lives in one place.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import StrEnum


@dataclass(frozen=True)
class Budget:
    """The user's limits; None is "no limit"."""

    daily_cap_usd: float | None = None
    monthly_cap_usd: float | None = None
    ask_above_usd: float | None = None
    ask_above_images: int | None = None

    def without_caps(self) -> Budget:
        """The confirmation thresholds alone: a cap holds jobs in the queue (the engine
        applies it), a threshold asks before sending."""
        return replace(self, daily_cap_usd=None, monthly_cap_usd=None)

    @property
    def caps(self) -> Budget:
        """The caps alone (what the engine holds jobs by)."""
        return Budget(self.daily_cap_usd, self.monthly_cap_usd)


class Verdict(StrEnum):
    send = "send"  # within every limit
    ask = "ask"  # within the caps, but larger than the user wants to send without a word
    over_cap = "over_cap"  # would pass a cap: held until the cap is raised or allowed once


@dataclass(frozen=True)
class BudgetDecision:
    verdict: Verdict
    reason: str = ""
    period: str = ""  # over a cap: "daily" or "monthly"
    would_spend: float = 0.0  # over a cap: the period's spend with this action
    cap: float = 0.0  # over a cap: the cap it would pass
    amount: float = 0.0  # what the action costs (USD); its image count when ``ask`` is "images"
    ask: str = ""  # asked to confirm: "cost" or "images" (a window words the question itself)
    limit: float = 0.0  # asked to confirm: the threshold passed

    @property
    def may_send(self) -> bool:
        return self.verdict is Verdict.send

    @property
    def hold_reason(self) -> str:
        """What a job held back by a cap shows: "held: over the daily budget ($1.05 of
        $1.00)"; empty when no cap holds it."""
        if self.verdict is not Verdict.over_cap:
            return ""
        return (f"held: over the {self.period} budget (${self.would_spend:.2f} of "
                f"${self.cap:.2f})")


def check_budget(cost_usd: float | None, images: int, *, spent_today: float,
                 spent_month: float, budget: Budget) -> BudgetDecision:
    """Whether jobs costing ``cost_usd`` (None: the price is unknown) for ``images`` images
    may be sent now, given what was spent today and this month; a cap wins over a
    confirmation threshold. At an unknown price no dollar limit can be checked: that asks."""
    if cost_usd is None:
        if budget.daily_cap_usd is not None or budget.monthly_cap_usd is not None or (
                budget.ask_above_usd is not None):
            return BudgetDecision(Verdict.ask, (
                "The price of this is unknown (fal's price has not been read and no price of "
                "your own is set in Settings), so your dollar limits cannot be checked."))
    elif budget.daily_cap_usd is not None and spent_today + cost_usd > budget.daily_cap_usd:
        return BudgetDecision(Verdict.over_cap, (
            f"${cost_usd:.2f} more would pass today's cap of ${budget.daily_cap_usd:.2f} "
            f"(${spent_today:.2f} spent today)."), "daily", spent_today + cost_usd,
            budget.daily_cap_usd, cost_usd)
    elif budget.monthly_cap_usd is not None and (
            spent_month + cost_usd > budget.monthly_cap_usd):
        return BudgetDecision(Verdict.over_cap, (
            f"${cost_usd:.2f} more would pass this month's cap of "
            f"${budget.monthly_cap_usd:.2f} (${spent_month:.2f} spent this month)."), "monthly",
            spent_month + cost_usd, budget.monthly_cap_usd, cost_usd)
    elif budget.ask_above_usd is not None and cost_usd > budget.ask_above_usd:
        return BudgetDecision(Verdict.ask, (
            f"This costs about ${cost_usd:.2f}, more than the ${budget.ask_above_usd:.2f} you "
            "asked to confirm."), amount=cost_usd, ask="cost", limit=budget.ask_above_usd)
    if budget.ask_above_images is not None and images > budget.ask_above_images:
        return BudgetDecision(Verdict.ask, (
            f"This makes {images} images, more than the {budget.ask_above_images} you asked to "
            "confirm."), amount=images, ask="images", limit=budget.ask_above_images)
    return BudgetDecision(Verdict.send)
