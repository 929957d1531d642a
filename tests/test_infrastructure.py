"""02 Infrastructure: the address plan, the Terraform that must match it, stream sizing and recovery."""

import ipaddress
import math
from pathlib import Path

import hcl2
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dfp.capacity.network import address_plan, carve_subnets, overlaps, usable_ips, vpc_cidr
from dfp.capacity.recovery import durability_nines, recovery_table, replicated_durability, restore_time_min
from dfp.capacity.sizing import peak_events_per_s, stream_shards
from dfp.core.errors import PlaybookError
from dfp.core.paths import repo_root
from dfp.io.data import load
from dfp.io.external import fact
from dfp.io.policies import load_policies
from dfp.io.system import load_system

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


def test_eu_store_protection_matches_the_recovery_model():
    doc, stores = _eu_data(), load_policies()["recovery"]["stores"]
    rds = _resource(doc, "aws_db_instance", "metadata")
    assert rds["multi_az"] is True
    assert rds["backup_retention_period"] == stores["metadata-rds"]["backup_retention_days"]
    assert rds["allocated_storage"] == stores["metadata-rds"]["size_gb"]
    assert _resource(doc, "aws_dynamodb_table", "state")["point_in_time_recovery"][0]["enabled"] is True
    rule = _resource(doc, "aws_s3_bucket_replication_configuration", "events")["rule"][0]
    rtc = rule["destination"][0]["replication_time"][0]["time"][0]["minutes"]
    assert rtc == stores["event-store-s3"]["replication_lag_min"] == fact("quotas.s3_rtc_replication_min").value
    assert "eu-" in rule["destination"][0]["bucket"] or "euc1" in rule["destination"][0]["bucket"]
    assert "use1" not in rule["destination"][0]["bucket"]  # GDPR: EU data never replicates to the US


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
