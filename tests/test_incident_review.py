"""The incident review's summaries, tables and figures (dfp.reliability.incidents, dfp.book.opsfigures).

Each check of bad input has a seeded bad input beside it; the real-data tests assert the numbers the page states.
"""

from __future__ import annotations

from dataclasses import replace
from types import SimpleNamespace as N

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dfp.book import opsfigures, plotting
from dfp.core.errors import PlaybookError
from dfp.generate.sli import load_minutes
from dfp.reliability import incidents

T0 = pd.Timestamp("2025-01-01", tz="UTC")
MIN = pd.Timedelta(minutes=1)


@pytest.fixture(scope="module")
def review():
    data = incidents.incident_data(load_minutes())
    records = {r.id: r for r in incidents.incident_records(data.system)}
    figs = {i: incidents.incident_figures(i, data) for i in records}
    log = incidents.load_event_log(data.system)
    times = incidents.incident_times(log)
    sli_ids = [i for i, r in records.items() if r.sli_impact]
    consumed = incidents.budget_consumed(data.system, data.minutes, data.slos, sli_ids)
    return N(data=data, records=records, figs=figs, log=log, times=times, sli_ids=sli_ids, consumed=consumed)


def _log(offsets_min: list[tuple[int, int, int, int]]) -> pd.DataFrame:
    """An event log from (detect, acknowledge, mitigate, resolve) offsets after impact start, in minutes."""
    rows = [{"incident_id": f"X-{n}", "severity": "sev1", "impact_start": T0 + n * pd.Timedelta(days=100),
             "detected": T0 + n * pd.Timedelta(days=100) + d * MIN,
             "acknowledged": T0 + n * pd.Timedelta(days=100) + a * MIN,
             "mitigated": T0 + n * pd.Timedelta(days=100) + m * MIN,
             "resolved": T0 + n * pd.Timedelta(days=100) + r * MIN} for n, (d, a, m, r) in enumerate(offsets_min)]
    return pd.DataFrame(rows)


# -- clocks ------------------------------------------------------------------------------------------------------

timelines = st.lists(st.tuples(*[st.integers(0, 5000)] * 4).map(lambda t: tuple(int(x) for x in np.cumsum(t))),
                     min_size=1, max_size=6)


@given(timelines)
@settings(max_examples=60, deadline=None)
def test_clock_segments_sum_to_the_time_to_resolve(offsets):
    """For every ordered timeline the four segments are >= 0, add up to TTR, and the first two are TTD and TTA."""
    times = incidents.incident_times(_log(offsets))
    ids = list(times["incident_id"])[::-1]
    seg = incidents.clock_segments(times, ids)
    assert list(seg.index) == ids
    assert list(seg.columns) == list(incidents.CLOCK_SEGMENTS)
    t = times.set_index("incident_id").loc[ids]
    assert seg.sum(axis=1).to_numpy() == pytest.approx(t["ttr_min"].to_numpy())
    assert (seg.to_numpy() >= -1e-9).all()
    assert seg["impact_to_detected_min"].tolist() == t["ttd_min"].tolist()


def test_clock_segments_reject_an_unknown_incident():
    times = incidents.incident_times(_log([(4, 6, 30, 90)]))
    with pytest.raises(PlaybookError, match=r"INC-99.*not in the times frame"):
        incidents.clock_segments(times, ["X-0", "INC-99"])


def test_clocks_frame_is_the_figures(review):
    frame = incidents.clocks_frame(list(review.records.values()), review.figs)
    assert list(frame.index) == list(review.records)
    inc4 = review.figs["INC-04"]
    assert frame.loc["INC-04", "tta_min"] == inc4.tta_min
    assert frame.loc["INC-04", "taken_by"] == review.records["INC-04"].acknowledged_who
    with pytest.raises(PlaybookError, match=r"no incident figures for \['INC-01'\]"):
        incidents.clocks_frame(list(review.records.values()), {k: v for k, v in review.figs.items() if k != "INC-01"})


# -- the headline ------------------------------------------------------------------------------------------------


def test_critical_per_quarter_counts_only_sev1():
    log = _log([(1, 2, 3, 4)] * 3).assign(severity=["sev1", "sev2", "sev1"])
    q = incidents.critical_per_quarter(log)
    assert int(q.sum()) == 2
    assert q.max() == 1


