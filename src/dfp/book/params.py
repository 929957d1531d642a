"""The assumptions a reader may change in a notebook's ``parameters`` cell, with allowed ranges.

One registry for every notebook: a parameter has the same meaning and range wherever it appears.
``dfp run`` checks values against it before executing a notebook, and each notebook calls
:func:`check_parameters` right after its ``parameters`` cell, so an out-of-range value fails fast
with a message naming the parameter and the range, whichever way the notebook is run.
To add a parameter: add a :class:`Param` to ``PARAMETERS``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from dfp.core.checks import check_int_range, check_range
from dfp.core.errors import PlaybookError

__all__ = ["PARAMETERS", "Param", "check_parameters"]


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

    def check(self, value: object) -> object:
        """Return the value if it is of the right kind and in range; raise otherwise."""
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
    Param("growth_rate", "float", 0.0, 1.0, "fraction/month",
          "Month-over-month growth of revenue and event volume used by projections"),
    Param("horizon_months", "int", 1, 120, "months", "How far a projection looks ahead"),
    Param("cost_usd_per_event", "float", 1e-7, 1e-2, "USD/event", "Infrastructure cost per event assumed by a projection"),
    Param("slo_target", "float", 0.9, 0.99999, "fraction", "Availability objective, e.g. 0.9995"),
    Param("window_days", "int", 1, 365, "days", "SLO or SLA compliance window"),
    Param("period_days", "int", 1, 365, "days", "SLO period: the window its error budget is counted over"),
    Param("team_engineers", "int", 1, 20, "engineers", "Platform engineers who share operations"),
    Param("page_handling_min", "float", 1.0, 480.0, "min/page", "Engineer time one page costs, end to end"),
    Param("outage_hours", "float", 0.1, 72.0, "h", "Length of the ingestion outage whose exposure is computed"),
    Param("as_of_month", "int", 0, 23, "story month", "The story month a snapshot is taken at (0..23)"),
    Param("ticket_handling_min", "float", 0.0, 480.0, "min/ticket", "Engineer time one SLO ticket costs, end to end"),
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
    Param("burst_factor", "float", 1.0, 20.0, "x", "Busiest minute's rate over the busiest hour's mean (None = data/platform.yml)"),
    Param("region", "str", 0, 0, "", "AWS region a notebook models", ("us-east-1", "eu-west-1")),
    Param("ops_weight", "float", 0.0, 1.0, "fraction",
          "Weight of weekly operations hours in every decision matrix (None = data/decisions.yml)"),
    Param("lead_time_quantile", "float", 0.5, 0.999, "fraction", "Lead-time quantile held to the < 2 h target"),
    Param("canary_share", "float", 0.01, 0.5, "fraction", "Share of traffic a canary step receives"),
    Param("test_alpha", "float", 0.001, 0.2, "fraction", "False-alarm probability of one statistical test"),
    Param("test_power", "float", 0.5, 0.999, "fraction", "Probability a test detects the regression it is sized for"),
    Param("canary_minutes", "int", 1, 240, "min", "Longest a canary step may run, judged once a minute"),
    Param("regression_error_ratio", "float", 1e-4, 1.0, "fraction",
          "Canary error ratio to detect; None = the INC-03 bad config's ratio in system.yml"),
    Param("risk_appetite_score", "int", 1, 25, "likelihood x impact", "Residual risk needing action"),
    Param("critical_sla_h", "float", 1.0, 720.0, "h", "Critical-finding remediation SLA; None = system.yml"),
    Param("dsr_deadline_days", "float", 1.0, 90.0, "days", "Data-subject request deadline; None = system.yml"),
    Param("pii_miss_cost_usd", "float", 0.01, 1e6, "USD/field", "AI PII flagging: cost of one PII field left unflagged"),
    Param("pii_false_flag_cost_usd", "float", 0.01, 1e5, "USD/field",
          "AI PII flagging: cost of one non-PII field flagged for human review"),
    Param("pii_random_state", "int", 0, 2**31 - 1, "-", "AI PII flagging: seed of the model fit"),
    Param("pii_timeout_ms", "float", 10.0, 2_000.0, "ms", "AI PII flagging: deadline of one batch's model call"),
    Param("pii_sample_fraction", "float", 1e-5, 1.0, "fraction", "AI PII flagging: share of events whose payload is scanned"),
    Param("pii_fields_per_event", "float", 1.0, 500.0, "fields/event", "AI PII flagging: payload fields per event"),
    Param("price_change_ratio", "float", -0.5, 1.0, "fraction",
          "Change of all unit prices from now on in a cost projection (-0.1 = 10 % cheaper)"),
    Param("discount_ratio", "float", 0.0, 0.9, "fraction", "Commitment discount off on-demand (savings plan rate)"),
    Param("max_loss_probability", "float", 0.0, 1.0, "fraction",
          "Largest chance of a commitment level losing money that the buyer accepts"),
    Param("anomaly_z_threshold", "float", 2.0, 50.0, "robust z", "Score above which a day's cost is flagged"),
    Param("min_excess_usd", "float", 0.0, 10000.0, "USD/day", "Smallest daily excess over expected that may alert"),
    Param("response_h", "float", 0.0, 240.0, "h", "Time from an alert to the fix being live"),
    Param("data_latency_h", "float", 0.0, 72.0, "h", "Delay before a closed day's cost is in the billing export"),
    Param("cpu_utilisation_ratio", "float", 0.0, 1.0, "fraction", "Average CPU utilisation of the node fleet"),
    Param("cap_usd_per_customer", "float", 1.0, 100000.0, "USD/month", "Per-customer monthly cost ceiling"),
]

PARAMETERS: dict[str, Param] = {p.name: p for p in _P}


def check_parameters(**values: object) -> None:
    """Check every named parameter against the registry (``None`` = the default from system.yml).

    Raises:
        PlaybookError: unknown parameter name, wrong type, or a value out of its range.

    >>> check_parameters(growth_rate=0.15, horizon_months=24)
    >>> check_parameters(growth_rate=-0.1)
    Traceback (most recent call last):
    ...
    dfp.core.errors.PlaybookError: growth_rate must be in [0.0, 1.0]; got -0.1
    """
    for name, value in values.items():
        if name not in PARAMETERS:
            raise PlaybookError(f"unknown parameter {name!r}; known: {sorted(PARAMETERS)}")
        if value is not None:  # None means "use the value in data/system.yml"
            PARAMETERS[name].check(value)
