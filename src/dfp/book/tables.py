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

Every value is formatted by the book's one number formatter, :mod:`dfp.book.numbers` (its kinds:
``count``, ``number``, ``auto``, ``usd``, ``usd_per_million``, ``percent``, ``yesno``, ``text``);
``fmt``, ``fmt_with_unit`` and ``usd_per_million`` here are its functions under their table names.
Missing values (None, NaN) show as "—"; infinities as "∞"/"−∞"; no output uses e-notation. The
result is a plain DataFrame of strings, which renders deterministically (a pandas Styler embeds a
random id).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd

from dfp.book.numbers import EVENTS_PER_MILLION, KINDS, MISSING, usd_per_million
from dfp.book.numbers import number as fmt
from dfp.book.numbers import with_unit as fmt_with_unit
from dfp.core.errors import PlaybookError

__all__ = ["COLUMNS", "EVENTS_PER_MILLION", "KINDS", "MISSING", "Col", "HumanFrame", "fmt", "fmt_with_unit", "human_table",
           "label", "usd_per_million"]


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
