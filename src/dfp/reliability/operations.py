"""What a small platform team without a dedicated on-call rotation can sustain.

=============================  =======================================================
``oncall_budget_h_per_week``    team hours per week the on-call target allows
``pages_per_week_capacity``     pages per week that budget absorbs
``off_hours_share``             share of the week outside working hours
=============================  =======================================================
"""

from __future__ import annotations

from dfp.core.checks import check_int_range, check_positive, check_range
from dfp.core.units import HOURS_PER_WEEK

__all__ = ["off_hours_share", "oncall_budget_h_per_week", "pages_per_week_capacity"]


def oncall_budget_h_per_week(engineers: int, max_h_per_engineer_week: float) -> float:
    """Team-wide on-call hours per week the per-engineer limit allows (h/week).

    >>> oncall_budget_h_per_week(3, 2.0)
    6.0
    """
    n = check_int_range("engineers", engineers, 1, 1000)
    return n * check_positive("max_h_per_engineer_week", max_h_per_engineer_week)


def pages_per_week_capacity(budget_h_per_week: float, page_handling_min: float) -> float:
    """Pages per week a budget of engineer hours absorbs, at ``page_handling_min`` minutes a page.

    >>> pages_per_week_capacity(6.0, 45.0)
    8.0
    """
    b = check_positive("budget_h_per_week", budget_h_per_week)
    return b * 60.0 / check_positive("page_handling_min", page_handling_min)


def off_hours_share(working_hours_per_week: float) -> float:
    """Fraction of the 168-hour week outside working hours (when nobody is at a desk).

    >>> round(off_hours_share(40), 4)
    0.7619
    """
    w = check_range("working_hours_per_week", working_hours_per_week, 0, HOURS_PER_WEEK)
    return 1.0 - w / HOURS_PER_WEEK
