"""The one house style for every chart, and the few chart helpers notebooks share.

``use_style()`` sets matplotlib's rcParams once per notebook; ``shade_eras`` and
``mark_incidents`` put the story's eras and incident calendar on any time axis so every chart
reads against the same timeline. Figures are PNG (deterministic for nbval; SVG ids are random).

A page shows a figure numbered and captioned through MyST: ``glue_figure("fig_<page>_<what>", fig)``
in a hidden cell (tags ``remove-input``, ``remove-output``), then a ``{glue:figure}`` directive with
``:name:``, ``:alt:`` and a caption. ``glue_figure`` refuses a figure whose smallest text would read
below ``MIN_TEXT_PT`` (9 pt) at the width the page shows it (``min_text_pt``): a figure wider than the
content column (``CONTENT_PX`` at a 1,280 px window) is scaled down and its text with it.
"""

from __future__ import annotations

import struct
import textwrap
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from io import BytesIO
from itertools import pairwise
from typing import Any

import matplotlib as mpl
import matplotlib.dates as mdates
import matplotlib.pyplot as plt
import matplotlib.ticker as mticker
import numpy as np
import pandas as pd
from cycler import cycler
from IPython.display import Image, display
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import FancyBboxPatch

from dfp.book.nb import glue
from dfp.core.errors import PlaybookError
from dfp.io.system import System

__all__ = [
    "BASE_FONT_PT",
    "COLUMN_WIDTH_IN",
    "CONTENT_PX",
    "ERA_COLOURS",
    "MIN_TEXT_PT",
    "PALETTE",
    "SMALLEST_FONT_KEY",
    "DecisionPanel",
    "address_space_chart",
    "ai_cost_chart",
    "anomaly_score_chart",
    "anomaly_window_chart",
    "batch_sources_chart",
    "business_chart",
    "close",
    "commitment_curve_chart",
    "constraints_chart",
    "cost_path_chart",
    "cost_share_chart",
    "daily_events_chart",
    "decision_bars_chart",
    "detection_chart",
    "dsr_chart",
    "event_path_chart",
    "fallback_diagram",
    "figure_png",
    "fmt_millions",
    "glue_figure",
    "hourly_profile_chart",
    "mark_incidents",
    "min_text_pt",
    "new_figure",
    "png_size_px",
    "png_smallest_font_pt",
    "projection_chart",
    "remediation_chart",
    "replay_chart",
    "savings_stack_chart",
    "score_curve_chart",
    "service_stack_chart",
    "shade_eras",
    "show",
    "shown_text_pt",
    "smallest_font_pt",
    "timeline_chart",
    "unit_cost_chart",
    "unit_cost_curve_chart",
    "use_style",
    "utilisation_chart",
]

#: The house style's font size (points): axis labels, ticks and legends unless a chart sets its own.
BASE_FONT_PT = 11.0
PALETTE = ["#1f4e79", "#c0504d", "#4f8f3a", "#8064a2", "#d98c1f", "#4bacc6", "#7f7f7f"]
ERA_COLOURS = {"mvp": "#f2f2f2", "full-platform": "#e3ecf5", "scale": "#fbf3e4"}


def use_style() -> None:
    """Apply the house style (figure size, fonts, grid, colour cycle, PNG output)."""
    mpl.rcParams.update({
        "figure.figsize": (8.0, 3.6),
        "figure.dpi": 100,
        "savefig.dpi": 100,
        "font.size": BASE_FONT_PT,  # at 8 in (811 px) shown in the 672 px column: 11 x 672 / 811 = 9.1 pt
        "axes.titlesize": BASE_FONT_PT + 1,
        "axes.titleweight": "bold",
        "axes.spines.top": False,
        "axes.spines.right": False,
        "axes.grid": True,
        "grid.alpha": 0.3,
        "axes.prop_cycle": cycler(color=PALETTE),
        "legend.frameon": False,
        "figure.constrained_layout.use": True,
    })
    try:  # inline backend in notebooks: PNG only, so stored outputs stay comparable
        from matplotlib_inline.backend_inline import set_matplotlib_formats  # noqa: PLC0415 - optional: only inside Jupyter

        set_matplotlib_formats("png")
    except ImportError:  # pragma: no cover - outside Jupyter
        pass


def new_figure(ncols: int = 1, nrows: int = 1, **kw: Any) -> tuple[Figure, Any]:
    """``plt.subplots`` with the house defaults: one ``Axes`` for one panel, an array of them for a grid.

    The second element is typed as matplotlib types it (``Any``): its shape depends on the values of
    ``ncols`` and ``nrows``; ``**kw`` are ``plt.subplots``' keyword arguments.
    """
    return plt.subplots(nrows=nrows, ncols=ncols, **kw)


def close(fig: Figure) -> None:
    """Close a figure that was glued, so the notebook does not show it a second time."""
    plt.close(fig)


#: The room a figure has in the book's content column in CSS px at a 1,280 px window (a notebook cell's
#: output; measured by tests/test_site.py): a PNG wider than this is scaled down, and its text with it.
CONTENT_PX = 672
#: The widest figure (inches at the house 100 dpi) a page shows at full size: its PNG, cropped to a tight box with
#: matplotlib's 0.1 in pad a side, is then at most CONTENT_PX wide: (672 - 2 x 10) / 100 = 6.52 in, rounded down.
COLUMN_WIDTH_IN = 6.5
#: Smallest text a figure may show at the width it renders at (points; 1 pt = 4/3 CSS px).
MIN_TEXT_PT = 9.0


