"""The seeded per-minute SLI simulation behind ``sli_hourly.csv.gz`` (the generator's model).

=========================  ===================================================================
``INCIDENT_IMPACT``         how each calendar incident shows in each SLI (generator assumptions)
``simulate``                the seeded simulation (used by the generator and by the loader)
``to_hourly``               hourly roll-ups written to ``data/`` (what is committed)
``load_minutes``            the minutes, regenerated from the seed, checked against the committed
                            hourly file ``sli_hourly.csv.gz`` and cached (in-process and on disk)
=========================  ===================================================================

The model's assumptions are described in :mod:`dfp.reliability.sli`, which holds the analysis of
the minutes (:class:`~dfp.reliability.sli.SliMinutes`).
"""

from __future__ import annotations

import functools
from collections.abc import Iterator, Mapping
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.special import ndtr

from dfp.core.errors import PlaybookError
from dfp.core.paths import data_dir
from dfp.generate.seed import rng_for
from dfp.io.cache import cached, content_key
from dfp.io.data import load
from dfp.io.system import System, load_system
from dfp.reliability.incidents import incident_records
from dfp.reliability.sli import SLI_START_MONTH, SLOS, SliMinutes

__all__ = ["INCIDENT_IMPACT", "RAMP_MIN", "load_minutes", "read_minutes", "save_minutes", "simulate", "to_hourly"]

_BASE_BAD = {"api-availability": 0.00008, "processing-success": 0.00015, "delivery-success": 0.00012,
             "delivery-freshness": 0.0015}
#: Allowed bad ratio of each SLO: blips and slow burns are drawn as multiples of it.
_BUDGET = {"api-availability": 0.0005, "processing-latency": 0.01, "processing-success": 0.001,
           "delivery-success": 0.001, "delivery-freshness": 0.01}
_LAT_MEDIAN_MS, _LAT_SIGMA, _LAT_LOAD = 52.0, 0.75, 0.3
_BLIPS_PER_MONTH, _SLOW_BURNS_PER_QUARTER = 3.0, 1.0
#: API Gateway's own failures (illustrative): episodes a year per region, their length (lognormal median,
#: sigma, cap in minutes) and the share of requests the gateway fails during one. Drawn from their own
#: random stream (``rng_for(system, "sli-edge")``), so the service-side minutes stay as they were.
_GATEWAY_FAILURES_PER_YEAR = 4.0
_GATEWAY_FAIL_MIN = (6.0, 0.6, 45)
_GATEWAY_FAIL_SHARE = (0.05, 0.6)
_PROBES_PER_MIN = 3  # synthetic probes of the public endpoint: one a minute from each of three locations

class _ImpactFromRecord(Mapping[str, Mapping[str, float]]):
    """Incident -> SLO -> impact during the impact window, read from the incident record
    (``system.yml`` ``incidents[].sli_impact``) at first use. A number is the bad ratio; for the latency
    SLO it is the factor on the median processing latency. Incidents users did not see are absent."""

    def _table(self) -> dict[str, Mapping[str, float]]:
        return {r.id: r.sli_impact for r in incident_records(load_system()) if r.sli_impact}

    def __getitem__(self, key: str) -> Mapping[str, float]:
        return self._table()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._table())

    def __len__(self) -> int:
        return len(self._table())


#: Incident -> SLO -> impact (see :class:`_ImpactFromRecord`); the record in ``system.yml`` is its one home.
INCIDENT_IMPACT: Mapping[str, Mapping[str, float]] = _ImpactFromRecord()
RAMP_MIN = 3  # minutes from first impact to full severity



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
    api_service: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    probes: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    edge_rng = rng_for(system, "sli-edge")
    inc_windows = {}
    impacts = {r.id: r.sli_impact for r in incident_records(system) if r.sli_impact}
    for inc in system.incidents:
        if inc.id in impacts:
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
                value = impacts[inc_id].get(slo)
                if value is None or region not in regions:
                    continue
                ramp = np.minimum((np.arange(b - a) + 1) / RAMP_MIN, 1.0)
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
            if slo == "api-availability":
                bad, api_service[region], probes[region] = _edge(edge_rng, total, np.asarray(bad), lam > 0)
            counts[(slo, region)] = (total.astype(np.int64), np.asarray(bad, dtype=np.int64))
    return SliMinutes(start, n, counts, latency, api_service, probes)


