"""The system's components and dependencies as data, per era, and the diagrams drawn from them.

=========================  ==================================================================
``load_model``              read and validate ``data/architecture.yml``
``components_in_era``       the components live in an era (table rows)
``edges_in_era``            the dependencies live in an era
``leaf_availabilities``     each component's availability input: SLA facts and one EKS node
``path_availability``       the availability of an era's ingest or end-to-end path
``path_components``         the components an era's path depends on (its leaves, without nodes)
``diagram_dot``             Graphviz source of an era's design (regions as clusters)
``render_png``              PNG bytes of a dot source (runs Graphviz ``dot``, offline)
``render_icons_png``        the same design drawn with the AWS service icons (``diagrams`` package)
``era_summary``             per era: components, synchronous dependencies, regions, path availabilities
``leaf_table``              each leaf's availability, downtime a month and the SLA it comes from
``era_paths``               per era: ingest and end-to-end availability and downtime against a target
``block_shares``            the serial blocks of an era's ingest path and their share of its downtime
``ingest_alternatives``     the chosen design against a better API Gateway and two regions active-active
=========================  ==================================================================

One model, many views: the diagrams, the component tables and the availability composition
(:mod:`dfp.reliability.availability`) all read the same file, so a design change is one edit.
"""

from __future__ import annotations

import functools
import importlib
import shutil
import subprocess
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from dfp.core.errors import PlaybookError
from dfp.core.paths import data_dir
from dfp.io.external import fact
from dfp.io.system import System
from dfp.io.yamlfile import check_shape, load_yaml
from dfp.reliability.availability import compose, downtime_min_per_month, parallel

__all__ = [
    "ERA_ORDER",
    "IngestAlternatives",
    "Model",
    "block_shares",
    "components_in_era",
    "diagram_dot",
    "edges_in_era",
    "era_paths",
    "era_summary",
    "ingest_alternatives",
    "leaf_availabilities",
    "leaf_table",
    "load_model",
    "path_availability",
    "path_components",
    "render_icons_png",
    "render_png",
]

ERA_ORDER = ("mvp", "full-platform", "scale")
_KINDS = {"aws", "eks", "external"}
_TIERS = ("external", "edge", "ingest", "stream", "process", "store", "deliver", "control")
_PATHS = ("ingest", "end_to_end")


@dataclass(frozen=True)
class Model:
    """The architecture model: components by id, edges, and per-era availability paths."""

    components: Mapping[str, Mapping[str, Any]]
    edges: tuple[Mapping[str, Any], ...]
    paths: Mapping[str, Mapping[str, Any]]


def _era_index(era: str, where: str) -> int:
    if era not in ERA_ORDER:
        raise PlaybookError(f"{where}: unknown era {era!r}; allowed: {list(ERA_ORDER)}")
    return ERA_ORDER.index(era)


def _live(item: Mapping[str, Any], era: str, where: str) -> bool:
    i = _era_index(era, where)
    first = _era_index(item["introduced"], where)
    retired = item.get("retired")
    return first <= i and (retired is None or i < _era_index(retired, where))


def _leaf_names(spec: Any) -> set[str]:
    if isinstance(spec, str):
        return {spec}
    if isinstance(spec, Mapping):
        out: set[str] = set()
        for kind, body in spec.items():
            if kind == "k_of_n":
                out |= _leaf_names(body["of"])
            else:
                for b in body:
                    out |= _leaf_names(b)
        return out
    raise PlaybookError(f"architecture.yml: malformed path block {spec!r}")


#: The types of the fields of ``architecture.yml`` (:func:`dfp.io.yamlfile.check_shape`); paths are
#: checked below, block by block.
SHAPE: dict[str, Any] = {
    "components": {"*": {"label": str, "kind": str, "service": str, "tier": str, "introduced": str,
                         "retired?": str, "per_region?": bool, "sla?": str, "note?": str}},
    "edges": [{"from": str, "to": str, "introduced": str, "retired?": str, "sync?": bool, "note?": str}],
    "paths": {"*": {"*": object}},
}


