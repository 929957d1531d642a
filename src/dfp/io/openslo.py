"""Load and validate OpenSLO v1 documents: the platform's ``data/slos/*.yaml`` and a reader's own files.

==========================  ================================================================
``load_openslo``             every document in some files or folders, references resolved (an ``OpenSlo``)
``load_slos``                the SLOs of a folder (default ``data/slos``), sorted by name
``parse_slo``                validate one SLO document that needs no other document
``parse_duration_min``       an OpenSLO duration shorthand (``30d``, ``4w``, ``1M``) in minutes
``OpenSlo``                  one loaded set: services, data sources, SLIs, alert policies, SLOs ...
``SloSpec``                  one validated SLO (indicator, time window, budgeting method, objectives)
``Indicator``, ``Metric``    its SLI: a ratio (good or bad over total, or a raw ratio) or a threshold metric
``Objective``                one objective: target, op/value, time-slice target and window
``TimeWindow``               rolling or calendar-aligned (start and IANA time zone kept); ``bounds(at)``
``AlertPolicy``              an alert policy with its ``AlertCondition`` and ``AlertNotificationTarget``
==========================  ================================================================

What is read (OpenSLO v1, github.com/OpenSLO/OpenSLO, README "Specification"):

- kinds ``Service``, ``DataSource``, ``SLI``, ``SLO``, ``AlertPolicy``, ``AlertCondition``,
  ``AlertNotificationTarget``, in any number of YAML documents per file;
- an SLO's ``indicator`` inline or ``indicatorRef`` to an SLI document; a metric's
  ``metricSourceRef`` to a DataSource (whose ``type`` it inherits); ``spec.service`` must name a
  Service document when the set has any;
- ``ratioMetric`` (``good`` or ``bad`` with ``total``, or ``raw`` with ``rawType``; ``counter``
  kept as given) and ``thresholdMetric`` (one objective with ``op`` and ``value``);
- objectives with ``target`` in (0, 1) or ``targetPercent`` in (0, 100), ``timeSliceTarget``,
  ``timeSliceWindow`` (a duration, or a number of minutes);
- budgeting methods ``Occurrences``, ``Timeslices`` (needs both time-slice fields) and
  ``RatioTimeslices`` (needs ``timeSliceWindow``);
- one time window: rolling, or calendar-aligned with ``calendar.startTime`` and ``timeZone`` (with
  a calendar, ``isRolling`` defaults to false); ``M``/``Q``/``Y`` windows are calendar months,
  quarters and years and need ``isRolling: false``;
- alert policies inline or by ``alertPolicyRef``, their one condition inline or by ``conditionRef``,
  notification targets inline or by ``targetRef``.

What the playbook does not support raises :class:`~dfp.core.errors.PlaybookError` naming the file,
the document and the field: other API versions, composite SLOs (an objective with its own
indicator), windows under one day (``1m`` is one minute; a month is ``1M``) or over a year, and
contradictions (``isRolling: true`` with a calendar, both ``target`` and ``targetPercent``).
Nothing is reinterpreted silently: a field that is present is either used as the spec defines it
or rejected. Units: every window and duration is in minutes (``*_min``), the SLO period in days
(``period_days``; nominal for calendar windows: a month counts 30 days, a quarter 90, a year 365).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import pandas as pd

from dfp.core.errors import PlaybookError
from dfp.core.paths import data_dir
from dfp.io.yamlfile import load_yaml_all

__all__ = [
    "KINDS",
    "AlertCondition",
    "AlertPolicy",
    "DataSource",
    "Indicator",
    "Metric",
    "NotificationTarget",
    "Objective",
    "OpenSlo",
    "Service",
    "SloSpec",
    "TimeWindow",
    "load_openslo",
    "load_slos",
    "parse_duration_min",
    "parse_slo",
]

KINDS = ("Service", "DataSource", "SLI", "SLO", "AlertPolicy", "AlertCondition", "AlertNotificationTarget")
METHODS = ("Occurrences", "Timeslices", "RatioTimeslices")
OPS = ("lt", "lte", "gt", "gte")

_DURATION = re.compile(r"^([1-9][0-9]*)([mhdwMQY])$")
_UNIT_MIN = {"m": 1, "h": 60, "d": 1440, "w": 10080, "M": 30 * 1440, "Q": 90 * 1440, "Y": 365 * 1440}
_NAME = re.compile(r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$")


def parse_duration_min(text: object, where: str = "duration") -> float:
    """An OpenSLO duration shorthand in minutes (``M``, ``Q``, ``Y`` nominal: 30, 90 and 365 days).

    >>> parse_duration_min("30d"), parse_duration_min("4w"), parse_duration_min("5m"), parse_duration_min("1M")
    (43200.0, 40320.0, 5.0, 43200.0)
    """
    m = _DURATION.match(str(text))
    if not m or isinstance(text, bool):
        raise PlaybookError(f"{where}: unknown window {text!r}; expected <n><m|h|d|w|M|Q|Y>, e.g. 30d or 4w")
    return float(int(m.group(1)) * _UNIT_MIN[m.group(2)])


@dataclass(frozen=True)
class Service:
    """A ``Service`` document."""

    name: str
    display_name: str
    description: str


@dataclass(frozen=True)
class DataSource:
    """A ``DataSource`` document: a named metric source type (connection details are not kept)."""

    name: str
    type: str
    description: str


@dataclass(frozen=True)
class Metric:
    """One ``metricSource``: its type (own or the referenced DataSource's), the reference, the query."""

    type: str
    query: str
    source_ref: str = ""


@dataclass(frozen=True)
class Indicator:
    """An SLI.

    Attributes:
        name, display_name, description: from its metadata/spec.
        kind: ``ratio`` or ``threshold``.
        good, bad, total: ratio metrics (exactly one of good/bad with total), or None.
        raw, raw_type: a precomputed ratio and whether it counts ``success`` or ``failure``.
        counter: ``ratioMetric.counter`` as given (None when absent).
        threshold: the ``thresholdMetric``, or None.
    """

    name: str
    display_name: str
    description: str
    kind: str
    good: Metric | None = None
    bad: Metric | None = None
    total: Metric | None = None
    raw: Metric | None = None
    raw_type: str = ""
    counter: bool | None = None
    threshold: Metric | None = None


@dataclass(frozen=True)
class Objective:
    """One objective of an SLO.

    Attributes:
        display_name: its title.
        target: fraction in (0, 1) (``targetPercent`` / 100 when given that way).
        op, value: threshold-metric comparison (``lt``/``lte``/``gt``/``gte``) and value; for a
            ratio objective with time slices, ``op`` compares a slice's good ratio with
            ``time_slice_target`` (default ``gte``).
        time_slice_target: fraction a slice must reach to count as good (Timeslices), or None.
        time_slice_window_min: slice length (minutes) for Timeslices/RatioTimeslices, or None.
    """

    display_name: str
    target: float
    op: str = ""
    value: float | None = None
    time_slice_target: float | None = None
    time_slice_window_min: float | None = None


@dataclass(frozen=True)
class TimeWindow:
    """The SLO's time window.

    Attributes:
        duration: the shorthand as written (``30d``, ``1w``, ``1M``).
        duration_min: its nominal length (minutes).
        rolling: True for a rolling window, False for a calendar-aligned one.
        calendar_start: local wall-clock start of one window (naive), calendar windows only.
        time_zone: IANA zone of ``calendar_start`` (``UTC`` when not given), calendar windows only.
    """

    duration: str
    duration_min: float
    rolling: bool
    calendar_start: pd.Timestamp | None = None
    time_zone: str = ""

    def _step(self, k: int) -> pd.Timestamp:
        n, unit = int(self.duration[:-1]), self.duration[-1]
        assert self.calendar_start is not None
        start = self.calendar_start.tz_localize(self.time_zone or "UTC", nonexistent="raise", ambiguous="raise")
        if unit in ("m", "h"):
            return start + pd.Timedelta(minutes=k * self.duration_min)
        months = {"M": n, "Q": 3 * n, "Y": 12 * n}.get(unit)
        if months is not None:
            return start + pd.DateOffset(months=months * k)
        return start + pd.DateOffset(days=k * int(self.duration_min // 1440))  # wall-clock days across DST

    def bounds(self, at: pd.Timestamp) -> tuple[pd.Timestamp, pd.Timestamp]:
        """The window that contains instant ``at`` (tz-aware), as UTC ``[start, end)``.

        A rolling window ends at ``at``; a calendar window is the one of the sequence
        ``calendar_start + k x duration`` (in its time zone's wall clock) that contains ``at``.

        >>> w = TimeWindow("1w", 10080.0, False, pd.Timestamp("2022-01-01 12:00"), "America/New_York")
        >>> [str(t) for t in w.bounds(pd.Timestamp("2022-03-14", tz="UTC"))]
        ['2022-03-12 17:00:00+00:00', '2022-03-19 16:00:00+00:00']
        """
        at = pd.Timestamp(at)
        if at.tzinfo is None:
            raise PlaybookError(f"TimeWindow.bounds: 'at' must be time-zone aware; got {at}")
        if self.rolling:
            return (at - pd.Timedelta(minutes=self.duration_min)).tz_convert("UTC"), at.tz_convert("UTC")
        k = int((at - self._step(0)) / pd.Timedelta(minutes=self.duration_min))
        while self._step(k) > at:
            k -= 1
        while self._step(k + 1) <= at:
            k += 1
        return self._step(k).tz_convert("UTC"), self._step(k + 1).tz_convert("UTC")


@dataclass(frozen=True)
class AlertCondition:
    """A burn-rate ``AlertCondition``: alert when burn ``op threshold`` over ``lookback_window_min``
    has held ``alert_after_min`` minutes."""

    name: str
    severity: str
    op: str
    threshold: float
    lookback_window_min: float
    alert_after_min: float
    description: str = ""


@dataclass(frozen=True)
class NotificationTarget:
    """An ``AlertNotificationTarget``: where notifications go (``email``, ``slack`` ...)."""

    name: str
    target: str
    description: str = ""


@dataclass(frozen=True)
class AlertPolicy:
    """An ``AlertPolicy``: its one condition, notification targets and when it alerts."""

    name: str
    display_name: str
    description: str
    when_breaching: bool
    when_resolved: bool
    when_no_data: bool
    conditions: tuple[AlertCondition, ...]
    targets: tuple[NotificationTarget, ...]


@dataclass(frozen=True)
class SloSpec:
    """One validated SLO.

    Attributes:
        name: SLO id (``metadata.name``), DNS-label style.
        display_name: human title.
        service: the service it measures.
        description: what counts as good.
        indicator: its SLI (inline or resolved from ``indicatorRef``).
        time_window: rolling or calendar window.
        budgeting_method: ``Occurrences``, ``Timeslices`` or ``RatioTimeslices``.
        objectives: one or more objectives (one for a threshold metric).
        alert_policies: resolved alert policies (may be empty).
        target_id: the ``system.yml`` target the objective implements (annotation ``dfp.io/target-id``).
        runbook: runbook page name (annotation ``dfp.io/runbook``), or ``""``.
        file: the file it came from (for messages).
    """

    name: str
    display_name: str
    service: str
    description: str
    indicator: Indicator
    time_window: TimeWindow
    budgeting_method: str
    objectives: tuple[Objective, ...]
    alert_policies: tuple[AlertPolicy, ...] = ()
    target_id: str = ""
    runbook: str = ""
    file: str = ""

    def _single(self, what: str) -> Objective:
        if len(self.objectives) != 1:
            raise PlaybookError(f"{self.file} (SLO {self.name}): {what} needs one objective; it has "
                                f"{len(self.objectives)}: use SloSpec.objectives or SloSpec.for_objective(i)")
        return self.objectives[0]

    @property
    def slo_target(self) -> float:
        """The objective's target, fraction in (0, 1) (an SLO with several objectives raises)."""
        return self._single("slo_target").target

    @property
    def error_budget_ratio(self) -> float:
        """``1 - slo_target``."""
        return 1.0 - self.slo_target

    @property
    def period_days(self) -> float:
        """The SLO period (days): the window's nominal length."""
        return self.time_window.duration_min / 1440.0

    @property
    def rolling(self) -> bool:
        """Rolling (True) or calendar-aligned (False) window."""
        return self.time_window.rolling

    def _query(self, m: Metric | None) -> str:
        return m.query if m is not None else ""

    @property
    def good_query(self) -> str:
        """The good-events query, or ``""``."""
        return self._query(self.indicator.good)

    @property
    def bad_query(self) -> str:
        """The bad-events query, or ``""``."""
        return self._query(self.indicator.bad)

    @property
    def total_query(self) -> str:
        """The total-events query, or ``""``."""
        return self._query(self.indicator.total)

    def for_objective(self, i: int) -> SloSpec:
        """This SLO with only objective ``i`` (named ``<name>`` for one objective, ``<name>-<i>`` otherwise)."""
        name = self.name if len(self.objectives) == 1 else f"{self.name}-{i}"
        return replace(self, name=name, objectives=(self.objectives[i],))


@dataclass(frozen=True)
class OpenSlo:
    """Every document of a loaded set, by kind and name (SLOs with their references resolved)."""

    services: Mapping[str, Service] = field(default_factory=dict)
    data_sources: Mapping[str, DataSource] = field(default_factory=dict)
    slis: Mapping[str, Indicator] = field(default_factory=dict)
    alert_policies: Mapping[str, AlertPolicy] = field(default_factory=dict)
    alert_conditions: Mapping[str, AlertCondition] = field(default_factory=dict)
    notification_targets: Mapping[str, NotificationTarget] = field(default_factory=dict)
    slos: Mapping[str, SloSpec] = field(default_factory=dict)


# ----------------------------------------------------------------------------------------------
# field access with messages that name the file, the document and the field


class _Doc:
    """A document being validated: its file, a label for messages, and typed field access."""

    def __init__(self, raw: Any, fname: str, label: str = "") -> None:
        self.raw, self.fname, self.label = raw, fname, label

    def where(self) -> str:
        return f"{self.fname} ({self.label})" if self.label else self.fname

    def fail(self, path: str, msg: str) -> PlaybookError:
        return PlaybookError(f"{self.where()}: field {path!r} {msg}")

    def get(self, path: str, kind: type | tuple[type, ...] = object, required: bool = True, node: Any = None,
            base: str = "") -> Any:
        cur = self.raw if node is None else node
        for part in path.split("."):
            if not isinstance(cur, dict) or part not in cur or cur[part] is None:
                if required:
                    raise self.fail(base + path, "is missing")
                return None
            cur = cur[part]
        if isinstance(cur, bool) and kind in (int, float, (int, float)):
            raise self.fail(base + path, f"must be a number; got {cur!r}")
        if not isinstance(cur, kind):
            raise self.fail(base + path, f"has the wrong type; got {cur!r}")
        return cur


def _header(raw: Any, fname: str, kind: str | None = None) -> tuple[str, _Doc]:
    if not isinstance(raw, dict):
        raise PlaybookError(f"{fname}: a document must be a mapping; got {type(raw).__name__}")
    if raw.get("apiVersion") != "openslo/v1":
        raise PlaybookError(f"{fname}: field 'apiVersion' must be 'openslo/v1' (the version the playbook reads); "
                            f"got {raw.get('apiVersion')!r}")
    k = raw.get("kind")
    if k not in KINDS or (kind is not None and k != kind):
        want = [kind] if kind else list(KINDS)
        raise PlaybookError(f"{fname}: field 'kind' must be one of {want}; got {k!r}")
    doc = _Doc(raw, fname)
    name = doc.get("metadata.name", str)
    if not _NAME.match(name):
        raise PlaybookError(f"{fname}: field 'metadata.name' must be a DNS label (lower-case letters, digits, "
                            f"'-', at most 63); got {name!r}")
    doc.label = f"{k} {name}"
    return name, doc


def _text(doc: _Doc, path: str) -> str:
    return " ".join(str(doc.get(path, str, required=False) or "").split())


def _inline(raw: Any, parent: _Doc, kind: str, path: str) -> tuple[str, _Doc]:
    """An inlined document (a policy's condition, an SLO's policy): apiVersion/kind optional."""
    if not isinstance(raw, dict):
        raise parent.fail(path, f"must be an inline {kind} or a reference; got {raw!r}")
    full = {"apiVersion": "openslo/v1", "kind": kind, **raw}
    if full.get("kind") != kind:
        raise parent.fail(f"{path}.kind", f"must be {kind!r}; got {full.get('kind')!r}")
    name, doc = _header(full, parent.fname, kind)
    doc.label = f"{parent.label}, {path}: {kind} {name}"
    return name, doc


# ----------------------------------------------------------------------------------------------
# kinds


def _metric(doc: _Doc, node: Any, path: str, sources: Mapping[str, DataSource]) -> Metric:
    src = doc.get("metricSource", dict, node=node, base=path + ".")
    ref = src.get("metricSourceRef")
    typ = src.get("type")
    if ref is not None:
        if ref not in sources:
            raise doc.fail(f"{path}.metricSource.metricSourceRef", f"names no DataSource document; got {ref!r}")
        if typ is not None and typ != sources[ref].type:
            raise doc.fail(f"{path}.metricSource.type",
                           f"{typ!r} contradicts DataSource {ref!r} of type {sources[ref].type!r}")
        typ = sources[ref].type
    if not isinstance(typ, str) or not typ:
        raise doc.fail(f"{path}.metricSource.type", "is missing (and no metricSourceRef names a DataSource)")
    spec = doc.get("spec", dict, node=src, base=f"{path}.metricSource.")
    query = spec.get("query")
    return Metric(typ, " ".join(str(query).split()) if query is not None else "", str(ref or ""))


def _indicator(name: str, doc: _Doc, node: Any, sources: Mapping[str, DataSource]) -> Indicator:
    """``node`` is the SLI's mapping with ``metadata`` and ``spec``."""
    spec = doc.get("spec", dict, node=node)
    meta = node.get("metadata") or {}
    disp, desc = str(meta.get("displayName", name)), " ".join(str(spec.get("description", "")).split())
    has = [k for k in ("ratioMetric", "thresholdMetric") if spec.get(k) is not None]
    if len(has) != 1:
        raise doc.fail("spec", f"needs exactly one of ratioMetric/thresholdMetric; got {has}")
    if has[0] == "thresholdMetric":
        return Indicator(name, disp, desc, "threshold", threshold=_metric(doc, spec["thresholdMetric"],
                                                                           "spec.thresholdMetric", sources))
    ratio = doc.get("ratioMetric", dict, node=spec, base="spec.")
    base = "spec.ratioMetric"
    counter = ratio.get("counter")
    if counter is not None and not isinstance(counter, bool):
        raise doc.fail(f"{base}.counter", f"must be true or false; got {counter!r}")
    if ratio.get("raw") is not None:
        extra = [k for k in ("good", "bad", "total") if ratio.get(k) is not None]
        if extra:
            raise doc.fail(f"{base}.raw", f"cannot be used with {extra}")
        raw_type = ratio.get("rawType")
        if raw_type not in ("success", "failure"):
            raise doc.fail(f"{base}.rawType", f"must be 'success' or 'failure' with raw; got {raw_type!r}")
        return Indicator(name, disp, desc, "ratio", raw=_metric(doc, ratio["raw"], f"{base}.raw", sources),
                         raw_type=raw_type, counter=counter)
    if ratio.get("rawType") is not None:
        raise doc.fail(f"{base}.rawType", "is only used with raw")
    num = [k for k in ("good", "bad") if ratio.get(k) is not None]
    if len(num) != 1:
        raise doc.fail(base, f"needs exactly one of good/bad; got {num}")
    if ratio.get("total") is None:
        raise doc.fail(f"{base}.total", "is missing")
    metrics = {k: _metric(doc, ratio[k], f"{base}.{k}", sources) for k in (num[0], "total")}
    return Indicator(name, disp, desc, "ratio", good=metrics.get("good"), bad=metrics.get("bad"),
                     total=metrics["total"], counter=counter)


def _fraction(doc: _Doc, x: Any, path: str, hi: float, closed_hi: bool = False) -> float:
    if isinstance(x, bool) or not isinstance(x, int | float):
        raise doc.fail(path, f"must be a number; got {x!r}")
    ok = 0 < x <= hi if closed_hi else 0 < x < hi
    if not ok:
        raise doc.fail(path, f"must be in (0, {hi:g}{']' if closed_hi else ')'}; got {x!r}")
    return float(x)


def _objective(doc: _Doc, raw: Any, i: int, method: str, kind: str) -> Objective:
    path = f"spec.objectives[{i}]"
    if not isinstance(raw, dict):
        raise doc.fail(path, f"must be a mapping; got {raw!r}")
    for k in ("indicator", "indicatorRef", "compositeWeight"):
        if raw.get(k) is not None:
            raise doc.fail(f"{path}.{k}", "declares a composite SLO, which the playbook does not support")
    has = [k for k in ("target", "targetPercent") if raw.get(k) is not None]
    if len(has) != 1:
        raise doc.fail(path, f"needs exactly one of target/targetPercent; got {has}")
    if has[0] == "target":
        target = _fraction(doc, raw["target"], f"{path}.target", 1.0)
    else:
        target = _fraction(doc, raw["targetPercent"], f"{path}.targetPercent", 100.0) / 100.0
    op = raw.get("op")
    if op is not None and op not in OPS:
        raise doc.fail(f"{path}.op", f"must be one of {list(OPS)}; got {op!r}")
    value = raw.get("value")
    if kind == "threshold":
        if op is None or value is None:
            raise doc.fail(path, "needs op and value with a thresholdMetric")
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise doc.fail(f"{path}.value", f"must be a number; got {value!r}")
    elif value is not None:
        raise doc.fail(f"{path}.value", "is only used with a thresholdMetric")
    tst = raw.get("timeSliceTarget")
    tsw = raw.get("timeSliceWindow")
    if method == "Timeslices" and (tst is None or tsw is None):
        raise doc.fail(path, "needs timeSliceTarget and timeSliceWindow with budgetingMethod Timeslices")
    if method == "RatioTimeslices" and tsw is None:
        raise doc.fail(f"{path}.timeSliceWindow", "is missing (budgetingMethod RatioTimeslices needs it)")
    if tst is not None and method != "Timeslices":
        raise doc.fail(f"{path}.timeSliceTarget", f"is only used with Timeslices; the method is {method}")
    if tsw is not None and method == "Occurrences":
        raise doc.fail(f"{path}.timeSliceWindow", "is not used with Occurrences")
    slice_min = None
    if tsw is not None:
        if isinstance(tsw, int | float) and not isinstance(tsw, bool):
            slice_min = float(tsw)  # the spec: a bare number is minutes
            if slice_min <= 0:
                raise doc.fail(f"{path}.timeSliceWindow", f"must be positive; got {tsw!r}")
        else:
            slice_min = parse_duration_min(tsw, f"{doc.where()}: field '{path}.timeSliceWindow'")
    return Objective(
        display_name=str(raw.get("displayName", "")),
        target=target,
        op=str(op or ""),
        value=float(value) if value is not None else None,
        time_slice_target=_fraction(doc, tst, f"{path}.timeSliceTarget", 1.0, closed_hi=True) if tst is not None
        else None,
        time_slice_window_min=slice_min,
    )


def _time_window(doc: _Doc, spec: Mapping[str, Any]) -> TimeWindow:
    windows = doc.get("timeWindow", list, node=spec, base="spec.")
    if len(windows) != 1 or not isinstance(windows[0], dict):
        raise doc.fail("spec.timeWindow", f"must hold exactly one window; got {windows!r}")
    w = windows[0]
    path = "spec.timeWindow[0]"
    dur = w.get("duration")
    minutes = parse_duration_min(dur, f"{doc.where()}: field '{path}.duration'")
    if minutes < 1440:
        raise doc.fail(f"{path}.duration", f"{dur!r} is shorter than one day ('m' is minutes; a month is 'M'); "
                       "windows under one day are not supported")
    if minutes > 366 * 1440:
        raise doc.fail(f"{path}.duration", f"must be at most one year; got {dur!r}")
    cal = w.get("calendar")
    rolling = w.get("isRolling", cal is None)
    if not isinstance(rolling, bool):
        raise doc.fail(f"{path}.isRolling", f"must be true or false; got {rolling!r}")
    if rolling:
        if cal is not None:
            raise doc.fail(f"{path}.isRolling", "is true but the window has a calendar; set isRolling: false")
        if str(dur)[-1] in "MQY":
            raise doc.fail(f"{path}.duration", f"{dur!r} is a calendar window; set isRolling: false")
        return TimeWindow(str(dur), minutes, True)
    if cal is None:
        if str(dur)[-1] not in "MQY":
            raise doc.fail(f"{path}.calendar", f"is missing: a calendar {dur!r} window needs startTime and timeZone")
        return TimeWindow(str(dur), minutes, False, pd.Timestamp("1970-01-01"), "UTC")
    if not isinstance(cal, dict):
        raise doc.fail(f"{path}.calendar", f"must be a mapping; got {cal!r}")
    start_raw = cal.get("startTime")
    if isinstance(start_raw, dt.datetime | dt.date):
        start = pd.Timestamp(start_raw)
    else:
        try:
            start = pd.Timestamp(str(start_raw))
        except ValueError as exc:
            raise doc.fail(f"{path}.calendar.startTime", f"is not a date and time; got {start_raw!r}") from exc
    if start_raw is None or pd.isna(start):
        raise doc.fail(f"{path}.calendar.startTime", "is missing")
    if start.tzinfo is not None:
        raise doc.fail(f"{path}.calendar.startTime", f"must not carry a time zone (use timeZone); got {start_raw!r}")
    tz = cal.get("timeZone", "UTC")
    try:
        ZoneInfo(str(tz))
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise doc.fail(f"{path}.calendar.timeZone", f"is not an IANA time zone; got {tz!r}") from exc
    return TimeWindow(str(dur), minutes, False, start, str(tz))


def _condition(name: str, doc: _Doc) -> AlertCondition:
    cond = doc.get("spec.condition", dict)
    kind = cond.get("kind", "burnrate")
    if kind != "burnrate":
        raise doc.fail("spec.condition.kind", f"must be 'burnrate'; got {kind!r}")
    op = cond.get("op")
    if op not in OPS:
        raise doc.fail("spec.condition.op", f"must be one of {list(OPS)}; got {op!r}")
    thr = doc.get("threshold", (int, float), node=cond, base="spec.condition.")
    look = parse_duration_min(cond.get("lookbackWindow"), f"{doc.where()}: field 'spec.condition.lookbackWindow'")
    after = cond.get("alertAfter", "0m")
    after_min = 0.0 if after in ("0m", 0) else parse_duration_min(
        after, f"{doc.where()}: field 'spec.condition.alertAfter'")
    return AlertCondition(name, doc.get("spec.severity", str), op, float(thr), look, after_min,
                          _text(doc, "spec.description"))


def _target(name: str, doc: _Doc) -> NotificationTarget:
    return NotificationTarget(name, doc.get("spec.target", str), _text(doc, "spec.description"))


def _policy(name: str, doc: _Doc, conditions: Mapping[str, AlertCondition],
            targets: Mapping[str, NotificationTarget]) -> AlertPolicy:
    flags = {}
    for k in ("alertWhenBreaching", "alertWhenResolved", "alertWhenNoData"):
        v = doc.get(f"spec.{k}", bool, required=False)
        flags[k] = bool(v)
    conds_raw = doc.get("spec.conditions", list)
    if len(conds_raw) != 1:
        raise doc.fail("spec.conditions", f"must hold exactly one condition (OpenSLO v1); got {len(conds_raw)}")
    conds = []
    for i, c in enumerate(conds_raw):
        if isinstance(c, dict) and "conditionRef" in c:
            if c["conditionRef"] not in conditions:
                raise doc.fail(f"spec.conditions[{i}].conditionRef",
                               f"names no AlertCondition document; got {c['conditionRef']!r}")
            conds.append(conditions[c["conditionRef"]])
        else:
            n, d = _inline(c, doc, "AlertCondition", f"spec.conditions[{i}]")
            conds.append(_condition(n, d))
    tgts = []
    for i, t in enumerate(doc.get("spec.notificationTargets", list)):
        if isinstance(t, dict) and "targetRef" in t:
            if t["targetRef"] not in targets:
                raise doc.fail(f"spec.notificationTargets[{i}].targetRef",
                               f"names no AlertNotificationTarget document; got {t['targetRef']!r}")
            tgts.append(targets[t["targetRef"]])
        else:
            n, d = _inline(t, doc, "AlertNotificationTarget", f"spec.notificationTargets[{i}]")
            tgts.append(_target(n, d))
    return AlertPolicy(name, str(doc.raw["metadata"].get("displayName", name)), _text(doc, "spec.description"),
                       flags["alertWhenBreaching"], flags["alertWhenResolved"], flags["alertWhenNoData"],
                       tuple(conds), tuple(tgts))


def _slo(name: str, doc: _Doc, ctx: OpenSlo) -> SloSpec:
    spec = doc.get("spec", dict)
    has = [k for k in ("indicator", "indicatorRef") if spec.get(k) is not None]
    if len(has) != 1:
        raise doc.fail("spec.indicator", f"is missing: give exactly one of indicator/indicatorRef; got {has}")
    if has[0] == "indicatorRef":
        ref = spec["indicatorRef"]
        if ref not in ctx.slis:
            raise doc.fail("spec.indicatorRef", f"names no SLI document; got {ref!r}")
        ind = ctx.slis[ref]
    else:
        raw = spec["indicator"]
        if not isinstance(raw, dict):
            raise doc.fail("spec.indicator", f"must be a mapping; got {raw!r}")
        iname = doc.get("indicator.metadata.name", str, node=spec, base="spec.")
        sub = _Doc(raw, doc.fname, f"{doc.label}, indicator {iname}")
        ind = _indicator(iname, sub, raw, ctx.data_sources)
    service = doc.get("service", str, node=spec, base="spec.")
    if ctx.services and service not in ctx.services:
        raise doc.fail("spec.service", f"names no Service document of this set; got {service!r}")
    window = _time_window(doc, spec)
    method = spec.get("budgetingMethod")
    if method not in METHODS:
        raise doc.fail("spec.budgetingMethod", f"must be one of {list(METHODS)}; got {method!r}")
    objs_raw = doc.get("objectives", list, node=spec, base="spec.")
    if not objs_raw:
        raise doc.fail("spec.objectives", "must hold at least one objective")
    if ind.kind == "threshold" and len(objs_raw) != 1:
        raise doc.fail("spec.objectives", f"must hold one objective with a thresholdMetric; got {len(objs_raw)}")
    objectives = tuple(_objective(doc, o, i, method, ind.kind) for i, o in enumerate(objs_raw))
    pols = []
    for i, p in enumerate(spec.get("alertPolicies") or []):
        if isinstance(p, dict) and "alertPolicyRef" in p:
            if p["alertPolicyRef"] not in ctx.alert_policies:
                raise doc.fail(f"spec.alertPolicies[{i}].alertPolicyRef",
                               f"names no AlertPolicy document; got {p['alertPolicyRef']!r}")
            pols.append(ctx.alert_policies[p["alertPolicyRef"]])
        else:
            n, d = _inline(p, doc, "AlertPolicy", f"spec.alertPolicies[{i}]")
            pols.append(_policy(n, d, ctx.alert_conditions, ctx.notification_targets))
    ann = doc.raw["metadata"].get("annotations") or {}
    return SloSpec(
        name=name,
        display_name=str(doc.raw["metadata"].get("displayName", name)),
        service=service,
        description=_text(doc, "spec.description"),
        indicator=ind,
        time_window=window,
        budgeting_method=method,
        objectives=objectives,
        alert_policies=tuple(pols),
        target_id=str(ann.get("dfp.io/target-id", "")),
        runbook=str(ann.get("dfp.io/runbook", "")),
        file=doc.fname,
    )


# ----------------------------------------------------------------------------------------------
# loading


def _files(paths: Iterable[Path | str]) -> list[Path]:
    out: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            found = sorted([*p.glob("*.yaml"), *p.glob("*.yml")])
            if not found:
                raise PlaybookError(f"no OpenSLO files (*.yaml, *.yml) in {p}")
            out += found
        elif p.is_file():
            out.append(p)
        else:
            raise PlaybookError(f"OpenSLO file not found: {p}")
    return out


def load_openslo(*paths: Path | str) -> OpenSlo:
    """Every OpenSLO v1 document in ``paths`` (files or folders of ``*.yaml``/``*.yml``), references resolved.

    Names are unique per kind across all files. Services, data sources, SLIs, notification targets
    and conditions are read first, then alert policies, then SLOs, so a reference may point to a
    document in any file of the set.

    >>> s = load_openslo(data_dir() / "slos")
    >>> sorted(s.slos)[0], s.slos["api-availability"].budgeting_method
    ('api-availability', 'Occurrences')
    """
    by_kind: dict[str, dict[str, _Doc]] = {k: {} for k in KINDS}
    for f in _files(paths or (data_dir() / "slos",)):
        raws = load_yaml_all(f)  # strict: a duplicated key or a split flow value is a named error
        for raw in raws:
            name, doc = _header(raw, f.name)
            kind = raw["kind"]
            if name in by_kind[kind]:
                raise PlaybookError(f"{f.name}: {kind} 'metadata.name' {name!r} is already defined in "
                                    f"{by_kind[kind][name].fname}")
            by_kind[kind][name] = doc
    services = {n: Service(n, str(d.raw["metadata"].get("displayName", n)), _text(d, "spec.description"))
                for n, d in by_kind["Service"].items()}
    sources = {n: DataSource(n, d.get("spec.type", str), _text(d, "spec.description"))
               for n, d in by_kind["DataSource"].items()}
    slis = {n: _indicator(n, d, d.raw, sources) for n, d in by_kind["SLI"].items()}
    conds = {n: _condition(n, d) for n, d in by_kind["AlertCondition"].items()}
    targets = {n: _target(n, d) for n, d in by_kind["AlertNotificationTarget"].items()}
    policies = {n: _policy(n, d, conds, targets) for n, d in by_kind["AlertPolicy"].items()}
    ctx = OpenSlo(services, sources, slis, policies, conds, targets, {})
    slos = {n: _slo(n, by_kind["SLO"][n], ctx) for n in sorted(by_kind["SLO"])}
    return replace(ctx, slos=slos)


def parse_slo(doc: Any, fname: str) -> SloSpec:
    """Validate one SLO document that references no other document (an inline indicator) and return it.

    Raises:
        PlaybookError: naming ``fname`` and the field: wrong apiVersion/kind, a bad name, a missing
            indicator, a target outside (0, 1), an unknown window, an unknown budgeting method ...
    """
    name, d = _header(doc, fname, "SLO")
    return _slo(name, d, OpenSlo())


def load_slos(directory: Path | str | None = None) -> tuple[SloSpec, ...]:
    """The SLOs of the OpenSLO files in ``directory`` (default ``data/slos``), sorted by name.

    >>> [s.name for s in load_slos()][:2]
    ['api-availability', 'delivery-freshness']
    """
    folder = Path(directory) if directory is not None else data_dir() / "slos"
    if not folder.is_dir():
        raise PlaybookError(f"SLO folder not found: {folder}")
    slos = load_openslo(folder).slos
    if not slos:
        raise PlaybookError(f"no SLO documents in {folder}")
    return tuple(slos[k] for k in sorted(slos))
