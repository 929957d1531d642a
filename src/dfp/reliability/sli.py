"""The platform's SLI history: per-minute good/total counts for every SLO and region.

=========================  ===================================================================
``SLI_START_MONTH``         story month the SLOs start (4: the Full platform era)
``SliMinutes``              the simulated minutes: counts per (SLO, region), latency buckets
``iter_sli_series``         the minutes as :class:`dfp.reliability.alerting.SliSeries`, one at a time
``sli_series``              the same as a list
``minute_frame``            one SLO's minutes as a frame (good, total), one region or all
``monthly_attainment``      per SLO, region and calendar month: good/total, objective, met
``latency_quantile_ms``     a latency quantile estimated from the bucket counts (histogram_quantile)
``api_views``               the API's minutes three ways: edge (the SLI), the service counter, probes
``gateway_failures``        the API Gateway failure episodes: minutes the edge saw 5xx the service did not
``spec_table``              the SLOs as a table (objective, budget, full-outage minutes, what counts as bad)
``latency_shares``          shares of events within each latency bucket, per region
``compliance``              months measured and met, and the worst month, per SLO and region
``daily_budget_remaining``  each SLO's rolling budget left at the end of each day, one region
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
* the API at the edge: the API availability SLI counts requests and 5xx at API Gateway (its
  CloudWatch ``Count`` and ``5XXError``), so a failure of the gateway itself (a few short episodes a
  year per region, drawn from a separate random stream) counts against the SLO; the service's own
  request counter, the SLI before, never saw those requests. Synthetic probes (one a minute from
  each of three locations per region) fail with the edge's bad ratio and catch an outage even when
  clients stop sending (:func:`api_views` shows both views of a minute range);
* incidents: every calendar incident with an SLI impact (INC-01..INC-04) raises the bad ratio of
  the SLOs it hit, in its regions, from ``impact_start`` to ``impact_end`` to the minute
  (:data:`dfp.generate.sli.INCIDENT_IMPACT`). INC-05 (a cost spike) and INC-06 (a security near miss) have no SLI
  impact by design: users saw nothing.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from dfp.core.errors import PlaybookError
from dfp.io.openslo import SloSpec
from dfp.reliability.alerting import SliSeries, episodes
from dfp.reliability.slo import rolling_budget_remaining

__all__ = [
    "SLI_START_MONTH",
    "SLOS",
    "SliMinutes",
    "api_views",
    "compliance",
    "daily_budget_remaining",
    "gateway_failures",
    "iter_sli_series",
    "latency_quantile_ms",
    "latency_shares",
    "minute_frame",
    "monthly_attainment",
    "sli_series",
    "spec_table",
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
        api_service: ``{region: (total, bad)}``: the API as the service's own request counter sees it.
            The API availability SLI in ``counts`` is measured at the edge (API Gateway's request
            count and 5xx, which include the requests the gateway itself failed); the service counter
            never sees those, so during a gateway failure its total drops and its ratio stays clean.
        probes: ``{region: (sent, failed)}``: synthetic probes of the public endpoint per minute.
    """

    start: pd.Timestamp
    n_minutes: int
    counts: dict[tuple[str, str], tuple[np.ndarray, np.ndarray]]
    latency: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]]
    api_service: dict[str, tuple[np.ndarray, np.ndarray]] = dataclasses.field(default_factory=dict)
    probes: dict[str, tuple[np.ndarray, np.ndarray]] = dataclasses.field(default_factory=dict)

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


def api_views(sim: SliMinutes, region: str, a: int = 0, b: int | None = None) -> pd.DataFrame:
    """The API's minutes ``[a, b)`` in one region, as each measurement sees them.

    Columns: ``edge_total``, ``edge_bad`` (API Gateway's count and 5xx: the SLI), ``service_total``,
    ``service_bad`` (the service's own counter: it never sees the requests the gateway failed),
    ``probes_sent``, ``probes_failed``, and the ratios ``edge_availability``,
    ``service_availability``, ``probe_availability`` (NaN in a minute with nothing counted).

    Raises:
        PlaybookError: the minutes hold no service or probe view for ``region``.
    """
    if region not in sim.api_service or region not in sim.probes:
        raise PlaybookError(f"api_views: no service counter or probes for region {region!r}; "
                            f"regions: {sorted(sim.api_service)}")
    end = sim.n_minutes if b is None else b
    if not 0 <= a <= end <= sim.n_minutes:
        raise PlaybookError(f"api_views: need 0 <= a <= b <= {sim.n_minutes}; got a={a}, b={end}")
    et, eb = sim.counts[("api-availability", region)]
    st, sb = sim.api_service[region]
    ps, pf = sim.probes[region]
    f = pd.DataFrame({"edge_total": et[a:end], "edge_bad": eb[a:end], "service_total": st[a:end],
                      "service_bad": sb[a:end], "probes_sent": ps[a:end], "probes_failed": pf[a:end]},
                     index=sim.index[a:end]).astype(np.int64)
    ratio = lambda bad, tot: 1.0 - f[bad] / f[tot].where(f[tot] > 0)  # noqa: E731
    return f.assign(edge_availability=ratio("edge_bad", "edge_total"),
                    service_availability=ratio("service_bad", "service_total"),
                    probe_availability=ratio("probes_failed", "probes_sent"))


