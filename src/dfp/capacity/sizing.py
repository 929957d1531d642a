"""Capacity: stream shards, queueing (Little's law, M/M/c), and bin-packing pods onto nodes.

==============================  ==============================================================
``peak_events_per_s``            busiest hour's mean rate times an intra-hour burst factor
``shards_needed``                Kinesis shards for a write rate (records and bytes limits)
``hot_shard_load``               the load on the shard that carries one hot partition key
``stream_shards``                the sizing rule after INC-01: regional peak plus one tenant at its limit
``littles_law``                  L = lambda * W: items in the system from rate and time
``erlang_c``                     M/M/c probability that an arrival waits (Erlang C)
``mmc_response_quantile_s``      the q-quantile of M/M/c response time (wait + service)
``mmc_mean_response_s``          mean M/M/c response time: C / (c mu - lambda) + 1 / mu
``servers_for_quantile``         fewest servers whose response-time quantile meets a target
``drain_time_s``                 time to work off a backlog at a spare processing rate
``pack_first_fit_decreasing``    place pod requests onto identical nodes, never overcommitting
``nodes_surviving_az_loss``      nodes to run so losing one AZ leaves enough capacity
``processor_workers``            fewest processor workers per event rate, vectorised (M/M/c thresholds)
``consumer_bound``               how a stream's shard leases bound the processors (KCL: one lease, one worker)
``service_pods``                 pods per service at each event rate (rate-sized, queue-sized, fixed)
``node_group_sizing``            nodes, CPU used and CPU paid for per node group at each event rate:
                                 the one function behind the capacity page's plan and the bill's node-hours
``model_node_groups``            the platform model's production node groups in a month
``check_stream_shards``          raise unless the model's provisioned shards are the sizing rule's
``model_streams``                the platform model's streams (mode, shards, retention) in a month
``model_stream_shards``          the platform model's provisioned stream shards per region in a month
``month_node_plan``              the model's prod node groups through one month of hourly traffic
``billed_component_lines``       the bill's rows of the model's resources of some components, in a month
``billed_component_usd``         their effective cost
``billed_node_hours``            what a FOCUS bill paid for in EC2 in a month: node-hours, mean nodes, vCPU-hours
``plan_vs_bill``                 the plan beside the bill per region and node group
``check_plan_matches_bill``      raise unless the bill's production node groups are the plan's
``node_hours_split``             billed cluster node-hours split into load, AZ headroom, minimums, staging/dev
``billed_utilisation_by_month``  CPU used over CPU billed, per month
``production_cpu_utilisation``   CPU used over the production vCPUs the bill paid for, in a month
``cluster_plan``                 one region's pods, nodes, utilisation and cost at a given event rate
``plans_for_rates``              :func:`cluster_plan` at many event rates: nodes and CPU used per rate
``nodes_for_rates``              nodes one region's cluster runs at each of many event rates (the bill's node-hours)
``stream_sizing``                per region: peak, shards for the peak alone and with a tenant at its limit
``tenant_replay``                one tenant's replay against the stream under three partitioning designs
``replay_curves``                the hottest shard's utilisation over a tenant's write rate, per design
``queue_table``                  M/M/c figures for worker counts around the fewest that meet a latency quantile
``drain_table``                  minutes to drain a backlog for several worker counts
``node_type_plans``              :func:`cluster_plan` for every node type, at the peak and at the average
``utilisation_by_multiple``      average CPU utilisation per node type as traffic grows
==============================  ==============================================================

Rates are per second, times in seconds, CPU in millicores and memory in MiB.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from scipy.optimize import brentq

from dfp.core.checks import check_fraction, check_int_range, check_non_negative, check_positive, check_range
from dfp.core.errors import PlaybookError
from dfp.core.units import HOURS_PER_MONTH
from dfp.io.platform import arn_pattern, resource_history, resources_at

__all__ = [
    "ClusterPlan",
    "ConsumerBound",
    "HotShardLoad",
    "Node",
    "NodeGroupSizing",
    "NodeHoursSplit",
    "NodeType",
    "NodeTypePlans",
    "Pod",
    "ShardSizing",
    "TenantReplay",
    "billed_component_lines",
    "billed_component_usd",
    "billed_node_hours",
    "billed_utilisation_by_month",
    "check_plan_matches_bill",
    "check_stream_shards",
    "cluster_plan",
    "consumer_bound",
    "drain_table",
    "drain_time_s",
    "erlang_c",
    "hot_shard_load",
    "littles_law",
    "mmc_mean_response_s",
    "mmc_response_quantile_s",
    "model_node_groups",
    "model_stream_shards",
    "model_streams",
    "month_node_plan",
    "node_group_sizing",
    "node_hours_split",
    "node_type_plans",
    "nodes_for_rates",
    "nodes_surviving_az_loss",
    "pack_first_fit_decreasing",
    "peak_events_per_s",
    "plan_vs_bill",
    "plans_for_rates",
    "processor_workers",
    "production_cpu_utilisation",
    "queue_table",
    "replay_curves",
    "servers_for_quantile",
    "service_pods",
    "shards_needed",
    "stream_shards",
    "stream_sizing",
    "tenant_replay",
    "utilisation_by_multiple",
]


def peak_events_per_s(traffic_hourly: pd.DataFrame, burst_factor: float = 1.0, region: str | None = None) -> float:
    """The busiest hour's mean event rate (events/s) times an intra-hour burst factor.

    ``max_h(events in hour h) / 3600 * burst_factor``; ``region=None`` sums all regions.

    >>> df = pd.DataFrame({"hour": [0, 0, 1], "region": ["a", "b", "a"], "events": [3600, 3600, 7200]})
    >>> peak_events_per_s(df, 1.5)
    3.0
    """
    b = check_range("burst_factor", burst_factor, 1.0, 20.0)
    df = traffic_hourly if region is None else traffic_hourly.loc[traffic_hourly["region"] == region]
    if df.empty:
        raise PlaybookError(f"peak_events_per_s: no traffic rows for region {region!r}")
    return float(df.groupby("hour")["events"].sum().max()) / 3600.0 * b


@dataclass(frozen=True)
class ShardSizing:
    """Shards needed and which limit binds (``records`` or ``bytes``)."""

    shards: int
    by_records: float
    by_bytes: float
    binding: str


def shards_needed(records_per_s: float, record_bytes: float, *, shard_records_per_s: float = 1000.0,
                  shard_mb_per_s: float = 1.0, headroom: float = 0.0) -> ShardSizing:
    """Provisioned shards for a write rate: ``ceil(max(r / R, r * b / B) / (1 - headroom))``.

    Args:
        records_per_s: records written per second.
        record_bytes: mean record size in bytes (1 MB = 1,048,576 bytes for the limit).
        shard_records_per_s, shard_mb_per_s: per-shard write limits (external_facts quotas).
        headroom: fraction of each shard kept free, in [0, 1).

    >>> shards_needed(2500, 800).shards, shards_needed(2500, 800).binding
    (3, 'records')
    """
    r = check_non_negative("records_per_s", records_per_s)
    b = check_positive("record_bytes", record_bytes)
    h = check_range("headroom", headroom, 0.0, 0.95)
    by_records = r / check_positive("shard_records_per_s", shard_records_per_s)
    by_bytes = r * b / (check_positive("shard_mb_per_s", shard_mb_per_s) * 1_048_576)
    need = max(by_records, by_bytes) / (1.0 - h)
    return ShardSizing(max(1, math.ceil(need - 1e-9)), by_records, by_bytes,
                       "records" if by_records >= by_bytes else "bytes")


@dataclass(frozen=True)
class HotShardLoad:
    """The hottest shard's record rate, its utilisation of the limit, and the share throttled."""

    records_per_s: float
    utilisation: float
    throttled_share: float


def hot_shard_load(records_per_s: float, hot_key_share: float, shards: int,
                   shard_records_per_s: float = 1000.0, record_bytes: float | None = None,
                   shard_mb_per_s: float = 1.0) -> HotShardLoad:
    """Load on the shard that owns one hot partition key; the rest spreads evenly.

    ``hot = r * s + r * (1 - s) / n``; the shard's record limit ``R`` is the lower of the records
    limit and the bytes limit over the record size; utilisation ``hot / R``; throttled share
    ``max(0, 1 - R / hot)``.

    >>> hot_shard_load(4000, 0.5, 8).utilisation
    2.25
    """
    r = check_non_negative("records_per_s", records_per_s)
    s = check_fraction("hot_key_share", hot_key_share, closed=True)
    n = check_int_range("shards", shards, 1, 100_000)
    limit = check_positive("shard_records_per_s", shard_records_per_s)
    if record_bytes is not None:
        limit = min(limit, check_positive("shard_mb_per_s", shard_mb_per_s) * 1_048_576
                    / check_positive("record_bytes", record_bytes))
    hot = r * s + r * (1.0 - s) / n
    throttled = 0.0 if hot <= limit else 1.0 - limit / hot
    return HotShardLoad(hot, hot / limit, throttled)


