"""Tests of the 07-cost calculations: billing export (FOCUS), roll-ups, attribution, projection,
commitments, anomaly detection and carbon. Hand-checkable cases first, then properties, then the
committed 24-month data."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dfp.core.errors import PlaybookError
from dfp.cost import anomaly, carbon, commitments, projection
from dfp.cost import attribution as cost_attribution
from dfp.cost import economics as cost
from dfp.cost.incident import incident_cost
from dfp.io.data import load
from dfp.io.focus import RULES, load_billing, parse_tags, validate_focus
from dfp.io.system import load_system


@pytest.fixture(scope="module")
def billing() -> pd.DataFrame:
    return load_billing()


@pytest.fixture(scope="module")
def usage() -> pd.DataFrame:
    return load("usage_daily")


# ---- hand-checkable cases -------------------------------------------------------------------------

def test_billing_month_is_730_hours() -> None:
    assert cost.hours_in_billing_month() == 730.0
    assert cost.hours_in_billing_month(28) == 672.0
    with pytest.raises(PlaybookError, match="days_in_month"):
        cost.hours_in_billing_month(32)


def test_breakeven_at_known_utilisation() -> None:
    # a 28 % discount pays for itself above 72 % utilisation
    assert commitments.breakeven_utilisation(0.28) == pytest.approx(0.72)
    # at exactly break-even utilisation the commitment saves nothing
    spend = np.array([10.0] * 72 + [0.0] * 28)  # usage present 72 % of hours
    o = commitments.commitment_outcome(spend, commit_usd_per_h=10.0 * 0.72, discount_ratio=0.28)
    assert o.utilisation_ratio == pytest.approx(0.72)
    assert o.savings_usd == pytest.approx(0.0, abs=1e-9)
    # more usage: positive savings; less: a loss
    assert commitments.commitment_outcome(np.array([10.0] * 80 + [0.0] * 20), 7.2, 0.28).savings_usd > 0
    assert commitments.commitment_outcome(np.array([10.0] * 60 + [0.0] * 40), 7.2, 0.28).savings_usd < 0


def test_commitment_outcome_partial_cover() -> None:
    # 7.2/h at 28 % covers 10/h of on-demand; 15/h of spend leaves 5/h on demand
    o = commitments.commitment_outcome(np.array([15.0]), 7.2, 0.28)
    assert o.cost_usd == pytest.approx(12.2)
    assert o.savings_usd == pytest.approx(2.8)


def test_projection_of_pure_exponential_recovers_growth() -> None:
    values = 1234.0 * 1.06 ** np.arange(18)
    g = projection.estimate_growth(values)
    assert g.rate == pytest.approx(0.06, abs=1e-12)
    assert g.sigma == pytest.approx(0.0, abs=1e-12)
    # a cost that is purely variable projects at the same growth rate
    model = projection.CostModel(0.0, 10.0, 1.0, 0.0)
    path = projection.project_cost(model, 1e8, g.rate, 12)
    assert path["cost_usd"].iloc[-1] / path["cost_usd"].iloc[-2] == pytest.approx(1.06)


def test_fit_recovers_fixed_and_variable() -> None:
    ev = np.array([1e8, 2e8, 4e8, 8e8])
    m = projection.fit_cost_model(ev, 5000 + 30 * ev / 1e6)
    assert m.fixed_usd_per_month == pytest.approx(5000)
    assert m.usd_per_million_events == pytest.approx(30)
    assert m.r2 == pytest.approx(1.0)


def test_projection_band_and_cap_month() -> None:
    model = projection.CostModel(10_000.0, 40.0, 1.0, 0.05)
    p = projection.project_cost(model, 4e8, 0.1, 24, price_change_ratio=0.0, growth_sigma=0.03)
    assert (p["cost_low_usd"] < p["cost_usd"]).all() and (p["cost_high_usd"] > p["cost_usd"]).all()
    width = (p["cost_high_usd"] / p["cost_low_usd"]).to_numpy()
    assert (np.diff(width) > 0).all()  # uncertainty widens with the horizon
    # 10k + 40 x 400 x 1.1^m >= 75k  <=>  1.1^m >= 4.0625  <=>  m >= 14.7 -> month 15 (index 14)
    assert projection.month_threshold_hit(p["cost_usd"], 75_000) == 14
    cheaper = projection.project_cost(model, 4e8, 0.1, 24, price_change_ratio=-0.1)
    assert cheaper["cost_usd"].to_numpy() == pytest.approx(p["cost_usd"].to_numpy() * 0.9)


def test_budget_attainment_statuses() -> None:
    assert cost.budget_attainment(50_000, 50_000, 75_000).status == "within target"
    assert cost.budget_attainment(60_000, 50_000, 75_000).status == "over target"
    over = cost.budget_attainment(80_000, 50_000, 75_000)
    assert over.status == "over cap" and over.headroom_to_cap_usd == pytest.approx(-5_000)
    with pytest.raises(PlaybookError, match="cap must be >= target"):
        cost.budget_attainment(1, 75_000, 50_000)


def test_growth_comparison() -> None:
    g = cost.growth_comparison(pd.Series([100.0, 200.0]), pd.Series([100.0, 150.0]), 1)
    assert g.cost_cmgr == pytest.approx(1.0) and g.revenue_cmgr == pytest.approx(0.5)
    assert not g.cost_grows_slower


def test_anomaly_detector_flags_a_step_and_ignores_weekly_pattern() -> None:
    days = pd.date_range("2025-01-01", periods=140, freq="D")
    weekly = np.where(days.day_of_week >= 5, 0.7, 1.0)
    base = 1000 * 1.002 ** np.arange(140) * weekly
    quiet = anomaly.detect_cost_anomalies(pd.Series(base, index=days))
    assert not quiet["flag"].any()
    spiky = base.copy()
    spiky[120:125] += 500
    r = anomaly.detect_cost_anomalies(pd.Series(spiky, index=days))
    assert anomaly.first_flag(r, days[0], days[-1] + pd.Timedelta(days=1)) == days[120]
    planned = anomaly.detect_cost_anomalies(pd.Series(spiky, index=days), planned_changes=[days[120]])
    assert not planned["flag"].any()


def test_carbon_formulas() -> None:
    # 1000 vCPU-h at 50 %: (0.74 + 0.5 x 2.76) W x 1000 h = 2.12 kWh; x PUE 1.135
    assert float(carbon.compute_kwh(1000, 0.5, 0.74, 3.5, 1.135)) == pytest.approx(2.12 * 1.135)
    assert float(carbon.co2e_kg(2.0, 500)) == pytest.approx(1.0)
    with pytest.raises(PlaybookError, match="cpu_utilisation"):
        carbon.compute_kwh(1, 1.5, 0.74, 3.5, 1.1)


# ---- properties --------------------------------------------------------------------------------

@settings(max_examples=60, deadline=None)
@given(d=st.floats(0.01, 0.8), level=st.floats(0.1, 50.0),
       spend=st.lists(st.floats(0.0, 100.0), min_size=1, max_size=48))
def test_commitment_saves_iff_utilisation_beats_breakeven(d: float, level: float, spend: list[float]) -> None:
    o = commitments.commitment_outcome(np.array(spend), level, d)
    be = commitments.breakeven_utilisation(d)
    assert 0.0 <= o.utilisation_ratio <= 1.0 + 1e-12
    if o.utilisation_ratio > be + 1e-9:
        assert o.savings_usd > -1e-9
    if o.utilisation_ratio < be - 1e-9:
        assert o.savings_usd < 1e-9
    # never worse than paying the commitment on top of on-demand
    assert o.cost_usd <= o.on_demand_usd + level * len(spend) + 1e-9


@settings(max_examples=40, deadline=None)
@given(rate=st.floats(-0.3, 0.5), start=st.floats(1.0, 1e6), n=st.integers(3, 36))
def test_growth_estimate_recovers_any_exponential(rate: float, start: float, n: int) -> None:
    g = projection.estimate_growth(start * (1 + rate) ** np.arange(n))
    assert g.rate == pytest.approx(rate, abs=1e-9)


@settings(max_examples=40, deadline=None)
@given(g1=st.floats(0.0, 0.3), g2=st.floats(0.0, 0.3))
def test_projection_monotone_in_growth(g1: float, g2: float) -> None:
    model = projection.CostModel(1000.0, 20.0, 1.0, 0.0)
    lo, hi = sorted([g1, g2])
    a = projection.project_cost(model, 1e8, lo, 12)["cost_usd"].to_numpy()
    b = projection.project_cost(model, 1e8, hi, 12)["cost_usd"].to_numpy()
    assert (b >= a - 1e-9).all()


@settings(max_examples=30, deadline=None)
@given(scale=st.floats(0.5, 3.0))
def test_savings_curve_zero_level_saves_nothing(scale: float) -> None:
    curve = commitments.savings_by_level(np.array([5.0, 10.0, 20.0]), np.array([scale]), np.array([0.0, 3.0]), 0.3)
    assert curve["expected_savings_usd_per_h"].iloc[0] == pytest.approx(0.0)


# ---- FOCUS validation on broken rows ---------------------------------------------------------------
# (FOCUS 1.2 conformance of the whole bill, the spec data and the export loader: tests/test_focus.py)

def _rows(billing: pd.DataFrame) -> pd.DataFrame:
    # a few rows of each kind: plain usage, covered usage, purchase, credit
    st_ = billing["CommitmentDiscountStatus"].fillna("")
    pick = pd.concat([
        billing[(billing["ChargeCategory"] == "Usage") & (st_ == "")].head(3),
        billing[st_ == "Used"].head(2),
        billing[billing["ChargeCategory"] == "Purchase"].head(2),
        billing[billing["ChargeCategory"] == "Credit"].head(1),
    ])
    return pick.reset_index(drop=True).copy()


def test_committed_export_passes_focus(billing: pd.DataFrame) -> None:
    assert len(billing) > 10_000
    assert set(billing["ChargeCategory"]) >= {"Usage", "Purchase", "Credit"}
    assert validate_focus(_rows(billing)) is not None


@pytest.mark.parametrize(("rule", "breaker"), [
    ("P-CHARGE-PERIOD", lambda df: df.assign(
        ChargePeriodEnd=df["ChargePeriodStart"].where(df.index != 1, df["ChargePeriodEnd"]))),
    ("F-LIST-COST", lambda df: df.assign(ListCost=df["ListCost"].where(df.index != 2, df["ListCost"] + 1.0))),
    ("P-COVERED-USAGE", lambda df: df.assign(BilledCost=df["BilledCost"].where(df.index != 3, 5.0))),
    ("F-PURCHASE-EFFECTIVE", lambda df: df.assign(EffectiveCost=df["EffectiveCost"].where(df.index != 5, 1.0))),
    ("P-EFFECTIVE-IS-BILLED", lambda df: df.assign(
        EffectiveCost=df["EffectiveCost"].where(df.index != 0, df["BilledCost"] + 3))),
    ("P-CREDIT-NOT-POSITIVE", lambda df: df.assign(
        BilledCost=df["BilledCost"].where(df.index != 7, 10.0), EffectiveCost=df["EffectiveCost"].where(df.index != 7, 10.0),
        ListCost=df["ListCost"].where(df.index != 7, 10.0), ContractedCost=df["ContractedCost"].where(df.index != 7, 10.0))),
])
def test_broken_row_is_named(billing: pd.DataFrame, rule: str, breaker) -> None:
    assert rule in RULES
    df = breaker(_rows(billing))
    with pytest.raises(PlaybookError) as exc:
        validate_focus(df, "x.csv")
    msg = str(exc.value)
    assert rule in msg and "x.csv: row" in msg
    kind = "project rule" if rule.startswith("P-") else "FOCUS 1.2 rule"
    assert kind in msg


def test_bad_tags_and_bad_category_are_named(billing: pd.DataFrame, tmp_path) -> None:
    df = _rows(billing)
    df.loc[4, "Tags"] = "team=pipeline"
    with pytest.raises(PlaybookError, match=r"row 5, column 'Tags' breaks the FOCUS 1.2 rule F-KEY-VALUE"):
        validate_focus(df)
    df.loc[4, "Tags"] = '{"team": true}'   # a JSON object (FOCUS allows it) but not of strings (project rule)
    with pytest.raises(PlaybookError, match=r"row 5, column 'Tags' breaks the project rule P-TAGS-STRINGS"):
        validate_focus(df)
    # an unknown ChargeCategory fails in the schema check on load, naming the row
    from dfp.core.paths import data_dir
    from dfp.io.schema import read_raw, validate_frame
    from dfp.io.schemas import SCHEMAS

    raw = read_raw(data_dir() / "billing_daily.csv.gz").head(5).copy()
    raw.loc[2, "ChargeCategory"] = "Refund"
    with pytest.raises(PlaybookError, match=r"ChargeCategory.*row 3.*not one of"):
        validate_frame(raw, SCHEMAS["billing_daily"])


def test_parse_tags_keys() -> None:
    t = parse_tags(pd.Series([json.dumps({"customer": "C0001"}), "{}"]))
    assert t["customer"].tolist() == ["C0001", ""]


# ---- the committed 24-month data ---------------------------------------------------------------------

def test_bill_tells_the_story(billing: pd.DataFrame) -> None:
    system = load_system()
    eu = billing[billing["RegionId"] == "eu-west-1"]
    assert eu["ChargePeriodStart"].min() == system.region("eu-west-1").live_from
    inc = system.incident("INC-05")
    start, end = inc.impact_start.tz_localize(None), inc.impact_end.tz_localize(None)
    # INC-05 is a change in the platform model: a modest share of the month's bill, a jump of two orders of
    # magnitude on one service line, which a per-service detector flags on the first day and a total one misses
    excess = incident_cost(billing, inc)
    march = float(cost.monthly_cost(billing).loc[pd.Period(start, "M")])
    assert 0.01 * march < excess.excess_usd < 0.1 * march and excess.excess_nat_gb > 100
    eu_live = system.region("eu-west-1").live_from.tz_localize(None)
    det = {"z_threshold": 6.0, "min_excess_usd": 10.0, "planned_changes": [eu_live]}
    by = anomaly.detect_by_line(cost.daily_cost(billing, by="ServiceName"), start, end, **det)
    assert by.loc["Amazon CloudWatch", "peak_ratio"] > 50
    assert by.loc["Amazon CloudWatch", "first_flag"] == start.normalize()
    assert anomaly.first_flag(anomaly.detect_cost_anomalies(cost.daily_cost(billing), **det),
                              start.normalize(), end) is None
    assert start < end
    purchases = billing[billing["ChargeCategory"] == "Purchase"]
    scale_start = system.month_start(system.era("scale").first_month)
    assert (purchases["ChargePeriodStart"] >= scale_start).all() and len(purchases) > 0
    # the amortised and cash views agree over the whole story up to the prepaid RI not yet used
    assert cost.monthly_cost(billing).sum() == pytest.approx(
        billing["EffectiveCost"].sum() - billing.loc[billing["ChargeCategory"] == "Credit", "EffectiveCost"].sum())


def test_detector_misses_the_small_inc05_and_catches_a_seeded_spike(billing: pd.DataFrame) -> None:
    """INC-05 (tens of USD over nine days) is below the daily detector's floor; the same detector flags the first
    day of a spike of a few hundred USD a day over the same window, and at most one normal day in 24 months."""
    system = load_system()
    daily = cost.daily_cost(billing)
    eu_live = system.region("eu-west-1").live_from.tz_localize(None)
    inc = system.incident("INC-05")
    start, end = inc.impact_start.tz_localize(None), inc.impact_end.tz_localize(None)
    r = anomaly.detect_cost_anomalies(daily, planned_changes=[eu_live])
    assert anomaly.first_flag(r, start, end) is None
    assert r["flag"].sum() <= 1
    seeded = daily + np.where((daily.index >= start.normalize()) & (daily.index <= end), 300.0, 0.0)
    rs = anomaly.detect_cost_anomalies(seeded, planned_changes=[eu_live])
    assert anomaly.first_flag(rs, start, end) == start.normalize()


def test_attribution_conserves_cost_and_meets_target_after_inc05(billing: pd.DataFrame, usage: pd.DataFrame) -> None:
    a = cost_attribution.attribute(billing, usage)
    m = a.monthly
    assert (m["direct_usd"] + m["allocated_usd"] + m["unattributed_usd"]).to_numpy() == pytest.approx(
        m["total_usd"].to_numpy())
    per_cust = a.customer_month.groupby("month")["cost_usd"].sum().reindex(m.index).fillna(0.0)
    assert per_cust.to_numpy() == pytest.approx((m["direct_usd"] + m["allocated_usd"]).to_numpy())
    target = load_system().target("cost_attributed_ratio")
    assert target.met_by(m["attributed_ratio"].iloc[-1])
    assert not target.met_by(m["attributed_ratio"].iloc[6])


def test_allocation_shares_sum_to_one(usage: pd.DataFrame) -> None:
    s = cost_attribution.allocation_shares(usage.head(5000))
    sums = s.groupby(["date", "region", "alloc"])["share"].sum()
    assert sums.to_numpy() == pytest.approx(np.ones(len(sums)))


def test_unknown_allocation_key_is_rejected(billing: pd.DataFrame, usage: pd.DataFrame) -> None:
    b = billing.head(50).copy()
    b["Tags"] = '{"alloc":"headcount"}'
    with pytest.raises(PlaybookError, match="unknown allocation key 'headcount'"):
        cost_attribution.attribute(b, usage)


def test_commitment_levels_on_real_spend(billing: pd.DataFrame) -> None:
    daily = commitments.eligible_daily_spend(billing)
    hourly = (daily.iloc[-28:] / 24.0).to_numpy()
    levels = np.linspace(0, hourly.max(), 21)
    curve = commitments.savings_by_level(hourly, np.array([1.0]), levels, 0.28)
    best = commitments.recommend_level(curve, 0.0)
    assert 0 < best["commit_usd_per_h"] <= hourly.min() * 0.72 + levels[1]


def test_unit_cost_by_stage_adds_up(billing: pd.DataFrame) -> None:
    month = pd.Period("2026-10", "M")
    events = 1e9
    t = cost.unit_cost_by_stage(billing, events, month)
    assert t["cost_usd"].sum() == pytest.approx(float(cost.monthly_cost(billing).loc[month]))
    assert t["usd_per_million_events"].sum() == pytest.approx(t["cost_usd"].sum() / events * 1e6)
    assert set(t["stage"]) == {"1 ingest", "2 process", "3 deliver", "4 platform"}
    assert not t["line"].str.contains("covered by").any()
    with pytest.raises(PlaybookError, match="no usage rows"):
        cost.unit_cost_by_stage(billing, events, pd.Period("2030-01", "M"))


def test_events_per_billing_month_normalises_month_length() -> None:
    days = pd.date_range("2025-02-01", "2025-03-31", freq="D", tz="UTC")
    u = pd.DataFrame({"date": days, "events": 100})
    e = cost.events_per_billing_month(u)
    assert e.to_numpy() == pytest.approx([100 * 730 / 24, 100 * 730 / 24])


def test_run_scenarios_uses_one_model_and_finds_cap_months() -> None:
    events = pd.Series([1e8] * 12, index=pd.period_range("2026-01", periods=12, freq="M"))
    hist = projection.FittedHistory(events * 0 + 3000.0, events, projection.CostModel(1000.0, 20.0, 1.0, 0.0),
                                    projection.GrowthEstimate(0.0, 0.0, 12))
    runs = projection.run_scenarios(hist, {"flat": (0.0, 0.0), "fast": (0.5, 0.0), "cheaper": (0.0, -0.5)}, 6, 10_000.0)
    assert runs["flat"].path["cost_usd"].tolist() == pytest.approx([3000.0] * 6)
    assert runs["cheaper"].path["cost_usd"].iloc[-1] == pytest.approx(1500.0)
    assert runs["flat"].cap_month is None and runs["fast"].cap_month is not None
    last = events.index[-1]
    t = projection.scenario_table(runs, last)
    assert t["cap month"].tolist()[0] == "not within the horizon"
    assert t.loc[1, "cap month"] == projection.month_label(last, runs["fast"].cap_month)
    assert list(projection.fit_table(hist).index)[:2] == ["fixed", "per million events"]


def test_commitment_plan_and_realised_summary_from_the_bill() -> None:
    from dfp.cost import economics
    from dfp.io.data import load
    from dfp.io.focus import load_billing

    billing, hourly = load_billing(), load("traffic_hourly")
    plan = commitments.plan_next_commitment(billing, hourly, 0.28, 0.1)
    assert len(plan.curve) == 41
    best = commitments.recommend_level(plan.curve, 0.1)
    assert plan.recommended_usd_per_h == float(best["commit_usd_per_h"])
    assert plan.expected_savings_usd_per_year == pytest.approx(float(best["expected_savings_usd_per_h"]) * 730 * 12)
    flat = commitments.plan_next_commitment(billing, hourly, 0.28, 0.1, growth_rate=0.0)
    assert flat.growth_rate == 0.0 and flat.recommended_usd_per_h <= plan.recommended_usd_per_h
    real = commitments.realised_summary(billing, economics.monthly_cost(billing))
    assert real.saved_usd == pytest.approx(float(real.by_commitment.to_numpy().sum()))
    assert 0 < real.saved_ratio < 1 and 0 < real.min_utilisation_ratio <= 1


def test_unit_economics_and_stage_costs_agree_with_the_formulas() -> None:
    from dfp.cost import economics, unit
    from dfp.io.data import load
    from dfp.io.focus import load_billing
    from dfp.io.system import load_system

    system, billing, usage = load_system(), load_billing(), load("usage_daily")
    ue = unit.unit_economics(system, billing, usage, 23, 1e-4)
    assert ue.target_monthly_usd == pytest.approx(economics.monthly_cost_usd(ue.reference_events_per_day, 1e-4))
    assert ue.budget_usd_per_event * ue.reference_events_per_day * 730 / 24 == pytest.approx(ue.budget_usd)
    assert ue.first_met_month == str(ue.usd_per_event.index[ue.usd_per_event <= 1e-4][0])
    assert ue.breakeven_events_per_day is not None
    assert ue.model.cost(ue.breakeven_events_per_day * 730 / 24) / (ue.breakeven_events_per_day * 730 / 24) \
        == pytest.approx(1e-4)
    strict = unit.unit_economics(system, billing, usage, 23, 1e-7)
    assert strict.first_met_month == "no month of the story"
    s = unit.stage_costs(billing, usage, ue.month)
    assert s.table()["total"].iloc[0] == pytest.approx(s.by_stage.sum())
    assert s.retry_usd_per_million_attempts == pytest.approx(s.stage("3 deliver") / 3)
    assert s.stage("no such stage") == 0.0
    assert list(unit.per_customer_table(ue, usage).columns) == ["cost USD", "customers", "USD per customer",
                                                               "USD per million events"]


def test_month_views_of_the_bill() -> None:
    from dfp.cost import economics, views
    from dfp.io.data import load
    from dfp.io.focus import load_billing

    billing, usage = load_billing(), load("usage_daily")
    total = economics.monthly_cost(billing)
    month = total.index[-1]
    snap = views.service_snapshot(economics.monthly_cost(billing, "ServiceName"), month)
    assert snap["share"].sum() == pytest.approx(1.0) and snap["USD"].is_monotonic_decreasing
    g = views.grouped_views(billing, month, min_usd=0.0)
    for view in ("ServiceCategory", "RegionId"):
        assert g.loc[g["view"] == view, "USD"].sum() == pytest.approx(float(total.loc[month]), rel=1e-6)
    mrr = pd.Series(1e6, index=total.index)
    bv = views.budget_view(total, mrr, month, 50_000.0, 75_000.0)
    assert bv.window_months == 12 and bv.growth.revenue_cmgr == pytest.approx(0.0)
    assert views.budget_view(total, mrr, total.index[0], 50_000.0, 75_000.0).window_months == 1
    mu = views.month_units(billing, usage, total, month)
    assert 0 < mu.attributed_ratio <= 1 and mu.commitment_savings_to_date_usd >= mu.commitment_savings_usd


def test_threshold_sweep_and_detection_replay() -> None:
    idx = pd.date_range("2026-01-01", periods=120, freq="D")
    daily = pd.Series(1000.0, index=idx)
    daily.iloc[100:103] = 5000.0
    start, end = idx[100] + pd.Timedelta(hours=6), idx[102] + pd.Timedelta(hours=18)
    sweep = anomaly.threshold_sweep(daily, (3.0, 1e6), start, end, "INC-X", min_excess_usd=50.0)
    assert sweep["INC-X first flagged"].tolist() == [idx[100].strftime("%Y-%m-%d"), "missed"]
    scores = anomaly.detect_cost_anomalies(daily, z_threshold=3.0)
    first = anomaly.first_flag(scores, start.normalize(), end)
    never = anomaly.replay_detection(scores, start, end, None, 24.0, 4.0)
    assert never.fixed_at == end and never.avoidable_usd == pytest.approx(0.0)
    fast = anomaly.replay_detection(scores, start, end, first, 0.0, 0.0)
    assert fast.fixed_at == idx[101] and 0 < fast.excess_with_detector_usd < fast.excess_usd


def test_unit_economics_names_the_parameter_when_the_fit_cannot_price_an_event() -> None:
    from dfp.cost import unit
    from dfp.io.data import load
    from dfp.io.focus import load_billing
    from dfp.io.system import load_system

    billing = load_billing()
    late = (billing["ChargePeriodStart"] >= pd.Timestamp("2025-09-01", tz="UTC")).to_numpy()
    billing.loc[late, "EffectiveCost"] *= 0.5   # seeded: a bill that falls as volume grows
    with pytest.raises(PlaybookError, match=r"^as_of_month=12: the cost model fitted on 2025-06 to 2025-11"):
        unit.unit_economics(load_system(), billing, load("usage_daily"), 12, 1e-4)


def test_detect_by_line_flags_only_the_line_that_moved() -> None:
    days = pd.date_range("2025-01-01", periods=90)
    frame = pd.DataFrame({"steady": np.full(90, 100.0), "spike": np.r_[np.ones(80), np.full(5, 40.0), np.ones(5)]},
                         index=days)
    r = anomaly.detect_by_line(frame, days[80], days[85], min_excess_usd=10.0)
    assert r.loc["spike", "first_flag"] == days[80] and pd.isna(r.loc["steady", "first_flag"])
    assert r.loc["spike", "peak_ratio"] == pytest.approx(40.0)
    assert r.loc["spike", "false_positive_days"] == 0
    with pytest.raises(PlaybookError, match="detect_by_line"):
        anomaly.detect_by_line(frame.iloc[:, :0], days[80], days[85])
