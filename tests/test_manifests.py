"""03 Platform manifests: valid Kubernetes objects, consistent with the sizing policies."""

import kubernetes_validate
import pytest
import yaml

from dfp.core.paths import repo_root
from dfp.io.policies import load_policies

M = repo_root() / "book" / "03-platform" / "manifests"
K8S_VERSION = "1.30.0"


def _docs():
    out = {}
    for p in sorted(M.glob("*.yaml")):
        for d in yaml.safe_load_all(p.read_text()):
            out[(d["kind"], d["metadata"]["name"])] = d
    return out


def test_core_objects_validate_against_the_kubernetes_schema():
    core = [d for (k, _), d in _docs().items() if k != "Application"]
    assert len(core) >= 3
    for d in core:
        kubernetes_validate.validate(d, K8S_VERSION, strict=True)


def test_validator_catches_a_bad_field():
    d = _docs()[("Deployment", "processors")]
    bad = yaml.safe_load(yaml.safe_dump(d))
    bad["spec"]["replicas"] = "three"
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(bad, K8S_VERSION, strict=True)


def test_processor_sizing_matches_the_policies():
    kube = load_policies()["kubernetes"]
    svc = kube["services"]["processors"]
    docs = _docs()
    dep, hpa, pdb = docs[("Deployment", "processors")], docs[("HorizontalPodAutoscaler", "processors")], docs[
        ("PodDisruptionBudget", "processors")]
    req = dep["spec"]["template"]["spec"]["containers"][0]["resources"]["requests"]
    assert req["cpu"] == f"{svc['cpu_m']}m" and req["memory"] == f"{svc['mem_mib']}Mi"
    assert dep["spec"]["replicas"] == hpa["spec"]["minReplicas"] == svc["min_replicas"]
    assert f"--workers={svc['workers_per_pod']}" in dep["spec"]["template"]["spec"]["containers"][0]["args"]
    target = hpa["spec"]["metrics"][0]["resource"]["target"]["averageUtilization"]
    assert target == round(100 * kube["hpa_cpu_target"])
    assert pdb["spec"]["minAvailable"] == svc["min_replicas"] - 1
    spread = dep["spec"]["template"]["spec"]["topologySpreadConstraints"][0]
    assert spread["topologyKey"] == "topology.kubernetes.io/zone" and spread["whenUnsatisfiable"] == "DoNotSchedule"


def test_argo_application_points_at_the_deployment_namespace():
    app = _docs()[("Application", "processors-prod-eu-west-1")]
    assert app["apiVersion"] == "argoproj.io/v1alpha1"
    assert app["spec"]["destination"]["namespace"] == _docs()[("Deployment", "processors")]["metadata"]["namespace"]
    assert app["spec"]["source"]["path"].startswith("environments/prod-eu-west-1/")
    assert app["spec"]["syncPolicy"]["automated"]["selfHeal"] is True
