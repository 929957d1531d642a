"""Canary analysis: the z-test, the closed-form sample size, its inverse, and the simulation."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import norm

from dfp.core.errors import PlaybookError
from dfp.delivery import canary


def test_z_test_by_hand():
    # 30/1000 vs 100/9000: pooled p = 0.013, se = sqrt(0.013*0.987*(1/1000+1/9000)) = 0.0037758
    t = canary.two_proportion_test(30, 1000, 100, 9000, alpha=0.05)
    assert t.z == pytest.approx((0.03 - 100 / 9000) / math.sqrt(0.013 * 0.987 * (1 / 1000 + 1 / 9000)))
    assert t.z == pytest.approx(5.0026, abs=1e-4)
    assert t.regression and t.p_value == pytest.approx(norm.sf(t.z))
    same = canary.two_proportion_test(10, 1000, 90, 9000)
    assert same.z == pytest.approx(0.0) and not same.regression


def test_sample_size_equal_groups_textbook_formula():
    # equal groups (share 0.5): n = (z_a sqrt(2 pbar qbar) + z_b sqrt(p1 q1 + p2 q2))^2 / d^2, the
    # two-proportion formula of Fleiss, Levin & Paik (2003) s. 4.2 without continuity correction.
    # Hand computation for 0.001 -> 0.002, one-sided alpha 0.05, power 0.8:
    # z_a = 1.644854, z_b = 0.841621, pbar = 0.0015
    # (1.644854 * 0.0547312 + 0.841621 * 0.0547266)^2 / 1e-6 = 18518.8
    n = canary.required_canary_requests(0.001, 0.002, alpha=0.05, power=0.8, canary_share=0.5)
    assert n == pytest.approx(18518.8, abs=0.5)


def test_sample_size_two_sided_textbook_example():
    # Classic worked example: p1 = 0.65, p2 = 0.85, two-sided alpha 0.05 (= one-sided 0.025), power 0.8,
    # equal groups, pooled-null formula: (1.959964*sqrt(2*.75*.25) + 0.841621*sqrt(.2275+.1275))^2/.04 = 72.4
    n = canary.required_canary_requests(0.65, 0.85, alpha=0.025, power=0.8, canary_share=0.5)
    assert n == pytest.approx(72.4, abs=0.1)
    assert math.ceil(n) == 73


def test_smaller_canary_needs_more_canary_requests_but_fewer_minutes_never():
    n10 = canary.required_canary_requests(0.001, 0.003, canary_share=0.1)
    n50 = canary.required_canary_requests(0.001, 0.003, canary_share=0.5)
    assert n10 < n50  # a big baseline sharpens the comparison, so the canary itself needs fewer
    m10 = canary.minutes_to_detect(5000, 0.001, 0.003, canary_share=0.1)
    m50 = canary.minutes_to_detect(5000, 0.001, 0.003, canary_share=0.5)
    assert m10 > m50  # but collects them five times slower


@settings(deadline=None)  # scipy root-finding; wall-clock varies on a loaded 2-core runner
@given(p_base=st.floats(1e-4, 0.2), factor=st.floats(1.2, 4.0), share=st.floats(0.02, 0.5),
       power=st.floats(0.5, 0.99))
def test_power_is_the_inverse_of_sample_size(p_base, factor, share, power):
    p_c = min(p_base * factor, 0.99)
    n = canary.required_canary_requests(p_base, p_c, 0.05, power, share)
    assert canary.detection_power(n, p_base, p_c, 0.05, share) == pytest.approx(power, abs=1e-9)


@settings(deadline=None)  # scipy root-finding; wall-clock varies on a loaded 2-core runner
@given(p_base=st.floats(1e-4, 0.1), f1=st.floats(1.1, 3.0), f2=st.floats(1.1, 3.0))
def test_bigger_regression_needs_fewer_requests(p_base, f1, f2):
    lo, hi = sorted((f1, f2))
    if hi - lo < 1e-3:
        return
    assert canary.required_canary_requests(p_base, p_base * hi) < canary.required_canary_requests(p_base, p_base * lo)


def test_bad_inputs_rejected():
    with pytest.raises(PlaybookError, match="p_canary must be greater than p_base"):
        canary.required_canary_requests(0.01, 0.005)
    with pytest.raises(PlaybookError, match="canary_share must be in"):
        canary.required_canary_requests(0.01, 0.02, canary_share=1.0)
    with pytest.raises(PlaybookError, match="requests > 0"):
        canary.two_proportion_test(1, 0, 1, 10)
    with pytest.raises(PlaybookError, match="requests_per_min"):
        canary.minutes_to_detect(0, 0.01, 0.02)


def test_simulated_false_alarms_inflate_without_correction():
    rng = np.random.default_rng(7)
    naive = canary.simulate_canary(rng, 5000, 0.002, 0.002, 0.1, minutes=30, alpha=0.05, runs=3000,
                                   bonferroni=False, method="z")
    fixed = canary.simulate_canary(rng, 5000, 0.002, 0.002, 0.1, minutes=30, alpha=0.05, runs=3000)
    assert naive.flagged_ratio > 0.1          # 30 looks at 5 % each: far above 5 %
    assert fixed.flagged_ratio <= 0.05 + 0.01  # Bonferroni keeps the overall rate at or below alpha
    assert fixed.per_look_alpha == pytest.approx(0.05 / 30)


def test_exact_test_by_hand_and_against_z_with_rare_errors():
    # 3 of 4 errors on a 10 % canary: P(Bin(4, 0.1) >= 3) = 4 * 0.1^3 * 0.9 + 0.1^4 = 0.0037
    t = canary.exact_conditional_test(3, 1000, 1, 9000)
    assert t.p_value == pytest.approx(4 * 0.1**3 * 0.9 + 0.1**4)
    assert canary.exact_conditional_test(0, 1000, 5, 9000).p_value == 1.0


def test_z_test_false_alarms_with_rare_errors_exact_test_does_not():
    # 0.04 % errors, 700 canary events a minute: a fraction of an error a minute on the canary
    rng = np.random.default_rng(11)
    z = canary.simulate_canary(rng, 7000, 0.0004, 0.0004, 0.1, minutes=10, alpha=0.05, runs=4000, method="z")
    exact = canary.simulate_canary(rng, 7000, 0.0004, 0.0004, 0.1, minutes=10, alpha=0.05, runs=4000)
    assert z.flagged_ratio > 0.06          # the normal approximation is anti-conservative here
    assert exact.flagged_ratio <= 0.05     # the exact test holds alpha
    with pytest.raises(PlaybookError, match="method must be"):
        canary.simulate_canary(rng, 7000, 0.0004, 0.0004, method="t")


def test_simulated_detection_of_a_gross_regression_is_immediate():
    rng = np.random.default_rng(3)
    sim = canary.simulate_canary(rng, 20000, 0.0004, 0.38, 0.1, minutes=10, runs=500)
    assert sim.flagged_ratio == 1.0 and sim.median_minutes_to_flag == 1.0


@settings(deadline=None)  # scipy root-finding; wall-clock varies on a loaded 2-core runner
@given(p_base=st.floats(1e-4, 0.05), factor=st.floats(1.5, 10.0))
def test_detectable_ratio_inverts_the_sample_size(p_base, factor):
    p_c = min(p_base * factor, 0.9)
    n = canary.required_canary_requests(p_base, p_c, canary_share=0.1)
    assert canary.detectable_error_ratio(n, p_base, canary_share=0.1) == pytest.approx(p_c, rel=1e-6)


def test_detectable_ratio_with_too_few_requests():
    assert canary.detectable_error_ratio(0.1, 0.001, canary_share=0.1) == 1.0


# --- the judge of one step, and the Rollout artifact that uses it ------------------------------

def test_step_verdict_by_hand():
    # minute 1: 3 of 3 errors on a 10 % canary: P(Bin(3, 0.1) >= 3) = 0.001 <= 0.05/10 -> fail at once
    v = canary.step_verdict([3], [100], [0], [900], alpha=0.05, max_minutes=10, min_canary_events=1000)
    assert (v.status, v.minute) == ("fail", 1) and v.p_value == pytest.approx(0.001)
    # no regression, enough canary events at minute 2 -> pass at minute 2
    v = canary.step_verdict([0, 1], [600, 1200], [5, 10], [5400, 10800], 0.05, 10, 1000)
    assert (v.status, v.minute) == ("pass", 2)
    # not enough events yet -> wait; all looks spent -> timeout
    assert canary.step_verdict([0], [10], [0], [90], 0.05, 2, 1000).status == "wait"
    assert canary.step_verdict([0, 0], [10, 20], [0, 0], [90, 180], 0.05, 2, 1000).status == "timeout"


def test_step_verdict_rejects_bad_series():
    with pytest.raises(PlaybookError, match="equal lengths"):
        canary.step_verdict([0, 0], [10], [0], [90], 0.05, 10, 100)
    with pytest.raises(PlaybookError, match="cumulative"):
        canary.step_verdict([0, 0], [10, 5], [0, 0], [90, 180], 0.05, 10, 100)


PIPELINES = ("book", "04-delivery", "pipelines")


def _rollout():
    import yaml

    from dfp.core.paths import repo_root

    path = repo_root().joinpath(*PIPELINES, "processors-rollout.yaml")
    docs = list(yaml.safe_load_all(path.read_text()))
    return {(d["kind"], d["metadata"]["name"]): d for d in docs}


def _canary_docs():
    """Every object of the two canary manifests and the processors Deployment, by (kind, name)."""
    import yaml

    from dfp.core.paths import repo_root

    docs = dict(_rollout())
    for path in (repo_root().joinpath(*PIPELINES, "processors-config-canary.yaml"),
                 repo_root() / "book" / "03-platform" / "manifests" / "processors-deployment.yaml"):
        for d in yaml.safe_load_all(path.read_text()):
            docs[(d["kind"], d["metadata"]["name"])] = d
    return yaml.safe_load(yaml.safe_dump({"|".join(k): d for k, d in docs.items()}))  # a copy to seed


def _judge_args(docs: dict) -> dict[str, str]:
    spec = docs["AnalysisTemplate|processing-error-judge"]["spec"]
    container = spec["metrics"][0]["provider"]["job"]["spec"]["template"]["spec"]["containers"][0]
    return dict(a.lstrip("-").split("=", 1) for a in container["args"])


def canary_share_contradictions(docs: dict, canary_share: float, page_window_min: int) -> list[str]:
    """Where the manifests stop realising the canary the page sizes (``canary_share`` of the events).

    The processors are KCL consumers: a pod's share of events is the shard leases it holds, so no Rollout
    step may size a canary by a pod weight; the configuration canary is a share of the partition-key hash
    space that every pod applies (the ConfigMap it mounts), stepped upwards from ``canary_share`` to 1; the
    judge splits events by config revision, not by pod; the image canary's judge watches the cell for the
    processing-success page rule's long window (``page_window_min``).
    """
    out = []
    ro = docs["Rollout|processors"]["spec"]["strategy"]["canary"]
    weights = [s["setWeight"] for s in ro["steps"] if "setWeight" in s]
    if any(w < 100 for w in weights):
        out.append(f"the Rollout sizes a canary by pod weight {weights}: a pod's share is its shard leases")
    if "trafficRouting" in ro:
        out.append("the Rollout routes traffic: the processors have none to route, they pull from the stream")
    cm = docs.get("ConfigMap|enrichment-config", {}).get("data", {})
    if cm.get("split") != "partition-key-hash":
        out.append(f"the configuration canary is not split by partition-key hash: {cm.get('split')!r}")
    steps = [float(x) for x in cm.get("steps", "").split()]
    if not steps or steps[0] != canary_share or steps != sorted(set(steps)) or steps[-1] != 1.0:
        out.append(f"the configuration canary's steps {steps} do not rise from canary_share {canary_share} to 1")
    pod = docs["Deployment|processors"]["spec"]["template"]["spec"]
    mounted = {v["name"] for v in pod.get("volumes", []) if v.get("configMap", {}).get("name") == "enrichment-config"}
    if not mounted & {m["name"] for c in pod["containers"] for m in c.get("volumeMounts", [])}:
        out.append("the processor pods do not mount the enrichment-config ConfigMap, so none applies the share")
    args = _judge_args(docs)
    if not (args.get("canary-events", "").startswith("config_revision=")
            and args.get("baseline-events", "").startswith("config_revision=")):
        out.append("the configuration judge does not split events by config revision")
    burn = docs["AnalysisTemplate|processing-burn-judge"]["spec"]["metrics"][0]
    if burn["count"] * int(burn["interval"].removesuffix("m")) < page_window_min:
        out.append(f"the image judge watches the cell for less than the page rule's {page_window_min}-minute window")
    return out


def _page_window_min() -> int:
    """The long window (minutes) of the processing-success page rule's fast pair, read from the rules."""
    import re

    from dfp.core.paths import repo_root

    rules = (repo_root() / "book" / "05-reliability" / "rules" / "slo-rules.yml").read_text()
    expr = re.search(r'alert: ErrorBudgetPage\n\s+expr: \(slo:sli_error:ratio_rate(\d+)m\{slo="processing-success"\}',
                     rules)
    assert expr, "no processing-success page rule in slo-rules.yml"
    return int(expr.group(1))


