"""The platform's SLI history: per-minute good/total counts for every SLO and region.

=========================  ===================================================================
``SLI_START_MONTH``         story month the SLOs start (4: the Full platform era)
``SliMinutes``              the simulated minutes: counts per (SLO, region), latency buckets
``iter_sli_series``         the minutes as :class:`dfp.reliability.alerting.SliSeries`, one at a time
``sli_series``              the same as a list
``minute_frame``            one SLO's minutes as a frame (good, total), one region or all
``monthly_attainment``      per SLO, region and calendar month: good/total, objective, met
``latency_quantile_ms``     a latency quantile estimated from the bucket counts (histogram_quantile)
=========================  ===================================================================

Storage choice: a year and eight months of minutes for five SLOs in two regions is about nine
million rows (hundreds of MB as CSV). ``data/`` holds the hourly roll-up (``sli_hourly.csv.gz``,
``sli_latency_hourly.csv.gz``); the minutes are regenerated deterministically from the seed at
load time (about two seconds), checked, and cached (:mod:`dfp.io.cache`) keyed on the content they
derive from (:mod:`dfp.generate.sli` holds the simulation and the loader).
The loader re-aggregates fresh minutes and compares them with the committed hourly
file, so the two cannot drift apart.

Model (all assumptions in this module, the traffic volume from ``traffic_hourly``):

* traffic: each region's events per minute are Poisson around its hour's events / 60, so the
  daily, weekly and peak-hour shape and the growth are those of the business data; API requests
  are events / ``mean_events_per_api_request`` plus read requests; deliveries one per event;
* baseline errors: a small bad ratio per SLO with day-to-day lognormal variation;
* latency: each minute's processing latency is lognormal whose median rises with the minute's
  load relative to the day's mean (the peak-hour effect); bucket counts ``le_100ms``,
  ``le_300ms``, ``le_500ms`` are drawn from it; the latency SLO's good events are ``le_500ms``;
* blips: short error bursts that are not incidents (a few per month per SLO and region), and
  slow burns (about one a quarter) that last days at a low burn rate: the noise alerting must
  ignore or ticket;
* incidents: every calendar incident with an SLI impact (INC-01..INC-04) raises the bad ratio of
  the SLOs it hit, in its regions, from ``impact_start`` to ``impact_end`` to the minute
  (:data:`dfp.generate.sli.INCIDENT_IMPACT`). INC-05 (a cost spike) and INC-06 (a security near miss) have no SLI
  impact by design: users saw nothing.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from dfp.core.errors import PlaybookError
from dfp.io.openslo import SloSpec
from dfp.reliability.alerting import SliSeries

__all__ = [
    "SLI_START_MONTH",
    "SLOS",
    "SliMinutes",
    "iter_sli_series",
    "latency_quantile_ms",
    "minute_frame",
    "monthly_attainment",
    "sli_series",
]

SLI_START_MONTH = 4
#: SLO names in the order the simulation draws them (must match ``data/slos``).
SLOS = ("api-availability", "processing-latency", "processing-success", "delivery-success", "delivery-freshness")

@dataclass(frozen=True)
class SliMinutes:
    """Simulated SLI minutes.

    Attributes:
        start: UTC start of minute 0 (the first day of month 4).
        n_minutes: number of minutes.
        counts: ``{(slo, region): (total, bad)}`` integer arrays per minute (int64 when simulated,
            int32 when read back from the disk cache; sums promote to int64).
        latency: ``{region: (total, le_100ms, le_300ms, le_500ms)}`` integer arrays per minute.
    """

    start: pd.Timestamp
    n_minutes: int
    counts: dict[tuple[str, str], tuple[np.ndarray, np.ndarray]]
    latency: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]]

    @functools.cached_property
    def index(self) -> pd.DatetimeIndex:
        """The minutes as a UTC DatetimeIndex (built once per object)."""
        return pd.date_range(self.start, periods=self.n_minutes, freq="min")

    @property
    def regions(self) -> tuple[str, ...]:
        return tuple(sorted({r for _, r in self.counts}))


def iter_sli_series(sim: SliMinutes, slos: Sequence[SloSpec]) -> Iterator[SliSeries]:
    """The minutes as :class:`dfp.reliability.alerting.SliSeries`, one per SLO spec and region, one at a time."""
    for spec in slos:
        for region in sim.regions:
            total, bad = sim.counts[(spec.name, region)]
            yield SliSeries(spec.name, region, spec.slo_target, spec.period_days, sim.start, bad, total)


def sli_series(sim: SliMinutes, slos: Sequence[SloSpec]) -> list[SliSeries]:
    """:func:`iter_sli_series` as a list (every series in memory at once)."""
    return list(iter_sli_series(sim, slos))


def minute_frame(sim: SliMinutes, slo: str, region: str | None = None) -> pd.DataFrame:
    """One SLO's minutes as a frame indexed by minute: ``good``, ``total`` (one region or summed)."""
    if slo not in SLOS:
        raise PlaybookError(f"unknown SLO {slo!r}; known: {list(SLOS)}")
    regions = sim.regions if region is None else (region,)
    if region is not None and region not in sim.regions:
        raise PlaybookError(f"unknown region {region!r}; known: {list(sim.regions)}")
    total = sum(sim.counts[(slo, r)][0] for r in regions)
    bad = sum(sim.counts[(slo, r)][1] for r in regions)
    return pd.DataFrame({"good": total - bad, "total": total}, index=sim.index)


