"""The story over time: every event once at its date, months aligned, series equal to the sections'."""

from __future__ import annotations

import ast
import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from dfp.book import plotting, story
from dfp.business import customers as business
from dfp.core.errors import PlaybookError
from dfp.core.paths import repo_root
from dfp.delivery import dora as delivery
from dfp.delivery.dora import LEVELS
from dfp.io.data import load
from dfp.io.openslo import load_slos
from dfp.io.system import load_system
from dfp.reliability import sli

ROOT = repo_root()
SYSTEM = load_system()


def glued(page: str) -> dict[str, object]:
    """The values a notebook glued, from its stored outputs (what the page shows)."""
    nb = json.loads((ROOT / f"{page}.ipynb").read_text(encoding="utf-8"))
    out: dict[str, object] = {}
    for cell in nb["cells"]:
        for o in cell.get("outputs", []):
            name = o.get("metadata", {}).get("scrapbook", {}).get("name")
            if name:
                text = o["data"].get("application/papermill.record/text/plain")
                try:
                    out[name] = ast.literal_eval(text)
                except (ValueError, SyntaxError):
                    out[name] = text
    return out


@dataclass(frozen=True)
class FakeAdr:
    number: str
    title: str
    date: date
    trigger: str
    status: str
    path: Path


FAKE_ADRS = [
    FakeAdr("0009", "Partition keys", date(2025, 7, 23), "INC-01", "accepted",
            Path("book/01-architecture/decision-records/0009-partition-key.md")),
    FakeAdr("0001", "AWS", date(2024, 11, 4), "constraint:cloud", "accepted",
            Path("book/01-architecture/decision-records/0001-aws.md")),
    FakeAdr("0013", "Cost anomaly detection", date(2026, 3, 20), "INC-05", "accepted",
            Path("book/01-architecture/decision-records/0013-cost.md")),
]


@pytest.fixture(scope="module")
def inputs():
    usage, revenue, customers = load("usage_daily"), load("revenue_monthly"), load("customers")
    summary = business.monthly_summary(usage, revenue, customers, SYSTEM)
    objectives = {s.name: s.slo_target for s in load_slos()}
    attainment = sli.monthly_attainment(load("sli_hourly"), objectives)
    dora = delivery.dora_by_period(load("deployments"), load("commits"), SYSTEM, by="month")
    months = story.story_months(SYSTEM)
    unit = pd.Series(np.linspace(2e-5, 1e-5, len(months)), index=months)  # stand-in unit cost
    return {"summary": summary, "attainment": attainment, "dora": dora, "unit": unit, "months": months}


def _story(inputs, events, as_of=None, **override):
    kw = {"summary": inputs["summary"], "slo_months": story.slo_month_summary(inputs["attainment"], inputs["months"]),
          "usd_per_event": inputs["unit"], "dora_months": inputs["dora"], "events": events}
    kw.update(override)
    return story.monthly_story(SYSTEM, as_of_month=as_of, **kw)


def test_story_months_are_the_24_calendar_months():
    m = story.story_months(SYSTEM)
    assert len(m) == SYSTEM.months == 24
    assert (str(m[0]), str(m[-1])) == ("2024-11", "2026-10")
    assert len(story.story_months(SYSTEM, 5)) == 6
    with pytest.raises(PlaybookError, match=r"as_of_month must be in 0\.\.23; got 24"):
        story.story_months(SYSTEM, 24)


def test_every_incident_and_adr_appears_once_at_its_date():
    ev = story.timeline_events(SYSTEM, FAKE_ADRS)
    for inc in SYSTEM.incidents:
        rows = ev.loc[ev["id"] == inc.id]
        assert len(rows) == 1 and rows["kind"].item() == "incident"
        assert rows["date"].item() == inc.impact_start
    for a in FAKE_ADRS:
        rows = ev.loc[ev["id"] == f"ADR-{a.number}"]
        assert len(rows) == 1 and rows["kind"].item() == "decision"
        assert rows["date"].item() == pd.Timestamp(a.date, tz="UTC")
        assert rows["page"].item() == a.path.with_suffix("").as_posix()
    assert ev["date"].is_monotonic_increasing
    assert len(ev) == len(SYSTEM.eras) + len(SYSTEM.regions) + len(SYSTEM.incidents) + len(FAKE_ADRS)


def test_events_after_as_of_month_are_left_out_and_duplicates_rejected():
    ev = story.timeline_events(SYSTEM, FAKE_ADRS, as_of_month=8)  # to 2025-07-31
    assert "INC-01" in set(ev["id"]) and "INC-02" not in set(ev["id"])
    assert "ADR-0009" in set(ev["id"]) and "ADR-0013" not in set(ev["id"])
    with pytest.raises(PlaybookError, match="ADR-0009 appears twice"):
        story.timeline_events(SYSTEM, [*FAKE_ADRS, FAKE_ADRS[0]])


