"""Generate the business datasets: customers, daily usage, hourly traffic, revenue, v0 baseline.

The story (all assumptions in ``system.yml`` under ``sample_data`` and ``pricing``):

* Month 0 starts with the v0 system's design partners. New customers arrive as a Poisson process
  whose monthly rate depends on the era and tier; EU customers only arrive once eu-west-1 is live.
* A customer's weekday volume is lognormal around its tier's median, ramps up linearly over the
  tier's ramp period, grows organically each month, and is scaled by the weekly profile and
  lognormal daily noise. Customers churn with a constant monthly hazard.
* The large tenant behind INC-01 signs up on its calendar date with its calendar volume.
* Hourly traffic spreads each region-day's events over the region's diurnal profile with noise;
  hourly values sum exactly to the daily totals.
* Revenue: the tier's platform fee pro rata for active days plus a usage fee per million events.
* The v0 baseline: six months of the system before month 0, compounding from its starting values.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from dfp.business.traffic import diurnal_weight, weekly_weight
from dfp.io.system import System

__all__ = ["generate"]

TIERS = ("mid-market", "enterprise")


def _days(system: System) -> pd.DatetimeIndex:
    return pd.date_range(system.start, system.end, freq="D", inclusive="left")


def _customers(system: System, rng: np.random.Generator) -> pd.DataFrame:
    s = system.sample
    eu_live = system.region("eu-west-1").live_from
    rows: list[dict[str, object]] = []

    def size(tier: str) -> int:
        return round(s["median_events_per_day"][tier] * rng.lognormal(0.0, s["size_sigma"]))

    for tier in TIERS:
        for _ in range(int(s["initial_customers"][tier])):
            rows.append({"tier": tier, "region": "us-east-1", "signup": system.start, "size": size(tier), "ramped": True})
    for month in range(system.months):
        m_start = system.month_start(month)
        m_days = (system.month_start(month + 1) - m_start).days
        era = system.era_of(m_start)
        for tier in TIERS:
            n = rng.poisson(float(s["new_customers_per_month"][era.id][tier]))
            for _ in range(n):
                signup = m_start + pd.Timedelta(days=int(rng.integers(0, m_days)))
                eu = signup >= eu_live and rng.random() < float(s["eu_share_of_new_customers"])
                rows.append({"tier": tier, "region": "eu-west-1" if eu else "us-east-1", "signup": signup,
                             "size": size(tier), "ramped": False})
    lt = s["large_tenant"]
    rows.append({"tier": "enterprise", "region": lt["region"], "signup": pd.Timestamp(lt["signup"], tz="UTC"),
                 "size": int(lt["events_per_day"]), "ramped": False, "large": True})
    df = pd.DataFrame(rows)
    df["large"] = df.get("large", False)
    df["large"] = df["large"].fillna(False).astype(bool)
    # churn: geometric number of whole months after sign-up, then a uniform day in that month
    hazard = df["tier"].map(s["churn_per_month"]).astype(float).to_numpy()
    hazard = np.where(df["large"].to_numpy(), 0.0, hazard)
    months_kept = np.minimum(rng.geometric(np.clip(hazard, 1e-12, 1.0)), 10 * system.months)
    churn = df["signup"] + pd.to_timedelta(months_kept * 30 + rng.integers(0, 30, len(df)), unit="D")
    df["churn"] = churn.where(churn < system.end)
    df = df.sort_values(["signup", "tier", "size"], kind="stable").reset_index(drop=True)
    df["customer_id"] = [f"C{i + 1:04d}" for i in range(len(df))]
    return df


def _usage(system: System, rng: np.random.Generator, cust: pd.DataFrame) -> pd.DataFrame:
    s = system.sample
    days = _days(system)
    t = np.arange(len(days))
    wk = weekly_weight(days.day_of_week, float(s["weekend_factor"]))
    frames = []
    for c in cust.itertuples(index=False):  # one vectorised pass per customer (~200), not per row
        first = (c.signup - system.start).days
        last = len(days) if pd.isna(c.churn) else (c.churn - system.start).days
        active = (t >= first) & (t < last)
        if not active.any():
            continue
        age = (t - first).clip(min=0)
        ramp_days = 10 if c.large else int(s["ramp_days"][c.tier])
        ramp = 1.0 if c.ramped else np.clip(0.1 + 0.9 * age / ramp_days, 0.1, 1.0)
        growth = (1.0 + float(s["organic_growth_per_month"])) ** (age / 30.4375)
        noise = rng.lognormal(0.0, float(s["daily_noise_sigma"]), len(days))
        events = np.round(c.size * ramp * growth * wk * noise).astype(np.int64)
        ingest = np.ceil(events / float(s["mean_events_per_api_request"]))
        reads = rng.poisson(events / 1e6 * float(s["read_requests_per_million_events"]))
        frames.append(pd.DataFrame({
            "date": days[active],
            "customer_id": c.customer_id,
            "region": c.region,
            "events": events[active],
            "api_requests": (ingest + reads)[active].astype(np.int64),
        }))
    usage = pd.concat(frames, ignore_index=True).sort_values(["date", "customer_id"], kind="stable")
    return usage.reset_index(drop=True)


def _hourly(system: System, rng: np.random.Generator, usage: pd.DataFrame) -> pd.DataFrame:
    s = system.sample
    daily = usage.groupby(["region", "date"], sort=True).agg(
        events=("events", "sum"), active_customers=("customer_id", "nunique")).reset_index()
    frames = []
    for region, grp in daily.groupby("region", sort=True):
        prof = s["diurnal"][region]
        base = diurnal_weight(np.arange(24), prof["peak_hour_utc"], prof["peak_to_trough"])
        w = base[None, :] * rng.lognormal(0.0, float(s["hourly_noise_sigma"]), (len(grp), 24))
        w = w / w.sum(axis=1, keepdims=True)
        # exact integer split: round the cumulative sum so each day's hours sum to its total
        cum = np.round(np.cumsum(w * grp["events"].to_numpy()[:, None], axis=1)).astype(np.int64)
        hours = np.diff(np.concatenate([np.zeros((len(grp), 1), np.int64), cum], axis=1), axis=1)
        naive = grp["date"].dt.tz_localize(None).to_numpy()
        stamps = (naive[:, None] + np.arange(24) * np.timedelta64(1, "h")).ravel()
        frames.append(pd.DataFrame({
            "hour": pd.DatetimeIndex(stamps).tz_localize("UTC"),
            "region": region,
            "events": hours.ravel(),
            "active_customers": np.repeat(grp["active_customers"].to_numpy(), 24),
        }))
    return pd.concat(frames, ignore_index=True).sort_values(["hour", "region"], kind="stable").reset_index(drop=True)


def _revenue(system: System, usage: pd.DataFrame, cust: pd.DataFrame) -> pd.DataFrame:
    price = system.pricing
    u = usage.assign(month=usage["date"].dt.strftime("%Y-%m"))
    m = u.groupby(["month", "customer_id"], sort=True).agg(events=("events", "sum"), days=("date", "nunique")).reset_index()
    m = m.merge(cust[["customer_id", "tier"]], on="customer_id", how="left")
    days_in_month = pd.PeriodIndex(m["month"], freq="M").days_in_month
    fee = m["tier"].map({t: price[t]["platform_fee_usd_per_month"] for t in TIERS}).astype(float)
    per_m = m["tier"].map({t: price[t]["usd_per_million_events"] for t in TIERS}).astype(float)
    m["revenue_usd"] = (fee * m["days"] / days_in_month + per_m * m["events"] / 1e6).round(2)
    return m[["month", "customer_id", "tier", "events", "revenue_usd"]]


def _legacy(system: System, rng: np.random.Generator) -> pd.DataFrame:
    lg = system.sample["legacy"]
    n = int(system.raw["timeline"]["legacy_baseline_months"])
    k = np.arange(n)
    months = [system.month_start(i - n).strftime("%Y-%m") for i in range(n)]
    noise = lambda sigma: rng.lognormal(0.0, sigma, n)  # noqa: E731
    events = lg["events_per_day_start"] * (1 + lg["events_growth_per_month"]) ** k * noise(0.03)
    load = events / events[0]
    outage = rng.gamma(2.0, lg["regional_outage_min_per_month"] / 2.0, n)
    allowance = 30 * 24 * 60 * (1 - system.target("api_availability").value)
    paths = lg["data_access_paths"] + np.cumsum(rng.integers(0, 3, n))
    return pd.DataFrame({
        "month": months,
        "events_per_day_avg": np.round(events).astype(np.int64),
        "revenue_usd": np.round(lg["revenue_usd_start"] * (1 + lg["revenue_growth_per_month"]) ** k * noise(0.02), 2),
        "infra_cost_usd": np.round(lg["infra_cost_usd_start"] * (1 + lg["infra_cost_growth_per_month"]) ** k * noise(0.03), 2),
        "cost_attributed_share": np.round(np.clip(lg["cost_attributed_share"] + rng.normal(0, 0.02, n), 0, 1), 3),
        "p99_latency_offpeak_ms": np.round(lg["p99_latency_offpeak_ms"] * noise(0.05), 1),
        "p99_latency_peak_ms": np.round(lg["p99_latency_peak_ms"] * load ** 1.5 * noise(0.08), 1),
        "manual_ops_hours": np.round(lg["manual_ops_hours_per_week"] * 52 / 12 * load ** 0.5 * noise(0.1), 1),
        "deploys": rng.poisson(lg["deploys_per_month"], n),
        "regional_outage_min": np.round(outage, 1),
        "sla_breach_min": np.round(np.clip(outage - allowance, 0, None), 1),
        "data_access_paths": paths,
        "data_access_paths_audited": np.full(n, lg["data_access_paths_audited"]),
    })


def generate(system: System, rng: np.random.Generator) -> dict[str, pd.DataFrame]:
    """Generate the business datasets; returns ``{filename: frame}`` ready to write."""
    cust = _customers(system, rng)
    usage = _usage(system, rng, cust)
    hourly = _hourly(system, rng, usage)
    revenue = _revenue(system, usage, cust)
    legacy = _legacy(system, rng)
    customers = pd.DataFrame({
        "customer_id": cust["customer_id"],
        "tier": cust["tier"],
        "region": cust["region"],
        "signup_date": cust["signup"].dt.strftime("%Y-%m-%d"),
        "churn_date": cust["churn"].dt.strftime("%Y-%m-%d").fillna(""),
        "base_events_per_day": cust["size"].astype(np.int64),
        "large_tenant": np.where(cust["large"], "true", "false"),
    })
    usage_out = usage.assign(date=usage["date"].dt.strftime("%Y-%m-%d"))
    hourly_out = hourly.assign(hour=pd.DatetimeIndex(hourly["hour"]).strftime("%Y-%m-%dT%H:%M:%SZ"))
    return {
        "customers.csv": customers,
        "usage_daily.csv.gz": usage_out,
        "traffic_hourly.csv.gz": hourly_out,
        "revenue_monthly.csv": revenue,
        "legacy_baseline_monthly.csv": legacy,
    }
