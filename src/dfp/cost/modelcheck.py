"""The bill against the platform model, month by month: what is billed must be modelled and live, what is
modelled and billed by AWS must appear on the bill.

==============================  =====================================================================
``model_bill_mismatches``        every (month, resource) where the bill and the model disagree, with why
``resource_of_lines``            the modelled resource id behind each usage line's ``ResourceId``
``billed_quantity``              one resource's monthly pricing quantity for one SKU prefix, from the bill
``billed_capacity``              a month's EC2 per node group: billed node-hours and cost against the plan, CPU used
==============================  =====================================================================

A usage line traces to a modelled resource through its ``ResourceId``: the ARN
:func:`dfp.io.platform.resource_arn` builds (a tenant bucket set matches by pattern). Commitment lines
(purchases, unused commitment) and credits are not resources and are left out.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from dfp.capacity.sizing import plans_for_rates
from dfp.core.errors import PlaybookError
from dfp.io.platform import account_of, arn_pattern, load_accounts, payer_account, resource, resource_history
from dfp.io.policies import load_policies

__all__ = ["USAGE_PRICED", "bill_account_errors", "billed_capacity", "billed_quantity", "model_bill_mismatches",
           "resource_of_lines"]

#: Kinds AWS charges only by use (requests, bytes stored): with no events in their geography in a month, a
#: month without a line is no mismatch. Every other billed kind has a time-based charge (hours, key-months).
USAGE_PRICED = frozenset({"api-gateway", "s3-bucket", "s3-tenant-buckets", "dynamodb-table", "cloudtrail"})


def _usage_lines(billing: pd.DataFrame) -> pd.DataFrame:
    u = billing[(billing["ChargeCategory"] == "Usage") & (billing["CommitmentDiscountStatus"].fillna("") != "Unused")]
    return u.assign(month=u["ChargePeriodStart"].dt.tz_localize(None).dt.to_period("M"))


def resource_of_lines(billing: pd.DataFrame, account: str | None = None) -> pd.Series:
    """The modelled resource id of each usage line (index aligned with the usage lines; ``""`` when its
    ``ResourceId`` matches no modelled resource). Each resource's ARN is in its own account
    (:func:`dfp.io.platform.account_of`, ``accounts`` in ``data/platform.yml``) unless ``account`` forces one."""
    u = _usage_lines(billing)
    h = resource_history().drop_duplicates("id")
    patterns = [(rid, re.compile(arn_pattern(row, account))) for rid, row in zip(h["id"], h.to_dict("records"),
                                                                                strict=True)]
    lookup: dict[str, str] = {}
    for arn in pd.unique(u["ResourceId"].fillna("")):
        hits = [rid for rid, p in patterns if arn and p.fullmatch(arn)]
        if len(hits) > 1:
            raise PlaybookError(f"ResourceId {arn!r} matches more than one modelled resource: {hits}")
        lookup[arn] = hits[0] if hits else ""
    return u["ResourceId"].fillna("").map(lookup)


def _months_live(months: pd.PeriodIndex) -> pd.DataFrame:
    """(resource id, month) pairs for every billed resource that exists on some day of the month."""
    h = resource_history()
    h = h[h["billed"]]
    first = h.groupby("id")["start"].min()
    until = h.groupby("id")["until"].first()
    rows: list[tuple[str, pd.Period]] = []
    starts = months.to_timestamp().tz_localize("UTC")
    ends = (months + 1).to_timestamp().tz_localize("UTC")
    for rid in first.index:
        u = until[rid]
        live = (first[rid] < ends) & (pd.isna(u) | (u > starts))
        rows.extend((rid, m) for m in months[np.asarray(live)])
    return pd.DataFrame(rows, columns=["id", "month"])


def model_bill_mismatches(billing: pd.DataFrame, usage: pd.DataFrame | None = None,
                          account: str | None = None) -> pd.DataFrame:
    """Every disagreement between the bill and the model, per month: columns ``month``, ``id`` (the modelled
    resource, or the line's ``ResourceId`` when none matches), ``problem`` (``billed but not modelled``,
    ``billed while the model says it does not exist``, ``modelled but not billed``). Empty when they agree.

    The months compared are the bill's months; a line with no ``ResourceId`` is ``billed but not modelled``.
    With ``usage`` (``usage_daily``), a resource of a :data:`USAGE_PRICED` kind is not expected on the bill in a
    month its geography (``us``, ``eu``: the region id's prefix) had no events.
    """
    u = _usage_lines(billing)
    rid = resource_of_lines(billing, account)
    months = pd.PeriodIndex(sorted(u["month"].unique()), freq="M")
    billed = pd.DataFrame({"id": rid.to_numpy(), "month": u["month"].to_numpy(),
                           "arn": u["ResourceId"].fillna("").to_numpy(),
                           "cost": u["EffectiveCost"].astype(float).to_numpy()})
    problems = []
    orphan = billed[billed["id"] == ""]
    if len(orphan):
        o = orphan.groupby(["month", "arn"]).size().reset_index()[["month", "arn"]]
        problems.append(o.rename(columns={"arn": "id"}).assign(problem="billed but not modelled"))
    matched = billed[billed["id"] != ""].groupby(["id", "month"])["cost"].sum().reset_index()
    live = _months_live(months)
    both = matched.merge(live, on=["id", "month"], how="outer", indicator=True)
    problems.append(both.loc[both["_merge"] == "left_only", ["month", "id"]]
                    .assign(problem="billed while the model says it does not exist"))
    unbilled = both[(both["_merge"] == "right_only") | ((both["_merge"] == "both") & (both["cost"] <= 0))]
    if usage is not None:
        h = resource_history().drop_duplicates("id").set_index("id")
        geo = usage["region"].str.split("-").str[0]
        month = usage["date"].dt.tz_localize(None).dt.to_period("M")
        busy = set(zip(geo[usage["events"] > 0], month[usage["events"] > 0], strict=True))
        idle = [h.at[i, "kind"] in USAGE_PRICED and (str(h.at[i, "region"]).split("-")[0], m) not in busy
                for i, m in zip(unbilled["id"], unbilled["month"], strict=True)]
        unbilled = unbilled[~np.array(idle, dtype=bool)]
    problems.append(unbilled[["month", "id"]].assign(problem="modelled but not billed"))
    out = pd.concat(problems, ignore_index=True)
    return out.sort_values(["month", "id"], kind="stable").reset_index(drop=True)


def billed_quantity(billing: pd.DataFrame, resource_id: str, sku_prefix: str, account: str | None = None) -> pd.Series:
    """One resource's monthly ``PricingQuantity`` on lines whose ``SkuId`` starts with ``sku_prefix``
    (node-hours: ``BoxUsage``; shard-hours: ``Storage-ShardHour``), covered and on-demand lines together."""
    u = _usage_lines(billing)
    rid = resource_of_lines(billing, account)
    sel = u[(rid == resource_id).to_numpy() & u["SkuId"].str.startswith(sku_prefix).to_numpy()]
    return sel.groupby("month")["PricingQuantity"].sum()


def billed_capacity(billing: pd.DataFrame, traffic_hourly: pd.DataFrame, month: pd.Period,
                    account: str | None = None) -> pd.DataFrame:
    """One month's EC2 per modelled instance resource (node groups, the sandbox), from the bill and the model.

    Columns: ``env``, ``instance_type``, ``node_hours`` (billed), ``cost_usd`` (amortised), ``planned_node_hours``
    (:func:`dfp.capacity.sizing.plans_for_rates` at each hour's event rate, within the node group's bounds; prod
    node groups only), ``cpu_used_core_h`` (the plan's CPU used at the traffic served), ``cpu_billed_core_h``
    (vCPUs of the billed node-hours, as
    :func:`dfp.capacity.sizing.production_cpu_utilisation` counts them), ``cpu_utilisation`` (used over billed). Quantities the model
    cannot say (what staging, dev and the sandbox use) are NaN. Index: resource id.
    """
    kube = load_policies()["kubernetes"]
    u = _usage_lines(billing)
    rid = resource_of_lines(billing, account)
    sel = (u["month"] == month).to_numpy() & u["ServiceName"].eq("Amazon Elastic Compute Cloud").to_numpy() \
        & u["SkuId"].str.startswith("BoxUsage").to_numpy()
    if not sel.any():
        raise PlaybookError(f"billed_capacity: no EC2 instance usage in {month}")
    lines = u[sel].assign(rid=rid[sel].to_numpy())
    per = lines.groupby("rid").agg(node_hours=("PricingQuantity", "sum"), cost_usd=("EffectiveCost", "sum"))
    start = month.to_timestamp().tz_localize("UTC")
    end = (month + 1).to_timestamp().tz_localize("UTC")
    rows = []
    for r, q in per.iterrows():
        info = resource(str(r), str(month))
        row = {"id": r, "env": info["env"], "instance_type": info["instance_type"], "node_hours": q["node_hours"],
               "cost_usd": q["cost_usd"], "planned_node_hours": np.nan, "cpu_used_core_h": np.nan,
               "cpu_billed_core_h": np.nan}
        if info["kind"] == "eks-nodegroup" and info.get("sizing") == "cluster-plan":
            h = traffic_hourly[(traffic_hourly["region"] == info["region"]) & (traffic_hourly["hour"] >= start)
                               & (traffic_hourly["hour"] < end)]
            plan = plans_for_rates(kube, info["instance_type"], h["events"].to_numpy(float) / 3600.0)
            nodes = np.clip(plan["nodes"].to_numpy(float), info["min_nodes"], info["max_nodes"])
            row["planned_node_hours"] = float(nodes.sum())
            row["cpu_used_core_h"] = float(plan["cpu_used_m"].sum()) / 1000.0
            row["cpu_billed_core_h"] = q["node_hours"] * float(kube["node_types"][info["instance_type"]]["vcpu"])
        rows.append(row)
    out = pd.DataFrame(rows).set_index("id")
    out["cpu_utilisation"] = out["cpu_used_core_h"] / out["cpu_billed_core_h"]
    return out


def bill_account_errors(billing: pd.DataFrame) -> list[str]:
    """What in the bill's accounts disagrees with the model (``accounts`` in ``data/platform.yml``): a
    ``BillingAccountId`` other than the payer, a ``SubAccountId`` or an ARN account that is no model account,
    a ``SubAccountName`` not that account's name, an ARN whose account is not its line's ``SubAccountId``,
    a usage line of a modelled resource not in the resource's own account, a line not in the account of
    its ``env`` tag and region (:func:`dfp.io.platform.account_of`). Empty when all agree.
    """
    names = {a.id: a.name for a in load_accounts()}
    errors: list[str] = []
    if bad := sorted(set(billing["BillingAccountId"].astype(str)) - {payer_account().id}):
        errors.append(f"BillingAccountId {bad} is not the payer {payer_account().id}")
    sub = billing["SubAccountId"].astype(str)
    if bad := sorted(set(sub) - set(names)):
        errors.append(f"SubAccountId {bad} not in the model's accounts")
    if (wrong := billing["SubAccountName"].astype(str) != sub.map(names).fillna("?")).any():
        errors.append(f"SubAccountName disagrees with SubAccountId on {int(wrong.sum())} lines")
    arn_acct = billing["ResourceId"].fillna("").astype(str).str.split(":").str[4].fillna("")
    if bad := sorted(set(arn_acct[arn_acct != ""]) - set(names)):
        errors.append(f"ResourceId ARNs in accounts {bad}, not in the model's accounts")
    if (off := (arn_acct != "") & (arn_acct != sub)).any():
        errors.append(f"{int(off.sum())} lines' ARN account is not their SubAccountId, e.g. "
                      f"{billing.loc[off, 'ResourceId'].iloc[0]}")
    rid = resource_of_lines(billing)
    h = resource_history().drop_duplicates("id").set_index("id")
    known = rid[rid != ""]
    own = pd.Series({r: account_of(h.at[r, "env"], h.at[r, "region"]).id for r in pd.unique(known)}, dtype=str)
    lines = billing.loc[known.index, "SubAccountId"].astype(str)
    if (off := lines != known.map(own)).any():
        errors.append(f"{int(off.sum())} usage lines are not in their resource's account, e.g. "
                      f"{billing.loc[off[off].index[0], 'ResourceId']}")
    env = billing["Tags"].fillna("").astype(str).str.extract(r'"env":"([^"]+)"', expand=False).fillna("")
    pairs = pd.DataFrame({"env": env, "region": billing["RegionId"].fillna("").astype(str)})
    tagged = pairs["env"] != ""
    key = pairs["env"] + "|" + pairs["region"]
    home = {f"{e}|{r}": account_of(e, r or None).id  # one look-up per distinct (env, region)
            for e, r in pairs.loc[tagged].drop_duplicates().itertuples(index=False)}
    expected = key[tagged].map(home)
    if (off := sub[tagged] != expected).any():
        first = off[off].index[0]
        errors.append(f"{int(off.sum())} lines are not in the account of their env tag and region, e.g. "
                      f"{billing.at[first, 'ResourceId']} ({pairs.at[first, 'env']}, {pairs.at[first, 'region']}) "
                      f"in {sub.at[first]}, expected {expected.at[first]}")
    return errors
