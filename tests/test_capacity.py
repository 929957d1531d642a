"""Capacity: shards, hot partitions, Little's law, M/M/c against textbook values, bin-packing."""

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dfp.capacity.sizing import (
    NodeType,
    Pod,
    drain_time_s,
    erlang_c,
    hot_shard_load,
    littles_law,
    mmc_response_quantile_s,
    nodes_surviving_az_loss,
    pack_first_fit_decreasing,
    peak_events_per_s,
    servers_for_quantile,
    shards_needed,
)
from dfp.core.errors import PlaybookError
from dfp.io.data import load


def test_shards_bind_on_records_or_bytes():
    # 2,500 records/s of 800 B: 2.5 shards by records, 1.91 by bytes -> 3 shards
    s = shards_needed(2500, 800)
    assert (s.shards, s.binding) == (3, "records")
    assert s.by_bytes == pytest.approx(2500 * 800 / 1_048_576)
    # 2,500 records/s of 2 KiB: 4.88 by bytes -> 5 shards
    assert shards_needed(2500, 2048).shards == 5
    assert shards_needed(2000, 500, headroom=0.5).shards == 4
    assert shards_needed(0, 500).shards == 1


def test_hot_shard_throttles_even_with_spare_total_capacity():
    # 4 shards (4,000 rec/s of capacity) at 3,000 rec/s; one key carries 40 %:
    # hot shard = 1,200 + 1,800 / 4 = 1,650 rec/s -> 1.65 x the limit, 39.4 % throttled
    h = hot_shard_load(3000, 0.4, 4)
    assert h.records_per_s == pytest.approx(1650)
    assert h.throttled_share == pytest.approx(1 - 1000 / 1650)
    assert hot_shard_load(3000, 0.0, 4).throttled_share == 0.0


def test_littles_law_textbook():
    # Little (1961); e.g. 40 arrivals/s staying 0.5 s on average -> 20 in the system
    assert littles_law(40, 0.5) == pytest.approx(20)


def test_erlang_c_textbook_values():
    # 2 Erlangs on 3 servers: C = 4/9 (Kleinrock, Queueing Systems vol. 1, M/M/m; also the
    # standard Erlang C table). 1 server: C = rho (M/M/1).
    assert erlang_c(3, 2.0, 1.0) == pytest.approx(4 / 9)
    assert erlang_c(1, 0.7, 1.0) == pytest.approx(0.7)
    # 10 Erlangs on 12 servers: C = 0.4494 (Erlang C table, call-centre staffing example)
    assert erlang_c(12, 10.0, 1.0) == pytest.approx(0.4494, abs=1e-4)


def test_mm1_response_time_is_exponential():
    # M/M/1 sojourn time ~ Exp(mu - lambda): the q-quantile is ln(1/(1-q)) / (mu - lambda)
    for q in (0.5, 0.95, 0.99):
        assert mmc_response_quantile_s(1, 8.0, 10.0, q) == pytest.approx(math.log(1 / (1 - q)) / 2.0, rel=1e-9)


def test_mmc_mean_response_textbook():
    # M/M/1: W = 1 / (mu - lambda); M/M/3 at 2 Erlangs (mu = 1): W = C / (3 - 2) + 1 = 4/9 + 1
    from dfp.capacity.sizing import mmc_mean_response_s

    assert mmc_mean_response_s(1, 8.0, 10.0) == pytest.approx(0.5)
    assert mmc_mean_response_s(3, 2.0, 1.0) == pytest.approx(4 / 9 + 1)
    # Little's law ties them: L = lambda * W
    assert littles_law(2.0, mmc_mean_response_s(3, 2.0, 1.0)) == pytest.approx(2 * (13 / 9))


def test_cluster_plan_meets_latency_and_never_overcommits():
    from dfp.capacity.sizing import cluster_plan
    from dfp.io.policies import load_policies

    kube = load_policies()["kubernetes"]
    p = cluster_plan(kube, "m6i.xlarge", 900.0, 0.192)
    assert p.processor_p99_ms <= kube["processor"]["latency_budget_ms"]
    assert p.nodes_with_az_headroom >= p.nodes_packed * kube["azs"] / (kube["azs"] - 1) - 1e-9
    assert 0 < p.cpu_utilisation < 1
    assert p.cost_usd_per_month == pytest.approx(p.nodes_with_az_headroom * 0.192 * 730)
    more = cluster_plan(kube, "m6i.xlarge", 9000.0, 0.192)
    assert more.processor_servers > p.processor_servers and more.cpu_utilisation > p.cpu_utilisation


