"""The AI capability's guard rails: the fallback to the rules, the audit log, the bounds of autonomy.

=========================  ====================================================================
``GuardedFlagger``          classify a batch with the model; on an error, a timeout or an open
                            circuit, classify it with the rules instead; every field gets exactly
                            one decision and one audit record
``Decision``                one field's decision (class, score, source, reason, model version);
                            ``GuardedFlagger.audit_jsonl`` serialises the log for the audit store
``ACTIONS``                 what the capability may do alone and what always goes to a human
``requires_human``          look up an action's bound; unknown actions go to a human
``fallback_sli``            share of fields the model decided, and share decided at all
=========================  ====================================================================

The flagger runs off the ingestion path, on a sampled copy of the stream: an event is delivered
whether or not it is classified, so a model outage costs classification quality, never events.
The model call runs in a worker thread with a deadline; a call that overruns is abandoned (its
result is ignored) and the batch goes to the rules. After ``breaker_failures`` consecutive failed
batches the circuit opens and the next ``breaker_cooldown_batches`` batches skip the model
entirely (counted in batches, so behaviour is deterministic); then one trial batch calls the model:
success closes the circuit, failure re-opens it at once.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Literal

import numpy as np
import pandas as pd

from dfp.core.checks import check_int_range, check_positive
from dfp.core.errors import PlaybookError
from dfp.pii.rules import rules_classify

__all__ = ["ACTIONS", "Action", "Decision", "GuardedFlagger", "fallback_sli", "requires_human"]

Source = Literal["model", "rules"]
Reason = Literal["ok", "model_error", "timeout", "circuit_open"]
#: A model: ``(field_names, values) -> (labels, pii_scores)`` for the batch, in input order.
ModelFn = Callable[[pd.Series, pd.Series], tuple[np.ndarray, np.ndarray]]


@dataclass(frozen=True)
class Decision:
    """One field's decision, as written to the audit log."""

    batch: int
    field_id: str
    region: str
    predicted_class: str
    pii_score: float | None     # None when the rules decided (they give no score)
    flagged: bool
    source: Source
    reason: Reason
    model_version: str


@dataclass
class GuardedFlagger:
    """Model first, rules as the floor; an audit record per field.

    Args:
        model: the model function (see ``ModelFn``); may raise or hang.
        model_version: logged with each model decision ("rules" is logged for rule decisions).
        timeout_s: deadline for one batch's model call (s).
        breaker_failures: consecutive failed batches that open the circuit.
        breaker_cooldown_batches: batches that skip the model once the circuit is open.
    """

    model: ModelFn
    model_version: str
    timeout_s: float = 0.25
    breaker_failures: int = 3
    breaker_cooldown_batches: int = 5
    audit: list[Decision] = field(default_factory=list)
    _failures: int = 0
    _cooldown: int = 0
    _half_open: bool = False
    _batch: int = 0

    def __post_init__(self) -> None:
        check_positive("timeout_s", self.timeout_s)
        check_int_range("breaker_failures", self.breaker_failures, 1, 1000)
        check_int_range("breaker_cooldown_batches", self.breaker_cooldown_batches, 0, 100_000)

    def _call_model(self, names: pd.Series, values: pd.Series) -> tuple[np.ndarray, np.ndarray] | Reason:
        results: list[tuple[np.ndarray, np.ndarray]] = []
        errors: list[Exception] = []

        def run() -> None:
            try:
                results.append(self.model(names, values))
            except Exception as exc:  # any model failure degrades to the rules
                errors.append(exc)

        worker = threading.Thread(target=run, daemon=True)
        worker.start()
        worker.join(self.timeout_s)
        if worker.is_alive():
            return "timeout"
        if errors:
            return "timeout" if isinstance(errors[0], TimeoutError) else "model_error"
        labels, scores = results[0]
        if len(labels) != len(names) or len(scores) != len(names):
            return "model_error"  # a malformed answer is a failure, not a partial result
        return np.asarray(labels, dtype=object), np.asarray(scores, dtype=float)

    def classify(self, batch: pd.DataFrame) -> list[Decision]:
        """Decide every field of ``batch`` (columns ``field_id``, ``region``, ``field_name``, ``sample_value``)."""
        missing = {"field_id", "region", "field_name", "sample_value"} - set(batch.columns)
        if missing:
            raise PlaybookError(f"GuardedFlagger.classify: batch lacks column(s) {sorted(missing)}")
        self._batch += 1
        names, values = batch["field_name"], batch["sample_value"]
        outcome: tuple[np.ndarray, np.ndarray] | Reason
        if self._cooldown > 0:
            self._cooldown -= 1
            self._half_open = self._cooldown == 0  # the next batch is the trial
            outcome = "circuit_open"
        else:
            outcome = self._call_model(names, values)
        if isinstance(outcome, tuple):
            self._failures, self._half_open = 0, False
            labels, scores = outcome
            source: Source = "model"
            reason: Reason = "ok"
            score_list: list[float | None] = [float(s) for s in scores]
            version = self.model_version
        else:
            if outcome != "circuit_open":
                self._failures += 1
                if self._half_open or self._failures >= self.breaker_failures:  # a failed trial re-opens at once
                    self._cooldown, self._failures = self.breaker_cooldown_batches, 0
                    self._half_open = self._cooldown == 0
            labels = rules_classify(names, values)
            source, reason, score_list, version = "rules", outcome, [None] * len(batch), "rules"
        decisions = [
            Decision(self._batch, str(fid), str(reg), str(lab), sc, lab != "none", source, reason, version)
            for fid, reg, lab, sc in zip(batch["field_id"], batch["region"], labels, score_list, strict=True)
        ]
        self.audit.extend(decisions)
        return decisions

    def audit_jsonl(self) -> str:
        """The audit log as JSON Lines (one decision per line, keys sorted): the form shipped to the
        audit store, which keeps it for the platform's audit-retention period (>= 90 days)."""
        return "".join(json.dumps(asdict(d), sort_keys=True) + "\n" for d in self.audit)

    def audit_frame(self) -> pd.DataFrame:
        """The audit log as a frame, one row per decision, in decision order."""
        cols = list(Decision.__dataclass_fields__)
        return pd.DataFrame([asdict(d) for d in self.audit], columns=cols)


