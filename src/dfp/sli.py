"""The platform's SLI history: per-minute good/total counts for every SLO and region.

=========================  ===================================================================
``SLI_START_MONTH``         story month the SLOs start (4: the Full platform era)
``INCIDENT_IMPACT``         how each calendar incident shows in each SLI (generator assumptions)
``SliMinutes``              the simulated minutes: counts per (SLO, region), latency buckets
``simulate``                the seeded simulation (used by the generator and by the loader)
``load_minutes``            the minutes, regenerated from the seed, checked against the committed
                            hourly file ``sli_hourly.csv.gz`` and cached (in-process and on disk)
``to_hourly``               hourly roll-ups written to ``data/`` (what is committed)
``sli_series``              the minutes as :class:`dfp.alerting.SliSeries` for the backtest
``minute_frame``            one SLO's minutes as a frame (good, total), one region or all
``monthly_attainment``      per SLO, region and calendar month: good/total, objective, met
``latency_quantile_ms``     a latency quantile estimated from the bucket counts (histogram_quantile)
=========================  ===================================================================

Storage choice: a year and eight months of minutes for five SLOs in two regions is about nine
million rows (hundreds of MB as CSV). ``data/`` holds the hourly roll-up (``sli_hourly.csv.gz``,
``sli_latency_hourly.csv.gz``); the minutes are regenerated deterministically from the seed at
load time (about two seconds), checked, and cached in ``_build/cache/sli`` keyed on the content they
derive from. The loader re-aggregates fresh minutes and compares them with the committed hourly
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
  (:data:`INCIDENT_IMPACT`). INC-05 (a cost spike) and INC-06 (a security near miss) have no SLI
  impact by design: users saw nothing.
"""

from __future__ import annotations

import functools
import hashlib
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.special import ndtr

from dfp.errors import PlaybookError
from dfp.system import System, data_dir, load_system, repo_root

__all__ = [
    "INCIDENT_IMPACT",
    "SLI_START_MONTH",
    "SLOS",
    "SliMinutes",
    "latency_quantile_ms",
    "load_minutes",
    "minute_frame",
    "monthly_attainment",
    "simulate",
    "sli_series",
    "to_hourly",
]

SLI_START_MONTH = 4
#: SLO names in the order the simulation draws them (must match ``data/slos``).
SLOS = ("api-availability", "processing-latency", "processing-success", "delivery-success", "delivery-freshness")
#: Baseline bad ratio per SLO (fraction of events); latency and freshness come from their models.
_BASE_BAD = {"api-availability": 0.00008, "processing-success": 0.00015, "delivery-success": 0.00012,
             "delivery-freshness": 0.0015}
#: Allowed bad ratio of each SLO: blips and slow burns are drawn as multiples of it.
_BUDGET = {"api-availability": 0.0005, "processing-latency": 0.01, "processing-success": 0.001,
           "delivery-success": 0.001, "delivery-freshness": 0.01}
_LAT_MEDIAN_MS, _LAT_SIGMA, _LAT_LOAD = 52.0, 0.75, 0.3
_BLIPS_PER_MONTH, _SLOW_BURNS_PER_QUARTER = 3.0, 1.0

#: Incident -> SLO -> impact during the impact window. A number is the bad ratio; for the latency
#: SLO it is the factor on the median processing latency.
INCIDENT_IMPACT: dict[str, dict[str, float]] = {
    "INC-01": {"processing-latency": 8.0, "api-availability": 0.004, "delivery-freshness": 0.09},
    "INC-02": {"api-availability": 0.15, "processing-latency": 3.0, "processing-success": 0.012,
               "delivery-success": 0.004, "delivery-freshness": 0.25},
    "INC-03": {"processing-success": 0.22},
    "INC-04": {"delivery-success": 0.035, "delivery-freshness": 0.45},
}
_RAMP_MIN = 3  # minutes from first impact to full severity


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


def _minute_rate(traffic_hourly: pd.DataFrame, start: pd.Timestamp, n_hours: int) -> dict[str, np.ndarray]:
    hours = pd.date_range(start, periods=n_hours, freq="h")
    out = {}
    for region in sorted(traffic_hourly["region"].unique()):
        ev = traffic_hourly[traffic_hourly["region"] == region].set_index("hour")["events"]
        per_hour = ev.reindex(hours, fill_value=0).to_numpy(dtype=float)
        out[str(region)] = np.repeat(per_hour / 60.0, 60)
    return out


def _episodes(rng: np.random.Generator, n: int, rate_per_min: float, dur_median: float, dur_sigma: float,
              dur_max: int) -> list[tuple[int, int]]:
    k = int(rng.poisson(rate_per_min * n))
    starts = np.sort(rng.integers(0, n, k))
    durs = np.clip(np.round(rng.lognormal(np.log(dur_median), dur_sigma, k)), 1, dur_max).astype(int)
    return [(int(s), int(min(s + d, n))) for s, d in zip(starts, durs, strict=True)]


