"""Generate the reliability datasets: hourly SLI counts, latency buckets, the incident event log.

* **SLI minutes** (``dfp.generate.sli.simulate``): per-minute good/total counts for the five SLOs in
  ``data/slos`` and each live region, from month 4 (2025-03-01, when SLOs start) to 2026-10-31.
  Traffic follows ``traffic_hourly`` (so the daily, weekly and peak-hour shape and the growth match
  the business data), with Poisson noise, a small baseline error ratio, short error blips and
  multi-day slow burns that are not incidents, a load-dependent lognormal processing latency, and
  each calendar incident raising the bad ratio of the SLOs it hit, in its regions, exactly from
  ``impact_start`` to ``impact_end``: INC-01 processing latency in us-east-1 (plus a little API
  throttling and delivery lag), INC-02 API availability in us-east-1 (with processing, delivery
  and latency damage), INC-03 processing errors in both regions, INC-04 delivery success and
  freshness in us-east-1. INC-05 (cost spike) and INC-06 (security near miss) have no SLI impact:
  users saw nothing, and the SLIs show nothing.
* **What is committed**: the minutes are about nine million rows; ``data/`` holds only their hourly
  roll-ups (``sli_hourly.csv.gz``, ``sli_latency_hourly.csv.gz``). ``dfp.generate.sli.load_minutes()``
  regenerates the minutes from the seed at load time (about two seconds), caches them for the
  process, and checks that they still roll up to the committed hourly file.
* **Incident event log**: ``detected`` is the first page the production alert policy
  (``data/reliability/alert-policies.yaml``, the one marked ``production``) sends in the incident's
  regions during its impact window, replayed on the SLI minutes; INC-05 is found at the next
  weekly cost review (Monday 15:00 UTC) and INC-06 at the access review the day before the fix.
  ``acknowledged`` adds a lognormal delay (median 3 min in US working hours, 12 min outside them:
  the team has no on-call rotation); ``mitigated`` is the calendar's ``impact_end``; ``resolved``
  adds the clean-up time (median 90 min; days for INC-05 and INC-06).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from dfp.generate.sli import INCIDENT_IMPACT, simulate, to_hourly
from dfp.io.data import load
from dfp.io.openslo import load_slos
from dfp.io.system import Incident, System
from dfp.reliability.alerting import alert_episodes, load_policies, notifications
from dfp.reliability.sli import sli_series

__all__ = ["generate"]

_FMT = "%Y-%m-%dT%H:%M:%SZ"


def _working_hours(ts: pd.Timestamp) -> bool:
    return ts.day_of_week < 5 and 13 <= ts.hour < 22  # 08:00-17:00 US Eastern in UTC


def _event_log(system: System, sim: object, rng: np.random.Generator) -> pd.DataFrame:

    policy = next(p for p in load_policies() if p.production)
    notes = notifications(alert_episodes(policy, sli_series(sim, load_slos())))  # type: ignore[arg-type]
    pages = notes[notes["severity"] == "page"]
    rows = []
    for inc in system.incidents:
        detected, source = _detection(inc, pages, inc.id in INCIDENT_IMPACT)
        ack_median = 3.0 if _working_hours(detected) else 12.0
        ack = detected + pd.Timedelta(minutes=int(np.ceil(rng.lognormal(np.log(ack_median), 0.5))))
        if inc.id in INCIDENT_IMPACT:
            cleanup = pd.Timedelta(minutes=5 * int(np.ceil(rng.lognormal(np.log(90.0), 0.4) / 5)))
        else:
            cleanup = pd.Timedelta(days=int(rng.integers(1, 4)))
        rows.append({
            "incident_id": inc.id,
            "severity": inc.severity,
            "regions": ";".join(inc.regions),
            "services": ";".join(inc.services),
            "impact_start": inc.impact_start.strftime(_FMT),
            "detected": detected.strftime(_FMT),
            "detection_source": source,
            "acknowledged": min(ack, inc.impact_end).strftime(_FMT),
            "mitigated": inc.impact_end.strftime(_FMT),
            "resolved": (inc.impact_end + cleanup).strftime(_FMT),
            "sli_impact": "true" if inc.id in INCIDENT_IMPACT else "false",
        })
    return pd.DataFrame(rows)


def _detection(inc: Incident, pages: pd.DataFrame, sli_impact: bool) -> tuple[pd.Timestamp, str]:
    if sli_impact:
        hit = pages[pages["region"].isin(inc.regions) & (pages["start"] >= inc.impact_start)
                    & (pages["start"] < inc.impact_end)]
        if hit.empty:
            raise ValueError(f"{inc.id}: the production policy never paged during the impact window")
        first = hit.sort_values("start", kind="stable").iloc[0]
        return first["start"], f"page: {first['slos'].replace(',', ' + ')} burn rate ({first['region']})"
    if inc.kind == "cost":
        day = (inc.impact_start + pd.Timedelta(days=1)).normalize()
        monday = day + pd.Timedelta(days=(7 - day.day_of_week) % 7)
        return monday + pd.Timedelta(hours=15), "weekly cost review (bill by service and AZ)"
    review = (inc.impact_end - pd.Timedelta(days=1)).normalize() + pd.Timedelta(hours=14)
    return review, "quarterly access review (IAM policy audit)"


def generate(system: System, rng: np.random.Generator) -> dict[str, pd.DataFrame]:
    """Generate the reliability datasets; returns ``{filename: frame}`` ready to write."""

    sim = simulate(system, load("traffic_hourly"), rng)
    sli, lat = to_hourly(sim)
    events = _event_log(system, sim, rng)
    return {
        "sli_hourly.csv.gz": sli.assign(hour=pd.DatetimeIndex(sli["hour"]).strftime(_FMT)),
        "sli_latency_hourly.csv.gz": lat.assign(hour=pd.DatetimeIndex(lat["hour"]).strftime(_FMT)),
        "incident_events.csv": events,
    }
