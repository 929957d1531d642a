"""What the PII-flagging capability costs per month, for each option: build, buy, hosted-model API.

=============================  ================================================================
``OPTIONS``                     the three options and where each may process an EU payload
``AiCostAssumptions``           our design assumptions (sampling, fields per event, upkeep hours)
``AiPrices`` / ``ai_prices``    unit prices from ``data/external_facts.yml`` (all illustrative)
``ai_option_cost``              fixed + variable monthly cost of one option (pure)
``ai_monthly_cost_usd``         the one number the cost projection needs: USD/month at a volume
``ai_latency_ms_per_event``     the latency one scanned event adds, per option (cost model)
``options_table``               the options side by side: EU handling, effective recall, latency, cost
``cost_by_month``               each option's monthly cost over a series of months (volume, EU share)
``cost_by_sample_fraction``     each option's monthly cost at one volume as the sampled share varies
``first_month_above``           the first month one option costs more than another (None if never)
=============================  ================================================================

Formulas (months are 30.42 days, ``dfp.core.units``):

* fields scanned per month = ``events_per_day * DAYS_PER_MONTH * sample_fraction * fields_per_event
  * processed_share``, where ``processed_share`` is 1 for an option that runs in every region and
  ``1 - eu_share`` for one that may not receive EU payloads (those fields go to the rules, free).
* build: ``fields * cpu_ms_per_field / 3.6e6 * usd_per_vcpu_hour`` + upkeep hours * engineer rate.
* buy: ``fields * chars_per_field / 1e6 * usd_per_million_chars`` + the platform fee + upkeep.
* hosted-model API: input tokens ``fields * chars_per_field / chars_per_token + requests *
  prompt_tokens``, output tokens ``fields * output_tokens_per_field``, at the per-million-token
  prices, + upkeep.

Human review of flags is the same for every option and is not included here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Literal

import numpy as np
import pandas as pd

from dfp.core.checks import check_fraction, check_non_negative, check_positive
from dfp.core.errors import PlaybookError
from dfp.core.units import DAYS_PER_MONTH
from dfp.io.external import fact

__all__ = ["OPTIONS", "AiCostAssumptions", "AiPrices", "Option", "OptionCost", "ai_latency_ms_per_event",
           "ai_monthly_cost_usd", "ai_option_cost", "ai_prices", "cost_by_month", "cost_by_sample_fraction",
           "first_month_above", "options_table", "upkeep_h_per_month"]

OptionId = Literal["build", "buy", "hosted_api"]


@dataclass(frozen=True)
class Option:
    """One way to get the capability."""

    id: str
    name: str
    eu_in_region: bool      # may it process an eu-west-1 customer's payload without it leaving the EU?
    description: str


OPTIONS: dict[str, Option] = {
    "build": Option("build", "Build: own model in each regional cell", True,
                    "scikit-learn classifier trained offline, served in-process by the flagging consumer in "
                    "us-east-1 and eu-west-1; the rules baseline as fallback"),
    "buy": Option("buy", "Buy: DLP vendor's classification API", False,
                  "a data-loss-prevention vendor's SaaS inspection API, billed per character inspected plus a "
                  "platform fee; its processing region is outside our control, so no EU payloads"),
    "hosted_api": Option("hosted_api", "Hosted-model API: general LLM provider", False,
                         "a hosted large language model prompted to label fields, billed per token; payloads "
                         "leave our AWS accounts, so no EU payloads without a sub-processor agreement"),
}


@dataclass(frozen=True)
class AiCostAssumptions:
    """Our design assumptions (not prices). Illustrative; a notebook's parameters override them."""

    sample_fraction: float = 0.01           # share of events whose payload is scanned
    fields_per_event: float = 12.0          # payload fields per event
    chars_per_field: float = 40.0           # field name + value, characters (the sample's mean is close)
    build_cpu_ms_per_field: float = 0.1     # in-process scoring budget, CPU ms per field (dfp bench measures it)
    build_upkeep_h_per_month: float = 16.0  # retraining, evaluation review, promotion
    buy_upkeep_h_per_month: float = 4.0     # vendor management, contract, integration
    api_upkeep_h_per_month: float = 6.0     # prompt and parser upkeep, provider changes
    api_fields_per_request: float = 20.0    # fields labelled per API request
    api_prompt_tokens_per_request: float = 300.0
    api_output_tokens_per_field: float = 6.0
    chars_per_token: float = 4.0

    def __post_init__(self) -> None:
        check_fraction("sample_fraction", self.sample_fraction, closed=True)
        for name in ("fields_per_event", "chars_per_field", "build_cpu_ms_per_field", "api_fields_per_request",
                     "chars_per_token"):
            check_positive(name, getattr(self, name))
        for name in ("build_upkeep_h_per_month", "buy_upkeep_h_per_month", "api_upkeep_h_per_month",
                     "api_prompt_tokens_per_request", "api_output_tokens_per_field"):
            check_non_negative(name, getattr(self, name))


