"""Architecture decision records (MADR): parse, validate against the story, render the index.

========================  ====================================================================
``parse_adr``              front matter, title and section headings of one ADR file
``load_adrs``              every ADR in the folder, validated one by one and as a set
``render_index``           the index page (markdown) generated from the front matter
``adr_dir``                where the records live
========================  ====================================================================

Front matter keys: ``status`` (proposed | accepted | deprecated | superseded), ``date``
(YYYY-MM-DD, inside the story), ``decision-makers`` (or MADR 3's ``deciders``), ``trigger`` (``INC-nn`` from the incident
calendar, or ``constraint:<id>`` naming a constraint, target or starting problem in system.yml),
optional ``supersedes`` / ``superseded-by`` (four-digit numbers, both ends must agree) and
``notebook`` (repository path of the notebook that holds the numbers).
An ADR triggered by an incident is dated after the incident's impact ended.

Regenerate the index with ``python -m dfp.book.adr``; a test compares the committed file with it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from dfp.core.errors import PlaybookError
from dfp.core.paths import repo_root
from dfp.io.system import System, load_system

__all__ = ["REQUIRED_SECTIONS", "STATUSES", "Adr", "adr_dir", "load_adrs", "parse_adr", "render_index"]

STATUSES = ("proposed", "accepted", "deprecated", "superseded")
REQUIRED_SECTIONS = ("Context and problem statement", "Decision drivers", "Considered options",
                     "Decision outcome", "Consequences", "Confirmation")
_NAME = re.compile(r"^(\d{4})-([a-z0-9]+(?:-[a-z0-9]+)*)\.md$")
_INDEX_NAME = "index.md"


@dataclass(frozen=True)
class Adr:
    """One decision record."""

    number: str
    slug: str
    title: str
    status: str
    date: date
    trigger: str
    supersedes: str | None
    superseded_by: str | None
    notebook: str | None
    sections: tuple[str, ...]
    path: Path


def adr_dir() -> Path:
    """``book/01-architecture/decision-records``."""
    return repo_root() / "book" / "01-architecture" / "decision-records"


def _num(value: Any, where: str, key: str) -> str | None:
    if value is None:
        return None
    s = str(value).zfill(4)
    if not re.fullmatch(r"\d{4}", s):
        raise PlaybookError(f"{where}: {key} must be a four-digit ADR number; got {value!r}")
    return s


def parse_adr(path: Path | str) -> Adr:
    """Parse one ADR file: front matter, ``# ADR-NNNN: title`` and the ``##``/``###`` headings.

    Raises:
        PlaybookError: a bad file name, missing front matter or key, an unknown status, a bad date,
            a title that does not match the number, or a missing MADR section.
    """
    p = Path(path)
    m = _NAME.match(p.name)
    if not m:
        raise PlaybookError(f"{p.name}: ADR file names are NNNN-slug.md")
    text = p.read_text(encoding="utf-8")
    parts = text.split("---\n", 2)
    if not text.startswith("---\n") or len(parts) < 3:
        raise PlaybookError(f"{p.name}: no YAML front matter between '---' lines")
    fm = yaml.safe_load(parts[1]) or {}
    body = parts[2]
    if "deciders" in fm and "decision-makers" not in fm:  # MADR 3 spelling
        fm["decision-makers"] = fm["deciders"]
    for key in ("status", "date", "decision-makers", "trigger"):
        if key not in fm:
            raise PlaybookError(f"{p.name}: front matter is missing {key!r}")
    if fm["status"] not in STATUSES:
        raise PlaybookError(f"{p.name}: status must be one of {list(STATUSES)}; got {fm['status']!r}")
    d = fm["date"]
    if not isinstance(d, date):
        raise PlaybookError(f"{p.name}: date must be YYYY-MM-DD; got {d!r}")
    title_m = re.search(r"^# ADR-(\d{4}): (.+)$", body, flags=re.M)
    if not title_m or title_m.group(1) != m.group(1):
        raise PlaybookError(f"{p.name}: the title must read '# ADR-{m.group(1)}: ...'")
    headings = tuple(h.strip() for h in re.findall(r"^#{2,3} (.+)$", body, flags=re.M))
    for sec in REQUIRED_SECTIONS:
        if not any(h.lower().startswith(sec.lower()) for h in headings):
            raise PlaybookError(f"{p.name}: missing section {sec!r}")
    if fm["status"] == "superseded" and not fm.get("superseded-by"):
        raise PlaybookError(f"{p.name}: status superseded needs superseded-by")
    return Adr(m.group(1), m.group(2), title_m.group(2).strip(), fm["status"], d, str(fm["trigger"]),
               _num(fm.get("supersedes"), p.name, "supersedes"), _num(fm.get("superseded-by"), p.name, "superseded-by"),
               fm.get("notebook"), headings, p)


def _check_trigger(a: Adr, system: System) -> None:
    t = a.trigger
    if t.startswith("INC-"):
        inc = system.incident(t)
        if pd.Timestamp(a.date, tz="UTC") < inc.impact_end.floor("D"):
            raise PlaybookError(f"{a.path.name}: dated {a.date} but its trigger {t} ended {inc.impact_end.date()}")
        return
    if t.startswith("constraint:"):
        key = t.split(":", 1)[1]
        known = (set(system.constraints) | {x["id"] for x in system.raw["targets"]}
                 | {x["id"] for x in system.starting_problems} | {e.id for e in system.eras})
        if key not in known:
            raise PlaybookError(f"{a.path.name}: trigger {t!r} names no constraint, target, problem or era")
        return
    raise PlaybookError(f"{a.path.name}: trigger must be INC-nn or constraint:<id>; got {t!r}")


def load_adrs(folder: Path | str | None = None, system: System | None = None) -> list[Adr]:
    """Every ADR in ``folder`` (default :func:`adr_dir`), validated as a set.

    Set rules: numbers contiguous from 0001; dates inside the story and non-decreasing with the
    number; supersedes/superseded-by agree and the newer record is later; a trigger names a real
    incident (dated after it) or constraint; a named notebook exists.
    """
    f = Path(folder) if folder is not None else adr_dir()
    sysm = system or load_system()
    adrs = sorted((parse_adr(p) for p in f.glob("*.md") if p.name != _INDEX_NAME), key=lambda a: a.number)
    if not adrs:
        raise PlaybookError(f"no ADRs in {f}")
    by_num = {a.number: a for a in adrs}
    expected = [f"{i:04d}" for i in range(1, len(adrs) + 1)]
    if [a.number for a in adrs] != expected:
        raise PlaybookError(f"ADR numbers must run 0001..{len(adrs):04d} without gaps; got {[a.number for a in adrs]}")
    start, end = sysm.start.date(), sysm.end.date()
    for prev, a in zip([None, *adrs[:-1]], adrs, strict=True):
        if not start <= a.date < end:
            raise PlaybookError(f"{a.path.name}: date {a.date} is outside the story ({start}..{end})")
        if prev is not None and a.date < prev.date:
            raise PlaybookError(f"{a.path.name}: dated {a.date}, before ADR-{prev.number} ({prev.date})")
        _check_trigger(a, sysm)
        if a.superseded_by:
            newer = by_num.get(a.superseded_by)
            if newer is None or newer.supersedes != a.number:
                raise PlaybookError(f"{a.path.name}: superseded-by {a.superseded_by}, which does not supersede it")
        if a.supersedes:
            older = by_num.get(a.supersedes)
            if older is None or older.superseded_by != a.number or older.status != "superseded":
                raise PlaybookError(f"{a.path.name}: supersedes {a.supersedes}, which is not marked superseded by it")
        if a.notebook and not (repo_root() / a.notebook).is_file():
            raise PlaybookError(f"{a.path.name}: notebook {a.notebook} does not exist")
    return adrs


def render_index(adrs: list[Adr]) -> str:
    """The index page: one table row per ADR from its front matter, and a status count."""
    lines = ["(adr-index)=", "# Decision records", "",
             "<!-- Generated by `python -m dfp.book.adr` from the records' front matter; a test compares it. -->", "",
             "Every significant architecture decision of DataFlow Platform, in MADR format. Each names the "
             "constraint or incident that triggered it; superseded records stay, so the reasoning of each era "
             "remains readable.", ""]
    counts = pd.Series([a.status for a in adrs]).value_counts()
    lines.append("Status: " + ", ".join(f"{int(counts.get(s, 0))} {s}" for s in STATUSES if counts.get(s, 0)) + ".")
    lines += ["", "| ADR | Decision | Status | Date | Trigger |", "|---|---|---|---|---|"]
    for a in adrs:
        status = a.status + (f" by ADR-{a.superseded_by}" if a.superseded_by else "")
        status += f" (supersedes ADR-{a.supersedes})" if a.supersedes else ""
        trigger = a.trigger.replace("constraint:", "constraint: ")
        lines.append(f"| [ADR-{a.number}]({a.path.name}) | {a.title} | {status} | {a.date.isoformat()} | {trigger} |")
    lines.append("")
    return "\n".join(lines)


if __name__ == "__main__":  # pragma: no cover - regeneration entry point
    out = adr_dir() / _INDEX_NAME
    out.write_text(render_index(load_adrs()), encoding="utf-8")
    print(f"wrote {out}")