#: PNG text chunk in which ``glue_figure`` records the smallest font drawn in the figure (points at source),
#: so a reader of the built site (tests/test_site.py) knows how large the text is without guessing the house font.
SMALLEST_FONT_KEY = "dfp-smallest-font-pt"


def smallest_font_pt(fig: Figure) -> float:
    """The smallest font size (points, as set in the figure) of any visible, non-empty text in ``fig``;
    ``inf`` for a figure without text.

    >>> fig, ax = plt.subplots(figsize=(4.0, 3.0), dpi=100)
    >>> _ = ax.set_title("title", fontsize=12); _ = ax.set_xticks([]); _ = ax.set_yticks([])
    >>> smallest_font_pt(fig)
    12.0
    >>> close(fig)
    """
    fig.canvas.draw()
    sizes = [float(t.get_fontsize()) for t in fig.findobj(mpl.text.Text)
             if t.get_visible() and t.get_text().strip() and t.get_window_extent().width > 0]
    return min(sizes, default=float("inf"))


def min_text_pt(fig: Figure, column_px: float = CONTENT_PX) -> float:
    """The smallest visible text in ``fig`` in points as the page shows it,
    ``font pt x min(1, column px / PNG px)``: the PNG (:func:`figure_png`, cropped to a tight box, which can be
    wider than the figure when text spills past its edge) is scaled down to the column when wider, its text with it.

    >>> fig, ax = plt.subplots(figsize=(7.0, 3.0), dpi=100)
    >>> _ = ax.set_title("title", fontsize=12); _ = ax.set_xticks([]); _ = ax.set_yticks([])
    >>> width_px = png_size_px(figure_png(fig))[0]
    >>> min_text_pt(fig, column_px=width_px / 2)
    6.0
    >>> close(fig)
    """
    return shown_text_pt(figure_png(fig), column_px)


def shown_text_pt(png: bytes, column_px: float = CONTENT_PX) -> float:
    """The smallest text of a :func:`figure_png` PNG in points as a ``column_px`` column shows it:
    ``recorded font pt x min(1, column px / PNG width px)``.

    Raises ``PlaybookError`` for a PNG without the record (not made by :func:`figure_png`).
    """
    font_pt = png_smallest_font_pt(png)
    if font_pt is None:
        raise PlaybookError(f"shown_text_pt: the PNG has no {SMALLEST_FONT_KEY!r} record; make it with figure_png")
    return float(font_pt * min(1.0, column_px / png_size_px(png)[0]))


def png_size_px(png: bytes) -> tuple[int, int]:
    """Width and height of a PNG in pixels, from its header.

    >>> fig = plt.figure(figsize=(2.0, 1.0), dpi=100)  # an empty figure: its box plus the 0.1 in pad a side
    >>> png_size_px(figure_png(fig))
    (220, 120)
    >>> close(fig)
    """
    if not png.startswith(b"\x89PNG\r\n\x1a\n") or png[12:16] != b"IHDR":
        raise PlaybookError("png_size_px: not a PNG")
    width, height = struct.unpack(">II", png[16:24])
    return int(width), int(height)


def figure_png(fig: Figure) -> bytes:
    """``fig`` as the PNG a notebook shows (tight bounding box, the figure's dpi and colours), with its smallest
    font size recorded under ``SMALLEST_FONT_KEY``; the bytes are the same on every run (no timestamp).

    >>> fig, ax = plt.subplots(figsize=(2.0, 1.0), dpi=100)
    >>> _ = ax.set_title("t", fontsize=12)
    >>> png_smallest_font_pt(figure_png(fig)) == smallest_font_pt(fig)
    True
    >>> close(fig)
    """
    font_pt = smallest_font_pt(fig)
    buf = BytesIO()
    fig.savefig(buf, format="png", bbox_inches="tight", facecolor=fig.get_facecolor(),
                edgecolor=fig.get_edgecolor(), metadata={SMALLEST_FONT_KEY: f"{font_pt:g}"})
    return buf.getvalue()


def png_smallest_font_pt(png: bytes) -> float | None:
    """The smallest font size ``figure_png`` recorded in ``png`` (points), ``None`` for a PNG without the record.

    >>> png_smallest_font_pt(b"not a png") is None
    True
    """
    if not png.startswith(b"\x89PNG\r\n\x1a\n"):
        return None
    at, key = 8, SMALLEST_FONT_KEY.encode("latin-1") + b"\0"
    while at + 8 <= len(png):
        (length,), kind = struct.unpack(">I", png[at:at + 4]), png[at + 4:at + 8]
        body = png[at + 8:at + 8 + length]
        if kind == b"tEXt" and body.startswith(key):
            return float(body[len(key):].decode("latin-1"))
        if kind == b"IEND":
            break
        at += 12 + length
    return None


def _readable_png(name: str, fig: Figure, min_pt: float) -> bytes:
    """``fig`` as a :func:`figure_png`, closed; raises ``PlaybookError`` naming ``name`` when its smallest text
    would read below ``min_pt`` at the content column."""
    png = figure_png(fig)
    close(fig)
    shown = shown_text_pt(png)
    if shown < min_pt:
        raise PlaybookError(f"figure {name!r}: its smallest text reads {shown:.1f} pt at the {CONTENT_PX} px content "
                            f"column (a {png_size_px(png)[0]} px PNG), below {min_pt:g} pt; raise its font size or make "
                            f"the figure narrower")
    return png


