"""03 Platform manifests and 04 Delivery pipeline: valid Kubernetes objects, consistent with the sizing
policies, one processors workload (the Rollout references the Deployment), one image repository and
account, and the pipeline's production waves in ADR-0011's order."""

import re

import kubernetes_validate
import pytest
import yaml

from dfp.core.paths import data_dir, repo_root
from dfp.io.policies import load_policies
from dfp.io.yamlfile import load_yaml

M = repo_root() / "book" / "03-platform" / "manifests"
PIPELINES = repo_root() / "book" / "04-delivery" / "pipelines"
K8S_VERSION = "1.30.0"
_IMAGE = re.compile(r"(?P<account>\d{12})\.dkr\.ecr\.(?P<region>[a-z0-9-]+)\.amazonaws\.com/(?P<repo>[a-z0-9/_-]+)[@:]")


def _docs(folders=(M,)):
    out = {}
    for folder in folders:
        for p in sorted(folder.glob("*.yaml")):
            for d in yaml.safe_load_all(p.read_text()):
                out[(d["kind"], d["metadata"]["name"])] = d
    return out


def _workload():
    return _docs((M, PIPELINES))


def _pipeline():
    return yaml.safe_load((PIPELINES / "build-and-promote.yml").read_text())


def workload_contradictions(docs: dict) -> list[str]:
    """What keeps the processors from being one workload: namespaces, the Rollout's reference to the
    Deployment, the HPA's target, selectors, replica ownership."""
    ro, dep = docs[("Rollout", "processors")], docs[("Deployment", "processors")]
    hpa, pdb = docs[("HorizontalPodAutoscaler", "processors")], docs[("PodDisruptionBudget", "processors")]
    out = []
    namespaces = {d["metadata"].get("namespace") for d in (ro, dep, hpa, pdb)}
    namespaces |= {d["metadata"].get("namespace") for (k, _), d in docs.items() if k == "AnalysisTemplate"}
    if len(namespaces) != 1:
        out.append(f"more than one namespace: {sorted(map(str, namespaces))}")
    ref = ro["spec"].get("workloadRef") or {}
    if "template" in ro["spec"] or (ref.get("kind"), ref.get("name")) != ("Deployment", dep["metadata"]["name"]):
        out.append("the Rollout does not reference the Deployment with workloadRef (two pod templates)")
    if ro["spec"]["selector"] != dep["spec"]["selector"]:
        out.append("Rollout and Deployment select different pods")
    if dep["spec"].get("replicas") != 0:
        out.append("the Deployment runs pods of its own beside the Rollout's")
    tgt = hpa["spec"]["scaleTargetRef"]
    if (tgt["apiVersion"], tgt["kind"], tgt["name"]) != ("argoproj.io/v1alpha1", "Rollout", ro["metadata"]["name"]):
        out.append(f"the HPA scales {tgt['kind']}/{tgt['name']}, not the Rollout")
    if ro["spec"]["replicas"] != hpa["spec"]["minReplicas"]:
        out.append("the Rollout's replicas differ from the HPA floor")
    return out


def production_waves(pipeline: dict) -> list[str]:
    """Cells the pipeline promotes to, in the order its jobs' ``needs`` chain runs them."""
    jobs = pipeline["jobs"]
    promote = {j: re.search(r"environments/([a-z0-9-]+)/", "\n".join(s.get("run", "") for s in v["steps"]))
               for j, v in jobs.items()}
    promote = {j: m.group(1) for j, m in promote.items() if m}
    order, done = [], set()
    while len(order) < len(promote):
        ready = [j for j in promote if j not in done and set(jobs[j].get("needs", [])) & set(promote) <= done]
        if len(ready) != 1:
            raise AssertionError(f"promotion jobs are not one chain: {ready or 'a cycle'}")
        order.append(promote[ready[0]])
        done.add(ready[0])
    return order


def adr_waves() -> list[str]:
    """ADR-0011's cells in wave order (data/decisions.yml rollout_waves), each cell once."""
    waves = load_yaml(data_dir() / "decisions.yml")["rollout_waves"]["waves"]
    return list(dict.fromkeys(w["cell"] for w in waves))


def pipeline_images(pipeline: dict) -> dict[str, tuple[str, str, str]]:
    """cell -> (account, region, repository) of the image the pipeline pins in that cell's overlay."""
    out = {}
    for job in pipeline["jobs"].values():
        run = "\n".join(s.get("run", "") for s in job["steps"])
        cell, img = re.search(r"environments/([a-z0-9-]+)/", run), _IMAGE.search(run)
        if cell and img:
            out[cell.group(1)] = (img["account"], img["region"], img["repo"])
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
    ro = _workload()[("Rollout", "processors")]
    req = dep["spec"]["template"]["spec"]["containers"][0]["resources"]["requests"]
    assert req["cpu"] == f"{svc['cpu_m']}m" and req["memory"] == f"{svc['mem_mib']}Mi"
    assert ro["spec"]["replicas"] == hpa["spec"]["minReplicas"] == svc["min_replicas"]
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


