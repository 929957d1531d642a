"""Notebook helpers: glue values as plain Python numbers, show tables deterministically.

Kept tiny on purpose; calculations never live here.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import fields
from typing import Any

import numpy as np
import pandas as pd
from myst_nb import glue as _glue

__all__ = ["glue", "glue_fields", "plain", "table"]


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


def _infinite(value: Any) -> str:
    """``"∞"``/``"-∞"`` for an infinite number, else ``""``."""
    if isinstance(value, float | np.floating) and np.isinf(value):
        return "∞" if value > 0 else "-∞"
    return ""


def table(df: pd.DataFrame, formats: dict[str, str] | None = None, index: bool = True) -> pd.DataFrame:
    """A display copy of ``df`` with columns formatted as strings (``{"cost": "{:,.0f}"}``).

    Plain DataFrames render deterministically (a pandas Styler embeds a random id, which would
    make stored outputs differ on every run). ``index=False`` blanks the index. No page shows
    ``NaN``/``None``/``inf``: a missing value is blank in every column, and an infinite one in a
    formatted column is "∞" (a detection that never comes, a loss no backup recovers).

    >>> table(pd.DataFrame({"x": [1234.5]}), {"x": "{:,.0f}"})["x"].tolist()
    ['1,234']
    >>> t = table(pd.DataFrame({"x": [float("inf"), float("nan")], "who": ["a", None]}), {"x": "{:.1f}"})
    >>> t["x"].tolist(), t["who"].tolist()
    (['∞', ''], ['a', ''])
    """
    out = df.copy()
    for col, fmt in (formats or {}).items():
        out[col] = [("" if pd.isna(v) else _infinite(v) or fmt.format(v)) for v in out[col]]
    for col in out.columns:
        if col not in (formats or {}) and out[col].isna().any():
            out[col] = out[col].astype(object).where(out[col].notna(), "")
    if not index:
        out.index = pd.Index([""] * len(out))
    return out


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
