"""Schemas of the security-control evidence: findings, secrets, IAM principals, reviews, DSRs (issue 6)."""

from __future__ import annotations

from dfp.io.schema import Column, Schema

SEVERITIES = ("critical", "high", "medium", "low")
COMPONENTS = ("ingestion-api", "processors", "delivery", "storage", "platform-infra", "observability")
SOURCES = ("image-scan", "dependency-scan", "cloud-config", "pentest")
SECRET_KINDS = ("tls-certificate", "token-signing-key", "db-credential", "destination-credential", "iam-access-key")
REGIONS = ("us-east-1", "eu-west-1")
_GEN = "dfp.generate.security"

vuln_findings = Schema(
    name="vuln_findings",
    file="vuln_findings.csv",
    description="Vulnerability findings from image, dependency and cloud-configuration scans and pentests.",
    generated_by=_GEN,
    grain="one row per finding",
    key=("finding_id",),
    columns=(
        Column("finding_id", "str", "-", "Stable id, V0001... in order of discovery"),
        Column("found_at", "timestamp", "UTC", "When the scanner or tester reported it (the SLA clock starts)"),
        Column("source", "str", "-", "What found it", allowed=SOURCES),
        Column("component", "str", "-", "Affected service or layer", allowed=COMPONENTS),
        Column("severity", "str", "-", "Severity after triage (CVSS band)", allowed=SEVERITIES),
        Column("fixed_at", "timestamp", "UTC", "When the fix reached production; empty while open", nullable=True),
    ),
)

secrets_inventory = Schema(
    name="secrets_inventory",
    file="secrets_inventory.csv",
    description="Certificates, keys and credentials in use at the end of the story, with issue and expiry dates.",
    generated_by=_GEN,
    grain="one row per secret or certificate in use on the snapshot date",
    key=("secret_id",),
    columns=(
        Column("secret_id", "str", "-", "Stable id, S001..."),
        Column("kind", "str", "-", "What it is", allowed=SECRET_KINDS),
        Column("owner", "str", "-", "Service or principal that uses it"),
        Column("region", "str", "-", "Region it lives in", allowed=REGIONS),
        Column("issued_at", "date", "UTC date", "Issued or last rotated"),
        Column("expires_at", "date", "UTC date", "Expiry; empty for credentials that never expire", nullable=True),
        Column("auto_rotated", "bool", "-", "Rotated by automation (cert-manager, Secrets Manager rotation)"),
    ),
)

iam_principals = Schema(
    name="iam_principals",
    file="iam_principals.csv",
    description="IAM roles and users on the snapshot date: policy document (data/security/iam/), last use, MFA.",
    generated_by=_GEN,
    grain="one row per IAM principal",
    key=("principal",),
    columns=(
        Column("principal", "str", "-", "Role or user name"),
        Column("kind", "str", "-", "IAM role (assumed) or IAM user (long-lived credentials)", allowed=("role", "user")),
        Column("policy", "str", "-", "Attached policy document, a file in data/security/iam/"),
        Column("created_at", "date", "UTC date", "When the principal was created"),
        Column("last_used_at", "date", "UTC date", "Last authenticated use; empty if never used", nullable=True),
        Column("human", "bool", "-", "Used by a person (MFA required) rather than a workload"),
        Column("mfa_enabled", "bool", "-", "MFA enforced for this principal (always false for workloads)"),
    ),
)

access_reviews = Schema(
    name="access_reviews",
    file="access_reviews.csv",
    description="Scheduled access reviews (SOC 2 CC6.2/CC6.3): due date, completion date and findings.",
    generated_by=_GEN,
    grain="one row per scheduled review",
    key=("review_id",),
    columns=(
        Column("review_id", "str", "-", "Stable id, AR01..."),
        Column("scope", "str", "-", "What was reviewed",
               allowed=("production-iam", "tenant-storage", "ci-cd", "databases")),
        Column("due_on", "date", "UTC date", "Last day the review is on schedule"),
        Column("completed_on", "date", "UTC date", "When it was signed off; empty if not yet done", nullable=True),
        Column("findings", "int", "findings", "Excess grants found (wildcards, unused roles, stale keys)", low=0),
        Column("incident_id", "str", "-", "Calendar incident the review discovered; empty if none", nullable=True),
    ),
)

dsr_requests = Schema(
    name="dsr_requests",
    file="dsr_requests.csv",
    description="Data-subject requests (GDPR Art. 15-17/20, CCPA) received from customers' end users, with turnaround.",
    generated_by=_GEN,
    grain="one row per request",
    key=("request_id",),
    columns=(
        Column("request_id", "str", "-", "Stable id, R0001..."),
        Column("received_at", "timestamp", "UTC", "When the verified request arrived (the deadline clock starts)"),
        Column("regime", "str", "-", "Law the request is made under", allowed=("GDPR", "CCPA")),
        Column("kind", "str", "-", "What the subject asked for",
               allowed=("access", "erasure", "rectification", "portability", "opt-out")),
        Column("region", "str", "-", "Region holding the subject's events", allowed=REGIONS),
        Column("completed_at", "timestamp", "UTC", "When the response was sent; empty while open", nullable=True),
    ),
)

SCHEMAS = (vuln_findings, secrets_inventory, iam_principals, access_reviews, dsr_requests)
