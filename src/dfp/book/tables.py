"""Tables for people: human column labels with units, numbers formatted per quantity, no NaN on pages.

=====================  ==================================================================
``Col``                 one column's label (with its unit) and kind of quantity
``COLUMNS``             labels and kinds for column names used on more than one page
``fmt``                 one value as display text for a kind of quantity
``fmt_with_unit``       a value and its unit in one cell, fractions as percent
``human_table``         a display copy of a DataFrame: labelled, formatted, missing as "—"
``HumanFrame``          the DataFrame it returns: shows every cell in full, never cut with "..."
``label``               the human label of a column or criterion name
``usd_per_million``     USD per event as USD per million events, the unit readers see
=====================  ==================================================================

Kinds (the value is the stored quantity; conversion happens only here, for display):

- ``count``: integers with thousands separators (``182``, ``3,954``)
- ``number``: ``decimals`` places (default 2) with thousands separators
- ``auto``: three significant digits, at most 6 decimal places, no trailing zeros
  (``3,890``, ``12.1``, ``0.106``, ``2``)
- ``usd``: whole US dollars with thousands separators
- ``usd_per_million``: USD per million events, one decimal (stored as USD per event, x 1e6)
- ``percent``: a ratio in [0, 1] shown as percent, ``decimals`` places (default 1)
- ``yesno``: ``Yes``/``No``
- ``text``: the value as text

Missing values (None, NaN) show as ``missing`` (default "—"); infinities as "∞"/"−∞". Python's
``f`` format never switches to e-notation, so no output does. The result is a plain DataFrame of
strings, which renders deterministically (a pandas Styler embeds a random id).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from dfp.core.errors import PlaybookError

__all__ = ["COLUMNS", "KINDS", "Col", "HumanFrame", "fmt", "fmt_with_unit", "human_table", "label", "usd_per_million"]

KINDS = ("count", "number", "auto", "usd", "usd_per_million", "percent", "yesno", "text")
MISSING = "—"


@dataclass(frozen=True)
class Col:
    """A column's human label (unit in brackets), its kind of quantity and decimal places (None = the kind's)."""

    label: str
    kind: str = "number"
    decimals: int | None = None
    missing: str | None = None  # what a missing value reads as in this column (None: the table's)

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise PlaybookError(f"Col {self.label!r}: kind must be one of {KINDS}; got {self.kind!r}")
        if self.decimals is not None and not 0 <= self.decimals <= 6:
            raise PlaybookError(f"Col {self.label!r}: decimals must be in 0..6; got {self.decimals}")


COLUMNS: dict[str, Col] = {
    "availability": Col("Availability (%)", "percent", 3),
    "blast_radius_share": Col("Blast radius (% of tenants)", "percent", 1),
    "cost_index": Col("Cost index (AWS = 1)", "number", 2),
    "cost_usd_per_month": Col("Cost (USD/month)", "usd"),
    "usd_per_month": Col("Cost (USD/month)", "usd"),
    "gb_per_day": Col("Volume (GB/day)", "number", 1),
    "cost_with_ops_time_usd_per_month": Col("Cost with operations time (USD/month)", "usd"),
    "customers": Col("Customers", "count"),
    "durability_nines": Col("Durability (nines)", "count"),
    "eu_processing_score": Col("EU processing (1-5)", "number", 0),
    "eu_region_score": Col("EU regions (1-5)", "number", 0),
    "latency_p99_ms": Col("Latency p99 (ms)", "number", 0),
    "managed_fit_score": Col("Managed services (1-5)", "number", 0),
    "ops_h_per_week": Col("Operations (h/week)", "number", 1),
    "audit_effort_h_per_quarter": Col("Audit effort (h/quarter)", "number", 0),
    "team_fit_score": Col("Team fit (1-5)", "number", 0),
    "weight": Col("Weight", "number", 2),
    # alert backtests (dfp.reliability.alerting.backtest's summary)
    "pages": Col("Pages", "count"),
    "incident_pages": Col("Pages during incidents", "count"),
    "non_incident_pages": Col("Pages outside incidents", "count"),
    "false_pages": Col("False pages", "count"),
    "false_page_ratio": Col("False pages (% of pages)", "percent", 1),
    "tickets": Col("Tickets", "count"),
    "incidents_caught": Col("Incidents caught", "count"),
    "mean_detection_min": Col("Mean detection (min)", "number", 1),
    "max_detection_min": Col("Longest detection (min)", "count"),
    "mean_reset_min": Col("Mean reset (min)", "number", 1),
    "pages_per_week": Col("Pages per week", "number", 2),
    "oncall_h_per_engineer_week": Col("On-call load (h per engineer a week)", "number", 2),
    "score": Col("Weighted score", "number", 2),
}


EVENTS_PER_MILLION = 1e6


def usd_per_million(usd_per_event: float) -> float:
    """Unit cost as readers see it: ``USD per million events = USD per event x 1e6``.

    >>> round(usd_per_million(5.7e-05), 6)
    57.0
    """
    return float(usd_per_event) * EVENTS_PER_MILLION


def label(name: str, columns: Mapping[str, Col] | None = None) -> str:
    """The human label of column ``name`` (from ``columns``, then ``COLUMNS``).

    Raises ``PlaybookError`` naming the column when neither has it, so no snake_case name reaches a page.

    >>> label("cost_usd_per_month")
    'Cost (USD/month)'
    """
    spec = (columns or {}).get(name) or COLUMNS.get(name)
    if spec is None:
        raise PlaybookError(f"no human label for column {name!r}: add it to the table's columns or to COLUMNS")
    return spec.label


def _is_missing(value: Any) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    return isinstance(value, (float, np.floating)) and math.isnan(float(value))


def fmt(value: Any, kind: str = "number", decimals: int | None = None, missing: str = MISSING) -> str:
    """``value`` as display text for a kind of quantity (see the module docstring).

    >>> [fmt(182.0, "count"), fmt(0.99942, "percent", 3), fmt(5.7e-05, "usd_per_million"), fmt(1e-12)]
    ['182', '99.942', '57.0', '0.00']
    >>> [fmt(float("nan")), fmt(None, "count"), fmt(True, "yesno"), fmt(float("inf"), "usd")]
    ['—', '—', 'Yes', '∞']
    """
    if kind not in KINDS:
        raise PlaybookError(f"fmt: kind must be one of {KINDS}; got {kind!r}")
    if _is_missing(value):
        return missing
    if isinstance(value, (bool, np.bool_)):
        return "Yes" if value else "No"
    if isinstance(value, str) or (kind == "text" and not isinstance(value, (int, float, np.number))):
        return str(value)
    if kind == "text":  # a number in a text column: shown like a plain number, never as 1e+16
        kind = "count" if float(value).is_integer() else "number"
    if kind == "yesno":
        return "Yes" if value else "No"
    x = float(value)
    if math.isinf(x):
        return "∞" if x > 0 else "−∞"
    if kind == "usd_per_million":
        x, places = usd_per_million(x), 1 if decimals is None else decimals
    elif kind == "percent":
        x, places = x * 100, 1 if decimals is None else decimals
    elif kind in ("count", "usd"):
        places = 0 if decimals is None else decimals
    elif kind == "auto" and decimals is None:
        places = 0 if x.is_integer() else min(6, max(0, 2 - math.floor(math.log10(abs(x)))))
    else:
        places = 2 if decimals is None else decimals
    if math.isinf(x):  # a huge finite value scaled past the float range
        return "∞" if x > 0 else "−∞"
    text = f"{x:,.{places}f}"
    if kind == "auto" and decimals is None and "." in text:  # three significant digits, no trailing zeros
        text = text.rstrip("0").rstrip(".")
    return text[1:] if text.startswith("-") and float(text.replace(",", "")) == 0 else text


class HumanFrame(pd.DataFrame):
    """A display table: renders every cell in full (no "..." cut-off) and every column, as text and HTML."""

    @property
    def _constructor(self) -> type[HumanFrame]:
        return HumanFrame

    def _repr_html_(self) -> str | None:
        with pd.option_context("display.max_colwidth", None, "display.max_columns", None):
            return super()._repr_html_()

    def __repr__(self) -> str:
        with pd.option_context("display.max_colwidth", None, "display.max_columns", None, "display.width", 120):
            return super().__repr__()


def fmt_with_unit(value: Any, unit: str, missing: str = MISSING) -> str:
    """``value`` with three significant digits and its unit; a ``fraction`` unit shows as percent.

    >>> fmt_with_unit(3890.2, "ms"), fmt_with_unit(0.1063, "fraction/month"), fmt_with_unit(0.0004, "fraction")
    ('3,890 ms', '10.6 %/month', '0.04 %')
    """
    if _is_missing(value):
        return missing
    if unit.startswith("fraction"):
        return f"{fmt(float(value) * 100, 'auto')} %{unit[len('fraction'):]}"
    return f"{fmt(value, 'auto')} {unit}"


def _known(specs: Mapping[str, Col | None]) -> dict[str, Col]:
    return {c: s for c, s in specs.items() if s is not None}


def human_table(df: pd.DataFrame, columns: Mapping[str, Col] | None = None, *, index_label: str | None = None,
                index_labels: Mapping[Any, str] | None = None, keep: list[str] | None = None,
                missing: str = MISSING, transpose: bool = False) -> HumanFrame:
    """A display copy of ``df``: columns labelled and formatted by ``columns`` (then ``COLUMNS``).

    ``keep`` selects and orders the columns (default: all). ``index_labels`` renames row labels
    (e.g. criterion names); ``index_label`` names the index (None leaves it unnamed). ``transpose``
    turns wide tables into label rows (each column formatted by its own kind first). Every shown
    column needs a label: an unknown one raises ``PlaybookError`` naming it.

    >>> df = pd.DataFrame({"customers": [182.0], "ok": [True]}, index=["us-east-1"])
    >>> human_table(df, {"ok": Col("Within budget", "yesno")}).to_dict("records")
    [{'Customers': '182', 'Within budget': 'Yes'}]
    """
    names = list(df.columns) if keep is None else keep
    unknown = [c for c in names if c not in df.columns]
    if unknown:
        raise PlaybookError(f"human_table: columns {unknown} not in the table; it has {list(df.columns)}")
    specs = {c: (columns or {}).get(c) or COLUMNS.get(c) for c in names}
    unlabelled = [c for c, s in specs.items() if s is None]
    if unlabelled:
        raise PlaybookError(f"human_table: no human label for columns {unlabelled}: pass them in columns")
    out = HumanFrame({s.label: [fmt(v, s.kind, s.decimals, s.missing or missing)
                                         for v in df[c].tolist()] for c, s in _known(specs).items()}, index=df.index)
    if isinstance(out.index, pd.MultiIndex):  # kept as it is (its level names are the caller's)
        pass
    elif index_labels is not None:
        out.index = pd.Index([index_labels.get(i, fmt(i, "text", missing=missing)) for i in out.index])
    else:
        out.index = pd.Index([fmt(i, "text", missing=missing) if not isinstance(i, str) else i for i in out.index])
    if not isinstance(out.index, pd.MultiIndex):
        out.index.name = index_label
    if transpose:
        out = out.T
        out.columns.name = None
        out.index.name = index_label
    return out
