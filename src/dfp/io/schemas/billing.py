"""Schema of the billing export: daily cost lines in the FinOps FOCUS shape.

Column names and allowed values follow the FinOps Open Cost and Usage Specification (FOCUS 1.0):
``ChargeCategory`` is one of Usage/Purchase/Tax/Credit/Adjustment, ``ChargeFrequency`` one of
One-Time/Recurring/Usage-Based, ``CommitmentDiscountStatus`` Used/Unused, and so on. The generic
checks here (types, ranges, allowed values) run on load; the FOCUS invariants that tie columns
together (``ListCost = ListUnitPrice x PricingQuantity``, charge period start before end, the cost
columns of commitment-covered rows) are checked by :mod:`dfp.io.focus`.
"""

from __future__ import annotations

from dfp.io.schema import Column, Schema

__all__ = ["CHARGE_CATEGORIES", "SCHEMAS", "SERVICE_CATEGORIES", "billing_daily"]

CHARGE_CATEGORIES = ("Usage", "Purchase", "Tax", "Credit", "Adjustment")
CHARGE_FREQUENCIES = ("One-Time", "Recurring", "Usage-Based")
PRICING_CATEGORIES = ("Standard", "Dynamic", "Committed", "Other")
COMMITMENT_CATEGORIES = ("Spend", "Usage")
COMMITMENT_STATUSES = ("Used", "Unused")
# the FOCUS 1.0 ServiceCategory values this export uses (a subset of the specification's list)
SERVICE_CATEGORIES = ("Analytics", "Compute", "Databases", "Management and Governance", "Networking", "Storage",
                      "Other")
_GEN = "dfp.generate.billing"

billing_daily = Schema(
    name="billing_daily",
    file="billing_daily.csv.gz",
    description=("AWS cost lines per day, service line and region in the FinOps FOCUS 1.0 shape, "
                 "with customer/team/allocation tags (fictional sample data)."),
    generated_by=_GEN,
    grain="one row per charge period (day, or month for credits) per service line per region per pricing split",
    columns=(
        Column("BillingAccountId", "str", "-", "Payer account id"),
        Column("BillingCurrency", "str", "-", "Currency of every cost column", allowed=("USD",)),
        Column("BillingPeriodStart", "timestamp", "UTC", "First instant of the billing month"),
        Column("ChargePeriodStart", "timestamp", "UTC", "Inclusive start of the period the charge covers"),
        Column("ChargePeriodEnd", "timestamp", "UTC", "Exclusive end of the period the charge covers"),
        Column("ChargeCategory", "str", "-", "Highest-level kind of charge", allowed=CHARGE_CATEGORIES),
        Column("ChargeFrequency", "str", "-", "How often the charge occurs", allowed=CHARGE_FREQUENCIES),
        Column("ChargeDescription", "str", "-", "Human description of the line"),
        Column("ProviderName", "str", "-", "Cloud provider", allowed=("AWS",)),
        Column("ServiceName", "str", "-", "Provider's service name"),
        Column("ServiceCategory", "str", "-", "FOCUS service category", allowed=SERVICE_CATEGORIES),
        Column("RegionId", "str", "-", "Provider region; empty for global charges", nullable=True),
        Column("ResourceId", "str", "-", "ARN-like id of the resource; empty when not resource-level", nullable=True),
        Column("SkuId", "str", "-", "Provider SKU (usage type)", nullable=True),
        Column("PricingCategory", "str", "-", "Pricing model of the usage row", allowed=PRICING_CATEGORIES,
               nullable=True),
        Column("PricingQuantity", "float", "PricingUnit", "Quantity priced (e.g. hours, GB, requests)", low=0,
               nullable=True),
        Column("PricingUnit", "str", "-", "Unit of PricingQuantity", nullable=True),
        Column("ListUnitPrice", "float", "USD/PricingUnit", "Public on-demand price per unit", low=0, nullable=True),
        Column("ListCost", "float", "USD", "ListUnitPrice x PricingQuantity", low=0),
        Column("ContractedUnitPrice", "float", "USD/PricingUnit", "Negotiated price per unit before commitments",
               low=0, nullable=True),
        Column("ContractedCost", "float", "USD", "ContractedUnitPrice x PricingQuantity", low=0),
        Column("BilledCost", "float", "USD", "Amount invoiced for the line (cash view)"),
        Column("EffectiveCost", "float", "USD", "Amortised cost after commitment discounts (accrual view)"),
        Column("CommitmentDiscountId", "str", "-", "Savings plan / reservation id", nullable=True),
        Column("CommitmentDiscountType", "str", "-", "Provider's commitment type", nullable=True),
        Column("CommitmentDiscountCategory", "str", "-", "Spend- or usage-based commitment",
               allowed=COMMITMENT_CATEGORIES, nullable=True),
        Column("CommitmentDiscountStatus", "str", "-", "Used or Unused share of the commitment",
               allowed=COMMITMENT_STATUSES, nullable=True),
        Column("Tags", "str", "JSON object", "Resource tags: env, team, app, customer, alloc (allocation key)"),
    ),
)

SCHEMAS = (billing_daily,)
