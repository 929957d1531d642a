"""Anomaly detection on daily cost: a same-weekday robust baseline and a MAD-scaled score.

=========================  ==================================================================
``detect_cost_anomalies``   per day: expected cost, excess, robust z-score, flag
``first_flag``              first flagged day inside a window (detection of a known incident)
``threshold_sweep``         false-positive days and detection of a known incident per z threshold
``total_detector_clause``   what the detector on the total did with a known incident, as a clause for prose
``detect_by_line``          the detector run on each line of a day x line frame (per service): first flag, noise
``DetectionReplay``         a known incident's excess cost as it happened and with the detector
``replay_detection``        compute it from the scores, the export's latency and the response time
=========================  ==================================================================

The detector, per day ``t`` of a daily cost series:

* ``expected_t`` = median of the costs on the same weekday 1..``baseline_weeks`` weeks earlier
  (weekly seasonality handled; growth of a few % a month moves it slowly; a multi-day spike
  contaminates at most a minority of the points, so the median holds);
* ``r_t = cost_t / expected_t - 1``; ``scale_t`` = 1.4826 x the median absolute deviation of ``r``
  over the previous ``scale_days`` days (robust standard deviation of normal day-to-day noise),
  floored at ``min_scale_ratio``;
* ``z_t = r_t / scale_t``; flag when ``z_t >= z_threshold`` and the excess ``cost_t - expected_t``
  is at least ``min_excess_usd`` (so a tiny service's noise never pages anyone).

Days without a full baseline (the first ``baseline_weeks`` weeks) are never flagged.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from dfp.core.checks import check_int_range, check_non_negative, check_positive
from dfp.core.errors import PlaybookError

__all__ = ["DetectionReplay", "add_scaled_excess", "detect_by_line", "detect_cost_anomalies", "first_flag", "flagged_lines",
           "replay_detection", "threshold_sweep", "ticket_lead_days", "total_detector_clause"]


def detect_cost_anomalies(daily_cost_usd: pd.Series, z_threshold: float = 6.0, baseline_weeks: int = 4,
                          scale_days: int = 56, min_excess_usd: float = 50.0, min_scale_ratio: float = 0.01,
                          planned_changes: Sequence[pd.Timestamp] = (), settle_days: int = 28) -> pd.DataFrame:
    """Score every day of a daily cost series (index: consecutive days).

    ``planned_changes`` are days a known step change starts (a region going live, a migration);
    the ``settle_days`` from each are scored but not flagged while the baseline re-learns (the change
    calendar is how a planned step stays quiet; an unplanned one does not have an entry).

    Returns columns ``cost_usd``, ``expected_usd``, ``excess_usd``, ``ratio``, ``z``, ``flag``.

    >>> s = pd.Series([100.0] * 70 + [300.0] + [100.0] * 5, index=pd.date_range("2025-01-01", periods=76))
    >>> r = detect_cost_anomalies(s, min_excess_usd=10)
    >>> r.index[r["flag"]].strftime("%Y-%m-%d").tolist()
    ['2025-03-12']
    """
    z_thr = check_positive("z_threshold", z_threshold)
    weeks = check_int_range("baseline_weeks", baseline_weeks, 1, 52)
    scale_n = check_int_range("scale_days", scale_days, 7, 3650)
    min_ex = check_non_negative("min_excess_usd", min_excess_usd)
    floor = check_positive("min_scale_ratio", min_scale_ratio)
    s = daily_cost_usd.astype(float)
    if len(s) and (s < 0).any():
        raise PlaybookError("detect_cost_anomalies: daily cost must be non-negative")
    lagged = np.column_stack([s.shift(7 * k).to_numpy() for k in range(1, weeks + 1)])
    full = ~np.isnan(lagged).any(axis=1)
    expected = np.full(len(s), np.nan)
    expected[full] = np.median(lagged[full], axis=1)
    vals = s.to_numpy()
    ok = np.isfinite(expected) & (expected > 0)
    ratio = np.full(len(s), np.nan)
    ratio[ok] = vals[ok] / expected[ok] - 1.0
    r = pd.Series(ratio, index=s.index)
    med = r.shift(1).rolling(scale_n, min_periods=14).median()
    mad = (r.shift(1) - med).abs().rolling(scale_n, min_periods=14).median()
    scale = np.maximum(1.4826 * mad.to_numpy(), floor)
    z = ratio / scale
    excess = s.to_numpy() - expected
    flag = np.nan_to_num(z, nan=0.0) >= z_thr
    flag &= np.nan_to_num(excess, nan=0.0) >= min_ex
    settle = check_int_range("settle_days", settle_days, 0, 365)
    for change in planned_changes:
        c = pd.Timestamp(change)
        c = c.tz_localize(None) if c.tzinfo is not None and s.index.tz is None else c
        flag &= ~((s.index >= c) & (s.index < c + pd.Timedelta(days=settle)))
    return pd.DataFrame({"cost_usd": s.to_numpy(), "expected_usd": expected, "excess_usd": excess,
                         "ratio": ratio, "z": z, "flag": flag}, index=s.index)


def first_flag(result: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp) -> pd.Timestamp | None:
    """First flagged day with ``start <= day < end``; ``None`` if the window has no flag."""
    window = result[(result.index >= start) & (result.index < end) & result["flag"]]
    return None if window.empty else pd.Timestamp(window.index[0])


def threshold_sweep(daily_cost_usd: pd.Series, thresholds: Sequence[float], start: pd.Timestamp, end: pd.Timestamp,
                    incident_id: str, **detector: object) -> pd.DataFrame:
    """Per z threshold: flagged days outside the incident window ``[start's day, end]``, the incident's
    first flagged day ("missed" if none) and its days flagged. ``detector``: other
    :func:`detect_cost_anomalies` arguments."""
    rows = []
    for thr in thresholds:
        r = detect_cost_anomalies(daily_cost_usd, z_threshold=thr, **detector)  # type: ignore[arg-type]
        f = r.index[r["flag"]]
        hit = first_flag(r, start.normalize(), end)
        rows.append({"z threshold": thr, "false-positive days": int(((f < start.normalize()) | (f > end)).sum()),
                     f"{incident_id} first flagged": "missed" if hit is None else hit.strftime("%Y-%m-%d"),
                     f"{incident_id} days flagged": int(((f >= start.normalize()) & (f <= end)).sum())})
    return pd.DataFrame(rows)


def total_detector_clause(first: pd.Timestamp | None, sweep: pd.DataFrame, z_threshold: float,
                          incident_id: str) -> str:
    """What a detector did with a known incident, as a clause that follows "the detector on the total": the day
    it flagged it, or that it missed it at ``z_threshold`` and, from ``sweep`` (:func:`threshold_sweep`), the
    highest lower threshold that would have caught it, how many of its days and at how many false-positive days.

    >>> sweep = pd.DataFrame({"z threshold": [5.0, 6.0], "false-positive days": [2, 1],
    ...                       "INC-05 first flagged": ["2026-03-03", "missed"], "INC-05 days flagged": [1, 0]})
    >>> c = total_detector_clause(None, sweep, 6.0, "INC-05")
    >>> c.startswith("misses INC-05 at a z of 6"), c.endswith("1 day of it (2026-03-03), at 2 false-positive days over the whole bill")
    (True, True)
    >>> total_detector_clause(pd.Timestamp("2026-03-03"), sweep, 5.0, "INC-05")
    'flags INC-05 on 2026-03-03'
    """
    if first is not None:
        return f"flags {incident_id} on {first:%Y-%m-%d}"
    missed = f"misses {incident_id} at a z of {z_threshold:g}, its excess inside the bill's day-to-day swing"
    caught = sweep.loc[(sweep[f"{incident_id} first flagged"] != "missed") & (sweep["z threshold"] < z_threshold)]
    if caught.empty:
        return f"{missed}, and at every threshold down to {sweep['z threshold'].min():g}"
    best = caught.loc[caught["z threshold"].idxmax()]
    days, false_days = int(best[f"{incident_id} days flagged"]), int(best["false-positive days"])
    return (f"{missed}; at {best['z threshold']:g} or lower it would catch {days} day{'s' if days != 1 else ''} of it "
            f"({best[f'{incident_id} first flagged']}), at {false_days} false-positive day{'s' if false_days != 1 else ''}"
            " over the whole bill")


def detect_by_line(daily_by_line: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp,
                   **detector: object) -> pd.DataFrame:
    """Run :func:`detect_cost_anomalies` on every column of a day x line frame (USD/day per service).

    Per line: ``first_flag`` (first flagged day in ``[start's day, end)``, ``NaT`` if none),
    ``false_positive_days`` (flagged days outside ``[start's day, end]``), ``peak_ratio`` (the highest
    ``cost / expected`` inside the window). ``detector``: other :func:`detect_cost_anomalies` arguments.

    >>> days = pd.date_range("2025-01-01", periods=90)
    >>> f = pd.DataFrame({"a": [100.0] * 90, "b": [1.0] * 80 + [40.0] * 5 + [1.0] * 5}, index=days)
    >>> r = detect_by_line(f, days[80], days[85], min_excess_usd=10)
    >>> r.loc["b", "first_flag"].strftime("%Y-%m-%d"), int(r.loc["b", "false_positive_days"]), bool(pd.isna(r.loc["a", "first_flag"]))
    ('2025-03-22', 0, True)
    """
    if daily_by_line.empty:
        raise PlaybookError("detect_by_line: daily_by_line has no columns or no days")
    lo = start.normalize()
    rows = {}
    for line in daily_by_line.columns:
        r = detect_cost_anomalies(daily_by_line[line], **detector)  # type: ignore[arg-type]
        f = r.index[r["flag"]]
        inside = r[(r.index >= lo) & (r.index < end)]
        rows[line] = {"first_flag": first_flag(r, lo, end) or pd.NaT,
                      "false_positive_days": int(((f < lo) | (f > end)).sum()),
                      "peak_ratio": float((inside["ratio"] + 1.0).max()) if len(inside) else float("nan")}
    return pd.DataFrame.from_dict(rows, orient="index")


@dataclass(frozen=True)
class DetectionReplay:
    """A cost incident as it happened and replayed with the detector (:func:`replay_detection`)."""

    excess_usd: float             # excess over expected from start to end
    fixed_at: pd.Timestamp        # when the fix would have been live with the detector
    excess_with_detector_usd: float

    @property
    def avoidable_usd(self) -> float:
        """Excess the detector would have saved."""
        return self.excess_usd - self.excess_with_detector_usd


def replay_detection(scores: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp, first: pd.Timestamp | None,
                     data_latency_h: float, response_h: float) -> DetectionReplay:
    """Spread each incident day's excess evenly over its hours inside ``[start, end]``; the detector sees
    the first flagged day ``first`` once the day has closed and ``data_latency_h`` has passed, and the
    fix is live ``response_h`` later (never after ``end``)."""
    days = pd.date_range(start.normalize(), end.normalize(), freq="D")
    hours_in = np.array([min(end, d + pd.Timedelta(days=1)) - max(start, d) for d in days]) / pd.Timedelta(hours=1)
    rate = scores.loc[days, "excess_usd"].clip(lower=0).to_numpy() / hours_in
    hourly = pd.Series(np.repeat(rate, hours_in.astype(int)),
                       index=pd.date_range(start, periods=int(hours_in.sum()), freq="h"))
    detect_at = None if first is None else first + pd.Timedelta(days=1) + pd.Timedelta(hours=data_latency_h)
    fixed_at = end if detect_at is None else min(end, detect_at + pd.Timedelta(hours=response_h))
    return DetectionReplay(float(hourly.sum()), fixed_at, float(hourly[hourly.index < fixed_at].sum()))


def add_scaled_excess(daily_cost_usd: pd.Series, line_cost_usd: pd.Series, baseline_usd_per_day: float,
                      start: pd.Timestamp, end: pd.Timestamp, scale: float) -> pd.Series:
    """The daily total with some lines' excess over an incident multiplied by ``scale`` (USD/day).

    ``total_d + scale * max(0, line_d - baseline)`` on days from ``start``'s day to ``end`` (``line_d`` 0 on
    days without lines), ``total_d`` elsewhere: the bill as it would have been had the incident been ``scale``
    times as large (``scale`` 1 adds the excess a second time).

    >>> days = pd.date_range("2024-01-01", periods=4, freq="D")
    >>> add_scaled_excess(pd.Series(100.0, index=days), pd.Series([1.0, 5.0, 0.5], index=days[:3]), 1.0,
    ...                   days[1], days[2], 10.0).tolist()
    [100.0, 140.0, 100.0, 100.0]

    Raises:
        PlaybookError: ``scale`` is not positive.
    """
    check_positive("scale", scale)
    idx = daily_cost_usd.index
    extra = line_cost_usd.reindex(idx, fill_value=0.0) - baseline_usd_per_day
    extra = extra.where((idx >= start.normalize()) & (idx <= end), 0.0).clip(lower=0.0)
    return daily_cost_usd + scale * extra


def flagged_lines(by_line: pd.DataFrame) -> pd.DataFrame:
    """The lines of :func:`detect_by_line` flagged during the incident or with a false alert, flag date as text.

    ``first_flag`` becomes ``YYYY-MM-DD`` or "not flagged"; lines with neither a flag nor a false alert drop.

    >>> by = pd.DataFrame({"first_flag": [pd.Timestamp("2024-03-02"), pd.NaT, pd.NaT],
    ...                    "false_positive_days": [0, 2, 0], "peak_ratio": [90.0, 1.2, 1.0]}, index=["a", "b", "c"])
    >>> flagged_lines(by)["first_flag"].to_dict()
    {'a': '2024-03-02', 'b': 'not flagged'}
    """
    shown = by_line[by_line["first_flag"].notna() | (by_line["false_positive_days"] > 0)].copy()
    shown["first_flag"] = shown["first_flag"].map(lambda d: "not flagged" if pd.isna(d) else f"{d:%Y-%m-%d}")
    return shown


def ticket_lead_days(first_flag_day: pd.Timestamp, detected_at: pd.Timestamp, data_latency_h: float) -> float:
    """Days a per-line ticket would have come before the incident's detection (negative: after it).

    ``(detected_at - (first_flag_day + 1 day + data_latency_h)) / 1 day``: a day's cost is complete at the end
    of the day (``first_flag_day``, tz-naive UTC) and in the export ``data_latency_h`` hours later.

    >>> ticket_lead_days(pd.Timestamp("2024-03-02"), pd.Timestamp("2024-03-06 12:00", tz="UTC"), 24.0)
    2.5

    Raises:
        PlaybookError: ``first_flag_day`` is missing (the line was never flagged) or the latency is negative.
    """
    if pd.isna(first_flag_day):
        raise PlaybookError("ticket_lead_days: the line was never flagged, so no ticket was raised")
    check_non_negative("data_latency_h", data_latency_h)
    ticket_at = first_flag_day.tz_localize("UTC") + pd.Timedelta(days=1) + pd.Timedelta(hours=data_latency_h)
    return (detected_at - ticket_at) / pd.Timedelta(days=1)
