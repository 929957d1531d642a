"""SLO, SLA and error-budget arithmetic (SRE Book ch. 3-4, SRE Workbook ch. 2 and 5).

==============================  ===========================================================
``allowed_downtime_min``         minutes of full outage a target allows in a window (budget in minutes)
``sla_credit_ratio``             the service credit owed for a month's availability
``availability``                 request-weighted availability from good/total counts
``error_budget_ratio``           the error budget as a fraction of events: ``1 - slo_target``
``error_budget_events``          bad events a target allows out of a total
``budget_remaining_ratio``       share of the error budget left after some good/total counts
``rolling_budget_remaining``     budget left over a rolling window, per minute (vectorised)
``calendar_budget_remaining``    budget left within each calendar month, per minute (vectorised)
``burn_rate``                    error ratio over the budget ratio (1 = budget lasts the period)
``burn_rate_threshold``          burn rate that consumes a budget share within an alert window
``budget_consumed_ratio``        budget share a burn rate consumes in a window
``time_to_exhaustion_h``         hours until a constant burn rate spends the whole budget
``detection_time_min``           minutes until a burn-rate alert fires at a given error ratio
``BurnRateRule``, ``multiwindow_policy``  the multiwindow multi-burn-rate policy for any period
``ErrorBudget``, ``error_budget``  an objective's budget under each OpenSLO budgeting method
``outage_min_to_exhaust``        minutes of a steady outage that spend a whole budget
``objective_attainment``         the SLI over per-minute counts under each budgeting method
``SlaMargin``, ``sla_margin``    the budget an internal SLO holds back from the SLA, in minutes and share
``internal_slo_target``          the loosest internal objective whose margin covers a response time
==============================  ===========================================================

Targets are fractions in (0, 1): 0.9995, never 99.95. Windows are in minutes (``*_min``), the SLO
period in days (``period_days``).

OpenSLO's three budgeting methods (OpenSLO v1 README, "SLO"; examples/budgeting-method/README.md):
``Occurrences`` counts good events over all events; ``Timeslices`` counts good slices (a slice is
good when its good ratio meets ``timeSliceTarget``) over all slices; ``RatioTimeslices`` averages the
slices' good ratios. The budget is ``1 - target`` of events, of slices, or of the slice-ratio sum.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

from dfp.core.checks import check_fraction, check_non_negative, check_positive
from dfp.core.errors import PlaybookError
from dfp.core.units import MINUTES_PER_DAY

__all__ = [
    "METHODS",
    "WORKBOOK_POLICY_30D",
    "BurnRateRule",
    "ErrorBudget",
    "SlaMargin",
    "allowed_downtime_min",
    "availability",
    "budget_consumed_ratio",
    "budget_remaining_ratio",
    "burn_rate",
    "burn_rate_threshold",
    "calendar_budget_remaining",
    "detection_time_min",
    "error_budget",
    "error_budget_events",
    "error_budget_ratio",
    "internal_slo_target",
    "multiwindow_policy",
    "objective_attainment",
    "outage_min_to_exhaust",
    "rolling_budget_remaining",
    "sla_credit_ratio",
    "sla_margin",
    "time_to_exhaustion_h",
]


def allowed_downtime_min(slo_target: float, period_days: float) -> float:
    """Minutes of total unavailability a target allows over a window (the budget in minutes).

    ``(1 - slo_target) * period_days * 1440``

    Args:
        slo_target: availability objective as a fraction in (0, 1).
        period_days: SLO (or SLA) period in days.

    Returns:
        Allowed downtime in minutes.

    SRE Workbook, ch. 2 (Implementing SLOs): 99.9 % over 30 days allows 43.2 minutes.

    >>> round(allowed_downtime_min(0.999, 30), 1)
    43.2
    """
    t = check_fraction("slo_target", slo_target)
    d = check_positive("period_days", period_days)
    return (1.0 - t) * d * MINUTES_PER_DAY


def sla_credit_ratio(availability: float, tiers: Sequence[Mapping[str, float]]) -> float:
    """Service credit, as a fraction of the month's invoice, owed for a month's availability.

    Args:
        availability: measured monthly availability, fraction in [0, 1].
        tiers: rows ``{below_availability, credit_ratio}``; the largest credit whose bound the
            availability falls below applies.

    >>> tiers = [{"below_availability": 0.9995, "credit_ratio": 0.10},
    ...          {"below_availability": 0.99, "credit_ratio": 0.25}]
    >>> sla_credit_ratio(0.9999, tiers), sla_credit_ratio(0.999, tiers), sla_credit_ratio(0.98, tiers)
    (0.0, 0.1, 0.25)
    """
    a = check_fraction("availability", availability, closed=True)
    owed = [float(t["credit_ratio"]) for t in tiers if a < float(t["below_availability"])]
    return max(owed, default=0.0)


def availability(good: float, total: float) -> float:
    """Request-weighted availability: ``good / total`` (fraction in [0, 1]).

    Counts, not minutes: a bad minute at the 17:00 peak weighs more than one at 08:00.

    Args:
        good: good events (requests answered without a server error), >= 0.
        total: valid events, > 0 and >= good.

    Raises:
        PlaybookError: zero traffic (availability is undefined, not 100 %), or good > total.

    >>> availability(999_500, 1_000_000)
    0.9995
    """
    g = check_non_negative("good", good)
    t = check_positive("total", total)
    if g > t:
        raise PlaybookError(f"availability: good must be <= total; got good={good!r}, total={total!r}")
    return g / t


def error_budget_ratio(slo_target: float) -> float:
    """The error budget as a fraction of events: ``1 - slo_target``.

    >>> round(error_budget_ratio(0.9995), 6)
    0.0005
    """
    return 1.0 - check_fraction("slo_target", slo_target)


def error_budget_events(slo_target: float, total_events: float) -> float:
    """Bad events the target allows out of ``total_events``: ``(1 - slo_target) * total``.

    SRE Book ch. 3 (Embracing Risk): 2.5 M requests a day at 99.99 % allow 250 errors.

    >>> round(error_budget_events(0.9999, 2_500_000))
    250
    """
    return error_budget_ratio(slo_target) * check_non_negative("total_events", total_events)


def budget_remaining_ratio(good: float, total: float, slo_target: float) -> float:
    """Share of the error budget left: ``1 - bad / ((1 - slo_target) * total)``.

    1 = untouched, 0 = spent exactly, negative = overspent (the SLO is missed).

    >>> round(budget_remaining_ratio(999_750, 1_000_000, 0.9995), 6)
    0.5
    """
    t = check_positive("total", total)
    g = check_non_negative("good", good)
    if g > t:
        raise PlaybookError(f"budget_remaining_ratio: good must be <= total; got good={good!r}, total={total!r}")
    return 1.0 - (t - g) / (error_budget_ratio(slo_target) * t)


def _remaining(bad: np.ndarray, total: np.ndarray, slo_target: float) -> np.ndarray:
    budget = error_budget_ratio(slo_target) * total
    with np.errstate(divide="ignore", invalid="ignore"):
        out = 1.0 - bad / budget
    return np.where(total > 0, out, 1.0)


def rolling_budget_remaining(good: pd.Series, total: pd.Series, slo_target: float, period_days: float) -> pd.Series:
    """Budget share left over a rolling window ending at each minute (vectorised, cumulative sums).

    Args:
        good, total: per-minute counts on the same minute index.
        slo_target: objective, fraction in (0, 1).
        period_days: rolling SLO period (days); the first minutes use the partial period.

    Returns:
        Series of the remaining share on the same index (1 = untouched, < 0 = SLO missed).

    >>> idx = pd.date_range("2025-01-01", periods=4, freq="min")
    >>> r = rolling_budget_remaining(pd.Series([10, 9, 10, 10], idx), pd.Series([10] * 4, idx), 0.9, 2 / 1440)
    >>> [round(x, 6) for x in r]
    [1.0, 0.5, 0.5, 1.0]
    """
    n = round(check_positive("period_days", period_days) * MINUTES_PER_DAY)
    bad_c = np.concatenate([[0.0], np.cumsum((total - good).to_numpy(dtype=float))])
    tot_c = np.concatenate([[0.0], np.cumsum(total.to_numpy(dtype=float))])
    end = np.arange(1, len(total) + 1)
    start = np.maximum(end - n, 0)
    rem = _remaining(bad_c[end] - bad_c[start], tot_c[end] - tot_c[start], slo_target)
    return pd.Series(rem, index=total.index, name="budget_remaining")


def calendar_budget_remaining(good: pd.Series, total: pd.Series, slo_target: float) -> pd.Series:
    """Budget share left within each calendar month (UTC), as of each minute (resets on the 1st).

    The budget of a calendar window is a share of the month's traffic so far, so early-month
    budgets are small and a morning outage on the 1st spends a large share.

    >>> idx = pd.DatetimeIndex(["2025-01-31 23:59", "2025-02-01 00:00"], tz="UTC")
    >>> [abs(round(x, 6)) for x in calendar_budget_remaining(pd.Series([8, 10], idx), pd.Series([10, 10], idx), 0.8)]
    [0.0, 1.0]
    """
    if not isinstance(total.index, pd.DatetimeIndex):
        raise PlaybookError("calendar_budget_remaining needs a DatetimeIndex of minutes")
    month = total.index.tz_localize(None).to_period("M") if total.index.tz is not None else total.index.to_period("M")
    bad = (total - good).astype(float).groupby(month).cumsum()
    tot = total.astype(float).groupby(month).cumsum()
    rem = _remaining(bad.to_numpy(), tot.to_numpy(), slo_target)
    return pd.Series(rem, index=total.index, name="budget_remaining")


def burn_rate(error_ratio: npt.ArrayLike, slo_target: float) -> npt.ArrayLike:
    """How fast the budget burns: ``error_ratio / (1 - slo_target)`` (dimensionless).

    1 spends exactly the budget over the SLO period; SRE Workbook ch. 5, table 5-4: a 99.9 % SLO
    at 0.2 % errors burns at 2.

    >>> round(burn_rate(0.002, 0.999), 6)
    2.0
    """
    budget = error_budget_ratio(slo_target)
    if np.isscalar(error_ratio):
        return check_fraction("error_ratio", error_ratio, closed=True) / budget
    return np.asarray(error_ratio, dtype=float) / budget


def burn_rate_threshold(budget_share: float, alert_window_min: float, period_days: float) -> float:
    """Burn rate that spends ``budget_share`` of the period's budget within ``alert_window_min``.

    ``budget_share * period_days * 24 / (alert_window_min / 60)``

    SRE Workbook ch. 5 (Alerting on SLOs), table 5-8, 30-day period: 2 % in 1 h -> 14.4,
    5 % in 6 h -> 6, 10 % in 3 days -> 1.

    Args:
        budget_share: fraction of the period's budget, in (0, 1].
        alert_window_min: the alert's (long) window (minutes).
        period_days: SLO period (days).

    >>> round(burn_rate_threshold(0.02, 60, 30), 6), round(burn_rate_threshold(0.05, 360, 30), 6)
    (14.4, 6.0)
    """
    s = check_fraction("budget_share", budget_share, closed=True)
    w = check_positive("alert_window_min", alert_window_min)
    p = check_positive("period_days", period_days)
    if w > p * 1440:
        raise PlaybookError(f"alert_window_min must not exceed the SLO period ({p * 1440:g} min); got {alert_window_min!r}")
    return s * p * 24.0 / (w / 60.0)


def budget_consumed_ratio(burn: float, window_min: float, period_days: float) -> float:
    """Budget share a constant burn rate spends in a window: ``burn * window_min / (period_days * 1440)``.

    SRE Workbook ch. 5: "(burn rate x alerting window size) / period".

    >>> round(budget_consumed_ratio(14.4, 60, 30), 6)
    0.02
    """
    b = check_non_negative("burn", burn)
    return b * check_positive("window_min", window_min) / (check_positive("period_days", period_days) * 1440.0)


def time_to_exhaustion_h(burn: float, period_days: float) -> float:
    """Hours until a constant burn rate spends the whole budget: ``period_h / burn``.

    SRE Workbook ch. 5, table 5-4 (99.9 %, 30 days): burn 1000 exhausts the budget in 43.2 min.

    >>> round(time_to_exhaustion_h(1000, 30) * 60, 1)
    43.2
    """
    return check_positive("period_days", period_days) * 24.0 / check_positive("burn", burn)


def detection_time_min(error_ratio: float, slo_target: float, alert_window_min: float, burn_threshold: float) -> float:
    """Minutes until a burn-rate alert over ``alert_window_min`` fires when errors jump to ``error_ratio``.

    SRE Workbook ch. 5: ``((1 - SLO) / error ratio) * alerting window size * burn rate``, with
    steady traffic and a healthy window before the jump. Infinite when the error ratio never
    reaches the threshold (``error_ratio < burn_threshold * (1 - slo_target)``).

    >>> round(detection_time_min(1.0, 0.999, 60, 14.4), 3)
    0.864
    """
    e = check_fraction("error_ratio", error_ratio, closed=True)
    w = check_positive("alert_window_min", alert_window_min)
    b = check_positive("burn_threshold", burn_threshold)
    budget = error_budget_ratio(slo_target)
    if e <= 0 or e < b * budget * (1.0 - 1e-9):
        return float("inf")
    return budget / e * w * b


@dataclass(frozen=True)
class BurnRateRule:
    """One row of a multiwindow multi-burn-rate policy.

    Attributes:
        severity: ``page`` or ``ticket``.
        budget_share: budget fraction spent in ``long_window_min`` at the threshold.
        long_window_min: long window (min); sets what the alert means.
        short_window_min: short window (min); makes the alert reset soon after recovery.
        burn_threshold: burn rate both windows must exceed.
    """

    severity: str
    budget_share: float
    long_window_min: float
    short_window_min: float
    burn_threshold: float


#: SRE Workbook ch. 5, table 5-8 (the recommended starting policy for a 30-day SLO):
#: (severity, budget share, long window min, short window min).
WORKBOOK_POLICY_30D: tuple[tuple[str, float, float, float], ...] = (
    ("page", 0.02, 60.0, 5.0),
    ("page", 0.05, 360.0, 30.0),
    ("ticket", 0.10, 4320.0, 360.0),
)


def multiwindow_policy(
    period_days: float,
    rows: Sequence[tuple[str, float, float, float]] = WORKBOOK_POLICY_30D,
) -> tuple[BurnRateRule, ...]:
    """The multiwindow multi-burn-rate policy for any SLO period.

    The budget shares and windows stay as given; each threshold is recomputed for the period with
    :func:`burn_rate_threshold`, so a 28-day SLO pages at 13.44 where a 30-day one pages at 14.4.

    Args:
        period_days: SLO period (days), e.g. 30 or 28.
        rows: ``(severity, budget_share, long_window_min, short_window_min)``.

    >>> [round(r.burn_threshold, 2) for r in multiwindow_policy(28)]
    [13.44, 5.6, 0.93]
    """
    out = []
    for sev, share, long_min, short_min in rows:
        if sev not in ("page", "ticket"):
            raise PlaybookError(f"multiwindow_policy: severity must be 'page' or 'ticket'; got {sev!r}")
        if not 0 < short_min < long_min:
            raise PlaybookError(
                f"multiwindow_policy: need 0 < short_window_min < long_window_min; got {short_min!r}, {long_min!r}")
        out.append(BurnRateRule(sev, float(share), float(long_min), float(short_min),
                                burn_rate_threshold(share, long_min, period_days)))
    return tuple(out)


METHODS = ("Occurrences", "Timeslices", "RatioTimeslices")


@dataclass(frozen=True)
class ErrorBudget:
    """An objective's error budget over one window.

    Attributes:
        method: ``Occurrences``, ``Timeslices`` or ``RatioTimeslices``.
        target: objective, fraction in (0, 1).
        window_min: window length (minutes).
        slice_min: time-slice length (minutes), or None for Occurrences.
        slices: slices in the window (``window_min / slice_min``), or None.
        allowed_bad_slices: Timeslices: slices that may be bad, ``(1 - target) x slices``; else None.
        allowed_bad_events: Occurrences with a known event count: ``(1 - target) x events``; else None.
        full_outage_min: minutes of complete outage the budget covers, ``(1 - target) x window_min``
            (Occurrences at steady traffic; Timeslices and RatioTimeslices exactly).
    """

    method: str
    target: float
    window_min: float
    slice_min: float | None
    slices: float | None
    allowed_bad_slices: float | None
    allowed_bad_events: float | None
    full_outage_min: float


def error_budget(method: str, target: float, window_min: float, slice_min: float | None = None,
                 total_events: float | None = None) -> ErrorBudget:
    """The error budget of one objective under an OpenSLO budgeting method.

    ``Occurrences``: ``(1 - target) x events``; ``Timeslices``: ``(1 - target) x window_min /
    slice_min`` bad slices; ``RatioTimeslices``: the slice ratios' average may fall ``1 - target``
    below 1. All three cover ``(1 - target) x window_min`` minutes of full outage.

    Args:
        method: the budgeting method.
        target: objective in (0, 1).
        window_min: window length (minutes).
        slice_min: time-slice length (minutes); required for the two time-slice methods.
        total_events: events in the window (Occurrences only; optional).

    Example (OpenSLO examples/budgeting-method: two weeks, 95 %, one-minute slices, 24 000
    requests a day): 16 800 bad requests, or 1 008 bad slices = 16 h 48 min.

    >>> round(error_budget("Occurrences", 0.95, 14 * 1440, total_events=14 * 24000).allowed_bad_events, 6)
    16800.0
    >>> b = error_budget("Timeslices", 0.95, 14 * 1440, 1)
    >>> round(b.allowed_bad_slices, 6), round(b.full_outage_min / 60, 2)
    (1008.0, 16.8)
    """
    if method not in METHODS:
        raise PlaybookError(f"error_budget: method must be one of {list(METHODS)}; got {method!r}")
    t = check_fraction("target", target)
    w = check_positive("window_min", window_min)
    budget = 1.0 - t
    if method == "Occurrences":
        if slice_min is not None:
            raise PlaybookError("error_budget: slice_min is not used with Occurrences")
        events = None if total_events is None else budget * check_non_negative("total_events", total_events)
        return ErrorBudget(method, t, w, None, None, None, events, budget * w)
    if slice_min is None:
        raise PlaybookError(f"error_budget: method {method} needs slice_min (the timeSliceWindow)")
    sl = check_positive("slice_min", slice_min)
    if sl > w:
        raise PlaybookError(f"error_budget: slice_min must not exceed window_min ({w:g}); got {slice_min!r}")
    if total_events is not None:
        raise PlaybookError(f"error_budget: total_events is only used with Occurrences; method is {method}")
    n = w / sl
    return ErrorBudget(method, t, w, sl, n, budget * n if method == "Timeslices" else None, None, budget * w)


def outage_min_to_exhaust(budget: ErrorBudget, baseline_good_ratio: float, outage_good_ratio: float,
                          time_slice_target: float | None = None) -> float:
    """Minutes of a steady outage (good ratio ``outage_good_ratio``) that spend the whole budget.

    The rest of the window runs at ``baseline_good_ratio``, with steady traffic.
    Occurrences and RatioTimeslices: ``((1 - target) - (1 - baseline)) x window / (baseline - outage)``.
    Timeslices: every outage slice is bad and every baseline slice good (when the baseline meets
    ``time_slice_target`` and the outage does not), so ``allowed_bad_slices x slice_min``.

    Example (OpenSLO examples/budgeting-method: two weeks, 95 %, baseline 99 %, a DDoS at 1 %):
    RatioTimeslices lasts about 13 h 43 min, Timeslices 16 h 48 min.

    >>> b = error_budget("RatioTimeslices", 0.95, 14 * 1440, 1)
    >>> round(outage_min_to_exhaust(b, 0.99, 0.01) / 60, 2)
    13.71
    """
    base = check_fraction("baseline_good_ratio", baseline_good_ratio, closed=True)
    out = check_fraction("outage_good_ratio", outage_good_ratio, closed=True)
    if budget.method == "Timeslices":
        tst = check_fraction("time_slice_target", time_slice_target, closed=True) if time_slice_target is not None \
            else None
        if tst is None or not (base >= tst > out):
            raise PlaybookError("outage_min_to_exhaust: Timeslices needs time_slice_target with "
                                f"outage < target <= baseline; got {out!r}, {time_slice_target!r}, {base!r}")
        assert budget.allowed_bad_slices is not None and budget.slice_min is not None
        return budget.allowed_bad_slices * budget.slice_min
    if not out < base:
        raise PlaybookError(f"outage_min_to_exhaust: outage_good_ratio must be below the baseline; got {out!r}")
    spare = (1.0 - budget.target) - (1.0 - base)
    if spare <= 0:
        return 0.0
    return min(spare * budget.window_min / (base - out), budget.window_min)


_OPS = {"gt": np.greater, "gte": np.greater_equal, "lt": np.less, "lte": np.less_equal}


def objective_attainment(good: npt.ArrayLike, total: npt.ArrayLike, method: str, slice_min: int = 1,
                         time_slice_target: float | None = None, op: str = "gte") -> float:
    """The SLI over per-minute counts under a budgeting method (compare it with the target).

    ``Occurrences``: ``sum good / sum total``. ``Timeslices``: the share of slices whose good ratio
    ``op`` ``time_slice_target`` holds. ``RatioTimeslices``: the mean of the slices' good ratios.
    Slices are ``slice_min`` consecutive minutes (a last partial slice counts); slices with no events
    are left out of the time-slice methods (no evidence either way). 1.0 when there are no events.

    >>> good, total = [99, 50, 100, 100], [100, 100, 100, 100]
    >>> objective_attainment(good, total, "Occurrences"), objective_attainment(good, total, "Timeslices", 1, 0.95)
    (0.8725, 0.75)
    >>> objective_attainment(good, total, "RatioTimeslices", 2)
    0.8725
    """
    g, t = np.asarray(good, dtype=float), np.asarray(total, dtype=float)
    if g.shape != t.shape or g.ndim != 1:
        raise PlaybookError(f"objective_attainment: good and total must be 1-D of equal length; got {g.shape}, {t.shape}")
    if (g < 0).any() or (g > t).any():
        raise PlaybookError("objective_attainment: counts must satisfy 0 <= good <= total")
    if method not in METHODS:
        raise PlaybookError(f"objective_attainment: method must be one of {list(METHODS)}; got {method!r}")
    if method == "Occurrences":
        return float(g.sum() / t.sum()) if t.sum() > 0 else 1.0
    n = int(check_positive("slice_min", slice_min))
    edges = np.arange(0, len(t), n)
    gs, ts = np.add.reduceat(g, edges) if len(t) else g, np.add.reduceat(t, edges) if len(t) else t
    keep = ts > 0
    if not keep.any():
        return 1.0
    ratio = gs[keep] / ts[keep]
    if method == "RatioTimeslices":
        return float(ratio.mean())
    if time_slice_target is None:
        raise PlaybookError("objective_attainment: Timeslices needs time_slice_target")
    if op not in _OPS:
        raise PlaybookError(f"objective_attainment: op must be one of {list(_OPS)}; got {op!r}")
    return float(_OPS[op](ratio, check_fraction("time_slice_target", time_slice_target, closed=True)).mean())


@dataclass(frozen=True)
class SlaMargin:
    """What an internal SLO tighter than the SLA holds back, over one period.

    Attributes:
        sla_target, slo_target: the contract's and the internal objective (fractions).
        period_days: the window both are counted over (days).
        sla_budget_min, slo_budget_min: minutes of full outage each allows in the period.
        margin_min: ``sla_budget_min - slo_budget_min``: full-outage minutes between the internal
            budget running out (alerts, freeze) and the SLA being breached (credits).
        margin_share: ``margin_min / sla_budget_min`` (fraction of the SLA's budget held back).
    """

    sla_target: float
    slo_target: float
    period_days: float
    sla_budget_min: float
    slo_budget_min: float
    margin_min: float
    margin_share: float


def sla_margin(sla_target: float, slo_target: float, period_days: float) -> SlaMargin:
    """The margin an internal SLO keeps below the SLA: ``(slo_target - sla_target) x period`` minutes.

    Raises:
        PlaybookError: the internal objective is not tighter than the SLA.

    >>> m = sla_margin(0.9995, 0.9997, 30)
    >>> round(m.sla_budget_min, 2), round(m.slo_budget_min, 2), round(m.margin_min, 2), round(m.margin_share, 2)
    (21.6, 12.96, 8.64, 0.4)
    """
    sla = check_fraction("sla_target", sla_target)
    slo = check_fraction("slo_target", slo_target)
    if slo <= sla:
        raise PlaybookError(f"sla_margin: the internal slo_target ({slo}) must be tighter than sla_target ({sla})")
    a, b = allowed_downtime_min(sla, period_days), allowed_downtime_min(slo, period_days)
    return SlaMargin(sla, slo, float(period_days), a, b, a - b, (a - b) / a)


def internal_slo_target(sla_target: float, response_min: float, period_days: float, step: float = 0.0001) -> float:
    """The loosest internal objective, on a grid of ``step``, whose margin covers ``response_min``.

    ``ceil((sla_target + response_min / (period_days x 1440)) / step) x step``: when the internal budget
    is spent by a full outage, the SLA still has ``response_min`` minutes left, the time the team needs
    to be paged and to start acting (the response, not the repair: no margin buys a 46-minute mitigation
    inside a 21.6-minute SLA budget).

    Args:
        sla_target: the contract's objective (fraction in (0, 1)).
        response_min: minutes the margin must cover (page delay + time to acknowledge), >= 0.
        period_days: the SLO period (days).
        step: the grid objectives are set on (0.0001 = 0.01 percentage points).

    Raises:
        PlaybookError: when no objective below 1 covers the response.

    >>> internal_slo_target(0.9995, 6.2, 30)
    0.9997
    >>> internal_slo_target(0.9995, 0.0, 30)   # no response to cover: one grid step above the SLA
    0.9996
    """
    sla = check_fraction("sla_target", sla_target)
    r = check_non_negative("response_min", response_min)
    d = check_positive("period_days", period_days)
    st = check_positive("step", step)
    need = sla + r / (d * MINUTES_PER_DAY)
    k = int(np.floor(need / st + 1e-9)) + 1 if r == 0 else int(np.ceil(need / st - 1e-9))
    target = round(k * st, 10)
    if target >= 1.0:
        raise PlaybookError(f"internal_slo_target: covering {r:g} min over {d:g} days needs an objective of "
                            f"{need:.6f}, not below 1 on a {st:g} grid")
    return target
