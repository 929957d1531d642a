"""Generate the billing export from the platform model: daily AWS cost lines in the FinOps FOCUS shape (fictional).

The bill is **the platform model x the traffic x the prices**, nothing else:

* **What is billed** is ``resources`` in ``data/platform.yml`` (read through :mod:`dfp.io.platform`): every usage
  line's ``ResourceId`` is the ARN of a modelled resource (:func:`dfp.io.platform.resource_arn`), each line is
  billed only while its resource exists and in the proportion of each day a setting held (a change dated by an
  incident record starts mid-day), and every resource the model marks as billed has lines in every month it
  exists (``tests/test_platform_model.py`` checks both directions per month).
* **Drivers** come from the business data: events and API requests per region-day (``usage_daily``), the hourly
  event rate (``traffic_hourly``) and each customer's retained data.
* **Node-hours**: the prod node group's node count each hour is :func:`dfp.capacity.sizing.nodes_for_rates` at
  that hour's event rate: the cluster plan of the Kubernetes capacity page (replicas per service, processors by
  M/M/c, first-fit packing, one AZ of headroom), clipped to the node group's autoscaling bounds. Staging runs its
  minimum plus a load test a few weekday afternoons a year; dev follows the engineers' activity.
* **Kinesis** per the stream's capacity mode: on-demand stream-hours, data in and out and the retention beyond
  24 h per GB; provisioned shard-hours, PUT payload units and the extended retention per shard-hour.
* **S3**: each bucket's retained gigabytes (events, tenants' dedicated archives, Loki's chunks, the audit trail,
  the replicas), PUT requests per object written, replication's inter-region transfer and replica PUTs.
* **INC-05** is a change in the model: debug logging on the us-east-1 processors from the incident's impact
  start to its end. Log volume per day is :func:`dfp.capacity.observability.log_gb_per_day` at the level the
  model says; Loki writes it to S3, and until the S3 gateway endpoint exists (the fix, from the incident's end)
  every S3 write from the private subnets passes the NAT gateways (data processed per GB). The log pipeline's
  lines carry ``app=log-pipeline`` (:data:`dfp.cost.incident.LOG_PIPELINE_APPS`). For the investigation the
  debug stream was also sent to a CloudWatch Logs log group (a ``cloudwatch-log-group`` resource, live from the
  incident's start to its end): ``events x log_bytes_per_event_debug`` bytes a day are billed as CloudWatch Logs
  ingestion (per GB) and storage (the retained window, per GB-month, on the log group's ``ResourceId``), and, with
  no CloudWatch Logs interface endpoint, as NAT data processed on the NAT gateways' ``ResourceId``.
* **Tags**: ``env``, ``team``, ``app``; ``alloc`` (the key that spreads a shared line over customers: ``events``,
  ``api_requests``, ``storage``) from the start of the Full platform era on pipeline lines; ``customer`` on the
  dedicated enterprise buckets. Shared platform lines (staging, dev, observability, control planes, network)
  carry no allocation key until the INC-05 follow-up (ADR-0013); the sandbox line never does.
* **Commitments**: 1-year Compute Savings Plans (no upfront, a daily recurring fee) bought at ``0.9 x`` the
  10th-percentile hourly eligible spend of the previous 28 days; 1-year all-upfront RDS reserved instances for the
  prod Multi-AZ databases. Covered usage rows have ``BilledCost = 0`` and an ``EffectiveCost`` at the committed
  rate; unused commitment appears as ``Unused`` rows; purchases have ``EffectiveCost = 0``, as FOCUS specifies.
  FOCUS 1.2 prices purchase and unused rows like any other; the commitment itself is in
  ``CommitmentDiscountQuantity`` / ``CommitmentDiscountUnit``.
* **Credits**: promotional credits in the MVP era, one ``Credit`` row per month.
* **FOCUS 1.2 columns**: every mandatory column and each conditional column whose condition holds for AWS
  (``data/focus/focus-1.2-columns.yml``); units in FOCUS UnitFormat.
* **Day-to-day noise** (the dataset's own ``rng`` stream only): dev nodes, staging load tests and the untagged
  sandbox line: the normal peaks an anomaly detector must not flag.

Prices come from ``data/external_facts.yml`` (``prices``; the node types' prices through
``kubernetes.node_types``); eu-west-1 and eu-central-1 carry ``eu_west_1_price_ratio``. The business frames are
regenerated in-process from the same seed, so a bill is always consistent with the business data of one run.
"""

from __future__ import annotations

import io
import json
import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from dfp.capacity.observability import log_gb_per_day
from dfp.capacity.sizing import nodes_for_rates
from dfp.core.errors import PlaybookError
from dfp.core.paths import data_dir
from dfp.generate import business
from dfp.generate.seed import rng_for
from dfp.io.external import fact
from dfp.io.focus import validate_focus
from dfp.io.platform import (
    account_of,
    daily_setting,
    live_share,
    load_accounts,
    load_resources,
    payer_account,
    resource_arn,
)
from dfp.io.policies import load_policies, workload
from dfp.io.schema import validate_frame
from dfp.io.schemas import SCHEMAS
from dfp.io.schemas.billing import billing_daily
from dfp.io.system import System
from dfp.security.posture import audit_log_retention

__all__ = ["COMMITMENT_PURCHASES", "generate"]

#: the payer's display name on the bill (its id and every member account: ``accounts`` in data/platform.yml)
ACCOUNT_NAME = "DataFlow Platform"
#: AWS's display names of the regions the platform bills in
REGION_NAMES = {"us-east-1": "US East (N. Virginia)", "eu-west-1": "Europe (Ireland)",
                "us-west-2": "US West (Oregon)", "eu-central-1": "Europe (Frankfurt)"}
#: which region's business drivers a region's resources serve (the replicas serve their source region)
_SERVES = {"us-east-1": "us-east-1", "eu-west-1": "eu-west-1", "us-west-2": "us-east-1", "eu-central-1": "eu-west-1"}

#: Commitment purchases: (id, kind, start date). Compute SP levels are sized from data.
COMMITMENT_PURCHASES: tuple[tuple[str, str, str], ...] = (
    ("sp-2025-08", "sp", "2025-08-01"),
    ("sp-2026-02", "sp", "2026-02-01"),
    ("sp-2026-08", "sp", "2026-08-01"),   # renews sp-2025-08
    ("ri-2025-09", "ri", "2025-09-01"),
    ("ri-2026-09", "ri", "2026-09-01"),   # renews ri-2025-09
)
TERM_DAYS = 365
#: RDS hourly price per (instance class, Multi-AZ)
_RDS_PRICE = {("db.m6g.large", True): "rds_pg_m6g_large_multi_az_usd_per_h",
              ("db.m6g.large", False): "rds_pg_m6g_large_usd_per_h"}
#: EC2 hourly price of instance types outside the Kubernetes node types
_EC2_PRICE = {"t3.large": "ec2_t3_large_usd_per_h"}


def _tags(**kv: str) -> str:
    return json.dumps({k: v for k, v in kv.items() if v}, sort_keys=True, separators=(",", ":"))


