"""Argument checks shared by every calculation module.

Each check returns the value (as a Python float or int) so callers can write
``x = check_fraction("slo_target", x)``, and raises :class:`~dfp.core.errors.PlaybookError` naming
the parameter, the allowed range and the bad value.
"""

from __future__ import annotations

import math
from numbers import Real
from typing import SupportsInt

from dfp.core.errors import PlaybookError

__all__ = ["check_fraction", "check_int_range", "check_non_negative", "check_positive", "check_range"]


def _as_float(name: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, Real):
        raise PlaybookError(f"{name} must be a number; got {value!r}")
    x = float(value)
    if math.isnan(x):
        raise PlaybookError(f"{name} must be a number; got NaN")
    return x


def check_fraction(name: str, value: object, *, closed: bool = False) -> float:
    """Check a ratio: in the open interval (0, 1), or [0, 1] when ``closed``.

    >>> check_fraction("slo_target", 0.9995)
    0.9995
    """
    x = _as_float(name, value)
    if closed:
        if not 0.0 <= x <= 1.0:
            raise PlaybookError(f"{name} must be in [0, 1]; got {value!r}")
    elif not 0.0 < x < 1.0:
        raise PlaybookError(f"{name} must be in (0, 1); got {value!r}")
    return x


def check_positive(name: str, value: object) -> float:
    """Check a finite number > 0."""
    x = _as_float(name, value)
    if not (x > 0 and math.isfinite(x)):
        raise PlaybookError(f"{name} must be a finite number > 0; got {value!r}")
    return x


def check_non_negative(name: str, value: object) -> float:
    """Check a finite number >= 0."""
    x = _as_float(name, value)
    if not (x >= 0 and math.isfinite(x)):
        raise PlaybookError(f"{name} must be a finite number >= 0; got {value!r}")
    return x


def check_range(name: str, value: object, low: float, high: float) -> float:
    """Check ``low <= value <= high``."""
    x = _as_float(name, value)
    if not low <= x <= high:
        raise PlaybookError(f"{name} must be in [{low}, {high}]; got {value!r}")
    return x


def check_int_range(name: str, value: object, low: int, high: int) -> int:
    """Check an integer with ``low <= value <= high``."""
    if isinstance(value, int) and not isinstance(value, bool):
        n = value
    elif isinstance(value, Real) and isinstance(value, SupportsInt) and float(value).is_integer():
        n = int(value)
    else:
        raise PlaybookError(f"{name} must be an integer; got {value!r}")
    if not low <= n <= high:
        raise PlaybookError(f"{name} must be in [{low}, {high}]; got {value!r}")
    return n
