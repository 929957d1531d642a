"""Unit economics of the story: the per-event target against the budget, the fitted fixed + variable
model, one event's cost by pipeline stage.

=========================  ==================================================================
``UnitEconomics``           the targets at the reference volume, the monthly unit cost and the fit
``unit_economics``          compute it for an as-of month from the bill and the usage
``fit_months``              the months the cost model is fitted on (the Scale era up to the snapshot)
``StageCosts``              one month's cost per million events by stage, its lines and retries
``stage_costs``             compute it from the bill
``per_customer_table``      monthly cost, customers and cost per customer (every third month)
=========================  ==================================================================

Every formula is in :mod:`dfp.cost.economics` (unit cost, budgets, volume for a unit cost, stage
roll-up) and :mod:`dfp.cost.projection` (the least-squares fit); this module only applies them to
the story's data for the unit-economics page.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from dfp.core.errors import PlaybookError
from dfp.core.units import DAYS_PER_MONTH
from dfp.cost import economics
from dfp.cost.projection import CostModel, fit_cost_model
from dfp.io.policies import workload
from dfp.io.system import System

__all__ = ["StageCosts", "UnitEconomics", "fit_months", "per_customer_table", "stage_costs", "unit_economics"]


def _by_month(usage: pd.DataFrame) -> pd.Series:
    return usage["date"].dt.tz_localize(None).dt.to_period("M")


def fit_months(system: System, months: pd.PeriodIndex, as_of_month: int) -> pd.PeriodIndex:
    """The months the cost model is fitted on: the Scale era from its first month up to the snapshot,
    or every month so far for a snapshot less than two months into the Scale era (at least three months).

    >>> from dfp.io.system import load_system
    >>> s = load_system(); m = pd.period_range("2024-11", periods=24, freq="M")
    >>> str(fit_months(s, m, 23)[0]), len(fit_months(s, m, 23)), len(fit_months(s, m, 0))
    ('2025-06', 17, 3)
    """
    scale_first = system.era("scale").first_month
    first = scale_first if as_of_month - scale_first >= 2 else 0
    return months[first: max(as_of_month, 2) + 1]


@dataclass(frozen=True)
class UnitEconomics:
    """The unit-economics figures at an as-of month (USD; volumes in events/day unless named).

    Attributes:
        month: the snapshot month. monthly_cost_usd / usd_per_event: per calendar month of the story.
        target_usd_per_event, target_monthly_usd: the per-event target and its bill at the reference volume.
        budget_usd, budget_usd_per_event: the monthly budget and the unit cost it allows at that volume.
        reference_events_per_day: the owner's reference volume (10 M/day).
        first_met_month: first month at or under the target ("no month of the story" if none).
        model: fixed + variable cost fitted on :func:`fit_months`.
        breakeven_events_per_day: volume meeting the target under the model (None: never).
        cost_at_reference_usd: the model's monthly cost at the reference volume.
    """

    month: pd.Period
    monthly_cost_usd: pd.Series
    usd_per_event: pd.Series
    target_usd_per_event: float
    target_monthly_usd: float
    budget_usd: float
    budget_usd_per_event: float
    reference_events_per_day: float
    first_met_month: str
    model: CostModel
    breakeven_events_per_day: float | None
    cost_at_reference_usd: float

    @property
    def usd_per_event_at_reference(self) -> float:
        """The model's unit cost at the reference volume (USD/event)."""
        return self.cost_at_reference_usd / (self.reference_events_per_day * DAYS_PER_MONTH)


def unit_economics(system: System, billing: pd.DataFrame, usage: pd.DataFrame, as_of_month: int,
                   target_usd_per_event: float) -> UnitEconomics:
    """The per-event target against the budget at the reference volume, and the model fitted to the bill.

    Raises:
        PlaybookError: naming ``as_of_month`` when the months fitted give a negative per-event cost.
    """
    budget = system.target("cost_usd_per_month_target").value
    ref = system.target("events_per_day_avg").value
    total = economics.monthly_cost(billing)
    unit = total / usage.groupby(_by_month(usage))["events"].sum()
    met = unit.index[unit <= target_usd_per_event]
    sel = fit_months(system, total.index, as_of_month)
    # events normalised to the 30.42-day billing month, so month length is not read as volume
    model = fit_cost_model(economics.events_per_billing_month(usage).loc[sel].to_numpy(), total.loc[sel].to_numpy())
    if model.usd_per_million_events < 0:
        raise PlaybookError(
            f"as_of_month={as_of_month}: the cost model fitted on {sel[0]} to {sel[-1]} falls as volume grows "
            f"({model.usd_per_million_events:,.2f} USD per million events), so it cannot price an event; "
            "choose another as_of_month (from 13 on, the fit has seven or more Scale-era months)")
    breakeven = economics.volume_for_unit_cost(model.fixed_usd_per_month, model.usd_per_million_events / 1e6,
                                               target_usd_per_event)
    return UnitEconomics(
        system.month_start(as_of_month).tz_localize(None).to_period("M"), total, unit, target_usd_per_event,
        economics.monthly_cost_usd(ref, target_usd_per_event), budget, economics.cost_usd_per_event(budget, ref), ref,
        str(met[0]) if len(met) else "no month of the story", model, breakeven,
        float(model.cost(ref * DAYS_PER_MONTH)))


@dataclass(frozen=True)
class StageCosts:
    """One month's cost per million events by pipeline stage (:func:`stage_costs`).

    Attributes:
        lines: :func:`dfp.cost.economics.unit_cost_by_stage`. by_stage: USD per million events per stage.
        retry_usd_per_million_attempts: the deliver stage's cost of one extra attempt to one destination.
        retry_storm_day_usd: one day of every delivery attempted twice, at the month's daily volume.
    """

    lines: pd.DataFrame
    by_stage: pd.Series
    retry_usd_per_million_attempts: float
    retry_storm_day_usd: float

    def stage(self, name: str) -> float:
        """USD per million events of a stage (``"1 ingest"`` ... ``"4 platform"``), 0 if the bill has none."""
        return float(self.by_stage.get(name, 0.0))

    def table(self) -> pd.DataFrame:
        """The stages and their total as one row."""
        row = self.by_stage.rename("USD per million events").to_frame().T
        return pd.concat([row, pd.DataFrame({"total": [self.by_stage.sum()]}, index=[row.index[0]])], axis=1)


def stage_costs(billing: pd.DataFrame, usage: pd.DataFrame, month: pd.Period) -> StageCosts:
    """Divide ``month``'s bill by its events, by stage; the retry cost is the deliver stage per destination."""
    events = float(usage.groupby(_by_month(usage))["events"].sum().loc[month])
    lines = economics.unit_cost_by_stage(billing, events, month)
    stages = lines.groupby("stage")["usd_per_million_events"].sum()
    deliver = float(stages.get("3 deliver", 0.0))
    return StageCosts(lines, stages, deliver / workload()["destinations_per_event"],
                      deliver * events / month.days_in_month / 1e6)


def per_customer_table(u: UnitEconomics, usage: pd.DataFrame) -> pd.DataFrame:
    """Monthly cost, active customers, cost per customer and per million events, every third month."""
    active = usage.groupby(_by_month(usage))["customer_id"].nunique()
    return pd.DataFrame({"cost USD": u.monthly_cost_usd, "customers": active,
                         "USD per customer": u.monthly_cost_usd / active,
                         "USD per million events": u.usd_per_event * 1e6}).iloc[::3]