def stream_shards(peak_events_per_s: float, tenant_limit_events_per_s: float, record_bytes: float,
                  headroom: float, *, shard_records_per_s: float = 1000.0, shard_mb_per_s: float = 1.0) -> int:
    """Provisioned shards for a region: its peak plus one tenant bursting to its rate limit.

    ``shards_needed(peak + tenant_limit, bytes, headroom)``: the rule adopted after INC-01, so one
    tenant at its limit never pushes the stream past ``1 - headroom`` of its capacity.

    >>> stream_shards(300, 1000, 1000, 0.3)
    2
    """
    total = check_non_negative("peak_events_per_s", peak_events_per_s) + check_non_negative(
        "tenant_limit_events_per_s", tenant_limit_events_per_s)
    return shards_needed(total, record_bytes, shard_records_per_s=shard_records_per_s,
                         shard_mb_per_s=shard_mb_per_s, headroom=headroom).shards


def littles_law(arrival_rate_per_s: float, time_in_system_s: float) -> float:
    """Mean number in the system: ``L = lambda * W`` (Little, 1961).

    >>> littles_law(200, 0.25)
    50.0
    """
    return check_non_negative("arrival_rate_per_s", arrival_rate_per_s) * check_non_negative(
        "time_in_system_s", time_in_system_s)


def _check_stable(servers: int, arrival_rate_per_s: float, service_rate_per_s: float) -> tuple[int, float, float]:
    c = check_int_range("servers", servers, 1, 1_000_000)
    lam = check_non_negative("arrival_rate_per_s", arrival_rate_per_s)
    mu = check_positive("service_rate_per_s", service_rate_per_s)
    if lam >= c * mu:
        raise PlaybookError(f"unstable queue: arrival_rate_per_s {lam} >= servers * service_rate_per_s {c * mu}")
    return c, lam, mu


def erlang_c(servers: int, arrival_rate_per_s: float, service_rate_per_s: float) -> float:
    """Probability an arrival waits in an M/M/c queue (Erlang C), computed via Erlang B.

    ``B(0) = 1; B(k) = a B(k-1) / (k + a B(k-1))``; ``C = B / (1 - rho (1 - B))`` with
    ``a = lambda / mu`` and ``rho = a / c``.

    >>> round(erlang_c(3, 2.0, 1.0), 4)   # 2 Erlangs on 3 servers: 4/9
    0.4444
    """
    c, lam, mu = _check_stable(servers, arrival_rate_per_s, service_rate_per_s)
    a = lam / mu
    b = 1.0
    for k in range(1, c + 1):
        b = a * b / (k + a * b)
    rho = a / c
    return b / (1.0 - rho * (1.0 - b))


def _response_tail(t: float, c: int, lam: float, mu: float, pw: float) -> float:
    """P(T > t) for M/M/c: no wait with prob 1 - C, else exp(theta) wait plus exp(mu) service."""
    theta = c * mu - lam
    no_wait = math.exp(-mu * t)
    if abs(theta - mu) < 1e-12 * mu:
        both = (1.0 + mu * t) * math.exp(-mu * t)
    else:
        both = (theta * math.exp(-mu * t) - mu * math.exp(-theta * t)) / (theta - mu)
    return (1.0 - pw) * no_wait + pw * both


def mmc_response_quantile_s(servers: int, arrival_rate_per_s: float, service_rate_per_s: float,
                            quantile: float = 0.99) -> float:
    """The ``quantile`` of response time (queueing wait + service) in an M/M/c queue, seconds.

    Solves ``P(T > t) = 1 - q`` exactly, where the wait is 0 with probability ``1 - C`` and
    exponential with rate ``c mu - lambda`` otherwise, and service is exponential with rate ``mu``.
    For c = 1 this is the M/M/1 result ``ln(1 / (1 - q)) / (mu - lambda)``.

    >>> round(mmc_response_quantile_s(1, 8.0, 10.0, 0.99), 4)   # ln(100) / 2
    2.3026
    """
    c, lam, mu = _check_stable(servers, arrival_rate_per_s, service_rate_per_s)
    q = check_fraction("quantile", quantile)
    pw = erlang_c(c, lam, mu) if lam > 0 else 0.0
    target = 1.0 - q
    hi = 1.0 / mu
    while _response_tail(hi, c, lam, mu, pw) > target:
        hi *= 2.0
    return float(brentq(lambda t: _response_tail(t, c, lam, mu, pw) - target, 0.0, hi, xtol=1e-12))


def mmc_mean_response_s(servers: int, arrival_rate_per_s: float, service_rate_per_s: float) -> float:
    """Mean response time of an M/M/c queue: ``C / (c mu - lambda) + 1 / mu`` seconds.

    >>> mmc_mean_response_s(1, 8.0, 10.0)   # M/M/1: 1 / (mu - lambda)
    0.5
    """
    c, lam, mu = _check_stable(servers, arrival_rate_per_s, service_rate_per_s)
    pw = erlang_c(c, lam, mu) if lam > 0 else 0.0
    return pw / (c * mu - lam) + 1.0 / mu


def servers_for_quantile(arrival_rate_per_s: float, service_rate_per_s: float, target_s: float,
                         quantile: float = 0.99, max_servers: int = 10_000) -> int:
    """Fewest servers c whose M/M/c response-time ``quantile`` is at most ``target_s``.

    Raises:
        PlaybookError: the target is below what even an idle server gives (the service time's own
            quantile), or more than ``max_servers`` would be needed.

    >>> servers_for_quantile(8.0, 10.0, 2.5)
    1
    """
    lam = check_non_negative("arrival_rate_per_s", arrival_rate_per_s)
    mu = check_positive("service_rate_per_s", service_rate_per_s)
    t = check_positive("target_s", target_s)
    q = check_fraction("quantile", quantile)
    if t < math.log(1.0 / (1.0 - q)) / mu:
        raise PlaybookError(f"target_s {t} is below the service time's own {q} quantile; no server count meets it")
    c = max(1, math.floor(lam / mu) + 1)
    while c <= max_servers:
        if mmc_response_quantile_s(c, lam, mu, q) <= t:
            return c
        c += 1
    raise PlaybookError(f"servers_for_quantile: more than max_servers={max_servers} needed")


def drain_time_s(backlog: float, processing_rate_per_s: float, arrival_rate_per_s: float) -> float:
    """Seconds to work off a backlog: ``backlog / (processing - arrival)``; ``inf`` if no spare rate.

    >>> drain_time_s(60_000, 300, 200)
    600.0
    """
    b = check_non_negative("backlog", backlog)
    spare = check_non_negative("processing_rate_per_s", processing_rate_per_s) - check_non_negative(
        "arrival_rate_per_s", arrival_rate_per_s)
    if b == 0:
        return 0.0
    return math.inf if spare <= 0 else b / spare


@dataclass(frozen=True)
class Pod:
    """A pod's resource requests (millicores, MiB)."""

    name: str
    cpu_m: float
    mem_mib: float


@dataclass(frozen=True)
class NodeType:
    """A node type's allocatable resources (after system reservations) and hourly price."""

    name: str
    cpu_m: float
    mem_mib: float
    usd_per_hour: float = 0.0


@dataclass(frozen=True)
class Node:
    """One packed node: the pods on it and the requests they use."""

    pods: tuple[str, ...]
    cpu_m: float
    mem_mib: float


