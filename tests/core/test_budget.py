"""Budgets: one answer to "may jobs costing $X be sent now, and if not why"."""

from __future__ import annotations

from qwenimg_desktop.core.budget import Budget, Verdict, check_budget


def test_caps_win_over_the_ask_threshold_and_say_why() -> None:
    budget = Budget(daily_cap_usd=1.0, monthly_cap_usd=10.0, ask_above_usd=0.2,
                    ask_above_images=3)
    assert check_budget(0.15, 2, spent_today=0.0, spent_month=0.0, budget=budget).may_send
    day = check_budget(0.30, 4, spent_today=0.9, spent_month=0.9, budget=budget)
    assert day.verdict is Verdict.over_cap
    assert "today's cap of $1.00" in day.reason
    month = check_budget(0.30, 4, spent_today=0.0, spent_month=9.9, budget=budget)
    assert month.verdict is Verdict.over_cap
    assert "this month's cap" in month.reason
    ask = check_budget(0.30, 1, spent_today=0.0, spent_month=0.0, budget=budget)
    assert ask.verdict is Verdict.ask
    assert "$0.30" in ask.reason
    many = check_budget(0.10, 4, spent_today=0.0, spent_month=0.0, budget=budget)
    assert many.verdict is Verdict.ask
    assert "4 images" in many.reason
    assert check_budget(100.0, 4, spent_today=0, spent_month=0, budget=Budget()).may_send
