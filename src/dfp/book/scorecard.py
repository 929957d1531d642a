"""Hold the book's computed values against the owner's targets.

===========================  ======================================================================
``scorecard``                 targets (optionally some categories) with given measured values and verdicts
``Measure``                   how the book measures one target: owning page, window, function, or why not
``MEASURES``                  target id -> :class:`Measure`, one entry for every target in system.yml
``BookInputs``                the data the measures read, loaded once and shared (lazy)
``page_parameters``           a notebook's default assumptions, from the parameter registry
``measure_all``               ``{target_id: value}`` for every measured target, at the story's last month
``measure_book``              the same, but a target whose data does not reach the month is set aside with why
``format_value``              a value in its target's unit, for a table (fractions as %, money, minutes)
``window_text``               a measure's window, filled in for the as-of month
``last_full_quarter``         the last calendar quarter complete by the as-of month
``target_text``               a target as table text in the same format (``> 60 %``, ``< 100.0 USD per million events``)
``shown_unit``                the unit a reader sees for a target (unit cost per million events, fractions as %)
``book_scorecard``            every target with value, verdict (met / missed / not measured), page
``verdict_counts``            how many targets are measured, met, missed and not measured
``verdicts_by_category``      the same counts per target category
===========================  ======================================================================

The rule for :data:`MEASURES`: a value comes from the package function the owning page calls, with
the page's own default parameters (read from its ``parameters`` cell, never retyped), taken at the
story's last month (2026-10) or over the window the page holds against the target (the ``window``
column says which). A target nothing in the book measures has no function and a one-line reason.
"""

from __future__ import annotations

import functools
import json
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from dfp.book import story
from dfp.book.cells import page_title
from dfp.book.numbers import usd_per_million
from dfp.book.params import page_defaults, setup
from dfp.business import customers as business
from dfp.business import growth
from dfp.capacity import recovery
from dfp.capacity import sizing as capacity
from dfp.core.errors import PlaybookError
from dfp.core.paths import data_dir
from dfp.core.units import DAYS_PER_MONTH
from dfp.cost import attribution as cost_attribution
from dfp.cost import economics as cost
from dfp.cost import projection
from dfp.delivery import dora as delivery
from dfp.generate import sli as simulation
from dfp.io import policies
from dfp.io.cache import content_key, fetch_json, store_json
from dfp.io.data import load
from dfp.io.external import fact
from dfp.io.focus import load_billing
from dfp.io.openslo import load_slos
from dfp.io.system import System, load_system
from dfp.reliability import alerting, incidents, operations, sli, slo
from dfp.security import posture as security

__all__ = [
    "MEASURES",
    "BookInputs",
    "Measure",
    "book_scorecard",
    "format_value",
    "last_full_quarter",
    "measure_all",
    "measure_book",
    "missed_categories",
    "missed_list",
    "page_parameters",
    "scorecard",
    "shown_unit",
    "target_text",
    "verdict_counts",
    "verdicts_by_category",
    "window_text",
]


def scorecard(system: System, measured: Mapping[str, float], categories: tuple[str, ...] | None = None) -> pd.DataFrame:
    """Targets (optionally only some categories) with measured values and verdicts.

    Args:
        measured: ``{target_id: value}`` in each target's unit.
        categories: keep only these target categories.

    Returns:
        Columns ``id, category, metric, target, measured, met`` (``met`` is None when unmeasured).
    """
    ids = {t.id for t in system.targets}
    unknown = sorted(set(measured) - ids)
    if unknown:
        raise PlaybookError(f"scorecard: measured values for unknown targets {unknown}")
    rows = []
    for t in system.targets:
        if categories is not None and t.category not in categories:
            continue
        value = measured.get(t.id)
        rows.append({
            "id": t.id,
            "category": t.category,
            "metric": t.metric,
            "target": t.label,
            "measured": np.nan if value is None else float(value),
            "met": None if value is None else t.met_by(value),
        })
    return pd.DataFrame(rows)


def page_parameters(page: str) -> dict[str, Any]:
    """A notebook's default parameters (``page`` is a repository path without ``.ipynb``), from the
    parameter registry (:data:`dfp.book.params.PAGE_DEFAULTS`), so the scorecard uses the page's own
    default assumptions. A ``None`` default with a home in ``data/`` is filled from there, as the page's
    own ``setup`` call fills it (the page cost, for instance, lives in ``alert-policies.yaml``).

    Raises if the registry has no such notebook.
    """
    page_defaults(page)  # an unknown page raises here, naming it
    return dict(setup(page).params)


