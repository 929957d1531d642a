"""02 Infrastructure: the address plan, the Terraform that must match it, stream sizing and recovery."""

import dataclasses
import ipaddress
import math
import re
from pathlib import Path

import hcl2
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dfp.capacity.network import address_plan, carve_subnets, overlaps, usable_ips, vpc_cidr
from dfp.capacity.recovery import durability_nines, recovery_table, replicated_durability, restore_time_min
from dfp.capacity.sizing import peak_events_per_s, stream_shards
from dfp.core.errors import PlaybookError
from dfp.core.paths import data_dir, repo_root
from dfp.io.data import load
from dfp.io.external import fact
from dfp.io.policies import load_policies
from dfp.io.system import load_system
from dfp.security.iam import load_policy_document
from dfp.security.residency import ReplicationRule, replication_findings

TF = repo_root() / "book" / "02-infrastructure" / "terraform"
REGIONS = ["us-east-1", "eu-west-1"]


def _plan():
    return address_plan(load_policies()["network"], REGIONS)


def _clean(x):
    """python-hcl2 keeps string quotes and adds block markers; strip both for comparisons."""
    if isinstance(x, dict):
        return {_clean(k): _clean(v) for k, v in x.items() if k not in ("__is_block__", "__comments__")}
    if isinstance(x, list):
        return [_clean(v) for v in x]
    if isinstance(x, str) and len(x) >= 2 and x[0] == x[-1] == '"':
        return x[1:-1]
    return x


def _hcl(path: Path) -> dict:
    with path.open() as f:
        return _clean(hcl2.load(f))


def test_every_terraform_file_parses():
    files = sorted(TF.rglob("*.tf"))
    assert len(files) >= 6
    for f in files:
        assert _hcl(f), f


def test_plan_has_no_overlaps_and_fits_its_vpcs():
    plan = _plan()
    assert overlaps(plan["cidr"].tolist()) == []
    assert overlaps(sorted(set(plan["vpc"]))) == []
    for _, r in plan.iterrows():
        assert ipaddress.ip_network(r["cidr"]).subnet_of(ipaddress.ip_network(r["vpc"]))


def test_overlap_detector_catches_a_clash():
    assert overlaps(["10.1.0.0/16", "10.1.32.0/19"]) == [("10.1.0.0/16", "10.1.32.0/19")]


def test_reserved_room_for_new_regions_and_azs():
    net = load_policies()["network"]
    used = {vpc_cidr(net["supernet"], net["vpc_prefix"], i) for i in net["region_index"].values()}
    free = [vpc_cidr(net["supernet"], net["vpc_prefix"], i) for i in range(2, net["staging_offset"])]
    assert len(free) >= 10 and not used & set(free)
    assert (_plan()["first_era"] == "reserved").sum() == 3 * 2 * 2  # one spare AZ slot per tier, VPC


def test_carve_rejects_tiers_that_do_not_fit():
    with pytest.raises(PlaybookError, match="does not fit"):
        carve_subnets("10.0.0.0/20", [{"name": "private", "prefix": 21}], 3)


def test_usable_ips_subtracts_aws_reserved():
    assert usable_ips("10.0.0.0/19", int(fact("quotas.aws_reserved_ips_per_subnet").value)) == 8192 - 5


@pytest.mark.parametrize("region", REGIONS)
def test_terraform_cidrs_equal_the_computed_plan(region):
    m = _hcl(TF / "environments" / f"prod-{region}" / "network" / "main.tf")["module"][0]["network"]
    plan = _plan()
    p = plan[(plan["env"] == "prod") & (plan["region"] == region) & (plan["first_era"] != "reserved")]
    assert m["vpc_cidr"] == p["vpc"].iloc[0]
    for tier in ("private", "data", "public"):
        assert m[f"{tier}_subnets"] == p.loc[p["tier"] == tier].sort_values("az_slot")["cidr"].tolist()
    assert len(m["azs"]) == load_policies()["network"]["azs_by_era"]["scale"]


def test_state_is_split_per_environment_region_and_layer():
    keys = []
    for f in (TF / "environments").rglob("main.tf"):
        backend = _hcl(f)["terraform"][0]["backend"][0]["s3"]
        env_region, layer = f.parent.parent.name, f.parent.name
        env, region = env_region.split("-", 1)
        assert backend["key"] == f"{env}/{region}/{layer}.tfstate"
        keys.append(backend["key"])
    assert len(keys) == len(set(keys)) >= 3


def _eu_data():
    return _hcl(TF / "environments" / "prod-eu-west-1" / "data" / "main.tf")


