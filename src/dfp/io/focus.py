"""FinOps FOCUS billing exports: the spec as data, conformance checks, and a loader for any provider's export.

=====================  ================================================================================
``focus_spec``          FOCUS 1.2 column levels and the rules checked (``data/focus/focus-1.2-columns.yml``)
``check_focus``         every rule on a loaded frame: a list of :class:`RuleResult` (pass / fail / n/a)
``validate_focus``      the bill's rules (spec and project); raises naming the first bad row and column
``read_export``         a FOCUS 1.0-1.2 export of any provider (CSV, CSV.gz or Parquet), typed and checked
``load_billing``        DataFlow Platform's own bill: ``dfp.io.data.load("billing_daily")`` + ``validate_focus``
``parse_tags``          the ``Tags`` JSON column as a frame of tag columns
``RULES``               the rule ids, in the order the data file lists them
=====================  ================================================================================

Two kinds of rule, never mixed up: **spec** rules (ids ``F-...``) restate a requirement of FOCUS 1.2 and cite
the specification file that states it; **project** rules (ids ``P-...``) are this project's own (no duplicate
rows, no negative usage, how the platform's bill amortises its commitments). A rule's ``scope`` says whether it
applies to any export (``any``) or only to the platform's own bill (``bill``). Every check is vectorised.

>>> spec = focus_spec()
>>> spec.version, len(spec.mandatory()) > 15, spec.rule("P-NO-DUPLICATES").kind
('1.2', True, 'project')
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from dfp.core.errors import PlaybookError
from dfp.core.paths import reference_file
from dfp.io.data import load
from dfp.io.yamlfile import load_yaml

__all__ = ["RULES", "FocusColumn", "FocusRule", "FocusSpec", "RuleResult", "check_focus", "focus_spec",
           "is_unit_format", "load_billing", "parse_tags", "read_export", "read_export_frame", "validate_focus"]

SPEC_FILE = "focus/focus-1.2-columns.yml"
_ABS_TOL = 1e-4
_REL_TOL = 1e-6
_NULL_TEXT = ("", "null", "NULL", "None", "NaN", "nan")


@dataclass(frozen=True)
class FocusColumn:
    """One FOCUS column: its level (mandatory / conditional / recommended), nullability, type and version."""

    name: str
    level: str
    nulls: bool
    type: str
    introduced: str
    condition: str = ""
    applies: bool = True
    allowed: tuple[str, ...] | None = None


@dataclass(frozen=True)
class FocusRule:
    """One checked rule: ``kind`` is ``spec`` (FOCUS) or ``project``; ``scope`` is ``any`` or ``bill``."""

    id: str
    kind: str
    scope: str
    text: str
    source: str = ""
    level: str = "MUST"


@dataclass(frozen=True)
class FocusSpec:
    """The FOCUS version, its source, its columns and the rules this project checks."""

    version: str
    commit: str
    published: str
    accepted_versions: tuple[str, ...]
    columns: tuple[FocusColumn, ...]
    rules: tuple[FocusRule, ...]

    def column(self, name: str) -> FocusColumn | None:
        return next((c for c in self.columns if c.name == name), None)

    def rule(self, rule_id: str) -> FocusRule:
        for r in self.rules:
            if r.id == rule_id:
                return r
        raise PlaybookError(f"{SPEC_FILE}: no rule {rule_id!r}")

    def mandatory(self) -> tuple[str, ...]:
        """Columns every FOCUS 1.0-1.2 export carries."""
        return tuple(c.name for c in self.columns if c.level == "mandatory")

    def bill_columns(self) -> tuple[str, ...]:
        """Columns the platform's bill carries: mandatory plus conditional ones whose condition holds."""
        return tuple(c.name for c in self.columns
                     if c.level == "mandatory" or (c.level == "conditional" and c.applies))