def glue_figure(name: str, fig: Figure, min_pt: float = MIN_TEXT_PT) -> Figure:
    """Glue ``fig`` under ``name`` for a ``{glue:figure}`` directive and close it (the one-call figure pattern).

    The glued PNG carries its smallest font size (``figure_png``), which the site check reads to judge the text
    as shown. Raises ``PlaybookError`` naming the figure when its smallest text would read below ``min_pt`` at
    the content column's width: enlarge the font or narrow the figure.
    """
    glue(name, Image(data=_readable_png(name, fig, min_pt), format="png"), display=True)
    return fig


def show(fig: Figure | None = None, min_pt: float = MIN_TEXT_PT) -> None:
    """Show ``fig`` (default: the current figure) as a cell's output and close it, for a cell whose ``mystnb``
    metadata numbers and captions its figure; the PNG carries its font size and is checked as :func:`glue_figure`
    checks it."""
    fig = fig if fig is not None else plt.gcf()
    display(Image(data=_readable_png(str(fig.get_label() or "figure"), fig, min_pt), format="png"))


def fmt_millions(ax: Axes, axis: str = "y", unit: str = "M") -> None:
    """Label an axis in millions (``12M``)."""
    f = mticker.FuncFormatter(lambda v, _p: f"{v / 1e6:g}{unit}")
    (ax.yaxis if axis == "y" else ax.xaxis).set_major_formatter(f)


def shade_eras(ax: Axes, system: System, label: bool = True) -> None:
    """Shade each era's span on a datetime x-axis and name it at the top (as tick labels of a top axis,
    so a title set before or after sits above the names)."""
    middles = []
    for era in system.eras:
        start, end = era.start.tz_localize(None), era.end.tz_localize(None)
        ax.axvspan(start, end, color=ERA_COLOURS.get(era.id, "#f5f5f5"), zorder=0, lw=0)
        middles.append(mdates.date2num(start + (end - start) / 2))
    if label:
        top = ax.secondary_xaxis("top")
        top.set_xticks(middles, [era.name for era in system.eras])
        top.tick_params(axis="x", length=0, pad=2, labelcolor="#555555")
        top.spines["top"].set_visible(False)


def mark_incidents(ax: Axes, system: System, ids: Iterable[str] | None = None) -> None:
    """Draw a dashed line at each incident's impact start, labelled with its id."""
    keep = set(ids) if ids is not None else None
    for inc in system.incidents:
        if keep is not None and inc.id not in keep:
            continue
        x = pd.Timestamp(inc.impact_start).tz_localize(None)
        ax.axvline(x, color="#c0504d", lw=0.8, ls="--", zorder=1)
        ax.text(x, 0.98, inc.id, transform=ax.get_xaxis_transform(), rotation=90, ha="right", va="top",
                color="#c0504d")


def detection_chart(factors: Sequence[float], minutes: Mapping[str, Sequence[float]], step_min: float) -> Figure:
    """Minutes a canary needs to detect a regression, by its size (log-log), one line per traffic level.

    ``minutes`` maps a legend label to minutes per factor; ``step_min`` is the longest step (dashed).
    """
    fig, ax = new_figure()
    for label, values in minutes.items():
        ax.plot(factors, values, label=label)
    ax.axhline(step_min, color=PALETTE[1], ls="--", lw=1, label=f"longest step ({step_min} min)")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.minorticks_off()
    ax.set_xticks([1.25, 1.5, 2, 3, 5, 10, 20], labels=["1.25", "1.5", "2", "3", "5", "10", "20"])
    ax.set_xlabel("canary error ratio / baseline error ratio")
    ax.set_ylabel("minutes to detect")
    ax.legend(loc="upper right")
    return fig


def projection_chart(history: pd.Series, run: pd.DataFrame, alternative: pd.DataFrame, alternative_label: str,
                     cap_usd: float, target_usd: float) -> Figure:
    """Monthly cost: the actual history, a projected run with its p10-p90 band, one alternative, cap and target."""
    fig, ax = plt.subplots()
    last = history.index[-1]
    ax.plot(history.index.to_timestamp(), history, color="black", label="actual")
    future = pd.period_range(last + 1, periods=len(run), freq="M").to_timestamp()
    ax.plot(future, run["cost_usd"], color=PALETTE[0], label="this run (median)")
    ax.fill_between(future, run["cost_low_usd"], run["cost_high_usd"], color=PALETTE[0], alpha=0.2, label="p10-p90")
    ax.plot(future, alternative["cost_usd"], color=PALETTE[1], ls=":", label=alternative_label)
    ax.axhline(cap_usd, color=PALETTE[1], ls="--", label="hard cap")
    ax.axhline(target_usd, color=PALETTE[2], ls="--", label="target")
    ax.set_ylim(0, cap_usd * 1.6)
    ax.set_ylabel("USD / month")
    ax.set_title("Projected monthly cost")
    ax.legend(loc="upper left", ncols=2)
    return fig


