"""Generate the security-control evidence: findings, secrets, IAM principals, access reviews, DSRs.

The story (assumptions in ``system.yml`` under ``sample_data.security``; fictional sample data):

* Vulnerability findings arrive as a Poisson process per severity whose monthly rate rises over the
  story with the number of images and dependencies. Time to fix is lognormal: the critical median
  falls from days in the MVP (no scanning in the pipeline) to hours in the Scale era (ECR scan on
  push, automated dependency pull requests); lower severities take a fixed multiple of it. A fix
  that would land after the story's end leaves the finding open.
* Secrets and certificates are a snapshot of what is in use on the story's last day: automated
  certificates (cert-manager) and database credentials (Secrets Manager rotation) are fresh; one
  manually managed customer-domain certificate and customer-supplied destination tokens expire
  soon; two IAM users still hold long-lived access keys.
* IAM principals are the fixed list below, each with the policy document in
  ``data/security/iam/``; last-use dates make one legacy role and one user unused.
* Access reviews are quarterly per scope from the Full platform era. The tenant-storage review of
  2026 Q2 was pulled forward and found INC-06 on the day its record says it was detected (2026-05-13).
* Data-subject requests arrive as a Poisson process; turnaround is lognormal around the era's
  median (manual in the MVP, tooling from the Full platform era). EU data only exists once
  eu-west-1 is live.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from dfp.io.system import System
from dfp.reliability.incidents import incident_record

__all__ = ["generate"]

_TS = "%Y-%m-%dT%H:%M:%SZ"
_D = "%Y-%m-%d"
_SEV = ("critical", "high", "medium", "low")
_COMPONENTS = ("ingestion-api", "processors", "delivery", "storage", "platform-infra", "observability")
_SOURCES = ("image-scan", "dependency-scan", "cloud-config", "pentest")

# principal, kind, policy file, created, last used (None = never), human, mfa
_PRINCIPALS = [
    ("ingestion-api", "role", "ingestion-api.json", "2024-11-04", "2026-10-31", False, False),
    ("processor", "role", "processor-2026-05-14.json", "2024-11-04", "2026-10-31", False, False),
    ("delivery-worker", "role", "delivery-worker.json", "2024-12-02", "2026-10-31", False, False),
    ("ci-deployer", "role", "ci-deployer.json", "2025-03-03", "2026-10-30", False, False),
    ("platform-readonly", "role", "platform-readonly.json", "2025-03-03", "2026-10-29", True, True),
    ("breakglass-admin", "role", "breakglass-admin.json", "2025-03-03", "2026-09-14", True, True),
    ("analytics-legacy", "role", "analytics-legacy.json", "2024-11-01", "2025-02-11", False, False),
    ("snowflake-loader", "user", "snowflake-loader.json", "2024-11-01", "2026-10-31", False, False),
    ("legacy-backup", "user", "analytics-legacy.json", "2024-11-01", None, False, False),
]


def _months(system: System) -> list[pd.Timestamp]:
    return [system.month_start(m) for m in range(system.months + 1)]


def _findings(system: System, rng: np.random.Generator) -> pd.DataFrame:
    s = system.sample["security"]
    starts = _months(system)
    frames = []
    for m in range(system.months):
        frac = m / max(system.months - 1, 1)
        era = system.era_of(starts[m]).id
        for sev in _SEV:
            lo, hi = (float(x) for x in s["findings_per_month"][sev])
            n = int(rng.poisson(lo + (hi - lo) * frac))
            span = (starts[m + 1] - starts[m]).total_seconds()
            found = starts[m] + pd.to_timedelta(np.round(rng.random(n) * span), unit="s")
            med = float(s["critical_fix_median_h"][era]) * float(s["severity_fix_factor"][sev])
            fix_h = med * rng.lognormal(0.0, float(s["fix_sigma"]), n)
            fixed = found + pd.to_timedelta(np.round(fix_h * 3600), unit="s")
            frames.append(pd.DataFrame({
                "found_at": found, "source": np.array(_SOURCES)[rng.choice(4, n, p=[0.45, 0.4, 0.12, 0.03])],
                "component": np.array(_COMPONENTS)[rng.integers(0, len(_COMPONENTS), n)], "severity": sev,
                "fixed_at": pd.Series(fixed).where(pd.Series(fixed) < system.end).to_numpy(),
            }))
    df = pd.concat(frames, ignore_index=True).sort_values(["found_at", "severity"], kind="stable")
    df.insert(0, "finding_id", [f"V{i + 1:04d}" for i in range(len(df))])
    df["found_at"] = pd.to_datetime(df["found_at"], utc=True).dt.strftime(_TS)
    df["fixed_at"] = pd.to_datetime(df["fixed_at"], utc=True).dt.strftime(_TS)
    return df.reset_index(drop=True)


def _secrets(system: System, rng: np.random.Generator) -> pd.DataFrame:
    snap = system.end - pd.Timedelta(days=1)
    rows: list[dict[str, object]] = []

    def add(kind: str, owner: str, region: str, age_d: int, life_d: int | None, auto: bool) -> None:
        issued = snap - pd.Timedelta(days=age_d)
        rows.append({"kind": kind, "owner": owner, "region": region, "issued_at": issued.strftime(_D),
                     "expires_at": "" if life_d is None else (issued + pd.Timedelta(days=life_d)).strftime(_D),
                     "auto_rotated": auto})

    for region in ("us-east-1", "eu-west-1"):
        for host in ("api", "ingest", "internal-grpc"):
            add("tls-certificate", f"{host}.{region}", region, int(rng.integers(5, 60)), 90, True)
        add("token-signing-key", "oauth-token-verifier", region, int(rng.integers(10, 170)), 180, True)
        for db in ("tenants-rds", "delivery-state-rds"):
            add("db-credential", db, region, int(rng.integers(0, 30)), 30, True)
        for _ in range(int(rng.integers(5, 9))):
            add("destination-credential", "delivery-worker", region, int(rng.integers(20, 340)), 365, False)
    add("tls-certificate", "events.customer-domain (enterprise tenant)", "us-east-1", 351, 365, False)
    add("iam-access-key", "snowflake-loader", "us-east-1", 498, None, False)
    add("iam-access-key", "legacy-backup", "us-east-1", 729, None, False)
    df = pd.DataFrame(rows)
    df.insert(0, "secret_id", [f"S{i + 1:03d}" for i in range(len(df))])
    return df


def _principals() -> pd.DataFrame:
    df = pd.DataFrame(_PRINCIPALS, columns=["principal", "kind", "policy", "created_at", "last_used_at",
                                            "human", "mfa_enabled"])
    df["last_used_at"] = df["last_used_at"].fillna("")
    return df


def _reviews(system: System, rng: np.random.Generator) -> pd.DataFrame:
    first = system.era("full-platform").start
    rows = []
    inc = system.incident("INC-06")
    for q_end in pd.date_range(first, system.end, freq="QE"):
        due = q_end.tz_convert("UTC") if q_end.tzinfo else q_end.tz_localize("UTC")
        for scope in ("production-iam", "tenant-storage", "ci-cd", "databases"):
            era = system.era_of(due - pd.Timedelta(days=1)).id
            late = rng.random() < {"mvp": 0.5, "full-platform": 0.3, "scale": 0.04}[era]
            offset = int(rng.integers(1, 15)) if late else -int(rng.integers(0, 12))
            done = due + pd.Timedelta(days=offset)
            row = {"scope": scope, "due_on": due, "completed_on": done,
                   "findings": int(rng.poisson({"mvp": 4, "full-platform": 3, "scale": 1.2}[era])), "incident_id": ""}
            if scope == "tenant-storage" and due - pd.Timedelta(days=92) < inc.impact_end <= due:
                found = incident_record(system, inc.id).detected_at  # the review that found INC-06
                row.update(completed_on=found.floor("D"), findings=row["findings"] + 1, incident_id=inc.id)
            if done >= system.end:
                row["completed_on"] = None
            rows.append(row)
    df = pd.DataFrame(rows)
    df["due_on"] = pd.to_datetime(df["due_on"], utc=True).dt.strftime(_D)
    df["completed_on"] = pd.to_datetime(df["completed_on"], utc=True).dt.strftime(_D).fillna("")
    df.insert(0, "review_id", [f"AR{i + 1:02d}" for i in range(len(df))])
    return df


def _dsrs(system: System, rng: np.random.Generator) -> pd.DataFrame:
    s = system.sample["security"]
    starts = _months(system)
    eu_live = system.region("eu-west-1").live_from
    frames = []
    for m in range(system.months):
        era = system.era_of(starts[m]).id
        n = int(rng.poisson(float(s["dsr_per_month"][era])))
        span = (starts[m + 1] - starts[m]).total_seconds()
        rec = starts[m] + pd.to_timedelta(np.round(rng.random(n) * span), unit="s")
        eu = (rec >= eu_live) & (rng.random(n) < 0.35)
        ccpa = ~eu & (rng.random(n) < 0.6)
        kind = np.where(ccpa, np.array(["access", "erasure", "opt-out"])[rng.integers(0, 3, n)],
                        np.array(["access", "erasure", "rectification", "portability"])[
                            rng.choice(4, n, p=[0.4, 0.4, 0.1, 0.1])])
        days = float(s["dsr_median_days"][era]) * rng.lognormal(0.0, float(s["dsr_sigma"]), n)
        done = rec + pd.to_timedelta(np.round(days * 86400), unit="s")
        frames.append(pd.DataFrame({
            "received_at": rec, "regime": np.where(ccpa, "CCPA", "GDPR"), "kind": kind,
            "region": np.where(eu, "eu-west-1", "us-east-1"),
            "completed_at": pd.Series(done).where(pd.Series(done) < system.end).to_numpy(),
        }))
    df = pd.concat(frames, ignore_index=True).sort_values("received_at", kind="stable").reset_index(drop=True)
    df.insert(0, "request_id", [f"R{i + 1:04d}" for i in range(len(df))])
    df["received_at"] = pd.to_datetime(df["received_at"], utc=True).dt.strftime(_TS)
    df["completed_at"] = pd.to_datetime(df["completed_at"], utc=True).dt.strftime(_TS)
    return df


def generate(system: System, rng: np.random.Generator) -> dict[str, pd.DataFrame]:
    """The security evidence files."""
    return {
        "vuln_findings.csv": _findings(system, rng),
        "secrets_inventory.csv": _secrets(system, rng),
        "iam_principals.csv": _principals(),
        "access_reviews.csv": _reviews(system, rng),
        "dsr_requests.csv": _dsrs(system, rng),
    }
