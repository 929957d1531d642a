"""The AI PII-flagging capability: metrics, rules, deterministic training, the fallback guard, cost."""

from __future__ import annotations

import threading
import time

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.metrics import confusion_matrix as sk_confusion
from sklearn.metrics import precision_recall_fscore_support

from dfp.core.errors import PlaybookError
from dfp.core.units import DAYS_PER_MONTH
from dfp.io.data import load
from dfp.io.schemas.pii import PII_CLASSES
from dfp.pii import cost, evaluation, guard, metrics
from dfp.pii.model import decide, train_model
from dfp.pii.rules import luhn_valid, rules_classify


@pytest.fixture(scope="module")
def fields() -> pd.DataFrame:
    return load("pii_fields")


@pytest.fixture(scope="module")
def ev(fields):
    return evaluation.evaluate(fields, 250.0, 5.0)


# --- metrics against hand-computed confusion matrices ----------------------------------------------

Y_TRUE = ["none", "none", "none", "email", "email", "phone", "phone", "phone", "none", "email"]
Y_PRED = ["none", "email", "none", "email", "phone", "phone", "none", "phone", "phone", "email"]


def test_confusion_matrix_by_hand():
    m = metrics.confusion(Y_TRUE, Y_PRED, ["none", "email", "phone"])
    # rows = true, columns = predicted, counted by hand from the ten pairs above
    assert m.to_numpy().tolist() == [[2, 1, 1], [0, 2, 1], [1, 0, 2]]
    assert int(m.to_numpy().sum()) == 10


def test_binary_counts_by_hand():
    b = metrics.binary_counts(Y_TRUE, Y_PRED)
    # PII rows (6): email,email,phone,phone,phone,email; flagged among them: 5 (row 7 phone->none missed)
    # none rows (4): 2 flagged (email, phone) -> FP 2, TN 2
    assert (b.tp, b.fp, b.fn, b.tn) == (5, 2, 1, 2)
    assert b.precision == pytest.approx(5 / 7)
    assert b.recall == pytest.approx(5 / 6)
    assert b.flagged == 7


def test_per_class_by_hand():
    pc = metrics.per_class(metrics.confusion(Y_TRUE, Y_PRED, ["none", "email", "phone"]))
    assert pc.loc["none"].tolist() == pytest.approx([2 / 3, 2 / 4, 4])
    assert pc.loc["email"].tolist() == pytest.approx([2 / 3, 2 / 3, 3])
    assert pc.loc["phone"].tolist() == pytest.approx([2 / 4, 2 / 3, 3])


def test_per_class_empty_class_is_defined():
    pc = metrics.per_class(metrics.confusion(["a", "a"], ["a", "a"], ["a", "b"]))
    assert pc.loc["b"].tolist() == [1.0, 1.0, 0.0]  # no predictions, no support: no division by zero


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["none", "email", "phone"]), st.sampled_from(["none", "email", "phone"])),
                min_size=1, max_size=60))
def test_metrics_agree_with_scikit_learn(pairs):
    y_true, y_pred = [p[0] for p in pairs], [p[1] for p in pairs]
    labels = ["none", "email", "phone"]
    m = metrics.confusion(y_true, y_pred, labels)
    assert m.to_numpy().tolist() == sk_confusion(y_true, y_pred, labels=labels).tolist()
    p, r, _, s = precision_recall_fscore_support(y_true, y_pred, labels=labels, zero_division=1.0)
    pc = metrics.per_class(m)
    assert pc["precision"].to_numpy() == pytest.approx(p)
    assert pc["recall"].to_numpy() == pytest.approx(r)
    assert pc["support"].to_numpy() == pytest.approx(s)


