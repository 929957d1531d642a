"""What an incident cost, read from the bill: the excess of the lines it moved over their own baseline.

==========================  ==========================================================================
``IncidentCost``             excess cost (USD) and excess NAT gigabytes of an incident's lines
``incident_cost``            the excess of the lines tagged with ``apps`` over the days of an incident
``LOG_PIPELINE_APPS``        the ``app`` tags of the log pipeline (CloudWatch Logs, NAT, S3 and cross-AZ lines)
==========================  ==========================================================================

INC-05 is a change in the platform model (``data/platform.yml``): debug logging on the us-east-1 processors
from the incident's impact start to its end, with the debug stream also sent to a CloudWatch Logs log group
through the NAT gateways (ingestion, storage and NAT processing per GB), while Loki wrote its chunks to S3
through the same NAT gateways (the S3 gateway endpoint arrived with the fix). The bill generated from the model
carries those bytes on the log pipeline's lines; this module measures them back from the bill, so the cost page
and the observability page read one number.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import pandas as pd

from dfp.core.checks import check_int_range
from dfp.core.errors import PlaybookError
from dfp.core.units import DAYS_PER_MONTH
from dfp.cost.economics import usage_cost
from dfp.io.focus import parse_tags
from dfp.io.system import Incident

__all__ = ["CLOUDWATCH_NAT_LINE", "LOG_PIPELINE_APPS", "S3_NAT_LINES", "IncidentCost", "LogStreamCost",
           "RegionVolume", "at_scale_usd_per_month", "cloudwatch_stream_cost", "incident_cost", "lines_before_during",
           "pipeline_rows", "region_volume", "s3_nat_usd_per_million_events"]

#: The ``app`` tags of the log pipeline's bill lines (dfp.generate.billing).
LOG_PIPELINE_APPS: tuple[str, ...] = ("log-pipeline",)
#: The bill line of NAT data processing for the CloudWatch Logs stream (dfp.generate.billing).
CLOUDWATCH_NAT_LINE = "NAT gateway data processed, CloudWatch Logs shipping"
#: The bill lines of NAT data processing for S3 writes, which the S3 gateway endpoint removes.
S3_NAT_LINES: tuple[str, ...] = ("NAT gateway data processed, Loki chunks to S3",
                                 "NAT gateway data processed, S3 archive writes")


class IncidentCost(NamedTuple):
    """An incident's excess on the bill (:func:`incident_cost`).

    Attributes:
        excess_usd: cost of the lines over the incident's days above their baseline (USD).
        excess_nat_gb: NAT gateway gigabytes processed above baseline on those lines (GB).
        baseline_usd_per_day: the lines' mean daily cost over the baseline days (USD/day).
        peak_usd_per_day: the lines' highest daily cost during the incident (USD/day).
        days: the calendar days the incident touched.
    """

    excess_usd: float
    excess_nat_gb: float
    baseline_usd_per_day: float
    peak_usd_per_day: float
    days: int


def incident_cost(billing: pd.DataFrame, incident: Incident, apps: Sequence[str] = LOG_PIPELINE_APPS,
                  baseline_days: int = 14) -> IncidentCost:
    """The excess of the bill lines tagged ``app`` in ``apps`` over an incident's days.

    ``excess = sum_{d in incident days} (cost_d - baseline)`` with ``baseline`` the mean daily cost of the same
    lines over the ``baseline_days`` days before the incident's first day; the same for the NAT gateway
    gigabytes (``SkuId`` ``NatGateway-Bytes``). Incident days run from the impact start's day to the impact end's
    day, both included (partial days carry their share in the bill already).

    Raises:
        PlaybookError: no usage line carries any of ``apps``, or the baseline window has no rows.
    """
    n = check_int_range("baseline_days", baseline_days, 1, 90)
    u = usage_cost(billing)
    tags = parse_tags(u["Tags"])
    lines = u[tags["app"].isin(list(apps)).to_numpy()]
    if lines.empty:
        raise PlaybookError(f"incident_cost: no usage line is tagged app in {list(apps)}")
    first = incident.impact_start.tz_localize(None).normalize()
    last = incident.impact_end.tz_localize(None).normalize()
    nat = lines["SkuId"].eq("NatGateway-Bytes")
    by_day = pd.DataFrame({
        "usd": lines.groupby("date")["cost_usd"].sum(),
        "gb": lines["PricingQuantity"].where(nat, 0.0).groupby(lines["date"]).sum(),
    }).reindex(pd.date_range(first - pd.Timedelta(days=n), last, freq="D"), fill_value=0.0)
    base = by_day.loc[:first - pd.Timedelta(days=1)]
    if len(base) < n:
        raise PlaybookError(f"incident_cost: fewer than {n} baseline days before {first:%Y-%m-%d}")
    during = by_day.loc[first:last]
    return IncidentCost(float((during["usd"] - base["usd"].mean()).sum()),
                        float((during["gb"] - base["gb"].mean()).sum()), float(base["usd"].mean()),
                        float(during["usd"].max()), len(during))


class LogStreamCost(NamedTuple):
    """The CloudWatch Logs stream's lines on the bill (:func:`cloudwatch_stream_cost`).

    Attributes:
        gb: gigabytes shipped to CloudWatch through the NAT gateways (GB).
        ingest_usd: CloudWatch Logs ingestion, the lines priced per GB (USD).
        storage_usd: CloudWatch Logs storage, the other CloudWatch Logs lines (USD).
        nat_usd: NAT data processing of the stream (USD).
    """

    gb: float
    ingest_usd: float
    storage_usd: float
    nat_usd: float


def _need(rows: pd.DataFrame, cols: Sequence[str], where: str) -> None:
    missing = [c for c in cols if c not in rows.columns]
    if missing:
        raise PlaybookError(f"{where}: usage rows lack column(s) {missing}")


def cloudwatch_stream_cost(rows: pd.DataFrame) -> LogStreamCost:
    """Gigabytes and cost of the CloudWatch Logs stream in usage rows (``usage_cost`` of the bill).

    ``gb = sum PricingQuantity`` and ``nat_usd = sum cost_usd`` over :data:`CLOUDWATCH_NAT_LINE`;
    ``ingest_usd`` / ``storage_usd`` = ``sum cost_usd`` over lines whose ``ChargeDescription`` starts with
    "CloudWatch Logs" and whose ``PricingUnit`` is / is not ``GB``.

    >>> rows = pd.DataFrame({"ChargeDescription": ["CloudWatch Logs ingestion", "CloudWatch Logs storage",
    ...                                            CLOUDWATCH_NAT_LINE, "EC2"],
    ...                      "PricingUnit": ["GB", "GB-Mo", "GB", "Hrs"], "PricingQuantity": [10.0, 5.0, 10.0, 1.0],
    ...                      "cost_usd": [5.0, 0.15, 0.45, 9.0]})
    >>> cloudwatch_stream_cost(rows)
    LogStreamCost(gb=10.0, ingest_usd=5.0, storage_usd=0.15, nat_usd=0.45)

    Raises:
        PlaybookError: a needed column is missing.
    """
    _need(rows, ["ChargeDescription", "PricingUnit", "PricingQuantity", "cost_usd"], "cloudwatch_stream_cost")
    cw = rows[rows["ChargeDescription"].str.startswith("CloudWatch Logs", na=False)]
    nat = rows[rows["ChargeDescription"].eq(CLOUDWATCH_NAT_LINE)]
    per_gb = cw["PricingUnit"].eq("GB")
    return LogStreamCost(float(nat["PricingQuantity"].sum()), float(cw.loc[per_gb, "cost_usd"].sum()),
                         float(cw.loc[~per_gb, "cost_usd"].sum()), float(nat["cost_usd"].sum()))


def pipeline_rows(rows: pd.DataFrame, apps: Sequence[str] = LOG_PIPELINE_APPS) -> pd.DataFrame:
    """The usage rows whose ``app`` tag is in ``apps`` (the log pipeline's lines by default).

    >>> rows = pd.DataFrame({"Tags": ['{"app":"log-pipeline"}', '{"app":"api"}'], "cost_usd": [1.0, 2.0]})
    >>> pipeline_rows(rows)["cost_usd"].tolist()
    [1.0]
    """
    _need(rows, ["Tags"], "pipeline_rows")
    return rows[parse_tags(rows["Tags"])["app"].isin(list(apps)).to_numpy()]


def lines_before_during(rows: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp,
                        days_before: int = 14) -> pd.DataFrame:
    """Mean daily cost per bill line before an incident and during it (USD/day), largest change first.

    ``before`` = mean over the ``days_before`` days before ``start``'s day, ``during`` = mean over ``start``'s day
    to ``end``'s day (both included), of each ``ChargeDescription``'s daily ``cost_usd`` (days with rows of any
    line count; a line absent on such a day counts 0); ``change = during - before``.

    >>> rows = pd.DataFrame({"date": pd.to_datetime(["2024-01-01", "2024-01-02", "2024-01-03", "2024-01-03"]),
    ...                      "ChargeDescription": ["NAT", "NAT", "NAT", "Logs"], "cost_usd": [1.0, 1.0, 4.0, 6.0]})
    >>> t = lines_before_during(rows, pd.Timestamp("2024-01-03 10:00"), pd.Timestamp("2024-01-03 20:00"), 2)
    >>> t.index.tolist(), t.loc["NAT"].tolist()
    (['Logs', 'NAT'], [1.0, 4.0, 3.0])

    Raises:
        PlaybookError: a needed column is missing or ``days_before`` is outside 1..90.
    """
    n = check_int_range("days_before", days_before, 1, 90)
    _need(rows, ["date", "ChargeDescription", "cost_usd"], "lines_before_during")
    per_line = rows.groupby(["date", "ChargeDescription"])["cost_usd"].sum().unstack(fill_value=0.0)
    first = start.normalize()
    before = per_line.loc[first - pd.Timedelta(days=n): first - pd.Timedelta(days=1)].mean()
    during = per_line.loc[first: end.normalize()].mean()
    return pd.DataFrame({"before": before, "during": during, "change": during - before}).sort_values(
        "change", ascending=False)


def at_scale_usd_per_month(excess_usd: float, incident_events: float, daily_events: float,
                           multiple: float = 10.0) -> float:
    """A month of the same excess at ``multiple`` times a daily volume, at the incident's cost per event (USD).

    ``excess_usd / incident_events * multiple * daily_events * DAYS_PER_MONTH`` (events, events/day).

    >>> round(at_scale_usd_per_month(100.0, 1e6, 1e5, 10), 2)
    3041.67

    Raises:
        PlaybookError: ``incident_events`` is not positive.
    """
    if not incident_events > 0:
        raise PlaybookError(f"at_scale_usd_per_month: incident_events must be positive, got {incident_events}")
    return excess_usd / incident_events * multiple * daily_events * DAYS_PER_MONTH


def s3_nat_usd_per_million_events(rows: pd.DataFrame, events: pd.Series, start: pd.Timestamp, end: pd.Timestamp,
                                  days: int = 28) -> pd.Series:
    """NAT data-processing cost of S3 writes per million events, before an incident and after its fix (USD).

    ``sum(cost_usd of S3_NAT_LINES over the window) / sum(events over the window) * 1e6`` for the ``days`` days
    before ``start``'s day (``before``) and the ``days`` days after ``end``'s day (``after``). ``events`` is a
    daily series indexed by day.

    >>> days = pd.date_range("2024-01-01", periods=5, freq="D")
    >>> rows = pd.DataFrame({"date": days, "ChargeDescription": [S3_NAT_LINES[0]] * 5,
    ...                      "cost_usd": [2.0, 2.0, 9.0, 0.0, 0.0]})
    >>> s3_nat_usd_per_million_events(rows, pd.Series(1e6, index=days), days[2], days[2], 2).tolist()
    [2.0, 0.0]

    Raises:
        PlaybookError: a needed column is missing, ``days`` is outside 1..90, or a window has no events.
    """
    n = check_int_range("days", days, 1, 90)
    _need(rows, ["date", "ChargeDescription", "cost_usd"], "s3_nat_usd_per_million_events")
    nat = rows[rows["ChargeDescription"].isin(list(S3_NAT_LINES))]
    usd = nat.groupby("date")["cost_usd"].sum().reindex(events.index, fill_value=0.0)
    first, last = start.normalize(), end.normalize()
    out = {}
    for name, window in (("before", slice(first - pd.Timedelta(days=n), first - pd.Timedelta(days=1))),
                         ("after", slice(last + pd.Timedelta(days=1), last + pd.Timedelta(days=n)))):
        ev = float(events.loc[window].sum())
        if not ev > 0:
            raise PlaybookError(f"s3_nat_usd_per_million_events: no events in the {name} window")
        out[name] = float(usd.loc[window].sum()) / ev * 1e6
    return pd.Series(out)


class RegionVolume(NamedTuple):
    """A region's event volume around an incident (:func:`region_volume`).

    Attributes:
        incident_events: events from the impact start's day to the impact end (events).
        last_month: the last month in the usage data.
        last_month_daily_events: that month's events over its days (events/day).
        daily_events: events per day, indexed by day (tz-naive).
    """

    incident_events: float
    last_month: pd.Period
    last_month_daily_events: float
    daily_events: pd.Series


def region_volume(usage: pd.DataFrame, region: str, start: pd.Timestamp, end: pd.Timestamp) -> RegionVolume:
    """Events of ``region`` in ``usage_daily`` (UTC ``date``): during an incident, and last month per day.

    ``incident_events = sum events`` for ``start.floor("D") <= date < end``;
    ``last_month_daily_events = sum events in the last month / days in that month``.

    >>> u = pd.DataFrame({"date": pd.date_range("2024-01-30", periods=3, freq="D", tz="UTC"), "region": "r",
    ...                   "events": [10, 20, 290]})
    >>> v = region_volume(u, "r", pd.Timestamp("2024-01-30 06:00", tz="UTC"), pd.Timestamp("2024-01-31 12:00", tz="UTC"))
    >>> v.incident_events, str(v.last_month), v.last_month_daily_events
    (30.0, '2024-02', 10.0)

    Raises:
        PlaybookError: a needed column is missing or the region has no rows.
    """
    _need(usage, ["date", "region", "events"], "region_volume")
    r = usage[usage["region"] == region]
    if r.empty:
        raise PlaybookError(f"region_volume: usage_daily has no rows for region {region!r}")
    days = r["date"].dt.tz_localize(None)
    months = days.dt.to_period("M")
    last = months.max()
    return RegionVolume(float(r.loc[(r["date"] >= start.floor("D")) & (r["date"] < end), "events"].sum()), last,
                        float(r.loc[months == last, "events"].sum() / last.days_in_month),
                        r.groupby(days)["events"].sum())