def test_eu_stream_matches_the_sizing_rule():
    pol = load_policies()["stream"]
    system = load_system()
    peak = peak_events_per_s(load("traffic_hourly"), pol["burst_factor"], "eu-west-1")
    shards = stream_shards(peak, pol["tenant_limit_events_per_s"], system.sample["mean_event_bytes"], pol["headroom"],
                           shard_records_per_s=fact("quotas.kinesis_shard_write_records_s").value,
                           shard_mb_per_s=fact("quotas.kinesis_shard_write_mb_s").value)
    m = _eu_data()["module"][0]["event_stream"]
    assert m["shard_count"] == shards
    assert m["retention_hours"] == pol["retention_h"]


def _resource(doc, kind, name):
    for r in doc["resource"]:
        if kind in r and name in r[kind]:
            return r[kind][name]
    raise AssertionError(f"{kind}.{name} not in the HCL")


def _providers(doc) -> dict[str | None, str]:
    """Provider alias (None = the default provider) -> region, from the file's provider blocks."""
    out = {}
    for block in doc["provider"]:
        for cfg in block.values():
            alias = cfg.get("alias")
            out[f"aws.{alias}" if alias else None] = cfg["region"]
    return out


def _ref(value: str) -> tuple[str, str]:
    """``${aws_s3_bucket.events_replica.arn}`` -> (resource type, name)."""
    m = re.fullmatch(r"\$\{(\w+)\.(\w+)\.\w+\}", value)
    assert m, f"not a reference: {value}"
    return m.group(1), m.group(2)


def buckets(doc) -> dict[str, dict]:
    """Terraform name -> {bucket, region, versioning, sse, kms_key, bucket_key, public_access_block,
    object_lock_days} for every aws_s3_bucket in a parsed HCL file."""
    regions, out = _providers(doc), {}
    for block in doc["resource"]:
        for name, b in block.get("aws_s3_bucket", {}).items():
            out[name] = {"bucket": b["bucket"], "region": regions[_provider(b)],
                         "object_lock_enabled": b.get("object_lock_enabled", False)}
    for block in doc["resource"]:
        for kind, items in block.items():
            for cfg in items.values():
                if "bucket" not in cfg or kind == "aws_s3_bucket" or not str(cfg["bucket"]).startswith("${"):
                    continue
                b = out[_ref(cfg["bucket"])[1]]
                if kind == "aws_s3_bucket_versioning":
                    b["versioning"] = cfg["versioning_configuration"][0]["status"] == "Enabled"
                elif kind == "aws_s3_bucket_server_side_encryption_configuration":
                    rule = cfg["rule"][0]
                    sse = rule["apply_server_side_encryption_by_default"][0]
                    b["sse"], b["kms_key"] = sse["sse_algorithm"], _ref(sse["kms_master_key_id"])[1]
                    b["bucket_key"] = rule["bucket_key_enabled"]
                elif kind == "aws_s3_bucket_public_access_block":
                    b["public_access_block"] = all(cfg[k] is True for k in (
                        "block_public_acls", "block_public_policy", "ignore_public_acls", "restrict_public_buckets"))
                elif kind == "aws_s3_bucket_object_lock_configuration":
                    ret = cfg["rule"][0]["default_retention"][0]
                    b["object_lock_mode"], b["object_lock_days"] = ret["mode"], ret["days"]
    return out


def _provider(cfg) -> str | None:
    p = cfg.get("provider")
    return p.strip("${}") if p else None


def replication_rules(doc) -> list[ReplicationRule]:
    """The S3 replication rules of a parsed HCL file, with regions resolved through the providers."""
    bs, out = buckets(doc), []
    for block in doc["resource"]:
        for cfg in block.get("aws_s3_bucket_replication_configuration", {}).values():
            src = bs[_ref(cfg["bucket"])[1]]
            account = cfg["role"].split(":")[4]
            for rule in cfg["rule"]:
                dst = bs[_ref(rule["destination"][0]["bucket"])[1]]
                markers = rule.get("delete_marker_replication", [{"status": "Disabled"}])[0]["status"] == "Enabled"
                out.append(ReplicationRule(src["bucket"], src["region"], dst["bucket"], dst["region"], account, markers))
    return out


def _scp():
    return load_policy_document(data_dir() / "security" / "scp" / "eu-region-lock.json")


def _scp_regions(scp) -> list[str]:
    lock = next(st for st in scp["Statement"] if "aws:RequestedRegion" in st.get("Condition", {}).get(
        "StringNotEquals", {}))
    return lock["Condition"]["StringNotEquals"]["aws:RequestedRegion"]


