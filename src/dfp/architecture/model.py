"""The system's components and dependencies as data, by month, and the diagrams drawn from them.

=========================  ==================================================================
``load_model``              read and validate ``data/architecture.yml``
``check_month``             a ``YYYY-MM`` month, validated (the model's one unit of time)
``month_of``                the ``YYYY-MM`` month of a timestamp
``era_month``               an era's last month (the design an era ends with)
``components_at``           the components live in a month (table rows)
``edges_at``                the dependencies live in a month
``regions_at``              the regions live in a month (``system.yml`` ``live_from``)
``design_at``               the availability design (``paths:``) in force in a month
``arrivals``                each component with the month it arrived (and left), in date order
``leaf_availabilities``     each component's availability input: SLA facts and one EKS node
``path_availability``       the availability of a design's ingest or end-to-end path
``path_components``         the components a design's path depends on (its leaves, without nodes)
``diagram_dot``             Graphviz source of the design live in a month (regions as clusters)
``render_png``              PNG bytes of a dot source (runs Graphviz ``dot``, offline)
``render_icons_png``        the same design drawn with the AWS service icons (``diagrams`` package)
``era_summary``             per era, at its last month: components, synchronous dependencies, regions, paths
``leaf_table``              each leaf's availability, downtime a month and the SLA it comes from
``era_paths``               per era: ingest and end-to-end availability and downtime against a target
``block_shares``            the serial blocks of a design's ingest path and their share of its downtime
``ingest_alternatives``     the chosen design against a better API Gateway and two regions active-active
``cell_lead``               how long a region's cell ran before its first customer, and what reached it
``archive_replicas``        where each region's event archive replicates to (platform.yml), within its geography
``resource_months``         each component's month against the first month of its billed resources (platform.yml)
=========================  ==================================================================

One model, many views: the diagrams, the component tables and the availability composition
(:mod:`dfp.reliability.availability`) all read the same file, so a design change is one edit. Time is a
month (``YYYY-MM``): a component or edge is live in month ``m`` when ``introduced <= m`` and (no ``retired``
or ``m < retired``); a per-region component exists in a region from the later of its month and the region's
go-live month. A view drawn "at" a month shows exactly what is live in it, so nothing appears before its month.
"""

from __future__ import annotations

import functools
import importlib
import re
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
from dfp.io.system import Region, System
from dfp.io.yamlfile import check_shape, load_yaml
from dfp.reliability.availability import compose, downtime_min_per_month, parallel

__all__ = [
    "CellLead",
    "IngestAlternatives",
    "Model",
    "archive_replicas",
    "arrivals",
    "block_shares",
    "cell_lead",
    "check_month",
    "components_at",
    "design_at",
    "diagram_dot",
    "edges_at",
    "era_month",
    "era_paths",
    "era_summary",
    "ingest_alternatives",
    "leaf_availabilities",
    "leaf_table",
    "load_model",
    "month_of",
    "path_availability",
    "path_components",
    "regions_at",
    "render_icons_png",
    "render_png",
    "resource_months",
]

_KINDS = {"aws", "eks", "external"}
_TIERS = ("external", "edge", "ingest", "stream", "process", "store", "deliver", "control")
_PATHS = ("ingest", "end_to_end")
_MONTH = re.compile(r"\d{4}-(0[1-9]|1[0-2])")


@dataclass(frozen=True)
class Model:
    """The architecture model: components by id, edges, and the availability designs by id (in date order)."""

    components: Mapping[str, Mapping[str, Any]]
    edges: tuple[Mapping[str, Any], ...]
    paths: Mapping[str, Mapping[str, Any]]


def check_month(value: Any, where: str = "month") -> str:
    """``value`` as a ``YYYY-MM`` month string; anything else raises naming ``where``.

    >>> check_month("2025-09")
    '2025-09'
    >>> check_month("2025-9", "spill-buffer.introduced")
    Traceback (most recent call last):
    ...
    dfp.core.errors.PlaybookError: spill-buffer.introduced must be a month written YYYY-MM; got '2025-9'
    """
    if not isinstance(value, str) or not _MONTH.fullmatch(value):
        raise PlaybookError(f"{where} must be a month written YYYY-MM; got {value!r}")
    return value


