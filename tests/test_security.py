"""Security measurements, the threat model and control data, IAM analysis, and the pipeline artifact."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from dfp.core.errors import PlaybookError
from dfp.core.paths import data_dir, repo_root
from dfp.io.data import load
from dfp.io.system import load_system
from dfp.reliability.incidents import incident_record
from dfp.security import iam
from dfp.security import posture as security

AS_OF = pd.Timestamp("2026-01-10T00:00:00Z")
IAM_DIR = data_dir() / "security" / "iam"


@pytest.fixture(scope="module")
def policy():
    return security.load_policy(load_system())


def test_policy_reads_critical_sla_from_system(policy, tmp_path):
    assert policy.remediation_sla_h["critical"] == load_system().target("critical_vuln_patch_h").value == 24
    assert policy.remediation_sla_h["high"] == 168
    bad = tmp_path / "policy.yml"
    bad.write_text("remediation_sla_h: {critical: 48, high: 1, medium: 1, low: 1}\ncertificate_warning_days: 30\n"
                   "access_key_max_age_days: 90\nunused_principal_days: 90\n")
    with pytest.raises(PlaybookError, match=r"belongs in system\.yml"):
        security.load_policy(load_system(), bad)


def _findings():
    f = pd.DataFrame({
        "finding_id": ["V1", "V2", "V3", "V4", "V5"],
        "found_at": [AS_OF - pd.Timedelta(hours=h) for h in (100, 100, 30, 10, 400)],
        "severity": ["critical", "critical", "critical", "critical", "high"],
        "fixed_at": [AS_OF - pd.Timedelta(hours=h) for h in (90, 60)] + [pd.NaT, pd.NaT]
        + [AS_OF - pd.Timedelta(hours=100)],
    })
    return f


def test_remediation_by_hand(policy):
    r = security.remediation(_findings(), policy, AS_OF).set_index("finding_id")
    # V1 fixed in 10 h (ok), V2 in 40 h (late), V3 open 30 h (> 24: late), V4 open 10 h (pending),
    # V5 high fixed in 300 h (> 168: late)
    assert r.loc["V1", "fix_h"] == pytest.approx(10) and r.loc["V1", "within_sla"] is True
    assert r.loc["V2", "within_sla"] is False
    assert r.loc["V3", "within_sla"] is False and np.isnan(r.loc["V3", "fix_h"])
    assert pd.isna(r.loc["V4", "within_sla"])
    assert r.loc["V5", "within_sla"] is False


def test_open_ageing_by_hand(policy):
    f = _findings()
    a = security.open_ageing(f, policy, pd.DatetimeIndex([AS_OF])).set_index("severity")
    assert a.loc["critical", "open"] == 2 and a.loc["critical", "overdue"] == 1  # V3 overdue, V4 not yet
    assert a.loc["high", "open"] == 0
    before = security.open_ageing(f, policy, pd.DatetimeIndex([AS_OF - pd.Timedelta(hours=85)]))
    before = before.set_index("severity")
    assert before.loc["critical", "open"] == 1  # 85 h before: V1 fixed at 90 h, V2 open until 60 h


def test_fix_before_found_rejected(policy):
    f = _findings()
    f.loc[0, "fixed_at"] = f.loc[0, "found_at"] - pd.Timedelta(hours=1)
    with pytest.raises(PlaybookError, match="V1 fixed before it was found"):
        security.remediation(f, policy, AS_OF)


def test_expiry_report_by_hand(policy):
    s = pd.DataFrame({
        "secret_id": ["S1", "S2", "S3", "S4", "S5"],
        "kind": ["tls-certificate", "tls-certificate", "tls-certificate", "iam-access-key", "iam-access-key"],
        "issued_at": [AS_OF - pd.Timedelta(days=d) for d in (80, 350, 400, 91, 90)],
        "expires_at": [AS_OF + pd.Timedelta(days=10), AS_OF + pd.Timedelta(days=15), AS_OF - pd.Timedelta(days=35),
                       pd.NaT, pd.NaT],
        "auto_rotated": [True, False, False, False, False],
    })
    r = security.expiry_report(s, policy, AS_OF).set_index("secret_id")
    assert r["status"].to_dict() == {"S1": "ok", "S2": "renew-now", "S3": "expired", "S4": "long-lived-key",
                                     "S5": "ok"}
    assert r.loc["S2", "days_to_expiry"] == 15


def test_dsr_turnaround_by_hand():
    d = pd.DataFrame({
        "request_id": ["R1", "R2", "R3", "R4"],
        "received_at": [AS_OF - pd.Timedelta(days=d) for d in (40, 40, 31, 5)],
        "completed_at": [AS_OF - pd.Timedelta(days=30), AS_OF - pd.Timedelta(days=5), pd.NaT, pd.NaT],
    })
    r = security.dsr_turnaround(d, 30, AS_OF).set_index("request_id")
    assert r.loc["R1", "days"] == pytest.approx(10) and r.loc["R1", "within_deadline"] is True
    assert r.loc["R2", "days"] == pytest.approx(35) and r.loc["R2", "within_deadline"] is False
    assert r.loc["R3", "within_deadline"] is False   # open for 31 days
    assert pd.isna(r.loc["R4", "within_deadline"])   # open for 5 days: pending
    with pytest.raises(PlaybookError, match="deadline_days must be > 0"):
        security.dsr_turnaround(d, 0, AS_OF)


def test_reviews_on_time_by_hand():
    day = pd.Timestamp("2026-03-31T00:00:00Z")
    r = pd.DataFrame({"due_on": [day, day, day, day + pd.Timedelta(days=90)],
                      "completed_on": [day, day + pd.Timedelta(days=2), pd.NaT, pd.NaT]})
    # three due by as_of: on time, late, never done -> 1/3; the fourth is not yet due
    assert security.reviews_on_time(r, day + pd.Timedelta(days=10)) == pytest.approx(1 / 3)
    assert np.isnan(security.reviews_on_time(r, day - pd.Timedelta(days=1)))


def test_threat_model_loads_ranks_and_links_controls():
    threats, controls = security.load_threat_model(), security.load_controls()
    ranked = security.rank_threats(threats, controls)
    assert ranked["residual"].is_monotonic_decreasing
    assert (ranked["residual"] <= ranked["inherent"]).all()
    assert set(ranked["stride"]) == set(security.STRIDE)  # every STRIDE category is modelled
    top = ranked.iloc[0]
    assert top["residual"] == top["residual_likelihood"] * top["residual_impact"]
    t04 = ranked.set_index("id").loc["T04"]
    assert (t04["inherent"], t04["residual"], t04["inherent_band"]) == (15, 5, "high")


def test_threat_model_rejects_bad_rows(tmp_path):
    good = yaml.safe_load((data_dir() / "security" / "threat_model.yml").read_text())
    bad = dict(good, threats=[dict(good["threats"][0], likelihood=6)])
    p = tmp_path / "tm.yml"
    p.write_text(yaml.safe_dump(bad))
    with pytest.raises(PlaybookError, match=r"threats\[0\] \(T01\): likelihood must be an integer in \[1, 5\]; got 6"):
        security.load_threat_model(p)
    bad = dict(good, threats=[dict(good["threats"][0], stride="X")])
    p.write_text(yaml.safe_dump(bad))
    with pytest.raises(PlaybookError, match="stride must be one of"):
        security.load_threat_model(p)
    bad = dict(good, threats=[dict(good["threats"][0], residual_impact=5)])
    p.write_text(yaml.safe_dump(bad))
    with pytest.raises(PlaybookError, match="residual scores cannot exceed"):
        security.load_threat_model(p)
    threats = security.load_threat_model()
    with pytest.raises(PlaybookError, match="unknown control id"):
        security.rank_threats(threats, security.load_controls().iloc[1:])


def test_coverage_table():
    controls = security.load_controls()
    keys = {k for k in controls["measured_by"] if k}
    cov = security.coverage(controls, dict.fromkeys(keys, True))
    assert {"SOC 2", "GDPR", "CCPA"} == set(cov["framework"])
    art32 = cov.set_index(["framework", "requirement"]).loc[("GDPR", "Art. 32")]
    assert art32["covered"] and art32["implemented"] >= 5
    failing = security.coverage(controls, {**dict.fromkeys(keys, True), "dsr_within_deadline": False})
    assert not failing.set_index(["framework", "requirement"]).loc[("GDPR", "Art. 17"), "covered"]
    with pytest.raises(PlaybookError, match="was not provided"):
        security.coverage(controls, {})


def test_controls_reject_unquoted_section_numbers(tmp_path):
    good = yaml.safe_load((data_dir() / "security" / "controls.yml").read_text())
    p = tmp_path / "c.yml"
    p.write_text(yaml.safe_dump(dict(good, controls=[dict(good["controls"][0], ccpa=[1798.15])])))
    with pytest.raises(PlaybookError, match="must be a list of strings"):
        security.load_controls(p)
    p.write_text(yaml.safe_dump(dict(good, controls=[dict(good["controls"][0], status="done")])))
    with pytest.raises(PlaybookError, match="status must be one of"):
        security.load_controls(p)


def test_audit_log_bucket_meets_the_retention_target():
    cfg = json.loads((data_dir() / "security" / "audit-log-bucket.json").read_text())
    r = security.audit_log_retention(cfg)
    target = load_system().target("audit_log_retention_days")
    assert target.met_by(r.queryable_days) and target.met_by(r.locked_days)
    assert (r.queryable_days, r.locked_days, r.expire_days) == (180, 400, 400)


def test_audit_retention_edge_cases():
    lock = {"ObjectLockEnabled": "Enabled", "Rule": {"DefaultRetention": {"Mode": "COMPLIANCE", "Days": 90}}}
    early = {"ObjectLockConfiguration": lock,
             "LifecycleConfiguration": {"Rules": [{"Status": "Enabled", "Expiration": {"Days": 30}}]}}
    with pytest.raises(PlaybookError, match="before the 90-day lock"):
        security.audit_log_retention(early)
    governance = {"ObjectLockConfiguration": {"ObjectLockEnabled": "Enabled",
                                              "Rule": {"DefaultRetention": {"Mode": "GOVERNANCE", "Days": 90}}},
                  "LifecycleConfiguration": {"Rules": [{"Status": "Disabled", "Expiration": {"Days": 1}}]}}
    r = security.audit_log_retention(governance)
    assert r.locked_days == 0 and r.expire_days is None  # governance mode can be bypassed: not a lock


def test_risk_band_bounds():
    assert [security.risk_band(s) for s in (25, 15, 14, 8, 1)] == ["high", "high", "medium", "medium", "low"]
    with pytest.raises(PlaybookError):
        security.risk_band(0)


# --- IAM analysis -------------------------------------------------------------------------------

def test_iam_findings_on_the_sample_documents():
    f = iam.directory_findings(IAM_DIR)
    by_doc = f.groupby("document")["rule"].apply(set).to_dict()
    assert by_doc["processor-2026-04-02.json"] == {"cross-tenant-prefix"}  # the INC-06 grant
    assert "processor-2026-05-14.json" not in by_doc                        # the tenant-scoped fix
    assert by_doc["analytics-legacy.json"] == {"wildcard-action", "cross-tenant-prefix"}
    assert "breakglass-admin.json" not in by_doc                            # admin, but MFA-guarded
    assert "platform-readonly.json" not in by_doc                           # describe-only on *


def test_iam_rules_on_minimal_documents():
    def doc(**st):
        return {"Version": "2012-10-17", "Statement": [{"Sid": "X", "Effect": "Allow", **st}]}

    admin = iam.policy_findings(doc(Action="*", Resource="*"), "a.json")
    assert set(admin["rule"]) == {"wildcard-action", "admin-without-mfa"}
    data = iam.policy_findings(doc(Action=["s3:GetObject", "ec2:DescribeInstances"], Resource="*"), "b.json")
    assert list(data["rule"]) == ["wildcard-resource-data"] and "s3:GetObject" in data["detail"].iloc[0]
    arn = "arn:aws:s3:::dfp-events-eu-west-1/tenants/${aws:PrincipalTag/tenant_id}/*"
    scoped = doc(Action="s3:GetObject", Resource=arn)
    assert iam.policy_findings(scoped, "c.json").empty
    deny = {"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "*", "Resource": "*"}]}
    assert iam.policy_findings(deny, "d.json").empty


def test_iam_document_validation(tmp_path):
    p = tmp_path / "bad.json"
    st = {"Sid": "S", "Effect": "Allow", "Action": "s3:*"}
    p.write_text(json.dumps({"Version": "2012-10-17", "Statement": [st]}))
    with pytest.raises(PlaybookError, match=r"bad.json: Statement\[0\] \(S\) needs exactly one of Resource and NotResource"):
        iam.load_policy_document(p)
    p.write_text("{not json")
    with pytest.raises(PlaybookError, match="not a readable JSON policy document"):
        iam.load_policy_document(p)


def test_eu_region_lock_scp():
    scp = iam.load_policy_document(data_dir() / "security" / "scp" / "eu-region-lock.json")
    lock = next(st for st in scp["Statement"] if st["Sid"] == "DenyOutsideTheEuRegions")
    assert lock["Effect"] == "Deny"
    assert lock["Condition"]["StringNotEquals"]["aws:RequestedRegion"] == ["eu-west-1", "eu-central-1"]
    assert not any(a.startswith(("s3:", "kinesis:", "dynamodb:", "kms:")) for a in lock["NotAction"])
    assert iam.policy_findings(scp, "eu-region-lock.json").empty  # deny-only: grants nothing


def test_policy_document_needs_one_of_resource_and_not_resource(tmp_path):
    p = tmp_path / "bad.json"
    p.write_text('{"Version": "2012-10-17", "Statement": [{"Sid": "B", "Effect": "Deny", "Action": "s3:*"}]}')
    with pytest.raises(PlaybookError, match=r"bad.json: Statement\[0\] \(B\) needs exactly one of Resource"):
        iam.load_policy_document(p)


def test_allow_with_not_action_is_a_wildcard():
    st = {"Sid": "N", "Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}
    doc = {"Version": "2012-10-17", "Statement": [st]}
    assert list(iam.policy_findings(doc, "n.json")["rule"]) == ["wildcard-action"]


def test_iam_cli_is_a_ci_gate(tmp_path):
    assert iam.main([str(IAM_DIR)]) == 1
    clean = tmp_path / "clean"
    clean.mkdir()
    shutil.copy(IAM_DIR / "processor-2026-05-14.json", clean)
    assert iam.main([str(clean)]) == 0


def test_principal_findings():
    p = load("iam_principals")
    as_of = load_system().end - pd.Timedelta(days=1)
    f = iam.principal_findings(p, as_of, 90)
    assert set(f.loc[f["rule"] == "unused-principal", "sid"]) == {"analytics-legacy", "legacy-backup"}
    assert (f["rule"] != "human-without-mfa").all()
    every_policy = set(p["policy"])
    assert all((IAM_DIR / name).is_file() for name in every_policy)


# --- sample data tells the calendar's story ----------------------------------------------------

def test_access_review_found_inc06_on_its_date():
    system = load_system()
    r = load("access_reviews")
    row = r.loc[r["incident_id"] == "INC-06"].iloc[0]
    # the review that found it: the incident record's detection day (system.yml incidents[].detected)
    assert row["completed_on"] == incident_record(system, "INC-06").detected_at.floor("D")
    assert row["scope"] == "tenant-storage"


def test_critical_patching_improves_across_eras(policy):
    system = load_system()
    rem = security.remediation(load("vuln_findings"), policy, system.end)
    crit = rem.loc[(rem["severity"] == "critical") & rem["within_sla"].notna()]
    era = crit["found_at"].map(lambda t: system.era_of(t).id)
    share = crit["within_sla"].astype(bool).groupby(era).mean()
    assert share["mvp"] < share["scale"]


def test_eu_customers_events_stay_in_eu():
    usage, customers = load("usage_daily"), load("customers")
    eu = set(customers.loc[customers["region"] == "eu-west-1", "customer_id"])
    assert (usage.loc[usage["customer_id"].isin(eu), "region"] == "eu-west-1").all()


# --- the pipeline artifact is a valid GitHub Actions workflow -----------------------------------

PIPELINES = sorted((repo_root() / "book" / "04-delivery" / "pipelines").glob("*.yml"))


@pytest.mark.parametrize("path", PIPELINES, ids=lambda p: p.name)
def test_pipeline_is_a_valid_github_workflow(path: Path):
    exe = Path(sys.executable).with_name("check-jsonschema")
    out = subprocess.run([str(exe), "--builtin-schema", "vendor.github-workflows", str(path)],
                         capture_output=True, text=True, check=False)
    assert out.returncode == 0, out.stdout + out.stderr


def test_pipeline_gates_and_validator_catches_a_broken_workflow(tmp_path):
    wf = yaml.safe_load(PIPELINES[0].read_text())
    jobs = wf["jobs"]
    assert jobs["build"]["needs"] == ["test", "policy"]
    assert jobs["build"]["permissions"]["id-token"] == "write"
    assert "python -m dfp.security.iam deploy/iam" in [s.get("run") for s in jobs["policy"]["steps"]]
    assert {jobs[j]["environment"] for j in ("promote-prod-eu-west-1", "promote-prod-us-east-1")} == {"production"}
    broken = tmp_path / "broken.yml"
    broken.write_text(PIPELINES[0].read_text().replace("runs-on: ubuntu-24.04", "runs-on: [1, 2]", 1)
                      .replace("timeout-minutes: 15", "timeout-minutes: soon", 1))
    exe = Path(sys.executable).with_name("check-jsonschema")
    out = subprocess.run([str(exe), "--builtin-schema", "vendor.github-workflows", str(broken)],
                         capture_output=True, text=True, check=False)
    assert out.returncode != 0


def test_sla_and_dsr_by_era():
    from dfp.io.data import load
    from dfp.io.system import load_system
    from dfp.security import posture

    system = load_system()
    as_of = system.month_start(24)
    policy = posture.load_policy(system)
    rem = posture.remediation(load("vuln_findings"), policy, as_of)
    rem["era"] = rem["found_at"].map(lambda t: system.era_of(t).name)
    view = posture.sla_by_era(rem, [e.name for e in system.eras])
    assert view["findings"].sum() == len(rem)
    assert ((view[list(posture.SEVERITIES)] >= 0) & (view[list(posture.SEVERITIES)] <= 1)).all().all()
    dsr = posture.dsr_as_of(load("dsr_requests"), 30.0, system.month_start(12))
    assert (dsr["received_at"] < system.month_start(12)).all()
    assert dsr["completed_at"].dropna().lt(system.month_start(12)).all()
    dsr["era"] = dsr["received_at"].map(lambda t: system.era_of(t).name)
    s = posture.dsr_by_era(dsr.loc[dsr["within_deadline"].notna()], [e.name for e in system.eras])
    assert list(s.index) == [e.name for e in system.eras]


# Keys and encryption context: IAM conditions must test a context key the encryption actually sets.

def _tf_bucket_key_enabled() -> set[bool]:
    import hcl2

    tf = repo_root() / "book" / "02-infrastructure" / "terraform" / "environments" / "prod-eu-west-1" / "data" / "main.tf"
    with tf.open() as f:
        doc = hcl2.load(f)
    key = '"aws_s3_bucket_server_side_encryption_configuration"'  # python-hcl2 keeps the quotes
    return {r["rule"][0]["bucket_key_enabled"] for block in doc["resource"]
            for rk, items in block.items() if rk.strip('"') == key.strip('"') for r in items.values()}


def test_every_encryption_context_condition_is_one_s3_sets():
    from dfp.security.encryption import S3_CONTEXT_KEY, context_findings

    (bucket_key,) = _tf_bucket_key_enabled()
    assert bucket_key is False  # the context is the object ARN, so a prefix-bound decrypt can match
    found = []
    for p in sorted(IAM_DIR.glob("*.json")):
        found += context_findings(iam.load_policy_document(p), p.name, {S3_CONTEXT_KEY}, bucket_key)
    assert found == []
    processor = iam.load_policy_document(IAM_DIR / "processor-2026-05-14.json")
    from dfp.security.encryption import context_condition_keys
    assert context_condition_keys(processor) == {"DecryptOwnTenantObjectsOnly": {S3_CONTEXT_KEY}}


def test_context_check_fails_on_a_tenant_id_context_and_on_bucket_keys():
    from dfp.security.encryption import S3_CONTEXT_KEY, context_findings, s3_encryption_context

    doc = iam.load_policy_document(IAM_DIR / "processor-2026-05-14.json")
    seeded = json.loads(json.dumps(doc))
    cond = seeded["Statement"][-1]["Condition"]
    cond["StringEquals"]["kms:EncryptionContext:tenant_id"] = "${aws:PrincipalTag/tenant_id}"
    assert any("tenant_id" in f for f in context_findings(seeded, "p.json", {S3_CONTEXT_KEY}, False))
    assert any("S3 Bucket Key" in f for f in context_findings(doc, "p.json", {S3_CONTEXT_KEY}, True))
    with pytest.raises(PlaybookError, match="context_keys"):
        context_findings(doc, "p.json", set(), False)
    # the object ARN S3 uses as context is matched by the policy's pattern only under the caller's prefix
    import fnmatch

    pattern = cond["StringLike"]["kms:EncryptionContext:aws:s3:arn"].replace("${aws:PrincipalTag/tenant_id}", "t1")
    own = s3_encryption_context("dfp-events-us-east-1", "tenants/t1/2026/11/a.json.gz", False)[S3_CONTEXT_KEY]
    other = s3_encryption_context("dfp-events-us-east-1", "tenants/t2/2026/11/a.json.gz", False)[S3_CONTEXT_KEY]
    assert fnmatch.fnmatchcase(own, pattern) and not fnmatch.fnmatchcase(other, pattern)


def test_legacy_analytics_role_can_delete_and_change_permissions_not_just_read():
    doc = iam.load_policy_document(IAM_DIR / "analytics-legacy.json")
    row = iam.statement_access(doc, "analytics-legacy.json").iloc[0]
    assert bool(row["destructive"]) and {"read", "delete", "permissions"} <= set(row["levels"].split(", "))
    reader = {"Version": "2012-10-17", "Statement": [{"Sid": "R", "Effect": "Allow",
                                                      "Action": ["s3:GetObject", "s3:ListBucket"], "Resource": "*"}]}
    row = iam.statement_access(reader, "r.json").iloc[0]
    assert row["levels"] == "list, read" and not bool(row["destructive"])


@pytest.mark.parametrize(("action", "levels"), [
    ("s3:GetObject", {"read"}), ("s3:ListBucket", {"list"}), ("s3:DeleteObjectVersion", {"delete"}),
    ("s3:PutBucketPolicy", {"permissions"}), ("s3:PutObjectTagging", {"tagging"}), ("s3:PutObject", {"write"}),
    ("s3:Delete*", {"delete", "permissions", "tagging"}), ("kinesis:*", set(iam.ACCESS_LEVELS)),
    ("ec2:Describe*", {"list"}), ("dynamodb:Query", {"read"}), ("sqs:SendMessage", {"write"}),
])
def test_access_levels(action, levels):
    assert iam.access_levels(action) == levels


def test_access_levels_rejects_a_malformed_action():
    with pytest.raises(PlaybookError, match="service:Action"):
        iam.access_levels("GetObject")


@settings(max_examples=80, deadline=None)
@given(st.sampled_from(["Get", "List", "Put", "Delete", "Describe", "Tag", "Create", "Head"]),
       st.sampled_from(["Object", "Bucket", "BucketPolicy", "ObjectAcl", "ObjectTagging", "Stream", "Key"]))
def test_a_service_wildcard_covers_every_action_of_the_service(verb, noun):
    assert iam.access_levels(f"s3:{verb}{noun}") <= iam.access_levels("s3:*")


#: Resources the policies name that the platform model does not carry yet (reported to the model's owner):
#: the ingestion API's key table and the legacy warehouse export bucket.
_UNMODELLED = {"dynamodb:dfp-tenants", "s3:dfp-warehouse-export-us-east-1"}


def policy_resources(doc) -> set[str]:
    """``service:name`` (``s3:bucket``, ``kinesis:stream``, ``sqs:queue``, ``dynamodb:table``) of every ARN a
    policy's Allow statements name, for the kinds the platform model carries."""
    import re

    out = set()
    for stmt in doc["Statement"]:
        if stmt["Effect"] != "Allow":
            continue
        for arn in [stmt["Resource"]] if isinstance(stmt.get("Resource"), str) else stmt.get("Resource", []):
            m = re.match(r"arn:aws:(s3|kinesis|sqs|dynamodb):[a-z0-9-]*:\d*:(?:stream/|table/)?([A-Za-z0-9._-]+)", arn)
            if m:
                out.add(f"{m.group(1)}:{m.group(2)}")
    return out


