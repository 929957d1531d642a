"""The canonical facts of DataFlow Platform, read from ``data/system.yml``.

=========================  ==========================================================
``load_system()``          the whole file as a validated, frozen :class:`System`
``System.target(id)``      one success metric (:class:`Target`)
``System.era_of(ts)``      the era a timestamp falls in
``System.month_start(m)``  the first day of story month ``m`` (month 0 = programme start)
``data_dir()``             the repository's ``data/`` folder
=========================  ==========================================================

Nothing here computes a result; it only reads and checks the facts so every other module, the
generators and the notebooks share one copy of them.
"""

from __future__ import annotations

import datetime as dt
import functools
import operator
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from dfp.core.errors import PlaybookError
from dfp.core.paths import data_dir
from dfp.io.yamlfile import check_shape, load_yaml

__all__ = [
    "SHAPE",
    "Era",
    "Incident",
    "Region",
    "System",
    "Target",
    "load_system",
]

_OPS: dict[str, Callable[[float, float], bool]] = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}


@dataclass(frozen=True)
class Target:
    """One of the owner's success metrics: ``measured <op> value`` must hold."""

    id: str
    category: str
    metric: str
    op: str
    value: float
    unit: str

    def met_by(self, measured: float) -> bool:
        """Whether a measured value (in this target's ``unit``) satisfies the target."""
        return bool(_OPS[self.op](float(measured), float(self.value)))

    @property
    def label(self) -> str:
        """The target as a short human string, e.g. ``< 500 ms``."""
        return f"{self.op} {self.value:g} {self.unit}"


@dataclass(frozen=True)
class Era:
    """A period of the story, inclusive of both month indices."""

    id: str
    name: str
    first_month: int
    last_month: int
    focus: str
    start: pd.Timestamp
    end: pd.Timestamp  # exclusive: the first instant after the era


@dataclass(frozen=True)
class Region:
    """An AWS region the platform runs in."""

    id: str
    role: str
    live_from: pd.Timestamp


@dataclass(frozen=True)
class Incident:
    """An entry of the incident calendar; the impact window is UTC, end exclusive."""

    id: str
    slug: str
    title: str
    kind: str
    severity: str
    impact_start: pd.Timestamp
    impact_end: pd.Timestamp
    regions: tuple[str, ...]
    services: tuple[str, ...]
    trigger: str

    @property
    def duration_min(self) -> float:
        """Impact duration in minutes."""
        return (self.impact_end - self.impact_start).total_seconds() / 60.0

    @property
    def critical(self) -> bool:
        """Whether it counts against the critical-incidents-per-quarter target."""
        return self.severity == "sev1"


