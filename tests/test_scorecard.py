"""The scorecard holds every target, and each value is the one its owning page computes."""

from __future__ import annotations

import math

import pytest
from test_story import glued

from dfp.book import scorecard as sc
from dfp.core.errors import PlaybookError
from dfp.core.paths import repo_root
from dfp.io.cache import cache_root
from dfp.io.system import load_system

ROOT = repo_root()
SYSTEM = load_system()


@pytest.fixture(scope="module")
def book():
    return sc.BookInputs(SYSTEM)


@pytest.fixture(scope="module")
def measured(book):
    return sc.measure_all(book)


def test_every_target_has_a_measure_or_a_reason():
    assert set(sc.MEASURES) == {t.id for t in SYSTEM.targets}
    for tid, m in sc.MEASURES.items():
        if m.compute is None:
            assert m.reason and "\n" not in m.reason, tid
        else:
            assert m.page and m.window and not m.reason, tid
            assert (ROOT / f"{m.page}.ipynb").is_file(), f"{tid}: no page {m.page}"


def test_every_measured_value_is_finite_or_an_explicit_breach(measured):
    assert set(measured) == {t for t, m in sc.MEASURES.items() if m.compute is not None}
    for tid, v in measured.items():
        assert not math.isnan(v), tid
        assert math.isfinite(v) or SYSTEM.target(tid).op in ("<", "<="), tid


@pytest.mark.parametrize(("tid", "page", "key", "scale"), [
    ("events_per_day_avg", "notebooks/00-context/success-metrics", "sm_events_avg", 1.0),
    ("mrr_growth_ratio", "notebooks/00-context/success-metrics", "sm_mrr_cmgr", 0.01),
    ("churn_ratio", "notebooks/00-context/success-metrics", "sm_churn_pct", 0.01),
    ("new_enterprise_per_quarter", "notebooks/00-context/success-metrics", "sm_new_ent_last", 1.0),
    ("mttd_min", "notebooks/05-reliability/alerting", "al_mttd_critical_record", 1.0),
    ("mttr_min", "notebooks/05-reliability/alerting", "al_resolve_critical", 1.0),
    ("deploys_per_week", "notebooks/04-delivery/dora-metrics", "dm_scale_dpw", 1.0),
    ("lead_time_p95_h", "notebooks/04-delivery/dora-metrics", "dm_scale_lt_tail", 1.0),
    ("change_failure_ratio", "notebooks/04-delivery/dora-metrics", "dm_scale_cfr", 0.01),
    ("access_reviews_on_time_ratio", "notebooks/06-security/controls-measured", "cm_reviews_on_time", 0.01),
])
def test_value_equals_what_the_owning_page_glues(measured, tid, page, key, scale):
    assert sc.MEASURES[tid].page == page
    assert measured[tid] == pytest.approx(scale * glued(page)[key])


def test_alerting_values_equal_the_alerting_page(measured):
    g = glued("notebooks/05-reliability/alerting")
    if g["al_chosen"] == g["al_adopted"]:
        assert measured["oncall_h_per_engineer_week"] == pytest.approx(g["al_chosen_burden"])
        assert measured["critical_false_positive_ratio"] == pytest.approx(g["al_chosen_false"] / g["al_chosen_pages"])


def test_security_values_agree_with_the_controls_page(measured):
    g = glued("notebooks/06-security/controls-measured")
    # "kept" is the Object Lock retention; the queryable (hot) days are a different quantity, labelled apart
    assert measured["audit_log_retention_days"] == g["cm_audit_lock_days"]
    patch_met = SYSTEM.target("critical_vuln_patch_h").met_by(measured["critical_vuln_patch_h"])
    assert patch_met == (g["cm_scale_late"] == 0)


def test_api_5xx_is_the_complement_of_the_api_sli(book, measured):
    assert measured["api_5xx_ratio"] == pytest.approx(1 - sc.sli_month(book, "api-availability"))


def test_cost_values_equal_the_cost_pages(measured):
    money = glued("notebooks/07-cost/where-the-money-goes")
    assert measured["cost_usd_per_event"] == pytest.approx(money["cost_m24_usd_per_million_events"] / 1e6)
    assert measured["cost_attributed_ratio"] == pytest.approx(money["cost_m24_attributed_ratio"])
    unit = glued("notebooks/07-cost/unit-economics")
    assert measured["cost_usd_per_month_target"] == pytest.approx(unit["ue_cost_at_10m_usd"])


def test_architecture_values_equal_the_architecture_pages(measured):
    rec = glued("notebooks/02-infrastructure/store-recovery")
    assert measured["durability_nines"] == pytest.approx(rec["sr_nines"])
    kube = glued("notebooks/03-platform/kubernetes-capacity")
    assert 100 * measured["cpu_utilisation_ratio"] == pytest.approx(kube["kc_util_avg"])