def test_pr_curve_and_threshold_choice_by_hand():
    is_pii = [True, True, True, False, False, False]
    scores = [0.95, 0.60, 0.20, 0.70, 0.30, 0.05]
    curve = metrics.pr_curve(is_pii, scores, [0.1, 0.5, 0.8])
    assert curve[["tp", "fp", "fn"]].to_numpy().tolist() == [[3, 2, 0], [2, 1, 1], [1, 0, 2]]
    assert curve["precision"].tolist() == pytest.approx([3 / 5, 2 / 3, 1.0])
    assert curve["recall"].tolist() == pytest.approx([1.0, 2 / 3, 1 / 3])
    # miss = 10, false flag = 1: costs 2, 11, 20 -> the lowest threshold
    c = metrics.choose_threshold(is_pii, scores, 10.0, 1.0, [0.1, 0.5, 0.8])
    assert (c.threshold, c.cost_usd, c.fn, c.fp) == (0.1, 2.0, 0, 2)
    # miss = 1, false flag = 10: costs 20, 11, 2 -> the highest threshold
    assert metrics.choose_threshold(is_pii, scores, 1.0, 10.0, [0.1, 0.5, 0.8]).threshold == 0.8
    # a tie goes to the lower threshold: miss = 1, false flag = 1 -> costs 2, 2, 2
    assert metrics.choose_threshold(is_pii, scores, 1.0, 1.0, [0.1, 0.5, 0.8]).threshold == 0.1


def test_metrics_reject_bad_input():
    with pytest.raises(PlaybookError, match="y_true has 2 labels but y_pred has 1"):
        metrics.binary_counts(["a", "b"], ["a"])
    with pytest.raises(PlaybookError, match=r"labels \['x'\] are not in classes"):
        metrics.confusion(["x"], ["none"], ["none"])
    with pytest.raises(PlaybookError, match="miss_cost_usd must be a finite number >= 0; got -1"):
        metrics.expected_cost_usd(1, 1, -1, 1.0)


def test_decide_threshold_semantics():
    proba = np.array([[0.88, 0.10, 0.02], [0.40, 0.15, 0.45], [0.10, 0.90, 0.0]])
    labels, scores = decide(proba, ("none", "email", "phone"), 0.12)
    assert scores == pytest.approx([0.12, 0.60, 0.90])
    assert labels.tolist() == ["email", "phone", "email"]  # a score equal to the threshold is flagged
    with pytest.raises(PlaybookError, match=r"threshold must be in \[0, 1\]; got 1.5"):
        decide(proba, ("none", "email", "phone"), 1.5)


# --- the rules baseline ------------------------------------------------------------------------------

@pytest.mark.parametrize(("name", "value", "expected"), [
    ("email", "jane.doe@example.com", "email"),
    ("attr_7", "jane.doe@example.com", "email"),              # the value wins over an opaque name
    ("notes", "please mail jane@acme.io tomorrow", "email"),   # embedded in free text
    ("card_number", "4242 4242 4242 4242", "payment_card"),
    ("x", "4111-1111-1111-1111", "payment_card"),              # Luhn-valid, opaque name
    ("tracking_number", "4111 1111 1111 1112", "none"),        # fails Luhn: not a card, no keyword
    ("ssn", "123-45-6789", "government_id"),
    ("x", "QQ 12 34 56 C", "government_id"),
    ("client_ip", "203.0.113.7", "ip_address"),
    ("x", "2001:db8:0:1::7", "ip_address"),
    ("app_version", "4.2.1.0", "ip_address"),                  # known false flag: versions look like IPv4
    ("phone", "+1 (415) 555-0132", "phone"),
    ("order_id", "415-555-0132", "phone"),                     # known false flag: phone-shaped order id
    ("strasse", "Hauptstraße 5, 10115 Berlin", "address"),
    ("first_name", "Rose", "name"),
    ("campaign_name", "Spring Sale", "name"),                  # known false flag: *_name keyword
    ("favourite", "Rose", "none"),
    ("amount", "42.50", "none"),
])
def test_rules_cases(name, value, expected):
    assert rules_classify([name], [value]).tolist() == [expected]


