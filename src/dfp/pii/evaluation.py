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

import time
from dataclasses import dataclass

import numpy as np
import pandas as pd

from dfp.core.errors import PlaybookError
from dfp.pii.guard import GuardedFlagger
from dfp.pii.metrics import BinaryCounts, ThresholdChoice, binary_counts, choose_threshold, pr_curve
from dfp.pii.model import PiiModel, decide, train_model
from dfp.pii.rules import rules_classify

__all__ = ["THRESHOLD_GRID", "Evaluation", "FaultRun", "FaultScenario", "adversarial_recall", "by_hard_case", "drift_table",
           "evaluate", "run_fault_scenario"]

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


@dataclass(frozen=True)
class FaultScenario:
    """Faults injected into the model by batch number (1-based): an outage over ``outage`` batches, one
    batch that hangs past the deadline, one that raises a client timeout."""

    batch_size: int = 25
    outage: range = range(8, 20)
    hang: int = 30
    client_timeout: int = 31


@dataclass(frozen=True)
class FaultRun:
    """:func:`run_fault_scenario`: the test stream, its batches and the guard with its audit trail."""

    stream: pd.DataFrame
    batches: int
    flagger: GuardedFlagger
    audit: pd.DataFrame


def run_fault_scenario(ev: Evaluation, scenario: FaultScenario, timeout_ms: float) -> FaultRun:
    """Stream the test split (by field id) in batches through a :class:`GuardedFlagger` around the real
    model, with ``scenario``'s faults injected; the hang sleeps twice the deadline. The model is called
    once outside the guard first so its one-off start-up cost is not read as a hang."""
    stream = ev.split("test").sort_values("field_id").reset_index(drop=True)
    n = scenario.batch_size
    batches = [stream.iloc[i:i + n] for i in range(0, len(stream), n)]
    current = {"batch": 0}

    def scripted(names: pd.Series, values: pd.Series) -> tuple[np.ndarray, np.ndarray]:
        b = current["batch"]
        if b in scenario.outage:
            raise ConnectionError("model endpoint unreachable")
        if b == scenario.hang:
            time.sleep(2 * timeout_ms / 1000)
        if b == scenario.client_timeout:
            raise TimeoutError("client timeout")
        return decide(ev.model.predict_proba(names, values), ev.model.classes, ev.choice.threshold)

    ev.model.predict_proba(batches[0]["field_name"], batches[0]["sample_value"])
    flagger = GuardedFlagger(scripted, ev.model.version, timeout_s=timeout_ms / 1000)
    for i, batch in enumerate(batches, start=1):
        current["batch"] = i
        flagger.classify(batch)
    return FaultRun(stream, len(batches), flagger, flagger.audit_frame())


def drift_table(ev: Evaluation, unsure_below: float) -> pd.DataFrame:
    """Per split (test, drift): model recall and precision, rules recall, and the share of fields the
    model is unsure of (its top class probability below ``unsure_below``), all in %."""
    rows = {}
    for name in ("test", "drift"):
        part = ev.split(name)
        m, r = binary_counts(part["true_class"], part["model_class"]), binary_counts(part["true_class"], part["rules_class"])
        unsure = (ev.model.top_probability(part["field_name"], part["sample_value"]) < unsure_below).mean()
        rows[name] = [100 * m.recall, 100 * m.precision, 100 * r.recall, 100 * unsure]
    return pd.DataFrame(rows, index=["model recall %", "model precision %", "rules recall %", "model unsure %"]).T


def adversarial_recall(test: pd.DataFrame, kinds: tuple[str, ...] = ("obfuscated", "free_text", "opaque_name")
                       ) -> tuple[pd.DataFrame, BinaryCounts, BinaryCounts]:
    """Recall of the model and the rules on PII fields of the adversarial hard-case kinds: per kind (%),
    and over all of them (model, rules)."""
    adv = test[test["hard_case"].isin(kinds) & (test["true_class"] != "none")]
    per_kind = adv.groupby("hard_case", sort=True).apply(lambda g: pd.Series({
        "PII fields": len(g),
        "model recall %": 100 * binary_counts(g["true_class"], g["model_class"]).recall,
        "rules recall %": 100 * binary_counts(g["true_class"], g["rules_class"]).recall}), include_groups=False)
    return (per_kind, binary_counts(adv["true_class"], adv["model_class"]),
            binary_counts(adv["true_class"], adv["rules_class"]))
