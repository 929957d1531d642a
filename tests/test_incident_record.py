"""The incident record (system.yml ``incidents:``) against every dataset and page that tells an incident (issue 13).

Each check has a seeded bad input beside it that it must reject, so none of them can pass by accident.
"""

from __future__ import annotations

import ast
import json
from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dfp.architecture.model import load_model
from dfp.book.adr import load_adrs
from dfp.book.cells import glued_keys
from dfp.core.errors import PlaybookError
from dfp.generate.reliability import first_pages
from dfp.generate.sli import load_minutes
from dfp.io.data import load
from dfp.io.system import load_system
from dfp.reliability import incidents

ROOT = Path(__file__).resolve().parents[1]
SYSTEM = load_system()
RECORDS = incidents.incident_records(SYSTEM)
IR = ROOT / "notebooks/05-reliability/incident-review.ipynb"


def _glued(path: Path) -> dict[str, object]:
    out: dict[str, object] = {}
    for cell in json.loads(path.read_text(encoding="utf-8"))["cells"]:
        for o in cell.get("outputs", []):
            name = o.get("metadata", {}).get("scrapbook", {}).get("name")
            text = o.get("data", {}).get("application/papermill.record/text/plain")
            if name and text is not None:
                try:
                    out[name] = ast.literal_eval(text)
                except (ValueError, SyntaxError):
                    out[name] = text
    return out


def _raw_entry(inc_id: str) -> dict:
    return json.loads(json.dumps(next(e for e in SYSTEM.raw["incidents"] if e["id"] == inc_id), default=str))


# -- the record itself -------------------------------------------------------------------------------------------


def test_every_incident_has_a_full_record():
    assert [r.id for r in RECORDS] == [i.id for i in SYSTEM.incidents]
    for r in RECORDS:
        assert r.action_items and r.decisions, r.id
        assert r.remedy_components and r.tenants and r.remediation, r.id


def test_record_rejects_a_timeline_out_of_order():
    entry = _raw_entry("INC-03")
    entry["acknowledged"]["at"] = "2025-11-18T19:10:00Z"  # before it was detected
    with pytest.raises(PlaybookError, match=r"acknowledged.at .* is before detected.at"):
        incidents.parse_record(entry, SYSTEM)
    entry = _raw_entry("INC-03")
    entry["sli_impact"] = {"processing-sucess": 0.2}
    with pytest.raises(PlaybookError, match="unknown SLO"):
        incidents.parse_record(entry, SYSTEM)
    entry = _raw_entry("INC-03")
    entry["cause"]["deploy"]["deployed_at"] = "2025-11-18T19:30:00Z"
    with pytest.raises(PlaybookError, match=r"deployed_at .* is after impact_start"):
        incidents.parse_record(entry, SYSTEM)


# -- the record against the datasets -----------------------------------------------------------------------------


def test_event_log_is_the_record():
    committed = pd.read_csv(ROOT / "data/incident_events.csv", dtype=str, keep_default_na=False)
    pd.testing.assert_frame_equal(committed, incidents.event_log_frame(SYSTEM).astype(str))


def test_detection_is_the_first_page_of_the_production_policy():
    pages = first_pages(SYSTEM, load_minutes())
    for r in RECORDS:
        if r.sli_impact:
            assert pages[r.id] == (r.detected_at, r.detected_how), r.id
        else:
            assert r.id not in pages and "review" in r.detected_how, r.id
    # a detection time that disagrees with the replay is caught
    shifted = r.detected_at + pd.Timedelta(minutes=2)
    assert pages["INC-03"][0] != shifted


def _deploy_mismatches(dep: pd.DataFrame) -> list[str]:
    out = []
    by_inc = dep[dep["incident_id"].notna() & (dep["incident_id"] != "")].set_index("incident_id")
    for r in RECORDS:
        if r.cause_deploy is None:
            if r.id in by_inc.index:
                out.append(f"{r.id}: a deploy caused it, but its record says {r.cause_kind}")
            continue
        d, c = by_inc.loc[r.id], r.cause_deploy
        for col, want in (("deployed_at", c.deployed_at), ("service", c.service), ("change_type", c.change_type),
                          ("detected_at", r.detected_at), ("rollback_started_at", c.rollback_started_at),
                          ("restored_at", r.mitigated_at)):
            if d[col] != want:
                out.append(f"{r.id}: deployments.csv {col} {d[col]} != record {want}")
    return out


