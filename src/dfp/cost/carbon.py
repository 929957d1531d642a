"""Carbon estimate per region from the bill: energy by usage type, then grid intensity.

=========================  ==================================================================
``compute_kwh``             vCPU-hours at a CPU utilisation -> kWh (CCF linear power model)
``storage_kwh``             TB-hours stored, with replication -> kWh
``network_kwh``             GB moved -> kWh
``co2e_kg``                 kWh at a grid intensity -> kg CO2e
``carbon_by_region_month``  the bill's estimate per region and month (kWh, kg CO2e)
=========================  ==================================================================

The method is the Cloud Carbon Footprint (CCF) location-based model; every coefficient is in
``data/external_facts.yml`` (``grid_intensity``) with its source:

* compute: ``vCPU-hours x (min_W + u x (max_W - min_W)) / 1000 x PUE``;
* storage (SSD): ``TB-hours x Wh/TB-h x replication / 1000 x PUE``;
* network: ``GB x kWh/GB x PUE``;
* other services (databases, streams, API calls, observability): CCF estimates usage it cannot
  measure from cost, so their kWh is ``cost x (kWh per USD of the measured lines)`` in the same region.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from dfp.core.checks import check_fraction, check_non_negative, check_positive
from dfp.cost.economics import usage_cost
from dfp.io.external import fact
from dfp.io.policies import load_policies

__all__ = ["COEFFICIENT_NAMES", "VCPU_PER_NODE", "carbon_by_region_month", "co2e_kg", "compute_kwh", "network_kwh",
           "storage_kwh", "vcpu_per_sku"]

#: What each model coefficient in ``external_facts.yml`` (``grid_intensity.<key>``, not a region) is, for tables.
COEFFICIENT_NAMES: dict[str, str] = {
    "aws_pue": "Data-centre power usage effectiveness (PUE)",
    "cpu_min_watts_per_vcpu": "CPU power at idle, per vCPU",
    "cpu_max_watts_per_vcpu": "CPU power at full load, per vCPU",
    "ssd_wh_per_tb_hour": "SSD storage energy",
    "network_kwh_per_gb": "Network transfer energy",
    "s3_replication_factor": "Copies S3 keeps of each object",
}

#: vCPUs of the instance types the bill runs outside the Kubernetes node types (the sandbox)
VCPU_PER_NODE = {"BoxUsage:t3.large": 2.0}


def vcpu_per_sku() -> dict[str, float]:
    """vCPUs per EC2 ``BoxUsage:<type>`` SKU: the node types of ``kubernetes.node_types`` in
    ``data/platform.yml`` plus :data:`VCPU_PER_NODE`.

    >>> vcpu_per_sku()["BoxUsage:m6i.xlarge"]
    4.0
    """
    kube = load_policies()["kubernetes"]["node_types"]
    return {**{f"BoxUsage:{t}": float(spec["vcpu"]) for t, spec in kube.items()}, **VCPU_PER_NODE}


def compute_kwh(vcpu_hours: float | np.ndarray, cpu_utilisation: float, min_watts: float, max_watts: float,
                pue: float) -> float | np.ndarray:
    """Energy of compute: ``vcpu_hours x (min_W + u (max_W - min_W)) / 1000 x PUE`` (kWh).

    >>> round(float(compute_kwh(1000, 0.5, 0.74, 3.5, 1.135)), 4)
    2.4062
    """
    u = check_fraction("cpu_utilisation", cpu_utilisation, closed=True)
    lo, hi = check_non_negative("min_watts", min_watts), check_non_negative("max_watts", max_watts)
    return np.asarray(vcpu_hours, float) * (lo + u * (hi - lo)) / 1000.0 * check_positive("pue", pue)


def storage_kwh(tb_hours: float | np.ndarray, wh_per_tb_hour: float, replication: float,
                pue: float) -> float | np.ndarray:
    """Energy of storage: ``TB-hours x Wh/TB-h x replication / 1000 x PUE`` (kWh).

    >>> round(float(storage_kwh(730, 1.2, 3, 1.0)), 3)
    2.628
    """
    w = check_non_negative("wh_per_tb_hour", wh_per_tb_hour)
    rep = check_positive("replication", replication)
    return np.asarray(tb_hours, float) * w * rep / 1000.0 * check_positive("pue", pue)


def network_kwh(gb: float | np.ndarray, kwh_per_gb: float, pue: float) -> float | np.ndarray:
    """Energy of moving data: ``GB x kWh/GB x PUE`` (kWh).

    >>> float(network_kwh(1000, 0.001, 1.0))
    1.0
    """
    return np.asarray(gb, float) * check_non_negative("kwh_per_gb", kwh_per_gb) * check_positive("pue", pue)


def co2e_kg(kwh: float | np.ndarray, grid_g_per_kwh: float) -> float | np.ndarray:
    """Emissions: ``kWh x g/kWh / 1000`` (kg CO2e).

    >>> float(co2e_kg(1000, 379))
    379.0
    """
    return np.asarray(kwh, float) * check_non_negative("grid_g_per_kwh", grid_g_per_kwh) / 1000.0


def carbon_by_region_month(billing: pd.DataFrame, cpu_utilisation: float) -> pd.DataFrame:
    """kWh and kg CO2e per region and month, by usage type (compute, storage, network, other).

    Columns ``month, region, usage_type, kwh, kg_co2e``; ``cpu_utilisation`` is the fleet's average.
    """
    g = lambda k: fact(f"grid_intensity.{k}").value  # noqa: E731
    pue = g("aws_pue")
    u = usage_cost(billing)
    u = u[u["RegionId"].fillna("") != ""]
    sku, unit = u["SkuId"].fillna(""), u["PricingUnit"].fillna("")
    q = u["PricingQuantity"].fillna(0.0).to_numpy()
    vcpu = vcpu_per_sku()
    is_node = sku.isin(list(vcpu)).to_numpy()
    is_store = (unit == "GB-Months").to_numpy()
    is_net = (unit == "GB").to_numpy()
    kwh = np.zeros(len(u))
    vcpu_h = q * sku.map(vcpu).fillna(0.0).to_numpy()
    kwh[is_node] = compute_kwh(vcpu_h[is_node], cpu_utilisation, g("cpu_min_watts_per_vcpu"),
                               g("cpu_max_watts_per_vcpu"), pue)
    # a GB-month row of one day is GB x 24 h / days-in-month ... x days = GB-month x 730 h
    days = u["ChargePeriodStart"].dt.days_in_month.to_numpy(float)
    tb_h = q * days * 24.0 / 1000.0
    kwh[is_store] = storage_kwh(tb_h[is_store], g("ssd_wh_per_tb_hour"), g("s3_replication_factor"), pue)
    kwh[is_net] = network_kwh(q[is_net], g("network_kwh_per_gb"), pue)
    kind = np.select([is_node, is_store, is_net], ["compute", "storage", "network"], "other")
    f = pd.DataFrame({"month": u["month"].to_numpy(), "region": u["RegionId"].to_numpy(), "usage_type": kind,
                      "kwh": kwh, "cost_usd": u["cost_usd"].to_numpy()})
    measured = f[f["usage_type"] != "other"].groupby(["month", "region"])[["kwh", "cost_usd"]].sum()
    per_usd = (measured["kwh"] / measured["cost_usd"]).rename("kwh_per_usd")
    other = f["usage_type"] == "other"
    f.loc[other, "kwh"] = f[other].merge(per_usd, left_on=["month", "region"], right_index=True, how="left")[
        "kwh_per_usd"].fillna(0.0).to_numpy() * f.loc[other, "cost_usd"].to_numpy()
    out = f.groupby(["month", "region", "usage_type"], as_index=False)["kwh"].sum()
    grid = {r: g(r.replace("-", "_")) for r in out["region"].unique()}
    out["kg_co2e"] = co2e_kg(out["kwh"].to_numpy(), 1.0) * out["region"].map(grid).to_numpy(float)
    return out
