"""Cost arithmetic: unit costs, what a budget buys, and roll-ups of the billing export.

=============================  ======================================================
``cost_usd_per_event``          monthly cost divided by monthly events
``monthly_cost_usd``            events/day at a unit cost, as USD per month
``events_per_day_for_budget``   daily volume a monthly budget covers at a unit cost
``hours_in_billing_month``      the 730-hour billing month, or a calendar month's hours
``usage_cost``                  the cost base: usage rows of a FOCUS export (amortised)
``monthly_cost``                monthly cost by any FOCUS column or tag (service, region, team)
``daily_cost``                  daily cost, optionally by a column
``budget_attainment``           a month's cost against the target and the hard cap
``growth_comparison``           cost growth vs revenue growth over a window (CMGR)
``volume_for_unit_cost``        daily volume at which fixed + variable cost meets a unit-cost target
``unit_cost_by_stage``          a month's cost per million events by pipeline stage and line (``app`` tag)
``events_per_billing_month``    monthly events normalised to the 30.42-day billing month
=============================  ======================================================

Months are 730 hours (``dfp.core.units``), the cloud-billing convention. Cost is ``EffectiveCost``
(amortised: commitment purchases are spread over the usage they cover) unless a function says
otherwise; ``BilledCost`` is the cash view.
"""

from __future__ import annotations

from typing import NamedTuple

import pandas as pd

from dfp.business.growth import cmgr
from dfp.core.checks import check_int_range, check_non_negative, check_positive
from dfp.core.errors import PlaybookError
from dfp.core.units import DAYS_PER_MONTH, HOURS_PER_MONTH
from dfp.io.focus import parse_tags

__all__ = [
    "STAGE_OF_APP",
    "BudgetAttainment",
    "GrowthComparison",
    "budget_attainment",
    "cost_usd_per_event",
    "daily_cost",
    "events_per_billing_month",
    "events_per_day_for_budget",
    "growth_comparison",
    "hours_in_billing_month",
    "monthly_cost",
    "monthly_cost_usd",
    "unit_cost_by_stage",
    "usage_cost",
    "volume_for_unit_cost",
]


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


def hours_in_billing_month(days_in_month: int | None = None) -> float:
    """Hours in a billing month: 730 (8760 / 12) by convention, or ``24 x days`` for a calendar month.

    >>> hours_in_billing_month(), hours_in_billing_month(31)
    (730.0, 744.0)
    """
    if days_in_month is None:
        return HOURS_PER_MONTH
    return 24.0 * check_int_range("days_in_month", days_in_month, 28, 31)


def usage_cost(billing: pd.DataFrame, cost_col: str = "EffectiveCost") -> pd.DataFrame:
    """The cost base: ``Usage`` rows of a FOCUS frame with ``date`` and ``month`` columns added.

    With ``EffectiveCost`` the usage rows carry the whole amortised cost (covered usage at the
    committed rate plus unused commitment); purchases and credits are excluded.
    """
    if cost_col not in ("EffectiveCost", "BilledCost", "ListCost"):
        raise PlaybookError(f"usage_cost: cost_col must be EffectiveCost, BilledCost or ListCost; got {cost_col!r}")
    u = billing[billing["ChargeCategory"] == "Usage"]
    start = u["ChargePeriodStart"].dt.tz_localize(None)
    return u.assign(date=start.dt.normalize(), month=start.dt.to_period("M"), cost_usd=u[cost_col].astype(float))


def monthly_cost(billing: pd.DataFrame, by: str | pd.Series | None = None,
                 cost_col: str = "EffectiveCost") -> pd.DataFrame | pd.Series:
    """Monthly cost (USD) of the usage rows: a Series, or a month x group frame when ``by`` is given.

    ``by`` is a FOCUS column name (``"ServiceName"``, ``"RegionId"``, ``"ServiceCategory"``) or a
    Series aligned with ``billing`` (e.g. the ``team`` tag from :func:`dfp.io.focus.parse_tags`).
    """
    u = usage_cost(billing, cost_col)
    if by is None:
        return u.groupby("month")["cost_usd"].sum()
    key = u[by] if isinstance(by, str) else by.loc[u.index]
    return u.groupby([u["month"], key.fillna("").replace("", "(none)")])["cost_usd"].sum().unstack(fill_value=0.0)


def daily_cost(billing: pd.DataFrame, by: str | None = None,
               cost_col: str = "EffectiveCost") -> pd.DataFrame | pd.Series:
    """Daily cost (USD) of the usage rows; a day x group frame when ``by`` names a column."""
    u = usage_cost(billing, cost_col)
    if by is None:
        return u.groupby("date")["cost_usd"].sum()
    return u.groupby(["date", u[by].fillna("(none)")])["cost_usd"].sum().unstack(fill_value=0.0)


class BudgetAttainment(NamedTuple):
    """A month's cost against the budget: ratios of target and cap, and the verdict."""

    cost_usd_per_month: float
    target_ratio: float
    cap_ratio: float
    headroom_to_cap_usd: float
    status: str