def test_deploy_log_matches_the_record():
    dep = load("deployments")
    assert _deploy_mismatches(dep) == []
    bad = dep.copy()
    row = bad.index[bad["incident_id"] == "INC-03"][0]
    bad.loc[row, "detected_at"] = bad.loc[row, "detected_at"] + pd.Timedelta(minutes=2)  # the old 19:19
    assert _deploy_mismatches(bad) == ["INC-03: deployments.csv detected_at 2025-11-18 19:19:00+00:00 != "
                                       "record 2025-11-18 19:17:00+00:00"]


def _impact_visible(hourly: pd.DataFrame, r: incidents.IncidentRecord) -> bool:
    slo = next(s for s in r.sli_impact if s != "processing-latency")
    h = hourly[(hourly["slo"] == slo) & (hourly["region"] == r.regions[0])].set_index("hour")
    ratio = (h["total"] - h["good"]) / h["total"]
    inside = ratio[r.impact_start.floor("h"): (r.mitigated_at - pd.Timedelta(minutes=1)).floor("h")]
    before = ratio[r.impact_start - pd.Timedelta(days=2): r.impact_start - pd.Timedelta(hours=1)]
    return bool(inside.median() > 10 * before.median())


def test_sli_impact_windows_follow_the_record():
    hourly = load("sli_hourly")
    for r in RECORDS:
        if r.sli_impact:
            assert _impact_visible(hourly, r), r.id
    # the window INC-04 had before it moved to the night shows nothing now
    r4 = incidents.incident_record(SYSTEM, "INC-04")
    old = incidents.IncidentRecord(**{**r4.__dict__, "impact_start": pd.Timestamp("2026-01-27T16:30Z"),
                                      "mitigated_at": pd.Timestamp("2026-01-27T21:45Z")})
    assert not _impact_visible(hourly, old)


def test_bill_anomaly_sits_in_the_inc05_window():
    bill = load("billing_daily")
    r = incidents.incident_record(SYSTEM, "INC-05")
    nat = bill[bill["ChargeDescription"].str.contains("NAT gateway data processed, Loki", na=False)
               & (bill["RegionId"] == "us-east-1")]
    daily = nat.groupby(nat["ChargePeriodStart"].dt.floor("D"))["EffectiveCost"].sum()
    before = daily[r.impact_start - pd.Timedelta(days=28): r.impact_start - pd.Timedelta(days=1)].median()
    inside = daily[r.impact_start: r.mitigated_at.floor("D") - pd.Timedelta(days=1)]
    after = daily[r.resolved_at.floor("D") + pd.Timedelta(days=1): r.resolved_at + pd.Timedelta(days=14)]
    assert (inside > 2 * before).all() and (after < 1.5 * before).all()
    assert r.detected_at < r.mitigated_at  # found by the weekly review, fixed two days later
    # the CloudWatch Logs log group for the debug stream is billed only inside the incident's window
    cw = bill[bill["ChargeDescription"].str.startswith("CloudWatch Logs ingestion", na=False)]
    cw_days = cw.loc[cw["EffectiveCost"] > 0, "ChargePeriodStart"].dt.floor("D")
    assert len(cw_days) and cw_days.min() == r.impact_start.floor("D") and cw_days.max() <= r.mitigated_at


def test_access_review_found_inc06_on_the_record_date():
    ar = load("access_reviews")
    r = incidents.incident_record(SYSTEM, "INC-06")
    hit = ar[ar["incident_id"] == "INC-06"]
    assert len(hit) == 1 and hit["completed_on"].iloc[0].date() == r.detected_at.date()
    assert (r.mitigated_at - r.impact_start) / pd.Timedelta(days=1) == pytest.approx(42.04, abs=0.01)


# -- remedies, decisions and the history -------------------------------------------------------------------------


def test_remedies_use_components_that_exist_at_the_time():
    introduced = {cid: str(c["introduced"]) for cid, c in load_model().components.items()}
    for r in RECORDS:
        assert incidents.remedy_anachronisms(r, introduced, SYSTEM) == [], r.id
    # seeded: INC-03 replayed from the delivery dead-letter queue, which ADR-0012 added in 2026-02
    r3 = incidents.incident_record(SYSTEM, "INC-03")
    dlq = incidents.IncidentRecord(**{**r3.__dict__, "remedy_components": ("delivery-dlq",)})
    assert incidents.remedy_anachronisms(dlq, {**introduced, "delivery-dlq": "2026-02"}, SYSTEM) == ["delivery-dlq"]