def _validate(raw: Mapping[str, Any], name: str) -> Model:
    comps = raw.get("components") or {}
    if not comps:
        raise PlaybookError(f"{name}: no components")
    check_shape(raw, SHAPE, name)
    for cid, c in comps.items():
        where = f"{name}: component {cid}"
        for key in ("label", "kind", "service", "tier", "introduced"):
            if key not in c:
                raise PlaybookError(f"{where}: missing {key!r}")
        if c["kind"] not in _KINDS:
            raise PlaybookError(f"{where}: kind must be one of {sorted(_KINDS)}; got {c['kind']!r}")
        if c["tier"] not in _TIERS:
            raise PlaybookError(f"{where}: tier must be one of {list(_TIERS)}; got {c['tier']!r}")
        _live(c, ERA_ORDER[0], where)
    edges = tuple(raw.get("edges") or ())
    for i, e in enumerate(edges):
        where = f"{name}: edges[{i}]"
        for end in ("from", "to"):
            if e.get(end) not in comps:
                raise PlaybookError(f"{where}: {end} {e.get(end)!r} is not a component")
        _live(e, ERA_ORDER[0], where)
        for end in ("from", "to"):  # an edge may not outlive or predate its components
            c = comps[e[end]]
            if _era_index(e["introduced"], where) < _era_index(c["introduced"], where):
                raise PlaybookError(f"{where}: introduced before component {e[end]!r}")
    paths = raw.get("paths") or {}
    for era in ERA_ORDER:
        if era not in paths:
            raise PlaybookError(f"{name}: paths has no era {era!r}")
        for p in _PATHS:
            if p not in paths[era]:
                raise PlaybookError(f"{name}: paths.{era} has no {p!r} path")
            for leaf in _leaf_names(paths[era][p]):
                if leaf != "eks-node" and leaf not in comps:
                    raise PlaybookError(f"{name}: paths.{era}.{p} names unknown component {leaf!r}")
                if leaf in comps and not _live(comps[leaf], era, name):
                    raise PlaybookError(f"{name}: paths.{era}.{p} uses {leaf!r}, not live in {era}")
                if leaf in comps and "sla" not in comps[leaf]:
                    raise PlaybookError(f"{name}: paths.{era}.{p} uses {leaf!r}, which has no sla fact key")
    return Model(comps, edges, paths)


@functools.cache
def _cached(path: str, mtime_ns: int) -> Model:
    p = Path(path)
    raw = load_yaml(p) or {}
    return _validate(raw, p.name)


def load_model(path: Path | str | None = None) -> Model:
    """Read and validate the architecture model (default ``data/architecture.yml``).

    Raises:
        PlaybookError: a missing field, an unknown era/kind/tier, an edge to an unknown component,
            or a path that uses a component not live in its era.
    """
    p = Path(path) if path is not None else data_dir() / "architecture.yml"
    if not p.is_file():
        raise PlaybookError(f"architecture model not found: {p}")
    return _cached(str(p.resolve()), p.stat().st_mtime_ns)


def components_in_era(model: Model, era: str) -> pd.DataFrame:
    """Components live in ``era``: one row each with label, kind, service, tier, introduced, sla.

    >>> components_in_era(load_model(), "mvp").loc["event-stream", "kind"]
    'aws'
    """
    rows = [{"id": cid, "label": c["label"], "kind": c["kind"], "tier": c["tier"],
             "introduced": c["introduced"], "per_region": bool(c.get("per_region", False)),
             "sla": c.get("sla", ""), "note": c.get("note", "")}
            for cid, c in model.components.items() if _live(c, era, "components_in_era")]
    df = pd.DataFrame(rows).set_index("id")
    df["tier_order"] = [_TIERS.index(t) for t in df["tier"]]
    return df.sort_values(["tier_order", "label"]).drop(columns="tier_order")


def edges_in_era(model: Model, era: str) -> pd.DataFrame:
    """Dependencies live in ``era`` (from, to, sync, note)."""
    rows = [{"from": e["from"], "to": e["to"], "sync": bool(e.get("sync", False)), "note": e.get("note", "")}
            for e in model.edges if _live(e, era, "edges_in_era")]
    return pd.DataFrame(rows, columns=["from", "to", "sync", "note"])