def test_every_stream_queue_table_and_bucket_a_policy_names_is_modelled():
    from dfp.io.platform import resources_at

    r = resources_at(f"{load_system().end - pd.Timedelta(days=1):%Y-%m}")
    service = {"s3-bucket": "s3", "kinesis-stream": "kinesis", "sqs-queue": "sqs", "dynamodb-table": "dynamodb"}
    modelled = {f"{service[k]}:{n}" for k, n in zip(r["kind"], r["name"], strict=True) if k in service}
    named = set().union(*(policy_resources(iam.load_policy_document(p)) for p in IAM_DIR.glob("*.json")))
    assert named - modelled == _UNMODELLED
    assert {"kinesis:events", "sqs:delivery-dlq", "s3:dfp-events-us-east-1"} <= named


def test_modelled_resource_check_fails_on_a_stream_the_model_lacks():
    doc = iam.load_policy_document(IAM_DIR / "ingestion-api.json")
    doc["Statement"][0]["Resource"] = "arn:aws:kinesis:us-east-1:111122223333:stream/dfp-events"
    assert "kinesis:dfp-events" in policy_resources(doc)


def test_the_s3_context_key_is_the_cited_one():
    from dfp.io.external import fact
    from dfp.security.encryption import S3_CONTEXT_KEY

    f = fact("quotas.s3_sse_kms_context_keys")
    assert f.value == 1 and S3_CONTEXT_KEY in f.unit and not f.illustrative
    assert fact("quotas.s3_replicated_version_deletes").value == 0


