"""Business metrics from the sample data: monthly volume, customers, revenue, growth, churn.

===========================  ==========================================================
``monthly_summary``           one row per story month: volume, customers, MRR, growth, churn
``new_enterprise_per_quarter``  enterprise sign-ups per calendar quarter
``active_customers``          customers active on a date, by tier and region
``month_usage``               one month's region share, API requests a day, a region's and a tier's customers
``BusinessMetrics``           the business targets' measured values over the story
``business_metrics``          compute them from the monthly summary and the customers
===========================  ==========================================================

Inputs are the validated frames of ``dfp.io.data.load``; money is USD per month, volumes events per
day unless a name says otherwise, ratios are fractions.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from dfp.business.growth import cmgr
from dfp.core.errors import PlaybookError
from dfp.io.system import System

__all__ = ["BusinessMetrics", "MonthUsage", "active_customers", "business_metrics", "month_usage", "monthly_summary",
           "new_enterprise_per_quarter", "top_share"]


def monthly_summary(usage: pd.DataFrame, revenue: pd.DataFrame, customers: pd.DataFrame, system: System) -> pd.DataFrame:
    """Per story month: volume, peak day, customers, MRR, MRR growth and churn.

    Columns: ``month`` (period), ``month_index``, ``era``, ``events_per_day_avg``,
    ``events_per_day_peak`` (busiest day), ``eu_events_share``, ``customers`` (active at month
    end), ``enterprise_customers``, ``new_customers``, ``new_enterprise``, ``churned``,
    ``churn_ratio`` (churned / customers at month start), ``mrr_usd``, ``mrr_growth`` (fraction vs
    previous month, NaN for month 0).
    """
    if usage.empty:
        raise PlaybookError("monthly_summary: usage is empty")
    u = usage.assign(month=usage["date"].dt.tz_localize(None).dt.to_period("M"))
    daily = u.groupby(["month", "date"])["events"].sum()
    eu_daily = u[u["region"] == "eu-west-1"].groupby("month")["events"].sum()
    vol = daily.groupby(level="month").agg(["mean", "max"])
    out = pd.DataFrame({
        "events_per_day_avg": vol["mean"],
        "events_per_day_peak": vol["max"].astype("int64"),
    })
    out["eu_events_share"] = (eu_daily.reindex(out.index).fillna(0) / u.groupby("month")["events"].sum()).astype(float)
    rev = revenue.assign(month=revenue["month"].dt.tz_localize(None).dt.to_period("M"))
    out["mrr_usd"] = rev.groupby("month")["revenue_usd"].sum().reindex(out.index).fillna(0.0)

    months = out.index
    m_start = months.to_timestamp().tz_localize("UTC")
    m_end = (months + 1).to_timestamp().tz_localize("UTC")
    signup = customers["signup_date"].to_numpy()[:, None]
    churn = customers["churn_date"].fillna(pd.Timestamp("2262-01-01", tz="UTC")).to_numpy()[:, None]
    ent = (customers["tier"] == "enterprise").to_numpy()[:, None]
    s0, e0 = m_start.to_numpy()[None, :], m_end.to_numpy()[None, :]
    active_start = (signup < s0) & (churn >= s0)
    active_end = (signup < e0) & (churn >= e0)
    new = (signup >= s0) & (signup < e0)
    churned = (churn >= s0) & (churn < e0)
    out["customers"] = active_end.sum(axis=0)
    out["enterprise_customers"] = (active_end & ent).sum(axis=0)
    out["new_customers"] = new.sum(axis=0)
    out["new_enterprise"] = (new & ent).sum(axis=0)
    out["churned"] = churned.sum(axis=0)
    start_count = active_start.sum(axis=0)
    out["churn_ratio"] = np.where(start_count > 0, out["churned"] / np.maximum(start_count, 1), np.nan)
    out["mrr_growth"] = out["mrr_usd"].pct_change()
    out.index.name = "month"
    out = out.reset_index()
    out.insert(1, "month_index", [system.month_of(p.to_timestamp()) for p in out["month"]])
    out.insert(2, "era", [system.era_of(p.to_timestamp()).name for p in out["month"]])
    return out


def new_enterprise_per_quarter(customers: pd.DataFrame, system: System) -> pd.Series:
    """Enterprise customers signed per calendar quarter inside the story (customers/quarter).

    Quarters only partly inside the story are dropped, so every count covers three full months.
    """
    ent = customers[customers["tier"] == "enterprise"]
    q = ent["signup_date"].dt.tz_localize(None).dt.to_period("Q")
    counts = q.value_counts().sort_index()
    first = pd.Period(system.start.tz_localize(None), "Q")
    last = pd.Period((system.end - pd.Timedelta(days=1)).tz_localize(None), "Q")
    full = pd.period_range(first, last, freq="Q")
    counts = counts.reindex(full, fill_value=0)
    keep = [p for p in full if p.start_time >= system.start.tz_localize(None)
            and p.end_time < system.end.tz_localize(None)]
    return counts.loc[keep].rename("new_enterprise")


def active_customers(customers: pd.DataFrame, when: pd.Timestamp) -> pd.DataFrame:
    """Customers active at ``when`` (signed up before, not yet churned), counted by tier and region."""
    t = pd.Timestamp(when)
    t = t.tz_localize("UTC") if t.tzinfo is None else t
    act = customers[(customers["signup_date"] <= t) & (customers["churn_date"].isna() | (customers["churn_date"] > t))]
    return act.groupby(["tier", "region"]).size().unstack(fill_value=0)


def top_share(usage: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp, n: int) -> float:
    """Share of events in ``[start, end)`` sent by the ``n`` largest customers (fraction).

    Concentration is what turns one tenant's burst into a hot partition.
    """
    sel = usage[(usage["date"] >= start) & (usage["date"] < end)]
    if sel.empty:
        raise PlaybookError(f"top_share: no usage between {start} and {end}")
    per = sel.groupby("customer_id")["events"].sum().sort_values(ascending=False)
    return float(per.iloc[:n].sum() / per.sum())


@dataclass(frozen=True)
class BusinessMetrics:
    """The business targets' measured values (:func:`business_metrics`); ratios are fractions."""

    events_per_day_avg: float         # the last month's mean daily volume
    mrr_cmgr: float                   # compound monthly MRR growth over the story
    events_cmgr: float                # compound monthly volume growth over the story
    new_enterprise_last_quarter: int
    churn_ratio: float                # mean monthly churn over the last 12 months
    first_10m_month_index: int        # first month whose mean daily volume reaches the target
    first_10m_month: str
    new_enterprise_by_quarter: pd.Series

    def measured(self) -> dict[str, float]:
        """The values by target id, as :func:`dfp.book.scorecard.scorecard` takes them."""
        return {"events_per_day_avg": self.events_per_day_avg, "mrr_growth_ratio": self.mrr_cmgr,
                "new_enterprise_per_quarter": self.new_enterprise_last_quarter, "churn_ratio": self.churn_ratio}


