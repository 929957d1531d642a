"""Weighted decision matrices for the architecture choices, and how sensitive their winners are.

=========================  ====================================================================
``load_decisions``          read and validate ``data/decisions.yml``
``option_values``           one decision's raw criterion values (availability and cost computed)
``normalise``               min-max scale each criterion to [0, 1], 1 = best
``weighted_matrix``         weighted scores, winner, runner-up and margin
``flip_weight``             the weight of one criterion at which the winner changes
``sensitivity``             ``flip_weight`` for every criterion of a decision
``evaluate``                one decision end to end: values, matrix, sensitivity
``score_curve``             every option's score as one criterion's weight sweeps 0..1
``drivers_at_target``       the quantities option costs scale with, at the 10 M events/day target
``cell_bill_month``         the month (``YYYY-MM``) a regional cell is priced from: the story's last
``billed_cells``            one month's bill of each production cell (region) and its events
``cell_cost_split``         a cell's fixed USD/month and USD per million events, solved from two cells
``ai_option_drivers``       the AI capability's options priced by ``dfp.pii.cost`` at a volume and EU share
``check_price_near_bill``   raise unless a matrix price per million events is near the bill's
``check_prices_monotone``   raise unless every option's price grows with volume
``ai_cost_inputs``          the EU share and characters per field those prices use, at a story month
``decision_leaves``         availability inputs: SLA leaves plus the alternatives' own
``values_with_ops_cost``    an evaluation's values plus cost with the operations time priced in
``value_formats``           display formats for a values table by column name
``decisions_summary``       every decision's computed winner against the recorded choice
=========================  ====================================================================

Weights are non-negative and normalised to sum to 1. When one criterion's weight moves to t the
others keep their proportions and share 1 - t, so every option's score is linear in t and the
flip points are exact (no grid search).
"""

from __future__ import annotations

import functools
import itertools
import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from dfp.architecture import model as arch
from dfp.business import customers as business
from dfp.business import traffic
from dfp.capacity.sizing import shards_needed
from dfp.core.errors import PlaybookError
from dfp.core.paths import data_dir
from dfp.core.units import DAYS_PER_MONTH, HOURS_PER_MONTH, WEEKS_PER_MONTH
from dfp.io.data import load
from dfp.io.external import fact
from dfp.io.focus import load_billing
from dfp.io.policies import load_policies, workload
from dfp.io.system import System
from dfp.io.yamlfile import check_shape, load_yaml
from dfp.pii import cost
from dfp.reliability.availability import compose

__all__ = [
    "Evaluation",
    "FlipPoint",
    "MatrixResult",
    "ai_cost_inputs",
    "ai_option_drivers",
    "billed_cells",
    "cell_bill_month",
    "cell_cost_split",
    "check_price_near_bill",
    "check_prices_monotone",
    "decision_leaves",
    "decisions_summary",
    "drivers_at_target",
    "evaluate",
    "flip_weight",
    "load_decisions",
    "normalise",
    "option_values",
    "score_curve",
    "sensitivity",
    "value_formats",
    "values_with_ops_cost",
    "weighted_matrix",
]

_DIRECTIONS = ("max", "min")


@dataclass(frozen=True)
class MatrixResult:
    """Scores in [0, 1] by option (best first), the winner, the runner-up and the winning margin."""

    scores: pd.Series
    normalised: pd.DataFrame
    winner: str
    runner_up: str
    margin: float


@dataclass(frozen=True)
class FlipPoint:
    """Where a criterion's weight flips the winner (``flip_at`` None: no weight in [0, 1] does)."""

    criterion: str
    weight: float
    flip_at: float | None
    new_winner: str | None


def _weights(weights: Mapping[str, float], criteria: pd.Index) -> pd.Series:
    w = pd.Series({c: float(weights.get(c, float("nan"))) for c in criteria})
    if w.isna().any():
        raise PlaybookError(f"weights missing for criteria {list(w.index[w.isna()])}")
    if (w < 0).any() or w.sum() <= 0:
        raise PlaybookError(f"weights must be >= 0 with a positive sum; got {dict(w)}")
    return w / w.sum()


