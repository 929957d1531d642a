"""Schemas of the change log: production deployments and the commits they shipped (issue 6)."""

from __future__ import annotations

from dfp.io.schema import Column, Schema

SERVICES = ("ingestion-api", "processors", "delivery", "storage", "platform-infra", "observability")
CHANGE_TYPES = ("code", "config", "infra")
STRATEGIES = ("manual", "rolling", "canary")
REMEDIATIONS = ("none", "rollback", "fix-forward")
WORK = ("feature", "reliability", "fix")
_GEN = "dfp.generate.delivery"

deployments = Schema(
    name="deployments",
    file="deployments.csv",
    description=(
        "Every production deployment of the 24-month story: service, change type, rollout strategy, "
        "commits shipped, and for a failed change its detection, rollback and restore times and the "
        "calendar incident it caused."
    ),
    generated_by=_GEN,
    grain="one row per production deployment",
    key=("deploy_id",),
    columns=(
        Column("deploy_id", "str", "-", "Stable id, D00001... in time order"),
        Column("deployed_at", "timestamp", "UTC", "When the rollout reached production traffic"),
        Column("service", "str", "-", "Deployed service or configuration area", allowed=SERVICES),
        Column("change_type", "str", "-", "Application code, runtime configuration or infrastructure (IaC)",
               allowed=CHANGE_TYPES),
        Column("strategy", "str", "-", "manual (MVP scripts), rolling (Argo CD sync), canary (progressive)",
               allowed=STRATEGIES),
        Column("commits", "int", "commits", "Commits first shipped; 0 = redeploy of an unchanged version",
               low=0),
        Column("failed", "bool", "-", "The change degraded production and needed remediation (DORA change failure)"),
        Column("remediation", "str", "-", "What restored service after a failed change", allowed=REMEDIATIONS),
        Column("blast_share", "float", "fraction", "Share of traffic exposed to the failed change (1 = all)",
               low=0, high=1, nullable=True),
        Column("detected_at", "timestamp", "UTC", "When the failure was detected; empty if not failed", nullable=True),
        Column("rollback_started_at", "timestamp", "UTC", "When the rollback or fix started; empty if not failed",
               nullable=True),
        Column("restored_at", "timestamp", "UTC", "When service was restored; empty if not failed", nullable=True),
        Column("incident_id", "str", "-", "Calendar incident (system.yml) this deploy caused; empty if none",
               nullable=True),
        Column("unplanned", "bool", "-", "Not planned: made to fix a failed change in production (DORA 2024 rework)"),
        Column("work", "str", "-", "feature, reliability (planned reliability or security work) or fix (unplanned); "
               "an error-budget freeze lets only reliability and fix ship", allowed=WORK),
    ),
)

commits = Schema(
    name="commits",
    file="commits.csv.gz",
    description="Every commit merged to the main branch and the production deployment that first shipped it.",
    generated_by=_GEN,
    grain="one row per commit",
    key=("commit_id",),
    columns=(
        Column("commit_id", "str", "-", "Short id, c000001... in time order"),
        Column("committed_at", "timestamp", "UTC", "When the commit was authored (the lead-time clock starts)"),
        Column("service", "str", "-", "Service the commit changes", allowed=SERVICES),
        Column("deploy_id", "str", "-", "Deployment that first shipped the commit (deployments.csv)"),
    ),
)

SCHEMAS = (deployments, commits)
