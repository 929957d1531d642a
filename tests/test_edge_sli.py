"""The API measured at the edge (dfp.reliability.sli.api_views / gateway_failures) and the reliability
pages' table helpers (dfp.reliability.sli, dfp.reliability.alerting)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from dfp.core.errors import PlaybookError
from dfp.generate import sli as simulation
from dfp.io.data import load
from dfp.io.openslo import load_slos
from dfp.reliability import alerting, sli

T0 = pd.Timestamp("2025-03-01", tz="UTC")


def _sim(edge_bad, service_bad, total, probes_failed):
    n = len(total)
    total = np.asarray(total)
    gw = np.asarray(edge_bad) - np.asarray(service_bad)
    return sli.SliMinutes(T0, n, {("api-availability", "r"): (total, np.asarray(edge_bad))}, {},
                          {"r": (total - gw, np.asarray(service_bad))},
                          {"r": (np.full(n, 3), np.asarray(probes_failed))})


def test_a_gateway_failure_shows_at_the_edge_and_not_in_the_service_counter():
    s = _sim(edge_bad=[0, 40, 60, 0], service_bad=[0, 0, 0, 0], total=[100, 100, 100, 100], probes_failed=[0, 1, 2, 0])
    v = sli.api_views(s, "r")
    assert v["edge_availability"].tolist() == pytest.approx([1.0, 0.6, 0.4, 1.0])
    assert v["service_availability"].tolist() == [1.0, 1.0, 1.0, 1.0]  # it never saw the failed requests
    assert v["service_total"].tolist() == [100, 60, 40, 100]
    ep = sli.gateway_failures(s, "r")
    assert len(ep) == 1 and ep.loc[0, "minutes"] == 2 and ep.loc[0, "gateway_5xx"] == 100
    assert ep.loc[0, "start"] == T0 + pd.Timedelta(minutes=1) and ep.loc[0, "end"] == T0 + pd.Timedelta(minutes=3)
    assert ep.loc[0, "edge_availability"] == pytest.approx(0.5) and ep.loc[0, "service_availability"] == 1.0


def test_a_service_failure_is_not_a_gateway_failure():
    s = _sim(edge_bad=[0, 30, 0], service_bad=[0, 30, 0], total=[100, 100, 100], probes_failed=[0, 1, 0])
    assert sli.gateway_failures(s, "r").empty
    assert sli.api_views(s, "r")["service_availability"].min() == pytest.approx(0.7)


def test_api_views_checks_its_arguments():
    s = _sim([0], [0], [10], [0])
    with pytest.raises(PlaybookError, match="region 'x'"):
        sli.api_views(s, "x")
    with pytest.raises(PlaybookError, match="need 0 <= a <= b"):
        sli.api_views(s, "r", 0, 5)


@pytest.fixture(scope="module")
def minutes():
    return simulation.load_minutes()


def test_the_generated_edge_counts_every_service_error_and_the_gateways(minutes):
    for r in minutes.regions:
        total, edge_bad = minutes.counts[("api-availability", r)]
        s_total, s_bad = minutes.api_service[r]
        assert (edge_bad >= s_bad).all() and (s_total <= total).all()
        assert np.array_equal(total - s_total, edge_bad - s_bad)  # what the service missed is the gateway's 5xx
        sent, failed = minutes.probes[r]
        assert (failed <= sent).all() and sent.max() == 3
    assert sum(len(sli.gateway_failures(minutes, r)) for r in minutes.regions) > 0


def test_page_tables(minutes):
    specs = load_slos()
    t = sli.spec_table(specs, {"api-availability": 0.999}, 30)
    assert t.loc["api-availability", "objective"] == 0.999
    assert t.loc["api-availability", "outage_min_per_period"] == pytest.approx(43.2)
    lat = sli.latency_shares(load("sli_latency_hourly"))
    assert ((lat["within_100ms"] <= lat["within_300ms"]) & (lat["within_300ms"] <= lat["within_500ms"])).all()
    rem = sli.daily_budget_remaining(minutes, specs[:1], {}, 30, "us-east-1")
    assert rem.index[0] >= minutes.start + pd.Timedelta(days=30) and (rem <= 1).all().all()


def test_alerting_tables():
    policies = alerting.load_policies()
    det = alerting.detection_by_formula(policies, [0.0001, 1.0], 0.999, 30)
    assert np.isinf(det.loc[0.0001, "tuned"])  # below every page threshold: never pages
    assert det.loc[1.0].min() > 0
    m = pd.DataFrame({"policy": ["a", "a"], "incident": ["X", "Y"], "detection_min": [3.0, 9.0], "reset_min": [1.0, -2.0]})
    both = alerting.detection_and_reset(m, ["a"])
    assert both.columns.tolist() == ["a detect", "a reset"] and both.loc["Y", "a reset"] == -2.0