def test_book_scorecard_verdicts_and_counts(measured):
    card = sc.book_scorecard(SYSTEM, measured)
    assert len(card) == len(SYSTEM.targets)
    counts = sc.verdict_counts(card)
    assert counts["measured"] + counts["not_measured"] == counts["targets"] == len(SYSTEM.targets)
    assert counts["met"] + counts["missed"] == counts["measured"] == len(measured)
    row = card.set_index("id").loc["rollback_min"]
    assert row["verdict"] == ("met" if measured["rollback_min"] <= 5 else "missed")
    nm = card.loc[card["verdict"] == "not measured"]
    assert (nm["reason"] != "").all() and nm["measured"].isna().all()


def test_book_scorecard_refuses_a_target_without_a_measure(monkeypatch, measured):
    monkeypatch.delitem(sc.MEASURES, "churn_ratio")
    with pytest.raises(PlaybookError, match=r"no measure defined for targets \['churn_ratio'\]"):
        sc.book_scorecard(SYSTEM, {})


def test_measure_all_rejects_unknown_ids_and_nan(monkeypatch, book):
    with pytest.raises(PlaybookError, match=r"no measure for \['nope'\]"):
        sc.measure_all(book, ["nope"])
    monkeypatch.setitem(sc.MEASURES, "churn_ratio", sc.Measure("p", "w", lambda b: float("nan")))
    with pytest.raises(PlaybookError, match="churn_ratio computed no number"):
        sc.measure_all(book, ["churn_ratio"])


def test_page_parameters_reads_the_page_defaults():
    p = sc.page_parameters("notebooks/04-delivery/dora-metrics")
    assert p == {"lead_time_quantile": 0.95}
    with pytest.raises(PlaybookError, match="no notebook"):
        sc.page_parameters("notebooks/nope")


def test_book_inputs_as_of_month_is_checked():
    with pytest.raises(PlaybookError, match=r"as_of_month must be in 0\.\.23; got 30"):
        sc.BookInputs(SYSTEM, 30)


def test_alerting_backtest_is_cached_and_equal_to_a_fresh_run(book):
    row = book.alerting
    root = cache_root()
    assert root is not None, "caching is off"
    files = list((root / "scorecard").glob("scorecard-*.json"))
    assert files, "the backtest result was not cached"
    fresh = sc.alerting_backtest(SYSTEM, sc.page_parameters(sc.PAGES["alerting"]))
    assert fresh == pytest.approx(row)
    assert sc.BookInputs(SYSTEM).alerting == row  # read back from the cache


def test_an_early_month_sets_aside_what_its_data_does_not_cover():
    values, unavailable = sc.measure_book(sc.BookInputs(SYSTEM, 0))
    assert "latency_p99_ms" in unavailable and "no processing-latency SLI data in 2024-11" in unavailable["latency_p99_ms"]
    assert "events_per_day_avg" in values and not set(values) & set(unavailable)
    card = sc.book_scorecard(SYSTEM, values, unavailable, as_of_month=0)
    row = card.set_index("id").loc["latency_p99_ms"]
    assert row["verdict"] == "not measured" and "2024-11" in row["reason"]
    assert card.set_index("id").loc["events_per_day_avg", "window"] == "2024-11"


def test_the_new_enterprise_count_is_the_last_full_quarters(book, measured):
    """13 sign-ups belong to 2026Q3; the window must not call them 2026Q4's (2026Q4 is not over at 2026-10)."""
    from dfp.business.customers import new_enterprise_per_quarter

    q = new_enterprise_per_quarter(book.customers, SYSTEM)
    assert str(sc.last_full_quarter(SYSTEM, 23)) == "2026Q3"
    assert measured["new_enterprise_per_quarter"] == q.loc[sc.last_full_quarter(SYSTEM, 23)]
    assert sc.window_text(sc.MEASURES["new_enterprise_per_quarter"].window, SYSTEM, 23).startswith("2026Q3")


def test_mttr_is_resolve_and_differs_from_restore(measured):
    """The target names time to resolve; restore (to mitigation) is shorter and must not stand in for it."""
    from dfp.reliability import incidents, operations

    log = incidents.load_event_log(SYSTEM)
    assert "resolve" in SYSTEM.target("mttr_min").metric.lower()
    assert measured["mttr_min"] == pytest.approx(operations.mean_time_to_resolve(log, "critical").minutes)
    assert measured["mttr_min"] > operations.mean_time_to_restore(log, "critical").minutes


def test_oncall_burden_includes_incident_hours(book, measured):
    assert measured["oncall_h_per_engineer_week"] > book.alerting["alerts_only_h_per_engineer_week"]
    assert book.alerting["worst_week_h_per_engineer"] >= measured["oncall_h_per_engineer_week"]
