"""The DORA page's figures, tables and charts (dfp.delivery.dora's page section, dfp.delivery.report.report_figures,
dfp.book.doraviews, dfp.book.opsfigures.dora_monthly / change_timeline) against hand-worked inputs."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from dfp.book import doraviews, opsfigures, plotting
from dfp.core.errors import PlaybookError
from dfp.delivery import dora as dl
from dfp.delivery.report import dora_report, report_figures
from dfp.io.data import load
from dfp.io.external import fact
from dfp.io.system import load_system

SYSTEM = load_system()
NAT = pd.NaT


def _row(**kw: object) -> pd.Series:
    base = {"deploys_per_week": 2.5, "deploys": 40, "commits": 100, "lead_time_median_h": 0.5, "lead_time_tail_h": 1.5,
            "change_failure_ratio": 0.05, "restore_median_min": 12.0, "rework_ratio": 0.02, "rollback_p95_min": 4.0,
            "level_deploys": "high", "level_lead_time": "elite", "level_change_failure": "elite",
            "level_restore": "elite"}
    return pd.Series(base | kw)


def test_era_figures_by_hand():
    f = dl.era_figures(_row())
    assert (f.dpw, f.lt_med, f.lt_tail, f.restore) == (2.5, 0.5, 1.5, 12.0)
    assert (f.cfr, f.rework, f.cpd, f.cfr_one_in, f.lt_med_min) == pytest.approx((5.0, 2.0, 2.5, 20.0, 30.0))
    assert f.levels == "high / elite / elite / elite"


def test_era_figures_of_an_empty_era_and_one_without_failures():
    empty = dl.era_figures(_row(deploys=0, commits=0, change_failure_ratio=float("nan")))
    assert math.isnan(empty.cpd) and math.isnan(empty.cfr) and math.isnan(empty.cfr_one_in)
    assert dl.era_figures(_row(change_failure_ratio=0.0)).cfr_one_in == math.inf


@given(st.floats(min_value=1e-9, max_value=1.0))
def test_one_in_inverts_the_ratio(ratio):
    assert dl.one_in(ratio) * ratio == pytest.approx(1.0)


def test_one_in_rejects_a_negative_ratio():
    with pytest.raises(PlaybookError, match=r"one_in: ratio must be >= 0; got -0\.1"):
        dl.one_in(-0.1)


@given(st.floats(min_value=0.001, max_value=0.999))
def test_percentile_is_the_quantile_in_percent(q):
    p = dl.percentile(q)
    assert 0 < p < 100 and abs(p - 100 * q) <= 5e-4


@pytest.mark.parametrize(("q", "shown"), [(0.95, "95"), (0.5, "50"), (0.999, "99.9"), (0.07, "7"), (0.9995, "99.95")])
def test_percentile_names_whole_percentiles_as_integers(q, shown):
    assert str(dl.percentile(q)) == shown


def test_percentile_rejects_a_quantile_outside_0_1():
    for bad in (0.0, 1.0, 95):
        with pytest.raises(PlaybookError, match="q must be in"):
            dl.percentile(bad)


def test_redeploys_counts_deploys_without_commits():
    assert dl.redeploys(pd.DataFrame({"commits": [0, 3, 0, 0]})) == 3
    assert dl.redeploys(load("deployments")) == int((load("deployments")["commits"] == 0).sum()) > 0


def test_target_checks_use_the_targets_in_system_yml():
    checks = dl.target_checks(_row(deploys_per_week=10.0, lead_time_tail_h=2.0, change_failure_ratio=0.049,
                                   rollback_p95_min=5.0), SYSTEM, 0.999)
    assert list(checks.index) == ["Production deployments", "Lead time p99.9", "Change failure rate", "Rollback time p95"]
    # on the boundary: >= 10 holds, < 2 h does not, < 0.05 holds at 0.049, <= 5 min holds
    assert checks["met"].tolist() == [True, False, True, True]
    assert checks.loc["Lead time p99.9", "target"] == "< 2 h"
    assert dl.targets_verdict(checks) == dl.TargetsVerdict(3, "lead time p99.9")
    with pytest.raises(PlaybookError, match="tail_quantile must be in"):
        dl.target_checks(_row(), SYSTEM, 95)


def test_targets_verdict_says_none_when_all_hold():
    assert dl.targets_verdict(pd.DataFrame({"met": [True, True]}, index=["a", "b"])) == dl.TargetsVerdict(2, "none")


def _months(dpw, lt, cfr, deploys, era="Scale"):
    return pd.DataFrame({"era": era, "deploys_per_week": dpw, "lead_time_tail_h": lt, "change_failure_ratio": cfr,
                         "deploys": deploys})


def test_months_meeting_targets_by_hand():
    m = pd.concat([_months([9.0, 10.0, 14.0], [1.0, 2.0, float("nan")], [0.05, 0.01, float("nan")], [30, 44, 60]),
                   _months([1.0], [50.0], [0.5], [5], era="MVP")])
    assert dl.months_meeting_targets(m, SYSTEM, "Scale") == dl.MonthsMet(3, 2, 1, 1, 30, 60)
    with pytest.raises(PlaybookError, match="no month of era 'Full platform'"):
        dl.months_meeting_targets(m, SYSTEM, "Full platform")


@given(st.lists(st.tuples(st.floats(0, 30), st.floats(0.01, 100), st.floats(0, 1), st.integers(0, 200)),
                min_size=1, max_size=24))
def test_months_met_never_exceed_the_months(rows):
    dpw, lt, cfr, n = (list(c) for c in zip(*rows, strict=True))
    got = dl.months_meeting_targets(_months(dpw, lt, cfr, n), SYSTEM, "Scale")
    assert got.months == len(rows)
    assert all(0 <= k <= got.months for k in (got.dpw_met, got.lt_met, got.cfr_met))
    assert got.min_changes <= got.max_changes


def _inc03_log(to_impact, detect, decide, rollback):
    """One deploy that caused INC-03, ``to_impact`` minutes before its impact start, then the steps after it."""
    start = SYSTEM.incident("INC-03").impact_start
    at = start - pd.Timedelta(minutes=to_impact)
    detected = start + pd.Timedelta(minutes=detect)
    rb = detected + pd.Timedelta(minutes=decide)
    return pd.DataFrame({"deploy_id": ["D1", "D2"], "deployed_at": [at, at - pd.Timedelta(days=1)],
                         "service": ["processors"] * 2, "change_type": ["config", "code"], "commits": [1, 1],
                         "incident_id": ["INC-03", None], "failed": [True, False], "remediation": ["rollback", "none"],
                         "detected_at": [detected, NAT], "rollback_started_at": [rb, NAT],
                         "restored_at": [rb + pd.Timedelta(minutes=rollback), NAT]})


def test_incident_timeline_by_hand():
    t = dl.incident_timeline(_inc03_log(3, 4, 20, 16), SYSTEM, "INC-03", deploy_label="deployed (sync)")
    assert (t.to_impact_min, t.detect_min, t.decide_min, t.rollback_min, t.restore_min) == (3, 4, 20, 16, 43)
    assert t.steps_min.to_dict() == {"deployed (sync)": 0, "impact starts": 3, "alert pages": 7, "rollback starts": 27,
                                     "service restored": 43}
    with pytest.raises(PlaybookError, match="no deploy in the log caused 'INC-01'"):
        dl.incident_timeline(_inc03_log(3, 4, 20, 16), SYSTEM, "INC-01")
    with pytest.raises(PlaybookError, match="no deploy in the log caused 'INC-99'"):
        dl.incident_timeline(_inc03_log(3, 4, 20, 16), SYSTEM, "INC-99")


@given(st.integers(0, 600), st.integers(0, 600), st.integers(0, 600), st.integers(0, 600))
def test_incident_steps_add_up_to_the_restore(to_impact, detect, decide, rollback):
    t = dl.incident_timeline(_inc03_log(to_impact, detect, decide, rollback), SYSTEM, "INC-03")
    assert t.to_impact_min + t.detect_min + t.decide_min + t.rollback_min == pytest.approx(t.restore_min)
    assert t.steps_min.is_monotonic_increasing and t.steps_min.iloc[-1] == t.restore_min


def test_incident_restores_on_the_platform_log():
    r = dl.incident_restores(load("deployments"), SYSTEM).set_index("incident")
    assert list(r.index) == [i.id for i in SYSTEM.incidents]
    assert r.loc["INC-03", "restore_h"] == pytest.approx(r.loc["INC-03", "restore_min"] / 60)
    assert pd.isna(r.loc["INC-01", "deploy_id"]) and np.isnan(r.loc["INC-01", "restore_h"])
    inc03 = dl.incident_timeline(load("deployments"), SYSTEM, "INC-03")
    assert inc03.restore_min == pytest.approx(r.loc["INC-03", "restore_min"])


def test_freeze_totals_by_hand_and_without_freezes():
    f = pd.DataFrame({"days": [2.0, 1.0], "before_per_week": [4.0, 2.0], "in_freeze_per_week": [1.0, 0.0],
                      "features_in_freeze": [1, 0]})
    assert dl.freeze_totals(f) == dl.FreezeTotals(2, 3.0, 3.0, 0.5, 1)
    none = dl.freeze_totals(f.iloc[:0])
    assert (none.freezes, none.freeze_days, none.freeze_features) == (0, 0.0, 0) and math.isnan(none.freeze_in)


def test_report_figures_on_the_platform_log():
    rep = dora_report(load("deployments"), load("commits"))
    f = report_figures(rep)
    assert f.all_cfr == pytest.approx(100 * rep.overall.change_failure_ratio)
    assert f.all_rework == pytest.approx(100 * rep.overall.rework_ratio)
    assert [f.all_level_dpw, f.all_level_lt, f.all_level_cfr, f.all_level_restore] == list(rep.levels.values())
    assert f.fk_lead == f"a lead time of {rep.fourkeys.lead_time}" and f.fk_days == rep.fourkeys.window_days
    assert f.cfr_high == pytest.approx(100 * fact("benchmarks.dora2024_high_change_failure_ratio").value)


def _texts(frame: pd.DataFrame) -> list[str]:
    return [str(v) for v in frame.to_numpy().ravel()] + [str(c) for c in frame.columns] + [str(i) for i in frame.index]


def test_page_tables_have_labels_and_no_missing_markers():
    deploys, commits = load("deployments"), load("commits")
    eras = dl.dora_by_period(deploys, commits, SYSTEM, by="era", tail_quantile=0.999)
    strategies = dl.strategy_summary(deploys, 5.0)
    tables = [doraviews.era_table(eras, 0.999), doraviews.targets_table(dl.target_checks(eras.loc["Scale"], SYSTEM, 0.95)),
              doraviews.causes_table(dl.incident_restores(deploys, SYSTEM)), doraviews.strategy_table(strategies, 5.0)]
    assert "Lead time, p99.9 (h)" in tables[0].index
    assert "Rollbacks within 5 min (%)" in tables[3].index
    for t in tables:
        assert not [s for s in _texts(t) if s in ("nan", "NaN", "None", "True", "False") or "_" in s]


@pytest.mark.parametrize("draw", [
    lambda: opsfigures.dora_monthly(dl.dora_by_period(load("deployments"), load("commits"), SYSTEM), SYSTEM, 0.999),
    lambda: opsfigures.change_timeline(dl.incident_timeline(load("deployments"), SYSTEM, "INC-03").steps_min),
], ids=["dora_monthly", "change_timeline"])
def test_dora_charts_read_at_9_pt_in_the_column(draw):
    plotting.use_style()
    fig = draw()
    shown = plotting.min_text_pt(fig)
    plotting.close(fig)
    assert shown >= plotting.MIN_TEXT_PT, f"smallest text {shown:.1f} pt"