def monthly_attainment(hourly: pd.DataFrame, objectives: Mapping[str, float]) -> pd.DataFrame:
    """Each SLO's attainment per region and calendar month, from the hourly roll-up.

    ``hourly`` is ``sli_hourly`` (``hour`` UTC, ``slo``, ``region``, ``good``, ``total``);
    ``objectives`` maps SLO name to its objective (fraction). ``ratio = sum(good) / sum(total)``
    over the month (event-weighted), ``met = ratio >= objective``. Index ``(slo, region, month)``
    (month a monthly period); columns ``good, total, ratio, objective, met``.

    >>> h = pd.DataFrame({"hour": pd.to_datetime(["2025-03-01 00:00", "2025-03-31 23:00"], utc=True),
    ...                   "slo": "api", "region": "r", "good": [999, 1000], "total": [1000, 1000]})
    >>> row = monthly_attainment(h, {"api": 0.999}).iloc[0]
    >>> float(row["ratio"]), bool(row["met"])
    (0.9995, True)
    """
    missing = sorted(set(hourly["slo"]) - set(objectives))
    if missing:
        raise PlaybookError(f"monthly_attainment: no objective for SLO(s) {missing}")
    month = hourly["hour"].dt.tz_localize(None).dt.to_period("M").rename("month")
    out = hourly.groupby([hourly["slo"], hourly["region"], month])[["good", "total"]].sum()
    out["ratio"] = out["good"] / out["total"]
    out["objective"] = out.index.get_level_values("slo").map(objectives).astype(float)
    out["met"] = out["ratio"] >= out["objective"]
    return out


LATENCY_BUCKETS_MS = (100.0, 300.0, 500.0)


def latency_quantile_ms(counts: Mapping[str, float], q: float) -> float:
    """A latency quantile (ms) from cumulative bucket counts, as Prometheus' ``histogram_quantile``.

    ``counts`` holds ``total`` and the cumulative ``le_100ms``, ``le_300ms``, ``le_500ms`` (a row of
    ``sli_latency_hourly`` or its sum). The quantile's rank ``q * total`` is located in the first
    bucket whose cumulative count reaches it and interpolated linearly inside that bucket (the first
    bucket starts at 0 ms). A rank beyond the last finite bucket returns ``inf`` (more than 500 ms;
    Prometheus would return the bucket's bound, which hides the breach).

    >>> latency_quantile_ms({"total": 100, "le_100ms": 60, "le_300ms": 95, "le_500ms": 99}, 0.5)
    83.33333333333333
    >>> latency_quantile_ms({"total": 100, "le_100ms": 60, "le_300ms": 95, "le_500ms": 99}, 0.995)
    inf
    """
    if not 0.0 < q < 1.0:
        raise PlaybookError(f"latency_quantile_ms: q must be in (0, 1); got {q!r}")
    total = float(counts["total"])
    if total <= 0:
        raise PlaybookError(f"latency_quantile_ms: total must be > 0; got {total!r}")
    rank = q * total
    lower_ms, below = 0.0, 0.0
    for bound in LATENCY_BUCKETS_MS:
        cum = float(counts[f"le_{bound:.0f}ms"])
        if cum < below:
            raise PlaybookError(f"latency_quantile_ms: bucket counts must be cumulative; le_{bound:.0f}ms={cum}")
        if cum >= rank:
            return lower_ms + (bound - lower_ms) * (rank - below) / (cum - below)
        lower_ms, below = bound, cum
    return float("inf")
