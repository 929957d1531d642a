"""Availability of a system composed from the availabilities of its parts.

=============================  ===============================================================
``serial``                      all parts needed: the product of their availabilities
``parallel``                    any one of n independent replicas suffices: 1 - prod(1 - a_i)
``k_of_n``                      at least k of n identical independent replicas needed
``compose``                     evaluate a nested block spec (serial / parallel / k_of_n / leaf)
``downtime_min_per_month``      expected minutes of unavailability in the 30-day budget month
``nines``                       -log10(1 - availability): 0.999 -> 3.0
``required_part_availability``  the availability each of n serial parts needs to reach a target
``outage_availability``         request-weighted availability of a period with one outage in it
``traffic_in_window``           requests (events) the traffic record shows inside a time window
``outage_credit``               an outage in the traffic record: requests hit, the period's availability, SLA credit
=============================  ===============================================================

An outage is weighed by the requests it hit, not by its minutes (the SLOs count requests): the same
hour costs about three times as much at the 17:00 UTC peak as at the 08:00 trough.

Availabilities are fractions in [0, 1]. Every rule assumes independent failures, which is the
optimistic bound: correlated failures (a region, a bad deploy to every replica) are why the playbook
adds regional isolation and progressive delivery rather than trusting the arithmetic alone.

A block spec for :func:`compose` is a leaf name (a key of ``leaves``) or a one-key mapping:
``{"serial": [spec, ...]}``, ``{"parallel": [spec, ...]}`` or
``{"k_of_n": {"k": 2, "n": 3, "of": spec}}`` (n identical copies of ``of``).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from dfp.core.checks import check_fraction, check_int_range, check_non_negative, check_positive
from dfp.core.errors import PlaybookError
from dfp.core.units import SLO_MONTH_DAYS, SLO_MONTH_MIN
from dfp.reliability.slo import availability, sla_credit_ratio

__all__ = [
    "OutageCredit",
    "compose",
    "downtime_min_per_month",
    "k_of_n",
    "nines",
    "outage_availability",
    "outage_credit",
    "parallel",
    "required_part_availability",
    "serial",
    "traffic_in_window",
]


def _fractions(name: str, availabilities: Iterable[float]) -> list[float]:
    vals = [check_fraction(f"{name}[{i}]", a, closed=True) for i, a in enumerate(availabilities)]
    if not vals:
        raise PlaybookError(f"{name} needs at least one availability; got none")
    return vals


def serial(availabilities: Iterable[float]) -> float:
    """Availability of parts that are all needed (a chain): ``prod(a_i)``.

    Args:
        availabilities: each part's availability, fractions in [0, 1].

    Returns:
        The chain's availability, a fraction; never above the weakest part.

    >>> round(serial([0.999, 0.999]), 6)
    0.998001
    """
    return math.prod(_fractions("serial", availabilities))


def parallel(availabilities: Iterable[float]) -> float:
    """Availability of independent redundant parts, any one of which suffices: ``1 - prod(1 - a_i)``.

    Args:
        availabilities: each replica's availability, fractions in [0, 1].

    Returns:
        The redundant group's availability, a fraction; never below the best part.

    >>> round(parallel([0.99, 0.99]), 6)
    0.9999
    """
    return 1.0 - math.prod(1.0 - a for a in _fractions("parallel", availabilities))


def k_of_n(k: int, n: int, availability: float) -> float:
    """Availability of a group of n identical independent replicas that needs at least k up.

    ``sum_{i=k..n} C(n, i) a^i (1 - a)^(n - i)`` (binomial tail). ``k = n`` is :func:`serial`,
    ``k = 1`` is :func:`parallel`.

    Args:
        k: replicas needed, 1 <= k <= n.
        n: replicas deployed, >= 1.
        availability: one replica's availability, fraction in [0, 1].

    >>> round(k_of_n(2, 3, 0.99), 6)   # 3 a^2 (1 - a) + a^3
    0.999702
    """
    n = check_int_range("n", n, 1, 10_000)
    k = check_int_range("k", k, 1, n)
    a = check_fraction("availability", availability, closed=True)
    return float(sum(math.comb(n, i) * a**i * (1.0 - a) ** (n - i) for i in range(k, n + 1)))


def compose(spec: Any, leaves: Mapping[str, float]) -> float:
    """Evaluate a nested block spec (see the module docstring) against leaf availabilities.

    Args:
        spec: a leaf name, or ``{"serial": [...]}``, ``{"parallel": [...]}``,
            ``{"k_of_n": {"k": k, "n": n, "of": spec}}``.
        leaves: availability of each named leaf, fractions in [0, 1].

    Raises:
        PlaybookError: an unknown leaf, an unknown block kind, or a malformed block.

    >>> round(compose({"serial": ["api", {"parallel": ["az1", "az2"]}]},
    ...               {"api": 0.9995, "az1": 0.99, "az2": 0.99}), 6)
    0.9994
    """
    if isinstance(spec, str):
        if spec not in leaves:
            raise PlaybookError(f"compose: unknown component {spec!r}; known: {sorted(leaves)}")
        return check_fraction(spec, leaves[spec], closed=True)
    if not isinstance(spec, Mapping) or len(spec) != 1:
        raise PlaybookError(f"compose: a block must be a name or a one-key mapping; got {spec!r}")
    kind, body = next(iter(spec.items()))
    if kind in ("serial", "parallel"):
        if not isinstance(body, list | tuple) or not body:
            raise PlaybookError(f"compose: {kind} needs a non-empty list of blocks; got {body!r}")
        vals = [compose(b, leaves) for b in body]
        return serial(vals) if kind == "serial" else parallel(vals)
    if kind == "k_of_n":
        if not isinstance(body, Mapping) or not {"k", "n", "of"} <= set(body):
            raise PlaybookError(f"compose: k_of_n needs keys k, n, of; got {body!r}")
        return k_of_n(body["k"], body["n"], compose(body["of"], leaves))
    raise PlaybookError(f"compose: unknown block kind {kind!r}; allowed: serial, parallel, k_of_n")


def downtime_min_per_month(availability: float) -> float:
    """Expected minutes of unavailability in the budget month: ``(1 - a) * 30 * 1440``.

    The month is :data:`dfp.core.units.SLO_MONTH_DAYS` (the SLOs' and the SLA's rolling 30 days), so
    the figure equals the error budget :func:`dfp.reliability.slo.allowed_downtime_min` gives for the
    same target over 30 days.

    >>> round(downtime_min_per_month(0.9995), 1)
    21.6
    """
    a = check_fraction("availability", availability, closed=True)
    return (1.0 - a) * SLO_MONTH_MIN


def nines(availability: float) -> float:
    """Number of nines: ``-log10(1 - a)``; 0.999 -> 3.0 (``inf`` for a = 1).

    >>> round(nines(0.9995), 2)
    3.3
    """
    a = check_fraction("availability", availability, closed=True)
    return math.inf if a == 1.0 else -math.log10(1.0 - a)


def required_part_availability(target: float, parts: int) -> float:
    """Availability each of ``parts`` equal serial parts needs for the chain to meet ``target``.

    ``target ** (1 / parts)``.

    >>> round(required_part_availability(0.9995, 5), 6)
    0.9999
    """
    t = check_fraction("target", target)
    p = check_int_range("parts", parts, 1, 10_000)
    return t ** (1.0 / p)


def outage_availability(requests_hit: float, requests_in_period: float) -> float:
    """Request-weighted availability of a period whose only failures are one outage's requests.

    ``1 - requests_hit / requests_in_period``: the SLO's good/valid ratio when every request the
    outage hit failed. An hour at the peak hits more requests than an hour at the trough, so it
    costs more availability (and more SLA credit); minutes alone would price them the same.

    Args:
        requests_hit: requests (or events) that arrived during the outage, >= 0.
        requests_in_period: all requests of the period (the SLA's rolling 30 days), > 0.

    Returns:
        Availability, a fraction in [0, 1].

    Raises:
        PlaybookError: a negative count, an empty period, or more requests hit than the period holds.

    >>> outage_availability(500.0, 1_000_000.0)
    0.9995
    """
    hit = check_non_negative("requests_hit", requests_hit)
    total = check_positive("requests_in_period", requests_in_period)
    if hit > total:
        raise PlaybookError(f"outage_availability: requests_hit ({hit:g}) exceeds requests_in_period ({total:g})")
    return availability(total - hit, total)  # the SLO's good / valid ratio, one home


def traffic_in_window(traffic_hourly: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp,
                      regions: Iterable[str] | None = None) -> float:
    """Events the hourly traffic record shows in ``[start, end)``, partial hours pro rata.

    ``sum over hours h of events_h * overlap(h, [start, end)) / 1 h`` (vectorised over the hours).

    Args:
        traffic_hourly: the ``traffic_hourly`` dataset (columns ``hour`` (UTC), ``region``, ``events``).
        start, end: the window (UTC timestamps), ``start <= end``.
        regions: only these regions (default: all).

    >>> t = pd.DataFrame({"hour": pd.to_datetime(["2025-01-01 00:00", "2025-01-01 01:00"], utc=True),
    ...                   "region": ["us-east-1", "us-east-1"], "events": [600, 1200]})
    >>> traffic_in_window(t, pd.Timestamp("2025-01-01 00:30", tz="UTC"), pd.Timestamp("2025-01-01 01:30", tz="UTC"))
    900.0
    """
    if end < start:
        raise PlaybookError(f"traffic_in_window: end {end} is before start {start}")
    t = traffic_hourly if regions is None else traffic_hourly.loc[traffic_hourly["region"].isin(list(regions))]
    h0 = t["hour"]
    h1 = h0 + pd.Timedelta(hours=1)
    lo = h0.where(h0 > start, start)
    hi = h1.where(h1 < end, end)
    overlap_h = ((hi - lo) / pd.Timedelta(hours=1)).clip(lower=0.0)
    return float((t["events"].astype(float) * overlap_h).sum())


@dataclass(frozen=True)
class OutageCredit:
    """One full outage priced by the requests it hit (:func:`outage_credit`).

    Attributes:
        requests_hit: requests (events) that arrived during the outage in its regions.
        requests_in_period: the regions' requests over the SLA period ending at the outage's end.
        availability: ``outage_availability(requests_hit, requests_in_period)`` (fraction).
        credit_ratio: the SLA credit owed, a fraction of the month's invoice.
        credit_usd: ``credit_ratio x mrr_usd``.
    """

    requests_hit: float
    requests_in_period: float
    availability: float
    credit_ratio: float
    credit_usd: float


def outage_credit(traffic_hourly: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp, regions: Iterable[str],
                  mrr_usd: float, tiers: Sequence[Mapping[str, float]],
                  period_days: float = SLO_MONTH_DAYS) -> OutageCredit:
    """A full outage of ``regions`` over ``[start, end)`` weighted by the traffic it hit (``traffic_hourly``).

    The period is the SLA's rolling window ending at ``end``; the credit is
    :func:`dfp.reliability.slo.sla_credit_ratio` of the resulting availability. The same outage at the
    peak hour hits more requests than at the trough, so it never costs less.

    Args:
        traffic_hourly: the ``traffic_hourly`` dataset.
        start, end: the outage (UTC).
        regions: the regions it took down.
        mrr_usd: the affected customers' monthly invoice (USD/month).
        tiers: the SLA credit schedule (``system.yml`` ``pricing.sla_credit``).
        period_days: the SLA window (days; default the 30-day budget month).

    Raises:
        PlaybookError: no traffic in the period (availability undefined), or a bad window.
    """
    regs = list(regions)
    hit = traffic_in_window(traffic_hourly, start, end, regs)
    total = traffic_in_window(traffic_hourly, end - pd.Timedelta(days=float(period_days)), end, regs)
    if total <= 0:
        raise PlaybookError(f"outage_credit: no traffic in {regs} in the {period_days:g} days to {end}")
    a = outage_availability(min(hit, total), total)
    ratio = sla_credit_ratio(a, tiers)
    return OutageCredit(hit, total, a, ratio, ratio * check_non_negative("mrr_usd", mrr_usd))