def pack_first_fit_decreasing(pods: Sequence[Pod], node: NodeType) -> list[Node]:
    """Place pods on identical nodes, largest first, never exceeding a node's allocatable CPU or memory.

    Pods are sorted by their larger normalised request (``max(cpu / CPU, mem / MEM)``), each goes to
    the first node with room, else to a new node. First-fit decreasing uses at most
    ``11/9 OPT + 6/9`` bins for one dimension (Dosa, 2007).

    Raises:
        PlaybookError: a pod larger than an empty node.

    >>> nodes = pack_first_fit_decreasing([Pod("a", 600, 512), Pod("b", 600, 512), Pod("c", 300, 256)],
    ...                                   NodeType("n", 1000, 4096))
    >>> [n.pods for n in nodes]
    [('a', 'c'), ('b',)]
    """
    for p in pods:
        check_non_negative(f"{p.name}.cpu_m", p.cpu_m)
        check_non_negative(f"{p.name}.mem_mib", p.mem_mib)
        if p.cpu_m > node.cpu_m or p.mem_mib > node.mem_mib:
            raise PlaybookError(f"pod {p.name} ({p.cpu_m} m, {p.mem_mib} MiB) does not fit an empty {node.name} "
                                f"({node.cpu_m} m, {node.mem_mib} MiB)")
    order = sorted(pods, key=lambda p: (-max(p.cpu_m / node.cpu_m, p.mem_mib / node.mem_mib), p.name))
    bins: list[list[Pod]] = []
    used: list[list[float]] = []
    for p in order:
        for i, (cpu, mem) in enumerate(used):
            if cpu + p.cpu_m <= node.cpu_m + 1e-9 and mem + p.mem_mib <= node.mem_mib + 1e-9:
                bins[i].append(p)
                used[i] = [cpu + p.cpu_m, mem + p.mem_mib]
                break
        else:
            bins.append([p])
            used.append([p.cpu_m, p.mem_mib])
    return [Node(tuple(p.name for p in b), u[0], u[1]) for b, u in zip(bins, used, strict=True)]


def nodes_surviving_az_loss(nodes_needed: int, azs: int) -> int:
    """Nodes to run, spread evenly, so that losing one AZ leaves ``nodes_needed``.

    ``azs * ceil(nodes_needed / (azs - 1))``.

    >>> nodes_surviving_az_loss(4, 3)
    6
    """
    n = check_int_range("nodes_needed", nodes_needed, 0, 1_000_000)
    z = check_int_range("azs", azs, 2, 10)
    return z * math.ceil(n / (z - 1))


def _max_rate_for_servers(servers: int, service_rate_per_s: float, target_s: float, quantile: float) -> float:
    """The highest arrival rate at which ``servers`` M/M/c servers keep the response-time ``quantile``
    within ``target_s`` (the quantile grows with the rate, so the bound is one root)."""
    top = servers * service_rate_per_s * (1.0 - 1e-9)
    if mmc_response_quantile_s(servers, top, service_rate_per_s, quantile) <= target_s:
        return top
    return float(brentq(lambda lam: mmc_response_quantile_s(servers, lam, service_rate_per_s, quantile) - target_s,
                        0.0, top, xtol=1e-9))


def processor_workers(events_per_s: ArrayLike, service_time_ms: float, latency_budget_ms: float,
                      quantile: float = 0.99) -> np.ndarray:
    """Fewest processor workers at each event rate: :func:`servers_for_quantile`, vectorised.

    For ``c`` from ``max(1, floor(min rate / mu))`` up, the highest rate ``lambda_c`` that ``c`` workers carry
    within the budget is solved once; a rate ``r`` then needs the first ``c`` with ``lambda_c >= r``. An hourly series of a
    whole story costs a handful of root solves instead of one search per hour. A rate of 0 needs 1.

    Args:
        events_per_s: event rates (events/s), any shape.
        service_time_ms: mean service time of one worker (ms, exponential).
        latency_budget_ms: the response-time ``quantile`` target (ms).

    Returns:
        Integer worker counts, the shape of ``events_per_s``.

    >>> processor_workers([0.0, 346.0, 1000.0], 12.0, 250.0).tolist()
    [1, 5, 13]
    """
    rates = np.asarray(events_per_s, dtype=float)
    if rates.size and (not np.isfinite(rates).all() or (rates < 0).any()):
        raise PlaybookError("processor_workers: events_per_s must be finite and >= 0")
    mu = 1000.0 / check_positive("service_time_ms", service_time_ms)
    t = check_positive("latency_budget_ms", latency_budget_ms) / 1000.0
    q = check_fraction("quantile", quantile)
    if t < math.log(1.0 / (1.0 - q)) / mu:
        raise PlaybookError(f"latency_budget_ms {latency_budget_ms} is below the service time's own {q} quantile")
    top = float(rates.max()) if rates.size else 0.0
    # fewer than floor(min rate / mu) + 1 workers cannot carry the lowest rate at all: start there
    first = max(1, math.floor((float(rates.min()) if rates.size else 0.0) / mu))
    limits: list[float] = []
    while not limits or limits[-1] < top:
        if first + len(limits) > 100_000:
            raise PlaybookError("processor_workers: more than 100,000 workers needed")
        limits.append(_max_rate_for_servers(first + len(limits), mu, t, q))
    return np.searchsorted(np.asarray(limits), rates, side="left").astype(int) + first


@dataclass(frozen=True)
class ConsumerBound:
    """How a stream's shards bound its consumer (:func:`consumer_bound`).

    Attributes:
        pods: processor pods run. busy_pods: pods holding at least one shard lease. idle_pods: the rest.
        max_workers: the most workers the leases keep busy (shards x workers per pod).
        workers_needed: workers the latency target needs. shards_needed: the fewest shards that let them run.
    """

    pods: int
    busy_pods: int
    idle_pods: int
    max_workers: int
    workers_needed: int
    shards_needed: int


def consumer_bound(workers_needed: int, workers_per_pod: int, min_pods: int, shards: int) -> ConsumerBound:
    """Processor pods and the workers a stream's shard leases let them run.

    A Kinesis Client Library (KCL) consumer holds one lease per shard, and a lease belongs to one
    worker at a time: a pod beyond the shard count holds no lease and idles, and a shard's records are
    processed in order by the pod that holds it. Each pod fans a shard's batch out to
    ``workers_per_pod`` threads by partition key, so per-entity order holds and one lease keeps that
    many workers busy: ``max_workers = shards x workers_per_pod``.
    ``pods = max(min_pods, ceil(workers / workers_per_pod))``, ``busy = min(pods, shards)``;
    ``shards_needed = ceil(workers / workers_per_pod)``: scaling out on lag past the shard count needs a
    reshard, not more pods.

    >>> b = consumer_bound(6, 4, 3, 2)
    >>> b.pods, b.busy_pods, b.idle_pods, b.max_workers, b.shards_needed
    (3, 2, 1, 8, 2)
    """
    w = check_int_range("workers_needed", workers_needed, 0, 10_000_000)
    k = check_int_range("workers_per_pod", workers_per_pod, 1, 10_000)
    n = check_int_range("min_pods", min_pods, 0, 100_000)
    s = check_int_range("shards", shards, 1, 1_000_000)
    pods = max(n, math.ceil(w / k))
    busy = min(pods, s)
    return ConsumerBound(pods, busy, pods - busy, s * k, w, max(1, math.ceil(w / k)))


def service_pods(kube: Mapping[str, Any], events_per_s: ArrayLike, quantile: float = 0.99) -> dict[str, np.ndarray]:
    """Pods per service (``kubernetes.services`` of ``data/platform.yml``) at each event rate.

    - rate-sized services (``events_per_s_per_pod``): ``max(min_replicas, ceil(rate / per_pod))``, the
      HorizontalPodAutoscaler's steady state;
    - the processors (``workers_per_pod``): ``max(min_replicas, ceil(workers / workers_per_pod))`` with
      the workers from :func:`processor_workers`;
    - fixed services: ``min_replicas``.

    >>> from dfp.io.policies import load_policies
    >>> service_pods(load_policies()["kubernetes"], [100.0, 2000.0])["ingest-service"].tolist()
    [3, 5]
    """
    rates = np.asarray(events_per_s, dtype=float)
    proc = kube["processor"]
    workers = processor_workers(rates, proc["service_time_ms"], proc["latency_budget_ms"], quantile)
    out: dict[str, np.ndarray] = {}
    for name, svc in kube["services"].items():
        floor = int(svc["min_replicas"])
        if "events_per_s_per_pod" in svc:
            n = np.maximum(floor, np.ceil(rates / svc["events_per_s_per_pod"] - 1e-9))
        elif "workers_per_pod" in svc:
            n = np.maximum(floor, np.ceil(workers / svc["workers_per_pod"]))
        else:
            n = np.full(rates.shape, floor)
        out[name] = n.astype(int)
    return out


