"""Read and write Prometheus ``query_range`` exports (the JSON the HTTP API returns), and match selectors.

=======================  ====================================================================
``RangeSeries``           one exported series: its labels and (timestamp s, value) samples
``load_query_range``      every series of one or more exports (``/api/v1/query_range`` responses)
``write_query_range``     write series as such a response (for samples and tests)
``selector_matches``      whether a series' labels match a selector like ``x_total{code=~"5.."}``
``parse_selector``        a selector's metric name and ``(label, op, value)`` matchers
=======================  ====================================================================

The format is the Prometheus HTTP API's (prometheus.io/docs/prometheus/latest/querying/api/,
"Range queries"): ``{"status": "success", "data": {"resultType": "matrix", "result": [{"metric":
{labels}, "values": [[unix_seconds, "value"], ...]}]}}``. A file may also hold a JSON list of such
responses (one per query). Values are strings; ``NaN`` samples are dropped (a gap). Every problem
raises :class:`~dfp.core.errors.PlaybookError` naming the file and the result index.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from dfp.core.errors import PlaybookError

__all__ = ["RangeSeries", "load_query_range", "parse_selector", "selector_matches", "write_query_range"]

_SEL = re.compile(r"^\s*([a-zA-Z_:][a-zA-Z0-9_:]*)?\s*(?:\{(.*)\})?\s*$")
_MATCHER = re.compile(r'\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)\s*"((?:[^"\\]|\\.)*)"\s*(?:,|$)')


@dataclass(frozen=True)
class RangeSeries:
    """One exported series.

    Attributes:
        labels: its label set, ``__name__`` included.
        timestamps_s: sample times (Unix seconds), increasing.
        values: sample values (same length).
    """

    labels: Mapping[str, str]
    timestamps_s: np.ndarray
    values: np.ndarray


def parse_selector(selector: str) -> tuple[str, list[tuple[str, str, str]]]:
    """A series selector's metric name (or ``""``) and its ``(label, op, value)`` matchers.

    >>> parse_selector('x_total{code=~"5..",job="api"}')
    ('x_total', [('code', '=~', '5..'), ('job', '=', 'api')])
    """
    m = _SEL.match(selector)
    if not m or (m.group(1) is None and m.group(2) is None):
        raise PlaybookError(f"selector_matches: not a series selector (name{{label=\"value\", ...}}): {selector!r}")
    body, matchers, pos = m.group(2) or "", [], 0
    while pos < len(body.strip()):
        mm = _MATCHER.match(body, pos)
        if not mm:
            raise PlaybookError(f"selector_matches: cannot read the label matchers of {selector!r}")
        matchers.append((mm.group(1), mm.group(2), mm.group(3).encode().decode("unicode_escape")))
        pos = mm.end()
    return m.group(1) or "", matchers


def selector_matches(selector: str, labels: Mapping[str, str]) -> bool:
    """Whether ``labels`` match a Prometheus series selector (``=``, ``!=``, ``=~``, ``!~``; regexes anchored).

    >>> selector_matches('x_total{code=~"5.."}', {"__name__": "x_total", "code": "503"})
    True
    >>> selector_matches('x_total{code=~"5.."}', {"__name__": "x_total", "code": "200"})
    False
    """
    name, matchers = parse_selector(selector)
    if name and labels.get("__name__") != name:
        return False
    for label, op, value in matchers:
        have = labels.get(label, "")
        ok = {"=": have == value, "!=": have != value}.get(op)
        if ok is None:
            hit = re.fullmatch(value, have) is not None
            ok = hit if op == "=~" else not hit
        if not ok:
            return False
    return True


def _result(raw: Any, where: str) -> list[Any]:
    if not isinstance(raw, dict) or raw.get("status") != "success":
        raise PlaybookError(f"{where}: not a successful query_range response (\"status\": \"success\")")
    data = raw.get("data")
    if not isinstance(data, dict) or data.get("resultType") != "matrix" or not isinstance(data.get("result"), list):
        raise PlaybookError(f"{where}: field 'data.resultType' must be 'matrix' with a 'data.result' list "
                            "(export a range query, not an instant query)")
    return data["result"]


def load_query_range(*paths: Path | str) -> tuple[RangeSeries, ...]:
    """Every series in one or more ``query_range`` exports (series with the same labels are merged).

    Raises:
        PlaybookError: an unreadable file, a response that is not a matrix, a sample that is not
            ``[seconds, "value"]``, or a series whose timestamps go backwards.
    """
    merged: dict[tuple[tuple[str, str], ...], list[tuple[float, float]]] = {}
    for path in map(Path, paths):
        if not path.is_file():
            raise PlaybookError(f"Prometheus export not found: {path}")
        try:
            doc = json.loads(path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            raise PlaybookError(f"{path.name}: not valid JSON: {exc}") from exc
        responses = doc if isinstance(doc, list) else [doc]
        for r, resp in enumerate(responses):
            where = f"{path.name}" + (f"[{r}]" if isinstance(doc, list) else "")
            for i, res in enumerate(_result(resp, where)):
                if not isinstance(res, dict) or not isinstance(res.get("metric"), dict) \
                        or not isinstance(res.get("values"), list):
                    raise PlaybookError(f"{where}: data.result[{i}] needs 'metric' and 'values'")
                key = tuple(sorted((str(k), str(v)) for k, v in res["metric"].items()))
                pts = merged.setdefault(key, [])
                for j, pair in enumerate(res["values"]):
                    try:
                        t, v = float(pair[0]), float(pair[1])
                    except (TypeError, ValueError, IndexError) as exc:
                        raise PlaybookError(f"{where}: data.result[{i}].values[{j}] must be [seconds, \"value\"]; "
                                            f"got {pair!r}") from exc
                    if not math.isnan(v):
                        pts.append((t, v))
    out = []
    for key, pts in merged.items():
        arr = np.array(sorted(set(pts)), dtype=float).reshape(-1, 2)
        if len(arr) and (np.diff(arr[:, 0]) == 0).any():
            raise PlaybookError(f"Prometheus export: series {dict(key)} has two values at one timestamp")
        out.append(RangeSeries(dict(key), arr[:, 0], arr[:, 1]))
    return tuple(out)


def write_query_range(path: Path | str, series: Iterable[RangeSeries]) -> Path:
    """Write ``series`` as one ``query_range`` response (integers without a decimal point, as Prometheus does)."""
    result = [{"metric": dict(s.labels),
               "values": [[float(t) if t % 1 else int(t), f"{v:.15g}"] for t, v in zip(s.timestamps_s, s.values,
                                                                                     strict=True)]}
              for s in series]
    p = Path(path)
    p.write_text(json.dumps({"status": "success", "data": {"resultType": "matrix", "result": result}}),
                 encoding="utf-8")
    return p
