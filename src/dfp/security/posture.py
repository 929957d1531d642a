"""Security controls of DataFlow Platform, measured: threat ranking, patch SLAs, expiry, DSRs, coverage.

===========================  =======================================================================
``load_policy``               the team's security policy numbers (``data/security/policy.yml``)
``load_threat_model``         the STRIDE threat model (``data/security/threat_model.yml``), validated
``rank_threats``              inherent and residual risk (likelihood x impact), ranked
``load_controls``             controls and the framework requirements they answer (``controls.yml``)
``coverage``                  framework requirement -> controls, status and measured evidence
``remediation``               each finding's time to fix and whether it met its severity's SLA
``sla_compliance``            share of findings fixed within SLA, per month found and severity
``open_ageing``               open and overdue findings at each month end, by severity
``expiry_report``             every secret and certificate: days to expiry, age, status
``dsr_turnaround``            each data-subject request's turnaround against the deadline
``reviews_on_time``           share of access reviews completed by their due date
``residency_share``           share of a home region's customers' events ingested in that region
``audit_log_retention``       how long the audit-log bucket keeps logs queryable, locked and at all
===========================  =======================================================================

Risk scoring: ``risk = likelihood x impact`` on 1-5 scales (1..25); bands: >= 15 high, >= 8
medium, else low (a common 5x5 matrix; the bands are the team's choice, not a standard).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from dfp.core.errors import PlaybookError
from dfp.core.paths import data_dir
from dfp.io.system import System
from dfp.io.yamlfile import load_yaml

__all__ = [
    "MEASUREMENT_LABELS",
    "STRIDE",
    "AuditRetention",
    "SecurityPolicy",
    "audit_log_retention",
    "coverage",
    "dsr_as_of",
    "dsr_by_era",
    "dsr_turnaround",
    "expiry_report",
    "load_controls",
    "load_policy",
    "load_threat_model",
    "open_ageing",
    "rank_threats",
    "remediation",
    "residency_share",
    "reviews_on_time",
    "risk_band",
    "sla_by_era",
    "sla_compliance",
]

STRIDE = {"S": "Spoofing", "T": "Tampering", "R": "Repudiation", "I": "Information disclosure",
          "D": "Denial of service", "E": "Elevation of privilege"}
SEVERITIES = ("critical", "high", "medium", "low")
_STATUSES = ("implemented", "partial", "planned")
#: What each control measurement (``measured_by`` in controls.yml) checks, as a page shows it.
MEASUREMENT_LABELS = {
    "human_mfa": "Every human production identity has MFA",
    "iam_cross_tenant": "No attached policy reads across tenants",
    "access_reviews_on_time": "Access reviews signed off on time",
    "certificates_valid": "No expired TLS certificate",
    "long_lived_keys": "No long-lived access key",
    "critical_within_sla": "Scale-era criticals fixed within the SLA",
    "dsr_within_deadline": "Data-subject requests within the deadline",
    "eu_residency": "EU customers' events ingested in eu-west-1",
    "audit_retention": "Audit logs kept and locked at least 90 days",
}


def _read_yaml(path: Path) -> Any:
    if not path.is_file():
        raise PlaybookError(f"security data file not found: {path}")
    return load_yaml(path)


@dataclass(frozen=True)
class SecurityPolicy:
    """Remediation SLAs (h) per severity and the hygiene limits of the access review."""

    remediation_sla_h: Mapping[str, float]
    certificate_warning_days: int
    access_key_max_age_days: int
    unused_principal_days: int


def load_policy(system: System, path: Path | str | None = None) -> SecurityPolicy:
    """``policy.yml`` with the critical SLA taken from the target ``critical_vuln_patch_h``."""
    path = Path(path) if path is not None else data_dir() / "security" / "policy.yml"
    raw = _read_yaml(path)
    sla = dict(raw.get("remediation_sla_h") or {})
    if "critical" in sla:
        raise PlaybookError(f"{path.name}: remediation_sla_h.critical belongs in system.yml (critical_vuln_patch_h)")
    sla["critical"] = system.target("critical_vuln_patch_h").value
    for sev in SEVERITIES:
        v = sla.get(sev)
        if not isinstance(v, (int, float)) or v <= 0:
            raise PlaybookError(f"{path.name}: remediation_sla_h.{sev} must be a number of hours > 0; got {v!r}")
    ints = {}
    for key in ("certificate_warning_days", "access_key_max_age_days", "unused_principal_days"):
        v = raw.get(key)
        if not isinstance(v, int) or v < 1:
            raise PlaybookError(f"{path.name}: {key} must be an integer >= 1; got {v!r}")
        ints[key] = v
    return SecurityPolicy({s: float(sla[s]) for s in SEVERITIES}, **ints)


def load_threat_model(path: Path | str | None = None) -> pd.DataFrame:
    """The STRIDE threats as a frame; every field checked (STRIDE letter, 1-5 scores, control ids).

    Raises:
        PlaybookError: naming the threat id and field, e.g. a likelihood of 6 or residual above inherent.
    """
    path = Path(path) if path is not None else data_dir() / "security" / "threat_model.yml"
    rows = (_read_yaml(path) or {}).get("threats")
    if not isinstance(rows, list) or not rows:
        raise PlaybookError(f"{path.name}: needs a non-empty list 'threats'")
    fields = ("id", "component", "flow", "stride", "title", "likelihood", "impact", "controls",
              "residual_likelihood", "residual_impact")
    for i, t in enumerate(rows):
        where = f"{path.name}: threats[{i}] ({t.get('id', '?')})"
        missing = [f for f in fields if f not in t]
        if missing:
            raise PlaybookError(f"{where}: missing field(s) {missing}")
        if t["stride"] not in STRIDE:
            raise PlaybookError(f"{where}: stride must be one of {list(STRIDE)}; got {t['stride']!r}")
        for f in ("likelihood", "impact", "residual_likelihood", "residual_impact"):
            if not isinstance(t[f], int) or not 1 <= t[f] <= 5:
                raise PlaybookError(f"{where}: {f} must be an integer in [1, 5]; got {t[f]!r}")
        if t["residual_likelihood"] > t["likelihood"] or t["residual_impact"] > t["impact"]:
            raise PlaybookError(f"{where}: residual scores cannot exceed inherent ones")
        if not isinstance(t["controls"], list) or not t["controls"]:
            raise PlaybookError(f"{where}: controls must be a non-empty list of control ids")
    df = pd.DataFrame(rows, columns=list(fields))
    if df["id"].duplicated().any():
        raise PlaybookError(f"{path.name}: duplicate threat id {df.loc[df['id'].duplicated(), 'id'].iloc[0]!r}")
    return df


def risk_band(score: float) -> str:
    """``high`` for a likelihood x impact score >= 15, ``medium`` >= 8, else ``low``.

    >>> risk_band(15), risk_band(8), risk_band(7)
    ('high', 'medium', 'low')
    """
    if not 1 <= score <= 25:
        raise PlaybookError(f"risk score must be in [1, 25]; got {score}")
    return "high" if score >= 15 else "medium" if score >= 8 else "low"


def rank_threats(threats: pd.DataFrame, controls: pd.DataFrame | None = None) -> pd.DataFrame:
    """Inherent and residual risk, reduction, bands; ranked by residual then inherent risk.

    With ``controls`` given, every control id a threat cites must exist there.
    """
    if controls is not None:
        known = set(controls["id"])
        for t in threats.itertuples():
            unknown = [c for c in t.controls if c not in known]
            if unknown:
                raise PlaybookError(f"threat {t.id}: unknown control id(s) {unknown}")
    out = threats.assign(
        inherent=threats["likelihood"] * threats["impact"],
        residual=threats["residual_likelihood"] * threats["residual_impact"],
        category=threats["stride"].map(STRIDE),
    )
    out["reduction"] = 1 - out["residual"] / out["inherent"]
    out["inherent_band"] = out["inherent"].map(risk_band)
    out["residual_band"] = out["residual"].map(risk_band)
    return out.sort_values(["residual", "inherent", "id"], ascending=[False, False, True]).reset_index(drop=True)


def load_controls(path: Path | str | None = None) -> pd.DataFrame:
    """The controls as a frame; ids unique, status known, framework lists present."""
    path = Path(path) if path is not None else data_dir() / "security" / "controls.yml"
    rows = (_read_yaml(path) or {}).get("controls")
    if not isinstance(rows, list) or not rows:
        raise PlaybookError(f"{path.name}: needs a non-empty list 'controls'")
    fields = ("id", "name", "layer", "soc2", "gdpr", "ccpa", "status", "evidence", "measured_by")
    for i, c in enumerate(rows):
        where = f"{path.name}: controls[{i}] ({c.get('id', '?')})"
        missing = [f for f in fields if f not in c]
        if missing:
            raise PlaybookError(f"{where}: missing field(s) {missing}")
        if c["status"] not in _STATUSES:
            raise PlaybookError(f"{where}: status must be one of {list(_STATUSES)}; got {c['status']!r}")
        for f in ("soc2", "gdpr", "ccpa"):
            if not isinstance(c[f], list) or not all(isinstance(x, str) for x in c[f]):
                raise PlaybookError(f"{where}: {f} must be a list of strings (quote section numbers); got {c[f]!r}")
    df = pd.DataFrame(rows, columns=list(fields))
    if df["id"].duplicated().any():
        raise PlaybookError(f"{path.name}: duplicate control id {df.loc[df['id'].duplicated(), 'id'].iloc[0]!r}")
    return df


def coverage(controls: pd.DataFrame, measured: Mapping[str, bool]) -> pd.DataFrame:
    """One row per framework requirement: its controls, their status and the measured evidence.

    Args:
        controls: :func:`load_controls`.
        measured: measurement key (``measured_by``) -> whether the measured evidence passes.

    ``evidence`` is ``measured: pass``/``measured: fail`` when a control has a measurement,
    ``artifact`` otherwise; ``covered`` is true when at least one implemented control answers the
    requirement and none of its measurements fails.
    """
    rows = []
    for c in controls.itertuples():
        key = str(c.measured_by or "")
        if key and key not in measured:
            raise PlaybookError(f"control {c.id}: measurement {key!r} was not provided")
        ev = ("measured: pass" if measured[key] else "measured: fail") if key else "artifact"
        for fw in ("soc2", "gdpr", "ccpa"):
            for req in getattr(c, fw):
                rows.append({"framework": {"soc2": "SOC 2", "gdpr": "GDPR", "ccpa": "CCPA"}[fw],
                             "requirement": str(req), "control": c.id, "status": c.status, "evidence": ev})
    df = pd.DataFrame(rows)
    g = df.groupby(["framework", "requirement"], sort=True)
    out = g.agg(controls=("control", lambda s: ", ".join(sorted(s))),
                implemented=("status", lambda s: int((s == "implemented").sum())),
                measured=("evidence", lambda s: int(s.str.startswith("measured").sum())),
                failing=("evidence", lambda s: int((s == "measured: fail").sum())))
    out["covered"] = (out["implemented"] > 0) & (out["failing"] == 0)
    return out.reset_index()


def _verdict(done: float, open_for: float, limit: float) -> bool | float:
    """True/False when decided (done within limit, or open past it), NaN while pending."""
    if not np.isnan(done):
        return bool(done <= limit)
    return False if open_for > limit else float("nan")


def remediation(findings: pd.DataFrame, policy: SecurityPolicy, as_of: pd.Timestamp) -> pd.DataFrame:
    """Each finding with ``fix_h`` (NaN while open), ``sla_h``, ``age_h`` at ``as_of`` and ``within_sla``.

    ``within_sla`` is True when fixed within the severity's SLA, False when fixed late or still open
    past it, and NaN (pending) when open and still inside it.
    """
    sla = findings["severity"].map(policy.remediation_sla_h).astype(float)
    fix_h = (findings["fixed_at"] - findings["found_at"]).dt.total_seconds() / 3600.0
    if (fix_h < 0).any():
        raise PlaybookError(f"vuln_findings: {findings.loc[fix_h < 0, 'finding_id'].iloc[0]} fixed before it was found")
    age = (as_of - findings["found_at"]).dt.total_seconds() / 3600.0
    within = pd.Series([_verdict(f, a, lim) for f, a, lim in zip(fix_h, age, sla, strict=True)],
                       index=findings.index, dtype="object")
    return findings.assign(fix_h=fix_h, sla_h=sla, age_h=age, within_sla=within)


def sla_compliance(rem: pd.DataFrame, system: System) -> pd.DataFrame:
    """Share of decided findings (fixed, or open past SLA) that met the SLA, per story month found x severity."""
    d = rem.loc[rem["within_sla"].notna()].assign(month=rem["found_at"].map(system.month_of))
    d = d.assign(ok=d["within_sla"].astype(bool))
    out = d.pivot_table(index="month", columns="severity", values="ok", aggfunc="mean")
    return out.reindex(index=range(system.months), columns=list(SEVERITIES))


def open_ageing(findings: pd.DataFrame, policy: SecurityPolicy, ends: pd.DatetimeIndex) -> pd.DataFrame:
    """Open findings and those open past their SLA at each instant of ``ends``, by severity."""
    sla = pd.to_timedelta(findings["severity"].map(policy.remediation_sla_h).astype(float), unit="h")
    rows = []
    for t in ends:
        open_ = (findings["found_at"] <= t) & (findings["fixed_at"].isna() | (findings["fixed_at"] > t))
        over = open_ & (findings["found_at"] + sla < t)
        for sev in SEVERITIES:
            s = findings["severity"] == sev
            rows.append({"at": t, "severity": sev, "open": int((open_ & s).sum()), "overdue": int((over & s).sum())})
    return pd.DataFrame(rows)


def expiry_report(secrets: pd.DataFrame, policy: SecurityPolicy, as_of: pd.Timestamp) -> pd.DataFrame:
    """Each secret with ``days_to_expiry``, ``age_days`` and ``status``.

    status: ``expired``; ``renew-now`` (not auto-rotated and within the warning window);
    ``long-lived-key`` (an IAM access key older than the maximum age); ``ok`` otherwise.
    """
    days = (secrets["expires_at"] - as_of).dt.days
    age = (as_of - secrets["issued_at"]).dt.days
    status = np.select(
        [days.notna() & (days < 0),
         days.notna() & (days <= policy.certificate_warning_days) & ~secrets["auto_rotated"],
         (secrets["kind"] == "iam-access-key") & (age > policy.access_key_max_age_days)],
        ["expired", "renew-now", "long-lived-key"], default="ok")
    return secrets.assign(days_to_expiry=days, age_days=age, status=status)


def dsr_turnaround(dsrs: pd.DataFrame, deadline_days: float, as_of: pd.Timestamp) -> pd.DataFrame:
    """Each request with ``days`` (NaN while open), ``open_days`` and ``within_deadline``.

    ``within_deadline``: completed within ``deadline_days``; an open request counts as late once
    it has been open longer than the deadline, and is pending (NaN) before that.
    """
    if deadline_days <= 0:
        raise PlaybookError(f"deadline_days must be > 0; got {deadline_days}")
    days = (dsrs["completed_at"] - dsrs["received_at"]).dt.total_seconds() / 86400.0
    open_days = (as_of - dsrs["received_at"]).dt.total_seconds() / 86400.0
    within = pd.Series([_verdict(d, o, deadline_days) for d, o in zip(days, open_days, strict=True)],
                       index=dsrs.index, dtype="object")
    return dsrs.assign(days=days, open_days=open_days, within_deadline=within)


def reviews_on_time(reviews: pd.DataFrame, as_of: pd.Timestamp) -> float:
    """Share of access reviews due by ``as_of`` that were completed on or before their due date.

    A review due before ``as_of`` and not completed counts as late; NaN when none was due.
    """
    due = reviews.loc[reviews["due_on"] <= as_of]
    if due.empty:
        return float("nan")
    ok = due["completed_on"].notna() & (due["completed_on"] <= due["due_on"])
    return float(ok.mean())


def residency_share(usage: pd.DataFrame, customers: pd.DataFrame, region: str) -> float:
    """Share of the events of customers homed in ``region`` that were ingested in ``region``.

    GDPR residency evidence: for ``eu-west-1`` it must be 1.0. NaN when the region has no customers' events.

    >>> u = pd.DataFrame({"customer_id": ["A", "A", "B"], "region": ["eu-west-1", "us-east-1", "us-east-1"],
    ...                   "events": [90, 10, 50]})
    >>> c = pd.DataFrame({"customer_id": ["A", "B"], "region": ["eu-west-1", "us-east-1"]})
    >>> residency_share(u, c, "eu-west-1")
    0.9
    """
    homed = set(customers.loc[customers["region"] == region, "customer_id"])
    mine = usage.loc[usage["customer_id"].isin(homed)]
    total = mine["events"].sum()
    if total == 0:
        return float("nan")
    return float(mine.loc[mine["region"] == region, "events"].sum() / total)


_ARCHIVE_CLASSES = ("GLACIER", "DEEP_ARCHIVE")


@dataclass(frozen=True)
class AuditRetention:
    """Days an audit log stays queryable (before archive), locked against deletion, and kept at all."""

    queryable_days: int
    locked_days: int
    expire_days: int | None


def audit_log_retention(config: Mapping[str, Any], name: str = "audit-log bucket") -> AuditRetention:
    """Read an S3 bucket's Object Lock and lifecycle configuration (the AWS API's JSON shapes).

    ``queryable_days``: days until the first enabled transition to an archive class (GLACIER,
    DEEP_ARCHIVE), else until expiration; ``locked_days``: the Object Lock default retention in
    COMPLIANCE mode (0 without it); ``expire_days``: the earliest enabled expiration (None = never).

    Raises:
        PlaybookError: malformed configuration, or an expiration earlier than the lock.

    >>> cfg = {"ObjectLockConfiguration": {"ObjectLockEnabled": "Enabled",
    ...        "Rule": {"DefaultRetention": {"Mode": "COMPLIANCE", "Days": 100}}},
    ...        "LifecycleConfiguration": {"Rules": [{"ID": "r", "Status": "Enabled",
    ...        "Transitions": [{"Days": 120, "StorageClass": "GLACIER"}], "Expiration": {"Days": 365}}]}}
    >>> audit_log_retention(cfg)
    AuditRetention(queryable_days=120, locked_days=100, expire_days=365)
    """
    lock = config.get("ObjectLockConfiguration") or {}
    locked = 0
    if lock.get("ObjectLockEnabled") == "Enabled":
        rule = (lock.get("Rule") or {}).get("DefaultRetention") or {}
        if rule.get("Mode") == "COMPLIANCE":
            days = rule.get("Days")
            if not isinstance(days, int) or days < 1:
                raise PlaybookError(f"{name}: DefaultRetention.Days must be an integer >= 1; got {days!r}")
            locked = days
    rules = (config.get("LifecycleConfiguration") or {}).get("Rules")
    if not isinstance(rules, list):
        raise PlaybookError(f"{name}: LifecycleConfiguration.Rules must be a list")
    archive: list[int] = []
    expire: list[int] = []
    for r in rules:
        if r.get("Status") != "Enabled":
            continue
        archive += [int(t["Days"]) for t in r.get("Transitions", []) if t.get("StorageClass") in _ARCHIVE_CLASSES]
        if "Expiration" in r:
            expire.append(int(r["Expiration"]["Days"]))
    expire_days = min(expire) if expire else None
    if expire_days is not None and expire_days < locked:
        raise PlaybookError(f"{name}: lifecycle expires logs after {expire_days} days, before the {locked}-day lock")
    queryable = min(archive) if archive else (expire_days if expire_days is not None else 10**6)
    return AuditRetention(queryable, locked, expire_days)


def sla_by_era(remediated: pd.DataFrame, eras: list[str]) -> pd.DataFrame:
    """Share of decided findings fixed within SLA per era (rows, in ``eras`` order) and severity, plus the
    era's finding count; ``remediated`` is :func:`remediation` with an ``era`` column."""
    decided = remediated.loc[remediated["within_sla"].notna()].assign(ok=lambda d: d["within_sla"].astype(bool))
    by_era = decided.pivot_table(index="era", columns="severity", values="ok", aggfunc="mean")
    by_era = by_era.reindex(index=eras, columns=list(SEVERITIES))
    return by_era.assign(findings=remediated.groupby("era")["finding_id"].count().reindex(by_era.index))


def dsr_as_of(dsrs: pd.DataFrame, deadline_days: float, as_of: pd.Timestamp) -> pd.DataFrame:
    """:func:`dsr_turnaround` of the requests received before ``as_of``, as they stood then (a
    completion after ``as_of`` counts as still open)."""
    d = dsr_turnaround(dsrs.loc[dsrs["received_at"] < as_of], deadline_days, as_of)
    d = d.assign(completed_at=d["completed_at"].where(d["completed_at"] < as_of))
    return dsr_turnaround(d.drop(columns=["days", "open_days", "within_deadline"]), deadline_days, as_of)


def dsr_by_era(decided: pd.DataFrame, eras: list[str]) -> pd.DataFrame:
    """Per era (rows in ``eras`` order): requests, median and max days, share within the deadline."""
    return decided.groupby("era", sort=False).agg(
        requests=("request_id", "count"), median_days=("days", "median"), max_days=("days", "max"),
        within=("within_deadline", lambda s: s.astype(bool).mean())).reindex(eras)