def budget_attainment(cost_usd_per_month: float, target_usd_per_month: float,
                      cap_usd_per_month: float) -> BudgetAttainment:
    """Compare a month's cost with the target and the hard cap.

    ``status`` is ``"within target"`` (cost <= target), ``"over target"`` (target < cost <= cap) or
    ``"over cap"``.

    >>> b = budget_attainment(40_000, 50_000, 75_000)
    >>> b.target_ratio, round(b.cap_ratio, 4), b.headroom_to_cap_usd, b.status
    (0.8, 0.5333, 35000.0, 'within target')
    """
    c = check_non_negative("cost_usd_per_month", cost_usd_per_month)
    t = check_positive("target_usd_per_month", target_usd_per_month)
    cap = check_positive("cap_usd_per_month", cap_usd_per_month)
    if cap < t:
        raise PlaybookError(f"budget_attainment: cap must be >= target; got cap={cap}, target={t}")
    status = "within target" if c <= t else ("over target" if c <= cap else "over cap")
    return BudgetAttainment(c, c / t, c / cap, cap - c, status)


class GrowthComparison(NamedTuple):
    """Compound monthly growth of cost and revenue over the same window."""

    months: int
    cost_cmgr: float
    revenue_cmgr: float
    cost_grows_slower: bool


def growth_comparison(cost_usd: pd.Series, revenue_usd: pd.Series, months: int) -> GrowthComparison:
    """CMGR of cost and of revenue over the last ``months`` months of two aligned monthly series.

    >>> growth_comparison(pd.Series([100.0, 110.0, 121.0]), pd.Series([10.0, 12.0, 14.4]), 2)
    GrowthComparison(months=2, cost_cmgr=0.10000000000000009, revenue_cmgr=0.19999999999999996, cost_grows_slower=True)
    """
    n = check_int_range("months", months, 1, 10_000)
    if len(cost_usd) != len(revenue_usd) or len(cost_usd) < n + 1:
        raise PlaybookError(f"growth_comparison: need two aligned series of at least {n + 1} months; "
                            f"got {len(cost_usd)} and {len(revenue_usd)}")
    c = cmgr(float(cost_usd.iloc[-n - 1]), float(cost_usd.iloc[-1]), n)
    r = cmgr(float(revenue_usd.iloc[-n - 1]), float(revenue_usd.iloc[-1]), n)
    return GrowthComparison(n, c, r, c < r)


def volume_for_unit_cost(fixed_usd_per_month: float, variable_usd_per_event: float,
                         target_usd_per_event: float) -> float | None:
    """Events/day at which ``(fixed + variable x volume) / volume`` falls to the target unit cost.

    ``volume_per_month = fixed / (target - variable)``; divided by 30.42 days. ``None`` when the
    variable cost alone is at or above the target (no volume is enough).

    >>> round(volume_for_unit_cost(10_000, 0.00004, 0.0001))
    5479452
    >>> volume_for_unit_cost(10_000, 0.0002, 0.0001) is None
    True
    """
    f = check_non_negative("fixed_usd_per_month", fixed_usd_per_month)
    v = check_non_negative("variable_usd_per_event", variable_usd_per_event)
    t = check_positive("target_usd_per_event", target_usd_per_event)
    if v >= t:
        return None
    return f / (t - v) / DAYS_PER_MONTH


#: The pipeline stage each ``app`` tag belongs to; anything else is the shared platform.
STAGE_OF_APP: dict[str, str] = {
    "ingestion-api": "1 ingest", "event-stream": "1 ingest", "spill-buffer": "1 ingest",
    "state-store": "2 process", "event-archive": "2 process", "stream-consumers": "2 process",
    "destination-delivery": "3 deliver", "delivery-dlq": "3 deliver",
}


def unit_cost_by_stage(billing: pd.DataFrame, events_in_month: float, month: pd.Period) -> pd.DataFrame:
    """One month's cost per million events, by pipeline stage and charge line.

    Stages come from the ``app`` tag (:data:`STAGE_OF_APP`); everything else (the prod node group that runs
    every service, control planes, databases, NAT hours, observability, staging and dev) is ``4 platform``.
    ``line`` is the ``ChargeDescription`` without its pricing split (``on demand`` / ``covered by ...``),
    so covered and uncovered node-hours of one node group are one line. Columns ``stage``, ``line``,
    ``cost_usd``, ``usd_per_million_events``; lines with no cost are dropped.
    """

    e = check_positive("events_in_month", events_in_month)
    u = usage_cost(billing)
    u = u[u["month"] == month]
    if u.empty:
        raise PlaybookError(f"unit_cost_by_stage: no usage rows in month {month}")
    app = parse_tags(u["Tags"])["app"]
    stage = app.map(STAGE_OF_APP).fillna("4 platform")
    line = u["ChargeDescription"].str.replace(r" (on demand|covered by \S+)$", "", regex=True).rename("line")
    out = u.groupby([stage.rename("stage"), line])["cost_usd"].sum().reset_index()
    out = out[out["cost_usd"] > 0]
    out["usd_per_million_events"] = out["cost_usd"] / e * 1e6
    return out.sort_values(["stage", "cost_usd"], ascending=[True, False], kind="stable").reset_index(drop=True)


def events_per_billing_month(usage: pd.DataFrame) -> pd.Series:
    """Events per month normalised to the 730-hour (30.42-day) billing month: mean daily events x 30.42.

    Fitting cost to this rather than to raw monthly events keeps February's short month from reading as
    a volume dip. Index: monthly periods.
    """
    if usage.empty:
        raise PlaybookError("events_per_billing_month: usage is empty")
    daily = usage.groupby(usage["date"].dt.tz_localize(None).dt.normalize())["events"].sum()
    return daily.groupby(daily.index.to_period("M")).mean() * DAYS_PER_MONTH
