"""Incident metrics: time to detect/acknowledge/mitigate/resolve, budget burned, targets, policy.

==========================  ==================================================================
``load_event_log``           the incident event log, checked against the calendar and for order
``incident_times``           TTD, TTA, TTM (time to restore), TTR per incident (minutes)
``window_budget_share``      budget share the bad events of a minute window spent (vectorised)
``budget_consumed``          budget share each incident spent of each SLO it hit, per region
``targets_check``            MTTD, MTTR and critical-incidents-per-quarter against system.yml
``load_budget_policy``       the error-budget policy (``data/reliability/error-budget-policy.yaml``)
``budget_policy_actions``    what the policy required after each incident
==========================  ==================================================================

Definitions (minutes, from the event log): ``ttd = detected - impact_start``;
``tta = acknowledged - detected``; ``ttm = mitigated - impact_start`` (time to restore service,
the "MTTR" of the owner's target); ``ttr = resolved - impact_start``.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from dfp.core.checks import check_fraction
from dfp.core.errors import PlaybookError
from dfp.core.paths import data_dir
from dfp.io.data import load
from dfp.io.system import System
from dfp.io.yamlfile import check_shape, load_yaml

__all__ = [
    "BudgetPolicy",
    "budget_consumed",
    "budget_policy_actions",
    "incident_times",
    "load_budget_policy",
    "load_event_log",
    "targets_check",
    "window_budget_share",
]

_ORDER = ("impact_start", "detected", "acknowledged", "resolved")


def load_event_log(system: System, frame: pd.DataFrame | None = None) -> pd.DataFrame:
    """The incident event log (``incident_events.csv``), validated against the calendar.

    Checks: one row per calendar incident; ``impact_start`` and ``mitigated`` equal the
    calendar's ``impact_start``/``impact_end``; ``impact_start <= detected <= acknowledged`` and
    ``mitigated <= resolved``.

    Raises:
        PlaybookError: naming the incident, the column and the rule.
    """

    log = load("incident_events") if frame is None else frame.copy()
    ids = [i.id for i in system.incidents]
    if sorted(log["incident_id"]) != sorted(ids):
        raise PlaybookError(f"incident_events.csv: incident ids {sorted(log['incident_id'])} != calendar {ids}")
    for row in log.itertuples(index=False):
        inc = system.incident(row.incident_id)
        if row.impact_start != inc.impact_start:
            raise PlaybookError(f"incident_events.csv: {inc.id} column 'impact_start' must equal the calendar's "
                                f"{inc.impact_start}; got {row.impact_start}")
        if row.mitigated != inc.impact_end:
            raise PlaybookError(f"incident_events.csv: {inc.id} column 'mitigated' must equal the calendar's "
                                f"impact_end {inc.impact_end}; got {row.mitigated}")
        for a, b in itertools.pairwise(_ORDER[:3]):
            if getattr(row, b) < getattr(row, a):
                raise PlaybookError(f"incident_events.csv: {inc.id} column {b!r} ({getattr(row, b)}) is before {a!r}")
        if row.resolved < row.mitigated:
            raise PlaybookError(f"incident_events.csv: {inc.id} column 'resolved' is before 'mitigated'")
    return log.set_index("incident_id").loc[ids].reset_index()


def incident_times(log: pd.DataFrame) -> pd.DataFrame:
    """TTD, TTA, TTM and TTR in minutes per incident (see the module docstring).

    >>> t = pd.Timestamp("2025-01-01", tz="UTC"); m = pd.Timedelta(minutes=1)
    >>> log = pd.DataFrame({"incident_id": ["X"], "severity": ["sev1"], "impact_start": [t],
    ...     "detected": [t + 4 * m], "acknowledged": [t + 6 * m], "mitigated": [t + 30 * m], "resolved": [t + 90 * m]})
    >>> incident_times(log)[["ttd_min", "tta_min", "ttm_min", "ttr_min"]].iloc[0].tolist()
    [4.0, 2.0, 30.0, 90.0]
    """
    minutes = lambda a, b: (log[b] - log[a]).dt.total_seconds() / 60.0  # noqa: E731
    return pd.DataFrame({
        "incident_id": log["incident_id"],
        "severity": log["severity"],
        "ttd_min": minutes("impact_start", "detected"),
        "tta_min": minutes("detected", "acknowledged"),
        "ttm_min": minutes("impact_start", "mitigated"),
        "ttr_min": minutes("impact_start", "resolved"),
    })


def window_budget_share(bad: np.ndarray, total: np.ndarray, a: int, b: int, slo_target: float,
                        period_min: int) -> float:
    """Budget share spent by the bad events of minutes ``[a, b)``.

    ``sum(bad[a:b]) / ((1 - slo_target) * sum(total[b - period_min : b]))``: the incident's bad
    events over the budget of the SLO period that ends with the incident.

    >>> round(window_budget_share(np.array([0, 6, 6, 0]), np.array([100] * 4), 1, 3, 0.9, 3), 6)
    0.4
    """
    t = check_fraction("slo_target", slo_target)
    if not 0 <= a <= b <= len(total):
        raise PlaybookError(f"window_budget_share: need 0 <= a <= b <= {len(total)}; got a={a}, b={b}")
    budget = (1.0 - t) * float(total[max(b - period_min, 0):b].sum())
    return float(bad[a:b].sum()) / budget if budget > 0 else 0.0


def budget_consumed(system: System, sim: Any, slos: Sequence[Any], incident_ids: Sequence[str]) -> pd.DataFrame:
    """Budget share each of ``incident_ids`` (those with an SLI impact) spent, per SLO and region.

    Bad events are counted over the impact window; the budget is that of the SLO period ending at
    ``impact_end``. Rows with a share below 1 % are dropped (baseline noise, not the incident).

    Returns:
        Frame: incident_id, slo, region, bad_events, budget_share.
    """
    rows = []
    for inc in (system.incident(i) for i in incident_ids):
        a = int((inc.impact_start - sim.start) / pd.Timedelta(minutes=1))
        b = int((inc.impact_end - sim.start) / pd.Timedelta(minutes=1))
        if b <= 0 or a >= sim.n_minutes:
            continue
        for spec in slos:
            for region in inc.regions:
                key = (spec.name, region)
                if key not in sim.counts:
                    continue
                total, bad = sim.counts[key]
                share = window_budget_share(bad, total, a, b, spec.slo_target, int(spec.period_days * 1440))
                if share >= 0.01:
                    rows.append({"incident_id": inc.id, "slo": spec.name, "region": region,
                                 "bad_events": int(bad[a:b].sum()), "budget_share": share})
    return pd.DataFrame(rows, columns=["incident_id", "slo", "region", "bad_events", "budget_share"])


def targets_check(times: pd.DataFrame, log: pd.DataFrame, system: System) -> pd.DataFrame:
    """MTTD, MTTR (time to restore) of critical incidents and the worst quarter's count vs targets.

    Returns:
        Frame indexed by target id: metric, measured, target, op, met.
    """
    crit = times[times["severity"] == "sev1"]
    quarters = log.loc[log["severity"] == "sev1", "impact_start"].dt.tz_localize(None).dt.to_period("Q")
    measured = {
        "mttd_min": float(crit["ttd_min"].mean()) if len(crit) else 0.0,
        "mttr_min": float(crit["ttm_min"].mean()) if len(crit) else 0.0,
        "critical_incidents_per_quarter": float(quarters.value_counts().max()) if len(quarters) else 0.0,
    }
    rows = []
    for tid, value in measured.items():
        tgt = system.target(tid)
        rows.append({"target": tid, "metric": tgt.metric, "measured": value, "op": tgt.op, "target_value": tgt.value,
                     "met": tgt.met_by(value)})
    return pd.DataFrame(rows).set_index("target")


@dataclass(frozen=True)
class BudgetPolicy:
    """The error-budget policy's thresholds (shares of a 30-day budget)."""

    postmortem_min_share: float
    postmortem_severities: tuple[str, ...]
    postmortem_security: bool
    slowdown_below: float
    freeze_below: float
    escalation_min_share: float


