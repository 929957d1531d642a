"""Generate the change log: production deployments and the commits they shipped.

The story (assumptions in ``system.yml`` under ``sample_data.delivery``; fictional sample data):

* Deploys per day are Poisson. The weekly rate rises linearly inside each era (MVP a few a week,
  the Scale era past the 10-a-week target); weekends run at a small fraction of a weekday and the
  time of day follows the team's working hours (US East), so nights are quiet.
* The error-budget policy (``data/reliability/error-budget-policy.yaml``) freezes a service's feature
  work while the rolling budget of one of its SLOs is spent, in any region; the windows are computed
  from the committed SLI history (:func:`dfp.reliability.incidents.freeze_windows`, so this group is
  generated after ``reliability``). Inside a window the service ships no feature deploys: each drawn
  deploy of it survives with ``freeze_rate_factor`` and is reliability work. Outside, a deploy is
  reliability work with ``reliability_work_ratio`` and a feature otherwise; an unplanned deploy (below)
  is a fix (column ``work``).
* Strategy follows the era: scripted manual rollouts in the MVP, Argo CD rolling syncs from the Full
  platform era, canary rollouts for the application services from ``canary_from`` (ADR-0011, after
  INC-03); infrastructure and observability changes stay on rolling syncs.
* Each deploy ships a Poisson number of commits (a few redeploys ship none); a commit's lead time is
  lognormal around the era's median, so the commit time is the deploy time minus that lead time.
* A deploy fails with the era's change-failure ratio. Detection and rollback times are lognormal
  around the strategy's medians; a canary exposes only its traffic share.
* The change-related incidents (INC-03 bad configuration, INC-05 debug logging left on, INC-06 the IAM
  wildcard grant) each get the deployment that caused them, from the incident record
  (``cause.deploy``): detected at the record's ``detected``, rollback started at the record's time,
  service restored at the incident's impact end. INC-01, INC-02 and INC-04 have
  external causes (a tenant's replay, an AWS dependency, a destination) and no causing deploy.
* Rework (DORA 2024's fifth metric): the first change to the same service within
  ``_FIX_WITHIN_H`` hours after a failed change was detected is its fix, an unplanned deployment
  (``unplanned``). It is derived from the rows above and draws nothing from the random stream, so
  every other column and file stays as it was.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from dfp.io.data import load
from dfp.io.openslo import load_slos
from dfp.io.system import System
from dfp.reliability.incidents import freeze_windows, in_freeze, incident_records, load_budget_policy

__all__ = ["generate"]

_TS = "%Y-%m-%dT%H:%M:%SZ"
_FIX_WITHIN_H = 72  # a change to the failed service this soon after detection is the fix (rework)
_APP = ("ingestion-api", "processors", "delivery")
# relative deploy rate by UTC hour: the team works roughly 13:00-23:00 UTC (US East business hours)
_HOUR_W = np.array([0.15, 0.1, 0.05, 0.03, 0.03, 0.03, 0.03, 0.05, 0.08, 0.1, 0.15, 0.3,
                    0.6, 1.0, 1.0, 1.0, 1.0, 0.9, 1.0, 1.0, 0.9, 0.7, 0.45, 0.25])


def _lognormal(rng: np.random.Generator, median: np.ndarray | Sequence[float] | float, sigma: float, n: int) -> np.ndarray:
    return np.asarray(median, dtype=float) * rng.lognormal(0.0, sigma, n)


def _daily_rate(system: System, days: pd.DatetimeIndex) -> np.ndarray:
    d = system.sample["delivery"]
    rate = np.zeros(len(days))
    for era in system.eras:
        lo, hi = (float(x) for x in d["deploys_per_week"][era.id])
        inside = (days >= era.start) & (days < era.end)
        frac = ((days - era.start) / (era.end - era.start)).to_numpy(dtype=float)
        rate = np.where(inside, lo + (hi - lo) * frac, rate)
    wf = float(d["weekend_factor"])
    weekend = days.day_of_week >= 5
    per_day = rate / (5.0 + 2.0 * wf) * np.where(weekend, wf, 1.0)
    return per_day


def _deploys(system: System, rng: np.random.Generator, windows: pd.DataFrame) -> pd.DataFrame:
    d = system.sample["delivery"]
    days = pd.date_range(system.start, system.end, freq="D", inclusive="left")
    n = rng.poisson(_daily_rate(system, days))
    day = np.repeat(days.to_numpy(), n)
    total = int(n.sum())
    hour = rng.choice(24, size=total, p=_HOUR_W / _HOUR_W.sum())
    minute = rng.integers(0, 60, total)
    ts = pd.DatetimeIndex(day) + pd.to_timedelta(hour * 60 + minute, unit="min")
    services = list(d["services"])
    w = np.array([float(d["services"][s]) for s in services])
    service = np.array(services)[rng.choice(len(services), size=total, p=w / w.sum())]
    u = rng.random(total)
    change_type = np.where(service == "platform-infra", "infra",
                           np.where(service == "observability", np.where(u < 0.6, "config", "code"),
                                    np.where(u < 0.25, "config", "code")))
    era = np.array([system.era_of(t).id for t in pd.DatetimeIndex(days)])[np.repeat(np.arange(len(days)), n)]
    canary_from = pd.Timestamp(d["canary_from"], tz="UTC")
    strategy = np.where(era == "mvp", "manual",
                        np.where((ts >= canary_from) & np.isin(service, _APP), "canary", "rolling"))
    mean_commits = np.array([float(d["commits_per_deploy_mean"][e]) for e in era])
    commits = 1 + rng.poisson(np.maximum(mean_commits - 1.0, 0.0))
    commits = np.where(rng.random(total) < float(d["no_change_deploy_ratio"]), 0, commits)
    cfr = np.array([float(d["change_failure_ratio"][e]) for e in era])
    failed = (rng.random(total) < cfr) & (commits > 0)
    detect = _lognormal(rng, [float(d["detect_min"][s]) for s in strategy], 0.5, total)
    rollback = _lognormal(rng, [float(d["rollback_min"][s]) for s in strategy], 0.4, total)
    fix_forward = rng.random(total) < 0.2
    rollback = np.where(fix_forward, rollback * 3.0, rollback)
    detected = ts + pd.to_timedelta(np.round(detect * 60), unit="s")
    started = detected + pd.to_timedelta(np.round(rng.exponential(3.0, total) * 60), unit="s")
    restored = started + pd.to_timedelta(np.round(rollback * 60), unit="s")
    df = pd.DataFrame({
        "deployed_at": ts, "service": service, "change_type": change_type, "strategy": strategy,
        "commits": commits, "failed": failed,
        "remediation": np.where(failed, np.where(fix_forward, "fix-forward", "rollback"), "none"),
        "blast_share": np.where(failed, np.where(strategy == "canary", float(d["canary_share"]), 1.0), np.nan),
        "detected_at": detected.where(failed), "rollback_started_at": started.where(failed),
        "restored_at": restored.where(failed), "incident_id": None, "era": era,
    })
    # error-budget freezes: a frozen service ships only reliability work, at freeze_rate_factor of its rate
    frozen = in_freeze(df["deployed_at"], df["service"], windows)
    keep = ~frozen | (rng.random(total) < float(d["freeze_rate_factor"]))
    reliability = frozen | (rng.random(total) < float(d["reliability_work_ratio"]))
    df = df.assign(work=np.where(reliability, "reliability", "feature"))[keep]
    rows = []
    for rec in incident_records(system):
        c = rec.cause_deploy
        if c is None:
            continue
        at = c.deployed_at
        rows.append({
            "deployed_at": at, "service": c.service, "change_type": c.change_type,
            "strategy": "canary" if at >= canary_from and c.service in _APP else (
                "manual" if system.era_of(at).id == "mvp" else "rolling"),
            "commits": 1, "failed": True, "remediation": "rollback", "blast_share": 1.0,
            "detected_at": rec.detected_at, "rollback_started_at": c.rollback_started_at,
            "restored_at": rec.mitigated_at, "incident_id": rec.id, "era": system.era_of(at).id,
            "work": "reliability" if bool(in_freeze(pd.Series([at]), pd.Series([c.service]), windows)[0])
            else "feature",
        })
    df = pd.concat([df, pd.DataFrame(rows)], ignore_index=True)
    df = df.sort_values("deployed_at", kind="stable").reset_index(drop=True)
    df["deploy_id"] = [f"D{i + 1:05d}" for i in range(len(df))]
    return df


def _unplanned(dep: pd.DataFrame) -> np.ndarray:
    """True for each deployment that fixed a failed change: the next change to the same service after
    the failure was detected, within ``_FIX_WITHIN_H`` hours."""
    changes = dep.loc[dep["commits"] > 0, ["deployed_at", "service"]].reset_index().rename(columns={"index": "row"})
    failed = dep.loc[dep["failed"], ["detected_at", "service"]].sort_values("detected_at", kind="stable")
    fix = pd.merge_asof(failed, changes.sort_values("deployed_at", kind="stable"), left_on="detected_at",
                        right_on="deployed_at", by="service", direction="forward", allow_exact_matches=False,
                        tolerance=pd.Timedelta(hours=_FIX_WITHIN_H))
    out = np.zeros(len(dep), dtype=bool)
    out[fix["row"].dropna().astype(int).to_numpy()] = True
    return out


def _commits(system: System, rng: np.random.Generator, dep: pd.DataFrame) -> pd.DataFrame:
    d = system.sample["delivery"]
    k = dep["commits"].to_numpy()
    idx = np.repeat(np.arange(len(dep)), k)
    era = dep["era"].to_numpy()[idx]
    med = np.array([float(d["lead_time_median_h"][e]) for e in era])
    sig = np.array([float(d["lead_time_sigma"][e]) for e in era])
    lead_h = med * np.exp(sig * rng.standard_normal(len(idx)))
    at = pd.DatetimeIndex(dep["deployed_at"].to_numpy()[idx], tz="UTC")
    committed = (at - pd.to_timedelta(np.round(lead_h * 3600), unit="s")).floor("s")
    out = pd.DataFrame({"committed_at": committed, "service": dep["service"].to_numpy()[idx],
                        "deploy_id": dep["deploy_id"].to_numpy()[idx]})
    out = out.sort_values(["committed_at", "deploy_id"], kind="stable").reset_index(drop=True)
    out.insert(0, "commit_id", [f"c{i + 1:06d}" for i in range(len(out))])
    out["committed_at"] = out["committed_at"].dt.strftime(_TS)
    return out


def generate(system: System, rng: np.random.Generator) -> dict[str, pd.DataFrame]:
    """The change log: ``deployments.csv`` and ``commits.csv.gz``."""
    windows = freeze_windows(load("sli_hourly"), load_slos(), load_budget_policy())
    dep = _deploys(system, rng, windows)
    com = _commits(system, rng, dep)
    unplanned = _unplanned(dep)
    out = dep.drop(columns="era").assign(unplanned=unplanned, work=np.where(unplanned, "fix", dep["work"]))
    for col in ("deployed_at", "detected_at", "rollback_started_at", "restored_at"):
        out[col] = pd.to_datetime(out[col], utc=True).dt.strftime(_TS)
    out["blast_share"] = out["blast_share"].round(3)
    cols = ["deploy_id", "deployed_at", "service", "change_type", "strategy", "commits", "failed",
            "remediation", "blast_share", "detected_at", "rollback_started_at", "restored_at", "incident_id", "unplanned",
            "work"]
    out = out[cols]
    for col in ("failed", "unplanned"):
        out[col] = out[col].map({True: "true", False: "false"})
    return {"deployments.csv": out, "commits.csv.gz": com}
