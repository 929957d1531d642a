"""The system at a glance: the regional cells drawn from the architecture model, with the decisions on them.

=========================  ==================================================================
``HardConstraint``          one of the constraints that bite hardest, with the records it forced
``hardest_constraints``     read them from ``data/architecture.yml`` (section ``hardest_constraints``)
``decisions_by_component``  component id -> the decision records that shaped it (``decisions:``)
``grid_positions``          where each per-region component sits in a cell (column, row)
``system_map``              the figure: one panel per live region, externals on both sides,
                            decision numbers on the components, the hardest constraints below
``draw_system_map``         the page's figure and the counts it quotes, at a story month
``component_timeline``      every component as a bar from the month it arrived, with the record that introduced it
``drawn_components``        the component ids a system map draws (each box carries its id)
``draw_story``              the story-over-time figure (:func:`dfp.book.story.plot_story`), for the landing page
=========================  ==================================================================

Everything drawn comes from the model at one month: which components exist in it, which are per region, which
edges are synchronous (solid) or asynchronous (dashed), and which regions are live in it. The
picture is a view, never a second source: a component added to ``architecture.yml`` appears here.
Fonts are at least 14 pt on a 10-inch figure, so at the book's content width at 1,280 px (about 630 px of a
1,000 px image) no text falls below 9 pt.
"""

from __future__ import annotations

import textwrap
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd
import yaml
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import FancyBboxPatch

from dfp.architecture.model import Model, arrivals, components_at, edges_at, load_model, month_of, regions_at
from dfp.book import plotting, story
from dfp.book.adr import load_adrs
from dfp.core.errors import PlaybookError
from dfp.core.paths import data_dir
from dfp.core.units import SLO_MONTH_DAYS
from dfp.io.system import System, load_system
from dfp.reliability.slo import allowed_downtime_min

__all__ = ["MIN_FONT_PT", "HardConstraint", "SystemMapPage", "component_timeline", "constraint_titles",
           "decisions_by_component",
           "draw_story", "draw_system_map", "drawn_components", "grid_positions", "hardest_constraints", "system_map"]

#: Smallest font on the figure, in points at the figure's own size (10 in wide).
MIN_FONT_PT = 14.0
#: Column of each tier inside a regional cell; ``store`` shares the process column below it and
#: ``control`` fills the bottom row from the left.
_TIER_COLUMN = {"edge": 0, "ingest": 1, "stream": 2, "process": 3, "store": 3, "deliver": 4}
_TIER_FIRST_ROW = {"store": 1}
_N_COLS, _N_ROWS = 5, 3
_COL_PITCH, _ROW_PITCH = 1.62, 1.22
_BOX_W, _BOX_H = 1.5, 1.06
_KIND_COLOURS = {"aws": "#e3ecf5", "eks": "#fbf3e4", "external": "#f2f2f2"}
_DECISION_COLOUR = "#1f4e79"


@dataclass(frozen=True)
class HardConstraint:
    """One of the constraints that bite hardest, with the decision records that answer it."""

    id: str
    title: str
    answers: tuple[tuple[str, str], ...]  # (decision record number, what it does about the constraint)

    @property
    def decisions(self) -> tuple[str, ...]:
        return tuple(d for d, _ in self.answers)


def hardest_constraints(path: Path | str | None = None) -> list[HardConstraint]:
    """The ``hardest_constraints`` section of the architecture file (default ``data/architecture.yml``), validated.

    >>> [c.id for c in hardest_constraints()]
    ['people', 'availability', 'residency']
    """
    p = Path(path) if path is not None else data_dir() / "architecture.yml"
    raw = (yaml.safe_load(p.read_text(encoding="utf-8")) or {}).get("hardest_constraints")
    if not isinstance(raw, list) or not raw:
        raise PlaybookError("architecture.yml: hardest_constraints must be a non-empty list")
    out = []
    for i, item in enumerate(raw):
        if not isinstance(item, Mapping):
            raise PlaybookError(f"architecture.yml: hardest_constraints[{i}] must be a mapping")
        for key in ("id", "title", "answers"):
            if key not in item:
                raise PlaybookError(f"architecture.yml: hardest_constraints[{i}] is missing {key!r}")
        if not isinstance(item["answers"], Mapping) or not item["answers"]:
            raise PlaybookError(f"architecture.yml: hardest_constraints[{i}].answers must map record numbers to text")
        out.append(HardConstraint(str(item["id"]), str(item["title"]),
                                  tuple((str(d), str(text)) for d, text in item["answers"].items())))
    return out


