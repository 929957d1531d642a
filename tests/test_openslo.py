"""The OpenSLO specifications load, match system.yml, and bad specs are rejected by file and field."""

from __future__ import annotations

import copy
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from dfp.core.errors import PlaybookError
from dfp.core.paths import data_dir
from dfp.io.openslo import load_openslo, load_slos, parse_duration_min, parse_slo
from dfp.io.system import load_system
from dfp.reliability import slo as slo_math

GOOD = yaml.safe_load((data_dir() / "slos" / "api.yaml").read_text())


def test_specs_load_and_cover_the_issue():
    names = {s.name for s in load_slos()}
    assert names == {"api-availability", "processing-latency", "processing-success",
                     "delivery-success", "delivery-freshness"}


def test_targets_match_system_yml():
    system = load_system()
    by = {s.name: s for s in load_slos()}
    # the API's internal SLO is its own target, tighter than the SLA it protects
    assert by["api-availability"].target_id == "api_availability_slo"
    assert by["api-availability"].slo_target == pytest.approx(system.target("api_availability_slo").value)
    assert by["api-availability"].slo_target > system.target("api_availability").value
    assert by["processing-success"].error_budget_ratio == pytest.approx(system.target("processing_error_ratio").value)
    assert by["delivery-success"].slo_target == pytest.approx(system.target("delivery_success_ratio").value)
    for s in by.values():
        system.target(s.target_id)  # every annotation names a real target
        assert s.period_days == 30 and s.rolling


def _bad(mutate, tmp_path: Path) -> str:
    doc = copy.deepcopy(GOOD)
    mutate(doc)
    (tmp_path / "x.yaml").write_text(yaml.safe_dump(doc))
    with pytest.raises(PlaybookError) as err:
        load_slos(tmp_path)
    return str(err.value)


def test_target_of_one_rejected(tmp_path):
    msg = _bad(lambda d: d["spec"]["objectives"][0].update(target=1.0), tmp_path)
    assert "x.yaml" in msg and "spec.objectives[0].target" in msg and "1.0" in msg


def test_percent_target_rejected(tmp_path):
    msg = _bad(lambda d: d["spec"]["objectives"][0].update(target=99.95), tmp_path)
    assert "x.yaml" in msg and "99.95" in msg


def test_unknown_window_rejected(tmp_path):
    msg = _bad(lambda d: d["spec"]["timeWindow"][0].update(duration="30x"), tmp_path)
    assert "x.yaml" in msg and "spec.timeWindow[0].duration" in msg and "30x" in msg


def test_missing_indicator_rejected(tmp_path):
    msg = _bad(lambda d: d["spec"].pop("indicator"), tmp_path)
    assert "x.yaml" in msg and "spec.indicator" in msg


def test_good_and_bad_both_rejected(tmp_path):
    msg = _bad(lambda d: d["spec"]["indicator"]["spec"]["ratioMetric"].update(
        good=copy.deepcopy(GOOD["spec"]["indicator"]["spec"]["ratioMetric"]["total"])), tmp_path)
    assert "exactly one of good/bad" in msg


def test_duplicate_names_rejected(tmp_path):
    (tmp_path / "a.yaml").write_text(yaml.safe_dump(GOOD))
    (tmp_path / "b.yaml").write_text(yaml.safe_dump(GOOD))
    with pytest.raises(PlaybookError, match=r"already defined in a\.yaml"):
        load_slos(tmp_path)


def test_durations():
    assert parse_duration_min("28d") == 28 * 1440
    assert parse_duration_min("1M") == 30 * 1440
    with pytest.raises(PlaybookError, match="unknown window"):
        parse_duration_min("0d")
    spec = copy.deepcopy(GOOD)
    spec["spec"]["timeWindow"] = [{"duration": "4w", "isRolling": True}]
    assert parse_slo(spec, "t.yaml").period_days == 28


# ---- OpenSLO v1 in full: the playbook's own fixtures (tests/fixtures/openslo) ---------------------------

FIX = Path(__file__).parent / "fixtures" / "openslo"


def test_multi_document_file_with_every_kind_and_references():
    s = load_openslo(FIX / "storefront.yaml")
    assert set(s.services) == {"storefront"} and s.data_sources["shop-prometheus"].type == "Prometheus"
    slo = s.slos["checkout-availability"]
    assert slo.indicator is s.slis["checkout-requests-ok"]  # indicatorRef resolved
    assert slo.indicator.good.type == "Prometheus" and slo.indicator.good.source_ref == "shop-prometheus"
    assert slo.indicator.counter is True and slo.good_query == 'shop_checkout_requests_total{outcome="ok"}'
    assert [o.target for o in slo.objectives] == pytest.approx([0.999, 0.9995])  # targetPercent and target
    assert slo.period_days == 28 and slo.rolling
    ref, inline = slo.alert_policies
    assert ref.name == "checkout-paging" and ref.conditions[0] == s.alert_conditions["checkout-fast-burn"]
    assert ref.conditions[0].lookback_window_min == 60 and ref.conditions[0].alert_after_min == 2
    assert ref.targets[0].target == "pagerduty" and ref.when_breaching and not ref.when_resolved
    assert inline.conditions[0].severity == "ticket" and inline.conditions[0].lookback_window_min == 3 * 1440
    assert inline.conditions[0].alert_after_min == 0 and inline.targets[0].target == "jira"
    with pytest.raises(PlaybookError, match="it has 2"):
        _ = slo.slo_target  # several objectives: never silently the first
    assert [slo.for_objective(i).slo_target for i in (0, 1)] == pytest.approx([0.999, 0.9995])


