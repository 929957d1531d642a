"""Per-customer attribution of the bill: direct tags, shared costs by allocation key, the remainder.

=========================  ==================================================================
``retained_events``         events each customer keeps in the archive (rolling retention window)
``allocation_shares``       each customer's share of a driver per region-day (sums to 1)
``attribute``               the bill split into direct, allocated and unattributed cost
``customer_economics``      per customer-month cost, revenue, margin and the $500 check
=========================  ==================================================================

**The allocation rule** (stated once, here). The cost base is ``EffectiveCost`` of the usage rows
(amortised, so commitment discounts reach the customers whose usage they cover).

1. A row tagged ``customer`` (a dedicated resource) is that customer's cost: *direct*.
2. A row tagged ``alloc=<key>`` is shared; it is spread over the customers active in the row's
   region that day in proportion to their share of the key's driver: ``events`` (events ingested),
   ``api_requests`` (API calls) or ``storage`` (events retained in the archive): *allocated*.
3. Everything else is *unattributed*: untagged resources, shared rows without a key, keyed rows on
   a region-day with no customer activity (a region before its first customer), and unused
   commitment. The attributed share is ``(direct + allocated) / total`` and is measured against the
   ``cost_attributed_ratio`` target.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from dfp.core.checks import check_int_range
from dfp.core.errors import PlaybookError
from dfp.cost.economics import usage_cost
from dfp.io.focus import parse_tags
from dfp.io.policies import workload

__all__ = ["ALLOCATION_KEYS", "Attribution", "CustomerSummary", "allocation_shares", "attribute", "customer_economics",
           "customer_summary", "first_month_met", "mean_share", "retained_events", "unit_cost_usd_per_event"]

ALLOCATION_KEYS = ("events", "api_requests", "storage")


def retained_events(usage: pd.DataFrame, retention_days: int) -> pd.DataFrame:
    """Events each customer holds in the archive per day and region: the rolling sum over the window.

    Returns a long frame ``date, region, customer_id, retained_events`` (rows with zero dropped).

    >>> u = pd.DataFrame({"date": pd.to_datetime(["2025-01-01", "2025-01-02", "2025-01-03"], utc=True),
    ...                   "region": "us-east-1", "customer_id": "C1", "events": [10, 20, 30]})
    >>> retained_events(u, 2)["retained_events"].tolist()
    [10.0, 30.0, 50.0]
    """
    n = check_int_range("retention_days", retention_days, 1, 10_000)
    frames = []
    for region, grp in usage.groupby("region", sort=True):
        wide = grp.pivot_table(index="date", columns="customer_id", values="events", aggfunc="sum")
        days = pd.date_range(wide.index.min(), wide.index.max(), freq="D")
        wide = wide.reindex(days).fillna(0.0).rolling(n, min_periods=1).sum()
        long = wide.stack().rename("retained_events").reset_index()
        long.columns = ["date", "customer_id", "retained_events"]
        frames.append(long[long["retained_events"] > 0].assign(region=region))
    out = pd.concat(frames, ignore_index=True)
    return out[["date", "region", "customer_id", "retained_events"]]


def _retention_days(retention_days: int | None) -> int:
    """The archive's retention: the sample data's assumption (``data/platform.yml``, ``workload.retention_days``) by default."""
    if retention_days is not None:
        return retention_days

    return int(workload()["retention_days"])


def allocation_shares(usage: pd.DataFrame, retention_days: int | None = None) -> pd.DataFrame:
    """Each customer's share of each allocation key's driver per ``date`` and ``region``.

    Columns ``date`` (tz-naive day), ``region``, ``alloc``, ``customer_id``, ``share``; shares of a
    (date, region, alloc) sum to 1. ``retention_days`` is the archive retention that defines the
    ``storage`` driver (default: the sample data's assumption).
    """
    u = usage.assign(date=usage["date"].dt.tz_localize(None))
    parts = [
        u[["date", "region", "customer_id", "events"]].rename(columns={"events": "driver"}).assign(alloc="events"),
        u[["date", "region", "customer_id", "api_requests"]].rename(columns={"api_requests": "driver"})
        .assign(alloc="api_requests"),
        retained_events(u, _retention_days(retention_days)).rename(columns={"retained_events": "driver"})
        .assign(alloc="storage"),
    ]
    d = pd.concat(parts, ignore_index=True)
    d = d[d["driver"] > 0]
    total = d.groupby(["date", "region", "alloc"])["driver"].transform("sum")
    return d.assign(share=d["driver"] / total)[["date", "region", "alloc", "customer_id", "share"]]


@dataclass(frozen=True)
class Attribution:
    """The bill split by the allocation rule.

    ``customer_month``: ``month, customer_id, direct_usd, allocated_usd, cost_usd``.
    ``monthly``: per month ``total_usd, direct_usd, allocated_usd, unattributed_usd, attributed_ratio``.
    ``unattributed``: month x reason (``untagged``, ``no allocation key``, ``no customer activity``,
    ``unused commitment``), USD.
    """

    customer_month: pd.DataFrame
    monthly: pd.DataFrame
    unattributed: pd.DataFrame


def attribute(billing: pd.DataFrame, usage: pd.DataFrame, retention_days: int | None = None) -> Attribution:
    """Apply the allocation rule (module docstring) to a FOCUS billing frame and the usage data."""
    if usage.empty:
        raise PlaybookError("attribute: usage is empty; shared costs cannot be allocated without drivers")
    u = usage_cost(billing)
    tags = parse_tags(u["Tags"])
    status = u["CommitmentDiscountStatus"].fillna("").to_numpy()
    customer = tags["customer"].to_numpy()
    alloc = tags["alloc"].to_numpy()
    direct = customer != ""
    unknown = (alloc != "") & ~np.isin(alloc, ALLOCATION_KEYS)
    if unknown.any():
        r = int(np.flatnonzero(unknown)[0])
        raise PlaybookError(f"attribute: row with Tags {u['Tags'].iloc[r]!r} names unknown allocation key "
                            f"{alloc[r]!r}; known: {list(ALLOCATION_KEYS)}")
    keyed = ~direct & (alloc != "")
    reason = np.where(status == "Unused", "unused commitment",
                      np.where(u["Tags"].to_numpy() == "{}", "untagged", "no allocation key"))

    d = u.loc[direct].assign(customer_id=customer[direct])
    direct_cm = d.groupby(["month", "customer_id"])["cost_usd"].sum().rename("direct_usd")

    k = u.loc[keyed].assign(alloc=alloc[keyed], region=u.loc[keyed, "RegionId"])
    pool = k.groupby(["date", "region", "alloc"], as_index=False)["cost_usd"].sum()
    shares = allocation_shares(usage, retention_days)
    m = pool.merge(shares, on=["date", "region", "alloc"], how="left")
    orphan = m[m["customer_id"].isna()]
    m = m.dropna(subset=["customer_id"])
    m = m.assign(allocated_usd=m["cost_usd"] * m["share"], month=m["date"].dt.to_period("M"))
    alloc_cm = m.groupby(["month", "customer_id"])["allocated_usd"].sum()

    cm = pd.concat([direct_cm, alloc_cm], axis=1).fillna(0.0)
    cm["cost_usd"] = cm["direct_usd"] + cm["allocated_usd"]
    cm = cm.reset_index()

    rest = u.loc[~direct & ~keyed].assign(reason=reason[~direct & ~keyed])
    un = rest.groupby(["month", "reason"])["cost_usd"].sum().unstack(fill_value=0.0)
    if len(orphan):
        orphan_month = orphan["date"].dt.to_period("M")
        un["no customer activity"] = orphan.groupby(orphan_month)["cost_usd"].sum()
    months = u.groupby("month")["cost_usd"].sum().index
    un = un.reindex(months).fillna(0.0)
    monthly = pd.DataFrame({"total_usd": u.groupby("month")["cost_usd"].sum()})
    monthly["direct_usd"] = cm.groupby("month")["direct_usd"].sum().reindex(months).fillna(0.0)
    monthly["allocated_usd"] = cm.groupby("month")["allocated_usd"].sum().reindex(months).fillna(0.0)
    monthly["unattributed_usd"] = un.sum(axis=1)
    monthly["attributed_ratio"] = (monthly["direct_usd"] + monthly["allocated_usd"]) / monthly["total_usd"]
    return Attribution(cm, monthly, un)


def customer_economics(attribution: Attribution, revenue: pd.DataFrame, customers: pd.DataFrame,
                       month: pd.Period, cap_usd_per_customer: float) -> pd.DataFrame:
    """One month's cost, revenue and margin per customer, with the per-customer cost check.

    Columns: ``customer_id, tier, region, cost_usd, revenue_usd, margin_usd, margin_ratio,
    cost_to_revenue_ratio, over_cap`` (cost above ``cap_usd_per_customer``), sorted by cost.
    """
    cm = attribution.customer_month
    c = cm[cm["month"] == month][["customer_id", "cost_usd"]]
    if c.empty:
        raise PlaybookError(f"customer_economics: no attributed cost in month {month}")
    r = revenue.assign(month=revenue["month"].dt.tz_localize(None).dt.to_period("M"))
    r = r[r["month"] == month][["customer_id", "revenue_usd"]]
    out = c.merge(r, on="customer_id", how="outer").fillna({"cost_usd": 0.0, "revenue_usd": 0.0})
    out = out.merge(customers[["customer_id", "tier", "region"]], on="customer_id", how="left")
    out["margin_usd"] = out["revenue_usd"] - out["cost_usd"]
    rev = out["revenue_usd"].where(out["revenue_usd"] > 0)
    out["margin_ratio"] = out["margin_usd"] / rev
    out["cost_to_revenue_ratio"] = out["cost_usd"] / rev
    out["over_cap"] = out["cost_usd"] > cap_usd_per_customer
    cols = ["customer_id", "tier", "region", "cost_usd", "revenue_usd", "margin_usd", "margin_ratio",
            "cost_to_revenue_ratio", "over_cap"]
    return out[cols].sort_values("cost_usd", ascending=False, kind="stable").reset_index(drop=True)


def first_month_met(monthly: pd.DataFrame, met_by: Callable[[float], bool]) -> str:
    """The first month whose ``attributed_ratio`` meets the target (``met_by``), as ``YYYY-MM``, or "never".

    >>> m = pd.DataFrame({"attributed_ratio": [0.8, 0.96, 0.97]}, index=pd.period_range("2024-01", periods=3, freq="M"))
    >>> first_month_met(m, lambda r: r > 0.95), first_month_met(m, lambda r: r > 0.99)
    ('2024-02', 'never')
    """
    met = monthly.index[monthly["attributed_ratio"].map(met_by).astype(bool)]
    return str(met[0]) if len(met) else "never"


def mean_share(monthly: pd.DataFrame, first: pd.Period, last: pd.Period) -> float:
    """Mean monthly ``attributed_ratio`` over ``first`` to ``last``, both included (a ratio, 0..1).

    >>> m = pd.DataFrame({"attributed_ratio": [0.6, 0.8, 1.0]}, index=pd.period_range("2024-01", periods=3, freq="M"))
    >>> round(mean_share(m, pd.Period("2024-01", "M"), pd.Period("2024-02", "M")), 3)
    0.7

    Raises:
        PlaybookError: no month in the range.
    """
    r = monthly.loc[(monthly.index >= first) & (monthly.index <= last), "attributed_ratio"]
    if r.empty:
        raise PlaybookError(f"mean_share: no month between {first} and {last}")
    return float(r.mean())


@dataclass(frozen=True)
class CustomerSummary:
    """What one month's customer economics say (:func:`customer_summary`).

    Attributes:
        worst_id, worst_tier, worst_ratio: the active customer with the highest cost-to-revenue ratio.
        unprofitable_n, unprofitable_usd: customers with a negative margin and their total loss (USD).
        ent_n, ent_over_n: active enterprise customers and those over the ceiling.
        mm_over_n: active mid-market customers over the ceiling.
    """

    worst_id: str
    worst_tier: str
    worst_ratio: float
    unprofitable_n: int
    unprofitable_usd: float
    ent_n: int
    ent_over_n: int
    mm_over_n: int


def customer_summary(econ: pd.DataFrame) -> CustomerSummary:
    """Summarise :func:`customer_economics`: active means revenue above 0; loss = ``-sum margin_usd`` where < 0.

    >>> econ = pd.DataFrame({"customer_id": ["a", "b", "c"], "tier": ["enterprise", "mid-market", "enterprise"],
    ...                      "cost_usd": [600.0, 50.0, 3.0], "revenue_usd": [1000.0, 60.0, 0.0],
    ...                      "margin_usd": [400.0, 10.0, -3.0], "cost_to_revenue_ratio": [0.6, 0.83, None],
    ...                      "over_cap": [True, False, False]})
    >>> s = customer_summary(econ)
    >>> (s.worst_id, s.unprofitable_n, s.unprofitable_usd, s.ent_n, s.ent_over_n, s.mm_over_n)
    ('b', 1, 3.0, 1, 1, 0)

    Raises:
        PlaybookError: no customer has revenue.
    """
    active = econ[econ["revenue_usd"] > 0]
    if active.empty:
        raise PlaybookError("customer_summary: no customer has revenue in the month")
    ent = active[active["tier"] == "enterprise"]
    loss = econ[econ["margin_usd"] < 0]
    worst = active.loc[active["cost_to_revenue_ratio"].idxmax()]
    return CustomerSummary(str(worst["customer_id"]), str(worst["tier"]), float(worst["cost_to_revenue_ratio"]),
                           len(loss), float(-loss["margin_usd"].sum()), len(ent), int(ent["over_cap"].sum()),
                           int(active.loc[active["tier"] == "mid-market", "over_cap"].sum()))


def unit_cost_usd_per_event(attribution: Attribution, usage: pd.DataFrame, month: pd.Period) -> float:
    """Attributed cost per customer event in a month: ``sum cost_usd / sum events`` (USD/event).

    Raises:
        PlaybookError: no events in the month.
    """
    cm = attribution.customer_month
    months = usage["date"].dt.tz_localize(None).dt.to_period("M")
    events = float(usage.loc[(months == month) & usage["customer_id"].notna(), "events"].sum())
    if not events > 0:
        raise PlaybookError(f"unit_cost_usd_per_event: no events in usage_daily for month {month}")
    return float(cm.loc[cm["month"] == month, "cost_usd"].sum()) / events
