"""Generate the billing export: daily AWS cost lines in the FinOps FOCUS shape (fictional).

How the bill is built (every unit price comes from ``data/external_facts.yml`` ``prices``, all
illustrative; the workload coefficients below are the fictional system's assumptions):

* **Drivers** come from the business data: events and API requests per region-day
  (``usage_daily``), the hourly event rate (``traffic_hourly``) and the customers' retained data.
  Cost therefore grows with the business, and each service scales by its own pricing unit.
* **EKS / EC2 node-hours**: per region and hour, each prod node group (ingest, process, deliver)
  runs ``max(min_nodes, ceil(events_per_s / events_per_s_per_node))`` m6i.2xlarge nodes; a system
  node group, staging and dev are fixed. EKS control planes bill per cluster-hour.
* **Kinesis**: two streams per region (raw, enriched), shards provisioned for the day's busiest
  hour with 2x headroom (``min 2``); one PUT payload unit per event.
* **S3**: GB-months accrue daily for the retained data (``retention_days`` of events at
  ``stored_kb_per_event``); PUT requests per object written. Enterprise tenants get a dedicated,
  customer-tagged bucket once attribution starts (Full platform era).
* **DynamoDB** on-demand read/write request units per event (profile and identity lookups).
* **RDS PostgreSQL** Multi-AZ per live region plus a staging instance.
* **API Gateway** HTTP API requests = ``usage_daily.api_requests``.
* **NAT / data transfer**: delivery to destinations leaves through NAT gateways to the internet;
  consumers read across AZs; a little metadata crosses regions; logs are shipped to an external log
  platform through NAT until INC-05's fix moves them to a private endpoint.
* **INC-05** (``system.yml``): between its impact start and end, debug logging in us-east-1 ships an
  extra ``debug_log_gb_per_day`` through NAT (NAT processing + internet egress + cross-AZ).
* **Tags**: ``env``, ``team``, ``app``; ``alloc`` (the allocation key that spreads a shared line over
  customers: ``events``, ``api_requests``, ``storage``) from the start of the Full platform era on
  pipeline lines; ``customer`` on dedicated enterprise buckets. Shared platform lines (staging, dev,
  observability, log shipping) carry no allocation key until the INC-05 follow-up (ADR-0013); a
  small untagged experiments line never does.
* **Commitments**: 1-year Compute Savings Plans (no upfront, a daily recurring fee) bought at
  ``0.9 x`` the 10th-percentile hourly eligible spend of the previous 28 days; 1-year all-upfront RDS
  reserved instances for the prod databases. Covered usage rows have ``BilledCost = 0`` and an
  ``EffectiveCost`` at the committed rate; unused commitment appears as ``Unused`` rows; purchases
  have ``EffectiveCost = 0`` (their cost is amortised into the usage rows), as FOCUS specifies.
  FOCUS 1.2 prices purchase and unused rows like any other (quantity, unit, list and contracted unit
  price): a savings plan's daily fee is 24 ``Hours`` at its hourly commitment, an unused row the unused
  commitment-hours, a reservation ``24 x 365 Hours`` at its upfront price per hour; the commitment
  itself is in ``CommitmentDiscountQuantity`` / ``CommitmentDiscountUnit`` (``USD`` for the spend-based
  plan, ``Hours`` for the reservation).
* **Credits**: promotional credits in the MVP era, one ``Credit`` row per month, with ``ListCost`` and
  ``ContractedCost`` equal to its (negative) ``BilledCost``, as FOCUS 1.2 requires of a charge that is
  not derived from other charges.
* **FOCUS 1.2 columns**: every mandatory column and each conditional column whose condition holds for
  AWS (``data/focus/focus-1.2-columns.yml``); units in FOCUS UnitFormat (``GB-Months``, ``Shard-Hours``,
  ``1000 Requests``, ``1000000 Units``).

* **Day-to-day noise**: the dev node group follows the engineers' activity (Poisson around its
  weekday mean, one node at weekends), staging is scaled up for a few load tests a year, and the
  untagged sandbox line varies lognormally: the normal peaks an anomaly detector must not flag.

Randomness beyond the business data is limited to that noise (the dataset's own ``rng`` stream). The business frames are regenerated
in-process from the same seed rather than read from ``data/``, so a bill is always consistent with
the business data of the same run.
"""

