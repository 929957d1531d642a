"""SLO and SLA arithmetic.

=========================  ===========================================================
``allowed_downtime_min``    minutes of full outage an availability target allows in a window
``sla_credit_ratio``        the service credit owed for a month's availability
=========================  ===========================================================

Targets are fractions in (0, 1): 0.9995, never 99.95.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from dfp.checks import check_fraction, check_positive
from dfp.units import MINUTES_PER_DAY

__all__ = ["allowed_downtime_min", "sla_credit_ratio"]


def allowed_downtime_min(slo_target: float, window_days: float) -> float:
    """Minutes of total unavailability a target allows over a window.

    ``(1 - slo_target) * window_days * 1440``

    Args:
        slo_target: availability objective as a fraction in (0, 1).
        window_days: compliance window in days.

    Returns:
        Allowed downtime in minutes.

    SRE Workbook, ch. 2 (Implementing SLOs): 99.9 % over 30 days allows 43.2 minutes.

    >>> round(allowed_downtime_min(0.999, 30), 1)
    43.2
    """
    t = check_fraction("slo_target", slo_target)
    d = check_positive("window_days", window_days)
    return (1.0 - t) * d * MINUTES_PER_DAY


def sla_credit_ratio(availability: float, tiers: Sequence[Mapping[str, float]]) -> float:
    """Service credit, as a fraction of the month's invoice, owed for a month's availability.

    Args:
        availability: measured monthly availability, fraction in [0, 1].
        tiers: rows ``{below_availability, credit_ratio}``; the largest credit whose bound the
            availability falls below applies.

    >>> tiers = [{"below_availability": 0.9995, "credit_ratio": 0.10}, {"below_availability": 0.99, "credit_ratio": 0.25}]
    >>> sla_credit_ratio(0.9999, tiers), sla_credit_ratio(0.999, tiers), sla_credit_ratio(0.98, tiers)
    (0.0, 0.1, 0.25)
    """
    a = check_fraction("availability", availability, closed=True)
    owed = [float(t["credit_ratio"]) for t in tiers if a < float(t["below_availability"])]
    return max(owed, default=0.0)