def decisions_by_component(model: Model) -> dict[str, tuple[str, ...]]:
    """Component id -> the numbers of the decision records that shaped it (``decisions:`` in the model).

    >>> from dfp.architecture.model import load_model
    >>> decisions_by_component(load_model())["event-stream"]
    ('0002', '0009')
    """
    return {cid: tuple(str(d) for d in c.get("decisions", ())) for cid, c in model.components.items()
            if c.get("decisions")}


def grid_positions(per_region: pd.DataFrame) -> dict[str, tuple[int, int]]:
    """(column, row) of each per-region component inside a cell, from its tier.

    Components of a tier stack down their column from the tier's first row; ``control`` components fill
    the bottom row from the left. Raises when a cell has no free place left.

    >>> df = pd.DataFrame({"tier": ["edge", "stream", "stream", "control"]}, index=["a", "b", "c", "d"])
    >>> grid_positions(df)
    {'a': (0, 0), 'b': (2, 0), 'c': (2, 1), 'd': (0, 2)}
    """
    taken: set[tuple[int, int]] = set()
    out: dict[str, tuple[int, int]] = {}
    for cid, tier in per_region["tier"].items():
        if tier == "control":
            continue
        if tier not in _TIER_COLUMN:
            raise PlaybookError(f"system map: no column for tier {tier!r} (component {cid})")
        col, row = _TIER_COLUMN[tier], _TIER_FIRST_ROW.get(tier, 0)
        while (col, row) in taken:
            row += 1
        if row >= _N_ROWS:
            raise PlaybookError(f"system map: column {col} is full at component {cid}")
        taken.add((col, row))
        out[str(cid)] = (col, row)
    for cid in per_region.index[per_region["tier"] == "control"]:
        free = [(c, _N_ROWS - 1) for c in range(_N_COLS) if (c, _N_ROWS - 1) not in taken]
        if not free:
            raise PlaybookError(f"system map: no free place in the bottom row for component {cid}")
        taken.add(free[0])
        out[str(cid)] = free[0]
    return out


def _label(text: str, lines_max: int, width: int = 11) -> str:
    """A component label on at most ``lines_max`` lines: the name, then the service in brackets if room is left."""
    name, _, service = text.partition(" (")
    lines = textwrap.wrap(name, width)
    if service and len(lines) < lines_max:
        lines += textwrap.wrap(service.rstrip(")"), width)
    return "\n".join(lines[:lines_max])


def _box(ax: Axes, x: float, y: float, label: str, kind: str, decisions: Sequence[str]) -> FancyBboxPatch:
    patch = FancyBboxPatch((x - _BOX_W / 2, y - _BOX_H / 2), _BOX_W, _BOX_H, boxstyle="round,pad=0.02,rounding_size=0.06",
                           fc=_KIND_COLOURS.get(kind, "#ffffff"), ec="#555555", lw=1.0, zorder=3)
    ax.add_patch(patch)
    ax.text(x, y + (0.1 if decisions else 0.0), label, ha="center", va="center", fontsize=MIN_FONT_PT, zorder=4,
            linespacing=1.0)
    if decisions:
        ax.text(x, y - _BOX_H / 2 + 0.05, ", ".join(d.lstrip("0") for d in decisions), ha="center",
                va="bottom", fontsize=MIN_FONT_PT, zorder=5, color=_DECISION_COLOUR, fontweight="bold")
    return patch