def month_of(ts: pd.Timestamp | str) -> str:
    """The ``YYYY-MM`` month a timestamp falls in (UTC).

    >>> month_of("2025-04-14T00:00:00Z")
    '2025-04'
    """
    return pd.Timestamp(ts).strftime("%Y-%m")


def era_month(system: System, era_id: str) -> str:
    """The last month of an era (``YYYY-MM``): the design an era ends with is the one live then.

    >>> from dfp.io.system import load_system
    >>> era_month(load_system(), "mvp")
    '2025-02'
    """
    return month_of(system.month_start(system.era(era_id).last_month))


def regions_at(system: System, month: str) -> list[Region]:
    """The regions live in ``month``: their ``live_from`` falls in or before it.

    >>> from dfp.io.system import load_system
    >>> [r.id for r in regions_at(load_system(), "2025-04")]
    ['us-east-1', 'eu-west-1']
    """
    m = check_month(month, "regions_at: month")
    return [r for r in system.regions if month_of(r.live_from) <= m]


def _live(item: Mapping[str, Any], month: str) -> bool:
    retired = item.get("retired")
    return bool(item["introduced"] <= month and (retired is None or month < retired))


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


#: The types of the fields of ``architecture.yml`` (:func:`dfp.io.yamlfile.check_shape`); months and paths
#: are checked below, item by item.
SHAPE: dict[str, Any] = {
    "components": {"*": {"label": str, "kind": str, "service": str, "tier": str, "introduced": str,
                         "retired?": str, "introduced_by?": str, "decisions?": "str-list", "per_region?": bool,
                         "sla?": str, "note?": str}},
    "edges": [{"from": str, "to": str, "introduced": str, "retired?": str, "sync?": bool, "note?": str}],
    "paths": {"*": {"from": str, "ingest": object, "end_to_end": object}},
}


def _check_span(item: Mapping[str, Any], where: str) -> None:
    check_month(item["introduced"], f"{where}: introduced")
    if item.get("retired") is not None:
        check_month(item["retired"], f"{where}: retired")
        if item["retired"] <= item["introduced"]:
            raise PlaybookError(f"{where}: retired {item['retired']} is not after introduced {item['introduced']}")


def _validate(raw: Mapping[str, Any], name: str) -> Model:
    comps = raw.get("components") or {}
    if not comps:
        raise PlaybookError(f"{name}: no components")
    check_shape(raw, SHAPE, name)
    for cid, c in comps.items():
        where = f"{name}: component {cid}"
        if c["kind"] not in _KINDS:
            raise PlaybookError(f"{where}: kind must be one of {sorted(_KINDS)}; got {c['kind']!r}")
        if c["tier"] not in _TIERS:
            raise PlaybookError(f"{where}: tier must be one of {list(_TIERS)}; got {c['tier']!r}")
        _check_span(c, where)
    edges = tuple(raw.get("edges") or ())
    for i, e in enumerate(edges):
        where = f"{name}: edges[{i}] {e.get('from')} -> {e.get('to')}"
        for end in ("from", "to"):
            if e.get(end) not in comps:
                raise PlaybookError(f"{where}: {end} {e.get(end)!r} is not a component")
        _check_span(e, where)
        for end in ("from", "to"):  # an edge may not predate or outlive its components
            c = comps[e[end]]
            if e["introduced"] < c["introduced"]:
                raise PlaybookError(f"{where}: introduced {e['introduced']}, before component {e[end]!r} "
                                    f"({c['introduced']})")
            if c.get("retired") is not None and (e.get("retired") is None or e["retired"] > c["retired"]):
                raise PlaybookError(f"{where}: outlives component {e[end]!r} (retired {c['retired']})")
    paths = raw.get("paths") or {}
    if not paths:
        raise PlaybookError(f"{name}: no paths")
    first = min(c["introduced"] for c in comps.values())
    designs = list(paths.items())
    for k, (design, spec) in enumerate(designs):
        start = check_month(spec["from"], f"{name}: paths.{design}.from")
        if k == 0 and start != first:
            raise PlaybookError(f"{name}: paths.{design} starts {start}; the first design must start with the first "
                                f"component ({first})")
        if k and start <= designs[k - 1][1]["from"]:
            raise PlaybookError(f"{name}: paths.{design}.from {start} is not after paths.{designs[k - 1][0]}.from")
        until = designs[k + 1][1]["from"] if k + 1 < len(designs) else None
        for p in _PATHS:
            for leaf in _leaf_names(spec[p]):
                if leaf == "eks-node":
                    continue
                if leaf not in comps:
                    raise PlaybookError(f"{name}: paths.{design}.{p} names unknown component {leaf!r}")
                c = comps[leaf]
                if c["introduced"] > start:
                    raise PlaybookError(f"{name}: paths.{design}.{p} uses {leaf!r} from {start}, before it arrives "
                                        f"({c['introduced']})")
                if c.get("retired") is not None and (until is None or c["retired"] < until):
                    raise PlaybookError(f"{name}: paths.{design}.{p} uses {leaf!r} after it is retired "
                                        f"({c['retired']})")
                if "sla" not in c:
                    raise PlaybookError(f"{name}: paths.{design}.{p} uses {leaf!r}, which has no sla fact key")
    return Model(comps, edges, paths)


