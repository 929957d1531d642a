"""Schemas of the business datasets: customers, usage, hourly traffic, revenue, the v0 baseline."""

from __future__ import annotations

from dfp.io.schema import Column, Schema

TIERS = ("mid-market", "enterprise")
REGIONS = ("us-east-1", "eu-west-1")
_GEN = "dfp.generate.business"

customers = Schema(
    name="customers",
    file="customers.csv",
    description="Every customer of the 24-month story: tier, home region, sign-up and churn dates, size.",
    generated_by=_GEN,
    grain="one row per customer",
    key=("customer_id",),
    columns=(
        Column("customer_id", "str", "-", "Stable id, C0001... in order of sign-up"),
        Column("tier", "str", "-", "Commercial tier", allowed=TIERS),
        Column("region", "str", "-", "Home region; EU customers' data stays in eu-west-1 (GDPR)", allowed=REGIONS),
        Column("signup_date", "date", "UTC date", "First day the customer sent events"),
        Column("churn_date", "date", "UTC date", "First day without the customer; empty while retained", nullable=True),
        Column("base_events_per_day", "int", "events/day", "Fully ramped weekday volume at sign-up", low=1),
        Column("large_tenant", "bool", "-", "The tenant whose replay caused INC-01 (hot partition)"),
    ),
)

usage_daily = Schema(
    name="usage_daily",
    file="usage_daily.csv.gz",
    description="Events ingested and API requests per customer per day, with weekly seasonality and noise.",
    generated_by=_GEN,
    grain="one row per customer per active day",
    key=("date", "customer_id"),
    columns=(
        Column("date", "date", "UTC date", "Day of usage"),
        Column("customer_id", "str", "-", "Customer (customers.csv)"),
        Column("region", "str", "-", "Region that ingested the events", allowed=REGIONS),
        Column("events", "int", "events/day", "Events ingested", low=0),
        Column("api_requests", "int", "requests/day", "Ingestion batches plus read-API calls", low=0),
    ),
)

traffic_hourly = Schema(
    name="traffic_hourly",
    file="traffic_hourly.csv.gz",
    description="Events ingested per hour per region: the daily totals spread over the diurnal profile.",
    generated_by=_GEN,
    grain="one row per region per hour the region was live",
    key=("hour", "region"),
    columns=(
        Column("hour", "timestamp", "UTC hour start", "Start of the hour"),
        Column("region", "str", "-", "Region", allowed=REGIONS),
        Column("events", "int", "events/hour", "Events ingested in the hour; sums to usage_daily per region-day", low=0),
        Column("active_customers", "int", "customers", "Customers that sent events in the region that day", low=0),
    ),
)

revenue_monthly = Schema(
    name="revenue_monthly",
    file="revenue_monthly.csv",
    description="Invoiced revenue per customer per month: platform fee plus usage (illustrative pricing in system.yml).",
    generated_by=_GEN,
    grain="one row per customer per month with any usage",
    key=("month", "customer_id"),
    columns=(
        Column("month", "month", "YYYY-MM", "Billing month"),
        Column("customer_id", "str", "-", "Customer (customers.csv)"),
        Column("tier", "str", "-", "Commercial tier", allowed=TIERS),
        Column("events", "int", "events/month", "Events ingested in the month", low=0),
        Column("revenue_usd", "float", "USD/month", "Platform fee (pro rata for partial months) plus usage fee", low=0),
    ),
)

legacy_baseline_monthly = Schema(
    name="legacy_baseline_monthly",
    file="legacy_baseline_monthly.csv",
    description="The v0 system the platform replaced, measured monthly for the six months before month 0.",
    generated_by=_GEN,
    grain="one row per month",
    key=("month",),
    columns=(
        Column("month", "month", "YYYY-MM", "Calendar month"),
        Column("events_per_day_avg", "int", "events/day", "Average daily events", low=0),
        Column("revenue_usd", "float", "USD/month", "Revenue", low=0),
        Column("infra_cost_usd", "float", "USD/month", "Infrastructure bill", low=0),
        Column("cost_attributed_share", "float", "fraction", "Share of the bill attributable to a customer", low=0, high=1),
        Column("p99_latency_offpeak_ms", "float", "ms", "p99 ingest-to-processed latency, quietest hour", low=0),
        Column("p99_latency_peak_ms", "float", "ms", "p99 ingest-to-processed latency, busiest hour", low=0),
        Column("manual_ops_hours", "float", "h/month", "Engineer hours on manual scaling, deploys and incident handling", low=0),
        Column("deploys", "int", "deploys/month", "Production deployments (manual)", low=0),
        Column("regional_outage_min", "float", "min/month", "Minutes the single region's dependencies were down", low=0),
        Column("sla_breach_min", "float", "min/month", "Outage minutes beyond the 99.95 % monthly allowance", low=0),
        Column("data_access_paths", "int", "paths", "Code paths that read tenant data", low=0),
        Column("data_access_paths_audited", "int", "paths", "Of those, paths using tenant-scoped credentials, audit logged", low=0),
    ),
)

SCHEMAS = (customers, usage_daily, traffic_hourly, revenue_monthly, legacy_baseline_monthly)
