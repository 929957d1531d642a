"""The architecture model: validation, per-era views, availability paths and diagrams."""

import pytest
import yaml

from dfp.architecture.model import (
    ERA_ORDER,
    components_in_era,
    diagram_dot,
    edges_in_era,
    leaf_availabilities,
    load_model,
    path_availability,
    render_icons_png,
    render_png,
)
from dfp.core.errors import PlaybookError
from dfp.core.paths import data_dir
from dfp.io.system import load_system
from dfp.reliability.availability import serial


def test_model_loads_and_grows_by_era():
    m = load_model()
    sizes = [len(components_in_era(m, e)) for e in ERA_ORDER]
    assert sizes == sorted(sizes) and sizes[0] < sizes[-1]
    assert "spill-buffer" not in components_in_era(m, "full-platform").index
    assert "spill-buffer" in components_in_era(m, "scale").index


def test_idp_leaves_the_hot_path_after_the_mvp():
    m = load_model()
    mvp, full = edges_in_era(m, "mvp"), edges_in_era(m, "full-platform")
    assert ((mvp["from"] == "ingest-service") & (mvp["to"] == "oauth-idp")).any()
    assert not ((full["from"] == "ingest-service") & (full["to"] == "oauth-idp")).any()


def test_mvp_ingest_path_by_hand():
    m = load_model()
    lv = leaf_availabilities(m)
    one_of_two = 1 - (1 - lv["eks-node"]) ** 2
    expected = serial([lv["api-gateway"], lv["oauth-idp"], one_of_two, lv["state-dynamodb"], lv["event-stream"]])
    assert path_availability(m, "mvp", "ingest") == pytest.approx(expected)


def test_each_era_improves_and_end_to_end_is_below_ingest():
    m = load_model()
    ing = [path_availability(m, e, "ingest") for e in ERA_ORDER]
    e2e = [path_availability(m, e, "end_to_end") for e in ERA_ORDER]
    assert ing == sorted(ing) and e2e == sorted(e2e)
    assert all(b <= a for a, b in zip(ing, e2e, strict=True))
    # API Gateway sits in series on every design, so no path can beat its SLA
    assert max(ing) < leaf_availabilities(m)["api-gateway"]


def _write(tmp_path, mutate):
    raw = yaml.safe_load((data_dir() / "architecture.yml").read_text())
    mutate(raw)
    p = tmp_path / "architecture.yml"
    p.write_text(yaml.safe_dump(raw))
    return p


@pytest.mark.parametrize("mutate, msg", [
    (lambda r: r["components"]["processors"].update(kind="vm"), "kind must be one of"),
    (lambda r: r["components"]["processors"].update(introduced="v2"), "unknown era 'v2'"),
    (lambda r: r["edges"].append({"from": "processors", "to": "ghost", "introduced": "mvp"}), "'ghost' is not"),
    (lambda r: r["paths"]["mvp"]["ingest"]["serial"].append("spill-buffer"), "not live in mvp"),
    (lambda r: r["paths"].pop("scale"), "no era 'scale'"),
])
def test_invalid_model_is_rejected(tmp_path, mutate, msg):
    with pytest.raises(PlaybookError, match=msg):
        load_model(_write(tmp_path, mutate))


def test_diagram_has_one_cluster_per_live_region_and_renders():
    m, system = load_model(), load_system()
    assert diagram_dot(m, "mvp", system).count("subgraph") == 1
    dot = diagram_dot(m, "scale", system)
    assert dot.count("subgraph") == 2 and '"processors@eu-west-1"' in dot
    png = render_png(dot)
    assert png[:8] == b"\x89PNG\r\n\x1a\n"


def test_icon_diagram_renders_offline():
    png = render_icons_png(load_model(), "mvp", load_system())
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 10_000


def test_era_summary_reads_the_model():
    from dfp.architecture import model as arch
    from dfp.io.system import load_system

    m, system = arch.load_model(), load_system()
    s = arch.era_summary(m, system)
    assert list(s.index) == [e.id for e in system.eras]
    assert s.loc["mvp", "components"] == len(arch.components_in_era(m, "mvp"))
    assert s.loc["full-platform", "ingest_availability_pct"] == 100 * arch.path_availability(m, "full-platform")
    worse = arch.era_summary(m, system, arch.leaf_availabilities(m, 0.9))
    assert (worse["end_to_end_availability_pct"] <= s["end_to_end_availability_pct"]).all()


def test_composition_tables_use_the_budget_month():
    from dfp.architecture import model as arch
    from dfp.io.system import load_system
    from dfp.reliability.availability import downtime_min_per_month

    m, system = arch.load_model(), load_system()
    leaves = arch.leaf_availabilities(m)
    res = arch.era_paths(m, system, leaves, 0.9995)
    assert res.loc["scale", "ingest_downtime_min"] == downtime_min_per_month(res.loc["scale", "ingest_pct"] / 100)
    share = arch.block_shares(m, leaves, "scale", ["a", "b", "c"])
    assert share["share_of_downtime_pct"].sum() == pytest.approx(100.0)
    with pytest.raises(PlaybookError, match="serial blocks"):
        arch.block_shares(m, leaves, "scale", ["a"])
    alts = arch.ingest_alternatives(m, leaves, 0.9995)
    assert alts.table["meets_target"].tolist()[1:] == [True, True]
    assert alts.active_active == pytest.approx(1 - (1 - res.loc["scale", "ingest_pct"] / 100) ** 2)
    t = arch.leaf_table(m, leaves)
    assert len(t) == len(leaves) and t["source"].str.len().min() > 0