def normalise(values: pd.DataFrame, directions: Mapping[str, str]) -> pd.DataFrame:
    """Min-max scale each column to [0, 1] with 1 = best (``max``: higher is better, ``min``: lower).

    A column where every option is equal scores 1 everywhere (it cannot discriminate).

    >>> normalise(pd.DataFrame({"cost": [10.0, 30.0, 20.0]}), {"cost": "min"})["cost"].tolist()
    [1.0, 0.0, 0.5]
    """
    out = pd.DataFrame(index=values.index)
    for c in values.columns:
        d = directions.get(c)
        if d not in _DIRECTIONS:
            raise PlaybookError(f"direction of criterion {c!r} must be one of {list(_DIRECTIONS)}; got {d!r}")
        col = values[c].astype(float)
        lo, hi = col.min(), col.max()
        if hi - lo <= 1e-15 * max(1.0, abs(hi)):
            out[c] = 1.0
        else:
            out[c] = (col - lo) / (hi - lo) if d == "max" else (hi - col) / (hi - lo)
    return out


def weighted_matrix(values: pd.DataFrame, weights: Mapping[str, float], directions: Mapping[str, str]) -> MatrixResult:
    """Score options (rows) on criteria (columns): ``sum_c w_c * normalised_c``.

    Ties go to the option listed first. Needs at least two options.

    >>> v = pd.DataFrame({"cost": [10.0, 20.0], "ops": [5.0, 1.0]}, index=["a", "b"])
    >>> weighted_matrix(v, {"cost": 0.6, "ops": 0.4}, {"cost": "min", "ops": "min"}).winner
    'a'
    """
    if len(values) < 2:
        raise PlaybookError(f"a decision needs at least two options; got {len(values)}")
    norm = normalise(values, directions)
    w = _weights(weights, values.columns)
    scores = (norm * w).sum(axis=1)
    order = sorted(range(len(scores)), key=lambda i: (-scores.iloc[i], i))
    ranked = scores.iloc[order]
    return MatrixResult(ranked, norm, str(ranked.index[0]), str(ranked.index[1]),
                        float(ranked.iloc[0] - ranked.iloc[1]))


def _winner_at(norm: pd.DataFrame, w: pd.Series, criterion: str, t: float) -> str:
    rest = w.drop(criterion)
    scale = (1.0 - t) / rest.sum() if rest.sum() > 0 else 0.0
    wt = pd.concat([pd.Series({criterion: t}), rest * scale])[norm.columns]
    s = (norm * wt).sum(axis=1)
    return str(s.index[max(range(len(s)), key=lambda i: (s.iloc[i], -i))])


def flip_weight(values: pd.DataFrame, weights: Mapping[str, float], directions: Mapping[str, str],
                criterion: str) -> FlipPoint:
    """The weight of ``criterion`` nearest its current weight at which another option wins.

    Score of option o at weight t: ``t n_oc + (1 - t) R_o`` with ``R_o`` the others' weighted
    score rescaled to sum 1; the crossing with the winner w is
    ``t* = (R_w - R_o) / ((n_oc - n_wc) - (R_o - R_w))``.

    >>> v = pd.DataFrame({"cost": [10.0, 20.0], "ops": [5.0, 1.0]}, index=["a", "b"])
    >>> fp = flip_weight(v, {"cost": 0.6, "ops": 0.4}, {"cost": "min", "ops": "min"}, "cost")
    >>> fp.flip_at, fp.new_winner
    (0.5, 'b')
    """
    res = weighted_matrix(values, weights, directions)
    if criterion not in values.columns:
        raise PlaybookError(f"unknown criterion {criterion!r}; known: {list(values.columns)}")
    norm, w = res.normalised, _weights(weights, values.columns)
    w0 = float(w[criterion])
    rest = w.drop(criterion)
    if rest.sum() <= 0:
        return FlipPoint(criterion, w0, None, None)
    r = (norm[rest.index] * (rest / rest.sum())).sum(axis=1)
    nc = norm[criterion]
    win = res.winner
    cands: set[float] = set()
    for o in values.index:
        if o == win:
            continue
        denom = (nc[o] - nc[win]) - (r[o] - r[win])
        if abs(denom) > 1e-15:
            t = float((r[win] - r[o]) / denom)
            if 0.0 <= t <= 1.0:
                cands.add(t)
    eps = 1e-9
    for t in sorted(cands, key=lambda t: (abs(t - w0), t)):
        # a tie at the current weight: the winner may change on either side
        on_weight = abs(t - w0) <= 1e-12
        probes = [min(1.0, t + eps), max(0.0, t - eps)] if on_weight else [min(1.0, t + eps) if t > w0 else max(0.0, t - eps)]
        for probe in probes:
            new = _winner_at(norm, w, criterion, probe)
            if new != win:
                return FlipPoint(criterion, w0, t, new)
    return FlipPoint(criterion, w0, None, None)


