"""Availability composition: hand-computed cases and properties that hold for every input."""

import itertools
import math

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from dfp.core.errors import PlaybookError
from dfp.core.units import SLO_MONTH_DAYS
from dfp.reliability.availability import (
    compose,
    downtime_min_per_month,
    k_of_n,
    nines,
    parallel,
    required_part_availability,
    serial,
)
from dfp.reliability.slo import allowed_downtime_min

avail = st.floats(min_value=0.0, max_value=1.0, allow_nan=False)
avails = st.lists(avail, min_size=1, max_size=8)


def test_serial_hand_computed():
    # 99.95 % API Gateway in front of a 99.9 % stream: 0.9995 * 0.999 = 0.9985005
    assert serial([0.9995, 0.999]) == pytest.approx(0.9985005)


def test_parallel_hand_computed():
    # two independent 99 % replicas: 1 - 0.01 ** 2 = 0.9999
    assert parallel([0.99, 0.99]) == pytest.approx(0.9999)
    assert parallel([0.9, 0.8]) == pytest.approx(1 - 0.1 * 0.2)


def test_k_of_n_hand_computed():
    # 2 of 3 at a = 0.9: 3 * 0.81 * 0.1 + 0.729 = 0.972
    assert k_of_n(2, 3, 0.9) == pytest.approx(0.972)
    # 3 of 5 at 0.99 (Trivedi, Probability and Statistics with Reliability..., TMR/NMR example form):
    # sum_{i=3..5} C(5,i) 0.99^i 0.01^(5-i)
    expected = 10 * 0.99**3 * 0.01**2 + 5 * 0.99**4 * 0.01 + 0.99**5
    assert k_of_n(3, 5, 0.99) == pytest.approx(expected)


@given(st.integers(1, 12), avail)
def test_k_of_n_extremes_are_serial_and_parallel(n, a):
    assert k_of_n(n, n, a) == pytest.approx(serial([a] * n), abs=1e-12)
    assert k_of_n(1, n, a) == pytest.approx(parallel([a] * n), abs=1e-12)


@given(avails)
def test_serial_never_above_weakest(xs):
    assert serial(xs) <= min(xs) + 1e-12


@given(avails)
def test_parallel_never_below_best(xs):
    assert parallel(xs) >= max(xs) - 1e-12


@given(st.integers(2, 10), avail)
def test_k_of_n_decreases_as_k_grows(n, a):
    vals = [k_of_n(k, n, a) for k in range(1, n + 1)]
    assert all(x >= y - 1e-12 for x, y in itertools.pairwise(vals))


def test_compose_nested_matches_hand_computation():
    leaves = {"gw": 0.9995, "node": 0.995, "stream": 0.999, "spill": 0.999}
    spec = {"serial": ["gw", {"k_of_n": {"k": 2, "n": 3, "of": "node"}}, {"parallel": ["stream", "spill"]}]}
    two_of_three = 3 * 0.995**2 * 0.005 + 0.995**3
    assert compose(spec, leaves) == pytest.approx(0.9995 * two_of_three * (1 - 0.001**2))


@pytest.mark.parametrize("spec, msg", [
    ("nope", "unknown component 'nope'"),
    ({"mesh": ["gw"]}, "unknown block kind 'mesh'"),
    ({"serial": []}, "non-empty list"),
    ({"k_of_n": {"k": 1, "of": "gw"}}, "k_of_n needs keys"),
    ({"serial": ["gw"], "parallel": ["gw"]}, "one-key mapping"),
])
def test_compose_rejects_malformed(spec, msg):
    with pytest.raises(PlaybookError, match=msg):
        compose(spec, {"gw": 0.9995})


def test_bad_inputs_named():
    with pytest.raises(PlaybookError, match=r"serial\[1\] must be in \[0, 1\]; got 99.9"):
        serial([0.99, 99.9])
    with pytest.raises(PlaybookError, match="k must be in"):
        k_of_n(4, 3, 0.9)
    with pytest.raises(PlaybookError, match="at least one"):
        parallel([])


def test_downtime_and_nines():
    # 99.95 % of the 30-day budget month: 0.0005 * 43,200 min = 21.6 min, the SLO's own error budget
    assert downtime_min_per_month(0.9995) == pytest.approx(21.6)
    assert downtime_min_per_month(0.999) == pytest.approx(allowed_downtime_min(0.999, SLO_MONTH_DAYS)) == pytest.approx(43.2)
    assert nines(0.999) == pytest.approx(3.0)
    assert math.isinf(nines(1.0))


@given(st.floats(0.9, 0.99999), st.integers(1, 20))
def test_required_part_availability_meets_target_exactly(target, parts):
    a = required_part_availability(target, parts)
    assert serial([a] * parts) == pytest.approx(target, rel=1e-12)