@functools.cache
def _cached(path: str, mtime_ns: int) -> Model:
    p = Path(path)
    raw = load_yaml(p) or {}
    return _validate(raw, p.name)


def load_model(path: Path | str | None = None) -> Model:
    """Read and validate the architecture model (default ``data/architecture.yml``).

    Raises:
        PlaybookError: a missing field, a month not written ``YYYY-MM``, an unknown kind/tier, an edge to an
            unknown component or outside its components' months, or a design whose path uses a component
            outside the design's months.
    """
    p = Path(path) if path is not None else data_dir() / "architecture.yml"
    if not p.is_file():
        raise PlaybookError(f"architecture model not found: {p}")
    return _cached(str(p.resolve()), p.stat().st_mtime_ns)


def components_at(model: Model, month: str) -> pd.DataFrame:
    """Components live in ``month`` (``YYYY-MM``): one row each with label, kind, tier, introduced, per_region,
    sla and note, in tier order (left to right on a diagram).

    >>> "spill-buffer" in components_at(load_model(), "2025-08").index
    False
    >>> components_at(load_model(), "2025-09").loc["spill-buffer", "introduced"]
    '2025-09'
    """
    m = check_month(month, "components_at: month")
    rows = [{"id": cid, "label": c["label"], "kind": c["kind"], "tier": c["tier"],
             "introduced": c["introduced"], "per_region": bool(c.get("per_region", False)),
             "sla": c.get("sla", ""), "note": c.get("note", "")}
            for cid, c in model.components.items() if _live(c, m)]
    cols = ["id", "label", "kind", "tier", "introduced", "per_region", "sla", "note"]
    df = pd.DataFrame(rows, columns=cols).set_index("id")
    df["tier_order"] = [_TIERS.index(t) for t in df["tier"]]
    return df.sort_values(["tier_order", "label"]).drop(columns="tier_order")


def edges_at(model: Model, month: str) -> pd.DataFrame:
    """Dependencies live in ``month`` (from, to, sync, note).

    >>> e = edges_at(load_model(), "2024-11")
    >>> bool(((e["from"] == "ingest-service") & (e["to"] == "oauth-idp")).any())
    True
    """
    m = check_month(month, "edges_at: month")
    rows = [{"from": e["from"], "to": e["to"], "sync": bool(e.get("sync", False)), "note": e.get("note", "")}
            for e in model.edges if _live(e, m)]
    return pd.DataFrame(rows, columns=["from", "to", "sync", "note"])


def design_at(model: Model, month: str) -> str:
    """The id of the availability design (``paths:``) in force in ``month``: the last one whose ``from`` is not
    after it.

    >>> [design_at(load_model(), m) for m in ("2024-11", "2025-08", "2025-09")]
    ['mvp', 'full-platform', 'scale']
    """
    m = check_month(month, "design_at: month")
    live = [d for d, spec in model.paths.items() if spec["from"] <= m]
    if not live:
        raise PlaybookError(f"design_at: no design is in force in {m}; the first starts {min(s['from'] for s in model.paths.values())}")
    return live[-1]


