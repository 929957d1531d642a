"""The capacity pages against the platform model and the bill: the plan's node groups, the stream's shards and
the billed node-hours are one system; each check is shown to fail on a seeded contradiction."""

import pandas as pd
import pytest

from dfp.capacity import sizing
from dfp.core.errors import PlaybookError
from dfp.io.data import load
from dfp.io.external import fact
from dfp.io.focus import load_billing
from dfp.io.policies import load_policies
from dfp.io.system import load_system

MONTH = "2026-10"   # the story's last month (month 23), the month the pages report


def _rule():
    pol, system = load_policies()["stream"], load_system()
    return sizing.stream_sizing(load("traffic_hourly"), [r.id for r in system.regions], pol["burst_factor"],
                                system.sample["mean_event_bytes"], pol["tenant_limit_events_per_s"], pol["headroom"],
                                shard_records_per_s=fact("quotas.kinesis_shard_write_records_s").value,
                                shard_mb_per_s=fact("quotas.kinesis_shard_write_mb_s").value)


def test_model_shards_are_the_sizing_rule():
    streams = sizing.model_streams(MONTH)
    assert (streams["capacity_mode"] == "provisioned").all()
    sizing.check_stream_shards(_rule(), streams)
    assert sizing.model_stream_shards(MONTH) == {r: int(n) for r, n in streams["shards"].items()}


def test_stream_check_fails_on_a_seeded_contradiction():
    streams = sizing.model_streams(MONTH)
    bad = streams.assign(shards=streams["shards"] + 1)   # one more shard in the model than the rule gives
    with pytest.raises(PlaybookError, match="shards in the model"):
        sizing.check_stream_shards(_rule(), bad)


def test_plan_node_groups_are_the_model_node_groups():
    groups = sizing.model_node_groups(MONTH)
    kube = load_policies()["kubernetes"]
    assert set(groups["node_group"]) <= set(kube["node_groups"])
    assert set(groups["instance_type"]) <= set(kube["node_types"])
    plan = sizing.month_node_plan(kube, load("traffic_hourly"), MONTH, groups)
    assert set(zip(plan["region"], plan["node_group"], strict=True)) == set(
        zip(groups["region"], groups["node_group"], strict=True))
    assert (plan["mean_nodes"] >= groups.set_index(["region", "node_group"]).loc[
        list(zip(plan["region"], plan["node_group"], strict=True)), "min_nodes"].to_numpy()).all()


def test_the_bill_pays_for_the_planned_production_nodes():
    kube = load_policies()["kubernetes"]
    vcpu = {t: s["vcpu"] for t, s in kube["node_types"].items()}
    traffic, bill, system = load("traffic_hourly"), load_billing(), load_system()
    for m in range(24):   # every month of the story, the EU cell's first weeks without traffic included
        month = system.month_start(m).strftime("%Y-%m")
        plan = sizing.month_node_plan(kube, traffic, month, sizing.model_node_groups(month))
        sizing.check_plan_matches_bill(plan, sizing.billed_node_hours(bill, month, vcpu))
    plan = sizing.month_node_plan(kube, traffic, MONTH, sizing.model_node_groups(MONTH))
    billed = sizing.billed_node_hours(bill, MONTH, vcpu)
    # seeded: a node group the model does not have, billed in the same month
    prod = billed.loc[billed["cluster"].str.startswith("prod-")]
    extra = pd.concat([billed, prod.iloc[[0]].assign(node_group="gpu")])
    with pytest.raises(PlaybookError, match="billed, not planned"):
        sizing.check_plan_matches_bill(plan, extra)


def test_one_utilisation_figure():
    kube = load_policies()["kubernetes"]
    u = sizing.production_cpu_utilisation(kube, load("traffic_hourly"), load_billing(), MONTH)
    assert 0.05 < u < 0.6
    with pytest.raises(PlaybookError, match="nothing billed or planned"):
        sizing.production_cpu_utilisation(kube, load("traffic_hourly"), load_billing(), "2030-01")


def test_the_cost_pages_capacity_table_agrees_with_the_one_utilisation_figure():
    """modelcheck.billed_capacity's production rows (the cost page's table) sum to production_cpu_utilisation."""
    from dfp.cost.modelcheck import billed_capacity

    kube = load_policies()["kubernetes"]
    cap = billed_capacity(load_billing(), load("traffic_hourly"), pd.Period(MONTH, "M"))
    prod = cap[cap["env"] == "prod"]
    ratio = prod["cpu_used_core_h"].sum() / prod["cpu_billed_core_h"].sum()
    assert ratio == pytest.approx(sizing.production_cpu_utilisation(kube, load("traffic_hourly"), load_billing(), MONTH),
                                  rel=1e-9)
