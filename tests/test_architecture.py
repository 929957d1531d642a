"""The architecture model by month: validation, what exists at a month, availability designs, diagrams."""

from __future__ import annotations

import re

import pandas as pd
import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from dfp.architecture import model as arch
from dfp.architecture.model import (
    Model,
    arrivals,
    cell_lead,
    check_month,
    components_at,
    design_at,
    diagram_dot,
    edges_at,
    era_month,
    leaf_availabilities,
    load_model,
    month_of,
    path_availability,
    regions_at,
    render_icons_png,
    render_png,
)
from dfp.book.adr import load_adrs
from dfp.core.errors import PlaybookError
from dfp.core.paths import data_dir
from dfp.io.data import load
from dfp.io.system import load_system
from dfp.reliability.availability import serial

SYSTEM = load_system()
MODEL = load_model()
DESIGNS = ("mvp", "full-platform", "scale")
STORY_MONTHS = [month_of(SYSTEM.month_start(i)) for i in range(SYSTEM.months)]


def test_model_grows_month_by_month():
    sizes = [len(components_at(MODEL, m)) for m in STORY_MONTHS]
    assert sizes == sorted(sizes) and sizes[0] < sizes[-1]
    assert "spill-buffer" not in components_at(MODEL, "2025-08").index
    assert "spill-buffer" in components_at(MODEL, "2025-09").index
    assert "delivery-dlq" not in components_at(MODEL, "2026-01").index
    assert "delivery-dlq" in components_at(MODEL, "2026-02").index


def test_idp_leaves_the_hot_path_after_the_mvp():
    mvp, full = edges_at(MODEL, "2025-02"), edges_at(MODEL, "2025-03")
    assert ((mvp["from"] == "ingest-service") & (mvp["to"] == "oauth-idp")).any()
    assert not ((full["from"] == "ingest-service") & (full["to"] == "oauth-idp")).any()


def test_the_designs_follow_the_months():
    assert [design_at(MODEL, m) for m in ("2024-11", "2025-02", "2025-03", "2025-08", "2025-09", "2026-10")] == [
        "mvp", "mvp", "full-platform", "full-platform", "scale", "scale"]
    # the Scale era began in 2025-06 on the full-platform design; INC-02 (2025-09-09) hit that design
    inc02 = month_of(SYSTEM.incident("INC-02").impact_start)
    assert design_at(MODEL, month_of(SYSTEM.era("scale").start)) == "full-platform"
    assert design_at(MODEL, inc02) == "scale" and month_of(SYSTEM.incident("INC-02").impact_start) == "2025-09"
    with pytest.raises(PlaybookError, match="no design is in force in 2024-10"):
        design_at(MODEL, "2024-10")


def test_mvp_ingest_path_by_hand():
    lv = leaf_availabilities(MODEL)
    one_of_two = 1 - (1 - lv["eks-node"]) ** 2
    expected = serial([lv["api-gateway"], lv["oauth-idp"], one_of_two, lv["state-dynamodb"], lv["event-stream"]])
    assert path_availability(MODEL, "mvp", "ingest") == pytest.approx(expected)


def test_each_design_improves_and_end_to_end_is_below_ingest():
    ing = [path_availability(MODEL, d, "ingest") for d in DESIGNS]
    e2e = [path_availability(MODEL, d, "end_to_end") for d in DESIGNS]
    assert ing == sorted(ing) and e2e == sorted(e2e)
    assert all(b <= a for a, b in zip(ing, e2e, strict=True))
    # API Gateway sits in series on every design, so no path can beat its SLA
    assert max(ing) < leaf_availabilities(MODEL)["api-gateway"]


def _write(tmp_path, mutate):
    raw = yaml.safe_load((data_dir() / "architecture.yml").read_text())
    mutate(raw)
    p = tmp_path / "architecture.yml"
    p.write_text(yaml.safe_dump(raw, sort_keys=False))
    return p


def _retire_with_edges(raw, cid, month):
    raw["components"][cid]["retired"] = month
    raw["edges"] = [e for e in raw["edges"] if cid not in (e["from"], e["to"])]