def test_canary_manifests_realise_the_canary_share():
    from dfp.io.system import load_system

    share = float(load_system().sample["delivery"]["canary_share"])
    assert canary_share_contradictions(_canary_docs(), share, _page_window_min()) == []


@pytest.mark.parametrize("seed", ["pod-weight", "split-by-pod", "first-step", "no-mount", "judge-by-pod", "short-soak"])
def test_canary_share_check_fails_on_a_seeded_bad_manifest(seed):
    from dfp.io.system import load_system

    share = float(load_system().sample["delivery"]["canary_share"])
    docs = _canary_docs()
    if seed == "pod-weight":  # the manifest as it was: a 10 % pod weight on KCL consumers
        docs["Rollout|processors"]["spec"]["strategy"]["canary"]["steps"][0] = {"setWeight": 10}
    elif seed == "split-by-pod":
        docs["ConfigMap|enrichment-config"]["data"]["split"] = "pod"
    elif seed == "first-step":
        docs["ConfigMap|enrichment-config"]["data"]["steps"] = "0.2 0.5 1.0"
    elif seed == "no-mount":
        del docs["Deployment|processors"]["spec"]["template"]["spec"]["volumes"]
    elif seed == "judge-by-pod":
        c = docs["AnalysisTemplate|processing-error-judge"]["spec"]["metrics"][0]["provider"]["job"]["spec"]
        args = c["template"]["spec"]["containers"][0]["args"]
        args[0] = "--canary-events=rollouts-pod-template-hash={{args.canary-hash}}"
    else:
        docs["AnalysisTemplate|processing-burn-judge"]["spec"]["metrics"][0]["count"] = 5
    assert canary_share_contradictions(docs, share, _page_window_min())


