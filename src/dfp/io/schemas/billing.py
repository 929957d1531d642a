"""Schema of the billing export: daily cost lines in the FinOps FOCUS 1.2 shape.

The columns are FOCUS 1.2's mandatory columns plus every conditional column whose condition holds for the
platform's AWS bill; which is which, and the rules that tie columns together, live as cited data in
``data/focus/focus-1.2-columns.yml`` and are checked by :mod:`dfp.io.focus`. The generic checks here (types,
ranges, allowed values) run on load. Allowed values are the subsets of FOCUS's lists this bill uses.
"""

from __future__ import annotations

from dfp.io.schema import Column, Schema

__all__ = ["CHARGE_CATEGORIES", "SCHEMAS", "SERVICE_CATEGORIES", "billing_daily"]

CHARGE_CATEGORIES = ("Usage", "Purchase", "Tax", "Credit", "Adjustment")
CHARGE_FREQUENCIES = ("One-Time", "Recurring", "Usage-Based")
PRICING_CATEGORIES = ("Standard", "Dynamic", "Committed", "Other")
COMMITMENT_CATEGORIES = ("Spend", "Usage")
COMMITMENT_STATUSES = ("Used", "Unused")
# the FOCUS 1.2 ServiceCategory values this export uses (a subset of the specification's list)
SERVICE_CATEGORIES = ("Analytics", "Compute", "Databases", "Integration", "Management and Governance", "Networking",
                      "Security", "Storage", "Other")
_GEN = "dfp.generate.billing"


def _s(name: str, description: str, nullable: bool = True, **kw: object) -> Column:
    return Column(name, "str", "-", description, nullable=nullable, **kw)  # type: ignore[arg-type]


billing_daily = Schema(
    name="billing_daily",
    file="billing_daily.csv.gz",
    description=("AWS cost lines per day, service line and region in the FinOps FOCUS 1.2 shape, "
                 "with customer/team/allocation tags (fictional sample data)."),
    generated_by=_GEN,
    grain="one row per charge period (day, or month for credits) per service line per region per pricing split",
    columns=(
        _s("BillingAccountId", "Payer account id", nullable=False),
        _s("BillingAccountName", "Display name of the payer account", nullable=False),
        _s("BillingCurrency", "Currency of every cost column (ISO 4217)", nullable=False, allowed=("USD",)),
        Column("BillingPeriodStart", "timestamp", "UTC", "First instant of the billing month"),
        Column("BillingPeriodEnd", "timestamp", "UTC", "Exclusive end of the billing month"),
        Column("ChargePeriodStart", "timestamp", "UTC", "Inclusive start of the period the charge covers"),
        Column("ChargePeriodEnd", "timestamp", "UTC", "Exclusive end of the period the charge covers"),
        _s("ChargeCategory", "Highest-level kind of charge", nullable=False, allowed=CHARGE_CATEGORIES),
        _s("ChargeClass", "Correction for a previously invoiced period; empty otherwise", allowed=("Correction",)),
        _s("ChargeFrequency", "How often the charge occurs", nullable=False, allowed=CHARGE_FREQUENCIES),
        _s("ChargeDescription", "Human description of the line"),
        _s("InvoiceIssuerName", "Who invoices the charge", nullable=False),
        _s("ProviderName", "Who makes the service available", nullable=False, allowed=("AWS",)),
        _s("PublisherName", "Who produces the service", nullable=False),
        _s("ServiceName", "Provider's service name", nullable=False),
        _s("ServiceCategory", "FOCUS service category", nullable=False, allowed=SERVICE_CATEGORIES),
        _s("SubAccountId", "Member account the charge belongs to"),
        _s("SubAccountName", "Display name of the member account"),
        _s("RegionId", "Provider region; empty for global charges"),
        _s("RegionName", "Display name of the region; empty for global charges"),
        _s("ResourceId", "ARN-like id of the resource; empty when not resource-level"),
        _s("ResourceName", "Display name of the resource; empty when it has none"),
        _s("ResourceType", "Kind of resource; empty when not resource-level"),
        _s("SkuId", "Provider SKU (usage type)"),
        _s("SkuMeter", "What the SKU meters"),
        _s("SkuPriceId", "The price-list entry the line was priced at"),
        _s("SkuPriceDetails", "Price properties (JSON); empty in this bill"),
        _s("PricingCategory", "Pricing model of the line", allowed=PRICING_CATEGORIES),
        Column("PricingQuantity", "float", "PricingUnit", "Quantity priced (e.g. hours, GB, requests)", low=0,
               nullable=True),
        _s("PricingUnit", "Unit of PricingQuantity (FOCUS UnitFormat)"),
        Column("ListUnitPrice", "float", "USD/PricingUnit", "Public on-demand price per unit", low=0, nullable=True),
        Column("ListCost", "float", "USD", "ListUnitPrice x PricingQuantity (BilledCost on credits)"),
        Column("ContractedUnitPrice", "float", "USD/PricingUnit", "Negotiated price per unit before commitments",
               low=0, nullable=True),
        Column("ContractedCost", "float", "USD", "ContractedUnitPrice x PricingQuantity (BilledCost on credits)"),
        Column("BilledCost", "float", "USD", "Amount invoiced for the line (cash view)"),
        Column("EffectiveCost", "float", "USD", "Amortised cost after commitment discounts (accrual view)"),
        Column("ConsumedQuantity", "float", "ConsumedUnit", "Metered usage; empty on non-usage and unused rows",
               low=0, nullable=True),
        _s("ConsumedUnit", "Unit of ConsumedQuantity (FOCUS UnitFormat)"),
        _s("CommitmentDiscountId", "Savings plan / reservation id"),
        _s("CommitmentDiscountName", "Display name of the commitment"),
        _s("CommitmentDiscountType", "Provider's commitment type"),
        _s("CommitmentDiscountCategory", "Spend- or usage-based commitment", allowed=COMMITMENT_CATEGORIES),
        _s("CommitmentDiscountStatus", "Used or Unused share of the commitment", allowed=COMMITMENT_STATUSES),
        Column("CommitmentDiscountQuantity", "float", "CommitmentDiscountUnit",
               "Commitment bought, used or left unused on the line", low=0, nullable=True),
        _s("CommitmentDiscountUnit", "Unit of CommitmentDiscountQuantity (FOCUS UnitFormat)"),
        _s("CapacityReservationId", "Capacity reservation id; empty (none bought)"),
        _s("CapacityReservationStatus", "Used or Unused share of the reservation", allowed=("Used", "Unused")),
        Column("Tags", "str", "JSON object", "Resource tags: env, team, app, customer, alloc (allocation key)"),
    ),
)

SCHEMAS = (billing_daily,)