def _price(name: str) -> float:
    return fact(f"prices.{name}").value


def _ratio(region: str) -> float:
    return _price("eu_west_1_price_ratio") if region.startswith("eu-") else 1.0


class _Bill:
    """Accumulates FOCUS rows column-wise (vectorised per line)."""

    def __init__(self) -> None:
        self.parts: list[pd.DataFrame] = []
        #: the account of each ARN without one (S3), tenant bucket sets by their name's prefix
        self.accounts: dict[str, str] = {}

    def add(self, days: pd.DatetimeIndex, *, region: str | None, service: str, category: str, desc: str,
            sku: str, qty: np.ndarray, unit: str, price: float, tags: str | np.ndarray, resource: str | None,
            effective: np.ndarray | None = None, billed: np.ndarray | None = None, pricing: str = "Standard",
            commit_id: str | None = None, commit_type: str | None = None, commit_cat: str | None = None,
            commit_status: str | None = None, charge: str = "Usage", freq: str = "Usage-Based",
            period_end: pd.DatetimeIndex | None = None, list_cost: np.ndarray | None = None,
            commit_qty: np.ndarray | None = None, commit_unit: str = "") -> None:
        qty = np.round(np.asarray(qty, dtype=float), 6)
        keep = qty > 0 if charge == "Usage" and commit_status != "Unused" else np.ones(len(qty), bool)
        if not keep.any():
            return
        lc = np.round(qty * price, 6) if list_cost is None else np.round(np.asarray(list_cost, float), 6)
        eff = lc if effective is None else np.round(np.asarray(effective, float), 6)
        bil = eff if billed is None else np.round(np.asarray(billed, float), 6)
        end = days + pd.Timedelta(days=1) if period_end is None else period_end
        n = len(days)
        priced = charge in ("Usage", "Purchase")
        metered = charge == "Usage" and commit_status != "Unused"
        cq = np.full(n, np.nan) if commit_qty is None else np.round(np.asarray(commit_qty, float), 6)
        self.parts.append(pd.DataFrame({
            "ChargePeriodStart": days, "ChargePeriodEnd": end, "ChargeCategory": charge, "ChargeFrequency": freq,
            "ChargeDescription": desc, "ServiceName": service, "ServiceCategory": category,
            "RegionId": region or "", "ResourceId": resource or "", "SkuId": sku,
            "PricingCategory": pricing if priced else "",
            "PricingQuantity": qty if priced else np.full(n, np.nan),
            "PricingUnit": unit if priced else "",
            "ListUnitPrice": price if priced else np.nan,
            "ListCost": lc, "ContractedUnitPrice": price if priced else np.nan, "ContractedCost": lc,
            "BilledCost": bil, "EffectiveCost": eff,
            "ConsumedQuantity": qty if metered else np.full(n, np.nan), "ConsumedUnit": unit if metered else "",
            "CommitmentDiscountId": commit_id or "", "CommitmentDiscountName": commit_id or "",
            "CommitmentDiscountType": commit_type or "", "CommitmentDiscountCategory": commit_cat or "",
            "CommitmentDiscountStatus": commit_status or "", "CommitmentDiscountQuantity": cq,
            "CommitmentDiscountUnit": commit_unit if commit_qty is not None else "", "Tags": tags,
        })[keep])




def _drivers(system: System, usage: pd.DataFrame, hourly: pd.DataFrame, days: pd.DatetimeIndex,
             customers: pd.DataFrame) -> dict[str, dict[str, Any]]:
    """Per live region: daily events and API requests, hourly events (days x 24), new stored GB per customer
    and day, and which customers are enterprise tenants."""
    w = workload()  # data/platform.yml, section workload: read when generating, never at import
    ent = set(customers.loc[customers["tier"] == "enterprise", "customer_id"])
    out: dict[str, dict[str, Any]] = {}
    for region in (r.id for r in system.regions):
        u = usage[usage["region"] == region]
        daily = u.groupby("date")[["events", "api_requests"]].sum().reindex(days, fill_value=0)
        h = hourly[hourly["region"] == region].set_index("hour")["events"]
        grid = pd.date_range(days[0], days[-1] + pd.Timedelta(hours=23), freq="h")
        hm = h.reindex(grid, fill_value=0).to_numpy(float).reshape(len(days), 24)
        per_cust = u.pivot_table(index="date", columns="customer_id", values="events", aggfunc="sum")
        per_cust = per_cust.reindex(days).fillna(0.0)
        out[region] = {"events": daily["events"].to_numpy(float), "api": daily["api_requests"].to_numpy(float),
                       "hourly": hm, "new_gb": per_cust * w["stored_kb_per_event"] / 1e6,
                       "ent": np.array([c in ent for c in per_cust.columns])}
    return out


def _rolling(daily: np.ndarray, window_days: float) -> np.ndarray:
    """Sum over the last ``window_days`` days (what a store holds at a retention of that many days)."""
    frame = pd.DataFrame(np.asarray(daily, float))
    return frame.rolling(max(1, int(window_days)), min_periods=1).sum().to_numpy().reshape(np.shape(daily))


def _constant(model: pd.DataFrame, rid: str, key: str) -> Any:
    """A setting the generator requires to be the same over a resource's whole life (an instance type)."""
    values = {s.get(key) for s in model.loc[model["id"] == rid, "settings"]}
    if len(values) != 1:
        raise PlaybookError(f"platform.yml: resource {rid}: the bill needs one {key} over its life; got {values}")
    return values.pop()


def _per_day(value: np.ndarray, live: np.ndarray) -> np.ndarray:
    """A setting's value on the days a resource lived (``daily_setting`` weights by the share of the day)."""
    return np.divide(value, live, out=np.zeros_like(value), where=live > 0)


