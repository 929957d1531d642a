"""Static analysis of AWS IAM policy documents and principals: the access-review findings.

=========================  ========================================================================
``load_policy_document``    read and validate one IAM policy JSON document
``policy_findings``         excess grants in one document (the rules below), as a DataFrame
``principal_findings``      unused principals and humans without MFA, from ``iam_principals``
``directory_findings``      ``policy_findings`` over every ``*.json`` in a folder
``access_levels``           what an action pattern allows: list, read, write, delete, permissions, tagging
``statement_access``        one row per Allow statement: the access levels it grants and examples
=========================  ========================================================================

Rules (each finding names the document, the statement ``Sid`` and the rule):

* ``wildcard-action``: an Allow with ``"*"`` or ``"<service>:*"`` in ``Action`` (every action of a
  service, including writes and deletes), unless guarded by an MFA condition (break-glass).
* ``wildcard-resource-data``: an Allow on ``Resource: "*"`` for an action that reads or changes
  data (anything but ``Describe*``/``List*``/``Get*Metric*``/``FilterLogEvents`` and registry login).
* ``cross-tenant-prefix``: an Allow on an object ARN of a tenant-data bucket (``dfp-events-*``,
  ``dfp-processed-*``) whose ``tenants/`` segment is a wildcard instead of
  ``${aws:PrincipalTag/tenant_id}``, or that covers the whole bucket: one credential reads every
  tenant (INC-06).
* ``admin-without-mfa``: ``Action "*"`` on ``Resource "*"`` without ``aws:MultiFactorAuthPresent``.
* ``unset-encryption-context``: a ``kms:EncryptionContext:<key>`` condition on a key the platform's
  encryption never sets (S3 SSE-KMS sets only ``aws:s3:arn``, :mod:`dfp.security.encryption`), so the
  statement can never match a decrypt.
* An Allow with ``NotAction`` grants every other action, so it is reported as ``wildcard-action``;
  Deny statements (service control policies) grant nothing and are not findings.

This is the check that now runs in CI on every policy change (ADR-0014), so a grant like INC-06's is
rejected at review time instead of being found by a quarterly review weeks later.
"""

from __future__ import annotations

import fnmatch
import json
import re
import sys
from pathlib import Path
from typing import Any

import pandas as pd

from dfp.core.errors import PlaybookError
from dfp.security.encryption import S3_CONTEXT_KEY, context_condition_keys

__all__ = ["ACCESS_LEVELS", "FINDING_COLUMNS", "access_levels", "directory_findings", "load_policy_document", "main",
           "policy_findings", "principal_findings", "statement_access"]

FINDING_COLUMNS = ["document", "sid", "rule", "detail"]
_TENANT_TAG = "${aws:PrincipalTag/tenant_id}"
_READ_ONLY = re.compile(r"^[a-z0-9-]+:(Describe|List|Get[A-Za-z]*Metric|FilterLogEvents|GetAuthorizationToken)",
                        re.IGNORECASE)


#: What an Allow can let a principal do, coarsest first. ``delete`` is split out of IAM's "Write" access
#: level because "can it destroy data?" is the review question; ``permissions`` is IAM's "Permissions
#: management" (changing who else may act: bucket policies, ACLs, the public-access block).
ACCESS_LEVELS = ("list", "read", "write", "delete", "permissions", "tagging")

#: Representative S3 actions per access level (names from the Service Authorization Reference for
#: Amazon S3); a wildcard pattern is classified by the representatives it matches.
_S3_CATALOGUE = {
    "list": ("s3:ListBucket", "s3:ListBucketVersions", "s3:ListAllMyBuckets"),
    "read": ("s3:GetObject", "s3:GetObjectVersion", "s3:GetBucketPolicy"),
    "write": ("s3:PutObject", "s3:PutLifecycleConfiguration", "s3:PutReplicationConfiguration",
              "s3:PutBucketVersioning", "s3:PutEncryptionConfiguration"),
    "delete": ("s3:DeleteObject", "s3:DeleteObjectVersion", "s3:DeleteBucket"),
    "permissions": ("s3:PutBucketPolicy", "s3:DeleteBucketPolicy", "s3:PutBucketAcl", "s3:PutObjectAcl",
                    "s3:PutBucketPublicAccessBlock"),
    "tagging": ("s3:PutObjectTagging", "s3:DeleteObjectTagging"),
}
_VERBS = (("permissions", re.compile(r"^(Put|Delete|Attach|Detach|Update)\w*(Policy|Acl|PublicAccessBlock)")),
          ("tagging", re.compile(r"^(Tag|Untag|(Put|Delete)\w*Tagging)")),
          ("delete", re.compile(r"^Delete")),
          ("list", re.compile(r"^(List|Describe)")),
          ("read", re.compile(r"^(Get|Head|Select|Decrypt|Query|Scan|BatchGet|Filter|Lookup)")))


