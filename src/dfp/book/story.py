"""The story over time: the 24 months as one timeline, assembled from the sections' own data.

=============================  ====================================================================
``story_months``                the story's months (0..as_of) as periods: the one index every series uses
``timeline_events``             eras, region launches, incidents and decision records, in date order
``incident_page``               the page that tells an incident's story (postmortem, review or notebook)
``slo_month_summary``           per month: SLO x region pairs measured and met, API availability
``usd_per_event_by_month``      per month: amortised cost / events ingested (USD per event)
``dora_overall_level``          one DORA level from the four metric levels: the worst one measured
``monthly_story``               the monthly frame: volume, SLOs, unit cost, DORA level, incidents, ADRs
``era_summary``                 per era: first/last month and the series at the era's end
``decision_lags``               each incident-triggered decision record: days from the incident's end
``plot_story``                  the timeline chart (eras, incidents, ADRs and the four series)
``load_story``                  every series above, loaded through the sections' loaders and aligned
``story_headline``              the page's headline figures (volume, unit cost, incidents, SLOs, DORA)
``era_headlines``               each era's figures for the era-by-era prose
=============================  ====================================================================

Nothing here computes a metric of its own. Every series comes from the function the owning section
uses: event volume from :func:`dfp.business.customers.monthly_summary`, SLO attainment from
:func:`dfp.reliability.sli.monthly_attainment` (the hourly SLI roll-ups), unit cost from
``dfp.cost.economics.monthly_cost`` (the FOCUS bill, amortised) over the month's events, and the DORA level
from :func:`dfp.delivery.dora.dora_by_period`. Decision records come from ``dfp.book.adr.load_adrs`` (the ADR
front matter), incidents from the calendar in ``data/system.yml``. This module only aligns them on
the story's months and checks that they align, so the timeline cannot disagree with the sections.

DORA overall level: the four metrics' levels (2024 report clusters) combined as the *worst* level
among the metrics measured that month (a month without failed changes has no restore time; that
metric is then left out). The convention is conservative on purpose: a month is "elite" only if
every measured metric is.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import pandas as pd

from dfp.book import adr, plotting
from dfp.business.customers import monthly_summary
from dfp.core.errors import PlaybookError
from dfp.core.paths import repo_root
from dfp.cost.economics import monthly_cost
from dfp.delivery.dora import LEVELS, dora_by_period
from dfp.io.data import load
from dfp.io.focus import load_billing
from dfp.io.openslo import load_slos
from dfp.io.system import System
from dfp.reliability.sli import monthly_attainment

__all__ = [
    "AdrLike",
    "EraHeadline",
    "StoryData",
    "StoryHeadline",
    "decision_lags",
    "dora_overall_level",
    "era_headlines",
    "era_summary",
    "incident_page",
    "lag_clause",
    "load_story",
    "monthly_story",
    "plot_story",
    "slo_month_summary",
    "story_headline",
    "story_months",
    "timeline_events",
    "usd_per_event_by_month",
]

EVENT_KINDS = ("era", "region", "incident", "decision")


class AdrLike(Protocol):
    """What the timeline reads of a decision record (``dfp.book.adr.Adr`` has these attributes)."""

    @property
    def number(self) -> str: ...
    @property
    def title(self) -> str: ...
    @property
    def date(self) -> Any: ...
    @property
    def trigger(self) -> str: ...
    @property
    def status(self) -> str: ...
    @property
    def path(self) -> Path: ...


def story_months(system: System, as_of_month: int | None = None) -> pd.PeriodIndex:
    """Story months 0..``as_of_month`` (default: the last) as monthly periods (2024-11 ... 2026-10)."""
    last = system.months - 1 if as_of_month is None else int(as_of_month)
    if not 0 <= last < system.months:
        raise PlaybookError(f"story_months: as_of_month must be in 0..{system.months - 1}; got {as_of_month!r}")
    return pd.period_range(system.month_start(0).tz_localize(None), periods=last + 1, freq="M")


def _docname(path: Path, root: Path) -> str:
    return path.resolve().relative_to(root.resolve()).with_suffix("").as_posix()


def incident_page(incident_id: str, root: Path | None = None) -> str:
    """The document (repository path without suffix) that tells an incident's story.

    The first match of a page named ``inc-NN-*`` (a postmortem or review, markdown or notebook)
    anywhere under ``book/`` or ``notebooks/``; failing that, the reliability incident review,
    which tables every incident of the calendar.
    """
    root = repo_root() if root is None else Path(root)
    stem = incident_id.lower()
    hits = sorted(p for d in ("book", "notebooks") for p in (root / d).rglob(f"{stem}-*")
                  if p.suffix in (".md", ".ipynb") and ".ipynb_checkpoints" not in p.parts)
    if hits:
        return _docname(hits[0], root)
    return "notebooks/05-reliability/incident-review"


def timeline_events(system: System, adrs: Iterable[AdrLike], as_of_month: int | None = None,
                    root: Path | None = None) -> pd.DataFrame:
    """Every dated event of the story, in date order.

    Rows: each era's start (kind ``era``), each region's go-live (``region``), each incident of the
    calendar at its impact start (``incident``), each decision record at its front-matter date
    (``decision``). Columns: ``date`` (UTC timestamp), ``month`` (period), ``kind``, ``id``
    (``mvp``, ``eu-west-1``, ``INC-03``, ``ADR-0011``), ``title``, ``detail`` (severity, trigger,
    status) and ``page`` (the document that holds it; ``""`` when none). Events after the end of
    ``as_of_month`` are left out. Ties keep the order era, region, incident, decision.
    """
    root = repo_root() if root is None else Path(root)
    end = system.month_start((system.months - 1 if as_of_month is None else int(as_of_month)) + 1)
    story_months(system, as_of_month)  # validates as_of_month
    rows: list[dict[str, Any]] = []
    for e in system.eras:
        rows.append({"date": e.start, "kind": "era", "id": e.id, "title": f"{e.name} era begins",
                     "detail": e.focus, "page": ""})
    for r in system.regions:
        rows.append({"date": r.live_from, "kind": "region", "id": r.id, "title": f"{r.id} live",
                     "detail": r.role, "page": ""})
    for inc in system.incidents:
        rows.append({"date": inc.impact_start, "kind": "incident", "id": inc.id, "title": inc.title,
                     "detail": f"{inc.severity}, {inc.duration_min / 60:,.1f} h", "page": incident_page(inc.id, root)})
    seen: set[str] = set()
    for a in adrs:
        if a.number in seen:
            raise PlaybookError(f"timeline_events: ADR-{a.number} appears twice in the decision records")
        seen.add(a.number)
        date = pd.Timestamp(a.date)
        date = date.tz_localize("UTC") if date.tzinfo is None else date.tz_convert("UTC")
        page = _docname(Path(a.path), root) if Path(a.path).is_absolute() else Path(a.path).with_suffix("").as_posix()
        rows.append({"date": date, "kind": "decision", "id": f"ADR-{a.number}", "title": a.title,
                     "detail": f"{a.status}; trigger {a.trigger}", "page": page})
    out = pd.DataFrame(rows)
    out["date"] = pd.to_datetime(out["date"], utc=True)
    out = out.loc[out["date"] < end].copy()
    out["order"] = out["kind"].map({k: i for i, k in enumerate(EVENT_KINDS)})
    out = out.sort_values(["date", "order", "id"], kind="stable").drop(columns="order").reset_index(drop=True)
    out.insert(1, "month", out["date"].dt.tz_localize(None).dt.to_period("M"))
    return out


def slo_month_summary(attainment: pd.DataFrame, months: pd.PeriodIndex,
                      api_slo: str = "api-availability", api_region: str = "us-east-1") -> pd.DataFrame:
    """Per story month: SLO x region pairs measured, met, and the API's availability.

    ``attainment`` is :func:`dfp.reliability.sli.monthly_attainment` (index ``slo, region, month``; columns
    ``ratio``, ``objective``, ``met``). Months before the SLOs existed get 0 measured and NaN ratios.
    Columns: ``slos_measured``, ``slos_met``, ``slos_met_ratio``, ``api_availability``.
    """
    a = attainment.reset_index()
    g = a.groupby("month")["met"]
    out = pd.DataFrame({"slos_measured": g.size(), "slos_met": g.sum()}).reindex(months)
    out[["slos_measured", "slos_met"]] = out[["slos_measured", "slos_met"]].fillna(0).astype(int)
    out["slos_met_ratio"] = (out["slos_met"] / out["slos_measured"].replace(0, np.nan)).astype(float)
    api = a[(a["slo"] == api_slo) & (a["region"] == api_region)].set_index("month")["ratio"]
    out["api_availability"] = api.reindex(months).astype(float)
    return out


def usd_per_event_by_month(monthly_cost_usd: pd.Series, usage: pd.DataFrame) -> pd.Series:
    """USD per event of each month: the month's amortised cost / the events ingested that month.

    ``monthly_cost_usd`` is ``dfp.cost.economics.monthly_cost(billing)`` (indexed by monthly period);
    ``usage`` is ``usage_daily``. The calendar-month ratio the cost section reports
    (``cost_m24_usd_per_million_events``, per million). A month with cost but no events raises.

    >>> u = pd.DataFrame({"date": pd.to_datetime(["2025-01-03", "2025-01-09"], utc=True), "events": [1e6, 3e6]})
    >>> float(usd_per_event_by_month(pd.Series([200.0], index=pd.PeriodIndex(["2025-01"], freq="M")), u).iloc[0])
    5e-05
    """
    events = usage.groupby(usage["date"].dt.tz_localize(None).dt.to_period("M"))["events"].sum()
    events = events.reindex(monthly_cost_usd.index)
    bad = events.index[~(events > 0)]
    if len(bad):
        raise PlaybookError(f"usd_per_event_by_month: no events in month(s) {[str(m) for m in bad]} that have cost")
    return (monthly_cost_usd / events).rename("usd_per_event")


def dora_overall_level(levels: Iterable[str]) -> str:
    """The worst DORA level among measured metric levels (``"n/a"`` ignored; all n/a -> ``"n/a"``).

    >>> dora_overall_level(["elite", "high", "n/a", "elite"])
    'high'
    >>> dora_overall_level(["n/a", "n/a"])
    'n/a'
    """
    rank = {lvl: i for i, lvl in enumerate(LEVELS)}
    measured = [lvl for lvl in levels if lvl != "n/a"]
    unknown = sorted(set(measured) - set(rank))
    if unknown:
        raise PlaybookError(f"dora_overall_level: unknown level(s) {unknown}; known: {list(LEVELS)}")
    return max(measured, key=rank.__getitem__) if measured else "n/a"


_DORA_LEVEL_COLS = ("level_deploys", "level_lead_time", "level_change_failure", "level_restore")


def _by_month(frame: pd.DataFrame | pd.Series, months: pd.PeriodIndex, name: str) -> Any:
    idx = pd.PeriodIndex(frame.index.astype(str), freq="M") if not isinstance(frame.index, pd.PeriodIndex) else frame.index
    frame = frame.set_axis(idx)
    missing = months.difference(idx)
    if len(missing):
        raise PlaybookError(f"monthly_story: {name} has no row for month(s) {[str(m) for m in missing]}")
    return frame.reindex(months)


def monthly_story(system: System, summary: pd.DataFrame, slo_months: pd.DataFrame, usd_per_event: pd.Series,
                  dora_months: pd.DataFrame, events: pd.DataFrame, as_of_month: int | None = None) -> pd.DataFrame:
    """One row per story month (0..``as_of_month``), every series aligned on the same months.

    Inputs: ``summary`` = :func:`dfp.business.customers.monthly_summary` (column ``month`` is the period),
    ``slo_months`` = :func:`slo_month_summary`, ``usd_per_event`` = :func:`usd_per_event_by_month`,
    ``dora_months`` = ``dfp.delivery.dora.dora_by_period(..., by="month")`` (index ``YYYY-MM``),
    ``events`` = :func:`timeline_events`. A series that lacks one of the months raises.

    Columns: ``month_index``, ``era``, ``events_per_day_avg``, ``slos_measured``, ``slos_met``,
    ``slos_met_ratio``, ``api_availability``, ``usd_per_event``, ``usd_per_million_events``,
    ``deploys_per_week``, ``dora_level``, ``incidents`` and ``decisions`` (ids starting that month,
    comma-separated).
    """
    months = story_months(system, as_of_month)
    vol = _by_month(summary.set_index("month")["events_per_day_avg"], months, "the business summary")
    slo_m = _by_month(slo_months, months, "the SLO summary")
    unit = _by_month(usd_per_event, months, "the unit cost")
    dora = _by_month(dora_months, months, "the DORA months")
    out = pd.DataFrame(index=months)
    out.index.name = "month"
    out["month_index"] = np.arange(len(months))
    out["era"] = [system.era_of(system.month_start(m)).name for m in range(len(months))]
    out["events_per_day_avg"] = vol.astype(float)
    for c in ("slos_measured", "slos_met", "slos_met_ratio", "api_availability"):
        out[c] = slo_m[c]
    out["usd_per_event"] = unit.astype(float)
    out["usd_per_million_events"] = out["usd_per_event"] * 1e6
    out["deploys_per_week"] = dora["deploys_per_week"].astype(float)
    out["dora_level"] = [dora_overall_level(r) for r in dora[list(_DORA_LEVEL_COLS)].itertuples(index=False)]
    for kind, col in (("incident", "incidents"), ("decision", "decisions")):
        ids = events.loc[events["kind"] == kind].groupby("month")["id"].agg(", ".join)
        out[col] = ids.reindex(months).fillna("")
    return out


def era_summary(system: System, story: pd.DataFrame) -> pd.DataFrame:
    """Per era (within the story's months): months, volume, SLOs met, unit cost and DORA level at its end.

    Columns: ``first``, ``last`` (periods), ``months``, ``events_per_day_end``, ``slos_met``,
    ``slos_measured`` (summed over the era's months), ``usd_per_million_end``, ``dora_level_end``,
    ``incidents``, ``decisions`` (counts).
    """
    rows = []
    for era in system.eras:
        part = story.loc[story["era"] == era.name]
        if part.empty:
            continue
        end = part.iloc[-1]
        rows.append({"era": era.name, "first": part.index[0], "last": part.index[-1], "months": len(part),
                     "events_per_day_end": float(end["events_per_day_avg"]),
                     "slos_met": int(part["slos_met"].sum()), "slos_measured": int(part["slos_measured"].sum()),
                     "usd_per_million_end": float(end["usd_per_million_events"]),
                     "dora_level_end": str(end["dora_level"]),
                     "incidents": int(sum(bool(s) and len(s.split(", ")) for s in part["incidents"])),
                     "decisions": int(sum(bool(s) and len(s.split(", ")) for s in part["decisions"]))})
    return pd.DataFrame(rows).set_index("era")


def decision_lags(system: System, adrs: Iterable[AdrLike]) -> pd.DataFrame:
    """Each decision record triggered by an incident (front matter ``trigger: INC-nn``), and how long after
    the incident's impact ended it was dated.

    Columns: ``incident``, ``adr`` (``ADR-nnnn``), ``impact_end``, ``adr_date`` (UTC) and ``lag_days``
    (``adr_date - impact_end`` in days; the ADR's date is a day, so the lag is rounded to whole days
    and can be 0). Sorted by incident.
    """
    rows = []
    for a in adrs:
        if not a.trigger.startswith("INC-"):
            continue
        inc = system.incident(a.trigger)
        d = pd.Timestamp(a.date)
        d = d.tz_localize("UTC") if d.tzinfo is None else d.tz_convert("UTC")
        lag = (d.normalize() - inc.impact_end.normalize()) / pd.Timedelta(days=1)
        rows.append({"incident": inc.id, "adr": f"ADR-{a.number}", "impact_end": inc.impact_end, "adr_date": d,
                     "lag_days": float(lag)})
    out = pd.DataFrame(rows, columns=["incident", "adr", "impact_end", "adr_date", "lag_days"])
    return out.sort_values(["incident", "adr"]).reset_index(drop=True)


def plot_story(system: System, story: pd.DataFrame, events: pd.DataFrame,
               targets: Mapping[str, float] | None = None) -> Any:
    """The timeline chart: an event strip and four monthly panels on one shared time axis.

    Strip: eras shaded, incidents (red, labelled ``INC-nn``) and decision records (blue, labelled
    with the ADR number) at their dates. Panels: events per day;
    API availability per month with the months that missed any SLO labelled; cost per million
    events; DORA overall level. ``targets`` may hold ``events_per_day_avg``, ``api_availability``
    and ``usd_per_million_events`` to draw as dashed lines. Returns the figure.
    """

    targets = dict(targets or {})
    x = story.index.to_timestamp()
    fig, axes = plotting.new_figure(nrows=5, figsize=(8.0, 10.5), sharex=True,  # house font reads 9.2 pt at 8 in
                                    gridspec_kw={"height_ratios": [1.7, 1, 1, 1, 0.8]})
    strip, vol_ax, slo_ax, cost_ax, dora_ax = axes
    for ax in axes:
        plotting.shade_eras(ax, system, label=ax is strip)
    inc = events.loc[events["kind"] == "incident"]
    adr = events.loc[events["kind"] == "decision"]
    for i, row in enumerate(inc.itertuples()):
        d = row.date.tz_localize(None)
        strip.plot(d, 1.0, "v", color=plotting.PALETTE[1], ms=7)
        strip.annotate(row.id, (d, 1.0), xytext=(0, 6 + 12 * (i % 2)), textcoords="offset points",
                       ha="center", color=plotting.PALETTE[1])
    for i, row in enumerate(adr.itertuples()):
        d = row.date.tz_localize(None)
        strip.plot(d, 0.0, "o", color=plotting.PALETTE[0], ms=5)
        strip.annotate(row.id.removeprefix("ADR-").lstrip("0"), (d, 0.0), xytext=(0, -14 - 12 * (i % 4)),
                       textcoords="offset points", ha="center", color=plotting.PALETTE[0])
    for row in events.loc[events["kind"] == "region"].itertuples():
        strip.axvline(row.date.tz_localize(None), color=plotting.PALETTE[2], lw=1, ls=":")
        strip.text(row.date.tz_localize(None), 0.5, f" {row.id}", color=plotting.PALETTE[2], va="center")
    strip.set_ylim(-1.4, 1.8)
    for ax in axes[1:]:
        for row in inc.itertuples():
            ax.axvline(row.date.tz_localize(None), color=plotting.PALETTE[1], lw=0.6, ls=":", zorder=1)
    strip.set_yticks([0.0, 1.0], ["decisions (ADR)", "incidents"])
    strip.grid(False)
    vol_ax.plot(x, story["events_per_day_avg"], marker="o", ms=3)
    if "events_per_day_avg" in targets:
        vol_ax.axhline(targets["events_per_day_avg"], color=plotting.PALETTE[1], ls="--", lw=1)
    plotting.fmt_millions(vol_ax)
    vol_ax.set_ylabel("events / day")
    slo_ax.plot(x, 100 * story["api_availability"], marker="o", ms=3, color=plotting.PALETTE[2],
                label="API availability (us-east-1)")
    if "api_availability" in targets:
        slo_ax.axhline(100 * targets["api_availability"], color=plotting.PALETTE[1], ls="--", lw=1)
    missed = story.loc[story["slos_met"] < story["slos_measured"]]
    for m, row in missed.iterrows():
        slo_ax.annotate(f"{row['slos_measured'] - row['slos_met']} of {row['slos_measured']} SLOs missed",
                        (m.to_timestamp(), 100 * row["api_availability"]), xytext=(8, -4),
                        textcoords="offset points", color=plotting.PALETTE[1])
    slo_ax.set_ylabel("availability (%)")
    cost_ax.plot(x, story["usd_per_million_events"], marker="o", ms=3, color=plotting.PALETTE[4])
    if "usd_per_million_events" in targets:
        cost_ax.axhline(targets["usd_per_million_events"], color=plotting.PALETTE[1], ls="--", lw=1)
    cost_ax.set_ylabel("USD / M events")
    cost_ax.set_ylim(bottom=0)
    rank = {lvl: len(LEVELS) - 1 - i for i, lvl in enumerate(LEVELS)}
    y = story["dora_level"].map(rank).astype(float)
    dora_ax.step(x, y, where="mid", color=plotting.PALETTE[3])
    dora_ax.plot(x, y, "o", ms=3, color=plotting.PALETTE[3])
    dora_ax.set_yticks(sorted(rank.values()), [k for k, _ in sorted(rank.items(), key=lambda kv: kv[1])])
    dora_ax.set_ylim(-0.5, len(LEVELS) - 0.5)
    dora_ax.set_ylabel("DORA level")
    return fig



@dataclass(frozen=True)
class StoryData:
    """The story up to an as-of month: the event list, the monthly frame, the era summary, the decision lags."""

    as_of_month: int
    events: pd.DataFrame
    story: pd.DataFrame
    eras: pd.DataFrame
    lags: pd.DataFrame


def load_story(system: System, as_of_month: int) -> StoryData:
    """Load every series through its section's loader and function, and align them (:func:`monthly_story`).

    Decision lags are kept for records dated before the end of ``as_of_month``.
    """
    usage = load("usage_daily")
    months = story_months(system, as_of_month)
    adrs = adr.load_adrs()
    events = timeline_events(system, adrs, as_of_month)
    summary = monthly_summary(usage, load("revenue_monthly"), load("customers"), system)
    attainment = monthly_attainment(load("sli_hourly"), {s.name: s.slo_target for s in load_slos()})
    unit = usd_per_event_by_month(monthly_cost(load_billing()), usage)
    dora = dora_by_period(load("deployments"), load("commits"), system, by="month")
    st = monthly_story(system, summary, slo_month_summary(attainment, months), unit, dora, events, as_of_month)
    lags = decision_lags(system, adrs)
    lags = lags.loc[lags["adr_date"] < system.month_start(as_of_month + 1)]
    return StoryData(as_of_month, events, st, era_summary(system, st), lags)


@dataclass(frozen=True)
class StoryHeadline:
    """The page's headline figures (display units: millions of events a day, USD per million, percent)."""

    first_month: str
    last_month: str
    events_first_m: float
    events_last_m: float
    volume_multiple: float
    unit_first: float
    unit_last: float
    unit_target: float
    unit_met_month: str
    incidents: int
    decisions: int
    slo_months: int
    slo_missed_months: int
    api_worst_month: str
    api_worst_pct: float
    dora_first: str
    dora_last: str
    elite_months: int
    month_10m: str
    lag_clause: str


def story_headline(system: System, data: StoryData) -> StoryHeadline:
    """Volume and unit cost at both ends, the month targets were first met, incidents, SLO months, DORA levels."""
    st, events, lags = data.story, data.events, data.lags
    target_unit = system.target("cost_usd_per_event").value * 1e6
    first, last = st.iloc[0], st.iloc[-1]
    met = st.index[st["usd_per_million_events"] < target_unit]
    measured = st.loc[st["slos_measured"] > 0]
    ten_m = st.index[st["events_per_day_avg"] >= system.target("events_per_day_avg").value]
    return StoryHeadline(
        str(st.index[0]), str(st.index[-1]),
        float(first["events_per_day_avg"] / 1e6), float(last["events_per_day_avg"] / 1e6),
        float(last["events_per_day_avg"] / first["events_per_day_avg"]),
        float(first["usd_per_million_events"]), float(last["usd_per_million_events"]), float(target_unit),
        str(met[0]) if len(met) else "no month of the story",
        int((events["kind"] == "incident").sum()), int((events["kind"] == "decision").sum()),
        len(measured), int((measured["slos_met"] < measured["slos_measured"]).sum()),
        str(measured["api_availability"].idxmin()) if len(measured) else "none",
        100 * float(measured["api_availability"].min()) if len(measured) else float("nan"),
        str(first["dora_level"]), str(last["dora_level"]), int((st["dora_level"] == "elite").sum()),
        str(ten_m[0]) if len(ten_m) else "not within the story",
        lag_clause(lags),
    )


def lag_clause(lags: pd.DataFrame) -> str:
    """The sentence part that says how long incident-triggered decision records took (from ``decision_lags``).

    >>> lag_clause(pd.DataFrame({"lag_days": [2.0, 25.0]}))
    'every incident-triggered decision record came 2 to 25 days after its incident ended'
    >>> lag_clause(pd.DataFrame({"lag_days": [7.0]}))
    'the one incident-triggered decision record came 7 days after its incident ended'
    >>> lag_clause(pd.DataFrame({"lag_days": []}))
    'no incident had led to a decision record yet'
    """
    if lags.empty:
        return "no incident had led to a decision record yet"
    lo, hi = float(lags["lag_days"].min()), float(lags["lag_days"].max())
    if len(lags) == 1:
        return f"the one incident-triggered decision record came {hi:.0f} days after its incident ended"
    span = f"{lo:.0f} days" if lo == hi else f"{lo:.0f} to {hi:.0f} days"
    return f"every incident-triggered decision record came {span} after its incident ended"


@dataclass(frozen=True)
class EraHeadline:
    """One era's figures for the prose (an era after ``as_of_month`` has its span text and zeros)."""

    span: str
    months: int
    events_end_m: float
    unit_end: float
    dora_end: str
    incidents: int
    decisions: int
    slo_met: int
    slo_measured: int


def era_headlines(system: System, eras: pd.DataFrame) -> dict[str, EraHeadline]:
    """Each era's :class:`EraHeadline`, keyed by the short name the page's glue keys use (mvp, full, scale)."""
    out = {}
    for era in system.eras:
        key = era.id.split("-")[0]
        if era.name not in eras.index:
            out[key] = EraHeadline("beyond this as_of_month", 0, float("nan"), float("nan"), "n/a", 0, 0, 0, 0)
            continue
        r = eras.loc[era.name]
        out[key] = EraHeadline(f"{r['first']} to {r['last']}", int(r["months"]), float(r["events_per_day_end"] / 1e6),
                               float(r["usd_per_million_end"]), str(r["dora_level_end"]), int(r["incidents"]),
                               int(r["decisions"]), int(r["slos_met"]), int(r["slos_measured"]))
    return out