def arrivals(model: Model) -> pd.DataFrame:
    """Every component with the month it arrived, the month it left (``None`` if it never did) and the decision
    record that introduced it, sorted by month then tier.

    >>> a = arrivals(load_model())
    >>> a.loc["delivery-dlq", ["introduced", "introduced_by"]].tolist()
    ['2026-02', '0012']
    """
    rows = [{"id": cid, "label": c["label"], "tier": c["tier"], "introduced": c["introduced"],
             "retired": c.get("retired"), "introduced_by": c.get("introduced_by"),
             "per_region": bool(c.get("per_region", False)), "note": c.get("note", "")}
            for cid, c in model.components.items()]
    df = pd.DataFrame(rows).set_index("id")
    df["tier_order"] = [_TIERS.index(t) for t in df["tier"]]
    return df.sort_values(["introduced", "tier_order", "label"]).drop(columns="tier_order")


def leaf_availabilities(model: Model, node_availability: float | None = None) -> dict[str, float]:
    """Availability input of every component with an SLA fact, plus ``eks-node``.

    Args:
        node_availability: one EKS worker node's monthly availability; ``None`` = the EC2
            instance-level SLA from external_facts.yml.
    """
    out = {cid: fact(c["sla"]).value for cid, c in model.components.items() if c.get("sla")}
    out["eks-node"] = fact("slas.ec2_instance_level").value if node_availability is None else node_availability
    return out


def _check_design(model: Model, design: str, where: str) -> None:
    if design not in model.paths:
        raise PlaybookError(f"{where}: unknown design {design!r}; allowed: {list(model.paths)}")


def path_availability(model: Model, design: str, path: str = "ingest", *,
                      leaves: Mapping[str, float] | None = None) -> float:
    """Availability of a design's ``ingest`` or ``end_to_end`` path (independent failures).

    >>> round(path_availability(load_model(), "full-platform", "ingest"), 4)
    0.9983
    """
    _check_design(model, design, "path_availability")
    if path not in _PATHS:
        raise PlaybookError(f"path must be one of {list(_PATHS)}; got {path!r}")
    return compose(model.paths[design][path], leaves if leaves is not None else leaf_availabilities(model))


def path_components(model: Model, design: str, path: str = "ingest") -> list[str]:
    """Sorted component ids a design's path depends on (EKS nodes excluded).

    >>> path_components(load_model(), "scale", "ingest")
    ['api-gateway', 'event-stream', 'spill-buffer']
    """
    _check_design(model, design, "path_components")
    if path not in _PATHS:
        raise PlaybookError(f"path must be one of {list(_PATHS)}; got {path!r}")
    return sorted(_leaf_names(model.paths[design][path]) - {"eks-node"})


_SHAPES = {"aws": ("box", "#fbe5c8"), "eks": ("box", "#dbe8f6"), "external": ("ellipse", "#eeeeee")}


def diagram_dot(model: Model, month: str, system: System) -> str:
    """Graphviz source of the design live in ``month``: per-region components inside one cluster per region.

    Solid edges are synchronous (the caller waits), dashed ones asynchronous. Regions are those live in
    ``month`` (:func:`regions_at`); components and edges those live in it (:func:`components_at`).
    """
    comps = components_at(model, month)
    regions = [r.id for r in regions_at(system, month)]

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
    for _, e in edges_at(model, month).iterrows():
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


def render_icons_png(model: Model, month: str, system: System, dpi: int = 60) -> bytes:
    """The design live in ``month`` drawn with the AWS icons bundled in the ``diagrams`` package (offline).

    Same content as :func:`diagram_dot`: one frame per live region, solid edges synchronous, dashed
    asynchronous. Rendered in a temporary folder; returns the PNG bytes.
    """

    from diagrams import Cluster, Diagram, Edge  # noqa: PLC0415 - lazy: 0.3 s to import, paid only by the commands that draw the icon diagram

    comps = components_at(model, month)
    regions = [r.id for r in regions_at(system, month)]
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
            for _, e in edges_at(model, month).iterrows():
                for region in regions:
                    a = (e["from"], region if e["from"] in per_region else None)
                    b = (e["to"], region if e["to"] in per_region else None)
                    if (a, b) in seen:
                        continue
                    seen.add((a, b))
                    _ = nodes[a] >> Edge(style="solid" if e["sync"] else "dashed", color="#555555") >> nodes[b]
        return out.with_suffix(".png").read_bytes()