def leaf_availabilities(model: Model, node_availability: float | None = None) -> dict[str, float]:
    """Availability input of every component with an SLA fact, plus ``eks-node``.

    Args:
        node_availability: one EKS worker node's monthly availability; ``None`` = the EC2
            instance-level SLA from external_facts.yml.
    """
    out = {cid: fact(c["sla"]).value for cid, c in model.components.items() if c.get("sla")}
    out["eks-node"] = fact("slas.ec2_instance_level").value if node_availability is None else node_availability
    return out


def path_availability(model: Model, era: str, path: str = "ingest", *,
                      leaves: Mapping[str, float] | None = None) -> float:
    """Availability of an era's ``ingest`` or ``end_to_end`` path (independent failures).

    >>> round(path_availability(load_model(), "full-platform", "ingest"), 4)
    0.9983
    """
    _era_index(era, "path_availability")
    if path not in _PATHS:
        raise PlaybookError(f"path must be one of {list(_PATHS)}; got {path!r}")
    return compose(model.paths[era][path], leaves if leaves is not None else leaf_availabilities(model))


def path_components(model: Model, era: str, path: str = "ingest") -> list[str]:
    """Sorted component ids an era's path depends on (EKS nodes excluded).

    >>> path_components(load_model(), "scale", "ingest")
    ['api-gateway', 'event-stream', 'spill-buffer']
    """
    _era_index(era, "path_components")
    if path not in _PATHS:
        raise PlaybookError(f"path must be one of {list(_PATHS)}; got {path!r}")
    return sorted(_leaf_names(model.paths[era][path]) - {"eks-node"})


_SHAPES = {"aws": ("box", "#fbe5c8"), "eks": ("box", "#dbe8f6"), "external": ("ellipse", "#eeeeee")}


def diagram_dot(model: Model, era: str, system: System) -> str:
    """Graphviz source of ``era``'s design: per-region components inside one cluster per region.

    Solid edges are synchronous (the caller waits), dashed ones asynchronous. Regions are those
    live by the era's last month.
    """
    comps = components_in_era(model, era)
    era_end = system.era(era).end
    regions = [r.id for r in system.regions if r.live_from < era_end]

    def node_id(cid: str, region: str | None) -> str:
        return f'"{cid}@{region}"' if region else f'"{cid}"'

    lines = ["digraph G {", '  rankdir=LR; fontname="Helvetica"; fontsize=11;',
             '  node [fontname="Helvetica", fontsize=10, style="filled,rounded"];',
             '  edge [color="#555555", arrowsize=0.7];']
    for cid, c in comps.loc[~comps["per_region"]].iterrows():
        shape, fill = _SHAPES[c["kind"]]
        lines.append(f'  {node_id(cid, None)} [label="{c["label"]}", shape={shape}, fillcolor="{fill}"];')
    for region in regions:
        lines.append(f'  subgraph "cluster_{region}" {{ label="{region}"; style=rounded; color="#1f4e79";')
        for cid, c in comps.loc[comps["per_region"]].iterrows():
            shape, fill = _SHAPES[c["kind"]]
            lines.append(f'    {node_id(cid, region)} [label="{c["label"]}", shape={shape}, fillcolor="{fill}"];')
        lines.append("  }")
    per_region = set(comps.index[comps["per_region"]])
    edge_lines: list[str] = []
    for _, e in edges_in_era(model, era).iterrows():
        style = "solid" if e["sync"] else "dashed"
        for region in regions:
            a = node_id(e["from"], region if e["from"] in per_region else None)
            b = node_id(e["to"], region if e["to"] in per_region else None)
            edge_lines.append(f"  {a} -> {b} [style={style}];")
    lines += list(dict.fromkeys(edge_lines))  # an edge between two global nodes appears once
    lines.append("}")
    return "\n".join(lines)