def sensitivity(values: pd.DataFrame, weights: Mapping[str, float], directions: Mapping[str, str]) -> pd.DataFrame:
    """One row per criterion: current weight, the weight that flips the winner, and to whom."""
    rows = [flip_weight(values, weights, directions, c) for c in values.columns]
    return pd.DataFrame([{"criterion": f.criterion, "weight": f.weight, "flip_at": f.flip_at,
                          "new_winner": f.new_winner} for f in rows]).set_index("criterion")


#: The types of the fields of ``decisions.yml`` (:func:`dfp.io.yamlfile.check_shape`).
SHAPE: dict[str, Any] = {
    "decisions": {"*": {
        "adr": str, "question": str, "as_of": "date", "chosen?": object,
        "criteria": {"*": {"direction": str, "weight": float, "unit?": str}},
        "options": {"*": {"label": str, "values?": dict, "violates?": object, "availability_spec?": object,
                          "cost_items?": object}},
    }},
}


def _validate(raw: Mapping[str, Any], name: str) -> dict[str, dict[str, Any]]:
    decisions = raw.get("decisions") or {}
    if not decisions:
        raise PlaybookError(f"{name}: no decisions")
    check_shape(raw, SHAPE, name)
    for did, d in decisions.items():
        where = f"{name}: decisions.{did}"
        crit = d.get("criteria") or {}
        for c, spec in crit.items():
            if spec.get("direction") not in _DIRECTIONS:
                raise PlaybookError(f"{where}.criteria.{c}.direction must be max or min; got {spec.get('direction')!r}")
            if not isinstance(spec.get("weight"), int | float) or spec["weight"] < 0:
                raise PlaybookError(f"{where}.criteria.{c}.weight must be a number >= 0; got {spec.get('weight')!r}")
        opts = d.get("options") or {}
        if len(opts) < 2:
            raise PlaybookError(f"{where}: needs at least two options")
        if d.get("chosen") is not None and d["chosen"] not in opts:
            raise PlaybookError(f"{where}.chosen {d.get('chosen')!r} is not an option")
        for oid, o in opts.items():
            given = set(o.get("values") or {}) | ({"availability"} if "availability_spec" in o else set()) | (
                {"cost_usd_per_month"} if "cost_items" in o else set())
            missing = set(crit) - given
            if missing:
                raise PlaybookError(f"{where}.options.{oid}: no value for criteria {sorted(missing)}")
    return dict(decisions)


@functools.cache
def _cached(path: str, mtime_ns: int) -> dict[str, dict[str, Any]]:
    p = Path(path)
    return _validate(load_yaml(p) or {}, p.name)


def load_decisions(path: Path | str | None = None) -> dict[str, dict[str, Any]]:
    """Read and validate the decisions file (default ``data/decisions.yml``)."""
    p = Path(path) if path is not None else data_dir() / "decisions.yml"
    if not p.is_file():
        raise PlaybookError(f"decisions file not found: {p}")
    return _cached(str(p.resolve()), p.stat().st_mtime_ns)