def test_luhn_known_numbers():
    valid = ["4111111111111111", "5500 0000 0000 0004", "3782-822463-10005", "6011000990139424"]
    invalid = ["4111111111111112", "1234 5678 9012 3456", "12345", "4111a11111111111"]
    assert luhn_valid(pd.Series(valid)).tolist() == [True] * 4
    assert luhn_valid(pd.Series(invalid)).tolist() == [False] * 4


def test_rules_never_raise_on_odd_input():
    out = rules_classify(["", "a" * 500, "ключ"], ["", "\u200b", "x" * 10_000])
    assert out.tolist() == ["none", "none", "none"]
    with pytest.raises(PlaybookError, match="2 field names but 1 values"):
        rules_classify(["a", "b"], ["x"])


# --- the sample and the model ------------------------------------------------------------------------

def test_sample_has_every_class_split_and_hard_case(fields):
    assert set(fields["true_class"]) == set(PII_CLASSES)
    assert fields["split"].value_counts().to_dict() == {"train": 2000, "validation": 1000, "test": 1000, "drift": 600}
    cards = fields[(fields["true_class"] == "payment_card")]
    assert luhn_valid(cards["sample_value"]).all()
    lookalike = fields[fields["field_name"].isin(["tracking_number", "shipment_ref", "barcode"])]
    assert not luhn_valid(lookalike["sample_value"]).any()


def test_training_is_deterministic(fields):
    train = fields[fields["split"] == "train"]
    test = fields[fields["split"] == "test"]
    a = train_model(train, random_state=7).predict_proba(test["field_name"], test["sample_value"])
    b = train_model(train, random_state=7).predict_proba(test["field_name"], test["sample_value"])
    assert np.array_equal(a, b)


def test_train_model_rejects_bad_frames(fields):
    with pytest.raises(PlaybookError, match=r"lacks column\(s\) \['true_class'\]"):
        train_model(fields[["field_name", "sample_value"]])
    with pytest.raises(PlaybookError, match="at least two classes"):
        train_model(fields[fields["true_class"] == "email"])


def test_model_beats_the_rules_on_held_out_fields(ev):
    test = ev.split("test")
    model = metrics.binary_counts(test["true_class"], test["model_class"])
    rules = metrics.binary_counts(test["true_class"], test["rules_class"])
    assert model.recall > rules.recall and model.precision > rules.precision
    # on the unseen drift cohort the model loses recall: drift is real in this sample
    drift = ev.split("drift")
    assert metrics.binary_counts(drift["true_class"], drift["model_class"]).recall < model.recall


def test_threshold_is_chosen_on_validation_and_moves_with_costs(fields, ev):
    val = ev.split("validation")
    expected = metrics.choose_threshold((val["true_class"] != "none").to_numpy(), val["pii_score"].to_numpy(), 250.0, 5.0,
                                        evaluation.THRESHOLD_GRID)
    assert ev.choice == expected
    cautious = evaluation.evaluate(fields, 5.0, 250.0)  # false flags now the costly error
    assert cautious.choice.threshold > ev.choice.threshold


# --- the fallback guard -------------------------------------------------------------------------------

def _batch(fields: pd.DataFrame, n: int = 20) -> pd.DataFrame:
    return fields[fields["split"] == "test"].head(n)


def _healthy(ev):
    return lambda names, values: decide(ev.model.predict_proba(names, values), ev.model.classes, ev.choice.threshold)


def test_healthy_model_decides_and_is_audited(fields, ev):
    g = guard.GuardedFlagger(_healthy(ev), ev.model.version)
    batch = _batch(fields)
    out = g.classify(batch)
    assert [d.field_id for d in out] == batch["field_id"].tolist()
    assert {d.source for d in out} == {"model"} and {d.reason for d in out} == {"ok"}
    assert all(d.pii_score is not None for d in out)
    audit = g.audit_frame()
    assert len(audit) == len(batch) and set(audit["model_version"]) == {ev.model.version}
    assert "sample_value" not in audit.columns  # the audit log holds no payload values


@pytest.mark.parametrize(("exc", "reason"), [(ConnectionError("down"), "model_error"), (ValueError("bad"), "model_error"),
                                             (TimeoutError("client"), "timeout")])
