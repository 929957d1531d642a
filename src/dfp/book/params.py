"""The assumptions a reader may change in a notebook's ``parameters`` cell: ranges and defaults.

One registry for every notebook: a parameter has the same meaning and range wherever it appears
(``PARAMETERS``), and each page's default values live here too (``PAGE_DEFAULTS``; a test keeps every
notebook's ``parameters`` cell equal to its entry, and the scorecard reads the defaults from here).
``dfp run`` checks values against the registry before executing a notebook, and each notebook calls
:func:`setup` right after its ``parameters`` cell, so an out-of-range value fails fast with a message
naming the parameter and the range, whichever way the notebook is run.

=====================  ===================================================================
``PARAMETERS``          every parameter: kind, inclusive range, unit, meaning, its system.yml default
``PAGE_DEFAULTS``       each notebook's parameters and their default values (``None``: system.yml)
``PAGE_RANGES``         narrower ranges a page needs for one of its parameters, with the reason
``param_range``         a parameter's inclusive range on one page
``check_page_parameters``  check a page's values: the registry, then the page's narrower ranges
``check_parameters``    check (and coerce) named values against the registry
``parse_value``         a command-line value: ``1e-05``, ``24``, ``true``, ``m6i.xlarge``
``setup``               a notebook's one set-up call: check, coerce, fill ``None``, plot style
=====================  ===================================================================

To add a parameter: add a :class:`Param` to ``PARAMETERS`` and its page's default to ``PAGE_DEFAULTS``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, MutableMapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import yaml

from dfp.book import plotting
from dfp.core.checks import check_int_range, check_range
from dfp.core.errors import PlaybookError
from dfp.io.external import fact
from dfp.io.openslo import load_slos
from dfp.io.policies import load_policies
from dfp.io.system import System, load_system
from dfp.reliability.alerting import load_oncall_costs
from dfp.reliability.incidents import incident_record

__all__ = ["PAGE_DEFAULTS", "PAGE_RANGES", "PARAMETERS", "Page", "Param", "check_page_parameters", "check_parameters",
           "page_defaults", "param_range", "parse_value", "setup"]


@dataclass(frozen=True)
class Param:
    """A notebook parameter: type, inclusive range, unit and meaning."""

    name: str
    kind: Literal["float", "int", "str", "bool"]
    low: float
    high: float
    unit: str
    description: str
    choices: tuple[str, ...] = ()
    #: where a ``None`` value is read from (``data/system.yml`` or another data file); None: the page decides
    default_from: Callable[[System], object] | None = field(default=None, compare=False, repr=False)

    def check(self, value: object) -> object:
        """Return the value, coerced to its kind (``24.0`` -> ``24`` for an int), if in range; raise otherwise.

        >>> PARAMETERS["horizon_months"].check(24.0)
        24
        >>> PARAMETERS["team_engineers"].check(2.5)
        Traceback (most recent call last):
        ...
        dfp.core.errors.PlaybookError: team_engineers must be an integer; got 2.5
        """
        if self.kind == "int":
            return check_int_range(self.name, value, int(self.low), int(self.high))
        if self.kind == "float":
            return check_range(self.name, value, self.low, self.high)
        if self.kind == "bool":
            if not isinstance(value, bool):
                raise PlaybookError(f"{self.name} must be True or False; got {value!r}")
            return value
        if not isinstance(value, str) or (self.choices and value not in self.choices):
            raise PlaybookError(f"{self.name} must be one of {list(self.choices)}; got {value!r}")
        return value


_P = [
    # 30 %/month for 60 months already multiplies volume by about 7 million: past that a projection says nothing
    Param("growth_rate", "float", 0.0, 0.3, "fraction/month",
          "Month-over-month growth of revenue and event volume used by projections"),
    Param("horizon_months", "int", 1, 60, "months", "How far a projection looks ahead"),
    # unit cost in the book's one unit for it (dfp.book.numbers.usd_per_million); system.yml stores USD per event
    Param("target_usd_per_million_events", "float", 0.1, 10_000.0, "USD per million events",
          "The unit-cost target the bill is held to (None = system.yml cost_usd_per_event, per million events)",
          default_from=lambda s: s.target("cost_usd_per_event").value * 1e6),
    Param("slo_target", "float", 0.9, 0.99999, "fraction", "Availability objective, e.g. 0.9995",
          default_from=lambda s: s.target("api_availability").value),
    Param("internal_slo_target", "float", 0.9, 0.99999, "fraction",
          "The API's internal SLO, tighter than the SLA (None = system.yml api_availability_slo)",
          default_from=lambda s: s.target("api_availability_slo").value),
    Param("window_days", "int", 1, 365, "days", "SLO or SLA compliance window",
          default_from=lambda s: int(load_slos()[0].period_days)),
    Param("team_engineers", "int", 1, 20, "engineers", "Platform engineers who share operations",
          default_from=lambda s: int(s.team["platform_engineers_min"])),
    # the slowest burn-rate alert window is 3 days; a period shorter than a week leaves it nothing to judge
    Param("period_days", "int", 7, 365, "days", "SLO period: the window its error budget is counted over",
          default_from=lambda s: int(load_slos()[0].period_days)),
    Param("page_handling_min", "float", 1.0, 480.0, "min/page", "Engineer time one page costs, end to end",
          default_from=lambda s: load_oncall_costs().page_handling_min),
    Param("outage_hours", "float", 0.1, 72.0, "h", "Length of the ingestion outage whose exposure is computed"),
    Param("as_of_month", "int", 0, 23, "story month", "The story month a snapshot is taken at (0..23)"),
    Param("ticket_handling_min", "float", 0.0, 480.0, "min/ticket", "Engineer time one SLO ticket costs, end to end",
          default_from=lambda s: load_oncall_costs().ticket_handling_min),
    Param("incident_responders", "int", 1, 20, "engineers", "Engineers on a paged incident until it is resolved",
          default_from=lambda s: load_oncall_costs().incident_responders),
    Param("significant_budget_share", "float", 0.005, 0.05, "fraction",
          "Budget share a page's SLOs must have spent for the page to count as worth it (else false)"),
    Param("show_rows", "bool", 0, 1, "-", "Data dictionary: also count each file's rows"),
    # architecture, infrastructure, platform (issue 5)
    Param("node_availability", "float", 0.9, 0.99999, "fraction/month",
          "Monthly availability of one EKS worker node (None = the EC2 instance-level SLA)"),
    Param("api_gateway_availability", "float", 0.99, 0.999999, "fraction/month",
          "Monthly availability assumed for API Gateway (None = its published SLA)"),
    Param("event_bytes", "int", 100, 1_048_576, "bytes", "Mean serialised event size (None = data/system.yml)"),
    Param("retention_months", "int", 1, 120, "months", "How long processed events are kept in the event store"),
    Param("traffic_multiple", "float", 1.0, 1000.0, "x", "Multiple of the story's peak traffic a capacity check uses"),
    Param("replay_days", "int", 1, 30, "days", "Days of its own volume the INC-01 tenant replayed during the incident"),
    Param("node_type", "str", 0, 0, "", "EC2 instance type of the EKS worker nodes",
          ("m6i.large", "m6i.xlarge", "m6i.2xlarge", "c6i.2xlarge", "r6i.xlarge")),
    Param("burst_factor", "float", 1.0, 20.0, "x", "Busiest minute's rate over the busiest hour's mean (None = data/platform.yml)",
          default_from=lambda s: float(load_policies()["stream"]["burst_factor"])),
    Param("region", "str", 0, 0, "", "AWS region a notebook models", ("us-east-1", "eu-west-1")),
    Param("ops_weight", "float", 0.0, 1.0, "fraction",
          "Weight of weekly operations hours in every decision matrix (None = data/decisions.yml)"),
    Param("lead_time_quantile", "float", 0.5, 0.999, "fraction", "Lead-time quantile held to the < 2 h target"),
    Param("canary_share", "float", 0.01, 0.5, "fraction",
          "Share of the partition-key hash space (so of events) in a configuration canary's first step"),
    Param("test_alpha", "float", 0.001, 0.2, "fraction", "False-alarm probability of one statistical test"),
    Param("test_power", "float", 0.5, 0.999, "fraction", "Probability a test detects the regression it is sized for"),
    Param("canary_minutes", "int", 1, 240, "min", "Longest a canary step may run, judged once a minute"),
    # above the story's baseline error ratio (0.04 %, system.yml) and below certain failure
    Param("regression_error_ratio", "float", 1e-3, 0.5, "fraction",
          "Canary error ratio to detect; None = the INC-03 bad config's ratio in system.yml",
          default_from=lambda s: float(incident_record(s, "INC-03").sli_impact["processing-success"])),
    Param("risk_appetite_score", "int", 1, 25, "likelihood x impact", "Residual risk needing action"),
    Param("critical_sla_h", "float", 1.0, 720.0, "h", "Critical-finding remediation SLA; None = system.yml"),
    Param("dsr_deadline_days", "float", 1.0, 90.0, "days", "Data-subject request deadline; None = system.yml",
          default_from=lambda s: float(s.constraints["dsr_deadline_days"])),
    Param("pii_miss_cost_usd", "float", 0.01, 1e6, "USD/field", "AI PII flagging: cost of one PII field left unflagged"),
    Param("pii_false_flag_cost_usd", "float", 0.01, 1e5, "USD/field",
          "AI PII flagging: cost of one non-PII field flagged for human review"),
    Param("pii_random_state", "int", 0, 2**31 - 1, "-", "AI PII flagging: seed of the model fit"),
    Param("pii_timeout_ms", "float", 10.0, 2_000.0, "ms", "AI PII flagging: deadline of one batch's model call"),
    Param("pii_sample_fraction", "float", 1e-5, 1.0, "fraction", "AI PII flagging: share of events whose payload is scanned"),
    Param("pii_fields_per_event", "float", 1.0, 500.0, "fields/event", "AI PII flagging: payload fields per event"),
    Param("price_change_ratio", "float", -0.5, 1.0, "fraction",
          "Change of all unit prices from now on in a cost projection (-0.1 = 10 % cheaper)"),
    Param("discount_ratio", "float", 0.05, 0.9, "fraction", "Commitment discount off on-demand (savings plan rate)",
          default_from=lambda s: fact("prices.compute_savings_plan_1y_discount_ratio").value),
    Param("max_loss_probability", "float", 0.0, 1.0, "fraction",
          "Largest chance of a commitment level losing money that the buyer accepts"),
    Param("anomaly_z_threshold", "float", 2.0, 50.0, "robust z", "Score above which a day's cost is flagged"),
    Param("min_excess_usd", "float", 0.0, 10000.0, "USD/day", "Smallest daily excess over expected that may alert"),
    Param("line_min_excess_usd", "float", 0.0, 10000.0, "USD/day",
          "Smallest daily excess over expected that may alert on one service line"),
    Param("response_h", "float", 0.0, 240.0, "h", "Time from an alert to the fix being live"),
    Param("data_latency_h", "float", 0.0, 72.0, "h", "Delay before a closed day's cost is in the billing export"),
    Param("cpu_utilisation_ratio", "float", 0.0, 1.0, "fraction", "Average CPU utilisation of the node fleet"),
    Param("cap_usd_per_customer", "float", 1.0, 100000.0, "USD/month", "Per-customer monthly cost ceiling",
          default_from=lambda s: s.target("cost_usd_per_enterprise_customer").value),
]

PARAMETERS: dict[str, Param] = {p.name: p for p in _P}

#: Each notebook's parameters and their default values, by notebook name (file name without ``.ipynb``).
#: ``None`` means "the value in the data" (the parameter's ``default_from``) or, where a parameter has no
#: ``default_from``, a value the page derives itself (e.g. a growth rate fitted to the history).
PAGE_DEFAULTS: dict[str, dict[str, Any]] = {
    "constraints": {"slo_target": None, "team_engineers": None, "page_handling_min": None, "as_of_month": 23},
    "problem-statement": {"as_of_month": 23, "outage_hours": 1.0},
    "success-metrics": {"growth_rate": None, "horizon_months": 24},
    "ai-pii-flagging": {"pii_miss_cost_usd": 250.0, "pii_false_flag_cost_usd": 5.0, "pii_random_state": 0},
    "alternatives": {"event_bytes": None, "retention_months": 13, "ops_weight": None},
    "system-design": {"node_availability": None},
    "address-plan": {"traffic_multiple": 10.0, "node_type": "m6i.xlarge"},
    "store-recovery": {"region": "eu-west-1", "retention_months": 13},
    "stream-capacity": {"replay_days": 7, "burst_factor": None},
    "kubernetes-capacity": {"node_type": "m6i.xlarge", "traffic_multiple": 1.0},
    "observability-budget": {"traffic_multiple": 1.0},
    "canary-analysis": {"canary_share": 0.1, "test_alpha": 0.05, "test_power": 0.8, "canary_minutes": 120,
                        "regression_error_ratio": None},
    "dora-metrics": {"lead_time_quantile": 0.95},
    "ai-fallback": {"pii_timeout_ms": 1000.0, "slo_target": 0.99, "period_days": 28, "pii_miss_cost_usd": 250.0,
                    "pii_false_flag_cost_usd": 5.0},
    "alerting": {"period_days": 30, "team_engineers": None, "page_handling_min": None, "ticket_handling_min": None,
                 "incident_responders": None, "significant_budget_share": 0.01},
    "availability-composition": {"slo_target": None, "node_availability": None, "api_gateway_availability": None},
    "incident-review": {"window_days": None},
    "slis-and-slos": {"internal_slo_target": None, "period_days": None},
    "controls-measured": {"as_of_month": 23, "critical_sla_h": None, "dsr_deadline_days": None},
    "threat-model": {"risk_appetite_score": 8},
    "ai-capability-cost": {"as_of_month": 23, "pii_sample_fraction": 0.01, "pii_fields_per_event": 12.0,
                           "pii_miss_cost_usd": 250.0, "pii_false_flag_cost_usd": 5.0},
    "commitments": {"discount_ratio": None, "max_loss_probability": 0.1, "growth_rate": None},
    "customer-attribution": {"as_of_month": 23, "cap_usd_per_customer": None},
    "inc-05-cost-spike": {"anomaly_z_threshold": 6.0, "min_excess_usd": 50.0, "line_min_excess_usd": 10.0,
                          "data_latency_h": 24.0, "response_h": 4.0},
    "projections": {"growth_rate": None, "price_change_ratio": 0.0, "horizon_months": 24},
    "sustainability": {"cpu_utilisation_ratio": None, "as_of_month": 23},
    "unit-economics": {"as_of_month": 23, "target_usd_per_million_events": None},
    "where-the-money-goes": {"as_of_month": 23},
    "scorecard": {"as_of_month": 23},
    "story-over-time": {"as_of_month": 23},
    "system-at-a-glance": {"as_of_month": 23},
    "data-dictionary": {"show_rows": True},
}


#: Where a page needs a narrower range than the registry's for one of its parameters: page -> parameter ->
#: (low, high, why). The registry's range still bounds every page; this only narrows it.
PAGE_RANGES: dict[str, dict[str, tuple[float, float, str]]] = {
    "controls-measured": {"as_of_month": (8, 23, "it measures the Scale era, from month 7")},
    "story-over-time": {"as_of_month": (8, 23, "it compares every era, the Scale era from month 7")},
    # the Scale-era cost model rises with volume (a break-even exists) from month 13 on; before, it has too few months
    "unit-economics": {"as_of_month": (13, 23, "its cost model needs six Scale-era months")},
    # the internal SLO sits above the 99.95 % SLA, and its margin must cover a page and its acknowledgement
    # (about 7 min): 0.02 points of a month do, 0.02 points of a week (2 min) do not
    "slis-and-slos": {"internal_slo_target": (0.9997, 0.9999, "the internal SLO is tighter than the 99.95 % SLA"),
                      "period_days": (27, 90, "a shorter period's margin cannot cover a page and its acknowledgement")},
    # the CloudWatch line's daily excess during INC-05 peaks near 25 USD: a higher floor would never flag it
    "inc-05-cost-spike": {"line_min_excess_usd": (1.0, 15.0, "INC-05's CloudWatch excess peaks near 25 USD a day")},
}


def param_range(page: str, name: str) -> tuple[float, float]:
    """The inclusive range of parameter ``name`` on ``page``: the registry's, narrowed by :data:`PAGE_RANGES`.

    >>> param_range("controls-measured", "as_of_month"), param_range("scorecard", "as_of_month")
    ((8, 23), (0, 23))
    """
    p = PARAMETERS[name]
    low, high, _ = PAGE_RANGES.get(Path(page).name.removesuffix(".ipynb"), {}).get(name, (p.low, p.high, ""))
    return low, high


def check_page_parameters(page: str, **values: object) -> dict[str, object]:
    """:func:`check_parameters`, then each value against the page's narrower range in :data:`PAGE_RANGES`.

    >>> check_page_parameters("controls-measured", as_of_month=3)
    Traceback (most recent call last):
    ...
    dfp.core.errors.PlaybookError: as_of_month must be in [8, 23] on controls-measured (it measures the Scale era, from month 7); got 3
    """
    out = check_parameters(**values)
    narrow = PAGE_RANGES.get(Path(page).name.removesuffix(".ipynb"), {})
    for name, value in out.items():
        if name in narrow and isinstance(value, int | float) and not narrow[name][0] <= value <= narrow[name][1]:
            low, high, why = narrow[name]
            raise PlaybookError(f"{name} must be in [{low}, {high}] on {Path(page).name} ({why}); got {value!r}")
    return out


def page_defaults(page: str | Path) -> dict[str, Any]:
    """A notebook's parameters and default values (``page``: its name, file or repository path).

    >>> page_defaults("notebooks/04-delivery/dora-metrics")
    {'lead_time_quantile': 0.95}
    """
    name = Path(page).name.removesuffix(".ipynb")
    if name not in PAGE_DEFAULTS:
        raise PlaybookError(f"no notebook {name!r} in the parameter registry; known: {sorted(PAGE_DEFAULTS)}")
    return dict(PAGE_DEFAULTS[name])


def check_parameters(**values: object) -> dict[str, object]:
    """Check every named parameter against the registry and return the values coerced to their kinds.

    ``None`` means "the default in the data" and passes unchanged.

    Raises:
        PlaybookError: unknown parameter name, wrong type, or a value out of its range, naming the parameter.

    >>> check_parameters(growth_rate=0.15, horizon_months=24.0)
    {'growth_rate': 0.15, 'horizon_months': 24}
    >>> check_parameters(growth_rate=-0.1)
    Traceback (most recent call last):
    ...
    dfp.core.errors.PlaybookError: growth_rate must be in [0.0, 0.3]; got -0.1
    """
    out: dict[str, object] = {}
    for name, value in values.items():
        if name not in PARAMETERS:
            raise PlaybookError(f"unknown parameter {name!r}; known: {sorted(PARAMETERS)}")
        out[name] = None if value is None else PARAMETERS[name].check(value)
    return out


def parse_value(text: str) -> object:
    """A parameter value given on the command line: number (scientific notation too), bool, null or text.

    YAML alone reads ``1e-05`` as text (YAML 1.1 needs a dot in a float's mantissa), so numbers are
    tried first.

    >>> parse_value("1e-05"), parse_value("24"), parse_value("0.08"), parse_value("true"), parse_value("m6i.large")
    (1e-05, 24, 0.08, True, 'm6i.large')
    >>> parse_value("None") is None
    True
    """
    s = text.strip()
    for convert in (int, float):
        try:
            return convert(s)
        except ValueError:
            pass
    if s in ("None", "none"):
        return None
    try:
        return yaml.safe_load(s)
    except yaml.YAMLError:
        return s


@dataclass(frozen=True)
class Page:
    """What a notebook needs after :func:`setup`: its name, the resolved parameters and the system facts."""

    name: str
    params: Mapping[str, Any]
    system: System

    def __getattr__(self, item: str) -> Any:
        try:
            return self.__dict__["params"][item]
        except KeyError:
            raise AttributeError(item) from None


def setup(page: str, namespace: MutableMapping[str, Any] | None = None, **values: Any) -> Page:
    """A notebook's one set-up call, right after its ``parameters`` cell: ``page = setup("name", globals())``.

    Reads the page's parameters from ``namespace`` (the notebook's globals, where papermill injected
    any override) or from ``values``; checks each against the registry (naming the parameter in any
    error); coerces whole floats where an integer is expected; fills ``None`` from the data where the
    parameter has a ``default_from``; writes the resolved values back into ``namespace``; applies the
    house plot style; and returns the :class:`Page`.

    Raises:
        PlaybookError: a parameter of the page is missing, unknown or out of range.

    >>> ns = {"growth_rate": None, "horizon_months": 12.0}
    >>> p = setup("success-metrics", ns)
    >>> p.horizon_months, ns["horizon_months"], p.growth_rate is None
    (12, 12, True)
    >>> setup("constraints", slo_target=None, team_engineers=None, page_handling_min=45.0,
    ...       as_of_month=23).team_engineers
    3
    """
    defaults = page_defaults(page)
    given = dict(values)
    if namespace is not None:
        missing = [n for n in defaults if n not in namespace and n not in given]
        if missing:
            raise PlaybookError(f"{page}: parameters {missing} are not set (its parameters cell must assign them)")
        given = {n: given.get(n, namespace.get(n)) for n in defaults} | given
    unknown = sorted(set(given) - set(defaults))
    if unknown:
        raise PlaybookError(f"{page} has no parameter(s) {unknown}; its parameters are {sorted(defaults)}")
    params = check_page_parameters(page, **{n: given.get(n, defaults[n]) for n in defaults})
    system = load_system()
    for n, v in params.items():
        resolve = PARAMETERS[n].default_from
        if v is None and resolve is not None:
            params[n] = resolve(system)
    if namespace is not None:
        namespace.update(params)
    plotting.use_style()
    return Page(Path(page).name, params, system)