# --- the shared inputs -------------------------------------------------------------------------

class BookInputs:
    """The datasets and section results the measures read, each loaded or computed once on first use.

    ``as_of_month`` is the story month the point-in-time values are read at (default: the last, 23).
    """

    def __init__(self, system: System | None = None, as_of_month: int | None = None) -> None:
        self.system = load_system() if system is None else system
        m = self.system.months - 1 if as_of_month is None else int(as_of_month)
        if not 0 <= m < self.system.months:
            raise PlaybookError(f"BookInputs: as_of_month must be in 0..{self.system.months - 1}; got {as_of_month!r}")
        self.as_of_month = m
        self.month = self.system.month_start(m).tz_localize(None).to_period("M")

    def _load(self, name: str) -> pd.DataFrame:

        return load(name)

    @functools.cached_property
    def usage(self) -> pd.DataFrame:
        return self._load("usage_daily")

    @functools.cached_property
    def revenue(self) -> pd.DataFrame:
        return self._load("revenue_monthly")

    @functools.cached_property
    def customers(self) -> pd.DataFrame:
        return self._load("customers")

    @functools.cached_property
    def summary(self) -> pd.DataFrame:

        return business.monthly_summary(self.usage, self.revenue, self.customers, self.system)

    @functools.cached_property
    def slo_objectives(self) -> dict[str, float]:

        return {s.name: s.slo_target for s in load_slos()}

    @functools.cached_property
    def sli_hourly(self) -> pd.DataFrame:
        return self._load("sli_hourly")

    @functools.cached_property
    def attainment(self) -> pd.DataFrame:

        return sli.monthly_attainment(self.sli_hourly, self.slo_objectives)

    @functools.cached_property
    def latency_hourly(self) -> pd.DataFrame:
        return self._load("sli_latency_hourly")

    @functools.cached_property
    def dora_eras(self) -> pd.DataFrame:

        q = page_parameters(PAGES["dora"])["lead_time_quantile"]
        return delivery.dora_by_period(self._load("deployments"), self._load("commits"), self.system,
                                       by="era", tail_quantile=q)

    @functools.cached_property
    def incident_check(self) -> pd.DataFrame:

        log = incidents.load_event_log(self.system)
        return incidents.targets_check(incidents.incident_times(log), log, self.system)

    @functools.cached_property
    def incident_log(self) -> pd.DataFrame:
        """The incident record (``dfp.reliability.incidents.load_event_log``)."""
        return incidents.load_event_log(self.system)

    @functools.cached_property
    def alerting(self) -> dict[str, float]:
        """The adopted alerting policy's row of :func:`dfp.reliability.alerting.policy_summary` (the page's defaults).

        The backtest replays every SLI minute (seconds of work), so its result is cached through
        :mod:`dfp.io.cache`, keyed on everything it reads: the SLI and traffic data, the SLO specs, the alert
        policies, system.yml, the alerting page's parameters and the package's source.
        """
        p = page_parameters(PAGES["alerting"])
        d = data_dir()
        inputs = [d / f for f in ("sli_hourly.csv.gz", "traffic_hourly.csv.gz", "system.yml",
                                   "reliability/alert-policies.yaml")]
        key = content_key(json.dumps(p, sort_keys=True), *inputs, d / "slos", Path(__file__).parents[1])
        row = fetch_json("scorecard", key)
        if row is None:
            row = alerting_backtest(self.system, p)
            store_json("scorecard", key, row)  # a read-only checkout computes it again next time
        return {k: float(v) for k, v in row.items()}

    @functools.cached_property
    def security_as_of(self) -> pd.Timestamp:
        """The end of the as-of month (the controls page's snapshot instant)."""
        return self.system.month_start(self.as_of_month + 1)

    @functools.cached_property
    def billing(self) -> pd.DataFrame:

        return load_billing()

    @functools.cached_property
    def monthly_cost(self) -> pd.Series:

        return cost.monthly_cost(self.billing)

    @functools.cached_property
    def attribution(self) -> Any:

        return cost_attribution.attribute(self.billing, self.usage)


