"""The bill is generated from the platform model: both directions per month, the node-hours from the capacity
page's sizing function, and each check shown to fail on a seeded contradiction."""

from __future__ import annotations

import pandas as pd
import pytest

from dfp.capacity.sizing import nodes_for_rates
from dfp.core.errors import PlaybookError
from dfp.cost.incident import incident_cost
from dfp.cost.modelcheck import billed_quantity, model_bill_mismatches, resource_of_lines
from dfp.cost.views import sku_usage
from dfp.io.data import load
from dfp.io.focus import load_billing
from dfp.io.platform import account_of, resource, resource_history
from dfp.io.policies import load_policies
from dfp.io.system import load_system


@pytest.fixture(scope="module")
def billing() -> pd.DataFrame:
    return load_billing()


@pytest.fixture(scope="module")
def usage() -> pd.DataFrame:
    return load("usage_daily")


def test_bill_and_model_agree_every_month(billing, usage):
    bad = model_bill_mismatches(billing, usage)
    assert bad.empty, bad.head(20).to_string()


def test_every_billed_kind_of_resource_is_on_the_bill(billing):
    h = resource_history()
    billed_ids = set(resource_of_lines(billing))
    assert set(h.loc[h["billed"], "id"]) <= billed_ids
    assert not billed_ids & set(h.loc[~h["billed"], "id"])   # nothing the model marks as free is billed


def _with_row(billing: pd.DataFrame, **changes) -> pd.DataFrame:
    row = billing[billing["SkuId"].str.startswith("BoxUsage:m6i")].iloc[[-1]].copy()
    for k, v in changes.items():
        row[k] = v
    return pd.concat([billing, row], ignore_index=True)


def test_seeded_extra_node_group_in_the_bill_is_found(billing, usage):
    arn = "arn:aws:eks:us-east-1:111122223333:nodegroup/prod-us-east-1/extra"
    bad = model_bill_mismatches(_with_row(billing, ResourceId=arn), usage)
    assert list(bad["problem"]) == ["billed but not modelled"] and bad["id"].iloc[0] == arn


def test_seeded_modelled_queue_never_billed_is_found(billing, usage):
    spill = billing["ChargeDescription"].str.contains("ingest-spill") & billing["RegionId"].eq("us-east-1")
    bad = model_bill_mismatches(billing[~spill], usage)
    assert set(bad["id"]) == {"spill-us-east-1"} and set(bad["problem"]) == {"modelled but not billed"}
    assert len(bad) == len(pd.period_range("2025-09", "2026-10", freq="M"))   # every month from its arrival


def test_seeded_line_before_the_resource_exists_is_found(billing, usage):
    dlq = billing[billing["ResourceId"].str.endswith(":delivery-dlq")].iloc[[0]].copy()
    dlq["ChargePeriodStart"] = pd.Timestamp("2025-12-01", tz="UTC")
    bad = model_bill_mismatches(pd.concat([billing, dlq], ignore_index=True), usage)
    assert bad[["month", "problem"]].astype(str).values.tolist() == [
        ["2025-12", "billed while the model says it does not exist"]]


def test_seeded_line_without_resource_id_is_found(billing, usage):
    bad = model_bill_mismatches(_with_row(billing, ResourceId=""), usage)
    assert list(bad["problem"]) == ["billed but not modelled"]


def _node_hours(billing: pd.DataFrame, region: str) -> tuple[float, float]:
    """(billed, planned) node-hours of a region's prod node group in 2026-10; planned by the capacity page's
    sizing function at each hour's event rate, clipped to the modelled bounds."""
    kube = load_policies()["kubernetes"]
    hourly = load("traffic_hourly")
    rid = f"nodes-prod-{region}"
    ng = resource(rid, "2026-10")
    h = hourly[(hourly["region"] == region) & (hourly["hour"].dt.strftime("%Y-%m") == "2026-10")]
    want = nodes_for_rates(kube, ng["instance_type"], h["events"].to_numpy(float) / 3600, ng["min_nodes"],
                           ng["max_nodes"]).sum()
    return float(billed_quantity(billing, rid, "BoxUsage")[pd.Period("2026-10", "M")]), float(want)