def business_metrics(monthly: pd.DataFrame, customers: pd.DataFrame, system: System) -> BusinessMetrics:
    """Volume, MRR and volume CMGR (:func:`dfp.business.growth.cmgr`), enterprise sign-ups and churn,
    from :func:`monthly_summary` and :func:`new_enterprise_per_quarter`."""
    last, n = monthly.iloc[-1], len(monthly) - 1
    quarters = new_enterprise_per_quarter(customers, system)
    reached = monthly.loc[monthly["events_per_day_avg"] >= system.target("events_per_day_avg").value]
    if reached.empty:
        raise PlaybookError("business_metrics: no month reaches the events_per_day_avg target")
    first = reached.iloc[0]
    return BusinessMetrics(float(last["events_per_day_avg"]), cmgr(monthly["mrr_usd"].iloc[0], last["mrr_usd"], n),
                           cmgr(monthly["events_per_day_avg"].iloc[0], last["events_per_day_avg"], n),
                           int(quarters.iloc[-1]), float(monthly.tail(12)["churn_ratio"].mean()),
                           int(first["month_index"]), str(first["month"]), quarters)


@dataclass(frozen=True)
class MonthUsage:
    """One month of usage seen from a region and a tier (:func:`month_usage`)."""

    region_customers: int             # customers homed in the region, active at the month's end
    region_events_share: float        # the region's share of the month's events (fraction)
    api_requests_per_day: float       # mean API requests a day, all regions
    tier_events_per_customer_day: float  # mean daily events of the tier's average customer


def month_usage(usage: pd.DataFrame, customers: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp,
                region: str = "eu-west-1", tier: str = "enterprise") -> MonthUsage:
    """Usage in ``[start, end)``: the region's customers and event share, API requests a day, and the
    mean over the tier's customers of their mean daily events."""
    u = usage[(usage["date"] >= start) & (usage["date"] < end)]
    if u.empty:
        raise PlaybookError(f"month_usage: no usage between {start} and {end}")
    ids = customers.loc[customers["tier"] == tier, "customer_id"]
    tier_daily = u[u["customer_id"].isin(ids)].groupby(["date", "customer_id"])["events"].sum()
    active = active_customers(customers, end - pd.Timedelta(seconds=1))
    return MonthUsage(int(active.get(region, pd.Series(dtype=int)).sum()),
                      float(u.loc[u["region"] == region, "events"].sum() / u["events"].sum()),
                      float(u.groupby("date")["api_requests"].sum().mean()),
                      float(tier_daily.groupby("customer_id").mean().mean()))