def _per_hour(unit: str) -> bool:
    """A price per hour (``USD/h per instance``, ``USD/shard-hour``, ``USD/instance-hour``)?"""
    return "/h" in unit or unit.endswith("-hour") or "-hour " in unit


def option_values(decision: Mapping[str, Any], leaves: Mapping[str, float],
                  drivers: Mapping[str, float]) -> pd.DataFrame:
    """Raw criterion values of every option (rows) of one decision.

    ``availability`` comes from the option's ``availability_spec`` composed over ``leaves``;
    ``cost_usd_per_month`` from its ``cost_items``: ``sum(price * quantity)`` where a price is an
    external fact (per hour prices, ``USD/h ...`` or ``USD/<thing>-hour``, are multiplied by 730 h) or the name
    of a driver measured from the bill (e.g. ``cell_fixed_usd_month``, taken as is), and a quantity is a number or the
    name of a driver (e.g. ``events_million_month``), times ``per``. A criterion value given as a
    string names a driver too (e.g. ``one_tenant_share``).
    """
    rows: dict[str, dict[str, float]] = {}
    for oid, o in decision["options"].items():
        vals = {}
        for k, v in (o.get("values") or {}).items():
            if isinstance(v, str) and v not in drivers:
                raise PlaybookError(f"option {oid}.{k}: unknown driver {v!r}; known: {sorted(drivers)}")
            vals[k] = float(drivers[v]) if isinstance(v, str) else float(v)
        if "availability_spec" in o:
            vals["availability"] = compose(o["availability_spec"], leaves)
        if "cost_items" in o:
            total = 0.0
            for item in o["cost_items"]:
                if item["price"] in drivers:
                    unit_usd = float(drivers[item["price"]])
                else:
                    f = fact(item["price"])
                    unit_usd = f.value * (HOURS_PER_MONTH if _per_hour(f.unit) else 1.0)
                q = item.get("quantity", 1)
                if isinstance(q, str) and q not in drivers:
                    raise PlaybookError(f"option {oid}: unknown cost driver {q!r}; known: {sorted(drivers)}")
                qty = (float(drivers[q]) if isinstance(q, str) else float(q)) * float(item.get("per", 1.0))
                total += unit_usd * qty
            vals["cost_usd_per_month"] = total
        rows[oid] = vals
    return pd.DataFrame.from_dict(rows, orient="index")[list(decision["criteria"])]


def cell_bill_month(system: System) -> str:
    """The month (``YYYY-MM``) whose bill prices a regional cell: the story's last full month."""
    return str((system.end - pd.Timedelta(seconds=1)).tz_localize(None).to_period("M"))


def billed_cells(billing: pd.DataFrame, usage: pd.DataFrame, month: str) -> pd.DataFrame:
    """One month's (``YYYY-MM``) bill of each production cell and the events it took, one row per region:
    ``region``, ``cost_usd`` (effective cost of the bill's rows tagged ``env`` prod in that region) and
    ``events_million`` (``usage_daily`` events that month). Regions with prod charges but no events (the
    replica regions) are left out: they are part of a cell's storage, not a cell.

    Raises:
        PlaybookError: the bill or the usage has no row in ``month``.
    """
    period = pd.Period(month, "M")
    b = billing.loc[billing["ChargePeriodStart"].dt.tz_localize(None).dt.to_period("M") == period]
    b = b.loc[b["Tags"].fillna("").str.contains('"env":"prod"', regex=False)]
    u = usage.loc[usage["date"].dt.tz_localize(None).dt.to_period("M") == period]
    if b.empty or u.empty:
        raise PlaybookError(f"billed_cells: no {'bill' if b.empty else 'usage_daily'} row in {month}")
    events = u.groupby("region")["events"].sum() / 1e6
    cost = b.groupby("RegionId")["EffectiveCost"].sum()
    out = pd.DataFrame({"cost_usd": cost.reindex(events.index).fillna(0.0), "events_million": events})
    return out.rename_axis("region").reset_index()


