"""``dfp dora``: DORA metrics and levels for any deploy log, not only the platform's.

=========================  ==========================================================================
``DoraReport``              the whole log's metrics, its DORA 2024 levels, the Four Keys buckets, per period
``dora_report``             compute it from a deployments frame (and commits, when there are any)
``log_months``              the calendar months a log spans, as ``(label, start, end)``
``levels_table``            the whole span's metrics with their DORA level and Four Keys bucket (labelled)
``format_report``           the report as plain text (tables with labels and units)
``report_figures``          the report's numbers and buckets as the DORA page quotes them
``run_dora``                the command: read the log, compute, print text or JSON
=========================  ==========================================================================

Formats and columns are in :mod:`dfp.io.deploylog`. With no path the command reads the platform's
own change log (``deployments.csv`` and ``commits.csv.gz`` in the data folder), so the book's
numbers and the command's agree by construction.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, TextIO

import pandas as pd

from dfp.core.errors import PlaybookError
from dfp.core.paths import data_dir
from dfp.delivery.dora import (
    REPORT_YEAR,
    DoraSummary,
    FourKeysSummary,
    dora_level,
    dora_summary,
    fourkeys_summary,
)
from dfp.io.deploylog import read_commits_csv, read_deploy_csv, read_deploy_log
from dfp.io.external import fact

__all__ = ["DoraReport", "ReportFigures", "dora_report", "format_report", "levels_table", "log_months", "report_figures",
           "run_dora"]


@dataclass(frozen=True)
class DoraReport:
    """One deploy log's DORA view: the whole span, its levels, Four Keys, and each month."""

    start: pd.Timestamp
    end: pd.Timestamp
    overall: DoraSummary
    levels: dict[str, str]           # metric -> DORA 2024 level
    fourkeys: FourKeysSummary
    periods: pd.DataFrame            # one row per month: DoraSummary fields


def log_months(deploys: pd.DataFrame) -> list[tuple[str, pd.Timestamp, pd.Timestamp]]:
    """Every calendar month from the first deployment's to the last one's, ``(YYYY-MM, start, end)``.

    >>> d = pd.DataFrame({"deployed_at": pd.to_datetime(["2025-01-20", "2025-03-02"], utc=True)})
    >>> [m for m, _, _ in log_months(d)]
    ['2025-01', '2025-02', '2025-03']
    """
    first = deploys["deployed_at"].min().tz_convert("UTC").tz_localize(None).to_period("M")
    last = deploys["deployed_at"].max().tz_convert("UTC").tz_localize(None).to_period("M")
    return [(str(p), p.start_time.tz_localize("UTC"), (p + 1).start_time.tz_localize("UTC"))
            for p in pd.period_range(first, last, freq="M")]


def dora_report(deploys: pd.DataFrame, commits: pd.DataFrame | None = None,
                tail_quantile: float = 0.95) -> DoraReport:
    """The DORA metrics of a whole deploy log and of each calendar month it spans.

    The whole span runs from the first deployment's month start to the last one's month end, so
    deploys a week counts the quiet days at both ends as a month-by-month team would. Without
    commits, lead time is NaN ("n/a"): the log alone cannot say when work started.

    Raises:
        PlaybookError: an empty log.
    """
    if not len(deploys):
        raise PlaybookError("dora_report: the deploy log has no deployments")
    commits = commits if commits is not None else pd.DataFrame({
        "commit_id": pd.Series([], dtype=str), "committed_at": pd.Series([], dtype="datetime64[ns, UTC]"),
        "deploy_id": pd.Series([], dtype=str)})
    months = log_months(deploys)
    start, end = months[0][1], months[-1][2]
    overall = dora_summary(deploys, commits, start, end, tail_quantile)
    levels = {
        "deployment frequency": dora_level("deploys_per_week", overall.deploys_per_week),
        "lead time for changes": dora_level("lead_time_h", overall.lead_time_median_h),
        "change failure rate": dora_level("change_failure_ratio", overall.change_failure_ratio),
        "failed deployment recovery time": dora_level("restore_h", overall.restore_median_min / 60.0),
    }
    rows = [{"period": label, **asdict(dora_summary(deploys, commits, s, e, tail_quantile))} for label, s, e in months]
    fk = fourkeys_summary(deploys, commits if len(commits) else None, deploys["deployed_at"].max() + pd.Timedelta(seconds=1))
    return DoraReport(start, end, overall, levels, fk, pd.DataFrame(rows).set_index("period"))