@cache
def _spec_cached(path: str) -> FocusSpec:
    p = Path(path)
    if not p.is_file():
        raise PlaybookError(f"FOCUS spec data not found: {p}")
    raw = load_yaml(p)

    def need(node: Any, key: str, where: str, kind: type | tuple[type, ...] = object) -> Any:
        if not isinstance(node, dict) or key not in node:
            raise PlaybookError(f"{p.name}: missing field {where}.{key}")
        value = node[key]
        if not isinstance(value, kind):
            names = kind.__name__ if isinstance(kind, type) else " or ".join(k.__name__ for k in kind)
            raise PlaybookError(f"{p.name}: {where}.{key} must be {names}; got {value!r}")
        return value

    s = need(raw, "spec", "(top)", dict)
    cols = []
    for i, c in enumerate(need(raw, "columns", "(top)", list)):
        w = f"columns[{i}]"
        allowed = c.get("allowed") if isinstance(c, dict) else None
        cols.append(FocusColumn(name=need(c, "name", w, str), level=need(c, "level", w, str), nulls=need(c, "nulls", w, bool),
                                type=need(c, "type", w, str), introduced=str(need(c, "introduced", w, (str, int, float))),
                                condition=str(c.get("condition", "")), applies=bool(c.get("applies", True)),
                                allowed=tuple(allowed) if allowed is not None else None))
    rules = []
    for i, r in enumerate(need(raw, "rules", "(top)", list)):
        w = f"rules[{i}]"
        rules.append(FocusRule(id=need(r, "id", w, str), kind=need(r, "kind", w, str), scope=need(r, "scope", w, str),
                               text=" ".join(str(need(r, "text", w, str)).split()), source=str(r.get("source", "")),
                               level=str(r.get("level", "MUST"))))
    spec = FocusSpec(version=str(need(s, "version", "spec", (str, int, float))), commit=need(s, "commit", "spec", str),
                     published=str(need(s, "published", "spec", (str, object))),
                     accepted_versions=tuple(str(v) for v in need(s, "accepted_versions", "spec", list)),
                     columns=tuple(cols), rules=tuple(rules))
    bad = [r.id for r in rules if (r.kind == "spec") != r.id.startswith("F-") or r.kind not in ("spec", "project")]
    if bad:
        raise PlaybookError(f"{p.name}: rule ids must start F- for spec rules and P- for project rules; got {bad}")
    return spec


def focus_spec(path: Path | str | None = None) -> FocusSpec:
    """The FOCUS spec data (column levels and rules), read once from ``data/focus/focus-1.2-columns.yml``."""
    return _spec_cached(str(Path(path) if path is not None else reference_file(Path(SPEC_FILE).name)))


RULES: tuple[str, ...] = tuple(r.id for r in focus_spec().rules)

# ---- UnitFormat (attributes/unit_format.md) ------------------------------------------------------------------
_SIZE = r"(?:[KMGTPE]i?[bB]|[bB])"
_TIME_S = r"(?:Year|Month|Day|Hour|Minute|Second)"
_TIME_P = r"(?:Years|Months|Days|Hours|Minutes|Seconds)"
# a count noun is capitalised and is not a time unit glued to another word ("ShardHours" is not a unit)
_NOUN = rf"(?:{_TIME_P}|{_TIME_S}|(?![A-Za-z]+{_TIME_S}s?\b)[A-Z][A-Za-z]*)"
_UNIT = rf"(?:{_SIZE}|{_NOUN})"
_UNIT_RE = re.compile(rf"^(?:\d+ )?(?:{_UNIT}-{_TIME_P}|{_UNIT}/{_TIME_S}|{_UNIT}/\d+ {_TIME_P}|{_UNIT})$")


def is_unit_format(unit: str) -> bool:
    """Whether ``unit`` follows FOCUS UnitFormat: ``Units``, ``Unit-TimeUnits``, ``Units/TimeUnit``, with an
    optional whole-number quantity (``1000 Requests``) or interval (``Units/3 Months``).

    >>> [is_unit_format(u) for u in ("Hours", "GB-Months", "1000 Requests", "GB/Hour", "Units/3 Months")]
    [True, True, True, True, True]
    >>> [is_unit_format(u) for u in ("GB-Mo", "ShardHours", "1K Requests", "Million requests", "gigabyte-seconds")]
    [False, False, False, False, False]
    """
    return bool(_UNIT_RE.match(unit))


