"""Observability arithmetic: hand-computed volumes and costs, and bad input named."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dfp.capacity.observability import (
    active_series,
    audit_cost_usd_per_month,
    log_cost_usd_per_month,
    log_gb_per_day,
    samples_per_month,
    tsdb_gb,
)
from dfp.core.errors import PlaybookError


def test_series_by_hand():
    # 36 pods x 180 + 12 nodes x 900 + 182 tenants x 2 regions x 24
    assert active_series(36, 12, 182, 2, 180, 900, 24) == 36 * 180 + 12 * 900 + 182 * 2 * 24


def test_samples_and_tsdb_by_hand():
    # 26,016 series every 30 s for a 730 h month
    assert samples_per_month(26_016, 30) == pytest.approx(26_016 * 730 * 120)
    # 30 days at 1.5 bytes a sample
    assert tsdb_gb(26_016, 30, 30, 1.5) == pytest.approx(26_016 * 2880 * 30 * 1.5 / 1e9)


def test_logs_by_hand():
    assert log_gb_per_day(14e6, 40, 36, 0.05) == pytest.approx(0.56 + 1.8)
    # 2.36 GB/day: ingestion of 30.42 days at 0.50 + 14 days stored at 0.03
    assert log_cost_usd_per_month(2.36, 0.5, 0.03, 14) == pytest.approx(2.36 * 730 / 24 * 0.5 + 2.36 * 14 * 0.03)


def test_audit_hot_then_cold():
    gb_day = 1e7 / (730 / 24) * 1000 / 1e9
    expected = 100 * 0.10 + gb_day * 30 * 0.023 + gb_day * 370 * 0.004
    assert audit_cost_usd_per_month(1e7, 0.10, 1000, 400, 30, 0.023, 0.004) == pytest.approx(expected)
    with pytest.raises(PlaybookError, match="hot_days must be <= retention_days"):
        audit_cost_usd_per_month(1e7, 0.10, 1000, 20, 30, 0.023, 0.004)


@given(st.floats(0, 1e9), st.floats(1, 20_000))
def test_debug_logging_never_cheaper(events, debug_bytes):
    assert log_gb_per_day(events, max(40.0, debug_bytes), 10, 0.05) >= log_gb_per_day(events, 40.0, 10, 0.05)


def test_negative_volume_rejected():
    with pytest.raises(PlaybookError, match="events_per_day must be a finite number >= 0; got -1"):
        log_gb_per_day(-1, 40, 1, 0.05)


def test_metrics_and_log_budgets_compose_the_formulas():
    import pandas as pd

    from dfp.capacity import observability as o
    from dfp.io.policies import load_policies

    ob = load_policies()["observability"]
    mb = o.metrics_budget(40, 10, 100, 2, ob, 0.08, 0.9)
    assert mb.series == o.active_series(40, 10, 100, 2, ob["series_per_pod"], ob["series_per_node"],
                                        ob["per_tenant_series"])
    assert mb.tenant_series == 100 * 2 * ob["per_tenant_series"]
    assert mb.self_hosted_usd_per_month == mb.tsdb_gb * 2 * 0.08
    lb = o.log_budget(1e7, 40, ob, 0.023, 0.5, 0.03)
    assert lb.debug_gb_per_day > lb.info_gb_per_day and lb.cloudwatch_usd_per_month > lb.loki_usd_per_month
    days = pd.date_range("2026-01-01", periods=3, freq="D", tz="UTC")
    usage = pd.DataFrame({"date": list(days) * 2, "region": ["us-east-1"] * 3 + ["eu-west-1"] * 3, "events": [1e9] * 6})
    g = o.debug_log_gb_per_day(usage, ob, "us-east-1", days[1], days[2])
    extra = 1e9 * (ob["log_bytes_per_event_debug"] - ob["log_bytes_per_event_info"]) / 1e9
    assert (g - g.iloc[0]).tolist() == pytest.approx([0.0, extra, 0.0])