def test_mmc_idle_system_is_service_time():
    assert mmc_response_quantile_s(50, 0.0, 10.0, 0.99) == pytest.approx(math.log(100) / 10.0, rel=1e-9)


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 30), st.floats(0.05, 0.95), st.floats(1.0, 200.0))
def test_more_servers_never_slower(c, rho, mu):
    lam = rho * c * mu
    assert mmc_response_quantile_s(c + 1, lam, mu) <= mmc_response_quantile_s(c, lam, mu) + 1e-12


def test_servers_for_quantile_is_minimal():
    lam, mu, target = 900.0, 20.0, 0.5
    c = servers_for_quantile(lam, mu, target)
    assert mmc_response_quantile_s(c, lam, mu) <= target
    assert c - 1 <= lam / mu or mmc_response_quantile_s(c - 1, lam, mu) > target
    with pytest.raises(PlaybookError, match="below the service time"):
        servers_for_quantile(10, 1.0, 0.5)


def test_unstable_queue_rejected():
    with pytest.raises(PlaybookError, match="unstable queue"):
        erlang_c(2, 2.0, 1.0)


def test_drain_time():
    assert drain_time_s(60_000, 300, 200) == pytest.approx(600)
    assert math.isinf(drain_time_s(10, 100, 100))


pods = st.lists(st.builds(Pod, st.text("abcdefgh", min_size=1, max_size=4),
                          st.floats(1, 3800), st.floats(1, 15000)), min_size=1, max_size=40)


@settings(max_examples=80, deadline=None)
@given(pods)
def test_packing_never_overcommits_and_places_every_pod(ps):
    node = NodeType("m6i.xlarge", 3920, 15000)
    nodes = pack_first_fit_decreasing(ps, node)
    assert sum(len(n.pods) for n in nodes) == len(ps)
    for n in nodes:
        assert n.cpu_m <= node.cpu_m + 1e-6 and n.mem_mib <= node.mem_mib + 1e-6
    # never worse than one node per pod, never fewer than the resource lower bound
    lower = max(sum(p.cpu_m for p in ps) / node.cpu_m, sum(p.mem_mib for p in ps) / node.mem_mib)
    assert math.ceil(lower - 1e-9) <= len(nodes) <= len(ps)


def test_packing_rejects_oversized_pod():
    with pytest.raises(PlaybookError, match="does not fit an empty"):
        pack_first_fit_decreasing([Pod("huge", 5000, 100)], NodeType("small", 2000, 8000))


def test_az_loss_headroom():
    assert nodes_surviving_az_loss(4, 3) == 6
    assert nodes_surviving_az_loss(5, 3) == 9
    assert nodes_surviving_az_loss(0, 3) == 0


def test_peak_rate_from_sample_traffic():
    h = load("traffic_hourly")
    peak = peak_events_per_s(h)
    assert peak == pytest.approx(h.groupby("hour")["events"].sum().max() / 3600)
    assert peak_events_per_s(h, 2.0) == pytest.approx(2 * peak)
    with pytest.raises(PlaybookError, match="no traffic rows"):
        peak_events_per_s(h, region="ap-south-1")


def test_tenant_replay_designs_and_curves():
    from dfp.capacity.sizing import replay_curves, stream_sizing, tenant_replay
    from dfp.io.data import load

    r = tenant_replay(7_000_000, 3600, 100.0, 2, 8, 1000.0, 900.0)
    key, buckets, limited = r.designs.values()
    assert key.utilisation > buckets.utilisation > limited.utilisation
    roomy = tenant_replay(7_000_000, 3600, 100.0, 2, 8, 1e6, 900.0)
    assert list(roomy.designs.values())[2] == list(roomy.designs.values())[1]  # a limit above the rate changes nothing
    curves = replay_curves([0.0, 500.0, 5000.0], 100.0, 2, 8, 1000.0, 900.0)
    assert curves["8 buckets + rate limit"][2] == pytest.approx(limited.utilisation)  # capped at the limit
    key_curve = curves["tenant id as partition key"]
    assert key_curve == sorted(key_curve)
    s = stream_sizing(load("traffic_hourly"), ["us-east-1"], 1.5, 900.0, 1000.0, 0.3)
    assert (s["shards_with_tenant_burst"] >= s["shards_for_peak_only"]).all()