from __future__ import annotations

import io
import json
from typing import TypedDict

import numpy as np
import pandas as pd

from dfp.generate import business
from dfp.generate.seed import rng_for
from dfp.io.external import fact
from dfp.io.focus import validate_focus
from dfp.io.policies import load_policies, workload
from dfp.io.schema import validate_frame
from dfp.io.schemas import SCHEMAS
from dfp.io.schemas.billing import billing_daily
from dfp.io.system import System

__all__ = ["COMMITMENT_PURCHASES", "generate"]

ACCOUNT = "111122223333"
ACCOUNT_NAME = "DataFlow Platform"
SUB_ACCOUNT, SUB_ACCOUNT_NAME = "444455556666", "dataflow-workloads"
#: AWS's display names of the regions the platform runs in
REGION_NAMES = {"us-east-1": "US East (N. Virginia)", "eu-west-1": "Europe (Ireland)"}



def ingest_eps_per_node() -> float:
    """Events/s one ingest node sustains: the ingest-service pod's rate (``kubernetes.services`` in
    ``data/platform.yml``), the one capacity coefficient the Kubernetes capacity page sizes with. Read when
    generating, never at import, so the package imports without a data folder."""
    return float(load_policies()["kubernetes"]["services"]["ingest-service"]["events_per_s_per_pod"])


#: Commitment purchases: (id, kind, start date, term days). Compute SP levels are sized from data.
COMMITMENT_PURCHASES: tuple[tuple[str, str, str], ...] = (
    ("sp-2025-08", "sp", "2025-08-01"),
    ("sp-2026-02", "sp", "2026-02-01"),
    ("sp-2026-08", "sp", "2026-08-01"),   # renews sp-2025-08
    ("ri-2025-09", "ri", "2025-09-01"),
    ("ri-2026-09", "ri", "2026-09-01"),   # renews ri-2025-09
)
TERM_DAYS = 365
NODE_GROUPS = ("system", "ingest", "process", "deliver", "staging", "dev")
_GROUP_TEAM = {"system": "platform", "ingest": "ingestion", "process": "pipeline", "deliver": "delivery",
               "staging": "platform", "dev": "platform"}
REGIONS = ("us-east-1", "eu-west-1")


def _tags(**kv: str) -> str:
    return json.dumps({k: v for k, v in kv.items() if v}, sort_keys=True, separators=(",", ":"))


class _RegionDrivers(TypedDict):
    """One region's drivers (see :func:`_drivers`)."""

    events: np.ndarray
    api: np.ndarray
    hourly: np.ndarray
    gb: pd.DataFrame
    ent_cols: np.ndarray


class _NodeLine(TypedDict):
    """The :meth:`_Bill.add` arguments shared by one node group's on-demand and covered lines."""

    region: str
    service: str
    category: str
    sku: str
    unit: str
    price: float
    tags: np.ndarray
    resource: str


def _price(name: str) -> float:
    return fact(f"prices.{name}").value


class _Bill:
    """Accumulates FOCUS rows column-wise (vectorised per line)."""

    def __init__(self) -> None:
        self.parts: list[pd.DataFrame] = []

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


def _arn(service: str, region: str, what: str) -> str:
    return f"arn:aws:{service}:{region}:{ACCOUNT}:{what}"


