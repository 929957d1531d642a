"""Weighted decision matrices: hand-computed scores, exact flip points, and the decisions file."""

import numpy as np
import pandas as pd
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from dfp.architecture.decision import flip_weight, load_decisions, normalise, option_values, sensitivity, weighted_matrix
from dfp.core.errors import PlaybookError
from dfp.core.paths import data_dir

V = pd.DataFrame({"cost": [10.0, 20.0, 15.0], "ops": [5.0, 1.0, 3.0]}, index=["a", "b", "c"])
D = {"cost": "min", "ops": "min"}


def test_hand_computed_scores():
    # normalised cost: a 1, b 0, c 0.5; ops: a 0, b 1, c 0.5
    r = weighted_matrix(V, {"cost": 0.6, "ops": 0.4}, D)
    assert r.scores.to_dict() == pytest.approx({"a": 0.6, "b": 0.4, "c": 0.5})
    assert (r.winner, r.runner_up) == ("a", "c")
    assert r.margin == pytest.approx(0.1)


def test_flip_point_exact():
    # a: t ; b: 1 - t ; c: 0.5 -> a wins while t > 0.5; below it c ties, then b... c and b tie with a at 0.5
    fp = flip_weight(V, {"cost": 0.6, "ops": 0.4}, D, "cost")
    assert fp.flip_at == pytest.approx(0.5)
    assert fp.new_winner in {"b", "c"}


def test_no_flip_when_dominant():
    v = pd.DataFrame({"x": [1.0, 0.0], "y": [1.0, 0.0]}, index=["best", "worst"])
    assert flip_weight(v, {"x": 0.5, "y": 0.5}, {"x": "max", "y": "max"}, "x").flip_at is None


def test_constant_column_scores_one():
    n = normalise(pd.DataFrame({"k": [3.0, 3.0]}), {"k": "max"})
    assert n["k"].tolist() == [1.0, 1.0]


def test_bad_inputs():
    with pytest.raises(PlaybookError, match="direction of criterion 'ops'"):
        normalise(V, {"cost": "min", "ops": "lower"})
    with pytest.raises(PlaybookError, match="weights missing"):
        weighted_matrix(V, {"cost": 1.0}, D)
    with pytest.raises(PlaybookError, match="at least two options"):
        weighted_matrix(V.iloc[:1], {"cost": 0.5, "ops": 0.5}, D)


matrices = st.integers(2, 5).flatmap(lambda n: st.tuples(
    st.lists(st.lists(st.floats(0, 100), min_size=3, max_size=3), min_size=n, max_size=n),
    st.lists(st.floats(0.05, 1.0), min_size=3, max_size=3)))


@pytest.mark.slow
@settings(max_examples=150, deadline=None)
@given(matrices)
def test_flip_is_exact_and_nearest(m):
    rows, ws = m
    v = pd.DataFrame(rows, columns=["p", "q", "r"], index=[f"o{i}" for i in range(len(rows))])
    dirs = {"p": "max", "q": "min", "r": "max"}
    weights = dict(zip(v.columns, ws, strict=True))
    base = weighted_matrix(v, weights, dirs)
    total = sum(ws)
    for c in v.columns:
        fp = flip_weight(v, weights, dirs, c)
        w0 = weights[c] / total
        assert fp.weight == pytest.approx(w0)

        if fp.flip_at is None:
            for t in np.linspace(0, 1, 21):
                s = weighted_matrix(v, {c: t, **{k: weights[k] / (total - weights[c]) * (1 - t)
                                                  for k in v.columns if k != c}}, dirs).scores
                assert s[base.winner] >= s.max() - 1e-9
        else:
            def scores_at(t, c=c):
                others = {k: weights[k] / (total - weights[c]) * (1 - t) for k in v.columns if k != c}
                return weighted_matrix(v, {c: t, **others}, dirs).scores

            sides = [scores_at(min(1.0, max(0.0, fp.flip_at + d))) for d in (1e-7, -1e-7)]
            assert any(s[fp.new_winner] >= s[base.winner] - 1e-9 for s in sides)
            # strictly between the current weight and the flip point the winner holds
            if abs(fp.flip_at - w0) > 1e-6:
                s_mid = scores_at((w0 + fp.flip_at) / 2)
                assert s_mid[base.winner] >= s_mid.max() - 1e-9