def access_levels(action: str) -> frozenset[str]:
    """The access levels an action or action pattern allows (:data:`ACCESS_LEVELS`).

    An S3 pattern with a wildcard is classified by the representative S3 actions it matches (``s3:*``
    and ``*`` match every level; ``<service>:*`` of any service too); a single action or another
    service's pattern by its verb (``Get``/``Query`` read, ``List``/``Describe`` list, ``Delete``
    delete, ``Put...Policy`` permissions, anything else write).

    >>> sorted(access_levels("s3:*"))
    ['delete', 'list', 'permissions', 'read', 'tagging', 'write']
    >>> sorted(access_levels("s3:Get*"))
    ['read']
    >>> sorted(access_levels("s3:DeleteBucketPolicy")), sorted(access_levels("s3:PutObject"))
    (['permissions'], ['write'])
    """
    if action != "*" and ":" not in action:
        raise PlaybookError(f"action must be '*' or service:Action; got {action!r}")
    if "*" in action or "?" in action:
        if action == "*" or action.lower().startswith("s3:"):
            return frozenset(level for level, acts in _S3_CATALOGUE.items()
                             if any(fnmatch.fnmatchcase(a.lower(), action.lower()) for a in acts))
        if action.endswith(":*"):
            return frozenset(ACCESS_LEVELS)
    verb = action.split(":", 1)[1].split("*")[0].split("?")[0]  # a pattern like ec2:Describe* by its verb
    return frozenset({next((lvl for lvl, rx in _VERBS if rx.match(verb)), "write")})


def statement_access(doc: dict[str, Any], name: str) -> pd.DataFrame:
    """One row per Allow statement: ``document``, ``sid``, ``levels`` (comma-separated, in
    :data:`ACCESS_LEVELS` order) and ``destructive`` (it allows delete or permissions changes).

    >>> doc = {"Version": "2012-10-17", "Statement": [{"Sid": "L", "Effect": "Allow", "Action": "s3:*",
    ...        "Resource": "arn:aws:s3:::b"}]}
    >>> row = statement_access(doc, "p.json").iloc[0]
    >>> row["levels"], bool(row["destructive"])
    ('list, read, write, delete, permissions, tagging', True)
    """
    rows = []
    for i, st in enumerate(doc["Statement"]):
        if st["Effect"] != "Allow":
            continue
        levels: set[str] = set(ACCESS_LEVELS) if "NotAction" in st else set().union(
            *(access_levels(a) for a in _as_list(st["Action"])))
        ordered = [lvl for lvl in ACCESS_LEVELS if lvl in levels]
        rows.append((name, st.get("Sid", f"Statement[{i}]"), ", ".join(ordered),
                     bool(levels & {"delete", "permissions"})))
    return pd.DataFrame(rows, columns=["document", "sid", "levels", "destructive"])


def _as_list(value: Any) -> list[str]:
    return [value] if isinstance(value, str) else list(value)


def load_policy_document(path: Path | str) -> dict[str, Any]:
    """Read an IAM policy document or SCP and check its shape (Version; each Statement with Effect,
    exactly one of Action / NotAction and exactly one of Resource / NotResource).

    Raises:
        PlaybookError: naming the file and the statement that is malformed.
    """
    path = Path(path)
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise PlaybookError(f"{path.name}: not a readable JSON policy document: {exc}") from exc
    if doc.get("Version") != "2012-10-17":
        raise PlaybookError(f"{path.name}: Version must be '2012-10-17'; got {doc.get('Version')!r}")
    stmts = doc.get("Statement")
    if not isinstance(stmts, list) or not stmts:
        raise PlaybookError(f"{path.name}: Statement must be a non-empty list")
    for i, st in enumerate(stmts):
        if "Effect" not in st:
            raise PlaybookError(f"{path.name}: Statement[{i}] ({st.get('Sid', 'no Sid')}) has no Effect")
        if ("Resource" in st) == ("NotResource" in st):
            raise PlaybookError(f"{path.name}: Statement[{i}] ({st.get('Sid', 'no Sid')}) needs exactly one of"
                                " Resource and NotResource")
        if ("Action" in st) == ("NotAction" in st):
            raise PlaybookError(f"{path.name}: Statement[{i}] ({st.get('Sid', 'no Sid')}) needs exactly one of"
                                " Action and NotAction")
        if st["Effect"] not in ("Allow", "Deny"):
            raise PlaybookError(f"{path.name}: Statement[{i}] Effect must be Allow or Deny; got {st['Effect']!r}")
    return doc