def cell_cost_split(cells: pd.DataFrame) -> tuple[float, float]:
    """A cell's fixed cost (USD/month) and its cost per million events, from two cells' bills.

    Each cell pays ``fixed + per_million x events``; two cells with different volumes give
    ``per_million = (cost_a - cost_b) / (events_a - events_b)`` and ``fixed = cost_b - per_million x events_b``
    (with more than two cells, a least-squares line through them). The fixed part is what a cell costs before
    it takes an event: its cluster and baseline nodes, NAT and endpoints, stream shards, database, monitoring.

    Raises:
        PlaybookError: fewer than two cells, volumes too close to separate, or a negative part.

    >>> cells = pd.DataFrame({"region": ["a", "b"], "cost_usd": [4000.0, 2200.0], "events_million": [325.0, 110.0]})
    >>> [round(x, 2) for x in cell_cost_split(cells)]
    [1279.07, 8.37]
    """
    if len(cells) < 2:
        raise PlaybookError(f"cell_cost_split: needs at least two cells; got {len(cells)}")
    x = cells["events_million"].to_numpy(float)
    y = cells["cost_usd"].to_numpy(float)
    if x.max() - x.min() < 0.1 * x.max():
        raise PlaybookError(f"cell_cost_split: cell volumes {x.tolist()} million events are too close to separate "
                            "a fixed part from a part per event")
    xm, ym = x.mean(), y.mean()
    per_million = float(((x - xm) * (y - ym)).sum() / ((x - xm) ** 2).sum())
    fixed = float(ym - per_million * xm)
    tol = 1e-9 * max(1.0, abs(float(ym)))  # rounding in the fit is not a negative cost
    if fixed < -tol or per_million < -tol:
        raise PlaybookError(f"cell_cost_split: negative part (fixed {fixed:,.0f} USD/month, {per_million:,.2f} USD "
                            f"per million events) from cells {cells['region'].tolist()}")
    return max(fixed, 0.0), max(per_million, 0.0)


