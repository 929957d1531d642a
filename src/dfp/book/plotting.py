"""The one house style for every chart, and the few chart helpers notebooks share.

``use_style()`` sets matplotlib's rcParams once per notebook; ``shade_eras`` and
``mark_incidents`` put the story's eras and incident calendar on any time axis so every chart
reads against the same timeline. Figures are PNG (deterministic for nbval; SVG ids are random).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

import matplotlib as mpl
import matplotlib.pyplot as plt
import matplotlib.ticker as mticker
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from dfp.io.system import System

__all__ = ["ERA_COLOURS", "PALETTE", "commitment_curve_chart", "detection_chart", "fmt_millions", "mark_incidents",
           "new_figure", "projection_chart", "savings_stack_chart", "shade_eras", "use_style"]

PALETTE = ["#1f4e79", "#c0504d", "#4f8f3a", "#8064a2", "#d98c1f", "#4bacc6", "#7f7f7f"]
ERA_COLOURS = {"mvp": "#f2f2f2", "full-platform": "#e3ecf5", "scale": "#fbf3e4"}


def use_style() -> None:
    """Apply the house style (figure size, fonts, grid, colour cycle, PNG output)."""
    mpl.rcParams.update({
        "figure.figsize": (8.0, 3.6),
        "figure.dpi": 100,
        "savefig.dpi": 100,
        "font.size": 10,
        "axes.titlesize": 11,
        "axes.titleweight": "bold",
        "axes.spines.top": False,
        "axes.spines.right": False,
        "axes.grid": True,
        "grid.alpha": 0.3,
        "axes.prop_cycle": mpl.cycler(color=PALETTE),
        "legend.frameon": False,
        "figure.constrained_layout.use": True,
    })
    try:  # inline backend in notebooks: PNG only, so stored outputs stay comparable
        from matplotlib_inline.backend_inline import set_matplotlib_formats

        set_matplotlib_formats("png")
    except ImportError:  # pragma: no cover - outside Jupyter
        pass


def new_figure(ncols: int = 1, nrows: int = 1, **kw: object) -> tuple[Figure, Axes | list[Axes]]:
    """``plt.subplots`` with the house defaults."""
    return plt.subplots(nrows=nrows, ncols=ncols, **kw)  # type: ignore[arg-type]


def fmt_millions(ax: Axes, axis: str = "y", unit: str = "M") -> None:
    """Label an axis in millions (``12M``)."""
    f = mticker.FuncFormatter(lambda v, _p: f"{v / 1e6:g}{unit}")
    (ax.yaxis if axis == "y" else ax.xaxis).set_major_formatter(f)


def shade_eras(ax: Axes, system: System, label: bool = True) -> None:
    """Shade each era's span on a datetime x-axis and name it at the top."""
    for era in system.eras:
        start, end = era.start.tz_localize(None), era.end.tz_localize(None)
        ax.axvspan(start, end, color=ERA_COLOURS.get(era.id, "#f5f5f5"), zorder=0, lw=0)
        if label:
            ax.text(start + (end - start) / 2, 1.0, era.name, transform=ax.get_xaxis_transform(),
                    ha="center", va="bottom", fontsize=8, color="#555555")


def mark_incidents(ax: Axes, system: System, ids: Iterable[str] | None = None) -> None:
    """Draw a dashed line at each incident's impact start, labelled with its id."""
    keep = set(ids) if ids is not None else None
    for inc in system.incidents:
        if keep is not None and inc.id not in keep:
            continue
        x = pd.Timestamp(inc.impact_start).tz_localize(None)
        ax.axvline(x, color="#c0504d", lw=0.8, ls="--", zorder=1)
        ax.text(x, 0.98, inc.id, transform=ax.get_xaxis_transform(), rotation=90, ha="right", va="top",
                fontsize=7, color="#c0504d")


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
    ax.legend(fontsize=7, loc="upper left")
    return fig


def savings_stack_chart(by_commitment: pd.DataFrame) -> Figure:
    """Realised savings a month, stacked by commitment (columns), on the months of the index (periods)."""
    fig, ax = plt.subplots()
    ax.stackplot(by_commitment.index.to_timestamp(), *(by_commitment[c] for c in by_commitment.columns),
                 labels=by_commitment.columns)
    ax.set_ylabel("USD saved / month")
    ax.set_title("Realised savings by commitment")
    ax.legend(fontsize=7, loc="upper left")
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
