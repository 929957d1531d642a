"""The reliability pages' and the scorecard's figures, in the house style of :mod:`dfp.book.plotting`.

=========================  ====================================================================
``pages_timeline``          every page of each alert policy on the calendar, incidents marked
``burn_rate_around``        one series' burn rate over several windows around an incident
``oncall_weeks``            on-call hours per engineer per week, stacked by source, with the limit
``edge_vs_service``         one API Gateway failure seen by the edge SLI, the service counter and probes
``budget_remaining``        each SLO's rolling budget left, incidents marked
``verdicts_chart``          the scorecard's verdicts per target category
``era_downtime``            expected downtime of each era's ingest and end-to-end paths against the budget
=========================  ====================================================================
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from dfp.book.plotting import COLUMN_WIDTH_IN, PALETTE, mark_incidents, new_figure, shade_eras
from dfp.core.errors import PlaybookError
from dfp.delivery.dora import percentile
from dfp.io.system import Incident, System
from dfp.reliability.alerting import SliSeries, burn_rate_over_window

#: Figures are drawn at the content column's width (6.7 in at 100 dpi, under ``plotting.CONTENT_PX``), so
#: their 9 pt text reads at 9 pt on the page (``plotting.glue_figure`` checks it).
_SIZE = (COLUMN_WIDTH_IN, 3.4)

__all__ = ["budget_remaining", "burn_rate_around", "edge_vs_service", "era_downtime", "oncall_weeks", "pages_timeline", "verdicts_chart"]


def pages_timeline(notes: pd.DataFrame, policy_ids: Sequence[str], system: System, incident_ids: Iterable[str]) -> Figure:
    """One row of tick marks per policy at the start of each of its pages (``notes``: alerting.notifications)."""
    pages = notes[notes["severity"] == "page"]
    fig, ax = new_figure(figsize=_SIZE)
    for i, pid in enumerate(policy_ids):
        x = pages.loc[pages["policy"] == pid, "start"].dt.tz_localize(None)
        ax.eventplot([x.to_numpy()], lineoffsets=i, linelengths=0.7, linewidths=0.6)
    ax.set_yticks(range(len(policy_ids)), list(policy_ids))
    mark_incidents(ax, system, incident_ids)
    ax.set_ylim(-0.6, len(policy_ids) - 0.2)
    ax.grid(axis="y", visible=False)
    return fig


def burn_rate_around(series: SliSeries, incident: Incident, windows_min: Sequence[int], thresholds: Sequence[float],
                     pad_min: int = 60) -> Figure:
    """Burn rate over each of ``windows_min`` from ``pad_min`` before the incident to ``pad_min`` after it."""
    a = int((incident.impact_start - series.start) / pd.Timedelta(minutes=1)) - pad_min
    b = int((incident.impact_end - series.start) / pd.Timedelta(minutes=1)) + pad_min
    x = np.arange(a, b) - (a + pad_min)
    fig, ax = new_figure(figsize=_SIZE)
    for w in windows_min:
        label = f"{w // 60} h" if w % 60 == 0 else f"{w} min"
        ax.plot(x, burn_rate_over_window(series.bad[:b], series.total[:b], w, series.slo_target)[a:b],
                label=f"burn rate over {label}", lw=1.2)
    for thr in thresholds:
        ax.axhline(thr, ls=":", color="grey", lw=1)
        ax.text(x[-1], thr, f" page {thr:.1f}", va="bottom", ha="right", fontsize=9)
    ax.axvspan(0, incident.duration_min, color="#c0504d", alpha=0.08, lw=0)
    ax.set_xlabel(f"minutes from {incident.id} impact start")
    ax.set_ylabel("burn rate")
    ax.legend(loc="upper left", fontsize=9)
    return fig


def oncall_weeks(weekly: pd.DataFrame, engineers: int, limit_h: float) -> Figure:
    """Stacked weekly on-call hours per engineer (pages, tickets, incidents) and the limit (dashed)."""
    fig, ax = new_figure(figsize=_SIZE)
    x = weekly.index.tz_localize(None)
    bottom = np.zeros(len(weekly))
    for col, label, color in (("page_h", "pages outside incidents", PALETTE[0]), ("ticket_h", "tickets", PALETTE[3]),
                              ("incident_h", "paged incidents", PALETTE[1])):
        h = weekly[col].to_numpy() / engineers
        ax.bar(x, h, bottom=bottom, width=6, label=label, color=color, align="edge")
        bottom += h
    ax.axhline(limit_h, color="black", ls="--", lw=1, label=f"limit ({limit_h:g} h)")
    ax.set_ylabel("on-call hours per engineer per week")
    ax.legend(loc="upper left", fontsize=9)
    return fig


def edge_vs_service(views: pd.DataFrame, title: str) -> Figure:
    """One minute range of :func:`dfp.reliability.sli.api_views`: availability per minute as the edge SLI,
    the service's counter and the synthetic probes see it."""
    fig, ax = new_figure(figsize=_SIZE)
    x = views.index.tz_localize(None)
    ax.plot(x, 100 * views["edge_availability"], label="edge: API Gateway count and 5xx (the SLI)", lw=1.4,
            color=PALETTE[1])
    ax.plot(x, 100 * views["service_availability"], label="service: its own request counter", lw=1.4, ls="--",
            color=PALETTE[0])
    ax.plot(x, 100 * views["probe_availability"], label="synthetic probes", lw=0, marker="o", ms=3, color=PALETTE[2])
    ax.set_ylabel("requests answered without a 5xx (%)")
    ax.set_title(title, fontsize=9)
    ax.legend(loc="lower left", fontsize=9)
    return fig


