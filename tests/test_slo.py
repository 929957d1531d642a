"""SLO arithmetic against worked numbers from the SRE Book and the SRE Workbook."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from dfp.core.errors import PlaybookError
from dfp.reliability import slo


def test_downtime_workbook_ch2_999_over_30_days():
    # SRE Workbook ch. 2 (Implementing SLOs): 99.9 % over 30 days = 43.2 minutes of downtime.
    assert slo.allowed_downtime_min(0.999, 30) == pytest.approx(43.2)


def test_downtime_sre_book_ch3_9999_per_year():
    # SRE Book ch. 3 (Embracing Risk): 99.99 % can be down 52.56 minutes in a year.
    assert slo.allowed_downtime_min(0.9999, 365) == pytest.approx(52.56)


def test_error_budget_events_sre_book_ch3():
    # SRE Book ch. 3: 2.5 M requests a day at a 99.99 % daily target allow 250 errors.
    assert slo.error_budget_events(0.9999, 2_500_000) == pytest.approx(250)


def test_availability_is_request_weighted():
    assert slo.availability(999_500, 1_000_000) == pytest.approx(0.9995)
    with pytest.raises(PlaybookError, match="total"):
        slo.availability(0, 0)
    with pytest.raises(PlaybookError, match="good must be <= total"):
        slo.availability(11, 10)


def test_target_of_one_or_percent_rejected():
    with pytest.raises(PlaybookError, match=r"slo_target must be in \(0, 1\); got 1.0"):
        slo.error_budget_ratio(1.0)
    with pytest.raises(PlaybookError, match=r"99\.95"):
        slo.burn_rate(0.01, 99.95)


@pytest.mark.parametrize(("share", "window_min", "expected"), [(0.02, 60, 14.4), (0.05, 360, 6.0), (0.10, 4320, 1.0)])
def test_burn_rate_threshold_workbook_ch5_table(share, window_min, expected):
    # SRE Workbook ch. 5 (Alerting on SLOs), table 5-8, 30-day SLO.
    assert slo.burn_rate_threshold(share, window_min, 30) == pytest.approx(expected)


def test_burn_rate_threshold_window_longer_than_period_rejected():
    with pytest.raises(PlaybookError, match="alert_window_min must not exceed"):
        slo.burn_rate_threshold(0.1, 2 * 1440, 1)


def test_burn_rate_workbook_ch5_table_5_4():
    # SRE Workbook ch. 5, table 5-4 (99.9 % SLO): burn 2 = 0.2 % errors, exhausts in 15 days;
    # burn 10 = 1 % errors, 3 days; burn 1000 = 100 % errors, 43 minutes.
    assert slo.burn_rate(0.002, 0.999) == pytest.approx(2.0)
    assert slo.time_to_exhaustion_h(2, 30) / 24 == pytest.approx(15)
    assert slo.time_to_exhaustion_h(10, 30) / 24 == pytest.approx(3)
    assert slo.burn_rate(1.0, 0.999) == pytest.approx(1000)
    assert slo.time_to_exhaustion_h(1000, 30) * 60 == pytest.approx(43.2)


def test_budget_consumed_inverts_threshold():
    assert slo.budget_consumed_ratio(14.4, 60, 30) == pytest.approx(0.02)
    assert slo.budget_consumed_ratio(6, 360, 30) == pytest.approx(0.05)


def test_detection_time_workbook_formula():
    # SRE Workbook ch. 5: ((1 - SLO) / error ratio) x window x burn rate; 100 % errors at 99.9 %,
    # 1 h window, burn 14.4 -> 0.864 min; at the threshold error ratio it takes the whole window.
    assert slo.detection_time_min(1.0, 0.999, 60, 14.4) == pytest.approx(0.864)
    assert slo.detection_time_min(0.0144, 0.999, 60, 14.4) == pytest.approx(60)
    assert math.isinf(slo.detection_time_min(0.01, 0.999, 60, 14.4))


def test_multiwindow_policy_30_and_28_days():
    p30 = slo.multiwindow_policy(30)
    assert [r.burn_threshold for r in p30] == pytest.approx([14.4, 6.0, 1.0])
    assert [r.severity for r in p30] == ["page", "page", "ticket"]
    p28 = slo.multiwindow_policy(28)
    assert [r.burn_threshold for r in p28] == pytest.approx([13.44, 5.6, 0.9333333])
    with pytest.raises(PlaybookError, match="short_window_min"):
        slo.multiwindow_policy(30, [("page", 0.02, 5, 60)])
    with pytest.raises(PlaybookError, match="severity"):
        slo.multiwindow_policy(30, [("sms", 0.02, 60, 5)])


def test_budget_remaining_scalar():
    assert slo.budget_remaining_ratio(999_750, 1_000_000, 0.9995) == pytest.approx(0.5)
    assert slo.budget_remaining_ratio(999_000, 1_000_000, 0.9995) == pytest.approx(-1.0)


def test_rolling_and_calendar_budget_remaining():
    idx = pd.date_range("2025-01-31 23:58", periods=4, freq="min", tz="UTC")
    total = pd.Series([100, 100, 100, 100], idx)
    good = pd.Series([100, 99, 100, 100], idx)
    # 90 % target -> budget 10 per 100 events; one bad event
    roll = slo.rolling_budget_remaining(good, total, 0.9, 2 / 1440)
    assert roll.tolist() == pytest.approx([1.0, 0.95, 0.95, 1.0])
    cal = slo.calendar_budget_remaining(good, total, 0.9)
    assert cal.tolist() == pytest.approx([1.0, 0.95, 1.0, 1.0])  # resets at 2025-02-01 00:00


@given(st.floats(0.5, 0.99999), st.floats(0.0, 1.0), st.floats(1, 90))
def test_budget_share_round_trip(target, share, period):
    # for every target/period, a rule's threshold spends exactly its budget share in its window
    thr = slo.burn_rate_threshold(share, 60.0, period)
    assert slo.budget_consumed_ratio(thr, 60.0, period) == pytest.approx(share)


@given(st.integers(1, 10_000), st.integers(0, 10_000))
def test_availability_and_remaining_consistent(total, bad):
    bad = min(bad, total)
    a = slo.availability(total - bad, total)
    rem = slo.budget_remaining_ratio(total - bad, total, 0.999)
    # remaining >= 0 exactly when availability meets the target
    assert (rem >= -1e-9) == (a >= 0.999 - 1e-12)
    arr = slo.burn_rate(np.array([0.0, 0.001]), 0.999)
    assert arr.tolist() == pytest.approx([0.0, 1.0])


@given(st.lists(st.tuples(st.integers(0, 50), st.integers(0, 50)), min_size=1, max_size=60), st.integers(1, 10))
def test_rolling_budget_matches_brute_force(rows, window_min):
    total = [max(a, b) for a, b in rows]
    good = [min(a, b) for a, b in rows]
    idx = pd.date_range("2025-01-01", periods=len(rows), freq="min", tz="UTC")
    got = slo.rolling_budget_remaining(pd.Series(good, idx), pd.Series(total, idx), 0.9, window_min / 1440)
    for t in range(len(rows)):
        lo = max(0, t - window_min + 1)
        tot = sum(total[lo:t + 1])
        bad = tot - sum(good[lo:t + 1])
        want = 1.0 if tot == 0 else 1.0 - bad / (0.1 * tot)
        assert got.iloc[t] == pytest.approx(want)