def test_queue_drain_and_node_type_plans():
    from dfp.capacity.sizing import drain_table, node_type_plans, queue_table, utilisation_by_multiple
    from dfp.io.policies import load_policies

    n, q = queue_table(1000.0, 12.0, 100.0)
    assert q.loc[n, "p99_ms"] <= 100.0
    assert n - 1 not in q.index or q.loc[n - 1, "p99_ms"] > 100.0  # the fewest that meet the budget
    assert (q["utilisation"] < 1).all() and q["p_wait"].is_monotonic_decreasing
    d = drain_table(60_000.0, 100.0, [2, 4], 100.0, 1.0)
    assert d["drain_min"].tolist() == pytest.approx([60_000 / 100 / 60, 60_000 / 300 / 60])
    kube = load_policies()["kubernetes"]
    prices = dict.fromkeys(kube["node_types"], 1.0)
    plans = node_type_plans(kube, 400.0, 200.0, prices)
    assert set(plans.table.index) == set(kube["node_types"])
    assert plans.table.loc["m6i.xlarge", "nodes_run"] == plans.at_peak["m6i.xlarge"].nodes_with_az_headroom
    u = utilisation_by_multiple(kube, ["m6i.xlarge"], 200.0, [1.0, 10.0], prices)
    assert u.loc[10.0, "m6i.xlarge"] > u.loc[1.0, "m6i.xlarge"]


def test_state_rebuild_and_store_sizes():
    from dfp.capacity.recovery import state_rebuild, store_sizes_gb
    from dfp.io.policies import load_policies

    pol = load_policies()
    kube, stores = pol["kubernetes"], pol["recovery"]["stores"]
    rb = state_rebuild(1e7, 7, kube, 60.0)
    assert rb.backlog_events == 7e7 and rb.fast_pods >= rb.min_pods
    assert rb.fast_rebuild_min <= 30.0 < rb.rebuild_min or rb.rebuild_min <= 30.0
    s1 = store_sizes_gb(1e7, 1000, 13, stores, 168)
    s2 = store_sizes_gb(2e7, 1000, 13, stores, 168)
    assert s2["event-store-s3"] == pytest.approx(2 * s1["event-store-s3"])
    assert s2["metadata-rds"] == s1["metadata-rds"]


# --- one sizing function for the plan and the bill -------------------------------------------------------------

@settings(max_examples=40, deadline=None)
@given(st.lists(st.floats(0.0, 3000.0), min_size=1, max_size=20))
def test_processor_workers_equals_the_scalar_search(rates):
    from dfp.capacity.sizing import processor_workers

    got = processor_workers(rates, 12.0, 250.0)
    want = [servers_for_quantile(r, 1000.0 / 12.0, 0.25) if r > 0 else 1 for r in rates]
    assert got.tolist() == want


def test_processor_workers_rejects_bad_input():
    from dfp.capacity.sizing import processor_workers

    with pytest.raises(PlaybookError, match="finite and >= 0"):
        processor_workers([-1.0], 12.0, 250.0)
    with pytest.raises(PlaybookError, match="below the service time"):
        processor_workers([10.0], 12.0, 1.0)


def test_consumer_bound_pods_beyond_shards_idle():
    from dfp.capacity.sizing import consumer_bound

    b = consumer_bound(6, 4, 3, 2)      # 6 workers need 2 pods; the minimum keeps 3; 2 shards: one pod idles
    assert (b.pods, b.busy_pods, b.idle_pods, b.max_workers, b.shards_needed) == (3, 2, 1, 8, 2)
    over = consumer_bound(20, 4, 3, 2)  # 20 workers need 5 pods, but only 2 can hold a lease: reshard to 5
    assert over.busy_pods == 2 and over.max_workers < over.workers_needed and over.shards_needed == 5


@settings(max_examples=30, deadline=None)
@given(st.floats(0.0, 4000.0), st.floats(0.0, 4000.0))
def test_more_traffic_never_fewer_nodes(a, b):
    from dfp.capacity.sizing import node_group_sizing
    from dfp.io.policies import load_policies

    kube = load_policies()["kubernetes"]
    s = node_group_sizing(kube, [min(a, b), max(a, b)], "m6i.xlarge", min_nodes=3)
    for g, n in s.nodes.items():
        assert n[0] <= n[1], g
        assert n[0] >= 3
    assert (s.cpu_utilisation() > 0).all() and (s.cpu_utilisation() < 1).all()


def test_node_group_sizing_matches_cluster_plan_pods_and_bounds():
    import numpy as np

    from dfp.capacity.sizing import cluster_plan, node_group_sizing, nodes_for_rates
    from dfp.io.policies import load_policies

    kube = load_policies()["kubernetes"]
    s = node_group_sizing(kube, [900.0], {"workers": "m6i.xlarge"}, min_nodes=0, max_nodes={"workers": 4})
    p = cluster_plan(kube, "m6i.xlarge", 900.0, 0.192)
    assert {k: int(v[0]) for k, v in s.pods.items()} == p.replicas          # one pod rule for both
    assert s.nodes["workers"][0] == min(4, p.nodes_with_az_headroom)         # the autoscaling maximum holds
    assert np.all(s.cpu_paid_m["workers"] == s.nodes["workers"] * 4000)
    # the bill's function is the same sizing, hour by hour
    rates = np.array([0.0, 150.0, 900.0, 2500.0])
    want = [min(12, max(3, cluster_plan(kube, "m6i.xlarge", r, 0.0).nodes_with_az_headroom)) for r in rates]
    assert nodes_for_rates(kube, "m6i.xlarge", rates, 3, 12).tolist() == want
    with pytest.raises(PlaybookError, match="unknown instance type"):
        node_group_sizing(kube, [1.0], "m9.huge")
    with pytest.raises(PlaybookError, match="no entry for node group"):
        node_group_sizing(kube, [1.0], {"system": "m6i.large"})
    with pytest.raises(PlaybookError, match="name one of the node groups"):
        nodes_for_rates(kube, "m6i.xlarge", rates, 3, 12, node_group="gpu")


