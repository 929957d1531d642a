"""The platform's own design policies (``data/platform.yml``): network layout, stream sizing rules,
Kubernetes services and node types, observability volumes, store protection settings.

``load_policies()`` reads and checks the file: each top-level section present, every ratio a
fraction, every size and count positive. The Terraform, the manifests and the notebooks of
02 Infrastructure and 03 Platform read these numbers; tests check the artifacts agree with them.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from dfp.core.checks import check_fraction, check_positive
from dfp.core.errors import PlaybookError
from dfp.core.paths import data_dir
from dfp.io.yamlfile import check_shape, load_yaml

__all__ = ["load_policies", "workload"]

_SECTIONS = ("network", "stream", "kubernetes", "observability", "recovery", "workload")
_FRACTIONS = {("stream", "headroom"), ("kubernetes", "hpa_cpu_target")}


_N = float  # any number
#: The types of every field of ``platform.yml`` the package reads (:func:`dfp.io.yamlfile.check_shape`).
SHAPE: dict[str, Any] = {
    "network": {"supernet": str, "vpc_prefix": int, "region_index": "number-map", "staging_offset": int,
                "az_slots": int, "azs_by_era": "number-map", "tiers": [{"name": str, "prefix": int, "purpose?": str}]},
    "stream": {"headroom": _N, "burst_factor": _N, "tenant_limit_events_per_s": _N, "partition_salt_buckets": _N,
               "retention_h": _N},
    "kubernetes": {"azs": int, "hpa_cpu_target": _N, "daemonset_per_node": "number-map",
                   "node_types": {"*": {"vcpu": _N, "cpu_m": _N, "mem_mib": _N, "price": str}},
                   "services": {"*": {"min_replicas": _N, "cpu_m": _N, "mem_mib": _N, "*": _N}},
                   "processor": "number-map", "fixed_usage_ratio": _N, "node_groups?": {"*": [str]}},
    "observability": "number-map",
    "recovery": {"stores": {"*": {"protection": str, "backup_interval_min": _N, "restore_fixed_min": _N,
                                  "restore_gb_per_h": _N, "*": _N}}},
    "workload": "number-map",
}


def _validate(raw: Mapping[str, Any], name: str) -> dict[str, Any]:
    for s in _SECTIONS:
        if s not in raw:
            raise PlaybookError(f"{name}: missing section {s!r}")
    check_shape(raw, SHAPE, name)
    for sec, key in _FRACTIONS:
        check_fraction(f"{name}: {sec}.{key}", raw[sec][key])
    for key in ("burst_factor", "tenant_limit_events_per_s", "partition_salt_buckets", "retention_h"):
        check_positive(f"{name}: stream.{key}", raw["stream"][key])
    for nt, spec in raw["kubernetes"]["node_types"].items():
        for k in ("vcpu", "cpu_m", "mem_mib"):
            check_positive(f"{name}: kubernetes.node_types.{nt}.{k}", spec.get(k))
    for svc, spec in raw["kubernetes"]["services"].items():
        for k in ("min_replicas", "cpu_m", "mem_mib"):
            check_positive(f"{name}: kubernetes.services.{svc}.{k}", spec.get(k))
    for k, v in raw["observability"].items():
        check_positive(f"{name}: observability.{k}", v)
    return dict(raw)


@functools.cache
def _cached(path: str, mtime_ns: int) -> dict[str, Any]:
    p = Path(path)
    return _validate(load_yaml(p) or {}, p.name)


def load_policies(path: Path | str | None = None) -> dict[str, Any]:
    """The design policies, validated (default ``data/platform.yml``).

    >>> load_policies()["stream"]["headroom"]
    0.3
    """
    p = Path(path) if path is not None else data_dir() / "platform.yml"
    if not p.is_file():
        raise PlaybookError(f"platform policies not found: {p}")
    return _cached(str(p.resolve()), p.stat().st_mtime_ns)


def workload(path: Path | str | None = None) -> dict[str, float]:
    """The billing generator's workload coefficients (section ``workload`` of ``data/platform.yml``), as floats.

    >>> workload()["retention_days"]
    395.0
    """
    raw = load_policies(path)["workload"]
    out: dict[str, float] = {}
    for key, value in raw.items():
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise PlaybookError(f"platform.yml: workload.{key} must be a number; got {value!r}")
        out[key] = float(value)
    return out
