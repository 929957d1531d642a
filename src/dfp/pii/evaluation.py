"""The evaluation run end to end: train on ``train``, choose the threshold on ``validation``, report on ``test``.

=========================  ====================================================================
``evaluate``                train, score, choose the threshold, compare with the rules baseline
``Evaluation``              everything a page reports: model, threshold, per-split predictions
``by_hard_case``            recall of model and rules per hard-case kind (PII rows only)
``THRESHOLD_GRID``          the thresholds searched (0.01 .. 0.99)
=========================  ====================================================================

Splits come from the data (``pii_fields.csv`` column ``split``), so every page and test uses the
same rows. The threshold is chosen on validation only; test numbers are never used to choose.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from dfp.core.errors import PlaybookError
from dfp.pii.metrics import ThresholdChoice, choose_threshold, pr_curve
from dfp.pii.model import PiiModel, decide, train_model
from dfp.pii.rules import rules_classify

__all__ = ["THRESHOLD_GRID", "Evaluation", "by_hard_case", "evaluate"]

THRESHOLD_GRID = np.round(np.arange(1, 100) / 100.0, 2)


@dataclass(frozen=True)
class Evaluation:
    """The result of :func:`evaluate`. ``scored`` holds every row with model and rules verdicts."""

    model: PiiModel
    choice: ThresholdChoice
    scored: pd.DataFrame          # fields + pii_score, model_class (at the chosen threshold), rules_class
    validation_curve: pd.DataFrame
    test_curve: pd.DataFrame

    def split(self, name: str) -> pd.DataFrame:
        return self.scored[self.scored["split"] == name]


def evaluate(fields: pd.DataFrame, miss_cost_usd: float, false_flag_cost_usd: float,
             random_state: int = 0, threshold: float | None = None) -> Evaluation:
    """Train on the ``train`` split, pick the cost-optimal threshold on ``validation``, score all rows.

    Args:
        fields: the labelled sample (``dfp.io.data.load("pii_fields")``).
        miss_cost_usd: cost of one PII field left unflagged (USD).
        false_flag_cost_usd: cost of one non-PII field flagged for review (USD).
        random_state: seed of the model fit.
        threshold: use this threshold instead of choosing one (the choice is still reported).
    """
    if not {"train", "validation", "test"} <= set(fields["split"]):
        raise PlaybookError("evaluate: fields must contain train, validation and test splits")
    model = train_model(fields[fields["split"] == "train"], random_state=random_state)
    proba = model.predict_proba(fields["field_name"], fields["sample_value"])
    _, scores = decide(proba, model.classes, 0.5)
    is_pii = (fields["true_class"] != "none").to_numpy()
    val = (fields["split"] == "validation").to_numpy()
    choice = choose_threshold(is_pii[val], scores[val], miss_cost_usd, false_flag_cost_usd, THRESHOLD_GRID)
    t = choice.threshold if threshold is None else float(threshold)
    labels, _ = decide(proba, model.classes, t)
    scored = fields.assign(pii_score=scores, model_class=labels,
                           rules_class=rules_classify(fields["field_name"], fields["sample_value"]))
    test = (fields["split"] == "test").to_numpy()
    return Evaluation(model, choice, scored, pr_curve(is_pii[val], scores[val], THRESHOLD_GRID),
                      pr_curve(is_pii[test], scores[test], THRESHOLD_GRID))


def by_hard_case(scored: pd.DataFrame) -> pd.DataFrame:
    """Per hard-case kind: fields, and the share of them each classifier gets exactly right."""
    ok = scored.assign(model=scored["model_class"] == scored["true_class"],
                       rules=scored["rules_class"] == scored["true_class"])
    out = ok.groupby("hard_case", sort=True).agg(fields=("field_id", "size"), model=("model", "mean"),
                                                 rules=("rules", "mean"))
    return out.sort_values("rules")