def _num(x: float, fmt: str, unit: str = "") -> str:
    return "n/a" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{x:{fmt}}{unit}"


def format_report(rep: DoraReport, source: str) -> str:
    """The report as plain text: the whole span with levels, Four Keys buckets, then month by month."""
    o = rep.overall
    lines = [f"DORA metrics for {source}", f"{rep.start:%Y-%m-%d} to {rep.end:%Y-%m-%d} ({o.weeks:.1f} weeks)", "",
             f"{'metric':<38}{'value':>16}   DORA {REPORT_YEAR} level"]
    rows = [
        ("Deployment frequency", _num(o.deploys_per_week, ".2f", " /week"), rep.levels["deployment frequency"]),
        ("Lead time for changes (median)", _num(o.lead_time_median_h, ".1f", " h"), rep.levels["lead time for changes"]),
        ("Change failure rate", _num(100 * o.change_failure_ratio, ".1f", " %"), rep.levels["change failure rate"]),
        ("Failed deployment recovery (median)", _num(o.restore_median_min, ",.0f", " min"),
         rep.levels["failed deployment recovery time"]),
        ("Deployment rework rate", _num(100 * o.rework_ratio, ".1f", " %"), "no published level"),
    ]
    lines += [f"{a:<38}{b:>16}   {c}" for a, b, c in rows]
    fk = rep.fourkeys
    lines += ["", f"Four Keys dashboard buckets (last {fk.window_days} days to {fk.end:%Y-%m-%d}):",
              f"  deployment frequency {fk.deployment_frequency}, lead time {fk.lead_time},"
              f" time to restore {fk.time_to_restore}, change failure rate {fk.change_failure}", "",
              f"{'month':<9}{'changes':>8}{'/week':>7}{'lead h':>8}{'CFR %':>7}{'restore min':>12}{'rework %':>9}"]
    for period, r in rep.periods.iterrows():
        lines.append(f"{period:<9}{int(r['deploys']):>8d}{_num(r['deploys_per_week'], '.1f'):>7}"
                     f"{_num(r['lead_time_median_h'], '.1f'):>8}{_num(100 * r['change_failure_ratio'], '.1f'):>7}"
                     f"{_num(r['restore_median_min'], ',.0f'):>12}{_num(100 * r['rework_ratio'], '.1f'):>9}")
    return "\n".join(lines) + "\n"


def levels_table(rep: DoraReport) -> pd.DataFrame:
    """The whole span's five metrics, each with its DORA level and Four Keys bucket, with labels and units."""
    o, fk = rep.overall, rep.fourkeys
    return pd.DataFrame({
        "Measured (whole log)": [_num(o.deploys_per_week, ".1f", " changes/week"), _num(o.lead_time_median_h, ".2f", " h"),
                                 _num(100 * o.change_failure_ratio, ".1f", " %"), _num(o.restore_median_min, ",.0f", " min"),
                                 _num(100 * o.rework_ratio, ".1f", " %")],
        f"DORA {REPORT_YEAR} level": [*rep.levels.values(), "no published level"],
        f"Four Keys bucket (last {fk.window_days} days)": [fk.deployment_frequency, fk.lead_time, fk.change_failure,
                                                            fk.time_to_restore, "not on the dashboard"],
    }, index=["Deployment frequency", "Lead time for changes (median)", "Change failure rate",
              "Failed deployment recovery time (median)", "Deployment rework rate"])


def _jsonable(x: Any) -> Any:
    if isinstance(x, float) and math.isnan(x):
        return None
    if isinstance(x, pd.Timestamp):
        return x.isoformat()
    return x