def test_threshold_metric():
    slo = load_openslo(FIX / "search-latency.yaml").slos["search-latency"]
    assert slo.indicator.kind == "threshold" and slo.indicator.threshold.type == "Datadog"
    assert slo.indicator.threshold.query == "p95:search.request.duration{service:catalogue}"
    assert slo.alert_policies == ()
    (o,) = slo.objectives
    assert (o.op, o.value, o.target) == ("lt", 300.0, 0.98)
    assert slo.period_days == 14


def test_time_slices_calendar_window_and_gauges_are_kept_as_written():
    s = load_openslo(FIX / "timeslices.yaml").slos
    up = s["portal-uptime"]
    w = up.time_window
    assert not w.rolling  # a calendar window without isRolling is not rolling
    assert w.calendar_start == pd.Timestamp("2025-03-24 06:00") and w.time_zone == "Europe/Berlin"
    assert up.budgeting_method == "Timeslices"
    assert [(o.target, o.time_slice_target, o.time_slice_window_min) for o in up.objectives] == \
        [(0.999, 0.9, 1.0), (0.995, 0.9, 5.0)]  # timeSliceWindow 5 = five minutes
    # the calendar week keeps its Monday 06:00 Berlin start across the DST change of 2025-03-30
    a, b = w.bounds(pd.Timestamp("2025-04-02 12:00", tz="UTC"))
    assert (a, b) == (pd.Timestamp("2025-03-31 04:00", tz="UTC"), pd.Timestamp("2025-04-07 04:00", tz="UTC"))
    a, b = w.bounds(pd.Timestamp("2025-03-25", tz="UTC"))
    assert (a, b - a) == (pd.Timestamp("2025-03-24 05:00", tz="UTC"), pd.Timedelta(hours=167))
    rt = s["api-ratio-slices"]
    assert rt.budgeting_method == "RatioTimeslices" and rt.objectives[0].time_slice_window_min == 1
    gauge = s["queue-drain"]
    assert gauge.indicator.counter is False and not gauge.rolling and gauge.time_window.duration == "1M"
    m = gauge.time_window.bounds(pd.Timestamp("2025-02-14", tz="UTC"))
    assert m == (pd.Timestamp("2025-02-01", tz="UTC"), pd.Timestamp("2025-03-01", tz="UTC"))


def test_budgets_match_the_openslo_examples_oracles():
    # examples/budgeting-method/README.md: two weeks, 95 %, 1-minute slices, 24 000 requests a day
    rt = load_openslo(FIX / "timeslices.yaml").slos["api-ratio-slices"]
    o = rt.objectives[0]
    b = slo_math.error_budget(rt.budgeting_method, o.target, rt.time_window.duration_min, o.time_slice_window_min)
    # RatioTimeslices: a DDoS at 1 % success over a 99 % baseline spends it in about 13 h 45 min
    assert slo_math.outage_min_to_exhaust(b, 0.99, 0.01) == pytest.approx(0.04 * 20160 / 0.98)
    assert abs(slo_math.outage_min_to_exhaust(b, 0.99, 0.01) - (13 * 60 + 45)) < 5
    ts = slo_math.error_budget("Timeslices", o.target, rt.time_window.duration_min, 1)
    assert ts.slices == 20160 and ts.allowed_bad_slices == pytest.approx(1008)  # 16 h 48 min
    assert slo_math.outage_min_to_exhaust(ts, 0.99, 0.01, time_slice_target=0.95) == pytest.approx(16 * 60 + 48)
    occ = slo_math.error_budget("Occurrences", 0.95, 20160, total_events=14 * 24000)
    assert occ.allowed_bad_events == pytest.approx(16800)
    # examples/treat-low-traffic-as-equally-important: one week, 99.95 % -> 5 min 2.4 s of bad slices
    low = slo_math.error_budget("Timeslices", 0.9995, 7 * 1440, 1)
    assert low.allowed_bad_slices == pytest.approx(5.04) and low.full_outage_min * 60 == pytest.approx(302.4)


