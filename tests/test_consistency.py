"""The book tells one story: the same incidents, numbers and records everywhere.

- every incident of the calendar is in the incident log at its timestamps, visible in the data of its
  kind (SLI dips for the ones with SLI impact), and covered by a postmortem or a review page;
- every number the landing page quotes is glued from the notebook that computes it;
- every notebook figure has a caption and alt text, and every notebook page offers its source.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
import pytest

from dfp.core.paths import repo_root
from dfp.io.data import load
from dfp.io.system import load_system

ROOT = repo_root()
SYSTEM = load_system()
INCIDENTS = [i.id for i in SYSTEM.incidents]


def _texts(*globs: str) -> dict[Path, str]:
    out = {}
    for g in globs:
        for p in ROOT.glob(g):
            if ".ipynb_checkpoints" in p.parts:
                continue
            if p.suffix == ".ipynb":
                nb = json.loads(p.read_text(encoding="utf-8"))
                out[p] = "\n".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "markdown")
            else:
                out[p] = p.read_text(encoding="utf-8")
    return out


@pytest.fixture(scope="module")
def event_log() -> pd.DataFrame:
    return load("incident_events").set_index("incident_id")


@pytest.mark.parametrize("incident_id", INCIDENTS)
def test_incident_in_the_event_log_at_its_calendar_times(event_log, incident_id):
    inc = SYSTEM.incident(incident_id)
    row = event_log.loc[incident_id]
    assert row["impact_start"] == inc.impact_start
    assert row["mitigated"] == inc.impact_end
    assert row["impact_start"] <= row["detected"] <= row["acknowledged"] <= row["mitigated"] <= row["resolved"]


@pytest.mark.parametrize("incident_id", INCIDENTS)
def test_incident_visible_in_its_data(event_log, incident_id):
    inc = SYSTEM.incident(incident_id)
    if event_log.loc[incident_id, "sli_impact"]:
        sli = load("sli_hourly")
        region = sli[sli["region"].isin(inc.regions)]
        start, end = inc.impact_start.floor("h"), inc.impact_end.ceil("h")
        during = region[(region["hour"] >= start) & (region["hour"] < end)]
        before = region[(region["hour"] >= start - pd.Timedelta(days=7)) & (region["hour"] < start - pd.Timedelta(days=1))]
        bad_during = (during["total"] - during["good"]).sum() / during["total"].sum()
        bad_before = (before["total"] - before["good"]).sum() / before["total"].sum()
        assert bad_during > 5 * bad_before, f"{incident_id}: no SLI dip ({bad_during:.4%} vs {bad_before:.4%})"
    elif inc.kind == "security":
        reviews = load("access_reviews")
        assert (reviews["incident_id"] == incident_id).any(), f"{incident_id}: no access review found it"
    elif inc.kind == "cost":
        from dfp.io.schemas import SCHEMAS

        billing = [s.name for s in SCHEMAS.values() if {"ChargePeriodStart", "BilledCost"} <= {c.name for c in s.columns}]
        assert billing, "no billing dataset"
        bill = load(billing[0])
        day = bill["ChargePeriodStart"].dt.floor("D")
        daily = bill.groupby(day)["BilledCost"].sum()
        during = daily[(daily.index >= inc.impact_start.floor("D")) & (daily.index < inc.impact_end.floor("D"))].mean()
        before = daily[(daily.index >= inc.impact_start - pd.Timedelta(days=15)) & (daily.index < inc.impact_start)].mean()
        assert during > 1.05 * before, f"{incident_id}: no cost spike in the bill ({during:,.0f} vs {before:,.0f} USD/day)"
    else:
        raise AssertionError(f"{incident_id}: kind {inc.kind!r} without SLI impact and no dataset to show it")
    if inc.kind == "change":
        assert (load("deployments")["incident_id"] == incident_id).any(), f"{incident_id}: no causing deployment"


@pytest.mark.parametrize("incident_id", INCIDENTS)
def test_incident_has_a_postmortem_or_review(incident_id):
    pages = _texts("book/**/*.md", "notebooks/**/*.ipynb")
    reviewed = [p for p, t in pages.items()
                if re.search(rf"^#+ .*{incident_id}", t, re.M) or
                (("postmortem" in str(p) or "review" in p.stem) and incident_id in t)]
    assert reviewed, f"{incident_id} has no postmortem or review page (a heading naming it, or a review page)"


_GLUE = re.compile(r"\{glue:text\}`[^`]*`")
_ROLE = re.compile(r"\{(doc|ref|term|numref)\}`[^`]*`")
_CODE = re.compile(r"`[^`]*`")
_LINK = re.compile(r"\]\([^)]*\)")


def _bare_numbers(text: str) -> list[str]:
    text = re.sub(r"^\(.*\)=$", "", text, flags=re.M)
    text = re.sub(r"^\s*\d+\.\s", "", text, flags=re.M)  # ordered-list markers
    for rx in (_GLUE, _ROLE, _CODE, _LINK):
        text = rx.sub("", text)
    nums = re.findall(r"(?<![\w-])\d[\d,.]*(?:\s?%)?", text)
    allowed = {"15", "00", "01", "02", "03", "04", "05", "06", "07", "24"}  # section numbers, the 15-minute tour, 24 months
    return [n for n in nums if n.strip(" %.,") not in allowed]


def test_landing_page_numbers_are_glued():
    text = (ROOT / "book" / "intro.md").read_text(encoding="utf-8")
    assert _GLUE.search(text)
    assert not _bare_numbers(text), f"typed numbers on the landing page: {_bare_numbers(text)}"


def test_landing_page_glue_points_at_notebooks_that_glue_the_key():
    text = (ROOT / "book" / "intro.md").read_text(encoding="utf-8")
    for m in re.finditer(r"\{glue:text\}`([^`:]+\.ipynb)::([A-Za-z0-9_]+)", text):
        nb = (ROOT / "book" / m.group(1)).resolve()
        assert nb.is_file(), m.group(1)
        glued = {o.get("metadata", {}).get("scrapbook", {}).get("name")
                 for c in json.loads(nb.read_text())["cells"] for o in c.get("outputs", [])}
        assert m.group(2) in glued, f"{nb.name} does not glue {m.group(2)} (its stored outputs, which nbval checks)"


NOTEBOOKS = sorted(p for p in (ROOT / "notebooks").rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts)


def _glued_figures(cell: dict) -> list[str]:
    return [o["metadata"]["scrapbook"]["name"] for o in cell.get("outputs", [])
            if "image/png" in o.get("data", {}) and "scrapbook" in o.get("metadata", {})]


def _glue_figure_block(nb: dict, name: str) -> str | None:
    """The body of the ``{glue:figure} name`` directive in the notebook's markdown, or None."""
    for cell in nb["cells"]:
        text = "".join(cell["source"])
        start = text.find("```{glue:figure} " + name + "\n")
        if cell["cell_type"] == "markdown" and start >= 0:
            body = text[start:].split("\n", 1)[1]
            return body[: body.find("```")]
    return None


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: str(p.relative_to(ROOT)))
def test_figures_have_captions_and_alt_text(path):
    nb = json.loads(path.read_text(encoding="utf-8"))
    for i, cell in enumerate(nb["cells"]):
        if cell["cell_type"] != "code":
            continue
        if any("image/png" in o.get("data", {}) for o in cell.get("outputs", [])):
            if "remove-output" in cell.get("metadata", {}).get("tags", []):
                # shown through a {glue:figure} directive instead: that directive carries caption and alt
                for name in _glued_figures(cell):
                    block = _glue_figure_block(nb, name)
                    assert block is not None, f"cell {i}: figure {name!r} is hidden and pasted nowhere"
                    assert ":alt:" in block and ":name:" in block, f"cell {i}: {{glue:figure}} {name} without alt or name"
                    assert block.split("\n\n", 1)[-1].strip(), f"cell {i}: {{glue:figure}} {name} without a caption"
                continue
            meta = cell.get("metadata", {}).get("mystnb", {})
            assert meta.get("figure", {}).get("caption"), f"cell {i}: figure without a caption"
            assert meta.get("image", {}).get("alt"), f"cell {i}: figure without alt text"