def render_png(dot_source: str, dpi: int = 72) -> bytes:
    """Render Graphviz source to PNG bytes with the ``dot`` binary (Debian package ``graphviz``).

    Raises:
        PlaybookError: ``dot`` is not installed, or it rejects the source.
    """
    exe = shutil.which("dot")
    if exe is None:
        raise PlaybookError("render_png needs Graphviz's dot: apt-get install graphviz")
    proc = subprocess.run([exe, "-Tpng", f"-Gdpi={dpi}"], input=dot_source.encode(), capture_output=True)
    if proc.returncode != 0:
        raise PlaybookError(f"dot failed: {proc.stderr.decode(errors='replace')[:500]}")
    return proc.stdout


_ICONS = {
    "client": ("diagrams.onprem.client", "Users"),
    "idp": ("diagrams.onprem.client", "Client"),
    "destination": ("diagrams.onprem.client", "Client"),
    "api_gateway": ("diagrams.aws.network", "APIGateway"),
    "eks": ("diagrams.aws.compute", "EKS"),
    "kinesis": ("diagrams.aws.analytics", "KinesisDataStreams"),
    "sqs": ("diagrams.aws.integration", "SQS"),
    "dynamodb": ("diagrams.aws.database", "Dynamodb"),
    "s3": ("diagrams.aws.storage", "S3"),
    "rds": ("diagrams.aws.database", "RDSPostgresqlInstance"),
    "snowflake": ("diagrams.saas.analytics", "Snowflake"),
    "argocd": ("diagrams.onprem.gitops", "ArgoCD"),
    "cloudtrail": ("diagrams.aws.management", "Cloudtrail"),
}


def render_icons_png(model: Model, era: str, system: System, dpi: int = 60) -> bytes:
    """``era``'s design drawn with the AWS icons bundled in the ``diagrams`` package (offline).

    Same content as :func:`diagram_dot`: one frame per live region, solid edges synchronous, dashed
    asynchronous. Rendered in a temporary folder; returns the PNG bytes.
    """

    from diagrams import Cluster, Diagram, Edge  # noqa: PLC0415 - lazy: 0.3 s to import, paid only by the commands that draw the icon diagram

    comps = components_in_era(model, era)
    era_end = system.era(era).end
    regions = [r.id for r in system.regions if r.live_from < era_end]
    per_region = set(comps.index[comps["per_region"]])

    def make(cid: str) -> Any:
        mod, cls = _ICONS[model.components[cid]["service"]]
        label = str(comps.loc[cid, "label"]).replace(" (", "\n(")
        return getattr(importlib.import_module(mod), cls)(label)

    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "design"
        attrs = {"dpi": str(dpi), "fontsize": "14", "pad": "0.8", "nodesep": "0.5", "ranksep": "0.9"}
        with Diagram("", filename=str(out), show=False, outformat="png", direction="LR", graph_attr=attrs):
            nodes: dict[tuple[str, str | None], Any] = {}
            for cid in comps.index[~comps["per_region"]]:
                nodes[(cid, None)] = make(cid)
            for region in regions:
                with Cluster(region):
                    for cid in comps.index[comps["per_region"]]:
                        nodes[(cid, region)] = make(cid)
            seen: set[tuple[Any, Any]] = set()
            for _, e in edges_in_era(model, era).iterrows():
                for region in regions:
                    a = (e["from"], region if e["from"] in per_region else None)
                    b = (e["to"], region if e["to"] in per_region else None)
                    if (a, b) in seen:
                        continue
                    seen.add((a, b))
                    _ = nodes[a] >> Edge(style="solid" if e["sync"] else "dashed", color="#555555") >> nodes[b]
        return out.with_suffix(".png").read_bytes()


def era_summary(model: Model, system: System, leaves: Mapping[str, float] | None = None) -> pd.DataFrame:
    """Per era (rows, by era id): components, synchronous dependencies, live regions at the era's end,
    and the ingest and end-to-end path availability in percent (:func:`path_availability`).
    """
    return pd.DataFrame({
        e.id: {"components": len(components_in_era(model, e.id)),
               "sync_dependencies": int(edges_in_era(model, e.id)["sync"].sum()),
               "regions": sum(r.live_from < e.end for r in system.regions),
               "ingest_availability_pct": 100 * path_availability(model, e.id, "ingest", leaves=leaves),
               "end_to_end_availability_pct": 100 * path_availability(model, e.id, "end_to_end", leaves=leaves)}
        for e in system.eras}).T