def _bill_rows(rows):
    import pandas as pd

    t = pd.Timestamp("2026-10-01", tz="UTC")
    return pd.DataFrame([{"ServiceName": "Amazon Elastic Compute Cloud", "ChargeCategory": "Usage",
                          "ChargePeriodStart": t, "RegionId": r, "ResourceName": n, "ResourceId": n,
                          "SkuId": f"BoxUsage:{k}", "ConsumedQuantity": h, "EffectiveCost": c} for r, n, k, h, c in rows])


def test_billed_node_hours_and_the_plan_check_fail_on_a_seeded_contradiction():
    import pandas as pd

    from dfp.capacity.sizing import billed_node_hours, check_plan_matches_bill

    bill = _bill_rows([("us-east-1", "prod-us-east-1/process", "m6i.large", 2232.0, 200.0),
                       ("us-east-1", "staging-us-east-1/staging", "m6i.large", 744.0, 70.0),
                       ("us-east-1", "sandbox", "t3.large", 100.0, 8.0)])
    b = billed_node_hours(bill, "2026-10", {"m6i.large": 2})
    assert b.loc[b["node_group"] == "process", "mean_nodes"].iloc[0] == pytest.approx(3.0)
    assert b.loc[b["node_group"] == "sandbox", "vcpu_hours"].isna().all()
    plan = pd.DataFrame([{"region": "us-east-1", "node_group": "process", "instance_type": "m6i.large",
                          "node_hours": 2232.0}])
    check_plan_matches_bill(plan, b)                                         # agrees: no error
    extra = billed_node_hours(pd.concat([bill, _bill_rows([("us-east-1", "prod-us-east-1/gpu", "m6i.large", 744.0, 70.0)])]),
                              "2026-10", {"m6i.large": 2})
    with pytest.raises(PlaybookError, match="billed, not planned: us-east-1/gpu"):
        check_plan_matches_bill(plan, extra)                                 # one extra node group in the bill
    with pytest.raises(PlaybookError, match=r"billed 2,232\.0 node-hours, planned 1,488\.0"):
        check_plan_matches_bill(plan.assign(node_hours=1488.0), b)           # the plan runs fewer nodes
    with pytest.raises(PlaybookError, match="no EC2 usage"):
        billed_node_hours(bill, "2026-09", {"m6i.large": 2})


def test_node_hours_split_adds_up_to_the_bill():
    from dfp.capacity.sizing import billed_node_hours, model_node_groups, node_hours_split
    from dfp.io.focus import load_billing
    from dfp.io.policies import load_policies

    kube = load_policies()["kubernetes"]
    vcpu = {t: s["vcpu"] for t, s in kube["node_types"].items()}
    billed = billed_node_hours(load_billing(), "2026-10", vcpu)
    split = node_hours_split(kube, load("traffic_hourly"), "2026-10", model_node_groups("2026-10"), billed)
    m = split.mean_nodes
    parts = m["load"] + m["az_headroom"] + m["minimum_per_az"] + m["staging_and_dev"] + m["unexplained"]
    assert parts == pytest.approx(m["billed_cluster"])
    assert min(m["load"], m["az_headroom"], m["minimum_per_az"], m["staging_and_dev"]) >= 0


def test_plans_for_rates_is_cluster_plan():
    import numpy as np

    from dfp.capacity.sizing import cluster_plan, plans_for_rates
    from dfp.io.policies import load_policies

    kube = load_policies()["kubernetes"]
    rates = np.array([0.0, 37.0, 400.0, 1800.0, 5200.0])
    got = plans_for_rates(kube, "m6i.xlarge", rates)
    for r, row in zip(rates, got.itertuples(), strict=True):
        p = cluster_plan(kube, "m6i.xlarge", r, 0.0)
        assert row.nodes == p.nodes_with_az_headroom
        assert row.cpu_used_m == pytest.approx(p.cpu_used_m)
        assert row.cpu_allocatable_m == pytest.approx(p.cpu_allocatable_m)
