"""Commitment analysis: savings plans and reserved capacity, break-even, savings per level.

=============================  ==============================================================
``breakeven_utilisation``       utilisation above which a commitment beats on-demand: ``1 - d``
``max_savings_usd_per_h``       the most a commitment can save: ``c / (1 - d) x d`` per hour, fully used
``coverage_ratio``              covered on-demand-equivalent spend over all eligible spend (AWS "coverage")
``coverage_by_month``           that ratio per month, from a FOCUS bill
``commitment_outcome``          cost, savings and utilisation of one level over a spend path
``savings_by_level``            expected (and p10) savings of each level under a usage distribution
``recommend_level``             the level with the highest expected savings
``eligible_daily_spend``        commitment-eligible on-demand-equivalent spend per day, from a bill
``realised_savings``            per month and commitment: list value covered, cost, unused, savings
``purchases``                   the commitments bought, with level (USD/h) and term start
``hourly_spend_profile``        hourly eligible spend rebuilt from daily spend and hourly events
``realised_summary``            what the bought commitments saved in all, and their worst month's use
``plan_next_commitment``        the next term's savings curve and recommended level from a bill
=============================  ==============================================================

A commitment of ``c`` USD/hour at discount ``d`` buys on-demand-equivalent usage worth up to
``c / (1 - d)`` per hour. In an hour with eligible on-demand spend ``s``::

    cost = c + max(0, s - c / (1 - d))             (the commitment is paid whether used or not)
    savings = s - cost
    utilisation = min(1, s (1 - d) / c)

Two ratios, named as AWS Cost Explorer names them (``data/external_facts.yml``,
``quotas.savings_plans_utilisation_max`` and ``quotas.savings_plans_coverage_max``):
**utilisation** is used commitment over purchased commitment (how much of what we bought we used);
**coverage** is the eligible spend the commitments covered over all eligible spend (how much of what we
could have committed we did). A plan can be 100 % utilised and cover half the usage.

A commitment of ``c`` USD/h saves at most ``c / (1 - d) x d`` an hour (every committed dollar used):
at a 28 % discount a 4.15 USD/h plan saves at most 1.61 USD an hour, 14,137 USD a year, however much
usage there is. A plan's savings are counted against on-demand for the usage it covers; a top-up's
savings are the difference between the total level's savings and the plans in force.

Break-even: a commitment that is utilised ``u`` of the time saves money iff ``u > 1 - d`` (a 28 %
discount breaks even at 72 % utilisation). Levels are USD per hour of commitment (at committed
rates), as AWS sells them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.stats import norm

from dfp.core.checks import check_fraction, check_non_negative
from dfp.core.errors import PlaybookError
from dfp.core.units import HOURS_PER_MONTH
from dfp.cost.projection import estimate_growth

__all__ = ["CommitmentOutcome", "CommitmentPlan", "RealisedSummary", "breakeven_utilisation", "commitment_outcome",
           "coverage_by_month", "coverage_ratio", "eligible_daily_spend", "hourly_spend_profile", "max_savings_usd_per_h",
           "plan_next_commitment", "purchases", "realised_savings", "realised_summary", "recommend_level",
           "savings_by_level"]


def breakeven_utilisation(discount_ratio: float) -> float:
    """Utilisation at which a commitment costs the same as on-demand: ``1 - discount_ratio``.

    >>> breakeven_utilisation(0.28)
    0.72
    """
    return 1.0 - check_fraction("discount_ratio", discount_ratio)


def max_savings_usd_per_h(commit_usd_per_h: float, discount_ratio: float) -> float:
    """The most a commitment saves an hour: ``c / (1 - d) x d`` (USD/h), when every committed dollar
    buys usage that would otherwise run on demand.

    >>> round(max_savings_usd_per_h(4.15, 0.28), 4)   # 14,137 USD a year at most
    1.6139
    """
    c = check_non_negative("commit_usd_per_h", commit_usd_per_h)
    d = check_fraction("discount_ratio", discount_ratio)
    return c / (1.0 - d) * d


def coverage_ratio(covered_on_demand_usd: float, eligible_on_demand_usd: float) -> float:
    """Coverage: eligible usage the commitments covered over all eligible usage, both at on-demand rates.

    Not utilisation (used commitment over purchased commitment, :func:`commitment_outcome`).

    >>> coverage_ratio(600.0, 1000.0)
    0.6
    """
    covered = check_non_negative("covered_on_demand_usd", covered_on_demand_usd)
    eligible = check_non_negative("eligible_on_demand_usd", eligible_on_demand_usd)
    if covered > eligible * (1 + 1e-9):
        raise PlaybookError(f"coverage_ratio: covered spend {covered} exceeds eligible spend {eligible}")
    return covered / eligible if eligible > 0 else 0.0


@dataclass(frozen=True)
class CommitmentOutcome:
    """One commitment level over a spend path (USD over the path, utilisation as a fraction)."""

    commit_usd_per_h: float
    on_demand_usd: float
    cost_usd: float
    savings_usd: float
    utilisation_ratio: float


def _check_spend(name: str, spend: np.ndarray) -> np.ndarray:
    s = np.asarray(spend, dtype=float)
    if s.size == 0 or (s < 0).any() or not np.isfinite(s).all():
        raise PlaybookError(f"{name} must be a non-empty array of finite non-negative USD/hour values")
    return s


def commitment_outcome(hourly_spend_usd: np.ndarray, commit_usd_per_h: float,
                       discount_ratio: float) -> CommitmentOutcome:
    """Cost and savings of committing ``commit_usd_per_h`` over hours of eligible on-demand spend.

    >>> o = commitment_outcome(np.array([10.0, 10.0]), 7.2, 0.28)   # fully used: pay 72 % of list
    >>> round(o.cost_usd, 6), round(o.savings_usd, 6), round(o.utilisation_ratio, 6)
    (14.4, 5.6, 1.0)
    """
    s = _check_spend("hourly_spend_usd", hourly_spend_usd)
    c = check_non_negative("commit_usd_per_h", commit_usd_per_h)
    d = check_fraction("discount_ratio", discount_ratio)
    covered = np.minimum(s, c / (1 - d)) if c > 0 else np.zeros_like(s)
    cost = c * len(s) + float(np.sum(s - covered))
    util = float(np.sum(covered) * (1 - d) / (c * len(s))) if c > 0 else 0.0
    return CommitmentOutcome(c, float(s.sum()), cost, float(s.sum()) - cost, util)


def savings_by_level(hourly_spend_usd: np.ndarray, scale_samples: np.ndarray, levels_usd_per_h: np.ndarray,
                     discount_ratio: float) -> pd.DataFrame:
    """Savings of each commitment level when the spend profile is scaled by each sampled factor.

    ``hourly_spend_usd`` is the current profile of eligible on-demand spend (USD/hour);
    ``scale_samples`` are draws of future usage relative to now (e.g. growth over the term, one per
    month and scenario); every (sample, level) pair is evaluated (vectorised). Savings are per hour
    averaged over the profile. Columns: ``commit_usd_per_h``, ``expected_savings_usd_per_h``,
    ``p10_savings_usd_per_h``, ``expected_utilisation_ratio``, ``loss_probability``.
    """
    s = _check_spend("hourly_spend_usd", hourly_spend_usd)
    k = _check_spend("scale_samples", scale_samples)
    lv = _check_spend("levels_usd_per_h", levels_usd_per_h)
    d = check_fraction("discount_ratio", discount_ratio)
    spend = k[:, None] * s[None, :]                       # samples x hours
    cap = lv[:, None, None] / (1 - d)                     # levels x 1 x 1
    covered = np.minimum(spend[None, :, :], cap)          # levels x samples x hours
    saving = (covered - lv[:, None, None]).mean(axis=2)   # per hour: covered list value - commitment
    util = np.divide(covered.mean(axis=2) * (1 - d), lv[:, None], out=np.zeros_like(saving), where=lv[:, None] > 0)
    return pd.DataFrame({
        "commit_usd_per_h": lv,
        "expected_savings_usd_per_h": saving.mean(axis=1),
        "p10_savings_usd_per_h": np.quantile(saving, 0.1, axis=1),
        "expected_utilisation_ratio": util.mean(axis=1),
        "loss_probability": (saving < 0).mean(axis=1),
    })


def recommend_level(curve: pd.DataFrame, max_loss_probability: float = 0.1) -> pd.Series:
    """The row of ``savings_by_level`` with the highest expected savings among levels whose chance of
    losing money is at most ``max_loss_probability``."""
    p = check_fraction("max_loss_probability", max_loss_probability, closed=True)
    ok = curve[curve["loss_probability"] <= p]
    if ok.empty:
        raise PlaybookError(f"recommend_level: no level has loss probability <= {p}")
    return ok.loc[ok["expected_savings_usd_per_h"].idxmax()]


def eligible_daily_spend(billing: pd.DataFrame, service: str = "Amazon Elastic Compute Cloud",
                         exclude_sku_prefix: str = "BoxUsage:t3") -> pd.Series:
    """On-demand-equivalent (list) spend per day of the usage a Compute Savings Plan can cover.

    Sums ``ListCost`` of the service's usage rows, covered or not (what the usage would cost on
    demand), leaving out SKUs named by ``exclude_sku_prefix`` (the sandbox, which is not committed).
    """
    u = _eligible_rows(billing, service, exclude_sku_prefix)
    return u.groupby(u["ChargePeriodStart"].dt.tz_localize(None).dt.normalize())["ListCost"].sum()


def _eligible_rows(billing: pd.DataFrame, service: str, exclude_sku_prefix: str) -> pd.DataFrame:
    u = billing[(billing["ChargeCategory"] == "Usage") & (billing["ServiceName"] == service)
                & (billing["CommitmentDiscountStatus"].fillna("") != "Unused")]
    return u[~u["SkuId"].fillna("").str.startswith(exclude_sku_prefix)]


def coverage_by_month(billing: pd.DataFrame, service: str = "Amazon Elastic Compute Cloud",
                      exclude_sku_prefix: str = "BoxUsage:t3") -> pd.Series:
    """Coverage per month (:func:`coverage_ratio`): the on-demand value of the eligible usage a commitment
    covered (``CommitmentDiscountStatus = Used``) over the on-demand value of all eligible usage
    (:func:`eligible_daily_spend`'s rows). Months are periods; a month without eligible usage is 0.
    """
    u = _eligible_rows(billing, service, exclude_sku_prefix)
    month = u["ChargePeriodStart"].dt.tz_localize(None).dt.to_period("M")
    covered = u["ListCost"].where(u["CommitmentDiscountStatus"].fillna("") == "Used", 0.0)
    eligible = u["ListCost"].groupby(month).sum()
    return (covered.groupby(month).sum() / eligible.where(eligible > 0)).fillna(0.0).rename("coverage_ratio")


def realised_savings(billing: pd.DataFrame) -> pd.DataFrame:
    """What the commitments in a FOCUS bill saved, per month and commitment (USD).

    ``covered_list_usd`` (on-demand value of the covered usage) minus ``covered_cost_usd`` (its
    amortised cost) minus ``unused_usd`` (commitment paid for and not used) = ``savings_usd``;
    ``utilisation_ratio = covered_cost / (covered_cost + unused)``.
    """
    status = billing["CommitmentDiscountStatus"].fillna("")
    b = billing[status != ""]
    month = b["ChargePeriodStart"].dt.tz_localize(None).dt.to_period("M")
    used = b["CommitmentDiscountStatus"] == "Used"
    g = pd.DataFrame({
        "month": month, "commitment": b["CommitmentDiscountId"],
        "covered_list_usd": np.where(used, b["ListCost"], 0.0),
        "covered_cost_usd": np.where(used, b["EffectiveCost"], 0.0),
        "unused_usd": np.where(used, 0.0, b["EffectiveCost"]),
    }).groupby(["month", "commitment"], as_index=False).sum()
    g["savings_usd"] = g["covered_list_usd"] - g["covered_cost_usd"] - g["unused_usd"]
    paid = g["covered_cost_usd"] + g["unused_usd"]
    g["utilisation_ratio"] = np.divide(g["covered_cost_usd"], paid, out=np.zeros(len(g)), where=paid > 0)
    return g


def purchases(billing: pd.DataFrame) -> pd.DataFrame:
    """Commitments bought: id, type, region, first charge day, and the level.

    ``level_usd_per_h`` is the hourly commitment of a savings plan (its daily recurring fee / 24) or
    the upfront payment spread over a 365-day term for a reservation; ``upfront_usd`` is the one-time
    payment (0 for no-upfront plans).
    """
    p = billing[(billing["ChargeCategory"] == "Purchase") & billing["CommitmentDiscountId"].notna()]
    g = p.groupby("CommitmentDiscountId").agg(
        type=("CommitmentDiscountType", "first"), region=("RegionId", "first"),
        start=("ChargePeriodStart", "min"), first_fee=("BilledCost", "first"),
        frequency=("ChargeFrequency", "first"))
    recurring = g["frequency"] == "Recurring"
    g["level_usd_per_h"] = np.where(recurring, g["first_fee"] / 24.0, g["first_fee"] / (365 * 24.0))
    g["upfront_usd"] = np.where(recurring, 0.0, g["first_fee"])
    return g.drop(columns=["first_fee", "frequency"]).sort_values("start").reset_index()


def hourly_spend_profile(daily_spend_usd: pd.Series, daily_events: pd.Series, hourly_events: pd.Series) -> pd.Series:
    """Hourly eligible spend rebuilt from a daily export: ``spend_h = a + b x events_h``.

    A daily bill hides the night-time trough a savings plan must be sized against. Fitting the daily
    spend as ``24 a + b x events_day`` (least squares over the days given) separates the always-on
    floor ``a`` (USD/hour) from the traffic-driven part ``b`` (USD/event); applying it to each hour's
    events gives the hourly profile. ``hourly_events`` is indexed by hour start (tz-naive); the days
    of ``daily_spend_usd`` and ``daily_events`` must match.

    >>> days = pd.date_range("2026-01-01", periods=3)
    >>> hours = pd.date_range("2026-01-01", periods=72, freq="h")
    >>> ev_h = pd.Series(np.tile(np.r_[np.full(12, 100.0), np.full(12, 300.0)], 3), index=hours)
    >>> ev_d = ev_h.groupby(ev_h.index.normalize()).sum() * np.array([1.0, 1.5, 2.0])
    >>> spend = 24 * 2.0 + 0.01 * ev_d
    >>> prof = hourly_spend_profile(spend, ev_d, ev_h)
    >>> round(float(prof.iloc[0]), 6), round(float(prof.iloc[12]), 6)
    (3.0, 5.0)
    """
    if not daily_spend_usd.index.equals(daily_events.index):
        raise PlaybookError("hourly_spend_profile: daily spend and daily events must cover the same days")
    x = np.column_stack([np.full(len(daily_events), 24.0), daily_events.to_numpy(float)])
    (a, b), *_ = np.linalg.lstsq(x, daily_spend_usd.to_numpy(float), rcond=None)
    return (a + b * hourly_events.astype(float)).clip(lower=0.0).rename("spend_usd_per_h")


@dataclass(frozen=True)
class RealisedSummary:
    """What the commitments in a bill saved (:func:`realised_summary`).

    Attributes:
        saved_usd: savings since the first purchase (USD). saved_ratio: of the amortised bill since then.
        min_utilisation_ratio: the worst month's utilisation over all commitments.
        by_commitment: savings per month (rows) and commitment (columns), USD.
    """

    saved_usd: float
    saved_ratio: float
    min_utilisation_ratio: float
    by_commitment: pd.DataFrame


def realised_summary(billing: pd.DataFrame, monthly_cost_usd: pd.Series) -> RealisedSummary:
    """Sum :func:`realised_savings` over the story; ``monthly_cost_usd`` is the amortised bill per month."""
    saved = realised_savings(billing)
    total = float(saved["savings_usd"].sum())
    by_month = saved.groupby("month")[["covered_cost_usd", "unused_usd"]].sum()
    wide = saved.pivot_table(index="month", columns="commitment", values="savings_usd", aggfunc="sum").fillna(0.0)
    return RealisedSummary(total, total / float(monthly_cost_usd.loc[saved["month"].min():].sum()),
                           float((by_month["covered_cost_usd"] / by_month.sum(axis=1)).min()), wide)


@dataclass(frozen=True)
class CommitmentPlan:
    """The next term's commitment analysis (:func:`plan_next_commitment`).

    Attributes:
        growth_rate: growth of eligible spend used (fraction/month). curve: :func:`savings_by_level`.
        recommended_usd_per_h / current_usd_per_h: recommended level, and Compute Savings Plans in force.
        expected_savings_usd_per_year: the recommended level's expected savings over a year (730 h months),
            all plans together, against running the same usage on demand.
        current_savings_usd_per_year: what the plans in force are expected to save over the same year.
        top_up_usd_per_h: the purchase the recommendation implies (0 when the plans in force suffice).
        top_up_savings_usd_per_year: what that purchase adds: the difference of the two savings, never
            more than :func:`max_savings_usd_per_h` of the top-up over a year.
    """

    growth_rate: float
    curve: pd.DataFrame
    recommended_usd_per_h: float
    current_usd_per_h: float
    expected_savings_usd_per_year: float
    current_savings_usd_per_year: float
    top_up_usd_per_h: float
    top_up_savings_usd_per_year: float


def plan_next_commitment(billing: pd.DataFrame, traffic_hourly: pd.DataFrame, discount_ratio: float,
                         max_loss_probability: float, growth_rate: float | None = None,
                         profile_days: int = 28, term_months: int = 12) -> CommitmentPlan:
    """Size the next Compute Savings Plan from the bill's eligible spend and the hourly traffic.

    The hourly profile of the last ``profile_days`` (:func:`hourly_spend_profile`) is scaled for each
    month of the term by ``(1 + g) ** m * exp(z * sigma * sqrt(m))`` over 11 quantiles ``z`` from 5 % to
    95 % (``g``: ``growth_rate`` or the log-linear growth of the last 12 months of eligible spend,
    ``sigma`` its scatter); 41 levels from 0 to 1.6 x the profile's peak committed rate are evaluated
    (:func:`savings_by_level`) and :func:`recommend_level` picks one.
    """
    d = check_fraction("discount_ratio", discount_ratio, closed=True)
    eligible = eligible_daily_spend(billing)
    fit = estimate_growth(eligible.groupby(eligible.index.to_period("M")).mean().iloc[-12:].to_numpy())
    g = fit.rate if growth_rate is None else growth_rate
    hourly = traffic_hourly.groupby(traffic_hourly["hour"].dt.tz_localize(None))["events"].sum()
    daily = hourly.groupby(hourly.index.normalize()).sum()
    days = eligible.index[-profile_days:]
    profile = hourly_spend_profile(eligible.loc[days], daily.loc[days], hourly[hourly.index >= days[0]]).to_numpy()
    months = np.arange(1, term_months + 1)
    z = norm.ppf(np.linspace(0.05, 0.95, 11))
    scale = ((1 + g) ** months[:, None] * np.exp(z[None, :] * fit.sigma * np.sqrt(months[:, None]))).ravel()
    levels = np.round(np.linspace(0, profile.max() * (1 - d) * 1.6, 41), 3)
    curve = savings_by_level(profile, scale, levels, d)
    best = recommend_level(curve, max_loss_probability)
    bought, last_day = purchases(billing), billing["ChargePeriodStart"].max()
    active = bought[(bought["type"] == "Compute Savings Plan") & (bought["start"] <= last_day)
                    & (bought["start"] + pd.Timedelta(days=365) > last_day)]
    current = float(active["level_usd_per_h"].sum())
    rec = float(best["commit_usd_per_h"])
    per_year = HOURS_PER_MONTH * 12
    now = float(savings_by_level(profile, scale, np.array([current]), d)["expected_savings_usd_per_h"].iloc[0])
    total = float(best["expected_savings_usd_per_h"])
    top_up = max(0.0, rec - current)
    return CommitmentPlan(g, curve, rec, current, total * per_year, now * per_year, top_up,
                          max(0.0, total - now) * per_year if top_up > 0 else 0.0)