def _service_cpu_used_m(kube: Mapping[str, Any], name: str, rates: np.ndarray, pods: np.ndarray) -> np.ndarray:
    """CPU one service uses (millicores): rate-sized pods at the HPA target of their requests scaled to
    the rate, processors at ``cpu_m_per_event_per_s`` per event/s, fixed services at ``fixed_usage_ratio``."""
    svc = kube["services"][name]
    if "events_per_s_per_pod" in svc:
        return rates / svc["events_per_s_per_pod"] * svc["cpu_m"] * kube["hpa_cpu_target"]
    if "workers_per_pod" in svc:
        return rates * kube["processor"]["cpu_m_per_event_per_s"]
    return pods * svc["cpu_m"] * kube["fixed_usage_ratio"]


@dataclass(frozen=True)
class NodeGroupSizing:
    """Per prod node group at each event rate (:func:`node_group_sizing`); arrays have the rates' shape.

    Attributes:
        node_type: instance type per group. nodes_packed: nodes the group's pods fill.
        nodes: nodes run (AZ spread, the group's minimum and maximum applied).
        cpu_used_m: CPU the group's pods and daemonsets use (millicores).
        cpu_paid_m: CPU the group's nodes bring (vCPU x 1000): what the bill pays for.
        pods: pods per service.
    """

    node_type: dict[str, str]
    nodes_packed: dict[str, np.ndarray]
    nodes: dict[str, np.ndarray]
    cpu_used_m: dict[str, np.ndarray]
    cpu_paid_m: dict[str, np.ndarray]
    pods: dict[str, np.ndarray]

    def total_nodes(self) -> np.ndarray:
        """Nodes of all groups at each rate."""
        return np.sum(list(self.nodes.values()), axis=0)

    def cpu_utilisation(self) -> np.ndarray:
        """CPU used over CPU paid for, all groups, at each rate."""
        return np.sum(list(self.cpu_used_m.values()), axis=0) / np.sum(list(self.cpu_paid_m.values()), axis=0)


def _per_group(value: Mapping[str, Any] | Any, group: str, name: str) -> Any:
    if isinstance(value, Mapping):
        if group not in value:
            raise PlaybookError(f"node_group_sizing: {name} has no entry for node group {group!r}")
        return value[group]
    return value


def node_group_sizing(kube: Mapping[str, Any], events_per_s: ArrayLike, node_types: Mapping[str, str] | str,
                      min_nodes: Mapping[str, float] | float = 0, max_nodes: Mapping[str, float] | float | None = None,
                      *, quantile: float = 0.99, az_headroom: bool = True,
                      only: Sequence[str] | None = None) -> NodeGroupSizing:
    """Nodes per prod node group at each event rate: the capacity page's plan and the bill's node-hours.

    For each group of ``kubernetes.node_groups`` (services by group): the services' pods
    (:func:`service_pods`) are packed first-fit decreasing (:func:`pack_first_fit_decreasing`) onto the
    group's instance type net of the per-node daemonsets; the packed count is spread so losing one AZ
    keeps it (:func:`nodes_surviving_az_loss`, when ``az_headroom``), then held between the group's
    ``min_nodes`` and ``max_nodes`` (the autoscaling bounds). Packing is done once per distinct pod mix,
    so an hourly series of two years costs a few dozen packings.

    CPU used: the services' use (:func:`service_pods`' rules) plus the daemonsets at
    ``fixed_usage_ratio``; CPU paid: ``nodes x vcpu x 1000`` millicores.

    Args:
        events_per_s: event rates (events/s), any shape (e.g. days x 24 hours).
        node_types: instance type per group, or one type for all.
        min_nodes, max_nodes: autoscaling bounds per group (or one value for all); ``max_nodes`` None: unbounded.
        only: size only these groups (None: all of ``kubernetes.node_groups``).

    Raises:
        PlaybookError: a group without services or an instance type, a type missing from ``node_types``.

    >>> from dfp.io.policies import load_policies
    >>> s = node_group_sizing(load_policies()["kubernetes"], [100.0, 6000.0], "m6i.large", min_nodes=3)
    >>> {g: n.tolist() for g, n in s.nodes.items()}
    {'workers': [12, 42]}
    """
    groups = kube.get("node_groups")
    if not groups:
        raise PlaybookError("node_group_sizing: kubernetes.node_groups is missing or empty in data/platform.yml")
    rates = np.asarray(events_per_s, dtype=float)
    pods = service_pods(kube, rates, quantile)
    ds = kube["daemonset_per_node"]
    out_type: dict[str, str] = {}
    packed_by: dict[str, np.ndarray] = {}
    nodes_by: dict[str, np.ndarray] = {}
    used_by: dict[str, np.ndarray] = {}
    paid_by: dict[str, np.ndarray] = {}
    for group, services in groups.items():
        if only is not None and group not in only:
            continue
        unknown = [s for s in services if s not in kube["services"]]
        if not services or unknown:
            raise PlaybookError(f"node_group_sizing: node group {group!r} lists unknown or no services {unknown}")
        nt_name = str(_per_group(node_types, group, "node_types"))
        if nt_name not in kube["node_types"]:
            raise PlaybookError(f"node_group_sizing: node group {group!r} has unknown instance type {nt_name!r}; "
                                f"known: {sorted(kube['node_types'])}")
        nt = kube["node_types"][nt_name]
        node = NodeType(nt_name, nt["cpu_m"] - ds["cpu_m"], nt["mem_mib"] - ds["mem_mib"])
        mix = np.stack([pods[s].ravel() for s in services], axis=1)
        combos, back = np.unique(mix, axis=0, return_inverse=True)
        packed_combo = np.array([len(pack_first_fit_decreasing(
            [Pod(f"{s}-{i}", kube["services"][s]["cpu_m"], kube["services"][s]["mem_mib"])
             for s, n in zip(services, row, strict=True) for i in range(int(n))], node)) for row in combos])
        packed = packed_combo[np.asarray(back).ravel()].reshape(rates.shape)
        run = kube["azs"] * np.ceil(packed / (kube["azs"] - 1)) if az_headroom else packed.astype(float)
        run = np.maximum(run, float(_per_group(min_nodes, group, "min_nodes")))
        top = _per_group(max_nodes, group, "max_nodes") if max_nodes is not None else None
        if top is not None:
            run = np.minimum(run, float(top))
        run = run.astype(int)
        used = sum(_service_cpu_used_m(kube, s, rates, pods[s]) for s in services)
        out_type[group] = nt_name
        packed_by[group] = packed
        nodes_by[group] = run
        used_by[group] = used + run * ds["cpu_m"] * kube["fixed_usage_ratio"]
        paid_by[group] = run * nt["vcpu"] * 1000.0
    return NodeGroupSizing(out_type, packed_by, nodes_by, used_by, paid_by, pods)


def model_node_groups(month: str) -> pd.DataFrame:
    """The production node groups of the platform model (``resources`` of ``data/platform.yml``, kind
    ``eks-nodegroup``, env ``prod``) live at the end of ``month`` (``YYYY-MM``): ``region``, ``node_group``
    (the part of the resource name after its ``cluster``), ``instance_type``, ``min_nodes``, ``max_nodes``,
    ``live_from`` (the group's first instant),
    for :func:`month_node_plan`.
    """
    r = resources_at(month)
    ng = r.loc[(r["kind"] == "eks-nodegroup") & (r["env"] == "prod")]
    hist = resource_history()
    first = hist.groupby("id")["start"].min()
    return pd.DataFrame({"region": ng["region"].to_numpy(),
                         "live_from": first.reindex(ng["id"]).to_numpy(),
                         "cluster": ng["name"].str.split("/").str[0].to_numpy(),
                         "node_group": ng["name"].str.split("/").str[-1].to_numpy(),
                         "instance_type": ng["instance_type"].to_numpy(),
                         "min_nodes": ng["min_nodes"].astype(float).to_numpy(),
                         "max_nodes": ng["max_nodes"].astype(float).to_numpy()})


def model_streams(month: str) -> pd.DataFrame:
    """Each region's stream in the platform model at the end of ``month`` (``YYYY-MM``): ``region``,
    ``stream`` (its name), ``capacity_mode``, ``shards`` (NaN when on-demand), ``retention_h`` and
    ``since`` (the first instant of its current settings), indexed by region.
    """
    r = resources_at(month)
    st = r.loc[r["kind"] == "kinesis-stream"]
    return pd.DataFrame({"region": st["region"].to_numpy(), "stream": st["name"].to_numpy(),
                         "capacity_mode": st["capacity_mode"].to_numpy(),
                         "shards": np.where(st["capacity_mode"] == "provisioned", st["shards"].astype(float), np.nan),
                         "retention_h": st["retention_h"].astype(float).to_numpy(),
                         "since": st["start"].to_numpy()}).set_index("region")