def alerting_backtest(system: System, p: Mapping[str, Any]) -> dict[str, float]:
    """Replay the SLI history through the adopted policy with :func:`dfp.reliability.alerting.backtest`,
    the alerting page's entry point, with that page's parameters ``p``; the on-call burden includes the
    paged incidents' hours (:func:`dfp.reliability.operations.policy_oncall`, as the page computes it)."""

    engineers = system.team["platform_engineers_min"] if p["team_engineers"] is None else p["team_engineers"]
    adopted = next(pol for pol in alerting.load_policies() if pol.adopted)
    minutes = simulation.load_minutes()
    specs = load_slos()
    weeks = (system.end - minutes.start) / pd.Timedelta(weeks=1)
    incs = [system.incident(i) for i in simulation.INCIDENT_IMPACT]
    result = alerting.backtest(adopted, lambda: sli.iter_sli_series(minutes, specs), incs, weeks, engineers,
                               p["page_handling_min"], p["ticket_handling_min"], p["significant_budget_share"])
    row = result.summary.loc[adopted.id]
    _, burden = operations.policy_oncall(result.notifications, adopted.id, incidents.load_event_log(system),
                                         minutes.start, system.end, int(engineers), p["page_handling_min"],
                                         p["ticket_handling_min"], p["incident_responders"],
                                         system.target("oncall_h_per_engineer_week").value)
    out = {k: float(row[k]) for k in ("false_page_ratio", "pages", "false_pages")}
    out["oncall_h_per_engineer_week"] = burden.mean_h_per_engineer_week
    out["alerts_only_h_per_engineer_week"] = burden.alerts_only_h_per_engineer_week
    out["worst_week_h_per_engineer"] = burden.worst_week_h_per_engineer
    return out


PAGES = {
    "success": "notebooks/00-context/success-metrics",
    "slis": "notebooks/05-reliability/slis-and-slos",
    "incidents": "notebooks/05-reliability/incident-review",
    "alerting": "notebooks/05-reliability/alerting",
    "dora": "notebooks/04-delivery/dora-metrics",
    "controls": "notebooks/06-security/controls-measured",
    "recovery": "notebooks/02-infrastructure/store-recovery",
    "kubernetes": "notebooks/03-platform/kubernetes-capacity",
    "unit": "notebooks/07-cost/unit-economics",
    "money": "notebooks/07-cost/where-the-money-goes",
    "attribution": "notebooks/07-cost/customer-attribution",
    "stream": "notebooks/02-infrastructure/stream-capacity",
}


# --- the measures ------------------------------------------------------------------------------

@dataclass(frozen=True)
class Measure:
    """How the book measures one target.

    ``page`` is the notebook (repository path without suffix) whose function computes the value,
    ``window`` what the value covers, ``compute`` the function (``None``: not measured) and
    ``reason`` why nothing measures it (required when ``compute`` is None).
    """

    page: str | None
    window: str
    compute: Callable[[BookInputs], float] | None = None
    reason: str = ""


def _month_row(b: BookInputs) -> pd.Series:
    return b.summary.set_index("month").loc[b.month]


def sli_month(b: BookInputs, slo_name: str) -> float:
    """The worst region's good/total ratio of one SLO in the as-of month (sli.monthly_attainment)."""
    a = b.attainment.xs(slo_name, level="slo")
    a = a.loc[a.index.get_level_values("month") == b.month, "ratio"]
    if a.empty:
        raise PlaybookError(f"scorecard: no {slo_name} SLI data in {b.month}")
    return float(a.min())


def _latency_quantile(b: BookInputs, q: float) -> float:
    """The as-of month's processing-latency quantile (ms) of the worst region, from the SLI buckets."""

    lat = b.latency_hourly
    lat = lat.loc[lat["hour"].dt.tz_localize(None).dt.to_period("M") == b.month]
    sums = lat.groupby("region")[["total", "le_100ms", "le_300ms", "le_500ms"]].sum()
    if sums.empty:
        raise PlaybookError(f"scorecard: no processing-latency SLI data in {b.month}")
    return max(sli.latency_quantile_ms(row, q) for _, row in sums.iterrows())


def _api_availability_30d(b: BookInputs) -> float:
    """API availability over the SLA's rolling window ending at the as-of month's end (worst region)."""

    spec = next(s for s in load_slos() if s.name == "api-availability")
    end = b.system.month_start(b.as_of_month + 1)
    h = b.sli_hourly
    h = h.loc[(h["slo"] == spec.name) & (h["hour"] >= end - pd.Timedelta(days=spec.period_days)) & (h["hour"] < end)]
    by_region = h.groupby("region")[["good", "total"]].sum()
    if by_region.empty:
        raise PlaybookError(f"scorecard: no API SLI data in the {spec.period_days:g} days to {end:%Y-%m-%d}")
    return min(slo.availability(float(r["good"]), float(r["total"])) for _, r in by_region.iterrows())


