"""Observability on a small budget: metric cardinality, TSDB size, log volume and their monthly cost.

===============================  ================================================================
``active_series``                series from pods, nodes and per-tenant SLI labels
``samples_per_month``            samples a month at a scrape interval (730 h month)
``tsdb_gb``                      on-disk size of the retained samples
``log_gb_per_day``               log volume from the event rate, bytes per event and pod overhead
``log_cost_usd_per_month``       ingestion plus retained storage of a log volume
``audit_cost_usd_per_month``     CloudTrail data events plus their storage, hot then cold
``MetricsBudget``                series, samples, TSDB size and both storage options' cost for a fleet
``metrics_budget``               compute it from pods, nodes, tenants and the policy
``LogBudget``                    daily log volume at info and debug level and both log stores' cost
``log_budget``                   compute it from the event rate, pods and the policy
``debug_log_gb_per_day``         daily application-log volume, with debug logging during an incident window
``debug_log_extra_gb_per_day``   the debug level's extra log volume a day in such a window
``billed_telemetry``             the bill's telemetry lines in a month (metrics and alarms, logs, audit trail)
``telemetry_split``              per part: billed, explained by the volume model, and the rest
===============================  ================================================================

Volumes are computed from the traffic data; prices come from external_facts.yml (illustrative).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd

from dfp.core.checks import check_non_negative, check_positive
from dfp.core.errors import PlaybookError
from dfp.core.units import DAYS_PER_MONTH, HOURS_PER_MONTH
from dfp.io.focus import parse_tags

__all__ = [
    "TELEMETRY_APPS",
    "LogBudget",
    "MetricsBudget",
    "active_series",
    "audit_cost_usd_per_month",
    "billed_telemetry",
    "debug_log_extra_gb_per_day",
    "debug_log_gb_per_day",
    "log_budget",
    "log_cost_usd_per_month",
    "log_gb_per_day",
    "metrics_budget",
    "samples_per_month",
    "telemetry_split",
    "tsdb_gb",
]


def active_series(pods: int, nodes: int, tenants: int, regions: int, series_per_pod: float,
                  series_per_node: float, per_tenant_series: float) -> float:
    """Active series: ``pods * per_pod + nodes * per_node + tenants * regions * per_tenant``.

    The per-tenant term is the cardinality risk: it grows with the customer base, not the cluster.

    >>> active_series(30, 6, 100, 2, 180, 900, 24)
    15600.0
    """
    for name, v in (("pods", pods), ("nodes", nodes), ("tenants", tenants), ("regions", regions)):
        check_non_negative(name, v)
    return float(pods * check_non_negative("series_per_pod", series_per_pod)
                 + nodes * check_non_negative("series_per_node", series_per_node)
                 + tenants * regions * check_non_negative("per_tenant_series", per_tenant_series))


def samples_per_month(series: float, scrape_interval_s: float) -> float:
    """``series * 730 h * 3600 / scrape_interval_s``.

    >>> samples_per_month(1000, 30)
    87600000.0
    """
    return check_non_negative("series", series) * HOURS_PER_MONTH * 3600.0 / check_positive(
        "scrape_interval_s", scrape_interval_s)


def tsdb_gb(series: float, scrape_interval_s: float, retention_days: float, bytes_per_sample: float) -> float:
    """Retained TSDB size: ``series * 86400 / interval * retention_days * bytes_per_sample / 1e9``.

    >>> round(tsdb_gb(10_000, 30, 30, 1.5), 3)
    1.296
    """
    return (check_non_negative("series", series) * 86_400.0 / check_positive("scrape_interval_s", scrape_interval_s)
            * check_non_negative("retention_days", retention_days)
            * check_positive("bytes_per_sample", bytes_per_sample) / 1e9)


def log_gb_per_day(events_per_day: float, bytes_per_event: float, pods: int, fixed_gb_per_pod_day: float) -> float:
    """``events_per_day * bytes_per_event / 1e9 + pods * fixed_gb_per_pod_day``.

    >>> log_gb_per_day(10_000_000, 40, 30, 0.05)
    1.9
    """
    events = check_non_negative("events_per_day", events_per_day)
    per_event = check_non_negative("bytes_per_event", bytes_per_event)
    return events * per_event / 1e9 + check_non_negative("pods", pods) * check_non_negative(
        "fixed_gb_per_pod_day", fixed_gb_per_pod_day)


def log_cost_usd_per_month(gb_per_day: float, ingest_usd_per_gb: float, storage_usd_per_gb_month: float,
                           retention_days: float) -> float:
    """Ingestion of a month's logs plus the storage of the retained window.

    ``gb_per_day * 30.42 * ingest + gb_per_day * retention_days * storage``.

    >>> round(log_cost_usd_per_month(10, 0.5, 0.03, 14), 2)
    156.28
    """
    g = check_non_negative("gb_per_day", gb_per_day)
    return (g * DAYS_PER_MONTH * check_non_negative("ingest_usd_per_gb", ingest_usd_per_gb)
            + g * check_non_negative("retention_days", retention_days)
            * check_non_negative("storage_usd_per_gb_month", storage_usd_per_gb_month))


def audit_cost_usd_per_month(data_events_per_month: float, usd_per_100k_events: float, bytes_per_event: float,
                             retention_days: float, hot_days: float, hot_usd_per_gb_month: float,
                             cold_usd_per_gb_month: float) -> float:
    """Audit trail cost at steady state: recording the events plus storing ``retention_days`` of them,
    the newest ``hot_days`` in a hot class and the rest in a cold class.

    Raises:
        PlaybookError: ``hot_days`` longer than ``retention_days``.

    >>> round(audit_cost_usd_per_month(1e7, 0.10, 1000, 400, 30, 0.023, 0.004), 2)
    10.71
    """
    n = check_non_negative("data_events_per_month", data_events_per_month)
    r = check_non_negative("retention_days", retention_days)
    h = check_non_negative("hot_days", hot_days)
    if h > r:
        raise PlaybookError(f"hot_days must be <= retention_days; got {h} > {r}")
    gb_per_day = n / DAYS_PER_MONTH * check_positive("bytes_per_event", bytes_per_event) / 1e9
    return (n / 1e5 * check_non_negative("usd_per_100k_events", usd_per_100k_events)
            + gb_per_day * h * hot_usd_per_gb_month + gb_per_day * (r - h) * cold_usd_per_gb_month)


@dataclass(frozen=True)
class MetricsBudget:
    """Metric volume and storage cost of one fleet (:func:`metrics_budget`)."""

    series: float
    tenant_series: float
    samples_per_month: float
    tsdb_gb: float
    self_hosted_usd_per_month: float   # TSDB on gp3, two replicas
    managed_usd_per_month: float       # managed Prometheus, per 10 M samples


def metrics_budget(pods: int, nodes: int, tenants: int, regions: int, policy: Mapping[str, Any],
                   ebs_usd_per_gb_month: float, managed_usd_per_10m_samples: float) -> MetricsBudget:
    """Series (:func:`active_series`), samples, retained TSDB and the two storage options' monthly cost.

    ``policy``: the ``observability`` section of ``data/platform.yml``.
    """
    ob = policy
    series = active_series(pods, nodes, tenants, regions, ob["series_per_pod"], ob["series_per_node"],
                           ob["per_tenant_series"])
    samples = samples_per_month(series, ob["scrape_interval_s"])
    tsdb = tsdb_gb(series, ob["scrape_interval_s"], ob["metrics_retention_days"], ob["bytes_per_sample"])
    return MetricsBudget(series, tenants * regions * ob["per_tenant_series"], samples, tsdb,
                         tsdb * 2 * ebs_usd_per_gb_month, samples / 1e7 * managed_usd_per_10m_samples)


@dataclass(frozen=True)
class LogBudget:
    """Application-log volume and the two log stores' monthly cost (:func:`log_budget`)."""

    info_gb_per_day: float
    debug_gb_per_day: float
    loki_usd_per_month: float        # Loki on S3: storage only
    cloudwatch_usd_per_month: float  # CloudWatch Logs: ingestion plus storage