def generate(system: System, rng: np.random.Generator) -> dict[str, pd.DataFrame]:
    """Generate ``billing_daily.csv.gz`` from the platform model and the business data; ``{filename: frame}``."""
    w = workload()  # data/platform.yml, section workload: read when generating, never at import
    pol = load_policies()
    kube, ob = pol["kubernetes"], pol["observability"]
    usage, hourly, customers = _business(system)
    days = pd.date_range(system.start, system.end, freq="D", inclusive="left")
    nd = len(days)
    drv = _drivers(system, usage, hourly, days, customers)
    model = load_resources()
    res = model.drop_duplicates("id").set_index("id")
    attrib_from = system.month_start(system.era("full-platform").first_month)
    inc = system.incident("INC-05")
    alloc_on = np.asarray(days >= attrib_from)
    shared_on = np.asarray(days >= inc.impact_end.normalize() + pd.Timedelta(days=1))
    bill = _Bill()
    d_sp = _price("compute_savings_plan_1y_discount_ratio")
    d_ri = _price("rds_reserved_1y_discount_ratio")

    def tags(env: str, team: str, app: str, alloc: str | None, when: np.ndarray) -> np.ndarray:
        with_key, without = _tags(env=env, team=team, app=app, alloc=alloc or ""), _tags(env=env, team=team, app=app)
        return np.where(when, with_key, without)

    def rtags(rid: str, app: str, alloc: str | None = "events", team: str | None = None) -> np.ndarray:
        """A resource's tags (``team`` overrides the resource's own for a line another team drives): prod
        pipeline lines carry ``alloc`` from attribution's start, shared ones from the INC-05 follow-up."""
        env, owner = res.at[rid, "env"], team or res.at[rid, "team"]
        pipeline = env == "prod" and owner in ("pipeline", "ingestion", "delivery")
        return tags(env, owner, app, alloc, alloc_on if pipeline else shared_on)

    def arn(rid: str) -> str:
        """The resource's ARN in its own account (``accounts`` in data/platform.yml); S3 ARNs carry no
        account, so the bill remembers it for ``SubAccountId``."""
        acct = account_of(res.at[rid, "env"], res.at[rid, "region"]).id
        out = resource_arn({"kind": res.at[rid, "kind"], "region": res.at[rid, "region"],
                            "name": res.at[rid, "name"]}, acct)
        bill.accounts[out.replace("{customer}", "")] = acct
        return out

    def of_kind(kind: str, **where: Any) -> list[str]:
        sel = res[(res["kind"] == kind) & res["billed"]]
        for k, v in where.items():
            sel = sel[sel[k] == v]
        return list(sel.index)

    def setting(rid: str, key: str) -> np.ndarray:
        return daily_setting(rid, key, days)

    def live(rid: str) -> np.ndarray:
        return live_share(rid, days)

    # ---- derived daily quantities per live region --------------------------------------------------
    pods = float(sum(s["min_replicas"] for s in kube["services"].values()))
    derived: dict[str, dict[str, np.ndarray]] = {}
    for region, d in drv.items():
        procs = [r for r in res.index if res.at[r, "kind"] == "eks-workload" and res.at[r, "name"] == "processors"
                 and res.at[r, "region"] == region]
        debug = setting(procs[0], "log_level=debug") if procs else np.zeros(nd)
        per_event = ob["log_bytes_per_event_info"] + debug * (ob["log_bytes_per_event_debug"]
                                                              - ob["log_bytes_per_event_info"])
        log_gb = np.array([log_gb_per_day(e, b, int(pods), ob["log_fixed_gb_per_pod_day"])
                           for e, b in zip(d["events"], per_event, strict=True)]) * (d["events"] > 0)
        endpoints = [r for r in model.loc[model["kind"] == "vpc-endpoint", "id"].unique()
                     if res.at[r, "region"] == region
                     and {s.get("service") for s in model.loc[model["id"] == r, "settings"]} == {"s3"}]
        via_nat = 1.0 - (live(endpoints[0]) if endpoints else np.zeros(nd))
        groups = [r for r in res.index if res.at[r, "kind"] == "cloudwatch-log-group" and res.at[r, "billed"]
                  and res.at[r, "region"] == region]
        shipped = sum((np.minimum(live(g), debug) for g in groups), np.zeros(nd))
        cw_gb = d["events"] * ob["log_bytes_per_event_debug"] / 1e9 * shipped
        derived[region] = {"log_gb": log_gb, "s3_via_nat": via_nat, "cloudwatch_gb": cw_gb}

    # ---- compute: hourly node counts per node group, Savings Plan coverage applied hour by hour ----------
    weekend = np.asarray(days.day_of_week >= 5)
    dev_draw = np.where(weekend, 1.0, np.clip(rng.poisson(w["dev_nodes"], nd), 1, None)).astype(float)
    load_test = (~weekend & (rng.random(nd) < w["load_tests_per_year"] / (52 * 5))).astype(float)
    sandbox_noise = rng.lognormal(0.0, w["sandbox_noise_sigma"], nd)
    afternoon = (np.arange(24) >= 13) & (np.arange(24) < 13 + w["load_test_hours"])
    nodes: dict[str, np.ndarray] = {}
    node_price: dict[str, float] = {}
    for rid in of_kind("eks-nodegroup"):
        region, itype, sizing = res.at[rid, "region"], _constant(model, rid, "instance_type"), \
            _constant(model, rid, "sizing")
        if itype not in kube["node_types"]:
            raise PlaybookError(f"platform.yml: resource {rid}: instance_type {itype!r} is not in kubernetes.node_types")
        lv = live(rid)
        lo, hi = _per_day(setting(rid, "min_nodes"), lv), _per_day(setting(rid, "max_nodes"), lv)
        if sizing == "cluster-plan":
            n = nodes_for_rates(kube, itype, drv[region]["hourly"] / 3600.0, 0.0, 1e9)
        elif sizing == "load-tests":
            n = lo[:, None] + w["load_test_nodes"] * load_test[:, None] * afternoon[None, :]
        else:  # dev-activity
            n = np.repeat(dev_draw[:, None], 24, axis=1)
        nodes[rid] = np.clip(n, lo[:, None], hi[:, None]) * lv[:, None]
        node_price[rid] = fact(kube["node_types"][itype]["price"]).value * _ratio(region)
    od_h = {rid: nodes[rid] * node_price[rid] for rid in nodes}
    total_od = np.asarray(sum(od_h.values()), dtype=float)
    sp_rate_spend = total_od * (1 - d_sp)
    levels = _sp_levels(sp_rate_spend, days)
    remaining = sp_rate_spend.copy()
    cover: dict[str, np.ndarray] = {}
    for cid, level in levels.items():
        active = np.array([_active(cid, d) for d in days], dtype=float)[:, None]
        used = np.minimum(remaining, level * active)
        cover[cid] = np.divide(used, sp_rate_spend, out=np.zeros_like(used), where=sp_rate_spend > 0)
        remaining = remaining - used
        unused = ((level * active - used).sum(axis=1))
        on = active[:, 0] > 0
        sp_tags = _tags(team="finops", app="savings-plan")
        sp_arn = f"arn:aws:savingsplans::{account_of('prod', None).id}:{cid}"  # bought by the prod account
        bill.add(days[on], region=None, service="AWS Savings Plans", category="Compute",
                 desc=f"Compute Savings Plan {cid} recurring fee", sku="ComputeSP:1yrNoUpfront",
                 qty=np.full(on.sum(), 24.0), unit="Hours", price=level, tags=sp_tags, resource=sp_arn,
                 effective=np.zeros(on.sum()), billed=np.full(on.sum(), level * 24),
                 charge="Purchase", freq="Recurring", commit_id=cid, commit_type="Compute Savings Plan",
                 commit_cat="Spend", commit_qty=np.full(on.sum(), level * 24), commit_unit="USD")
        bill.add(days[on], region=None, service="AWS Savings Plans", category="Compute",
                 desc=f"Compute Savings Plan {cid} unused commitment", sku="ComputeSP:1yrNoUpfront",
                 qty=unused[on] / level if level > 0 else np.zeros(on.sum()), unit="Hours", price=level,
                 tags=sp_tags, resource=sp_arn, effective=unused[on], billed=np.zeros(on.sum()), pricing="Committed",
                 commit_id=cid, commit_type="Compute Savings Plan", commit_cat="Spend", commit_status="Unused",
                 commit_qty=unused[on], commit_unit="USD")
    od_frac = np.divide(remaining, sp_rate_spend, out=np.ones_like(remaining), where=sp_rate_spend > 0)
    for rid, nh in nodes.items():
        itype, region, env = _constant(model, rid, "instance_type"), res.at[rid, "region"], res.at[rid, "env"]
        group = "workers" if env == "prod" else env
        common: dict[str, Any] = dict(region=region, service="Amazon Elastic Compute Cloud", category="Compute",
                                      sku=f"BoxUsage:{itype}", unit="Hours", price=node_price[rid],
                                      tags=rtags(rid, f"nodegroup-{group}"), resource=arn(rid))
        bill.add(days, desc=f"EKS {env} nodes {itype} on demand", qty=(nh * od_frac).sum(axis=1), **common)
        for cid in levels:
            q = (nh * cover[cid]).sum(axis=1)
            lc = q * node_price[rid]
            bill.add(days, desc=f"EKS {env} nodes {itype} covered by {cid}", qty=q, pricing="Committed",
                     effective=lc * (1 - d_sp), billed=np.zeros(nd), commit_id=cid,
                     commit_type="Compute Savings Plan", commit_cat="Spend", commit_status="Used",
                     commit_qty=lc * (1 - d_sp), commit_unit="USD", **common)
    for rid in of_kind("ec2-instances"):
        itype, region = _constant(model, rid, "instance_type"), res.at[rid, "region"]
        price = _price(_EC2_PRICE[itype]) * _ratio(region)
        usd = setting(rid, "mean_usd_per_day") * sandbox_noise
        bill.add(days, region=region, service="Amazon Elastic Compute Cloud", category="Compute",
                 desc=f"Sandbox instances {itype} (untagged)", sku=f"BoxUsage:{itype}", qty=usd / price,
                 unit="Hours", price=price, tags="{}", resource=arn(rid))

    # ---- every other billed resource, by kind ------------------------------------------------------------
    _bill_rest(bill, system, model, res, days, drv, derived, rtags, arn, setting, live, d_ri)
    # ---- credits (MVP era) ------------------------------------------------------------------------
    mvp_end = system.era("mvp").last_month + 1
    starts = pd.DatetimeIndex([system.month_start(m) for m in range(mvp_end)])
    ends = pd.DatetimeIndex([system.month_start(m + 1) for m in range(mvp_end)])
    credit = np.full(len(starts), -w["credits_usd_per_month"])
    bill.add(starts, region=None, service="AWS Promotional Credits", category="Other",
             desc="Promotional credits applied", sku="Credit", qty=np.zeros(len(starts)), unit="", price=0.0,
             tags="{}", resource=None, list_cost=credit, effective=credit, billed=credit,
             charge="Credit", freq="One-Time", period_end=ends)
    frame = _frame(bill)
    _check_focus(frame)
    return {"billing_daily.csv.gz": frame}