def _drivers():
    return dict(events_million_month=304.0, event_gb_month=304.0, stored_gb=3952.0, shards=4, customers=120,
                one_tenant_share=1 / 120, us_share=0.7, us_half_share=0.35, stream_gb_month=290.0,
                stream_extra_retention_gb_month=57.2, stream_extra_retention_shards=4.0, s3_put_thousand_month=608.0,
                dynamodb_wru_million_month=2432.0, dynamodb_rru_million_month=1216.0,
                dynamodb_event_wru_million_month=3344.0, cell_fixed_usd_month=1300.0, cell_usd_per_million_events=8.2,
                us_events_million_month=213.0)


def _leaves():
    return {"event-stream": 0.999, "msk": 0.999, "self-run-kafka": 0.995, "region-path": 0.9994}


def test_every_recorded_choice_wins_its_matrix():
    from dfp.architecture.decision import decision_leaves, drivers_at_target
    from dfp.architecture.model import load_model
    from dfp.io.data import load
    from dfp.io.system import load_system

    drivers, leaves = drivers_at_target(load_system(), load("customers")), decision_leaves(load_model())
    for did, d in load_decisions().items():
        v = option_values(d, leaves, drivers)
        v = v.loc[[o for o in v.index if "violates" not in d["options"][o]]]
        r = weighted_matrix(v, {c: s["weight"] for c, s in d["criteria"].items()},
                            {c: s["direction"] for c, s in d["criteria"].items()})
        if d["chosen"] is not None:
            assert r.winner == d["chosen"], did


def test_cost_items_computed():
    d = load_decisions()["stream"]
    v = option_values(d, _leaves(), _drivers())
    # 4 shards * 0.015 USD/h * 730 h + 4 retention shards * 0.02 USD/h * 730 h + 304 M PUT units * 0.014 USD/M
    # (the bill's illustrative prices)
    assert v.loc["kinesis-provisioned", "cost_usd_per_month"] == pytest.approx(
        4 * 0.015 * 730 + 4 * 0.02 * 730 + 304 * 0.014)


def test_sensitivity_table_has_every_criterion():
    d = load_decisions()["regions"]
    v = option_values(d, _leaves(), _drivers()).drop(index="single-region")
    assert d["chosen"] == "cell-per-region"
    s = sensitivity(v, {c: x["weight"] for c, x in d["criteria"].items()},
                    {c: x["direction"] for c, x in d["criteria"].items()})
    assert list(s.index) == list(d["criteria"])


def test_invalid_decisions_file(tmp_path):
    raw = yaml.safe_load((data_dir() / "decisions.yml").read_text())
    raw["decisions"]["cloud"]["chosen"] = "oracle"
    p = tmp_path / "decisions.yml"
    p.write_text(yaml.safe_dump(raw))
    with pytest.raises(PlaybookError, match="chosen 'oracle' is not an option"):
        load_decisions(p)
    raw["decisions"]["cloud"]["chosen"] = "aws"
    del raw["decisions"]["cloud"]["options"]["gcp"]["values"]["cost_index"]
    p.write_text(yaml.safe_dump(raw))
    with pytest.raises(PlaybookError, match=r"options.gcp: no value for criteria \['cost_index'\]"):
        load_decisions(p)


def test_values_with_ops_cost_and_summary():
    from dfp.architecture import decision as dec
    from dfp.architecture import model as arch
    from dfp.io.data import load
    from dfp.io.system import load_system

    drivers = dec.drivers_at_target(load_system(), load("customers"))
    leaves, decisions = dec.decision_leaves(arch.load_model()), dec.load_decisions()
    evals = {did: dec.evaluate(d, leaves, drivers) for did, d in decisions.items()}
    v = dec.values_with_ops_cost(evals["stream"], 100.0)
    extra = v["cost_with_ops_time_usd_per_month"] - v["cost_usd_per_month"]
    assert extra.to_numpy() == pytest.approx((v["ops_h_per_week"] * 100.0 * 730 / 24 / 7).to_numpy())
    assert dec.value_formats(v.columns)["availability"] == "{:.5f}"
    s = dec.decisions_summary(decisions, evals)
    assert len(s) == len(decisions) and set(s.columns) >= {"winner", "recorded", "nearest_flip"}
