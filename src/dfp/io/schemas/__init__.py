"""Schemas of every committed data file, by dataset name.

Each domain module declares the schemas of the files its generator writes; this registry collects
them. The loader (:func:`dfp.io.data.load`) validates against them and the data-dictionary page
renders them, so the contract and its documentation are one thing.
To add a dataset: declare its schemas in a module here and add the module to ``_MODULES``.
"""

from __future__ import annotations

from dfp.io.schema import Schema
from dfp.io.schemas import billing, business, delivery, pii, reliability, security

__all__ = ["SCHEMAS"]

_MODULES = [business, delivery, security, reliability, pii, billing]

SCHEMAS: dict[str, Schema] = {s.name: s for m in _MODULES for s in m.SCHEMAS}