def savings_stack_chart(by_commitment: pd.DataFrame) -> Figure:
    """Realised savings a month, stacked by commitment (columns), on the months of the index (periods)."""
    fig, ax = plt.subplots()
    ax.stackplot(by_commitment.index.to_timestamp(), *(by_commitment[c] for c in by_commitment.columns),
                 labels=by_commitment.columns)
    ax.set_ylabel("USD saved / month")
    ax.xaxis.set_major_locator(locator := mdates.AutoDateLocator(maxticks=6))
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
    ax.set_title("Realised savings by commitment")
    fig.legend(loc="outside right upper")
    return fig


def commitment_curve_chart(curve: pd.DataFrame, current_usd_per_h: float, recommended_usd_per_h: float,
                           hours_per_month: float) -> Figure:
    """Expected and p10 savings a month by commitment level, with the active and recommended levels."""
    fig, ax = plt.subplots()
    ax.plot(curve["commit_usd_per_h"], curve["expected_savings_usd_per_h"] * hours_per_month, label="expected")
    ax.plot(curve["commit_usd_per_h"], curve["p10_savings_usd_per_h"] * hours_per_month, ls=":", label="p10")
    ax.axvline(current_usd_per_h, color=PALETTE[6], ls="--", label="active today")
    ax.axvline(recommended_usd_per_h, color=PALETTE[1], ls="--", label="recommended")
    ax.axhline(0, color="black", lw=0.8)
    ax.set_xlabel("commitment, USD / hour")
    ax.set_ylabel("savings, USD / month")
    ax.set_title("Savings by commitment level over the next term")
    ax.legend()
    return fig


def unit_cost_chart(usd_per_event: pd.Series, target_usd_per_event: float, budget_usd_per_event: float,
                    system: System) -> Figure:
    """Measured unit cost by month (USD per million events) against the target and the budget, eras shaded."""
    fig, ax = plt.subplots()
    ax.plot(usd_per_event.index.to_timestamp(), usd_per_event * 1e6, marker="o", ms=3, label="measured")
    ax.axhline(target_usd_per_event * 1e6, color=PALETTE[1], ls="--", label="per-event target")
    ax.axhline(budget_usd_per_event * 1e6, color=PALETTE[2], ls=":", label="budget at 10 M/day")
    shade_eras(ax, system)
    ax.set_ylabel("USD per million events")
    ax.set_title("Unit cost by month")
    ax.legend()
    return fig


def unit_cost_curve_chart(model: Any, target_usd_per_event: float, reference_events_per_day: float,
                          days_per_month: float) -> Figure:
    """A fixed + variable cost model as unit cost over daily volume, with the target, floor and reference volume."""
    fig, ax = plt.subplots()
    vol = np.linspace(0.5e6, 25e6, 200)
    ax.plot(vol, model.cost(vol * days_per_month) / (vol * days_per_month) * 1e6, label="fitted model")
    ax.axhline(target_usd_per_event * 1e6, color=PALETTE[1], ls="--", label="per-event target")
    ax.axhline(model.usd_per_million_events, color=PALETTE[6], ls=":", label="variable floor")
    ax.axvline(reference_events_per_day, color=PALETTE[3], lw=1, label="reference volume")
    fmt_millions(ax, axis="x")
    ax.set_xlabel("events per day")
    ax.set_ylabel("USD per million events")
    ax.set_ylim(0, target_usd_per_event * 1e6 * 3)
    ax.legend()
    return fig


def event_path_chart(usd_per_million: Mapping[str, float], retry_usd_per_million_attempts: float) -> Figure:
    """One event's path through the pipeline with each stage's cost per million events, and the failure path.

    Drawn top to bottom at the content column's width (6.7 in), so its smallest text (9 pt) reads at 9 pt.
    """
    s = usd_per_million
    steps = [("customer app", "sends a batch of events", ""),
             ("ingest", "API Gateway, ingest pods, raw stream", f"{s['1 ingest']:.2f} USD/M"),
             ("process", "enrich (DynamoDB), archive (S3), enriched stream", f"{s['2 process']:.2f} USD/M"),
             ("deliver", "deliver pods, NAT, internet egress", f"{s['3 deliver']:.2f} USD/M"),
             ("destinations", "warehouse, marketing, analytics", "")]
    fig, ax = plt.subplots(figsize=(COLUMN_WIDTH_IN, 4.4))
    h, gap, top, width = 0.78, 0.32, 5.4, 6.0
    ys = [top - i * (h + gap) for i in range(len(steps))]
    for (name, text, usd), y in zip(steps, ys, strict=True):
        ax.add_patch(FancyBboxPatch((0, y - h), width, h, boxstyle="round,pad=0.04", fc="#e3ecf5", ec="#1f4e79"))
        ax.text(0.15, y - 0.27, name, ha="left", va="center", fontsize=10, weight="bold")
        ax.text(width - 0.15, y - 0.27, usd, ha="right", va="center", fontsize=10, weight="bold", color="#1f4e79")
        ax.text(0.15, y - 0.58, text, ha="left", va="center", fontsize=9)
    for y0, y1 in pairwise(ys):
        ax.annotate("", xy=(width / 2, y1 + 0.02), xytext=(width / 2, y0 - h - 0.02), arrowprops={"arrowstyle": "->"})
    fail = [("retry with backoff", "re-pays deliver for one\ndestination: "
             f"{retry_usd_per_million_attempts:.2f} USD\nper million attempts", ys[3]),
            ("dead-letter queue", "after the last attempt;\narchive bytes only", ys[4] - 0.35)]
    for name, text, y in fail:
        ax.add_patch(FancyBboxPatch((6.6, y - 1.0), 3.3, 1.0, boxstyle="round,pad=0.04", fc="#fbe9e7", ec="#c0504d"))
        ax.text(6.75, y - 0.2, name, ha="left", va="center", fontsize=10, weight="bold")
        ax.text(6.75, y - 0.38, text, ha="left", va="top", fontsize=9)
    red = {"arrowstyle": "->", "color": "#c0504d"}
    ax.annotate("", xy=(6.55, ys[3] - 0.4), xytext=(width + 0.05, ys[3] - 0.4), arrowprops=red)
    ax.annotate("", xy=(8.25, ys[4] - 0.33), xytext=(8.25, ys[3] - 1.05), arrowprops=red)
    ax.text(6.6, ys[0] - 0.05, "shared platform: control\nplanes, databases,\nobservability, staging, dev:\n"
            f"{s['4 platform']:.2f} USD per million events", fontsize=9, color="#555555", va="top")
    ax.set_xlim(-0.1, 10.0)
    ax.set_ylim(ys[-1] - 1.45, top + 0.1)
    ax.axis("off")
    return fig