def test_rollout_pod_template_and_judge_job_are_valid_kubernetes():
    import kubernetes_validate

    docs = _canary_docs()
    ro = docs["Rollout|processors"]["spec"]
    # the Rollout's pod template is the Deployment it references (workloadRef): one workload
    dep = docs["Deployment|processors"]
    assert ro["workloadRef"]["name"] == dep["metadata"]["name"] and ro["selector"] == dep["spec"]["selector"]
    deployment = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "processors"},
                  "spec": {"replicas": ro["replicas"], "selector": ro["selector"], "template": dep["spec"]["template"]}}
    kubernetes_validate.validate(deployment, "1.30", strict=True)
    kubernetes_validate.validate(docs["ConfigMap|enrichment-config"], "1.30", strict=True)
    job_spec = docs["AnalysisTemplate|processing-error-judge"]["spec"]["metrics"][0]["provider"]["job"]["spec"]
    kubernetes_validate.validate({"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "judge"},
                                  "spec": job_spec}, "1.30", strict=True)
    broken = dict(deployment, spec=dict(deployment["spec"], replicas="twenty"))
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(broken, "1.30", strict=True)


def test_rollout_numbers_match_the_canary_analysis():
    from dfp.io.system import load_system

    system = load_system()
    docs = _canary_docs()
    ro = docs["Rollout|processors"]["spec"]["strategy"]["canary"]
    share = float(system.sample["delivery"]["canary_share"])
    assert float(docs["ConfigMap|enrichment-config"]["data"]["steps"].split()[0]) == share
    assert ro["maxUnavailable"] == 0  # zero downtime
    args = _judge_args(docs)
    alpha, power, looks = float(args["alpha"]), float(args["power"]), int(args["max-minutes"])
    target = system.target("processing_error_ratio").value
    assert float(args["target-error-ratio"]) == target
    p_base = float(system.sample["delivery"]["baseline_processing_error_ratio"])
    n = canary.required_canary_requests(p_base, target, alpha / looks, power, share)
    assert int(args["min-canary-events"]) == math.ceil(n)
    job = docs["AnalysisTemplate|processing-error-judge"]["spec"]["metrics"][0]["provider"]["job"]["spec"]
    assert job["activeDeadlineSeconds"] >= 60 * looks


