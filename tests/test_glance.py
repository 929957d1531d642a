"""The system-at-a-glance map: drawn from the architecture model, legible at page width, true at every month."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from dfp.architecture.model import Model, components_at, load_model, month_of
from dfp.book import plotting
from dfp.book.adr import load_adrs
from dfp.book.glance import (
    MIN_FONT_PT,
    component_timeline,
    decisions_by_component,
    draw_system_map,
    drawn_components,
    grid_positions,
    hardest_constraints,
)
from dfp.core.errors import PlaybookError
from dfp.io.system import load_system

SYSTEM = load_system()
MODEL = load_model()
TIERS = ("edge", "ingest", "stream", "process", "store", "deliver", "control")


def test_every_decision_on_the_map_is_a_record():
    numbers = {a.number for a in load_adrs()}
    named = {d for ds in decisions_by_component(MODEL).values() for d in ds}
    named |= {d for c in hardest_constraints() for d in c.decisions}
    assert named and named <= numbers, f"unknown decision records: {sorted(named - numbers)}"


def test_every_live_component_is_placed_once_per_cell():
    for month in sorted({c["introduced"] for c in MODEL.components.values()}):
        comps = components_at(MODEL, month)
        cell = comps.loc[comps["per_region"]]
        pos = grid_positions(cell)
        assert set(pos) == set(cell.index)
        assert len(set(pos.values())) == len(pos)


@given(st.lists(st.sampled_from(TIERS), min_size=1, max_size=12))
def test_grid_positions_never_overlap_or_raise_silently(tiers):
    frame = pd.DataFrame({"tier": tiers}, index=[f"c{i}" for i in range(len(tiers))])
    try:
        pos = grid_positions(frame)
    except PlaybookError as exc:  # a full cell is a named error, never an overlap
        assert "full" in str(exc) or "no free place" in str(exc)
        return
    assert len(set(pos.values())) == len(pos) == len(tiers)


def test_a_full_column_is_a_named_error():
    frame = pd.DataFrame({"tier": ["stream"] * 4}, index=list("abcd"))
    with pytest.raises(PlaybookError, match="column 2 is full at component d"):
        grid_positions(frame)


@pytest.mark.parametrize("month", [0, 4, 5, 12, 23])
def test_map_is_true_at_every_month(month):
    page = draw_system_map(month, SYSTEM, MODEL)
    as_of = SYSTEM.month_start(month + 1)
    live = [r for r in SYSTEM.regions if r.live_from < as_of]
    assert page.regions == len(live)
    assert ("one regional cell" in page.cells_sentence) == (len(live) == 1)
    texts = [t.get_text() for t in page.figure.axes[0].texts]
    taken = {a.number.lstrip("0") for a in load_adrs() if pd.Timestamp(a.date, tz="UTC") < as_of}
    later = {a.number.lstrip("0") for a in load_adrs()} - taken
    shown = {n.strip() for t in texts if t and t[0].isdigit() and ":" not in t for n in t.split(",")}
    assert shown <= taken and not (shown & later), f"decisions drawn before they were taken: {sorted(shown & later)}"
    for region in live:
        assert any(t.startswith(f"{region.id} cell") for t in texts)
    plotting.close(page.figure)


def drawn_before_month(page, month: str, model) -> list[str]:
    """Components the map draws that ``model`` says do not exist in ``month``."""
    return sorted(drawn_components(page.figure) - set(components_at(model, month).index))


@pytest.mark.parametrize("month", [0, 9, 10, 14, 15, 23])
def test_no_component_is_on_the_map_before_its_month(month):
    page = draw_system_map(month, SYSTEM, MODEL)
    m = month_of(SYSTEM.month_start(month))
    assert not drawn_before_month(page, m, MODEL)
    assert drawn_components(page.figure) == set(components_at(MODEL, m).index)
    plotting.close(page.figure)


def test_map_check_fails_on_a_seeded_early_component():
    """The spill buffer and the dead-letter queue drawn from the MVP are caught against the real model."""
    early = {cid: ({**c, "introduced": "2024-11"} if cid in ("spill-buffer", "delivery-dlq") else c)
             for cid, c in MODEL.components.items()}
    edges = tuple({**e, "introduced": "2024-11"} if {"spill-buffer", "delivery-dlq"} & {e["from"], e["to"]} else e
                  for e in MODEL.edges)
    seeded = Model(early, edges, MODEL.paths)
    page = draw_system_map(9, SYSTEM, seeded)
    assert drawn_before_month(page, "2025-08", MODEL) == ["delivery-dlq", "spill-buffer"]
    plotting.close(page.figure)


def test_text_is_legible_at_page_width():
    """No text below MIN_FONT_PT on the 10-inch figure: about 9 pt at the 630 px content column."""
    page = draw_system_map(23, SYSTEM, MODEL)
    width_in = page.figure.get_size_inches()[0]
    assert width_in == pytest.approx(10.0)
    sizes = [t.get_fontsize() for t in page.figure.axes[0].texts if t.get_text()]
    assert min(sizes) >= MIN_FONT_PT
    displayed_pt = MIN_FONT_PT * 630 / (width_in * 100)  # the image is 1,000 px wide, shown at about 630 px
    assert displayed_pt >= 8.8
    plotting.close(page.figure)


def test_timeline_bars_start_in_their_components_month_and_are_legible():
    import matplotlib.dates as mdates

    fig = component_timeline(MODEL, SYSTEM, {"eu-west-1": pd.Timestamp("2025-06-04", tz="UTC")})
    ax = fig.axes[0]
    bars = [p for p in ax.patches if p.get_height() == pytest.approx(0.6)]
    labels = [t.get_text() for t in ax.get_yticklabels()]
    starts = {lbl: mdates.num2date(b.get_x()).strftime("%Y-%m") for lbl, b in zip(labels, bars, strict=True)}
    expected = {c["label"].split(" (")[0]: c["introduced"] for c in MODEL.components.values()}
    assert starts == expected
    texts = [t for t in ax.texts if t.get_text()] + ax.get_yticklabels() + ax.get_xticklabels()
    assert min(t.get_fontsize() for t in texts) >= MIN_FONT_PT
    plotting.close(fig)


def test_era_map_without_constraints_draws_the_same_components_and_no_band():
    full, bare = draw_system_map(6, SYSTEM, MODEL), draw_system_map(6, SYSTEM, MODEL, with_constraints=False)
    assert drawn_components(bare.figure) == drawn_components(full.figure) == set(components_at(MODEL, "2025-05").index)
    texts = [t.get_text() for t in bare.figure.axes[0].texts]
    assert not any(t.startswith(("People:", "A 99", "Unit cost:")) for t in texts)
    assert min(t.get_fontsize() for t in bare.figure.axes[0].texts if t.get_text()) >= MIN_FONT_PT
    assert bare.figure.get_size_inches()[1] < full.figure.get_size_inches()[1]
    plotting.close(full.figure)
    plotting.close(bare.figure)


# --- the landing page: one line, the picture, the three constraints; few numbers --------------------------------

def landing_problems(text: str, max_numbers: int = 12) -> list[str]:
    """What keeps a landing page's first screen from being: a line with the fictional note, the system map, then the
    three constraints; and more than ``max_numbers`` glued numbers on the whole page."""
    problems = []
    body = text.split("\n# ", 1)[-1].split("\n", 1)[-1].lstrip("\n")
    first_par, _, rest = body.partition("\n\n")
    if "fictional" not in first_par or "exact" not in first_par:
        problems.append("the first paragraph does not say the system is fictional and what is exact")
    if not rest.lstrip().startswith("```{pasted-figure} sg_map"):
        problems.append("the system map does not follow the first paragraph")
    headings = [ln[3:].strip() for ln in text.splitlines() if ln.startswith("## ")]
    if not headings or "three constraints" not in headings[0].lower():
        problems.append(f"the first section is not the three constraints: {headings[:1]}")
    if "fig_glance_story" not in text:
        problems.append("the story-over-time figure is missing")
    numbers = text.count("{glue:text}")
    if numbers > max_numbers:
        problems.append(f"{numbers} glued numbers (at most {max_numbers})")
    return problems


def test_landing_page_shows_the_picture_first_with_few_numbers():
    from dfp.core.paths import repo_root

    assert landing_problems((repo_root() / "book" / "intro.md").read_text(encoding="utf-8")) == []
    tour = (repo_root() / "book" / "tour.md").read_text(encoding="utf-8")
    assert "```{pasted-figure} sg_map" in tour  # the 15-minute tour includes the system drawing


def test_landing_check_fails_on_the_old_wall_of_numbers():
    wall = ("# Title\n\nThis playbook shows a platform.\n\n## The three constraints that bite hardest\n\n"
            + "{glue:text}`x.ipynb::n` " * 40 + "\n\nDataFlow Platform is fictional; what is computed is exact.\n")
    assert landing_problems(wall) == [
        "the first paragraph does not say the system is fictional and what is exact",
        "the system map does not follow the first paragraph",
        "the story-over-time figure is missing",
        "40 glued numbers (at most 12)"]