def test_review_summary_matches_the_targets_check(review):
    check = incidents.targets_check(review.times, review.log, review.data.system)
    s = incidents.review_summary(review.times, review.log, check, review.data.minutes.start, review.data.system.end)
    assert s.incidents == len(review.records) == 6
    assert s.targets_n == len(check) == 3
    assert s.targets_missed == int((~check["met"]).sum())
    assert s.worst_quarter_count == check.loc["critical_incidents_per_quarter", "measured"]
    crit = [f for f in review.figs.values() if f.severity == "sev1"]
    assert s.critical == len(crit)
    assert s.mttd_min == pytest.approx(np.mean([f.ttd_min for f in crit]))
    assert s.mean_critical_tta_min == pytest.approx(np.mean([f.tta_min for f in crit]))
    assert 20 <= s.months <= 30


def test_review_summary_refuses_a_log_without_critical_incidents(review):
    """The seeded bad input: every incident downgraded to sev2 leaves the targets nothing to measure."""
    times, log = review.times.assign(severity="sev2"), review.log.assign(severity="sev2")
    check = incidents.targets_check(review.times, review.log, review.data.system)
    with pytest.raises(PlaybookError, match="no critical"):
        incidents.review_summary(times, log, check, review.data.minutes.start, review.data.system.end)


def test_review_period_days():
    slos = [N(period_days=30.0), N(period_days=7.0)]
    assert incidents.review_period_days(slos) == 30.0
    assert incidents.review_period_days(slos, 1) == 1.0
    for bad in (0, -3, float("nan")):
        with pytest.raises(PlaybookError, match="window_days"):
            incidents.review_period_days(slos, bad)
    with pytest.raises(PlaybookError, match="no SLO specs"):
        incidents.review_period_days([])


# -- the night page ----------------------------------------------------------------------------------------------


def test_night_page_is_inc04s_record(review):
    rec, f = review.records["INC-04"], review.figs["INC-04"]
    night = incidents.night_page(rec, f)
    assert night.detected_local.strftime("%H:%M on a %A").endswith("on a Friday")
    assert night.tta_h == pytest.approx(f.tta_min / 60) and night.tta_h > 8
    assert night.fix_min == (rec.mitigated_at - rec.acknowledged_at) / MIN
    assert 0 < night.unattended_budget_share < f.top_budget_share
    with pytest.raises(PlaybookError, match="figures of INC-03 given for the record of INC-04"):
        incidents.night_page(rec, review.figs["INC-03"])


@given(st.lists(st.tuples(st.floats(0, 1e4), st.booleans()), min_size=1, max_size=12))
def test_median_working_tta_lies_among_the_working_hours_pages(pages):
    figs = [N(tta_min=t, detected_off_hours=off) for t, off in pages]
    working = [t for t, off in pages if not off]
    if not working:
        with pytest.raises(PlaybookError, match="no incident was paged in working hours"):
            incidents.median_working_tta_min(figs)
        return
    assert min(working) <= incidents.median_working_tta_min(figs) <= max(working)


# -- budgets, burn-down, policy ----------------------------------------------------------------------------------


def test_budget_share_reads_one_row(review):
    share = incidents.budget_share(review.consumed, "INC-02", "api-availability", "us-east-1")
    assert share > 1.0  # the page: INC-02 spent more than the whole us-east-1 API budget
    with pytest.raises(PlaybookError, match=r"no budget_consumed row for \(INC-02, api-availability, eu-west-1\)"):
        incidents.budget_share(review.consumed, "INC-02", "api-availability", "eu-west-1")


def test_burn_down_only_inc02_goes_below_zero(review):
    """The figure's caption: only INC-02 drove a budget below zero (the API's, in us-east-1)."""
    period = incidents.review_period_days(review.data.slos)
    panels = {i: incidents.burn_down(review.data.minutes, review.consumed, review.data.slos, period, review.records[i])
              for i in review.sli_ids}
    below = {i: [c for c in p.columns if p[c].min() < 0] for i, p in panels.items()}
    assert below == {i: (["api-availability (us-east-1)"] if i == "INC-02" else []) for i in review.sli_ids}
    p2 = panels["INC-02"]
    assert p2.index.min() == pytest.approx(-2.0) and p2.index.max() <= 7.0
    assert np.diff(p2.index.to_numpy()) == pytest.approx(1 / 24)
    assert p2.loc[p2.index < 0].min().min() > 0  # before the incident the budget was there


def test_burn_down_names_a_missing_slo_spec(review):
    with pytest.raises(PlaybookError, match=r"no SLO spec for \['api-availability'\]"):
        incidents.burn_down(review.data.minutes, review.consumed, [s for s in review.data.slos
                                                                  if s.name != "api-availability"],
                            30.0, review.records["INC-02"])


