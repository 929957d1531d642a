"""Calendar constants used across the package (one home, so every module agrees).

>>> HOURS_PER_MONTH, round(DAYS_PER_MONTH, 4), MINUTES_PER_DAY
(730.0, 30.4167, 1440)
"""

from __future__ import annotations

__all__ = ["DAYS_PER_MONTH", "HOURS_PER_MONTH", "HOURS_PER_WEEK", "MINUTES_PER_DAY", "WEEKS_PER_MONTH"]

#: Hours in an average billing month (8760 h / 12), the convention cloud bills use.
HOURS_PER_MONTH: float = 730.0
#: Days in an average month on the same convention (730 / 24).
DAYS_PER_MONTH: float = HOURS_PER_MONTH / 24.0
HOURS_PER_WEEK: int = 168
MINUTES_PER_DAY: int = 1440
WEEKS_PER_MONTH: float = DAYS_PER_MONTH / 7.0