def leaf_table(model: Model, leaves: Mapping[str, float]) -> pd.DataFrame:
    """Per leaf (sorted by id): label, availability (%), downtime a month (min) and the cited SLA."""
    rows = []
    for cid, a in sorted(leaves.items()):
        comp = model.components.get(cid)
        rows.append({"component": comp["label"] if comp else "EKS worker node (one EC2 instance)",
                     "availability_pct": 100 * a, "downtime_min_per_month": downtime_min_per_month(a),
                     "source": fact(comp["sla"] if comp else "slas.ec2_instance_level").citation})
    return pd.DataFrame(rows)


def era_paths(model: Model, system: System, leaves: Mapping[str, float], target: float) -> pd.DataFrame:
    """Per era (index: era id): name, ingest and end-to-end availability (%), their downtime a month
    (min, :func:`dfp.reliability.availability.downtime_min_per_month`) and whether ingest meets ``target``."""
    eras = [e.id for e in system.eras]
    res = pd.DataFrame({
        "era": [system.era(e).name for e in eras],
        "ingest_pct": [100 * path_availability(model, e, "ingest", leaves=leaves) for e in eras],
        "end_to_end_pct": [100 * path_availability(model, e, "end_to_end", leaves=leaves) for e in eras],
    }, index=eras)
    res["ingest_downtime_min"] = [downtime_min_per_month(x / 100) for x in res["ingest_pct"]]
    res["end_to_end_downtime_min"] = [downtime_min_per_month(x / 100) for x in res["end_to_end_pct"]]
    res["meets_target"] = res["ingest_pct"] >= 100 * target
    return res


def block_shares(model: Model, leaves: Mapping[str, float], era: str, names: list[str]) -> pd.DataFrame:
    """The serial blocks of an era's ingest path (named ``names``): availability (%), downtime a month
    and each block's share of the path's downtime (%)."""
    blocks = model.paths[era]["ingest"]["serial"]
    if len(blocks) != len(names):
        raise PlaybookError(f"block_shares: {era} ingest has {len(blocks)} serial blocks; got {len(names)} names")
    share = pd.DataFrame({"block": names, "availability_pct": [100 * compose(b, leaves) for b in blocks]})
    share["downtime_min_per_month"] = [downtime_min_per_month(a / 100) for a in share["availability_pct"]]
    share["share_of_downtime_pct"] = 100 * share["downtime_min_per_month"] / share["downtime_min_per_month"].sum()
    return share


@dataclass(frozen=True)
class IngestAlternatives:
    """:func:`ingest_alternatives`: the table, and API Gateway's needed and the active-active availability."""

    table: pd.DataFrame
    api_gateway_needed: float
    active_active: float


def ingest_alternatives(model: Model, leaves: Mapping[str, float], target: float) -> IngestAlternatives:
    """The Scale ingest path as chosen, with API Gateway at the availability the target needs
    (``min(1, target / rest)``), and as two independent regions active-active (:func:`parallel`)."""
    scale = path_availability(model, "scale", "ingest", leaves=leaves)
    rest = scale / leaves["api-gateway"]
    needed = min(1.0, target / rest)
    alts = pd.DataFrame({"design": ["Scale, one region (chosen)", "Scale, API Gateway at the level needed",
                                    "two regions active-active (independent)"],
                         "ingest_pct": [100 * scale, 100 * needed * rest, 100 * parallel([scale, scale])]})
    alts["downtime_min_per_month"] = [downtime_min_per_month(a / 100) for a in alts["ingest_pct"]]
    alts["meets_target"] = alts["ingest_pct"] >= 100 * target - 1e-9
    return IngestAlternatives(alts, needed, parallel([scale, scale]))
