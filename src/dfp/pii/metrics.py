"""Evaluation arithmetic: confusion matrices, precision/recall, the PR curve, the cost-optimal threshold.

=========================  ======================================================================
``confusion``               counts of (true class, predicted class), every class in rows and columns
``binary_counts``           TP/FP/FN/TN, precision and recall of the flag decision (PII vs none)
``per_class``               precision, recall and support per class from a confusion matrix
``pr_curve``                precision and recall of the flag at each threshold on a score
``expected_cost_usd``       ``miss_cost * FN + false_flag_cost * FP``
``choose_threshold``        the threshold with the least expected cost (ties: the lower threshold)
=========================  ======================================================================

Conventions: precision = TP / (TP + FP), recall = TP / (TP + FN); a ratio whose denominator is 0
is defined as 1.0 for precision (no flags, no false flags) and 1.0 for recall (nothing to find),
so an empty class never divides by zero. "Positive" means "holds PII" (any class but ``none``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from dfp.core.checks import check_non_negative
from dfp.core.errors import PlaybookError

__all__ = ["BinaryCounts", "ThresholdChoice", "binary_counts", "choose_threshold", "confusion",
           "expected_cost_usd", "per_class", "pr_curve"]


def _arrays(y_true: Sequence[str], y_pred: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    t, p = np.asarray(y_true, dtype=object), np.asarray(y_pred, dtype=object)
    if t.shape != p.shape:
        raise PlaybookError(f"y_true has {t.shape[0]} labels but y_pred has {p.shape[0]}")
    return t, p


def confusion(y_true: Sequence[str], y_pred: Sequence[str], classes: Sequence[str]) -> pd.DataFrame:
    """Confusion matrix: rows are the true class, columns the predicted class, cells are counts.

    >>> confusion(["a", "a", "b"], ["a", "b", "b"], ["a", "b"]).to_numpy().tolist()
    [[1, 1], [0, 1]]
    """
    t, p = _arrays(y_true, y_pred)
    unknown = sorted(set(t) - set(classes) | set(p) - set(classes))
    if unknown:
        raise PlaybookError(f"confusion: labels {unknown} are not in classes {list(classes)}")
    idx = {c: i for i, c in enumerate(classes)}
    m = np.zeros((len(classes), len(classes)), dtype=np.int64)
    np.add.at(m, ([idx[x] for x in t], [idx[x] for x in p]), 1)
    return pd.DataFrame(m, index=pd.Index(list(classes), name="true"), columns=pd.Index(list(classes), name="predicted"))


@dataclass(frozen=True)
class BinaryCounts:
    """The flag decision's counts and ratios (positive = holds PII)."""

    tp: int
    fp: int
    fn: int
    tn: int

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def flagged(self) -> int:
        return self.tp + self.fp


def binary_counts(y_true: Sequence[str], y_pred: Sequence[str], negative: str = "none") -> BinaryCounts:
    """Counts of the flag decision: a field is flagged when its predicted class is not ``negative``.

    A PII field flagged with the wrong PII class still counts as a true positive here (it reaches a
    reviewer); :func:`per_class` shows the class mix-ups.

    >>> b = binary_counts(["none", "email", "phone", "none"], ["email", "phone", "none", "none"])
    >>> (b.tp, b.fp, b.fn, b.tn, b.precision, b.recall)
    (1, 1, 1, 1, 0.5, 0.5)
    """
    t, p = _arrays(y_true, y_pred)
    pos, flag = t != negative, p != negative
    return BinaryCounts(int((pos & flag).sum()), int((~pos & flag).sum()), int((pos & ~flag).sum()),
                        int((~pos & ~flag).sum()))