def _arrow(ax: Axes, a: FancyBboxPatch, b: FancyBboxPatch, sync: bool) -> None:
    ca = (a.get_x() + a.get_width() / 2, a.get_y() + a.get_height() / 2)
    cb = (b.get_x() + b.get_width() / 2, b.get_y() + b.get_height() / 2)
    ax.annotate("", xy=cb, xytext=ca, zorder=2,
                arrowprops={"arrowstyle": "-|>", "color": "#555555", "lw": 1.1, "ls": "-" if sync else "--",
                            "patchA": a, "patchB": b, "shrinkA": 1, "shrinkB": 1, "mutation_scale": 12})


def system_map(model: Model, system: System, as_of: pd.Timestamp, constraints: Sequence[HardConstraint] | None,
               decisions: Mapping[str, Sequence[str]]) -> Figure:
    """The design live just before ``as_of``: its regional cells, externals, edges, decisions and constraints.

    The month is the one just before ``as_of``: its components and edges from the model
    (:func:`dfp.architecture.model.components_at`), its cells the regions live in it. The first region's cell is
    drawn in full with the decision numbers (blue); every other cell runs the same design and is drawn as one
    strip that says so, with its own arrows to the externals, so the picture, the constraints below it and a line
    of text fit a laptop's first screen. ``constraints=None`` leaves the constraint band out (the legend stays).
    Returns a 10-inch-wide figure (at 100 dpi: 1,000 px).
    """
    month = month_of(as_of - pd.Timedelta(minutes=1))
    comps = components_at(model, month)
    regions = [r.id for r in regions_at(system, month)]
    if not regions:
        raise PlaybookError(f"system map: no region is live before {as_of}")
    cell = comps.loc[comps["per_region"]]
    outside = comps.loc[~comps["per_region"]]
    pos = grid_positions(cell)
    cell_h, strip_h = _N_ROWS * _ROW_PITCH + 0.7, 1.45
    heights = [cell_h] + [strip_h] * (len(regions) - 1)
    band_h = 4.1 if constraints is not None else 0.55
    height = sum(heights) + band_h + 0.3
    width = (_N_COLS + 2) * _COL_PITCH + 0.4
    fig = plt.figure(figsize=(10.0, 10.0 * height / width), layout="none")
    ax = fig.add_axes((0.0, 0.0, 1.0, 1.0))
    ax.set_xlim(0, width)
    ax.set_ylim(0, height)
    ax.axis("off")

    patches: dict[tuple[str, str | None], FancyBboxPatch] = {}
    x_left = _BOX_W / 2 + 0.08  # externals on the left; column 0 of a cell one pitch and a gap further
    x0 = x_left + _COL_PITCH + 0.12
    top = height - 0.15
    strips: dict[str, dict[str, FancyBboxPatch]] = {}  # a same-design cell: its arrows meet its left or right end
    for i, region in enumerate(regions):
        h = heights[i]
        role = next(r.role for r in system.regions if r.id == region)
        frame = FancyBboxPatch((x0 - _COL_PITCH / 2 + 0.05, top - h + 0.1), _N_COLS * _COL_PITCH - 0.1, h - 0.15,
                               boxstyle="round,pad=0.0,rounding_size=0.12", fc="#fcfcfc", ec=_DECISION_COLOUR,
                               lw=1.4, zorder=1)
        ax.add_patch(frame)
        title = f"{region} cell: {role}"
        ax.text(x0 - _COL_PITCH / 2 + 0.2, top - 0.12, title, ha="left", va="top",
                fontsize=MIN_FONT_PT + 1, fontweight="bold", color=_DECISION_COLOUR)
        if i:  # the same design: one strip stands for every component of the cell
            ax.text(x0 - _COL_PITCH / 2 + 0.2, top - 0.72, f"same design: the same {len(cell)} components; no data path to "
                    f"{regions[0]}", ha="left", va="top", fontsize=MIN_FONT_PT, color="#333333")
            y_mid = top - h / 2 + 0.02
            ends = {"left": x0 - _COL_PITCH / 2 + 0.05, "right": x0 + (_N_COLS - 0.5) * _COL_PITCH - 0.06}
            strips[region] = {side: FancyBboxPatch((x, y_mid - 0.3), 0.01, 0.6, alpha=0.0) for side, x in ends.items()}
            for anchor in strips[region].values():
                ax.add_patch(anchor)
        else:
            for cid, (col, row) in pos.items():
                x, y = x0 + col * _COL_PITCH, top - 0.95 - row * _ROW_PITCH
                shown = decisions.get(cid, ())
                patches[(cid, region)] = _box(ax, x, y, _label(str(comps.loc[cid, "label"]), 2 if shown else 3),
                                              str(comps.loc[cid, "kind"]), shown)
                patches[(cid, region)].set_gid(f"{cid}@{region}")  # what is drawn, for the tests
        top -= h
    cells_mid = height - 0.15 - sum(heights) / 2
    edges = edges_at(model, month)
    fed_by_cell = set(edges.loc[edges["from"].isin(cell.index), "to"])  # externals the cells call: drawn right
    # externals the cells call sit on the right; on the left, those that call a cell sit lowest, nearest the strips
    calls_cell = set(edges.loc[edges["to"].isin(cell.index), "from"])
    left = sorted((c for c in outside.index if c not in fed_by_cell), key=lambda c: c in calls_cell)
    sides = {"left": left, "right": [c for c in outside.index if c in fed_by_cell]}
    for side, ids in sides.items():
        x = x_left if side == "left" else x0 + (_N_COLS - 0.5) * _COL_PITCH + 0.12 + _COL_PITCH / 2
        for j, cid in enumerate(ids):
            y = cells_mid + (len(ids) - 1) / 2 * _ROW_PITCH * 1.4 - j * _ROW_PITCH * 1.4
            patches[(cid, None)] = _box(ax, x, y, _label(str(comps.loc[cid, "label"]), 3, 12), "external", ())
            patches[(cid, None)].set_gid(cid)
    per_region = set(cell.index)

    def end(cid: str, other: str, region: str) -> FancyBboxPatch | None:
        if cid not in per_region:
            return patches.get((cid, None))
        if region in strips:  # the strip's end on the side of the external at the other end
            return strips[region]["left" if other in sides["left"] else "right"]
        return patches.get((cid, region))

    drawn: set[tuple[int, int]] = set()
    for _, e in edges.iterrows():
        for region in regions:
            if region in strips and e["from"] in per_region and e["to"] in per_region:
                continue  # inside a same-design cell
            a, b = end(e["from"], e["to"], region), end(e["to"], e["from"], region)
            if a is None or b is None or (id(a), id(b)) in drawn:
                continue  # an edge between two externals is drawn once
            drawn.add((id(a), id(b)))
            _arrow(ax, a, b, bool(e["sync"]))

    ax.text(0.2, band_h - 0.02, "Solid: synchronous call. Dashed: asynchronous. Blue: decision records.",
            ha="left", va="top", fontsize=MIN_FONT_PT, color="#333333")
    if constraints is None:
        return fig
    # the hardest constraints, each with the records that answer it
    band_h -= 0.4
    bw = (width - 0.4) / max(len(constraints), 1)
    for k, c in enumerate(constraints):
        x = 0.2 + k * bw
        ax.add_patch(FancyBboxPatch((x + 0.05, 0.15), bw - 0.1, band_h - 0.3, boxstyle="round,pad=0.0,rounding_size=0.1",
                                    fc="#fbf3e4", ec="#d98c1f", lw=1.2, zorder=1))
        ax.text(x + 0.18, band_h - 0.3, "\n".join(textwrap.wrap(c.title, 25)), ha="left", va="top",
                fontsize=MIN_FONT_PT, fontweight="bold", zorder=2)
        lines = [w for d, text in c.answers for w in textwrap.wrap(f"{d.lstrip('0')}: {text}", 27, subsequent_indent="    ")]
        lines = lines or ["no decision yet"]
        ax.text(x + 0.18, band_h - 1.25, "\n".join(lines), ha="left", va="top", fontsize=MIN_FONT_PT,
                color=_DECISION_COLOUR, zorder=2, linespacing=1.25)
    return fig


