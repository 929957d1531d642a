"""Unit tests of the functions the INC-05 and customer-attribution pages call (dfp.cost.incident/anomaly/attribution)."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dfp.core.errors import PlaybookError
from dfp.core.units import DAYS_PER_MONTH
from dfp.cost import anomaly, incident
from dfp.cost import attribution as cost_attribution

DAYS = pd.date_range("2024-01-01", periods=6, freq="D")


def test_cloudwatch_stream_cost_splits_ingest_storage_and_nat() -> None:
    rows = pd.DataFrame({"ChargeDescription": ["CloudWatch Logs ingestion", "CloudWatch Logs storage",
                                               incident.CLOUDWATCH_NAT_LINE, incident.S3_NAT_LINES[0]],
                         "PricingUnit": ["GB", "GB-Mo", "GB", "GB"], "PricingQuantity": [4.0, 2.0, 4.0, 7.0],
                         "cost_usd": [2.0, 0.06, 0.18, 0.3]})
    got = incident.cloudwatch_stream_cost(rows)
    assert got == incident.LogStreamCost(4.0, 2.0, 0.06, 0.18)
    with pytest.raises(PlaybookError, match="PricingUnit"):
        incident.cloudwatch_stream_cost(rows.drop(columns="PricingUnit"))


def test_lines_before_during_means_and_order() -> None:
    rows = pd.DataFrame({"date": DAYS[[0, 1, 2, 3, 3]], "ChargeDescription": ["a", "a", "a", "a", "b"],
                         "cost_usd": [2.0, 4.0, 10.0, 10.0, 1.0]})
    t = incident.lines_before_during(rows, DAYS[2], DAYS[3] + pd.Timedelta(hours=5), days_before=2)
    assert list(t.index) == ["a", "b"]
    assert t.loc["a"].tolist() == [3.0, 10.0, 7.0]
    assert t.loc["b"].tolist() == [0.0, 0.5, 0.5]
    with pytest.raises(PlaybookError, match="days_before"):
        incident.lines_before_during(rows, DAYS[2], DAYS[3], days_before=0)


def test_pipeline_rows_selects_by_app_tag() -> None:
    rows = pd.DataFrame({"Tags": ['{"app":"log-pipeline"}', "{}", '{"app":"x"}'], "cost_usd": [1.0, 2.0, 3.0]})
    assert incident.pipeline_rows(rows)["cost_usd"].tolist() == [1.0]
    assert incident.pipeline_rows(rows, ("x",))["cost_usd"].tolist() == [3.0]


@settings(max_examples=50, deadline=None)
@given(st.floats(0, 1e4), st.floats(1, 1e9), st.floats(0, 1e9), st.floats(0.1, 100))
def test_at_scale_is_linear_in_volume_and_multiple(excess: float, events: float, daily: float, k: float) -> None:
    one = incident.at_scale_usd_per_month(excess, events, daily, 1.0)
    assert incident.at_scale_usd_per_month(excess, events, daily, k) == pytest.approx(k * one)
    assert one == pytest.approx(excess / events * daily * DAYS_PER_MONTH)


def test_at_scale_rejects_no_incident_events() -> None:
    with pytest.raises(PlaybookError, match="incident_events"):
        incident.at_scale_usd_per_month(10.0, 0.0, 1e6)


def test_s3_nat_per_million_events_before_after() -> None:
    rows = pd.DataFrame({"date": DAYS, "ChargeDescription": [incident.S3_NAT_LINES[1]] * 3 + ["other"] * 3,
                         "cost_usd": [3.0, 3.0, 50.0, 9.0, 9.0, 9.0]})
    events = pd.Series(2e6, index=DAYS)
    got = incident.s3_nat_usd_per_million_events(rows, events, DAYS[2], DAYS[2], days=2)
    assert got.to_dict() == {"before": 1.5, "after": 0.0}
    with pytest.raises(PlaybookError, match="no events in the after window"):
        incident.s3_nat_usd_per_million_events(rows, events, DAYS[2], DAYS[5], days=2)


def test_region_volume() -> None:
    u = pd.DataFrame({"date": pd.date_range("2024-02-27", periods=4, freq="D", tz="UTC"), "region": "us-east-1",
                      "events": [1, 2, 4, 62]})
    v = incident.region_volume(u, "us-east-1", pd.Timestamp("2024-02-28 10:00", tz="UTC"),
                               pd.Timestamp("2024-02-29 10:00", tz="UTC"))
    assert (v.incident_events, str(v.last_month), v.last_month_daily_events) == (6.0, "2024-03", 2.0)
    assert v.daily_events.tolist() == [1, 2, 4, 62]
    with pytest.raises(PlaybookError, match="eu-west-1"):
        incident.region_volume(u, "eu-west-1", DAYS[0], DAYS[1])


def test_add_scaled_excess_only_inside_the_window_and_never_negative() -> None:
    total = pd.Series(100.0, index=DAYS)
    line = pd.Series([1.0, 1.0, 3.0, 0.0, 5.0, 1.0], index=DAYS)
    got = anomaly.add_scaled_excess(total, line, 1.0, DAYS[2], DAYS[3], 2.0)
    assert got.tolist() == [100.0, 100.0, 104.0, 100.0, 100.0, 100.0]
    with pytest.raises(PlaybookError, match="scale"):
        anomaly.add_scaled_excess(total, line, 1.0, DAYS[2], DAYS[3], 0.0)


def test_first_month_met_and_mean_share() -> None:
    m = pd.DataFrame({"attributed_ratio": [0.5, 0.7, 0.96, 0.9]}, index=pd.period_range("2024-01", periods=4, freq="M"))
    assert cost_attribution.first_month_met(m, lambda r: r > 0.95) == "2024-03"
    assert cost_attribution.first_month_met(m, lambda r: r > 0.99) == "never"
    assert cost_attribution.mean_share(m, m.index[0], m.index[1]) == pytest.approx(0.6)
    with pytest.raises(PlaybookError, match="no month"):
        cost_attribution.mean_share(m, pd.Period("2025-01", "M"), pd.Period("2025-02", "M"))


def test_customer_summary() -> None:
    econ = pd.DataFrame({"customer_id": ["a", "b", "c", "d"], "tier": ["enterprise", "mid-market", "mid-market", "enterprise"],
                         "cost_usd": [600.0, 400.0, 3.0, 10.0], "revenue_usd": [2000.0, 450.0, 0.0, 100.0],
                         "margin_usd": [1400.0, 50.0, -3.0, 90.0], "cost_to_revenue_ratio": [0.3, 0.89, None, 0.1],
                         "over_cap": [True, False, False, False]})
    s = cost_attribution.customer_summary(econ)
    assert (s.worst_id, s.worst_tier, s.worst_ratio) == ("b", "mid-market", 0.89)
    assert (s.unprofitable_n, s.unprofitable_usd, s.ent_n, s.ent_over_n, s.mm_over_n) == (1, 3.0, 2, 1, 0)
    with pytest.raises(PlaybookError, match="no customer has revenue"):
        cost_attribution.customer_summary(econ.assign(revenue_usd=0.0))


def test_unit_cost_per_event() -> None:
    month = pd.Period("2024-01", "M")
    cm = pd.DataFrame({"month": [month, month, pd.Period("2024-02", "M")], "customer_id": ["a", "b", "a"],
                       "cost_usd": [3.0, 1.0, 99.0]})
    att = cost_attribution.Attribution(monthly=pd.DataFrame(), unattributed=pd.DataFrame(), customer_month=cm)
    usage = pd.DataFrame({"date": pd.to_datetime(["2024-01-05", "2024-01-06", "2024-02-01"]).tz_localize("UTC"),
                          "customer_id": ["a", "b", "a"], "events": [1e6, 3e6, 5e6]})
    assert cost_attribution.unit_cost_usd_per_event(att, usage, month) == pytest.approx(1e-6)
    with pytest.raises(PlaybookError, match="no events"):
        cost_attribution.unit_cost_usd_per_event(att, usage, pd.Period("2023-12", "M"))


def test_flagged_lines_and_ticket_lead() -> None:
    by = pd.DataFrame({"first_flag": [pd.NaT, pd.Timestamp("2024-01-02"), pd.NaT],
                       "false_positive_days": [0, 0, 3], "peak_ratio": [1.0, 50.0, 2.0]}, index=["x", "cw", "y"])
    shown = anomaly.flagged_lines(by)
    assert shown["first_flag"].to_dict() == {"cw": "2024-01-02", "y": "not flagged"}
    assert anomaly.ticket_lead_days(pd.Timestamp("2024-01-02"), pd.Timestamp("2024-01-05", tz="UTC"), 12.0) == 1.5
    with pytest.raises(PlaybookError, match="never flagged"):
        anomaly.ticket_lead_days(pd.NaT, pd.Timestamp("2024-01-05", tz="UTC"), 12.0)
