"""The package's one exception type.

Every message names the function, file, column, row or parameter at fault, the rule it broke and
the bad value, e.g. ``slo_target must be in (0, 1); got 99.9``.
"""

from __future__ import annotations

__all__ = ["PlaybookError"]


class PlaybookError(ValueError):
    """Bad input to a calculation, a data file that fails validation, or a bad parameter."""