def drawn_components(fig: Figure) -> set[str]:
    """The component ids drawn on a :func:`system_map` figure (each box's gid is ``id`` or ``id@region``)."""
    return {str(p.get_gid()).split("@")[0] for ax in fig.axes for p in ax.patches if p.get_gid()}


def constraint_titles(system: System, constraints: Sequence[HardConstraint]) -> list[HardConstraint]:
    """The constraints with their numbers filled in from ``system.yml`` (``{engineers}``, ``{sla_pct}``, ...).

    Placeholders: ``engineers_min``, ``engineers_max``, ``sla_pct``, ``budget_min`` (downtime a budget-month (``SLO_MONTH_DAYS``)
    window allows at the SLA), ``usd_per_million`` (the unit-cost target).

    >>> from dfp.io.system import load_system
    >>> c = HardConstraint("x", "{sla_pct:.2f} % SLA", ())
    >>> constraint_titles(load_system(), [c])[0].title
    '99.95 % SLA'
    """
    sla = system.target("api_availability").value
    values = {
        "engineers_min": system.team["platform_engineers_min"],
        "engineers_max": system.team["platform_engineers_max"],
        "sla_pct": 100 * sla,
        "budget_min": allowed_downtime_min(sla, SLO_MONTH_DAYS),
        "usd_per_million": system.target("cost_usd_per_event").value * 1e6,
    }
    out = []
    for c in constraints:
        try:
            title = c.title.format(**values)
        except (KeyError, ValueError) as exc:
            raise PlaybookError(f"architecture.yml: hardest_constraints {c.id!r}: bad placeholder in title ({exc})") from exc
        out.append(HardConstraint(c.id, title, c.answers))
    return out


