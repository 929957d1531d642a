"""dfp.reliability.operations: MTTD by population, restore and resolve, on-call burden with incident hours."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from dfp.core.errors import PlaybookError
from dfp.io.system import load_system
from dfp.reliability import incidents
from dfp.reliability import operations as ops
from dfp.reliability.alerting import load_oncall_costs
from dfp.reliability.slo import internal_slo_target, sla_margin

T0 = pd.Timestamp("2025-01-06", tz="UTC")
M = pd.Timedelta(minutes=1)


def _log():
    return pd.DataFrame({
        "incident_id": ["A", "B", "C"], "severity": ["sev1", "sev2", "sev3"], "sli_impact": [True, True, False],
        "impact_start": [T0, T0 + 3 * 1440 * M, T0 + 8 * 1440 * M],
        "detected": [T0 + 4 * M, T0 + 3 * 1440 * M + 20 * M, T0 + 10 * 1440 * M],
        "acknowledged": [T0 + 6 * M, T0 + 3 * 1440 * M + 26 * M, T0 + 10 * 1440 * M],
        "mitigated": [T0 + 46 * M, T0 + 3 * 1440 * M + 300 * M, T0 + 11 * 1440 * M],
        "resolved": [T0 + 186 * M, T0 + 3 * 1440 * M + 600 * M, T0 + 12 * 1440 * M],
    })


def test_the_record_gives_the_platforms_figures():
    log = incidents.load_event_log(load_system())
    crit = ops.mean_time_to_detect(log, "critical")
    assert crit.incidents == ("INC-01", "INC-02", "INC-03")
    assert "critical incidents (sev1)" in crit.label and "incident record" in crit.label
    assert crit.minutes == pytest.approx((22 + 3 + 5) / 3)  # INC-02 paged 3 min in against the internal SLO
    assert ops.mean_time_to_restore(log, "critical").minutes == pytest.approx((77 + 145 + 46) / 3)
    assert ops.mean_time_to_resolve(log, "critical").minutes == pytest.approx((232 + 320 + 181) / 3)
    assert ops.mean_time_to_detect(log, "user-facing").incidents == ("INC-01", "INC-02", "INC-03", "INC-04")


def test_labels_name_the_population_and_a_missing_incident_raises():
    log = _log()
    m = ops.mean_time_to_detect(log, "user-facing", pd.Series({"A": 2.0, "B": 6.0}), "replay of the tuned policy")
    assert m.minutes == 4.0 and m.label == "incidents users felt (an SLI impact): A, B; replay of the tuned policy"
    with pytest.raises(PlaybookError, match=r"no minutes for \['B'\]"):
        ops.mean_time_to_detect(log, "user-facing", pd.Series({"A": 2.0}))
    with pytest.raises(PlaybookError, match="population must be one of"):
        ops.incident_population(log, "sev1")


def test_restore_is_never_longer_than_resolve():
    log = _log()
    for pop in ops.POPULATIONS:
        assert ops.mean_time_to_restore(log, pop).minutes <= ops.mean_time_to_resolve(log, pop).minutes


def test_incident_hours_count_paged_incidents_only():
    h = ops.incident_response_h(_log(), 2)
    assert h.to_dict() == pytest.approx({"A": 2 * 180 / 60, "B": 2 * 574 / 60})
    assert ops.incident_response_h(_log(), 1, "mitigated").to_dict() == pytest.approx({"A": 40 / 60, "B": 274 / 60})
    with pytest.raises(PlaybookError, match="until"):
        ops.incident_response_h(_log(), 1, "detected")


def test_weekly_hours_split_pages_tickets_and_incidents():
    log = _log()
    pages = pd.Series([T0 + 5 * M, T0 + 1440 * M, T0 + 9 * 1440 * M])  # the first is inside incident A
    tickets = pd.Series([T0 + 2 * 1440 * M])
    w = ops.weekly_oncall_h(T0, T0 + 14 * 1440 * M, pages, tickets, log, 60.0, 30.0, 2)
    assert len(w) == 2 and w["weeks"].tolist() == [1.0, 1.0]
    assert w["pages"].tolist() == [1.0, 1.0]             # A's page is part of A's hours
    assert w["incident_h"].iloc[0] == pytest.approx(2 * (180 + 574) / 60)
    assert w["incident_h"].iloc[1] == 0.0              # C was found by a review: not on-call
    assert w["total_h"].iloc[0] == pytest.approx(1.0 + 0.5 + 2 * (180 + 574) / 60)
    b = ops.oncall_burden(w, 3, 2.0)
    assert b.mean_h_per_engineer_week == pytest.approx(w["total_h"].sum() / 3 / 2)
    assert b.alerts_only_h_per_engineer_week == pytest.approx((2.0 + 0.5) / 3 / 2)
    assert b.worst_week == T0 and b.weeks_over_limit == 1 and b.full_weeks == 2


def test_leaving_incident_hours_out_would_understate_the_burden():
    """The check that can fail: without incident hours the burden is the alerts-only figure."""
    w = ops.weekly_oncall_h(T0, T0 + 14 * 1440 * M, pd.Series([], dtype="datetime64[ns, UTC]"),
                            pd.Series([], dtype="datetime64[ns, UTC]"), _log(), 60.0, 30.0, 2)
    b = ops.oncall_burden(w, 3, 2.0)
    assert b.alerts_only_h_per_engineer_week == 0.0 < b.mean_h_per_engineer_week
    assert b.incident_share == 1.0


@given(st.integers(1, 5), st.integers(1, 6))
def test_more_responders_never_lower_the_burden(responders, engineers):
    log = _log()
    one = ops.oncall_burden(ops.weekly_oncall_h(T0, T0 + 14 * 1440 * M, pd.Series([T0]), pd.Series([T0]), log,
                                                60.0, 20.0, responders), engineers, 2.0)
    more = ops.oncall_burden(ops.weekly_oncall_h(T0, T0 + 14 * 1440 * M, pd.Series([T0]), pd.Series([T0]), log,
                                                 60.0, 20.0, responders + 1), engineers, 2.0)
    assert more.mean_h_per_engineer_week >= one.mean_h_per_engineer_week


def test_oncall_costs_have_one_home(tmp_path):
    c = load_oncall_costs()
    assert (c.page_handling_min, c.ticket_handling_min, c.incident_responders) == (60.0, 20.0, 2)
    (tmp_path / "p.yaml").write_text("on_call: {page_handling_min: 0, ticket_handling_min: 5, incident_responders: 1}\n")
    with pytest.raises(PlaybookError, match="page_handling_min"):
        load_oncall_costs(tmp_path / "p.yaml")
    (tmp_path / "q.yaml").write_text("policies: []\n")
    with pytest.raises(PlaybookError, match="on_call"):
        load_oncall_costs(tmp_path / "q.yaml")


def test_page_parameters_read_the_page_cost_from_data():
    from dfp.book.params import setup

    assert setup("constraints").page_handling_min == setup("alerting").page_handling_min == 60.0


def test_internal_slo_margin():
    m = sla_margin(0.9995, 0.9997, 30)
    assert m.margin_min == pytest.approx(8.64) and m.margin_share == pytest.approx(0.4)
    with pytest.raises(PlaybookError, match="tighter"):
        sla_margin(0.9995, 0.9995, 30)
    log = incidents.load_event_log(load_system())
    response = ops.margin_response_min(log, 0.2)
    assert response == pytest.approx(6.7)  # median acknowledgement of INC-01..04 (2, 6, 7, 531 min): 6.5 min
    target = internal_slo_target(0.9995, response, 30)
    assert target == pytest.approx(0.9997)
    assert sla_margin(0.9995, target, 30).margin_min >= response
    with pytest.raises(PlaybookError, match="not below 1"):
        internal_slo_target(0.9995, 30 * 1440, 30)