def fallback_sli(audit: pd.DataFrame, fields_received: int) -> tuple[float, float]:
    """``(model_served_ratio, decided_ratio)`` of an audit log.

    ``model_served_ratio`` = fields decided by the model / fields decided (the capability's SLI);
    ``decided_ratio`` = fields decided / fields received (must be 1: no field is ever dropped).

    >>> fallback_sli(pd.DataFrame({"source": ["model", "rules", "model", "model"]}), 4)
    (0.75, 1.0)
    """
    received = check_positive("fields_received", fields_received)
    n = len(audit)
    served = float((audit["source"] == "model").sum()) / n if n else 0.0
    return served, n / received


@dataclass(frozen=True)
class Action:
    """Something the capability could do, and who decides it."""

    action: str
    effect: str             # none | compliance | security | financial
    autonomous: bool        # True: the capability may do it alone
    why: str


ACTIONS: tuple[Action, ...] = (
    Action("tag a field 'suspected PII' in the schema review queue", "none", True,
           "a suggestion a human reads; wrong tags cost review minutes only"),
    Action("order the review queue by PII score", "none", True, "changes what a reviewer sees first, not what happens"),
    Action("show the suggested class and score to the customer's admin", "none", True,
           "advisory, labelled as machine-generated"),
    Action("turn on or change a masking rule", "compliance", False,
           "changes what data leaves the platform; the customer's admin approves"),
    Action("remove a masking rule or mark a field 'not PII'", "compliance", False,
           "an unmasked PII field is the costly error; only a human can clear a field"),
    Action("drop, delay or quarantine events", "financial", False,
           "events are the product; the capability never touches delivery"),
    Action("open a security incident or notify a customer of exposure", "security", False,
           "a disclosure decision with legal effect; the privacy lead decides"),
    Action("send a payload to a processor outside the customer's region", "compliance", False,
           "GDPR residency; no automatic path exists"),
    Action("retrain or promote a new model version", "compliance", False,
           "a human reviews the evaluation and signs the promotion"),
)


def requires_human(action: str) -> bool:
    """True when ``action`` needs a human decision; an action not in ``ACTIONS`` always does.

    >>> requires_human("turn on or change a masking rule"), requires_human("order the review queue by PII score")
    (True, False)
    >>> requires_human("anything not listed")
    True
    """
    for a in ACTIONS:
        if a.action == action:
            return not a.autonomous
    return True


def _check_bounds() -> None:
    """Invariant: an action with any compliance, security or financial effect is never autonomous."""
    for a in ACTIONS:
        if a.effect != "none" and a.autonomous:  # pragma: no cover - guarded by a test
            raise PlaybookError(f"ACTIONS: {a.action!r} has {a.effect} effect and must not be autonomous")


_check_bounds()