def _bill_rest(bill: _Bill, system: System, model: pd.DataFrame, res: pd.DataFrame, days: pd.DatetimeIndex,
               drv: dict[str, dict[str, Any]], derived: dict[str, dict[str, np.ndarray]],
               rtags: Callable[..., np.ndarray], arn: Callable[[str], str],
               setting: Callable[[str, str], np.ndarray], live: Callable[[str], np.ndarray], d_ri: float) -> None:
    """The lines of every billed resource other than compute, one block per kind (see the module docstring)."""
    w = workload()
    pol = load_policies()
    ob, stores = pol["observability"], pol["recovery"]["stores"]
    nd = len(days)
    dim = days.days_in_month.to_numpy(float)
    keep = audit_log_retention(json.loads((data_dir() / "security" / "audit-log-bucket.json").read_text()))
    record_kb = math.ceil(system.sample["mean_event_bytes"] / 1024)
    zero = np.zeros(nd)

    def serve(rid: str) -> dict[str, Any]:
        return drv.get(_SERVES.get(res.at[rid, "region"], ""), {"events": zero, "api": zero, "new_gb": None})

    def add(rid: str, *, service: str, category: str, desc: str, sku: str, qty: np.ndarray, unit: str,
            price_name: str, app: str, alloc: str | None = "events", region: str | None = None,
            resource: str | None = None, tag: np.ndarray | str | None = None, **extra: Any) -> None:
        reg = region or res.at[rid, "region"]
        bill.add(days, region=reg, service=service, category=category, desc=desc, sku=sku, qty=qty, unit=unit,
                 price=_price(price_name) * _ratio(reg), tags=rtags(rid, app, alloc) if tag is None else tag,
                 resource=resource or arn(rid), **extra)

    def ids(kind: str) -> list[str]:
        return list(res.index[(res["kind"] == kind) & res["billed"]])

    def content(rid: str) -> str:
        return str(model.loc[model["id"] == rid, "settings"].iloc[0]["content"])

    for rid in ids("eks-cluster"):
        add(rid, service="Amazon Elastic Kubernetes Service", category="Compute",
            desc=f"EKS cluster control plane {res.at[rid, 'name']}", sku="AmazonEKS-Hours:perCluster",
            qty=24 * live(rid), unit="Hours", price_name="eks_cluster_usd_per_h", app="eks", alloc="events")
    for rid in ids("ebs-volumes"):
        add(rid, service="Amazon Elastic Compute Cloud", category="Storage",
            desc=f"EBS gp3 volumes, {res.at[rid, 'name']}", sku="EBS:VolumeUsage.gp3",
            qty=setting(rid, "volumes") * _per_day(setting(rid, "size_gb"), live(rid)) / dim, unit="GB-Months",
            price_name="ebs_gp3_gb_month", app="observability")
    for rid in ids("api-gateway"):
        add(rid, service="Amazon API Gateway", category="Networking", desc="API Gateway HTTP API requests",
            sku="ApiGatewayHttpRequest", qty=serve(rid)["api"] * live(rid) / 1e6, unit="1000000 Requests",
            price_name="apigw_http_usd_per_million", app="ingestion-api", alloc="api_requests")
    for rid in ids("kinesis-stream"):
        ev, lv = serve(rid)["events"] * live(rid), live(rid)
        prov = setting(rid, "capacity_mode=provisioned")
        ondemand = lv - prov
        extra_h = np.maximum(_per_day(setting(rid, "retention_h"), lv) - 24.0, 0.0)
        gb_in = ev * record_kb / 1024**2
        common = dict(service="Amazon Kinesis", category="Analytics", app="event-stream")
        add(rid, desc="Kinesis on-demand stream hours", sku="OnDemand-StreamHour", qty=24 * ondemand,
            unit="Hours", price_name="kinesis_on_demand_stream_hour", **common)
        add(rid, desc="Kinesis on-demand data in", sku="OnDemand-BilledIncomingBytes", qty=gb_in * ondemand / lv.clip(1e-9),
            unit="GB", price_name="kinesis_on_demand_ingest_gb", **common)
        add(rid, desc="Kinesis on-demand data out", sku="OnDemand-BilledOutgoingBytes", qty=gb_in * ondemand / lv.clip(1e-9),
            unit="GB", price_name="kinesis_on_demand_retrieval_gb", **common)
        add(rid, desc="Kinesis on-demand extended retention", sku="OnDemand-ExtendedRetention-ByteHrs",
            qty=gb_in * ondemand / lv.clip(1e-9) * extra_h / 24.0 / dim, unit="GB-Months",
            price_name="kinesis_on_demand_extended_retention_gb_month", **common)
        shards = setting(rid, "shards")
        add(rid, desc="Kinesis shard hours", sku="Storage-ShardHour", qty=24 * shards, unit="Shard-Hours",
            price_name="kinesis_shard_usd_per_h", **common)
        add(rid, desc="Kinesis extended retention shard hours", sku="Extended-ShardHour",
            qty=24 * shards * (extra_h > 0), unit="Shard-Hours", price_name="kinesis_extended_retention_shard_usd_per_h",
            **common)
        add(rid, desc="Kinesis PUT payload units", sku="PutRequestPayloadUnits", qty=ev * prov / lv.clip(1e-9) / 1e6,
            unit="1000000 Units", price_name="kinesis_put_unit_usd_per_million", **common)
    for rid in ids("sqs-queue"):
        polls = setting(rid, "consumers") * 86_400.0 / w["sqs_long_poll_s"]
        add(rid, service="Amazon Simple Queue Service", category="Integration",
            desc=f"SQS requests, {res.at[rid, 'name']} (long polling)", sku="Requests-RBP", qty=polls / 1e6,
            unit="1000000 Requests", price_name="sqs_usd_per_million_requests",
            app="spill-buffer" if res.at[rid, "name"] == "ingest-spill" else "delivery-dlq")
    dyn = stores["state-dynamodb"]
    for rid in ids("dynamodb-table"):
        ev = serve(rid)["events"] * live(rid)
        gb = _rolling(ev, dyn["key_retention_days"]) * dyn["bytes_per_key"] / 1e9
        common = dict(service="Amazon DynamoDB", category="Databases", app="state-store")
        add(rid, desc="DynamoDB on-demand write request units", sku="WriteRequestUnits",
            qty=ev * w["wru_per_event"] / 1e6, unit="1000000 Units", price_name="dynamodb_wru_usd_per_million", **common)
        add(rid, desc="DynamoDB on-demand read request units", sku="ReadRequestUnits",
            qty=ev * w["rru_per_event"] / 1e6, unit="1000000 Units", price_name="dynamodb_rru_usd_per_million", **common)
        add(rid, desc="DynamoDB storage", sku="TimedStorage-ByteHrs", qty=gb / dim, unit="GB-Months",
            price_name="dynamodb_storage_gb_month", **common)
        add(rid, desc="DynamoDB point-in-time recovery", sku="TimedPITRStorage-ByteHrs",
            qty=gb * setting(rid, "pitr") / dim, unit="GB-Months", price_name="dynamodb_pitr_usd_per_gb_month", **common)
    for rid in ids("rds-instance"):
        _bill_rds(bill, model, res, rid, days, rtags, arn, setting, live, d_ri)
    # buckets
    tenants = {res.at[r, "region"]: r for r in ids("s3-tenant-buckets")}
    replica_source = {}
    for rid in ids("s3-bucket"):
        for s in model.loc[model["id"] == rid, "settings"]:
            if s.get("replication_to"):
                replica_source[s["replication_to"]] = rid
    # KMS requests S3 makes for SSE-KMS objects: without an S3 Bucket Key, one per object written (GenerateDataKey),
    # read (Decrypt) or replicated (Decrypt at the source, GenerateDataKey at the replica), on the bucket's key
    kms_requests: dict[str, np.ndarray] = {}

    def kms_per_object(rid: str, objects: np.ndarray) -> None:
        key = str(model.loc[model["id"] == rid, "settings"].iloc[-1]["kms_key"])
        kms_requests[key] = kms_requests.get(key, zero) + objects * (1.0 - setting(rid, "bucket_key").astype(float))

    for rid in ids("s3-bucket"):
        kind_of = content(rid)
        region = res.at[rid, "region"]
        lv = live(rid)
        s3 = dict(service="Amazon Simple Storage Service", category="Storage")
        if kind_of == "events":
            d = serve(rid)
            new = d["new_gb"].to_numpy()
            tenant_live = live(tenants[region]) if region in tenants else zero
            dedicated = d["ent"][None, :] * tenant_live[:, None]
            pooled_new = (new * (1 - dedicated)).sum(axis=1) * lv
            pooled_gb = (_rolling(new, w["retention_days"]) * (1 - dedicated)).sum(axis=1) * lv
            add(rid, desc="S3 Standard storage, pooled event archive", sku="TimedStorage-ByteHrs",
                qty=pooled_gb / dim, unit="GB-Months", price_name="s3_standard_usd_per_gb_month",
                app="event-archive", alloc="storage", **s3)
            add(rid, desc="S3 PUT requests, event archive", sku="Requests-Tier1",
                qty=2 * d["events"] * lv / w["events_per_s3_object"] / 1000, unit="1000 Requests",
                price_name="s3_put_usd_per_thousand", app="event-archive", **s3)
            rep = setting(rid, "replication_to?")
            add(rid, service="AWS Data Transfer", category="Networking",
                desc="Data transfer between regions, S3 replication", sku="DataTransfer-InterRegion-Bytes",
                qty=pooled_new * rep, unit="GB", price_name="inter_region_usd_per_gb", app="event-archive",
                alloc="storage")
            derived[region]["archive_new_gb"] = pooled_new
            derived[region]["replicated_gb"] = pooled_new * rep
            derived[region]["replicated_objects"] = 2 * d["events"] * lv * rep / w["events_per_s3_object"]
            gets = d["events"] / 1e6 * (system.sample["read_requests_per_million_events"]
                                        + ob["audit_object_reads_per_million_events"]) * lv
            kms_per_object(rid, 2 * d["events"] * lv / w["events_per_s3_object"] + gets
                           + derived[region]["replicated_objects"])
        elif kind_of == "replica":
            src = replica_source.get(rid)
            if src is None:
                raise PlaybookError(f"platform.yml: replica bucket {rid} is no bucket's replication_to")
            sd = derived[res.at[src, "region"]]
            add(rid, desc="S3 Glacier Instant Retrieval storage, replica", sku="TimedStorage-GIR-ByteHrs",
                qty=_rolling(sd["replicated_gb"], w["retention_days"]) * lv / dim, unit="GB-Months",
                price_name="s3_glacier_ir_gb_month", app="event-archive", alloc="storage", **s3)
            add(rid, desc="S3 replication PUT requests, replica", sku="Requests-GIR-Tier1",
                qty=sd["replicated_objects"] * lv / 1000, unit="1000 Requests",
                price_name="s3_glacier_ir_put_usd_per_thousand", app="event-archive", **s3)
            kms_per_object(rid, sd["replicated_objects"] * lv)
        elif kind_of == "logs":
            log_gb = derived[region]["log_gb"] * lv
            add(rid, desc="S3 Standard storage, Loki chunks", sku="TimedStorage-ByteHrs",
                qty=_rolling(log_gb, ob["log_retention_days"]) / dim, unit="GB-Months",
                price_name="s3_standard_usd_per_gb_month", app="log-pipeline", **s3)
            add(rid, desc="S3 PUT requests, Loki chunks", sku="Requests-Tier1",
                qty=log_gb * 1000 / w["loki_chunk_mb"] / 1000, unit="1000 Requests",
                price_name="s3_put_usd_per_thousand", app="log-pipeline", **s3)
            kms_per_object(rid, log_gb * 1000 / w["loki_chunk_mb"])
        elif kind_of == "audit":
            ev = serve(rid)["events"]
            n = (ev / 1e6 * (system.sample["read_requests_per_million_events"]
                             + ob["audit_object_reads_per_million_events"]) + ev / ob["events_per_object"]) * lv
            derived[region]["audit_events"] = n
            gb = n * ob["audit_bytes_per_event"] / 1e9
            hot = _rolling(gb, keep.queryable_days)
            add(rid, desc="S3 Standard storage, audit trail", sku="TimedStorage-ByteHrs", qty=hot / dim,
                unit="GB-Months", price_name="s3_standard_usd_per_gb_month", app="audit-trail", **s3)
            add(rid, desc="S3 Glacier Deep Archive storage, audit trail", sku="TimedStorage-GDA-ByteHrs",
                qty=(_rolling(gb, len(gb) if keep.expire_days is None else keep.expire_days) - hot) / dim, unit="GB-Months",
                price_name="s3_deep_archive_gb_month", app="audit-trail", **s3)
        else:
            raise PlaybookError(f"platform.yml: bucket {rid}: the bill does not know content {kind_of!r}")
    for rid in ids("s3-tenant-buckets"):
        d, lv = serve(rid), live(rid)
        gb = _rolling(d["new_gb"].to_numpy(), w["retention_days"])[:, d["ent"]] * lv[:, None]
        for j, cust in enumerate(d["new_gb"].columns[d["ent"]]):
            name = res.at[rid, "name"].format(customer=cust.lower())
            add(rid, desc="S3 Standard storage, dedicated tenant archive", sku="TimedStorage-ByteHrs",
                qty=gb[:, j] / dim, unit="GB-Months", price_name="s3_standard_usd_per_gb_month",
                app="event-archive", resource=f"arn:aws:s3:::{name}",
                tag=_tags(env="prod", team=res.at[rid, "team"], app="event-archive", customer=cust),
                service="Amazon Simple Storage Service", category="Storage")
    for rid in ids("cloudtrail"):
        n = derived[res.at[rid, "region"]].get("audit_events", zero) * setting(rid, "data_events")
        add(rid, service="AWS CloudTrail", category="Management and Governance", desc="CloudTrail data events",
            sku="DataEventsRecorded", qty=n / 1e5, unit="100000 Events", price_name="cloudtrail_data_events_100k",
            app="audit-trail")
    for rid in ids("cloudwatch"):
        common = dict(service="Amazon CloudWatch", category="Management and Governance", app="observability")
        add(rid, desc="CloudWatch standard alarms", sku="CW:AlarmMonitorUsage", qty=setting(rid, "alarms") / dim,
            unit="Alarm-Months", price_name="cloudwatch_alarm_usd_per_month", **common)
        add(rid, desc="CloudWatch custom metrics", sku="CW:MetricMonitorUsage",
            qty=setting(rid, "custom_metrics") / dim, unit="Metric-Months",
            price_name="cloudwatch_metric_usd_per_month", **common)
    for rid in ids("cloudwatch-log-group"):
        gb = derived[res.at[rid, "region"]]["cloudwatch_gb"] * (live(rid) > 0)
        days_kept = _per_day(setting(rid, "retention_days"), live(rid)).max()
        common = dict(service="Amazon CloudWatch", category="Management and Governance", app="log-pipeline")
        add(rid, desc=f"CloudWatch Logs ingestion, {res.at[rid, 'name']}", sku="DataProcessing-Bytes", qty=gb,
            unit="GB", price_name="cloudwatch_logs_ingest_usd_per_gb", **common)
        add(rid, desc=f"CloudWatch Logs storage, {res.at[rid, 'name']}", sku="TimedStorage-ByteHrs",
            qty=_rolling(gb, days_kept) * (live(rid) > 0) / dim, unit="GB-Months",
            price_name="cloudwatch_logs_storage_usd_per_gb_month", **common)
    unknown_keys = sorted(set(kms_requests) - set(ids("kms-key")))
    if unknown_keys:
        raise PlaybookError(f"platform.yml: buckets encrypt with kms_key {unknown_keys}, which are no billed kms-key")
    for rid in ids("kms-key"):
        # automatic rotation is on (the Terraform's enable_key_rotation): a new backing key each year after the
        # key's first day, each billed as one more key-month
        lv = live(rid)
        age_days = np.arange(len(days)) - int(np.argmax(lv > 0))
        backing_keys = 1 + np.floor(np.maximum(age_days, 0) / 365.0)
        add(rid, service="AWS Key Management Service", category="Security", desc=f"KMS key {res.at[rid, 'name']}",
            sku="KMS-Keys", qty=lv * backing_keys / dim, unit="Key-Months", price_name="kms_key_usd_per_month",
            app="kms")
        if rid in kms_requests and kms_requests[rid].any():
            add(rid, service="AWS Key Management Service", category="Security",
                desc=f"KMS requests, {res.at[rid, 'name']} (S3 objects without a Bucket Key)", sku="KMS-Requests",
                qty=kms_requests[rid] * live(rid) / 1e4, unit="10000 Requests",
                price_name="kms_usd_per_10k_requests", app="kms")
    for rid in ids("nat-gateway"):
        _bill_nat(bill, res, rid, days, drv, derived, rtags, arn, setting, live)