# ---- helpers ---------------------------------------------------------------------------------------------------
class RuleResult(NamedTuple):
    """The outcome of one rule on one export: ``status`` is ``pass``, ``fail`` or ``n/a`` (a column is missing)."""

    rule: FocusRule
    status: str
    failed_rows: int
    first_row: int | None
    column: str
    example: str


def _null(s: pd.Series) -> np.ndarray:
    if s.dtype == object or isinstance(s.dtype, pd.StringDtype):
        return s.isna().to_numpy() | s.astype("string").fillna("").isin(_NULL_TEXT).to_numpy()
    return s.isna().to_numpy()


def _num(df: pd.DataFrame, col: str) -> np.ndarray:
    return pd.to_numeric(df[col], errors="coerce").to_numpy(float)


def _text(df: pd.DataFrame, col: str) -> np.ndarray:
    return df[col].astype("string").fillna("").to_numpy(dtype=object)


def _close(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.abs(a - b) <= _ABS_TOL + _REL_TOL * np.abs(b)


def _is_json_object(raw: str) -> bool:
    try:
        return isinstance(json.loads(raw), dict)
    except (json.JSONDecodeError, TypeError):
        return False


def _tag_dict(raw: str) -> dict[str, str] | None:
    try:
        obj = json.loads(raw)
    except (json.JSONDecodeError, TypeError):
        return None
    if not isinstance(obj, dict) or not all(isinstance(v, str) for v in obj.values()):
        return None
    return obj


def _per_unique(s: pd.Series, fn: Callable[[str], bool]) -> np.ndarray:
    """``fn`` applied once per distinct non-null value (values repeat heavily in a bill)."""
    text = s.astype("string").fillna("")
    uniq = pd.unique(text.to_numpy(dtype=object))
    ok = {u: (u in _NULL_TEXT) or fn(u) for u in uniq}
    return text.map(ok).to_numpy(bool)


# ---- the rules: each returns {column: bad-row mask}, or None when a column it needs is missing ------------------
Masks = dict[str, np.ndarray]


def _ctx(df: pd.DataFrame) -> dict[str, np.ndarray]:
    n = len(df)
    cat = _text(df, "ChargeCategory") if "ChargeCategory" in df else np.full(n, "", dtype=object)
    corr = (_text(df, "ChargeClass") == "Correction") if "ChargeClass" in df else np.zeros(n, bool)
    return {"cat": cat, "corr": corr, "usage_or_purchase": ((cat == "Usage") | (cat == "Purchase")) & ~corr,
            "tax": cat == "Tax"}


def _need(df: pd.DataFrame, *cols: str) -> bool:
    return all(c in df.columns for c in cols)


def _r_present(df: pd.DataFrame, spec: FocusSpec, scope: str) -> Masks | None:
    want = spec.bill_columns() if scope == "bill" else spec.mandatory()
    missing = [c for c in want if c not in df.columns]
    return {c: np.ones(len(df), bool) if len(df) else np.ones(1, bool) for c in missing}


def _r_not_null(df: pd.DataFrame, spec: FocusSpec, scope: str) -> Masks | None:
    return {c.name: _null(df[c.name]) for c in spec.columns if not c.nulls and c.name in df.columns}


def _r_allowed(df: pd.DataFrame, spec: FocusSpec, scope: str) -> Masks | None:
    out = {}
    for c in spec.columns:
        if c.allowed is not None and c.name in df.columns:
            out[c.name] = ~_null(df[c.name]) & ~df[c.name].astype("string").fillna("").isin(c.allowed).to_numpy()
    return out


def _r_currency(df: pd.DataFrame, spec: FocusSpec, scope: str) -> Masks | None:
    if not _need(df, "BillingCurrency"):
        return None
    return {"BillingCurrency": ~df["BillingCurrency"].astype("string").fillna("").str.fullmatch(r"[A-Z]{3}").to_numpy(bool)}


def _r_pricing_quantity(df: pd.DataFrame, spec: FocusSpec, scope: str) -> Masks | None:
    if not _need(df, "PricingQuantity", "ChargeCategory"):
        return None
    c, isnull = _ctx(df), _null(df["PricingQuantity"])
    return {"PricingQuantity": (c["tax"] & ~isnull) | (c["usage_or_purchase"] & isnull)}


def _r_pricing_unit(df: pd.DataFrame, spec: FocusSpec, scope: str) -> Masks | None:
    if not _need(df, "PricingQuantity", "PricingUnit"):
        return None
    return {"PricingUnit": _null(df["PricingQuantity"]) != _null(df["PricingUnit"])}


def _r_unit_prices(df: pd.DataFrame, spec: FocusSpec, scope: str) -> Masks | None:
    cols = [c for c in ("ListUnitPrice", "ContractedUnitPrice") if c in df.columns]
    if not cols or "ChargeCategory" not in df:
        return None
    c = _ctx(df)
    out = {}
    for col in cols:
        isnull = _null(df[col])
        out[col] = (c["tax"] & ~isnull) | (c["usage_or_purchase"] & isnull) | (_num(df, col) < 0)
    return out


def _cost_rule(df: pd.DataFrame, cost: str, price: str) -> Masks | None:
    if not _need(df, cost, price, "PricingQuantity"):
        return None
    p, q = _num(df, price), _num(df, "PricingQuantity")
    has = ~np.isnan(p) & ~np.isnan(q) & ~_ctx(df)["corr"]
    return {cost: has & ~_close(_num(df, cost), np.nan_to_num(p) * np.nan_to_num(q))}


def _r_list_cost(df: pd.DataFrame, spec: FocusSpec, scope: str) -> Masks | None:
    return _cost_rule(df, "ListCost", "ListUnitPrice")


def _r_contracted_cost(df: pd.DataFrame, spec: FocusSpec, scope: str) -> Masks | None:
    return _cost_rule(df, "ContractedCost", "ContractedUnitPrice")


def _r_credit_costs(df: pd.DataFrame, spec: FocusSpec, scope: str) -> Masks | None:
    if not _need(df, "ChargeCategory", "BilledCost"):
        return None
    credit = _ctx(df)["cat"] == "Credit"
    bc = _num(df, "BilledCost")
    out = {}
    for cost, price in (("ListCost", "ListUnitPrice"), ("ContractedCost", "ContractedUnitPrice"), ("EffectiveCost", "")):
        if cost not in df:
            continue
        no_price = _null(df[price]) if price in df else np.ones(len(df), bool)
        out[cost] = credit & no_price & ~_close(_num(df, cost), bc)
    return out


def _r_purchase_effective(df: pd.DataFrame, spec: FocusSpec, scope: str) -> Masks | None:
    if not _need(df, "ChargeCategory", "EffectiveCost", "CommitmentDiscountId"):
        return None
    purchase = (_ctx(df)["cat"] == "Purchase") & ~_null(df["CommitmentDiscountId"])
    return {"EffectiveCost": purchase & (np.abs(_num(df, "EffectiveCost")) > _ABS_TOL)}


def _r_purchase_frequency(df: pd.DataFrame, spec: FocusSpec, scope: str) -> Masks | None:
    if not _need(df, "ChargeCategory", "ChargeFrequency"):
        return None
    return {"ChargeFrequency": (_ctx(df)["cat"] == "Purchase") & (_text(df, "ChargeFrequency") == "Usage-Based")}


def _r_charge_class(df: pd.DataFrame, spec: FocusSpec, scope: str) -> Masks | None:
    if not _need(df, "ChargeClass"):
        return None
    return {"ChargeClass": ~_null(df["ChargeClass"]) & (_text(df, "ChargeClass") != "Correction")}


def _r_pricing_category(df: pd.DataFrame, spec: FocusSpec, scope: str) -> Masks | None:
    if not _need(df, "PricingCategory", "ChargeCategory"):
        return None
    c, isnull = _ctx(df), _null(df["PricingCategory"])
    bad = (c["tax"] & ~isnull) | (c["usage_or_purchase"] & isnull)
    if "CommitmentDiscountStatus" in df:
        bad |= (_text(df, "CommitmentDiscountStatus") == "Used") & (_text(df, "PricingCategory") != "Committed")
    return {"PricingCategory": bad}


def _r_commitment_status(df: pd.DataFrame, spec: FocusSpec, scope: str) -> Masks | None:
    if not _need(df, "CommitmentDiscountStatus", "CommitmentDiscountId", "ChargeCategory"):
        return None
    no_id, no_status = _null(df["CommitmentDiscountId"]), _null(df["CommitmentDiscountStatus"])
    return {"CommitmentDiscountStatus": (no_id & ~no_status) | (~no_id & (_ctx(df)["cat"] == "Usage") & no_status)}


def _pair(df: pd.DataFrame, qty: str, unit: str, must: np.ndarray, may: np.ndarray) -> Masks:
    q_null, u_null = _null(df[qty]), _null(df[unit])
    return {qty: (must & q_null) | (~must & ~may & ~q_null), unit: q_null != u_null}


def _r_commitment_quantity(df: pd.DataFrame, spec: FocusSpec, scope: str) -> Masks | None:
    if not _need(df, "CommitmentDiscountQuantity", "CommitmentDiscountUnit", "CommitmentDiscountId", "ChargeCategory"):
        return None
    c = _ctx(df)
    named = ((c["cat"] == "Usage") | (c["cat"] == "Purchase")) & ~_null(df["CommitmentDiscountId"])
    return _pair(df, "CommitmentDiscountQuantity", "CommitmentDiscountUnit", named & ~c["corr"], named & c["corr"])


def _r_consumed(df: pd.DataFrame, spec: FocusSpec, scope: str) -> Masks | None:
    if not _need(df, "ConsumedQuantity", "ConsumedUnit", "ChargeCategory"):
        return None
    c = _ctx(df)
    unused = (_text(df, "CommitmentDiscountStatus") == "Unused") if "CommitmentDiscountStatus" in df else False
    metered = (c["cat"] == "Usage") & ~unused
    return _pair(df, "ConsumedQuantity", "ConsumedUnit", metered & ~c["corr"], metered & c["corr"])


def _r_region_name(df: pd.DataFrame, spec: FocusSpec, scope: str) -> Masks | None:
    if not _need(df, "RegionId", "RegionName"):
        return None
    return {"RegionName": _null(df["RegionId"]) != _null(df["RegionName"])}


def _r_resource_type(df: pd.DataFrame, spec: FocusSpec, scope: str) -> Masks | None:
    if not _need(df, "ResourceId"):
        return None
    no_id, out = _null(df["ResourceId"]), {}
    if "ResourceType" in df:
        out["ResourceType"] = no_id != _null(df["ResourceType"])
    if "ResourceName" in df:
        out["ResourceName"] = no_id & ~_null(df["ResourceName"])
    return out or None


def _r_sku_price(df: pd.DataFrame, spec: FocusSpec, scope: str) -> Masks | None:
    out = {}
    if _need(df, "SkuPriceId", "ChargeCategory"):
        c, isnull = _ctx(df), _null(df["SkuPriceId"])
        out["SkuPriceId"] = (c["tax"] & ~isnull) | (c["usage_or_purchase"] & isnull)
    if _need(df, "SkuId", "SkuMeter"):
        out["SkuMeter"] = _null(df["SkuId"]) & ~_null(df["SkuMeter"])
    return out or None


def _r_key_value(df: pd.DataFrame, spec: FocusSpec, scope: str) -> Masks | None:
    out = {c: ~_per_unique(df[c], _is_json_object) for c in ("Tags", "SkuPriceDetails") if c in df.columns}
    return out or None


def _r_unit_format(df: pd.DataFrame, spec: FocusSpec, scope: str) -> Masks | None:
    out = {c: ~_per_unique(df[c], is_unit_format)
           for c in ("PricingUnit", "ConsumedUnit", "CommitmentDiscountUnit") if c in df.columns}
    return out or None


def _r_no_duplicates(df: pd.DataFrame, spec: FocusSpec, scope: str) -> Masks | None:
    return {"(all columns)": df.duplicated(keep="first").to_numpy()}


def _r_no_negative_usage(df: pd.DataFrame, spec: FocusSpec, scope: str) -> Masks | None:
    if "ChargeCategory" not in df:
        return None
    c = _ctx(df)
    usage = (c["cat"] == "Usage") & ~c["corr"]
    cols = ("PricingQuantity", "ListCost", "ContractedCost", "BilledCost", "EffectiveCost")
    return {col: usage & (np.nan_to_num(_num(df, col)) < -_ABS_TOL) for col in cols if col in df.columns}


def _r_charge_period(df: pd.DataFrame, spec: FocusSpec, scope: str) -> Masks | None:
    if not _need(df, "ChargePeriodStart", "ChargePeriodEnd"):
        return None
    start, end = pd.to_datetime(df["ChargePeriodStart"], utc=True), pd.to_datetime(df["ChargePeriodEnd"], utc=True)
    out = {"ChargePeriodEnd": (start >= end).to_numpy()}
    if "BillingPeriodStart" in df:
        bad = (start < pd.to_datetime(df["BillingPeriodStart"], utc=True)).to_numpy()
        if "BillingPeriodEnd" in df:
            bad = bad | (start >= pd.to_datetime(df["BillingPeriodEnd"], utc=True)).to_numpy()
        out["ChargePeriodStart"] = bad
    return out


def _r_contracted_le_list(df: pd.DataFrame, spec: FocusSpec, scope: str) -> Masks | None:
    lc, cc = _num(df, "ListCost"), _num(df, "ContractedCost")
    usage = _ctx(df)["cat"] == "Usage"
    return {"ContractedCost": usage & (cc > lc + _ABS_TOL + _REL_TOL * np.abs(lc))}


def _r_covered_usage(df: pd.DataFrame, spec: FocusSpec, scope: str) -> Masks | None:
    used = _text(df, "CommitmentDiscountStatus") == "Used"
    lc, ec = _num(df, "ListCost"), _num(df, "EffectiveCost")
    return {"BilledCost": used & (np.abs(_num(df, "BilledCost")) > _ABS_TOL),
            "EffectiveCost": used & (ec > lc + _ABS_TOL + _REL_TOL * np.abs(lc))}


def _r_effective_is_billed(df: pd.DataFrame, spec: FocusSpec, scope: str) -> Masks | None:
    outside = _null(df["CommitmentDiscountId"])
    return {"EffectiveCost": outside & ~_close(_num(df, "EffectiveCost"), _num(df, "BilledCost"))}


def _r_credit_not_positive(df: pd.DataFrame, spec: FocusSpec, scope: str) -> Masks | None:
    return {"BilledCost": (_ctx(df)["cat"] == "Credit") & (_num(df, "BilledCost") > _ABS_TOL)}


def _r_tags_strings(df: pd.DataFrame, spec: FocusSpec, scope: str) -> Masks | None:
    return {"Tags": ~_per_unique(df["Tags"], lambda u: _tag_dict(u) is not None)}


_CHECKS: dict[str, Callable[[pd.DataFrame, FocusSpec, str], Masks | None]] = {
    "F-PRESENT": _r_present, "F-NOT-NULL": _r_not_null, "F-ALLOWED": _r_allowed, "F-CURRENCY": _r_currency,
    "F-PRICING-QUANTITY": _r_pricing_quantity, "F-PRICING-UNIT": _r_pricing_unit, "F-UNIT-PRICES": _r_unit_prices,
    "F-LIST-COST": _r_list_cost, "F-CONTRACTED-COST": _r_contracted_cost, "F-CREDIT-COSTS": _r_credit_costs,
    "F-PURCHASE-EFFECTIVE": _r_purchase_effective, "F-PURCHASE-FREQUENCY": _r_purchase_frequency,
    "F-CHARGE-CLASS": _r_charge_class, "F-PRICING-CATEGORY": _r_pricing_category,
    "F-COMMITMENT-STATUS": _r_commitment_status, "F-COMMITMENT-QUANTITY": _r_commitment_quantity,
    "F-CONSUMED": _r_consumed, "F-REGION-NAME": _r_region_name, "F-RESOURCE-TYPE": _r_resource_type,
    "F-SKU-PRICE": _r_sku_price, "F-KEY-VALUE": _r_key_value, "F-UNIT-FORMAT": _r_unit_format,
    "P-NO-DUPLICATES": _r_no_duplicates, "P-NO-NEGATIVE-USAGE": _r_no_negative_usage,
    "P-CHARGE-PERIOD": _r_charge_period, "P-CONTRACTED-LE-LIST": _r_contracted_le_list,
    "P-COVERED-USAGE": _r_covered_usage, "P-EFFECTIVE-IS-BILLED": _r_effective_is_billed,
    "P-CREDIT-NOT-POSITIVE": _r_credit_not_positive, "P-TAGS-STRINGS": _r_tags_strings,
}


def _show(value: object) -> str:
    """A cell as a reader sees it: ``null`` for a missing value, otherwise its text in quotes."""
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NaT:
        return "null"
    return repr(str(value))


def _result(rule: FocusRule, df: pd.DataFrame, masks: Masks | None) -> RuleResult:
    if masks is None:
        return RuleResult(rule, "n/a", 0, None, "", "")
    failing = [(col, m) for col, m in masks.items() if m.any()]
    if not failing:
        return RuleResult(rule, "pass", 0, None, "", "")
    total = np.zeros(len(df), bool)
    for _, m in failing:
        if len(m) == len(df):
            total |= m
    col, m = failing[0]
    if rule.id == "F-PRESENT":
        return RuleResult(rule, "fail", len(df), None, ", ".join(c for c, _ in failing), "column missing")
    r = int(np.flatnonzero(m)[0])
    example = "" if col not in df.columns else _show(df[col].iloc[r])
    if rule.id == "P-NO-DUPLICATES":
        hashes = pd.util.hash_pandas_object(df.astype(str), index=False).to_numpy()
        example = f"a repeat of row {int(np.flatnonzero(hashes == hashes[r])[0]) + 1}"
    return RuleResult(rule, "fail", int(total.sum()), r + 1, col, example)


def check_focus(df: pd.DataFrame, scope: str = "any", spec: FocusSpec | None = None) -> list[RuleResult]:
    """Run every rule of ``scope`` (``any``: the rules for any export; ``bill``: all rules) on a typed frame.

    Returns one :class:`RuleResult` per rule with the number of failing rows and the first one (1-based data row).

    >>> df = read_export_frame(pd.DataFrame({"ChargeCategory": ["Usage"], "BilledCost": ["-5"]}), "x.csv", strict=False)
    >>> {r.rule.id: r.status for r in check_focus(df)}["F-PRESENT"]
    'fail'
    """
    if scope not in ("any", "bill"):
        raise PlaybookError(f"check_focus: scope must be 'any' or 'bill'; got {scope!r}")
    spec = spec or focus_spec()
    rules = [r for r in spec.rules if scope == "bill" or r.scope == "any"]
    return [_result(r, df, _CHECKS[r.id](df, spec, scope)) for r in rules]


def _raise_first(results: list[RuleResult], fname: str) -> None:
    for res in results:
        if res.status == "fail":
            kind = "FOCUS 1.2 rule" if res.rule.kind == "spec" else "project rule"
            where = f"row {res.first_row}, " if res.first_row else ""
            raise PlaybookError(f"{fname}: {where}column {res.column!r} breaks the {kind} {res.rule.id} "
                                f"({res.rule.text}); got {res.example or 'nothing'} ({res.failed_rows} row(s) fail)")


def validate_focus(df: pd.DataFrame, fname: str = "billing_daily.csv.gz") -> pd.DataFrame:
    """Check every rule (spec and project, scope ``bill``) on the platform's typed bill; return it unchanged.

    Raises:
        PlaybookError: naming the file, the 1-based data row, the column, the rule and the offending value.
    """
    _raise_first(check_focus(df, "bill"), fname)
    return df


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


def load_billing(directory: Path | str | None = None) -> pd.DataFrame:
    """Load ``billing_daily.csv.gz`` with the schema checks and every FOCUS and project rule."""
    return validate_focus(load("billing_daily", directory))


# ---- any provider's export ------------------------------------------------------------------------------------
def read_export_frame(raw: pd.DataFrame, fname: str, strict: bool = True) -> pd.DataFrame:
    """Type a raw export frame by the FOCUS column types (Decimal -> float, DateTime -> UTC timestamp, String and
    JSON -> text, empty or ``null`` -> missing); other columns (``x_`` and any provider's own) are kept as read.

    With ``strict``, the mandatory columns must be present and the project rules P-NO-DUPLICATES and
    P-NO-NEGATIVE-USAGE must hold.

    Raises:
        PlaybookError: naming the file, the column and the first bad row.

    >>> raw = pd.DataFrame({"BilledCost": ["1.5", ""], "x_Team": ["a", "b"]})
    >>> read_export_frame(raw, "x.csv", strict=False)["BilledCost"].tolist()
    [1.5, nan]
    """
    spec = focus_spec()
    out = raw.copy()
    for col in raw.columns:
        c = spec.column(col)
        if c is None:
            continue
        s = raw[col]
        isnull = _null(s)
        if c.type == "Decimal":
            if pd.api.types.is_numeric_dtype(s):
                out[col] = s.astype(float)
                continue
            num = pd.to_numeric(s.astype("string").where(~isnull), errors="coerce").astype(float)
            bad = num.isna().to_numpy() & ~isnull
            if bad.any():
                r = int(np.flatnonzero(bad)[0])
                raise PlaybookError(f"{fname}: column {col!r}, row {r + 1}: not a decimal; got {s.iloc[r]!r}")
            out[col] = num
        elif c.type == "DateTime":
            if isinstance(s.dtype, pd.DatetimeTZDtype) or pd.api.types.is_datetime64_any_dtype(s):
                out[col] = pd.to_datetime(s, utc=True)
                continue
            ts = pd.to_datetime(s.astype("string").where(~isnull), format="ISO8601", utc=True, errors="coerce")
            bad = ts.isna().to_numpy() & ~isnull
            if bad.any():
                r = int(np.flatnonzero(bad)[0])
                raise PlaybookError(f"{fname}: column {col!r}, row {r + 1}: not an ISO 8601 date/time; got {s.iloc[r]!r}")
            out[col] = ts
        else:
            out[col] = s.astype("string").where(~isnull).astype(object).where(~isnull, None)
    if strict:
        missing = [c for c in spec.mandatory() if c not in raw.columns]
        if missing:
            raise PlaybookError(f"{fname}: missing FOCUS mandatory column(s) {missing} (FOCUS 1.0-1.2 all require them)")
        results = [_result(spec.rule(i), out, _CHECKS[i](out, spec, "any")) for i in ("P-NO-DUPLICATES", "P-NO-NEGATIVE-USAGE")]
        _raise_first(results, fname)
    return out


def read_export(path: Path | str, strict: bool = True) -> pd.DataFrame:
    """Read a FOCUS 1.0-1.2 export of any provider: CSV, CSV.gz or Parquet, any currency, ``x_`` columns kept.

    Rejects (with ``strict``) a missing mandatory column, a value that does not parse as its FOCUS type,
    duplicate charge rows and negative usage lines, naming the file, column and row. The rest of the rules are
    reported by :func:`check_focus` (``dfp focus check``) rather than raised.
    """
    p = Path(path)
    if not p.is_file():
        raise PlaybookError(f"FOCUS export not found: {p}")
    name = p.name.lower()
    try:
        if name.endswith(".parquet"):
            raw = pd.read_parquet(p)
        elif name.endswith((".csv", ".csv.gz")):
            raw = pd.read_csv(p, dtype=str, keep_default_na=False, na_values=[])
        else:
            raise PlaybookError(f"{p.name}: a FOCUS export must be .csv, .csv.gz or .parquet")
    except (pd.errors.ParserError, UnicodeDecodeError, OSError, EOFError, ValueError) as exc:
        raise PlaybookError(f"{p.name}: cannot be read: {exc}") from exc
    return read_export_frame(raw, p.name, strict=strict)