def test_one_month_for_budgets_downtime_and_credits():
    """Budgets, downtime a month and the SLA credit's availability all use the specs' own 30-day window."""
    from dfp.business.traffic import outage_exposure
    from dfp.io.openslo import load_slos

    assert {s.period_days for s in load_slos()} == {SLO_MONTH_DAYS}
    profile = pd.Series([3600.0] * 24, index=range(24))
    e = outage_exposure(profile, 0, 21.6 / 60, 1, 1000.0, [{"below_availability": 0.9995, "credit_ratio": 0.1}])
    assert e.availability == pytest.approx(0.9995)


def test_outage_availability_and_traffic_in_window():
    from dfp.reliability.availability import outage_availability, traffic_in_window

    assert outage_availability(0.0, 10.0) == 1.0
    with pytest.raises(PlaybookError, match="requests_hit"):
        outage_availability(11.0, 10.0)
    with pytest.raises(PlaybookError, match="requests_in_period"):
        outage_availability(1.0, 0.0)
    hours = pd.date_range("2025-01-01", periods=3, freq="h", tz="UTC")
    t = pd.DataFrame({"hour": list(hours) * 2, "region": ["us-east-1"] * 3 + ["eu-west-1"] * 3,
                      "events": [60, 120, 180, 6, 6, 6]})
    start, end = hours[0] + pd.Timedelta(minutes=30), hours[2] + pd.Timedelta(minutes=15)
    assert traffic_in_window(t, start, end, ["us-east-1"]) == pytest.approx(30 + 120 + 45)
    assert traffic_in_window(t, start, end) == pytest.approx(30 + 120 + 45 + 3 + 6 + 1.5)
    assert traffic_in_window(t, start, start) == 0.0
    with pytest.raises(PlaybookError, match="before start"):
        traffic_in_window(t, end, start)


@given(st.lists(st.floats(1.0, 1e6), min_size=24, max_size=24), st.floats(0.01, 6.0))
def test_an_outage_at_the_peak_costs_at_least_as_much_as_at_the_trough(rates, hours):
    """Request-weighted: the same outage at the busiest hour never leaves more availability or less
    credit than at the quietest hour (an outage of one hour or less hits exactly that hour's rate)."""
    from dfp.business.traffic import peak_and_quiet_outages

    profile = pd.Series(rates, index=range(24))
    tiers = [{"below_availability": 0.9995, "credit_ratio": 0.1}, {"below_availability": 0.99, "credit_ratio": 0.25}]
    peak, quiet = peak_and_quiet_outages(profile, min(hours, 1.0), 5, 1000.0, tiers)
    assert peak.events >= quiet.events
    assert peak.availability <= quiet.availability
    assert peak.sla_credit_usd >= quiet.sla_credit_usd


def test_minute_weighted_availability_would_fail_the_peak_property():
    """The check can fail: pricing by minutes gives a peak and a trough hour the same availability."""
    from dfp.business.traffic import peak_and_quiet_outages

    profile = pd.Series([100.0] * 24, index=range(24))
    profile[17], profile[8] = 320.0, 100.0 / 3.2
    peak, quiet = peak_and_quiet_outages(profile, 1.0, 5, 1000.0, [{"below_availability": 0.9995, "credit_ratio": 0.1}])
    minutes_only = 1.0 - 60.0 / (30 * 1440)
    assert peak.availability < minutes_only < quiet.availability


def test_a_peak_hour_outage_in_the_traffic_record_costs_at_least_the_trough_hours():
    """The same hour of outage, on the same day of the record, at us-east-1's busiest and quietest hour."""
    from dfp.io.data import load
    from dfp.io.system import load_system
    from dfp.reliability.availability import outage_credit

    system, traffic = load_system(), load("traffic_hourly")
    day = traffic.loc[(traffic["region"] == "us-east-1") & (traffic["hour"].dt.normalize() == pd.Timestamp("2026-10-14", tz="UTC"))]
    peak, trough = day.loc[day["events"].idxmax(), "hour"], day.loc[day["events"].idxmin(), "hour"]
    tiers = system.pricing["sla_credit"]
    at = {h: outage_credit(traffic, h, h + pd.Timedelta(hours=1), ["us-east-1"], 10_000.0, tiers) for h in (peak, trough)}
    assert at[peak].requests_hit > at[trough].requests_hit
    assert at[peak].availability < at[trough].availability
    assert at[peak].credit_usd >= at[trough].credit_usd
    with pytest.raises(PlaybookError, match="no traffic"):
        outage_credit(traffic, peak, peak + pd.Timedelta(hours=1), ["ap-south-1"], 1.0, tiers)