_COUNT_WORDS = ("no", "one", "two", "three", "four", "five", "six")


@dataclass(frozen=True)
class SystemMapPage:
    """What the system-at-a-glance page shows at one story month."""

    figure: Figure
    month: str
    regions: int
    cells_sentence: str
    cell_components: int
    decisions: int


def draw_system_map(as_of_month: int, system: System | None = None, model: Model | None = None, *,
                    with_constraints: bool = True) -> SystemMapPage:
    """The system map at the end of story month ``as_of_month`` with the counts the page quotes.

    Only decision records dated before the month's end appear, on the components and under the constraints
    (``with_constraints=False``: the map alone, as the era sections of the system design page draw it).

    >>> page = draw_system_map(0)
    >>> page.month, page.regions, page.cells_sentence
    ('2024-11', 1, 'one regional cell of 8 components, in us-east-1')
    """
    system = system or load_system()
    model = model or load_model()
    as_of = system.month_start(as_of_month + 1)
    taken = {a.number for a in load_adrs(system=system) if pd.Timestamp(a.date, tz="UTC") < as_of}
    decisions = {cid: tuple(d for d in ds if d in taken) for cid, ds in decisions_by_component(model).items()}
    constraints = [HardConstraint(c.id, c.title, tuple((d, t) for d, t in c.answers if d in taken))
                   for c in constraint_titles(system, hardest_constraints())]
    fig = system_map(model, system, as_of, constraints if with_constraints else None, decisions)
    month = month_of(as_of - pd.Timedelta(minutes=1))
    comps = components_at(model, month)
    cell = comps.index[comps["per_region"]]
    live = regions_at(system, month)
    shown = {d for cid in comps.index for d in decisions.get(cid, ())}
    n = len(live)
    if n == 1:
        sentence = f"one regional cell of {len(cell)} components, in {live[0].id}"
    else:
        words = _COUNT_WORDS[n] if n < len(_COUNT_WORDS) else str(n)
        sentence = (f"{words} regional cells of {len(cell)} components each ({', '.join(r.id for r in live)}), with no "
                    "data path between them: a customer's events are accepted, processed, stored and delivered "
                    "inside the cell of the customer's region")
    return SystemMapPage(fig, system.month_start(as_of_month).strftime("%Y-%m"), n, sentence, len(cell), len(shown))