def test_processors_are_one_workload():
    assert workload_contradictions(_workload()) == []


@pytest.mark.parametrize("seed", ["namespace", "template", "hpa", "replicas"])
def test_one_workload_check_fails_on_a_seeded_contradiction(seed):
    docs = yaml.safe_load(yaml.safe_dump({f"{k}|{n}": d for (k, n), d in _workload().items()}))
    docs = {tuple(k.split("|")): d for k, d in docs.items()}
    ro = docs[("Rollout", "processors")]
    if seed == "namespace":
        ro["metadata"]["namespace"] = "dfp"
    elif seed == "template":
        del ro["spec"]["workloadRef"]
        ro["spec"]["template"] = docs[("Deployment", "processors")]["spec"]["template"]
    elif seed == "hpa":
        docs[("HorizontalPodAutoscaler", "processors")]["spec"]["scaleTargetRef"] = {
            "apiVersion": "apps/v1", "kind": "Deployment", "name": "processors"}
    else:
        docs[("Deployment", "processors")]["spec"]["replicas"] = 3
    assert workload_contradictions(docs)


def test_pipeline_promotes_in_the_adr_0011_order():
    waves = adr_waves()
    assert waves == production_waves(_pipeline())
    adr = next((repo_root() / "book" / "01-architecture" / "decision-records").glob("0011-*.md")).read_text()
    prod = [w["cell"].removeprefix("prod-") + (" canary" if w["step"] == "canary" else "")
            for w in load_yaml(data_dir() / "decisions.yml")["rollout_waves"]["waves"] if w["cell"].startswith("prod-")]
    assert " -> ".join(prod) in " ".join(adr.split())


def test_wave_order_check_fails_when_the_pipeline_promotes_us_first():
    p = _pipeline()
    jobs = p["jobs"]
    jobs["promote-prod-eu-west-1"]["needs"] = ["build", "promote-prod-us-east-1"]
    jobs["promote-prod-us-east-1"]["needs"] = ["build", "promote-staging"]
    assert production_waves(p) != adr_waves()


def test_one_image_repository_and_account_each_cell_pulls_in_its_region():
    p = _pipeline()
    images = pipeline_images(p)
    assert set(images) == set(adr_waves())
    assert {(a, r) for a, _, r in images.values()} == {(p["env"]["ECR_ACCOUNT"], p["env"]["ECR_REPOSITORY"])}
    for cell, (_, region, _) in images.items():
        assert cell.endswith(region), f"{cell} pulls from {region}"
    dep = _docs()[("Deployment", "processors")]
    m = _IMAGE.search(dep["spec"]["template"]["spec"]["containers"][0]["image"])
    app = _docs()[("Application", "processors-prod-eu-west-1")]
    cell = app["metadata"]["name"].removeprefix("processors-")
    assert (m["account"], m["region"], m["repo"]) == images[cell]
    assert app["spec"]["source"]["path"] == f"environments/{cell}/processors"
    assert app["spec"]["source"]["repoURL"].endswith(p["env"]["GITOPS_REPOSITORY"] + ".git")


def test_image_check_fails_on_an_image_from_another_account():
    p = _pipeline()
    step = p["jobs"]["promote-prod-us-east-1"]["steps"][1]
    step["run"] = step["run"].replace("111122223333.dkr.ecr.us-east-1", "111111111111.dkr.ecr.us-east-1")
    images = pipeline_images(p)
    assert len({(a, r) for a, _, r in images.values()}) == 2


def test_the_registry_terraform_serves_every_cell_from_its_own_region():
    import hcl2

    tf = repo_root() / "book" / "02-infrastructure" / "terraform" / "environments" / "prod-us-east-1" / "registry"
    with (tf / "main.tf").open() as f:
        doc = hcl2.load(f)
    res = {k.strip('"'): v for block in doc["resource"] for k, v in block.items()}
    repo = next(iter(res["aws_ecr_repository"].values()))
    rule = next(iter(res["aws_ecr_replication_configuration"].values()))["replication_configuration"][0]["rule"][0]
    dest = {(d["region"].strip('"'), d["registry_id"].strip('"')) for d in rule["destination"]}
    p = _pipeline()
    assert repo["name"].strip('"') == p["env"]["ECR_REPOSITORY"]
    pulled = {(region, account) for account, region, _ in pipeline_images(p).values()}
    assert pulled == dest | {(p["env"]["AWS_REGION"], p["env"]["ECR_ACCOUNT"])}
    # the account allowed to pull is the EU cell's, the one its service control policy names
    scp = yaml.safe_load((data_dir() / "security" / "scp" / "eu-region-lock.json").read_text())
    eu_account = next(st for st in scp["Statement"] if "aws:ResourceAccount" in str(st))["Condition"][
        "StringNotEquals"]["aws:ResourceAccount"]
    assert f"arn:aws:iam::{eu_account[0]}:root" in str(res["aws_ecr_repository_policy"])