def _dora_scale(col: str) -> Callable[[BookInputs], float]:
    def f(b: BookInputs) -> float:
        return float(b.dora_eras.loc[b.system.era_of(b.system.month_start(b.as_of_month)).name, col])
    return f


def _incident(tid: str) -> Callable[[BookInputs], float]:
    def f(b: BookInputs) -> float:
        return float(b.incident_check.loc[tid, "measured"])
    return f


def _mttd_critical(b: BookInputs) -> float:
    """MTTD over the critical incidents, detection as the incident record tells it (operations.mean_time_to_detect)."""
    return operations.mean_time_to_detect(b.incident_log, "critical").minutes


def _mttr_resolve_critical(b: BookInputs) -> float:
    """Mean time to *resolve* the critical incidents, the quantity the target names (impact start -> resolved)."""
    return operations.mean_time_to_resolve(b.incident_log, "critical").minutes


def _critical_patch_h(b: BookInputs) -> float:
    """Slowest fix (h) of the critical findings found in the current era and decided by the snapshot."""

    policy = security.load_policy(b.system)
    findings = b._load("vuln_findings")
    findings = findings.loc[findings["found_at"] < b.security_as_of]
    findings = findings.assign(fixed_at=findings["fixed_at"].where(findings["fixed_at"] < b.security_as_of))
    rem = security.remediation(findings, policy, b.security_as_of)
    era_start = b.system.era_of(b.system.month_start(b.as_of_month)).start
    crit = rem.loc[(rem["severity"] == "critical") & rem["within_sla"].notna() & (rem["found_at"] >= era_start)]
    return float(crit["fix_h"].max())


def _reviews_on_time(b: BookInputs) -> float:

    return float(security.reviews_on_time(b._load("access_reviews"), b.security_as_of))


def _dsr_days(b: BookInputs) -> float:
    """Slowest data-subject request (days) received since the Full platform era and completed by the snapshot."""

    deadline = float(b.system.constraints["dsr_deadline_days"])
    d = b._load("dsr_requests")
    d = d.loc[d["received_at"] < b.security_as_of]
    d = d.assign(completed_at=d["completed_at"].where(d["completed_at"] < b.security_as_of))
    d = security.dsr_turnaround(d, deadline, b.security_as_of)
    since = d.loc[(d["received_at"] >= b.system.era("full-platform").start) & d["within_deadline"].notna()]
    return float(since["days"].max())


def _audit_retention_days(b: BookInputs) -> float:

    r = security.audit_log_retention(json.loads((data_dir() / "security" / "audit-log-bucket.json").read_text()))
    return float(r.locked_days)  # kept (Object Lock, COMPLIANCE), as the security pages state it


def _mrr_cmgr(b: BookInputs) -> float:

    s = b.summary.set_index("month").loc[: b.month]
    return float(growth.cmgr(s["mrr_usd"].iloc[0], s["mrr_usd"].iloc[-1], len(s) - 1))


def _new_enterprise(b: BookInputs) -> float:

    q = business.new_enterprise_per_quarter(b.customers, b.system)
    q = q.loc[: last_full_quarter(b.system, b.as_of_month)]
    if q.empty:
        raise PlaybookError(f"scorecard: no enterprise sign-up quarter up to {b.month}")
    return float(q.iloc[-1])


def _churn_12m(b: BookInputs) -> float:
    s = b.summary.set_index("month").loc[: b.month]
    return float(s["churn_ratio"].tail(12).mean())


def _usd_per_event(b: BookInputs) -> float:

    return float(story.usd_per_event_by_month(b.monthly_cost, b.usage).loc[b.month])


def _cost_at_reference(b: BookInputs) -> float:
    """Monthly cost at 10 M events/day from the unit-economics page's fitted cost model (Scale-era months)."""

    ref = b.system.target("events_per_day_avg").value
    scale_first = b.system.era("scale").first_month
    first = scale_first if b.as_of_month - scale_first >= 2 else 0
    sel = b.monthly_cost.index[first: max(b.as_of_month, 2) + 1]
    model = projection.fit_cost_model(cost.events_per_billing_month(b.usage).loc[sel].to_numpy(),
                                      b.monthly_cost.loc[sel].to_numpy())
    return float(model.cost(ref * DAYS_PER_MONTH))


