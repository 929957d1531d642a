"""AI-assisted PII flagging: a bounded, evaluated, costed capability with a fallback (ADR-0015).

=====================  ==========================================================================
``dfp.pii.rules``       the deterministic rules baseline (regexes and field-name keywords)
``dfp.pii.model``       features, offline training (scikit-learn, seeded) and scoring
``dfp.pii.metrics``     confusion matrix, precision/recall, PR curve, cost-optimal threshold
``dfp.pii.evaluation``  train on train, choose on validation, report on test and drift
``dfp.pii.guard``       the fallback wrapper, the audit log, the bounds of autonomy, the SLI
``dfp.pii.cost``        monthly cost and latency per option (build / buy / hosted-model API)
=====================  ==========================================================================

The capability suggests; people decide. It tags payload fields that likely hold personal data so
that a customer's admin can review masking rules. It never changes a masking rule, never touches
delivery, and never sends an EU payload out of eu-west-1. Its labelled sample is
``data/pii_fields.csv`` (``dfp.generate.pii``).
"""

from __future__ import annotations

__all__: list[str] = []