def _drivers(system: System, usage: pd.DataFrame, hourly: pd.DataFrame, days: pd.DatetimeIndex,
             customers: pd.DataFrame) -> dict[str, _RegionDrivers]:
    """Per region: daily events, API requests, hourly events (days x 24), retained GB per pool."""
    w = workload()  # data/platform.yml, section workload: read when generating, never at import
    ent = set(customers.loc[customers["tier"] == "enterprise", "customer_id"])
    out: dict[str, _RegionDrivers] = {}
    for region in REGIONS:
        u = usage[usage["region"] == region]
        daily = u.groupby("date")[["events", "api_requests"]].sum().reindex(days, fill_value=0)
        h = hourly[hourly["region"] == region].set_index("hour")["events"]
        grid = pd.date_range(days[0], days[-1] + pd.Timedelta(hours=23), freq="h")
        hm = h.reindex(grid, fill_value=0).to_numpy(float).reshape(len(days), 24)
        # retained data: rolling sum of events over the retention window, per customer
        per_cust = u.pivot_table(index="date", columns="customer_id", values="events", aggfunc="sum")
        per_cust = per_cust.reindex(days).fillna(0.0)
        retained = per_cust.rolling(int(w["retention_days"]), min_periods=1).sum()
        gb = retained * w["stored_kb_per_event"] / 1e6
        out[region] = {"events": daily["events"].to_numpy(float), "api": daily["api_requests"].to_numpy(float),
                       "hourly": hm, "gb": gb, "ent_cols": np.array([c in ent for c in gb.columns])}
    return out


def _node_hours(region: str, hm: np.ndarray, live: np.ndarray, dev_nodes: np.ndarray,
                load_test: np.ndarray) -> dict[str, np.ndarray]:
    """Node count per node group per hour (days x 24) for one region.

    ``dev_nodes`` (per day) follows the engineers' activity; ``load_test`` (per day, 0/1) scales staging
    up by ``load_test_nodes`` for ``load_test_hours`` in the afternoon (UTC) of a load-test day.
    """
    w = workload()  # data/platform.yml, section workload: read when generating, never at import
    eps = hm / 3600.0
    mn = w["min_nodes_per_group"]
    nodes = {
        "system": np.full(hm.shape, w["system_nodes"]),
        "ingest": np.maximum(mn, np.ceil(eps / ingest_eps_per_node())),
        "process": np.maximum(mn, np.ceil(eps / w["process_eps_per_node"])),
        "deliver": np.maximum(mn, np.ceil(eps / w["deliver_eps_per_node"])),
        "staging": np.full(hm.shape, w["staging_nodes"] if region == "us-east-1" else 0.0),
        "dev": np.repeat(dev_nodes[:, None], 24, axis=1) if region == "us-east-1" else np.zeros(hm.shape),
    }
    if region == "us-east-1":
        hours = (np.arange(24) >= 13) & (np.arange(24) < 13 + w["load_test_hours"])
        nodes["staging"] = nodes["staging"] + w["load_test_nodes"] * load_test[:, None] * hours[None, :]
    return {g: n * live[:, None] for g, n in nodes.items()}


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