def _enterprise_cost_max(b: BookInputs) -> float:
    """The highest attributed monthly cost of any active enterprise customer in the as-of month."""

    cap = b.system.target("cost_usd_per_enterprise_customer").value
    month = max(b.month, b.attribution.customer_month["month"].min())
    econ = cost_attribution.customer_economics(b.attribution, b.revenue, b.customers, month, cap)
    ent = econ.loc[(econ["revenue_usd"] > 0) & (econ["tier"] == "enterprise")]
    return float(ent["cost_usd"].max())


def _attributed_ratio(b: BookInputs) -> float:
    return float(b.attribution.monthly.loc[b.month, "attributed_ratio"])


def _recovery(col: str) -> Callable[[BookInputs], float]:
    def f(b: BookInputs) -> float:
        """The worst RPO/RTO over every store and survivable scenario (the store-recovery page's table)."""

        p = page_parameters(PAGES["recovery"])
        pol = policies.load_policies()
        stores = pol["recovery"]["stores"]
        u = b.usage
        last = u.loc[(u["region"] == p["region"]) & (u["date"] >= b.system.month_start(b.as_of_month))
                     & (u["date"] < b.system.month_start(b.as_of_month + 1))]
        if last.empty:
            raise PlaybookError(f"the store-recovery page's region {p['region']} carried no events in "
                                f"{b.system.month_start(b.as_of_month):%Y-%m}")
        events_per_day = float(last.groupby("date")["events"].sum().mean())
        sizes = recovery.store_sizes_gb(events_per_day, b.system.sample["mean_event_bytes"], p["retention_months"],
                                        stores, pol["stream"]["retention_h"])
        t = recovery.recovery_table(stores, sizes, b.system.target("rpo_min").value, b.system.target("rto_min").value)
        return float(t.loc[t["scenario"] != "region_loss", col].max())
    return f


def _durability_nines(b: BookInputs) -> float:

    # 1 - 0.99999999999 is not exact in binary floating point (-log10 gives 10.99999996...): round
    # away the representation error, not the design value.
    return round(float(recovery.durability_nines(fact("quotas.s3_designed_durability").value)), 6)


def _cpu_utilisation(b: BookInputs) -> float:
    """CPU the production workloads used over the vCPUs of the production nodes billed in the as-of month
    (:func:`dfp.capacity.sizing.production_cpu_utilisation`, the kubernetes-capacity page's figure)."""
    kube = policies.load_policies()["kubernetes"]
    month = b.system.month_start(b.as_of_month).strftime("%Y-%m")
    return capacity.production_cpu_utilisation(kube, b._load("traffic_hourly"), load_billing(), month)


