"""Facts from outside the story (SLAs, quotas, prices, grid intensity), each cited or marked illustrative.

``load_facts()`` reads ``data/external_facts.yml`` (through ``dfp/reference/``, so an installed
package has it) and checks the accuracy rule: every entry has a numeric ``value`` and a ``unit``,
and either a ``source`` with an ``as_of`` date or ``illustrative: true``. ``fact("prices.s3_standard_gb_month")`` returns one :class:`Fact`.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from dfp.core.errors import PlaybookError
from dfp.core.paths import reference_file

__all__ = ["Fact", "fact", "load_facts"]

SECTIONS = ("slas", "quotas", "prices", "grid_intensity", "benchmarks")


@dataclass(frozen=True)
class Fact:
    """One external number with its provenance."""

    key: str
    value: float
    unit: str
    source: str
    as_of: str
    illustrative: bool
    note: str

    @property
    def citation(self) -> str:
        """Short provenance string for tables: the source and date, or 'illustrative'."""
        return "illustrative" if self.illustrative else f"{self.source} (read {self.as_of})"


def _parse(raw: Mapping[str, Any], path: Path) -> dict[str, Fact]:
    out: dict[str, Fact] = {}
    for section, entries in raw.items():
        if section not in SECTIONS:
            raise PlaybookError(f"{path.name}: unknown section {section!r}; allowed: {list(SECTIONS)}")
        for fid, e in (entries or {}).items():
            key = f"{section}.{fid}"
            if not isinstance(e, Mapping):
                raise PlaybookError(f"{path.name}: {key} must be a mapping")
            v = e.get("value")
            if isinstance(v, bool) or not isinstance(v, int | float):
                raise PlaybookError(f"{path.name}: {key}.value must be a number; got {v!r}")
            if not e.get("unit"):
                raise PlaybookError(f"{path.name}: {key}.unit is missing")
            illustrative = bool(e.get("illustrative", False))
            if not illustrative and not (e.get("source") and e.get("as_of")):
                raise PlaybookError(f"{path.name}: {key} needs source and as_of, or illustrative: true")
            out[key] = Fact(key, float(v), str(e["unit"]), str(e.get("source", "")), str(e.get("as_of", "")),
                            illustrative, str(e.get("note", "")))
    return out


@functools.cache
def _cached(path: str, mtime_ns: int) -> dict[str, Fact]:
    p = Path(path)
    raw = yaml.safe_load(p.read_text(encoding="utf-8")) or {}
    if not isinstance(raw, Mapping):
        raise PlaybookError(f"{p.name}: expected a mapping at the top level")
    return _parse(raw, p)


def load_facts(path: Path | str | None = None) -> dict[str, Fact]:
    """All external facts by ``section.id``; raises on an uncited, non-illustrative entry."""
    p = Path(path) if path is not None else reference_file("external_facts.yml")
    if not p.is_file():
        raise PlaybookError(f"external facts file not found: {p}")
    return _cached(str(p.resolve()), p.stat().st_mtime_ns)


def fact(key: str, path: Path | str | None = None) -> Fact:
    """One fact by ``section.id``, e.g. ``fact("slas.kinesis_data_streams")``."""
    facts = load_facts(path)
    if key not in facts:
        raise PlaybookError(f"external_facts.yml has no fact {key!r}")
    return facts[key]
