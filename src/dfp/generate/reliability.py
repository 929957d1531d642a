"""Generate the reliability datasets: hourly SLI counts, latency buckets, the incident event log.

* **SLI minutes** (``dfp.generate.sli.simulate``): per-minute good/total counts for the five SLOs in
  ``data/slos`` and each live region, from month 4 (2025-03-01, when SLOs start) to 2026-10-31.
  Traffic follows ``traffic_hourly`` (so the daily, weekly and peak-hour shape and the growth match
  the business data), with Poisson noise, a small baseline error ratio, short error blips and
  multi-day slow burns that are not incidents, a load-dependent lognormal processing latency, and
  each incident raising the bad ratio of the SLOs it hit (its record's ``sli_impact`` in
  ``system.yml``), in its regions, exactly from ``impact_start`` to ``impact_end``. INC-05 (cost
  spike) and INC-06 (security near miss) have no SLI impact: users saw nothing, and the SLIs show nothing.
* **What is committed**: the minutes are about nine million rows; ``data/`` holds only their hourly
  roll-ups (``sli_hourly.csv.gz``, ``sli_latency_hourly.csv.gz``). ``dfp.generate.sli.load_minutes()``
  regenerates the minutes from the seed at load time (about two seconds), caches them for the
  process, and checks that they still roll up to the committed hourly file.
* **Incident event log** (``incident_events.csv``): written from the incident record
  (:func:`dfp.reliability.incidents.event_log_frame`), nothing drawn. The record's ``detected`` of an
  incident users saw must be the first page the production alert policy
  (``data/reliability/alert-policies.yaml``, the one marked ``production``) sends in the incident's
  regions during its impact window, replayed on these SLI minutes: generation stops, naming the
  replayed page, when they disagree.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from dfp.core.errors import PlaybookError
from dfp.generate.sli import simulate, to_hourly
from dfp.io.data import load
from dfp.io.openslo import load_slos
from dfp.io.system import System
from dfp.reliability.alerting import alert_episodes, load_policies, notifications
from dfp.reliability.incidents import event_log_frame, incident_records
from dfp.reliability.sli import sli_series

__all__ = ["first_pages", "generate"]

_FMT = "%Y-%m-%dT%H:%M:%SZ"


def first_pages(system: System, sim: object) -> dict[str, tuple[pd.Timestamp, str]]:
    """Incident id -> (first page of the production policy in its regions and impact window, its source text)."""
    policy = next(p for p in load_policies() if p.production)
    notes = notifications(alert_episodes(policy, sli_series(sim, load_slos())))  # type: ignore[arg-type]
    pages = notes[notes["severity"] == "page"]
    out = {}
    for rec in incident_records(system):
        if not rec.sli_impact:
            continue
        hit = pages[pages["region"].isin(rec.regions) & (pages["start"] >= rec.impact_start)
                    & (pages["start"] < rec.mitigated_at)]
        if hit.empty:
            raise PlaybookError(f"{rec.id}: the production alert policy never paged during the impact window")
        first = hit.sort_values("start", kind="stable").iloc[0]
        out[rec.id] = (first["start"], f"page: {first['slos'].replace(',', ' + ')} burn rate ({first['region']})")
    return out


def _checked_log(system: System, sim: object) -> pd.DataFrame:
    pages = first_pages(system, sim)
    for rec in incident_records(system):
        if rec.id in pages and (rec.detected_at, rec.detected_how) != pages[rec.id]:
            at, how = pages[rec.id]
            raise PlaybookError(f"system.yml: incidents.{rec.id}.detected is {rec.detected_at:%Y-%m-%dT%H:%MZ} "
                                f"({rec.detected_how!r}); the replayed production policy first paged at "
                                f"{at:%Y-%m-%dT%H:%MZ} ({how!r})")
    return event_log_frame(system)


def generate(system: System, rng: np.random.Generator) -> dict[str, pd.DataFrame]:
    """Generate the reliability datasets; returns ``{filename: frame}`` ready to write."""

    sim = simulate(system, load("traffic_hourly"), rng)
    sli, lat = to_hourly(sim)
    return {
        "sli_hourly.csv.gz": sli.assign(hour=pd.DatetimeIndex(sli["hour"]).strftime(_FMT)),
        "sli_latency_hourly.csv.gz": lat.assign(hour=pd.DatetimeIndex(lat["hour"]).strftime(_FMT)),
        "incident_events.csv": _checked_log(system, sim),
    }