def test_eu_store_protection_matches_the_recovery_model():
    doc, stores = _eu_data(), load_policies()["recovery"]["stores"]
    rds = _resource(doc, "aws_db_instance", "config")
    assert rds["multi_az"] is True
    assert rds["backup_retention_period"] == stores["metadata-rds"]["backup_retention_days"]
    assert rds["allocated_storage"] == stores["metadata-rds"]["size_gb"]
    assert _resource(doc, "aws_dynamodb_table", "state")["point_in_time_recovery"][0]["enabled"] is True
    rule = _resource(doc, "aws_s3_bucket_replication_configuration", "events")["rule"][0]
    rtc = rule["destination"][0]["replication_time"][0]["time"][0]["minutes"]
    assert rtc == stores["event-store-s3"]["replication_lag_min"] == fact("quotas.s3_rtc_replication_min").value
    for b in buckets(doc).values():  # both copies: versioned, locked, SSE-KMS, never public
        assert b["versioning"] and b["object_lock_enabled"] and b["public_access_block"]
        assert b["sse"] == "aws:kms" and b["object_lock_mode"] == "GOVERNANCE"


def test_scp_allows_exactly_the_replication_terraform_configures():
    scp, rules = _scp(), replication_rules(_eu_data())
    assert rules and all(r.source_region == "eu-west-1" for r in rules)
    assert replication_findings(scp, rules, _scp_regions(scp)) == []
    # the policy's one replica bucket is the model's replica of the EU event store, in a region the policy allows
    model = {k: v for k, v in model_view(_last_month()).items() if k[0] == "s3-bucket"}
    replicas = {v["replication_to"] for v in model.values() if v["replication_to"]}
    allowed = next(st for st in scp["Statement"] if "NotResource" in st)["NotResource"]
    assert allowed == [f"arn:aws:s3:::{b}/*" for b in sorted(replicas)]
    assert {k[1] for k in model if k[2] in replicas} <= set(_scp_regions(scp))


@pytest.mark.parametrize("seed", ["us-replica", "delete-markers", "other-account", "other-bucket"])
def test_scp_check_fails_on_a_seeded_contradiction(seed):
    scp, (rule,) = _scp(), replication_rules(_eu_data())
    bad = {"us-replica": dataclasses.replace(rule, destination_region="us-east-1"),
           "delete-markers": dataclasses.replace(rule, delete_markers=True),
           "other-account": dataclasses.replace(rule, destination_account="111122223333"),
           "other-bucket": dataclasses.replace(rule, destination_bucket="dfp-events-eu-west-1-archive")}[seed]
    assert replication_findings(scp, [bad], _scp_regions(scp))


def test_a_replication_denied_by_the_scp_is_reported_even_inside_the_allowed_regions():
    scp = {"Version": "2012-10-17", "Statement": [{"Sid": "NoReplication", "Effect": "Deny",
                                                   "Action": "s3:PutReplicationConfiguration", "Resource": "*"}]}
    (rule,) = replication_rules(_eu_data())
    assert replication_findings(scp, [rule], ["eu-west-1", "eu-central-1"]) == [
        f"{rule.source_bucket} -> {rule.destination_bucket}: s3:PutReplicationConfiguration in eu-west-1 is denied"
        " by ['NoReplication']"]


def test_recovery_table_by_hand():
    stores = {"db": {"backup_interval_min": 5, "restore_fixed_min": 20, "restore_gb_per_h": 200, "failover_min": 2},
              "obj": {"backup_interval_min": 0, "restore_fixed_min": 30, "restore_gb_per_h": 2000,
                      "replication_lag_min": 15}}
    t = recovery_table(stores, {"db": 400, "obj": 1000}, 15, 240).set_index(["store", "scenario"])
    assert t.loc[("db", "corruption"), "rto_min"] == pytest.approx(20 + 400 / 200 * 60)
    assert t.loc[("db", "az_loss"), "rto_min"] == 2
    assert math.isinf(t.loc[("db", "region_loss"), "rpo_min"])
    assert not t.loc[("db", "region_loss"), "meets_targets"]
    # RPO target is strict: a 15-minute replication lag does not meet RPO < 15 min
    assert not t.loc[("obj", "region_loss"), "meets_targets"]
    assert restore_time_min(0, 100, 5) == 5


