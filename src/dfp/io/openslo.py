"""Load and validate the SLO specifications in ``data/slos/*.yaml`` (OpenSLO v1 shape).

======================  ==============================================================
``SloSpec``              one validated SLO: name, service, target, window, PromQL selectors
``load_slos``            every spec in a folder (default ``data/slos``), sorted by name
``parse_slo``            validate one parsed YAML document (used by ``load_slos``)
``parse_duration_min``   an OpenSLO duration (``30d``, ``4w``, ``6h``, ``5m``) in minutes
======================  ==============================================================

The subset of OpenSLO v1 used here: ``apiVersion: openslo/v1``, ``kind: SLO`` with an inline
``indicator`` whose ``ratioMetric`` has ``total`` and exactly one of ``good``/``bad``, each a
Prometheus ``metricSource`` with a counter selector; ``timeWindow`` (one rolling window, or a
calendar month ``1M`` with ``isRolling: false``); ``budgetingMethod: Occurrences``; one objective
with ``target`` in (0, 1). Every rejection names the file and the field path.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dfp.core.errors import PlaybookError
from dfp.core.paths import data_dir
from dfp.io.yamlfile import load_yaml_all

__all__ = ["SloSpec", "load_slos", "parse_duration_min", "parse_slo"]

_DURATION = re.compile(r"^([1-9][0-9]*)([mhdwM])$")
_UNIT_MIN = {"m": 1, "h": 60, "d": 1440, "w": 10080}
_NAME = re.compile(r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?$")


@dataclass(frozen=True)
class SloSpec:
    """One validated SLO.

    Attributes:
        name: SLO id (``metadata.name``), DNS-label style.
        display_name: human title.
        service: the service it measures.
        description: what counts as good.
        slo_target: objective, fraction in (0, 1).
        window_days: compliance window (days); 30 for a rolling 30 d, 28 for 4 w.
        rolling: rolling window (True) or calendar month (False).
        good_query, bad_query: Prometheus counter selectors; exactly one is set.
        total_query: Prometheus counter selector of all valid events.
        target_id: the ``system.yml`` target the objective implements (annotation ``dfp.io/target-id``).
        runbook: runbook page name (annotation ``dfp.io/runbook``), or ``""``.
        file: the file it came from (for messages).
    """

    name: str
    display_name: str
    service: str
    description: str
    slo_target: float
    window_days: float
    rolling: bool
    good_query: str
    bad_query: str
    total_query: str
    target_id: str
    runbook: str
    file: str

    @property
    def error_budget_ratio(self) -> float:
        """``1 - slo_target``."""
        return 1.0 - self.slo_target


def parse_duration_min(text: object, where: str = "duration") -> float:
    """An OpenSLO duration in minutes (``M`` = a calendar month, counted as 30 days).

    >>> parse_duration_min("30d"), parse_duration_min("4w"), parse_duration_min("5m")
    (43200.0, 40320.0, 5.0)
    """
    m = _DURATION.match(str(text))
    if not m:
        raise PlaybookError(f"{where}: unknown window {text!r}; expected <n><m|h|d|w|M>, e.g. 30d or 4w")
    n, unit = int(m.group(1)), m.group(2)
    return float(n * (43200 if unit == "M" else _UNIT_MIN[unit]))


def _get(node: Any, path: str, fname: str, kind: type | tuple[type, ...] = object) -> Any:
    cur = node
    for part in path.split("."):
        if not isinstance(cur, dict) or part not in cur or cur[part] is None:
            raise PlaybookError(f"{fname}: field {path!r} is missing")
        cur = cur[part]
    if not isinstance(cur, kind):
        raise PlaybookError(f"{fname}: field {path!r} has the wrong type; got {cur!r}")
    return cur


def _query(metric: Any, path: str, fname: str) -> str:
    src = _get(metric, "metricSource", fname + f" ({path})", dict)
    if src.get("type") != "Prometheus":
        raise PlaybookError(f"{fname}: field {path}.metricSource.type must be 'Prometheus'; got {src.get('type')!r}")
    q = _get(src, "spec.query", fname + f" ({path}.metricSource)", str).strip()
    if not re.match(r"^[a-zA-Z_:][a-zA-Z0-9_:]*(\{.*\})?$", q):
        raise PlaybookError(f"{fname}: field {path}.metricSource.spec.query must be a counter selector; got {q!r}")
    return q


def parse_slo(doc: Any, fname: str) -> SloSpec:
    """Validate one parsed YAML document as an SLO and return it.

    Raises:
        PlaybookError: naming ``fname`` and the field: wrong apiVersion/kind, a bad name, a missing
            indicator, a target outside (0, 1), an unknown window, an unsupported budgeting method.
    """
    if not isinstance(doc, dict):
        raise PlaybookError(f"{fname}: a document must be a mapping; got {type(doc).__name__}")
    if doc.get("apiVersion") != "openslo/v1":
        raise PlaybookError(f"{fname}: field 'apiVersion' must be 'openslo/v1'; got {doc.get('apiVersion')!r}")
    if doc.get("kind") != "SLO":
        raise PlaybookError(f"{fname}: field 'kind' must be 'SLO'; got {doc.get('kind')!r}")
    name = _get(doc, "metadata.name", fname, str)
    if not _NAME.match(name):
        raise PlaybookError(f"{fname}: field 'metadata.name' must be lower-case letters, digits and '-'; got {name!r}")
    where = f"{fname} (SLO {name})"
    spec = _get(doc, "spec", where, dict)
    if "indicator" not in spec or spec["indicator"] is None:
        raise PlaybookError(f"{where}: field 'spec.indicator' is missing")
    ratio = _get(spec, "indicator.spec.ratioMetric", where, dict)
    total = _query(_get(ratio, "total", where, dict), "spec.indicator.spec.ratioMetric.total", where)
    has = [k for k in ("good", "bad") if ratio.get(k) is not None]
    if len(has) != 1:
        raise PlaybookError(
            f"{where}: field 'spec.indicator.spec.ratioMetric' needs exactly one of good/bad; got {has}")
    q = _query(ratio[has[0]], f"spec.indicator.spec.ratioMetric.{has[0]}", where)
    windows = _get(spec, "timeWindow", where, list)
    if len(windows) != 1 or not isinstance(windows[0], dict):
        raise PlaybookError(f"{where}: field 'spec.timeWindow' must hold exactly one window; got {windows!r}")
    dur = windows[0].get("duration")
    minutes = parse_duration_min(dur, f"{where}: field 'spec.timeWindow[0].duration'")
    rolling = windows[0].get("isRolling", True)
    if not isinstance(rolling, bool):
        raise PlaybookError(f"{where}: field 'spec.timeWindow[0].isRolling' must be true or false; got {rolling!r}")
    if str(dur).endswith("M") and rolling:
        raise PlaybookError(f"{where}: field 'spec.timeWindow[0].duration' {dur!r} is a calendar window; "
                            "set isRolling: false")
    if not 1440 <= minutes <= 90 * 1440:
        raise PlaybookError(f"{where}: field 'spec.timeWindow[0].duration' must be 1d..90d; got {dur!r}")
    method = spec.get("budgetingMethod")
    if method != "Occurrences":
        raise PlaybookError(f"{where}: field 'spec.budgetingMethod' must be 'Occurrences'; got {method!r}")
    objectives = _get(spec, "objectives", where, list)
    if len(objectives) != 1 or not isinstance(objectives[0], dict):
        raise PlaybookError(f"{where}: field 'spec.objectives' must hold exactly one objective")
    target = objectives[0].get("target")
    if isinstance(target, bool) or not isinstance(target, int | float) or not 0 < float(target) < 1:
        raise PlaybookError(f"{where}: field 'spec.objectives[0].target' must be a fraction in (0, 1); got {target!r}")
    ann = doc["metadata"].get("annotations") or {}
    return SloSpec(
        name=name,
        display_name=str(doc["metadata"].get("displayName", name)),
        service=_get(spec, "service", where, str),
        description=" ".join(str(spec.get("description", "")).split()),
        slo_target=float(target),
        window_days=minutes / 1440.0,
        rolling=rolling,
        good_query=q if has[0] == "good" else "",
        bad_query=q if has[0] == "bad" else "",
        total_query=total,
        target_id=str(ann.get("dfp.io/target-id", "")),
        runbook=str(ann.get("dfp.io/runbook", "")),
        file=fname,
    )


def load_slos(directory: Path | str | None = None) -> tuple[SloSpec, ...]:
    """Load every ``*.yaml`` in ``directory`` (default ``data/slos``); names must be unique.

    >>> [s.name for s in load_slos()][:2]
    ['api-availability', 'delivery-freshness']
    """
    folder = Path(directory) if directory is not None else data_dir() / "slos"
    files = sorted(folder.glob("*.yaml"))
    if not files:
        raise PlaybookError(f"no SLO specifications (*.yaml) in {folder}")
    out: dict[str, SloSpec] = {}
    for f in files:
        docs = load_yaml_all(f)
        for d in docs:
            s = parse_slo(d, f.name)
            if s.name in out:
                raise PlaybookError(
                    f"{f.name}: field 'metadata.name' {s.name!r} is already defined in {out[s.name].file}")
            out[s.name] = s
    return tuple(out[k] for k in sorted(out))
