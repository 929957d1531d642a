"""The shape of DataFlow Platform's traffic: diurnal and weekly profiles, peaks, outage exposure.

==========================  ================================================================
``diurnal_weight``           relative event rate by UTC hour (mean 1 over a day)
``weekly_weight``            relative daily volume by day of week (weekday 1)
``peak_to_average``          busiest hour's rate over the mean hourly rate
``design_peak_events_per_s`` the peak-capacity day's busiest-hour rate in a region's diurnal shape (the one
                             design peak every page quotes)
``hourly_profile``           mean events per hour-of-day per region
``events_per_min_on_day``    the mean event rate of each hour of one day, all regions (events/min)
``outage_exposure``          what one hour of ingestion outage puts at risk, by hour of day
``peak_and_quiet_outages``   the exposure of the same outage at the busiest and the quietest hour
==========================  ================================================================

The generators use the profiles to shape the sample data and later sections (SLIs, capacity)
reuse them, so the peak hour is the same everywhere.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

from dfp.core.checks import check_fraction, check_range
from dfp.core.errors import PlaybookError
from dfp.core.units import SLO_MONTH_DAYS
from dfp.reliability.availability import outage_availability
from dfp.reliability.slo import sla_credit_ratio

__all__ = [
    "OutageExposure",
    "design_peak_events_per_s",
    "diurnal_weight",
    "events_per_min_on_day",
    "hourly_profile",
    "outage_events",
    "outage_exposure",
    "peak_and_quiet_outages",
    "peak_to_average",
    "weekly_weight",
]


def diurnal_weight(hour_utc: npt.ArrayLike, peak_hour_utc: float, peak_to_trough: float) -> np.ndarray:
    """Relative event rate at each (fractional) UTC hour; averages to 1 over a day.

    A raised cosine: ``w(h) = 1 + a cos(2 pi (h - peak) / 24)`` with ``a = (r - 1) / (r + 1)`` so
    the busiest hour is ``r`` times the quietest (12 hours later).

    Args:
        hour_utc: hours of day, 0 <= h < 24 (fractions allowed: minute 90 is 1.5).
        peak_hour_utc: hour of the daily peak, in [0, 24).
        peak_to_trough: ratio of peak rate to trough rate, >= 1.

    >>> w = diurnal_weight(np.arange(24), 17, 3.0)
    >>> round(float(w.mean()), 6), round(float(w.max() / w.min()), 6)
    (1.0, 3.0)
    """
    check_range("peak_hour_utc", peak_hour_utc, 0, 24)
    r = check_range("peak_to_trough", peak_to_trough, 1.0, 1000.0)
    a = (r - 1.0) / (r + 1.0)
    h = np.asarray(hour_utc, dtype=float)
    return 1.0 + a * np.cos(2.0 * np.pi * (h - peak_hour_utc) / 24.0)


def design_peak_events_per_s(events_per_day: float, peak_hour_utc: float, peak_to_trough: float) -> float:
    """Mean event rate of the busiest hour of a day of ``events_per_day`` in a diurnal shape (events/s).

    ``events_per_day / 86,400 x diurnal_weight(peak_hour, peak_hour, peak_to_trough)``: the busiest
    *hour's* mean, not its busiest minute (a burst factor on top of it is the stream's sizing
    question). The platform's design peak is this with the owner's peak-capacity target
    (15 M events/day) and us-east-1's shape from ``system.yml``.

    >>> round(design_peak_events_per_s(15_000_000, 17, 3.2), 1)
    264.6
    """
    d = check_range("events_per_day", events_per_day, 0.0, 1e13)
    w = float(diurnal_weight([peak_hour_utc], peak_hour_utc, peak_to_trough)[0])
    return d / 86_400.0 * w


def weekly_weight(dayofweek: npt.ArrayLike, weekend_factor: float) -> np.ndarray:
    """Relative daily volume: 1 on weekdays (Monday=0..Friday=4), ``weekend_factor`` on weekends.

    >>> weekly_weight([0, 5, 6], 0.6).tolist()
    [1.0, 0.6, 0.6]
    """
    f = check_fraction("weekend_factor", weekend_factor, closed=True)
    d = np.asarray(dayofweek)
    if d.size and (d.min() < 0 or d.max() > 6):
        raise PlaybookError(f"dayofweek must be in 0..6; got values {d.min()}..{d.max()}")
    return np.where(d >= 5, f, 1.0)


def peak_to_average(hourly_events: pd.Series) -> float:
    """Busiest hour's events divided by the mean events per hour (dimensionless).

    >>> peak_to_average(pd.Series([1, 2, 3, 6]))
    2.0
    """
    if len(hourly_events) == 0:
        raise PlaybookError("peak_to_average needs at least one hour; got an empty series")
    mean = float(hourly_events.mean())
    if mean <= 0:
        raise PlaybookError("peak_to_average needs traffic; mean events per hour is 0")
    return float(hourly_events.max()) / mean


def hourly_profile(traffic_hourly: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp) -> pd.DataFrame:
    """Mean events per hour for each UTC hour of day and region over ``[start, end)``.

    Args:
        traffic_hourly: the ``traffic_hourly`` dataset (columns hour, region, events).

    Returns:
        Frame indexed by hour of day 0..23, one column per region plus ``total`` (events/hour).
    """
    sel = traffic_hourly[(traffic_hourly["hour"] >= start) & (traffic_hourly["hour"] < end)]
    if sel.empty:
        raise PlaybookError(f"hourly_profile: no traffic between {start} and {end}")
    days = sel["hour"].dt.normalize().nunique()
    prof = (
        sel.assign(hod=sel["hour"].dt.hour)
        .pivot_table(index="hod", columns="region", values="events", aggfunc="sum", fill_value=0)
        / days
    )
    prof["total"] = prof.sum(axis=1)
    prof.index.name = "hour_utc"
    prof.columns.name = None
    return prof


@dataclass(frozen=True)
class OutageExposure:
    """What an ingestion outage starting at a given UTC hour puts at risk.

    Attributes:
        start_hour_utc: hour of day the outage starts.
        hours: outage length (h).
        events: events that arrive during the outage and must be buffered by clients or are lost.
        share_of_day: ``events`` as a fraction of an average day's events.
        customers: customers sending events in the affected regions.
        availability: the SLA's rolling 30 days' request-weighted availability after the outage: the
            events the outage hit over 30 average days' events (fraction); a peak outage costs more.
        sla_credit_usd: service credits owed to the affected customers for the month (USD).
    """

    start_hour_utc: int
    hours: float
    events: float
    share_of_day: float
    customers: int
    availability: float
    sla_credit_usd: float


def events_per_min_on_day(traffic_hourly: pd.DataFrame, when: pd.Timestamp) -> pd.Series:
    """Mean events a minute in each hour of the UTC day containing ``when``, summed over regions.

    ``events_per_min[h] = sum over regions of events in hour h / 60``; indexed by the hour's start.

    >>> t = pd.DataFrame({"hour": pd.to_datetime(["2025-01-01 00:00", "2025-01-01 00:00", "2025-01-02 00:00"]),
    ...                   "events": [60, 120, 600]})
    >>> events_per_min_on_day(t, pd.Timestamp("2025-01-01 00:30")).tolist()
    [3.0]
    """
    day = traffic_hourly.loc[traffic_hourly["hour"].dt.floor("D") == when.floor("D")]
    if day.empty:
        raise PlaybookError(f"events_per_min_on_day: traffic_hourly has no hours on {when:%Y-%m-%d}")
    return day.groupby("hour")["events"].sum() / 60.0


def outage_events(profile: pd.Series, start_hour_utc: int, hours: float) -> float:
    """Events arriving during an outage of ``hours`` starting at ``start_hour_utc``.

    The profile (mean events per hour for hours 0..23) wraps past midnight; a fractional last hour
    counts pro rata.

    >>> outage_events(pd.Series(range(24), dtype=float), 23, 2.5)
    23.5
    """
    if len(profile) != 24:
        raise PlaybookError(f"outage_events needs a 24-hour profile; got {len(profile)} hours")
    h = check_range("hours", hours, 0.0, 24.0 * 365)
    start = int(check_range("start_hour_utc", start_hour_utc, 0, 23))
    vals = profile.to_numpy(dtype=float)
    whole = int(np.floor(h))
    idx = (start + np.arange(whole)) % 24
    total = float(vals[idx].sum())
    frac = h - whole
    if frac > 0:
        total += frac * float(vals[(start + whole) % 24])
    return total


def outage_exposure(
    profile: pd.Series,
    start_hour_utc: int,
    hours: float,
    customers: int,
    mrr_usd: float,
    credit_tiers: list[dict[str, float]],
) -> OutageExposure:
    """Exposure of one ingestion outage: events at risk, customers touched, SLA credits owed.

    Availability and credit are weighted by the requests the outage hit
    (:func:`dfp.reliability.availability.outage_availability` over 30 days of the profile), so an
    outage at the busiest hour never costs less than the same outage at the quietest.

    Args:
        profile: mean events per hour indexed by hour of day 0..23 (events/hour) for the affected regions.
        start_hour_utc: hour the outage starts.
        hours: outage length (h).
        customers: customers of the affected regions.
        mrr_usd: those customers' monthly recurring revenue (USD/month).
        credit_tiers: the SLA credit schedule (``system.yml`` ``pricing.sla_credit``).
    """

    events = outage_events(profile, start_hour_utc, hours)
    # request-weighted, as the SLO counts: the events the outage hit over the 30 days' events
    month_events = float(profile.sum()) * SLO_MONTH_DAYS
    availability = outage_availability(min(events, month_events), month_events)
    return OutageExposure(
        start_hour_utc=int(start_hour_utc),
        hours=float(hours),
        events=events,
        share_of_day=events / float(profile.sum()),
        customers=int(customers),
        availability=availability,
        sla_credit_usd=float(mrr_usd) * sla_credit_ratio(availability, credit_tiers),
    )


def peak_and_quiet_outages(profile: pd.Series, hours: float, customers: int, mrr_usd: float,
                           credit_tiers: list[dict[str, float]]) -> tuple[OutageExposure, OutageExposure]:
    """:func:`outage_exposure` of one outage starting at the profile's busiest hour and at its quietest."""
    return tuple(outage_exposure(profile, int(h), hours, customers, mrr_usd, credit_tiers)  # type: ignore[return-value]
                 for h in (profile.idxmax(), profile.idxmin()))
