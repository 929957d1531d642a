"""FinOps FOCUS invariants of the billing export, checked on load, and its tags parsed.

=====================  ================================================================
``load_billing``        ``dfp.io.data.load("billing_daily")`` plus :func:`validate_focus`
``validate_focus``      the cross-column FOCUS rules; raises naming the first bad row
``parse_tags``          the ``Tags`` JSON column as a frame of tag columns
``RULES``               the rules checked, by name (documentation and tests)
=====================  ================================================================

The generic loader (:mod:`dfp.io.data`) checks types, ranges and allowed values column by column.
FOCUS also ties columns together; the rules here are the ones that apply to this export
(FinOps FOCUS 1.0 column definitions):

* ``ChargePeriodStart < ChargePeriodEnd`` and ``BillingPeriodStart <= ChargePeriodStart``.
* ``ListCost = ListUnitPrice x PricingQuantity`` and ``ContractedCost = ContractedUnitPrice x
  PricingQuantity`` within rounding (``1e-4 USD + 1e-6`` relative), and ``ContractedCost <= ListCost``.
* A usage row that is not an unused-commitment row has ``PricingQuantity``, ``PricingUnit`` and
  ``ListUnitPrice``.
* ``CommitmentDiscountStatus`` appears only on ``Usage`` rows that name a ``CommitmentDiscountId``.
* A commitment-covered row (``Used``) has ``BilledCost = 0`` (paid by the purchase) and
  ``EffectiveCost <= ListCost``; a commitment ``Purchase`` row has ``EffectiveCost = 0`` (amortised into
  the usage it covers); every other row has ``EffectiveCost = BilledCost``.
* ``Credit`` rows have ``BilledCost <= 0``.
* ``Tags`` is a JSON object of string values.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from dfp.core.errors import PlaybookError

__all__ = ["RULES", "load_billing", "parse_tags", "validate_focus"]

_ABS_TOL_USD = 1e-4
_REL_TOL = 1e-6

RULES: tuple[str, ...] = (
    "ChargePeriodStart < ChargePeriodEnd",
    "BillingPeriodStart <= ChargePeriodStart",
    "ListCost = ListUnitPrice x PricingQuantity",
    "ContractedCost = ContractedUnitPrice x PricingQuantity",
    "ContractedCost <= ListCost",
    "usage rows carry PricingQuantity, PricingUnit and ListUnitPrice",
    "CommitmentDiscountStatus only on Usage rows with a CommitmentDiscountId",
    "commitment-covered rows have BilledCost = 0 and EffectiveCost <= ListCost",
    "commitment purchases have EffectiveCost = 0",
    "EffectiveCost = BilledCost outside commitments",
    "Credit rows have BilledCost <= 0",
    "Tags is a JSON object of strings",
)


def _close(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.abs(a - b) <= _ABS_TOL_USD + _REL_TOL * np.abs(b)


def _blank(s: pd.Series) -> np.ndarray:
    return s.isna().to_numpy() | (s.astype("string").fillna("") == "").to_numpy()


def _raise(fname: str, rule: str, df: pd.DataFrame, bad: np.ndarray, cols: list[str]) -> None:
    r = int(np.flatnonzero(bad)[0])
    vals = {c: df[c].iloc[r] for c in cols}
    shown = ", ".join(f"{c}={v!r}" for c, v in vals.items())
    raise PlaybookError(f"{fname}: row {r + 1} breaks the FOCUS rule '{rule}': {shown}")


def _tag_dict(raw: str) -> dict[str, str] | None:
    try:
        obj = json.loads(raw)
    except (json.JSONDecodeError, TypeError):
        return None
    if not isinstance(obj, dict) or not all(isinstance(v, str) for v in obj.values()):
        return None
    return obj


def parse_tags(tags: pd.Series, keys: tuple[str, ...] = ("env", "team", "app", "customer", "alloc")) -> pd.DataFrame:
    """The ``Tags`` JSON column as one string column per tag key (empty string when absent).

    Parses each distinct value once (tags repeat heavily), so it is fast on the full export.

    >>> parse_tags(pd.Series(['{"team":"pipeline","alloc":"events"}', '{}']))[["team", "alloc"]].values.tolist()
    [['pipeline', 'events'], ['', '']]
    """
    uniq = pd.unique(tags.astype(str))
    parsed = {u: _tag_dict(u) for u in uniq}
    bad = [u for u, d in parsed.items() if d is None]
    if bad:
        r = int(np.flatnonzero(tags.astype(str).to_numpy() == bad[0])[0])
        raise PlaybookError(f"Tags: row {r + 1} is not a JSON object of strings; got {bad[0]!r}")
    table = pd.DataFrame({k: [parsed[u].get(k, "") for u in uniq] for k in keys}, index=uniq)  # type: ignore[union-attr]
    out = table.reindex(tags.astype(str).to_numpy())
    out.index = tags.index
    return out


def validate_focus(df: pd.DataFrame, fname: str = "billing_daily.csv.gz") -> pd.DataFrame:
    """Check the cross-column FOCUS rules on a loaded (typed) billing frame; return it unchanged.

    Raises:
        PlaybookError: naming the file, the 1-based data row, the rule and the offending values.
    """
    cat = df["ChargeCategory"].to_numpy()
    status = df["CommitmentDiscountStatus"].fillna("").to_numpy()
    cid_blank = _blank(df["CommitmentDiscountId"])
    lc, cc = df["ListCost"].to_numpy(float), df["ContractedCost"].to_numpy(float)
    bc, ec = df["BilledCost"].to_numpy(float), df["EffectiveCost"].to_numpy(float)
    q, lup, cup = (df[c].to_numpy(float) for c in ("PricingQuantity", "ListUnitPrice", "ContractedUnitPrice"))

    bad = (df["ChargePeriodStart"] >= df["ChargePeriodEnd"]).to_numpy()
    if bad.any():
        _raise(fname, RULES[0], df, bad, ["ChargePeriodStart", "ChargePeriodEnd"])
    bad = (df["BillingPeriodStart"] > df["ChargePeriodStart"]).to_numpy()
    if bad.any():
        _raise(fname, RULES[1], df, bad, ["BillingPeriodStart", "ChargePeriodStart"])
    has = ~np.isnan(q) & ~np.isnan(lup)
    bad = has & ~_close(lc, np.nan_to_num(lup) * np.nan_to_num(q))
    if bad.any():
        _raise(fname, RULES[2], df, bad, ["ListCost", "ListUnitPrice", "PricingQuantity"])
    has = ~np.isnan(q) & ~np.isnan(cup)
    bad = has & ~_close(cc, np.nan_to_num(cup) * np.nan_to_num(q))
    if bad.any():
        _raise(fname, RULES[3], df, bad, ["ContractedCost", "ContractedUnitPrice", "PricingQuantity"])
    bad = cc > lc + _ABS_TOL_USD + _REL_TOL * np.abs(lc)
    if bad.any():
        _raise(fname, RULES[4], df, bad, ["ContractedCost", "ListCost"])
    usage = cat == "Usage"
    bad = usage & (status != "Unused") & (np.isnan(q) | np.isnan(lup) | _blank(df["PricingUnit"]))
    if bad.any():
        _raise(fname, RULES[5], df, bad, ["ChargeCategory", "PricingQuantity", "PricingUnit", "ListUnitPrice"])
    bad = (status != "") & (~usage | cid_blank)
    if bad.any():
        _raise(fname, RULES[6], df, bad, ["ChargeCategory", "CommitmentDiscountStatus", "CommitmentDiscountId"])
    used = status == "Used"
    bad = used & ((np.abs(bc) > _ABS_TOL_USD) | (ec > lc + _ABS_TOL_USD + _REL_TOL * np.abs(lc)))
    if bad.any():
        _raise(fname, RULES[7], df, bad, ["CommitmentDiscountStatus", "BilledCost", "EffectiveCost", "ListCost"])
    purchase = (cat == "Purchase") & ~cid_blank
    bad = purchase & (np.abs(ec) > _ABS_TOL_USD)
    if bad.any():
        _raise(fname, RULES[8], df, bad, ["ChargeCategory", "CommitmentDiscountId", "EffectiveCost"])
    other = ~purchase & (status == "")
    bad = other & ~_close(ec, bc)
    if bad.any():
        _raise(fname, RULES[9], df, bad, ["ChargeCategory", "BilledCost", "EffectiveCost"])
    bad = (cat == "Credit") & (bc > _ABS_TOL_USD)
    if bad.any():
        _raise(fname, RULES[10], df, bad, ["ChargeCategory", "BilledCost"])
    parse_tags(df["Tags"])
    return df


def load_billing(directory: Path | str | None = None) -> pd.DataFrame:
    """Load ``billing_daily.csv.gz`` with the schema checks and the FOCUS invariants."""
    from dfp.io.data import load

    return validate_focus(load("billing_daily", directory))
