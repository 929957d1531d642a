"""Keys and encryption context: which IAM conditions on a KMS key can ever match.

===============================  ===================================================================
``S3_CONTEXT_KEY``                the one encryption-context key S3 sets with SSE-KMS (``aws:s3:arn``)
``s3_encryption_context``         the context S3 sends to KMS for one object, with or without Bucket Keys
``context_condition_keys``        the ``kms:EncryptionContext:<key>`` condition keys of a policy's Allows
``context_findings``              conditions on a context key the encryption never sets, or on an
                                  object path while S3 Bucket Keys make the context the bucket
===============================  ===================================================================

S3 encrypts an SSE-KMS object under the encryption context ``{"aws:s3:arn": <ARN>}``: the object's
ARN, or the bucket's ARN when an S3 Bucket Key is enabled (the Amazon S3 User Guide, "Encryption
context", cited as ``quotas.s3_sse_kms_context_keys`` in ``data/external_facts.yml``). A caller can
add pairs on ``PutObject``; DataFlow Platform's writers do not, so an IAM condition such as
``kms:EncryptionContext:tenant_id`` never matches a decrypt that S3 makes for a reader, and a
statement that relies on it grants nothing (or, worse, is believed to isolate tenants while another
statement does the granting). Tenant binding on S3 reads therefore goes through the ``aws:s3:arn``
pair: an object ARN under ``tenants/${aws:PrincipalTag/tenant_id}/``, which requires the bucket to
have S3 Bucket Keys off.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

from dfp.core.errors import PlaybookError

__all__ = ["S3_CONTEXT_KEY", "context_condition_keys", "context_findings", "s3_encryption_context"]

S3_CONTEXT_KEY = "aws:s3:arn"
_PREFIX = "kms:EncryptionContext:"


def _as_list(value: Any) -> list[str]:
    return [value] if isinstance(value, str) else list(value)


def s3_encryption_context(bucket: str, key: str, bucket_key_enabled: bool) -> dict[str, str]:
    """The encryption context S3 sends to KMS for object ``key`` of ``bucket`` under SSE-KMS.

    ``{"aws:s3:arn": "arn:aws:s3:::<bucket>/<key>"}``, or the bucket ARN with an S3 Bucket Key.

    >>> s3_encryption_context("dfp-events-eu-west-1", "tenants/t1/a.json", False)
    {'aws:s3:arn': 'arn:aws:s3:::dfp-events-eu-west-1/tenants/t1/a.json'}
    >>> s3_encryption_context("dfp-events-eu-west-1", "tenants/t1/a.json", True)
    {'aws:s3:arn': 'arn:aws:s3:::dfp-events-eu-west-1'}
    """
    if not bucket or "/" in bucket:
        raise PlaybookError(f"bucket must be a bucket name; got {bucket!r}")
    arn = f"arn:aws:s3:::{bucket}"
    return {S3_CONTEXT_KEY: arn if bucket_key_enabled else f"{arn}/{key}"}


def context_condition_keys(doc: Mapping[str, Any]) -> dict[str, set[str]]:
    """Statement Sid -> the encryption-context keys its Allow conditions test (``kms:EncryptionContext:<key>``).

    >>> doc = {"Statement": [{"Sid": "D", "Effect": "Allow", "Action": "kms:Decrypt", "Resource": "*",
    ...        "Condition": {"StringEquals": {"kms:EncryptionContext:tenant_id": "x"}}}]}
    >>> context_condition_keys(doc)
    {'D': {'tenant_id'}}
    """
    out: dict[str, set[str]] = {}
    for i, st in enumerate(doc.get("Statement", [])):
        if st.get("Effect") != "Allow":
            continue
        keys = {k[len(_PREFIX):] for tests in st.get("Condition", {}).values() for k in tests
                if k.startswith(_PREFIX)}
        if keys:
            out[st.get("Sid", f"Statement[{i}]")] = keys
    return out


def context_findings(doc: Mapping[str, Any], name: str, context_keys: Collection[str],
                     bucket_key_enabled: bool) -> list[str]:
    """Conditions in ``doc`` that the modelled encryption can never satisfy.

    Args:
        doc: a parsed IAM policy document.
        name: the document's name, for the messages.
        context_keys: the encryption-context keys the encryption behind the policy's keys sets
            (for S3 SSE-KMS: ``{"aws:s3:arn"}``).
        bucket_key_enabled: whether the bucket uses S3 Bucket Keys (the context is then the bucket ARN,
            so a condition on an object path never matches).

    >>> doc = {"Statement": [{"Sid": "D", "Effect": "Allow", "Action": "kms:Decrypt", "Resource": "*",
    ...        "Condition": {"StringEquals": {"kms:EncryptionContext:tenant_id": "x"}}}]}
    >>> context_findings(doc, "p.json", {"aws:s3:arn"}, False)
    ['p.json: D conditions on encryption-context key tenant_id, which the encryption never sets (it sets aws:s3:arn)']
    """
    if not context_keys:
        raise PlaybookError(f"{name}: context_keys must name the keys the encryption sets")
    out = []
    for sid, keys in context_condition_keys(doc).items():
        for k in sorted(set(keys) - set(context_keys)):
            out.append(f"{name}: {sid} conditions on encryption-context key {k}, which the encryption never sets"
                       f" (it sets {', '.join(sorted(context_keys))})")
    if bucket_key_enabled:
        for i, st in enumerate(doc.get("Statement", [])):
            for tests in st.get("Condition", {}).values() if st.get("Effect") == "Allow" else ():
                for v in _as_list(tests.get(_PREFIX + S3_CONTEXT_KEY, [])):
                    if v.removeprefix("arn:aws:s3:::").count("/"):
                        out.append(f"{name}: {st.get('Sid', f'Statement[{i}]')} matches object path {v}, but with an"
                                   " S3 Bucket Key the context is the bucket ARN")
    return out
