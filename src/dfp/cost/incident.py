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
from dfp.cost.economics import usage_cost
from dfp.io.focus import parse_tags
from dfp.io.system import Incident

__all__ = ["LOG_PIPELINE_APPS", "IncidentCost", "incident_cost"]

#: The ``app`` tags of the log pipeline's bill lines (dfp.generate.billing).
LOG_PIPELINE_APPS: tuple[str, ...] = ("log-pipeline",)


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