def budget_remaining(remaining: pd.DataFrame, system: System, incident_ids: Iterable[str]) -> Figure:
    """Each SLO's rolling budget left (``dfp.reliability.sli.daily_budget_remaining``), in percent, incidents marked."""
    fig, ax = new_figure(figsize=_SIZE)
    for name in remaining.columns:
        ax.plot(remaining.index.tz_localize(None), 100 * remaining[name], label=name, lw=1.2)
    ax.axhline(0, color="black", lw=0.8)
    mark_incidents(ax, system, incident_ids)
    ax.set_ylabel("budget remaining, % (rolling)")
    ax.set_ylim(-100, 105)
    ax.legend(loc="lower left", fontsize=9, ncol=2)
    return fig


def verdicts_chart(by_category: pd.DataFrame) -> Figure:
    """Targets met, missed and not measured per category (``dfp.book.scorecard.verdicts_by_category``), stacked bars."""
    counts = by_category.iloc[::-1]
    fig, ax = new_figure(figsize=(COLUMN_WIDTH_IN, 3.6))
    left = pd.Series(0, index=counts.index)
    for col, colour in zip(counts.columns, [PALETTE[2], PALETTE[1], PALETTE[6]], strict=True):
        ax.barh(counts.index, counts[col], left=left, color=colour, label=col)
        left = left + counts[col]
    ax.set_xlabel("targets")
    ax.legend(loc="upper right", fontsize=9)
    ax.grid(axis="y", visible=False)
    return fig


def era_downtime(paths: pd.DataFrame, budget_min: float) -> Figure:
    """Expected downtime per month of each era's ingest and end-to-end path (``dfp.architecture.model.era_paths``),
    against the budget of the API target (dashed)."""
    fig, ax = new_figure(figsize=_SIZE)
    x = np.arange(len(paths))
    ax.bar(x - 0.2, paths["ingest_downtime_min"], width=0.4, label="ingest path")
    ax.bar(x + 0.2, paths["end_to_end_downtime_min"], width=0.4, label="end to end")
    ax.axhline(budget_min, color="black", linestyle="--", linewidth=1, label="budget of the API target")
    ax.set_xticks(list(x), paths["era"])
    ax.set_ylabel("expected downtime (min/month)")
    ax.legend(loc="upper right")
    return fig


# ---------------------------------------------------------------------------------------------------------------
# The incident review's figures (notebooks/05-reliability/incident-review):
# ``incident_clocks``   each incident's time to resolve split into its four clocks, against the restore target
# ``budget_burndown``   one panel per incident: the rolling budget left of each SLO and region it hit
# ---------------------------------------------------------------------------------------------------------------