def log_budget(events_per_day: float, pods: int, policy: Mapping[str, Any], s3_usd_per_gb_month: float,
               cloudwatch_ingest_usd_per_gb: float, cloudwatch_usd_per_gb_month: float) -> LogBudget:
    """Daily volume at info and debug level (:func:`log_gb_per_day`) and each store's cost at info level."""
    ob = policy
    info = log_gb_per_day(events_per_day, ob["log_bytes_per_event_info"], pods, ob["log_fixed_gb_per_pod_day"])
    debug = log_gb_per_day(events_per_day, ob["log_bytes_per_event_debug"], pods, ob["log_fixed_gb_per_pod_day"])
    return LogBudget(info, debug,
                     log_cost_usd_per_month(info, 0.0, s3_usd_per_gb_month, ob["log_retention_days"]),
                     log_cost_usd_per_month(info, cloudwatch_ingest_usd_per_gb, cloudwatch_usd_per_gb_month,
                                            ob["log_retention_days"]))


def debug_log_extra_gb_per_day(usage: pd.DataFrame, policy: Mapping[str, Any], region: str, start: pd.Timestamp,
                               end: pd.Timestamp, multiple: float = 1.0) -> pd.Series:
    """The debug level's extra application logs a day (GB), over every day of ``usage``:
    ``region's events x (debug - info bytes per event) / 1e9`` on days from ``start``'s day to before ``end``
    (an incident's debug logging), 0 on other days; events scaled by ``multiple``.

    >>> days = pd.date_range("2026-03-01", periods=3, freq="D", tz="UTC")
    >>> usage = pd.DataFrame({"date": days, "region": "us-east-1", "events": 1e9})
    >>> policy = {"log_bytes_per_event_debug": 300.0, "log_bytes_per_event_info": 100.0}
    >>> debug_log_extra_gb_per_day(usage, policy, "us-east-1", days[1], days[2]).tolist()
    [0.0, 200.0, 0.0]
    """
    days = pd.Index(usage["date"].unique()).sort_values()
    regional = usage.loc[usage["region"] == region].groupby("date")["events"].sum().reindex(days, fill_value=0)
    window = (days >= start.floor("D")) & (days < end)
    per_event_gb = (policy["log_bytes_per_event_debug"] - policy["log_bytes_per_event_info"]) / 1e9
    return (regional * multiple * per_event_gb).where(window, 0.0)


