"""Calendar constants used across the package (one home, so every module agrees).

Two months, each for one kind of quantity, never mixed:

* the **budget month** (:data:`SLO_MONTH_DAYS`, 30 days) for everything measured against an
  availability promise: error budgets, downtime a month, SLA credits. It is the SLOs' own rolling
  window (``data/slos/*.yaml``: ``duration: 30d``) and the SLA's ("rolling 30 days" in
  ``data/system.yml``), so a page quoting "minutes of downtime a month" quotes the budget the
  alerts spend;
* the **billing month** (:data:`HOURS_PER_MONTH`, 730 h = 8760 h / 12) for money and volume a
  month, the convention cloud bills use.

>>> HOURS_PER_MONTH, round(DAYS_PER_MONTH, 4), MINUTES_PER_DAY
(730.0, 30.4167, 1440)
>>> SLO_MONTH_DAYS, SLO_MONTH_MIN
(30, 43200)
"""

from __future__ import annotations

__all__ = ["DAYS_PER_MONTH", "HOURS_PER_MONTH", "HOURS_PER_WEEK", "MINUTES_PER_DAY", "SLO_MONTH_DAYS",
           "SLO_MONTH_MIN", "WEEKS_PER_MONTH"]

#: Hours in an average billing month (8760 h / 12), the convention cloud bills use.
HOURS_PER_MONTH: float = 730.0
#: Days in an average month on the same convention (730 / 24).
DAYS_PER_MONTH: float = HOURS_PER_MONTH / 24.0
HOURS_PER_WEEK: int = 168
MINUTES_PER_DAY: int = 1440
WEEKS_PER_MONTH: float = DAYS_PER_MONTH / 7.0
#: Days in the budget month: the SLOs' and the SLA's rolling 30-day window (error budgets, downtime, credits).
SLO_MONTH_DAYS: int = 30
#: Minutes in the budget month (30 x 1440).
SLO_MONTH_MIN: int = SLO_MONTH_DAYS * MINUTES_PER_DAY
