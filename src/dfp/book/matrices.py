"""The alternatives page's views of the decision matrices: the bar-chart panels and the human tables.

==========================  ==============================================================
``criterion_word``           a criterion's short name for prose and chart notes
``option_label``             an option's human name, for prose
``decision_panel``           one decision as a ``plotting.DecisionPanel`` (scores, winner, flips)
``values_table``             an evaluation's option values and scores, options as columns
``sensitivity_table``        weight now, flip weight and new winner per criterion
``summary_table``            every decision: winner, recorded choice, margin, nearest flip
``drivers_table``            the quantities every option is priced at
==========================  ==============================================================
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from dfp.architecture import decision as dec
from dfp.book.plotting import DecisionPanel
from dfp.book.tables import Col, human_table, label
from dfp.core.errors import PlaybookError

__all__ = ["criterion_word", "decision_panel", "drivers_table", "option_label", "sensitivity_table", "summary_table",
           "values_table"]

DRIVERS: dict[str, Col] = {
    "events_million_month": Col("Events (million/month)", "number", 1),
    "event_gb_month": Col("Event data (GB/month)", "number", 1),
    "stored_gb": Col("Stored events after retention (GB)", "count"),
    "shards": Col("Kinesis shards provisioned", "count"),
    "peak_events_per_s": Col("Peak rate (events/s)", "count"),
    "customers": Col("Customers", "count"),
    "one_tenant_share": Col("One tenant's share of tenants (%)", "percent", 2),
    "us_share": Col("Customers in us-east-1 (%)", "percent", 1),
    "us_half_share": Col("Half of the us-east-1 customers (%)", "percent", 1),
    "cell_fixed_usd_month": Col("A regional cell's fixed cost, from the bill (USD/month)", "usd"),
    "cell_usd_per_million_events": Col("A cell's cost per million events, from the bill (USD)", "number", 2),
}


def criterion_word(name: str) -> str:
    """A criterion's label without its unit, lower case: ``cost_usd_per_month`` -> ``cost``.

    >>> criterion_word("ops_h_per_week")
    'operations'
    """
    return label(name).split(" (")[0].lower()


def _labels(decision: Mapping[str, Any]) -> dict[str, str]:
    return {k: str(o["label"]) for k, o in decision["options"].items()}


def option_label(decision: Mapping[str, Any], option_id: object) -> str:
    """The human name of one of ``decision``'s options (its ``label`` in ``data/decisions.yml``), for prose.

    Raises ``PlaybookError`` naming the decision and the id when the decision has no such option (a NaN id
    is a flip that does not exist).

    >>> option_label({"id": "cloud", "options": {"aws": {"label": "AWS"}}}, "aws")
    'AWS'
    """
    labels = _labels(decision)
    if not isinstance(option_id, str) or option_id not in labels:
        raise PlaybookError(f"option_label: decision {decision.get('id', '?')!r} has no option {option_id!r}; "
                            f"its options are {sorted(labels)}")
    return labels[option_id]


def decision_panel(decision: Mapping[str, Any], ev: dec.Evaluation) -> DecisionPanel:
    """One decision's bars: scores by option label, the winner, and for each option that a weight change
    would make the winner, the nearest such flip ("wins at cost weight 0.32 (now 0.20)")."""
    labels = _labels(decision)
    s = ev.sensitivity.dropna(subset=["flip_at"])
    s = s.assign(dist=(s["flip_at"] - s["weight"]).abs()).sort_values("dist")
    notes: dict[str, str] = {}
    for crit, row in s.iterrows():
        name = labels[str(row["new_winner"])]
        notes.setdefault(name, f"wins at {criterion_word(str(crit))} weight {row['flip_at']:.2f} "
                               f"(now {row['weight']:.2f})")
    title = f"ADR-{decision['adr']}: {decision['question']}"
    return DecisionPanel(title, ev.result.scores.rename(index=labels), labels[ev.result.winner], notes)


def values_table(decision: Mapping[str, Any], ev: dec.Evaluation, engineer_usd_per_h: float) -> pd.DataFrame:
    """Criterion values (with the cost that prices operations time in) and the weighted score, one row per
    criterion and one column per option, best option first."""
    v = dec.values_with_ops_cost(ev, engineer_usd_per_h).loc[ev.result.scores.index]
    v = v.assign(score=ev.result.scores)
    return human_table(v, index_labels=_labels(decision), transpose=True)


def sensitivity_table(decision: Mapping[str, Any], ev: dec.Evaluation) -> pd.DataFrame:
    """Per criterion: its weight now, the weight at which another option wins, and which one."""
    s = ev.sensitivity.assign(new_winner=ev.sensitivity["new_winner"].map(_labels(decision)))
    cols = {"weight": Col("Weight now"), "flip_at": Col("Winner changes at weight", missing="no weight in 0-1"),
            "new_winner": Col("New winner", "text", missing="none")}
    return human_table(s, cols, index_labels={c: label(c) for c in s.index}, index_label="Criterion")


def summary_table(decisions: Mapping[str, Mapping[str, Any]], evals: Mapping[str, dec.Evaluation]) -> pd.DataFrame:
    """Every decision by ADR: the computed winner, the recorded choice, the margin and the nearest flip."""
    df = dec.decisions_summary(decisions, evals)
    labels = {k: v for d in decisions.values() for k, v in _labels(d).items()}
    df = df.assign(winner=df["winner"].map(labels),
                   recorded=[labels.get(r, r) for r in df["recorded"]],
                   nearest_flip=[criterion_word(c) if c != "none" else "none" for c in df["nearest_flip"]])
    df.index = pd.Index([f"ADR-{a}" for a in df["adr"]])
    cols = {"winner": Col("Matrix winner", "text"), "recorded": Col("Recorded choice", "text"),
            "margin": Col("Margin (points)", "number", 2), "nearest_flip": Col("Closest flip", "text")}
    return human_table(df, cols, keep=list(cols), index_label="Decision")


def drivers_table(drivers: Mapping[str, float]) -> pd.DataFrame:
    """The drivers every option's cost scales with, one labelled row each (AI cost-model inputs left out)."""
    shown = {k: v for k, v in drivers.items() if k in DRIVERS}
    return human_table(pd.DataFrame([shown], index=["value"]), DRIVERS, transpose=True).set_axis(
        ["Value"], axis=1)