_S = PAGES
_MONTH = "{month}"
MEASURES: dict[str, Measure] = {
    "events_per_day_avg": Measure(_S["success"], _MONTH, lambda b: float(_month_row(b)["events_per_day_avg"])),
    "events_per_day_peak_capacity": Measure(_S["stream"], "design", None,
                                            "the stream is sized in events per second at the peak hour plus one "
                                            "tenant's burst, not as a daily capacity"),
    "latency_p50_ms": Measure(_S["slis"], _MONTH + ", worst region", lambda b: _latency_quantile(b, 0.50)),
    "latency_p95_ms": Measure(_S["slis"], _MONTH + ", worst region", lambda b: _latency_quantile(b, 0.95)),
    "latency_p99_ms": Measure(_S["slis"], _MONTH + ", worst region", lambda b: _latency_quantile(b, 0.99)),
    "processing_error_ratio": Measure(_S["slis"], _MONTH + ", worst region",
                                      lambda b: 1.0 - sli_month(b, "processing-success")),
    "delivery_success_ratio": Measure(_S["slis"], _MONTH + ", worst region",
                                      lambda b: sli_month(b, "delivery-success")),
    "delivery_freshness_s": Measure(_S["slis"], _MONTH, None,
                                    "the delivery-freshness SLI counts deliveries within 2 s (a share, held to 99 %); "
                                    "the target names no percentile, so no time is computed"),
    "delivery_retry_success_ratio": Measure(None, "", None,
                                            "the delivery data records outcomes, not retry attempts, so the share "
                                            "of failures that succeed on retry is not in the sample data"),
    "api_availability": Measure(_S["slis"], "rolling 30 days to {month_end}, worst region", _api_availability_30d),
    "api_availability_slo": Measure(_S["slis"], "rolling 30 days to {month_end}, worst region", _api_availability_30d),
    "api_read_p95_ms": Measure(None, "", None, "the SLI data holds the processing latency, not the API read path"),
    "api_read_p99_ms": Measure(None, "", None, "the SLI data holds the processing latency, not the API read path"),
    "api_5xx_ratio": Measure(_S["slis"], _MONTH + ", worst region",
                             lambda b: 1.0 - sli_month(b, "api-availability")),
    "durability_nines": Measure(_S["recovery"], "design (S3 designed durability)", _durability_nines),
    "rpo_min": Measure(_S["recovery"], "design, worst store and survivable scenario", _recovery("rpo_min")),
    "rto_min": Measure(_S["recovery"], "design, worst store and survivable scenario", _recovery("rto_min")),
    "mttd_min": Measure(_S["alerting"], "critical incidents of the whole story, incident record", _mttd_critical),
    "mttr_min": Measure(_S["alerting"], "critical incidents of the whole story, impact start to resolved",
                        _mttr_resolve_critical),
    "critical_incidents_per_quarter": Measure(_S["incidents"], "worst quarter of the whole story",
                                              _incident("critical_incidents_per_quarter")),
    "deploys_per_week": Measure(_S["dora"], "{era} era (to {month})", _dora_scale("deploys_per_week")),
    "lead_time_p95_h": Measure(_S["dora"], "{era} era (to {month})", _dora_scale("lead_time_tail_h")),
    "change_failure_ratio": Measure(_S["dora"], "{era} era (to {month})", _dora_scale("change_failure_ratio")),
    "rollback_min": Measure(_S["dora"], "{era} era (to {month}), p95", _dora_scale("rollback_p95_min")),
    "oncall_h_per_engineer_week": Measure(_S["alerting"], "adopted policy replayed, paged incidents' hours included",
                                          lambda b: float(b.alerting["oncall_h_per_engineer_week"])),
    "critical_false_positive_ratio": Measure(_S["alerting"], "adopted policy, SLI history replayed",
                                             lambda b: float(b.alerting["false_page_ratio"])),
    "critical_vuln_patch_h": Measure(_S["controls"], "critical findings of the {era} era, slowest fix",
                                     _critical_patch_h),
    "access_reviews_on_time_ratio": Measure(_S["controls"], "reviews due by {month_end}", _reviews_on_time),
    "dsr_days": Measure(_S["controls"], "requests since the Full platform era, slowest", _dsr_days),
    "audit_log_retention_days": Measure(_S["controls"], "bucket configuration, Object Lock retention",
                                        _audit_retention_days),
    "cost_usd_per_month_target": Measure(_S["unit"], "fitted cost model at 10 M events/day", _cost_at_reference),
    "cost_usd_per_month_cap": Measure(_S["unit"], "fitted cost model at 10 M events/day", _cost_at_reference),
    "cost_usd_per_event": Measure(_S["money"], _MONTH, _usd_per_event),
    "cost_usd_per_enterprise_customer": Measure(_S["attribution"], _MONTH + ", costliest enterprise customer",
                                                _enterprise_cost_max),
    "cost_attributed_ratio": Measure(_S["attribution"], _MONTH, _attributed_ratio),
    "cpu_utilisation_ratio": Measure(_S["kubernetes"], "production nodes billed in {month}", _cpu_utilisation),
    "storage_waste_ratio": Measure(None, "", None,
                                   "the bill has storage cost, but no usage-versus-provisioned data to call waste"),
    "cross_region_waste_ratio": Measure(None, "", None,
                                        "transfer lines are not labelled necessary or unnecessary in the bill"),
    "mrr_growth_ratio": Measure(_S["success"], "CMGR from {first} to {month}", _mrr_cmgr),
    "new_enterprise_per_quarter": Measure(_S["success"], "{last_full_quarter}, the last full quarter", _new_enterprise),
    "churn_ratio": Measure(_S["success"], "mean of the 12 months to {month}", _churn_12m),
    "time_to_first_event_h": Measure(None, "", None,
                                     "usage is daily and sign-ups carry no time of day, so hours to first event "
                                     "cannot be computed"),
}


def measure_all(inputs: BookInputs | None = None, ids: list[str] | None = None) -> dict[str, float]:
    """``{target_id: value}`` for every target :data:`MEASURES` measures (or only ``ids``)."""
    b = BookInputs() if inputs is None else inputs
    unknown = sorted(set(ids or []) - set(MEASURES))
    if unknown:
        raise PlaybookError(f"measure_all: no measure for {unknown}")
    out: dict[str, float] = {}
    for tid in ids or list(MEASURES):
        m = MEASURES[tid]
        if m.compute is None:
            continue
        v = float(m.compute(b))
        if math.isnan(v):
            raise PlaybookError(f"measure_all: {tid} computed no number (nothing to measure yet) on page {m.page}")
        out[tid] = v
    return out