def test_attainment_per_budgeting_method():
    good = np.array([100, 90, 0, 100])
    total = np.array([100, 100, 0, 100])
    assert slo_math.objective_attainment(good, total, "Occurrences") == pytest.approx(290 / 300)
    assert slo_math.objective_attainment(good, total, "Timeslices", 1, 0.95) == pytest.approx(2 / 3)
    assert slo_math.objective_attainment(good, total, "Timeslices", 1, 0.9, op="gt") == pytest.approx(2 / 3)
    assert slo_math.objective_attainment(good, total, "RatioTimeslices", 1) == pytest.approx((1 + 0.9 + 1) / 3)
    with pytest.raises(PlaybookError, match="good <= total"):
        slo_math.objective_attainment([2], [1], "Occurrences")


def test_platform_specs_load_through_the_full_loader_unchanged():
    full = load_openslo(data_dir() / "slos").slos
    for s in load_slos():
        assert full[s.name] == s
        assert s.budgeting_method == "Occurrences" and len(s.objectives) == 1 and s.indicator.counter is True


def _write(tmp_path: Path, text: str, name: str = "x.yaml") -> Path:
    p = tmp_path / name
    p.write_text(text)
    return p


BAD_CASES = [
    # (mutation of storefront.yaml text, expected message fragment)
    ("apiVersion: openslo/v1\nkind: Service", "apiVersion: openslo/v1alpha\nkind: Service", "'apiVersion' must be"),
    ("indicatorRef: checkout-requests-ok", "indicatorRef: nope", "indicatorRef' names no SLI"),
    ("metricSourceRef: shop-prometheus\n        spec:\n          query: shop_checkout_requests_total{",
     "metricSourceRef: nope\n        spec:\n          query: shop_checkout_requests_total{", "names no DataSource"),
    ("targetPercent: 99.9", "targetPercent: 99.9\n      target: 0.999", "exactly one of target/targetPercent"),
    ("targetPercent: 99.9", "targetPercent: 100", "targetPercent' must be in (0, 100)"),
    ("duration: 28d\n      isRolling: true", "duration: 1m\n      isRolling: true", "shorter than one day"),
    ("duration: 28d\n      isRolling: true", "duration: 1M\n      isRolling: true", "is a calendar window"),
    ("conditionRef: checkout-fast-burn", "conditionRef: nope", "names no AlertCondition"),
    ("targetRef: shop-pager", "targetRef: nope", "names no AlertNotificationTarget"),
    ("alertPolicyRef: checkout-paging", "alertPolicyRef: nope", "names no AlertPolicy"),
    ("service: storefront", "service: elsewhere", "names no Service document"),
    ("budgetingMethod: Occurrences", "budgetingMethod: Timeslices", "needs timeSliceTarget and timeSliceWindow"),
    ("    - displayName: Customer-facing objective\n", "    - displayName: Customer-facing objective\n"
     "      indicatorRef: checkout-requests-ok\n", "composite SLO"),
    ("op: gt\n    threshold: 13.44", "op: above\n    threshold: 13.44", "'spec.condition.op' must be one of"),
    ("kind: Service", "kind: Team", "'kind' must be one of"),
]


@pytest.mark.parametrize(("old", "new", "msg"), BAD_CASES)
def test_unsupported_or_invalid_documents_raise_named_errors(tmp_path, old, new, msg):
    text = (FIX / "storefront.yaml").read_text()
    assert old in text
    p = _write(tmp_path, text.replace(old, new, 1))
    with pytest.raises(PlaybookError) as err:
        load_openslo(p)
    assert "x.yaml" in str(err.value) and msg in str(err.value)


def test_calendar_contradictions_and_time_zones(tmp_path):
    text = (FIX / "timeslices.yaml").read_text()
    for old, new, msg in [
        ("      calendar:\n        startTime: 2025-03-24", "      isRolling: true\n      calendar:\n"
         "        startTime: 2025-03-24", "isRolling' is true but the window has a calendar"),
        ("timeZone: Europe/Berlin", "timeZone: Mars/Olympus", "not an IANA time zone"),
        ("startTime: 2025-03-24 06:00:00", "startTime: 2025-03-24T06:00:00+01:00", "must not carry a time zone"),
        ("timeSliceTarget: 0.9\n      timeSliceWindow: 1m", "timeSliceWindow: 1m", "needs timeSliceTarget"),
    ]:
        assert old in text
        with pytest.raises(PlaybookError, match=re.escape(msg)):
            load_openslo(_write(tmp_path, text.replace(old, new, 1)))


def test_duplicate_names_across_files_and_service_check_across_the_set(tmp_path):
    _write(tmp_path, (FIX / "search-latency.yaml").read_text(), "a.yaml")
    _write(tmp_path, (FIX / "search-latency.yaml").read_text(), "b.yaml")
    with pytest.raises(PlaybookError, match=r"SLO 'metadata.name' 'search-latency' is already defined in a\.yaml"):
        load_openslo(tmp_path)
    with pytest.raises(PlaybookError, match="names no Service document"):
        load_openslo(FIX)  # storefront.yaml declares Services, so every SLO of the set must name one