@pytest.mark.parametrize("mutate, msg", [
    (lambda r: r["components"]["processors"].update(kind="vm"), "kind must be one of"),
    (lambda r: r["components"]["processors"].update(introduced="scale"), "must be a month written YYYY-MM; got 'scale'"),
    (lambda r: r["components"]["processors"].update(introduced="2025-13"), "YYYY-MM; got '2025-13'"),
    (lambda r: r["components"]["processors"].update(retired="2024-11"), "is not after introduced"),
    (lambda r: r["edges"].append({"from": "processors", "to": "ghost", "introduced": "2024-11"}), "'ghost' is not"),
    (lambda r: r["edges"].append({"from": "ingest-service", "to": "spill-buffer", "introduced": "2025-06"}),
     "before component 'spill-buffer'"),
    (lambda r: r["components"]["spill-buffer"].update(retired="2026-01"), "outlives component 'spill-buffer'"),
    (lambda r: r["paths"]["mvp"]["ingest"]["serial"].append("spill-buffer"), "before it arrives"),
    (lambda r: r["paths"]["scale"].update({"from": "2025-06"}), "uses 'spill-buffer' from 2025-06, before it arrives"),
    (lambda r: r["paths"]["scale"].update({"from": "2025-01"}), "is not after paths.full-platform.from"),
    (lambda r: r["paths"]["mvp"].update({"from": "2024-12"}), "the first design must start with the first component"),
    (lambda r: _retire_with_edges(r, "state-dynamodb", "2025-05"), "uses 'state-dynamodb' after it is retired"),
])
def test_invalid_model_is_rejected(tmp_path, mutate, msg):
    with pytest.raises(PlaybookError, match=re.escape(msg)):
        load_model(_write(tmp_path, mutate))


@given(st.integers(1900, 2200), st.integers(-3, 15))
def test_check_month_accepts_exactly_yyyy_mm(year, month):
    text = f"{year}-{month:02d}" if month >= 0 else f"{year}-{month}"
    if 1 <= month <= 12:
        assert check_month(text) == text
    else:
        with pytest.raises(PlaybookError, match="YYYY-MM"):
            check_month(text, "x")


# --- nothing is drawn before its month ---------------------------------------------------------------------------

def drawn_too_early(drawn: set[str], month: str, model: Model) -> list[str]:
    """Component ids ``drawn`` at ``month`` that the model says do not exist yet (or any more) in that month."""
    return sorted(drawn - set(components_at(model, month).index))


def dot_components(dot: str) -> set[str]:
    """The component ids drawn in a Graphviz source of :func:`diagram_dot` (nodes ``"id"`` or ``"id@region"``)."""
    return {m.group(1) for m in re.finditer(r'^\s*"([a-z0-9-]+)(?:@[a-z0-9-]+)?" \[label', dot, re.M)}


@pytest.mark.parametrize("month", STORY_MONTHS)
def test_no_component_is_drawn_before_its_month(month):
    drawn = dot_components(diagram_dot(MODEL, month, SYSTEM))
    assert not drawn_too_early(drawn, month, MODEL)
    assert drawn == set(components_at(MODEL, month).index)  # and everything live is drawn
    regions = re.findall(r'subgraph "cluster_([a-z0-9-]+)"', diagram_dot(MODEL, month, SYSTEM))
    assert regions == [r.id for r in regions_at(SYSTEM, month)]


def test_early_component_check_fails_on_a_seeded_early_component(tmp_path):
    """A model that draws the spill buffer from the MVP: the check names it at every month before 2025-09."""
    def early(raw):
        raw["components"]["spill-buffer"]["introduced"] = "2024-11"
        for e in raw["edges"]:
            if "spill-buffer" in (e["from"], e["to"]):
                e["introduced"] = "2024-11"
    seeded = load_model(_write(tmp_path, early))
    drawn = dot_components(diagram_dot(seeded, "2025-06", SYSTEM))
    assert drawn_too_early(drawn, "2025-06", MODEL) == ["spill-buffer"]