def generate(system: System, rng: np.random.Generator) -> dict[str, pd.DataFrame]:
    """Generate ``billing_daily.csv.gz`` from the business data; returns ``{filename: frame}``."""
    w = workload()  # data/platform.yml, section workload: read when generating, never at import
    usage, hourly, customers = _business(system)
    days = pd.date_range(system.start, system.end, freq="D", inclusive="left")
    nd = len(days)
    drv = _drivers(system, usage, hourly, days, customers)
    attrib_from = system.month_start(system.era("full-platform").first_month)
    inc = system.incident("INC-05")
    fix_day = inc.impact_end.normalize() + pd.Timedelta(days=1)
    alloc_on = np.asarray(days >= attrib_from)
    shared_on = np.asarray(days >= fix_day)
    bill = _Bill()
    d_sp = _price("compute_savings_plan_1y_discount_ratio")
    d_ri = _price("rds_reserved_1y_discount_ratio")

    def tags(env: str, team: str, app: str, alloc: str | None, when: np.ndarray) -> np.ndarray:
        with_key, without = _tags(env=env, team=team, app=app, alloc=alloc or ""), _tags(env=env, team=team, app=app)
        return np.where(when, with_key, without)

    # ---- compute: hourly node counts, Savings Plan coverage applied hour by hour -----------------
    node_price: dict[str, float] = {}
    nodes: dict[str, dict[str, np.ndarray]] = {}
    weekend = np.asarray(days.day_of_week >= 5)
    dev_nodes = np.where(weekend, 1.0, np.clip(rng.poisson(w["dev_nodes"], nd), 1, None)).astype(float)
    load_test = (~weekend & (rng.random(nd) < w["load_tests_per_year"] / (52 * 5))).astype(float)
    sandbox = w["experiments_usd_per_day"] * rng.lognormal(0.0, w["sandbox_noise_sigma"], nd)
    for region in REGIONS:
        mult = 1.0 if region == "us-east-1" else _price("eu_west_1_price_ratio")
        node_price[region] = _price("ec2_m6i_2xlarge_usd_per_h") * mult
        live = np.asarray(days >= system.region(region).live_from, dtype=float)
        nodes[region] = _node_hours(region, drv[region]["hourly"], live, dev_nodes, load_test)
    od_h = {(r, g): nodes[r][g] * node_price[r] for r in REGIONS for g in NODE_GROUPS}
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
        sp_arn = f"arn:aws:savingsplans::{ACCOUNT}:{cid}"
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
    for region in REGIONS:
        for g in NODE_GROUPS:
            nh = nodes[region][g]
            if not nh.any():
                continue
            env = {"staging": "staging", "dev": "dev"}.get(g, "prod")
            when = shared_on if g in ("staging", "dev") else alloc_on
            tg = tags(env, _GROUP_TEAM[g], f"nodegroup-{g}", "events", when)
            res = _arn("eks", region, f"nodegroup/{'prod' if env == 'prod' else env}-{region}/{g}")
            common = _NodeLine(region=region, service="Amazon Elastic Compute Cloud", category="Compute",
                               sku="BoxUsage:m6i.2xlarge", unit="Hours", price=node_price[region], tags=tg, resource=res)
            bill.add(days, desc=f"EKS {g} nodes m6i.2xlarge on demand", qty=(nh * od_frac).sum(axis=1), **common)
            for cid in levels:
                q = (nh * cover[cid]).sum(axis=1)
                lc = q * node_price[region]
                bill.add(days, desc=f"EKS {g} nodes m6i.2xlarge covered by {cid}", qty=q, pricing="Committed",
                         effective=lc * (1 - d_sp), billed=np.zeros(nd), commit_id=cid,
                         commit_type="Compute Savings Plan", commit_cat="Spend", commit_status="Used",
                         commit_qty=lc * (1 - d_sp), commit_unit="USD", **common)

    # ---- the rest of the platform, per region ---------------------------------------------------
    for region in REGIONS:
        mult = 1.0 if region == "us-east-1" else _price("eu_west_1_price_ratio")
        p = lambda name, m=mult: _price(name) * m  # noqa: E731
        live = np.asarray(days >= system.region(region).live_from, dtype=float)
        d = drv[region]
        ev, api = d["events"], d["api"]
        peak_eps = d["hourly"].max(axis=1) / 3600.0
        clusters = (3.0 if region == "us-east-1" else 1.0) * live
        bill.add(days, region=region, service="Amazon Elastic Kubernetes Service", category="Compute",
                 desc="EKS cluster control planes", sku="AmazonEKS-Hours:perCluster", qty=24 * clusters, unit="Hours",
                 price=p("eks_cluster_usd_per_h"), tags=tags("prod", "platform", "eks", "events", shared_on),
                 resource=_arn("eks", region, f"cluster/prod-{region}"))
        for stream, kb in (("raw", w["raw_kb_per_event"]), ("enriched", w["enriched_kb_per_event"])):
            shards = np.maximum(2.0, np.ceil(2.0 * peak_eps * kb / 1024.0)) * live
            tg = tags("prod", "pipeline", f"stream-{stream}", "events", alloc_on)
            res = _arn("kinesis", region, f"stream/events-{stream}")
            bill.add(days, region=region, service="Amazon Kinesis", category="Analytics",
                     desc=f"Kinesis {stream} stream shard hours", sku="Storage-ShardHour", qty=24 * shards,
                     unit="Shard-Hours", price=p("kinesis_shard_usd_per_h"), tags=tg, resource=res)
            bill.add(days, region=region, service="Amazon Kinesis", category="Analytics",
                     desc=f"Kinesis {stream} stream PUT payload units", sku="PutRequestPayloadUnits",
                     qty=ev / 1e6, unit="1000000 Units", price=p("kinesis_put_unit_usd_per_million"),
                     tags=tg, resource=res)
        # S3: pooled bucket, plus dedicated customer-tagged buckets for enterprise tenants once attribution starts
        gb = d["gb"]
        ent = d["ent_cols"]
        dim = days.days_in_month.to_numpy(float)
        ent_gb = gb.loc[:, ent].to_numpy() * alloc_on[:, None]
        pooled = gb.to_numpy().sum(axis=1) - ent_gb.sum(axis=1)
        bill.add(days, region=region, service="Amazon Simple Storage Service", category="Storage",
                 desc="S3 Standard storage, pooled event archive", sku="TimedStorage-ByteHrs", qty=pooled / dim,
                 unit="GB-Months", price=p("s3_standard_usd_per_gb_month"),
                 tags=tags("prod", "pipeline", "event-archive", "storage", alloc_on),
                 resource=f"arn:aws:s3:::dfp-events-{region}")
        cols = gb.columns[ent]
        for j, cust in enumerate(cols):
            q = ent_gb[:, j] / dim
            bill.add(days, region=region, service="Amazon Simple Storage Service", category="Storage",
                     desc="S3 Standard storage, dedicated tenant archive", sku="TimedStorage-ByteHrs", qty=q,
                     unit="GB-Months", price=p("s3_standard_usd_per_gb_month"),
                     tags=_tags(env="prod", team="pipeline", app="event-archive", customer=cust),
                     resource=f"arn:aws:s3:::dfp-events-{region}-{cust.lower()}")
        bill.add(days, region=region, service="Amazon Simple Storage Service", category="Storage",
                 desc="S3 PUT requests", sku="Requests-Tier1", qty=2 * ev / w["events_per_s3_object"] / 1000,
                 unit="1000 Requests", price=p("s3_put_usd_per_thousand"),
                 tags=tags("prod", "pipeline", "event-archive", "events", alloc_on),
                 resource=f"arn:aws:s3:::dfp-events-{region}")
        tg = tags("prod", "pipeline", "profile-store", "events", alloc_on)
        res = _arn("dynamodb", region, "table/profiles")
        bill.add(days, region=region, service="Amazon DynamoDB", category="Databases",
                 desc="DynamoDB on-demand write request units", sku="WriteRequestUnits",
                 qty=ev * w["wru_per_event"] / 1e6,
                 unit="1000000 Units", price=p("dynamodb_wru_usd_per_million"), tags=tg, resource=res)
        bill.add(days, region=region, service="Amazon DynamoDB", category="Databases",
                 desc="DynamoDB on-demand read request units", sku="ReadRequestUnits",
                 qty=ev * w["rru_per_event"] / 1e6,
                 unit="1000000 Units", price=p("dynamodb_rru_usd_per_million"), tags=tg, resource=res)
        # RDS: prod Multi-AZ, covered by reserved instances from their start; staging in us-east-1
        rds_price = p("rds_pg_r6g_xlarge_multi_az_usd_per_h")
        rds_hours = 24 * live
        ri_cov = np.zeros(nd)
        rds_tags = tags("prod", "platform", "tenant-config-db", "events", alloc_on)
        rds_res = _arn("rds", region, "db:tenant-config")
        rds_common = dict(region=region, service="Amazon Relational Database Service", category="Databases",
                          sku="Multi-AZUsage:db.r6g.xl", unit="Hours", price=rds_price, tags=rds_tags,
                          resource=rds_res)
        for cid, kind, start in COMMITMENT_PURCHASES:
            if kind != "ri":
                continue
            on = np.array([_active(cid, day) for day in days]) & (live > 0)
            rid = f"{cid}-{region}"
            upfront = round(rds_price * (1 - d_ri) * 24 * TERM_DAYS, 2)
            i0 = days.get_loc(pd.Timestamp(start, tz="UTC"))
            bill.add(days[i0:i0 + 1], region=region, service="Amazon Relational Database Service", category="Databases",
                     desc=f"RDS reserved instance {rid} (1 year, all upfront)", sku="HeavyUsage:db.r6g.xl",
                     qty=np.array([24.0 * TERM_DAYS]), unit="Hours", price=upfront / (24 * TERM_DAYS),
                     tags=_tags(team="finops", app="reserved-instance"),
                     resource=f"arn:aws:rds:{region}:{ACCOUNT}:ri:{rid}", list_cost=np.array([upfront]),
                     effective=np.zeros(1), billed=np.array([upfront]), charge="Purchase", freq="One-Time",
                     commit_id=rid, commit_type="Reserved Instance", commit_cat="Usage",
                     commit_qty=np.array([24.0 * TERM_DAYS]), commit_unit="Hours")
            q = rds_hours * on
            bill.add(days, desc=f"RDS PostgreSQL db.r6g.xlarge Multi-AZ covered by {rid}", qty=q, pricing="Committed",
                     effective=q * rds_price * (1 - d_ri), billed=np.zeros(nd), commit_id=rid,
                     commit_type="Reserved Instance", commit_cat="Usage", commit_status="Used",
                     commit_qty=q, commit_unit="Hours", **rds_common)
            ri_cov = ri_cov + q
        bill.add(days, desc="RDS PostgreSQL db.r6g.xlarge Multi-AZ on demand", qty=rds_hours - ri_cov, **rds_common)
        if region == "us-east-1":
            bill.add(days, region=region, service="Amazon Relational Database Service", category="Databases",
                     desc="RDS PostgreSQL db.r6g.large staging", sku="InstanceUsage:db.r6g.lg", qty=rds_hours,
                     unit="Hours", price=p("rds_pg_r6g_large_usd_per_h"),
                     tags=tags("staging", "platform", "tenant-config-db", "events", shared_on),
                     resource=_arn("rds", region, "db:tenant-config-staging"))
        bill.add(days, region=region, service="Amazon API Gateway", category="Networking",
                 desc="API Gateway HTTP API requests", sku="ApiGatewayHttpRequest", qty=api / 1e6,
                 unit="1000000 Requests", price=p("apigw_http_usd_per_million"),
                 tags=tags("prod", "ingestion", "ingestion-api", "api_requests", alloc_on),
                 resource=_arn("apigateway", region, "/apis/ingest"))
        # networking: NAT gateways, delivery egress, cross-AZ reads, cross-region metadata
        nat_res = _arn("ec2", region, "natgateway/prod")
        nat_n = (w["nat_gateways_per_region"] + (1.0 if region == "us-east-1" else 0.0)) * live
        bill.add(days, region=region, service="Amazon Virtual Private Cloud", category="Networking",
                 desc="NAT gateway hours", sku="NatGateway-Hours", qty=24 * nat_n, unit="Hours",
                 price=p("nat_gateway_usd_per_h"), tags=tags("prod", "platform", "nat", "events", shared_on),
                 resource=nat_res)
        deliver_gb = ev * w["enriched_kb_per_event"] * w["destinations_per_event"] / 1e6
        dtag = tags("prod", "delivery", "destination-delivery", "events", alloc_on)
        bill.add(days, region=region, service="Amazon Virtual Private Cloud", category="Networking",
                 desc="NAT gateway data processed, destination delivery", sku="NatGateway-Bytes", qty=deliver_gb,
                 unit="GB", price=p("nat_gateway_usd_per_gb"), tags=dtag, resource=nat_res)
        bill.add(days, region=region, service="AWS Data Transfer", category="Networking",
                 desc="Data transfer out to the internet, destination delivery", sku="DataTransfer-Out-Bytes",
                 qty=deliver_gb, unit="GB", price=p("internet_egress_usd_per_gb"), tags=dtag, resource=None)
        bill.add(days, region=region, service="AWS Data Transfer", category="Networking",
                 desc="Data transfer between AZs, stream consumers", sku="DataTransfer-Regional-Bytes",
                 qty=ev * w["cross_az_kb_per_event"] / 1e6, unit="GB", price=p("inter_az_usd_per_gb"),
                 tags=tags("prod", "pipeline", "stream-consumers", "events", alloc_on), resource=None)
        bill.add(days, region=region, service="AWS Data Transfer", category="Networking",
                 desc="Data transfer between regions, tenant metadata", sku="DataTransfer-InterRegion-Bytes",
                 qty=w["inter_region_gb_per_day"] * live, unit="GB", price=p("inter_region_usd_per_gb"),
                 tags=tags("prod", "platform", "metadata-sync", "events", shared_on), resource=None)
        # observability: metrics; log shipping through NAT until the INC-05 fix, a private endpoint after
        bill.add(days, region=region, service="Amazon CloudWatch", category="Management and Governance",
                 desc="CloudWatch custom metrics", sku="CW:MetricMonitorUsage",
                 qty=w["metrics_per_region"] * live / days.days_in_month.to_numpy(float), unit="Metric-Months",
                 price=p("cloudwatch_metric_usd_per_month"),
                 tags=tags("prod", "platform", "observability", "events", shared_on), resource=None)
        log_gb = ev * w["log_kb_per_event"] / 1e6
        debug = np.zeros(nd)
        if region in inc.regions:
            start = (days - inc.impact_start) / pd.Timedelta(days=1)
            overlap = np.clip(np.minimum(start + 1, (inc.impact_end - inc.impact_start) / pd.Timedelta(days=1))
                              - np.maximum(start, 0), 0, 1)
            debug = w["debug_log_gb_per_day"] * overlap
        via_nat = np.where(shared_on, 0.0, log_gb + debug)
        ltag = tags("prod", "platform", "log-shipping", "events", shared_on)
        bill.add(days, region=region, service="Amazon Virtual Private Cloud", category="Networking",
                 desc="NAT gateway data processed, log shipping", sku="NatGateway-Bytes", qty=via_nat, unit="GB",
                 price=p("nat_gateway_usd_per_gb"), tags=ltag, resource=nat_res)
        bill.add(days, region=region, service="AWS Data Transfer", category="Networking",
                 desc="Data transfer out to the internet, log shipping", sku="DataTransfer-Out-Bytes", qty=via_nat,
                 unit="GB", price=p("internet_egress_usd_per_gb"), tags=ltag, resource=None)
        bill.add(days, region=region, service="AWS Data Transfer", category="Networking",
                 desc="Data transfer between AZs, log shipping to NAT", sku="DataTransfer-Regional-Bytes",
                 qty=via_nat, unit="GB", price=p("inter_az_usd_per_gb"), tags=ltag, resource=None)
        bill.add(days, region=region, service="Amazon Virtual Private Cloud", category="Networking",
                 desc="VPC interface endpoint data processed, log shipping", sku="VpcEndpoint-Bytes",
                 qty=np.where(shared_on, log_gb, 0.0), unit="GB", price=p("vpc_endpoint_usd_per_gb"), tags=ltag,
                 resource=_arn("ec2", region, "vpc-endpoint/log-platform"))
        if region == "us-east-1":
            bill.add(days, region=region, service="Amazon Elastic Compute Cloud", category="Compute",
                     desc="Sandbox instances (untagged)", sku="BoxUsage:t3.large",
                     qty=sandbox / 0.0832, unit="Hours", price=0.0832,
                     tags="{}", resource=_arn("ec2", region, "instance/sandbox"))
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
    kind, _, name = rest.replace(":", "/", 1).partition("/")
    return kind, name


def _frame(bill: _Bill) -> pd.DataFrame:

    df = pd.concat(bill.parts, ignore_index=True)
    df = df.sort_values(["ChargePeriodStart", "RegionId", "ServiceName", "ChargeDescription", "ResourceId"],
                        kind="stable").reset_index(drop=True)
    fmt = "%Y-%m-%dT%H:%M:%SZ"
    start = pd.DatetimeIndex(df["ChargePeriodStart"])
    month = start.tz_localize(None).to_period("M")
    df["BillingAccountId"] = ACCOUNT
    df["BillingAccountName"] = ACCOUNT_NAME
    df["BillingCurrency"] = "USD"
    df["ChargeClass"] = ""
    df["InvoiceIssuerName"] = df["ProviderName"] = df["PublisherName"] = "AWS"
    df["SubAccountId"], df["SubAccountName"] = SUB_ACCOUNT, SUB_ACCOUNT_NAME
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
