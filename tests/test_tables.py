"""The book's table helper: human labels, per-quantity formats, no NaN/None/True/False/e-notation."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from dfp.book import numbers, prose, tables
from dfp.book.nb import human_label, table
from dfp.book.tables import COLUMNS, KINDS, Col, fmt, fmt_with_unit, human_table, label
from dfp.core.errors import PlaybookError

BAD = re.compile(r"\b(nan|NaN|None|True|False|inf)\b|\d[eE][+-]?\d")


@pytest.mark.parametrize(("value", "kind", "decimals", "expected"), [
    (182.0, "count", None, "182"),
    (3954.167, "count", None, "3,954"),
    (1.0, "count", None, "1"),
    (33612.4, "usd", None, "33,612"),
    (5.7e-05, "usd_per_million", None, "57.0"),
    (1.64e-04, "usd_per_million", None, "164.0"),
    (0.99942, "percent", 3, "99.942"),
    (0.005, "percent", None, "0.5"),
    (3890.0, "number", 0, "3,890"),
    (0.8504, "number", None, "0.85"),
    (-1e-9, "number", None, "0.00"),
    (True, "yesno", None, "Yes"),
    (np.bool_(False), "number", None, "No"),
    ("kinesis", "text", None, "kinesis"),
    (1e16, "text", None, "10,000,000,000,000,000"),
    (0.25, "text", None, "0.25"),
    (None, "text", None, "—"),
    (float("nan"), "usd", None, "—"),
    (float("-inf"), "percent", None, "−∞"),
])
def test_fmt(value, kind, decimals, expected):
    assert fmt(value, kind, decimals) == expected


def test_bad_kind_and_decimals_raise_naming_them():
    with pytest.raises(PlaybookError, match="kind must be one of"):
        fmt(1.0, "fraction")
    with pytest.raises(PlaybookError, match=r"'X'.*decimals"):
        Col("X", "number", 9)


def test_human_table_labels_selects_and_transposes():
    df = pd.DataFrame({"cost_usd_per_month": [15.2, np.nan], "availability": [0.999, 1.0],
                       "flag": [True, None]}, index=["a", "b"])
    out = human_table(df, {"flag": Col("Within budget", "yesno")}, index_label="Option")
    assert list(out.columns) == ["Cost (USD/month)", "Availability (%)", "Within budget"]
    assert out.loc["b"].tolist() == ["—", "100.000", "—"]
    assert out.index.name == "Option"
    t = human_table(df, keep=["availability"], index_labels={"a": "Option A"}, transpose=True)
    assert list(t.columns) == ["Option A", "b"] and list(t.index) == ["Availability (%)"]


def test_unlabelled_or_absent_column_raises_naming_it():
    df = pd.DataFrame({"flip_at": [0.3]})
    with pytest.raises(PlaybookError, match="flip_at"):
        human_table(df)
    with pytest.raises(PlaybookError, match="nope"):
        human_table(df, keep=["nope"])
    with pytest.raises(PlaybookError, match="flip_at"):
        label("flip_at")


def test_registry_labels_are_human():
    for name, col in COLUMNS.items():
        assert "_" not in col.label, name
        assert col.kind in KINDS


def test_bad_pattern_catches_what_it_is_for():
    """The property below would fail on raw reprs: show the pattern matches them."""
    for raw in ["nan", "None", "True", "3.89e+03", "1.64e-04", "inf"]:
        assert BAD.search(raw), raw


@given(st.floats(allow_nan=True, allow_infinity=True) | st.none() | st.booleans(),
       st.sampled_from(KINDS), st.none() | st.integers(0, 6))
def test_fmt_never_shows_raw_reprs(value, kind, decimals):
    text = fmt(value, kind, decimals)
    assert not BAD.search(text), (value, kind, decimals, text)
    assert text


@given(st.lists(st.floats(allow_nan=True, allow_infinity=True), min_size=1, max_size=5))
def test_human_table_never_shows_raw_reprs(values):
    df = pd.DataFrame({"cost_usd_per_month": values, "availability": values})
    html = human_table(df).to_html()
    cells = re.findall(r"<td>(.*?)</td>", html)
    assert cells and not any(BAD.search(c) for c in cells)


def test_long_cells_are_never_cut():
    long = "Pooled compute, per-tenant roles, keys and prefixes, deny by default (ADR-0014)"
    out = human_table(pd.DataFrame({"w": [long]}), {"w": Col("Winner", "text")})
    assert long in out._repr_html_() and long in repr(out)
    assert "..." in pd.DataFrame({"w": [long]})._repr_html_()  # what plain pandas would show
    assert isinstance(out.T, type(out))


@pytest.mark.parametrize(("value", "expected"), [(3890.2, "3,890"), (12.14, "12.1"), (1.456, "1.46"),
                                                 (0.1063, "0.106"), (0.0004, "0.0004"), (0.0, "0"),
                                                 (-2.5, "-2.5"), (0.1, "0.1"), (2.0, "2"), (10.0, "10")])
def test_auto_keeps_three_significant_digits(value, expected):
    assert fmt(value, "auto") == expected


def test_fmt_with_unit():
    assert fmt_with_unit(0.95, "fraction") == "95 %"
    assert fmt_with_unit(1.46, "deploys/week") == "1.46 deploys/week"
    assert fmt_with_unit(float("nan"), "ms", missing="not measured") == "not measured"


# --- the old helper, dfp.book.nb.table, now a thin call into human_table ---------------------------------------

SNAKE = re.compile(r"\b[a-z][a-z0-9]*_[a-z0-9_]+\b")


@pytest.mark.parametrize(("name", "expected"), [
    ("cost_usd_per_month", "Cost (USD/month)"), ("ttd_min", "TTD (min)"), ("size_gb", "Size (GB)"),
    ("meets_targets", "Meets targets"), ("az_slot", "AZ slot"), ("customers", "Customers"),
    ("p99 ms", "p99 ms"), ("p99_ms", "p99 (ms)"), ("adr_date", "ADR date"), ("Cost (USD)", "Cost (USD)"),
    ("share_pct", "Share (%)"), ("min", "Min"),
])
def test_human_label(name, expected):
    assert human_label(name) == expected


def test_old_table_helper_gives_tables_for_people():
    df = pd.DataFrame({"size_gb": [1.5, np.nan], "meets_targets": [True, False], "nodes": [3.0, 4.0],
                       "found_at": pd.to_datetime(["2025-01-02", "2025-02-03"]), "cost_usd": [1234.5, np.inf]},
                      index=pd.Index(["a", "b"], name="store_id"))
    out = table(df, {"cost_usd": "{:,.0f}"})
    assert list(out.columns) == ["Size (GB)", "Meets targets", "Nodes", "Found at", "Cost (USD)"]
    assert out.index.name == "Store ID"
    assert out.to_dict("list") == {"Size (GB)": ["1.5", "—"], "Meets targets": ["Yes", "No"], "Nodes": ["3", "4"],
                                   "Found at": ["2025-01-02", "2025-02-03"], "Cost (USD)": ["1,234", "∞"]}
    assert list(table(df, index=False).index) == ["", ""]
    unit_cost = table(pd.DataFrame({"cost_usd_per_event": [5.7e-05]}))
    assert unit_cost.to_dict("list") == {"Cost (USD per million events)": ["57.0"]}


@given(st.lists(st.floats(allow_nan=True, allow_infinity=True) | st.none() | st.booleans(), min_size=1, max_size=5),
       st.sampled_from(["cost_usd_per_month", "lead_time_h", "nodes_packed", "x"]))
def test_old_table_helper_never_shows_raw_reprs_or_snake_case(values, name):
    html = table(pd.DataFrame({name: values})).to_html()
    cells = re.findall(r"<td>(.*?)</td>", html)
    headers = re.findall(r"<th>(.*?)</th>", html)
    assert cells and not any(BAD.search(c) for c in cells), cells
    assert not any(SNAKE.search(h) for h in headers), headers


def test_one_number_formatter():
    """Tables, prose and the old helper format numbers through dfp.book.numbers, the one home."""
    assert tables.fmt is numbers.number and tables.fmt_with_unit is numbers.with_unit
    assert prose.percent is numbers.percent and tables.usd_per_million is numbers.usd_per_million