@dataclass(frozen=True)
class System:
    """Validated contents of ``system.yml``. ``raw`` keeps the parsed mapping for free-form keys."""

    raw: Mapping[str, Any]
    start: pd.Timestamp
    months: int
    eras: tuple[Era, ...]
    regions: tuple[Region, ...]
    targets: tuple[Target, ...]
    incidents: tuple[Incident, ...]

    @property
    def name(self) -> str:
        return str(self.raw["system"]["name"])

    @property
    def end(self) -> pd.Timestamp:
        """The first instant after the story (exclusive end)."""
        return self.month_start(self.months)

    @property
    def team(self) -> Mapping[str, Any]:
        return self.raw["team"]

    @property
    def constraints(self) -> Mapping[str, Any]:
        return self.raw["constraints"]

    @property
    def pricing(self) -> Mapping[str, Any]:
        return self.raw["pricing"]

    @property
    def sample(self) -> Mapping[str, Any]:
        """The seeded generator's assumptions (fictional sample data)."""
        return self.raw["sample_data"]

    @property
    def starting_problems(self) -> list[Mapping[str, Any]]:
        return list(self.raw["starting_problems"])

    def month_start(self, month: int) -> pd.Timestamp:
        """First instant (UTC) of story month ``month``; month 0 is the programme start."""
        return self.start + pd.DateOffset(months=int(month))

    def month_of(self, ts: pd.Timestamp | str) -> int:
        """Story month index of a timestamp (negative before the start)."""
        t = _utc(ts)
        return (t.year - self.start.year) * 12 + (t.month - self.start.month)

    def target(self, target_id: str) -> Target:
        """The success metric with this id; raises if there is none."""
        for t in self.targets:
            if t.id == target_id:
                return t
        raise PlaybookError(f"system.yml has no target with id {target_id!r}")

    def era(self, era_id: str) -> Era:
        """The era with this id; raises if there is none."""
        for e in self.eras:
            if e.id == era_id:
                return e
        raise PlaybookError(f"system.yml has no era with id {era_id!r}")

    def era_of(self, ts: pd.Timestamp | str) -> Era:
        """The era a timestamp falls in; raises outside the story."""
        t = _utc(ts)
        for e in self.eras:
            if e.start <= t < e.end:
                return e
        raise PlaybookError(f"timestamp {t} is outside the story ({self.start} to {self.end})")

    def region(self, region_id: str) -> Region:
        for r in self.regions:
            if r.id == region_id:
                return r
        raise PlaybookError(f"system.yml has no region with id {region_id!r}")

    def incident(self, key: str) -> Incident:
        """The incident with this id (``INC-01``) or slug (``hot-partition``)."""
        for i in self.incidents:
            if key in (i.id, i.slug):
                return i
        raise PlaybookError(f"system.yml has no incident {key!r}")


def _utc(ts: pd.Timestamp | str | dt.date) -> pd.Timestamp:
    t = pd.Timestamp(ts)
    return t.tz_localize("UTC") if t.tzinfo is None else t.tz_convert("UTC")


def _require(mapping: Mapping[str, Any], key: str, where: str, path: Path) -> Any:
    if not isinstance(mapping, Mapping) or key not in mapping:
        raise PlaybookError(f"{path.name}: missing field {where}{key}")
    return mapping[key]


def _timestamp(value: Any, where: str, path: Path) -> pd.Timestamp:
    try:
        return _utc(value)
    except (ValueError, TypeError) as exc:
        raise PlaybookError(f"{path.name}: {where} is not a timestamp: {value!r}") from exc


_N = float  # any number (an int or a float; not a boolean)
_ERA_NUMBERS = {"mvp": _N, "full-platform": _N, "scale": _N}
_ERA_RANGES = {"mvp": "number-list", "full-platform": "number-list", "scale": "number-list"}
_STRATEGIES = {"manual": _N, "rolling": _N, "canary": _N}
_SEVERITIES = {"critical": _N, "high": _N, "medium": _N, "low": _N}

