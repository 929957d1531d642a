"""The contract of a data file and its validation: columns, types, units, ranges.

=====================  ===============================================================
``Column``, ``Schema``  the contract of one file: columns, types, units, ranges
``load(name)``          read ``data/<file>``, validate it, return a typed DataFrame
``validate_frame``      validate an in-memory frame against a schema (used by load)
``SCHEMAS``             every committed file's schema, by dataset name (``dfp.io.schemas``)
=====================  ===============================================================

Validation is strict and loud: a missing or empty file, a header without rows, a missing column, a
value of the wrong type, an infinite number (``inf``, ``-inf``), a timestamp that does not parse, a
value out of range or a category outside the allowed set raises
:class:`~dfp.core.errors.PlaybookError` naming the file, the column and the first bad row (1-based data
row; the header is line 1 of the file, so data row N is on line N + 1).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd

from dfp.core.errors import PlaybookError

__all__ = ["Column", "Schema", "read_raw", "validate_frame"]

Kind = Literal["str", "int", "float", "bool", "date", "timestamp", "month"]


@dataclass(frozen=True)
class Column:
    """One column of a data file.

    ``unit`` is documentation (shown in the data dictionary); ``low``/``high`` are inclusive bounds
    for numeric columns; ``allowed`` is the closed set of values for a categorical column.
    """

    name: str
    kind: Kind
    unit: str
    description: str
    low: float | None = None
    high: float | None = None
    allowed: tuple[str, ...] | None = None
    nullable: bool = False


@dataclass(frozen=True)
class Schema:
    """The contract of one data file in ``data/``."""

    name: str
    file: str
    description: str
    generated_by: str
    columns: tuple[Column, ...]
    grain: str = ""
    key: tuple[str, ...] = field(default_factory=tuple)

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise PlaybookError(f"schema {self.name!r} has no column {name!r}")


def read_raw(path: Path) -> pd.DataFrame:
    """Read a CSV (optionally ``.gz``) with every column as text, so validation sees raw values."""
    if not path.is_file():
        raise PlaybookError(f"data file not found: {path}")
    try:
        return pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[])
    except pd.errors.EmptyDataError as exc:
        raise PlaybookError(f"{path.name}: the file is empty (no header row, no data rows)") from exc
    except (pd.errors.ParserError, UnicodeDecodeError, OSError, EOFError) as exc:
        raise PlaybookError(f"{path.name}: cannot be parsed as CSV: {exc}") from exc


def _first_bad(mask: np.ndarray) -> int:
    return int(np.flatnonzero(mask)[0])


def _fail(fname: str, col: str, row: int, raw: object, why: str) -> PlaybookError:
    return PlaybookError(f"{fname}: column {col!r}, row {row + 1}: {why}; got {raw!r}")


def _convert(series: pd.Series, col: Column, fname: str) -> pd.Series:
    raw = series.astype(str)
    empty = (raw.str.strip() == "").to_numpy()
    if empty.any() and not col.nullable:
        r = _first_bad(empty)
        raise _fail(fname, col.name, r, raw.iloc[r], "empty value in a required column")
    kind = col.kind
    if kind == "str":
        out: pd.Series = raw.where(~empty, None)
    elif kind in ("int", "float"):
        num = pd.to_numeric(raw.where(~empty, None), errors="coerce")
        bad = num.isna().to_numpy() & ~empty
        if bad.any():
            r = _first_bad(bad)
            raise _fail(fname, col.name, r, raw.iloc[r], f"not a number ({kind})")
        infinite = np.isinf(num.to_numpy(dtype="float64", na_value=np.nan))
        if infinite.any():
            r = _first_bad(infinite)
            raise _fail(fname, col.name, r, raw.iloc[r], "not a finite number")
        if kind == "int":
            frac = (num.fillna(0) % 1 != 0).to_numpy()
            if frac.any():
                r = _first_bad(frac)
                raise _fail(fname, col.name, r, raw.iloc[r], "not an integer")
            out = num.astype("Int64") if col.nullable else num.astype("int64")
        else:
            out = num.astype("float64")
    elif kind == "bool":
        low = raw.str.lower()
        ok = low.isin(["true", "false"]).to_numpy() | empty
        if not ok.all():
            r = _first_bad(~ok)
            raise _fail(fname, col.name, r, raw.iloc[r], "not a boolean (true/false)")
        out = low.eq("true")
    elif kind in ("date", "timestamp", "month"):
        fmt = {"date": "%Y-%m-%d", "month": "%Y-%m", "timestamp": "ISO8601"}[kind]
        parsed = pd.to_datetime(raw.where(~empty, None), format=fmt, errors="coerce", utc=True)
        bad = parsed.isna().to_numpy() & ~empty
        if bad.any():
            r = _first_bad(bad)
            expected = {"date": "YYYY-MM-DD", "month": "YYYY-MM", "timestamp": "ISO 8601 (UTC)"}[kind]
            raise _fail(fname, col.name, r, raw.iloc[r], f"not a valid {kind} ({expected})")
        out = parsed
    else:  # pragma: no cover - Kind is a closed Literal
        raise PlaybookError(f"unknown column kind {kind!r}")
    if col.allowed is not None:
        ok = out.isin(col.allowed).to_numpy() | empty
        if not ok.all():
            r = _first_bad(~ok)
            raise _fail(fname, col.name, r, raw.iloc[r], f"not one of {list(col.allowed)}")
    if kind in ("int", "float") and (col.low is not None or col.high is not None):
        vals = out.to_numpy(dtype="float64", na_value=np.nan)
        low = -np.inf if col.low is None else col.low
        high = np.inf if col.high is None else col.high
        bad = ~np.isnan(vals) & ((vals < low) | (vals > high))
        if bad.any():
            r = _first_bad(bad)
            raise _fail(fname, col.name, r, raw.iloc[r], f"out of range [{col.low}, {col.high}]")
    return out


def validate_frame(raw: pd.DataFrame, schema: Schema, fname: str | None = None) -> pd.DataFrame:
    """Check and convert a text-valued frame against ``schema``; return the typed frame.

    Raises:
        PlaybookError: naming the file, the column and the first bad row.
    """
    fname = fname or schema.file
    expected = [c.name for c in schema.columns]
    missing = [c for c in expected if c not in raw.columns]
    if missing:
        raise PlaybookError(f"{fname}: missing column(s) {missing}; expected {expected}")
    extra = [c for c in raw.columns if c not in expected]
    if extra:
        raise PlaybookError(f"{fname}: unexpected column(s) {extra}; expected {expected}")
    if raw.empty:
        raise PlaybookError(f"{fname}: has a header but no data rows; expected at least one row of {expected}")
    out = pd.DataFrame({c.name: _convert(raw[c.name], c, fname) for c in schema.columns})
    if schema.key:
        dup = out.duplicated(list(schema.key)).to_numpy()
        if dup.any():
            r = _first_bad(dup)
            raise PlaybookError(
                f"{fname}: row {r + 1}: duplicate key {dict(out.iloc[r][list(schema.key)])} for key {list(schema.key)}"
            )
    return out