__all__ += ["budget_burndown", "incident_clocks"]  # a self-contained hunk of its own

#: The labels of :data:`dfp.reliability.incidents.CLOCK_SEGMENTS`, in order.
_CLOCK_LABELS = {"impact_to_detected_min": "impact -> detected",
                 "detected_to_acknowledged_min": "detected -> acknowledged",
                 "acknowledged_to_mitigated_min": "acknowledged -> mitigated",
                 "mitigated_to_resolved_min": "mitigated -> resolved"}


def incident_clocks(segments: pd.DataFrame, target_min: float) -> Figure:
    """Each incident's time to resolve as four stacked horizontal bars (minutes from impact start;
    ``segments``: :func:`dfp.reliability.incidents.clock_segments`, the first row drawn on top), with the
    time-to-restore target (``target_min``, minutes) as a dashed line.

    >>> seg = pd.DataFrame({c: [4.0, 10.0] for c in _CLOCK_LABELS}, index=["INC-01", "INC-02"])
    >>> fig = incident_clocks(seg, 30.0)
    >>> [t.get_text() for t in fig.axes[0].get_yticklabels()]
    ['INC-02', 'INC-01']
    """
    missing = [c for c in _CLOCK_LABELS if c not in segments.columns]
    if missing:
        raise PlaybookError(f"incident_clocks: segments lack columns {missing}")
    t = segments.iloc[::-1]
    fig, ax = new_figure(figsize=_SIZE)
    left = np.zeros(len(t))
    for col, label in _CLOCK_LABELS.items():
        ax.barh(t.index, t[col], left=left, label=label)
        left = left + t[col].to_numpy()
    ax.axvline(target_min, color="black", ls="--", lw=0.8)
    ax.text(target_min, 1.0, " MTTR target", transform=ax.get_xaxis_transform(), fontsize=9, va="top")
    ax.set_xlabel("minutes from impact start", fontsize=9)
    ax.tick_params(labelsize=9)
    ax.legend(loc="upper right", fontsize=9)
    return fig


