"""DORA metrics against hand-computed change logs, including the edge cases."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from dfp.core.errors import PlaybookError
from dfp.delivery import dora as dl
from dfp.io.data import load
from dfp.io.openslo import load_slos
from dfp.io.system import load_system
from dfp.reliability import incidents

T0 = pd.Timestamp("2025-01-06T00:00:00Z")  # a Monday
NAT = pd.NaT


def _ts(h: float) -> pd.Timestamp:
    return T0 + pd.Timedelta(hours=h)


def _log() -> tuple[pd.DataFrame, pd.DataFrame]:
    """Two weeks, five deploys (one with no commits), two failures; values worked out by hand below."""
    d = pd.DataFrame({
        "deploy_id": ["D1", "D2", "D3", "D4", "D5"],
        "deployed_at": [_ts(10), _ts(34), _ts(58), _ts(60), _ts(200)],
        "commits": [2, 1, 0, 3, 1],
        "service": ["processors"] * 5,
        "change_type": ["code", "config", "code", "code", "infra"],
        "failed": [False, True, False, True, False],
        "remediation": ["none", "rollback", "none", "fix-forward", "none"],
        "detected_at": [NAT, _ts(34.25), NAT, _ts(61), NAT],
        "rollback_started_at": [NAT, _ts(34.3), NAT, _ts(61.5), NAT],
        "restored_at": [NAT, _ts(34.4), NAT, _ts(62), NAT],
        "incident_id": [None, None, None, None, None],
    })
    c = pd.DataFrame({
        "commit_id": ["c1", "c2", "c3", "c4", "c5", "c6", "c7"],
        "committed_at": [_ts(9), _ts(6), _ts(33.5), _ts(59), _ts(58), _ts(50), _ts(199)],
        "deploy_id": ["D1", "D1", "D2", "D4", "D4", "D4", "D5"],
    })
    return d, c


def test_lead_times_by_hand():
    d, c = _log()
    lt = dl.lead_times_h(c, d).set_index("commit_id")["lead_time_h"]
    assert lt.to_dict() == pytest.approx({"c1": 1, "c2": 4, "c3": 0.5, "c4": 1, "c5": 2, "c6": 10, "c7": 1})


def test_summary_first_week_by_hand():
    d, c = _log()
    s = dl.dora_summary(d, c, T0, T0 + pd.Timedelta(days=7))
    # D1, D2, D4 are changes (D3 shipped nothing; D5 is in week two): 3 changes in 1 week
    assert s.deploys == 3 and s.deploys_per_week == pytest.approx(3.0)
    # lead times of the six commits shipped by D1, D2, D4: [1, 4, 0.5, 1, 2, 10] -> median 1.5
    assert s.commits == 6
    assert s.lead_time_median_h == pytest.approx(1.5)
    # numpy linear p95 of the sorted [0.5, 1, 1, 2, 4, 10]: position 4.75 -> 4 + 0.75 * 6 = 8.5
    assert s.lead_time_tail_h == pytest.approx(8.5)
    # D2 and D4 failed: 2 / 3
    assert s.failed == 2 and s.change_failure_ratio == pytest.approx(2 / 3)
    # restore: D2 24 min, D4 120 min -> median 72; rollback only for D2: 6 min
    assert s.restore_median_min == pytest.approx(72.0)
    assert s.rollback_p95_min == pytest.approx(6.0)


def test_no_change_deploy_is_not_a_change():
    d, c = _log()
    only_redeploy = d.loc[d["deploy_id"] == "D3"]
    s = dl.dora_summary(only_redeploy, c, T0, T0 + pd.Timedelta(days=7))
    assert s.deploys == 0 and s.deploys_per_week == 0.0
    assert pd.isna(s.change_failure_ratio) and pd.isna(s.lead_time_median_h) and pd.isna(s.restore_median_min)


def test_empty_period():
    d, c = _log()
    s = dl.dora_summary(d, c, T0 + pd.Timedelta(days=30), T0 + pd.Timedelta(days=37))
    assert (s.deploys, s.commits, s.failed) == (0, 0, 0)
    assert pd.isna(s.change_failure_ratio) and pd.isna(s.lead_time_tail_h)


def test_bad_period_and_bad_commit_rejected():
    d, c = _log()
    with pytest.raises(PlaybookError, match="end must be after start"):
        dl.dora_summary(d, c, T0, T0)
    late = c.assign(committed_at=c["committed_at"].where(c["commit_id"] != "c3", _ts(40)))
    with pytest.raises(PlaybookError, match="committed after its deployment 'D2'"):
        dl.lead_times_h(late, d)
    orphan = pd.concat([c, pd.DataFrame({"commit_id": ["c9"], "committed_at": [_ts(1)], "deploy_id": ["D99"]})])
    with pytest.raises(PlaybookError, match="'D99' is not in deployments"):
        dl.lead_times_h(orphan, d)


def test_failed_deploy_without_restore_rejected():
    d, _ = _log()
    d.loc[1, "restored_at"] = NAT
    with pytest.raises(PlaybookError, match="'D2' has no restored_at"):
        dl.restore_times(d)


@pytest.mark.parametrize(("metric", "value", "level"), [
    ("deploys_per_week", 7, "elite"), ("deploys_per_week", 6.9, "high"), ("deploys_per_week", 1, "high"),
    ("deploys_per_week", 0.5, "medium"), ("deploys_per_week", 0.1, "low"),
    ("lead_time_h", 23.9, "elite"), ("lead_time_h", 24, "high"), ("lead_time_h", 200, "medium"),
    ("lead_time_h", 1000, "low"),
    # 2024 clusters' typical rates: elite 5 %, high 20 %, medium 10 %, low 40 %; best cluster not exceeded
    ("change_failure_ratio", 0.0, "elite"), ("change_failure_ratio", 0.05, "elite"),
    ("change_failure_ratio", 0.051, "high"), ("change_failure_ratio", 0.09, "high"), ("change_failure_ratio", 0.2, "high"),
    ("change_failure_ratio", 0.21, "low"), ("change_failure_ratio", 1.0, "low"),
    ("restore_h", 0.5, "elite"), ("restore_h", 1, "high"), ("restore_h", 100, "medium"), ("restore_h", 500, "low"),
])
def test_dora_levels(metric, value, level):
    assert dl.dora_level(metric, value) == level


@given(st.sampled_from(["deploys_per_week", "lead_time_h", "change_failure_ratio", "restore_h"]),
       st.floats(0, 1e4, allow_nan=False), st.floats(0, 1e4, allow_nan=False))
def test_dora_level_is_monotone(metric, a, b):
    """A better value never gets a worse level, for every metric (including the unordered 2024 CFR clusters)."""
    lo, hi = sorted((a, b))
    if metric == "change_failure_ratio":
        lo, hi = lo / 1e4, hi / 1e4
    rank = {lv: i for i, lv in enumerate(dl.LEVELS)}
    r_lo, r_hi = rank[dl.dora_level(metric, lo)], rank[dl.dora_level(metric, hi)]
    assert (r_hi <= r_lo) if metric == "deploys_per_week" else (r_lo <= r_hi)


def test_dora_level_nan_and_unknown():
    assert dl.dora_level("lead_time_h", float("nan")) == "n/a"
    with pytest.raises(PlaybookError, match="unknown metric"):
        dl.dora_level("mttr", 1.0)


def test_incident_without_a_cause_and_bad_links():
    system = load_system()
    d, _ = _log()
    causes = dl.incident_causes(d, system)
    assert not causes["change_related"].any() and causes["deploy_id"].isna().all()
    d.loc[0, "incident_id"] = "INC-99"
    with pytest.raises(PlaybookError, match="'INC-99' is not in the incident calendar"):
        dl.incident_causes(d, system)
    d.loc[0, "incident_id"] = "INC-03"  # D1 is in January 2025, before INC-03 started: fine by time...
    d.loc[0, "deployed_at"] = pd.Timestamp("2025-11-18T19:30:00Z")  # ...but not after its impact start
    with pytest.raises(PlaybookError, match="cannot cause INC-03"):
        dl.incident_causes(d, system)


def test_sample_log_is_consistent_with_the_calendar():
    system = load_system()
    deploys, commits = load("deployments"), load("commits")
    causes = dl.incident_causes(deploys, system).set_index("incident")
    assert causes.loc["INC-03", "change_related"]
    assert 0 < causes.loc["INC-03", "deploy_to_impact_min"] <= 10  # deployed just before the impact
    assert set(causes.index[causes["change_related"]]) == {"INC-03", "INC-05", "INC-06"}
    inc03 = deploys.set_index("deploy_id").loc[causes.loc["INC-03", "deploy_id"]]
    assert inc03["restored_at"] == system.incident("INC-03").impact_end and inc03["strategy"] == "rolling"
    eras = dl.dora_by_period(deploys, commits, system, by="era")
    # frequency rises across eras and the Scale era meets the owner's 10+/week target
    assert list(eras["deploys_per_week"]) == sorted(eras["deploys_per_week"])
    assert system.target("deploys_per_week").met_by(eras.loc["Scale", "deploys_per_week"])
    assert eras.loc["MVP", "deploys_per_week"] < 5
    months = dl.dora_by_period(deploys, commits, system)
    assert len(months) == system.months and months["deploys"].sum() == (deploys["commits"] > 0).sum()


def test_weekends_and_nights_are_quieter():
    deploys = load("deployments")
    weekend = deploys["deployed_at"].dt.day_of_week >= 5
    assert weekend.mean() < 0.1
    night = deploys["deployed_at"].dt.hour.isin(range(2, 8))
    assert night.mean() < 0.05


def _freezes():
    return incidents.freeze_windows(load("sli_hourly"), load_slos(), incidents.load_budget_policy())


def test_freeze_windows_come_from_the_budget_policy():
    fw = _freezes()
    # the one overspent budget of the story: the us-east-1 API after INC-02, about a month
    assert list(fw["service"]) == ["ingestion-api"] and (fw["min_remaining"] < 0).all()
    inc02 = load_system().incident("INC-02")
    assert inc02.impact_start < fw.loc[0, "start"] <= inc02.impact_end + pd.Timedelta(hours=1)
    assert 25 < fw.loc[0, "days"] < 31


def test_no_feature_deploy_inside_a_freeze():
    deploys = load("deployments")
    effect = dl.freeze_effect(deploys, _freezes())
    assert (effect["features_in_freeze"] == 0).all()
    assert (effect["in_freeze_per_week"] < effect["before_per_week"]).all()


def test_a_seeded_feature_deploy_inside_a_freeze_is_caught():
    deploys = load("deployments").copy()
    fw = _freezes()
    inside = deploys.index[incidents.in_freeze(deploys["deployed_at"], deploys["service"], fw)
                           & (deploys["commits"] > 0)]
    assert len(inside) > 0
    deploys.loc[inside[0], "work"] = "feature"
    assert dl.freeze_effect(deploys, fw)["features_in_freeze"].sum() == 1


def test_rework_ratio_counts_unplanned_changes_only():
    d = pd.DataFrame({"commits": [1, 0, 2, 1], "unplanned": [True, True, False, False]})
    assert dl.rework_ratio(d) == pytest.approx(1 / 3)  # the redeploy (0 commits) is not a change
    assert pd.isna(dl.rework_ratio(d.drop(columns="unplanned")))
    assert pd.isna(dl.rework_ratio(d.iloc[[1]]))


@pytest.mark.parametrize(("metric", "value", "bucket"), [
    ("lead_time_h", 23.9, "One day"), ("lead_time_h", 24, "One week"), ("lead_time_h", 729, "One month"),
    ("lead_time_h", 730, "Six months"), ("lead_time_h", 4380, "One year"), ("restore_h", 0.1, "One day"),
    ("change_failure_ratio", 0.15, "0-15%"), ("change_failure_ratio", 0.151, "16-45%"),
    ("change_failure_ratio", 0.46, "46-60%"), ("lead_time_h", float("nan"), "n/a"),
])
def test_fourkeys_buckets(metric, value, bucket):
    assert dl.fourkeys_bucket(metric, value) == bucket


def test_fourkeys_bucket_unknown_metric():
    with pytest.raises(PlaybookError, match="unknown metric 'deploys'"):
        dl.fourkeys_bucket("deploys", 1.0)


def _daily(days: list[int]) -> pd.DataFrame:
    """Deploys at noon on the given day offsets from T0 (a Monday), each a change."""
    at = [T0 + pd.Timedelta(days=d, hours=12) for d in days]
    nat = pd.to_datetime([None] * len(at), utc=True)
    return pd.DataFrame({"deploy_id": [f"D{i}" for i in range(len(at))], "deployed_at": at, "commits": 1,
                         "failed": False, "remediation": "none", "restored_at": nat, "rollback_started_at": nat,
                         "detected_at": nat})


@pytest.mark.parametrize(("days", "bucket"), [
    ([w * 7 + k for w in range(13) for k in range(3)], "Daily"),      # three days every week
    ([w * 7 + k for w in range(13) for k in range(2)], "Weekly"),     # two days every week
    ([w * 14 for w in range(7)], "Monthly"),                           # every other week
    ([0], "Yearly"),
])
def test_fourkeys_deployment_frequency(days, bucket):
    end = T0 + pd.Timedelta(days=91)
    s = dl.fourkeys_summary(_daily(days), None, end)
    assert s.deployment_frequency == bucket
    assert s.lead_time == "n/a"


def test_fourkeys_summary_on_the_platform_log():
    deploys, commits = load("deployments"), load("commits")
    end = deploys["deployed_at"].max()
    s = dl.fourkeys_summary(deploys, commits, end)
    inside = dl.change_deploys(deploys.loc[deploys["deployed_at"] >= (end - pd.Timedelta(days=91)).floor("D")])
    inside = inside.loc[inside["deployed_at"] < end]
    assert s.change_failure_ratio == pytest.approx(inside["failed"].mean())
    assert s.deployment_frequency == "Daily" and s.lead_time == "One day"
    with pytest.raises(PlaybookError, match="window_days must be >= 7"):
        dl.fourkeys_summary(deploys, commits, end, window_days=3)