def simulate(system: System, traffic_hourly: pd.DataFrame, rng: np.random.Generator) -> SliMinutes:
    """Simulate every SLI minute from month 4 to the end of the story (see the module docstring).

    Deterministic for a given ``system``, traffic and random stream; the draw order is fixed
    (regions sorted, then :data:`SLOS` in order).
    """
    start = system.month_start(SLI_START_MONTH)
    n_hours = int((system.end - start) / pd.Timedelta(hours=1))
    n = n_hours * 60
    s = system.sample
    api_per_event = 1.0 / float(s["mean_events_per_api_request"]) + float(s["read_requests_per_million_events"]) / 1e6
    rates = _minute_rate(traffic_hourly, start, n_hours)
    counts: dict[tuple[str, str], tuple[np.ndarray, np.ndarray]] = {}
    latency: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = {}
    inc_windows = {}
    for inc in system.incidents:
        if inc.id in INCIDENT_IMPACT:
            a = int((inc.impact_start - start) / pd.Timedelta(minutes=1))
            b = int((inc.impact_end - start) / pd.Timedelta(minutes=1))
            if not 0 <= a < b <= n:
                raise PlaybookError(f"sli.simulate: incident {inc.id} lies outside the SLI period")
            inc_windows[inc.id] = (a, b, inc.regions)
    for region in sorted(rates):
        lam = rates[region]
        daily_mean = np.repeat(lam.reshape(-1, 1440).mean(axis=1), 1440)
        load = np.divide(lam, daily_mean, out=np.ones(n), where=daily_mean > 0)
        events = rng.poisson(lam)
        for slo in SLOS:
            budget = _BUDGET[slo]
            # bad-ratio multiplier from blips and slow burns (multiples of the budget)
            extra = np.zeros(n)
            for a, b in _episodes(rng, n, _BLIPS_PER_MONTH / (30 * 1440), 4.0, 0.9, 120):
                extra[a:b] = np.maximum(extra[a:b], budget * float(rng.lognormal(np.log(6.0), 0.9)))
            for a, b in _episodes(rng, n, _SLOW_BURNS_PER_QUARTER / (91 * 1440), 1.5 * 1440, 0.4, 3 * 1440):
                extra[a:b] = np.maximum(extra[a:b], budget * float(rng.uniform(1.2, 2.5)))
            daily = np.repeat(rng.lognormal(0.0, 0.35, n // 1440), 1440)[: n]
            impact = np.zeros(n)
            lat_factor = np.ones(n)
            for inc_id, (a, b, regions) in inc_windows.items():
                value = INCIDENT_IMPACT[inc_id].get(slo)
                if value is None or region not in regions:
                    continue
                ramp = np.minimum((np.arange(b - a) + 1) / _RAMP_MIN, 1.0)
                if slo == "processing-latency":
                    lat_factor[a:b] = 1.0 + (value - 1.0) * ramp
                else:
                    impact[a:b] = np.maximum(impact[a:b], value * ramp)
            if slo == "api-availability":
                total = rng.poisson(lam * api_per_event)
            elif slo in ("processing-latency", "processing-success"):
                total = events
            elif slo == "delivery-success":
                total = rng.poisson(lam)
            else:  # delivery-freshness: the deliveries that succeeded
                d_total, d_bad = counts[("delivery-success", region)]
                total = d_total - d_bad
            if slo == "processing-latency":
                median = _LAT_MEDIAN_MS * (1.0 + _LAT_LOAD * (load - 1.0)) * lat_factor * np.sqrt(daily)
                log_med = np.log(median)
                f100, f300, f500 = (ndtr((np.log(ms) - log_med) / _LAT_SIGMA) for ms in (100.0, 300.0, 500.0))
                f500 = np.minimum(f500, 1.0 - extra)  # blips: slow batches beyond 500 ms
                f300 = np.minimum(f300, f500)
                f100 = np.minimum(f100, f300)
                le100 = rng.binomial(total, f100)
                le300 = le100 + rng.binomial(total - le100, np.divide(f300 - f100, 1 - f100, out=np.zeros(n),
                                                                         where=f100 < 1))
                le500 = le300 + rng.binomial(total - le300, np.divide(f500 - f300, 1 - f300, out=np.zeros(n),
                                                                         where=f300 < 1))
                latency[region] = (total, le100, le300, le500)
                bad = total - le500
            else:
                p = np.clip(np.maximum(_BASE_BAD[slo] * daily + extra, impact), 0.0, 1.0)
                bad = rng.binomial(total, p)
            counts[(slo, region)] = (total.astype(np.int64), np.asarray(bad, dtype=np.int64))
    return SliMinutes(start, n, counts, latency)


def to_hourly(sim: SliMinutes) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Hourly roll-ups: ``(sli_hourly, sli_latency_hourly)`` frames (timestamps as pandas UTC)."""
    hours = pd.date_range(sim.start, periods=sim.n_minutes // 60, freq="h")
    rows = []
    for (slo, region), (total, bad) in sorted(sim.counts.items()):
        t = total.reshape(-1, 60).sum(axis=1)
        b = bad.reshape(-1, 60).sum(axis=1)
        keep = t > 0
        rows.append(pd.DataFrame({"hour": hours[keep], "slo": slo, "region": region, "total": t[keep],
                                  "good": (t - b)[keep]}))
    sli = pd.concat(rows, ignore_index=True).sort_values(["hour", "slo", "region"], kind="stable")
    lat_rows = []
    for region, arrays in sorted(sim.latency.items()):
        t, l1, l3, l5 = (a.reshape(-1, 60).sum(axis=1) for a in arrays)
        keep = t > 0
        lat_rows.append(pd.DataFrame({"hour": hours[keep], "region": region, "total": t[keep],
                                      "le_100ms": l1[keep], "le_300ms": l3[keep], "le_500ms": l5[keep]}))
    lat = pd.concat(lat_rows, ignore_index=True).sort_values(["hour", "region"], kind="stable")
    return sli.reset_index(drop=True), lat.reset_index(drop=True)


def _cache_path() -> Path:
    digest = hashlib.sha256()
    for f in ("sli_hourly.csv.gz", "traffic_hourly.csv.gz", "system.yml"):
        digest.update((data_dir() / f).read_bytes())
    digest.update(Path(__file__).read_bytes())
    digest.update(np.__version__.encode("utf-8"))
    return repo_root() / "_build" / "cache" / "sli" / f"minutes-{digest.hexdigest()[:20]}.npz"


def _save(sim: SliMinutes, path: Path) -> None:
    arrays: dict[str, np.ndarray] = {}
    for (slo, region), (total, bad) in sim.counts.items():
        arrays[f"c|{slo}|{region}|total"] = total.astype(np.int32)
        arrays[f"c|{slo}|{region}|bad"] = bad.astype(np.int32)
    for region, four in sim.latency.items():
        for name, a in zip(("total", "le100", "le300", "le500"), four, strict=True):
            arrays[f"l|{region}|{name}"] = a.astype(np.int32)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f"{path.stem}.{os.getpid()}.tmp.npz")
        np.savez(tmp, **arrays)
        tmp.replace(path)
        for old in path.parent.glob("minutes-*.npz"):  # one content version is enough (about 100 MB)
            if old != path:
                old.unlink(missing_ok=True)
    except OSError:  # a read-only checkout still loads, only slower
        pass


def _read(path: Path, start: pd.Timestamp) -> SliMinutes:
    with np.load(path) as z:
        counts: dict[tuple[str, str], tuple[np.ndarray, np.ndarray]] = {}
        latency: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = {}
        for key in z.files:
            parts = key.split("|")
            if parts[0] == "c" and parts[3] == "total":
                counts[(parts[1], parts[2])] = (z[key], z[f"c|{parts[1]}|{parts[2]}|bad"])
            elif parts[0] == "l" and parts[2] == "total":
                latency[parts[1]] = tuple(z[f"l|{parts[1]}|{n}"]  # type: ignore[assignment]
                                          for n in ("total", "le100", "le300", "le500"))
    n = len(next(iter(counts.values()))[0])
    regions = sorted({r for _, r in counts})
    ordered = {(slo, r): counts[(slo, r)] for r in regions for slo in SLOS}  # the simulation's order
    return SliMinutes(start, n, ordered, {r: latency[r] for r in sorted(latency)})


@functools.lru_cache(maxsize=1)
def load_minutes(cache: bool = True) -> SliMinutes:
    """The SLI minutes, regenerated from the seed and checked against ``data/sli_hourly.csv.gz``.

    The check passes once per content: the verified minutes are cached under ``_build/cache/sli``
    keyed on the SHA-256 of the committed hourly file, the traffic, ``system.yml`` and this module,
    so a later load reads them back (about a tenth of a second) and any change regenerates them.

    Raises:
        PlaybookError: when the committed hourly file no longer matches the regenerated minutes
            (``system.yml``, the traffic or this model changed without ``./run generate``).
    """
    from dfp.data import load
    from dfp.generate import rng_for

    system = load_system()
    path = _cache_path() if cache else None
    if path is not None and path.is_file():
        return _read(path, system.month_start(SLI_START_MONTH))
    sim = simulate(system, load("traffic_hourly"), rng_for(system, "reliability"))
    committed = load("sli_hourly")
    fresh, _ = to_hourly(sim)
    same = (len(committed) == len(fresh)
            and (committed["total"].to_numpy() == fresh["total"].to_numpy()).all()
            and (committed["good"].to_numpy() == fresh["good"].to_numpy()).all())
    if not same:
        raise PlaybookError("sli_hourly.csv.gz does not match the SLI minutes regenerated from the seed; "
                            "run ./run generate")
    if path is not None:
        _save(sim, path)
    return sim


def sli_series(sim: SliMinutes, slos: Sequence[object]) -> list:
    """The minutes as :class:`dfp.alerting.SliSeries`, one per SLO spec and region, for the backtest."""
    from dfp.alerting import SliSeries

    out = []
    for spec in slos:
        for region in sim.regions:
            total, bad = sim.counts[(spec.name, region)]  # type: ignore[attr-defined]
            out.append(SliSeries(spec.name, region, spec.slo_target, spec.window_days,  # type: ignore[attr-defined]
                                 sim.start, bad, total))
    return out


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