def test_canary_study_is_seeded_and_consistent_with_the_closed_form():
    a = canary.canary_study(np.random.default_rng(7), 6000.0, 0.0004, 0.02, 0.1, 120, 0.05, 0.8)
    b = canary.canary_study(np.random.default_rng(7), 6000.0, 0.0004, 0.02, 0.1, 120, 0.05, 0.8)
    assert a == b
    assert a.look_alpha == pytest.approx(0.05 / 120)
    assert a.required_events == pytest.approx(canary.required_canary_requests(0.0004, 0.02, 0.05 / 120, 0.8, 0.1))
    assert a.detect_min == max(1, math.ceil(a.required_events / 600.0))
    assert a.false_alarms.flagged_ratio <= 0.05 < a.false_alarms_naive.flagged_ratio
    assert a.one_look_exact.flagged_ratio <= a.one_look_z.flagged_ratio
    e = canary.incident_exposure(a, 46.0, 1.5)
    assert e.actual_failed == pytest.approx(0.02 * 6000 * 46)
    assert e.canary_failed == pytest.approx(0.02 * 600 * (a.detect_min + 1.5))
    assert e.canary_share == pytest.approx(0.1)
    r = canary.step_reach({"peak": 6000.0, "trough": 1500.0}, 0.0004, 0.001, 120, a.look_alpha, 0.8, 0.1)
    assert r.target_min["trough"] == pytest.approx(4 * r.target_min["peak"])
    assert r.target_min["peak"] == pytest.approx(canary.minutes_to_detect(6000.0, 0.0004, 0.001, a.look_alpha, 0.8, 0.1))
    assert 1 < r.detectable_factor["peak"] < r.detectable_factor["trough"]
    t = canary.study_table(a, "INC-03")
    assert t.index[0] == "traffic at INC-03's hour" and list(t.columns) == ["value", "unit"]
    with pytest.raises(PlaybookError, match="rollback_min"):
        canary.incident_exposure(a, 46.0, -1.0)