#: The types of every field of ``system.yml`` the package reads (see :func:`dfp.io.yamlfile.check_shape`).
SHAPE: dict[str, Any] = {
    "system": {"name": str, "kind": str, "owner": str, "summary": str, "in_scope": "str-list",
               "out_of_scope": "str-list"},
    "starting_problems": [{"id": str, "title": str, "evidence": "str-list"}],
    "timeline": {"start": "date", "months": int, "legacy_baseline_months": int},
    "eras": [{"id": str, "name": str, "first_month": int, "last_month": int, "focus?": str}],
    "regions": [{"id": str, "role?": str, "live_from": "date"}],
    "team": {"platform_engineers_min": int, "platform_engineers_max": int, "engineering_org_min": int,
             "engineering_org_max": int, "dedicated_oncall_rotation": bool, "working_hours_per_week": _N,
             "strengths": "str-list", "gaps": "str-list"},
    "constraints": {"cloud": str, "managed_services": "str-list", "must_integrate": "str-list",
                    "regulatory": "str-list", "delivery": "str-list", "mvp_deadline_months": _N,
                    "full_platform_deadline_months": _N, "api_compatibility_months": _N,
                    "planned_maintenance_max_h_per_month": _N, "dsr_deadline_days": _N,
                    "audit_log_retention_days": _N},
    "targets": [{"id": str, "category": str, "metric": str, "op": str, "value": _N, "unit": str}],
    "incidents": [{"id": str, "slug": str, "title": str, "kind": str, "severity": str, "impact_start": "timestamp",
                   "impact_end": "timestamp", "regions": "str-list", "services": "str-list", "trigger?": str}],
    "pricing": {"mid-market": "number-map", "enterprise": "number-map",
                "sla_credit": [{"below_availability": _N, "credit_ratio": _N}]},
    "sample_data": {
        "seed": int, "initial_customers": "number-map",
        "new_customers_per_month": {"mvp": "number-map", "full-platform": "number-map", "scale": "number-map"},
        "median_events_per_day": "number-map", "size_sigma": _N, "ramp_days": "number-map",
        "organic_growth_per_month": _N, "churn_per_month": "number-map", "eu_share_of_new_customers": _N,
        "weekend_factor": _N, "daily_noise_sigma": _N, "mean_events_per_api_request": _N, "mean_event_bytes": _N,
        "read_requests_per_million_events": _N,
        "large_tenant": {"signup": "date", "events_per_day": _N, "region": str},
        "diurnal": object, "hourly_noise_sigma": _N, "legacy": "number-map",
        "delivery": {
            "services": "number-map", "deploys_per_week": _ERA_RANGES, "weekend_factor": _N,
            "commits_per_deploy_mean": _ERA_NUMBERS, "no_change_deploy_ratio": _N,
            "lead_time_median_h": _ERA_NUMBERS, "lead_time_sigma": _ERA_NUMBERS,
            "change_failure_ratio": _ERA_NUMBERS, "detect_min": _STRATEGIES, "rollback_min": _STRATEGIES,
            "canary_from": "date", "canary_share": _N, "freeze_rate_factor": _N, "reliability_work_ratio": _N,
            "baseline_processing_error_ratio": _N,
        },
        "security": {
            "findings_per_month": {k: "number-list" for k in _SEVERITIES}, "critical_fix_median_h": _ERA_NUMBERS,
            "fix_sigma": _N, "severity_fix_factor": _SEVERITIES, "dsr_per_month": _ERA_NUMBERS,
            "dsr_median_days": _ERA_NUMBERS, "dsr_sigma": _N,
        },
    },
}