def test_action_items_name_decision_records_that_follow_the_incident():
    adrs = {f"ADR-{a.number}": a for a in load_adrs()}
    lags = []
    for r in RECORDS:
        for dec in r.decisions:
            a = adrs[dec]
            assert a.trigger == r.id, (dec, a.trigger)
            lag = (pd.Timestamp(a.date, tz="UTC") - r.mitigated_at.normalize()).days
            assert lag > 0, dec
            lags.append(lag)
    assert len(set(lags)) >= 5 and max(lags) - min(lags) >= 14  # the lag varies with the decision


def test_one_user_facing_incident_outside_working_hours():
    off = [r.id for r in RECORDS if r.sli_impact and not incidents.in_working_hours(r.detected_at)]
    assert off == ["INC-04"]
    r4 = incidents.incident_record(SYSTEM, "INC-04")
    assert (r4.acknowledged_at - r4.detected_at) > pd.Timedelta(hours=4)
    assert any("escalat" in a.item for a in r4.action_items)


def test_inc03_rollout_action_follows_adr_0011_eu_first():
    items = " ".join(a.item for a in incidents.incident_record(SYSTEM, "INC-03").action_items)
    assert "EU first" in items and "EU after" not in items


# -- pages ---------------------------------------------------------------------------------------------------------


def test_six_postmortems_in_the_toc_and_each_pastes_its_record():
    toc = (ROOT / "_toc.yml").read_text(encoding="utf-8")
    keys = glued_keys(IR)
    for r in RECORDS:
        page = f"book/05-reliability/postmortems/{r.id.lower()}-{next(i.slug for i in SYSTEM.incidents if i.id == r.id)}"
        assert page in toc, page
        text = (ROOT / f"{page}.md").read_text(encoding="utf-8")
        k = r.id.lower().replace("-", "")
        for key in (f"ir_{k}_timeline", f"ir_{k}_action_items"):
            assert key in text and key in keys, (page, key)


def test_inc03_failed_events_are_one_number():
    ir, ca = _glued(IR), _glued(ROOT / "notebooks/04-delivery/canary-analysis.ipynb")
    assert ir["ir_inc03_bad_events"] == pytest.approx(ca["ca_actual_failed"])
    assert ca["ca_p_bad_pct"] == pytest.approx(100 * incidents.incident_record(SYSTEM, "INC-03")
                                               .sli_impact["processing-success"])


def test_no_page_says_a_dlq_existed_at_inc03():
    text = (ROOT / "book/05-reliability/postmortems/inc-03-bad-config-rollout.md").read_text(encoding="utf-8")
    assert "replayed from the DLQ" not in text and "stream's 7-day retention" in text


def test_decision_records_quote_the_record_window():
    adrs = {f"ADR-{a.number}": a for a in load_adrs()}
    for r in RECORDS:
        for dec in r.decisions:
            text = Path(adrs[dec].path).read_text(encoding="utf-8") if Path(adrs[dec].path).is_absolute() else \
                (ROOT / adrs[dec].path).read_text(encoding="utf-8")
            window = f"({r.impact_start:%Y-%m-%d %H:%M} to {r.mitigated_at:%Y-%m-%d %H:%M} UTC"
            assert window in text, (dec, window)
    # seeded: INC-04's window before it moved to the night is no longer quoted anywhere in its record
    assert "(2026-01-27 16:30 to" not in (ROOT / "book/01-architecture/decision-records/0012-delivery-backoff-dlq-slo.md"
                                          ).read_text(encoding="utf-8")


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=6), min_size=1, max_size=48), st.integers(min_value=1, max_value=12))
def test_freeze_windows_cover_exactly_the_overspent_hours(bad, period_h):
    hours = pd.date_range("2025-01-01", periods=len(bad), freq="h", tz="UTC")
    h = pd.DataFrame({"hour": hours, "slo": "s", "region": "r", "total": 100, "good": [100 - b for b in bad]})
    spec = SimpleNamespace(name="s", service="api", slo_target=0.99, period_days=period_h / 24)
    fw = incidents.freeze_windows(h, [spec], incidents.load_budget_policy())
    ends = hours + pd.Timedelta(hours=1)
    frozen = incidents.in_freeze(pd.Series(ends - pd.Timedelta(minutes=1)), pd.Series(["api"] * len(ends)), fw)
    # the naive rule: remaining budget over the last period_h hours below zero at the end of the hour; before a
    # whole period has passed, the period's budget pro rata to the traffic seen (here 100 requests every hour)
    naive = [sum(bad[max(0, i + 1 - period_h): i + 1]) > 0.01 * 100 * period_h for i in range(len(bad))]
    # a window opens at the end of an overspent hour: the hour after it is the first frozen one
    assert frozen[1:].tolist() == naive[:-1]
