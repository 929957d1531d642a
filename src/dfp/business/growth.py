"""Compound growth: projections, the month a threshold is crossed, growth measured from data.

=====================  ==============================================================
``compound``            value after ``months`` of growth at ``rate`` per month
``project``             the monthly path of a compounding value
``months_until``        first month a compounding value reaches a threshold
``cmgr``                compound monthly growth rate between two values
=====================  ==============================================================

Rates are fractions per month (0.15 = 15 %/month), never percent.
"""

from __future__ import annotations

import math

import numpy as np

from dfp.core.checks import check_int_range, check_non_negative, check_positive, check_range
from dfp.core.errors import PlaybookError

__all__ = ["cmgr", "compound", "months_until", "project"]


def compound(value: float, rate: float, months: float) -> float:
    """``value * (1 + rate) ** months``.

    Args:
        value: starting value (any unit, >= 0).
        rate: growth per month as a fraction, > -1.
        months: elapsed months (>= 0).

    >>> round(compound(100.0, 0.15, 12), 2)
    535.03
    """
    v = check_non_negative("value", value)
    r = check_range("rate", rate, -0.999999, 10.0)
    m = check_non_negative("months", months)
    return v * (1.0 + r) ** m


def project(value: float, rate: float, horizon_months: int) -> np.ndarray:
    """Values at months 0..horizon_months of a value compounding at ``rate`` per month.

    >>> project(100.0, 0.1, 2).round(2).tolist()
    [100.0, 110.0, 121.0]
    """
    v = check_non_negative("value", value)
    r = check_range("rate", rate, -0.999999, 10.0)
    h = check_int_range("horizon_months", horizon_months, 0, 1200)
    return v * (1.0 + r) ** np.arange(h + 1)


def months_until(value: float, rate: float, threshold: float) -> int | None:
    """Smallest whole month ``m >= 0`` with ``value * (1 + rate) ** m >= threshold``.

    Returns ``None`` when the threshold is never reached (rate <= 0 and value below it).

    >>> months_until(10.0, 0.15, 15.0)
    3
    >>> months_until(10.0, 0.0, 15.0) is None
    True
    """
    v = check_positive("value", value)
    r = check_range("rate", rate, -0.999999, 10.0)
    t = check_positive("threshold", threshold)
    if v >= t:
        return 0
    if r <= 0:
        return None
    m = math.ceil(math.log(t / v) / math.log1p(r) - 1e-12)
    return int(m)


def cmgr(first: float, last: float, periods: int) -> float:
    """Compound monthly growth rate from ``first`` to ``last`` over ``periods`` months.

    ``(last / first) ** (1 / periods) - 1``

    >>> round(cmgr(100.0, 121.0, 2), 6)
    0.1
    """
    f = check_positive("first", first)
    la = check_non_negative("last", last)
    if periods < 1:
        raise PlaybookError(f"periods must be >= 1; got {periods}")
    return (la / f) ** (1.0 / periods) - 1.0
