"""Observability on a small budget: metric cardinality, TSDB size, log volume and their monthly cost.

===========================  ================================================================
``active_series``             series from pods, nodes and per-tenant SLI labels
``samples_per_month``         samples a month at a scrape interval (730 h month)
``tsdb_gb``                   on-disk size of the retained samples
``log_gb_per_day``            log volume from the event rate, bytes per event and pod overhead
``log_cost_usd_per_month``    ingestion plus retained storage of a log volume
``audit_cost_usd_per_month``  CloudTrail data events plus their storage, hot then cold
===========================  ================================================================

Volumes are computed from the traffic data; prices come from external_facts.yml (illustrative).
"""

from __future__ import annotations

from dfp.core.checks import check_non_negative, check_positive
from dfp.core.errors import PlaybookError
from dfp.core.units import DAYS_PER_MONTH, HOURS_PER_MONTH

__all__ = [
    "active_series",
    "audit_cost_usd_per_month",
    "log_cost_usd_per_month",
    "log_gb_per_day",
    "samples_per_month",
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
