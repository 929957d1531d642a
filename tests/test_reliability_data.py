"""The SLI history and the incident event log: deterministic, consistent with the calendar."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from dfp.core.errors import PlaybookError
from dfp.generate import sli as simulation
from dfp.generate.seed import rng_for
from dfp.io.data import load
from dfp.io.openslo import load_slos
from dfp.io.system import load_system
from dfp.reliability import incidents, sli
from dfp.reliability.alerting import alert_episodes, load_policies, notifications

SYSTEM = load_system()


@pytest.fixture(scope="module")
def sim():
    return simulation.load_minutes()


def test_minutes_start_with_slos_and_end_with_story(sim):
    assert sim.start == SYSTEM.month_start(sli.SLI_START_MONTH) == pd.Timestamp("2025-03-01", tz="UTC")
    assert sim.start + pd.Timedelta(minutes=sim.n_minutes) == SYSTEM.end


def test_minutes_roll_up_to_the_committed_hourly_files(sim):
    hourly, lat = simulation.to_hourly(sim)
    committed = load("sli_hourly")
    assert (committed["good"].to_numpy() == hourly["good"].to_numpy()).all()
    lat_c = load("sli_latency_hourly")
    assert (lat_c["le_500ms"].to_numpy() == lat["le_500ms"].to_numpy()).all()
    # the latency SLO's good events are the le_500ms bucket
    good = committed[(committed["slo"] == "processing-latency")]["good"].sum()
    assert good == lat_c["le_500ms"].sum()


@pytest.mark.slow
def test_simulation_is_deterministic():
    a = simulation.simulate(SYSTEM, load("traffic_hourly"), rng_for(SYSTEM, "reliability"))
    b = simulation.load_minutes()
    for k in a.counts:
        assert np.array_equal(a.counts[k][1], b.counts[k][1])


def test_buckets_are_cumulative_and_bounded(sim):
    for total, l1, l3, l5 in sim.latency.values():
        assert (l1 <= l3).all() and (l3 <= l5).all() and (l5 <= total).all()
    for total, bad in sim.counts.values():
        assert (bad >= 0).all() and (bad <= total).all()


def test_eu_has_no_traffic_before_it_went_live(sim):
    live = SYSTEM.region("eu-west-1").live_from
    n = int((live - sim.start) / pd.Timedelta(minutes=1))
    assert sim.counts[("api-availability", "eu-west-1")][0][:n].sum() == 0
    assert sim.counts[("api-availability", "eu-west-1")][0][n:].sum() > 0


def _ratio(sim, slo, region, a, b):
    total, bad = sim.counts[(slo, region)]
    return bad[a:b].sum() / total[a:b].sum()


@pytest.mark.parametrize(("inc_id", "slo", "region"), [
    ("INC-01", "processing-latency", "us-east-1"),
    ("INC-02", "api-availability", "us-east-1"),
    ("INC-03", "processing-success", "us-east-1"),
    ("INC-03", "processing-success", "eu-west-1"),
    ("INC-04", "delivery-success", "us-east-1"),
])
def test_each_incident_shows_at_its_exact_minutes(sim, inc_id, slo, region):
    inc = SYSTEM.incident(inc_id)
    a = int((inc.impact_start - sim.start) / pd.Timedelta(minutes=1))
    b = int((inc.impact_end - sim.start) / pd.Timedelta(minutes=1))
    budget = next(s for s in load_slos() if s.name == slo).error_budget_ratio
    during = _ratio(sim, slo, region, a + simulation.RAMP_MIN, b)
    before = _ratio(sim, slo, region, a - 60, a)
    after = _ratio(sim, slo, region, b, b + 60)
    assert during > 14.4 * budget  # a fast burn while it lasts
    assert before < 3 * budget and after < 3 * budget  # and not before or after


def test_cost_and_security_incidents_have_no_sli_impact():
    assert "INC-05" not in simulation.INCIDENT_IMPACT and "INC-06" not in simulation.INCIDENT_IMPACT
    log = incidents.load_event_log(SYSTEM)
    assert log.set_index("incident_id")["sli_impact"].to_dict() == {
        "INC-01": True, "INC-02": True, "INC-03": True, "INC-04": True, "INC-05": False, "INC-06": False}


def test_event_log_detection_is_the_production_policy_first_page(sim):
    log = incidents.load_event_log(SYSTEM).set_index("incident_id")
    policy = next(p for p in load_policies() if p.production)
    notes = notifications(alert_episodes(policy, sli.sli_series(sim, load_slos())))
    for inc_id in simulation.INCIDENT_IMPACT:
        inc = SYSTEM.incident(inc_id)
        pages = notes[(notes["severity"] == "page") & notes["region"].isin(inc.regions)
                      & (notes["start"] >= inc.impact_start) & (notes["start"] < inc.impact_end)]
        assert log.loc[inc_id, "detected"] == pages["start"].min()


def test_event_log_rejects_times_that_contradict_the_calendar():
    log = load("incident_events")
    bad = log.copy()
    bad.loc[0, "mitigated"] = bad.loc[0, "mitigated"] + pd.Timedelta(minutes=5)
    with pytest.raises(PlaybookError, match="INC-01 column 'mitigated'"):
        incidents.load_event_log(SYSTEM, bad)
    bad = log.copy()
    bad.loc[1, "acknowledged"] = bad.loc[1, "detected"] - pd.Timedelta(minutes=1)
    with pytest.raises(PlaybookError, match="INC-02 column 'acknowledged'"):
        incidents.load_event_log(SYSTEM, bad)


def test_incident_times_and_targets():
    log = incidents.load_event_log(SYSTEM)
    t = incidents.incident_times(log).set_index("incident_id")
    inc = SYSTEM.incident("INC-02")
    assert t.loc["INC-02", "ttm_min"] == pytest.approx(inc.duration_min)
    check = incidents.targets_check(t.reset_index(), log, SYSTEM)
    crit = t[t["severity"] == "sev1"]
    assert check.loc["mttd_min", "measured"] == pytest.approx(crit["ttd_min"].mean())
    assert check.loc["mttr_min", "measured"] == pytest.approx(crit["ttr_min"].mean())  # resolve, not restore
    assert check.loc["mttr_min", "met"] == (crit["ttr_min"].mean() < 30)
    # INC-01 (July) and INC-02 (September) fall in the same quarter
    assert check.loc["critical_incidents_per_quarter", "measured"] == 2


def test_budget_consumed_by_the_sla_breach(sim):
    bc = incidents.budget_consumed(SYSTEM, sim, load_slos(), list(simulation.INCIDENT_IMPACT))
    row = bc[(bc["incident_id"] == "INC-02") & (bc["slo"] == "api-availability")].iloc[0]
    # INC-02 spent more than the whole 30-day budget of the API in us-east-1: an SLA breach
    assert row["budget_share"] > 1.0
    assert set(bc["incident_id"]) == set(simulation.INCIDENT_IMPACT)


def test_budget_policy_actions():
    pol = incidents.load_budget_policy()
    assert incidents.budget_policy_actions("sev2", "delivery", 0.5, 0.1, pol) == ["postmortem", "slowdown"]
    assert incidents.budget_policy_actions("sev2", "security", 0.0, 1.0, pol) == ["postmortem"]
    assert incidents.budget_policy_actions("sev3", "cost", 0.05, 0.9, pol) == []


def test_backtest_still_chooses_the_adopted_policy(sim):
    # the Prometheus rules are generated from the policy marked adopted; the evidence must agree
    from dfp.reliability import alerting

    policies = alerting.load_policies()
    series = sli.sli_series(sim, load_slos())
    notes = alerting.notifications(alerting.alert_episodes(policies, series))
    notes["budget_share_spent"] = alerting.budget_spent(notes, series)
    incs = [SYSTEM.incident(i) for i in simulation.INCIDENT_IMPACT]
    weeks = (SYSTEM.end - sim.start) / pd.Timedelta(weeks=1)
    summary = alerting.policy_summary(notes, incs, weeks, SYSTEM.team["platform_engineers_min"], 60.0, 20.0, 0.01)
    chosen = alerting.choose_policy(summary, SYSTEM.target("critical_false_positive_ratio").value,
                                    SYSTEM.target("oncall_h_per_engineer_week").value)
    assert chosen.meets_constraints
    assert chosen.policy == next(p.id for p in policies if p.adopted)
    static = summary.set_index("policy").loc["static"]
    assert static["false_page_ratio"] > 0.5  # the static threshold is the noisy baseline


@pytest.mark.slow
def test_disk_cache_round_trip(tmp_path):
    fresh = simulation.simulate(SYSTEM, load("traffic_hourly"), rng_for(SYSTEM, "reliability"))
    simulation.save_minutes(fresh, tmp_path / "m.npz")
    back = simulation.read_minutes(tmp_path / "m.npz", fresh.start)
    assert list(back.counts) == list(fresh.counts) and back.n_minutes == fresh.n_minutes
    for k in fresh.counts:
        assert np.array_equal(back.counts[k][0], fresh.counts[k][0])
        assert np.array_equal(back.counts[k][1], fresh.counts[k][1])
    for r in fresh.latency:
        assert all(np.array_equal(a, b) for a, b in zip(back.latency[r], fresh.latency[r], strict=True))
    for view in ("api_service", "probes"):  # the edge's companions survive the cache too
        mine, theirs = getattr(back, view), getattr(fresh, view)
        assert list(mine) == list(theirs) and list(theirs) == sorted(fresh.regions)
        assert all(np.array_equal(a, b) for r in theirs for a, b in zip(mine[r], theirs[r], strict=True))
