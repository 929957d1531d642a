"""Incidents: the one record per incident, every figure about one, the error-budget policy and its freezes.

==========================  ==================================================================
``incident_records``         the record of every incident (``system.yml`` ``incidents:``), validated
``incident_record``          one incident's record (timeline, cause, SLI impact, remedy, action items)
``event_log_frame``          the rows of ``incident_events.csv``, written from the record
``timeline_frame``           one record's timeline as rows (what the postmortems show)
``action_items_frame``       one record's action items with their decision records
``remedy_anachronisms``      remedy components that do not exist yet at the incident's start
``incident_figures``         every number about one incident (:class:`IncidentFigures`), from one place
``freeze_windows``           the feature freezes the policy imposed, computed from the hourly SLI history
``in_freeze``                whether deploys fall inside a freeze of their service
``load_event_log``           the incident event log, checked against the calendar and for order
``incident_times``           TTD, TTA, TTM (time to restore), TTR per incident (minutes)
``window_budget_share``      budget share the bad events of a minute window spent (vectorised)
``budget_consumed``          budget share each incident spent of each SLO it hit, per region
``targets_check``            MTTD, MTTR and critical-incidents-per-quarter against system.yml
``load_budget_policy``       the error-budget policy (``data/reliability/error-budget-policy.yaml``)
``budget_policy_actions``    what the policy required after each incident
``clocks_frame``             the record's clocks per incident, as a table's rows
``clock_segments``           where each incident's time to resolve went (four segments summing to TTR)
``review_summary``           the incident review's headline (:class:`ReviewSummary`)
``night_page``               what a page outside working hours cost (:class:`NightPage`)
``burn_down``                rolling budget left of each SLO and region an incident hit, around it
``policy_decisions``         the policy's actions per incident, as a table's rows
``freeze_after``             the first freeze of a service after an instant
``credited_customers``       customers an incident's SLA credit lands on
``postmortem_numbers``       the numbers a postmortem quotes about one incident
==========================  ==================================================================

Definitions (minutes, from the event log): ``ttd = detected - impact_start``;
``tta = acknowledged - detected``; ``ttm = mitigated - impact_start`` (time to restore service);
``ttr = resolved - impact_start`` (time to resolve: the "MTTR" of the owner's target, which says resolve).
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from dfp.core.checks import check_fraction, check_positive
from dfp.core.errors import PlaybookError
from dfp.core.paths import data_dir
from dfp.core.units import DAYS_PER_MONTH, MINUTES_PER_DAY
from dfp.io.data import load
from dfp.io.openslo import load_slos
from dfp.io.system import System, load_system
from dfp.io.yamlfile import check_shape, load_yaml
from dfp.reliability.sli import SliMinutes, minute_frame
from dfp.reliability.slo import availability, rolling_budget_remaining, sla_credit_ratio

__all__ = [
    "BAD_EVENT_LABEL",
    "CLOCK_SEGMENTS",
    "TEAM_TZ",
    "WORKING_HOURS_UTC",
    "ActionItem",
    "BudgetPolicy",
    "CauseDeploy",
    "IncidentData",
    "IncidentFigures",
    "IncidentRecord",
    "NightPage",
    "ReviewSummary",
    "action_items_frame",
    "budget_consumed",
    "budget_policy_actions",
    "budget_share",
    "burn_down",
    "check_record",
    "clock_segments",
    "clocks_frame",
    "credited_customers",
    "critical_per_quarter",
    "event_log_frame",
    "freeze_after",
    "freeze_windows",
    "freeze_windows_frame",
    "in_freeze",
    "in_working_hours",
    "incident_data",
    "incident_figures",
    "incident_record",
    "incident_records",
    "incident_times",
    "introduced_at",
    "load_budget_policy",
    "load_event_log",
    "median_working_tta_min",
    "month_revenue",
    "night_page",
    "parse_record",
    "policy_decisions",
    "postmortem_numbers",
    "postmortems_required",
    "remedy_anachronisms",
    "review_period_days",
    "review_summary",
    "targets_check",
    "timeline_frame",
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
    """MTTD, MTTR (time to resolve, the target's word) of critical incidents and the worst quarter's count vs targets.

    Returns:
        Frame indexed by target id: metric, measured, target, op, met.
    """
    crit = times[times["severity"] == "sev1"]
    quarters = critical_per_quarter(log)
    measured = {
        "mttd_min": float(crit["ttd_min"].mean()) if len(crit) else 0.0,
        "mttr_min": float(crit["ttr_min"].mean()) if len(crit) else 0.0,
        "critical_incidents_per_quarter": float(quarters.max()) if len(quarters) else 0.0,
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


# ---------------------------------------------------------------------------------------------------------------
# The incident record (issue 13): one entry per incident in system.yml, the one home of every fact about it.
# ---------------------------------------------------------------------------------------------------------------

_CAUSE_KINDS = ("deploy", "external", "tenant")
_SLO_NAMES = ("api-availability", "processing-latency", "processing-success", "delivery-success",
              "delivery-freshness")
#: What one bad event of each SLO is, for people (the failure count an incident's figures report).
BAD_EVENT_LABEL = {
    "api-availability": "failed API requests",
    "processing-latency": "events processed later than 500 ms",
    "processing-success": "events that failed processing",
    "delivery-success": "failed deliveries",
    "delivery-freshness": "deliveries later than 2 s",
}
#: The hours a page reaches someone at a desk: 08:00-17:00 US Eastern (13:00-22:00 UTC), Monday to Friday.
WORKING_HOURS_UTC = (13, 22)
#: The team's time zone (US Eastern), in which the pages quote local times.
TEAM_TZ = "America/New_York"


@dataclass(frozen=True)
class CauseDeploy:
    """The deployment behind a change-related incident (the deploy log carries it)."""

    deployed_at: pd.Timestamp
    service: str
    change_type: str
    rollback_started_at: pd.Timestamp


@dataclass(frozen=True)
class ActionItem:
    """One action item and the decision record it produced (``""`` when none)."""

    item: str
    decision: str


@dataclass(frozen=True)
class IncidentRecord:
    """One incident's record: calendar, timeline (UTC), cause, SLI impact, remedy and action items."""

    id: str
    title: str
    kind: str
    severity: str
    regions: tuple[str, ...]
    services: tuple[str, ...]
    impact_start: pd.Timestamp
    detected_at: pd.Timestamp
    detected_how: str
    acknowledged_at: pd.Timestamp
    acknowledged_who: str
    acknowledged_how: str
    mitigated_at: pd.Timestamp
    resolved_at: pd.Timestamp
    sli_impact: Mapping[str, float]
    cause_kind: str
    cause_what: str
    cause_deploy: CauseDeploy | None
    tenants: str
    remediation: str
    remedy_components: tuple[str, ...]
    action_items: tuple[ActionItem, ...]

    @property
    def slos(self) -> tuple[str, ...]:
        """The SLOs the incident hit (empty when users saw nothing)."""
        return tuple(self.sli_impact)

    @property
    def primary_slo(self) -> str | None:
        """The SLO whose bad events are the incident's failure count (the first of ``sli_impact``)."""
        return next(iter(self.sli_impact), None)

    @property
    def decisions(self) -> tuple[str, ...]:
        """The decision records its action items produced, in order, without repeats."""
        return tuple(dict.fromkeys(a.decision for a in self.action_items if a.decision))


def _ts(value: object, where: str) -> pd.Timestamp:
    try:
        t = pd.Timestamp(str(value))
    except ValueError as exc:
        raise PlaybookError(f"system.yml: {where} must be a UTC timestamp; got {value!r}") from exc
    return t.tz_localize("UTC") if t.tzinfo is None else t.tz_convert("UTC")


def _field(entry: Mapping[str, Any], key: str, where: str) -> Any:
    if key not in entry:
        raise PlaybookError(f"system.yml: {where} is missing field {key!r}")
    return entry[key]


def parse_record(entry: Mapping[str, Any], system: System) -> IncidentRecord:
    """Validate one ``incidents:`` entry of ``system.yml`` into an :class:`IncidentRecord`.

    Rules: ``impact_start <= detected <= acknowledged``; ``impact_end <= resolved``; the SLOs in
    ``sli_impact`` exist; a deploy cause is deployed before the impact starts and rolled back after
    detection, no later than the impact end; decisions are ``ADR-nnnn`` or empty.

    Raises:
        PlaybookError: naming the incident, the field and the rule.
    """
    inc = system.incident(str(_field(entry, "id", "incidents[]")))
    w = f"incidents.{inc.id}"
    det, ack = _field(entry, "detected", w), _field(entry, "acknowledged", w)
    cause = _field(entry, "cause", w)
    impact = dict(_field(entry, "sli_impact", w) or {})
    unknown = [k for k in impact if k not in _SLO_NAMES]
    if unknown:
        raise PlaybookError(f"system.yml: {w}.sli_impact names unknown SLO(s) {unknown}; known: {list(_SLO_NAMES)}")
    deploy = None
    if str(_field(cause, "kind", w + ".cause")) not in _CAUSE_KINDS:
        raise PlaybookError(f"system.yml: {w}.cause.kind must be one of {list(_CAUSE_KINDS)}; got {cause['kind']!r}")
    if cause["kind"] == "deploy":
        d = _field(cause, "deploy", w + ".cause")
        deploy = CauseDeploy(_ts(_field(d, "deployed_at", w + ".cause.deploy"), w + ".cause.deploy.deployed_at"),
                             str(_field(d, "service", w + ".cause.deploy")),
                             str(_field(d, "change_type", w + ".cause.deploy")),
                             _ts(_field(d, "rollback_started_at", w + ".cause.deploy"),
                                 w + ".cause.deploy.rollback_started_at"))
    items = tuple(ActionItem(str(_field(a, "item", w + ".action_items[]")), str(a.get("decision") or ""))
                  for a in _field(entry, "action_items", w))
    rec = IncidentRecord(
        id=inc.id, title=inc.title, kind=inc.kind, severity=inc.severity, regions=inc.regions,
        services=inc.services, impact_start=inc.impact_start,
        detected_at=_ts(_field(det, "at", w + ".detected"), w + ".detected.at"),
        detected_how=str(_field(det, "how", w + ".detected")),
        acknowledged_at=_ts(_field(ack, "at", w + ".acknowledged"), w + ".acknowledged.at"),
        acknowledged_who=str(_field(ack, "who", w + ".acknowledged")),
        acknowledged_how=str(_field(ack, "how", w + ".acknowledged")),
        mitigated_at=inc.impact_end, resolved_at=_ts(_field(entry, "resolved", w), w + ".resolved"),
        sli_impact={str(k): float(v) for k, v in impact.items()},
        cause_kind=str(cause["kind"]), cause_what=str(_field(cause, "what", w + ".cause")), cause_deploy=deploy,
        tenants=str(_field(entry, "tenants", w)), remediation=str(_field(entry, "remediation", w)),
        remedy_components=tuple(str(c) for c in _field(entry, "remedy_components", w)), action_items=items,
    )
    check_record(rec)
    return rec


def check_record(rec: IncidentRecord) -> None:
    """Raise :class:`PlaybookError` when the record's timeline is out of order (see :func:`parse_record`)."""
    w = f"system.yml: incidents.{rec.id}"
    order = [("impact_start", rec.impact_start), ("detected.at", rec.detected_at),
             ("acknowledged.at", rec.acknowledged_at)]
    for (a, ta), (b, tb) in itertools.pairwise(order):
        if tb < ta:
            raise PlaybookError(f"{w}: {b} ({tb}) is before {a} ({ta})")
    if rec.resolved_at < rec.mitigated_at:
        raise PlaybookError(f"{w}: resolved ({rec.resolved_at}) is before impact_end ({rec.mitigated_at})")
    d = rec.cause_deploy
    if d is not None:
        if d.deployed_at > rec.impact_start:
            raise PlaybookError(f"{w}: cause.deploy.deployed_at ({d.deployed_at}) is after impact_start")
        if not rec.detected_at <= d.rollback_started_at <= rec.mitigated_at:
            raise PlaybookError(f"{w}: cause.deploy.rollback_started_at ({d.rollback_started_at}) must lie between "
                                f"detected.at and impact_end")
    bad = [a.decision for a in rec.action_items if a.decision and not re.fullmatch(r"ADR-\d{4}", a.decision)]
    if bad:
        raise PlaybookError(f"{w}: action_items decision must be ADR-nnnn or empty; got {bad}")


def incident_records(system: System) -> tuple[IncidentRecord, ...]:
    """Every incident's record, in calendar order.

    >>> from dfp.io.system import load_system
    >>> [r.id for r in incident_records(load_system())][:2]
    ['INC-01', 'INC-02']
    """
    by_id = {str(e.get("id")): e for e in system.raw["incidents"]}
    return tuple(parse_record(by_id[i.id], system) for i in system.incidents)


def incident_record(system: System, incident_id: str) -> IncidentRecord:
    """One incident's record (by id or slug).

    >>> from dfp.io.system import load_system
    >>> incident_record(load_system(), "INC-03").sli_impact["processing-success"]
    0.22
    """
    inc = system.incident(incident_id)
    return next(r for r in incident_records(system) if r.id == inc.id)


def in_working_hours(ts: pd.Timestamp) -> bool:
    """Whether a UTC instant falls in the team's working hours (Monday-Friday 13:00-22:00 UTC).

    >>> in_working_hours(pd.Timestamp("2026-01-31T02:48Z")), in_working_hours(pd.Timestamp("2025-11-18T19:17Z"))
    (False, True)
    """
    lo, hi = WORKING_HOURS_UTC
    return bool(ts.day_of_week < 5 and lo <= ts.hour < hi)


def event_log_frame(system: System) -> pd.DataFrame:
    """The rows of ``incident_events.csv``, written from the record (timestamps as ``YYYY-MM-DDTHH:MM:SSZ``)."""
    fmt = "%Y-%m-%dT%H:%M:%SZ"
    rows = [{
        "incident_id": r.id, "severity": r.severity, "regions": ";".join(r.regions), "services": ";".join(r.services),
        "impact_start": r.impact_start.strftime(fmt), "detected": r.detected_at.strftime(fmt),
        "detection_source": r.detected_how, "acknowledged": r.acknowledged_at.strftime(fmt),
        "mitigated": r.mitigated_at.strftime(fmt), "resolved": r.resolved_at.strftime(fmt),
        "sli_impact": "true" if r.sli_impact else "false",
    } for r in incident_records(system)]
    return pd.DataFrame(rows)


def introduced_at(introduced: str, system: System) -> pd.Timestamp:
    """When an architecture component appears: ``introduced`` is an era id or a ``YYYY-MM`` month.

    >>> from dfp.io.system import load_system
    >>> str(introduced_at("2026-02", load_system()).date()), str(introduced_at("mvp", load_system()).date())
    ('2026-02-01', '2024-11-01')
    """
    text = str(introduced)
    if re.fullmatch(r"\d{4}-\d{2}", text):
        return pd.Timestamp(text + "-01", tz="UTC")
    try:
        return system.era(text).start
    except PlaybookError as exc:
        raise PlaybookError(f"architecture.yml: introduced must be an era id or YYYY-MM; got {introduced!r}") from exc


def remedy_anachronisms(rec: IncidentRecord, introduced: Mapping[str, str], system: System) -> list[str]:
    """The components a remedy names that do not exist at the incident's start (``[]`` when all do).

    ``introduced`` maps component id -> its ``introduced`` value in ``architecture.yml``.

    >>> from dfp.io.system import load_system
    >>> s = load_system(); r = incident_record(s, "INC-03")
    >>> remedy_anachronisms(r, {"argo-cd": "mvp", "event-stream": "2026-02"}, s)
    ['event-stream']
    """
    missing = [c for c in rec.remedy_components if c not in introduced]
    if missing:
        raise PlaybookError(f"system.yml: incidents.{rec.id}.remedy_components names unknown component(s) {missing}")
    return [c for c in rec.remedy_components if introduced_at(introduced[c], system) > rec.impact_start]


# ---------------------------------------------------------------------------------------------------------------
# Error-budget freezes, computed from the SLI history and the policy.
# ---------------------------------------------------------------------------------------------------------------


def freeze_windows(hourly: pd.DataFrame, slos: Sequence[Any], policy: BudgetPolicy) -> pd.DataFrame:
    """The feature freezes the error-budget policy imposed, from the hourly SLI history.

    For each SLO and region, the rolling budget left over the SLO's period is computed at the end of
    every hour (``1 - bad / ((1 - target) * total)`` over the last ``period_days * 24`` hours; in the history's
    first period, over the hours so far with ``total`` scaled to a whole period); a freeze
    of the SLO's service starts at the end of the first hour it is below ``policy.freeze_below`` and
    ends at the end of the first hour it is back at or above it (or at the end of the history).

    Args:
        hourly: ``sli_hourly`` (hour, slo, region, total, good); slos: OpenSLO specs (name, service,
            slo_target, period_days); policy: the error-budget policy.

    Returns:
        Frame: service, slo, region, start, end, days, min_remaining (one row per window, by start).

    >>> h = pd.DataFrame({"hour": pd.date_range("2025-01-01", periods=4, freq="h", tz="UTC"), "slo": "s",
    ...     "region": "r", "total": [100] * 4, "good": [100, 97, 100, 100]})
    >>> from types import SimpleNamespace as N
    >>> spec = N(name="s", service="api", slo_target=0.99, period_days=2 / 24)
    >>> freeze_windows(h, [spec], load_budget_policy())[["start", "end"]].astype(str).values.tolist()
    [['2025-01-01 02:00:00+00:00', '2025-01-01 04:00:00+00:00']]
    """
    cols = ["service", "slo", "region", "start", "end", "days", "min_remaining"]
    rows = []
    one_h = pd.Timedelta(hours=1)
    for spec in slos:
        part = hourly[hourly["slo"] == spec.name]
        for region, grp in part.groupby("region", sort=True):
            g = grp.sort_values("hour", kind="stable")
            total = g["total"].to_numpy(dtype=float)
            bad = total - g["good"].to_numpy(dtype=float)
            n = round(float(spec.period_days) * 24)
            bad_c = np.concatenate([[0.0], np.cumsum(bad)])
            tot_c = np.concatenate([[0.0], np.cumsum(total)])
            end = np.arange(1, len(total) + 1)
            start = np.maximum(end - n, 0)
            # a window shorter than the period (the first days of the history) gets the whole period's budget,
            # pro rata to the traffic it has seen: three hours of requests do not make a three-hour budget
            budget = (1.0 - float(spec.slo_target)) * (tot_c[end] - tot_c[start]) * n / (end - start)
            with np.errstate(divide="ignore", invalid="ignore"):
                rem = np.where(budget > 0, 1.0 - (bad_c[end] - bad_c[start]) / budget, 1.0)
            frozen = rem < policy.freeze_below
            if not frozen.any():
                continue
            edges = np.diff(np.concatenate([[0], frozen.astype(int), [0]]))
            hours = pd.DatetimeIndex(g["hour"])
            for a, b in zip(np.flatnonzero(edges == 1), np.flatnonzero(edges == -1), strict=True):
                s = hours[a] + one_h
                e = hours[b] + one_h if b < len(hours) else hours[-1] + one_h
                rows.append({"service": spec.service, "slo": spec.name, "region": str(region), "start": s, "end": e,
                             "days": (e - s) / pd.Timedelta(days=1), "min_remaining": float(rem[a:b].min())})
    out = pd.DataFrame(rows, columns=cols)
    return out.sort_values(["start", "service"], kind="stable").reset_index(drop=True)


def in_freeze(at: pd.Series, service: pd.Series, windows: pd.DataFrame) -> np.ndarray:
    """True where a deploy of ``service`` at ``at`` falls inside a freeze window of that service.

    >>> w = pd.DataFrame({"service": ["api"], "start": [pd.Timestamp("2025-01-02", tz="UTC")],
    ...                   "end": [pd.Timestamp("2025-01-05", tz="UTC")]})
    >>> at = pd.Series(pd.to_datetime(["2025-01-03", "2025-01-03", "2025-01-06"], utc=True))
    >>> in_freeze(at, pd.Series(["api", "web", "api"]), w).tolist()
    [True, False, False]
    """
    out = np.zeros(len(at), dtype=bool)
    t = pd.DatetimeIndex(at)
    svc = np.asarray(service)
    for w in windows.itertuples(index=False):
        out |= (svc == w.service) & (t >= w.start) & (t < w.end)
    return out


# ---------------------------------------------------------------------------------------------------------------
# Every figure about an incident, from one function.
# ---------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class IncidentData:
    """What :func:`incident_figures` reads: the system, the SLI minutes (``dfp.generate.sli.load_minutes()``),
    the SLO specs, the hourly SLI roll-up, monthly revenue and customers, and the error-budget policy."""

    system: System
    minutes: Any
    slos: Sequence[Any]
    hourly: pd.DataFrame
    revenue: pd.DataFrame
    customers: pd.DataFrame
    policy: BudgetPolicy


def incident_data(minutes: Any) -> IncidentData:
    """Load everything :func:`incident_figures` reads, around the given SLI minutes."""
    return IncidentData(load_system(), minutes, tuple(load_slos()), load("sli_hourly"), load("revenue_monthly"),
                        load("customers"), load_budget_policy())


@dataclass(frozen=True)
class IncidentFigures:
    """Every number the book quotes about one incident (minutes, events, shares of a budget, USD).

    ``bad_events`` counts the primary SLO's bad events (``primary_slo``; what they are:
    ``bad_event_label``) in the incident's regions over the impact window. ``top_*`` is the SLO and
    region whose budget it spent the largest share of; ``budget_left_after`` the lowest rolling budget
    left of any SLO it hit, at mitigation. ``unattended_*`` is what burned between the page and the
    acknowledgement. ``credit_usd`` is the SLA credit owed for the API's month in its regions.
    """

    id: str
    title: str
    severity: str
    detected_off_hours: bool
    duration_min: float
    ttd_min: float
    tta_min: float
    ttm_min: float
    ttr_min: float
    primary_slo: str
    bad_event_label: str
    bad_events: int
    bad_by_slo: Mapping[str, int]
    top_slo: str
    top_region: str
    top_budget_share: float
    budget_left_after: float
    unattended_min: float
    unattended_budget_share: float
    month_availability: float
    credit_ratio: float
    credit_usd: float
    actions: tuple[str, ...]


def _minute(sim: Any, ts: pd.Timestamp) -> int:
    return int(np.clip((ts - sim.start) / pd.Timedelta(minutes=1), 0, sim.n_minutes))


def incident_figures(incident_id: str, data: IncidentData) -> IncidentFigures:
    """Every figure about one incident, computed from the record and the SLI data.

    Clocks (minutes, from the record): ``ttd = detected - impact_start``, ``tta = acknowledged -
    detected``, ``ttm = impact_end - impact_start`` (restore), ``ttr = resolved - impact_start``.
    Budget shares: bad events over ``(1 - target) * total`` of the SLO period ending at the window's
    end, per SLO and region (as :func:`window_budget_share`). Credits: the API's availability in the
    incident's month and regions (hourly SLI), the SLA credit tier (``system.yml`` pricing) and the
    month's revenue of those regions' customers.
    """
    system, sim = data.system, data.minutes
    rec = incident_record(system, incident_id)
    m = pd.Timedelta(minutes=1)
    a, b = _minute(sim, rec.impact_start), _minute(sim, rec.mitigated_at)
    d, k = _minute(sim, rec.detected_at), _minute(sim, min(rec.acknowledged_at, rec.mitigated_at))
    bad_by: dict[str, int] = {}
    top = ("", "", 0.0)
    left = 1.0
    unattended = 0.0
    for spec in data.slos:
        if spec.name not in rec.sli_impact:
            continue
        period = int(spec.period_days * 1440)
        for region in rec.regions:
            if (spec.name, region) not in sim.counts:
                continue
            total, bad = sim.counts[(spec.name, region)]
            bad_by[spec.name] = bad_by.get(spec.name, 0) + int(bad[a:b].sum())
            share = window_budget_share(bad, total, a, b, spec.slo_target, period)
            if share > top[2]:
                top = (spec.name, region, share)
                unattended = window_budget_share(bad, total, d, k, spec.slo_target, period) if k > d else 0.0
            budget = (1.0 - spec.slo_target) * float(total[max(b - period, 0):b].sum())
            if budget > 0:
                left = min(left, 1.0 - float(bad[max(b - period, 0):b].sum()) / budget)
    primary = rec.primary_slo or ""
    avail, ratio, credit = _sla_credit(rec, data)
    actions = tuple(budget_policy_actions(rec.severity, rec.kind, top[2], left, data.policy))
    return IncidentFigures(
        id=rec.id, title=rec.title, severity=rec.severity, detected_off_hours=not in_working_hours(rec.detected_at),
        duration_min=(rec.mitigated_at - rec.impact_start) / m, ttd_min=(rec.detected_at - rec.impact_start) / m,
        tta_min=(rec.acknowledged_at - rec.detected_at) / m, ttm_min=(rec.mitigated_at - rec.impact_start) / m,
        ttr_min=(rec.resolved_at - rec.impact_start) / m, primary_slo=primary,
        bad_event_label=BAD_EVENT_LABEL.get(primary, ""), bad_events=bad_by.get(primary, 0), bad_by_slo=bad_by,
        top_slo=top[0], top_region=top[1], top_budget_share=top[2], budget_left_after=left,
        unattended_min=max(0.0, (min(rec.acknowledged_at, rec.mitigated_at) - rec.detected_at) / m),
        unattended_budget_share=unattended, month_availability=avail, credit_ratio=ratio, credit_usd=credit,
        actions=actions,
    )


def _sla_credit(rec: IncidentRecord, data: IncidentData) -> tuple[float, float, float]:
    """(lowest monthly API availability of the incident's regions, credit ratio, credit USD)."""
    month = rec.impact_start.tz_localize(None).to_period("M")
    h = data.hourly
    sel = h[(h["slo"] == "api-availability") & h["region"].isin(rec.regions)
            & (h["hour"].dt.tz_localize(None).dt.to_period("M") == month)]
    tiers = list(data.system.pricing["sla_credit"])
    worst, ratio, credit = 1.0, 0.0, 0.0
    rev_month = month_revenue(data.revenue, rec.impact_start)
    for region, grp in sel.groupby("region", sort=True):
        av = availability(float(grp["good"].sum()), float(grp["total"].sum()))
        r = sla_credit_ratio(av, tiers)
        ids = data.customers.loc[data.customers["region"] == region, "customer_id"]
        credit += r * float(rev_month.loc[rev_month["customer_id"].isin(ids), "revenue_usd"].sum())
        worst, ratio = min(worst, av), max(ratio, r)
    return worst, ratio, credit


def timeline_frame(rec: IncidentRecord) -> pd.DataFrame:
    """The record's timeline as rows (``at`` as ``YYYY-MM-DD HH:MM`` UTC, ``event``), in time order; a deploy
    cause adds the deploy and the start of its rollback.

    >>> from dfp.io.system import load_system
    >>> timeline_frame(incident_record(load_system(), "INC-03"))["at"].tolist()[:2]
    ['2025-11-18 19:09', '2025-11-18 19:12']
    """
    rows = [(rec.impact_start, "impact starts"), (rec.detected_at, f"detected: {rec.detected_how}"),
            (rec.acknowledged_at, f"acknowledged by {rec.acknowledged_who}: {rec.acknowledged_how}"),
            (rec.mitigated_at, f"mitigated: {rec.remediation}"),
            (rec.resolved_at, "resolved: clean-up done, incident closed")]
    d = rec.cause_deploy
    if d is not None:
        rows += [(d.deployed_at, f"the causing change is deployed ({d.service}, {d.change_type})"),
                 (d.rollback_started_at, "rollback of the change starts")]
    out = pd.DataFrame(rows, columns=["ts", "event"]).sort_values("ts", kind="stable")
    return pd.DataFrame({"at": out["ts"].dt.strftime("%Y-%m-%d %H:%M").to_numpy(), "event": out["event"].to_numpy()})


def action_items_frame(rec: IncidentRecord) -> pd.DataFrame:
    """The record's action items, numbered from 1: ``item`` and ``decision`` (``"(no record)"`` when none).

    >>> from dfp.io.system import load_system
    >>> action_items_frame(incident_record(load_system(), "INC-04"))["decision"].tolist()
    ['ADR-0012', 'ADR-0012', 'ADR-0012']
    """
    return pd.DataFrame({"item": [a.item for a in rec.action_items],
                         "decision": [a.decision or "(no record)" for a in rec.action_items]},
                        index=range(1, len(rec.action_items) + 1))


# ---------------------------------------------------------------------------------------------------------------
# The incident review's summaries and tables (notebooks/05-reliability/incident-review), over the figures above.
# ---------------------------------------------------------------------------------------------------------------


def month_revenue(revenue: pd.DataFrame, at: pd.Timestamp) -> pd.DataFrame:
    """The rows of ``revenue_monthly`` (``month`` UTC, ``customer_id``, ``revenue_usd``) in the calendar month of ``at``.

    >>> rev = pd.DataFrame({"month": pd.to_datetime(["2025-08-01", "2025-09-01"], utc=True), "customer_id": ["a", "a"],
    ...                     "revenue_usd": [10.0, 12.0]})
    >>> month_revenue(rev, pd.Timestamp("2025-09-17 08:00", tz="UTC"))["revenue_usd"].tolist()
    [12.0]
    """
    month = at.tz_localize(None).to_period("M")
    return revenue[revenue["month"].dt.tz_localize(None).dt.to_period("M") == month]


def credited_customers(rec: IncidentRecord, revenue: pd.DataFrame, customers: pd.DataFrame) -> int:
    """Customers in the incident's regions billed in the month it started: the invoices an SLA credit for that
    month lands on (a count). ``customers``: ``customer_id``, ``region``.

    >>> from types import SimpleNamespace as N
    >>> rev = pd.DataFrame({"month": pd.to_datetime(["2025-09-01"] * 3, utc=True), "customer_id": ["a", "b", "c"],
    ...                     "revenue_usd": 1.0})
    >>> cust = pd.DataFrame({"customer_id": ["a", "b", "c"], "region": ["us-east-1", "eu-west-1", "us-east-1"]})
    >>> credited_customers(N(impact_start=pd.Timestamp("2025-09-17", tz="UTC"), regions=("us-east-1",)), rev, cust)
    2
    """
    ids = customers.loc[customers["region"].isin(rec.regions), "customer_id"]
    billed = month_revenue(revenue, rec.impact_start)
    return int(billed.loc[billed["customer_id"].isin(ids), "customer_id"].nunique())


def critical_per_quarter(log: pd.DataFrame) -> pd.Series:
    """Critical (sev1) incidents per calendar quarter of their impact start (a count), the most first.

    >>> log = pd.DataFrame({"severity": ["sev1", "sev2", "sev1", "sev1"],
    ...     "impact_start": pd.to_datetime(["2025-01-05", "2025-02-01", "2025-08-01", "2025-09-30"], utc=True)})
    >>> {str(q): int(n) for q, n in critical_per_quarter(log).items()}
    {'2025Q3': 2, '2025Q1': 1}
    """
    return log.loc[log["severity"] == "sev1", "impact_start"].dt.tz_localize(None).dt.to_period("Q").value_counts()


def review_period_days(slos: Sequence[Any], window_days: float | None = None) -> float:
    """The rolling window of the budget burn-down (days): ``window_days``, or the first SLO's own period when None.

    >>> from types import SimpleNamespace as N
    >>> review_period_days([N(period_days=30.0)]), review_period_days([N(period_days=30.0)], 7)
    (30.0, 7.0)
    """
    if window_days is not None:
        return check_positive("window_days", window_days)
    if not slos:
        raise PlaybookError("review_period_days: no SLO specs given and no window_days")
    return float(slos[0].period_days)


def clocks_frame(records: Sequence[IncidentRecord], figures: Mapping[str, IncidentFigures]) -> pd.DataFrame:
    """One row per incident (index: its id, in record order): ``severity``, the four clocks in minutes
    (``ttd_min``, ``tta_min``, ``ttm_min``, ``ttr_min``, see :func:`incident_figures`), ``found_by`` (how it was
    detected) and ``taken_by`` (who acknowledged it). Raises ``PlaybookError`` naming a record without figures.

    >>> from types import SimpleNamespace as N
    >>> rec = N(id="X", severity="sev2", detected_how="an alert", acknowledged_who="an engineer")
    >>> f = N(ttd_min=4.0, tta_min=2.0, ttm_min=30.0, ttr_min=90.0)
    >>> clocks_frame([rec], {"X": f}).to_dict("index")["X"]["ttr_min"], list(clocks_frame([rec], {"X": f}).columns)[-2:]
    (90.0, ['found_by', 'taken_by'])
    """
    missing = [r.id for r in records if r.id not in figures]
    if missing:
        raise PlaybookError(f"clocks_frame: no incident figures for {missing}")
    return pd.DataFrame([{"incident": r.id, "severity": r.severity, "ttd_min": figures[r.id].ttd_min,
                          "tta_min": figures[r.id].tta_min, "ttm_min": figures[r.id].ttm_min,
                          "ttr_min": figures[r.id].ttr_min, "found_by": r.detected_how,
                          "taken_by": r.acknowledged_who} for r in records]).set_index("incident")


#: The four consecutive segments of an incident's time to resolve (:func:`clock_segments`' columns), in order.
CLOCK_SEGMENTS = ("impact_to_detected_min", "detected_to_acknowledged_min", "acknowledged_to_mitigated_min",
                  "mitigated_to_resolved_min")


def clock_segments(times: pd.DataFrame, incident_ids: Sequence[str]) -> pd.DataFrame:
    """Where each incident's time to resolve went, in four consecutive segments (minutes) that sum to ``ttr_min``.

    ``impact_to_detected = ttd``; ``detected_to_acknowledged = tta``; ``acknowledged_to_mitigated = ttm - ttd - tta``;
    ``mitigated_to_resolved = ttr - ttm`` (``times``: :func:`incident_times`). Rows are ``incident_ids``, in that
    order; an id not in ``times`` raises ``PlaybookError``.

    >>> t = pd.DataFrame({"incident_id": ["X"], "ttd_min": [4.0], "tta_min": [2.0], "ttm_min": [30.0],
    ...                   "ttr_min": [90.0]})
    >>> clock_segments(t, ["X"]).loc["X"].tolist()
    [4.0, 2.0, 24.0, 60.0]
    """
    t = times.set_index("incident_id")
    unknown = [i for i in incident_ids if i not in t.index]
    if unknown:
        raise PlaybookError(f"clock_segments: incidents {unknown} not in the times frame; it has {list(t.index)}")
    t = t.loc[list(incident_ids)]
    return pd.DataFrame({"impact_to_detected_min": t["ttd_min"], "detected_to_acknowledged_min": t["tta_min"],
                         "acknowledged_to_mitigated_min": t["ttm_min"] - t["ttd_min"] - t["tta_min"],
                         "mitigated_to_resolved_min": t["ttr_min"] - t["ttm_min"]}, index=t.index)


@dataclass(frozen=True)
class ReviewSummary:
    """The review's headline: counts of incidents and targets, the critical incidents' mean clocks (minutes)
    as :func:`targets_check` measures them, the worst quarter (``YYYYQn``) and its count, and the story's
    length in whole billing months (:data:`dfp.core.units.DAYS_PER_MONTH`)."""

    incidents: int
    critical: int
    months: int
    targets_missed: int
    targets_n: int
    mttd_min: float
    mttr_min: float
    worst_quarter: str
    worst_quarter_count: int
    mean_critical_tta_min: float


def review_summary(times: pd.DataFrame, log: pd.DataFrame, check: pd.DataFrame, start: pd.Timestamp,
                   end: pd.Timestamp) -> ReviewSummary:
    """The review's headline numbers from :func:`incident_times`, the event log and :func:`targets_check`.

    ``months = floor((end - start) / DAYS_PER_MONTH)`` (``start``: the SLI history's first minute, ``end``: the
    story's end); ``mean_critical_tta_min`` is the mean time to acknowledge of the sev1 incidents; the worst
    quarter is the one with the most sev1 incidents (:func:`critical_per_quarter`). Raises ``PlaybookError``
    when the log has no sev1 incident (the targets are about them).

    >>> t0 = pd.Timestamp("2025-01-01", tz="UTC")
    >>> times = pd.DataFrame({"incident_id": ["X", "Y"], "severity": ["sev1", "sev3"], "tta_min": [6.0, 60.0]})
    >>> log = pd.DataFrame({"severity": ["sev1", "sev3"], "impact_start": [t0, t0]})
    >>> check = pd.DataFrame({"measured": [4.0, 90.0, 1.0], "met": [True, False, True]},
    ...                      index=["mttd_min", "mttr_min", "critical_incidents_per_quarter"])
    >>> s = review_summary(times, log, check, t0, t0 + pd.Timedelta(days=365))
    >>> s.months, s.critical, s.targets_missed, s.worst_quarter, s.mean_critical_tta_min
    (12, 1, 1, '2025Q1', 6.0)
    """
    crit = times[times["severity"] == "sev1"]
    quarters = critical_per_quarter(log)
    if crit.empty or quarters.empty:
        raise PlaybookError("review_summary: the incident log has no critical (sev1) incident; the targets are about them")
    return ReviewSummary(
        incidents=len(times), critical=len(crit), months=int((end - start) / pd.Timedelta(days=1) / DAYS_PER_MONTH),
        targets_missed=int((~check["met"]).sum()), targets_n=len(check),
        mttd_min=float(check.loc["mttd_min", "measured"]), mttr_min=float(check.loc["mttr_min", "measured"]),
        worst_quarter=str(quarters.idxmax()), worst_quarter_count=int(quarters.max()),
        mean_critical_tta_min=float(crit["tta_min"].mean()))


@dataclass(frozen=True)
class NightPage:
    """An incident paged outside working hours: its start and first page in the team's time zone, how long the
    page waited (hours), who took it, the share of the top SLO's budget that burned while it waited (fraction,
    :attr:`IncidentFigures.unattended_budget_share`) and the minutes from acknowledgement to mitigation."""

    impact_start_local: pd.Timestamp
    detected_local: pd.Timestamp
    tta_h: float
    acknowledged_who: str
    unattended_budget_share: float
    fix_min: float


def night_page(rec: IncidentRecord, figures: IncidentFigures, tz: str = TEAM_TZ) -> NightPage:
    """What a night page cost: ``tta_h = tta_min / 60``, ``fix_min = mitigated - acknowledged`` (minutes), times
    in ``tz``. Raises ``PlaybookError`` when ``figures`` are another incident's.

    >>> from types import SimpleNamespace as N
    >>> t = pd.Timestamp("2026-01-31T02:40Z"); m = pd.Timedelta(minutes=1)
    >>> rec = N(id="X", impact_start=t, detected_at=t + 8 * m, acknowledged_at=t + 560 * m,
    ...         mitigated_at=t + 585 * m, acknowledged_who="someone")
    >>> p = night_page(rec, N(id="X", tta_min=552.0, unattended_budget_share=0.3))
    >>> p.impact_start_local.strftime("%H:%M on a %A"), p.tta_h, p.fix_min
    ('21:40 on a Friday', 9.2, 25.0)
    """
    if figures.id != rec.id:
        raise PlaybookError(f"night_page: figures of {figures.id} given for the record of {rec.id}")
    return NightPage(impact_start_local=rec.impact_start.tz_convert(tz), detected_local=rec.detected_at.tz_convert(tz),
                     tta_h=figures.tta_min / 60, acknowledged_who=rec.acknowledged_who,
                     unattended_budget_share=figures.unattended_budget_share,
                     fix_min=(rec.mitigated_at - rec.acknowledged_at) / pd.Timedelta(minutes=1))


def median_working_tta_min(figures: Iterable[IncidentFigures]) -> float:
    """Median time to acknowledge (minutes) of the incidents whose first page came in working hours
    (``not detected_off_hours``). Raises ``PlaybookError`` when none did.

    >>> from types import SimpleNamespace as N
    >>> median_working_tta_min([N(tta_min=3.0, detected_off_hours=False), N(tta_min=552.0, detected_off_hours=True),
    ...                         N(tta_min=7.0, detected_off_hours=False)])
    5.0
    """
    working = [f.tta_min for f in figures if not f.detected_off_hours]
    if not working:
        raise PlaybookError("median_working_tta_min: no incident was paged in working hours")
    return float(np.median(working))


def budget_share(consumed: pd.DataFrame, incident_id: str, slo: str, region: str) -> float:
    """The budget share (fraction) ``incident_id`` spent of ``slo`` in ``region`` (a row of :func:`budget_consumed`).
    Raises ``PlaybookError`` naming the row when it is not there (under 1 %, or not hit).

    >>> c = pd.DataFrame({"incident_id": ["X"], "slo": ["api"], "region": ["r"], "bad_events": [5], "budget_share": [1.2]})
    >>> budget_share(c, "X", "api", "r")
    1.2
    """
    hit = consumed[(consumed["incident_id"] == incident_id) & (consumed["slo"] == slo) & (consumed["region"] == region)]
    if len(hit) != 1:
        raise PlaybookError(f"budget_share: no budget_consumed row for ({incident_id}, {slo}, {region})")
    return float(hit["budget_share"].iloc[0])


def burn_down(sim: SliMinutes, consumed: pd.DataFrame, slos: Sequence[Any], period_days: float, rec: IncidentRecord,
              min_share: float = 0.05, before_days: float = 2.0, after_days: float = 7.0,
              step_min: int = 60) -> pd.DataFrame:
    """Rolling budget left (fraction, :func:`dfp.reliability.slo.rolling_budget_remaining` over ``period_days``) of
    each SLO and region the incident spent at least ``min_share`` of (rows of :func:`budget_consumed`, in order),
    from ``before_days`` before its impact start to ``after_days`` after, every ``step_min`` minutes.

    Returns:
        Frame indexed by days from impact start (``days_from_impact_start``), one column per ``"<slo> (<region>)"``.

    Raises:
        PlaybookError: when a hit SLO has no spec in ``slos``.

    >>> from types import SimpleNamespace as N
    >>> idx = pd.date_range("2025-01-01", periods=6, freq="min", tz="UTC")
    >>> sim = N(index=idx, regions=("r",), counts={("api-availability", "r"): (np.full(6, 100), np.array([0, 0, 6, 0, 0, 0]))})
    >>> hit = pd.DataFrame({"incident_id": ["X"], "slo": ["api-availability"], "region": ["r"], "budget_share": [0.5]})
    >>> rec = N(id="X", impact_start=idx[2])
    >>> b = burn_down(sim, hit, [N(name="api-availability", slo_target=0.99)], 3 / 1440, rec, before_days=2 / 1440,
    ...               after_days=3 / 1440, step_min=1)
    >>> [round(1440 * d) for d in b.index], [round(x, 2) for x in b["api-availability (r)"]]
    ([-2, -1, 0, 1, 2, 3], [1.0, 1.0, -1.0, -1.0, -1.0, 1.0])
    """
    specs = {s.name: s for s in slos}
    hit = consumed[(consumed["incident_id"] == rec.id) & (consumed["budget_share"] >= min_share)]
    unknown = sorted(set(hit["slo"]) - set(specs))
    if unknown:
        raise PlaybookError(f"burn_down: no SLO spec for {unknown}")
    lo, hi = rec.impact_start - pd.Timedelta(days=before_days), rec.impact_start + pd.Timedelta(days=after_days)
    idx = sim.index[(sim.index >= lo) & (sim.index <= hi)][::step_min]
    out = {}
    for row in hit.itertuples():
        f = minute_frame(sim, row.slo, row.region)
        left = rolling_budget_remaining(f["good"], f["total"], specs[row.slo].slo_target, period_days)
        out[f"{row.slo} ({row.region})"] = left.loc[idx].to_numpy()
    days = pd.Index((idx - rec.impact_start) / pd.Timedelta(days=1), name="days_from_impact_start")
    return pd.DataFrame(out, index=days)


def policy_decisions(figures: Iterable[IncidentFigures]) -> pd.DataFrame:
    """What the error-budget policy required after each incident (index: incident id): ``severity``,
    ``top_budget_share`` (largest share of any budget spent, fraction), ``budget_left_after`` (lowest rolling
    budget left just after mitigation, fraction) and ``actions`` (comma-separated, ``"none"`` when none).

    >>> from types import SimpleNamespace as N
    >>> f = N(id="X", severity="sev1", top_budget_share=1.3, budget_left_after=-0.4, actions=("postmortem", "freeze"))
    >>> policy_decisions([f]).loc["X", "actions"]
    'postmortem, freeze'
    """
    return pd.DataFrame([{"incident": f.id, "severity": f.severity, "top_budget_share": f.top_budget_share,
                          "budget_left_after": f.budget_left_after, "actions": ", ".join(f.actions) or "none"}
                         for f in figures], columns=["incident", "severity", "top_budget_share", "budget_left_after",
                                                     "actions"]).set_index("incident")


def postmortems_required(figures: Iterable[IncidentFigures]) -> int:
    """How many incidents the error-budget policy required a postmortem for (a count).

    >>> from types import SimpleNamespace as N
    >>> postmortems_required([N(actions=("postmortem", "freeze")), N(actions=()), N(actions=("postmortem",))])
    2
    """
    return sum("postmortem" in f.actions for f in figures)


def freeze_after(windows: pd.DataFrame, service: str, at: pd.Timestamp) -> pd.Series:
    """The first freeze window (a row of :func:`freeze_windows`) of ``service`` that starts at or after ``at``.
    Raises ``PlaybookError`` naming the service when there is none.

    >>> t = pd.Timestamp("2025-09-01", tz="UTC"); d = pd.Timedelta(days=1)
    >>> w = pd.DataFrame({"service": ["api", "api"], "start": [t - d, t + d], "end": [t, t + 3 * d], "days": [1.0, 2.0]})
    >>> float(freeze_after(w, "api", t)["days"])
    2.0
    """
    later = windows[(windows["service"] == service) & (windows["start"] >= at)]
    if later.empty:
        raise PlaybookError(f"freeze_after: no freeze of service {service!r} starts at or after {at}")
    return later.iloc[0]


def freeze_windows_frame(windows: pd.DataFrame) -> pd.DataFrame:
    """:func:`freeze_windows` for a table: indexed by the frozen service, ``start`` and ``end`` as
    ``YYYY-MM-DD HH:MM`` (UTC) text; ``slo``, ``region``, ``days`` and ``min_remaining`` as they are.

    >>> t = pd.Timestamp("2025-09-01 06:00", tz="UTC")
    >>> w = pd.DataFrame({"service": ["api"], "slo": ["a"], "region": ["r"], "start": [t], "end": [t],
    ...                   "days": [0.0], "min_remaining": [-0.1]})
    >>> freeze_windows_frame(w).loc["api", "start"]
    '2025-09-01 06:00'
    """
    return windows.assign(start=windows["start"].dt.strftime("%Y-%m-%d %H:%M"),
                          end=windows["end"].dt.strftime("%Y-%m-%d %H:%M")).set_index("service")


def postmortem_numbers(figures: IncidentFigures) -> dict[str, float | int | str]:
    """The numbers a postmortem quotes about one incident, by name.

    With an SLI impact (a ``primary_slo``): the clocks ``ttd``, ``tta``, ``ttm``, ``ttr`` (minutes), ``top_slo``
    (``"<slo> (<region>)"``), ``top_share_pct`` (percent of that budget), ``bad_events`` (count) and ``bad_label``
    (what a bad event is). Without one (users saw nothing, found days later): ``ttd_days``, ``ttm_days``,
    ``ttr_days`` (days = minutes / 1440).

    >>> from types import SimpleNamespace as N
    >>> postmortem_numbers(N(primary_slo="", ttd_min=2880.0, tta_min=60.0, ttm_min=4320.0, ttr_min=7200.0))
    {'ttd_days': 2.0, 'ttm_days': 3.0, 'ttr_days': 5.0}
    """
    clocks = {c: float(getattr(figures, f"{c}_min")) for c in ("ttd", "tta", "ttm", "ttr")}
    if not figures.primary_slo:
        return {f"{c}_days": clocks[c] / MINUTES_PER_DAY for c in ("ttd", "ttm", "ttr")}
    return {**clocks, "top_slo": f"{figures.top_slo} ({figures.top_region})",
            "top_share_pct": 100 * figures.top_budget_share, "bad_events": int(figures.bad_events),
            "bad_label": figures.bad_event_label}
