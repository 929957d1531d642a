"""05 Reliability: SLO maths, SLI analysis, alerting, availability, Prometheus rules, incidents,
per-minute counts from exported counters."""
