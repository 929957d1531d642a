"""The month's bill in the views the cost pages show: by service, by category / region / team, against
the budget and revenue, and per unit.

=========================  ==================================================================
``service_snapshot``        a month's cost by service with each service's share
``grouped_views``           a month's cost by FOCUS ServiceCategory, RegionId and the ``team`` tag
``BudgetView``              the month against the target and the cap, and cost vs revenue growth
``budget_view``             compute it (CMGR over up to 12 months)
``MonthUnits``              cost per event, per customer, attributed share and commitment savings
``month_units``             compute it
``sku_usage``               a month's usage lines of one SKU: quantity, unit and cost
=========================  ==================================================================

Formulas live in :mod:`dfp.cost.economics` (budget attainment, growth comparison, monthly roll-ups),
:mod:`dfp.cost.attribution` and :mod:`dfp.cost.commitments`; this module applies them to one month.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from dfp.core.errors import PlaybookError
from dfp.cost import attribution, commitments, economics
from dfp.io.focus import parse_tags

__all__ = ["BudgetView", "MonthUnits", "SkuUsage", "budget_view", "grouped_views", "month_units", "service_snapshot",
           "sku_usage"]


def _month(s: pd.Series) -> pd.Series:
    return s.dt.tz_localize(None).dt.to_period("M")


def service_snapshot(by_service: pd.DataFrame, month: pd.Period, min_usd: float = 0.5) -> pd.DataFrame:
    """``month``'s cost by service above ``min_usd`` (largest first), columns ``USD`` and ``share`` (fraction)."""
    snap = by_service.loc[month].sort_values(ascending=False)
    snap = snap[snap > min_usd]
    return pd.DataFrame({"USD": snap, "share": snap / snap.sum()})


def grouped_views(billing: pd.DataFrame, month: pd.Period, min_usd: float = 0.5) -> pd.DataFrame:
    """Rows ``(view, group, USD)``: the month's cost by ServiceCategory, RegionId and the team tag."""
    views = {"ServiceCategory": economics.monthly_cost(billing, "ServiceCategory").loc[month],
             "RegionId": economics.monthly_cost(billing, "RegionId").loc[month],
             "team tag": economics.monthly_cost(billing, parse_tags(billing["Tags"])["team"]).loc[month]}
    rows = [(view, k, v) for view, s in views.items() for k, v in s.sort_values(ascending=False).items() if v > min_usd]
    return pd.DataFrame(rows, columns=["view", "group", "USD"])


@dataclass(frozen=True)
class BudgetView:
    """``month`` against the budget (:func:`dfp.cost.economics.budget_attainment`) and cost vs revenue CMGR."""

    attainment: economics.BudgetAttainment
    growth: economics.GrowthComparison
    window_months: int

    def table(self) -> pd.DataFrame:
        """The figures as a labelled one-column table of formatted values."""
        a, g, w = self.attainment, self.growth, self.window_months
        return pd.DataFrame({"value": [f"{a.cost_usd_per_month:,.0f} USD", f"{a.target_ratio:.0%}", f"{a.cap_ratio:.0%}",
                                       a.status, f"{g.cost_cmgr:.1%}/month", f"{g.revenue_cmgr:.1%}/month"]},
                            index=["cost", "of target", "of cap", "status", f"cost CMGR ({w} months)",
                                   f"revenue CMGR ({w} months)"])


def budget_view(total: pd.Series, mrr: pd.Series, month: pd.Period, target_usd: float, cap_usd: float) -> BudgetView:
    """The month's cost against target and cap; CMGR of cost and revenue over up to 12 months to it
    (month 0 has no history and is compared over its first month)."""
    att = economics.budget_attainment(float(total.loc[month]), target_usd, cap_usd)
    i = total.index.get_loc(month)
    window = max(1, min(12, i))
    j = max(i, 1)
    growth = economics.growth_comparison(total.iloc[: j + 1], mrr.reindex(total.index).iloc[: j + 1], window)
    return BudgetView(att, growth, window)


@dataclass(frozen=True)
class MonthUnits:
    """One month's unit figures (USD)."""

    usd_per_event: float
    usd_per_customer: float
    attributed_ratio: float
    commitment_savings_usd: float
    commitment_savings_to_date_usd: float


def month_units(billing: pd.DataFrame, usage: pd.DataFrame, total: pd.Series, month: pd.Period) -> MonthUnits:
    """Cost per event and per active customer, the attributed share and commitment savings in ``month``
    (and up to it)."""
    spend = float(total.loc[month])
    events = float(usage.groupby(_month(usage["date"]))["events"].sum().loc[month])
    customers = usage.loc[_month(usage["date"]) == month, "customer_id"].nunique()
    saved = commitments.realised_savings(billing)
    return MonthUnits(spend / events, spend / customers,
                      float(attribution.attribute(billing, usage).monthly.loc[month, "attributed_ratio"]),
                      float(saved.loc[saved["month"] == month, "savings_usd"].sum()),
                      float(saved.loc[saved["month"] <= month, "savings_usd"].sum()))


@dataclass(frozen=True)
class SkuUsage:
    """One SKU's usage lines in a month: ``quantity`` in ``unit`` (the bill's ConsumedUnit) and the effective
    cost (USD, amortised)."""

    sku: str
    month: str
    quantity: float
    unit: str
    cost_usd: float


def sku_usage(billing: pd.DataFrame, month: str, sku: str) -> SkuUsage:
    """The usage lines of ``sku`` (the bill's ``SkuId``) charged in ``month`` (``YYYY-MM``), summed.

    Raises ``PlaybookError`` naming the SKU and the month when the bill has no such line, or when its lines
    mix units.

    >>> b = pd.DataFrame({"ChargePeriodStart": pd.to_datetime(["2026-10-01", "2026-10-02"], utc=True),
    ...                   "ChargeCategory": "Usage", "SkuId": "KMS-Requests", "ConsumedQuantity": [2.0, 3.0],
    ...                   "ConsumedUnit": "10000 Requests", "EffectiveCost": [0.06, 0.09]})
    >>> u = sku_usage(b, "2026-10", "KMS-Requests"); (u.quantity, u.unit, round(u.cost_usd, 2))
    (5.0, '10000 Requests', 0.15)
    """
    start = _month(billing["ChargePeriodStart"])
    lines = billing.loc[(start == pd.Period(month, "M")) & (billing["ChargeCategory"] == "Usage")
                        & (billing["SkuId"] == sku)]
    if lines.empty:
        raise PlaybookError(f"sku_usage: the bill has no {sku!r} usage line in {month}")
    units = sorted(set(lines["ConsumedUnit"].dropna()))
    if len(units) != 1:
        raise PlaybookError(f"sku_usage: {sku!r} lines in {month} mix units {units}")
    return SkuUsage(sku, month, float(lines["ConsumedQuantity"].sum()), units[0], float(lines["EffectiveCost"].sum()))