def test_every_record_dated_component_arrives_in_its_records_month():
    """``introduced_by``: the component's month is the month of the decision record that introduced it."""
    dates = {a.number: a.date for a in load_adrs(system=SYSTEM)}
    bad = arrival_mismatches(MODEL, dates)
    assert not bad, bad
    assert {"spill-buffer", "delivery-dlq", "argo-cd"} <= set(arrivals(MODEL)["introduced_by"].dropna().index)


def arrival_mismatches(model: Model, record_dates: dict[str, object]) -> list[str]:
    out = []
    for cid, row in arrivals(model).iterrows():
        rec = row["introduced_by"]
        if isinstance(rec, str):
            if rec not in record_dates:
                out.append(f"{cid}: no decision record {rec}")
            elif month_of(pd.Timestamp(record_dates[rec])) != row["introduced"]:
                out.append(f"{cid}: introduced {row['introduced']}, record {rec} dated {record_dates[rec]}")
    return out


def test_arrival_check_fails_on_a_seeded_month(tmp_path):
    seeded = load_model(_write(tmp_path, lambda r: r["components"]["delivery-dlq"].update(introduced="2025-06")))
    dates = {a.number: a.date for a in load_adrs(system=SYSTEM)}
    assert arrival_mismatches(seeded, dates) == ["delivery-dlq: introduced 2025-06, record 0012 dated 2026-02-13"]


def test_no_component_predates_the_story_and_its_record_is_on_the_map():
    assert (arrivals(MODEL)["introduced"] >= STORY_MONTHS[0]).all()
    for cid, c in MODEL.components.items():  # the record that introduced a component is drawn on it
        assert c.get("introduced_by") is None or c["introduced_by"] in c.get("decisions", []), cid


def test_diagram_has_one_cluster_per_live_region_and_renders():
    assert diagram_dot(MODEL, "2025-03", SYSTEM).count("subgraph") == 1
    dot = diagram_dot(MODEL, "2025-04", SYSTEM)
    assert dot.count("subgraph") == 2 and '"processors@eu-west-1"' in dot
    png = render_png(dot)
    assert png[:8] == b"\x89PNG\r\n\x1a\n"


def test_icon_diagram_renders_offline():
    png = render_icons_png(MODEL, "2024-11", SYSTEM)
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 10_000


def test_era_summary_reads_the_model_at_each_eras_last_month():
    s = arch.era_summary(MODEL, SYSTEM)
    assert list(s.index) == [e.id for e in SYSTEM.eras]
    assert s.loc["mvp", "month"] == era_month(SYSTEM, "mvp") == "2025-02"
    assert s.loc["mvp", "components"] == len(components_at(MODEL, "2025-02"))
    assert s.loc["full-platform", "design"] == "full-platform"
    assert s.loc["full-platform", "ingest_availability_pct"] == 100 * path_availability(MODEL, "full-platform")
    worse = arch.era_summary(MODEL, SYSTEM, arch.leaf_availabilities(MODEL, 0.9))
    assert (worse["end_to_end_availability_pct"] <= s["end_to_end_availability_pct"]).all()


def test_composition_tables_use_the_budget_month():
    from dfp.reliability.availability import downtime_min_per_month

    leaves = arch.leaf_availabilities(MODEL)
    res = arch.era_paths(MODEL, SYSTEM, leaves, 0.9995)
    assert res.loc["scale", "ingest_downtime_min"] == downtime_min_per_month(res.loc["scale", "ingest_pct"] / 100)
    share = arch.block_shares(MODEL, leaves, "scale", ["a", "b", "c"])
    assert share["share_of_downtime_pct"].sum() == pytest.approx(100.0)
    with pytest.raises(PlaybookError, match="serial blocks"):
        arch.block_shares(MODEL, leaves, "scale", ["a"])
    with pytest.raises(PlaybookError, match="unknown design 'v2'"):
        arch.block_shares(MODEL, leaves, "v2", ["a"])
    alts = arch.ingest_alternatives(MODEL, leaves, 0.9995)
    assert alts.table["meets_target"].tolist()[1:] == [True, True]
    assert alts.active_active == pytest.approx(1 - (1 - res.loc["scale", "ingest_pct"] / 100) ** 2)
    t = arch.leaf_table(MODEL, leaves)
    assert len(t) == len(leaves) and t["source"].str.len().min() > 0