def drivers_at_target(system: System, customers: pd.DataFrame, event_bytes: int | None = None,
                      retention_months: int = 13, headroom: float = 0.3, *, ai_eu_share: float = 0.0,
                      ai_chars_per_field: float | None = None, cells: pd.DataFrame | None = None) -> dict[str, float]:
    """Quantities the options' costs and values scale with, at the owner's throughput target.

    ``events_million_month`` (average target x 30.42 days / 1e6), ``event_gb_month`` (x bytes / 1e9),
    ``stored_gb`` (x the model's stored KB per event x retention), the request volumes the bill is generated
    with (``workload`` in ``data/platform.yml``): ``s3_put_thousand_month`` (one PUT per
    ``events_per_s3_object`` events), ``dynamodb_wru_million_month`` / ``dynamodb_rru_million_month``
    (request units per event) and ``dynamodb_event_wru_million_month`` (the same writes plus the event itself,
    one unit per KB, for a DynamoDB-only store), the stream's billed gigabytes (``stream_gb_month``, whole KB
    per record) and what its retention beyond the default 24 h adds (``stream_extra_retention_gb_month`` in
    on-demand mode, ``stream_extra_retention_shards`` in provisioned mode), ``shards`` (provisioned shards
    for the peak-capacity day's busiest hour in us-east-1's diurnal shape, with ``headroom``), ``customers`` active at the story's end,
    ``one_tenant_share`` (1 / customers), ``us_share`` (their share in us-east-1), ``us_half_share``,
    and the AI capability's cost, latency and upkeep per option from its own model (``dfp.pii.cost``),
    priced like the cost section prices it: on the non-EU share ``1 - ai_eu_share`` for the options that
    may not see EU payloads, with ``ai_chars_per_field`` characters a field (None: the model's default).
    A regional cell's cost from the bill (:func:`cell_cost_split` of ``cells``; None: :func:`billed_cells` of the
    story's last month, :func:`cell_bill_month`): ``cell_fixed_usd_month`` and ``cell_usd_per_million_events``, and the events of the
    us-east-1 customers (``us_events_million_month``, the target times ``us_share``) that a second US region repeats.
    """
    b = int(system.sample["mean_event_bytes"]) if event_bytes is None else event_bytes
    per_day = system.target("events_per_day_avg").value
    d = system.sample["diurnal"]["us-east-1"]
    peak_hour_factor = float(traffic.diurnal_weight([d["peak_hour_utc"]], d["peak_hour_utc"], d["peak_to_trough"])[0])
    peak_rate = system.target("events_per_day_peak_capacity").value / 86_400 * peak_hour_factor
    shards = shards_needed(peak_rate, b, shard_records_per_s=fact("quotas.kinesis_shard_write_records_s").value,
                           shard_mb_per_s=fact("quotas.kinesis_shard_write_mb_s").value, headroom=headroom).shards
    active = business.active_customers(customers, system.end - pd.Timedelta(seconds=1))
    n = int(active.to_numpy().sum())
    us = int(active["us-east-1"].sum()) if "us-east-1" in active.columns else 0
    ev_m = per_day * DAYS_PER_MONTH / 1e6
    w = workload()  # the platform model's per-event coefficients, the ones the bill is generated with
    stream_gb = ev_m * 1e6 * math.ceil(b / 1024) / 1024**2        # on-demand bills whole KB per record
    extra_h = max(0.0, float(load_policies()["stream"]["retention_h"]) - fact("quotas.kinesis_retention_default_h").value)
    stored_gb = ev_m * 1e6 * w["stored_kb_per_event"] / 1e6 * retention_months
    out = {"events_million_month": ev_m, "event_gb_month": ev_m * 1e6 * b / 1e9,
           "stored_gb": stored_gb, "shards": float(shards),
           "s3_put_thousand_month": ev_m * 1e6 / w["events_per_s3_object"] / 1e3,
           "dynamodb_wru_million_month": ev_m * w["wru_per_event"],
           "dynamodb_rru_million_month": ev_m * w["rru_per_event"],
           "dynamodb_event_wru_million_month": ev_m * (w["wru_per_event"] + math.ceil(w["stored_kb_per_event"])),
           "stream_gb_month": stream_gb,
           "stream_extra_retention_gb_month": stream_gb * extra_h / 24.0 / DAYS_PER_MONTH,
           "stream_extra_retention_shards": float(shards) if extra_h > 0 else 0.0,
           "peak_events_per_s": peak_rate, "customers": float(n), "one_tenant_share": 1.0 / n,
           "us_share": us / n, "us_half_share": us / n / 2}
    if cells is None:
        cells = billed_cells(load_billing(), load("usage_daily"), cell_bill_month(system))
    out["cell_fixed_usd_month"], out["cell_usd_per_million_events"] = cell_cost_split(cells)
    out["us_events_million_month"] = ev_m * us / n
    out.update(ai_option_drivers(per_day, ai_eu_share, ai_chars_per_field))
    return out


def check_prices_monotone(priced: Mapping[float, Mapping[str, float]], what: str = "option") -> None:
    """Raise unless every option's monthly price is non-decreasing in volume.

    ``priced`` maps a volume (events a day) to prices by option (USD/month), e.g. the decision matrix at
    the target volume and a decision record at the story's volume.

    Raises:
        PlaybookError: naming the option and both volumes where a larger volume is priced lower.

    >>> check_prices_monotone({1e7: {"buy": 2600.0}, 1.4e7: {"buy": 2900.0}})
    """
    vols = sorted(priced)
    problems = []
    for lo, hi in itertools.pairwise(vols):
        for o in set(priced[lo]) & set(priced[hi]):
            if priced[hi][o] < priced[lo][o] - 1e-9:
                problems.append(f"{what} {o}: {priced[lo][o]:,.0f} USD/month at {lo:,.0f} events/day but "
                                f"{priced[hi][o]:,.0f} at {hi:,.0f}")
    if problems:
        raise PlaybookError("prices fall with volume: " + "; ".join(problems))


