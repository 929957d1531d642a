"""Cost arithmetic: unit costs and what a budget buys.

=============================  ======================================================
``cost_usd_per_event``          monthly cost divided by monthly events
``monthly_cost_usd``            events/day at a unit cost, as USD per month
``events_per_day_for_budget``   daily volume a monthly budget covers at a unit cost
=============================  ======================================================

Months are 730 hours (``dfp.units``), the cloud-billing convention.
"""

from __future__ import annotations

from dfp.checks import check_non_negative, check_positive
from dfp.units import DAYS_PER_MONTH

__all__ = ["cost_usd_per_event", "events_per_day_for_budget", "monthly_cost_usd"]


def cost_usd_per_event(cost_usd_per_month: float, events_per_day: float) -> float:
    """USD per event: ``cost / (events_per_day * 30.42)``.

    >>> f"{cost_usd_per_event(50_000, 10_000_000):.3e}"
    '1.644e-04'
    """
    c = check_non_negative("cost_usd_per_month", cost_usd_per_month)
    return c / (check_positive("events_per_day", events_per_day) * DAYS_PER_MONTH)


def monthly_cost_usd(events_per_day: float, usd_per_event: float) -> float:
    """USD per month for a daily volume at a unit cost.

    >>> round(monthly_cost_usd(10_000_000, 0.0001))
    30417
    """
    e = check_non_negative("events_per_day", events_per_day)
    return e * DAYS_PER_MONTH * check_non_negative("usd_per_event", usd_per_event)


def events_per_day_for_budget(cost_usd_per_month: float, usd_per_event: float) -> float:
    """Daily volume a monthly budget covers at a unit cost (events/day).

    >>> round(events_per_day_for_budget(75_000, 0.0001))
    24657534
    """
    c = check_non_negative("cost_usd_per_month", cost_usd_per_month)
    return c / (check_positive("usd_per_event", usd_per_event) * DAYS_PER_MONTH)
