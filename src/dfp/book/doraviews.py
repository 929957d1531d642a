"""The DORA page's tables: the change log's measures with human labels and units (``dfp.delivery.dora`` computes them).

=====================  ====================================================================
``era_table``           the four metrics, rework and DORA levels per era, metrics as rows
``targets_table``       one era's measures against the owner's change targets (``target_checks``)
``causes_table``        each calendar incident with its causing deploy and restore times
``strategy_table``      failures, detection and rollback per rollout strategy, metrics as rows
``freeze_table``        each error-budget freeze and the frozen service's change rate
=====================  ====================================================================
"""

from __future__ import annotations

import pandas as pd

from dfp.book.scorecard import format_value, shown_unit, target_text
from dfp.book.tables import Col, HumanFrame, human_table
from dfp.delivery.dora import percentile
from dfp.io.system import System, load_system

__all__ = ["causes_table", "era_table", "freeze_table", "strategy_table", "targets_table"]


def _era_columns(tail_quantile: float) -> dict[str, Col]:
    return {
        "deploys": Col("Changes", "count"), "deploys_per_week": Col("Changes a week", "number", 1),
        "commits": Col("Commits", "count"), "lead_time_median_h": Col("Lead time, median (h)", "number", 1),
        "lead_time_tail_h": Col(f"Lead time, p{percentile(tail_quantile)} (h)", "number", 1),
        "failed": Col("Failed changes", "count"), "change_failure_ratio": Col("Change failure rate (%)", "percent", 1),
        "restore_median_min": Col("Time to restore, median (min)", "count"),
        "rollback_p95_min": Col("Rollback p95 (min)", "number", 1), "unplanned": Col("Unplanned fixes", "count"),
        "rework_ratio": Col("Rework rate (%)", "percent", 1), "level_deploys": Col("DORA level: frequency", "text"),
        "level_lead_time": Col("DORA level: lead time", "text"),
        "level_change_failure": Col("DORA level: failure rate", "text"),
        "level_restore": Col("DORA level: restore", "text")}


def era_table(eras: pd.DataFrame, tail_quantile: float) -> HumanFrame:
    """``dfp.delivery.dora.dora_by_period(..., by="era")`` as a table: eras as columns, metrics as rows; the
    lead-time tail labelled with its quantile (``p95`` for 0.95).

    >>> row = {"deploys": 40, "deploys_per_week": 2.5, "commits": 100, "lead_time_median_h": 0.5,
    ...        "lead_time_tail_h": 1.5, "failed": 2, "change_failure_ratio": 0.05, "restore_median_min": 12.0,
    ...        "rollback_p95_min": 4.0, "unplanned": 1, "rework_ratio": 0.025, "level_deploys": "high",
    ...        "level_lead_time": "elite", "level_change_failure": "elite", "level_restore": "elite"}
    >>> era_table(pd.DataFrame([row], index=["Scale"]), 0.999)["Scale"].iloc[[1, 4, 6]].to_dict()
    {'Changes a week': '2.5', 'Lead time, p99.9 (h)': '1.5', 'Change failure rate (%)': '5.0'}
    """
    columns = _era_columns(tail_quantile)
    return human_table(eras, columns, keep=list(columns), transpose=True)


def targets_table(checks: pd.DataFrame, system: System | None = None) -> HumanFrame:
    """``dfp.delivery.dora.target_checks`` as a table: measured value and target in the scorecard's formats
    (:func:`dfp.book.scorecard.format_value`, :func:`~dfp.book.scorecard.target_text`: a fraction as a percent),
    the unit a reader sees, and whether it is met.

    >>> checks = pd.DataFrame({"target_id": ["rollback_min", "change_failure_ratio"], "measured": [9.34, 0.0309],
    ...                        "unit": ["min", "fraction"], "target": ["", ""], "met": [False, True]},
    ...                       index=["Rollback time p95", "Change failure rate"])
    >>> for row in targets_table(checks).to_dict("records"): print(row)
    {'Measured': '9.3', 'Unit': 'min', 'Target': '<= 5 min', 'Met': 'No'}
    {'Measured': '3.09 %', 'Unit': '%', 'Target': '< 5 %', 'Met': 'Yes'}
    """
    system = system or load_system()
    shown = checks.assign(
        measured=[format_value(float(v), u) for v, u in zip(checks["measured"], checks["unit"], strict=True)],
        unit=[shown_unit(u) for u in checks["unit"]],
        target=[target_text(system.target(t)) for t in checks["target_id"]])
    return human_table(shown.drop(columns="target_id"), {
        "measured": Col("Measured", "text"), "unit": Col("Unit", "text"), "target": Col("Target", "text"),
        "met": Col("Met", "yesno")}, index_label="Metric")