def check_stream_shards(sizing: pd.DataFrame, streams: pd.DataFrame) -> None:
    """Raise unless every provisioned stream of the model has the shards the sizing rule gives its region.

    ``sizing``: :func:`stream_sizing` (``shards_with_tenant_burst`` by region); ``streams``:
    :func:`model_streams`. An on-demand stream has no shard count to check.

    Raises:
        PlaybookError: naming each region whose modelled shards differ from the rule, or that the rule
            does not size.
    """
    prov = streams.loc[streams["capacity_mode"] == "provisioned"]
    problems = []
    for region, row in prov.iterrows():
        if region not in sizing.index:
            problems.append(f"{region}: provisioned in the model, not sized by the rule")
        elif int(row["shards"]) != int(sizing.loc[region, "shards_with_tenant_burst"]):
            problems.append(f"{region}: {int(row['shards'])} shards in the model, "
                            f"{int(sizing.loc[region, 'shards_with_tenant_burst'])} from the sizing rule")
    if problems:
        raise PlaybookError("stream shards: " + "; ".join(problems))


def model_stream_shards(month: str) -> dict[str, int | None]:
    """Provisioned shards of each region's ingest stream in the platform model at the end of ``month``
    (``YYYY-MM``); None for a stream in on-demand mode.
    """
    r = resources_at(month)
    st = r.loc[r["kind"] == "kinesis-stream"]
    return {str(row.region): (int(row.shards) if row.capacity_mode == "provisioned" else None)
            for row in st.itertuples()}


def month_node_plan(kube: Mapping[str, Any], traffic_hourly: pd.DataFrame, month: str, groups: pd.DataFrame,
                    quantile: float = 0.99, az_headroom: bool = True, step_events_per_s: float = 1.0) -> pd.DataFrame:
    """The model's prod node groups run through one month of hourly traffic (:func:`node_group_sizing`).

    ``groups`` has one row per prod node group: ``region``, ``node_group`` (a key of
    ``kubernetes.node_groups``), ``instance_type``, ``min_nodes`` and ``max_nodes`` (NaN: unbounded).
    Each hour's rate is its events / 3600 (what the autoscalers follow), rounded up to ``step_events_per_s``
    as :func:`nodes_for_rates` rounds it for the bill. Columns of the result, per
    region and node group: ``instance_type``, ``node_hours``, ``mean_nodes``, ``peak_nodes`` (the busiest
    hour), ``cpu_used_vcpu_hours`` and ``cpu_paid_vcpu_hours``.

    Every hour of the month is planned: an hour without traffic (a live cell waiting for its first customer)
    runs at rate 0, and an hour before the group's ``live_from`` (optional column) runs no nodes.

    Raises:
        PlaybookError: a ``node_group`` the services do not name.
    """
    period = pd.Period(month, "M")
    grid = pd.date_range(period.start_time, period.end_time.floor("h"), freq="h", tz="UTC")
    step = check_positive("step_events_per_s", step_events_per_s)
    rows = []
    for region, spec in groups.groupby("region", sort=False):
        t = traffic_hourly.loc[traffic_hourly["region"] == region]
        # every hour of the month; an hour without traffic (a live cell waiting for its first customer) is rate 0
        rates = (t.groupby("hour")["events"].sum().reindex(grid, fill_value=0).to_numpy(float) / 3600.0)
        rates = np.ceil(rates / step - 1e-9) * step
        spec = spec.set_index("node_group")
        known = set(kube.get("node_groups") or {})
        extra = sorted(set(spec.index) - known)
        if extra:
            raise PlaybookError(f"month_node_plan: node groups {extra} in {region} are not in kubernetes.node_groups")
        tops = spec["max_nodes"].astype(float)
        s = node_group_sizing(kube, rates, spec["instance_type"].to_dict(), spec["min_nodes"].astype(int).to_dict(),
                              {g: int(v) for g, v in tops.items() if np.isfinite(v)} | {
                                  g: 1_000_000 for g, v in tops.items() if not np.isfinite(v)},
                              quantile=quantile, az_headroom=az_headroom)
        for g in spec.index:
            live = (grid >= pd.Timestamp(spec.at[g, "live_from"])) if "live_from" in spec else np.ones(len(grid), bool)
            n = s.nodes[g] * live
            rows.append({"region": region, "cluster": str(spec.at[g, "cluster"]) if "cluster" in spec else f"prod-{region}",
                         "node_group": g, "instance_type": s.node_type[g],
                         "node_hours": float(n.sum()), "mean_nodes": float(n.mean()), "peak_nodes": int(n.max()),
                         "cpu_used_vcpu_hours": float((s.cpu_used_m[g] * live).sum()) / 1000.0,
                         "cpu_paid_vcpu_hours": float((s.cpu_paid_m[g] * live).sum()) / 1000.0})
    return pd.DataFrame(rows)


def billed_component_lines(billing: pd.DataFrame, month: str, components: Sequence[str]) -> pd.DataFrame:
    """The rows a FOCUS bill charged in ``month`` (``YYYY-MM``) to the platform model's resources of the
    given architecture ``components`` (``resources`` in ``data/platform.yml``), matched by ARN
    (``ResourceId``, tenant bucket sets included), summed per region, resource and charge: ``region``,
    ``resource``, ``charge``, ``quantity``, ``unit``, ``cost_usd`` (effective cost).

    Raises:
        PlaybookError: no modelled resource has one of the components, or the bill has no row for them.
    """
    res = resources_at(month)
    rows = res.loc[res["component"].isin(list(components))]
    if rows.empty:
        raise PlaybookError(f"billed_component_lines: no modelled resource of components {list(components)} in {month}")
    start = billing["ChargePeriodStart"].dt.tz_localize(None).dt.to_period("M")
    b = billing.loc[start == pd.Period(month, "M")]
    pattern = "|".join(f"(?:{arn_pattern(r)})" for r in rows.to_dict("records"))  # each in its own account
    hit = b.loc[b["ResourceId"].fillna("").str.fullmatch(pattern)]
    if hit.empty:
        raise PlaybookError(f"billed_component_lines: the bill has no {month} row for components {list(components)}")
    return (hit.assign(resource=hit["ResourceName"].fillna(hit["ResourceId"]))
            .groupby(["RegionId", "resource", "ChargeDescription", "ConsumedUnit"], as_index=False, dropna=False)
            [["ConsumedQuantity", "EffectiveCost"]].sum()
            .rename(columns={"RegionId": "region", "ChargeDescription": "charge", "ConsumedUnit": "unit",
                             "ConsumedQuantity": "quantity", "EffectiveCost": "cost_usd"})
            [["region", "resource", "charge", "quantity", "unit", "cost_usd"]])


def billed_component_usd(billing: pd.DataFrame, month: str, components: Sequence[str]) -> float:
    """Effective cost (USD) of :func:`billed_component_lines`."""
    return float(billed_component_lines(billing, month, components)["cost_usd"].sum())


