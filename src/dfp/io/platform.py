"""The platform over time (section ``resources`` of ``data/platform.yml``): every billed or drawn resource.

==============================  =====================================================================
``load_resources()``             the resources, validated: kinds, settings and their types, dates
``resource_history()``           one row per resource and change: the interval and the effective settings
``resources_at(when)``           one row per resource live at a month's end (``YYYY-MM``) or an instant
``resource(id, when)``           one resource's effective settings at a month's end or an instant
``daily_setting(id, key, days)`` a numeric setting per day, weighted by the share of the day it held
``live_share(id, days)``         the share of each day the resource existed (0 before, 1 after)
``resource_arn(row, account)``   the ARN (FOCUS ``ResourceId``) of a resource, as the bill writes it
``arn_pattern(row, account)``    a regular expression matching every ARN of a resource (tenant bucket sets)
``load_accounts()``              the AWS accounts (section ``accounts``): id, name, payer, envs, regions
``account_of(env, region)``      the account a resource of that env and region lives in
``payer_account()``              the management (payer) account: the bill's ``BillingAccountId``
``account_ids_in(text)``         every 12-digit AWS account id a text (Terraform, policy, manifest) names
==============================  =====================================================================

A resource is ``{id, kind, name, component, region, env, team, changes: [{from, <settings>}], until}``;
each change overrides the settings it names from its ``from`` on, until the next change. ``from`` and
``until`` are ``YYYY-MM`` (the month's first instant), ``YYYY-MM-DD``, ``live`` (the region's ``live_from``
in ``system.yml``; the programme start for a global resource or a region without its own cell),
``live:<region>`` (another region's ``live_from``: a replica follows its source) or
``INC-nn.start`` / ``INC-nn.end`` (the incident record's impact window), so a change an incident caused is
dated by that record. Times are UTC. Every kind has a fixed set of
settings with a type; an unknown kind or setting, a wrong type or a change before the resource existed raises
:class:`~dfp.core.errors.PlaybookError` naming the resource id and the key.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from dfp.core.errors import PlaybookError
from dfp.core.paths import data_dir
from dfp.io.system import System, load_system
from dfp.io.yamlfile import load_yaml

__all__ = [
    "KINDS",
    "Account",
    "account_ids_in",
    "account_of",
    "arn_pattern",
    "daily_setting",
    "live_share",
    "load_accounts",
    "load_resources",
    "payer_account",
    "resource",
    "resource_arn",
    "resource_history",
    "resources_at",
]

_S, _N, _B = str, float, bool
_OPT_S = (str, type(None))
#: Every kind of resource and the settings (name -> type) its changes may carry. ``cause`` (text) is allowed
#: everywhere: the incident or decision record behind a change.
KINDS: dict[str, dict[str, Any]] = {
    "eks-cluster": {"support": _S},
    "eks-nodegroup": {"instance_type": _S, "min_nodes": _N, "max_nodes": _N, "sizing": _S},
    "eks-workload": {"log_level": _S},
    "ec2-instances": {"instance_type": _S, "mean_usd_per_day": _N},
    "ebs-volumes": {"volumes": _N, "size_gb": _N},
    "api-gateway": {"api_type": _S},
    "kinesis-stream": {"capacity_mode": _S, "retention_h": _N, "shards": _N},
    "sqs-queue": {"purpose": _S, "consumers": _N, "kms_key": _S},
    "dynamodb-table": {"capacity_mode": _S, "pitr": _B, "kms_key": _S},
    "rds-instance": {"instance_class": _S, "multi_az": _B, "storage_gb": _N, "engine": _S, "kms_key": _S},
    "s3-bucket": {"content": _S, "storage_class": _S, "versioning": _B, "encryption": _S, "kms_key": _S,
                  "object_lock": _S, "object_lock_days": _N, "public_access_block": _B, "replication_to": _OPT_S,
                  "bucket_key": _B, "replicate_delete_markers": _B},
    "cloudtrail": {"data_events": _B, "bucket": _S},
    "cloudwatch": {"alarms": _N, "custom_metrics": _N},
    "cloudwatch-log-group": {"stream": _S, "retention_days": _N},
    "nat-gateway": {"count": _N},
    "vpc-endpoint": {"service": _S, "endpoint_type": _S},
    "kms-key": {"data_class": _S},
    "iam-role": {"purpose": _S},
}
KINDS["s3-tenant-buckets"] = KINDS["s3-bucket"]
#: allowed values of the categorical settings
_CHOICES = {
    "capacity_mode": {"on-demand", "provisioned"},
    "sizing": {"cluster-plan", "load-tests", "dev-activity"},
    "log_level": {"info", "debug"},
    "encryption": {"sse-kms", "sse-s3"},
    "object_lock": {"none", "governance", "compliance"},
    "storage_class": {"standard", "glacier-ir"},
    "purpose": {"spill", "dlq", "workload", "legacy"},
    "endpoint_type": {"gateway", "interface"},
}
_FIELDS = ("id", "kind", "name", "component", "region", "env", "team", "changes", "until")
_OPTIONAL = ("billed", "free")
_ENVS = {"prod", "staging", "dev", "sandbox"}
#: ARN shape per kind: (service, resource part with ``{name}``); S3 has no region or account in its ARN
_ARN = {
    "eks-cluster": ("eks", "cluster/{name}"), "eks-nodegroup": ("eks", "nodegroup/{name}"),
    "ec2-instances": ("ec2", "instance/{name}"), "ebs-volumes": ("ec2", "volume/{name}"),
    "api-gateway": ("apigateway", "/apis/{name}"), "kinesis-stream": ("kinesis", "stream/{name}"),
    "sqs-queue": ("sqs", "{name}"), "dynamodb-table": ("dynamodb", "table/{name}"),
    "rds-instance": ("rds", "db:{name}"), "cloudtrail": ("cloudtrail", "trail/{name}"),
    "cloudwatch": ("cloudwatch", "alarm:{name}"), "nat-gateway": ("ec2", "natgateway/{name}"),
    "cloudwatch-log-group": ("logs", "log-group:{name}"),
    "vpc-endpoint": ("ec2", "vpc-endpoint/{name}"), "kms-key": ("kms", "key/{name}"),
    "eks-workload": ("eks", "workload/{name}"), "iam-role": ("iam", "role/{name}"),
}
_MONTH = re.compile(r"^\d{4}-\d{2}$")
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_INCIDENT = re.compile(r"^(INC-\d+)\.(start|end)$")


def _when(value: object, where: str, region: str | None, system: System) -> pd.Timestamp:
    """Resolve a ``from``/``until`` token to a UTC timestamp (see the module docstring)."""
    if isinstance(value, dt.datetime):
        return pd.Timestamp(value).tz_localize("UTC") if value.tzinfo is None else pd.Timestamp(value).tz_convert("UTC")
    if isinstance(value, dt.date):
        return pd.Timestamp(value, tz="UTC")
    text = str(value)
    if _MONTH.match(text) or _DAY.match(text):
        try:
            return pd.Timestamp(text + ("-01" if _MONTH.match(text) else ""), tz="UTC")
        except ValueError as exc:
            raise PlaybookError(f"{where}: not a date: {text!r}") from exc
    if text.startswith("live:"):  # another region's live_from (a replica follows its source region)
        return system.region(text.removeprefix("live:")).live_from
    if text == "live":
        if region is None:  # a global resource (IAM): live from the programme's start
            return system.start
        try:
            return system.region(region).live_from
        except PlaybookError:
            return system.start
    m = _INCIDENT.match(text)
    if m:
        inc = system.incident(m.group(1))
        return inc.impact_start if m.group(2) == "start" else inc.impact_end
    raise PlaybookError(f"{where}: expected YYYY-MM, YYYY-MM-DD, 'live', 'live:<region>' or 'INC-nn.start|end'; "
                      f"got {value!r}")


def _check_setting(rid: str, kind: str, key: str, value: object, where: str) -> object:
    spec = KINDS[kind]
    if key == "cause":
        if not isinstance(value, str):
            raise PlaybookError(f"{where}: cause must be text; got {value!r}")
        return value
    if key not in spec:
        raise PlaybookError(f"{where}: kind {kind!r} has no setting {key!r} (known: {', '.join(sorted(spec))})")
    want = spec[key]
    if want is _N:
        if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
            raise PlaybookError(f"{where} must be a non-negative number; got {value!r}")
        return float(value)
    if want is _B:
        if not isinstance(value, bool):
            raise PlaybookError(f"{where} must be true or false; got {value!r}")
        return value
    if want is _OPT_S:
        if value is not None and (not isinstance(value, str) or not value):
            raise PlaybookError(f"{where} must be a resource id or null; got {value!r}")
        return value
    if not isinstance(value, str) or not value:
        raise PlaybookError(f"{where} must be text; got {value!r}")
    if key in _CHOICES and value not in _CHOICES[key]:
        raise PlaybookError(f"{where} must be one of {sorted(_CHOICES[key])}; got {value!r}")
    return value


def _validate(raw: object, name: str, system: System, components: set[str]) -> pd.DataFrame:
    if not isinstance(raw, list) or not raw:
        raise PlaybookError(f"{name}: resources must be a non-empty list")
    rows: list[dict[str, Any]] = []
    seen: set[str] = set()
    for i, r in enumerate(raw):
        if not isinstance(r, Mapping):
            raise PlaybookError(f"{name}: resources[{i}] must be a mapping")
        rid = r.get("id")
        if not isinstance(rid, str) or not rid:
            raise PlaybookError(f"{name}: resources[{i}].id must be text; got {rid!r}")
        where = f"{name}: resource {rid}"
        if rid in seen:
            raise PlaybookError(f"{where}: id written twice")
        seen.add(rid)
        for f in _FIELDS:
            if f not in r:
                raise PlaybookError(f"{where}: missing key {f!r}")
        extra = set(r) - set(_FIELDS) - set(_OPTIONAL)
        if extra:
            raise PlaybookError(f"{where}: unknown key(s) {sorted(extra)}")
        kind = r["kind"]
        if kind not in KINDS:
            raise PlaybookError(f"{where}: unknown kind {kind!r} (known: {', '.join(sorted(KINDS))})")
        if r["component"] is not None and r["component"] not in components:
            raise PlaybookError(f"{where}: component {r['component']!r} is not in architecture.yml components")
        if r["env"] not in _ENVS:
            raise PlaybookError(f"{where}: env must be one of {sorted(_ENVS)}; got {r['env']!r}")
        region = r["region"]
        if region is not None and not re.match(r"^[a-z]{2}-[a-z]+-\d$", str(region)):
            raise PlaybookError(f"{where}: region must be an AWS region id or null; got {region!r}")
        billed = r.get("billed", True)
        if not isinstance(billed, bool) or (not billed and not r.get("free")):
            raise PlaybookError(f"{where}: billed must be true or false, and billed: false needs a 'free' reason")
        changes = r["changes"]
        if not isinstance(changes, list) or not changes:
            raise PlaybookError(f"{where}: changes must be a non-empty list")
        until = None if r["until"] is None else _when(r["until"], f"{where}: until", region, system)
        settings: dict[str, object] = {}
        prev: pd.Timestamp | None = None
        for j, ch in enumerate(changes):
            cw = f"{where}: changes[{j}]"
            if not isinstance(ch, Mapping) or "from" not in ch:
                raise PlaybookError(f"{cw}: must be a mapping with a 'from'")
            start = _when(ch["from"], f"{cw}.from", region, system)
            if prev is not None and start <= prev:
                raise PlaybookError(f"{cw}.from: {start:%Y-%m-%d %H:%M} is not after the change before it")
            if until is not None and start >= until:
                raise PlaybookError(f"{cw}.from: {start:%Y-%m-%d %H:%M} is not before until ({until:%Y-%m-%d})")
            settings = dict(settings)
            settings.pop("cause", None)
            for k, v in ch.items():
                if k != "from":
                    settings[k] = _check_setting(rid, kind, k, v, f"{cw}.{k}")
            if j == 0:
                missing = set(KINDS[kind]) - set(settings) - ({"shards"} if kind == "kinesis-stream" else set())
                if missing:
                    raise PlaybookError(f"{cw}: the first change must set every setting of {kind}; "
                                        f"missing {sorted(missing)}")
            prev = start
            rows.append({"id": rid, "kind": kind, "name": str(r["name"]), "component": r["component"],
                         "region": region, "env": r["env"], "team": r["team"], "billed": billed,
                         "change": j, "start": start, "end": pd.NaT, "until": until, "settings": settings})
    frame = pd.DataFrame(rows)
    nxt = frame.groupby("id")["start"].shift(-1)
    frame["end"] = nxt.fillna(frame["until"])
    _check_references(frame, name)
    return frame


def _check_references(frame: pd.DataFrame, name: str) -> None:
    """Settings that name other resources (``kms_key``, ``replication_to``, ``bucket``) must name existing ones."""
    ids = set(frame["id"])
    for rid, settings in zip(frame["id"], frame["settings"], strict=True):
        for key in ("kms_key", "replication_to", "bucket"):
            ref = settings.get(key)
            if ref is not None and ref not in ids:
                raise PlaybookError(f"{name}: resource {rid}: {key} names {ref!r}, which is not a resource")


@functools.cache
def _cached(path: str, mtime_ns: int, system_path: str, arch_path: str, others_mtime_ns: tuple[int, int]) -> pd.DataFrame:
    p = Path(path)
    doc = load_yaml(p) or {}
    if "resources" not in doc:
        raise PlaybookError(f"{p.name}: missing section 'resources'")
    system = load_system(system_path)
    arch = load_yaml(arch_path) or {}
    return _validate(doc["resources"], p.name, system, set(arch.get("components", {})))


def resource_history(path: Path | str | None = None) -> pd.DataFrame:
    """One row per resource and change: ``id, kind, name, component, region, env, team, billed, change,
    start, end`` (``end``: the next change or ``until``; NaT while it holds) and the effective ``settings`` as
    columns (NaN/None where a kind has no such setting), sorted by id then start.

    >>> h = resource_history()
    >>> h.loc[h["id"] == "stream-us-east-1", ["capacity_mode", "shards"]].to_dict("records")[-1]
    {'capacity_mode': 'provisioned', 'shards': 2.0}
    """
    return _expand(load_resources(path))


def load_resources(path: Path | str | None = None) -> pd.DataFrame:
    """The validated history with ``settings`` as one dict per row (default ``data/platform.yml``)."""
    p = Path(path) if path is not None else data_dir() / "platform.yml"
    if not p.is_file():
        raise PlaybookError(f"platform model not found: {p}")
    sys_p, arch_p = data_dir() / "system.yml", data_dir() / "architecture.yml"
    others = (sys_p.stat().st_mtime_ns, arch_p.stat().st_mtime_ns)   # incident times and components come from these
    return _cached(str(p.resolve()), p.stat().st_mtime_ns, str(sys_p), str(arch_p), others).copy()


def _expand(frame: pd.DataFrame) -> pd.DataFrame:
    settings = pd.DataFrame(list(frame["settings"]), index=frame.index)
    out = pd.concat([frame.drop(columns=["settings"]), settings], axis=1)
    return out.sort_values(["id", "start"], kind="stable").reset_index(drop=True)


def _instant(when: str | pd.Timestamp) -> pd.Timestamp:
    """A month ``YYYY-MM`` is its last instant (the state a month ends in); a date or timestamp is itself."""
    if isinstance(when, str) and _MONTH.match(when):
        return pd.Timestamp(when + "-01", tz="UTC") + pd.offsets.MonthBegin(1) - pd.Timedelta(1, "ns")
    try:
        t = pd.Timestamp(when)
    except (ValueError, TypeError) as exc:
        raise PlaybookError(f"when must be YYYY-MM, a date or a timestamp; got {when!r}") from exc
    return t.tz_localize("UTC") if t.tzinfo is None else t.tz_convert("UTC")


def resources_at(when: str | pd.Timestamp, path: Path | str | None = None) -> pd.DataFrame:
    """One row per resource live at ``when`` (a month ``YYYY-MM`` means its last instant) with its effective
    settings: a change takes effect from its moment and holds until the next one.

    >>> r = resources_at("2025-07")
    >>> r.set_index("id").loc["stream-us-east-1", "capacity_mode"], "spill-us-east-1" in set(r["id"])
    ('on-demand', False)
    """
    t = _instant(when)
    h = resource_history(path)
    live = (h["start"] <= t) & (h["end"].isna() | (h["end"] > t))
    return h.loc[live].reset_index(drop=True)


def resource(resource_id: str, when: str | pd.Timestamp, path: Path | str | None = None) -> dict[str, Any]:
    """The effective settings of one resource at ``when`` (see :func:`resources_at`).

    Raises:
        PlaybookError: no such resource, or it does not exist at ``when``.

    >>> resource("processors-us-east-1", "2026-03-05")["log_level"]
    'debug'
    """
    h = load_resources(path)
    rows = h.loc[h["id"] == resource_id]
    if rows.empty:
        raise PlaybookError(f"platform.yml: no resource {resource_id!r}")
    t = _instant(when)
    live = rows.loc[(rows["start"] <= t) & (rows["end"].isna() | (rows["end"] > t))]
    if live.empty:
        raise PlaybookError(f"platform.yml: resource {resource_id} does not exist at {t:%Y-%m-%d %H:%M} UTC")
    row = live.iloc[0]
    return {**{k: row[k] for k in ("id", "kind", "name", "component", "region", "env", "team", "billed")},
            **row["settings"]}


def _day_overlap(days: pd.DatetimeIndex, start: pd.Timestamp, end: pd.Timestamp | None) -> np.ndarray:
    """Share of each day (UTC, 24 h from each timestamp in ``days``) inside ``[start, end)``."""
    d0 = (days - start) / pd.Timedelta(days=1)
    lo = np.clip(-d0.to_numpy(float), 0.0, 1.0)
    if end is None or pd.isna(end):
        return 1.0 - lo
    hi = np.clip(((end - days) / pd.Timedelta(days=1)).to_numpy(float), 0.0, 1.0)
    return np.clip(hi - lo, 0.0, 1.0)


def _rows(resource_id: str, path: Path | str | None) -> pd.DataFrame:
    h = load_resources(path)
    rows = h.loc[h["id"] == resource_id]
    if rows.empty:
        raise PlaybookError(f"platform.yml: no resource {resource_id!r}")
    return rows


def live_share(resource_id: str, days: pd.DatetimeIndex, path: Path | str | None = None) -> np.ndarray:
    """The share of each day (0..1) on which the resource existed.

    >>> days = pd.date_range("2025-08-31", periods=3, freq="D", tz="UTC")
    >>> live_share("spill-us-east-1", days).tolist()
    [0.0, 1.0, 1.0]
    """
    rows = _rows(resource_id, path)
    return _day_overlap(days, rows["start"].iloc[0], rows["until"].iloc[0])


def daily_setting(resource_id: str, key: str, days: pd.DatetimeIndex, path: Path | str | None = None) -> np.ndarray:
    """A numeric or boolean setting per day, each change weighted by the share of the day it held (0 on days
    the resource did not exist); a text setting compares equal to ``key=value`` (``"log_level=debug"``) and gives
    the share of the day it held that value; ``key?`` gives the share of the day the setting was not null
    (``"replication_to?"``).

    >>> days = pd.date_range("2026-03-10", periods=3, freq="D", tz="UTC")
    >>> [round(float(x), 3) for x in daily_setting("processors-us-east-1", "log_level=debug", days)]
    [1.0, 0.708, 0.0]

    Raises:
        PlaybookError: the resource's kind has no such setting, or the setting is text and no value is given.
    """
    rows = _rows(resource_id, path)
    name, _, want = key.partition("=")
    is_set = name.endswith("?")
    name = name.rstrip("?")
    kind = rows["kind"].iloc[0]
    if name not in KINDS[kind]:
        raise PlaybookError(f"platform.yml: resource {resource_id} ({kind}) has no setting {name!r}")
    out = np.zeros(len(days))
    for start, end, settings in zip(rows["start"], rows["end"], rows["settings"], strict=True):
        value = settings.get(name)
        if is_set:
            v = float(value is not None)
        elif want:
            v = float(value == want)
        elif isinstance(value, bool | int | float):
            v = float(value)
        elif value is None:
            v = 0.0
        else:
            raise PlaybookError(f"platform.yml: {resource_id}.{name} is text ({value!r}); ask for '{name}=<value>'")
        out += v * _day_overlap(days, start, end)
    return out


@dataclass(frozen=True)
class Account:
    """One AWS account of the organisation: its 12-digit ``id``, ``name``, whether it is the ``payer``
    (management account, no workloads), and the ``envs`` and ``regions`` whose resources it holds
    (``global``: resources without a region; ``any``: every region)."""

    id: str
    name: str
    payer: bool
    envs: tuple[str, ...]
    regions: tuple[str, ...]


_ACCOUNT_ID = re.compile(r"^\d{12}$")


def _validate_accounts(raw: object, name: str) -> tuple[Account, ...]:
    """Parse and check section ``accounts``: 12-digit quoted ids, unique ids and names, exactly one payer
    holding no workloads, known envs, and no env/region held by two accounts."""
    if not isinstance(raw, list) or not raw:
        raise PlaybookError(f"{name}: section 'accounts' must be a non-empty list")
    out: list[Account] = []
    for i, a in enumerate(raw):
        where = f"{name}: accounts[{i}]"
        if not isinstance(a, dict) or set(a) != {"id", "name", "payer", "env", "regions"}:
            raise PlaybookError(f"{where}: expected keys id, name, payer, env, regions; got {a!r}")
        if not isinstance(a["id"], str) or not _ACCOUNT_ID.match(a["id"]):
            raise PlaybookError(f"{where}: id must be a quoted 12-digit string; got {a['id']!r}")
        envs, regions = tuple(a["env"] or ()), tuple(a["regions"] or ())
        if unknown := set(envs) - _ENVS:
            raise PlaybookError(f"{where} ({a['id']}): unknown env {sorted(unknown)}")
        if not isinstance(a["payer"], bool):
            raise PlaybookError(f"{where} ({a['id']}): payer must be true or false")
        if a["payer"] and (envs or regions):
            raise PlaybookError(f"{where} ({a['id']}): the payer (management) account holds no workloads")
        out.append(Account(a["id"], str(a["name"]), a["payer"], envs, regions))
    for field in ("id", "name"):
        seen = [getattr(x, field) for x in out]
        if dup := sorted({v for v in seen if seen.count(v) > 1}):
            raise PlaybookError(f"{name}: accounts: duplicate {field} {dup}")
    payers = [x.id for x in out if x.payer]
    if len(payers) != 1:
        raise PlaybookError(f"{name}: accounts: exactly one payer account expected; got {payers}")
    held = [(e, r, x.id) for x in out for e in x.envs for r in x.regions]
    for e, r, acct in held:
        clash = [b for e2, r2, b in held if e2 == e and b != acct and (r2 == r or "any" in (r, r2))]
        if clash:
            raise PlaybookError(f"{name}: accounts: env {e} region {r} is held by {acct} and {clash[0]}")
    return tuple(out)


@functools.cache
def _cached_accounts(path: str, mtime_ns: int) -> tuple[Account, ...]:
    p = Path(path)
    doc = load_yaml(p) or {}
    if "accounts" not in doc:
        raise PlaybookError(f"{p.name}: missing section 'accounts'")
    return _validate_accounts(doc["accounts"], p.name)


def load_accounts(path: Path | str | None = None) -> tuple[Account, ...]:
    """The organisation's AWS accounts (section ``accounts`` of ``data/platform.yml``), validated.

    >>> sorted(a.name for a in load_accounts())[:2]
    ['dataflow-dev', 'dataflow-management']
    """
    p = Path(path) if path is not None else data_dir() / "platform.yml"
    if not p.is_file():
        raise PlaybookError(f"platform model not found: {p}")
    return _cached_accounts(str(p.resolve()), p.stat().st_mtime_ns)


def payer_account(path: Path | str | None = None) -> Account:
    """The management (payer) account: the bill's ``BillingAccountId``; it holds no workloads.

    >>> payer_account().name
    'dataflow-management'
    """
    return next(a for a in load_accounts(path) if a.payer)


def account_of(env: str, region: str | None, path: Path | str | None = None) -> Account:
    """The account a resource of ``env`` in ``region`` (``None``: a global resource) lives in: the account
    listing that env and that region, else that env and ``any``.

    >>> account_of("prod", "eu-central-1").name
    'dataflow-prod-eu-west-1'
    >>> account_of("sandbox", "us-east-1").name
    'dataflow-dev'

    Raises:
        PlaybookError: no account holds that env and region.
    """
    where = region if isinstance(region, str) and region else "global"
    accounts = load_accounts(path)
    for wanted in (where, "any"):
        hit = [a for a in accounts if env in a.envs and wanted in a.regions]
        if hit:
            return hit[0]
    raise PlaybookError(f"platform.yml: accounts: no account holds env {env!r} in region {where!r}")


_ID_IN_TEXT = re.compile(r"(?<![0-9A-Za-z])\d{12}(?![0-9A-Za-z])")


def account_ids_in(text: str) -> set[str]:
    """Every AWS account id (12 digits standing alone, so not inside a hex digest or a longer number) in a
    text: ARNs, ECR hosts, quoted ids, comments.

    >>> sorted(account_ids_in('arn:aws:iam::111111111111:root 111122223333.dkr.ecr sha256:a0123456789012b'))
    ['111111111111', '111122223333']
    """
    return set(_ID_IN_TEXT.findall(text))


def resource_arn(row: Mapping[str, Any], account: str | None = None) -> str:
    """The ARN the bill writes as ``ResourceId`` for a resource row (:func:`resources_at` or
    :func:`resource_history`); a tenant bucket set's name keeps its ``{customer}`` placeholder. The
    account is the row's (:func:`account_of` its ``env`` and ``region``) unless ``account`` is given.

    >>> resource_arn({"kind": "eks-nodegroup", "region": "us-east-1", "name": "prod-us-east-1/workers"}, "1")
    'arn:aws:eks:us-east-1:1:nodegroup/prod-us-east-1/workers'
    >>> resource_arn({"kind": "kinesis-stream", "region": "eu-west-1", "env": "prod", "name": "events"})
    'arn:aws:kinesis:eu-west-1:111111111111:stream/events'
    >>> resource_arn({"kind": "s3-bucket", "region": "us-east-1", "name": "dfp-events-us-east-1"}, "1")
    'arn:aws:s3:::dfp-events-us-east-1'
    """
    kind, name = row["kind"], row["name"]
    if kind in ("s3-bucket", "s3-tenant-buckets"):
        return f"arn:aws:s3:::{name}"
    service, part = _ARN[kind]
    region = row["region"] or ""
    acct = account if account is not None else account_of(row["env"], row["region"]).id
    return f"arn:aws:{service}:{region}:{acct}:{part.format(name=name)}"


def arn_pattern(row: Mapping[str, Any], account: str | None = None) -> str:
    """A regular expression matching every ARN of the resource (``{customer}`` matches one customer id, a letter and digits: ``c0042``);
    the account as in :func:`resource_arn`.

    >>> bool(re.fullmatch(arn_pattern({"kind": "s3-tenant-buckets", "region": "eu-west-1",
    ...     "name": "dfp-events-eu-west-1-{customer}"}, "1"), "arn:aws:s3:::dfp-events-eu-west-1-c042"))
    True
    """
    arn = resource_arn(row, account)
    return re.escape(arn).replace(re.escape("{customer}"), r"[a-z][0-9]+")