def test_model_that_raises_falls_back_to_rules_without_losing_fields(fields, exc, reason):
    def broken(names, values):
        raise exc

    g = guard.GuardedFlagger(broken, "m1")
    batch = _batch(fields)
    out = g.classify(batch)
    assert len(out) == len(batch)
    assert {d.source for d in out} == {"rules"} and {d.reason for d in out} == {reason}
    assert [d.predicted_class for d in out] == rules_classify(batch["field_name"], batch["sample_value"]).tolist()
    assert all(d.pii_score is None and d.model_version == "rules" for d in out)


@settings(max_examples=30, deadline=None)
@given(st.lists(st.sampled_from(["ok", "raise", "timeout", "malformed"]), min_size=1, max_size=25),
       st.integers(1, 4), st.integers(0, 4))
def test_no_field_is_ever_lost(fields, script, failures, cooldown):
    batch = _batch(fields, 4)
    outcomes = iter(script)

    def scripted(names, values):
        kind = next(outcomes)
        if kind == "raise":
            raise RuntimeError("boom")
        if kind == "timeout":
            raise TimeoutError("slow")
        if kind == "malformed":
            return np.array(["none"]), np.array([0.0])
        return np.array(["email"] * len(names)), np.ones(len(names))

    g = guard.GuardedFlagger(scripted, "m1", breaker_failures=failures, breaker_cooldown_batches=cooldown)
    for _ in script:
        out = g.classify(batch)
        assert [d.field_id for d in out] == batch["field_id"].tolist()
        assert len({(d.source, d.reason) for d in out}) == 1  # one verdict per batch
    audit = g.audit_frame()
    assert len(audit) == len(script) * len(batch)
    assert guard.fallback_sli(audit, len(audit))[1] == 1.0
    lines = g.audit_jsonl().splitlines()
    assert len(lines) == len(audit) and '"sample_value"' not in g.audit_jsonl()


def test_model_that_hangs_is_abandoned_at_the_deadline(fields):
    release = threading.Event()

    def hangs(names, values):
        release.wait(5.0)
        return np.array(["none"] * len(names)), np.zeros(len(names))

    g = guard.GuardedFlagger(hangs, "m1", timeout_s=0.05)
    t0 = time.perf_counter()
    out = g.classify(_batch(fields))
    elapsed = time.perf_counter() - t0
    release.set()
    assert {d.reason for d in out} == {"timeout"} and {d.source for d in out} == {"rules"}
    assert elapsed < 2.0


def test_malformed_model_answer_is_a_failure(fields):
    g = guard.GuardedFlagger(lambda n, v: (np.array(["none"]), np.array([0.1])), "m1")
    out = g.classify(_batch(fields))
    assert {d.reason for d in out} == {"model_error"}


def test_circuit_breaker_opens_probes_and_closes(fields):
    calls = {"n": 0, "healthy": False}

    def flaky(names, values):
        calls["n"] += 1
        if not calls["healthy"]:
            raise ConnectionError("down")
        return np.array(["none"] * len(names)), np.zeros(len(names))

    g = guard.GuardedFlagger(flaky, "m1", breaker_failures=2, breaker_cooldown_batches=2)
    batch = _batch(fields, 3)
    reasons = [g.classify(batch)[0].reason for _ in range(6)]
    # two failures open the circuit; two batches skip the model; the trial fails and re-opens at once
    assert reasons == ["model_error", "model_error", "circuit_open", "circuit_open", "model_error", "circuit_open"]
    assert calls["n"] == 3
    calls["healthy"] = True
    reasons = [g.classify(batch)[0].reason for _ in range(3)]
    assert reasons == ["circuit_open", "ok", "ok"]  # the trial succeeds and the circuit closes
    assert len(g.audit) == 9 * len(batch)