def load_budget_policy(path: Path | str | None = None) -> BudgetPolicy:
    """Read ``data/reliability/error-budget-policy.yaml``.

    >>> load_budget_policy().freeze_below
    0.0
    """
    p = Path(path) if path is not None else data_dir() / "reliability" / "error-budget-policy.yaml"
    doc: Mapping[str, Any] = load_yaml(p) or {}
    check_shape(doc, {"postmortem": {"min_budget_share": float, "severities": "str-list", "security": bool},
                      "slowdown": {"remaining_below": float}, "freeze": {"remaining_below": float},
                      "escalation": {"min_budget_share": float}}, p.name)
    try:
        pol = BudgetPolicy(
            postmortem_min_share=float(doc["postmortem"]["min_budget_share"]),
            postmortem_severities=tuple(doc["postmortem"]["severities"]),
            postmortem_security=bool(doc["postmortem"]["security"]),
            slowdown_below=float(doc["slowdown"]["remaining_below"]),
            freeze_below=float(doc["freeze"]["remaining_below"]),
            escalation_min_share=float(doc["escalation"]["min_budget_share"]),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise PlaybookError(f"{p.name}: missing or malformed field {exc}") from exc
    if not pol.freeze_below < pol.slowdown_below <= 1:
        raise PlaybookError(f"{p.name}: need freeze.remaining_below < slowdown.remaining_below <= 1")
    return pol


def budget_policy_actions(severity: str, kind: str, max_budget_share: float, min_remaining: float,
                          policy: BudgetPolicy) -> list[str]:
    """What the error-budget policy required after one incident.

    Args:
        severity: sev1/sev2/sev3; kind: incident kind (``security`` triggers a postmortem).
        max_budget_share: the largest budget share the incident spent of any SLO (fraction).
        min_remaining: the lowest rolling-30-day budget left of any SLO it hit, just after it.

    >>> pol = load_budget_policy()
    >>> budget_policy_actions("sev1", "availability", 1.3, -0.4, pol)
    ['postmortem', 'freeze', 'escalation']
    >>> budget_policy_actions("sev3", "cost", 0.0, 1.0, pol)
    []
    """
    out = []
    if (max_budget_share >= policy.postmortem_min_share or severity in policy.postmortem_severities
            or (policy.postmortem_security and kind == "security")):
        out.append("postmortem")
    if min_remaining < policy.freeze_below:
        out.append("freeze")
    elif min_remaining < policy.slowdown_below:
        out.append("slowdown")
    if max_budget_share > policy.escalation_min_share:
        out.append("escalation")
    return out