def measure_book(inputs: BookInputs | None = None) -> tuple[dict[str, float], dict[str, str]]:
    """``(values, unavailable)``: :func:`measure_all`, except that a measure whose data does not cover
    the as-of month (it raises :class:`PlaybookError`, e.g. SLIs before they existed) is set aside in
    ``unavailable`` (target id -> the error) instead of failing the whole scorecard."""
    b = BookInputs() if inputs is None else inputs
    values: dict[str, float] = {}
    unavailable: dict[str, str] = {}
    for tid, m in MEASURES.items():
        if m.compute is None:
            continue
        try:
            values.update(measure_all(b, [tid]))
        except PlaybookError as e:
            unavailable[tid] = f"no value at {b.month}: {e}"
    return values, unavailable


def shown_unit(unit: str) -> str:
    """The unit a reader sees for a target's ``unit``: unit cost in USD per million events (the book's one unit
    for it), fractions as ``%``, every other unit as stored.

    >>> shown_unit("USD/event"), shown_unit("fraction/month"), shown_unit("min")
    ('USD per million events', '%/month', 'min')
    """
    if unit == "USD/event":
        return "USD per million events"
    if unit.startswith("fraction"):
        return "%" + unit.removeprefix("fraction")
    return unit


def format_value(value: float, unit: str) -> str:
    """A measured value as table text in its target's ``shown_unit`` (unit cost per million events).

    >>> format_value(0.99992, "fraction"), format_value(14017468.3, "events/day"), format_value(4.7e-05, "USD/event")
    ('99.992 %', '14,017,468', '47.0')
    >>> format_value(float("inf"), "ms"), format_value(10.8167, "min"), format_value(2.0, "incidents"), format_value(1.0, "fraction")
    ('> 500 (above the last bucket)', '10.8', '2', '100 %')
    """
    if math.isnan(value):
        return ""
    if math.isinf(value):
        return "> 500 (above the last bucket)"
    if unit.startswith("fraction"):
        if value == 1.0:
            return "100 %"
        return f"{100 * value:.3f} %" if value > 0.99 else f"{100 * value:.1f} %" if value >= 0.1 else f"{100 * value:.3g} %"
    if unit == "USD/event":
        return f"{usd_per_million(value):.1f}"
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    return f"{value:.0f}" if value == round(value) else f"{value:.1f}"  # a whole count or target prints whole


def target_text(target: Any) -> str:
    """A :class:`dfp.io.system.Target` as table text, its value formatted like a measured value.

    >>> from dfp.io.system import load_system
    >>> target_text(load_system().target("cpu_utilisation_ratio")), target_text(load_system().target("rpo_min"))
    ('> 60.0 %', '< 15 min')
    >>> target_text(load_system().target("cost_usd_per_event"))
    '< 100.0 USD per million events'
    """
    value = format_value(float(target.value), target.unit)
    if target.unit.startswith("fraction"):
        return f"{target.op} {value}{target.unit.removeprefix('fraction')}"
    return f"{target.op} {value} {shown_unit(target.unit)}"


def last_full_quarter(system: System, as_of_month: int) -> pd.Period:
    """The last calendar quarter complete by the end of story month ``as_of_month``.

    >>> from dfp.io.system import load_system
    >>> str(last_full_quarter(load_system(), 23)), str(last_full_quarter(load_system(), 22))
    ('2026Q3', '2026Q3')
    """
    return pd.Period(system.month_start(int(as_of_month) + 1).tz_localize(None), "Q") - 1


def window_text(window: str, system: System, as_of_month: int | None = None) -> str:
    """A measure's window with its placeholders filled for the as-of month.

    Placeholders: ``{month}`` (``2026-10``), ``{month_end}`` (its last day), ``{quarter}``,
    ``{last_full_quarter}`` (:func:`last_full_quarter`), ``{era}`` (the month's era) and ``{first}``
    (the story's first month).

    >>> from dfp.io.system import load_system
    >>> window_text("{era} era (to {month}), ends {month_end}, {quarter}, {last_full_quarter}", load_system(), 23)
    'Scale era (to 2026-10), ends 2026-10-31, 2026Q4, 2026Q3'
    """
    m = system.months - 1 if as_of_month is None else int(as_of_month)
    start = system.month_start(m)
    return window.format(month=f"{start:%Y-%m}", month_end=f"{system.month_start(m + 1) - pd.Timedelta(days=1):%Y-%m-%d}",
                         quarter=str(start.tz_localize(None).to_period("Q")), era=system.era_of(start).name,
                         last_full_quarter=str(last_full_quarter(system, m)),
                         first=f"{system.month_start(0):%Y-%m}")