@dataclass(frozen=True)
class AiPrices:
    """Unit prices (USD). Read them with :func:`ai_prices`; construct directly in tests."""

    vcpu_hour_usd: float
    engineer_hour_usd: float
    dlp_usd_per_million_chars: float
    dlp_platform_fee_usd_per_month: float
    llm_usd_per_million_input_tokens: float
    llm_usd_per_million_output_tokens: float
    dlp_latency_p95_ms: float
    llm_latency_p95_ms: float


def ai_prices() -> AiPrices:
    """The unit prices from ``data/external_facts.yml`` (entries ``prices.ai_*``, ``slas.ai_*``)."""

    return AiPrices(
        vcpu_hour_usd=fact("prices.ai_vcpu_hour_usd").value,
        engineer_hour_usd=fact("prices.ai_engineer_hour_usd").value,
        dlp_usd_per_million_chars=fact("prices.ai_dlp_usd_per_million_chars").value,
        dlp_platform_fee_usd_per_month=fact("prices.ai_dlp_platform_fee_usd_per_month").value,
        llm_usd_per_million_input_tokens=fact("prices.ai_llm_usd_per_million_input_tokens").value,
        llm_usd_per_million_output_tokens=fact("prices.ai_llm_usd_per_million_output_tokens").value,
        dlp_latency_p95_ms=fact("slas.ai_dlp_latency_p95_ms").value,
        llm_latency_p95_ms=fact("slas.ai_llm_latency_p95_ms").value,
    )


@dataclass(frozen=True)
class OptionCost:
    """One option's monthly cost at one volume."""

    option: str
    fields_per_month: float
    variable_usd: float
    fixed_usd: float  # upkeep included
    upkeep_usd: float = 0.0  # the engineer hours inside fixed_usd, at the engineer rate

    @property
    def total_usd(self) -> float:
        return self.variable_usd + self.fixed_usd

    @property
    def cash_usd(self) -> float:
        """What the option costs apart from our engineers' time: compute, vendor fees, tokens (USD/month).
        A decision matrix that scores upkeep hours as their own criterion prices the option at this, so the
        hours are not counted twice."""
        return self.total_usd - self.upkeep_usd


def _option(option: str) -> Option:
    if option not in OPTIONS:
        raise PlaybookError(f"option must be one of {list(OPTIONS)}; got {option!r}")
    return OPTIONS[option]


def ai_option_cost(events_per_day: float, option: str, a: AiCostAssumptions, p: AiPrices,
                   eu_share: float = 0.0) -> OptionCost:
    """Monthly cost of ``option`` at ``events_per_day`` (see the module docstring for the formulas).

    >>> p = AiPrices(0.05, 100.0, 1.0, 1000.0, 3.0, 15.0, 100.0, 1000.0)
    >>> c = ai_option_cost(10_000_000, "build", AiCostAssumptions(), p)
    >>> round(c.fields_per_month), round(c.variable_usd, 2), c.fixed_usd
    (36500000, 0.05, 1600.0)
    """
    opt = _option(option)
    e = check_non_negative("events_per_day", events_per_day)
    share = 1.0 if opt.eu_in_region else 1.0 - check_fraction("eu_share", eu_share, closed=True)
    fields = e * DAYS_PER_MONTH * a.sample_fraction * a.fields_per_event * share
    upkeep = upkeep_h_per_month(opt.id, a) * p.engineer_hour_usd
    if opt.id == "build":
        variable = fields * a.build_cpu_ms_per_field / 3.6e6 * p.vcpu_hour_usd
        fixed = upkeep
    elif opt.id == "buy":
        variable = fields * a.chars_per_field / 1e6 * p.dlp_usd_per_million_chars
        fixed = p.dlp_platform_fee_usd_per_month + upkeep
    else:
        requests = fields / a.api_fields_per_request
        tokens_in = fields * a.chars_per_field / a.chars_per_token + requests * a.api_prompt_tokens_per_request
        tokens_out = fields * a.api_output_tokens_per_field
        variable = (tokens_in * p.llm_usd_per_million_input_tokens + tokens_out * p.llm_usd_per_million_output_tokens) / 1e6
        fixed = upkeep
    return OptionCost(opt.id, fields, variable, fixed, upkeep)