def run_dora(path: Path | None, commits: Path | None, environment: str, as_json: bool, out: TextIO,
             tail_quantile: float = 0.95) -> DoraReport:
    """The ``dfp dora`` command: read a deploy log (default: the platform's), compute, print.

    Args:
        path: a deploy-log CSV or GitHub deployments JSON; None reads ``deployments.csv`` and
            ``commits.csv.gz`` from the data folder.
        commits: an optional commits CSV (``deploy_id``, ``committed_at``) for lead time.
        environment: for GitHub JSON, the regular expression production environments match.
        as_json: print JSON (``overall``, ``levels``, ``fourkeys``, ``months``) instead of text.
        out: where to print.
    """
    if path is None:
        path = data_dir() / "deployments.csv"
        commits = commits or data_dir() / "commits.csv.gz"
        deploys = read_deploy_csv(path)
    else:
        deploys = read_deploy_log(path, environment)
    rep = dora_report(deploys, read_commits_csv(commits) if commits is not None else None, tail_quantile)
    if as_json:
        doc = {"source": str(path), "start": rep.start.isoformat(), "end": rep.end.isoformat(),
               "overall": {k: _jsonable(v) for k, v in asdict(rep.overall).items()},
               "levels": rep.levels, "levels_report": f"Accelerate State of DevOps Report {REPORT_YEAR}",
               "fourkeys": {k: _jsonable(v) for k, v in asdict(rep.fourkeys).items()},
               "months": [{"period": p, **{k: _jsonable(v) for k, v in r.items()}}
                          for p, r in rep.periods.to_dict(orient="index").items()]}
        json.dump(doc, out, indent=2)
        out.write("\n")
    else:
        out.write(format_report(rep, str(path)))
    return rep


@dataclass(frozen=True)
class ReportFigures:
    """A report's numbers as the DORA page quotes them (short names: the page's glue keys).

    Units: ``all_dpw`` changes a week; ``all_lt_med`` hours; ``all_cfr``, ``all_rework`` and ``cfr_<level>``
    percent; ``fk_days`` the Four Keys window and ``fk_daily_days`` its "Daily" threshold (days with a deploy a
    week), days; ``all_level_*`` DORA levels; ``fk_*`` the Four Keys buckets as phrases for prose.
    """

    all_dpw: float
    all_lt_med: float
    all_cfr: float
    all_rework: float
    all_level_dpw: str
    all_level_lt: str
    all_level_cfr: str
    all_level_restore: str
    fk_days: int
    fk_daily_days: int
    fk_freq: str
    fk_lead: str
    fk_restore: str
    fk_cfr: str
    cfr_elite: float
    cfr_high: float
    cfr_medium: float


def report_figures(rep: DoraReport) -> ReportFigures:
    """The whole log's metrics (``100 *`` the ratios, in %), its four DORA levels, the Four Keys buckets as phrases
    ("Daily deployment frequency", "a lead time of One day"...), and the cited typical change failure rate of the
    elite, high and medium clusters (%, ``benchmarks.dora<year>_<level>_change_failure_ratio``).

    >>> t = pd.Timestamp("2025-01-06T00:00Z")
    >>> log = pd.DataFrame({"deploy_id": ["D1", "D2"], "deployed_at": [t, t + pd.Timedelta(days=1)],
    ...     "commits": [1, 1], "failed": [False, True], "remediation": ["none", "rollback"],
    ...     "detected_at": [pd.NaT, t + pd.Timedelta(days=1, minutes=5)],
    ...     "rollback_started_at": [pd.NaT, t + pd.Timedelta(days=1, minutes=6)],
    ...     "restored_at": [pd.NaT, t + pd.Timedelta(days=1, minutes=10)], "unplanned": [False, False]})
    >>> f = report_figures(dora_report(log))
    >>> f.all_cfr, f.all_rework, f.fk_restore
    (50.0, 0.0, 'a time to restore of One day')
    """
    o, fk = rep.overall, rep.fourkeys
    dpw, lt, cfr, restore = rep.levels.values()
    typical = {lv: 100 * fact(f"benchmarks.dora{REPORT_YEAR}_{lv}_change_failure_ratio").value
               for lv in ("elite", "high", "medium")}
    return ReportFigures(
        all_dpw=o.deploys_per_week, all_lt_med=o.lead_time_median_h, all_cfr=100 * o.change_failure_ratio,
        all_rework=100 * o.rework_ratio, all_level_dpw=dpw, all_level_lt=lt, all_level_cfr=cfr,
        all_level_restore=restore, fk_days=fk.window_days,
        fk_daily_days=int(fact("benchmarks.fourkeys_daily_min_days_per_week").value),
        fk_freq=f"{fk.deployment_frequency} deployment frequency", fk_lead=f"a lead time of {fk.lead_time}",
        fk_restore=f"a time to restore of {fk.time_to_restore}", fk_cfr=f"a change failure rate of {fk.change_failure}",
        cfr_elite=typical["elite"], cfr_high=typical["high"], cfr_medium=typical["medium"])
