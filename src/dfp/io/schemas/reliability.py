"""Schemas of the reliability datasets: hourly SLI counts, latency buckets, the incident event log."""

from __future__ import annotations

from dfp.io.schema import Column, Schema

REGIONS = ("us-east-1", "eu-west-1")
SLOS = ("api-availability", "processing-latency", "processing-success", "delivery-success", "delivery-freshness")
SEVERITIES = ("sev1", "sev2", "sev3")
_GEN = "dfp.generate.reliability"

sli_hourly = Schema(
    name="sli_hourly",
    file="sli_hourly.csv.gz",
    description=("Good and total events per SLO per region per hour from month 4 (SLOs start) to the end of the "
                 "story; the hourly roll-up of the per-minute SLI series, which dfp.generate.sli regenerates from the seed."),
    generated_by=_GEN,
    grain="one row per SLO per region per hour with traffic",
    key=("hour", "slo", "region"),
    columns=(
        Column("hour", "timestamp", "UTC hour start", "Start of the hour"),
        Column("slo", "str", "-", "SLO name (data/slos/*.yaml)", allowed=SLOS),
        Column("region", "str", "-", "Region (each regional cell has its own SLO)", allowed=REGIONS),
        Column("total", "int", "events/hour", "Valid events: API requests, events processed, delivery attempts", low=0),
        Column("good", "int", "events/hour", "Of those, good events (no 5xx, no error, within the latency bound)",
               low=0),
    ),
)

sli_latency_hourly = Schema(
    name="sli_latency_hourly",
    file="sli_latency_hourly.csv.gz",
    description=("Cumulative latency-bucket counts of event processing (ingestion -> processed) per region per "
                 "hour; the latency SLO's good events are le_500ms."),
    generated_by=_GEN,
    grain="one row per region per hour with traffic",
    key=("hour", "region"),
    columns=(
        Column("hour", "timestamp", "UTC hour start", "Start of the hour"),
        Column("region", "str", "-", "Region", allowed=REGIONS),
        Column("total", "int", "events/hour", "Events processed", low=0),
        Column("le_100ms", "int", "events/hour", "Processed within 100 ms", low=0),
        Column("le_300ms", "int", "events/hour", "Processed within 300 ms (includes le_100ms)", low=0),
        Column("le_500ms", "int", "events/hour", "Processed within 500 ms (includes le_300ms)", low=0),
    ),
)

incident_events = Schema(
    name="incident_events",
    file="incident_events.csv",
    description=("The incident event log: for each calendar incident, when impact started, when it was detected "
                 "(and how), acknowledged, mitigated and resolved."),
    generated_by=_GEN,
    grain="one row per incident",
    key=("incident_id",),
    columns=(
        Column("incident_id", "str", "-", "Incident id (system.yml incident calendar)"),
        Column("severity", "str", "-", "sev1 = critical", allowed=SEVERITIES),
        Column("regions", "str", "-", "Regions hit, ';'-separated"),
        Column("services", "str", "-", "Services hit, ';'-separated"),
        Column("impact_start", "timestamp", "UTC", "First minute of impact (system.yml)"),
        Column("detected", "timestamp", "UTC",
               "First page of the production alert policy, or the review that found it"),
        Column("detection_source", "str", "-", "What detected it"),
        Column("acknowledged", "timestamp", "UTC", "An engineer took the incident"),
        Column("mitigated", "timestamp", "UTC", "Impact ended (system.yml impact_end)"),
        Column("resolved", "timestamp", "UTC", "Incident closed: backlog drained, fix verified"),
        Column("sli_impact", "bool", "-", "Whether users saw it in an SLI"),
    ),
)

SCHEMAS = (sli_hourly, sli_latency_hourly, incident_events)