def parse_system(raw: Mapping[str, Any], path: Path) -> System:
    """Validate a parsed ``system.yml`` mapping; errors name the file and the field.

    Every field the package reads must be present with its type (:data:`SHAPE`), so a typo or a
    quoted number fails here, naming the file and the key, not later inside a calculation.
    """
    check_shape(raw, SHAPE, path.name)
    for key in ("system", "timeline", "eras", "regions", "team", "constraints", "targets",
                "incidents", "pricing", "sample_data", "starting_problems"):
        _require(raw, key, "", path)
    timeline = raw["timeline"]
    start = _timestamp(_require(timeline, "start", "timeline.", path), "timeline.start", path)
    months = int(_require(timeline, "months", "timeline.", path))
    if months < 1:
        raise PlaybookError(f"{path.name}: timeline.months must be >= 1; got {months}")

    eras: list[Era] = []
    expected_first = 0
    for i, e in enumerate(raw["eras"]):
        first = int(_require(e, "first_month", f"eras[{i}].", path))
        last = int(_require(e, "last_month", f"eras[{i}].", path))
        if first != expected_first or last < first:
            raise PlaybookError(
                f"{path.name}: eras[{i}] must start at month {expected_first} and end at or after it;"
                f" got {first}..{last}"
            )
        expected_first = last + 1
        eras.append(Era(
            id=str(_require(e, "id", f"eras[{i}].", path)),
            name=str(_require(e, "name", f"eras[{i}].", path)),
            first_month=first,
            last_month=last,
            focus=str(e.get("focus", "")),
            start=start + pd.DateOffset(months=first),
            end=start + pd.DateOffset(months=last + 1),
        ))
    if expected_first != months:
        raise PlaybookError(f"{path.name}: eras must cover months 0..{months - 1}; they end at {expected_first - 1}")

    regions = tuple(
        Region(
            id=str(_require(r, "id", f"regions[{i}].", path)),
            role=str(r.get("role", "")),
            live_from=_timestamp(_require(r, "live_from", f"regions[{i}].", path), f"regions[{i}].live_from", path),
        )
        for i, r in enumerate(raw["regions"])
    )

    targets: list[Target] = []
    seen: set[str] = set()
    for i, t in enumerate(raw["targets"]):
        tid = str(_require(t, "id", f"targets[{i}].", path))
        op = str(_require(t, "op", f"targets[{i}].", path))
        if op not in _OPS:
            raise PlaybookError(f"{path.name}: targets[{i}].op must be one of {sorted(_OPS)}; got {op!r}")
        if tid in seen:
            raise PlaybookError(f"{path.name}: targets[{i}].id {tid!r} is duplicated")
        seen.add(tid)
        value = _require(t, "value", f"targets[{i}].", path)
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise PlaybookError(f"{path.name}: targets[{i}].value must be a number; got {value!r}")
        targets.append(Target(
            id=tid,
            category=str(_require(t, "category", f"targets[{i}].", path)),
            metric=str(_require(t, "metric", f"targets[{i}].", path)),
            op=op,
            value=float(value),
            unit=str(_require(t, "unit", f"targets[{i}].", path)),
        ))

    incidents: list[Incident] = []
    for i, inc in enumerate(raw["incidents"]):
        where = f"incidents[{i}]"
        s = _timestamp(_require(inc, "impact_start", where + ".", path), where + ".impact_start", path)
        e = _timestamp(_require(inc, "impact_end", where + ".", path), where + ".impact_end", path)
        if not s < e:
            raise PlaybookError(f"{path.name}: {where}.impact_end must be after impact_start; got {s} .. {e}")
        sev = str(_require(inc, "severity", where + ".", path))
        if sev not in ("sev1", "sev2", "sev3"):
            raise PlaybookError(f"{path.name}: {where}.severity must be sev1, sev2 or sev3; got {sev!r}")
        incidents.append(Incident(
            id=str(_require(inc, "id", where + ".", path)),
            slug=str(_require(inc, "slug", where + ".", path)),
            title=str(_require(inc, "title", where + ".", path)),
            kind=str(_require(inc, "kind", where + ".", path)),
            severity=sev,
            impact_start=s,
            impact_end=e,
            regions=tuple(_require(inc, "regions", where + ".", path)),
            services=tuple(_require(inc, "services", where + ".", path)),
            trigger=str(inc.get("trigger", "")),
        ))
    end = start + pd.DateOffset(months=months)
    for inc in incidents:
        if not start <= inc.impact_start < end:
            raise PlaybookError(f"{path.name}: incident {inc.id} starts outside the story: {inc.impact_start}")
    return System(
        raw=raw,
        start=start,
        months=months,
        eras=tuple(eras),
        regions=regions,
        targets=tuple(targets),
        incidents=tuple(sorted(incidents, key=lambda x: x.impact_start)),
    )


@functools.cache
def _load_cached(path: str, mtime_ns: int) -> System:
    p = Path(path)
    raw = load_yaml(p)
    if not isinstance(raw, Mapping):
        raise PlaybookError(f"{p.name}: expected a mapping at the top level")
    return parse_system(raw, p)


def load_system(path: Path | str | None = None) -> System:
    """Read and validate ``system.yml`` (default: the repository's ``data/system.yml``).

    Raises:
        PlaybookError: the file is missing, or a field is missing or out of range; the message
            names the file and the field.
    """
    p = Path(path) if path is not None else data_dir() / "system.yml"
    if not p.is_file():
        raise PlaybookError(f"system facts file not found: {p}")
    return _load_cached(str(p.resolve()), p.stat().st_mtime_ns)