def era_summary(model: Model, system: System, leaves: Mapping[str, float] | None = None) -> pd.DataFrame:
    """Per era (rows, by era id), at the era's last month (:func:`era_month`): the month, components,
    synchronous dependencies, live regions, the design in force (:func:`design_at`) and its ingest and
    end-to-end path availability in percent (:func:`path_availability`).
    """
    rows = {}
    for e in system.eras:
        m = era_month(system, e.id)
        design = design_at(model, m)
        rows[e.id] = {"month": m, "components": len(components_at(model, m)),
                      "sync_dependencies": int(edges_at(model, m)["sync"].sum()),
                      "regions": len(regions_at(system, m)), "design": design,
                      "ingest_availability_pct": 100 * path_availability(model, design, "ingest", leaves=leaves),
                      "end_to_end_availability_pct": 100 * path_availability(model, design, "end_to_end",
                                                                             leaves=leaves)}
    return pd.DataFrame(rows).T.infer_objects()


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
    """Per era (index: era id): name, ingest and end-to-end availability (%) of the design in force at the era's
    last month (:func:`design_at`), their downtime a month (min,
    :func:`dfp.reliability.availability.downtime_min_per_month`) and whether ingest meets ``target``."""
    eras = [e.id for e in system.eras]
    designs = [design_at(model, era_month(system, e)) for e in eras]
    res = pd.DataFrame({
        "era": [system.era(e).name for e in eras],
        "ingest_pct": [100 * path_availability(model, d, "ingest", leaves=leaves) for d in designs],
        "end_to_end_pct": [100 * path_availability(model, d, "end_to_end", leaves=leaves) for d in designs],
    }, index=eras)
    res["ingest_downtime_min"] = [downtime_min_per_month(x / 100) for x in res["ingest_pct"]]
    res["end_to_end_downtime_min"] = [downtime_min_per_month(x / 100) for x in res["end_to_end_pct"]]
    res["meets_target"] = res["ingest_pct"] >= 100 * target
    return res


def block_shares(model: Model, leaves: Mapping[str, float], design: str, names: list[str]) -> pd.DataFrame:
    """The serial blocks of a design's ingest path (named ``names``): availability (%), downtime a month
    and each block's share of the path's downtime (%)."""
    _check_design(model, design, "block_shares")
    blocks = model.paths[design]["ingest"]["serial"]
    if len(blocks) != len(names):
        raise PlaybookError(f"block_shares: {design} ingest has {len(blocks)} serial blocks; got {len(names)} names")
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


@dataclass(frozen=True)
class CellLead:
    """:func:`cell_lead`: how long a regional cell ran before its first customer, and what reached it meanwhile."""

    region: str
    live_from: pd.Timestamp
    first_customer: str
    first_signup: pd.Timestamp
    lead_days: int
    lead_weeks: float
    deploys_before_first_customer: int
    first_customer_tier: str
    first_customer_events_per_day: float


def cell_lead(system: System, region_id: str, customers: pd.DataFrame, deployments: pd.DataFrame) -> CellLead:
    """The lead of a region's go-live (``system.yml`` ``live_from``) over its first customer (``customers.csv``).

    ``lead_days = first signup date - live_from date`` (days), ``lead_weeks = lead_days / 7``; the production
    deploys in ``[live_from, first signup)`` (``deployments.csv``; GitOps syncs every cluster, ADR-0006) are
    the changes the cell took before it held a customer's data.

    Raises:
        PlaybookError: an unknown region, a region with no customer, or a customer before the region is live.

    >>> import pandas as pd
    >>> from dfp.io.system import load_system
    >>> cust = pd.DataFrame({"customer_id": ["C1"], "region": ["eu-west-1"], "tier": ["enterprise"],
    ...                      "signup_date": ["2025-05-14"], "base_events_per_day": [1000]})
    >>> dep = pd.DataFrame({"deployed_at": ["2025-04-20T10:00:00Z", "2025-05-20T10:00:00Z"]})
    >>> lead = cell_lead(load_system(), "eu-west-1", cust, dep)
    >>> lead.lead_days, lead.deploys_before_first_customer
    (30, 1)
    """
    region = system.region(region_id)
    for col in ("customer_id", "region", "tier", "signup_date", "base_events_per_day"):
        if col not in customers.columns:
            raise PlaybookError(f"cell_lead: customers has no column {col!r}")
    if "deployed_at" not in deployments.columns:
        raise PlaybookError("cell_lead: deployments has no column 'deployed_at'")
    mine = customers.loc[customers["region"] == region_id]
    if mine.empty:
        raise PlaybookError(f"cell_lead: no customer in region {region_id!r} (customers.csv)")
    signup = pd.to_datetime(mine["signup_date"], utc=True)
    first = mine.loc[signup.idxmin()]
    first_signup = signup.min()
    live = region.live_from.normalize()
    if first_signup < live:
        raise PlaybookError(f"cell_lead: customer {first['customer_id']} signed up {first_signup.date()}, before "
                            f"{region_id} went live ({live.date()})")
    deployed = pd.to_datetime(deployments["deployed_at"], utc=True)
    days = int((first_signup - live) / pd.Timedelta(days=1))
    return CellLead(region_id, region.live_from, str(first["customer_id"]), first_signup, days, days / 7,
                    int(((deployed >= region.live_from) & (deployed < first_signup)).sum()), str(first["tier"]),
                    float(first["base_events_per_day"]))