def upkeep_h_per_month(option: str, a: AiCostAssumptions) -> float:
    """Engineer hours a month ``option`` needs (retraining and review, vendor management, or prompt upkeep).

    >>> upkeep_h_per_month("build", AiCostAssumptions())
    16.0
    """
    return {"build": a.build_upkeep_h_per_month, "buy": a.buy_upkeep_h_per_month,
            "hosted_api": a.api_upkeep_h_per_month}[_option(option).id]


def ai_monthly_cost_usd(events_per_day: float, option: str, eu_share: float = 0.0,
                        assumptions: AiCostAssumptions | None = None, prices: AiPrices | None = None) -> float:
    """USD per month of the PII-flagging capability for ``option`` at ``events_per_day``.

    The function the cost projection folds in: defaults are the design assumptions and the prices in
    ``data/external_facts.yml``.

    >>> ai_monthly_cost_usd(0, "build") == AiCostAssumptions().build_upkeep_h_per_month * ai_prices().engineer_hour_usd
    True
    """
    a = assumptions or AiCostAssumptions()
    p = prices or ai_prices()
    return ai_option_cost(events_per_day, option, a, p, eu_share).total_usd


def ai_latency_ms_per_event(option: str, a: AiCostAssumptions, p: AiPrices) -> float:
    """Latency one scanned event adds (ms): in-process CPU time for build, the request p95 otherwise.

    A cost model, not a measurement (notebooks must give the same output every run); ``dfp bench``
    measures the built model's real scoring time.

    >>> ai_latency_ms_per_event("build", AiCostAssumptions(), AiPrices(0.05, 100, 1, 1000, 3, 15, 100, 1000))
    1.2000000000000002
    """
    opt = _option(option)
    if opt.id == "build":
        return a.build_cpu_ms_per_field * a.fields_per_event
    return p.dlp_latency_p95_ms if opt.id == "buy" else p.llm_latency_p95_ms


def options_table(costs: Mapping[str, OptionCost], events_per_day: float, eu_share: float, recall_model: float,
                  recall_rules: float, a: AiCostAssumptions, p: AiPrices) -> pd.DataFrame:
    """Per option (rows by name): EU payloads in region, effective recall in %, latency, costs, USD per M events.

    Effective recall: the model's where the option may process EU payloads in region, else the share-
    weighted mix ``(1 - eu) x model + eu x rules`` (EU payloads fall back to the rules).
    """
    events_month = events_per_day * DAYS_PER_MONTH
    rows = []
    for o, c in costs.items():
        opt = OPTIONS[o]
        recall = recall_model if opt.eu_in_region else (1 - eu_share) * recall_model + eu_share * recall_rules
        rows.append({"option": opt.name, "EU payloads in region": "yes" if opt.eu_in_region else "no (rules only)",
                     "effective recall %": 100 * recall, "latency ms/event": ai_latency_ms_per_event(o, a, p),
                     "variable USD/month": c.variable_usd, "fixed USD/month": c.fixed_usd,
                     "total USD/month": c.total_usd, "USD per M events": c.total_usd / events_month * 1e6})
    return pd.DataFrame(rows).set_index("option")


def cost_by_month(monthly: pd.DataFrame, a: AiCostAssumptions, p: AiPrices) -> pd.DataFrame:
    """Each option's monthly cost (columns by option name) for months with ``events_per_day_avg`` and
    ``eu_events_share`` (rows indexed by the month's first day)."""
    return pd.DataFrame({
        OPTIONS[o].name: [ai_monthly_cost_usd(float(r.events_per_day_avg), o, float(r.eu_events_share), a, p)
                          for r in monthly.itertuples()]
        for o in OPTIONS}, index=pd.PeriodIndex(monthly["month"]).to_timestamp())


def cost_by_sample_fraction(events_per_day: float, eu_share: float, a: AiCostAssumptions, p: AiPrices,
                            fractions: Sequence[float]) -> dict[str, list[float]]:
    """Each option's total monthly cost (by option name) at ``events_per_day`` for each sampled share."""
    return {OPTIONS[o].name: [ai_option_cost(events_per_day, o, replace(a, sample_fraction=float(f)), p,
                                             eu_share).total_usd for f in fractions] for o in OPTIONS}


def first_month_above(series: pd.DataFrame, higher: str, lower: str) -> int | None:
    """Position of the first row where column ``higher`` exceeds column ``lower`` (None if never).

    >>> first_month_above(pd.DataFrame({"a": [1, 3], "b": [2, 2]}), "a", "b")
    1
    """
    above = (series[higher] > series[lower]).to_numpy()
    return int(np.argmax(above)) if above.any() else None