def _bill_rds(bill: _Bill, model: pd.DataFrame, res: pd.DataFrame, rid: str, days: pd.DatetimeIndex,
              rtags: Callable[..., np.ndarray], arn: Callable[[str], str],
              setting: Callable[[str, str], np.ndarray], live: Callable[[str], np.ndarray], d_ri: float) -> None:
    """An RDS instance: instance hours (reserved instances cover the prod Multi-AZ ones from their start)
    and its allocated storage."""
    nd, region = len(days), res.at[rid, "region"]
    dim = days.days_in_month.to_numpy(float)
    cls, multi_az = _constant(model, rid, "instance_class"), _constant(model, rid, "multi_az")
    if (cls, multi_az) not in _RDS_PRICE:
        raise PlaybookError(f"platform.yml: resource {rid}: no RDS price for {cls} multi_az={multi_az}")
    price = _price(_RDS_PRICE[(cls, multi_az)]) * _ratio(region)
    short = cls.removeprefix("db.").replace("large", "lg")
    sku = f"{'Multi-AZUsage' if multi_az else 'InstanceUsage'}:db.{short}"
    hours = 24 * live(rid)
    common = dict(region=region, service="Amazon Relational Database Service", category="Databases", sku=sku,
                  unit="Hours", price=price, tags=rtags(rid, "tenant-config-db"), resource=arn(rid))
    label = f"RDS PostgreSQL {cls}{' Multi-AZ' if multi_az else ''}"
    covered = np.zeros(nd)
    if multi_az and res.at[rid, "env"] == "prod":
        for cid, kind, start in COMMITMENT_PURCHASES:
            if kind != "ri":
                continue
            on = np.array([_active(cid, day) for day in days]) & (hours > 0)
            ri = f"{cid}-{region}"
            upfront = round(price * (1 - d_ri) * 24 * TERM_DAYS, 2)
            i0 = days.get_loc(pd.Timestamp(start, tz="UTC"))
            bill.add(days[i0:i0 + 1], region=region, service="Amazon Relational Database Service",
                     category="Databases", desc=f"RDS reserved instance {ri} (1 year, all upfront)",
                     sku=sku.replace("Multi-AZUsage", "HeavyUsage"), qty=np.array([24.0 * TERM_DAYS]), unit="Hours",
                     price=upfront / (24 * TERM_DAYS), tags=_tags(team="finops", app="reserved-instance"),
                     resource=f"arn:aws:rds:{region}:{account_of('prod', region).id}:ri:{ri}", list_cost=np.array([upfront]),
                     effective=np.zeros(1), billed=np.array([upfront]), charge="Purchase", freq="One-Time",
                     commit_id=ri, commit_type="Reserved Instance", commit_cat="Usage",
                     commit_qty=np.array([24.0 * TERM_DAYS]), commit_unit="Hours")
            q = hours * on
            bill.add(days, desc=f"{label} covered by {ri}", qty=q, pricing="Committed",
                     effective=q * price * (1 - d_ri), billed=np.zeros(nd), commit_id=ri,
                     commit_type="Reserved Instance", commit_cat="Usage", commit_status="Used",
                     commit_qty=q, commit_unit="Hours", **common)
            covered = covered + q
    bill.add(days, desc=f"{label} on demand", qty=hours - covered, **common)
    storage = "rds_storage_gb_month" if multi_az else "rds_storage_single_az_usd_per_gb_month"
    bill.add(days, region=region, service="Amazon Relational Database Service", category="Databases",
             desc=f"RDS gp3 storage{' Multi-AZ' if multi_az else ''}", sku="RDS:GP3-Storage",
             qty=setting(rid, "storage_gb") / dim, unit="GB-Months", price=_price(storage) * _ratio(region),
             tags=rtags(rid, "tenant-config-db"), resource=arn(rid))