def draw_story(as_of_month: int, system: System | None = None) -> Figure:
    """The story-over-time figure up to story month ``as_of_month``, drawn by the function the story page uses
    (:func:`dfp.book.story.plot_story`) with the same three target lines: volume, API availability and cost per
    million events.
    """
    system = system or load_system()
    data = story.load_story(system, as_of_month)
    targets = {k: system.target(k).value for k in ("events_per_day_avg", "api_availability")}
    unit_target = story.story_headline(system, data).unit_target
    return story.plot_story(system, data.story, data.events, {**targets, "usd_per_million_events": unit_target})


def component_timeline(model: Model, system: System, first_customers: Mapping[str, pd.Timestamp] | None = None) -> Figure:
    """Every component of the model as a bar from the month it arrived to the end of the story (or the month it
    left), eras shaded, each region's go-live and (optional) first customer marked, and the number of the decision
    record that introduced a component at the start of its bar.

    Drawn from :func:`dfp.architecture.model.arrivals`, so a component's bar starts in its month and nowhere
    earlier; blue bars were introduced by a decision record (its number on the bar), grey ones by the era's
    build. Text is ``MIN_FONT_PT`` on a 10-inch figure (at least 9 pt at the book's content width).
    """
    arr = arrivals(model)
    start, end = system.start.tz_localize(None), system.end.tz_localize(None)
    fig, ax = plotting.new_figure(figsize=(10.0, 0.42 * len(arr) + 2.2))
    plotting.shade_eras(ax, system, label=False)
    for era in system.eras:
        a, b = era.start.tz_localize(None), era.end.tz_localize(None)
        ax.text(a + (b - a) / 2, 1.0, era.name, transform=ax.get_xaxis_transform(), ha="center", va="bottom",
                fontsize=MIN_FONT_PT, color="#555555")
    for y, (_cid, row) in enumerate(arr.iterrows()):
        a = pd.Timestamp(f"{row['introduced']}-01")
        b = pd.Timestamp(f"{row['retired']}-01") if isinstance(row["retired"], str) else end
        colour = _DECISION_COLOUR if isinstance(row["introduced_by"], str) else "#8c8c8c"
        ax.barh(y, (b - a).days, left=a, height=0.6, color=colour, alpha=0.85, zorder=2)
        if isinstance(row["introduced_by"], str):
            ax.text(a + pd.Timedelta(days=10), y, f"ADR-{row['introduced_by']}", ha="left", va="center",
                    fontsize=MIN_FONT_PT, color="white", zorder=3)
    for r in system.regions:
        if r.live_from.tz_localize(None) > start:
            x = r.live_from.tz_localize(None)
            ax.axvline(x, color=plotting.PALETTE[2], lw=1.5, ls=":", zorder=1)
            ax.text(x, -1.55, f" {r.id} live ({x:%Y-%m-%d})", color=plotting.PALETTE[2], fontsize=MIN_FONT_PT,
                    va="center")
    for region, when in (first_customers or {}).items():
        x = pd.Timestamp(when).tz_localize(None) if pd.Timestamp(when).tzinfo else pd.Timestamp(when)
        if x > start:
            ax.axvline(x, color=plotting.PALETTE[4], lw=1.5, ls="--", zorder=1)
            ax.text(x, -0.85, f" first {region} customer ({x:%Y-%m-%d})", color=plotting.PALETTE[4],
                    fontsize=MIN_FONT_PT, va="center")
    ax.set_yticks(range(len(arr)), [str(lbl).split(" (")[0] for lbl in arr["label"]], fontsize=MIN_FONT_PT)
    ax.invert_yaxis()
    ax.set_ylim(len(arr) - 0.4, -2.2)
    ax.set_xlim(start, end)
    ax.tick_params(axis="x", labelsize=MIN_FONT_PT)
    ax.grid(axis="y", visible=False)
    return fig