def test_policy_decisions_and_postmortems(review):
    decisions = incidents.policy_decisions(review.figs.values())
    assert list(decisions.index) == list(review.figs)
    assert decisions.loc["INC-02", "actions"].startswith("postmortem")
    assert "freeze" in decisions.loc["INC-02", "actions"]
    assert incidents.postmortems_required(review.figs.values()) == decisions["actions"].str.contains("postmortem").sum()
    quiet = replace(review.figs["INC-01"], actions=())
    assert incidents.policy_decisions([quiet]).loc["INC-01", "actions"] == "none"
    assert incidents.postmortems_required([quiet]) == 0


def test_freeze_after_and_its_table(review):
    windows = incidents.freeze_windows(review.data.hourly, review.data.slos, review.data.policy)
    w2 = incidents.freeze_after(windows, "ingestion-api", review.records["INC-02"].impact_start)
    assert w2["start"] >= review.records["INC-02"].impact_start and w2["days"] > 0
    with pytest.raises(PlaybookError, match="no freeze of service 'no-such-service'"):
        incidents.freeze_after(windows, "no-such-service", review.records["INC-02"].impact_start)
    table = incidents.freeze_windows_frame(windows)
    assert table.index.name == "service" and len(table) == len(windows)
    assert table["start"].str.fullmatch(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}").all()


def test_credited_customers_are_the_credit_months_customers(review):
    rec, f = review.records["INC-02"], review.figs["INC-02"]
    n = incidents.credited_customers(rec, review.data.revenue, review.data.customers)
    assert f.credit_usd > 0 and n > 0
    in_region = review.data.customers.loc[review.data.customers["region"].isin(rec.regions), "customer_id"]
    assert n <= in_region.nunique()
    billed = incidents.month_revenue(review.data.revenue, rec.impact_start)
    assert billed["month"].dt.month.unique().tolist() == [rec.impact_start.month]


# -- what the postmortems paste ----------------------------------------------------------------------------------

clock_figs = st.builds(lambda ttd, tta, ttm, ttr, slo: N(
    primary_slo=slo, ttd_min=ttd, tta_min=tta, ttm_min=ttm, ttr_min=ttr, top_slo="s", top_region="r",
    top_budget_share=0.5, bad_events=3, bad_event_label="failed"), *[st.floats(0, 1e5)] * 4, st.sampled_from(["", "s"]))


@given(clock_figs)
def test_postmortem_numbers_keep_every_clock_in_one_unit(f):
    numbers = incidents.postmortem_numbers(f)
    if f.primary_slo:
        assert set(numbers) == {"ttd", "tta", "ttm", "ttr", "top_slo", "top_share_pct", "bad_events", "bad_label"}
        assert numbers["ttr"] == f.ttr_min and numbers["top_slo"] == "s (r)" and numbers["top_share_pct"] == 50.0
    else:
        assert set(numbers) == {"ttd_days", "ttm_days", "ttr_days"}
        assert numbers["ttm_days"] * 1440 == pytest.approx(f.ttm_min)


def test_postmortem_numbers_of_the_record(review):
    assert "ttd_days" in incidents.postmortem_numbers(review.figs["INC-06"])  # the near miss: no SLI impact
    assert incidents.postmortem_numbers(review.figs["INC-04"])["bad_events"] == review.figs["INC-04"].bad_events


# -- the figures -------------------------------------------------------------------------------------------------


def test_review_figures_read_at_9_pt_in_the_column(review):
    plotting.use_style()
    seg = incidents.clock_segments(review.times, review.sli_ids)
    period = incidents.review_period_days(review.data.slos)
    panels = {i: incidents.burn_down(review.data.minutes, review.consumed, review.data.slos, period, review.records[i])
              for i in review.sli_ids}
    for fig in (opsfigures.incident_clocks(seg, 30.0), opsfigures.budget_burndown(panels)):
        assert fig.get_figwidth() <= plotting.COLUMN_WIDTH_IN
        assert plotting.min_text_pt(fig) >= plotting.MIN_TEXT_PT
        plotting.close(fig)


def test_incident_clocks_refuses_frames_without_the_segments():
    with pytest.raises(PlaybookError, match="segments lack columns"):
        opsfigures.incident_clocks(pd.DataFrame({"ttd_min": [1.0]}, index=["X"]), 30.0)