def test_every_control_measurement_has_a_page_label():
    keys = {k for k in security.load_controls()["measured_by"] if k}
    assert keys == set(security.MEASUREMENT_LABELS)


# dfp.security.residency: the SCP evaluation the replication test relies on.

_REGIONS = ["us-east-1", "us-west-2", "eu-west-1", "eu-central-1", "eu-north-1", "ap-southeast-2"]


@settings(max_examples=60, deadline=None)
@given(st.sets(st.sampled_from(_REGIONS), min_size=1), st.sampled_from(_REGIONS))
def test_a_region_lock_denies_exactly_the_regions_outside_it(allowed, region):
    from dfp.security.residency import denied_by

    scp = {"Statement": [{"Sid": "Lock", "Effect": "Deny", "NotAction": ["iam:*"], "Resource": "*",
                          "Condition": {"StringNotEquals": {"aws:RequestedRegion": sorted(allowed)}}}]}
    assert bool(denied_by(scp, "s3:PutObject", "arn:aws:s3:::b/k", {"aws:RequestedRegion": region})) == (
        region not in allowed)
    assert denied_by(scp, "iam:CreateRole", "*", {"aws:RequestedRegion": region}) == []  # global service excepted


def test_denied_by_not_resource_missing_keys_and_unknown_operators():
    from dfp.security.residency import denied_by

    scp = iam.load_policy_document(data_dir() / "security" / "scp" / "eu-region-lock.json")
    ctx = {"aws:RequestedRegion": "eu-central-1", "aws:ResourceAccount": "111111111111"}
    assert denied_by(scp, "s3:ReplicateObject", "arn:aws:s3:::dfp-events-eu-west-1-replica/tenants/t/o", ctx) == []
    assert denied_by(scp, "s3:ReplicateObject", "arn:aws:s3:::elsewhere/o", ctx) == [
        "ReplicasOnlyIntoTheEuReplicaBucketsOfThisAccount"]
    assert denied_by(scp, "S3:replicateobject", "arn:aws:s3:::dfp-events-eu-west-1-replica/o",
                     dict(ctx, **{"aws:ResourceAccount": "222222222222"})) == ["ReplicasOnlyInThisAccount"]
    assert denied_by(scp, "dynamodb:CreateTableReplica", "*", ctx) == ["DenyTableAndKeyReplicas"]
    # a condition on a key the request does not carry does not match (no IfExists)
    assert denied_by(scp, "s3:PutObject", "arn:aws:s3:::b/o", {}) == []
    odd = {"Statement": [{"Sid": "X", "Effect": "Deny", "Action": "*", "Resource": "*",
                          "Condition": {"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}}]}
    with pytest.raises(PlaybookError, match="IpAddress"):
        denied_by(odd, "s3:GetObject", "*", {"aws:SourceIp": "10.0.0.1"})
    with pytest.raises(PlaybookError, match="service:Action"):
        denied_by(scp, "GetObject", "*", ctx)
    from dfp.security.residency import replication_findings
    with pytest.raises(PlaybookError, match="allowed_regions"):
        replication_findings(scp, [], [])


def test_the_ci_gate_rejects_a_tenant_id_encryption_context():
    doc = iam.load_policy_document(IAM_DIR / "processor-2026-05-14.json")
    assert "unset-encryption-context" not in set(iam.policy_findings(doc, "p.json")["rule"])
    doc["Statement"][-1]["Condition"]["StringEquals"]["kms:EncryptionContext:tenant_id"] = "x"
    found = iam.policy_findings(doc, "p.json")
    assert found.loc[found["rule"] == "unset-encryption-context", "sid"].tolist() == ["DecryptOwnTenantObjectsOnly"]