def check_price_near_bill(matrix_usd_per_million: float, billed_usd_per_million: float, tolerance_ratio: float,
                          what: str) -> None:
    """Raise unless a matrix option's price per million events is within ``tolerance_ratio`` of the bill's.

    >>> check_price_near_bill(11.8, 11.2, 0.25, "S3 + DynamoDB")
    """
    if not 0 < tolerance_ratio < 1:
        raise PlaybookError(f"check_price_near_bill: tolerance_ratio must be in (0, 1); got {tolerance_ratio}")
    if billed_usd_per_million <= 0 or abs(matrix_usd_per_million / billed_usd_per_million - 1) > tolerance_ratio:
        raise PlaybookError(f"{what}: the matrix prices {matrix_usd_per_million:,.2f} USD per million events, the bill "
                            f"{billed_usd_per_million:,.2f}; more than {tolerance_ratio:.0%} apart")


def ai_cost_inputs(monthly: pd.DataFrame, fields: pd.DataFrame, month_index: int) -> tuple[float, float]:
    """The two measured inputs of the AI options' prices at a story month: the EU share of events that
    month (``eu_events_share`` of :func:`dfp.business.customers.monthly_summary`) and the mean characters
    per labelled field (name plus sample value, ``pii_fields``). The matrix and the cost section price the
    options with these, so their figures differ only by the volume they state.

    Raises:
        PlaybookError: no row for ``month_index``.
    """
    row = monthly.loc[monthly["month_index"] == month_index]
    if row.empty:
        raise PlaybookError(f"ai_cost_inputs: no month_index {month_index} in the monthly summary")
    chars = float((fields["field_name"].str.len() + fields["sample_value"].str.len()).mean())
    return float(row["eu_events_share"].iloc[0]), chars


def ai_option_drivers(events_per_day: float, eu_share: float = 0.0,
                      chars_per_field: float | None = None) -> dict[str, float]:
    """The AI capability's options priced by its own cost model (``dfp.pii.cost.ai_option_cost``, one home):
    ``ai_cost_<option>`` (USD/month: the cash part, ``OptionCost.cash_usd``, since the upkeep is scored as
    ``ai_ops_h_per_week_<option>``), ``ai_latency_ms_<option>``, ``ai_ops_h_per_week_<option>``.

    Every cost is non-decreasing in ``events_per_day`` at a fixed EU share, so a matrix priced at a lower
    volume can never show an option dearer than a decision record priced at a higher one with the same
    inputs (``tests/test_decision.py`` checks it, and that it fails when the EU share differs).

    >>> d = ai_option_drivers(10_000_000, 0.25)
    >>> d["ai_cost_buy"] <= ai_option_drivers(14_000_000, 0.25)["ai_cost_buy"]
    True
    """
    a = cost.AiCostAssumptions() if chars_per_field is None else cost.AiCostAssumptions(chars_per_field=chars_per_field)
    p = cost.ai_prices()
    out: dict[str, float] = {}
    for o in ("build", "buy", "hosted_api"):
        c = cost.ai_option_cost(events_per_day, o, a, p, eu_share)
        # the matrix scores upkeep hours as their own criterion, so its cost is the cash part only (no double count)
        out[f"ai_cost_{o}"] = c.cash_usd
        out[f"ai_latency_ms_{o}"] = cost.ai_latency_ms_per_event(o, a, p)
        out[f"ai_ops_h_per_week_{o}"] = cost.upkeep_h_per_month(o, a) / WEEKS_PER_MONTH
    return out


def decision_leaves(model: arch.Model) -> dict[str, float]:
    """SLA leaves of the architecture model plus ``msk``, ``self-run-kafka`` and ``region-path``
    (the Scale design's ingest path, the unit the region options replicate)."""
    leaves = arch.leaf_availabilities(model)
    leaves["msk"] = fact("slas.msk_cluster").value
    leaves["self-run-kafka"] = fact("slas.self_run_kafka_cluster").value
    leaves["region-path"] = arch.path_availability(model, "scale", "ingest", leaves=leaves)
    return leaves