def billed_node_hours(billing: pd.DataFrame, month: str, vcpu_by_type: Mapping[str, float]) -> pd.DataFrame:
    """What a FOCUS bill paid for in EC2 in one month, per billed resource: node-hours, the mean node
    count, vCPU-hours and the effective cost.

    Rows are the bill's EC2 instance-hour lines (``ServiceName`` "Amazon Elastic Compute Cloud",
    ``ChargeCategory`` "Usage", ``SkuId`` ``BoxUsage:*``; EBS volumes bill under the same service and are left
    out) grouped by region, ``ResourceName`` (``<cluster>/<node group>`` for EKS node groups) and instance type
    (the ``SkuId`` after ``BoxUsage:``); covered and on-demand hours together. Columns:
    ``region``, ``cluster``, ``node_group``, ``instance_type``, ``node_hours``, ``mean_nodes``
    (node-hours over the month's hours), ``vcpu_hours`` and ``effective_cost_usd``. ``vcpu_by_type``
    maps instance types to vCPUs (``kubernetes.node_types`` of ``data/platform.yml``); a type missing
    from it gets no vCPU-hours (NaN), so a sandbox instance is shown but never counted as cluster capacity.

    Raises:
        PlaybookError: no EC2 usage in ``month`` (``YYYY-MM``).
    """
    period = pd.Period(month, "M")
    start = billing["ChargePeriodStart"].dt.tz_localize(None)
    # instance hours only (BoxUsage SKUs): EBS volumes bill under the same service and are no node
    ec2 = billing[(billing["ServiceName"] == "Amazon Elastic Compute Cloud") & (billing["ChargeCategory"] == "Usage")
                  & (start.dt.to_period("M") == period) & billing["SkuId"].fillna("").str.startswith("BoxUsage")]
    if ec2.empty:
        raise PlaybookError(f"billed_node_hours: no EC2 usage in the bill for {month}")
    name = ec2["ResourceName"].fillna(ec2["ResourceId"].fillna("")).astype(str)
    parts = name.str.split("/", n=1, expand=True).reindex(columns=[0, 1])
    g = pd.DataFrame({
        "region": ec2["RegionId"].to_numpy(),
        "cluster": np.where(parts[1].notna(), parts[0], "").astype(str),
        "node_group": parts[1].fillna(parts[0]).astype(str).to_numpy(),
        "instance_type": ec2["SkuId"].fillna("").str.replace("BoxUsage:", "", regex=False).to_numpy(),
        "node_hours": ec2["ConsumedQuantity"].astype(float).to_numpy(),
        "effective_cost_usd": ec2["EffectiveCost"].astype(float).to_numpy(),
    }).groupby(["region", "cluster", "node_group", "instance_type"], as_index=False).sum()
    hours = period.days_in_month * 24
    g["mean_nodes"] = g["node_hours"] / hours
    g["vcpu_hours"] = g["node_hours"] * g["instance_type"].map(lambda t: vcpu_by_type.get(t, float("nan")))
    return g[["region", "cluster", "node_group", "instance_type", "node_hours", "mean_nodes", "vcpu_hours",
              "effective_cost_usd"]]


def plan_vs_bill(plan: pd.DataFrame, billed: pd.DataFrame) -> pd.DataFrame:
    """The plan (:func:`month_node_plan`) beside the bill (:func:`billed_node_hours`) per region and node
    group (``<cluster>/<group>``), production groups and every other billed cluster's: ``instance_type``,
    ``planned_mean_nodes`` (NaN where nothing is planned), ``peak_nodes``, ``billed_mean_nodes`` and
    ``billed_usd``. Sandbox instances (no vCPU count, no cluster) are left out.
    """
    keys = ["region", "cluster", "node_group", "instance_type"]
    b = billed.loc[billed["vcpu_hours"].notna()].groupby(keys, as_index=False)[
        ["mean_nodes", "effective_cost_usd"]].sum().rename(columns={"mean_nodes": "billed_mean_nodes",
                                                                   "effective_cost_usd": "billed_usd"})
    p = plan[[*keys, "mean_nodes", "peak_nodes"]].rename(columns={"mean_nodes": "planned_mean_nodes"})
    out = p.merge(b, on=keys, how="outer")
    out["billed_mean_nodes"] = out["billed_mean_nodes"].fillna(0.0)
    out["billed_usd"] = out["billed_usd"].fillna(0.0)
    out["node_group"] = out["cluster"] + "/" + out["node_group"]
    return out[["region", "node_group", "instance_type", "planned_mean_nodes", "peak_nodes", "billed_mean_nodes",
                "billed_usd"]]


def check_plan_matches_bill(plan: pd.DataFrame, billed: pd.DataFrame, tolerance_ratio: float = 0.01) -> None:
    """Raise unless the bill's production node groups are the plan's: the same (region, node group,
    instance type) keys, and node-hours within ``tolerance_ratio`` of each other.

    ``plan`` from :func:`month_node_plan`, ``billed`` from :func:`billed_node_hours`; production clusters
    are those whose name starts with ``prod-``.

    Raises:
        PlaybookError: naming every node group billed but not planned, planned but not billed, or off by
            more than the tolerance.
    """
    tol = check_range("tolerance_ratio", tolerance_ratio, 0.0, 1.0)
    keys = ["region", "node_group", "instance_type"]
    b = billed.loc[billed["vcpu_hours"].notna() & billed["cluster"].str.startswith("prod-")]
    b = b.groupby(keys)["node_hours"].sum()
    p = plan.groupby(keys)["node_hours"].sum()
    problems = [f"billed, not planned: {'/'.join(k)}" for k in b.index.difference(p.index)]
    problems += [f"planned, not billed: {'/'.join(k)}" for k in p.index.difference(b.index)]
    both = b.index.intersection(p.index)
    off = (b[both] - p[both]).abs() > tol * p[both].clip(lower=1.0)
    problems += [f"{'/'.join(k)}: billed {b[k]:,.1f} node-hours, planned {p[k]:,.1f}" for k in both[off.to_numpy()]]
    if problems:
        raise PlaybookError("the bill's production node groups differ from the plan: " + "; ".join(problems))


@dataclass(frozen=True)
class NodeHoursSplit:
    """Why the bill's cluster nodes run (:func:`node_hours_split`), as mean nodes over the month.

    Attributes:
        mean_nodes: ``billed_cluster`` and its parts ``load`` (what the pods need, packed), ``az_headroom``
            (the spread that keeps a lost AZ's capacity), ``minimum_per_az`` (the node groups' floors above
            that), ``staging_and_dev`` (non-production clusters) and ``unexplained`` (billed production
            nodes the plan does not run; negative when the bill has fewer).
        by_region: the same parts per region (rows), mean nodes.
        explained_ratio: planned over billed production node-hours.
        sandbox_usd: EC2 billed outside any cluster (instances with no node type in the model).
    """

    mean_nodes: dict[str, float]
    by_region: pd.DataFrame
    explained_ratio: float
    sandbox_usd: float


def node_hours_split(kube: Mapping[str, Any], traffic_hourly: pd.DataFrame, month: str, groups: pd.DataFrame,
                     billed: pd.DataFrame) -> NodeHoursSplit:
    """Split the month's billed cluster node-hours into load, AZ headroom, the per-group minimum,
    non-production clusters and the rest, by running :func:`month_node_plan` three times: without AZ
    spread or minimum (load), with the spread (plus headroom), with the model's minimums (the plan).

    Production clusters are the bill's ``cluster`` names that start with ``prod-``.
    """
    hours = pd.Period(month, "M").days_in_month * 24
    load = month_node_plan(kube, traffic_hourly, month, groups.assign(min_nodes=0), az_headroom=False)
    spread = month_node_plan(kube, traffic_hourly, month, groups.assign(min_nodes=0))
    plan = month_node_plan(kube, traffic_hourly, month, groups)
    cluster = billed.loc[billed["vcpu_hours"].notna()]
    prod = cluster["cluster"].str.startswith("prod-")

    def per_region(frame: pd.DataFrame) -> pd.Series:
        return frame.groupby("region")["node_hours"].sum() / hours

    parts = pd.DataFrame({
        "load": per_region(load), "az_headroom": per_region(spread) - per_region(load),
        "minimum_per_az": per_region(plan) - per_region(spread),
        "staging_and_dev": per_region(cluster.loc[~prod]),
        "unexplained": per_region(cluster.loc[prod]).sub(per_region(plan), fill_value=0.0),
    }).fillna(0.0)
    billed_prod = float(cluster.loc[prod, "node_hours"].sum())
    means = {k: float(v) for k, v in parts.sum().items()}
    means["billed_cluster"] = float(cluster["node_hours"].sum()) / hours
    sandbox = float(billed.loc[billed["vcpu_hours"].isna(), "effective_cost_usd"].sum())
    return NodeHoursSplit(means, parts, float(plan["node_hours"].sum()) / billed_prod if billed_prod else float("nan"),
                          sandbox)


