"""The one number formatter of the book: tables (``dfp.book.tables``) and prose (``dfp.book.prose``) call it.

=====================  ==================================================================
``number``             one value as display text for a kind of quantity (table cells, glued text)
``percent``            a percentage for prose: enough decimals to differ from 0 and 100 when it does
``with_unit``          a value and its unit, three significant digits, fractions as percent
``usd_per_million``    USD per event as USD per million events, the one unit cost readers see
``is_missing``         whether a value is None, NaN, NA or NaT
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
``f`` format never switches to e-notation, so no output does.

Prose glues numbers for ``{glue:text}`key:spec` `` roles; a spec is Python's format mini-language.
Use ``f`` specs there (``:,.0f``, ``:.1f``), never ``g`` or ``e`` (``g`` switches to e-notation for
small and large values); a quantity with a kind (unit cost, a fraction shown as percent) is glued
already converted (``usd_per_million(x)``, ``100 * ratio``) or as text from :func:`number`.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from dfp.core.errors import PlaybookError

__all__ = ["EVENTS_PER_MILLION", "KINDS", "MISSING", "is_missing", "number", "percent", "usd_per_million",
           "with_unit"]

KINDS = ("count", "number", "auto", "usd", "usd_per_million", "percent", "yesno", "text")
MISSING = "—"
EVENTS_PER_MILLION = 1e6


def usd_per_million(usd_per_event: float) -> float:
    """Unit cost as readers see it: ``USD per million events = USD per event x 1e6``.

    >>> round(usd_per_million(5.7e-05), 6)
    57.0
    """
    return float(usd_per_event) * EVENTS_PER_MILLION


def is_missing(value: Any) -> bool:
    """Whether ``value`` is None, ``pd.NA``, ``pd.NaT`` or a NaN float.

    >>> is_missing(None), is_missing(float("nan")), is_missing(0.0), is_missing("")
    (True, True, False, False)
    """
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    return isinstance(value, (float, np.floating)) and math.isnan(float(value))


def _infinite(x: float) -> str:
    return "∞" if x > 0 else "−∞"


def number(value: Any, kind: str = "number", decimals: int | None = None, missing: str = MISSING) -> str:
    """``value`` as display text for a kind of quantity (see the module docstring).

    >>> [number(182.0, "count"), number(0.99942, "percent", 3), number(5.7e-05, "usd_per_million"), number(1e-12)]
    ['182', '99.942', '57.0', '0.00']
    >>> [number(float("nan")), number(None, "count"), number(True, "yesno"), number(float("inf"), "usd")]
    ['—', '—', 'Yes', '∞']

    Raises:
        PlaybookError: ``kind`` is not one of ``KINDS``.
    """
    if kind not in KINDS:
        raise PlaybookError(f"number format: kind must be one of {KINDS}; got {kind!r}")
    if is_missing(value):
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
        return _infinite(x)
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
        return _infinite(x)
    text = f"{x:,.{places}f}"
    if kind == "auto" and decimals is None and "." in text:  # three significant digits, no trailing zeros
        text = text.rstrip("0").rstrip(".")
    return text[1:] if text.startswith("-") and float(text.replace(",", "")) == 0 else text


def with_unit(value: Any, unit: str, missing: str = MISSING) -> str:
    """``value`` with three significant digits and its unit; a ``fraction`` unit shows as percent.

    >>> with_unit(3890.2, "ms"), with_unit(0.1063, "fraction/month"), with_unit(0.0004, "fraction")
    ('3,890 ms', '10.6 %/month', '0.04 %')
    """
    if is_missing(value):
        return missing
    if unit.startswith("fraction"):
        return f"{number(float(value) * 100, 'auto')} %{unit[len('fraction'):]}"
    return f"{number(value, 'auto')} {unit}"


def percent(value_pct: float, decimals: int = 2, max_decimals: int = 8) -> str:
    """``value_pct`` (already in %) with ``decimals`` decimals, more where rounding would reach 0 or 100.

    A 0.99999 target is "99.999", never "100.00"; 0.001 % is "0.001", never "0.00".

    Raises:
        PlaybookError: the value is NaN or infinite (no page may show it).

    >>> percent(99.95), percent(99.999), percent(100.0), percent(0.001), percent(12.345, 1)
    ('99.95', '99.999', '100.00', '0.001', '12.3')
    """
    if not math.isfinite(value_pct):
        raise PlaybookError(f"a percentage to show is {value_pct}; a parameter or input left it undefined")
    d = decimals
    text = f"{value_pct:.{d}f}"
    while d < max_decimals and ((float(text) >= 100 > value_pct) or (float(text) <= 0 < value_pct)):
        d += 1
        text = f"{value_pct:.{d}f}"
    return text