@dataclass(frozen=True)
class Evaluation:
    """One decision evaluated: raw values of the eligible options, the matrix, the sensitivity,
    and the options excluded by a hard constraint (id -> constraint)."""

    values: pd.DataFrame
    result: MatrixResult
    sensitivity: pd.DataFrame
    excluded: dict[str, str]
    weights: dict[str, float]
    directions: dict[str, str]


def evaluate(decision: Mapping[str, Any], leaves: Mapping[str, float], drivers: Mapping[str, float],
             ops_weight: float | None = None) -> Evaluation:
    """Evaluate one decision: drop options that break a hard constraint, score, and find the flips.

    Args:
        ops_weight: if given and the decision has an ``ops_h_per_week`` criterion, its weight
            before normalisation (the other weights keep their values).
    """
    values = option_values(decision, leaves, drivers)
    excluded = {o: str(d["violates"]) for o, d in decision["options"].items() if d.get("violates")}
    values = values.drop(index=list(excluded))
    weights = {c: float(s["weight"]) for c, s in decision["criteria"].items()}
    if ops_weight is not None and "ops_h_per_week" in weights:
        weights["ops_h_per_week"] = float(ops_weight)
    directions = {c: str(s["direction"]) for c, s in decision["criteria"].items()}
    return Evaluation(values, weighted_matrix(values, weights, directions),
                      sensitivity(values, weights, directions), excluded, weights, directions)


def score_curve(ev: Evaluation, criterion: str, points: int = 51) -> pd.DataFrame:
    """Every option's score (columns) as ``criterion``'s weight goes from 0 to 1 (index)."""
    if criterion not in ev.weights:
        raise PlaybookError(f"unknown criterion {criterion!r}; known: {list(ev.weights)}")
    w = _weights(ev.weights, ev.values.columns)
    rest = w.drop(criterion)
    rows = {}
    for t in [i / (points - 1) for i in range(points)]:
        wt = {criterion: t, **{k: (v / rest.sum() * (1 - t) if rest.sum() > 0 else 0.0) for k, v in rest.items()}}
        rows[t] = (ev.result.normalised * pd.Series(wt)[ev.values.columns]).sum(axis=1)
    return pd.DataFrame(rows).T


def values_with_ops_cost(ev: Evaluation, engineer_usd_per_h: float) -> pd.DataFrame:
    """The evaluation's raw values, plus ``cost_with_ops_time_usd_per_month`` where both cost and
    weekly operations hours are criteria: ``cost + ops_h_per_week x (30.42 / 7) x engineer USD/h``.
    """
    v = ev.values.copy()
    if "ops_h_per_week" in v and "cost_usd_per_month" in v:
        v["cost_with_ops_time_usd_per_month"] = (v["cost_usd_per_month"]
                                                 + v["ops_h_per_week"] * WEEKS_PER_MONTH * engineer_usd_per_h)
    return v


def value_formats(columns: pd.Index) -> dict[str, str]:
    """Display formats by column name: availability 5 decimals, shares 3, money whole, the rest 2."""
    return {c: ("{:.5f}" if c == "availability" else "{:,.3f}" if "share" in c else "{:,.0f}" if "usd" in c
                else "{:,.2f}") for c in columns}


def decisions_summary(decisions: Mapping[str, Mapping[str, Any]], evals: Mapping[str, Evaluation]) -> pd.DataFrame:
    """Per decision: question, ADR, computed winner, the recorded choice, margin, and the criterion whose
    flip point is nearest its current weight ("none" if no criterion can flip it)."""
    def nearest(ev: Evaluation) -> str:
        s = ev.sensitivity.assign(dist=(ev.sensitivity["flip_at"] - ev.sensitivity["weight"]).abs())
        return (s.dropna(subset=["flip_at"]).sort_values("dist").index[:1].tolist() or ["none"])[0]

    return pd.DataFrame([{"decision": d["question"], "adr": d["adr"], "winner": evals[did].result.winner,
                          "recorded": d["chosen"] or f"see ADR-{d['adr']}", "margin": evals[did].result.margin,
                          "nearest_flip": nearest(evals[did])} for did, d in decisions.items()])