def test_durability():
    d = fact("quotas.s3_designed_durability").value
    assert durability_nines(d) == pytest.approx(11)
    assert durability_nines(replicated_durability(d, 2)) > 15


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(18, 26), min_size=1, max_size=4), st.integers(1, 4))
def test_carved_subnets_never_overlap_and_stay_inside(prefixes, slots):
    tiers = [{"name": f"t{i}", "prefix": p} for i, p in enumerate(prefixes)]
    try:
        rows = carve_subnets("10.9.0.0/16", tiers, slots)
    except PlaybookError:
        return  # the tiers do not fit: rejected, never silently truncated
    cidrs = [c for _, _, c in rows]
    assert len(rows) == len(tiers) * slots
    assert overlaps(cidrs) == []
    assert all(ipaddress.ip_network(c).subnet_of(ipaddress.ip_network("10.9.0.0/16")) for c in cidrs)


def test_policies_reject_a_bad_headroom(tmp_path):
    import yaml

    from dfp.core.paths import data_dir

    raw = yaml.safe_load((data_dir() / "platform.yml").read_text())
    raw["stream"]["headroom"] = 30
    p = tmp_path / "platform.yml"
    p.write_text(yaml.safe_dump(raw))
    with pytest.raises(PlaybookError, match=r"stream.headroom must be in \(0, 1\); got 30"):
        load_policies(p)


def test_address_space_and_growth_room():
    import pandas as pd

    from dfp.capacity import network
    from dfp.io.policies import load_policies

    net = load_policies()["network"]
    plan = network.address_plan(net, ["us-east-1", "eu-west-1"], reserved_per_subnet=5)
    prod = plan.loc[plan["env"] == "prod"]
    space = network.address_space(prod, 5, net["vpc_prefix"])
    assert (space.sum(axis=1) == 2 ** (32 - net["vpc_prefix"])).all()
    room = network.subnet_growth_room(pd.Series({"private": 4091, "data": 251, "public": 251}), 4, 58)
    assert room.loc["private", "needed_ips"] == 4 * 59
    assert room.loc["private", "growth_room_x"] == network.subnet_headroom(4091, 236)


# The EU data layer's Terraform against the platform model (data/platform.yml resources) in the last month.

_TF_SCOPE = {"kinesis-stream", "dynamodb-table", "rds-instance"}
_S3_SCOPE = {"events", "replica"}  # the logs bucket is the observability layer's; tenant archives come at onboarding
_KEY_SCOPE = {"events", "config"}  # the logs key likewise


def _last_month() -> str:
    import pandas as pd

    return f"{load_system().end - pd.Timedelta(days=1):%Y-%m}"


def _blocks(doc, kind):
    return {name: cfg for block in doc["resource"] for name, cfg in block.get(kind, {}).items()}


def terraform_view(doc) -> dict[tuple[str, str, str], dict]:
    """(kind, region, AWS name) -> settings in the model's vocabulary, for the data layer's resources."""
    regions = _providers(doc)
    aliases = {_ref(a["target_key_id"])[1]: (a["name"].removeprefix("alias/"), regions[_provider(a)])
               for a in _blocks(doc, "aws_kms_alias").values()}
    key_name = {tf: name for tf, (name, _) in aliases.items()}
    out: dict[tuple[str, str, str], dict] = {}
    for tf, k in _blocks(doc, "aws_kms_key").items():
        name, region = aliases[tf]
        assert regions[_provider(k)] == region and k["enable_key_rotation"] is True
        out[("kms-key", region, name)] = {"data_class": k["tags"]["data_class"]}
    m = doc["module"][0]["event_stream"]
    out[("kinesis-stream", regions[None], m["name"])] = {"capacity_mode": "provisioned", "shards": m["shard_count"],
                                                          "retention_h": m["retention_hours"]}
    for t in _blocks(doc, "aws_dynamodb_table").values():
        out[("dynamodb-table", regions[_provider(t)], t["name"])] = {
            "capacity_mode": "on-demand" if t["billing_mode"] == "PAY_PER_REQUEST" else "provisioned",
            "pitr": t["point_in_time_recovery"][0]["enabled"],
            "kms_key": key_name[_ref(t["server_side_encryption"][0]["kms_key_arn"])[1]]}
    for r in _blocks(doc, "aws_db_instance").values():
        out[("rds-instance", regions[_provider(r)], r["identifier"])] = {
            "instance_class": r["instance_class"], "multi_az": r["multi_az"], "storage_gb": r["allocated_storage"],
            "engine": r["engine"], "kms_key": key_name[_ref(r["kms_key_id"])[1]]}
    bs = buckets(doc)
    tf_of = {b["bucket"]: tf for tf, b in bs.items()}
    repl = {_ref(c["bucket"])[1]: c["rule"][0] for c in _blocks(doc, "aws_s3_bucket_replication_configuration").values()}
    dest_class = {_ref(r["destination"][0]["bucket"])[1]: r["destination"][0]["storage_class"] for r in repl.values()}
    for tf, b in bs.items():
        rule = repl.get(tf)
        out[("s3-bucket", b["region"], b["bucket"])] = {
            "versioning": b["versioning"], "encryption": "sse-kms" if b["sse"] == "aws:kms" else b["sse"],
            "kms_key": key_name[b["kms_key"]], "object_lock": b["object_lock_mode"].lower(),
            "object_lock_days": b["object_lock_days"], "public_access_block": b["public_access_block"],
            "bucket_key": b["bucket_key"],
            "replication_to": bs[_ref(rule["destination"][0]["bucket"])[1]]["bucket"] if rule else None,
            "replicate_delete_markers": bool(rule) and rule["delete_marker_replication"][0]["status"] == "Enabled",
            "storage_class": dest_class.get(tf, "STANDARD").lower().replace("_", "-")}
    assert set(tf_of) == {k[2] for k in out if k[0] == "s3-bucket"}
    return out