def book_scorecard(system: System, measured: Mapping[str, float],
                   unavailable: Mapping[str, str] | None = None, as_of_month: int | None = None) -> pd.DataFrame:
    """Every target with its measured value, verdict and the page that computes it.

    Columns: ``id, category, metric, target`` (text), ``measured`` (number, NaN when not measured),
    ``measured_text`` (:func:`format_value`), ``verdict`` (``met``, ``missed`` or ``not measured``),
    ``window``, ``page`` (repository path), ``page_title`` (:func:`dfp.book.cells.page_title`) and ``reason``
    (why a target is not measured: the measure's reason, or the ``unavailable`` message from :func:`measure_book`).
    A target without an entry in :data:`MEASURES` raises: the scorecard must hold every target.
    """
    unavailable = dict(unavailable or {})
    missing = [t.id for t in system.targets if t.id not in MEASURES]
    if missing:
        raise PlaybookError(f"book_scorecard: no measure defined for targets {missing}")
    card = scorecard(system, measured)
    card["target"] = [target_text(system.target(i)) for i in card["id"]]
    card["measured_text"] = [format_value(v, system.target(i).unit) for i, v in zip(card["id"], card["measured"],
                                                                                    strict=True)]
    card["verdict"] = [("not measured" if met is None else "met" if met else "missed") for met in card["met"]]
    card["window"] = [window_text(MEASURES[i].window, system, as_of_month) if i in measured else ""
                      for i in card["id"]]
    card["page"] = [MEASURES[i].page or "" for i in card["id"]]
    card["page_title"] = [page_title(p) if p else "" for p in card["page"]]
    card["reason"] = [("" if i in measured else unavailable.get(i) or MEASURES[i].reason) for i in card["id"]]
    return card.drop(columns="met")


def missed_list(card: pd.DataFrame, system: System) -> str:
    """The missed targets of a :func:`book_scorecard` as one phrase for prose: "average CPU utilisation (15.9 %
    against > 60.0 %); ..." (a metric's first word lower-cased unless it is an acronym), or "none"."""
    parts = []
    for tid, metric, value, target in card.loc[card["verdict"] == "missed", ["id", "metric", "measured_text", "target"]
                                               ].itertuples(index=False):
        first, _, rest = str(metric).partition(" ")
        name = (first if first.isupper() else first.lower()) + (f" {rest}" if rest else "")
        unit = system.target(tid).unit
        shown = "" if unit.startswith("fraction") else f" {shown_unit(unit)}"
        parts.append(f"{name} ({value}{shown} against {target})")
    return "; ".join(parts) or "none"


def missed_categories(card: pd.DataFrame) -> str:
    """Where the misses of a :func:`book_scorecard` sit, most first: "incidents (3), cost (2) and change (1)",
    or "no category" when nothing is missed.

    >>> card = pd.DataFrame({"category": ["cost", "incidents", "cost", "api"], "verdict": ["missed"] * 3 + ["met"]})
    >>> missed_categories(card)
    'cost (2) and incidents (1)'
    """
    n = card.loc[card["verdict"] == "missed"].groupby("category", sort=False).size().sort_values(ascending=False,
                                                                                                  kind="stable")
    parts = [f"{cat} ({k})" for cat, k in n.items()]
    if not parts:
        return "no category"
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + f" and {parts[-1]}"


def verdicts_by_category(card: pd.DataFrame) -> pd.DataFrame:
    """Targets per category (in ``system.yml`` order) and verdict: columns ``met``, ``missed``, ``not measured``."""
    by = card.pivot_table(index="category", columns="verdict", values="id", aggfunc="count", fill_value=0, sort=False)
    return by.reindex(columns=["met", "missed", "not measured"], fill_value=0).astype(int)


def verdict_counts(card: pd.DataFrame) -> dict[str, int]:
    """``{"targets", "measured", "met", "missed", "not_measured"}`` counts of a :func:`book_scorecard`."""
    v = card["verdict"]
    return {"targets": len(card), "measured": int((v != "not measured").sum()), "met": int((v == "met").sum()),
            "missed": int((v == "missed").sum()), "not_measured": int((v == "not measured").sum())}