def _bill_nat(bill: _Bill, res: pd.DataFrame, rid: str, days: pd.DatetimeIndex, drv: dict[str, dict[str, Any]],
              derived: dict[str, dict[str, np.ndarray]], rtags: Callable[..., np.ndarray], arn: Callable[[str], str],
              setting: Callable[[str, str], np.ndarray], live: Callable[[str], np.ndarray]) -> None:
    """NAT gateway hours; for a prod gateway the bytes it processes: delivery to destinations (and their internet
    egress), the AWS APIs without an endpoint (Kinesis, DynamoDB), and every S3 write until the S3 gateway
    endpoint; the cross-AZ hops of stream consumers and of the log agents to Loki."""
    w = workload()
    region = res.at[rid, "region"]
    ratio = _ratio(region)

    team_of = {"destination-delivery": "delivery", "stream-consumers": "pipeline", "event-archive": "pipeline"}

    def line(service: str, desc: str, sku: str, qty: np.ndarray, price: str, app: str, resource: str | None = None,
             category: str = "Networking", alloc: str = "events") -> None:
        bill.add(days, region=region, service=service, category=category, desc=desc, sku=sku, qty=qty, unit="GB",
                 price=_price(price) * ratio, tags=rtags(rid, app, alloc, team_of.get(app)),
                 resource=resource or arn(rid))

    bill.add(days, region=region, service="Amazon Virtual Private Cloud", category="Networking",
             desc=f"NAT gateway hours, {res.at[rid, 'name']}", sku="NatGateway-Hours", qty=24 * setting(rid, "count"),
             unit="Hours", price=_price("nat_gateway_usd_per_h") * ratio, tags=rtags(rid, "nat"), resource=arn(rid))
    if res.at[rid, "env"] != "prod" or region not in drv:
        return
    lv = live(rid)
    ev = drv[region]["events"] * lv
    der = derived[region]
    deliver_gb = ev * w["enriched_kb_per_event"] * w["destinations_per_event"] / 1e6
    vpc = "Amazon Virtual Private Cloud"
    line(vpc, "NAT gateway data processed, destination delivery", "NatGateway-Bytes", deliver_gb,
         "nat_gateway_usd_per_gb", "destination-delivery")
    line("AWS Data Transfer", "Data transfer out to the internet, destination delivery", "DataTransfer-Out-Bytes",
         deliver_gb, "internet_egress_usd_per_gb", "destination-delivery")
    line(vpc, "NAT gateway data processed, AWS service APIs", "NatGateway-Bytes",
         ev * w["aws_api_kb_per_event"] / 1e6, "nat_gateway_usd_per_gb", "stream-consumers")
    line(vpc, "NAT gateway data processed, S3 archive writes", "NatGateway-Bytes",
         der.get("archive_new_gb", np.zeros(len(days))) * der["s3_via_nat"], "nat_gateway_usd_per_gb", "event-archive")
    line(vpc, "NAT gateway data processed, Loki chunks to S3", "NatGateway-Bytes",
         der["log_gb"] * der["s3_via_nat"] * lv, "nat_gateway_usd_per_gb", "log-pipeline")
    line(vpc, "NAT gateway data processed, CloudWatch Logs shipping", "NatGateway-Bytes",
         der["cloudwatch_gb"] * lv, "nat_gateway_usd_per_gb", "log-pipeline")
    nodes = [r for r in res.index if res.at[r, "kind"] == "eks-nodegroup" and res.at[r, "region"] == region
             and res.at[r, "env"] == "prod"]
    line("AWS Data Transfer", "Data transfer between AZs, stream consumers", "DataTransfer-Regional-Bytes",
         ev * w["cross_az_kb_per_event"] / 1e6, "inter_az_usd_per_gb", "stream-consumers", resource=arn(nodes[0]))
    line("AWS Data Transfer", "Data transfer between AZs, log agents to Loki", "DataTransfer-Regional-Bytes",
         der["log_gb"] * lv, "inter_az_usd_per_gb", "log-pipeline", resource=arn(nodes[0]))


