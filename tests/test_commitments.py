"""Commitments: the savings ceiling of a purchase, utilisation vs coverage, and the plan's top-up arithmetic."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dfp.core.errors import PlaybookError
from dfp.cost import commitments
from dfp.io.external import fact


def test_worked_example_a_top_up_cannot_save_more_than_its_discount():
    # 4.15 USD/h at 28 %: fully used it replaces 4.15 / 0.72 = 5.764 USD/h of on-demand, saving 1.614 USD/h,
    # 14,137 USD a year; the 36,786 USD a year once printed for it is the whole level's savings.
    per_h = commitments.max_savings_usd_per_h(4.15, 0.28)
    assert per_h == pytest.approx(4.15 / 0.72 * 0.28)
    assert per_h * 8760 == pytest.approx(14_137, abs=1)
    assert per_h * 8760 < 36_786
    # the simulation agrees: with ample usage the saving is exactly the ceiling
    o = commitments.commitment_outcome(np.full(8760, 100.0), 4.15, 0.28)
    assert o.savings_usd == pytest.approx(per_h * 8760)
    assert o.utilisation_ratio == pytest.approx(1.0)


@settings(max_examples=80, deadline=None)
@given(st.lists(st.floats(0, 50), min_size=1, max_size=48), st.floats(0.01, 20), st.floats(0.01, 0.7))
def test_no_spend_profile_beats_the_ceiling(spend, commit, d):
    o = commitments.commitment_outcome(np.array(spend), commit, d)
    assert o.savings_usd <= commitments.max_savings_usd_per_h(commit, d) * len(spend) + 1e-9
    assert 0.0 <= o.utilisation_ratio <= 1.0 + 1e-12


def test_utilisation_and_coverage_are_different_ratios():
    # a plan that covers 6 of 10 USD/h of eligible usage is fully utilised and 60 % coverage
    d = 0.28
    o = commitments.commitment_outcome(np.array([10.0]), 6.0 * (1 - d), d)
    assert o.utilisation_ratio == pytest.approx(1.0)
    assert commitments.coverage_ratio(6.0, 10.0) == pytest.approx(0.6)
    with pytest.raises(PlaybookError, match="exceeds eligible"):
        commitments.coverage_ratio(11.0, 10.0)
    # the AWS definitions behind the two names are cited facts
    assert "UsedCommitment" in fact("quotas.savings_plans_utilisation_max").unit or "used commitment" in fact(
        "quotas.savings_plans_utilisation_max").unit
    assert "eligible" in fact("quotas.savings_plans_coverage_max").unit


def test_plan_reports_the_top_up_savings_not_the_whole_level():
    from dfp.io.data import load
    from dfp.io.focus import load_billing

    plan = commitments.plan_next_commitment(load_billing(), load("traffic_hourly"),
                                            fact("prices.compute_savings_plan_1y_discount_ratio").value, 0.1)
    d = fact("prices.compute_savings_plan_1y_discount_ratio").value
    ceiling = commitments.max_savings_usd_per_h(plan.top_up_usd_per_h, d) * 8760
    assert plan.top_up_savings_usd_per_year <= ceiling + 1e-6
    assert plan.expected_savings_usd_per_year == pytest.approx(
        plan.current_savings_usd_per_year + plan.top_up_savings_usd_per_year, rel=1e-9) or plan.top_up_usd_per_h == 0


def test_coverage_by_month_reads_used_rows_against_all_eligible():
    import pandas as pd

    t = pd.Timestamp("2026-01-05", tz="UTC")
    bill = pd.DataFrame({
        "ChargeCategory": ["Usage", "Usage", "Usage", "Usage"],
        "ServiceName": ["Amazon Elastic Compute Cloud"] * 4,
        "CommitmentDiscountStatus": ["Used", None, "Unused", None],
        "SkuId": ["BoxUsage:m6i.2xlarge", "BoxUsage:m6i.2xlarge", "BoxUsage:m6i.2xlarge", "BoxUsage:t3.large"],
        "ListCost": [30.0, 70.0, 5.0, 9.0],
        "ChargePeriodStart": [t] * 4,
    })
    cov = commitments.coverage_by_month(bill)
    assert float(cov.iloc[0]) == pytest.approx(0.3)   # the unused row and the sandbox t3 are not eligible usage