def per_class(matrix: pd.DataFrame) -> pd.DataFrame:
    """Precision, recall and support per class from a square confusion matrix (rows = true).

    >>> m = confusion(["a", "a", "b"], ["a", "b", "b"], ["a", "b"])
    >>> per_class(m)[["precision", "recall", "support"]].to_numpy().tolist()
    [[1.0, 0.5, 2.0], [0.5, 1.0, 1.0]]
    """
    m = matrix.to_numpy(dtype=float)
    if m.shape[0] != m.shape[1] or list(matrix.index) != list(matrix.columns):
        raise PlaybookError("per_class: the confusion matrix must be square with the same classes on both axes")
    tp = np.diag(m)
    col, row = m.sum(axis=0), m.sum(axis=1)
    precision = np.divide(tp, col, out=np.ones_like(tp), where=col > 0)
    recall = np.divide(tp, row, out=np.ones_like(tp), where=row > 0)
    return pd.DataFrame({"precision": precision, "recall": recall, "support": row}, index=matrix.index)


def pr_curve(is_pii: Sequence[bool], scores: Sequence[float], thresholds: Sequence[float] | np.ndarray) -> pd.DataFrame:
    """Precision and recall of "flag when score >= threshold", one row per threshold.

    >>> pr_curve([True, True, False], [0.9, 0.4, 0.6], [0.5]).round(3).to_numpy().tolist()
    [[0.5, 0.5, 0.5, 1.0, 1.0, 1.0, 2.0]]
    """
    y = np.asarray(is_pii, dtype=bool)
    s = np.asarray(scores, dtype=float)
    if y.shape != s.shape:
        raise PlaybookError(f"pr_curve: {y.shape[0]} labels but {s.shape[0]} scores")
    th = np.asarray(thresholds, dtype=float)
    flag = s[None, :] >= th[:, None]
    tp = (flag & y).sum(axis=1)
    fp = (flag & ~y).sum(axis=1)
    fn = (~flag & y).sum(axis=1)
    precision = np.divide(tp, tp + fp, out=np.ones(len(th)), where=(tp + fp) > 0)
    recall = np.divide(tp, tp + fn, out=np.ones(len(th)), where=(tp + fn) > 0)
    return pd.DataFrame({"threshold": th, "precision": precision, "recall": recall, "tp": tp, "fp": fp,
                         "fn": fn, "flagged": tp + fp})


def expected_cost_usd(fn: int | np.ndarray, fp: int | np.ndarray, miss_cost_usd: float,
                      false_flag_cost_usd: float) -> float | np.ndarray:
    """Expected cost of a decision rule: ``miss_cost_usd * FN + false_flag_cost_usd * FP`` (USD).

    >>> expected_cost_usd(2, 10, 250.0, 5.0)
    550.0
    """
    m = check_non_negative("miss_cost_usd", miss_cost_usd)
    f = check_non_negative("false_flag_cost_usd", false_flag_cost_usd)
    return m * np.asarray(fn, dtype=float) + f * np.asarray(fp, dtype=float) if np.ndim(fn) else m * fn + f * fp


@dataclass(frozen=True)
class ThresholdChoice:
    """The chosen threshold and what it costs and achieves on the data it was chosen on."""

    threshold: float
    cost_usd: float
    precision: float
    recall: float
    fn: int
    fp: int


def choose_threshold(is_pii: Sequence[bool], scores: Sequence[float], miss_cost_usd: float,
                     false_flag_cost_usd: float, thresholds: Sequence[float] | np.ndarray | None = None) -> ThresholdChoice:
    """The threshold on the score that minimises ``miss_cost * FN + false_flag_cost * FP``.

    Ties go to the lower threshold (more fields flagged, fewer misses). Default grid: 0.01 to 0.99
    in steps of 0.01. Choose on a validation split, report on a held-out test split.

    >>> choose_threshold([True, False, False], [0.6, 0.5, 0.1], 100.0, 1.0, [0.3, 0.55, 0.9]).threshold
    0.55
    """
    grid = np.round(np.arange(1, 100) / 100.0, 2) if thresholds is None else np.asarray(thresholds, dtype=float)
    curve = pr_curve(is_pii, scores, grid)
    cost = np.asarray(expected_cost_usd(curve["fn"].to_numpy(), curve["fp"].to_numpy(), miss_cost_usd,
                                        false_flag_cost_usd))
    i = int(np.argmin(cost))  # argmin returns the first minimum: the lowest threshold among ties
    row = curve.iloc[i]
    return ThresholdChoice(float(row["threshold"]), float(cost[i]), float(row["precision"]), float(row["recall"]),
                           int(row["fn"]), int(row["fp"]))
