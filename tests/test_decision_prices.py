"""The decision matrices' prices against the platform's own models: one pricing function per option,
monotone in volume, and the matrix and the decision records at their stated volumes."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dfp.architecture import decision
from dfp.business import customers as business
from dfp.capacity.sizing import billed_component_usd
from dfp.core.errors import PlaybookError
from dfp.io.data import load
from dfp.io.system import load_system

OPTIONS = ("build", "buy", "hosted_api")


@settings(max_examples=60, deadline=None)
@given(st.floats(0, 5e7), st.floats(0, 5e7), st.floats(0, 1))
def test_ai_prices_never_fall_with_volume(a, b, eu):
    lo, hi = sorted((a, b))
    p_lo, p_hi = decision.ai_option_drivers(lo, eu), decision.ai_option_drivers(hi, eu)
    for o in OPTIONS:
        assert p_lo[f"ai_cost_{o}"] <= p_hi[f"ai_cost_{o}"] + 1e-9


def _matrix_and_record(matrix_eu=None, matrix_chars=None):
    system = load_system()
    monthly = business.monthly_summary(load("usage_daily"), load("revenue_monthly"), load("customers"), system)
    month = int(monthly["month_index"].max())
    eu, chars = decision.ai_cost_inputs(monthly, load("pii_fields"), month)
    target = system.target("events_per_day_avg").value
    story = float(monthly.loc[monthly["month_index"] == month, "events_per_day_avg"].iloc[0])
    drivers = decision.drivers_at_target(system, load("customers"), ai_eu_share=eu if matrix_eu is None else matrix_eu,
                                         ai_chars_per_field=chars if matrix_chars is None else matrix_chars)
    record = decision.ai_option_drivers(story, eu, chars)        # what the cost section (ADR-0015) prices
    return {target: {o: drivers[f"ai_cost_{o}"] for o in OPTIONS}, story: {o: record[f"ai_cost_{o}"] for o in OPTIONS}}


def test_matrix_and_adr_0015_price_the_ai_options_on_one_footing():
    priced = _matrix_and_record()
    assert min(priced) < max(priced)          # the matrix states the lower (target) volume
    decision.check_prices_monotone(priced)


def test_the_check_fails_when_the_matrix_ignores_the_eu_share():
    # the contradiction the book once had: the matrix priced the external options on all traffic, with the
    # cost model's default field size instead of the measured one (3,360 USD at 10 M a day against 2,895 at 14 M)
    with pytest.raises(PlaybookError, match=r"prices fall with volume: option (buy|hosted_api)"):
        decision.check_prices_monotone(_matrix_and_record(matrix_eu=0.0, matrix_chars=40.0))


def test_ai_cost_inputs_reject_an_unknown_month():
    system = load_system()
    monthly = business.monthly_summary(load("usage_daily"), load("revenue_monthly"), load("customers"), system)
    with pytest.raises(PlaybookError, match="no month_index 99"):
        decision.ai_cost_inputs(monthly, load("pii_fields"), 99)


#: how far a matrix option's price per million events may sit from the bill's (the matrix prices a steady state
#: at the 10 M target; the bill's month carries the story's growth and eu-west-1's higher prices)
TOLERANCE = 0.25
MONTH = "2026-10"


def _event_store_per_million(decisions=None):
    from dfp.architecture import model as arch

    system = load_system()
    drivers = decision.drivers_at_target(system, load("customers"))
    ds = decisions or decision.load_decisions()
    ev = decision.evaluate(ds["event-store"], decision.decision_leaves(arch.load_model()), drivers)
    return ev.values.loc["s3-dynamodb", "cost_usd_per_month"] / drivers["events_million_month"]


def _billed_per_million():
    from dfp.io.focus import load_billing

    usage = load("usage_daily")
    month = usage["date"].dt.tz_localize(None).dt.to_period("M") == MONTH
    events_m = float(usage.loc[month, "events"].sum()) / 1e6
    return billed_component_usd(load_billing(), MONTH, ["event-store-s3", "state-dynamodb"]) / events_m


def test_event_store_matrix_prices_what_the_bill_charges():
    decision.check_price_near_bill(_event_store_per_million(), _billed_per_million(), TOLERANCE, "S3 + DynamoDB")


def test_the_event_store_check_fails_on_the_old_matrix_prices():
    import copy

    ds = copy.deepcopy(decision.load_decisions())
    # the matrix as it was: one write unit per event at a pre-2024-11 price, raw event bytes, no reads
    ds["event-store"]["options"]["s3-dynamodb"]["cost_items"] = [
        {"price": "prices.s3_standard_gb_month", "quantity": "event_gb_month", "per": 13},
        {"price": "prices.s3_put_thousand", "quantity": "events_million_month"},
        {"price": "prices.dynamodb_wru_usd_per_million", "quantity": "events_million_month"}]
    with pytest.raises(PlaybookError, match="S3 \\+ DynamoDB: the matrix prices"):
        decision.check_price_near_bill(_event_store_per_million(ds), _billed_per_million(), TOLERANCE, "S3 + DynamoDB")


# ---- a regional cell (ADR-0007) and a tenant silo (ADR-0014) priced from the bill's prod cells -------------------

#: how far the matrix's one-cell price may sit from the bill's cell in the same month and volume (the matrix splits
#: every cell into one fixed part and one price per event; eu-west-1 and us-east-1 differ in unit prices)
CELL_TOLERANCE = 0.15


def _cells():
    from dfp.io.focus import load_billing

    return decision.billed_cells(load_billing(), load("usage_daily"), MONTH)


def _one_cell_price(cells, region, decisions=None, extra_drivers=None):
    """The regions matrix's single-region option priced at one bill cell's volume that month (USD/month)."""
    from dfp.architecture import model as arch

    drivers = decision.drivers_at_target(load_system(), load("customers"), cells=cells)
    drivers["events_million_month"] = float(cells.set_index("region").at[region, "events_million"])
    drivers.update(extra_drivers or {})
    ds = decisions or decision.load_decisions()
    return decision.option_values(ds["regions"], decision.decision_leaves(arch.load_model()), drivers).at[
        "single-region", "cost_usd_per_month"]


@pytest.mark.parametrize("region", ["eu-west-1", "us-east-1"])
def test_a_regional_cell_costs_what_the_bill_charges_for_one(region):
    cells = _cells()
    billed = cells.set_index("region").loc[region]
    decision.check_price_near_bill(_one_cell_price(cells, region) / billed["events_million"],
                                   billed["cost_usd"] / billed["events_million"], CELL_TOLERANCE, f"cell {region}")


def test_the_cell_check_fails_on_the_old_illustrative_footprint():
    import copy

    cells = _cells()
    ds = copy.deepcopy(decision.load_decisions())
    # the matrix as it was: 14,000 USD a month for one region's cell, four times what the bill charges for one
    ds["regions"]["options"]["single-region"]["cost_items"] = [{"price": "old_footprint", "quantity": 1}]
    billed = cells.set_index("region").loc["eu-west-1"]
    price = _one_cell_price(cells, "eu-west-1", ds, {"old_footprint": 14_000.0})
    with pytest.raises(PlaybookError, match="cell eu-west-1: the matrix prices"):
        decision.check_price_near_bill(price / billed["events_million"], billed["cost_usd"] / billed["events_million"],
                                       CELL_TOLERANCE, "cell eu-west-1")


def test_a_tenant_silo_costs_one_cells_fixed_part():
    from dfp.architecture import model as arch

    cells = _cells()
    fixed, _ = decision.cell_cost_split(cells)
    drivers = decision.drivers_at_target(load_system(), load("customers"), cells=cells)
    ev = decision.evaluate(decision.load_decisions()["tenant-isolation"],
                           decision.decision_leaves(arch.load_model()), drivers)
    per_tenant = ev.values.at["silo-per-tenant", "cost_usd_per_month"] / drivers["customers"]
    assert per_tenant == pytest.approx(fixed)
    assert per_tenant < cells["cost_usd"].min()      # a silo's fixed part is less than any whole cell's bill


@settings(max_examples=60, deadline=None)
@given(st.floats(0, 1e5), st.floats(0, 100), st.floats(1, 1e3), st.floats(1.2, 10))
def test_cell_cost_split_recovers_the_parts_of_exact_cells(fixed, per_million, events, ratio):
    import pandas as pd

    ev = [events, events * ratio]
    cells = pd.DataFrame({"region": ["a", "b"], "events_million": ev,
                          "cost_usd": [fixed + per_million * e for e in ev]})
    f, p = decision.cell_cost_split(cells)
    assert f == pytest.approx(fixed, rel=1e-6, abs=1e-6) and p == pytest.approx(per_million, rel=1e-6, abs=1e-6)


def test_cell_cost_split_rejects_what_it_cannot_separate():
    import pandas as pd

    one = pd.DataFrame({"region": ["a"], "events_million": [100.0], "cost_usd": [2000.0]})
    with pytest.raises(PlaybookError, match="at least two cells"):
        decision.cell_cost_split(one)
    close = pd.DataFrame({"region": ["a", "b"], "events_million": [100.0, 101.0], "cost_usd": [2000.0, 2010.0]})
    with pytest.raises(PlaybookError, match="too close to separate"):
        decision.cell_cost_split(close)
    falling = pd.DataFrame({"region": ["a", "b"], "events_million": [100.0, 300.0], "cost_usd": [3000.0, 2000.0]})
    with pytest.raises(PlaybookError, match="negative part"):
        decision.cell_cost_split(falling)


def test_billed_cells_reject_a_month_outside_the_bill():
    from dfp.io.focus import load_billing

    with pytest.raises(PlaybookError, match="billed_cells: no bill row in 2019-01"):
        decision.billed_cells(load_billing(), load("usage_daily"), "2019-01")