def _sp_levels(spend_sp_rate: np.ndarray, days: pd.DatetimeIndex) -> dict[str, float]:
    """Size each Compute SP at 0.9 x the p10 hourly eligible spend of the 28 days before it starts,
    net of the commitments still active then."""
    levels: dict[str, float] = {}
    for cid, kind, start in COMMITMENT_PURCHASES:
        if kind != "sp":
            continue
        i = days.get_loc(pd.Timestamp(start, tz="UTC"))
        window = spend_sp_rate[i - 28:i].ravel()
        active = sum(v for k, v in levels.items()
                     if _active(k, days[i]) and not _expires_before(k, days[i] + pd.Timedelta(days=1)))
        levels[cid] = round(max(0.0, 0.9 * float(np.percentile(window, 10)) - active), 2)
    return levels


def _start(cid: str) -> pd.Timestamp:
    return pd.Timestamp(dict((c, s) for c, _k, s in COMMITMENT_PURCHASES)[cid], tz="UTC")


def _active(cid: str, day: pd.Timestamp) -> bool:
    return bool(_start(cid) <= day < _start(cid) + pd.Timedelta(days=TERM_DAYS))


def _expires_before(cid: str, day: pd.Timestamp) -> bool:
    return bool(_start(cid) + pd.Timedelta(days=TERM_DAYS) <= day)