def test_guard_rejects_bad_configuration_and_batches(fields):
    with pytest.raises(PlaybookError, match="timeout_s must be a finite number > 0; got 0"):
        guard.GuardedFlagger(lambda n, v: (n, v), "m", timeout_s=0)
    g = guard.GuardedFlagger(lambda n, v: (n, v), "m")
    with pytest.raises(PlaybookError, match=r"lacks column\(s\) \['region'\]"):
        g.classify(fields[["field_id", "field_name", "sample_value"]].head(2))


def test_fallback_sli():
    audit = pd.DataFrame({"source": ["model"] * 3 + ["rules"]})
    assert guard.fallback_sli(audit, 4) == (0.75, 1.0)
    assert guard.fallback_sli(audit, 8) == (0.75, 0.5)  # a dropped field shows as decided < 1


def test_bounds_put_every_consequential_action_with_a_human():
    for a in guard.ACTIONS:
        assert guard.requires_human(a.action) == (not a.autonomous)
        if a.effect != "none":
            assert guard.requires_human(a.action), a.action
    assert guard.requires_human("delete the tenant's data")  # anything unlisted needs a person
    assert any(a.autonomous for a in guard.ACTIONS)


# --- cost --------------------------------------------------------------------------------------------

PRICES = cost.AiPrices(vcpu_hour_usd=0.05, engineer_hour_usd=100.0, dlp_usd_per_million_chars=2.0,
                       dlp_platform_fee_usd_per_month=1000.0, llm_usd_per_million_input_tokens=3.0,
                       llm_usd_per_million_output_tokens=15.0, dlp_latency_p95_ms=100.0, llm_latency_p95_ms=1000.0)
A = cost.AiCostAssumptions(sample_fraction=0.01, fields_per_event=10.0, chars_per_field=40.0, build_cpu_ms_per_field=0.1,
                           build_upkeep_h_per_month=16.0, buy_upkeep_h_per_month=4.0, api_upkeep_h_per_month=6.0,
                           api_fields_per_request=20.0, api_prompt_tokens_per_request=300.0,
                           api_output_tokens_per_field=6.0, chars_per_token=4.0)


def test_option_costs_by_hand():
    fields = 10e6 * DAYS_PER_MONTH * 0.01 * 10  # 30.4 M fields a month
    build = cost.ai_option_cost(10e6, "build", A, PRICES)
    assert build.fields_per_month == pytest.approx(fields)
    assert build.variable_usd == pytest.approx(fields * 0.1 / 3.6e6 * 0.05)
    assert build.fixed_usd == 1600.0
    buy = cost.ai_option_cost(10e6, "buy", A, PRICES, eu_share=0.25)
    assert buy.fields_per_month == pytest.approx(0.75 * fields)  # EU payloads never reach the vendor
    assert buy.variable_usd == pytest.approx(0.75 * fields * 40 / 1e6 * 2.0)
    assert buy.total_usd == pytest.approx(buy.variable_usd + 1000.0 + 400.0)
    api = cost.ai_option_cost(10e6, "hosted_api", A, PRICES)
    tokens_in = fields * 10 + fields / 20 * 300
    assert api.variable_usd == pytest.approx((tokens_in * 3.0 + fields * 6 * 15.0) / 1e6)
    assert api.fixed_usd == 600.0
    # build runs in region: the EU share does not change what it scans
    assert cost.ai_option_cost(10e6, "build", A, PRICES, eu_share=0.25) == build


@given(st.floats(min_value=0, max_value=1e9), st.floats(min_value=0, max_value=1e9), st.sampled_from(list(cost.OPTIONS)))
def test_monthly_cost_grows_with_volume(e1, e2, option):
    lo, hi = sorted((e1, e2))
    assert cost.ai_monthly_cost_usd(lo, option, 0.2, A, PRICES) <= cost.ai_monthly_cost_usd(hi, option, 0.2, A, PRICES)