def replay_chart(rates_per_s: Sequence[float], curves: Mapping[str, Sequence[float]], replay_events_per_s: float) -> Figure:
    """The hottest shard's utilisation over one tenant's write rate, per partitioning design."""
    fig, ax = new_figure()
    for label, u in curves.items():
        ax.plot(rates_per_s, u, label=label)
    ax.axhline(1.0, color="black", linewidth=1, linestyle="--", label="shard write limit")
    ax.axvline(replay_events_per_s, color="grey", linewidth=1, linestyle=":", label="INC-01 replay rate")
    ax.set_xlabel("one tenant's write rate (events/s)")
    ax.set_ylabel("hottest shard, x its limit")
    ax.legend(loc="upper left")
    return fig


def score_curve_chart(curve: pd.DataFrame, labels: Mapping[str, str], weight: float, flip_at: float,
                      criterion: str) -> Figure:
    """Each option's weighted score (columns of ``curve``) as one criterion's weight sweeps 0..1 (index)."""
    fig, ax = new_figure()
    for col in curve.columns:
        ax.plot(curve.index, curve[col], label=labels[col])
    ax.axvline(weight, color="black", linestyle="--", linewidth=1)
    ax.axvline(flip_at, color="grey", linestyle=":", linewidth=1)
    ax.set_xlabel(f"weight of {criterion}")
    ax.set_ylabel("weighted score")
    ax.legend(loc="lower right")
    return fig


@dataclass(frozen=True)
class DecisionPanel:
    """One decision's bars: a title, weighted score by option label, the winner's label, and a note
    per option label (where its flip point lies) written beside its bar."""

    title: str
    scores: pd.Series
    winner: str
    notes: Mapping[str, str]


def decision_bars_chart(panels: Sequence[DecisionPanel], font_pt: float = 10.0, wrap_chars: int = 60) -> Figure:
    """Each decision's weighted scores as horizontal bars, one panel per decision stacked on a column-wide
    figure (``COLUMN_WIDTH_IN``, fonts ``font_pt``, so the text reads at that size on the page). Option names
    (wrapped at ``wrap_chars``) sit above their bars, the winner's dark and named as such; each score follows
    its bar, and an option's note (where it would flip) sits on its own line below the bar."""
    def rows(p: DecisionPanel) -> float:
        return sum(0.55 + 0.45 * len(textwrap.wrap(str(n), wrap_chars)) + (0.45 if p.notes.get(str(n)) else 0.0)
                   for n in p.scores.index)

    heights = [rows(p) + 0.5 for p in panels]
    fig, axes = plt.subplots(nrows=len(panels), ncols=1, figsize=(COLUMN_WIDTH_IN, 0.36 * sum(heights) + 0.7),
                             gridspec_kw={"height_ratios": heights}, squeeze=False, sharex=True)
    for ax, p in zip(axes[:, 0], panels, strict=True):
        y = 0.0
        for name, v in p.scores.sort_values().items():
            winner = name == p.winner
            note = p.notes.get(str(name), "")
            if note:
                ax.text(0, y + 0.2, note, va="center", fontsize=font_pt, color="#555555", style="italic")
                y += 0.45
            ax.barh(y, v, color=PALETTE[0] if winner else "#9dadbd", height=0.4, align="edge")
            ax.text(v + 0.015, y + 0.2, f"{v:.2f}", va="center", fontsize=font_pt, color="#333333")
            label = textwrap.fill(f"{name} (winner)" if winner else str(name), wrap_chars)
            ax.text(0, y + 0.47, label, va="bottom", fontsize=font_pt, fontweight="bold" if winner else "normal",
                    linespacing=1.1)
            y += 0.55 + 0.45 * label.count("\n") + 0.45
        ax.set_ylim(-0.1, y)
        ax.set_yticks([])
        ax.spines["left"].set_visible(False)
        ax.set_title(p.title, loc="left", fontsize=font_pt, fontweight="bold", color=PALETTE[0])
        ax.grid(axis="y", visible=False)
    axes[-1, 0].set_xlim(0, 1.08)
    axes[-1, 0].set_xticks([0, 0.25, 0.5, 0.75, 1.0])
    axes[-1, 0].tick_params(axis="x", labelsize=font_pt)
    axes[-1, 0].set_xlabel("weighted score (0 to 1, higher is better)", fontsize=font_pt, loc="left")
    return fig