def billed_utilisation_by_month(kube: Mapping[str, Any], traffic_hourly: pd.DataFrame, billing: pd.DataFrame,
                                groups_at: Callable[[str], pd.DataFrame], vcpu_by_type: Mapping[str, float],
                                months: Sequence[str]) -> pd.DataFrame:
    """CPU used over CPU billed per month: the workloads' use (:func:`month_node_plan`'s
    ``cpu_used_vcpu_hours`` on the model's node groups, ``groups_at(month)``) over the vCPU-hours of the
    bill's production clusters (``production``) and of every cluster (``all_clusters``). Months with no
    EC2 usage are left out.
    """
    rows = {}
    for month in months:
        try:
            billed = billed_node_hours(billing, month, vcpu_by_type)
        except PlaybookError:
            continue
        cluster = billed.loc[billed["vcpu_hours"].notna()]
        groups = groups_at(month)
        if groups.empty:
            continue
        used = float(month_node_plan(kube, traffic_hourly, month, groups)["cpu_used_vcpu_hours"].sum())
        prod = float(cluster.loc[cluster["cluster"].str.startswith("prod-"), "vcpu_hours"].sum())
        rows[pd.Period(month, "M")] = {"production": used / prod if prod else float("nan"),
                                       "all_clusters": used / float(cluster["vcpu_hours"].sum())}
    return pd.DataFrame.from_dict(rows, orient="index")


def production_cpu_utilisation(kube: Mapping[str, Any], traffic_hourly: pd.DataFrame, billing: pd.DataFrame,
                               month: str) -> float:
    """CPU the production workloads used over the vCPUs of the production nodes the bill paid for, in ``month``
    (``YYYY-MM``): the ``production`` column of :func:`billed_utilisation_by_month` on the model's node groups.
    The one utilisation figure the capacity page, the scorecard and the cost pages should quote.

    Raises:
        PlaybookError: no EC2 usage or no production node group in the month.
    """
    vcpu = {t: float(spec["vcpu"]) for t, spec in kube["node_types"].items()}
    u = billed_utilisation_by_month(kube, traffic_hourly, billing, model_node_groups, vcpu, [month])
    if u.empty:
        raise PlaybookError(f"production_cpu_utilisation: nothing billed or planned in {month}")
    return float(u["production"].iloc[0])


@dataclass(frozen=True)
class ClusterPlan:
    """One region's cluster at a given event rate on one node type."""

    node_type: str
    replicas: dict[str, int]
    processor_servers: int
    processor_p99_ms: float
    nodes_packed: int
    nodes_with_az_headroom: int
    cpu_used_m: float
    cpu_allocatable_m: float
    cpu_utilisation: float
    cost_usd_per_month: float


def cluster_plan(kube: Mapping[str, Any], node_type: str, events_per_s: float, usd_per_hour: float,
                 quantile: float = 0.99, az_headroom: bool = True) -> ClusterPlan:
    """Size one region's cluster: replicas per service, processors by M/M/c, nodes by bin-packing.

    - rate-sized services: ``max(min_replicas, ceil(rate / events_per_s_per_pod))``;
    - processors: the fewest workers whose M/M/c response-time ``quantile`` (service time
      ``service_time_ms``) fits ``latency_budget_ms``, in pods of ``workers_per_pod``;
    - pods packed first-fit decreasing onto nodes whose allocatable is net of the daemonsets, then
      spread so losing one AZ keeps the packed count (when ``az_headroom``);
    - CPU used: rate-sized pods at ``hpa_cpu_target`` of requests scaled to the rate, processors at
      ``cpu_m_per_event_per_s`` per event/s, fixed services at ``fixed_usage_ratio``.
    Cost is nodes x ``usd_per_hour`` x 730 h.
    """

    rate = check_non_negative("events_per_s", events_per_s)
    nt = kube["node_types"][node_type]
    ds = kube["daemonset_per_node"]
    node = NodeType(node_type, nt["cpu_m"] - ds["cpu_m"], nt["mem_mib"] - ds["mem_mib"], usd_per_hour)
    proc = kube["processor"]
    mu = 1000.0 / proc["service_time_ms"]
    servers = int(processor_workers([rate], proc["service_time_ms"], proc["latency_budget_ms"], quantile)[0])
    p99_ms = 1000.0 * mmc_response_quantile_s(servers, rate, mu, quantile)
    counts = service_pods(kube, [rate], quantile)
    replicas = {name: int(n[0]) for name, n in counts.items()}
    used = float(sum(_service_cpu_used_m(kube, name, np.array([rate]), counts[name])[0] for name in replicas))
    pods = [Pod(f"{name}-{i}", kube["services"][name]["cpu_m"], kube["services"][name]["mem_mib"])
            for name, n in replicas.items() for i in range(n)]
    packed = len(pack_first_fit_decreasing(pods, node))
    total = nodes_surviving_az_loss(packed, kube["azs"]) if az_headroom else packed
    used += total * ds["cpu_m"] * kube["fixed_usage_ratio"]
    alloc = total * nt["cpu_m"]
    return ClusterPlan(node_type, replicas, servers, p99_ms, packed, total, used, alloc, used / alloc,
                       total * usd_per_hour * HOURS_PER_MONTH)


def plans_for_rates(kube: Mapping[str, Any], node_type: str, events_per_s: np.ndarray,
                    step_events_per_s: float = 1.0, node_group: str | None = None) -> pd.DataFrame:
    """The production node group's plan at each of many event rates (:func:`node_group_sizing`, no autoscaling
    bounds; equal to :func:`cluster_plan`): one row per rate (flattened, in order) with ``nodes``
    (``nodes_with_az_headroom``), ``cpu_used_m`` and ``cpu_allocatable_m``.

    Rates are rounded up to ``step_events_per_s`` first, as :func:`nodes_for_rates` rounds them.

    >>> from dfp.io.policies import load_policies
    >>> plans_for_rates(load_policies()["kubernetes"], "m6i.xlarge", np.array([0.0, 0.0]))["nodes"].tolist()
    [6, 6]
    """
    group, s = _rounded_sizing("plans_for_rates", kube, node_type, np.asarray(events_per_s, dtype=float).ravel(),
                               step_events_per_s, node_group)
    nodes = s.nodes[group]
    return pd.DataFrame({"nodes": nodes.astype(int), "cpu_used_m": s.cpu_used_m[group],
                         "cpu_allocatable_m": nodes * kube["node_types"][node_type]["cpu_m"]})


def nodes_for_rates(kube: Mapping[str, Any], node_type: str, events_per_s: np.ndarray, min_nodes: float,
                    max_nodes: float, step_events_per_s: float = 1.0, node_group: str | None = None) -> np.ndarray:
    """Nodes one region's production node group runs at each event rate (the bill's node-hours):
    :func:`node_group_sizing` for ``node_group`` (None: the one group of ``kubernetes.node_groups``) on
    ``node_type``, held between the autoscaling bounds.

    Rates are rounded up to ``step_events_per_s`` first (:func:`month_node_plan` rounds the same way), so the
    bill and the capacity page count the same nodes hour by hour; it equals
    ``clip(cluster_plan(kube, node_type, ceil(r / step) * step).nodes_with_az_headroom, min, max)``.

    Args:
        kube: the ``kubernetes`` section of ``data/platform.yml``.
        node_type: a key of ``kube["node_types"]``.
        events_per_s: event rates (events/s), any shape.
        min_nodes, max_nodes: the node group's autoscaling bounds.

    Returns:
        Node counts (float), the shape of ``events_per_s``.

    >>> from dfp.io.policies import load_policies
    >>> nodes_for_rates(load_policies()["kubernetes"], "m6i.xlarge", np.array([0.0, 200.0]), 3, 12).tolist()
    [6.0, 6.0]
    """
    lo, hi = check_non_negative("min_nodes", min_nodes), check_positive("max_nodes", max_nodes)
    if lo > hi:
        raise PlaybookError(f"nodes_for_rates: min_nodes {lo} > max_nodes {hi}")
    group, s = _rounded_sizing("nodes_for_rates", kube, node_type, np.asarray(events_per_s, dtype=float),
                               step_events_per_s, node_group, (lo, hi))
    return s.nodes[group].astype(float)


def _rounded_sizing(caller: str, kube: Mapping[str, Any], node_type: str, rates: np.ndarray, step_events_per_s: float,
                    node_group: str | None, bounds: tuple[float, float] | None = None) -> tuple[str, NodeGroupSizing]:
    """The one production group's :func:`node_group_sizing` at ``rates`` rounded up to ``step_events_per_s``
    (the rounding :func:`month_node_plan` applies), held between ``bounds`` (min, max nodes) when given;
    errors name ``caller``."""
    if rates.size and (not np.isfinite(rates).all() or rates.min() < 0):
        raise PlaybookError(f"{caller}: events_per_s must be finite and non-negative")
    if node_type not in kube["node_types"]:
        raise PlaybookError(f"{caller}: unknown node_type {node_type!r}")
    group = _one_group(kube, node_group, caller)
    step = check_positive("step_events_per_s", step_events_per_s)
    rounded = np.ceil(rates / step - 1e-9) * step
    lo, hi = bounds if bounds is not None else (0.0, None)
    return group, node_group_sizing(kube, rounded, {group: node_type}, {group: lo}, None if hi is None else {group: hi},
                                    only=[group])