def test_cost_rejects_bad_input():
    with pytest.raises(PlaybookError, match=r"option must be one of \['build', 'buy', 'hosted_api'\]; got 'rent'"):
        cost.ai_monthly_cost_usd(1e6, "rent", 0.0, A, PRICES)
    with pytest.raises(PlaybookError, match=r"sample_fraction must be in \[0, 1\]; got 2"):
        cost.AiCostAssumptions(sample_fraction=2)
    with pytest.raises(PlaybookError, match=r"eu_share must be in \[0, 1\]; got 1.5"):
        cost.ai_option_cost(1e6, "buy", A, PRICES, eu_share=1.5)


def test_prices_come_from_external_facts():
    from dfp.io.external import fact

    p = cost.ai_prices()
    assert p.vcpu_hour_usd == fact("prices.ai_vcpu_hour_usd").value
    assert fact("prices.ai_dlp_platform_fee_usd_per_month").illustrative


# --- the decision record ------------------------------------------------------------------------------

def test_adr_0015_front_matter(system):
    import yaml

    from dfp.core.paths import repo_root

    text = (repo_root() / "book/01-architecture/decision-records/0015-ai-pii-flagging.md").read_text(encoding="utf-8")
    assert text.startswith("---\n")
    meta = yaml.safe_load(text.split("---\n")[1])
    assert meta["status"] in {"proposed", "accepted", "rejected", "deprecated", "superseded"}
    assert system.era_of(pd.Timestamp(meta["date"], tz="UTC")).id == "scale"
    for heading in ("## Context and problem statement", "## Decision drivers", "## Considered options",
                    "## Decision outcome", "### Consequences", "### Confirmation"):
        assert heading in text, heading


def test_ai_cost_tables_and_sweeps():
    import dataclasses

    import pandas as pd

    from dfp.pii import cost

    a, p = cost.AiCostAssumptions(), cost.ai_prices()
    costs = {o: cost.ai_option_cost(1e7, o, a, p, eu_share=0.25) for o in cost.OPTIONS}
    t = cost.options_table(costs, 1e7, 0.25, 0.9, 0.5, a, p)
    assert t.loc[cost.OPTIONS["build"].name, "effective recall %"] == pytest.approx(90.0)
    assert t.loc[cost.OPTIONS["buy"].name, "effective recall %"] == pytest.approx(100 * (0.75 * 0.9 + 0.25 * 0.5))
    sweep = cost.cost_by_sample_fraction(1e7, 0.25, a, p, [a.sample_fraction, 1.0])
    full = cost.ai_option_cost(1e7, "build", dataclasses.replace(a, sample_fraction=1.0), p, 0.25).total_usd
    assert sweep[cost.OPTIONS["build"].name] == pytest.approx([costs["build"].total_usd, full])
    months = pd.DataFrame({"month": pd.period_range("2026-01", periods=2, freq="M"),
                           "events_per_day_avg": [1e6, 1e8], "eu_events_share": [0.2, 0.2]})
    series = cost.cost_by_month(months, a, p)
    assert list(series.columns) == [o.name for o in cost.OPTIONS.values()]
    assert cost.first_month_above(series, series.columns[0], series.columns[0]) is None


def test_fault_scenario_drift_and_adversarial_tables():
    from dfp.io.data import load
    from dfp.pii import evaluation

    ev = evaluation.evaluate(load("pii_fields"), 250.0, 5.0)
    sc = evaluation.FaultScenario(batch_size=50, outage=range(2, 4), hang=10_000, client_timeout=10_001)
    fr = evaluation.run_fault_scenario(ev, sc, 1000.0)
    per_batch = fr.audit.groupby("batch")["reason"].first()
    assert set(per_batch.loc[[2, 3]]) == {"model_error"} and per_batch.loc[1] == "ok"
    assert len(fr.audit) == len(fr.stream) and fr.batches == -(-len(fr.stream) // 50)
    d = evaluation.drift_table(ev, 0.8)
    assert list(d.index) == ["test", "drift"] and d.to_numpy().max() <= 100
    per_kind, m, r = evaluation.adversarial_recall(ev.split("test"))
    assert int(per_kind["PII fields"].sum()) == m.tp + m.fn == r.tp + r.fn