def model_view(month: str, regions=("eu-west-1", "eu-central-1")) -> dict[tuple[str, str, str], dict]:
    """The same view from ``dfp.io.platform.resources_at(month)``, restricted to the data layer's scope."""
    from dfp.io.platform import resources_at

    r = resources_at(month)
    r = r.loc[(r["env"] == "prod") & r["region"].isin(regions)]
    names = dict(zip(r["id"], r["name"], strict=True))
    keep = (r["kind"].isin(_TF_SCOPE) | ((r["kind"] == "s3-bucket") & r["content"].isin(_S3_SCOPE))
            | ((r["kind"] == "kms-key") & r["data_class"].isin(_KEY_SCOPE)))
    fields = {"kms-key": ["data_class"], "kinesis-stream": ["capacity_mode", "shards", "retention_h"],
              "dynamodb-table": ["capacity_mode", "pitr", "kms_key"],
              "rds-instance": ["instance_class", "multi_az", "storage_gb", "engine", "kms_key"],
              "s3-bucket": ["versioning", "encryption", "kms_key", "object_lock", "object_lock_days",
                            "public_access_block", "bucket_key", "replication_to", "replicate_delete_markers",
                            "storage_class"]}
    out = {}
    for row in r.loc[keep].to_dict("records"):
        vals = {}
        for f in fields[row["kind"]]:
            v = row[f]
            if f in ("kms_key", "replication_to"):
                v = None if v is None or v != v else names[v]
            elif isinstance(v, float) and v.is_integer():
                v = int(v)
            vals[f] = v
        out[(row["kind"], row["region"], row["name"])] = vals
    return out


def model_differences(tf: dict, model: dict) -> list[str]:
    """What the Terraform and the model disagree on: resources only in one, and settings that differ."""
    out = [f"{k} in Terraform, not in the model" for k in sorted(set(tf) - set(model))]
    out += [f"{k} in the model, not in Terraform" for k in sorted(set(model) - set(tf))]
    for k in sorted(set(tf) & set(model)):
        for f, v in model[k].items():
            if tf[k].get(f) != v:
                out.append(f"{k} {f}: Terraform {tf[k].get(f)!r}, model {v!r}")
    return out


def test_eu_data_layer_terraform_equals_the_model_in_the_last_month():
    assert model_differences(terraform_view(_eu_data()), model_view(_last_month())) == []


@pytest.mark.parametrize("seed", ["replica-region", "rds-class", "bucket-key", "extra-key"])
def test_model_check_fails_on_a_seeded_contradiction(seed):
    doc = _eu_data()
    if seed == "replica-region":  # one replica region in Terraform that the model lacks
        next(p for b in doc["provider"] for p in b.values() if p.get("alias") == "replica")["region"] = "eu-north-1"
    elif seed == "rds-class":
        _resource(doc, "aws_db_instance", "config")["instance_class"] = "db.r6g.xlarge"
    elif seed == "bucket-key":
        _resource(doc, "aws_s3_bucket_server_side_encryption_configuration", "events")["rule"][0][
            "bucket_key_enabled"] = True
    else:
        doc["resource"].append({"aws_kms_key": {"tenant_a": {"enable_key_rotation": True, "tags": {
            "data_class": "events"}}}, "aws_kms_alias": {"tenant_a": {"name": "alias/tenant-a",
                                                                       "target_key_id": "${aws_kms_key.tenant_a.key_id}"}}})
    assert model_differences(terraform_view(doc), model_view(_last_month()))