def gateway_failures(sim: SliMinutes, region: str) -> pd.DataFrame:
    """API Gateway failure episodes in one region: runs of minutes in which the edge counted 5xx
    that the service's counter did not (requests the gateway itself failed).

    Returns:
        Frame: ``start``, ``end`` (UTC), ``minutes``, ``gateway_5xx`` (requests failed at the gateway),
        ``edge_availability`` and ``service_availability`` over the episode (fractions).
    """
    v = api_views(sim, region)
    gw = (v["edge_bad"] - v["service_bad"]).to_numpy()
    starts, ends = episodes(gw > 0)
    rows = []
    for s0, e0 in zip(starts, ends, strict=True):
        w = v.iloc[s0:e0]
        rows.append({"start": v.index[s0], "end": v.index[e0 - 1] + pd.Timedelta(minutes=1), "minutes": int(e0 - s0),
                     "gateway_5xx": int(gw[s0:e0].sum()),
                     "edge_availability": 1.0 - w["edge_bad"].sum() / w["edge_total"].sum(),
                     "service_availability": 1.0 - w["service_bad"].sum() / w["service_total"].sum()})
    return pd.DataFrame(rows, columns=["start", "end", "minutes", "gateway_5xx", "edge_availability",
                                       "service_availability"])


def spec_table(specs: Sequence[SloSpec], objectives: Mapping[str, float], period_days: float) -> pd.DataFrame:
    """The SLOs as a table: service, objective, budget share of events, full-outage minutes per period,
    and what each counts as bad. Index: SLO name; ``objectives`` overrides a spec's objective by name."""
    rows = []
    for s in specs:
        t = float(objectives.get(s.name, s.slo_target))
        rows.append({"slo": s.name, "service": s.service, "objective": t, "budget_share": 1.0 - t,
                     "outage_min_per_period": (1.0 - t) * period_days * 1440.0,
                     "bad_is": s.bad_query or ("total minus " + s.good_query)})
    return pd.DataFrame(rows).set_index("slo")


def latency_shares(latency_hourly: pd.DataFrame) -> pd.DataFrame:
    """Per region over the whole history: shares of events within 100, 300 and 500 ms and the worst
    hour's share within 500 ms (fractions), from ``sli_latency_hourly``."""
    sums = latency_hourly.groupby("region")[["total", "le_100ms", "le_300ms", "le_500ms"]].sum()
    worst = (latency_hourly["le_500ms"] / latency_hourly["total"]).groupby(latency_hourly["region"]).min()
    return pd.DataFrame({"within_100ms": sums["le_100ms"] / sums["total"], "within_300ms": sums["le_300ms"] / sums["total"],
                         "within_500ms": sums["le_500ms"] / sums["total"], "worst_hour_within_500ms": worst})


def compliance(monthly: pd.DataFrame) -> pd.DataFrame:
    """Per SLO and region (from :func:`monthly_attainment`): months measured, months met and the worst
    month's ratio (fraction)."""
    return monthly.groupby(["slo", "region"]).agg(months=("met", "size"), months_met=("met", "sum"),
                                                  worst_month=("ratio", "min"))


def daily_budget_remaining(sim: SliMinutes, specs: Sequence[SloSpec], objectives: Mapping[str, float],
                           period_days: float, region: str) -> pd.DataFrame:
    """Each SLO's share of budget left over the trailing period, sampled at the end of each day, from the
    first full period on (one column per SLO; ``dfp.reliability.slo.rolling_budget_remaining``)."""
    out = {}
    for s in specs:
        f = minute_frame(sim, s.name, region)
        r = rolling_budget_remaining(f["good"], f["total"], float(objectives.get(s.name, s.slo_target)), period_days)
        out[s.name] = r.iloc[1439::1440]
    df = pd.DataFrame(out)
    return df[df.index >= sim.start + pd.Timedelta(days=period_days)]
