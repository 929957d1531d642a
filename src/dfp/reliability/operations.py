"""Operations measured: on-call burden with incident hours, MTTD by population, restore and resolve.

=============================  ===========================================================================
``oncall_budget_h_per_week``    team hours per week the on-call target allows
``pages_per_week_capacity``     pages per week that budget absorbs
``off_hours_share``             share of the week outside working hours
``POPULATIONS``                 the incident populations a mean time can be taken over, with their labels
``incident_population``         the incident ids of one population in the incident record
``mean_time``                   a labelled mean (minutes) over one population: the one MTTD/MTTR function
``mean_time_to_detect``         MTTD of a population, labelled with the population and the detection source
``mean_time_to_restore``        impact start -> mitigated (service restored), labelled
``mean_time_to_resolve``        impact start -> resolved (incident closed), labelled
``mttd_by_population``          MTTD of each population, from the record and from policy replays (a table)
``restore_and_resolve``         mean restore and resolve times of each population (a table)
``incident_response_h``         engineer hours each paged incident took, acknowledged -> resolved
``weekly_oncall_h``             engineer hours per week: pages and tickets outside incidents + incident hours
``oncall_burden``               the burden per engineer per week (mean and worst week), incidents included
``policy_oncall``               one alert policy's weeks and burden from a backtest's notifications
``margin_response_min``         what an internal SLO's margin must cover: page delay + time to acknowledge
=============================  ===========================================================================

A mean time without its population is not a number anyone can check: the same platform has an MTTD of
about 10 minutes over its critical incidents as the incident record tells them and a different one over
every incident users felt, replayed through another alert policy. :func:`mean_time` therefore returns
the value with the incidents it covers and a label that names them, and every page quotes the label.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from dfp.core.checks import check_int_range, check_non_negative, check_positive, check_range
from dfp.core.errors import PlaybookError
from dfp.core.units import HOURS_PER_WEEK

__all__ = [
    "POPULATIONS",
    "MeanTime",
    "OncallBurden",
    "incident_population",
    "incident_response_h",
    "margin_response_min",
    "mean_time",
    "mean_time_to_detect",
    "mean_time_to_resolve",
    "mean_time_to_restore",
    "mttd_by_population",
    "off_hours_share",
    "oncall_budget_h_per_week",
    "oncall_burden",
    "pages_per_week_capacity",
    "policy_oncall",
    "restore_and_resolve",
    "weekly_oncall_h",
]

#: Incident populations: id -> the words a page uses for it.
POPULATIONS: dict[str, str] = {
    "critical": "critical incidents (sev1)",
    "user-facing": "incidents users felt (an SLI impact)",
    "all": "all incidents",
}


def oncall_budget_h_per_week(engineers: int, max_h_per_engineer_week: float) -> float:
    """Team-wide on-call hours per week the per-engineer limit allows (h/week).

    >>> oncall_budget_h_per_week(3, 2.0)
    6.0
    """
    n = check_int_range("engineers", engineers, 1, 1000)
    return n * check_positive("max_h_per_engineer_week", max_h_per_engineer_week)


def pages_per_week_capacity(budget_h_per_week: float, page_handling_min: float) -> float:
    """Pages per week a budget of engineer hours absorbs, at ``page_handling_min`` minutes a page.

    >>> pages_per_week_capacity(6.0, 45.0)
    8.0
    """
    b = check_positive("budget_h_per_week", budget_h_per_week)
    return b * 60.0 / check_positive("page_handling_min", page_handling_min)


def off_hours_share(working_hours_per_week: float) -> float:
    """Fraction of the 168-hour week outside working hours (when nobody is at a desk).

    >>> round(off_hours_share(40), 4)
    0.7619
    """
    w = check_range("working_hours_per_week", working_hours_per_week, 0, HOURS_PER_WEEK)
    return 1.0 - w / HOURS_PER_WEEK


# --- mean times over a named population ------------------------------------------------------------

@dataclass(frozen=True)
class MeanTime:
    """A mean time in minutes and what it is a mean of.

    Attributes:
        minutes: the mean (min); NaN when the population is empty.
        incidents: the incident ids averaged, in record order.
        population: the population id (a key of :data:`POPULATIONS`).
        label: the population and the measurement in words, for a page
            (``critical incidents (sev1): INC-01, INC-02, INC-03; incident record``).
    """

    minutes: float
    incidents: tuple[str, ...]
    population: str
    label: str


def incident_population(log: pd.DataFrame, population: str) -> list[str]:
    """The incident ids of ``population`` in the incident record, in record order.

    ``critical``: severity ``sev1``; ``user-facing``: ``sli_impact`` true (the incidents that burned an
    SLO and paged); ``all``: every incident.

    Args:
        log: the incident record (columns ``incident_id``, ``severity``, ``sli_impact``).
        population: a key of :data:`POPULATIONS`.

    >>> log = pd.DataFrame({"incident_id": ["A", "B", "C"], "severity": ["sev1", "sev2", "sev3"],
    ...                     "sli_impact": [True, True, False]})
    >>> incident_population(log, "critical"), incident_population(log, "user-facing")
    (['A'], ['A', 'B'])
    """
    if population not in POPULATIONS:
        raise PlaybookError(f"population must be one of {list(POPULATIONS)}; got {population!r}")
    if population == "critical":
        sel = log["severity"] == "sev1"
    elif population == "user-facing":
        sel = log["sli_impact"].astype(bool)
    else:
        sel = pd.Series(True, index=log.index)
    return [str(i) for i in log.loc[sel, "incident_id"]]


def mean_time(minutes_by_incident: pd.Series, log: pd.DataFrame, population: str, measured_as: str) -> MeanTime:
    """The mean of ``minutes_by_incident`` over one population, with a label naming both.

    ``mean over i in population of minutes[i]``. An incident of the population missing from
    ``minutes_by_incident`` raises: a mean over fewer incidents than its label names is the defect this
    function exists to prevent.

    Args:
        minutes_by_incident: minutes per incident id (e.g. time to detect), indexed by incident id.
        log: the incident record (defines the populations).
        population: a key of :data:`POPULATIONS`.
        measured_as: how the minutes were measured, for the label (``incident record``,
            ``replay of the tuned policy``).

    >>> log = pd.DataFrame({"incident_id": ["A", "B"], "severity": ["sev1", "sev1"], "sli_impact": [True, True]})
    >>> m = mean_time(pd.Series({"A": 4.0, "B": 6.0}), log, "critical", "incident record")
    >>> m.minutes, m.label
    (5.0, 'critical incidents (sev1): A, B; incident record')
    """
    ids = incident_population(log, population)
    missing = [i for i in ids if i not in minutes_by_incident.index]
    if missing:
        raise PlaybookError(f"mean_time: no minutes for {missing} of the population {population!r}")
    vals = minutes_by_incident.loc[ids].astype(float) if ids else pd.Series(dtype=float)
    label = f"{POPULATIONS[population]}: {', '.join(ids) or 'none'}; {measured_as}"
    return MeanTime(float(vals.mean()) if ids else float("nan"), tuple(ids), population, label)


def _minutes(log: pd.DataFrame, a: str, b: str) -> pd.Series:
    return ((log[b] - log[a]).dt.total_seconds() / 60.0).set_axis(log["incident_id"])


def mean_time_to_detect(log: pd.DataFrame, population: str, detect_min: pd.Series | None = None,
                        measured_as: str = "incident record") -> MeanTime:
    """MTTD over a population: impact start -> first page (or the review that found it), in minutes.

    Args:
        log: the incident record (``impact_start``, ``detected``).
        population: a key of :data:`POPULATIONS`.
        detect_min: minutes to detection per incident from elsewhere (a policy replay); default the
            record's ``detected - impact_start``.
        measured_as: names the source in the label.

    >>> t = pd.Timestamp("2025-01-01", tz="UTC"); m = pd.Timedelta(minutes=1)
    >>> log = pd.DataFrame({"incident_id": ["A"], "severity": ["sev1"], "sli_impact": [True],
    ...                     "impact_start": [t], "detected": [t + 4 * m]})
    >>> mean_time_to_detect(log, "critical").minutes
    4.0
    """
    mins = _minutes(log, "impact_start", "detected") if detect_min is None else detect_min
    return mean_time(mins, log, population, measured_as)


def mean_time_to_restore(log: pd.DataFrame, population: str) -> MeanTime:
    """Mean time to restore service: impact start -> ``mitigated`` (the users' outage ends), minutes.

    >>> t = pd.Timestamp("2025-01-01", tz="UTC"); m = pd.Timedelta(minutes=1)
    >>> log = pd.DataFrame({"incident_id": ["A"], "severity": ["sev1"], "sli_impact": [True],
    ...                     "impact_start": [t], "mitigated": [t + 46 * m], "resolved": [t + 181 * m]})
    >>> mean_time_to_restore(log, "critical").minutes, mean_time_to_resolve(log, "critical").minutes
    (46.0, 181.0)
    """
    return mean_time(_minutes(log, "impact_start", "mitigated"), log, population,
                     "restore: impact start to service restored")


def mean_time_to_resolve(log: pd.DataFrame, population: str) -> MeanTime:
    """Mean time to resolve: impact start -> ``resolved`` (cause fixed, incident closed), minutes.

    The owner's target ``mttr_min`` names this one ("Mean time to resolve").
    """
    return mean_time(_minutes(log, "impact_start", "resolved"), log, population,
                     "resolve: impact start to incident closed")


# --- on-call burden, incidents included ------------------------------------------------------------

def incident_response_h(log: pd.DataFrame, responders: int, until: str = "resolved") -> pd.Series:
    """Engineer hours each paged incident took: ``(until - acknowledged) * responders``.

    Only incidents the platform paged for (``sli_impact`` true) are on-call work; incidents a review
    found (a cost review, an access review) are worked in working hours and are not counted here.

    Args:
        log: the incident record (``acknowledged``, ``mitigated``, ``resolved``, ``sli_impact``).
        responders: engineers working an incident from acknowledgement to ``until``.
        until: ``resolved`` (the default: the incident is open until then) or ``mitigated``.

    Returns:
        Engineer hours indexed by incident id.

    >>> t = pd.Timestamp("2025-01-01", tz="UTC"); h = pd.Timedelta(hours=1)
    >>> log = pd.DataFrame({"incident_id": ["A", "B"], "sli_impact": [True, False], "acknowledged": [t, t],
    ...                     "mitigated": [t + h, t + h], "resolved": [t + 3 * h, t + 9 * h]})
    >>> incident_response_h(log, 2).to_dict()
    {'A': 6.0}
    """
    r = check_int_range("responders", responders, 1, 100)
    if until not in ("resolved", "mitigated"):
        raise PlaybookError(f"until must be 'resolved' or 'mitigated'; got {until!r}")
    paged = log.loc[log["sli_impact"].astype(bool)]
    return (_minutes(paged, "acknowledged", until) / 60.0 * r).rename("engineer_h")


def weekly_oncall_h(start: pd.Timestamp, end: pd.Timestamp, pages: pd.Series, tickets: pd.Series,
                    log: pd.DataFrame, page_handling_min: float, ticket_handling_min: float,
                    responders: int) -> pd.DataFrame:
    """Team engineer hours of on-call work in each week of ``[start, end)``.

    A week's hours = pages outside an incident x ``page_handling_min`` / 60 + tickets x
    ``ticket_handling_min`` / 60 + the part of each paged incident's response window
    (``acknowledged .. resolved``) x ``responders`` that falls in the week. A page that starts inside an
    incident's window (impact start to resolved) is part of that incident's hours, not counted twice.

    Args:
        start, end: the replayed history (UTC); weeks run from ``start`` in 7-day steps (the last may be short).
        pages, tickets: start times of the page and ticket notifications (UTC).
        log: the incident record.
        page_handling_min, ticket_handling_min: engineer minutes a page / a ticket costs.
        responders: engineers working a paged incident.

    Returns:
        Frame indexed by week start: ``weeks`` (length in weeks), ``pages``, ``page_h``, ``ticket_h``,
        ``incident_h``, ``total_h`` (team engineer hours).
    """
    if end <= start:
        raise PlaybookError(f"weekly_oncall_h: end {end} must be after start {start}")
    pm = check_non_negative("page_handling_min", page_handling_min)
    tm = check_non_negative("ticket_handling_min", ticket_handling_min)
    r = check_int_range("responders", responders, 1, 100)
    edges = pd.date_range(start, end, freq="7D")
    if edges[-1] < end:
        edges = edges.append(pd.DatetimeIndex([end]))
    paged = log.loc[log["sli_impact"].astype(bool)]
    utc = lambda t: pd.DatetimeIndex(t).tz_convert("UTC").tz_localize(None).to_numpy("datetime64[ns]")  # noqa: E731
    win_a, win_b, p = utc(paged["impact_start"]), utc(paged["resolved"]), utc(pages)
    e = utc(edges)
    inside = ((p[:, None] >= win_a[None, :]) & (p[:, None] <= win_b[None, :])).any(axis=1)

    def per_week(ts: np.ndarray) -> np.ndarray:
        k = np.searchsorted(e, ts, side="right") - 1
        k = k[(k >= 0) & (k < len(e) - 1)]
        return np.bincount(k, minlength=len(e) - 1).astype(float)

    n_pages, n_tickets = per_week(p[~inside]), per_week(utc(tickets))
    # overlap (h) of each response window with each week: incidents x weeks, vectorised
    lo = np.maximum(utc(paged["acknowledged"])[:, None], e[None, :-1])
    hi = np.minimum(win_b[:, None], e[None, 1:])
    overlap_h = np.clip((hi - lo) / np.timedelta64(1, "h"), 0.0, None)
    incident_h = overlap_h.sum(axis=0) * r
    out = pd.DataFrame({
        "weeks": np.diff(e) / np.timedelta64(7, "D"),
        "pages": n_pages,
        "page_h": n_pages * pm / 60.0,
        "ticket_h": n_tickets * tm / 60.0,
        "incident_h": incident_h,
    }, index=edges[:-1].rename("week"))
    out["total_h"] = out["page_h"] + out["ticket_h"] + out["incident_h"]
    return out


@dataclass(frozen=True)
class OncallBurden:
    """On-call work per engineer per week, incident hours included.

    Attributes:
        mean_h_per_engineer_week: all on-call hours over the history / engineers / weeks.
        alerts_only_h_per_engineer_week: the same without incident hours (pages and tickets only).
        incident_share: incident hours' share of all on-call hours (fraction).
        worst_week_h_per_engineer: the heaviest full week's hours per engineer.
        worst_week: that week's start (UTC).
        weeks_over_limit: full weeks whose hours per engineer exceed ``limit_h``.
        alert_weeks_over_limit: full weeks whose pages and tickets alone exceed ``limit_h`` per engineer.
        full_weeks: full weeks in the history.
    """

    mean_h_per_engineer_week: float
    alerts_only_h_per_engineer_week: float
    incident_share: float
    worst_week_h_per_engineer: float
    worst_week: pd.Timestamp
    weeks_over_limit: int
    alert_weeks_over_limit: int
    full_weeks: int


def oncall_burden(weekly: pd.DataFrame, engineers: int, limit_h: float) -> OncallBurden:
    """The burden per engineer per week from :func:`weekly_oncall_h`: the mean and the worst week.

    ``mean = sum(total_h) / engineers / sum(weeks)``; the worst week and the weeks over ``limit_h``
    count full weeks only. The mean is what the owner's target reads; the worst week is what an
    engineer lives through in an incident week.

    >>> w = pd.DataFrame({"weeks": [1.0, 1.0], "page_h": [1.0, 0.0], "ticket_h": [0.0, 0.0],
    ...                   "incident_h": [0.0, 9.0], "total_h": [1.0, 9.0]},
    ...                  index=pd.to_datetime(["2025-01-06", "2025-01-13"]))
    >>> b = oncall_burden(w, 2, 2.0)
    >>> b.mean_h_per_engineer_week, b.worst_week_h_per_engineer, b.weeks_over_limit, b.alert_weeks_over_limit
    (2.5, 4.5, 1, 0)
    """
    n = check_int_range("engineers", engineers, 1, 1000)
    limit = check_positive("limit_h", limit_h)
    weeks = float(weekly["weeks"].sum())
    if weeks <= 0:
        raise PlaybookError("oncall_burden: the weekly frame covers no time")
    total = float(weekly["total_h"].sum())
    full = weekly.loc[weekly["weeks"] >= 1.0 - 1e-9]
    per_eng = full["total_h"] / n
    return OncallBurden(
        mean_h_per_engineer_week=total / n / weeks,
        alerts_only_h_per_engineer_week=float((weekly["page_h"] + weekly["ticket_h"]).sum()) / n / weeks,
        incident_share=float(weekly["incident_h"].sum()) / total if total > 0 else 0.0,
        worst_week_h_per_engineer=float(per_eng.max()) if len(per_eng) else 0.0,
        worst_week=pd.Timestamp(per_eng.idxmax()) if len(per_eng) else pd.NaT,
        weeks_over_limit=int((per_eng > limit).sum()),
        alert_weeks_over_limit=int(((full["page_h"] + full["ticket_h"]) / n > limit).sum()),
        full_weeks=len(full),
    )


def policy_oncall(notes: pd.DataFrame, policy_id: str, log: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp,
                  engineers: int, page_handling_min: float, ticket_handling_min: float, responders: int,
                  limit_h: float) -> tuple[pd.DataFrame, OncallBurden]:
    """One alert policy's on-call weeks and burden, incidents included: the one call the alerting page and
    the scorecard make.

    Args:
        notes: :func:`dfp.reliability.alerting.notifications` (columns ``policy``, ``severity``, ``start``).
        policy_id: the policy whose pages and tickets count.
        log: the incident record.
        start, end: the replayed history (UTC).
        engineers: engineers sharing operations.
        page_handling_min, ticket_handling_min, responders: see :func:`weekly_oncall_h`.
        limit_h: the per-engineer weekly limit (the owner's target), for ``weeks_over_limit``.

    Returns:
        ``(weekly, burden)``: :func:`weekly_oncall_h` and :func:`oncall_burden`.
    """
    mine = notes.loc[notes["policy"] == policy_id]
    if mine.empty and policy_id not in set(notes["policy"]):
        raise PlaybookError(f"policy_oncall: no notifications of policy {policy_id!r}; policies: "
                            f"{sorted(set(notes['policy']))}")
    weekly = weekly_oncall_h(start, end, mine.loc[mine["severity"] == "page", "start"],
                             mine.loc[mine["severity"] == "ticket", "start"], log, page_handling_min,
                             ticket_handling_min, responders)
    return weekly, oncall_burden(weekly, engineers, limit_h)


def margin_response_min(log: pd.DataFrame, page_delay_min: float) -> float:
    """Minutes an internal SLO's margin must cover: a full outage's page delay + the median time to acknowledge.

    ``page_delay_min + median over incidents users felt of (acknowledged - detected)``: how long the SLA
    keeps burning after the internal budget is gone before an engineer is on it.

    Args:
        log: the incident record (``detected``, ``acknowledged``, ``sli_impact``).
        page_delay_min: minutes the adopted policy takes to page on a full outage (>= 0).

    >>> t = pd.Timestamp("2025-01-01", tz="UTC"); m = pd.Timedelta(minutes=1)
    >>> log = pd.DataFrame({"incident_id": ["A", "B"], "sli_impact": [True, True], "detected": [t, t],
    ...                     "acknowledged": [t + 2 * m, t + 6 * m]})
    >>> margin_response_min(log, 0.5)
    4.5
    """
    d = check_non_negative("page_delay_min", page_delay_min)
    felt = log.loc[log["sli_impact"].astype(bool)]
    if felt.empty:
        raise PlaybookError("margin_response_min: the incident record has no incident with an SLI impact")
    return d + float(_minutes(felt, "detected", "acknowledged").median())


def mttd_by_population(log: pd.DataFrame, replays: Mapping[str, pd.Series]) -> pd.DataFrame:
    """MTTD of each population, as the incident record tells it and as each policy replay gives it.

    Args:
        log: the incident record.
        replays: policy id -> detection minutes per incident id from a backtest (incidents a replay did
            not catch are left out of its population and the label says so by listing the ids).

    Returns:
        Frame indexed by (population words, measured as): ``mttd_min``, ``incidents`` (count),
        ``label`` (:attr:`MeanTime.label`).
    """
    rows = []
    for pop in ("critical", "user-facing"):
        for source, mins in [("incident record", None), *((f"replay of the {p} policy", s) for p, s in replays.items())]:
            if mins is not None:
                ids = incident_population(log, pop)
                mins = mins.reindex(ids)
                if mins.isna().any():
                    raise PlaybookError(f"mttd_by_population: {source} did not catch {list(mins[mins.isna()].index)}")
            m = mean_time_to_detect(log, pop, mins, source)
            rows.append({"population": POPULATIONS[pop], "measured_as": source, "mttd_min": m.minutes,
                         "incidents": len(m.incidents), "label": m.label})
    return pd.DataFrame(rows).set_index(["population", "measured_as"])


def restore_and_resolve(log: pd.DataFrame) -> pd.DataFrame:
    """Mean time to restore and to resolve of the critical and the user-facing incidents (minutes).

    Returns:
        Frame indexed by population words: ``incidents``, ``restore_min``, ``resolve_min``.
    """
    rows = []
    for pop in ("critical", "user-facing"):
        rs, rv = mean_time_to_restore(log, pop), mean_time_to_resolve(log, pop)
        rows.append({"population": POPULATIONS[pop], "incidents": len(rs.incidents), "restore_min": rs.minutes,
                     "resolve_min": rv.minutes})
    return pd.DataFrame(rows).set_index("population")