def causes_table(restores: pd.DataFrame) -> HumanFrame:
    """``dfp.delivery.dora.incident_restores`` as a table, one row per incident ("none" where no deploy caused it).

    >>> nan = float("nan")
    >>> r = pd.DataFrame({"incident": ["INC-01"], "deploy_id": [None], "service": [None],
    ...     "deploy_to_impact_min": [nan], "detect_min": [nan], "rollback_min": [nan], "restore_h": [nan]})
    >>> causes_table(r).iloc[0, :2].tolist()
    ['none', '—']
    """
    return human_table(restores.set_index("incident"), {
        "deploy_id": Col("Deploy that caused it", "text", missing="none"), "service": Col("Service", "text"),
        "deploy_to_impact_min": Col("Deploy to impact (min)", "count"), "detect_min": Col("Detected after (min)", "count"),
        "rollback_min": Col("Rollback (min)", "count"), "restore_h": Col("Restored after (h)", "number", 1)},
        keep=["deploy_id", "service", "deploy_to_impact_min", "detect_min", "rollback_min", "restore_h"],
        index_label="Incident")


def strategy_table(strategies: pd.DataFrame, rollback_target_min: float) -> HumanFrame:
    """``dfp.delivery.dora.strategy_summary`` as a table: strategies as columns, measures as rows; the rollback
    row names ``rollback_target_min`` (minutes).

    >>> s = pd.DataFrame({"changes": [514], "failed": [17], "change_failure_ratio": [0.033], "detect_median_min": [5.0],
    ...     "rollback_p95_min": [2.5], "rollback_within_target_ratio": [1.0], "blast_share_median": [0.1]},
    ...     index=pd.Index(["canary"], name="strategy"))
    >>> strategy_table(s, 5.0)["canary"].iloc[5:].to_dict()
    {'Rollbacks within 5 min (%)': '100', 'Traffic exposed, median (%)': '10'}
    """
    return human_table(strategies, {
        "changes": Col("Changes", "count"), "failed": Col("Failed", "count"),
        "change_failure_ratio": Col("Change failure rate (%)", "percent", 1),
        "detect_median_min": Col("Detection, median (min)", "number", 1),
        "rollback_p95_min": Col("Rollback p95 (min)", "number", 1),
        "rollback_within_target_ratio": Col(f"Rollbacks within {rollback_target_min:g} min (%)", "percent", 0),
        "blast_share_median": Col("Traffic exposed, median (%)", "percent", 0)}, transpose=True)


def freeze_table(freezes: pd.DataFrame) -> HumanFrame:
    """``dfp.delivery.dora.freeze_effect`` as a table: one column per frozen service, times in UTC to the minute.

    >>> f = pd.DataFrame({"service": ["api"], "slo": ["api-availability"], "region": ["us-east-1"],
    ...     "start": [pd.Timestamp("2025-09-09 15:00", tz="UTC")], "end": [pd.Timestamp("2025-10-09 16:00", tz="UTC")],
    ...     "days": [30.0], "in_freeze": [6], "features_in_freeze": [0], "in_freeze_per_week": [1.4],
    ...     "before_per_week": [5.0]})
    >>> freeze_table(f)["api"].iloc[2:5].tolist()
    ['2025-09-09 15:00', '2025-10-09 16:00', '30.0']
    """
    shown = freezes.assign(start=freezes["start"].dt.strftime("%Y-%m-%d %H:%M"),
                           end=freezes["end"].dt.strftime("%Y-%m-%d %H:%M")).set_index("service")
    return human_table(shown, {
        "slo": Col("SLO overspent", "text"), "region": Col("Region", "text"), "start": Col("From (UTC)", "text"),
        "end": Col("Until (UTC)", "text"), "days": Col("Days", "number", 1),
        "in_freeze": Col("Changes inside", "count"), "features_in_freeze": Col("Features inside", "count"),
        "in_freeze_per_week": Col("Changes a week inside", "number", 1),
        "before_per_week": Col("Changes a week, 4 weeks before", "number", 1)},
        keep=["slo", "region", "start", "end", "days", "in_freeze", "features_in_freeze", "in_freeze_per_week",
              "before_per_week"], index_label="Frozen service", transpose=True)
