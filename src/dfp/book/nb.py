"""Notebook helpers: glue values as plain Python numbers; ``table``, the old table helper (deprecated: it calls
:func:`dfp.book.tables.human_table`, the one table helper).

Kept tiny on purpose; calculations never live here.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import fields
from typing import Any

import numpy as np
import pandas as pd
from myst_nb import glue as _glue

from dfp.book.numbers import MISSING, is_missing
from dfp.book.tables import COLUMNS, Col, HumanFrame, human_table

__all__ = ["glue", "glue_fields", "human_label", "plain", "table"]


def plain(value: Any) -> Any:
    """Convert NumPy scalars to Python ``int``/``float`` (NumPy 2 reprs break glue formatting).

    >>> plain(np.float64(1.5)), plain(np.int64(2))
    (1.5, 2)
    """
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    if isinstance(value, np.bool_):
        return bool(value)
    return value


def glue(name: str, value: Any, display: bool = False) -> Any:
    """Glue ``value`` under ``name`` for ``{glue:text}`` roles; returns the plain value."""
    v = plain(value)
    _glue(name, v, display=display)
    return v


_ACRONYMS = {"usd": "USD", "az": "AZ", "id": "ID", "ids": "IDs", "api": "API", "slo": "SLO", "sla": "SLA", "ai": "AI",
             "eu": "EU", "cpu": "CPU", "ip": "IP", "ips": "IPs", "rpo": "RPO", "rto": "RTO", "gb": "GB", "tb": "TB",
             "dsr": "DSR", "pii": "PII", "mttr": "MTTR", "mttd": "MTTD", "p50": "p50", "p95": "p95", "p99": "p99",
             "ttd": "TTD", "tta": "TTA", "ttm": "TTM", "ttr": "TTR", "sli": "SLI", "slis": "SLIs", "slos": "SLOs",
             "kms": "KMS", "iam": "IAM", "vpc": "VPC", "nat": "NAT", "dns": "DNS", "url": "URL", "dlq": "DLQ",
             "adr": "ADR", "adrs": "ADRs", "dora": "DORA", "sku": "SKU", "rps": "RPS", "ttl": "TTL"}
#: trailing name parts that are a unit, longest first: ``cost_usd_per_month`` is "Cost (USD/month)"
_UNITS = (("usd_per_million_events", "USD per million events"), ("usd_per_million", "USD per million events"),
          ("usd_per_month", "USD/month"), ("usd_per_day", "USD/day"), ("usd_per_h", "USD/h"),
          ("per_s", "per s"), ("per_day", "per day"), ("per_week", "per week"), ("per_month", "per month"),
          ("usd", "USD"), ("ms", "ms"), ("min", "min"), ("h", "h"), ("s", "s"), ("days", "days"),
          ("pct", "%"), ("gb", "GB"), ("tb", "TB"), ("gib", "GiB"), ("mb", "MB"))


def human_label(name: Any) -> str:
    """A column name as a label for people: known columns by ``COLUMNS``, snake_case words with the unit in brackets.

    A name that is not a lower-case identifier is already a label and kept as it is.

    >>> human_label("cost_usd_per_month"), human_label("detection_min"), human_label("new_winner"), human_label("p99 ms")
    ('Cost (USD/month)', 'Detection (min)', 'New winner', 'p99 ms')
    >>> human_label("az_slot"), human_label("share_pct")
    ('AZ slot', 'Share (%)')
    """
    text = str(name)
    if text in COLUMNS:
        return COLUMNS[text].label
    if not re.fullmatch(r"[a-z][a-z0-9_]*", text):  # already written for people ("p99 ms", "Cost (USD)")
        return text
    unit = ""
    for tail, shown in _UNITS:
        if text.endswith("_" + tail) and len(text) > len(tail) + 1:
            text, unit = text[: -len(tail) - 1], f" ({shown})"
            break
    parts = [w for w in text.split("_") if w]
    words = [_ACRONYMS.get(w, w) for w in parts]
    if words and parts[0] not in _ACRONYMS:
        words[0] = words[0][:1].upper() + words[0][1:]
    return " ".join(words) + unit


def _kind(values: pd.Series) -> str:
    """The display kind of a column that has no format string: by its dtype and values."""
    present = values[~values.map(is_missing)]
    if pd.api.types.is_bool_dtype(values) or (len(present) and all(isinstance(v, bool | np.bool_) for v in present)):
        return "yesno"
    if pd.api.types.is_integer_dtype(values):
        return "count"
    if pd.api.types.is_float_dtype(values):
        finite = present[np.isfinite(present.astype(float))]
        return "count" if len(finite) and bool((finite == finite.round()).all()) else "auto"
    return "text"


def _dates(values: pd.Series) -> list[str]:
    stamps = pd.to_datetime(values)
    fmt = "%Y-%m-%d" if bool((stamps.dropna() == stamps.dropna().dt.normalize()).all()) else "%Y-%m-%d %H:%M"
    return [MISSING if pd.isna(t) else t.strftime(fmt) for t in stamps]


def table(df: pd.DataFrame, formats: dict[str, str] | None = None, index: bool = True) -> HumanFrame:
    """Deprecated: a display copy of ``df`` through :func:`dfp.book.tables.human_table` (use that directly).

    Kept so every page that still calls it shows a table for people: each column gets a human label
    (:func:`human_label`), a column with a format string (``{"cost": "{:,.0f}"}``) keeps it, any other
    column is formatted by its kind (integers and whole floats as counts, other floats to three
    significant digits, booleans as Yes/No, dates as dates, ``*usd_per_event`` as USD per million events,
    the book's one unit for unit cost). A missing value reads "—", an infinite
    one "∞" (a detection that never comes, a loss no backup recovers); nothing shows NaN, None,
    True/False or e-notation. ``index=False`` blanks the index.

    Migration: ``table(df, {"cost_usd": "{:,.0f}"})`` becomes
    ``human_table(df, {"cost_usd": Col("Cost (USD)", "usd")})``, with the unit in the label.

    >>> table(pd.DataFrame({"cost_usd": [1234.5]}), {"cost_usd": "{:,.0f}"}).to_dict("list")
    {'Cost (USD)': ['1,234']}
    >>> t = table(pd.DataFrame({"x_ms": [float("inf"), float("nan"), 2.0], "ok": [True, None, False]}))
    >>> t.to_dict("list")
    {'X (ms)': ['∞', '—', '2'], 'Ok': ['Yes', '—', 'No']}
    """
    formats = formats or {}
    shown = pd.DataFrame(index=df.index)
    columns: dict[str, Col] = {}
    for i, col in enumerate(df.columns):
        key, values = f"c{i}", df.iloc[:, i]
        if col in formats:
            shown[key] = [MISSING if is_missing(v) else ("∞" if v > 0 else "−∞") if _infinite(v) else formats[col].format(v)
                          for v in values]
            columns[key] = Col(human_label(col), "text")
        elif str(col).endswith("usd_per_event"):  # one unit per quantity: unit cost in USD per million events
            shown[key], columns[key] = values, Col(human_label(f"{str(col)[:-len('usd_per_event')]}usd_per_million"),
                                                   "usd_per_million")
        elif pd.api.types.is_datetime64_any_dtype(values):
            shown[key], columns[key] = _dates(values), Col(human_label(col), "text")
        else:
            shown[key], columns[key] = values, Col(human_label(col), _kind(values))
    index_label = None if df.index.name is None else human_label(df.index.name)
    out = human_table(shown, columns, index_label=index_label)
    if isinstance(out.index, pd.MultiIndex):
        out.index = out.index.set_names([None if n is None else human_label(n) for n in out.index.names])
    if not index:
        out.index = pd.Index([""] * len(out))
    return out


def _infinite(value: Any) -> bool:
    return isinstance(value, float | np.floating) and bool(np.isinf(value))


def glue_fields(prefix: str, result: Any, names: Iterable[str] | None = None) -> None:
    """Glue ``result.<name>`` as ``<prefix>_<name>`` for each name (default: every field of a dataclass result).

    >>> from dataclasses import dataclass
    >>> @dataclass
    ... class R:
    ...     a_min: float
    >>> glue_fields("x", R(1.0), ["nope"])
    Traceback (most recent call last):
    ...
    AttributeError: 'R' object has no attribute 'nope'
    """
    for name in (names if names is not None else [f.name for f in fields(result)]):
        glue(f"{prefix}_{name}", getattr(result, name))
