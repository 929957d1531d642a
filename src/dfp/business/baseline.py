"""The starting system (v0) in numbers: the evidence behind each of its five problems.

``evidence(legacy, system, engineers)`` turns the six-month baseline into one row per measurement:
what was measured, its value and the target it is held against, in the same unit.
"""

from __future__ import annotations

import pandas as pd

from dfp.business.growth import cmgr
from dfp.core.checks import check_int_range
from dfp.core.errors import PlaybookError
from dfp.core.units import SLO_MONTH_DAYS, WEEKS_PER_MONTH
from dfp.io.system import _OPS, System
from dfp.reliability.slo import allowed_downtime_min

__all__ = ["evidence"]


def evidence(legacy: pd.DataFrame, system: System, engineers: int) -> pd.DataFrame:
    """One row per piece of evidence for the starting system's problems.

    Args:
        legacy: the ``legacy_baseline_monthly`` dataset (months in order).
        system: the canonical facts (targets).
        engineers: platform engineers sharing the manual work.

    Returns:
        Columns ``problem`` (id from ``starting_problems``), ``evidence``, ``measured``,
        ``target``, ``unit``, ``met`` (bool).
    """
    n = check_int_range("engineers", engineers, 1, 100)
    if len(legacy) < 2:
        raise PlaybookError("evidence needs at least two baseline months")
    lg = legacy.sort_values("month").reset_index(drop=True)
    last = lg.iloc[-1]
    periods = len(lg) - 1
    t = system.target
    allowance = allowed_downtime_min(t("api_availability").value, SLO_MONTH_DAYS)
    rows = [
        ("peak-latency", "p99 latency in the busiest hour, last baseline month",
         float(last["p99_latency_peak_ms"]), t("latency_p99_ms").value, "ms", t("latency_p99_ms").op),
        ("peak-latency", "p99 latency in the quietest hour, last baseline month",
         float(last["p99_latency_offpeak_ms"]), t("latency_p99_ms").value, "ms", t("latency_p99_ms").op),
        ("cost-opacity", "infrastructure cost growth per month (compound)",
         cmgr(float(lg["infra_cost_usd"].iloc[0]), float(last["infra_cost_usd"]), periods),
         cmgr(float(lg["revenue_usd"].iloc[0]), float(last["revenue_usd"]), periods), "fraction/month", "<"),
        ("cost-opacity", "share of the bill attributable to a customer",
         float(last["cost_attributed_share"]), t("cost_attributed_ratio").value, "fraction", t("cost_attributed_ratio").op),
        ("manual-operations", "manual ops hours per engineer per week",
         float(lg["manual_ops_hours"].mean()) / WEEKS_PER_MONTH / n, t("oncall_h_per_engineer_week").value, "h/week",
         t("oncall_h_per_engineer_week").op),
        ("manual-operations", "production deployments per week",
         float(lg["deploys"].mean()) / WEEKS_PER_MONTH, t("deploys_per_week").value, "deploys/week", t("deploys_per_week").op),
        ("regional-cascade", "regional outage minutes per month (mean)",
         float(lg["regional_outage_min"].mean()), allowance, "min/month", "<="),
        ("regional-cascade", "months with an SLA breach",
         float((lg["sla_breach_min"] > 0).sum()), 0.0, "months", "<="),
        ("weak-isolation", "data-access paths with tenant-scoped, audited credentials",
         float(last["data_access_paths_audited"]) / float(last["data_access_paths"]), 1.0, "fraction", ">="),
    ]

    out = pd.DataFrame(rows, columns=["problem", "evidence", "measured", "target", "unit", "op"])
    out["met"] = [bool(_OPS[o](m, tv)) for m, tv, o in zip(out["measured"], out["target"], out["op"], strict=True)]
    return out.drop(columns="op")
