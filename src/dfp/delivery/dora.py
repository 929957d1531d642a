"""The four DORA metrics of DataFlow Platform's change log, per month and per era.

===============================  ====================================================================
``change_deploys``               production deployments that shipped at least one commit (a "change")
``lead_times_h``                 lead time for changes of every shipped commit, in hours
``restore_times``                per failed change: time to restore and rollback duration, in minutes
``dora_summary``                 the four metrics for one slice of the log (a :class:`DoraSummary`)
``dora_by_period``               the four metrics per story month or per era, empty periods kept
``dora_level``                   a value's DORA performance level (2024 report's clusters, cited)
``rework_ratio``                 the 2024 report's fifth metric: unplanned deployments / deployments
``fourkeys_bucket``              a value's bucket on Google's open-source Four Keys dashboard
``fourkeys_summary``             the four Four Keys buckets over the dashboard's 3-month window
``incident_causes``              each calendar incident with the deployment that caused it, or none
``freeze_effect``                per error-budget freeze (computed in ``dfp.reliability.incidents``): the frozen
                                 service's change rate inside it against the four weeks before, features inside
``strategy_summary``             failures, detection and rollback times per rollout strategy
``era_figures``                  one period's headline numbers as the DORA page quotes them (:class:`EraFigures`)
``redeploys``                    deployments that shipped no commit (not changes)
``target_checks``                one period's measures against the owner's four change targets
``targets_verdict``              how many of those targets hold, and the missed ones' names
``months_meeting_targets``       per era: months meeting each change target, fewest and most changes a month
``incident_restores``            ``incident_causes`` with the causing deploy's detection, rollback and restore times
``incident_timeline``            a change-caused incident's steps from the deploy to restore, in minutes
``freeze_totals``                totals over ``freeze_effect``'s freezes
``one_in``                       ``1 / ratio``: one event in N
``percentile``                   a quantile as the percentile a page names (95 for 0.95, 99.9 for 0.999)
===============================  ====================================================================

Definitions (the ones every number in the delivery section uses):

* **Deployment frequency**: production deployments that shipped at least one new commit, divided
  by the calendar weeks in the period (days / 7). Redeploys of an unchanged version are not changes.
* **Lead time for changes**: for each commit, ``deployed_at`` of the first production deployment
  that shipped it minus ``committed_at``, in hours; a commit belongs to the period of its deploy.
  DORA reports the typical (median) value; the owner's target is on the p95.
* **Change failure rate**: failed changes / changes, over deployments with at least one commit in
  the period. A change failed when it degraded production and needed remediation (rollback, fix
  forward), including a canary rollout aborted on a regression (conservative: it did hurt the
  canary's share of traffic). An incident with no causing deploy does not count.
* **Time to restore service** (DORA since 2023: "failed deployment recovery time"): for each failed
  change, ``restored_at - deployed_at`` in minutes; the period's median is reported. The rollback
  duration (``restored_at - rollback_started_at``) is what the owner's 5-minute rollback target is on.
* **Deployment rework rate** (DORA 2024, the fifth metric): deployments that were not planned but were
  made to fix a user-facing problem in production, over the period's changes (as DORA's metrics guide,
  dora.dev/guides/dora-metrics, and the 2024 survey's question on unplanned deployments define it;
  read in dora-team/dora.dev, hugo/data/survey_questions/2024.json). The log marks them in
  the ``unplanned`` column; a log without it has no rework rate (NaN), never a guessed one.

Two reference scales, both cited in ``data/external_facts.yml``:

* **DORA as published** (:func:`dora_level`): the Accelerate State of DevOps Report 2024's four
  clusters. The report gives each cluster's typical answer, not boundaries: deployment frequency,
  lead time and recovery time are answer bands (turned into numeric boundaries at their ends), and
  change failure rate is one typical value per cluster, not ordered (high 20 %, medium 10 %). A rate
  gets the best cluster whose typical rate it does not exceed, so the level never improves as the
  rate rises; the medium cluster, whose typical rate is better than the high one's, is never given.
* **Four Keys** (:func:`fourkeys_bucket`, :func:`fourkeys_summary`): the buckets of Google's
  open-source dashboard (``GoogleCloudPlatform/fourkeys``): medians over the last three months,
  "One day" / "One week" / "One month" / "Six months" / "One year" for lead time and time to
  restore, "0-15%" / "16-45%" / "46-60%" for change failure rate, "Daily" / "Weekly" / "Monthly" /
  "Yearly" for deployment frequency (from the days a week with a deployment, not the count).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from dfp.core.checks import check_fraction
from dfp.core.errors import PlaybookError
from dfp.io.external import fact
from dfp.io.system import System

__all__ = [
    "CHANGE_TARGETS",
    "FOURKEYS_BUCKETS",
    "LEVELS",
    "LEVEL_COLUMNS",
    "REPORT_YEAR",
    "DoraSummary",
    "EraFigures",
    "FourKeysSummary",
    "FreezeTotals",
    "IncidentTimeline",
    "MonthsMet",
    "TargetsVerdict",
    "change_deploys",
    "dora_by_period",
    "dora_level",
    "dora_summary",
    "era_figures",
    "fourkeys_bucket",
    "fourkeys_summary",
    "freeze_effect",
    "freeze_totals",
    "incident_causes",
    "incident_restores",
    "incident_timeline",
    "lead_times_h",
    "months_meeting_targets",
    "one_in",
    "percentile",
    "redeploys",
    "restore_times",
    "rework_ratio",
    "strategy_summary",
    "target_checks",
    "targets_verdict",
]

LEVELS = ("elite", "high", "medium", "low")
REPORT_YEAR = 2024  # the State of DevOps report whose clusters dora_level uses (benchmarks.dora2024_*)
_METRICS = {  # metric -> (fact id stem, True when higher is better)
    "deploys_per_week": ("deploys_per_week", True),
    "lead_time_h": ("lead_time_h", False),
    "change_failure_ratio": ("change_failure_ratio", False),
    "restore_h": ("restore_h", False),
}
FOURKEYS_BUCKETS = {  # metric -> the dashboard's buckets, best first
    "deployment_frequency": ("Daily", "Weekly", "Monthly", "Yearly"),
    "lead_time_h": ("One day", "One week", "One month", "Six months", "One year"),
    "restore_h": ("One day", "One week", "One month", "Six months", "One year"),
    "change_failure_ratio": ("0-15%", "16-45%", "46-60%"),
}


def change_deploys(deploys: pd.DataFrame) -> pd.DataFrame:
    """The deployments that count as changes: those that shipped at least one commit."""
    return deploys.loc[deploys["commits"] > 0]


def lead_times_h(commits: pd.DataFrame, deploys: pd.DataFrame) -> pd.DataFrame:
    """Lead time of every commit: ``deployed_at - committed_at`` in hours.

    Returns the commits with ``deployed_at`` and ``lead_time_h`` added.

    Raises:
        PlaybookError: a commit names a deployment that is not in ``deploys``, or was committed
            after the deployment that shipped it.

    >>> d = pd.DataFrame({"deploy_id": ["D1"], "deployed_at": [pd.Timestamp("2025-01-01T12:00Z")]})
    >>> c = pd.DataFrame({"commit_id": ["c1"], "committed_at": [pd.Timestamp("2025-01-01T09:30Z")],
    ...                   "deploy_id": ["D1"]})
    >>> float(lead_times_h(c, d)["lead_time_h"].iloc[0])
    2.5
    """
    out = commits.merge(deploys[["deploy_id", "deployed_at"]], on="deploy_id", how="left", validate="many_to_one")
    missing = out["deployed_at"].isna().to_numpy()
    if missing.any():
        r = int(np.flatnonzero(missing)[0])
        raise PlaybookError(f"commits: row {r + 1}: deploy_id {out['deploy_id'].iloc[r]!r} is not in deployments")
    lead = (out["deployed_at"] - out["committed_at"]).dt.total_seconds() / 3600.0
    bad = (lead < 0).to_numpy()
    if bad.any():
        r = int(np.flatnonzero(bad)[0])
        raise PlaybookError(
            f"commits: row {r + 1}: committed after its deployment {out['deploy_id'].iloc[r]!r};"
            f" lead time must be >= 0;"
            f" got {lead.iloc[r]:.3f} h")
    return out.assign(lead_time_h=lead)


def restore_times(deploys: pd.DataFrame) -> pd.DataFrame:
    """Failed changes with ``restore_min`` (deploy to restored), ``detect_min`` (deploy to detected)
    and ``rollback_min`` (rollback start to restored; NaN for a fix forward, which is not a rollback).

    Raises:
        PlaybookError: a failed deploy without ``restored_at``, or a restore before the deploy.
    """
    f = deploys.loc[deploys["failed"]]
    if f["restored_at"].isna().any():
        raise PlaybookError(f"deployments: failed deploy {f.loc[f['restored_at'].isna(), 'deploy_id'].iloc[0]!r}"
                            " has no restored_at")
    restore = (f["restored_at"] - f["deployed_at"]).dt.total_seconds() / 60.0
    if (restore < 0).any():
        bad = f.loc[restore < 0, "deploy_id"].iloc[0]
        raise PlaybookError(f"deployments: deploy {bad!r} restored before it deployed")
    rollback = (f["restored_at"] - f["rollback_started_at"]).dt.total_seconds() / 60.0
    rollback = rollback.where(f["remediation"] == "rollback")  # a fix forward is not a rollback
    detect = (f["detected_at"] - f["deployed_at"]).dt.total_seconds() / 60.0
    return f.assign(restore_min=restore, rollback_min=rollback, detect_min=detect)


@dataclass(frozen=True)
class DoraSummary:
    """The four DORA metrics over one period. NaN where the period has nothing to measure."""

    weeks: float
    deploys: int                 # changes (deploys with >= 1 commit)
    deploys_per_week: float
    commits: int
    lead_time_median_h: float
    lead_time_tail_h: float      # the ``tail_quantile`` of lead time (the owner's target is on p95)
    failed: int
    change_failure_ratio: float
    restore_median_min: float
    rollback_p95_min: float
    unplanned: int               # changes marked unplanned (rework); 0 when the log has no such column
    rework_ratio: float          # unplanned / changes (DORA 2024); NaN without an ``unplanned`` column


def dora_summary(deploys: pd.DataFrame, commits: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp,
                 tail_quantile: float = 0.95) -> DoraSummary:
    """The four DORA metrics for deployments in ``[start, end)`` (see the module docstring).

    Args:
        deploys: the deployments table (``dfp.io.data.load("deployments")`` shape).
        commits: the commits table; a commit counts in the period of the deploy that shipped it.
        start, end: the period, UTC; ``end`` exclusive.
        tail_quantile: the lead-time quantile reported as ``lead_time_tail_h``, in (0, 1) (default p95;
            numpy's linear interpolation).

    >>> t = pd.Timestamp("2025-01-06T00:00Z")
    >>> d = pd.DataFrame({"deploy_id": ["D1", "D2"], "deployed_at": [t, t + pd.Timedelta(days=1)],
    ...     "commits": [1, 0], "failed": [True, False], "remediation": ["rollback", "none"],
    ...     "restored_at": [t + pd.Timedelta(minutes=30), pd.NaT],
    ...     "rollback_started_at": [t + pd.Timedelta(minutes=26), pd.NaT],
    ...     "detected_at": [t + pd.Timedelta(minutes=20), pd.NaT]})
    >>> c = pd.DataFrame({"commit_id": ["c1"], "committed_at": [t - pd.Timedelta(hours=2)], "deploy_id": ["D1"]})
    >>> s = dora_summary(d, c, t, t + pd.Timedelta(days=7))
    >>> s.deploys, s.deploys_per_week, s.change_failure_ratio, s.restore_median_min, s.lead_time_tail_h
    (1, 1.0, 1.0, 30.0, 2.0)
    """
    tail_quantile = check_fraction("tail_quantile", tail_quantile)
    if end <= start:
        raise PlaybookError(f"dora_summary: end must be after start; got {start} .. {end}")
    weeks = (end - start).total_seconds() / (7 * 86400.0)
    inside = deploys.loc[(deploys["deployed_at"] >= start) & (deploys["deployed_at"] < end)]
    changes = change_deploys(inside)
    lt = lead_times_h(commits.loc[commits["deploy_id"].isin(changes["deploy_id"])], changes)["lead_time_h"]
    rt = restore_times(changes)
    n = len(changes)
    nan = float("nan")
    return DoraSummary(
        weeks=weeks,
        deploys=n,
        deploys_per_week=n / weeks,
        commits=len(lt),
        lead_time_median_h=float(lt.median()) if len(lt) else nan,
        lead_time_tail_h=float(lt.quantile(tail_quantile)) if len(lt) else nan,
        failed=len(rt),
        change_failure_ratio=len(rt) / n if n else nan,
        restore_median_min=float(rt["restore_min"].median()) if len(rt) else nan,
        rollback_p95_min=float(rt["rollback_min"].quantile(0.95)) if rt["rollback_min"].notna().any() else nan,
        unplanned=int(changes["unplanned"].sum()) if "unplanned" in changes else 0,
        rework_ratio=rework_ratio(changes),
    )


def rework_ratio(deploys: pd.DataFrame) -> float:
    """DORA 2024's deployment rework rate: unplanned changes / changes, a fraction.

    ``rework = count(commits > 0 and unplanned) / count(commits > 0)``. NaN when there are no changes
    or the log has no ``unplanned`` column (a rate that cannot be measured is not zero).

    >>> rework_ratio(pd.DataFrame({"commits": [1, 2, 0, 1], "unplanned": [True, False, False, False]}))
    0.3333333333333333
    >>> import math; math.isnan(rework_ratio(pd.DataFrame({"commits": [1]})))
    True
    """
    changes = change_deploys(deploys)
    if "unplanned" not in changes or not len(changes):
        return float("nan")
    return float(changes["unplanned"].astype(bool).sum()) / len(changes)


def dora_by_period(deploys: pd.DataFrame, commits: pd.DataFrame, system: System, by: str = "month",
                   tail_quantile: float = 0.95) -> pd.DataFrame:
    """:func:`dora_summary` for every story month (``by="month"``) or era (``by="era"``).

    Every period appears, including one without deployments (zero deploys, NaN for the rest), with
    the DORA level of each metric (:func:`dora_level`; lead time and restore level on the median).
    """
    if by == "month":
        periods = [(f"{system.month_start(m):%Y-%m}", system.month_start(m), system.month_start(m + 1),
                    system.era_of(system.month_start(m)).name) for m in range(system.months)]
    elif by == "era":
        periods = [(e.name, e.start, e.end, e.name) for e in system.eras]
    else:
        raise PlaybookError(f"dora_by_period: by must be 'month' or 'era'; got {by!r}")
    rows = []
    for label, start, end, era in periods:
        s = dora_summary(deploys, commits, start, end, tail_quantile)
        rows.append({"period": label, "era": era, **s.__dict__})
    out = pd.DataFrame(rows).set_index("period")
    out["level_deploys"] = [dora_level("deploys_per_week", v) for v in out["deploys_per_week"]]
    out["level_lead_time"] = [dora_level("lead_time_h", v) for v in out["lead_time_median_h"]]
    out["level_change_failure"] = [dora_level("change_failure_ratio", v) for v in out["change_failure_ratio"]]
    out["level_restore"] = [dora_level("restore_h", v / 60.0) for v in out["restore_median_min"]]
    return out


def dora_level(metric: str, value: float) -> str:
    """The DORA performance level of ``value`` for ``metric``, from the 2024 report's clusters.

    Metrics: ``deploys_per_week`` (higher is better), ``lead_time_h``, ``restore_h`` (lower is
    better): the cluster whose answer band holds the value, with the band ends in
    ``benchmarks.dora2024_<level>_<metric>``. A value on a boundary gets the better level for
    deploys (">= daily"), the worse one for times ("less than one day").
    ``change_failure_ratio``: the best cluster (elite, high, medium, low in that order) whose typical
    rate is at or above ``value``; above every typical rate, ``"low"``. The 2024 clusters are not
    ordered on this metric (high 20 % > medium 10 %), so scanning best first keeps the level
    monotone in the rate and never returns medium. NaN gives ``"n/a"``.

    >>> dora_level("deploys_per_week", 12), dora_level("lead_time_h", 24), dora_level("restore_h", 0.5)
    ('elite', 'high', 'elite')
    >>> dora_level("change_failure_ratio", 0.05), dora_level("change_failure_ratio", 0.12), dora_level("change_failure_ratio", 0.3)
    ('elite', 'high', 'low')
    """
    if metric not in _METRICS:
        raise PlaybookError(f"dora_level: unknown metric {metric!r}; known: {sorted(_METRICS)}")
    if value is None or np.isnan(value):
        return "n/a"
    stem, higher_better = _METRICS[metric]
    if metric == "change_failure_ratio":
        for level in LEVELS:
            if value <= fact(f"benchmarks.dora{REPORT_YEAR}_{level}_{stem}").value:
                return level
        return "low"
    for level in LEVELS[:-1]:
        bound = fact(f"benchmarks.dora{REPORT_YEAR}_{level}_{stem}").value
        if (higher_better and value >= bound) or (not higher_better and value < bound):
            return level
    return "low"


def fourkeys_bucket(metric: str, value: float) -> str:
    """The Four Keys dashboard's bucket of ``value`` (thresholds ``benchmarks.fourkeys_*``).

    ``lead_time_h`` and ``restore_h`` (a median, hours): "One day" below 24 h, then "One week",
    "One month", "Six months", else "One year". ``change_failure_ratio``: "0-15%" at or below 0.15,
    "16-45%" below 0.46, else "46-60%" (the dashboard's labels). NaN gives ``"n/a"``.

    >>> fourkeys_bucket("lead_time_h", 30), fourkeys_bucket("restore_h", 0.2), fourkeys_bucket("change_failure_ratio", 0.15)
    ('One week', 'One day', '0-15%')
    """
    if metric not in ("lead_time_h", "restore_h", "change_failure_ratio"):
        raise PlaybookError(f"fourkeys_bucket: unknown metric {metric!r}; known: change_failure_ratio, lead_time_h, restore_h")
    if value is None or np.isnan(value):
        return "n/a"
    labels = FOURKEYS_BUCKETS[metric]
    if metric == "change_failure_ratio":
        if value <= fact("benchmarks.fourkeys_cfr_low_max_ratio").value:
            return labels[0]
        return labels[1] if value < fact("benchmarks.fourkeys_cfr_mid_below_ratio").value else labels[2]
    bounds = [fact(f"benchmarks.fourkeys_{k}_h").value for k in ("one_day", "one_week", "one_month", "six_months")]
    return labels[int(np.searchsorted(bounds, value, side="right"))]


@dataclass(frozen=True)
class FourKeysSummary:
    """The Four Keys dashboard's view of the ``window_days`` before ``end``: buckets and the values behind them."""

    end: pd.Timestamp
    window_days: int
    deployment_frequency: str        # Daily / Weekly / Monthly / Yearly
    median_days_deployed_per_week: float
    lead_time: str
    lead_time_median_h: float
    time_to_restore: str
    restore_median_h: float
    change_failure: str
    change_failure_ratio: float


def _fourkeys_frequency(deployed_at: pd.Series, start: pd.Timestamp, end: pd.Timestamp) -> tuple[str, float]:
    """The dashboard's deployment-frequency bucket over the days in ``[start, end)``.

    Per calendar week (Sunday start, as BigQuery's ``TIMESTAMP_TRUNC(day, WEEK)``): days with a
    deployment and whether it had any; per month, the weeks with one. Daily when the median week has
    deployments on at least ``fourkeys_daily_min_days_per_week`` days, Weekly when the median week has
    one, Monthly when the median (over weeks) of the month's deploying weeks is at least 1, else Yearly.
    """
    days = pd.date_range(start, end, freq="D", inclusive="left")
    frame = pd.DataFrame({"day": days, "deployed": days.isin(deployed_at.dt.floor("D"))})
    frame["week"] = frame["day"] - pd.to_timedelta((frame["day"].dt.day_of_week + 1) % 7, unit="D")
    weeks = frame.groupby("week").agg(days_deployed=("deployed", "sum"), week_deployed=("deployed", "max"))
    weeks["week_deployed"] = weeks["week_deployed"].astype(int)
    month = weeks.index.to_series().dt.strftime("%Y-%m")
    weeks["monthly"] = weeks.groupby(month.to_numpy())["week_deployed"].transform("sum")
    median_days = float(weeks["days_deployed"].median())
    labels = FOURKEYS_BUCKETS["deployment_frequency"]
    if median_days >= fact("benchmarks.fourkeys_daily_min_days_per_week").value:
        return labels[0], median_days
    if weeks["week_deployed"].median() >= 1:
        return labels[1], median_days
    return (labels[2] if weeks["monthly"].median() >= 1 else labels[3]), median_days


def fourkeys_summary(deploys: pd.DataFrame, commits: pd.DataFrame | None, end: pd.Timestamp,
                     window_days: int | None = None) -> FourKeysSummary:
    """The Four Keys dashboard's four buckets for the changes in the ``window_days`` before ``end``.

    Medians as the dashboard takes them: lead time over commits (those with a lead time > 0),
    time to restore over failed changes (deploy to restored, hours, not truncated to whole hours as
    the dashboard's SQL does), change failure rate = failed changes / changes.

    Args:
        deploys: deployments (``deployed_at``, ``commits``, ``failed``, ``restored_at``...).
        commits: commits with ``committed_at`` and ``deploy_id``, or None (lead time then "n/a").
        end: end of the window, UTC, exclusive.
        window_days: window length in days (default ``benchmarks.fourkeys_window_days``, 91).
    """
    window = int(window_days if window_days is not None else fact("benchmarks.fourkeys_window_days").value)
    if window < 7:
        raise PlaybookError(f"fourkeys_summary: window_days must be >= 7; got {window}")
    start = (end - pd.Timedelta(days=window)).floor("D")
    inside = change_deploys(deploys.loc[(deploys["deployed_at"] >= start) & (deploys["deployed_at"] < end)])
    freq, median_days = _fourkeys_frequency(inside["deployed_at"], start, end.ceil("D"))
    lead = float("nan")
    if commits is not None and len(inside):
        lt = lead_times_h(commits.loc[commits["deploy_id"].isin(inside["deploy_id"])], inside)["lead_time_h"]
        lt = lt.loc[lt > 0]
        lead = float(lt.median()) if len(lt) else float("nan")
    rt = restore_times(inside)
    restore = float(rt["restore_min"].median() / 60.0) if len(rt) else float("nan")
    cfr = len(rt) / len(inside) if len(inside) else float("nan")
    return FourKeysSummary(end=end, window_days=window, deployment_frequency=freq,
                           median_days_deployed_per_week=median_days,
                           lead_time=fourkeys_bucket("lead_time_h", lead), lead_time_median_h=lead,
                           time_to_restore=fourkeys_bucket("restore_h", restore), restore_median_h=restore,
                           change_failure=fourkeys_bucket("change_failure_ratio", cfr), change_failure_ratio=cfr)


def incident_causes(deploys: pd.DataFrame, system: System) -> pd.DataFrame:
    """Every calendar incident with the deployment that caused it (empty when not change-related).

    Raises:
        PlaybookError: a deploy names an incident that is not in the calendar, two deploys claim the
            same incident, or a causing deploy happened after the incident's impact started.
    """
    linked = deploys.loc[deploys["incident_id"].notna(), ["deploy_id", "deployed_at", "service", "change_type",
                                                         "incident_id"]]
    known = {i.id for i in system.incidents}
    unknown = sorted(set(linked["incident_id"]) - known)
    if unknown:
        raise PlaybookError(f"deployments: incident_id {unknown[0]!r} is not in the incident calendar")
    dup = linked["incident_id"].duplicated()
    if dup.any():
        inc_id = linked.loc[dup, "incident_id"].iloc[0]
        raise PlaybookError(f"deployments: incident {inc_id!r} has more than one causing deploy")
    rows = []
    by_inc = linked.set_index("incident_id")
    for inc in system.incidents:
        row = {"incident": inc.id, "title": inc.title, "severity": inc.severity, "impact_start": inc.impact_start,
               "change_related": inc.id in by_inc.index, "deploy_id": None, "service": None, "lead_min": np.nan}
        if row["change_related"]:
            d = by_inc.loc[inc.id]
            if d["deployed_at"] > inc.impact_start:
                raise PlaybookError(f"deployments: {d['deploy_id']} deployed at {d['deployed_at']}"
                                    f" cannot cause {inc.id},"
                                    f" whose impact started at {inc.impact_start}")
            row.update(deploy_id=d["deploy_id"], service=d["service"],
                       lead_min=(inc.impact_start - d["deployed_at"]).total_seconds() / 60.0)
        rows.append(row)
    return pd.DataFrame(rows).rename(columns={"lead_min": "deploy_to_impact_min"})


def freeze_effect(deploys: pd.DataFrame, windows: pd.DataFrame) -> pd.DataFrame:
    """Per error-budget freeze: the frozen service's changes a week inside it and in the four weeks before,
    and the feature changes inside it (zero when the log obeys the policy).

    ``windows`` is :func:`dfp.reliability.incidents.freeze_windows` (service, slo, region, start, end, days);
    a log without the ``work`` column counts every change as a feature.

    >>> w = pd.DataFrame({"service": ["api"], "slo": ["s"], "region": ["r"], "days": [7.0],
    ...     "start": [pd.Timestamp("2025-02-01", tz="UTC")], "end": [pd.Timestamp("2025-02-08", tz="UTC")]})
    >>> log = pd.DataFrame({"deployed_at": pd.to_datetime(["2025-01-20", "2025-02-03"], utc=True),
    ...     "service": ["api", "api"], "commits": [1, 1], "work": ["feature", "reliability"]})
    >>> freeze_effect(log, w)[["in_freeze", "features_in_freeze", "before_per_week"]].values.tolist()
    [[1.0, 0.0, 0.25]]
    """
    changes = change_deploys(deploys)
    work = changes["work"] if "work" in changes else pd.Series("feature", index=changes.index)
    rows = []
    for w in windows.itertuples():
        svc = changes["service"] == w.service
        before_start = w.start - pd.Timedelta(weeks=4)
        inside = svc & (changes["deployed_at"] >= w.start) & (changes["deployed_at"] < w.end)
        before = svc & (changes["deployed_at"] >= before_start) & (changes["deployed_at"] < w.start)
        weeks = (w.end - w.start).total_seconds() / (7 * 86400.0)
        rows.append({"service": w.service, "slo": w.slo, "region": w.region, "start": w.start, "end": w.end,
                     "days": float(w.days), "in_freeze": int(inside.sum()),
                     "features_in_freeze": int((inside & (work == "feature")).sum()),
                     "in_freeze_per_week": float(inside.sum()) / weeks if weeks > 0 else 0.0,
                     "before_per_week": float(before.sum()) / 4.0})
    return pd.DataFrame(rows, columns=["service", "slo", "region", "start", "end", "days", "in_freeze",
                                       "features_in_freeze", "in_freeze_per_week", "before_per_week"])


def strategy_summary(deploys: pd.DataFrame, rollback_target_min: float) -> pd.DataFrame:
    """Per rollout strategy: changes, failures, change failure rate, median detection time, rollback
    p95 and the share of rollbacks finished within ``rollback_target_min``, median blast share.

    Raises:
        PlaybookError: ``rollback_target_min`` not > 0.
    """
    if not rollback_target_min > 0:
        raise PlaybookError(f"rollback_target_min must be > 0; got {rollback_target_min}")
    changes = change_deploys(deploys)
    rt = restore_times(changes)
    rows = []
    for strategy, grp in changes.groupby("strategy", sort=False):
        f = rt.loc[rt["strategy"] == strategy]
        rb = f["rollback_min"].dropna()
        rows.append({
            "strategy": strategy, "changes": len(grp), "failed": len(f),
            "change_failure_ratio": len(f) / len(grp),
            "detect_median_min": float(f["detect_min"].median()) if len(f) else float("nan"),
            "rollback_p95_min": float(rb.quantile(0.95)) if len(rb) else float("nan"),
            "rollback_within_target_ratio": float((rb <= rollback_target_min).mean()) if len(rb) else float("nan"),
            "blast_share_median": float(f["blast_share"].median()) if len(f) else float("nan"),
        })
    order = {"manual": 0, "rolling": 1, "canary": 2}
    return pd.DataFrame(rows).sort_values("strategy", key=lambda c: c.map(order)).set_index("strategy")


# The DORA page's figures: small views of the tables above, in the units the page quotes.

@dataclass(frozen=True)
class EraFigures:
    """One era's headline numbers (a row of :func:`dora_by_period`), under the short names the DORA page quotes.

    Units: ``dpw`` changes a week; ``lt_med``, ``lt_tail`` hours; ``lt_med_min`` minutes; ``cfr`` and ``rework``
    percent; ``restore`` minutes; ``cpd`` commits per change; ``cfr_one_in`` changes per failed change;
    ``levels`` the DORA levels of frequency / lead time / failure rate / restore, joined by " / ".
    """

    dpw: float
    lt_med: float
    lt_tail: float
    lt_med_min: float
    cfr: float
    restore: float
    cpd: float
    rework: float
    cfr_one_in: float
    levels: str


#: The level columns of :func:`dora_by_period`, in the order the page names them.
LEVEL_COLUMNS = ("level_deploys", "level_lead_time", "level_change_failure", "level_restore")


def percentile(q: float) -> float:
    """A quantile as the percentile a page names, ``100 q`` to three decimals: an ``int`` when whole (``p95``),
    else a ``float`` (``p99.9``, where rounding to a whole number would name the maximum, ``p100``).

    Raises:
        PlaybookError: ``q`` not in (0, 1).

    >>> percentile(0.95), percentile(0.5), percentile(0.999)
    (95, 50, 99.9)
    """
    p = round(100 * check_fraction("q", q), 3)
    return int(p) if p == int(p) else p


def one_in(ratio: float) -> float:
    """``1 / ratio``: one event in N (``inf`` for a ratio of 0, NaN for NaN).

    Raises:
        PlaybookError: a negative ratio.

    >>> one_in(0.25), one_in(0.0)
    (4.0, inf)
    """
    r = float(ratio)
    if r < 0:
        raise PlaybookError(f"one_in: ratio must be >= 0; got {r}")
    return r if np.isnan(r) else (1.0 / r if r > 0 else float("inf"))


def era_figures(row: pd.Series) -> EraFigures:
    """The page's numbers for one period row of :func:`dora_by_period`.

    ``cfr = 100 * change_failure_ratio`` (%), ``rework = 100 * rework_ratio`` (%), ``cpd = commits / deploys``,
    ``lt_med_min = 60 * lead_time_median_h``, ``cfr_one_in = 1 / change_failure_ratio`` (:func:`one_in`).

    >>> row = pd.Series({"deploys_per_week": 2.5, "deploys": 40, "commits": 100, "lead_time_median_h": 0.5,
    ...     "lead_time_tail_h": 1.5, "change_failure_ratio": 0.05, "restore_median_min": 12.0, "rework_ratio": 0.02,
    ...     "level_deploys": "high", "level_lead_time": "elite", "level_change_failure": "elite", "level_restore": "elite"})
    >>> f = era_figures(row)
    >>> f.cpd, f.cfr, f.cfr_one_in, f.lt_med_min, f.levels
    (2.5, 5.0, 20.0, 30.0, 'high / elite / elite / elite')
    """
    return EraFigures(
        dpw=float(row["deploys_per_week"]), lt_med=float(row["lead_time_median_h"]),
        lt_tail=float(row["lead_time_tail_h"]), lt_med_min=float(60 * row["lead_time_median_h"]),
        cfr=float(100 * row["change_failure_ratio"]), restore=float(row["restore_median_min"]),
        cpd=float(row["commits"]) / float(row["deploys"]) if row["deploys"] else float("nan"),
        rework=float(100 * row["rework_ratio"]), cfr_one_in=one_in(row["change_failure_ratio"]),
        levels=" / ".join(str(row[c]) for c in LEVEL_COLUMNS))


def redeploys(deploys: pd.DataFrame) -> int:
    """Deployments that shipped no commit (restarts, re-syncs): not changes, so outside every metric.

    >>> redeploys(pd.DataFrame({"commits": [0, 2, 0, 1]}))
    2
    """
    return int((deploys["commits"] == 0).sum())


#: The owner's four change targets (``system.yml`` target ids) against the period column that measures each.
CHANGE_TARGETS = (("Production deployments", "deploys_per_week", "deploys_per_week"),
                  ("Lead time", "lead_time_p95_h", "lead_time_tail_h"),
                  ("Change failure rate", "change_failure_ratio", "change_failure_ratio"),
                  ("Rollback time p95", "rollback_min", "rollback_p95_min"))


def target_checks(row: pd.Series, system: System, tail_quantile: float) -> pd.DataFrame:
    """One period's measures against the owner's change targets (:data:`CHANGE_TARGETS`).

    The lead-time target is held at ``tail_quantile`` (the row's ``lead_time_tail_h``; the metric is named
    ``Lead time p<percentile(q)>``). Columns: ``target_id``, ``measured`` (in the target's unit), ``unit``, ``target``
    (its label, e.g. ``< 2 h``), ``met`` (``Target.met_by``); indexed by ``metric``.

    >>> from dfp.io.system import load_system
    >>> row = pd.Series({"deploys_per_week": 12.0, "lead_time_tail_h": 3.0, "change_failure_ratio": 0.04,
    ...                  "rollback_p95_min": 2.0})
    >>> target_checks(row, load_system(), 0.9)["met"].to_dict()
    {'Production deployments': True, 'Lead time p90': False, 'Change failure rate': True, 'Rollback time p95': True}
    """
    q = check_fraction("tail_quantile", tail_quantile)
    rows = []
    for metric, target_id, column in CHANGE_TARGETS:
        t = system.target(target_id)
        name = f"{metric} p{percentile(q)}" if target_id == "lead_time_p95_h" else metric
        rows.append({"metric": name, "target_id": target_id, "measured": row[column], "unit": t.unit,
                     "target": t.label, "met": t.met_by(row[column])})
    return pd.DataFrame(rows).set_index("metric")


@dataclass(frozen=True)
class TargetsVerdict:
    """How many of the targets in :func:`target_checks` hold, and the missed ones' names (lower case, or "none")."""

    met: int
    missed: str


def targets_verdict(checks: pd.DataFrame) -> TargetsVerdict:
    """Count the met targets of :func:`target_checks`; name the missed ones, joined by ", ".

    >>> targets_verdict(pd.DataFrame({"met": [True, False]}, index=["Lead time p95", "Rollback time p95"]))
    TargetsVerdict(met=1, missed='rollback time p95')
    """
    met = checks["met"].astype(bool)
    return TargetsVerdict(int(met.sum()), ", ".join(str(m).lower() for m in checks.index[~met]) or "none")


@dataclass(frozen=True)
class MonthsMet:
    """Per-month target checks over one era: months in it, months meeting each target, fewest and most changes."""

    months: int
    dpw_met: int
    lt_met: int
    cfr_met: int
    min_changes: int
    max_changes: int


def months_meeting_targets(months: pd.DataFrame, system: System, era: str) -> MonthsMet:
    """Of the months of ``era`` (rows of :func:`dora_by_period` with ``by="month"``), how many meet the
    frequency, lead-time (on the row's ``lead_time_tail_h``) and change-failure targets (``Target.met_by``;
    a month with nothing to measure, NaN, meets none).

    Raises:
        PlaybookError: no month of ``era`` in ``months``.

    >>> from dfp.io.system import load_system
    >>> m = pd.DataFrame({"era": ["Scale", "Scale"], "deploys": [40, 60], "deploys_per_week": [9.0, 14.0],
    ...                   "lead_time_tail_h": [1.0, 2.5], "change_failure_ratio": [0.02, float("nan")]})
    >>> months_meeting_targets(m, load_system(), "Scale")
    MonthsMet(months=2, dpw_met=1, lt_met=1, cfr_met=1, min_changes=40, max_changes=60)
    """
    rows = months.loc[months["era"] == era]
    if not len(rows):
        raise PlaybookError(f"months_meeting_targets: no month of era {era!r}; eras: {sorted(set(months['era']))}")

    def met(target_id: str, column: str) -> int:
        t = system.target(target_id)
        return sum(t.met_by(v) for v in rows[column])

    return MonthsMet(len(rows), met("deploys_per_week", "deploys_per_week"), met("lead_time_p95_h", "lead_time_tail_h"),
                     met("change_failure_ratio", "change_failure_ratio"), int(rows["deploys"].min()),
                     int(rows["deploys"].max()))


def incident_restores(deploys: pd.DataFrame, system: System) -> pd.DataFrame:
    """:func:`incident_causes` with the causing deploy's ``detect_min``, ``rollback_min``, ``restore_min``
    (:func:`restore_times`, minutes) and ``restore_h = restore_min / 60``; NaN where no deploy caused it.

    >>> from dfp.io.system import load_system
    >>> system = load_system()
    >>> log = _example_log(system, "INC-03")
    >>> r = incident_restores(log, system).set_index("incident")
    >>> r.loc["INC-03", "deploy_id"], [float(r.loc["INC-03", c]) for c in ("detect_min", "rollback_min", "restore_h")]
    ('D1', [7.0, 16.0, 0.75])
    >>> bool(pd.isna(r.loc["INC-01", "restore_h"]))
    True
    """
    causes = incident_causes(deploys, system)
    restores = restore_times(deploys).set_index("deploy_id")
    out = causes.join(restores[["detect_min", "rollback_min", "restore_min"]], on="deploy_id")
    return out.assign(restore_h=out["restore_min"] / 60)


@dataclass(frozen=True)
class IncidentTimeline:
    """A change-caused incident from the deploy to service restored (times UTC, durations in minutes).

    ``steps_min`` holds each step's minutes after the deploy, in order: deployed, impact starts, alert pages,
    rollback starts, service restored.
    """

    deployed_at: pd.Timestamp
    impact_start: pd.Timestamp
    steps_min: pd.Series
    to_impact_min: float    # deploy to impact start
    detect_min: float       # impact start to the alert
    decide_min: float       # alert to rollback start
    rollback_min: float     # rollback start to restored
    restore_min: float      # deploy to restored


def _minutes(a: pd.Timestamp, b: pd.Timestamp) -> float:
    return (b - a).total_seconds() / 60


def _example_log(system: System, incident_id: str) -> pd.DataFrame:
    """A one-change log for the doctests: deploy D1 caused ``incident_id`` 3 min before its impact; the alert
    4 min into the impact, the rollback 22 min later, restored 16 min after that."""
    start = system.incident(incident_id).impact_start
    at = start - pd.Timedelta(minutes=3)
    return pd.DataFrame({"deploy_id": ["D1"], "deployed_at": [at], "service": ["processors"], "change_type": ["config"],
                         "commits": [1], "incident_id": [incident_id], "failed": [True], "remediation": ["rollback"],
                         "detected_at": [at + pd.Timedelta(minutes=7)], "rollback_started_at": [at + pd.Timedelta(minutes=29)],
                         "restored_at": [at + pd.Timedelta(minutes=45)]})


def incident_timeline(deploys: pd.DataFrame, system: System, incident_id: str,
                      deploy_label: str = "deployed") -> IncidentTimeline:
    """The steps of incident ``incident_id`` from the deploy that caused it (:func:`incident_causes`).

    ``to_impact = impact_start - deployed_at``, ``detect = detected_at - impact_start``,
    ``decide = rollback_started_at - detected_at``, ``rollback = restored_at - rollback_started_at``,
    ``restore = restored_at - deployed_at``, all in minutes; ``deploy_label`` names the first step.

    Raises:
        PlaybookError: the incident has no causing deploy.

    >>> from dfp.io.system import load_system
    >>> system = load_system()
    >>> t = incident_timeline(_example_log(system, "INC-03"), system, "INC-03")
    >>> t.to_impact_min, t.detect_min, t.decide_min, t.rollback_min, t.restore_min
    (3.0, 4.0, 22.0, 16.0, 45.0)
    >>> t.steps_min.tolist()
    [0.0, 3.0, 7.0, 29.0, 45.0]
    """
    causes = incident_causes(deploys, system).set_index("incident")
    deploy_id = causes.loc[incident_id, "deploy_id"] if incident_id in causes.index else None
    if pd.isna(deploy_id):
        raise PlaybookError(f"incident_timeline: no deploy in the log caused {incident_id!r}")
    inc = system.incident(incident_id)
    d = deploys.set_index("deploy_id").loc[deploy_id]
    steps = pd.Series({deploy_label: d["deployed_at"], "impact starts": inc.impact_start, "alert pages": d["detected_at"],
                       "rollback starts": d["rollback_started_at"], "service restored": d["restored_at"]})
    minutes = (steps - steps.iloc[0]).dt.total_seconds() / 60
    return IncidentTimeline(
        deployed_at=d["deployed_at"], impact_start=inc.impact_start, steps_min=minutes,
        to_impact_min=_minutes(d["deployed_at"], inc.impact_start), detect_min=_minutes(inc.impact_start, d["detected_at"]),
        decide_min=_minutes(d["detected_at"], d["rollback_started_at"]),
        rollback_min=_minutes(d["rollback_started_at"], d["restored_at"]), restore_min=float(minutes.iloc[-1]))


@dataclass(frozen=True)
class FreezeTotals:
    """Totals over :func:`freeze_effect`'s freezes: count, days frozen, the mean change rates (changes a week)
    inside and in the four weeks before, feature changes inside."""

    freezes: int
    freeze_days: float
    freeze_before: float
    freeze_in: float
    freeze_features: int


def freeze_totals(freezes: pd.DataFrame) -> FreezeTotals:
    """Sum and means over the rows of :func:`freeze_effect` (means NaN without a freeze).

    >>> freeze_totals(pd.DataFrame({"days": [2.0, 1.0], "before_per_week": [4.0, 2.0], "in_freeze_per_week": [1.0, 0.0],
    ...                             "features_in_freeze": [0, 0]}))
    FreezeTotals(freezes=2, freeze_days=3.0, freeze_before=3.0, freeze_in=0.5, freeze_features=0)
    """
    return FreezeTotals(len(freezes), float(freezes["days"].sum()), float(freezes["before_per_week"].mean()),
                        float(freezes["in_freeze_per_week"].mean()), int(freezes["features_in_freeze"].sum()))