def test_incident_pages_exist():
    ev = story.timeline_events(SYSTEM, [])
    for page in ev.loc[ev["kind"] == "incident", "page"]:
        assert (ROOT / f"{page}.md").is_file() or (ROOT / f"{page}.ipynb").is_file(), page
    assert story.incident_page("INC-01").endswith("inc-01-hot-partition")


def test_real_decision_records_each_appear_once():
    from dfp.book import adr

    adrs = adr.load_adrs()
    ev = story.timeline_events(SYSTEM, adrs)
    dec = ev.loc[ev["kind"] == "decision"]
    assert sorted(dec["id"]) == sorted(f"ADR-{a.number}" for a in adrs)
    for a in adrs:
        assert dec.loc[dec["id"] == f"ADR-{a.number}", "date"].item() == pd.Timestamp(a.date, tz="UTC")
        assert (ROOT / f"{dec.loc[dec['id'] == f'ADR-{a.number}', 'page'].item()}.md").is_file()


def test_decision_lags_measure_from_the_incident_end():
    lags = story.decision_lags(SYSTEM, FAKE_ADRS)
    assert lags["adr"].tolist() == ["ADR-0009", "ADR-0013"]  # ADR-0001 has a constraint trigger
    inc01 = SYSTEM.incident("INC-01")
    assert lags.loc[0, "lag_days"] == (pd.Timestamp("2025-07-23", tz="UTC") - inc01.impact_end.normalize()).days == 7


def test_months_align_across_series(inputs):
    ev = story.timeline_events(SYSTEM, FAKE_ADRS)
    s = _story(inputs, ev)
    assert list(s.index) == list(inputs["months"])
    assert s["month_index"].tolist() == list(range(24))
    assert s[["events_per_day_avg", "usd_per_event", "deploys_per_week"]].notna().all().all()
    # the incidents column holds each incident once, in its month
    flat = [i for cell in s["incidents"] if cell for i in cell.split(", ")]
    assert sorted(flat) == sorted(i.id for i in SYSTEM.incidents)
    assert s.loc[pd.Period("2025-07", "M"), "decisions"] == "ADR-0009"
    short = _story(inputs, story.timeline_events(SYSTEM, FAKE_ADRS, 10), as_of=10)
    assert len(short) == 11 and short.index[-1] == pd.Period("2025-09", "M")


def test_a_series_missing_a_month_is_refused(inputs):
    ev = story.timeline_events(SYSTEM, [])
    with pytest.raises(PlaybookError, match=r"unit cost has no row for month\(s\) \['2025-03'\]"):
        _story(inputs, ev, usd_per_event=inputs["unit"].drop(pd.Period("2025-03", "M")))
    with pytest.raises(PlaybookError, match="business summary has no row"):
        _story(inputs, ev, summary=inputs["summary"].iloc[:-1])


def test_volume_equals_the_context_section(inputs):
    s = _story(inputs, story.timeline_events(SYSTEM, []))
    g = glued("notebooks/00-context/success-metrics")
    assert s["events_per_day_avg"].iloc[-1] == pytest.approx(g["sm_events_avg"])


def test_slo_attainment_equals_the_reliability_section(inputs):
    g = glued("notebooks/05-reliability/slis-and-slos")
    a = inputs["attainment"]
    api = a.xs("api-availability", level="slo")
    assert int(api["met"].sum()) == g["sl_api_months_met"]
    assert len(api) == g["sl_api_region_months"]
    us = api.xs("us-east-1", level="region")
    assert 100 * us["ratio"].min() == pytest.approx(g["sl_api_worst_pct"])
    assert str(us["ratio"].idxmin()) == g["sl_api_worst_month"]
    sm = story.slo_month_summary(a, inputs["months"])
    assert sm["slos_measured"].iloc[: sli.SLI_START_MONTH].eq(0).all()
    assert sm["api_availability"].iloc[: sli.SLI_START_MONTH].isna().all()
    assert sm.loc[us["ratio"].idxmin(), "api_availability"] == pytest.approx(us["ratio"].min())


def test_dora_series_equals_the_delivery_section(inputs):
    s = _story(inputs, story.timeline_events(SYSTEM, []))
    d = inputs["dora"]
    assert s["deploys_per_week"].tolist() == pytest.approx(d["deploys_per_week"].tolist())
    row = d.loc["2026-10"]
    assert s["dora_level"].iloc[-1] == story.dora_overall_level(
        [row["level_deploys"], row["level_lead_time"], row["level_change_failure"], row["level_restore"]])


def test_unit_cost_equals_the_cost_section():
    from dfp.cost import economics as cost
    from dfp.io.focus import load_billing

    unit = story.usd_per_event_by_month(cost.monthly_cost(load_billing()), load("usage_daily"))
    g = glued("notebooks/07-cost/where-the-money-goes")
    assert unit.loc[pd.Period("2026-10", "M")] == pytest.approx(g["cost_m24_usd_per_million_events"] / 1e6)
    assert len(unit) == SYSTEM.months