def test_node_hours_come_from_the_capacity_sizing_function(billing):
    """The prod node group's billed node-hours equal the capacity page's cluster plan, hour by hour."""
    for region in ("us-east-1", "eu-west-1"):
        got, want = _node_hours(billing, region)
        assert got == pytest.approx(want, rel=1e-6)
        ng = resource(f"nodes-prod-{region}", "2026-10")
        ec2 = billing[billing["ResourceId"].str.endswith(f"nodegroup/prod-{region}/workers")
                      & billing["ServiceName"].eq("Amazon Elastic Compute Cloud")]
        assert set(ec2["SkuId"]) == {f"BoxUsage:{ng['instance_type']}"}


def test_seeded_extra_node_hour_is_found(billing):
    """The same comparison fails when the bill runs one node-hour more than the plan."""
    seeded = billing.copy()
    row = seeded.index[seeded["ResourceId"].str.endswith("nodegroup/prod-us-east-1/workers")
                       & seeded["SkuId"].str.startswith("BoxUsage")
                       & (seeded["ChargePeriodStart"] >= pd.Timestamp("2026-10-01", tz="UTC"))][0]
    seeded.loc[row, "PricingQuantity"] += 1.0
    got, want = _node_hours(seeded, "us-east-1")
    assert got == pytest.approx(want + 1.0, rel=1e-9) and got != pytest.approx(want, rel=1e-6)


def test_stream_capacity_follows_the_model(billing):
    for region in ("us-east-1", "eu-west-1"):
        rid = f"stream-{region}"
        shard_h = billed_quantity(billing, rid, "Storage-ShardHour")
        on_demand = billed_quantity(billing, rid, "OnDemand-StreamHour")
        oct_ = pd.Period("2026-10", "M")
        assert shard_h[oct_] == pytest.approx(resource(rid, "2026-10")["shards"] * 24 * 31)
        assert on_demand.index.max() < pd.Period("2025-08", "M") <= shard_h.index.min()
        assert (billed_quantity(billing, rid, "Extended-ShardHour") == shard_h).all()   # 168 h retention billed


def test_rds_class_and_multi_az_follow_the_model(billing):
    for region in ("us-east-1", "eu-west-1"):
        r = resource(f"config-db-{region}", "2026-10")
        skus = set(billing.loc[billing["ResourceId"].str.endswith(f"{region}:{account_of('prod', region).id}:db:tenant-config"), "SkuId"])
        assert skus == {"Multi-AZUsage:db.m6g.lg", "RDS:GP3-Storage"} and r["multi_az"]


def test_inc05_is_the_model_change_on_the_bill(billing):
    """INC-05's excess is on the log pipeline's NAT lines, only while the processors logged at debug and the
    S3 gateway endpoint did not exist; after the fix Loki's chunks no longer pass the NAT gateways."""
    inc = load_system().incident("INC-05")
    cost = incident_cost(billing, inc)
    assert cost.excess_nat_gb > 0 and cost.excess_usd > 0
    nat_loki = billing[billing["ChargeDescription"].eq("NAT gateway data processed, Loki chunks to S3")]
    last = nat_loki["ChargePeriodStart"].max()
    assert last == inc.impact_end.normalize()            # none after the day the endpoint arrived
    assert not billing["ChargeDescription"].str.contains("interface endpoint|log platform", case=False).any()


def test_kms_requests_follow_the_buckets_without_bucket_keys():
    """Bucket Keys are off on the event buckets, so each event-archive PUT is also a KMS request on the bucket's
    key: the key's requests are at least the bucket's PUTs, in every region and month the bucket is billed."""
    bill = load_billing()
    for month in ("2025-06", "2026-10"):
        kms = bill.loc[(bill["SkuId"] == "KMS-Requests")
                       & (bill["ChargePeriodStart"].dt.tz_localize(None).dt.to_period("M") == pd.Period(month, "M"))]
        puts = bill.loc[(bill["ChargeDescription"] == "S3 PUT requests, event archive")
                        & (bill["ChargePeriodStart"].dt.tz_localize(None).dt.to_period("M") == pd.Period(month, "M"))]
        for region, put in puts.groupby("RegionId"):
            requests = kms.loc[kms["RegionId"] == region, "ConsumedQuantity"].sum() * 1e4
            assert requests >= put["ConsumedQuantity"].sum() * 1000 > 0, (month, region)
        assert sku_usage(bill, month, "KMS-Requests").unit == "10000 Requests"
    with pytest.raises(PlaybookError, match="no 'KMS-Requests' usage line in 2020-01"):
        sku_usage(bill, "2020-01", "KMS-Requests")
