"""Per-minute event counts from exported Prometheus counters: resets, gaps, and an SLO's series.

=======================  ====================================================================
``CounterMinutes``        per-minute increments of one or more counters, with what was repaired
``counter_minutes``       one counter's samples -> events per minute (resets and gaps handled)
``slo_series``            an SLO's good/bad/total selectors over an export -> an ``SliSeries``
=======================  ====================================================================

Conventions: minute ``t`` covers ``[start + t, start + t + 1)``; a sample at ``start + i`` minutes
is the counter's value after minute ``i - 1``, so the increase between samples at minutes ``i`` and
``j`` belongs to minutes ``i .. j - 1``. With more than one sample in a minute the last one counts.

- **Counter reset** (the value drops, e.g. a process restart): the counter restarted from 0, so the
  increase is the new value, as Prometheus' ``rate()`` and ``increase()`` count it.
- **Gap** up to ``max_gap_min`` minutes (5 by default, Prometheus' staleness period): the increase
  across it is spread evenly over its minutes.
- **Longer gap**: no data. Its minutes get no events and the counter starts afresh after it (the
  increase across the hole is dropped, not guessed); ``dropped_events`` says how many that was.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from dfp.core.checks import check_positive
from dfp.core.errors import PlaybookError
from dfp.io.openslo import SloSpec
from dfp.io.promexport import RangeSeries, selector_matches
from dfp.reliability.alerting import SliSeries

__all__ = ["CounterMinutes", "counter_minutes", "slo_series"]


@dataclass(frozen=True)
class CounterMinutes:
    """Events per minute from counters, and what was repaired on the way.

    Attributes:
        events: events per minute (float: a short gap's increase is spread over its minutes).
        resets: counter resets found.
        gaps: short gaps (<= ``max_gap_min``) spread over.
        holes: longer gaps treated as no data.
        dropped_events: counter increase across the holes (not counted).
        series: number of series summed.
    """

    events: np.ndarray
    resets: int
    gaps: int
    holes: int
    dropped_events: float
    series: int = 1

    def __add__(self, other: CounterMinutes) -> CounterMinutes:
        return CounterMinutes(self.events + other.events, self.resets + other.resets, self.gaps + other.gaps,
                              self.holes + other.holes, self.dropped_events + other.dropped_events,
                              self.series + other.series)


def counter_minutes(timestamps_s: np.ndarray, values: np.ndarray, start_s: float, n_minutes: int,
                    max_gap_min: int = 5) -> CounterMinutes:
    """Events per minute of one counter sampled at ``timestamps_s`` (Unix seconds).

    Args:
        timestamps_s, values: the samples, increasing in time.
        start_s: Unix seconds of minute 0 (whole minutes).
        n_minutes: length of the result.
        max_gap_min: longest gap (minutes between samples) whose increase is spread; longer ones are holes.

    A reset at minute 2 (10 -> 3 counts 3 events) and a five-minute gap (8 -> 20, spread):

    >>> r = counter_minutes(np.array([0, 60, 120, 180, 480]), np.array([0, 10, 3, 8, 20]), 0, 10)
    >>> r.events.round(6).tolist(), r.resets, r.gaps, r.holes
    ([10.0, 3.0, 5.0, 2.4, 2.4, 2.4, 2.4, 2.4, 0.0, 0.0], 1, 1, 0)

    A six-minute gap is a hole: nothing counted in it, its 12 events reported as dropped.

    >>> r = counter_minutes(np.array([0, 60, 420, 480]), np.array([0, 10, 22, 25]), 0, 9)
    >>> r.events.tolist(), r.holes, r.dropped_events
    ([10.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 3.0, 0.0], 1, 12.0)
    """
    ts, v = np.asarray(timestamps_s, dtype=float), np.asarray(values, dtype=float)
    if ts.shape != v.shape or ts.ndim != 1:
        raise PlaybookError("counter_minutes: timestamps and values must be 1-D of equal length")
    if (np.diff(ts) < 0).any():
        raise PlaybookError("counter_minutes: timestamps must increase")
    if (v < 0).any():
        raise PlaybookError(f"counter_minutes: a counter cannot be negative; got {v.min()!r}")
    check_positive("max_gap_min", max_gap_min)
    out = np.zeros(int(n_minutes))
    idx = np.floor((ts - start_s) / 60.0 + 1e-9).astype(np.int64)
    keep = np.r_[idx[1:] != idx[:-1], True] if len(idx) else np.zeros(0, dtype=bool)  # last sample of a minute
    idx, v = idx[keep], v[keep]
    inside = (idx >= 0) & (idx <= n_minutes)
    idx, v = idx[inside], v[inside]
    if len(idx) < 2:
        return CounterMinutes(out, 0, 0, 0, 0.0)
    d = np.diff(v)
    reset = d < 0
    d = np.where(reset, v[1:], d)
    gap = np.diff(idx)
    spread = gap <= max_gap_min
    holes = ~spread
    lo = idx[:-1][spread]
    g = gap[spread]
    pos = np.repeat(lo, g) + (np.arange(g.sum()) - np.repeat(np.cumsum(g) - g, g))
    np.add.at(out, pos, np.repeat(d[spread] / g, g))
    return CounterMinutes(out, int(reset.sum()), int((spread & (gap > 1)).sum()), int(holes.sum()),
                          float(d[holes].sum()))


def _sum(series: Sequence[RangeSeries], selector: str, start_s: float, n: int, max_gap_min: int,
         where: str) -> CounterMinutes:
    hits = [s for s in series if selector_matches(selector, s.labels)]
    if not hits:
        raise PlaybookError(f"{where}: no exported series matches {selector!r}")
    total = CounterMinutes(np.zeros(n), 0, 0, 0, 0.0, 0)
    for s in hits:
        total = total + counter_minutes(s.timestamps_s, s.values, start_s, n, max_gap_min)
    return total


def slo_series(spec: SloSpec, export: Sequence[RangeSeries], region: str = "", max_gap_min: int = 5,
               start: pd.Timestamp | None = None, n_minutes: int | None = None) -> tuple[SliSeries, dict[str, int | float]]:
    """An SLO's per-minute counts from exported counters (every series matching each selector, summed).

    Bad events are the ``bad`` selector's, or ``total - good``; a minute where the numerator exceeds
    the total (counters scraped at slightly different instants) is clipped and counted in the report.

    Args:
        spec: an SLO with a ``ratioMetric`` of counters (good or bad over total) and one objective.
        export: the exported series (:func:`dfp.io.promexport.load_query_range`).
        region: label for the result.
        max_gap_min: see :func:`counter_minutes`.
        start, n_minutes: the minute grid (default: from the first to the last exported sample).

    Returns:
        The series and a report: ``series`` summed, ``resets``, ``gaps``, ``holes``, ``dropped_events``,
        ``clipped_minutes``.
    """
    where = f"{spec.file} (SLO {spec.name})"
    ind = spec.indicator
    if ind.kind != "ratio" or ind.total is None:
        raise PlaybookError(f"{where}: a backtest from counters needs a ratioMetric with good or bad over total")
    if ind.counter is not True:
        raise PlaybookError(f"{where}: ratioMetric.counter is {ind.counter!r}; counters (counter: true) are needed")
    if spec.budgeting_method != "Occurrences":
        raise PlaybookError(f"{where}: budgetingMethod {spec.budgeting_method} is not supported by the burn-rate "
                            "backtest (it counts occurrences)")
    if not export:
        raise PlaybookError(f"{where}: the export holds no series")
    t0 = min(float(s.timestamps_s[0]) for s in export if len(s.timestamps_s))
    t1 = max(float(s.timestamps_s[-1]) for s in export if len(s.timestamps_s))
    start_s = float(start.timestamp()) if start is not None else np.floor(t0 / 60.0) * 60.0
    n = int(n_minutes) if n_minutes is not None else int(np.floor((t1 - start_s) / 60.0))
    if n <= 0:
        raise PlaybookError(f"{where}: the export covers less than one minute")
    total = _sum(export, spec.total_query, start_s, n, max_gap_min, where)
    num = _sum(export, spec.bad_query or spec.good_query, start_s, n, max_gap_min, where)
    bad = num.events if spec.bad_query else total.events - num.events
    clipped = int(((bad < 0) | (bad > total.events)).sum())
    bad = np.clip(bad, 0.0, total.events)
    report: dict[str, int | float] = {
        "series": total.series + num.series, "resets": total.resets + num.resets, "gaps": total.gaps + num.gaps,
        "holes": total.holes + num.holes, "dropped_events": total.dropped_events, "clipped_minutes": clipped}
    series = SliSeries(spec.name, region, spec.slo_target, spec.period_days,
                       pd.Timestamp(start_s, unit="s", tz="UTC"), bad, total.events)
    return series, report