def test_unit_cost_refuses_a_month_without_events():
    u = pd.DataFrame({"date": pd.to_datetime(["2025-01-03"], utc=True), "events": [10.0]})
    c = pd.Series([1.0, 2.0], index=pd.PeriodIndex(["2025-01", "2025-02"], freq="M"))
    with pytest.raises(PlaybookError, match=r"no events in month\(s\) \['2025-02'\]"):
        story.usd_per_event_by_month(c, u)


@given(st.lists(st.sampled_from([*LEVELS, "n/a"]), min_size=1, max_size=6))
def test_overall_level_is_the_worst_measured(levels):
    out = story.dora_overall_level(levels)
    measured = [lv for lv in levels if lv != "n/a"]
    if not measured:
        assert out == "n/a"
    else:
        assert out in measured
        assert all(LEVELS.index(lv) <= LEVELS.index(out) for lv in measured)


def test_overall_level_rejects_unknown():
    with pytest.raises(PlaybookError, match=r"unknown level\(s\) \['superb'\]"):
        story.dora_overall_level(["elite", "superb"])


def test_era_summary_counts_events(inputs):
    ev = story.timeline_events(SYSTEM, FAKE_ADRS)
    es = story.era_summary(SYSTEM, _story(inputs, ev))
    assert es["months"].sum() == 24
    assert es["incidents"].sum() == len(SYSTEM.incidents)
    assert es.loc["MVP", "decisions"] == 1 and es.loc["Scale", "decisions"] == 2


def test_plot_story_draws_every_event(inputs):
    import matplotlib.pyplot as plt

    plotting.use_style()
    ev = story.timeline_events(SYSTEM, FAKE_ADRS)
    fig = story.plot_story(SYSTEM, _story(inputs, ev), ev, {"api_availability": 0.9995})
    texts = {t.get_text() for t in fig.axes[0].texts}
    assert {i.id for i in SYSTEM.incidents} <= texts
    assert {"9", "1", "13"} <= texts
    assert len(fig.axes) == 5
    assert plotting.min_text_pt(fig) >= plotting.MIN_TEXT_PT  # the landing page's figure reads at 9 pt
    plt.close(fig)


# --- dfp.reliability.sli additions -------------------------------------------------------------------------

def test_monthly_attainment_needs_every_objective():
    h = load("sli_hourly").head(10)
    with pytest.raises(PlaybookError, match="no objective for SLO"):
        sli.monthly_attainment(h, {})


def test_latency_quantile_matches_prometheus_interpolation():
    # Prometheus histogram_quantile: linear interpolation inside the bucket holding rank q * total
    # (https://prometheus.io/docs/prometheus/latest/querying/functions/#histogram_quantile).
    c = {"total": 1000, "le_100ms": 400, "le_300ms": 900, "le_500ms": 990}
    assert sli.latency_quantile_ms(c, 0.2) == pytest.approx(50.0)
    assert sli.latency_quantile_ms(c, 0.5) == pytest.approx(100 + 200 * 100 / 500)
    assert sli.latency_quantile_ms(c, 0.99) == pytest.approx(500.0)
    assert sli.latency_quantile_ms(c, 0.995) == float("inf")
    with pytest.raises(PlaybookError, match="cumulative"):
        sli.latency_quantile_ms({"total": 10, "le_100ms": 5, "le_300ms": 4, "le_500ms": 9}, 0.9)
    with pytest.raises(PlaybookError, match=r"q must be in \(0, 1\)"):
        sli.latency_quantile_ms(c, 1.0)


@given(st.integers(1, 10_000), st.integers(0, 10_000), st.integers(0, 10_000), st.integers(0, 10_000),
       st.floats(0.01, 0.99), st.floats(0.01, 0.99))
def test_latency_quantile_is_monotonic_in_q(total, a, b, c, q1, q2):
    le = sorted(min(x, total) for x in (a, b, c))
    counts = {"total": total, "le_100ms": le[0], "le_300ms": le[1], "le_500ms": le[2]}
    lo, hi = sorted((q1, q2))
    assert sli.latency_quantile_ms(counts, lo) <= sli.latency_quantile_ms(counts, hi)


def test_story_headline_and_eras_read_the_aligned_frame():
    system = load_system()
    data = story.load_story(system, 23)
    head = story.story_headline(system, data)
    st_ = data.story
    assert head.first_month == "2024-11" and head.last_month == "2026-10"
    assert head.volume_multiple == pytest.approx(head.events_last_m / head.events_first_m)
    assert head.incidents == int((data.events["kind"] == "incident").sum())
    assert head.slo_months == int((st_["slos_measured"] > 0).sum())
    assert head.unit_target == pytest.approx(system.target("cost_usd_per_event").value * 1e6)
    eras = story.era_headlines(system, data.eras)
    assert list(eras) == ["mvp", "full", "scale"]
    assert sum(e.months for e in eras.values()) == len(st_)
    assert sum(e.decisions for e in eras.values()) == head.decisions
    early = story.era_headlines(system, story.load_story(system, 2).eras)
    assert early["scale"].span == "beyond this as_of_month" and early["scale"].months == 0