def ai_cost_chart(by_month: pd.DataFrame, fractions: Sequence[float], by_fraction: Mapping[str, Sequence[float]],
                  sample_fraction: float, system: System, as_of_month: int) -> Figure:
    """Two panels: each option's monthly cost over the story, and its cost as the sampled share varies."""
    fig, (ax1, ax2) = new_figure(ncols=2, figsize=(8.0, 3.6))
    for col in by_month.columns:
        ax1.plot(by_month.index, by_month[col], label=col)
    shade_eras(ax1, system, label=False)
    ax1.set_ylabel("USD per month")
    ax1.xaxis.set_major_locator(locator := mdates.AutoDateLocator(minticks=3, maxticks=7))
    ax1.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
    ax1.set_title("Monthly cost over the story")
    fig.legend(*ax1.get_legend_handles_labels(), loc="outside lower center", ncols=2)
    for name, y in by_fraction.items():
        ax2.plot(fractions, y, label=name)
    ax2.axvline(sample_fraction, color=PALETTE[6], ls="--")
    ax2.set_xscale("log")
    ax2.set_yscale("log")
    ax2.set_xlabel("share of events scanned")
    ax2.set_ylabel("USD per month (log)")
    ax2.set_title(f"Cost at month {as_of_month} volume")
    return fig


def utilisation_chart(utilisation: pd.DataFrame, target_ratio: float) -> Figure:
    """Average CPU utilisation (%) per node type (columns) over traffic multiples (index), with the target."""
    fig, ax = new_figure()
    for col in utilisation.columns:
        ax.plot(utilisation.index, 100 * utilisation[col], label=col)
    ax.axhline(100 * target_ratio, color="black", linestyle="--", linewidth=1, label="target")
    ax.set_xlabel("multiple of the story's average traffic")
    ax.set_ylabel("average CPU utilisation (%)")
    ax.legend(loc="lower right")
    return fig


def service_stack_chart(by_service: pd.DataFrame, system: System) -> Figure:
    """Monthly cost stacked by service (largest over the story at the bottom), eras shaded; beyond the
    palette's six largest services the rest are one band (one colour per band, legend below the chart)."""
    order = by_service.sum().sort_values(ascending=False).index
    if len(order) > len(PALETTE):
        rest = order[len(PALETTE) - 1:]
        by_service = by_service[order[:len(PALETTE) - 1]].assign(**{f"{len(rest)} other services": by_service[rest].sum(axis=1)})
        order = by_service.columns
    fig, ax = plt.subplots(figsize=(8.0, 3.6 + 0.15 * len(order)))
    ax.stackplot(by_service.index.to_timestamp(), *(by_service[c] for c in order), labels=order, alpha=0.9)
    shade_eras(ax, system)
    ax.set_ylabel("USD / month (amortised)")
    ax.set_title("Monthly cost by service")
    fig.legend(loc="outside lower center", ncols=2)
    return fig


def cost_share_chart(ratio: pd.Series, system: System) -> Figure:
    """Infrastructure cost as a share of revenue by month."""
    fig, ax = plt.subplots()
    ax.plot(ratio.index.to_timestamp(), ratio, marker="o", ms=3)
    ax.set_ylabel("cost / revenue")
    ax.yaxis.set_major_formatter(plt.FuncFormatter(lambda v, _p: f"{v:.0%}"))
    shade_eras(ax, system)
    ax.set_title("Infrastructure cost as a share of revenue")
    return fig


def anomaly_window_chart(window: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp, title: str) -> Figure:
    """Daily cost, the detector's expected cost and its flags around an incident window (shaded)."""
    fig, ax = plt.subplots()
    ax.plot(window.index, window["cost_usd"], marker="o", ms=3, label="daily cost")
    ax.plot(window.index, window["expected_usd"], ls="--", label="expected (same-weekday median)")
    ax.scatter(window.index[window["flag"]], window.loc[window["flag"], "cost_usd"], color=PALETTE[1], zorder=3,
               label="flagged")
    ax.axvspan(start, end, color=PALETTE[1], alpha=0.08, lw=0)
    ax.set_ylabel("USD / day")
    ax.xaxis.set_major_locator(locator := mdates.AutoDateLocator(maxticks=8))
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
    ax.set_title(title)
    ax.legend()
    return fig


def anomaly_score_chart(scores: pd.DataFrame, z_threshold: float, system: System, incident_id: str) -> Figure:
    """The detector's robust z over the story (clipped at 3x the threshold), the threshold and the incident."""
    fig, ax = plt.subplots()
    ax.plot(scores.index, scores["z"].clip(upper=z_threshold * 3), lw=0.8)
    ax.axhline(z_threshold, color=PALETTE[1], ls="--", label="threshold")
    mark_incidents(ax, system, [incident_id])
    ax.set_ylabel("robust z (clipped)")
    ax.set_title("Detector score over the whole story")
    ax.legend()
    return fig


def business_chart(monthly: pd.DataFrame, quarters: pd.Series, new_enterprise_target: float) -> Figure:
    """MRR by month, and new enterprise customers per quarter against the target."""
    fig, axes = plt.subplots(1, 2, figsize=(8.0, 3.4))
    axes[0].plot(monthly["month"].dt.to_timestamp(), monthly["mrr_usd"] / 1e3, marker="o", ms=3)
    axes[0].set_title("MRR (thousand USD)")
    axes[0].tick_params(axis="x", rotation=45)
    axes[1].bar([str(p) for p in quarters.index], quarters.to_numpy(), color=PALETTE[0])
    axes[1].axhline(new_enterprise_target, color=PALETTE[1], ls="--", label="target")
    axes[1].set_title("New enterprise customers\nper quarter")
    axes[1].tick_params(axis="x", rotation=45)
    axes[1].legend()
    return fig