def _one_group(kube: Mapping[str, Any], node_group: str | None, caller: str) -> str:
    groups = list(kube.get("node_groups") or {})
    group = node_group if node_group is not None else (groups[0] if len(groups) == 1 else None)
    if group is None or group not in groups:
        raise PlaybookError(f"{caller}: name one of the node groups {groups}; got {node_group!r}")
    return group


def stream_sizing(traffic_hourly: pd.DataFrame, regions: Sequence[str], burst_factor: float, record_bytes: float,
                  tenant_limit_events_per_s: float, headroom: float, **limits: float) -> pd.DataFrame:
    """Per region: the peak (:func:`peak_events_per_s`), shards for it alone (and the binding limit) and
    the shards the rule adopted after INC-01 provisions (:func:`stream_shards`).

    ``limits``: ``shard_records_per_s`` and ``shard_mb_per_s``.
    """
    rows = []
    for region in regions:
        peak = peak_events_per_s(traffic_hourly, burst_factor, region)
        plain = shards_needed(peak, record_bytes, headroom=headroom, **limits)
        rows.append({"region": region, "peak_events_per_s": peak, "shards_for_peak_only": plain.shards,
                     "binding_limit": plain.binding, "shards_with_tenant_burst": stream_shards(
                         peak, tenant_limit_events_per_s, record_bytes, headroom, **limits)})
    return pd.DataFrame(rows).set_index("region")


@dataclass(frozen=True)
class TenantReplay:
    """One tenant replaying a backlog into a stream of ``shards`` shards (:func:`tenant_replay`).

    Attributes:
        replay_events_per_s: the tenant's replay rate. background_events_per_s: everyone else's rate.
        designs: the hottest shard's load under each partitioning design (name -> :class:`HotShardLoad`).
    """

    replay_events_per_s: float
    background_events_per_s: float
    shards: int
    designs: dict[str, HotShardLoad]


def _designs(buckets: int, shards: int, tenant_limit: float) -> list[tuple[str, int, float | None]]:
    spread = min(buckets, shards)
    return [("tenant id as partition key", 1, None), (f"tenant id + {buckets} buckets", spread, None),
            (f"{buckets} buckets + tenant rate limit", spread, tenant_limit)]


def _hot(rate: float, background: float, spread: int, cap: float | None, shards: int, record_bytes: float,
         **limits: float) -> HotShardLoad:
    t = rate if cap is None else min(rate, cap)
    total = t + background
    return hot_shard_load(total, t / total / spread, shards, record_bytes=record_bytes, **limits)


def tenant_replay(replay_events: float, window_s: float, background_events_per_s: float, shards: int, buckets: int,
                  tenant_limit_events_per_s: float, record_bytes: float, **limits: float) -> TenantReplay:
    """A replay of ``replay_events`` within ``window_s`` seconds, under three designs: the tenant id as the
    partition key (one shard takes it all), the id spread over ``buckets`` keys (over at most ``shards``),
    and buckets plus a per-tenant rate limit (the tenant's rate capped at ``tenant_limit_events_per_s``).

    >>> r = tenant_replay(7_000_000, 3600, 100.0, 2, 8, 1000.0, 900.0)
    >>> round(r.replay_events_per_s), [round(d.utilisation, 2) for d in r.designs.values()]
    (1944, [1.99, 1.51, 0.8])
    """
    rate = check_positive("replay_events", replay_events) / check_positive("window_s", window_s)
    return TenantReplay(rate, background_events_per_s, shards, {
        name: _hot(rate, background_events_per_s, spread, cap, shards, record_bytes, **limits)
        for name, spread, cap in _designs(buckets, shards, tenant_limit_events_per_s)})


def replay_curves(rates_per_s: Sequence[float], background_events_per_s: float, shards: int, buckets: int,
                  tenant_limit_events_per_s: float, record_bytes: float, **limits: float) -> dict[str, list[float]]:
    """The hottest shard's utilisation for each tenant write rate, per design (labels as on the chart)."""
    labels = ["tenant id as partition key", f"{buckets} buckets", f"{buckets} buckets + rate limit"]
    return {label: [_hot(r, background_events_per_s, spread, cap, shards, record_bytes, **limits).utilisation
                    for r in rates_per_s]
            for label, (_n, spread, cap) in zip(labels, _designs(buckets, shards, tenant_limit_events_per_s),
                                                strict=True)}


def queue_table(events_per_s: float, service_time_ms: float, latency_budget_ms: float,
                quantile: float = 0.99) -> tuple[int, pd.DataFrame]:
    """The fewest workers whose response-time ``quantile`` fits the budget (:func:`servers_for_quantile`),
    and per stable worker count from two below to three above it: utilisation, P(wait), p99 (ms) and
    events in flight (Little's law on the mean response time).

    >>> n, t = queue_table(1000.0, 12.0, 100.0)
    >>> n, list(t.index)
    (13, [13, 14, 15, 16])
    """
    mu = 1000.0 / check_positive("service_time_ms", service_time_ms)
    servers = servers_for_quantile(events_per_s, mu, check_positive("latency_budget_ms", latency_budget_ms) / 1000,
                                   quantile)
    rows = [{"workers": c, "utilisation": events_per_s / (c * mu), "p_wait": erlang_c(c, events_per_s, mu),
             "p99_ms": 1000 * mmc_response_quantile_s(c, events_per_s, mu),
             "in_flight_events": littles_law(events_per_s, mmc_mean_response_s(c, events_per_s, mu))}
            for c in range(max(1, servers - 2), servers + 4) if c * mu > events_per_s]
    return servers, pd.DataFrame(rows).set_index("workers")


def drain_table(backlog: float, arrival_rate_per_s: float, workers: Sequence[int], service_rate_per_s: float,
                utilisation_cap: float) -> pd.DataFrame:
    """Minutes to drain ``backlog`` events with each worker count, each worker at ``utilisation_cap`` of its
    service rate while ``arrival_rate_per_s`` keeps arriving (:func:`drain_time_s`)."""
    return pd.DataFrame({"workers": list(workers), "drain_min": [
        drain_time_s(backlog, w * service_rate_per_s * utilisation_cap, arrival_rate_per_s) / 60 for w in workers]})


@dataclass(frozen=True)
class NodeTypePlans:
    """:func:`cluster_plan` per node type at the peak and at the average rate, and their comparison table."""

    at_peak: dict[str, ClusterPlan]
    at_average: dict[str, ClusterPlan]
    table: pd.DataFrame


def node_type_plans(kube: Mapping[str, Any], peak_events_per_s: float, average_events_per_s: float,
                    usd_per_hour: Mapping[str, float]) -> NodeTypePlans:
    """Plan the cluster on every node type; the table has nodes packed and run, CPU utilisation at the
    peak and on average (%) and the monthly cost."""
    peak = {nt: cluster_plan(kube, nt, peak_events_per_s, usd_per_hour[nt]) for nt in kube["node_types"]}
    avg = {nt: cluster_plan(kube, nt, average_events_per_s, usd_per_hour[nt]) for nt in kube["node_types"]}
    table = pd.DataFrame({nt: {"nodes_packed": p.nodes_packed, "nodes_run": p.nodes_with_az_headroom,
                               "cpu_util_at_peak_pct": 100 * p.cpu_utilisation,
                               "cpu_util_average_pct": 100 * avg[nt].cpu_utilisation,
                               "cost_usd_per_month": p.cost_usd_per_month} for nt, p in peak.items()}).T
    return NodeTypePlans(peak, avg, table)


def utilisation_by_multiple(kube: Mapping[str, Any], node_types: Sequence[str], events_per_s: float,
                            multiples: Sequence[float], usd_per_hour: Mapping[str, float]) -> pd.DataFrame:
    """Average CPU utilisation (fraction) of the cluster per node type (columns) at ``events_per_s x m``
    for each multiple ``m`` (index)."""
    return pd.DataFrame({nt: [cluster_plan(kube, nt, events_per_s * m, usd_per_hour[nt]).cpu_utilisation
                              for m in multiples] for nt in node_types}, index=multiples)
