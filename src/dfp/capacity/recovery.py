"""Recovery model of the stores: protection settings -> achievable RPO and RTO per failure scenario,
and durability against the 11-nines target.

=======================  =====================================================================
``restore_time_min``      fixed set-up time plus size over restore throughput
``recovery_table``        RPO and RTO of every store in every scenario, checked against targets
``replicated_durability`` annual durability of n independent copies: 1 - (1 - d)^n (an upper bound)
``durability_nines``      -log10(1 - d)
``store_sizes_gb``        each store's size at a daily volume (the page and the scorecard use it)
``state_rebuild``         replaying the dedupe state's window through the processors, at minimum and scaled out
=======================  =====================================================================

Scenarios: ``az_loss`` (one AZ gone: synchronous multi-AZ copies lose nothing), ``corruption``
(a bad write or deploy: restore to a point before it; RPO is the backup interval), ``region_loss``
(the region is gone: only a cross-region copy helps; without one RPO and RTO are unbounded, inf).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd

from dfp.capacity.sizing import drain_time_s
from dfp.core.checks import check_fraction, check_int_range, check_non_negative, check_positive
from dfp.core.units import DAYS_PER_MONTH

__all__ = ["SCENARIOS", "StateRebuild", "durability_nines", "recovery_table", "replicated_durability", "replicated_durability_nines",
           "restore_time_min",
           "state_rebuild", "store_sizes_gb"]

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

    An upper bound that no real pair of copies reaches: the losses that matter are correlated (a job or a
    person deleting, a bad write replicated faithfully, a replicated delete marker), and they reach every
    copy at once. Pages quote the designed durability per copy and name versioning and Object Lock as the
    protection against deletes; this function states what independence would give, for comparison only.

    >>> replicated_durability(0.999, 2)
    0.999999
    """
    d = check_fraction("durability", durability, closed=True)
    n = check_int_range("copies", copies, 1, 100)
    return 1.0 - (1.0 - d) ** n


def replicated_durability_nines(durability: float, copies: int) -> float:
    """Nines of ``copies`` independent copies: ``copies * -log10(1 - d)`` (the independence upper bound, see
    :func:`replicated_durability`).

    Computed from the loss probability ``(1 - d) ** copies`` in logs, so two copies of an 11-nines store
    give 22 nines instead of the ``inf`` that ``1 - (1 - d) ** 2`` rounds to in floating point.

    >>> round(replicated_durability_nines(0.99999999999, 2), 6), durability_nines(replicated_durability(0.99999999999, 2))
    (22.0, inf)
    """
    check_int_range("copies", copies, 1, 100)
    return copies * durability_nines(durability)


def durability_nines(durability: float) -> float:
    """``-log10(1 - d)``: 0.99999999999 -> 11 (``inf`` for 1).

    >>> round(durability_nines(0.99999999999), 6)
    11.0
    """
    d = check_fraction("durability", durability, closed=True)
    return math.inf if d == 1.0 else -math.log10(1.0 - d)


def store_sizes_gb(events_per_day: float, event_bytes: float, retention_months: float,
                   stores: Mapping[str, Mapping[str, Any]], stream_retention_h: float) -> dict[str, float]:
    """Each store's size (GB) at a daily volume: the event store keeps ``retention_months`` billing months
    of events, the dedupe state ``key_retention_days`` of keys, the stream ``stream_retention_h`` hours;
    the metadata database has its fixed size (``data/platform.yml`` ``recovery.stores``).

    >>> s = store_sizes_gb(1e6, 1000, 1, {"state-dynamodb": {"key_retention_days": 7, "bytes_per_key": 100},
    ...                                    "metadata-rds": {"size_gb": 5}}, 24)
    >>> round(s["event-store-s3"], 2), s["state-dynamodb"], s["event-stream"]
    (30.42, 0.7, 1.0)
    """
    dyn = stores["state-dynamodb"]
    return {"event-store-s3": events_per_day * event_bytes * DAYS_PER_MONTH * retention_months / 1e9,
            "state-dynamodb": events_per_day * dyn["key_retention_days"] * dyn["bytes_per_key"] / 1e9,
            "metadata-rds": float(stores["metadata-rds"]["size_gb"]),
            "event-stream": events_per_day * event_bytes * stream_retention_h / 24 / 1e9}


@dataclass(frozen=True)
class StateRebuild:
    """Rebuilding the dedupe state by replaying its retention window (:func:`state_rebuild`)."""

    backlog_events: float
    min_pods: int            # processor pods at their minimum replicas
    rebuild_min: float       # minutes to replay with them
    fast_pods: int           # fewest pods that replay within half the RTO
    fast_rebuild_min: float


def state_rebuild(events_per_day: float, key_retention_days: float, kube: Mapping[str, Any],
                  rto_min: float) -> StateRebuild:
    """Replay ``key_retention_days`` of events through the processors while traffic keeps arriving; each
    worker runs at the autoscaler's target utilisation of its service rate (:func:`drain_time_s`). The fast
    case scales out to the fewest pods that finish within half the RTO, leaving the rest for detection
    and the decision to rebuild."""
    mu = 1000.0 / kube["processor"]["service_time_ms"]
    per_pod = kube["services"]["processors"]["workers_per_pod"]
    min_pods = kube["services"]["processors"]["min_replicas"]
    arrival, backlog = events_per_day / 86_400, events_per_day * key_retention_days
    usable = kube["hpa_cpu_target"] * mu
    pods_fast = -(-(backlog / (rto_min * 60 / 2) + arrival) // (usable * per_pod))
    return StateRebuild(backlog, int(min_pods), drain_time_s(backlog, min_pods * per_pod * usable, arrival) / 60,
                        int(pods_fast), drain_time_s(backlog, pods_fast * per_pod * usable, arrival) / 60)