def resource_months(model: Model, system: System, history: pd.DataFrame) -> pd.DataFrame:
    """Each component's month in the architecture model against the first month of its resources in the platform
    model (``data/platform.yml`` ``resources``, :func:`dfp.io.platform.resource_history`).

    One row per (component, region) that has resources: ``introduced`` (the architecture model's month),
    ``expected`` (the month the component should first be billed in that region: ``max(introduced, the region's
    go-live month)``; the component's own month for a resource without a region), ``first_resource`` (the first
    month any of its resources exists there) and ``agrees``. Components without resources (externals, services
    that run on the shared node groups) have no row.

    >>> from dfp.io.platform import resource_history
    >>> from dfp.io.system import load_system
    >>> t = resource_months(load_model(), load_system(), resource_history())
    >>> bool(t["agrees"].all()), t.loc[("spill-buffer", "eu-west-1"), "first_resource"]
    (True, '2025-09')
    """
    for col in ("component", "region", "start"):
        if col not in history.columns:
            raise PlaybookError(f"resource_months: the resource history has no column {col!r}")
    drawn = history.loc[history["component"].notna()]
    unknown = sorted(set(drawn["component"]) - set(model.components))
    if unknown:
        raise PlaybookError(f"resource_months: resources name components not in architecture.yml: {unknown}")
    live = {r.id: month_of(r.live_from) for r in system.regions}
    first = (drawn.assign(region=drawn["region"].fillna("(global)"),
                          month=[month_of(t) for t in drawn["start"]])
             .groupby(["component", "region"])["month"].min())
    rows = []
    for (cid, region), month in first.items():
        introduced = model.components[cid]["introduced"]
        expected = max(introduced, live[region]) if region in live else introduced
        rows.append({"component": cid, "region": region, "introduced": introduced, "expected": expected,
                     "first_resource": month, "agrees": month == expected})
    return pd.DataFrame(rows).set_index(["component", "region"])


def archive_replicas(resources: pd.DataFrame, component: str = "event-store-s3") -> dict[str, str]:
    """Region -> the region its event archive replicates to, from the platform model's resources live at one
    time (:func:`dfp.io.platform.resources_at`): the ``component``'s buckets with a ``replication_to``.

    >>> from dfp.io.platform import resources_at
    >>> archive_replicas(resources_at("2026-10"))
    {'eu-west-1': 'eu-central-1', 'us-east-1': 'us-west-2'}
    """
    for col in ("id", "component", "region", "replication_to"):
        if col not in resources.columns:
            raise PlaybookError(f"archive_replicas: the resources have no column {col!r}")
    by_id = resources.set_index("id")
    source = by_id.loc[(by_id["component"] == component) & by_id["replication_to"].notna()]
    missing = sorted(set(source["replication_to"]) - set(by_id.index))
    if missing:
        raise PlaybookError(f"archive_replicas: replication_to names resources not live then: {missing}")
    return {str(r["region"]): str(by_id.loc[r["replication_to"], "region"]) for _, r in source.sort_values("region").iterrows()}