def budget_burndown(panels: Mapping[str, pd.DataFrame]) -> Figure:
    """One panel per incident, two a row, sharing the y axis: the rolling budget left in percent (100 x the
    fraction) of each SLO and region it hit (``panels``: incident id -> :func:`dfp.reliability.incidents.burn_down`,
    indexed by days from impact start), with zero marked.

    >>> frame = pd.DataFrame({"api (r)": [1.0, 0.2, 0.3]}, index=[-1.0, 0.0, 1.0])
    >>> fig = budget_burndown({"INC-01": frame, "INC-02": frame, "INC-03": frame})
    >>> len(fig.axes), [ax.get_title() for ax in fig.axes][:3]
    (4, ['INC-01', 'INC-02', 'INC-03'])
    """
    nrows = max(1, -(-len(panels) // 2))
    fig, axes = new_figure(ncols=2, nrows=nrows, figsize=(COLUMN_WIDTH_IN, 3.1 * nrows), sharey=True)
    flat = np.ravel(axes)
    for ax, (inc_id, frame) in zip(flat, panels.items(), strict=False):
        for col in frame.columns:
            ax.plot(frame.index, 100 * frame[col].to_numpy(), label=col, lw=1.2)
        ax.axhline(0, color="black", lw=0.8)
        ax.set_title(inc_id, fontsize=10)
        ax.legend(fontsize=9, loc="lower left")
        ax.set_xlabel("days from impact start", fontsize=9)
        ax.tick_params(labelsize=9)
    for ax in flat[::2]:
        ax.set_ylabel("budget left, %", fontsize=9)
    return fig


# --- The DORA page's figures (notebooks/04-delivery/dora-metrics.ipynb) ---------------------------------------------
# ``dora_monthly``     changes a week, lead time (median and tail, log) and change failure rate per month, targets dashed
# ``change_timeline``  a change-caused incident's steps on one line of minutes after the deploy, the impact shaded

__all__ += ["change_timeline", "dora_monthly"]


def dora_monthly(months: pd.DataFrame, system: System, tail_quantile: float) -> Figure:
    """Three stacked monthly panels from ``dfp.delivery.dora.dora_by_period(..., by="month")``: changes a week,
    lead time (the ``tail_quantile`` and the median, hours, log scale) and change failure rate (%), with the
    owner's targets dashed, the eras shaded and the incidents marked. A month without changes shows no failure bar.

    >>> from dfp.io.system import load_system
    >>> system = load_system()
    >>> months = pd.DataFrame({"deploys_per_week": 5.0, "lead_time_tail_h": 3.0, "lead_time_median_h": 1.0,
    ...                        "change_failure_ratio": 0.04}, index=range(system.months))
    >>> fig = dora_monthly(months, system, 0.999)
    >>> [t.get_text() for t in fig.axes[1].get_legend().get_texts()], fig.get_size_inches().tolist()
    (['p99.9', 'median', 'target'], [6.5, 7.2])
    """
    x = pd.DatetimeIndex([system.month_start(m) for m in range(system.months)]).tz_localize(None)
    fig, axes = new_figure(nrows=3, figsize=(COLUMN_WIDTH_IN, 7.2), sharex=True)
    target = {t: system.target(t).value for t in ("deploys_per_week", "lead_time_p95_h", "change_failure_ratio")}
    ax = axes[0]
    ax.bar(x, months["deploys_per_week"], width=20, color=PALETTE[0])
    ax.axhline(target["deploys_per_week"], color=PALETTE[1], lw=1, ls="--")
    ax.set_ylabel("changes / week")
    shade_eras(ax, system)
    mark_incidents(ax, system)
    ax = axes[1]
    ax.plot(x, months["lead_time_tail_h"], marker="o", ms=3, label=f"p{percentile(tail_quantile)}")
    ax.plot(x, months["lead_time_median_h"], marker="o", ms=3, label="median")
    ax.axhline(target["lead_time_p95_h"], color=PALETTE[1], lw=1, ls="--", label="target")
    ax.set_yscale("log")
    ax.set_ylabel("lead time (h, log)")
    ax.legend(loc="upper right")
    shade_eras(ax, system, label=False)
    ax = axes[2]
    ax.bar(x, 100 * months["change_failure_ratio"].fillna(0), width=20, color=PALETTE[3])
    ax.axhline(100 * target["change_failure_ratio"], color=PALETTE[1], lw=1, ls="--")
    ax.set_ylabel("change failure rate (%)")
    shade_eras(ax, system, label=False)
    return fig


def change_timeline(steps_min: pd.Series) -> Figure:
    """``dfp.delivery.dora.IncidentTimeline.steps_min`` on one line: each step marked and labelled with its minutes
    after the deploy, the span from "impact starts" to "service restored" (customer impact) shaded.

    >>> steps = pd.Series({"deployed": 0.0, "impact starts": 3.0, "alert pages": 7.0, "rollback starts": 29.0,
    ...                    "service restored": 45.0})
    >>> fig = change_timeline(steps)
    >>> fig.axes[0].texts[-1].get_text().split()
    ['service', 'restored', '+45', 'min']
    """
    fig, ax = new_figure(figsize=(COLUMN_WIDTH_IN, 2.6))
    ax.hlines(0, 0, steps_min.iloc[-1], color="#999999", lw=2)
    ax.axvspan(steps_min["impact starts"], steps_min["service restored"], color=PALETTE[1], alpha=0.12)
    for i, (label, m) in enumerate(steps_min.items()):
        ax.plot(m, 0, "o", color=PALETTE[i % len(PALETTE)])
        ax.annotate(f"{label}\n+{m:.0f} min", (m, 0), xytext=(0, 14 if i % 2 else -30), textcoords="offset points",
                    ha="center", fontsize=9)
    ax.set(ylim=(-1, 1), yticks=[])
    ax.set_xlabel("minutes after the deploy")
    ax.grid(False)
    return fig
