"""Driver-based cost projection: fit cost to its business driver, project scenarios with a band.

=====================  ==================================================================
``estimate_growth``     monthly growth rate of a series (log-linear fit) and its spread
``fit_cost_model``      ``cost = fixed + variable x events`` by least squares, with residual spread
``project_cost``        monthly cost path for a growth/price scenario with a p10-p90 band
``month_threshold_hit`` first projected month a path reaches a threshold (e.g. the cap)
``fitted_history``      the story's monthly cost and volume with the one cost model and growth fit
``fit_table``           that fit as a labelled table
``run_scenarios``       project named growth/price scenarios and find each one's cap months
``month_label``         a month ``k`` months after the last one, or "not within the horizon"
``scenario_table``      the scenarios as a labelled table
=====================  ==================================================================

The model: ``cost_m = (fixed_usd + usd_per_million_events x events_m / 1e6) x (1 + price_change_ratio)``
with ``events_m = events_0 x (1 + g) ** m``. Uncertainty: the growth rate is uncertain with the
standard deviation of the fitted monthly log-growth residuals, so ``log events_m`` has spread
``sigma_g x sqrt(m)`` (a random walk), plus the model's relative residual. Cost is increasing in
events, so the quantiles of events map to quantiles of cost; the two spreads are combined in
quadrature (an approximation, stated).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.stats import norm

from dfp.core.checks import check_int_range, check_positive, check_range
from dfp.core.errors import PlaybookError
from dfp.cost import economics as cost
from dfp.io.system import System

__all__ = ["CostModel", "FittedHistory", "GrowthEstimate", "ScenarioRun", "estimate_growth", "fit_cost_model", "fit_table",
           "fitted_history", "month_label", "month_threshold_hit", "project_cost", "run_scenarios", "scenario_table"]


@dataclass(frozen=True)
class GrowthEstimate:
    """Monthly growth of a series: ``rate`` (fraction/month) and ``sigma`` (std of monthly log growth)."""

    rate: float
    sigma: float
    months: int


def estimate_growth(values: np.ndarray | pd.Series) -> GrowthEstimate:
    """Fit ``log v_m = a + b m``; ``rate = exp(b) - 1``; ``sigma`` = std of month-on-month log changes
    around ``b``.

    >>> e = estimate_growth(100 * 1.08 ** np.arange(12))
    >>> round(e.rate, 6), round(e.sigma, 6)
    (0.08, 0.0)
    """
    v = np.asarray(values, dtype=float)
    if len(v) < 3:
        raise PlaybookError(f"estimate_growth: need at least 3 monthly values; got {len(v)}")
    if (v <= 0).any() or not np.isfinite(v).all():
        raise PlaybookError("estimate_growth: values must be positive and finite")
    m = np.arange(len(v))
    b, _a = np.polyfit(m, np.log(v), 1)
    steps = np.diff(np.log(v))
    sigma = float(np.sqrt(np.mean((steps - b) ** 2)))
    return GrowthEstimate(float(np.expm1(b)), sigma, len(v))


@dataclass(frozen=True)
class CostModel:
    """``cost_usd_per_month = fixed_usd_per_month + usd_per_million_events x events / 1e6``."""

    fixed_usd_per_month: float
    usd_per_million_events: float
    r2: float
    resid_sigma_ratio: float

    def cost(self, events_per_month: np.ndarray | float) -> np.ndarray:
        """Modelled monthly cost (USD) at a monthly event volume."""
        return self.fixed_usd_per_month + self.usd_per_million_events * np.asarray(events_per_month, float) / 1e6


def fit_cost_model(events_per_month: np.ndarray | pd.Series, cost_usd: np.ndarray | pd.Series) -> CostModel:
    """Least-squares fit of monthly cost on monthly events (a fixed part plus a per-event part).

    >>> m = fit_cost_model(np.array([1e8, 2e8, 3e8]), np.array([6000.0, 8000.0, 10000.0]))
    >>> round(m.fixed_usd_per_month, 6), round(m.usd_per_million_events, 6), round(m.r2, 6)
    (4000.0, 20.0, 1.0)
    """
    x = np.asarray(events_per_month, float) / 1e6
    y = np.asarray(cost_usd, float)
    if len(x) != len(y) or len(x) < 3:
        raise PlaybookError(f"fit_cost_model: need >= 3 aligned months; got {len(x)} and {len(y)}")
    if np.ptp(x) == 0:
        raise PlaybookError("fit_cost_model: events do not vary; the per-event part cannot be identified")
    slope, intercept = np.polyfit(x, y, 1)
    fit = intercept + slope * x
    ss_res = float(np.sum((y - fit) ** 2))
    ss_tot = float(np.sum((y - y.mean()) ** 2))
    r2 = 1.0 - ss_res / ss_tot if ss_tot > 0 else 1.0
    resid = float(np.std((y - fit) / fit)) if (fit > 0).all() else float("nan")
    return CostModel(float(intercept), float(slope), r2, resid)


def project_cost(model: CostModel, events_per_month_now: float, growth_rate: float, horizon_months: int,
                 price_change_ratio: float = 0.0, growth_sigma: float = 0.0,
                 band: tuple[float, float] = (0.1, 0.9)) -> pd.DataFrame:
    """Monthly cost path for a scenario, months ``1..horizon_months`` after now.

    Columns ``month_ahead``, ``events_per_month`` (median), ``cost_usd`` (median), ``cost_low_usd``,
    ``cost_high_usd`` (the ``band`` quantiles).

    >>> m = CostModel(1000.0, 10.0, 1.0, 0.0)
    >>> project_cost(m, 1e8, 0.1, 2)["cost_usd"].round(2).tolist()
    [2100.0, 2210.0]
    """
    e0 = check_positive("events_per_month_now", events_per_month_now)
    g = check_range("growth_rate", growth_rate, -0.5, 5.0)
    h = check_int_range("horizon_months", horizon_months, 1, 1200)
    p = check_range("price_change_ratio", price_change_ratio, -0.9, 10.0)
    s = check_range("growth_sigma", growth_sigma, 0.0, 5.0)
    lo_q, hi_q = band
    if not 0 < lo_q < 0.5 < hi_q < 1:
        raise PlaybookError(f"project_cost: band must be (low < 0.5 < high) in (0, 1); got {band}")
    m = np.arange(1, h + 1)
    events = e0 * (1 + g) ** m
    spread = np.sqrt(m * s**2 + (model.resid_sigma_ratio if np.isfinite(model.resid_sigma_ratio) else 0.0) ** 2)
    z_lo, z_hi = norm.ppf(lo_q), norm.ppf(hi_q)
    scale = 1 + p
    return pd.DataFrame({
        "month_ahead": m,
        "events_per_month": events,
        "cost_usd": model.cost(events) * scale,
        "cost_low_usd": model.cost(events) * scale * np.exp(z_lo * spread),
        "cost_high_usd": model.cost(events) * scale * np.exp(z_hi * spread),
    })


def month_threshold_hit(values: np.ndarray | pd.Series, threshold: float) -> int | None:
    """Index (0-based) of the first value >= ``threshold``; ``None`` if never reached.

    >>> month_threshold_hit([1.0, 5.0, 9.0], 5.0), month_threshold_hit([1.0], 2.0) is None
    (1, True)
    """
    t = check_positive("threshold", threshold)
    hit = np.flatnonzero(np.asarray(values, float) >= t)
    return int(hit[0]) if len(hit) else None


@dataclass(frozen=True)
class FittedHistory:
    """The story's monthly cost and volume and the cost model fitted on the Scale era.

    Attributes:
        cost_usd: total monthly cost (USD/month), indexed by month period.
        events_per_month: events per billing month, same index.
        model: the fixed + per-event model fitted on the Scale-era months.
        growth: volume growth fitted on the last 12 months.
    """

    cost_usd: pd.Series
    events_per_month: pd.Series
    model: CostModel
    growth: GrowthEstimate


def fitted_history(system: System, billing: pd.DataFrame, usage: pd.DataFrame) -> FittedHistory:
    """The one fit every projection in the book starts from (07-cost and 00-context use it alike)."""

    total = cost.monthly_cost(billing)
    events = cost.events_per_billing_month(usage)
    scale = total.index[system.era("scale").first_month:]
    model = fit_cost_model(events.loc[scale].to_numpy(), total.loc[scale].to_numpy())
    return FittedHistory(total, events, model, estimate_growth(events.iloc[-12:].to_numpy()))


def fit_table(history: FittedHistory) -> pd.DataFrame:
    """The cost model and the volume growth fit, as a labelled one-column table of formatted values."""
    m, g = history.model, history.growth
    return pd.DataFrame({"value": [f"{m.fixed_usd_per_month:,.0f} USD/month", f"{m.usd_per_million_events:.2f} USD",
                                   f"{m.r2:.3f}", f"{m.resid_sigma_ratio:.1%}", f"{g.rate:.2%}/month",
                                   f"{g.sigma:.2%}"]},
                        index=["fixed", "per million events", "R squared", "relative residual (1 sd)",
                               "fitted volume growth", "growth scatter (1 sd of monthly log change)"])


@dataclass(frozen=True)
class ScenarioRun:
    """One projected scenario (:func:`run_scenarios`).

    Attributes:
        growth_rate: volume growth (fraction/month). price_change_ratio: price change from next month.
        path: :func:`project_cost`'s monthly path. cap_month / cap_month_p90: index (0-based, months
            ahead minus one) of the first month the median / the 90th percentile reaches the cap, or None.
    """

    growth_rate: float
    price_change_ratio: float
    path: pd.DataFrame
    cap_month: int | None
    cap_month_p90: int | None


def run_scenarios(history: FittedHistory, scenarios: Mapping[str, tuple[float, float]], horizon_months: int,
                  cap_usd: float) -> dict[str, ScenarioRun]:
    """Project each ``{name: (growth_rate, price_change_ratio)}`` from the last month's volume with the fitted model.

    Every scenario uses the same cost model and the fitted growth scatter for its band.
    """
    e0 = float(history.events_per_month.iloc[-1])
    out = {}
    for name, (rate, price) in scenarios.items():
        p = project_cost(history.model, e0, rate, horizon_months, price, history.growth.sigma)
        out[name] = ScenarioRun(rate, price, p, month_threshold_hit(p["cost_usd"], cap_usd),
                                month_threshold_hit(p["cost_high_usd"], cap_usd))
    return out


def month_label(last: pd.Period, k: int | None) -> str:
    """The month ``k + 1`` months after ``last`` (a 0-based index of a projected path), or "not within the horizon".

    >>> month_label(pd.Period("2026-10", "M"), 2), month_label(pd.Period("2026-10", "M"), None)
    ('2027-01', 'not within the horizon')
    """
    return "not within the horizon" if k is None else str(last + int(k) + 1)


def scenario_table(runs: Mapping[str, ScenarioRun], last: pd.Period) -> pd.DataFrame:
    """The scenarios side by side: growth, price change, cost at the horizon with its band, cap months."""
    return pd.DataFrame([{"scenario": name, "growth / month": r.growth_rate, "price change": r.price_change_ratio,
                          "cost at horizon": r.path["cost_usd"].iloc[-1], "p10": r.path["cost_low_usd"].iloc[-1],
                          "p90": r.path["cost_high_usd"].iloc[-1], "cap month": month_label(last, r.cap_month),
                          "cap month (p90)": month_label(last, r.cap_month_p90)} for name, r in runs.items()])