def _business(system: System) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """The usage, hourly traffic and customer frames the bill is driven by, regenerated from the same
    seed in-process (so ``dfp generate --out DIR`` never mixes a fresh bill with stale business data)."""

    frames = business.generate(system, rng_for(system, "business"))
    by_file = {s.file: s for s in SCHEMAS.values()}
    typed = {f: validate_frame(frames[f].astype(str), by_file[f], f)
             for f in ("usage_daily.csv.gz", "traffic_hourly.csv.gz", "customers.csv")}
    return typed["usage_daily.csv.gz"], typed["traffic_hourly.csv.gz"], typed["customers.csv"]




def _check_focus(frame: pd.DataFrame) -> None:
    """Round-trip the frame through the loader's checks and every FOCUS and project rule before it is written."""


    buf = io.StringIO()
    frame.to_csv(buf, index=False, lineterminator="\n")
    buf.seek(0)
    raw = pd.read_csv(buf, dtype=str, keep_default_na=False)
    validate_focus(validate_frame(raw, billing_daily), billing_daily.file)


def _resource_type_and_name(arn: str) -> tuple[str, str]:
    """The resource's type and display name from its ARN-like id (``("", "")`` when there is none).

    >>> _resource_type_and_name("arn:aws:eks:us-east-1:111122223333:nodegroup/prod-us-east-1/ingest")
    ('nodegroup', 'prod-us-east-1/ingest')
    >>> _resource_type_and_name("arn:aws:s3:::dfp-events-us-east-1")
    ('bucket', 'dfp-events-us-east-1')
    """
    if not arn:
        return "", ""
    parts = arn.split(":", 5)
    service, rest = parts[2], (parts[5] if len(parts) > 5 else "").lstrip("/")
    if service == "s3":
        return "bucket", rest
    if service == "savingsplans":
        return "savingsplan", rest
    if service == "sqs":
        return "queue", rest
    kind, _, name = rest.replace(":", "/", 1).partition("/")
    return kind, name


def _sub_accounts(resource_ids: pd.Series, s3_accounts: dict[str, str], payer: str) -> tuple[pd.Series, pd.Series]:
    """FOCUS ``SubAccountId`` and ``SubAccountName`` per line: the account field of the ARN; for an S3 ARN
    (no account field) the account its resource lives in (``s3_accounts``: ARN or tenant-set prefix ->
    id); for a line without a resource (credits) the payer.

    >>> ids, names = _sub_accounts(pd.Series(["arn:aws:eks:eu-west-1:111111111111:cluster/x",
    ...     "arn:aws:s3:::b-c042", ""]), {"arn:aws:s3:::b-": "444455556666"}, "999988887777")
    >>> list(ids), list(names)
    (['111111111111', '444455556666', '999988887777'], ['dataflow-prod-eu-west-1', 'dataflow-staging', 'dataflow-management'])
    """
    prefixes = sorted(s3_accounts, key=len, reverse=True)
    lookup: dict[str, str] = {}
    for r in pd.unique(resource_ids.fillna("")):  # the distinct ARNs (a few hundred), not the lines
        field = r.split(":")[4] if r.count(":") >= 5 else ""
        if not r:
            lookup[r] = payer
        elif field:
            lookup[r] = field
        else:
            hit = s3_accounts.get(r) or next((s3_accounts[p] for p in prefixes if r.startswith(p)), None)
            if hit is None:
                raise PlaybookError(f"billing: ResourceId {r!r} has no account and no modelled resource")
            lookup[r] = hit
    names = {a.id: a.name for a in load_accounts()}
    ids = resource_ids.fillna("").map(lookup)
    if unknown := sorted(set(ids) - set(names)):
        raise PlaybookError(f"billing: account ids {unknown} are not in data/platform.yml accounts")
    return ids, ids.map(names)


def _frame(bill: _Bill) -> pd.DataFrame:

    df = pd.concat(bill.parts, ignore_index=True)
    df = df.sort_values(["ChargePeriodStart", "RegionId", "ServiceName", "ChargeDescription", "ResourceId"],
                        kind="stable").reset_index(drop=True)
    fmt = "%Y-%m-%dT%H:%M:%SZ"
    start = pd.DatetimeIndex(df["ChargePeriodStart"])
    month = start.tz_localize(None).to_period("M")
    payer = payer_account()
    df["BillingAccountId"] = payer.id
    df["BillingAccountName"] = ACCOUNT_NAME
    df["BillingCurrency"] = "USD"
    df["ChargeClass"] = ""
    df["InvoiceIssuerName"] = df["ProviderName"] = df["PublisherName"] = "AWS"
    df["SubAccountId"], df["SubAccountName"] = _sub_accounts(df["ResourceId"], bill.accounts, payer.id)
    df["RegionName"] = df["RegionId"].map(REGION_NAMES).fillna("")
    kinds = {r: _resource_type_and_name(r) for r in pd.unique(df["ResourceId"])}
    df["ResourceType"] = df["ResourceId"].map({r: k for r, (k, _n) in kinds.items()})
    df["ResourceName"] = df["ResourceId"].map({r: n for r, (_k, n) in kinds.items()})
    df["SkuMeter"] = df["SkuId"].str.split(":").str[0]
    priced = df["ChargeCategory"].isin(["Usage", "Purchase"])
    region = df["RegionId"].where(df["RegionId"] != "", "global")
    df["SkuPriceId"] = (region + "/" + df["SkuId"] + "/" + df["PricingCategory"]).where(priced, "")
    df["SkuPriceDetails"] = df["CapacityReservationId"] = df["CapacityReservationStatus"] = ""
    df["BillingPeriodStart"] = month.to_timestamp().strftime(fmt)
    df["BillingPeriodEnd"] = (month + 1).to_timestamp().strftime(fmt)
    df["ChargePeriodStart"] = start.strftime(fmt)
    df["ChargePeriodEnd"] = pd.DatetimeIndex(df["ChargePeriodEnd"]).strftime(fmt)
    return df[[c.name for c in billing_daily.columns]]
