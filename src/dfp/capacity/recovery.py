"""Recovery model of the stores: protection settings -> achievable RPO and RTO per failure scenario,
and durability against the 11-nines target.

=======================  =====================================================================
``restore_time_min``      fixed set-up time plus size over restore throughput
``recovery_table``        RPO and RTO of every store in every scenario, checked against targets
``replicated_durability`` annual durability of n independent copies: 1 - (1 - d)^n
``durability_nines``      -log10(1 - d)
=======================  =====================================================================

Scenarios: ``az_loss`` (one AZ gone: synchronous multi-AZ copies lose nothing), ``corruption``
(a bad write or deploy: restore to a point before it; RPO is the backup interval), ``region_loss``
(the region is gone: only a cross-region copy helps; without one RPO and RTO are unbounded, inf).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import pandas as pd

from dfp.core.checks import check_fraction, check_int_range, check_non_negative, check_positive

__all__ = ["SCENARIOS", "durability_nines", "recovery_table", "replicated_durability", "restore_time_min"]

SCENARIOS = ("az_loss", "corruption", "region_loss")


def restore_time_min(size_gb: float, restore_gb_per_h: float, fixed_min: float = 0.0) -> float:
    """Minutes to restore ``size_gb``: ``fixed_min + size_gb / restore_gb_per_h * 60``.

    >>> restore_time_min(400, 200, 20)
    140.0
    """
    s = check_non_negative("size_gb", size_gb)
    r = check_positive("restore_gb_per_h", restore_gb_per_h)
    return check_non_negative("fixed_min", fixed_min) + s / r * 60.0


def recovery_table(stores: Mapping[str, Mapping[str, Any]], sizes_gb: Mapping[str, float],
                   rpo_target_min: float, rto_target_min: float) -> pd.DataFrame:
    """RPO and RTO (minutes) of every store in every scenario, and whether both targets are met.

    Per store: ``backup_interval_min`` (worst-case data lost on a point-in-time restore),
    ``restore_fixed_min`` and ``restore_gb_per_h`` (restore speed), optional ``failover_min``
    (AZ loss) and ``replication_lag_min`` (a cross-region copy exists with this lag).
    Targets are strict (``<``), as in system.yml.
    """
    rows = []
    for name, s in stores.items():
        size = check_non_negative(f"sizes_gb[{name}]", sizes_gb.get(name, 0.0))
        restore = restore_time_min(size, s["restore_gb_per_h"], s.get("restore_fixed_min", 0.0))
        lag = s.get("replication_lag_min")
        cases = {
            "az_loss": (0.0, float(s.get("failover_min", 0.0))),
            "corruption": (float(s["backup_interval_min"]), restore),
            "region_loss": ((float(lag), float(s.get("restore_fixed_min", 0.0))) if lag is not None
                            else (math.inf, math.inf)),
        }
        for scenario, (rpo, rto) in cases.items():
            rows.append({"store": name, "scenario": scenario, "rpo_min": rpo, "rto_min": rto,
                         "meets_targets": bool(rpo < rpo_target_min and rto < rto_target_min)})
    return pd.DataFrame(rows)


def replicated_durability(durability: float, copies: int) -> float:
    """Annual durability of ``copies`` independent copies: ``1 - (1 - d) ** copies``.

    >>> replicated_durability(0.999, 2)
    0.999999
    """
    d = check_fraction("durability", durability, closed=True)
    n = check_int_range("copies", copies, 1, 100)
    return 1.0 - (1.0 - d) ** n


def durability_nines(durability: float) -> float:
    """``-log10(1 - d)``: 0.99999999999 -> 11 (``inf`` for 1).

    >>> round(durability_nines(0.99999999999), 6)
    11.0
    """
    d = check_fraction("durability", durability, closed=True)
    return math.inf if d == 1.0 else -math.log10(1.0 - d)