def _mfa_guarded(st: dict[str, Any]) -> bool:
    cond = st.get("Condition", {})
    return str(cond.get("Bool", {}).get("aws:MultiFactorAuthPresent", "")).lower() == "true"


def policy_findings(doc: dict[str, Any], name: str) -> pd.DataFrame:
    """Findings of the rules in the module docstring for one parsed policy document.

    >>> doc = {"Version": "2012-10-17", "Statement": [{"Sid": "S", "Effect": "Allow",
    ...        "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/tenants/*"}]}
    >>> policy_findings(doc, "p.json")["rule"].tolist()
    ['cross-tenant-prefix']
    """
    rows = []
    for i, st in enumerate(doc["Statement"]):
        if st["Effect"] != "Allow":
            continue
        sid = st.get("Sid", f"Statement[{i}]")
        if "NotAction" in st:  # an Allow with NotAction grants everything else: treat as a wildcard
            rows.append((name, sid, "wildcard-action", f"NotAction {st['NotAction']} allows every other action"))
            continue
        # an Allow with NotResource covers every other resource: as broad as "*"
        actions, resources = _as_list(st["Action"]), _as_list(st.get("Resource", "*"))
        guarded = _mfa_guarded(st)
        wild = [a for a in actions if a == "*" or a.endswith(":*")]
        if wild and not guarded:
            rows.append((name, sid, "wildcard-action", f"Action {wild} grants every action of the service"))
        if "*" in actions and "*" in resources and not guarded:
            rows.append((name, sid, "admin-without-mfa", "Action * on Resource * without aws:MultiFactorAuthPresent"))
        if "*" in resources and "*" not in actions:
            data = [a for a in actions if not _READ_ONLY.match(a)]
            if data:
                rows.append((name, sid, "wildcard-resource-data", f"{data} on Resource *"))
        for r in resources:
            m = re.search(r"/tenants/([^/]*)", r)
            whole = re.fullmatch(r"arn:aws:s3:::dfp-(events|processed)-[a-z0-9-]+/\*", r)
            if (m and _TENANT_TAG not in r and "*" in m.group(1)) or whole:
                rows.append((name, sid, "cross-tenant-prefix", f"{r} is not bound to {_TENANT_TAG}"))
        for key in sorted(context_condition_keys({"Statement": [dict(st, Sid=sid)]}).get(sid, set()) - {S3_CONTEXT_KEY}):
            rows.append((name, sid, "unset-encryption-context",
                         f"kms:EncryptionContext:{key} is never set (S3 sets only {S3_CONTEXT_KEY})"))
    return pd.DataFrame(rows, columns=FINDING_COLUMNS)


def directory_findings(folder: Path | str) -> pd.DataFrame:
    """:func:`policy_findings` for every ``*.json`` document in ``folder`` (sorted by file name)."""
    folder = Path(folder)
    files = sorted(folder.glob("*.json"))
    if not files:
        raise PlaybookError(f"{folder}: no IAM policy documents (*.json)")
    frames = [policy_findings(load_policy_document(f), f.name) for f in files]
    return pd.concat(frames, ignore_index=True)


def principal_findings(principals: pd.DataFrame, as_of: pd.Timestamp, unused_days: int) -> pd.DataFrame:
    """Unused principals (no use for ``unused_days`` or never) and human principals without MFA.

    Returns rows with ``document`` = the principal's policy, ``sid`` = the principal name.
    """
    if unused_days < 1:
        raise PlaybookError(f"unused_days must be >= 1; got {unused_days}")
    idle = (as_of - principals["last_used_at"]).dt.days
    unused = principals.loc[principals["last_used_at"].isna() | (idle > unused_days)]
    rows = [(p.policy, p.principal, "unused-principal",
             "never used" if pd.isna(p.last_used_at) else f"unused for {int((as_of - p.last_used_at).days)} days")
            for p in unused.itertuples()]
    nomfa = principals.loc[principals["human"] & ~principals["mfa_enabled"]]
    rows += [(p.policy, p.principal, "human-without-mfa", "human identity without MFA") for p in nomfa.itertuples()]
    return pd.DataFrame(rows, columns=FINDING_COLUMNS)


def main(argv: list[str] | None = None) -> int:
    """``python -m dfp.security.iam FOLDER``: print the findings of every policy in FOLDER; exit 1 if any.

    The CI gate of ``book/04-delivery/pipelines/build-and-promote.yml`` (the ``policy`` job).
    """

    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: python -m dfp.security.iam FOLDER", file=sys.stderr)
        return 2
    found = directory_findings(args[0])
    for f in found.itertuples():
        print(f"{f.document}: {f.sid}: {f.rule}: {f.detail}")
    return 1 if len(found) else 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