def debug_log_gb_per_day(usage: pd.DataFrame, policy: Mapping[str, Any], region: str, start: pd.Timestamp,
                         end: pd.Timestamp, multiple: float = 1.0) -> pd.Series:
    """Application logs a day (GB): all events at info level, plus ``region``'s debug extra
    (:func:`debug_log_extra_gb_per_day`) on days from ``start``'s day to before ``end``."""
    daily = usage.groupby("date")["events"].sum() * multiple
    extra = debug_log_extra_gb_per_day(usage, policy, region, start, end, multiple)
    return daily * policy["log_bytes_per_event_info"] / 1e9 + extra.reindex(daily.index, fill_value=0.0)


#: The bill's ``app`` tags of the telemetry lines (``dfp.generate.billing``), and what each one is.
TELEMETRY_APPS: dict[str, str] = {"observability": "metrics and alarms", "log-pipeline": "logs",
                                  "audit-trail": "audit trail"}


def billed_telemetry(billing: pd.DataFrame, month: str) -> pd.DataFrame:
    """The telemetry lines of a FOCUS bill in ``month`` (``YYYY-MM``): usage rows whose ``app`` tag is one of
    :data:`TELEMETRY_APPS`, summed per part (``metrics and alarms``, ``logs``, ``audit trail``) and charge.
    Columns: ``part``, ``charge``, ``quantity``, ``unit``, ``cost_usd`` (effective cost).

    Raises:
        PlaybookError: no telemetry line in the month.
    """
    start = billing["ChargePeriodStart"].dt.tz_localize(None).dt.to_period("M")
    b = billing.loc[(start == pd.Period(month, "M")) & (billing["ChargeCategory"] == "Usage")]
    app = parse_tags(b["Tags"])["app"]
    t = b.loc[app.isin(list(TELEMETRY_APPS)).to_numpy()]
    if t.empty:
        raise PlaybookError(f"billed_telemetry: no usage line tagged app in {list(TELEMETRY_APPS)} in {month}")
    part = parse_tags(t["Tags"])["app"].map(TELEMETRY_APPS).to_numpy()
    return (t.assign(part=part).groupby(["part", "ChargeDescription", "ConsumedUnit"], as_index=False)
            [["ConsumedQuantity", "EffectiveCost"]].sum()
            .rename(columns={"ChargeDescription": "charge", "ConsumedUnit": "unit", "ConsumedQuantity": "quantity",
                             "EffectiveCost": "cost_usd"})[["part", "charge", "quantity", "unit", "cost_usd"]])


def telemetry_split(billed: pd.DataFrame, modelled_usd: Mapping[str, float]) -> pd.DataFrame:
    """Per telemetry part: what the bill charged (:func:`billed_telemetry`), what the volume model explains
    (``modelled_usd`` by part, USD/month) and the rest (``unexplained_usd = billed - modelled``), with a total row.

    >>> b = pd.DataFrame({"part": ["logs", "logs"], "cost_usd": [10.0, 5.0]})
    >>> float(telemetry_split(b, {"logs": 4.0}).loc["logs", "unexplained_usd"])
    11.0
    """
    billed_by = billed.groupby("part")["cost_usd"].sum()
    parts = list(dict.fromkeys([*billed_by.index, *modelled_usd]))
    out = pd.DataFrame({"billed_usd": billed_by.reindex(parts).fillna(0.0),
                        "modelled_usd": pd.Series(dict(modelled_usd), dtype=float).reindex(parts).fillna(0.0)})
    out["unexplained_usd"] = out["billed_usd"] - out["modelled_usd"]
    out.loc["total"] = out.sum()
    return out