def cost_path_chart(history: pd.Series, path: pd.DataFrame, growth_rate: float, budget_usd: float,
                    cap_usd: float) -> Figure:
    """Actual monthly cost, a projected path with its p10-p90 band, the budget and the hard cap (thousand USD)."""
    fig, ax = new_figure()
    proj_x = pd.period_range(history.index[-1] + 1, periods=len(path), freq="M").to_timestamp()
    ax.plot(history.index.to_timestamp(), history / 1e3, label="actual monthly cost")
    ax.plot(proj_x, path["cost_usd"] / 1e3, ls="--", label=f"projected at {100 * growth_rate:.0f} %/month volume growth")
    ax.fill_between(proj_x, path["cost_low_usd"] / 1e3, path["cost_high_usd"] / 1e3, alpha=0.2, label="p10-p90")
    ax.axhline(budget_usd / 1e3, color=PALETTE[2], lw=1, label="budget")
    ax.axhline(cap_usd / 1e3, color=PALETTE[1], lw=1, label="hard cap")
    ax.set_ylabel("thousand USD per month")
    ax.legend(loc="upper left")
    return fig


def address_space_chart(space: pd.DataFrame) -> Figure:
    """Each region's VPC addresses as one horizontal bar, stacked by the era that uses them (columns)."""
    fig, ax = new_figure(figsize=(COLUMN_WIDTH_IN, 2.8))
    left = 0
    for col in space.columns:
        ax.barh(space.index, space[col], left=left, label=col)
        left = left + space[col]
    ax.set_xlabel("addresses in the region's /16")
    fig.legend(loc="outside lower center", ncols=len(space.columns))
    return fig


def daily_events_chart(daily_by_region: pd.DataFrame, system: System) -> Figure:
    """Daily events stacked by region (columns) over the story, eras shaded and incidents marked."""
    fig, ax = new_figure()
    ax.stackplot(daily_by_region.index.tz_localize(None), daily_by_region.T.to_numpy(), labels=daily_by_region.columns,
                 alpha=0.85)
    shade_eras(ax, system)
    mark_incidents(ax, system)
    fmt_millions(ax)
    ax.set_ylabel("events per day")
    ax.legend(loc="upper left")
    return fig


def hourly_profile_chart(profile: pd.DataFrame) -> Figure:
    """Mean events per hour of day stacked by region, with the busiest and the quietest hour annotated."""
    fig, ax = new_figure()
    bottom = 0
    for r in [c for c in profile.columns if c != "total"]:
        ax.bar(profile.index, profile[r], bottom=bottom, label=r)
        bottom = bottom + profile[r]
    ax.annotate("peak", (int(profile["total"].idxmax()), profile["total"].max()), ha="center", va="bottom")
    ax.annotate("quietest", (int(profile["total"].idxmin()), profile["total"].min()), ha="center", va="bottom")
    fmt_millions(ax)
    ax.set_xlabel("hour of day (UTC)")
    ax.set_ylabel("events per hour")
    ax.set_xticks(range(0, 24, 2))
    ax.legend(loc="upper left")
    return fig


def fallback_diagram() -> Figure:
    """The PII flagging path: the sampled copy goes through the guard to the model or the rules fallback,
    then to the audit record and the human review queue.

    Drawn top to bottom at the content column's width (6.7 in), so its smallest text (9 pt) reads at 9 pt.
    """
    boxes = {  # name: (x, y, label)
        "stream": (3.35, 5.0, "ingestion stream (every event delivered)"),
        "sample": (3.35, 4.1, "sampled copy, new fields per tenant"),
        "guard": (3.35, 3.2, "guard: deadline + circuit breaker"), "model": (1.6, 2.0, "model (in-region)"),
        "rules": (5.1, 2.0, "rules baseline (fallback)"), "audit": (3.35, 0.9, "decision + audit record"),
        "queue": (3.35, 0.0, "review queue: admin decides"),
    }
    arrows = [("stream", "sample", ""), ("sample", "guard", ""), ("guard", "model", "ok"),
              ("guard", "rules", "error, timeout\nor circuit open"), ("model", "audit", ""), ("rules", "audit", ""),
              ("audit", "queue", "")]
    fig, ax = new_figure(figsize=(COLUMN_WIDTH_IN, 3.9))
    drawn = {name: ax.text(x, y, label, ha="center", va="center", fontsize=10, color="white",
                           bbox={"boxstyle": "round,pad=0.5", "fc": PALETTE[1] if name == "rules" else PALETTE[0],
                                 "ec": "none"})
             for name, (x, y, label) in boxes.items()}
    for a, b, label in arrows:
        (x0, y0, _), (x1, y1, _) = boxes[a], boxes[b]
        ax.annotate("", xy=(x1, y1), xytext=(x0, y0),
                    arrowprops={"arrowstyle": "->", "color": "#555555", "shrinkA": 2, "shrinkB": 2,
                                "patchA": drawn[a].get_bbox_patch(), "patchB": drawn[b].get_bbox_patch()})
        if label:
            right = x1 > x0
            ax.text((x0 + x1) / 2 + (0.25 if right else -0.25), (y0 + y1) / 2, label, ha="left" if right else "right",
                    va="center", fontsize=9)
    ax.set_xlim(0.0, 6.7)
    ax.set_ylim(-0.35, 5.35)
    ax.axis("off")
    return fig