def _edge(rng: np.random.Generator, total: np.ndarray, service_bad: np.ndarray, live: np.ndarray,
          ) -> tuple[np.ndarray, tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """The API at the edge: the gateway fails a share of the requests the service did not fail.

    Returns ``(edge_bad, (service_total, service_bad), (probes_sent, probes_failed))``: the edge counts
    every request (``total``) and every 5xx; the service counter misses the requests the gateway failed.
    """
    n = len(total)
    share = np.zeros(n)
    med, sigma, cap = _GATEWAY_FAIL_MIN
    for a, b in _episodes(rng, n, _GATEWAY_FAILURES_PER_YEAR / (365 * 1440), med, sigma, cap):
        share[a:b] = np.maximum(share[a:b], float(rng.uniform(*_GATEWAY_FAIL_SHARE)))
    gateway_bad = rng.binomial(total - service_bad, share)
    edge_bad = service_bad + gateway_bad
    sent = np.where(live, _PROBES_PER_MIN, 0)
    p_edge = np.divide(edge_bad, total, out=share.copy(), where=total > 0)
    failed = rng.binomial(sent, np.clip(p_edge, 0.0, 1.0))
    as_int = lambda a: np.asarray(a, dtype=np.int64)  # noqa: E731
    return as_int(edge_bad), (as_int(total - gateway_bad), as_int(service_bad)), (as_int(sent), as_int(failed))


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


def _cache_key() -> str:
    d = data_dir()
    return content_key(d / "sli_hourly.csv.gz", d / "traffic_hourly.csv.gz", d / "system.yml",
                       Path(__file__), np.__version__)


def save_minutes(sim: SliMinutes, path: Path) -> None:
    """Write the minutes to ``path`` (an ``.npz`` archive of int32 arrays)."""
    arrays: dict[str, np.ndarray] = {}
    for (slo, region), (total, bad) in sim.counts.items():
        arrays[f"c|{slo}|{region}|total"] = total.astype(np.int32)
        arrays[f"c|{slo}|{region}|bad"] = bad.astype(np.int32)
    for region, four in sim.latency.items():
        for name, a in zip(("total", "le100", "le300", "le500"), four, strict=True):
            arrays[f"l|{region}|{name}"] = a.astype(np.int32)
    for kind, views in (("s", sim.api_service), ("p", sim.probes)):
        for region, (x, y) in views.items():
            arrays[f"{kind}|{region}|0"], arrays[f"{kind}|{region}|1"] = x.astype(np.int32), y.astype(np.int32)
    np.savez(path, allow_pickle=False, **arrays)


def read_minutes(path: Path, start: pd.Timestamp) -> SliMinutes:
    """The minutes written by :func:`save_minutes`, starting at ``start``."""
    with np.load(path) as z:
        counts: dict[tuple[str, str], tuple[np.ndarray, np.ndarray]] = {}
        latency: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = {}
        for key in z.files:
            parts = key.split("|")
            if parts[0] == "c" and parts[3] == "total":
                counts[(parts[1], parts[2])] = (z[key], z[f"c|{parts[1]}|{parts[2]}|bad"])
            elif parts[0] == "l" and parts[2] == "total":
                latency[parts[1]] = tuple(z[f"l|{parts[1]}|{n}"]
                                          for n in ("total", "le100", "le300", "le500"))
        views: dict[str, dict[str, tuple[np.ndarray, np.ndarray]]] = {"s": {}, "p": {}}
        for key in z.files:
            parts = key.split("|")
            if parts[0] in views and parts[2] == "0":
                views[parts[0]][parts[1]] = (z[key], z[f"{parts[0]}|{parts[1]}|1"])
    n = len(next(iter(counts.values()))[0])
    regions = sorted({r for _, r in counts})
    ordered = {(slo, r): counts[(slo, r)] for r in regions for slo in SLOS}  # the simulation's order
    return SliMinutes(start, n, ordered, {r: latency[r] for r in sorted(latency)},
                      {r: views["s"][r] for r in sorted(views["s"])}, {r: views["p"][r] for r in sorted(views["p"])})


@functools.lru_cache(maxsize=1)
def load_minutes(cache: bool = True) -> SliMinutes:
    """The SLI minutes, regenerated from the seed and checked against ``data/sli_hourly.csv.gz``.

    The check passes once per content: the verified minutes are cached (:mod:`dfp.io.cache`, kind
    ``sli-minutes``, one version kept: about 100 MB) keyed on the SHA-256 of the committed hourly
    file, the traffic, ``system.yml``, this module and numpy's version, so a later load reads them
    back (about a tenth of a second) and any change regenerates them.

    Raises:
        PlaybookError: when the committed hourly file no longer matches the regenerated minutes
            (``system.yml``, the traffic or this model changed without ``./run generate``).
    """
    system = load_system()
    start = system.month_start(SLI_START_MONTH)
    if not cache:
        return _verified_minutes(system)
    return cached("sli-minutes", _cache_key(), ".npz", lambda: _verified_minutes(system),
                  lambda p: read_minutes(p, start), save_minutes, keep_others=False)


def _verified_minutes(system: System) -> SliMinutes:
    sim = simulate(system, load("traffic_hourly"), rng_for(system, "reliability"))
    committed = load("sli_hourly")
    fresh, _ = to_hourly(sim)
    same = (len(committed) == len(fresh)
            and (committed["total"].to_numpy() == fresh["total"].to_numpy()).all()
            and (committed["good"].to_numpy() == fresh["good"].to_numpy()).all())
    if not same:
        raise PlaybookError("sli_hourly.csv.gz does not match the SLI minutes regenerated from the seed; "
                            "run ./run generate")
    return sim


