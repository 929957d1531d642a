"""Organisation policy against the replication settings: does a service control policy let a request through?

============================  ====================================================================
``denied_by``                  the Sids of a policy's Deny statements that match one request
``replication_requests``       the requests one S3 replication rule makes (configure it, write replicas)
``replication_findings``       replication rules the policy would block, or that leave the allowed regions
============================  ====================================================================

A service control policy (SCP) only limits: it grants nothing, and an account's effective permissions
are the intersection of its SCPs and its IAM policies. With the default ``FullAWSAccess`` SCP in place,
a request is blocked exactly when a Deny statement matches it, which is what :func:`denied_by`
evaluates: ``Action``/``NotAction`` and ``Resource``/``NotResource`` with IAM wildcards (``*``, ``?``,
case-insensitive actions), and the condition operators ``StringEquals``, ``StringNotEquals``,
``StringLike`` and ``StringNotLike`` on the request context keys given (``aws:RequestedRegion``,
``aws:ResourceAccount``, ...). A condition on a key the request does not carry does not match (the
IAM rule for a missing key without ``IfExists``); an operator this module does not evaluate raises,
so nothing is silently allowed.

The EU cell's replication is checked as two kinds of request: ``s3:PutReplicationConfiguration`` on
the source bucket (sent to the source region) and ``s3:ReplicateObject`` / ``s3:ReplicateTags`` (and
``s3:ReplicateDelete`` when delete markers replicate) on the destination bucket's objects, made by the
replication role in the destination region.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from dfp.core.errors import PlaybookError

__all__ = ["ReplicationRule", "denied_by", "replication_findings", "replication_requests"]

_OPERATORS = ("StringEquals", "StringNotEquals", "StringLike", "StringNotLike")


def _as_list(value: Any) -> list[str]:
    return [value] if isinstance(value, str) else list(value)


def _match(pattern: str, value: str, case: bool) -> bool:
    return fnmatch.fnmatchcase(value, pattern) if case else fnmatch.fnmatchcase(value.lower(), pattern.lower())


def _condition_holds(cond: Mapping[str, Any], context: Mapping[str, str], sid: str) -> bool:
    for op, tests in cond.items():
        if op not in _OPERATORS:
            raise PlaybookError(f"statement {sid}: condition operator {op!r} is not evaluated; known: {list(_OPERATORS)}")
        for key, allowed in tests.items():
            if key not in context:
                return False
            values = _as_list(allowed)
            value = context[key]
            if op == "StringEquals":
                ok = value in values
            elif op == "StringNotEquals":
                ok = value not in values
            elif op == "StringLike":
                ok = any(_match(v, value, True) for v in values)
            else:
                ok = not any(_match(v, value, True) for v in values)
            if not ok:
                return False
    return True


def denied_by(policy: Mapping[str, Any], action: str, resource: str, context: Mapping[str, str]) -> list[str]:
    """Sids of the Deny statements of ``policy`` that match the request (empty: not blocked).

    Args:
        policy: a parsed SCP or IAM policy document (``dfp.security.iam.load_policy_document``).
        action: ``service:Action``, e.g. ``s3:ReplicateObject``.
        resource: the ARN the request acts on.
        context: request context keys, e.g. ``{"aws:RequestedRegion": "eu-central-1"}``.

    >>> scp = {"Statement": [{"Sid": "EuOnly", "Effect": "Deny", "NotAction": ["iam:*"], "Resource": "*",
    ...        "Condition": {"StringNotEquals": {"aws:RequestedRegion": ["eu-west-1", "eu-central-1"]}}}]}
    >>> denied_by(scp, "s3:ReplicateObject", "arn:aws:s3:::b/k", {"aws:RequestedRegion": "us-east-1"})
    ['EuOnly']
    >>> denied_by(scp, "s3:ReplicateObject", "arn:aws:s3:::b/k", {"aws:RequestedRegion": "eu-central-1"})
    []
    """
    if ":" not in action:
        raise PlaybookError(f"action must be service:Action; got {action!r}")
    hits = []
    for i, st in enumerate(policy.get("Statement", [])):
        if st.get("Effect") != "Deny":
            continue
        sid = st.get("Sid", f"Statement[{i}]")
        if "Action" in st:
            act = any(_match(p, action, False) for p in _as_list(st["Action"]))
        else:
            act = not any(_match(p, action, False) for p in _as_list(st["NotAction"]))
        if "Resource" in st:
            res = any(_match(p, resource, True) for p in _as_list(st["Resource"]))
        else:
            res = not any(_match(p, resource, True) for p in _as_list(st["NotResource"]))
        if act and res and _condition_holds(st.get("Condition", {}), context, sid):
            hits.append(sid)
    return hits


@dataclass(frozen=True)
class ReplicationRule:
    """One S3 replication rule: source bucket and region, destination bucket and region, the account
    that owns the destination, and whether delete markers replicate."""

    source_bucket: str
    source_region: str
    destination_bucket: str
    destination_region: str
    destination_account: str
    delete_markers: bool


def replication_requests(rule: ReplicationRule) -> list[tuple[str, str, dict[str, str]]]:
    """The ``(action, resource ARN, request context)`` triples a replication rule needs allowed.

    >>> r = ReplicationRule("src", "eu-west-1", "dst", "eu-central-1", "111111111111", False)
    >>> [a for a, _, _ in replication_requests(r)]
    ['s3:PutReplicationConfiguration', 's3:ReplicateObject', 's3:ReplicateTags']
    """
    dest_ctx = {"aws:RequestedRegion": rule.destination_region, "aws:ResourceAccount": rule.destination_account}
    out = [("s3:PutReplicationConfiguration", f"arn:aws:s3:::{rule.source_bucket}",
            {"aws:RequestedRegion": rule.source_region})]
    writes = ["s3:ReplicateObject", "s3:ReplicateTags"] + (["s3:ReplicateDelete"] if rule.delete_markers else [])
    out += [(a, f"arn:aws:s3:::{rule.destination_bucket}/tenants/t/object", dest_ctx) for a in writes]
    return out


def replication_findings(policy: Mapping[str, Any], rules: Sequence[ReplicationRule],
                         allowed_regions: Collection[str]) -> list[str]:
    """What keeps the organisation policy and the replication settings from agreeing.

    A finding is a rule whose destination region is outside ``allowed_regions`` (the residency
    decision), a request of a rule the policy denies (the replica could not be written), or a rule that
    replicates delete markers (a delete in the source would hide the objects in the replica, the copy
    kept to recover from exactly that).

    >>> scp = {"Statement": [{"Sid": "EuOnly", "Effect": "Deny", "NotAction": ["iam:*"], "Resource": "*",
    ...        "Condition": {"StringNotEquals": {"aws:RequestedRegion": ["eu-west-1", "eu-central-1"]}}}]}
    >>> ok = ReplicationRule("src", "eu-west-1", "dst", "eu-central-1", "111111111111", False)
    >>> replication_findings(scp, [ok], ["eu-west-1", "eu-central-1"])
    []
    >>> us = ReplicationRule("src", "eu-west-1", "dst", "us-east-1", "111111111111", False)
    >>> len(replication_findings(scp, [us], ["eu-west-1", "eu-central-1"]))
    3
    """
    if not allowed_regions:
        raise PlaybookError("allowed_regions must name at least one region")
    out = []
    for r in rules:
        name = f"{r.source_bucket} -> {r.destination_bucket}"
        if r.destination_region not in allowed_regions:
            out.append(f"{name}: destination region {r.destination_region} is outside {sorted(allowed_regions)}")
        if r.delete_markers:
            out.append(f"{name}: replicates delete markers, so a delete in the source hides the replica's objects")
        for action, resource, ctx in replication_requests(r):
            sids = denied_by(policy, action, resource, ctx)
            if sids:
                out.append(f"{name}: {action} in {ctx['aws:RequestedRegion']} is denied by {sids}")
    return out
