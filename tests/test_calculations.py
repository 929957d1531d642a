"""Unit and property tests of the foundation's calculations, with worked numbers as oracles."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from dfp.book import scorecard
from dfp.book.params import check_parameters
from dfp.business import baseline, growth, traffic
from dfp.business import customers as business
from dfp.core.checks import check_fraction
from dfp.core.errors import PlaybookError
from dfp.core.units import HOURS_PER_MONTH
from dfp.cost import economics as cost
from dfp.io.data import load
from dfp.reliability import operations, slo

rates = st.floats(min_value=0.001, max_value=1.0, allow_nan=False)
values = st.floats(min_value=1.0, max_value=1e9, allow_nan=False)


# --- SLO / SLA -------------------------------------------------------------------------------

def test_allowed_downtime_worked_examples():
    # SRE Workbook, ch. 2 "Implementing SLOs": a 99.9 % SLO over 30 days allows 43.2 minutes.
    assert slo.allowed_downtime_min(0.999, 30) == pytest.approx(43.2)
    # The platform's SLA: 99.95 % over 30 days = 21.6 minutes; over a year 262.8 minutes.
    assert slo.allowed_downtime_min(0.9995, 30) == pytest.approx(21.6)
    assert slo.allowed_downtime_min(0.9995, 365) == pytest.approx(262.8)


@pytest.mark.parametrize("bad", [1.0, 1.5, 0.0, -0.1, 99.95, float("nan"), "0.999", True])
def test_slo_target_out_of_range_is_named(bad):
    with pytest.raises(PlaybookError, match="slo_target must be"):
        slo.allowed_downtime_min(bad, 30)


def test_sla_credit_tiers(system):
    tiers = system.pricing["sla_credit"]
    assert slo.sla_credit_ratio(1.0, tiers) == 0.0
    assert slo.sla_credit_ratio(0.9995, tiers) == 0.0
    assert slo.sla_credit_ratio(0.9994, tiers) == 0.10
    assert slo.sla_credit_ratio(0.95, tiers) == 0.25


@given(st.floats(min_value=0.5, max_value=0.99999), st.floats(min_value=1, max_value=400))
def test_downtime_is_linear_in_window_and_budget(target, days):
    d = slo.allowed_downtime_min(target, days)
    assert d == pytest.approx((1 - target) * days * 1440)
    assert slo.allowed_downtime_min(target, 2 * days) == pytest.approx(2 * d)


# --- growth ----------------------------------------------------------------------------------

@given(values, rates, st.floats(min_value=1.01, max_value=1e4))
def test_months_until_is_the_first_month_over_the_threshold(v, r, factor):
    threshold = v * factor
    m = growth.months_until(v, r, threshold)
    assert m is not None and m >= 1
    assert growth.compound(v, r, m) >= threshold * (1 - 1e-9)
    assert growth.compound(v, r, m - 1) < threshold


@given(values, rates, st.integers(min_value=1, max_value=60))
def test_cmgr_recovers_the_rate_of_a_pure_exponential(v, r, n):
    assert growth.cmgr(v, growth.compound(v, r, n), n) == pytest.approx(r, rel=1e-9, abs=1e-12)


def test_growth_edge_cases():
    assert growth.months_until(20, 0.1, 10) == 0
    assert growth.months_until(10, 0.0, 20) is None
    assert growth.project(100, 0.5, 0).tolist() == [100.0]
    with pytest.raises(PlaybookError, match="rate must be in"):
        growth.compound(1, -1.5, 2)
    with pytest.raises(PlaybookError, match="periods must be >= 1"):
        growth.cmgr(1, 2, 0)


# --- cost ------------------------------------------------------------------------------------

def test_cost_conventions():
    # 730 hours in a billing month; the brief's "about $30K/month" at $0.0001/event and 10 M/day.
    assert HOURS_PER_MONTH == 730
    assert cost.monthly_cost_usd(10_000_000, 0.0001) == pytest.approx(30_416.67, abs=0.01)
    assert cost.cost_usd_per_event(50_000, 10_000_000) == pytest.approx(1.6438e-4, rel=1e-4)


@given(st.floats(min_value=1, max_value=1e7), st.floats(min_value=1e-7, max_value=1e-2))
def test_budget_volume_round_trips(budget, unit):
    volume = cost.events_per_day_for_budget(budget, unit)
    assert cost.monthly_cost_usd(volume, unit) == pytest.approx(budget)
    assert cost.cost_usd_per_event(budget, volume) == pytest.approx(unit)


def test_negative_volume_rejected():
    with pytest.raises(PlaybookError, match="events_per_day must be a finite number > 0; got -5"):
        cost.cost_usd_per_event(100, -5)


# --- traffic ---------------------------------------------------------------------------------

@given(st.floats(min_value=0, max_value=23.99), st.floats(min_value=1, max_value=20))
def test_diurnal_weight_mean_one_and_ratio(peak, ratio):
    w = traffic.diurnal_weight(np.arange(0, 24, 0.25), peak, ratio)
    assert w.mean() == pytest.approx(1.0)
    assert w.max() / w.min() == pytest.approx(ratio, rel=1e-2)
    assert traffic.diurnal_weight([peak], peak, ratio)[0] == pytest.approx(w.max(), rel=1e-3)


@given(st.lists(st.floats(min_value=0, max_value=1e6), min_size=24, max_size=24).filter(lambda x: sum(x) > 0),
       st.integers(min_value=0, max_value=23))
def test_a_24h_outage_loses_a_whole_day_from_any_start(profile, start):
    s = pd.Series(profile)
    assert traffic.outage_events(s, start, 24) == pytest.approx(s.sum())
    assert traffic.outage_events(s, start, 0) == 0


def test_outage_exposure_peak_vs_quiet(system):
    prof = pd.Series([100.0] * 12 + [300.0] * 12)
    tiers = system.pricing["sla_credit"]
    peak = traffic.outage_exposure(prof, 12, 1.0, 10, 73_000.0, tiers)
    quiet = traffic.outage_exposure(prof, 0, 1.0, 10, 73_000.0, tiers)
    assert peak.events == 300 and quiet.events == 100
    assert peak.share_of_day == pytest.approx(300 / 4800)
    # request-weighted over the SLA's rolling 30 days: the hour hit 300 of 30 x 4,800 events
    assert peak.availability == pytest.approx(1 - 300 / (30 * 4800))
    assert quiet.availability == pytest.approx(1 - 100 / (30 * 4800))
    assert peak.availability < quiet.availability  # minutes alone would price them the same
    assert peak.sla_credit_usd == pytest.approx(7_300.0)  # below 99.95 % -> 10 % credit


def test_weekly_and_peak_helpers():
    assert traffic.weekly_weight([0, 4, 5, 6], 0.5).tolist() == [1, 1, 0.5, 0.5]
    with pytest.raises(PlaybookError, match=r"dayofweek must be in 0\.\.6"):
        traffic.weekly_weight([7], 0.5)
    with pytest.raises(PlaybookError, match="empty series"):
        traffic.peak_to_average(pd.Series([], dtype=float))


# --- business on the committed data --------------------------------------------------------

@pytest.fixture(scope="module")
def monthly(system):
    return business.monthly_summary(load("usage_daily"), load("revenue_monthly"), load("customers"), system)


def test_monthly_summary_reconciles_with_sources(monthly, system):
    assert len(monthly) == system.months
    assert monthly["mrr_usd"].sum() == pytest.approx(load("revenue_monthly")["revenue_usd"].sum())
    usage = load("usage_daily")
    per_month = usage.groupby(usage["date"].dt.tz_localize(None).dt.to_period("M"))
    days = per_month["date"].nunique().to_numpy()
    assert (monthly["events_per_day_avg"].to_numpy() * days) == pytest.approx(per_month["events"].sum().to_numpy())
    customers = load("customers")
    assert monthly["new_customers"].sum() == len(customers)
    assert monthly["customers"].iloc[-1] == len(customers) - customers["churn_date"].notna().sum()
    assert (monthly["events_per_day_peak"] >= monthly["events_per_day_avg"]).all()
    assert list(monthly["era"].unique()) == [e.name for e in system.eras]


def test_new_enterprise_quarters_are_full_quarters(system):
    q = business.new_enterprise_per_quarter(load("customers"), system)
    assert str(q.index[0]) == "2025Q1" and str(q.index[-1]) == "2026Q3"


def test_top_share_bounds():
    usage = load("usage_daily")
    start, end = usage["date"].min(), usage["date"].max() + pd.Timedelta(days=1)
    one = business.top_share(usage, start, end, 1)
    assert 0 < one < business.top_share(usage, start, end, 10) <= business.top_share(usage, start, end, 10_000) == 1.0


# --- operations, scorecard, baseline, checks, params ----------------------------------------

def test_operations_worked_numbers():
    assert operations.oncall_budget_h_per_week(4, 2.0) == 8.0
    assert operations.pages_per_week_capacity(8.0, 30.0) == 16.0
    assert operations.off_hours_share(168) == 0.0


def test_scorecard_verdicts(system):
    card = scorecard.scorecard(system, {"churn_ratio": 0.03, "events_per_day_avg": 1.2e7}).set_index("id")
    assert not card.loc["churn_ratio", "met"] and card.loc["churn_ratio", "met"] is not None
    assert card.loc["events_per_day_avg", "met"]
    assert card.loc["api_availability", "met"] is None and math.isnan(card.loc["api_availability", "measured"])
    with pytest.raises(PlaybookError, match="unknown targets"):
        scorecard.scorecard(system, {"nope": 1.0})


def test_baseline_evidence_shows_all_five_problems(system):
    ev = baseline.evidence(load("legacy_baseline_monthly"), system, engineers=3)
    assert set(ev["problem"]) == {p["id"] for p in system.starting_problems}
    # every problem has at least one measurement that misses its target
    assert ev.groupby("problem")["met"].apply(lambda m: (~m).any()).all()


def test_check_fraction_closed_interval():
    assert check_fraction("x", 0.0, closed=True) == 0.0
    with pytest.raises(PlaybookError, match=r"x must be in \(0, 1\); got 0"):
        check_fraction("x", 0)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"growth_rate": -0.1}, r"growth_rate must be in \[0.0, 0.3\]; got -0.1"),
        ({"slo_target": 1.5}, r"slo_target must be in \[0.9, 0.99999\]; got 1.5"),
        ({"horizon_months": 2.5}, "horizon_months must be an integer; got 2.5"),
        ({"warp_factor": 9}, "unknown parameter 'warp_factor'"),
    ],
)
def test_bad_parameters_are_named(kwargs, message):
    with pytest.raises(PlaybookError, match=message):
        check_parameters(**kwargs)


def test_none_means_system_default():
    check_parameters(growth_rate=None, slo_target=None)


def test_business_metrics_measure_the_business_targets(monthly, system):
    from dfp.business.customers import business_metrics
    from dfp.business.growth import cmgr
    from dfp.io.data import load

    bm = business_metrics(monthly, load("customers"), system)
    assert bm.mrr_cmgr == pytest.approx(cmgr(monthly["mrr_usd"].iloc[0], monthly["mrr_usd"].iloc[-1], len(monthly) - 1))
    assert bm.churn_ratio == pytest.approx(monthly.tail(12)["churn_ratio"].mean())
    assert monthly.loc[monthly["month_index"] == bm.first_10m_month_index, "events_per_day_avg"].iloc[0] \
        >= system.target("events_per_day_avg").value
    assert set(bm.measured()) == {"events_per_day_avg", "mrr_growth_ratio", "new_enterprise_per_quarter", "churn_ratio"}


def test_peak_and_quiet_outages():
    from dfp.business.traffic import peak_and_quiet_outages

    profile = pd.Series([100.0] * 24, index=range(24))
    profile[18], profile[4] = 500.0, 10.0
    peak, quiet = peak_and_quiet_outages(profile, 1.0, 10, 1000.0, [{"below_availability": 0.9995, "credit_ratio": 0.1}])
    assert (peak.start_hour_utc, quiet.start_hour_utc) == (18, 4)
    assert peak.events == 500.0 and quiet.events == 10.0


def test_month_usage_from_a_region_and_a_tier(system):
    from dfp.business.customers import month_usage
    from dfp.io.data import load

    usage, customers = load("usage_daily"), load("customers")
    start, end = system.month_start(23), system.month_start(24)
    mu = month_usage(usage, customers, start, end)
    u = usage[(usage["date"] >= start) & (usage["date"] < end)]
    assert mu.region_events_share == pytest.approx(u.loc[u["region"] == "eu-west-1", "events"].sum() / u["events"].sum())
    assert mu.region_customers > 0 and mu.tier_events_per_customer_day > 0
    with pytest.raises(PlaybookError, match="no usage"):
        month_usage(usage, customers, system.month_start(30), system.month_start(31))
