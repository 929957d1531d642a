"""FOCUS 1.2: the spec data, the platform bill's conformance, every rule failing on a seeded bad input, the loader
for any provider's export, the SQL files (DuckDB results, transpiled to Snowflake / Trino / Spark) and the
``dfp focus check`` / ``dfp cost report`` commands on the platform's bill and on a second, differently shaped
sample (Nimbus Cloud, EUR, FOCUS 1.0 columns, ``x_`` columns)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from dfp.book.cli import main
from dfp.core.errors import PlaybookError
from dfp.core.paths import data_dir
from dfp.cost import economics, focus_sql
from dfp.generate.focus_sample import write_sample_export
from dfp.io.focus import (
    RULES,
    check_focus,
    focus_spec,
    is_unit_format,
    load_billing,
    read_export,
    read_export_frame,
    validate_focus,
)

BILL = data_dir() / "billing_daily.csv.gz"


@pytest.fixture(scope="module")
def bill() -> pd.DataFrame:
    return load_billing()


@pytest.fixture(scope="module")
def sample_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("focus")
    for name in ("nimbus.csv", "nimbus.csv.gz", "nimbus.parquet"):
        write_sample_export(d / name, rows=1500)
    return d


# ---- the spec as data ---------------------------------------------------------------------------------------

def test_spec_data_is_cited_and_complete() -> None:
    spec = focus_spec()
    assert spec.version == "1.2" and len(spec.commit) == 40 and spec.published.startswith("https://focus.finops.org/")
    assert set(spec.accepted_versions) == {"1.0", "1.1", "1.2"}
    # the five mandatory columns the old bill lacked
    assert {"BillingAccountName", "BillingPeriodEnd", "ChargeClass", "InvoiceIssuerName", "PublisherName"} <= set(
        spec.mandatory())
    assert {c.level for c in spec.columns} == {"mandatory", "conditional", "recommended"}
    for c in spec.columns:
        assert c.level != "conditional" or c.condition, c.name
    # spec rules start F-, project rules P-; a project rule never calls itself a FOCUS rule
    for r in spec.rules:
        assert r.id.startswith("F-" if r.kind == "spec" else "P-")
        assert r.kind == "project" or r.source, r.id
        assert "FOCUS rule" not in r.text
    assert len(RULES) == len(set(RULES)) == len(spec.rules)


def test_every_rule_is_checked(bill: pd.DataFrame) -> None:
    results = check_focus(bill.head(200), "bill")
    assert [r.rule.id for r in results] == list(RULES)
    assert {r.rule.id for r in check_focus(bill.head(200), "any")} == {r.id for r in focus_spec().rules if r.scope == "any"}
    with pytest.raises(PlaybookError, match="scope"):
        check_focus(bill.head(5), "all")


# ---- the platform's bill --------------------------------------------------------------------------------------

def test_bill_carries_every_applicable_column(bill: pd.DataFrame) -> None:
    spec = focus_spec()
    assert set(spec.bill_columns()) <= set(bill.columns)
    not_applicable = {c.name for c in spec.columns if c.level == "conditional" and not c.applies}
    assert not_applicable.isdisjoint(bill.columns)


def test_bill_passes_every_rule(bill: pd.DataFrame) -> None:
    failing = [(r.rule.id, r.failed_rows, r.first_row, r.column) for r in check_focus(bill, "bill") if r.status != "pass"]
    assert failing == []


def test_bill_units_and_special_rows(bill: pd.DataFrame) -> None:
    units = set(bill["PricingUnit"].dropna()) | set(bill["ConsumedUnit"].dropna()) | set(
        bill["CommitmentDiscountUnit"].dropna())
    assert units and all(is_unit_format(u) for u in units), units
    credit = bill[bill["ChargeCategory"] == "Credit"]
    assert (credit["ListCost"] == credit["BilledCost"]).all() and (credit["BilledCost"] < 0).all()
    purchase = bill[bill["ChargeCategory"] == "Purchase"]
    assert purchase["PricingQuantity"].notna().all() and purchase["PricingUnit"].notna().all()
    assert np.allclose(purchase["ListCost"], purchase["BilledCost"]) and (purchase["EffectiveCost"] == 0).all()
    assert bill["ChargeClass"].isna().all()


def test_cost_figures_unchanged_by_conformance(bill: pd.DataFrame) -> None:
    # the amortised usage cost every page reads (KMS requests and rotated key material included since they were
    # modelled): the spec changed list cost of purchases and credits only
    u = bill[bill["ChargeCategory"] == "Usage"]
    assert u["EffectiveCost"].sum() == pytest.approx(126918.678534, abs=1e-3)
    assert bill["BilledCost"].sum() == pytest.approx(122083.718285, abs=1e-3)


# ---- every rule fails on a seeded bad input -------------------------------------------------------------------

def _sample_rows(bill: pd.DataFrame) -> pd.DataFrame:
    st_ = bill["CommitmentDiscountStatus"].fillna("")
    pick = pd.concat([
        bill[(bill["ChargeCategory"] == "Usage") & (st_ == "") & (bill["RegionId"].notna())].head(3),   # 0-2
        bill[st_ == "Used"].head(2),                                                                   # 3-4
        bill[bill["ChargeCategory"] == "Purchase"].head(2),                                            # 5-6
        bill[bill["ChargeCategory"] == "Credit"].head(1),                                              # 7
        bill[st_ == "Unused"].head(1),                                                                 # 8
    ])
    return pick.reset_index(drop=True).copy()


def _set(col: str, row: int, value: object):
    def f(df: pd.DataFrame) -> pd.DataFrame:
        df = df.copy()
        df[col] = df[col].astype(object)
        df.loc[row, col] = value
        return df
    return f


BREAKERS = [
    ("F-PRESENT", lambda df: df.drop(columns=["PublisherName"])),
    ("F-NOT-NULL", _set("InvoiceIssuerName", 1, None)),
    ("F-ALLOWED", _set("ChargeFrequency", 2, "Daily")),
    ("F-CURRENCY", _set("BillingCurrency", 0, "usd")),
    ("F-PRICING-QUANTITY", _set("PricingQuantity", 5, np.nan)),
    ("F-PRICING-UNIT", _set("PricingUnit", 8, None)),
    ("F-UNIT-PRICES", _set("ListUnitPrice", 6, np.nan)),
    ("F-LIST-COST", _set("ListCost", 2, 999.0)),
    ("F-CONTRACTED-COST", _set("ContractedCost", 1, 0.5)),
    ("F-CREDIT-COSTS", _set("ListCost", 7, 0.0)),
    ("F-PURCHASE-EFFECTIVE", _set("EffectiveCost", 5, 3.0)),
    ("F-PURCHASE-FREQUENCY", _set("ChargeFrequency", 6, "Usage-Based")),
    ("F-CHARGE-CLASS", _set("ChargeClass", 0, "Refund")),
    ("F-PRICING-CATEGORY", _set("PricingCategory", 3, "Standard")),
    ("F-COMMITMENT-STATUS", _set("CommitmentDiscountStatus", 4, None)),
    ("F-COMMITMENT-QUANTITY", _set("CommitmentDiscountQuantity", 5, np.nan)),
    ("F-CONSUMED", _set("ConsumedQuantity", 8, 1.0)),
    ("F-REGION-NAME", _set("RegionName", 0, None)),
    ("F-RESOURCE-TYPE", _set("ResourceType", 3, None)),
    ("F-SKU-PRICE", _set("SkuPriceId", 2, None)),
    ("F-KEY-VALUE", _set("Tags", 0, "team=pipeline")),
    ("F-UNIT-FORMAT", _set("PricingUnit", 2, "GB-Mo")),
    ("P-NO-DUPLICATES", lambda df: pd.concat([df, df.iloc[[1]]], ignore_index=True)),
    ("P-NO-NEGATIVE-USAGE", lambda df: df.assign(BilledCost=df["BilledCost"].where(df.index != 0, -2000.0))),
    ("P-CHARGE-PERIOD", _set("ChargePeriodStart", 0, pd.Timestamp("2020-01-01", tz="UTC"))),
    ("P-CONTRACTED-LE-LIST", lambda df: df.assign(
        ContractedUnitPrice=df["ContractedUnitPrice"].where(df.index != 0, df["ListUnitPrice"] * 2),
        ContractedCost=df["ContractedCost"].where(df.index != 0, df["ListCost"] * 2))),
    ("P-COVERED-USAGE", _set("BilledCost", 3, 5.0)),
    ("P-EFFECTIVE-IS-BILLED", _set("EffectiveCost", 1, 1234.0)),
    ("P-CREDIT-NOT-POSITIVE", lambda df: df.assign(**{c: df[c].where(df.index != 7, 10.0) for c in (
        "BilledCost", "EffectiveCost", "ListCost", "ContractedCost")})),
    ("P-TAGS-STRINGS", _set("Tags", 0, '{"team": true}')),
]


@pytest.fixture(scope="module")
def good(bill: pd.DataFrame) -> pd.DataFrame:
    rows = _sample_rows(bill)
    assert [r.rule.id for r in check_focus(rows, "bill") if r.status == "fail"] == []
    return rows


def test_breakers_cover_every_rule() -> None:
    assert [r for r, _ in BREAKERS] == list(RULES)


@pytest.mark.parametrize(("rule", "breaker"), BREAKERS, ids=[r for r, _ in BREAKERS])
def test_each_rule_fails_on_its_bad_input(good: pd.DataFrame, rule: str, breaker) -> None:
    bad = breaker(good.copy())
    failed = [r.rule.id for r in check_focus(bad, "bill") if r.status == "fail"]
    assert rule in failed, failed
    with pytest.raises(PlaybookError, match=rf"x\.csv: .*{failed[0]}"):   # the loader names the first failing rule
        validate_focus(bad, "x.csv")


# ---- UnitFormat -------------------------------------------------------------------------------------------------

UNITS = st.sampled_from(["GB", "TB", "KiB", "Requests", "Tokens", "Hours", "Seconds", "Units", "Connections"])
TIMES = st.sampled_from(["Years", "Months", "Days", "Hours", "Minutes", "Seconds"])


@given(n=st.integers(1, 10**9), unit=UNITS, time=TIMES)
def test_unit_format_accepts_the_spec_forms(n: int, unit: str, time: str) -> None:
    assert is_unit_format(unit) and is_unit_format(f"{n} {unit}")
    assert is_unit_format(f"{unit.rstrip('s')}-{time}") or unit == "Seconds"
    assert is_unit_format(f"{unit}/{time[:-1]}") and is_unit_format(f"{unit}/{n} {time}")


@given(unit=UNITS, time=TIMES)
def test_unit_format_rejects_lowercase_glued_and_abbreviated(unit: str, time: str) -> None:
    assert not is_unit_format(unit.lower() if unit.lower() != unit else "x" + unit)
    assert not is_unit_format(f"{unit.rstrip('s')}{time}")     # "ShardHours"
    assert not is_unit_format(f"1K {unit}") and not is_unit_format(f"{unit}-Mo")


# ---- the loader for any provider's export ---------------------------------------------------------------------

def test_sample_loads_in_every_format(sample_dir: Path) -> None:
    frames = {p.name: read_export(p) for p in sorted(sample_dir.iterdir())}
    totals = {k: round(float(v["BilledCost"].sum()), 6) for k, v in frames.items()}
    assert len(set(totals.values())) == 1, totals
    df = frames["nimbus.parquet"]
    assert {"x_CostCenter", "x_InvoiceSectionName", "x_ServiceCode"} <= set(df.columns)
    assert set(df["BillingCurrency"]) == {"EUR"} and set(df["ProviderName"]) == {"Nimbus Cloud"}
    assert str(df["ChargePeriodStart"].dt.tz) == "UTC" and df["BilledCost"].dtype == float
    assert (df["ChargeClass"] == "Correction").any()   # negative corrections are accepted
    # a FOCUS 1.0 column set: nothing introduced in 1.1 or 1.2, and conformant
    spec = focus_spec()
    assert all(spec.column(c).introduced not in ("1.1", "1.2") for c in df.columns if spec.column(c))
    assert [r.rule.id for r in check_focus(df) if r.status == "fail"] == []


def test_loader_rejects_duplicates_and_negative_usage_by_name(sample_dir: Path, tmp_path: Path) -> None:
    raw = pd.read_csv(sample_dir / "nimbus.csv", dtype=str, keep_default_na=False)
    dup = pd.concat([raw, raw.iloc[[10]]], ignore_index=True)
    dup.to_csv(tmp_path / "dup.csv", index=False)
    with pytest.raises(PlaybookError, match=r"dup\.csv: row 1,501, column .* P-NO-DUPLICATES|dup\.csv: row 1501"):
        read_export(tmp_path / "dup.csv")
    neg = raw.copy()
    i = int(np.flatnonzero((neg["ChargeCategory"] == "Usage") & (neg["ChargeClass"] == ""))[3])
    neg.loc[i, "BilledCost"] = "-2000"
    neg.to_parquet(tmp_path / "neg.parquet")
    with pytest.raises(PlaybookError, match=rf"neg\.parquet: row {i + 1}, column 'BilledCost' .*project rule P-NO-NEGATIVE-USAGE"):
        read_export(tmp_path / "neg.parquet")


def test_loader_names_missing_columns_and_bad_values(tmp_path: Path) -> None:
    raw = read_export(BILL, strict=False).head(20)
    raw.drop(columns=["PublisherName"]).to_csv(tmp_path / "old.csv", index=False)
    with pytest.raises(PlaybookError, match=r"old\.csv: missing FOCUS mandatory column\(s\) \['PublisherName'\]"):
        read_export(tmp_path / "old.csv")
    bad = pd.read_csv(BILL, dtype=str, keep_default_na=False, nrows=20)
    bad.loc[4, "ListCost"] = "12,5"
    bad.to_csv(tmp_path / "bad.csv", index=False)
    with pytest.raises(PlaybookError, match=r"bad\.csv: column 'ListCost', row 5: not a decimal"):
        read_export(tmp_path / "bad.csv")
    json_path = (tmp_path / "bad.csv").rename(tmp_path / "bad.json")
    with pytest.raises(PlaybookError, match=r"must be \.csv"):
        read_export(json_path)


def test_read_export_frame_keeps_other_columns() -> None:
    df = read_export_frame(pd.DataFrame({"BilledCost": ["1.5", "null"], "x_Team": ["a", "b"], "Vendor": ["v", ""]}),
                           "x.csv", strict=False)
    assert df["BilledCost"].isna().tolist() == [False, True]
    assert df["x_Team"].tolist() == ["a", "b"] and df["Vendor"].tolist() == ["v", ""]


# ---- SQL files ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("dialect", focus_sql.DIALECTS)
@pytest.mark.parametrize("name", sorted(focus_sql.sql_files()))
def test_every_sql_file_transpiles(name: str, dialect: str) -> None:
    out = focus_sql.transpile(name, dialect)
    assert "focus" in out.lower() and "SELECT" in out.upper()


def test_sql_is_package_data() -> None:
    import tomllib

    from dfp.core.paths import repo_root

    cfg = tomllib.loads((repo_root() / "pyproject.toml").read_text(encoding="utf-8"))
    assert "cost/sql/*.sql" in cfg["tool"]["setuptools"]["package-data"]["dfp"]
    assert {"monthly_cost_by", "charge_summary", "export_guards"} <= set(focus_sql.sql_files())
    with pytest.raises(PlaybookError, match="no SQL file"):
        focus_sql.sql_text("nope")
    with pytest.raises(PlaybookError, match="column name"):
        focus_sql.sql_text("monthly_cost_by", 'x" ; DROP TABLE focus; --')


def test_sql_monthly_cost_equals_the_pages_function(bill: pd.DataFrame) -> None:
    con = focus_sql.connect(BILL)
    sql = focus_sql.monthly_cost(con, "ServiceName")
    wide = sql.assign(month=sql["billing_month"].dt.to_period("M")).pivot_table(
        index="month", columns="group_value", values="cost", aggfunc="sum", fill_value=0.0)
    pages = economics.monthly_cost(bill, by="ServiceName")
    assert list(wide.columns) == sorted(pages.columns)
    np.testing.assert_allclose(wide.to_numpy(), pages[sorted(pages.columns)].to_numpy(), atol=1e-6)
    assert focus_sql.export_guards(con) == {"duplicate_rows": 0, "negative_usage_rows": 0}
    with pytest.raises(PlaybookError, match="no column 'Team'"):
        focus_sql.monthly_cost(con, "Team")


def test_sql_on_the_sample_matches_pandas(sample_dir: Path, tmp_path: Path) -> None:
    df = read_export(sample_dir / "nimbus.parquet")
    u = df[df["ChargeCategory"] == "Usage"]
    expected = u.groupby(u["x_CostCenter"])["EffectiveCost"].sum().sort_index()
    for f in ("nimbus.csv.gz", "nimbus.parquet"):
        got = focus_sql.monthly_cost(focus_sql.connect(sample_dir / f), "x_CostCenter")
        assert set(got["currency"]) == {"EUR"}
        np.testing.assert_allclose(got.groupby("group_value")["cost"].sum().sort_index().to_numpy(),
                                   expected.to_numpy(), atol=1e-6)
    raw = pd.read_csv(sample_dir / "nimbus.csv", dtype=str, keep_default_na=False)
    pd.concat([raw, raw.iloc[[3, 4]]]).to_csv(tmp_path / "dup.csv", index=False)
    assert focus_sql.export_guards(focus_sql.connect(tmp_path / "dup.csv"))["duplicate_rows"] == 2


# ---- the commands ---------------------------------------------------------------------------------------------

def test_focus_check_command(sample_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["focus", "check", str(BILL), "--scope", "bill"]) == 0
    out = capsys.readouterr().out
    assert "Result: 0 FOCUS rule(s) and 0 project rule(s) fail" in out and "P-TAGS-STRINGS" in out
    assert main(["focus", "check", str(sample_dir / "nimbus.csv.gz")]) == 0
    out = capsys.readouterr().out
    assert "x_CostCenter" in out and "EUR" in out and "Nimbus Cloud" in out
    # an export shaped like the old bill: five mandatory columns missing, units outside UnitFormat
    old = read_export(BILL, strict=False).head(300).drop(
        columns=["BillingAccountName", "BillingPeriodEnd", "ChargeClass", "InvoiceIssuerName", "PublisherName"])
    old["PricingUnit"] = old["PricingUnit"].replace({"GB-Months": "GB-Mo"})
    old.to_parquet(tmp_path / "old.parquet")
    assert main(["focus", "check", str(tmp_path / "old.parquet")]) == 1
    out = capsys.readouterr().out
    assert "fail    F-PRESENT" in out and "PublisherName" in out and "warn    F-UNIT-FORMAT" in out


def test_cost_report_command(sample_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["cost", "report", str(BILL), "--top", "3"]) == 0
    out = capsys.readouterr().out
    assert "month (USD)" in out and "Amazon Elastic Compute Cloud" in out and "other (" in out
    assert main(["cost", "report", str(sample_dir / "nimbus.parquet"), "--by", "x_CostCenter"]) == 0
    out = capsys.readouterr().out
    assert "month (EUR)" in out and "CC-1000" in out and "2025-03" in out
    raw = pd.read_csv(sample_dir / "nimbus.csv", dtype=str, keep_default_na=False)
    pd.concat([raw, raw]).to_csv(tmp_path / "twice.csv", index=False)
    assert main(["cost", "report", str(tmp_path / "twice.csv")]) == 2
    assert "P-NO-DUPLICATES" in capsys.readouterr().err


def test_apply_page_names_what_exists() -> None:
    from dfp.core.paths import repo_root

    page = (repo_root() / "book" / "apply" / "focus.md").read_text(encoding="utf-8")
    for needle in ("dfp focus check", "dfp cost report", "data/focus/focus-1.2-columns.yml", "write_sample_export",
                   "transpile('monthly_cost_by', 'snowflake')", "snowflake", "trino", "spark"):
        assert needle in page, needle
    assert set(focus_sql.DIALECTS) == {"snowflake", "trino", "spark"}


def test_load_billing_rejects_a_doubled_month_and_a_negative_usage_line(tmp_path: Path) -> None:
    # the reviewer's two cases on the platform's own loader: October appended twice, a -2,000 USD usage line
    raw = pd.read_csv(BILL, dtype=str, keep_default_na=False)
    october = raw[raw["ChargePeriodStart"].str.startswith("2025-10")]
    pd.concat([raw, october]).to_csv(tmp_path / "billing_daily.csv.gz", index=False)
    with pytest.raises(PlaybookError, match=rf"row {len(raw) + 1}, .*project rule P-NO-DUPLICATES .*a repeat of row \d+"):
        load_billing(tmp_path)
    neg = raw.copy()
    i = int(np.flatnonzero((neg["ChargeCategory"] == "Usage") & (neg["CommitmentDiscountId"] == ""))[100])
    neg.loc[i, ["BilledCost", "EffectiveCost"]] = "-2000"
    neg.to_csv(tmp_path / "billing_daily.csv.gz", index=False)
    with pytest.raises(PlaybookError, match=rf"row {i + 1}, column '\w+Cost' breaks the project rule P-NO-NEGATIVE-USAGE"):
        load_billing(tmp_path)