# --- the EU cell before its first customer -----------------------------------------------------------------------

def test_eu_cell_lead_over_its_first_customer():
    cust, dep = load("customers"), load("deployments")
    lead = cell_lead(SYSTEM, "eu-west-1", cust, dep)
    first = pd.to_datetime(cust.loc[cust["region"] == "eu-west-1", "signup_date"]).min()
    assert lead.first_signup.date() == first.date()
    assert lead.lead_days == (first.date() - SYSTEM.region("eu-west-1").live_from.date()).days
    assert lead.lead_days > 0 and lead.lead_weeks == pytest.approx(lead.lead_days / 7)
    deployed = pd.to_datetime(dep["deployed_at"], utc=True)
    assert lead.deploys_before_first_customer == int(((deployed >= lead.live_from) & (deployed < lead.first_signup)).sum())


def test_cell_lead_rejects_a_customer_before_go_live():
    cust = pd.DataFrame({"customer_id": ["C1"], "region": ["eu-west-1"], "tier": ["enterprise"],
                         "signup_date": ["2025-01-02"], "base_events_per_day": [10]})
    with pytest.raises(PlaybookError, match="C1 signed up 2025-01-02, before eu-west-1 went live"):
        cell_lead(SYSTEM, "eu-west-1", cust, pd.DataFrame({"deployed_at": []}))
    with pytest.raises(PlaybookError, match="no customer in region 'eu-west-1'"):
        cell_lead(SYSTEM, "eu-west-1", cust.assign(region="us-east-1"), pd.DataFrame({"deployed_at": []}))


# --- the architecture model against the platform model (data/platform.yml resources) ----------------------------

def month_mismatches(table: pd.DataFrame) -> list[str]:
    """``component@region: introduced X, first resource Y`` for every row of :func:`resource_months` that disagrees."""
    bad = table.loc[~table["agrees"]]
    return [f"{c}@{r}: expected {row['expected']}, first resource {row['first_resource']}" for (c, r), row in bad.iterrows()]


def test_each_component_arrives_with_its_resources():
    from dfp.io.platform import resource_history

    table = arch.resource_months(MODEL, SYSTEM, resource_history())
    assert not month_mismatches(table)
    # every live region bills its copy of a per-region component that has regional resources
    regional = table.drop(index="(global)", level="region", errors="ignore")
    for cid in set(regional.index.get_level_values("component")):
        assert set(regional.loc[cid].index) == {r.id for r in SYSTEM.regions}, cid
    # a component with no resource is an external or a service on the shared node groups
    unbilled = set(MODEL.components) - set(table.index.get_level_values("component"))
    assert all(MODEL.components[c]["kind"] in ("external", "eks") for c in unbilled), sorted(unbilled)


def test_month_check_fails_on_a_seeded_early_component_or_resource(tmp_path):
    from dfp.io.platform import resource_history

    def early(raw):
        raw["components"]["delivery-dlq"]["introduced"] = "2025-06"
        for e in raw["edges"]:
            if "delivery-dlq" in (e["from"], e["to"]):
                e["introduced"] = "2025-06"
    seeded = load_model(_write(tmp_path, early))
    assert month_mismatches(arch.resource_months(seeded, SYSTEM, resource_history())) == [
        "delivery-dlq@eu-west-1: expected 2025-06, first resource 2026-02",
        "delivery-dlq@us-east-1: expected 2025-06, first resource 2026-02"]
    history = resource_history()
    history.loc[history["id"] == "spill-us-east-1", "start"] = pd.Timestamp("2025-07-01", tz="UTC")
    assert month_mismatches(arch.resource_months(MODEL, SYSTEM, history)) == [
        "spill-buffer@us-east-1: expected 2025-09, first resource 2025-07"]
    with pytest.raises(PlaybookError, match=re.escape("not in architecture.yml: ['ghost']")):
        arch.resource_months(MODEL, SYSTEM, history.assign(component="ghost"))
