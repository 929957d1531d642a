"""Hold measured values against the owner's targets.

``scorecard(system, measured)`` returns one row per target: the target, the measured value (or
NaN where the data does not measure it), and whether it is met.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from dfp.errors import PlaybookError
from dfp.system import System

__all__ = ["scorecard"]


def scorecard(system: System, measured: Mapping[str, float], categories: tuple[str, ...] | None = None) -> pd.DataFrame:
    """Targets (optionally only some categories) with measured values and verdicts.

    Args:
        measured: ``{target_id: value}`` in each target's unit.
        categories: keep only these target categories.

    Returns:
        Columns ``id, category, metric, target, measured, met`` (``met`` is None when unmeasured).
    """
    ids = {t.id for t in system.targets}
    unknown = sorted(set(measured) - ids)
    if unknown:
        raise PlaybookError(f"scorecard: measured values for unknown targets {unknown}")
    rows = []
    for t in system.targets:
        if categories is not None and t.category not in categories:
            continue
        value = measured.get(t.id)
        rows.append({
            "id": t.id,
            "category": t.category,
            "metric": t.metric,
            "target": t.label,
            "measured": np.nan if value is None else float(value),
            "met": None if value is None else t.met_by(value),
        })
    return pd.DataFrame(rows)