def batch_sources_chart(audit: pd.DataFrame) -> Figure:
    """One bar per batch, coloured by why it was decided as it was (ok: the model; otherwise the rules)."""
    per_batch = audit.groupby("batch").agg(source=("source", "first"), reason=("reason", "first"))
    colours = {"ok": PALETTE[0], "model_error": PALETTE[1], "timeout": PALETTE[4], "circuit_open": PALETTE[6]}
    fig, ax = new_figure(figsize=(8.0, 2.4))
    for reason, grp in per_batch.groupby("reason", sort=True):
        ax.bar(grp.index, 1, color=colours[reason], label=reason, width=0.9)
    ax.set_yticks([])
    ax.set_xlabel("batch")
    ax.set_title("Who decided each batch: the model (ok) or the rules (and why)")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.45), ncol=4)
    return fig


def constraints_chart(budget_min: float, maintenance_min: float, target_cost_usd: float, budget_usd: float,
                      cap_usd: float) -> Figure:
    """Two bar panels: the SLA's monthly downtime budget against the excluded maintenance, and the
    per-event target's monthly cost against the budget and the hard cap."""
    fig, axes = plt.subplots(1, 2, figsize=(7.2, 3.2))
    axes[0].bar(["SLA budget\n(min/month)", "planned maintenance\nexcluded (min/month)"], [budget_min, maintenance_min],
                color=[PALETTE[0], PALETTE[1]])
    axes[0].set_title("Availability: the exclusion dwarfs the budget")
    axes[1].bar(["per-event target\nat 10 M/day", "budget", "hard cap"], [target_cost_usd, budget_usd, cap_usd],
                color=[PALETTE[2], PALETTE[0], PALETTE[1]])
    axes[1].set_title("Cost: USD per month at 10 M events/day")
    return fig


def remediation_chart(x: pd.DatetimeIndex, compliance: pd.DataFrame, overdue: pd.DataFrame, severities: Sequence[str],
                      system: System) -> Figure:
    """Top: critical and high findings fixed within their SLA (%) per month. Bottom: findings open past
    their SLA at each month end, stacked by severity (columns of ``overdue``, indexed by month end)."""
    fig, axes = new_figure(nrows=2, figsize=(8.0, 5.4), sharex=True)
    ax = axes[0]
    ax.plot(x, 100 * compliance["critical"], marker="o", ms=4, label="critical")
    ax.plot(x, 100 * compliance["high"], marker="o", ms=3, label="high")
    ax.axhline(100, color=PALETTE[1], ls="--", lw=1)
    ax.set_ylabel("fixed within SLA (%)")
    ax.legend(loc="lower right")
    shade_eras(ax, system)
    ax = axes[1]
    bottom = 0
    for sev in severities:
        ax.bar(overdue.index.tz_localize(None) - pd.Timedelta(days=15), overdue[sev], width=20, bottom=bottom, label=sev)
        bottom = bottom + overdue[sev]
    ax.set_ylabel("open past SLA at month end")
    ax.legend(loc="upper right", ncols=4)
    shade_eras(ax, system, label=False)
    return fig


def timeline_chart(events: pd.Series, origin: pd.Timestamp, found_label: str, due_label: str) -> Figure:
    """Dated events (labels -> timestamps) on one line, in days after ``origin``; the span from the origin
    to ``found_label`` is shaded as exposure, the span on to ``due_label`` as time saved."""
    days = (events - origin).dt.total_seconds() / 86400
    fig, ax = new_figure(figsize=(8.0, 2.4))
    ax.hlines(0, days.min(), days.max(), color="#999999", lw=2)
    ax.axvspan(0, days[found_label], color=PALETTE[1], alpha=0.12)
    ax.axvspan(days[found_label], days[due_label], color=PALETTE[4], alpha=0.10)
    for i, (label, d) in enumerate(days.items()):
        ax.plot(d, 0, "o", color=PALETTE[i])
        ax.annotate(f"{label}\n{events[label]:%Y-%m-%d}", (d, 0), xytext=(0, 14 if i % 2 else -32),
                    textcoords="offset points", ha="center")
    ax.set_ylim(-1, 1)
    ax.set_yticks([])
    ax.set_xlabel("days after the IAM change")
    ax.grid(False)
    return fig


def dsr_chart(decided: pd.DataFrame, eras: Sequence[str], deadline_days: float, system: System) -> Figure:
    """Days to respond to each data-subject request by received date, coloured by era, with the deadline."""
    fig, ax = new_figure()
    for i, era in enumerate(eras):
        days = decided.loc[decided["era"] == era, "days"].dropna()
        ax.scatter(decided.loc[days.index, "received_at"].dt.tz_localize(None), days, s=12, label=era, color=PALETTE[i])
    ax.axhline(deadline_days, color=PALETTE[1], ls="--", lw=1, label=f"deadline ({deadline_days:.0f} days)")
    ax.set_ylabel("days to respond")
    ax.legend(loc="upper right")
    shade_eras(ax, system)
    return fig
