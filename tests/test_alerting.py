"""The alert backtest: window burn rates, episodes, policies, and the 50-SLO benchmark shape."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dfp.core.errors import PlaybookError
from dfp.io.system import load_system
from dfp.reliability import alerting
from dfp.reliability.alerting import Policy, Rule, SliSeries

START = pd.Timestamp("2025-01-01", tz="UTC")


def _series(bad_ratio: np.ndarray, total: int = 1000, target: float = 0.999) -> SliSeries:
    tot = np.full(len(bad_ratio), total)
    return SliSeries("s", "us-east-1", target, 30.0, START, np.round(tot * bad_ratio).astype(int), tot)


def test_burn_rate_over_window_matches_brute_force():
    rng = np.random.default_rng(1)
    total = rng.integers(0, 50, 500)
    bad = rng.binomial(total, 0.05)
    fast = alerting.burn_rate_over_window(bad, total, 37, 0.99)
    for t in (0, 10, 36, 37, 200, 499):
        lo = max(0, t - 36)
        tot = total[lo:t + 1].sum()
        want = (bad[lo:t + 1].sum() / tot if tot else 0.0) / 0.01
        assert fast[t] == pytest.approx(want)


def test_full_outage_detection_matches_workbook_formula():
    # SRE Workbook ch. 5: a 100 % outage at 99.9 % trips 1 h @ 14.4 after 0.864 min -> the first
    # full minute; a 2 % error ratio (burn 20) after 60 * 14.4 / 20 = 43.2 min -> minute 44.
    ratio = np.zeros(3 * 1440)
    ratio[1440:] = 0.02
    s = _series(ratio)
    mask = alerting.firing(s, [Rule("page", (60,), budget_share=0.02)], "page")
    first = int(np.flatnonzero(mask)[0]) - 1440
    assert first + 1 == 44


def test_short_window_resets_fast_and_long_window_alone_does_not():
    ratio = np.zeros(2 * 1440)
    ratio[600:660] = 0.5  # one hour at 50 % errors
    s = _series(ratio)
    single = alerting.episodes(alerting.firing(s, [Rule("page", (60,), budget_share=0.02)], "page"))
    multi = alerting.episodes(alerting.firing(s, [Rule("page", (60, 5), budget_share=0.02)], "page"))
    assert single[1][0] - 660 > 50  # the 1 h window stays above 14.4 for most of an hour after recovery
    assert multi[1][0] - 660 <= 5  # the 5 min window clears it within five minutes


def test_for_duration_delays_firing():
    ratio = np.zeros(200)
    ratio[100:] = 1.0
    s = _series(ratio)
    now = np.flatnonzero(alerting.firing(s, [Rule("page", (5,), burn=10)], "page"))[0]
    later = np.flatnonzero(alerting.firing(s, [Rule("page", (5,), burn=10, for_min=2)], "page"))[0]
    assert later - now == 2


def test_policies_load_and_reject_bad_rules(tmp_path):
    pols = alerting.load_policies()
    mw = next(p for p in pols if p.id == "multiwindow")
    assert mw.production
    assert [r.threshold(30) for r in mw.rules] == pytest.approx([14.4, 6.0, 1.0])
    assert [r.threshold(28) for r in mw.rules] == pytest.approx([13.44, 5.6, 0.933333333])
    bad = tmp_path / "p.yaml"
    head = "policies:\n  - id: x\n    production: true\n    adopted: true\n    rules:\n"
    bad.write_text(head + "      - {severity: page, burn: 2, windows: [5m, 1h]}\n")
    with pytest.raises(PlaybookError, match="longest first"):
        alerting.load_policies(bad)
    bad.write_text(head + "      - {severity: sms, burn: 2, windows: [5m]}\n")
    with pytest.raises(PlaybookError, match=r"p\.yaml: policies\[0\] \(x\)\.rules\[0\]: field 'severity'"):
        alerting.load_policies(bad)


def test_backtest_counts_incident_and_noise_pages():
    system = load_system()
    inc = system.incident("INC-03")
    n = 3 * 1440
    start = inc.impact_start.normalize() - pd.Timedelta(days=1)
    ratio = np.zeros(n)
    a = int((inc.impact_start - start) / pd.Timedelta(minutes=1))
    b = int((inc.impact_end - start) / pd.Timedelta(minutes=1))
    ratio[a:b] = 0.3
    ratio[100:130] = 0.05  # a burn nobody filed as an incident
    tot = np.full(n, 2000)
    s = SliSeries("processing-success", "eu-west-1", 0.999, 30.0, start, np.round(tot * ratio).astype(int), tot)
    pol = Policy("mw", "mw", "", (Rule("page", (60, 5), budget_share=0.02),))
    notes = alerting.notifications(alerting.alert_episodes(pol, [s]))
    notes["budget_share_spent"] = alerting.budget_spent(notes, [s])
    summ = alerting.policy_summary(notes, [inc], weeks=3 / 7, engineers=4, page_handling_min=30,
                                   ticket_handling_min=10).iloc[0]
    assert summ["pages"] == 2 and summ["incident_pages"] == 1 and summ["non_incident_pages"] == 1
    m = alerting.match_incidents(notes, [inc]).iloc[0]
    assert m["caught"] and 0 < m["detection_min"] <= 5
    assert summ["oncall_h_per_engineer_week"] == pytest.approx(2 * 30 / 60 / 4 / (3 / 7))


def test_a_page_inside_an_incident_is_never_false_however_little_its_minutes_spent():
    """The incident's first page fires early in the burn, before much budget is gone: it is not a false page.
    A page outside every incident that spent as little is one (the rule has teeth both ways)."""
    system = load_system()
    inc = system.incident("INC-03")
    m = pd.Timedelta(minutes=1)
    notes = pd.DataFrame({"policy": ["p", "p"], "region": ["eu-west-1"] * 2, "severity": ["page"] * 2,
                          "start": [inc.impact_start + 2 * m, inc.impact_start - pd.Timedelta(days=2)],
                          "end": [inc.impact_start + 4 * m, inc.impact_start - pd.Timedelta(days=2) + 2 * m],
                          "slos": ["processing-success"] * 2, "budget_share_spent": [0.001, 0.001]})
    summ = alerting.policy_summary(notes, [inc], weeks=1.0, engineers=3, page_handling_min=60,
                                   ticket_handling_min=20).iloc[0]
    assert summ["incident_pages"] == 1 and summ["false_pages"] == 1
    assert summ["false_page_ratio"] == pytest.approx(0.5)


def test_notifications_merge_overlapping_slos():
    t = pd.Timestamp("2025-01-01", tz="UTC")
    m = pd.Timedelta(minutes=1)
    eps = pd.DataFrame({"policy": ["p"] * 3, "slo": ["a", "b", "a"], "region": ["r"] * 3,
                        "severity": ["page"] * 3, "start": [t, t + 5 * m, t + 60 * m],
                        "end": [t + 10 * m, t + 20 * m, t + 70 * m], "duration_min": [10.0, 15.0, 10.0]})
    n = alerting.notifications(eps)
    assert len(n) == 2 and n.loc[0, "slos"] == "a,b" and n.loc[0, "end"] == t + 20 * m


@settings(max_examples=30, deadline=None)
@given(st.lists(st.floats(0, 1), min_size=10, max_size=200), st.floats(1, 100))
def test_more_windows_never_fire_more(ratios, burn):
    # property: adding a window to a rule (AND) can only remove firing minutes
    s = _series(np.array(ratios), total=100)
    one = alerting.firing(s, [Rule("page", (10,), burn=burn)], "page")
    two = alerting.firing(s, [Rule("page", (10, 3), burn=burn)], "page")
    assert not (two & ~one).any()


def test_synthetic_benchmark_shape():
    s = alerting.synthetic_series(3, 1440 * 7, seed=1)
    assert len(s) == 3 and all(len(x.total) == 1440 * 7 for x in s)
    eps = alerting.alert_episodes(alerting.load_policies(), s)
    assert set(eps["policy"]) <= {p.id for p in alerting.load_policies()}


def test_choose_policy_prefers_fast_detection_within_limits_and_falls_back():
    summ = pd.DataFrame({
        "policy": ["noisy", "slow", "fast"],
        "false_page_ratio": [0.9, 0.0, 0.02],
        "oncall_h_per_engineer_week": [5.0, 0.1, 0.2],
        "incidents_caught": [4, 4, 4], "incidents": [4, 4, 4],
        "mean_detection_min": [3.0, 20.0, 8.0], "pages": [900, 5, 7],
    })
    assert alerting.choose_policy(summ, 0.05, 2.0) == alerting.PolicyChoice("fast", True)
    # nothing meets a 0.15 h burden bound with < 1 % false pages... except "slow"; with a burden bound of
    # 0.05 h nothing does: fall back to the fewest false pages, and say so
    assert alerting.choose_policy(summ, 0.01, 0.15) == alerting.PolicyChoice("slow", True)
    assert alerting.choose_policy(summ, 0.01, 0.05) == alerting.PolicyChoice("slow", False)
    summ["incidents_caught"] = 3
    with pytest.raises(PlaybookError, match="catches every incident"):
        alerting.choose_policy(summ, 0.05, 2.0)


def test_rule_detection_min_uses_the_longest_window():
    rule = Rule("page", (60, 5), budget_share=0.02)
    # 5 % errors at 99.9 %: burn 50; the 1 h window needs 60 * 14.4 / 50 minutes
    assert alerting.rule_detection_min(rule, 0.05, 0.999, 30) == pytest.approx(60 * 14.4 / 50)
    assert alerting.rule_detection_min(Rule("page", (5,), burn=10, for_min=2), 1.0, 0.999, 30) == pytest.approx(
        5 * 10 * 0.001 + 2)


def test_burn_rate_over_window_rejects_bad_input():
    with pytest.raises(PlaybookError, match="equal length"):
        alerting.burn_rate_over_window(np.zeros(3), np.zeros(4), 2, 0.9)
    with pytest.raises(PlaybookError, match="window_min"):
        alerting.burn_rate_over_window(np.zeros(3), np.zeros(3), 0, 0.9)
    # a window longer than the series is the series so far
    assert alerting.burn_rate_over_window(np.array([1, 0]), np.array([10, 10]), 60, 0.9).tolist() == \
        pytest.approx([1.0, 0.5])


def test_error_ratio_limit_is_the_threshold_times_the_budget():
    rule = Rule("page", (60, 5), budget_share=0.02)
    assert alerting.error_ratio_limit(rule, 0.999, 30) == 0.0144
    assert alerting.error_ratio_limit(Rule("page", (5,), burn=10), 0.99, 28) == 0.1


def test_backtest_streams_and_equals_the_pieces():
    series = alerting.synthetic_series(4, 1440 * 5, seed=3)
    pols = alerting.load_policies()
    calls = []

    def source():
        calls.append(1)
        return iter(alerting.synthetic_series(4, 1440 * 5, seed=3))

    res = alerting.backtest(pols, source, [], weeks=5 / 7, engineers=4, page_handling_min=60, ticket_handling_min=20)
    assert isinstance(res, alerting.BacktestResult) and len(calls) == 2  # read twice, one series at a time
    notes = alerting.notifications(alerting.alert_episodes(pols, series))
    notes["budget_share_spent"] = alerting.budget_spent(notes, series)
    pd.testing.assert_frame_equal(res.notifications, notes)
    assert list(res.summary.index) == [p.id for p in pols]
    assert res.summary["pages"].sum() == (notes["severity"] == "page").sum() > 0
    # a policy that never fires still has its row, with zero pages
    quiet = Policy("quiet", "quiet", "", (Rule("page", (5,), burn=1e6),))
    q = alerting.backtest([quiet], series, [], 5 / 7, 4, 60, 20).summary
    assert q.loc["quiet", "pages"] == 0


def test_firing_has_no_private_parameter():
    import inspect

    assert all(not p.startswith("_") for p in inspect.signature(alerting.firing).parameters)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.booleans(), max_size=40))
def test_episodes_are_the_runs_of_true(bits):
    starts, ends = alerting.episodes(np.array(bits, dtype=bool))
    rebuilt = np.zeros(len(bits), dtype=bool)
    for a, b in zip(starts, ends, strict=True):
        assert a < b and rebuilt[a:b].sum() == 0
        rebuilt[a:b] = True
    assert rebuilt.tolist() == list(bits)
    assert all(b < a2 for b, a2 in zip(ends[:-1], starts[1:], strict=True))  # runs are separated
